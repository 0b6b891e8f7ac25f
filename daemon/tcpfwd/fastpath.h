/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fastpath - the one user of libbpf: loads the in-kernel fast path (bpf/fastpath.bpf.c, built
 * into tcpfwd), sizes and maps its maps, attaches it at the ingress of the configured
 * interfaces, and adds and removes the tuples of handed-over flows. What is shared with the
 * program, and how a flow passes between the two, is in lib/fastpath_map.h; the engine works
 * on the slots as plain memory (lib/engine_fastpath.c).
 *
 * It logs nothing: every failure comes back as -errno with a sentence in err, for the caller
 * to log once (the fast path is an optimisation, and tcpfwd runs without it).
 */
#ifndef TCPFW_FASTPATH_H
#define TCPFW_FASTPATH_H

#include <stddef.h>
#include <stdint.h>

#include "fastpath_map.h"

struct fastpath;

struct fastpath_opts {
	uint32_t slots; /* flows the fast path can hold at once */
	uint32_t mark;	/* bits the program sets on packets it accepts */
};

/* Loads the program and creates its maps, unattached. 0 and *ret, or -errno and err. */
int fastpath_open(const struct fastpath_opts *o, struct fastpath **ret, char *err, size_t len);

/*
 * Attaches the program at the ingress of interface `ifname` through a tcx link, which the
 * kernel removes when the process exits, crash included: a dead tcpfwd leaves no program
 * judging for it. 0, or -errno and err.
 */
int fastpath_attach(struct fastpath *fp, const char *ifname, char *err, size_t len);

/* Detaches, unmaps and closes everything. NULL is a no-op. */
void fastpath_close(struct fastpath *fp);

/* The slot array, mapped: fastpath_opts.slots entries. */
struct fastpath_slot *fastpath_slots(struct fastpath *fp);

/* The dirty bitmap, mapped: a bit per slot, set by the program when it moves the flow. */
uint64_t *fastpath_dirty(struct fastpath *fp);

/* Maps one direction of a flow to its slot. 0 or -errno (-E2BIG: the map is full). */
int fastpath_key_add(struct fastpath *fp, const struct fastpath_key *k, uint32_t slot, uint8_t dir);

/* Removes one direction. 0 or -errno (-ENOENT when it was not there). */
int fastpath_key_del(struct fastpath *fp, const struct fastpath_key *k);

/* The program's counters, summed over CPUs. */
void fastpath_stats(const struct fastpath *fp, uint64_t out[_FASTPATH_STAT_MAX]);

/* For tests: the program, to run it with BPF_PROG_TEST_RUN. */
int fastpath_prog_fd(const struct fastpath *fp);

#endif /* TCPFW_FASTPATH_H */
