// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "snapshot.h"
#include "state.h"
#include "worker.h"

#define STATE_FILE     "flows.snapshot"
#define STATE_PATH_MAX (CONFIG_PATH_MAX + 32)
#define STATE_CHUNK    256 /* records exported and written at a time */

/* <state.directory>/flows.snapshot */
static void snapshot_path(const struct config *cfg, char path[STATE_PATH_MAX])
{
	snprintf(path, STATE_PATH_MAX, "%s/" STATE_FILE, cfg->state.directory);
}

static uint64_t wall_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

struct save_buffers {
	struct engine_flow_record recs[STATE_CHUNK];
	uint8_t bytes[STATE_CHUNK * SNAPSHOT_RECORD_SIZE];
};

/* Streams one engine's flows into fd; returns how many, or -errno. */
static long save_engine(int fd, struct snapshot_writer *sw, struct worker *w, uint64_t now,
			struct save_buffers *b)
{
	struct engine_flow_record *recs = b->recs;
	uint8_t *buf = b->bytes;
	struct engine *e = worker_engine(w);
	uint32_t cursor = 0;
	long total = 0;

	do {
		unsigned n = engine_export(e, &cursor, UINT32_MAX, recs, STATE_CHUNK, now);
		for (unsigned i = 0; i < n; i++) {
			struct snapshot_record r = {.queue = worker_queue(w), .flow = recs[i]};
			snapshot_write_record(sw, &r, buf + i * SNAPSHOT_RECORD_SIZE);
		}
		int r = write_all(fd, buf, (size_t)n * SNAPSHOT_RECORD_SIZE);
		if (r < 0)
			return r;
		total += n;
	} while (cursor);
	return total;
}

int state_check_directory(const struct config *cfg)
{
	const char *dir = cfg->state.directory;
	char path[STATE_PATH_MAX], tmp[STATE_PATH_MAX + 8];
	int fd;

	/* made if missing, like the runtime directory; systemd's StateDirectory= makes it */
	if (mkdir(dir, 0750) == -1 && errno != EEXIST)
		return log_errno(CONFIG_LOG_ERR, -errno,
				 "state.directory %s: missing and cannot be made", dir);
	/* the very file a stop writes, so any reason it would fail then shows now */
	snapshot_path(cfg, path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		return log_errno(CONFIG_LOG_ERR, -errno,
				 "state.directory %s: cannot write the flow snapshot there (%s)",
				 dir, tmp);
	close(fd);
	unlink(tmp);
	return 0;
}

int state_save(const struct config *cfg, struct worker *const *workers, unsigned n)
{
	char path[STATE_PATH_MAX], tmp[STATE_PATH_MAX + 8];
	uint8_t head[SNAPSHOT_HEADER_SIZE], tail[SNAPSHOT_TRAILER_SIZE];
	struct snapshot_writer sw;
	struct log_fields f = {0};
	uint64_t now = clock_now_ms();
	long flows = 0;
	int fd, r = 0;

	struct save_buffers *b = malloc(sizeof(*b));

	if (!b)
		return log_errno(CONFIG_LOG_ERR, -ENOMEM, "state: saving flows");
	snapshot_path(cfg, path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		free(b);
		return log_errno(CONFIG_LOG_ERR, -errno, "state: cannot save flows to %s", tmp);
	}
	snapshot_write_header(&sw, wall_now_ms(), head);
	r = write_all(fd, head, sizeof(head));
	for (unsigned i = 0; i < n && r == 0; i++) {
		long k = save_engine(fd, &sw, workers[i], now, b);
		if (k < 0)
			r = (int)k;
		else
			flows += k;
	}
	if (r == 0) {
		snapshot_write_trailer(&sw, tail);
		r = write_all(fd, tail, sizeof(tail));
	}
	free(b);
	if (r == 0 && fsync(fd) == -1)
		r = -errno;
	if (close(fd) == -1 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) == -1)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return log_errno(CONFIG_LOG_ERR, r, "state: saving flows to %s", path);
	}
	int dfd = open(cfg->state.directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd != -1) { /* make the rename itself durable */
		fsync(dfd);
		close(dfd);
	}
	log_fields_add(&f, "TCPFW_FLOWS=%ld", flows);
	log_fields_add(&f, "TCPFW_PATH=%s", path);
	log_struct(CONFIG_LOG_INFO, LOG_ID_SAVED, &f, "state: saved %ld flows to %s", flows, path);
	return 0;
}

struct restore_counts {
	unsigned long restored, expired, gone, rejected;
};

static void restore_records(const uint8_t *buf, const struct snapshot_info *info,
			    const struct config *cfg, struct worker *const *workers, unsigned n,
			    struct restore_counts *c)
{
	uint64_t wall = wall_now_ms(), now = clock_now_ms();
	uint64_t down_ms = wall > info->wall_ms ? wall - info->wall_ms : 0;

	for (uint64_t i = 0; i < info->count; i++) {
		struct snapshot_record r;

		if (snapshot_read_record(buf, i, &r) < 0) {
			c->rejected++;
			continue;
		}
		unsigned q = (unsigned)r.queue - cfg->queue.num;
		if (r.queue < cfg->queue.num || q >= n) {
			c->gone++; /* its queue is no longer served here */
			continue;
		}
		if (r.flow.remaining_ms <= down_ms) {
			c->expired++;
			continue;
		}
		r.flow.remaining_ms -= down_ms;
		/* traffic may have bypassed us while down (fail-open): re-learn the windows */
		tcp_track_forget_windows(&r.flow.track);
		if (engine_import(worker_engine(workers[q]), &r.flow, now) == 0)
			c->restored++;
		else
			c->rejected++;
	}
}

int state_restore(const struct config *cfg, struct worker *const *workers, unsigned n)
{
	char path[STATE_PATH_MAX], bad[STATE_PATH_MAX + 8];
	struct restore_counts c = {0};
	struct log_fields f = {0};
	struct snapshot_info info;
	struct stat st;
	int fd, r;

	snapshot_path(cfg, path);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0
				       : log_errno(CONFIG_LOG_WARNING, -errno, "state: %s", path);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		r = -EBADMSG;
		goto bad;
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		r = -errno;
		goto bad;
	}
	r = snapshot_check(map, (size_t)st.st_size, &info);
	if (r == 0)
		restore_records(map, &info, cfg, workers, n, &c);
	munmap(map, (size_t)st.st_size);
	if (r < 0)
		goto bad;
	close(fd);
	log_fields_add(&f, "TCPFW_FLOWS=%lu", c.restored);
	log_fields_add(&f, "TCPFW_PATH=%s", path);
	log_fields_add(&f, "TCPFW_EXPIRED=%lu", c.expired);
	log_fields_add(&f, "TCPFW_GONE=%lu", c.gone);
	log_fields_add(&f, "TCPFW_REJECTED=%lu", c.rejected);
	log_struct(CONFIG_LOG_INFO, LOG_ID_RESTORED, &f,
		   "state: restored %lu flows from %s (%lu expired while down, %lu of queues no "
		   "longer served, %lu rejected)",
		   c.restored, path, c.expired, c.gone, c.rejected);
	return 0;
bad:
	close(fd);
	snprintf(bad, sizeof(bad), "%s.bad", path);
	rename(path, bad);
	return log_errno(CONFIG_LOG_WARNING, r,
			 "state: %s unusable, set aside as %s; starting empty", path, bad);
}

void state_remove(const struct config *cfg)
{
	char path[STATE_PATH_MAX];

	snapshot_path(cfg, path);
	if (unlink(path) == 0)
		log_debug("state: removed %s", path);
}
