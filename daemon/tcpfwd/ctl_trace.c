// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Packets.Trace and Packets.Capture: every tracer's filter goes to every worker's tap, and each
 * control tick moves what the taps caught to the tracers it matches. A tracer that does not
 * keep up loses traces, counted and reported to it in {"lost":N}; it is never disconnected,
 * and the packet path never waits for it.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "ctl_client.h"
#include "log.h"
#include "tap.h"
#include "tcp_window.h"

static struct tap_filter tracer_filter(const struct ctl_client *c)
{
	return (struct tap_filter){.flow = to_engine_filter(&c->req.filter),
				   .drops = c->req.drops,
				   .reasons = c->req.reasons};
}

/* Gives every worker the filters of all tracers. 0, or the first worker's error. */
static int apply_filters(struct ctl_server *s)
{
	struct tap_filter filters[TAP_MAX_FILTERS];
	unsigned n = 0, n_workers = s->ops->n_workers(s->ctx);
	int ret = 0;

	for (unsigned i = 0; i < CTL_MAX_CLIENTS && n < TAP_MAX_FILTERS; i++) {
		const struct ctl_client *c = s->clients[i];

		if (c && c->op == CTL_OP_TRACE)
			filters[n++] = tracer_filter(c);
	}
	for (unsigned w = 0; w < n_workers; w++) {
		int r = s->ops->trace(s->ctx, w, filters, n);

		if (r < 0 && !ret)
			ret = r;
	}
	return ret;
}

/* The snap length: what the taps keep of a packet, and no more than a reply carries. */
static uint32_t snaplen(struct ctl_server *s)
{
	struct tap *tap = s->ops->n_workers(s->ctx) ? s->ops->tap(s->ctx, 0) : NULL;
	size_t n = tap ? tap_snaplen(tap) : 0;

	return (uint32_t)(n < CTL_TRACE_BYTES_MAX ? n : CTL_TRACE_BYTES_MAX);
}

void ctl_trace_start(struct ctl_server *s, struct ctl_client *c)
{
	struct ctl_reply r = {.method = c->req.method, .continues = true};
	bool capture = c->req.method == CTL_PACKETS_CAPTURE;

	if (!c->req.more) {
		ctl_client_error(s, c, CTL_ERR_INVALID_PARAMETER,
				 "a trace streams: call with \"more\":true");
		return;
	}
	if (s->n_tracers >= TAP_MAX_FILTERS) {
		ctl_client_error(s, c, CTL_ERR_BUSY, "too many traces and captures running");
		return;
	}
	c->op = CTL_OP_TRACE;
	c->trace_lost = 0;
	s->n_tracers++;
	int err = apply_filters(s);
	if (err < 0) {
		ctl_trace_stop(s, c);
		c->op = CTL_OP_NONE;
		ctl_client_error(s, c, CTL_ERR_INTERNAL, "cannot start tracing");
		log_errno(CONFIG_LOG_WARNING, err, "control: starting a trace");
		return;
	}
	r.trace_kind = CTL_TRACE_START;
	r.snaplen = snaplen(s);
	ctl_client_reply(s, c, &r);
	log_info("control: uid %u (pid %d) %s packets", (unsigned)c->uid, (int)c->pid,
		 capture ? "capturing" : "tracing");
}

void ctl_trace_stop(struct ctl_server *s, struct ctl_client *c)
{
	(void)c;
	s->n_tracers--;
	c->op = CTL_OP_NONE; /* out of the filters apply_filters() gathers */
	int err = apply_filters(s);
	if (err < 0)
		log_errno(CONFIG_LOG_WARNING, err, "control: changing the trace filters");
}

static void to_ctl_peer(const struct tcp_track_peer *p, struct ctl_trace_peer *out)
{
	*out = (struct ctl_trace_peer){.end = p->end,
				       .maxend = p->maxend,
				       .maxwin = p->maxwin,
				       .maxack = p->maxack,
				       .wscale = p->wscale,
				       .has_maxack = p->flags & TCP_TRACK_PEER_MAXACK};
}

static void to_ctl_trace(const struct tap_record *rec, uint64_t now, struct ctl_trace *out)
{
	const struct engine_trace *t = &rec->t;

	memset(out, 0, offsetof(struct ctl_trace, bytes));
	out->time_ms = rec->time_ms;
	out->timestamp_ms = clock_wall_at(rec->time_ms, now);
	out->queue = rec->queue;
	out->verdict = t->res.verdict;
	out->reason = t->res.reason;
	out->state = t->res.state;
	out->pkt_len = t->pkt_len;
	out->cap_len = rec->cap_len < CTL_TRACE_BYTES_MAX ? rec->cap_len : CTL_TRACE_BYTES_MAX;
	memcpy(out->bytes, rec->bytes, out->cap_len);
	if (!t->has_segment)
		return;
	out->family = t->seg.family;
	memcpy(out->src, rec->saddr, sizeof(out->src));
	memcpy(out->dst, rec->daddr, sizeof(out->dst));
	out->sport = t->seg.sport;
	out->dport = t->seg.dport;
	out->flags = t->seg.flags;
	out->win = t->seg.window;
	out->seq = t->seg.seq;
	out->ack = t->seg.ack;
	out->len = t->seg.payload_len;
	if (!t->has_flow)
		return;
	out->has_flow = true;
	out->dir = t->dir;
	out->old_state = t->old_state;
	to_ctl_peer(&t->peer[t->dir], &out->sender);
	to_ctl_peer(&t->peer[!t->dir], &out->receiver);

	struct tcp_window_bounds b;
	tcp_window_bounds(&t->peer[t->dir], &t->peer[!t->dir], &b);
	out->seq_min = b.seq_min;
	out->seq_max = b.seq_max;
	out->ack_min = b.ack_min;
	out->ack_max = b.ack_max;
	out->ack_floor = b.ack_floor;
	out->has_ack_floor = b.has_ack_floor;
}

/* Queues a reply unless the tracer is too far behind; then it only counts the loss. */
static void send_or_count(struct ctl_server *s, struct ctl_client *c, struct ctl_reply *r)
{
	if (c->out_len > CTL_TRACE_BACKLOG) {
		c->trace_lost++;
		return;
	}
	r->method = c->req.method; /* Capture carries the bytes, Trace does not */
	ctl_client_reply(s, c, r);
}

/* The tracers, found once per pump: the clients table is large, the tracers few. */
struct tracers {
	unsigned n;
	struct ctl_client *c[TAP_MAX_FILTERS];
	struct tap_filter f[TAP_MAX_FILTERS];
};

static void find_tracers(struct ctl_server *s, struct tracers *t)
{
	t->n = 0;
	for (unsigned k = 0; k < CTL_MAX_CLIENTS && t->n < TAP_MAX_FILTERS; k++) {
		struct ctl_client *c = s->clients[k];

		if (!c || c->op != CTL_OP_TRACE || c->closing)
			continue;
		t->f[t->n] = tracer_filter(c);
		t->c[t->n++] = c;
	}
}

static void deliver(struct ctl_server *s, const struct tracers *t, const struct tap_record *rec,
		    struct ctl_trace *trace)
{
	struct ctl_reply r = {.continues = true, .trace_kind = CTL_TRACE_PACKET, .trace = trace};

	for (unsigned i = 0; i < t->n; i++)
		if (tap_filter_match(&t->f[i], &rec->t))
			send_or_count(s, t->c[i], &r);
}

/* Tells each tracer how many traces it missed, once it has room for the news. */
static void report_losses(struct ctl_server *s, const struct tracers *t, uint64_t ring_lost)
{
	for (unsigned i = 0; i < t->n; i++) {
		struct ctl_client *c = t->c[i];

		c->trace_lost += ring_lost; /* a full ring cannot say whose traces it lost */
		if (!c->trace_lost || c->out_len > CTL_TRACE_BACKLOG)
			continue;
		struct ctl_reply r = {.method = c->req.method,
				      .continues = true,
				      .trace_kind = CTL_TRACE_LOST,
				      .lost = c->trace_lost};
		ctl_client_reply(s, c, &r);
		c->trace_lost = 0;
	}
}

void ctl_trace_pump(struct ctl_server *s)
{
	static struct ctl_trace trace; /* 2 KiB: the control thread's one scratch */
	unsigned n_workers = s->ops->n_workers(s->ctx);
	uint64_t now = clock_now_ms(), ring_lost = 0;
	struct tracers t;

	find_tracers(s, &t);
	for (unsigned w = 0; w < n_workers; w++) {
		struct tap *tap = s->ops->tap(s->ctx, w);
		const struct tap_record *rec;

		if (!tap)
			continue;
		while ((rec = tap_peek(tap))) {
			to_ctl_trace(rec, now, &trace);
			deliver(s, &t, rec, &trace);
			tap_next(tap);
		}
		ring_lost += tap_take_lost(tap);
	}
	report_losses(s, &t, ring_lost);
}
