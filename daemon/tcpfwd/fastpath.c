// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath.h"
#include "fastpath_blob.h"

/* Linux 6.6 (tcx); Debian 12's headers predate it, so the number is spelled out here. */
#define FASTPATH_TCX_INGRESS 46
#define FASTPATH_LINKS_MAX   16

struct fastpath {
	struct bpf_object *obj;
	int prog_fd, flows_fd, stats_fd;
	struct fastpath_slot *slots;
	size_t slots_len;
	uint64_t *dirty;
	size_t dirty_len;
	int links[FASTPATH_LINKS_MAX];
	unsigned n_links;
};

static int fail(char *err, size_t len, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return r < 0 ? r : -EINVAL;
}

/* libbpf prints its verifier logs on stderr by default; tcpfwd reports one line of its own. */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int map_fd(struct fastpath *fp, const char *name)
{
	return bpf_object__find_map_fd_by_name(fp->obj, name);
}

/* Sizes the maps and writes the settings into the program's read-only data. */
static int configure(struct fastpath *fp, const struct fastpath_opts *o, char *err, size_t len)
{
	struct bpf_map *slots = bpf_object__find_map_by_name(fp->obj, "fastpath_slots");
	struct bpf_map *flows = bpf_object__find_map_by_name(fp->obj, "fastpath_flows");
	struct bpf_map *dirty = bpf_object__find_map_by_name(fp->obj, "fastpath_dirty");
	struct bpf_map *ro = bpf_object__find_map_by_name(fp->obj, ".rodata");
	struct fastpath_conf conf = {.mark = o->mark};

	if (!slots || !flows || !dirty || !ro ||
	    bpf_map__set_initial_value(ro, &conf, sizeof(conf)))
		return fail(err, len, -ENOENT, "the built-in BPF object lacks its maps");
	if (bpf_map__set_max_entries(slots, o->slots) ||
	    bpf_map__set_max_entries(flows, 2 * o->slots) ||
	    bpf_map__set_max_entries(dirty, (o->slots + 63) / 64))
		return fail(err, len, -EINVAL, "cannot size the BPF maps for %u flows", o->slots);
	return 0;
}

int fastpath_open(const struct fastpath_opts *o, struct fastpath **ret, char *err, size_t len)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .object_name = "tcpfw_fastpath");
	struct fastpath *fp;
	int r;

	if (!o->slots || o->slots > (UINT32_MAX >> 1))
		return fail(err, len, -EINVAL, "fast path size %u out of range", o->slots);
	fp = calloc(1, sizeof(*fp));
	if (!fp)
		return fail(err, len, -ENOMEM, "out of memory");
	libbpf_set_print(quiet);
	fp->obj = bpf_object__open_mem(fastpath_blob_start, fastpath_blob_size(), &open_opts);
	if (!fp->obj) {
		r = fail(err, len, -errno, "cannot open the built-in BPF object: %s",
			 strerror(errno));
		free(fp);
		return r;
	}
	r = configure(fp, o, err, len);
	if (!r && (r = bpf_object__load(fp->obj)) < 0)
		r = fail(err, len, r, "cannot load the BPF program: %s (%s)", strerror(-r),
			 r == -EPERM ? "needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON"
				     : "needs Linux 6.6 or later with BPF and BTF");
	if (r) {
		bpf_object__close(fp->obj);
		free(fp);
		return r;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(fp->obj, "fastpath");

	fp->prog_fd = prog ? bpf_program__fd(prog) : -1;
	fp->flows_fd = map_fd(fp, "fastpath_flows");
	fp->stats_fd = map_fd(fp, "fastpath_stats");
	fp->slots_len = (size_t)o->slots * sizeof(struct fastpath_slot);
	fp->slots = mmap(NULL, fp->slots_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 map_fd(fp, "fastpath_slots"), 0);
	fp->dirty_len = (size_t)(o->slots + 63) / 64 * sizeof(uint64_t);
	fp->dirty = mmap(NULL, fp->dirty_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 map_fd(fp, "fastpath_dirty"), 0);
	r = errno;
	if (fp->slots == MAP_FAILED)
		fp->slots = NULL;
	if (fp->dirty == MAP_FAILED)
		fp->dirty = NULL;
	if (fp->prog_fd < 0 || fp->flows_fd < 0 || fp->stats_fd < 0 || !fp->slots || !fp->dirty) {
		r = fail(err, len, r ? -r : -ENOENT, "cannot map the fast path's slots: %s",
			 strerror(r));
		fastpath_close(fp);
		return r;
	}
	*ret = fp;
	return 0;
}

int fastpath_attach(struct fastpath *fp, const char *ifname, char *err, size_t len)
{
	unsigned ifindex = if_nametoindex(ifname);

	if (!ifindex)
		return fail(err, len, -ENODEV, "no interface %s", ifname);
	if (fp->n_links == FASTPATH_LINKS_MAX)
		return fail(err, len, -E2BIG, "more than %d interfaces", FASTPATH_LINKS_MAX);
	int link = bpf_link_create(fp->prog_fd, (int)ifindex,
				   (enum bpf_attach_type)FASTPATH_TCX_INGRESS, NULL);

	if (link < 0)
		return fail(err, len, link, "cannot attach to %s: %s%s", ifname, strerror(-link),
			    link == -EINVAL ? " (tcx links need Linux 6.6)" : "");
	fp->links[fp->n_links++] = link;
	return 0;
}

void fastpath_close(struct fastpath *fp)
{
	if (!fp)
		return;
	for (unsigned i = 0; i < fp->n_links; i++)
		close(fp->links[i]);
	if (fp->slots)
		munmap(fp->slots, fp->slots_len);
	if (fp->dirty)
		munmap(fp->dirty, fp->dirty_len);
	bpf_object__close(fp->obj);
	free(fp);
}

struct fastpath_slot *fastpath_slots(struct fastpath *fp)
{
	return fp->slots;
}

uint64_t *fastpath_dirty(struct fastpath *fp)
{
	return fp->dirty;
}

int fastpath_key_add(struct fastpath *fp, const struct fastpath_key *k, uint32_t slot, uint8_t dir)
{
	struct fastpath_ref ref = {.slot = slot, .dir = dir};
	int r = bpf_map_update_elem(fp->flows_fd, k, &ref, BPF_ANY);

	return r < 0 ? -errno : 0;
}

int fastpath_key_del(struct fastpath *fp, const struct fastpath_key *k)
{
	return bpf_map_delete_elem(fp->flows_fd, k) < 0 ? -errno : 0;
}

void fastpath_stats(const struct fastpath *fp, uint64_t out[_FASTPATH_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*v)) : NULL;

	memset(out, 0, sizeof(uint64_t) * _FASTPATH_STAT_MAX);
	if (!v)
		return;
	for (uint32_t k = 0; k < _FASTPATH_STAT_MAX; k++) {
		if (bpf_map_lookup_elem(fp->stats_fd, &k, v) < 0)
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += v[c];
	}
	free(v);
}

int fastpath_prog_fd(const struct fastpath *fp)
{
	return fp->prog_fd;
}
