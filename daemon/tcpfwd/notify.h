/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify - the service manager protocol (sd_notify): readiness, reload, stop, status, watchdog;
 * and the journal's native protocol, for log.c.
 *
 * The only user of libsystemd. Every sd_notify call is a no-op without $NOTIFY_SOCKET, so tcpfwd
 * runs the same by hand; log.c sends to the journal only when stderr is the journal's stream.
 * Named notify_* rather than sd_* to stay out of libsystemd's namespace.
 */
#ifndef TCPFW_NOTIFY_H
#define TCPFW_NOTIFY_H

#include <stdint.h>
#include <sys/uio.h>

/* READY=1: every queue is bound (also ends a reload). */
void notify_ready(void);

/* RELOADING=1: a reload has started; notify_ready() ends it. */
void notify_reloading(void);

/* STOPPING=1. */
void notify_stopping(void);

/* STATUS=<text>, one line for `systemctl status`. */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* WATCHDOG=1. */
void notify_watchdog(void);

/* The watchdog interval the manager asked for ($WATCHDOG_USEC), in ms; 0 when none. */
uint64_t notify_watchdog_ms(void);

/*
 * sd_journal_sendv(): one entry of `n` "NAME=value" fields (MESSAGE= among them), in one
 * datagram. Thread-safe. Returns 0, or a negative errno (no journald: the caller falls back).
 */
int notify_journal_sendv(const struct iovec *iov, int n);

#endif /* TCPFW_NOTIFY_H */
