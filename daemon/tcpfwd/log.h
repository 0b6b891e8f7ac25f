/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log - the daemon's messages, in the form that suits where stderr goes.
 *
 * - Under journald (JOURNAL_STREAM names stderr, as systemd.exec(5) documents): every message
 *   goes through the journal's native protocol (notify_journal_sendv), with PRIORITY=,
 *   SYSLOG_IDENTIFIER=tcpfwd and, for the messages an operator filters on, a MESSAGE_ID= and
 *   TCPFW_* fields. When that send fails, or journald's socket is not there, the line goes to
 *   stderr with a <N> prefix, from which journald reads the level.
 * - Anywhere else: "2024-05-01T14:03:07.215+02:00 info tcpfwd: message" on stderr, local
 *   time with its offset.
 *
 * Each message is one send or one write(2), so messages from the worker threads never
 * interleave. The level threshold and the journal choice (made once by log_init(), before any
 * thread starts) are the only global state. Messages about packets must go through a
 * struct log_ratelimit, so a flood cannot flood the log too. A failure is logged once, by the
 * code that knows what it means. tcpfwd(8), LOGGING, lists the ids and fields.
 */
#ifndef TCPFW_LOG_H
#define TCPFW_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* MESSAGE_IDs: fixed (systemd-id128 new), one per kind; systemd/tcpfwd.catalog explains each. */
#define LOG_ID_DROP	     "4ba2155b290a40b6849feca7289fdb56" /* a segment dropped */
#define LOG_ID_SUPPRESSED    "16d602b925d44011bf1b75e4e66ce27f" /* drop messages not logged */
#define LOG_ID_RELEARN	     "308ee1c668c248e7a27305d6026978c6" /* flows re-learn windows */
#define LOG_ID_READY	     "2663f9dedd4943ca9880a11b26cf8ac8" /* started: queues bound */
#define LOG_ID_STOPPING	     "89019c9945734ea589fc67d98797e818" /* stopping on a signal */
#define LOG_ID_STOPPED	     "d95c5c174b7e4f29893c27605fc4ca17" /* stopped */
#define LOG_ID_RELOADED	     "d90b4bb80c254dac873ffb0c3ed304d3"
#define LOG_ID_RELOAD_FAILED "7a5d2ae4584740d2bb3d47ec2b7dd310" /* the old config stays */
#define LOG_ID_RESUMED	     "3c0f2b95b2754ac4b9a1c3195b9ba790" /* live table after a crash */
#define LOG_ID_RESTORED	     "5ca13d68125d46098548dcf02218f535" /* from the stop's snapshot */
#define LOG_ID_SAVED	     "345fe2bd61cf4b5d913016eabebbece1" /* the snapshot at a stop */
#define LOG_ID_QUEUE_FAILED  "658091caafe94d9ea0f3bf401d03b3d4" /* exiting to be restarted */
#define LOG_ID_SYNC_UP	     "e0c980c93a0f49ba9e81bcafae6e2963" /* a session with the peer */
#define LOG_ID_SYNC_DOWN     "a1302ddce5424a598f2cbe2fc9dc2ea8" /* the session ended */
#define LOG_ID_SYNC_IN_SYNC  "93e3d657e98e404e847586bfefcbd5a1" /* the peer's table is here */

/*
 * Chooses the journal or plain stderr (see above) from JOURNAL_STREAM and stderr. Called once
 * by main() before any thread starts; until then messages go to stderr with timestamps.
 */
void log_init(void);

/* True when messages go to the journal's native protocol. */
bool log_journal(void);

/* Sets the threshold: messages above `level` (enum config_log_level) are dropped. */
void log_set_level(int level);

/* True when a message at `level` would be written. */
bool log_enabled(int level);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs "<message>: <strerror(-err)>" (and ERRNO= in the journal) and returns err (a negative
 * errno), for `return log_errno(r, ...)`. */
int log_errno(int level, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_err(...)	 log_msg(CONFIG_LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(CONFIG_LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	 log_msg(CONFIG_LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	 log_msg(CONFIG_LOG_INFO, __VA_ARGS__)
#define log_debug(...)	 log_msg(CONFIG_LOG_DEBUG, __VA_ARGS__)

#define LOG_FIELDS_MAX	16
#define LOG_FIELDS_SIZE 512

/*
 * The journal fields of one message, built on the caller's stack: `struct log_fields f = {0};`,
 * then log_fields_add() for each. Outside the journal nothing is formatted. A field that does
 * not fit is left out whole (a cut value would mislead); LOG_FIELDS_SIZE holds a drop's eleven.
 */
struct log_fields {
	uint16_t used; /* bytes of buf: "NAME=value\0" one after another */
	uint8_t n;
	char buf[LOG_FIELDS_SIZE];
};

/* Adds one field, "NAME=value" from a printf format: NAME in [A-Z0-9_], not starting with _. */
void log_fields_add(struct log_fields *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * log_msg() with a MESSAGE_ID (LOG_ID_*, or NULL) and fields (or NULL) for the journal; the
 * message text is the same everywhere. Borrows `f` for the call only.
 */
void log_struct(int level, const char *id, const struct log_fields *f, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

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
