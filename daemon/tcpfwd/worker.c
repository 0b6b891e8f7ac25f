// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "packet.h"
#include "fastpath.h"
#include "sync.h"
#include "tap.h"
#include "worker.h"

#define WORKER_TICK_MS 100 /* the longest a worker sleeps: timer expiry and heartbeat */
/* How often what the fast path moved is copied into the table: the live image, the snapshot
 * and the peer lag the program by at most this (and a stop or a flow's return copies it at
 * once). */
#define WORKER_HARVEST_MS    200
#define WORKER_BATCH	     64 /* packets per receive call */
#define WORKER_ROUNDS	     8	/* receive calls before requests get a look in */
#define WORKER_EXPIRE_BUDGET 4096
#define WORKER_EVENT_RING    8192 /* power of two */
#define WORKER_COPY_MAX	     2048 /* scratch bytes per packet; longer ones are judged alone */
/* A loop turn this late means the worker stalled (SIGSTOP, starved): with fail-open, packets
 * may have passed the full queue unseen. The loop turns at least every WORKER_TICK_MS. */
#define WORKER_STALL_MS 500

struct worker {
	pthread_t thread;
	uint16_t queue;
	struct nfqueue *nfq;
	struct engine *engine;
	int epoll_fd;
	int event_fd;
	atomic_bool stop;
	bool running;	       /* the thread was started and not yet joined */
	uint64_t pause_max_us; /* this thread's longest call */
	uint64_t now_ms;       /* read once per batch */
	struct log_ratelimit drop_rl;
	atomic_bool failed; /* receiving failed: the daemon must restart */

	/* fail-open bypass (see relearn()) */
	bool resync;	   /* stalled: judge the whole backlog before any verdict leaves */
	uint64_t stall_ms; /* how long */
	uint64_t last_turn_ms;
	uint64_t lost_seen; /* nfqueue's lost counter when last looked at */
	uint64_t relearned; /* re-learnings so far */
	struct log_ratelimit relearn_rl;

	/*
	 * The packets of one receive call, judged together by engine_process_batch(). nfqueue
	 * lends a packet's bytes only for its callback (a receive call may reuse its buffers
	 * for the next datagrams), so each is copied: NFQUEUE sends headers only (copy_range).
	 */
	unsigned pending;
	size_t slot_size; /* scratch bytes per packet */
	uint8_t *scratch; /* WORKER_BATCH * slot_size */
	uint32_t pending_id[WORKER_BATCH];
	struct engine_packet pending_pkt[WORKER_BATCH];
	struct engine_result pending_res[WORKER_BATCH];

	pthread_mutex_t call_lock; /* the request slot */
	pthread_cond_t call_done;
	worker_fn *call_fn;
	void *call_arg;
	bool call_finished;

	pthread_mutex_t stats_lock;
	struct worker_stats stats;

	/* single producer (this thread), single consumer (the control thread) */
	atomic_int watchers;
	atomic_uint_fast64_t ev_head; /* next slot to write */
	atomic_uint_fast64_t ev_tail; /* next slot to read */
	atomic_uint_fast64_t ev_lost;
	struct worker_event *ring;

	struct tap *tap; /* made by the first worker_trace(), then the worker's until it is freed */
	struct sync *sync;   /* replication, or NULL; the owner's, used on this thread only */
	struct fastpath *fp; /* the in-kernel fast path, or NULL; the owner's */
	uint64_t harvest_ms; /* when the fast path's changes are next copied in */
};

static void on_engine_event(const struct engine_event *ev, void *arg)
{
	struct worker *w = arg;

	if (w->sync)
		sync_on_event(w->sync, ev);
	if (atomic_load_explicit(&w->watchers, memory_order_relaxed) <= 0)
		return;
	uint64_t head = atomic_load_explicit(&w->ev_head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&w->ev_tail, memory_order_acquire);
	if (head - tail >= WORKER_EVENT_RING) {
		atomic_fetch_add_explicit(&w->ev_lost, 1, memory_order_relaxed);
		return;
	}
	struct worker_event *slot = &w->ring[head & (WORKER_EVENT_RING - 1)];
	slot->ev = *ev;
	slot->time_ms = w->now_ms;
	slot->queue = w->queue;
	atomic_store_explicit(&w->ev_head, head + 1, memory_order_release);
}

void worker_watch(struct worker *w, bool on)
{
	atomic_fetch_add(&w->watchers, on ? 1 : -1);
}

unsigned worker_pop_events(struct worker *w, struct worker_event *out, unsigned max, uint64_t *lost)
{
	uint64_t tail = atomic_load_explicit(&w->ev_tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&w->ev_head, memory_order_acquire);
	unsigned n = 0;

	for (; tail != head && n < max; tail++)
		out[n++] = w->ring[tail & (WORKER_EVENT_RING - 1)];
	atomic_store_explicit(&w->ev_tail, tail, memory_order_release);
	*lost = atomic_exchange(&w->ev_lost, 0);
	return n;
}

static void on_engine_trace(const struct engine_trace *t, void *arg)
{
	struct worker *w = arg;

	tap_packet(w->tap, t, w->now_ms);
}

struct trace_call {
	struct worker *w;
	const struct tap_filter *filters;
	unsigned n;
};

static void set_trace(struct engine *e, void *arg)
{
	const struct trace_call *c = arg;

	tap_set_filters(c->w->tap, c->filters, c->n);
	engine_set_trace(e, c->n ? on_engine_trace : NULL, c->w);
}

int worker_trace(struct worker *w, const struct tap_filter *filters, unsigned n)
{
	struct trace_call c = {w, filters, n};

	if (!w->tap) {
		/* no more than the worker keeps of a packet it batches */
		w->tap = tap_new(w->queue, w->slot_size);
		if (!w->tap)
			return -ENOMEM;
	}
	return worker_call(w, set_trace, &c);
}

struct tap *worker_tap(struct worker *w)
{
	return w->tap;
}

static void format_addr(char *out, size_t len, uint8_t family, const uint8_t *addr)
{
	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, out, (socklen_t)len);
}

/* How many drop messages the rate limit held back, as the journal can count them. */
static void log_suppressed(const struct worker *w, uint32_t n)
{
	struct log_fields f = {0};

	log_fields_add(&f, "TCPFW_QUEUE=%u", w->queue);
	log_fields_add(&f, "TCPFW_SUPPRESSED=%u", n);
	log_struct(CONFIG_LOG_INFO, LOG_ID_SUPPRESSED, &f, "queue %u: %u drop messages suppressed",
		   w->queue, n);
}

static void log_drop(struct worker *w, const uint8_t *pkt, size_t cap_len, size_t pkt_len,
		     const struct engine_result *res)
{
	char src[INET6_ADDRSTRLEN] = "?", dst[INET6_ADDRSTRLEN] = "?";
	struct log_fields f = {0};
	struct packet p;
	uint32_t suppressed;

	uint32_t rate = engine_config(w->engine)->logging.rate_limit;

	if (!log_ratelimit_ok(&w->drop_rl, w->now_ms, rate, &suppressed))
		return;
	log_fields_add(&f, "TCPFW_QUEUE=%u", w->queue);
	if (suppressed)
		log_suppressed(w, suppressed);
	log_fields_add(&f, "TCPFW_REASON=%s", reason_name(res->reason));
	if (packet_parse(pkt, cap_len, pkt_len, &p) != REASON_OK) {
		log_struct(CONFIG_LOG_INFO, LOG_ID_DROP, &f, "queue %u: drop %s", w->queue,
			   reason_name(res->reason));
		return;
	}
	format_addr(src, sizeof(src), p.family, p.saddr);
	format_addr(dst, sizeof(dst), p.family, p.daddr);
	log_fields_add(&f, "TCPFW_STATE=%s", tcp_track_state_name(res->state));
	log_fields_add(&f, "TCPFW_SRC=%s", src);
	log_fields_add(&f, "TCPFW_SPORT=%u", p.sport);
	log_fields_add(&f, "TCPFW_DST=%s", dst);
	log_fields_add(&f, "TCPFW_DPORT=%u", p.dport);
	log_fields_add(&f, "TCPFW_FLAGS=0x%02x", p.flags);
	log_fields_add(&f, "TCPFW_SEQ=%u", p.seq);
	log_fields_add(&f, "TCPFW_ACK=%u", p.ack);
	log_fields_add(&f, "TCPFW_LEN=%u", p.payload_len);
	log_struct(CONFIG_LOG_INFO, LOG_ID_DROP, &f,
		   "queue %u: drop %s %s %s:%u -> %s:%u flags 0x%02x seq %u ack %u len %u",
		   w->queue, reason_name(res->reason), tcp_track_state_name(res->state), src,
		   p.sport, dst, p.dport, p.flags, p.seq, p.ack, p.payload_len);
}

static void record(struct worker *w, uint32_t id, const uint8_t *pkt, size_t cap_len,
		   size_t pkt_len, const struct engine_result *res)
{
	nfqueue_verdict(w->nfq, id, res->verdict == ENGINE_ACCEPT);
	/* read through the engine: reload and set-param change it */
	if (res->verdict == ENGINE_DROP && engine_config(w->engine)->logging.log_invalid)
		log_drop(w, pkt, cap_len, pkt_len, res);
}

/* Judges the packets collected so far in one batch, then records verdicts in arrival order. */
static void judge_pending(struct worker *w)
{
	if (!w->pending)
		return;
	engine_process_batch(w->engine, w->pending_pkt, w->pending, w->now_ms, w->pending_res);
	for (unsigned i = 0; i < w->pending; i++) {
		const struct engine_packet *p = &w->pending_pkt[i];

		record(w, w->pending_id[i], p->buf, p->cap_len, p->pkt_len, &w->pending_res[i]);
	}
	w->pending = 0;
}

/*
 * With fail-open, packets pass unseen when our socket or the kernel's queue overflows, and the
 * endpoints move on without us: every later segment of a tracked flow would be out of window,
 * for good. So the flows re-learn their windows (tcp_track_forget_windows) at the boundary
 * between what was queued before the bypass and what comes after it:
 * - socket full: the kernel took an id for each lost packet, so the first packet after a gap
 *   in the ids is the first after the bypass;
 * - queue full: no id, no trace; but the queue stays full, and everything new bypasses it,
 *   until verdicts leave. After a stall (the only time the queue can fill unseen for long)
 *   the worker judges the whole backlog before it sends a verdict, then re-learns.
 */
static void relearn(struct worker *w, const char *why)
{
	struct log_fields f = {0};
	uint32_t quiet;

	judge_pending(w); /* the packets before the boundary, against the old windows */
	unsigned n = engine_forget_windows(w->engine); /* O(1): each flow at its next packet */
	w->relearned++;
	/* an overloaded socket can skip ids again and again: once a second is enough */
	if (!log_ratelimit_ok(&w->relearn_rl, w->now_ms, 1, &quiet))
		return;
	log_fields_add(&f, "TCPFW_QUEUE=%u", w->queue);
	log_fields_add(&f, "TCPFW_CAUSE=%s", why);
	log_fields_add(&f, "TCPFW_FLOWS=%u", n);
	log_fields_add(&f, "TCPFW_SUPPRESSED=%u", quiet);
	log_struct(CONFIG_LOG_NOTICE, LOG_ID_RELEARN, &f,
		   "queue %u: packets may have bypassed tcpfwd (%s): %u flows re-learn their "
		   "windows (%u more times since the last message)",
		   w->queue, why, n, quiet);
}

static void on_packet(void *arg, uint32_t id, const uint8_t *pkt, size_t cap_len, size_t pkt_len,
		      uint32_t info)
{
	struct worker *w = arg;
	uint64_t lost = nfqueue_lost(w->nfq);
	uint32_t flags = info & NFQUEUE_PKT_CSUM_UNVERIFIED ? ENGINE_PKT_CSUM_UNVERIFIED : 0;

	if (lost != w->lost_seen) {
		if (engine_config(w->engine)->queue.fail_open) {
			char why[64];

			snprintf(why, sizeof(why), "%llu packet ids skipped",
				 (unsigned long long)(lost - w->lost_seen));
			relearn(w, why);
		}
		w->lost_seen = lost;
	}
	if (cap_len <= w->slot_size) {
		uint8_t *copy = w->scratch + w->pending * w->slot_size;

		if (cap_len)
			memcpy(copy, pkt, cap_len);
		w->pending_id[w->pending] = id;
		w->pending_pkt[w->pending] = (struct engine_packet){copy, cap_len, pkt_len, flags};
		if (++w->pending == WORKER_BATCH)
			judge_pending(w);
		return;
	}
	/* Too long to copy (a large copy_range): judged alone, after those before it. */
	struct engine_packet one = {pkt, cap_len, pkt_len, flags};
	struct engine_result res;

	judge_pending(w);
	engine_process_batch(w->engine, &one, 1, w->now_ms, &res);
	record(w, id, pkt, cap_len, pkt_len, &res);
}

/*
 * Drains the socket in bounded rounds; verdicts leave after every receive call. After a stall
 * (w->resync) it reads to the end first, and sends no verdict until the flows re-learned.
 */
static int drain(struct worker *w)
{
	int ret = 0;

	for (unsigned round = 0; w->resync || round < WORKER_ROUNDS; round++) {
		int n = nfqueue_receive(w->nfq, WORKER_BATCH, on_packet, w);
		judge_pending(w);
		if (n < 0) {
			ret = n;
			break;
		}
		if (!w->resync) {
			int r = nfqueue_flush(w->nfq);
			if (r < 0)
				log_errno(CONFIG_LOG_WARNING, r, "queue %u: sending verdicts",
					  w->queue);
		}
		if (n < WORKER_BATCH)
			break;
	}
	if (w->resync) {
		char why[64];

		snprintf(why, sizeof(why), "stalled %llu ms", (unsigned long long)w->stall_ms);
		relearn(w, why);
		w->resync = false;
	}
	return ret;
}

static void serve_call(struct worker *w)
{
	uint64_t ticket;

	if (read(w->event_fd, &ticket, sizeof(ticket)) == -1 && errno != EAGAIN)
		log_errno(CONFIG_LOG_WARNING, -errno, "queue %u: reading its event fd", w->queue);
	pthread_mutex_lock(&w->call_lock);
	if (w->call_fn && !w->call_finished) {
		uint64_t t0 = clock_now_us();
		if (w->fp) /* a listing, a snapshot or a kill sees what the program moved */
			engine_fastpath_harvest(w->engine, w->now_ms);
		w->call_fn(w->engine, w->call_arg);
		uint64_t pause = clock_now_us() - t0;
		if (pause > w->pause_max_us)
			w->pause_max_us = pause;
		w->call_fn = NULL; /* ran: the caller tells this from a call the thread never saw */
		w->call_finished = true;
		pthread_cond_broadcast(&w->call_done);
	}
	pthread_mutex_unlock(&w->call_lock);
}

static void publish(struct worker *w)
{
	pthread_mutex_lock(&w->stats_lock);
	engine_get_counters(w->engine, &w->stats.engine);
	if (w->nfq)
		nfqueue_get_stats(w->nfq, &w->stats.queue);
	w->stats.heartbeat_ms = w->now_ms;
	w->stats.pause_max_us = w->pause_max_us;
	w->stats.relearned = w->relearned;
	if (w->sync)
		sync_status(w->sync, w->now_ms, &w->stats.sync);
	if (w->fp) {
		struct engine_fastpath_counters c;

		engine_fastpath_counters(w->engine, &c);
		w->stats.fastpath.enabled = true;
		w->stats.fastpath.flows = c.flows;
		w->stats.fastpath.handovers = c.handovers;
		w->stats.fastpath.imports = c.imports;
		w->stats.fastpath.reclaims = c.reclaims;
		w->stats.fastpath.full = c.full;
	}
	pthread_mutex_unlock(&w->stats_lock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev[3];

	while (!atomic_load(&w->stop)) {
		uint64_t sleep_ms = WORKER_TICK_MS;
		if (w->sync) {
			uint64_t t = sync_next_ms(w->sync, clock_now_ms());
			if (t < sleep_ms)
				sleep_ms = t;
		}
		int n = epoll_wait(w->epoll_fd, ev, 3, (int)sleep_ms);
		if (n == -1 && errno != EINTR) {
			log_errno(CONFIG_LOG_ERR, -errno, "queue %u: epoll_wait", w->queue);
			break;
		}
		w->now_ms = clock_now_ms();
		/* a late turn: stalled (SIGSTOP, starved) while the queue may have filled */
		if (w->now_ms - w->last_turn_ms > WORKER_STALL_MS &&
		    engine_config(w->engine)->queue.fail_open) {
			w->resync = true;
			w->stall_ms = w->now_ms - w->last_turn_ms;
		}
		w->last_turn_ms = w->now_ms;
		bool called = false;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == w->event_fd) {
				called = true;
				continue;
			}
			if (w->sync && ev[i].data.fd == sync_fd(w->sync)) {
				sync_receive(w->sync, w->now_ms);
				continue;
			}
			int r = drain(w);
			if (r < 0) {
				log_errno(CONFIG_LOG_ERR, r, "queue %u: receiving packets",
					  w->queue);
				atomic_store(&w->failed, true);
				atomic_store(&w->stop, true);
			}
		}
		/* verdicts a full socket refused earlier must not wait for the next packet */
		int fr = nfqueue_flush(w->nfq);
		if (fr < 0)
			log_errno(CONFIG_LOG_WARNING, fr, "queue %u: sending verdicts", w->queue);
		/* before replication, which then sends what the program moved */
		if (w->fp && w->now_ms >= w->harvest_ms) {
			engine_fastpath_harvest(w->engine, w->now_ms);
			w->harvest_ms = w->now_ms + WORKER_HARVEST_MS;
		}
		if (w->sync) /* after the verdicts: replication never delays a packet */
			sync_turn(w->sync, w->now_ms);
		engine_expire(w->engine, w->now_ms, WORKER_EXPIRE_BUDGET);
		uint32_t quiet = log_ratelimit_flush(&w->drop_rl, w->now_ms);
		if (quiet)
			log_suppressed(w, quiet);
		publish(w);
		if (called)
			serve_call(w);
	}
	/* let a caller still waiting in worker_call() go */
	pthread_mutex_lock(&w->call_lock);
	w->call_finished = true;
	pthread_cond_broadcast(&w->call_done);
	pthread_mutex_unlock(&w->call_lock);
	return NULL;
}

static int worker_init(struct worker *w, const struct config *cfg, const struct worker_image *img)
{
	struct engine_params ep = {.config = cfg, .on_event = on_engine_event, .event_arg = w};
	int r;

	if (img) {
		ep.image = img->image;
		ep.image_pool = img->pool;
		ep.resume = img->resume;
		ep.resumed = img->resumed;
	}

	if (getrandom(ep.hash_key, sizeof(ep.hash_key), 0) != sizeof(ep.hash_key))
		return log_errno(CONFIG_LOG_ERR, -errno, "queue %u: getrandom", w->queue);
	w->ring = calloc(WORKER_EVENT_RING, sizeof(*w->ring));
	if (!w->ring)
		return log_errno(CONFIG_LOG_ERR, -ENOMEM, "queue %u: event ring", w->queue);
	/* copy_range cannot change without a restart (it is bound with the queue) */
	w->slot_size = cfg->queue.copy_range && cfg->queue.copy_range < WORKER_COPY_MAX
			       ? cfg->queue.copy_range
			       : WORKER_COPY_MAX;
	w->scratch = malloc(WORKER_BATCH * w->slot_size);
	if (!w->scratch)
		return log_errno(CONFIG_LOG_ERR, -ENOMEM, "queue %u: packet scratch", w->queue);
	w->now_ms = clock_now_ms();
	r = engine_new(&ep, w->now_ms, &w->engine);
	if (r < 0)
		return log_errno(CONFIG_LOG_ERR, r, "queue %u: creating a table of %u flows",
				 w->queue, cfg->table.max_flows);
	w->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (w->event_fd == -1 || w->epoll_fd == -1)
		return log_errno(CONFIG_LOG_ERR, -errno, "queue %u: event fds", w->queue);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = w->event_fd};
	if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, w->event_fd, &ev) == -1)
		return log_errno(CONFIG_LOG_ERR, -errno, "queue %u: epoll_ctl", w->queue);
	return 0;
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	worker_halt(w);
	engine_free(w->engine);
	if (w->event_fd != -1)
		close(w->event_fd);
	if (w->epoll_fd != -1)
		close(w->epoll_fd);
	pthread_mutex_destroy(&w->call_lock);
	pthread_cond_destroy(&w->call_done);
	pthread_mutex_destroy(&w->stats_lock);
	free(w->ring);
	free(w->scratch);
	tap_free(w->tap);
	free(w);
}

int worker_new(const struct config *cfg, uint16_t queue, const struct worker_image *img,
	       struct worker **ret)
{
	struct worker *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	w->queue = queue;
	w->event_fd = w->epoll_fd = -1;
	pthread_mutex_init(&w->call_lock, NULL);
	pthread_cond_init(&w->call_done, NULL);
	pthread_mutex_init(&w->stats_lock, NULL);
	r = worker_init(w, cfg, img);
	if (r < 0) {
		worker_free(w);
		return r;
	}
	*ret = w;
	return 0;
}

int worker_set_sync(struct worker *w, struct sync *s)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = sync_fd(s)};
	int r = sync_attach(s, w->engine, clock_now_ms());

	if (r < 0)
		return r;
	if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, ev.data.fd, &ev) == -1)
		return log_errno(CONFIG_LOG_ERR, -errno, "queue %u: epoll_ctl", w->queue);
	w->sync = s;
	return 0;
}

static int fp_key_add(void *ctx, const struct fastpath_key *k, uint32_t slot, uint8_t dir)
{
	return fastpath_key_add(ctx, k, slot, dir);
}

static void fp_key_del(void *ctx, const struct fastpath_key *k)
{
	fastpath_key_del(ctx, k);
}

static const struct engine_fastpath_ops fp_ops = {fp_key_add, fp_key_del};

int worker_set_fastpath(struct worker *w, struct fastpath *fp, uint32_t slots)
{
	int r = engine_fastpath_enable(w->engine, fastpath_slots(fp), fastpath_dirty(fp), slots,
				       &fp_ops, fp);

	if (r < 0)
		return r;
	w->fp = fp;
	return 0;
}

struct engine *worker_engine(struct worker *w)
{
	return w->engine;
}

int worker_run(struct worker *w, const struct config *cfg)
{
	struct nfqueue_params qp = {
		.num = w->queue,
		.copy_range = cfg->queue.copy_range,
		.maxlen = cfg->queue.maxlen,
		.fail_open = cfg->queue.fail_open,
		.rcvbuf = cfg->queue.rcvbuf,
	};
	int r = nfqueue_open(&qp, &w->nfq);

	if (r < 0)
		return log_errno(CONFIG_LOG_ERR, r, "queue %u: binding", w->queue);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = nfqueue_fd(w->nfq)};
	if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, ev.data.fd, &ev) == -1)
		return log_errno(CONFIG_LOG_ERR, -errno, "queue %u: epoll_ctl", w->queue);
	w->now_ms = clock_now_ms();
	w->last_turn_ms = w->now_ms;
	publish(w);
	r = -pthread_create(&w->thread, NULL, worker_main, w);
	if (r < 0)
		return log_errno(CONFIG_LOG_ERR, r, "queue %u: starting its thread", w->queue);
	w->running = true;
	return 0;
}

void worker_halt(struct worker *w)
{
	uint64_t one = 1;

	if (w->running) {
		atomic_store(&w->stop, true);
		if (write(w->event_fd, &one, sizeof(one)) == -1)
			log_errno(CONFIG_LOG_WARNING, -errno, "queue %u: waking its thread",
				  w->queue);
		pthread_join(w->thread, NULL);
		w->running = false;
	}
	if (w->fp) { /* every flow back, with its windows, before the snapshot */
		engine_fastpath_disable(w->engine);
		w->fp = NULL;
	}
	/* the kernel drops what it still holds for us, or lets it bypass (fail-open) */
	nfqueue_close(w->nfq);
	w->nfq = NULL;
}

int worker_call(struct worker *w, worker_fn *fn, void *arg)
{
	uint64_t one = 1;
	int r = 0;

	pthread_mutex_lock(&w->call_lock);
	if (!w->running || atomic_load(&w->stop)) {
		pthread_mutex_unlock(&w->call_lock);
		return -ESHUTDOWN;
	}
	w->call_fn = fn;
	w->call_arg = arg;
	w->call_finished = false;
	if (write(w->event_fd, &one, sizeof(one)) == -1)
		r = -errno;
	while (!r && !w->call_finished)
		pthread_cond_wait(&w->call_done, &w->call_lock);
	if (!r && w->call_fn)
		r = -ESHUTDOWN; /* the thread ended before it ran the call */
	w->call_fn = NULL;
	pthread_mutex_unlock(&w->call_lock);
	return r;
}

void worker_get_stats(struct worker *w, struct worker_stats *out)
{
	pthread_mutex_lock(&w->stats_lock);
	*out = w->stats;
	pthread_mutex_unlock(&w->stats_lock);
}

bool worker_failed(struct worker *w)
{
	return atomic_load(&w->failed);
}

uint16_t worker_queue(const struct worker *w)
{
	return w->queue;
}
