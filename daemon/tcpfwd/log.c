// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

#define LOG_LINE_MAX	1024
#define LOG_SUFFIX_ROOM 64 /* ": <strerror>" and the newline survive a cut message */
#define LOG_MESSAGE	"MESSAGE="
#define JOURNAL_SOCKET	"/run/systemd/journal/socket" /* libsystemd's, fixed */

enum log_target {
	LOG_TARGET_STAMPED, /* by hand: a timestamp and the level name on each line */
	LOG_TARGET_STREAM,  /* journald's stream: the level as a <N> prefix */
	LOG_TARGET_JOURNAL, /* journald's native protocol, then the stream when a send fails */
};

static atomic_int log_level = CONFIG_LOG_INFO;
static enum log_target log_target; /* written by log_init() before any thread starts */

/*
 * systemd.exec(5): JOURNAL_STREAM is "<st_dev>:<st_ino>" of the stream journald connected.
 * A stderr redirected since (tcpfwd -f 2>file in a unit's shell) no longer matches.
 */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (!env || !*env)
		return false;
	dev = strtoull(env, &end, 10);
	if (end == env || *end != ':' || !end[1])
		return false;
	ino = strtoull(end + 1, &end, 10);
	if (*end || fstat(STDERR_FILENO, &st) == -1)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_init(void)
{
	struct stat st;

	if (!stderr_is_journal())
		log_target = LOG_TARGET_STAMPED;
	else if (stat(JOURNAL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode))
		log_target = LOG_TARGET_JOURNAL;
	else
		log_target = LOG_TARGET_STREAM; /* sd_journal_sendv: ENOENT counts as sent */
}

bool log_journal(void)
{
	return log_target == LOG_TARGET_JOURNAL;
}

void log_set_level(int level)
{
	atomic_store_explicit(&log_level, level, memory_order_relaxed);
}

bool log_enabled(int level)
{
	return level <= atomic_load_explicit(&log_level, memory_order_relaxed);
}

void log_fields_add(struct log_fields *f, const char *fmt, ...)
{
	size_t room = sizeof(f->buf) - f->used;
	va_list ap;
	int n;

	if (log_target != LOG_TARGET_JOURNAL || f->n >= LOG_FIELDS_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(f->buf + f->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return; /* left out: the next field overwrites the cut one */
	f->used += (uint16_t)(n + 1);
	f->n++;
}

/* Formats "<fmt><suffix>" at buf + at and returns where it ends; the text is cut to fit. */
static size_t format_text(char *buf, size_t size, size_t at, const char *suffix, const char *fmt,
			  va_list ap)
{
	int n = vsnprintf(buf + at, size - at, fmt, ap);
	size_t end = n < 0 ? at : at + (size_t)n;

	if (end > size - LOG_SUFFIX_ROOM)
		end = size - LOG_SUFFIX_ROOM;
	n = snprintf(buf + end, size - end, "%s", suffix);
	return n < 0 ? end : end + (size_t)n;
}

/* "2024-05-01T14:03:07.215+02:00 ": ISO 8601, local time with its offset, milliseconds. */
static size_t format_stamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (!localtime_r(&ts.tv_sec, &tm))
		return 0;
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	long off = tm.tm_gmtoff / 60;
	int r = snprintf(buf + n, size - n, ".%03ld%c%02ld:%02ld ", ts.tv_nsec / 1000000,
			 off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	return r < 0 ? n : n + (size_t)r;
}

static void write_stderr(const char *buf, size_t len)
{
	if (write(STDERR_FILENO, buf, len) == -1) {
		/* nowhere left to report it */
	}
}

/* One datagram to journald: the message, its level and id, errno and the caller's fields. */
static int journal_send(int level, const char *id, const struct log_fields *f, int err,
			const char *msg, size_t len)
{
	static const char ident[] = "SYSLOG_IDENTIFIER=tcpfwd";
	struct iovec iov[5 + LOG_FIELDS_MAX];
	char prio[16], msgid[48], errnum[24];
	int n = 0;

	iov[n++] = (struct iovec){(void *)msg, len};
	iov[n++] = (struct iovec){(void *)ident, sizeof(ident) - 1};
	snprintf(prio, sizeof(prio), "PRIORITY=%d", level);
	iov[n++] = (struct iovec){prio, strlen(prio)};
	if (id) {
		snprintf(msgid, sizeof(msgid), "MESSAGE_ID=%s", id);
		iov[n++] = (struct iovec){msgid, strlen(msgid)};
	}
	if (err) {
		snprintf(errnum, sizeof(errnum), "ERRNO=%d", -err);
		iov[n++] = (struct iovec){errnum, strlen(errnum)};
	}
	if (f) {
		const char *p = f->buf;

		for (unsigned i = 0; i < f->n; i++) {
			size_t l = strlen(p);

			iov[n++] = (struct iovec){(void *)p, l};
			p += l + 1;
		}
	}
	return notify_journal_sendv(iov, n);
}

static void log_write(int level, const char *id, const struct log_fields *f, int err,
		      const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX], suffix[LOG_SUFFIX_ROOM] = "";
	size_t at, end;

	if (err)
		snprintf(suffix, sizeof(suffix), ": %s", strerror(-err));
	if (log_target == LOG_TARGET_JOURNAL) {
		at = sizeof(LOG_MESSAGE) - 1;
		memcpy(buf, LOG_MESSAGE, at);
		end = format_text(buf, sizeof(buf), at, suffix, fmt, ap);
		if (journal_send(level, id, f, err, buf, end) == 0)
			return;
		/* the stream still reaches journald, which reads the level from <N> */
		char line[LOG_LINE_MAX + 16];
		int n = snprintf(line, sizeof(line), "<%d>tcpfwd: %.*s\n", level, (int)(end - at),
				 buf + at);
		if (n > 0)
			write_stderr(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		return;
	}
	if (log_target == LOG_TARGET_STREAM) {
		at = (size_t)snprintf(buf, sizeof(buf), "<%d>tcpfwd: ", level);
	} else {
		at = format_stamp(buf, sizeof(buf));
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s tcpfwd: ",
				       config_log_level_name((enum config_log_level)level));
	}
	end = format_text(buf, sizeof(buf) - 1, at, suffix, fmt, ap);
	buf[end++] = '\n';
	write_stderr(buf, end);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_write(level, NULL, NULL, 0, fmt, ap);
	va_end(ap);
}

void log_struct(int level, const char *id, const struct log_fields *f, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_write(level, id, f, 0, fmt, ap);
	va_end(ap);
}

int log_errno(int level, int err, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return err;
	va_start(ap, fmt);
	log_write(level, NULL, NULL, err, fmt, ap);
	va_end(ap);
	return err;
}

bool log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_ms, uint32_t per_sec,
		      uint32_t *suppressed_out)
{
	*suppressed_out = 0;
	if (per_sec == 0)
		return true;
	if (now_ms - rl->window_start_ms >= 1000) {
		*suppressed_out = rl->suppressed;
		rl->window_start_ms = now_ms;
		rl->in_window = 0;
		rl->suppressed = 0;
	}
	if (rl->in_window < per_sec) {
		rl->in_window++;
		return true;
	}
	rl->suppressed++;
	return false;
}

uint32_t log_ratelimit_flush(struct log_ratelimit *rl, uint64_t now_ms)
{
	uint32_t n = rl->suppressed;

	if (!n || now_ms - rl->window_start_ms < 1000)
		return 0;
	rl->suppressed = 0; /* the window stays: its count is reported, its budget is spent */
	return n;
}
