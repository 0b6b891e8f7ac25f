/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify - the service manager protocol (sd_notify): readiness, reload, stop, status, watchdog.
 *
 * The only user of libsystemd. Every call is a no-op without $NOTIFY_SOCKET, so tcpfwd runs the
 * same by hand. Named notify_* rather than sd_* to stay out of libsystemd's namespace.
 */
#ifndef TCPFW_NOTIFY_H
#define TCPFW_NOTIFY_H

#include <stdint.h>

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

#endif /* TCPFW_NOTIFY_H */
