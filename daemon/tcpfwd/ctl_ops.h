/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_ops - what the control server (ctl_server.c, ctl_methods.c, ctl_trace.c) needs of the
 * daemon, as a table of functions and the context they take. tcpfwd.c provides the real table
 * and passes it to ctl_server_new(); a unit test passes a fake, so that the control methods run
 * without sockets, threads or a daemon. Nothing in the control server includes tcpfwd.h.
 *
 * - Workers are named by index, 0 .. n_workers() - 1, in queue order.
 * - Every function is called on the control thread only.
 * - Pointers returned (config, reset, tap) live as long as the context, except that a reload
 *   may replace what config() returns: read it again after one.
 */
#ifndef TCPFW_CTL_OPS_H
#define TCPFW_CTL_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "worker.h"

struct config;
struct ctl_status;
struct reset;
struct tap;
struct tap_filter;

struct ctl_ops {
	/* The configuration in force (with any set-param changes). */
	const struct config *(*config)(void *ctx);
	/* How many workers there are, one per queue. */
	unsigned (*n_workers)(void *ctx);
	/* Worker w's queue number. */
	uint16_t (*queue)(void *ctx, unsigned w);
	/* Runs fn(engine, arg) on worker w's engine between its batches: worker_call(). */
	int (*call)(void *ctx, unsigned w, worker_fn *fn, void *arg);
	/* Worker w captures flow events while on: worker_watch(). */
	void (*watch)(void *ctx, unsigned w, bool on);
	/* Takes up to max of worker w's captured events: worker_pop_events(). */
	unsigned (*pop_events)(void *ctx, unsigned w, struct worker_event *out, unsigned max,
			       uint64_t *lost);
	/* Worker w traces with these filters (n == 0: stops): worker_trace(). */
	int (*trace)(void *ctx, unsigned w, const struct tap_filter *filters, unsigned n);
	/* Worker w's tap, or NULL if it has none: worker_tap(). */
	struct tap *(*tap)(void *ctx, unsigned w);
	/* Counters summed over every worker. */
	void (*stats)(void *ctx, struct worker_stats *sum);
	/* Fills the status the control socket reports. */
	void (*status)(void *ctx, struct ctl_status *st);
	/* Reloads the configuration: 0, or -errno with the reason in err (the old one stays). */
	int (*reload)(void *ctx, char *err, size_t err_len);
	/* Sets one run-time parameter: 0, -ENOENT (no such name) or -errno, reason in err. */
	int (*set_param)(void *ctx, const char *name, const char *value, char *err, size_t err_len);
	/* The raw sockets that send kill --reset's RSTs. */
	struct reset *(*reset)(void *ctx);
};

#endif /* TCPFW_CTL_OPS_H */
