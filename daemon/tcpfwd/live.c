// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <systemd/sd-id128.h>

#include "clock.h"
#include "live.h"
#include "live_image.h"
#include "log.h"

#define LIVE_FILE     "flows.live"
#define LIVE_NEW      LIVE_FILE ".new"
#define LIVE_BAD      LIVE_FILE ".bad"
#define LIVE_PATH_MAX (CONFIG_PATH_MAX + 16)

struct live {
	const struct config *cfg;
	int dirfd;
	uint8_t *map;
	size_t len;
	bool committed; /* the map is flows.live, not flows.live.new */
	char path[LIVE_PATH_MAX];
};

/* <state.runtime_directory>/flows.live */
static void live_file_path(const struct config *cfg, char path[LIVE_PATH_MAX])
{
	snprintf(path, LIVE_PATH_MAX, "%s/" LIVE_FILE, cfg->state.runtime_directory);
}

static int boot_id(uint8_t out[16])
{
	sd_id128_t id;
	int r = sd_id128_get_boot(&id);

	if (r < 0)
		return r;
	memcpy(out, id.bytes, 16);
	return 0;
}

/* The runtime directory, made if missing (systemd's RuntimeDirectory= makes it otherwise). */
static int open_dir(const char *dir)
{
	if (mkdir(dir, 0750) == -1 && errno != EEXIST)
		return -errno;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd == -1 ? -errno : fd;
}

static int map_fd(struct live *l, int fd, size_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		return -errno;
	l->map = m;
	l->len = len;
	/* a hint: huge pages back shared memory only where the kernel allows it (shmem_enabled) */
	(void)madvise(l->map + LIVE_IMAGE_ALIGN, len - LIVE_IMAGE_ALIGN, MADV_HUGEPAGE);
	return 0;
}

static void set_aside(struct live *l, const char *why)
{
	if (renameat(l->dirfd, LIVE_FILE, l->dirfd, LIVE_BAD) == -1)
		unlinkat(l->dirfd, LIVE_FILE, 0);
	log_warning("state: %s/" LIVE_FILE " set aside as " LIVE_BAD ": %s; starting without it",
		    l->cfg->state.runtime_directory, why);
}

/* Maps the previous table; 0 when it can be resumed, 1 when there is none to resume. */
static int open_previous(struct live *l, const uint8_t boot[16])
{
	const char *why = NULL;
	struct stat st;
	int r, fd = openat(l->dirfd, LIVE_FILE, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

	if (fd == -1 && errno == ENOENT)
		return 1;
	if (fd == -1 || fstat(fd, &st) == -1)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		why = "not a regular file of this user";
	else if ((size_t)st.st_size < LIVE_IMAGE_ALIGN)
		why = live_image_strerror(-EBADMSG);
	else if ((r = map_fd(l, fd, (size_t)st.st_size)) < 0)
		why = strerror(-r);
	else if ((r = live_image_check(l->map, l->len, l->cfg, boot, clock_now_ms())) < 0)
		why = live_image_strerror(r);
	if (fd != -1)
		close(fd);
	if (!why) {
		l->committed = true;
		return 0;
	}
	if (l->map) {
		munmap(l->map, l->len);
		l->map = NULL;
	}
	set_aside(l, why);
	return 1;
}

static int create_new(struct live *l, const uint8_t boot[16])
{
	size_t len = live_image_size(l->cfg);
	struct statfs sf;

	if (!len)
		return -EINVAL;
	unlinkat(l->dirfd, LIVE_NEW, 0); /* left by a process that died starting */
	int fd = openat(l->dirfd, LIVE_NEW, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0600);
	if (fd == -1)
		return -errno;
	if (fstatfs(fd, &sf) == 0 && sf.f_type != TMPFS_MAGIC && sf.f_type != RAMFS_MAGIC &&
	    sf.f_type != HUGETLBFS_MAGIC)
		log_warning("state: %s is not in memory (tmpfs): the kernel will write flows "
			    "back to disk",
			    l->cfg->state.runtime_directory);
	/* reserve it all now: a tmpfs that fills later would kill the packet path with SIGBUS */
	int r = -posix_fallocate(fd, 0, (off_t)len);
	if (r == 0)
		r = map_fd(l, fd, len);
	close(fd);
	if (r < 0) {
		unlinkat(l->dirfd, LIVE_NEW, 0);
		return r;
	}
	live_image_init(l->map, l->cfg, boot);
	return 0;
}

int live_open(const struct config *cfg, struct live **ret, bool *resume)
{
	uint8_t boot[16];
	struct live *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return log_errno(CONFIG_LOG_ERR, -ENOMEM, "state: live table");
	l->cfg = cfg;
	live_file_path(cfg, l->path);
	r = boot_id(boot);
	if (r < 0) {
		free(l);
		return log_errno(
			CONFIG_LOG_WARNING, r,
			"state: no boot id, so no live table: a crash will lose the flows");
	}
	l->dirfd = open_dir(cfg->state.runtime_directory);
	if (l->dirfd < 0) {
		r = l->dirfd;
		free(l);
		return log_errno(CONFIG_LOG_WARNING, r,
				 "state: %s: no live table, a crash will lose the flows",
				 cfg->state.runtime_directory);
	}
	/* held for the process's life: a second daemon on this table would wreck the first's */
	if (flock(l->dirfd, LOCK_EX | LOCK_NB) == -1) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		log_errno(CONFIG_LOG_ERR, r, "state: another tcpfwd runs on %s",
			  cfg->state.runtime_directory);
		live_close(l, false);
		return r;
	}
	*resume = open_previous(l, boot) == 0;
	if (!*resume) {
		r = create_new(l, boot);
		if (r < 0) {
			log_errno(CONFIG_LOG_WARNING, r,
				  "state: cannot make %s (%zu bytes): no live table, a crash will "
				  "lose the flows",
				  l->path, live_image_size(cfg));
			live_close(l, false);
			return r;
		}
	}
	*ret = l;
	return 0;
}

void *live_engine_image(struct live *l, unsigned i)
{
	return l->map + live_image_engine_offset(i);
}

void *live_engine_pool(struct live *l, unsigned i)
{
	return l->map + live_image_pool_offset(l->cfg, i);
}

const char *live_path(const struct live *l)
{
	return l->path;
}

int live_commit(struct live *l)
{
	if (l->committed)
		return 0;
	if (renameat(l->dirfd, LIVE_NEW, l->dirfd, LIVE_FILE) == -1)
		return log_errno(CONFIG_LOG_WARNING, -errno, "state: making %s", l->path);
	l->committed = true;
	return 0;
}

void live_discard(struct live *l, const char *why)
{
	if (!l)
		return;
	if (l->committed)
		set_aside(l, why);
	else
		unlinkat(l->dirfd, LIVE_NEW, 0);
	live_close(l, false);
}

void live_close(struct live *l, bool remove)
{
	if (!l)
		return;
	if (l->map)
		munmap(l->map, l->len);
	if (remove)
		unlinkat(l->dirfd, l->committed ? LIVE_FILE : LIVE_NEW, 0);
	if (l->dirfd >= 0)
		close(l->dirfd);
	free(l);
}

void live_remove_stale(const struct config *cfg)
{
	char path[LIVE_PATH_MAX];

	live_file_path(cfg, path);
	if (unlink(path) == 0)
		log_info("state: removed %s, older than the snapshot just saved", path);
}
