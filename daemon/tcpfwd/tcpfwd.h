/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcpfwd - the daemon's one context: configuration, the workers (one per queue) and the main
 * thread's loop, which handles signals (TERM/INT stop, HUP reload), the
 * watchdog and the status line. Nothing here judges packets. The control server reaches it
 * only through the ctl_ops table tcpfwd.c hands it (ctl_ops.h): config, workers, stats,
 * status, reload, set-param.
 */
#ifndef TCPFW_TCPFWD_H
#define TCPFW_TCPFWD_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct tcpfwd;

/* What status shows as the configuration while no file has been read. */
#define TCPFWD_CONFIG_DEFAULTS "(built-in defaults)"

/*
 * Reads and validates the config file at path. Returns 0 and fills *cfg, or a negative errno
 * with one "file:line: message" (or "file: error") line in err.
 */
int tcpfwd_load_config(const char *path, struct config *cfg, char *err, size_t err_len);

/*
 * Binds every queue and starts its worker; returns 0 and *ret once all are bound, or -errno
 * (already logged). config_path is re-read on reload; config_read is false when cfg holds the
 * built-in defaults because no file was there (status says so until a reload reads the file).
 */
int tcpfwd_new(const struct config *cfg, const char *config_path, bool config_read,
	       struct tcpfwd **ret);

/* Announces readiness and runs until a stop signal. Returns 0, or -errno on a fatal error. */
int tcpfwd_run(struct tcpfwd *d);

/* Stops the workers and frees everything. NULL is a no-op. */
void tcpfwd_free(struct tcpfwd *d);

#endif /* TCPFW_TCPFWD_H */
