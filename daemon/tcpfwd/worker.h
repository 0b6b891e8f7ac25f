/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * worker - one thread per NFQUEUE queue, owning that queue's socket and its own engine.
 *
 * The packet path takes no lock: the thread drains its socket in batches, judges each packet,
 * sends the batch's verdicts in arrival order, expires flows, and only then looks at requests.
 * Other threads reach the engine solely through worker_call(), which runs a short function on
 * the worker's thread between two batches and waits for it; long jobs (listing a million flows)
 * are cut into bounded calls by the caller. Counters are published after each batch under a
 * mutex the packet path never holds while judging packets.
 */
#ifndef TCPFW_WORKER_H
#define TCPFW_WORKER_H

#include <stdint.h>

#include "config.h"
#include "ctl_proto.h"
#include "engine.h"
#include "nfqueue.h"

struct worker;

struct worker_stats {
	struct engine_counters engine;
	struct nfqueue_stats queue;
	uint64_t heartbeat_ms;	      /* when the thread last went round its loop */
	uint64_t pause_max_us;	      /* the longest worker_call(): how long packets waited on it */
	uint64_t relearned;	      /* times flows re-learned their windows after a bypass */
	struct ctl_sync sync;	      /* replication, with sync.enabled (queue.count is then 1) */
	struct ctl_fastpath fastpath; /* the engine's side; the program's counters come from
				       * the owner (tcpfwd_stats) */
};

/* Runs on the worker's thread with its engine. Must be short: it delays the next batch. */
typedef void worker_fn(struct engine *e, void *arg);

/* Where a worker's engine keeps its flows when they are to outlive the process (live.h). */
struct worker_image {
	void *image; /* the engine's image header */
	void *pool;
	bool resume; /* take over the flows found there */
	struct engine_resume_stats *resumed;
};

/*
 * Creates the worker for `queue` and its engine (from cfg, with a random hash key; in img, or
 * in private memory when img is NULL), without binding the queue or starting the thread, so that
 * saved flows can be put into the engine first. Returns 0 and *ret, or -errno (logged).
 */
int worker_new(const struct config *cfg, uint16_t queue, const struct worker_image *img,
	       struct worker **ret);

struct sync;

/*
 * Gives the worker the replication of its engine (sync.h), before worker_run(): from then on
 * the worker's thread drives it. The caller keeps ownership and frees it after worker_free().
 * 0 or -errno (logged).
 */
int worker_set_sync(struct worker *w, struct sync *s);

/*
 * Hands the worker's flows to the in-kernel fast path from now on (before worker_run); the
 * owner keeps fp, and worker_halt() takes every flow back before the snapshot. 0 or -errno.
 */
struct fastpath;
int worker_set_fastpath(struct worker *w, struct fastpath *fp, uint32_t slots);

/* The engine, for the owner's direct use while the thread is not running. */
struct engine *worker_engine(struct worker *w);

/* Binds the queue (a bind error is returned here) and starts the thread. 0 or -errno. */
int worker_run(struct worker *w, const struct config *cfg);

/* Stops the thread and unbinds the queue; the engine and its flows stay. Idempotent. */
void worker_halt(struct worker *w);

/* Halts the worker and frees everything. NULL is a no-op. */
void worker_free(struct worker *w);

/* Runs fn(engine, arg) on the worker's thread and waits for it. Returns 0, or -ESHUTDOWN. */
int worker_call(struct worker *w, worker_fn *fn, void *arg);

/* A flow event as the control thread receives it. */
struct worker_event {
	struct engine_event ev;
	uint64_t time_ms;
	uint16_t queue;
};

/*
 * Turns event capture on (a watcher arrived) or off (one left); capture runs while any
 * watcher is registered. While it runs, the worker copies each flow event into a ring the
 * control thread drains with worker_pop_events(); a full ring loses events and counts them.
 */
void worker_watch(struct worker *w, bool on);

/* Pops up to max events in order. Returns how many; *lost gets the events lost since the last
 * call. Only one thread may pop. */
unsigned worker_pop_events(struct worker *w, struct worker_event *out, unsigned max,
			   uint64_t *lost);

struct tap;
struct tap_filter;

/*
 * Traces the packets that match any of n filters (n 0: none) from the next batch on; the
 * first call gives the worker its tap (tap.h). Waits for the worker's thread, as
 * worker_call(). Returns 0, -ENOMEM or -ESHUTDOWN.
 */
int worker_trace(struct worker *w, const struct tap_filter *filters, unsigned n);

/* The worker's tap, NULL until worker_trace() made it; read it on the control thread. */
struct tap *worker_tap(struct worker *w);

/* The counters as of the last batch. */
void worker_get_stats(struct worker *w, struct worker_stats *out);

/* True once the thread stopped on an error of its own (its queue is no longer served). */
bool worker_failed(struct worker *w);

uint16_t worker_queue(const struct worker *w);

#endif /* TCPFW_WORKER_H */
