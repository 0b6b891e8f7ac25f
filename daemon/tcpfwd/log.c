// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static volatile int log_level = CONFIG_LOG_INFO;

void log_set_level(int level)
{
	log_level = level;
}

bool log_enabled(int level)
{
	return level <= log_level;
}

static void log_write(int level, const char *suffix, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "<%d>tcpfwd: ", level);

	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (n > (int)sizeof(buf) - 64)
		n = (int)sizeof(buf) - 64; /* truncated: keep room for the suffix */
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s\n", suffix);
	if (write(STDERR_FILENO, buf, (size_t)n) == -1) {
		/* nowhere left to report it */
	}
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_write(level, "", fmt, ap);
	va_end(ap);
}

int log_errno(int level, int err, const char *fmt, ...)
{
	char suffix[64];
	va_list ap;

	if (!log_enabled(level))
		return err;
	snprintf(suffix, sizeof(suffix), ": %s", strerror(-err));
	va_start(ap, fmt);
	log_write(level, suffix, fmt, ap);
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
