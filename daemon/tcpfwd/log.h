/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log - messages to stderr with <N> syslog priority prefixes, which journald reads as levels.
 *
 * Each message is formatted into one buffer and written with a single write(2), so lines from
 * the worker threads never interleave. The level threshold is the one piece of global state.
 * Messages about packets must go through a struct log_ratelimit, so a flood cannot flood the
 * log too. A failure is logged once, by the code that knows what it means.
 */
#ifndef TCPFW_LOG_H
#define TCPFW_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* Sets the threshold: messages above `level` (enum config_log_level) are dropped. */
void log_set_level(int level);

/* True when a message at `level` would be written. */
bool log_enabled(int level);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs "<message>: <strerror(-err)>" and returns err (a negative errno), for `return
 * log_errno(r, ...)`. */
int log_errno(int level, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_err(...)	 log_msg(CONFIG_LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(CONFIG_LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	 log_msg(CONFIG_LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	 log_msg(CONFIG_LOG_INFO, __VA_ARGS__)
#define log_debug(...)	 log_msg(CONFIG_LOG_DEBUG, __VA_ARGS__)

/* A token bucket of `per_sec` messages a second; one per thread or per message kind. */
struct log_ratelimit {
	uint64_t window_start_ms;
	uint32_t in_window;
	uint32_t suppressed; /* messages dropped in the last full window, reported once */
};

/*
 * True when one more message may be written now (per_sec 0: unlimited). When a window that
 * suppressed messages ends, *suppressed_out gets their count (else 0) so the caller can say so.
 */
bool log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_ms, uint32_t per_sec,
		      uint32_t *suppressed_out);

/*
 * The count of messages suppressed in a window that has ended, once (else 0): called
 * periodically, so that a burst's last second is reported without waiting for a next message.
 */
uint32_t log_ratelimit_flush(struct log_ratelimit *rl, uint64_t now_ms);

#endif /* TCPFW_LOG_H */
