// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control methods. Everything that touches a table is a short worker call (ctl_ops call()):
 * a bounded slice of the table per call, so a list, count or kill of a million flows is many
 * small pauses of one worker, never one long one. The daemon is reached only through the
 * server's ctl_ops, so tests/daemon runs these against a fake.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctl_client.h"
#include "log.h"
#include "reset.h"
#include "util.h"
#include "worker.h"

#define SLICE_BUDGET	   4096	 /* table slots one worker call may scan */
#define LIST_ONE_REPLY_MAX 65536 /* flows in a List answered without "more" */

struct engine_filter to_engine_filter(const struct ctl_filter *f)
{
	struct engine_filter e = {
		.family = f->family,
		.has_src = f->has_src,
		.has_dst = f->has_dst,
		.src_plen = f->src_plen,
		.dst_plen = f->dst_plen,
		.sport = f->sport,
		.dport = f->dport,
		.state_mask = f->state_mask,
	};

	memcpy(e.src, f->src, sizeof(e.src));
	memcpy(e.dst, f->dst, sizeof(e.dst));
	return e;
}

static struct ctl_flow to_ctl_flow(const struct engine_flow_info *i, uint16_t queue, uint64_t now)
{
	struct ctl_flow f = {
		.family = i->family,
		.state = i->state,
		.assured = i->assured,
		.sport = i->sport,
		.dport = i->dport,
		.expires_in_ms = i->expires_ms > now ? i->expires_ms - now : 0,
		.queue = queue,
		.id = i->id,
		.has_counters = i->has_counters,
	};

	memcpy(f.src, i->src, sizeof(f.src));
	memcpy(f.dst, i->dst, sizeof(f.dst));
	memcpy(f.packets, i->packets, sizeof(f.packets));
	memcpy(f.bytes, i->bytes, sizeof(f.bytes));
	return f;
}

/* ---- table walks, one slice per worker call ---- */

struct slice_call {
	struct engine_filter filter;
	bool has_filter;
	uint32_t cursor; /* in: where to resume; out: 0 once the table is done */
	unsigned max;	 /* List: room left in out[] */
	struct engine_flow_info *out;
	unsigned n;		    /* List: filled; Count/Kill: counted */
	uint8_t cause;		    /* Kill: KILLED or FLUSHED */
	struct reset_batch *resets; /* Kill with reset: the worker fills it, we send it */
};

static void call_list(struct engine *e, void *arg)
{
	struct slice_call *c = arg;

	c->n = engine_list(e, c->has_filter ? &c->filter : NULL, &c->cursor, SLICE_BUDGET, c->out,
			   c->max);
}

static void call_count(struct engine *e, void *arg)
{
	struct slice_call *c = arg;

	c->n = engine_list(e, c->has_filter ? &c->filter : NULL, &c->cursor, SLICE_BUDGET, NULL, 0);
}

static void call_kill(struct engine *e, void *arg)
{
	struct slice_call *c = arg;

	c->n = engine_kill(e, c->has_filter ? &c->filter : NULL, c->cause, &c->cursor, SLICE_BUDGET,
			   c->resets ? reset_collect : NULL, c->resets);
}

/* Runs fn over every worker's whole table, slice by slice; returns the summed count. */
static uint64_t walk_all(struct ctl_server *s, worker_fn *fn, struct slice_call *proto)
{
	unsigned n_workers = s->ops->n_workers(s->ctx);
	uint64_t total = 0;

	for (unsigned i = 0; i < n_workers; i++) {
		struct slice_call c = *proto;
		c.cursor = 0;
		do {
			c.n = 0;
			if (s->ops->call(s->ctx, i, fn, &c) < 0)
				break;
			if (c.resets) /* here, on the control thread: no worker waits on it */
				reset_send(s->ops->reset(s->ctx), c.resets);
			total += c.n;
		} while (c.cursor);
	}
	return total;
}

static struct slice_call slice_for(const struct ctl_request *req)
{
	struct slice_call c = {.filter = to_engine_filter(&req->filter)};
	const struct ctl_filter *f = &req->filter;

	c.has_filter =
		f->family || f->has_src || f->has_dst || f->sport || f->dport || f->state_mask;
	return c;
}

/* ---- List ---- */

/* Fills up to `room` flows from where the client's list stopped; returns how many. */
static size_t list_fill(struct ctl_server *s, struct ctl_client *c, struct ctl_flow *flows,
			size_t room)
{
	unsigned n_workers = s->ops->n_workers(s->ctx);
	struct engine_flow_info info[CTL_PROTO_LIST_CHUNK];
	size_t n = 0;

	while (n < room && c->list_worker < n_workers) {
		struct slice_call call = slice_for(&c->req);
		call.cursor = c->list_cursor;
		call.out = info;
		call.max = (unsigned)(room - n < ARRAY_SIZE(info) ? room - n : ARRAY_SIZE(info));
		if (s->ops->call(s->ctx, c->list_worker, call_list, &call) < 0)
			call.cursor = 0;
		uint16_t queue = s->ops->queue(s->ctx, c->list_worker);
		/* after the call: the worker may have armed timers from its later clock */
		uint64_t now = clock_now_ms();

		for (unsigned i = 0; i < call.n; i++)
			flows[n++] = to_ctl_flow(&info[i], queue, now);
		c->list_cursor = call.cursor;
		if (!call.cursor)
			c->list_worker++;
	}
	return n;
}

static bool list_done(struct ctl_server *s, const struct ctl_client *c)
{
	return c->list_worker >= s->ops->n_workers(s->ctx);
}

bool ctl_methods_list_next(struct ctl_server *s, struct ctl_client *c)
{
	struct ctl_flow flows[CTL_PROTO_LIST_CHUNK];
	struct ctl_reply r = {.method = CTL_FLOWS_LIST, .flows = flows};

	r.n_flows = list_fill(s, c, flows, ARRAY_SIZE(flows));
	r.continues = !list_done(s, c);
	ctl_client_reply(s, c, &r);
	return r.continues;
}

static void run_list(struct ctl_server *s, struct ctl_client *c)
{
	c->list_worker = 0;
	c->list_cursor = 0;
	if (c->req.more) {
		c->op = ctl_methods_list_next(s, c) ? CTL_OP_LIST : CTL_OP_NONE;
		return;
	}
	/* no "more": one reply, so the list must fit in one */
	struct ctl_flow *flows = malloc(LIST_ONE_REPLY_MAX * sizeof(*flows));
	if (!flows) {
		ctl_client_error(s, c, CTL_ERR_INTERNAL, "out of memory");
		return;
	}
	struct ctl_reply r = {.method = CTL_FLOWS_LIST, .flows = flows};
	r.n_flows = list_fill(s, c, flows, LIST_ONE_REPLY_MAX);
	if (!list_done(s, c))
		ctl_client_error(s, c, CTL_ERR_INVALID_PARAMETER,
				 "too many flows for one reply: call with \"more\":true");
	else
		ctl_client_reply(s, c, &r);
	free(flows);
}

/* ---- Get, Count, Kill, Flush ---- */

struct get_call {
	const struct ctl_filter *f;
	bool found;
	struct engine_flow_info info;
};

static void call_get(struct engine *e, void *arg)
{
	struct get_call *g = arg;

	g->found = engine_get(e, g->f->family, g->f->src, g->f->sport, g->f->dst, g->f->dport,
			      &g->info);
}

static void run_get(struct ctl_server *s, struct ctl_client *c)
{
	unsigned n_workers = s->ops->n_workers(s->ctx);
	struct get_call g = {.f = &c->req.filter};

	for (unsigned i = 0; i < n_workers; i++) {
		if (s->ops->call(s->ctx, i, call_get, &g) < 0 || !g.found)
			continue;
		struct ctl_flow flow =
			to_ctl_flow(&g.info, s->ops->queue(s->ctx, i), clock_now_ms());
		struct ctl_reply r = {.method = CTL_FLOWS_GET, .flows = &flow, .n_flows = 1};
		ctl_client_reply(s, c, &r);
		return;
	}
	ctl_client_error(s, c, CTL_ERR_NO_SUCH_FLOW, "no flow with that tuple");
}

/* Kill or Flush with "reset": RSTs to both endpoints of every flow, or a refusal first. */
static struct reset_batch *reset_begin(struct ctl_server *s, struct ctl_client *c, uint8_t method)
{
	struct ctl_reply e = {.method = method, .error = CTL_ERR_INVALID_PARAMETER};
	struct reset_batch *b;

	if (reset_ready(s->ops->reset(s->ctx), e.message, sizeof(e.message)) < 0) {
		snprintf(e.parameter, sizeof(e.parameter), "reset");
		ctl_client_reply(s, c, &e);
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		ctl_client_error(s, c, CTL_ERR_INTERNAL, "out of memory");
	return b;
}

static void run_count_or_kill(struct ctl_server *s, struct ctl_client *c,
			      const struct ctl_request *req)
{
	struct slice_call proto = slice_for(req);
	struct ctl_reply r = {.method = req->method};
	const char *verb = req->method == CTL_FLOWS_FLUSH ? "flushed" : "killed";

	if (req->method == CTL_FLOWS_COUNT) {
		r.count = walk_all(s, call_count, &proto);
		ctl_client_reply(s, c, &r);
		return;
	}
	if (req->reset && !(proto.resets = reset_begin(s, c, req->method)))
		return; /* answered */
	proto.cause = req->method == CTL_FLOWS_FLUSH ? ENGINE_CAUSE_FLUSHED : ENGINE_CAUSE_KILLED;
	if (req->method == CTL_FLOWS_FLUSH)
		proto.has_filter = false;
	r.count = walk_all(s, call_kill, &proto);
	if (proto.resets) {
		r.has_reset = true;
		r.reset_sent = proto.resets->sent;
		r.reset_failed = proto.resets->failed;
		log_notice("control: uid %u %s %llu flows, %llu RSTs sent", (unsigned)c->uid, verb,
			   (unsigned long long)r.count, (unsigned long long)r.reset_sent);
		if (r.reset_failed)
			log_errno(CONFIG_LOG_WARNING, proto.resets->last_err,
				  "control: %llu RSTs could not be sent, the last",
				  (unsigned long long)r.reset_failed);
		free(proto.resets);
	} else {
		log_notice("control: uid %u %s %llu flows", (unsigned)c->uid, verb,
			   (unsigned long long)r.count);
	}
	ctl_client_reply(s, c, &r);
}

/* ---- Stats ---- */

/* The kernel's own per-queue counters: /proc/net/netfilter/nfnetlink_queue. */
static void read_kernel_queues(struct ctl_server *s, struct ctl_stats *st)
{
	const struct config *cfg = s->ops->config(s->ctx);
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "re");
	unsigned num, portid, total, mode, range, dropped, user_dropped, seq, one;

	if (!f)
		return;
	while (st->n_queues < ARRAY_SIZE(st->queues) &&
	       fscanf(f, "%u %u %u %u %u %u %u %u %u", &num, &portid, &total, &mode, &range,
		      &dropped, &user_dropped, &seq, &one) == 9) {
		if (num < cfg->queue.num || num >= (unsigned)cfg->queue.num + cfg->queue.count)
			continue;
		st->queues[st->n_queues++] = (struct ctl_queue_stats){
			.num = (uint16_t)num,
			.queue_total = total,
			.queue_dropped = dropped,
			.user_dropped = user_dropped,
			.id_sequence = seq,
		};
	}
	fclose(f);
}

static void run_stats(struct ctl_server *s, struct ctl_client *c)
{
	struct ctl_stats *st = calloc(1, sizeof(*st));
	struct worker_stats w;

	if (!st) {
		ctl_client_error(s, c, CTL_ERR_INTERNAL, "out of memory");
		return;
	}
	s->ops->stats(s->ctx, &w);
	st->verdict_accept = w.engine.verdicts[ENGINE_ACCEPT];
	st->verdict_drop = w.engine.verdicts[ENGINE_DROP];
	memcpy(st->reasons, w.engine.reasons, sizeof(st->reasons));
	for (int i = 0; i < _TCP_TRACK_STATE_MAX; i++)
		st->states[i] = w.engine.states[i];
	for (int i = 0; i < _ENGINE_CAUSE_MAX; i++)
		st->destroyed[i] = w.engine.flows_destroyed[i];
	st->flows = w.engine.flows;
	st->max_flows = w.engine.max_flows;
	st->created = w.engine.flows_created;
	st->packets = w.queue.packets;
	st->enobufs = w.queue.enobufs;
	st->lost = w.queue.lost;
	st->relearned = w.relearned;
	st->pause_max_us = w.pause_max_us;
	/* replication runs on one worker (sync needs queue.count = 1): the sum carries its
	 * status as that worker published it, and a disabled one where there is none */
	st->sync = w.sync;
	st->fastpath = w.fastpath;
	read_kernel_queues(s, st);
	struct ctl_reply r = {.method = CTL_STATS_GET, .stats = st};
	ctl_client_reply(s, c, &r);
	free(st);
}

/* ---- Params, Status, Reload, Version ---- */

struct param_list {
	struct ctl_param params[128];
	size_t n;
};

static void add_param(const char *name, const char *value, void *arg)
{
	struct param_list *l = arg;

	if (l->n == ARRAY_SIZE(l->params))
		return;
	snprintf(l->params[l->n].name, sizeof(l->params[0].name), "%s", name);
	snprintf(l->params[l->n].value, sizeof(l->params[0].value), "%s", value);
	l->n++;
}

static void run_params_get(struct ctl_server *s, struct ctl_client *c,
			   const struct ctl_request *req)
{
	struct param_list *l = calloc(1, sizeof(*l));
	const struct config *cfg = s->ops->config(s->ctx);

	if (!l) {
		ctl_client_error(s, c, CTL_ERR_INTERNAL, "out of memory");
		return;
	}
	if (!req->param.name[0]) {
		config_param_foreach(cfg, add_param, l);
	} else {
		snprintf(l->params[0].name, sizeof(l->params[0].name), "%s", req->param.name);
		if (config_param_get(cfg, req->param.name, l->params[0].value,
				     sizeof(l->params[0].value)) < 0) {
			struct ctl_reply e = {.method = req->method,
					      .error = CTL_ERR_NO_SUCH_PARAM};
			snprintf(e.parameter, sizeof(e.parameter), "%s", req->param.name);
			snprintf(e.message, sizeof(e.message), "no parameter '%s'",
				 req->param.name);
			ctl_client_reply(s, c, &e);
			free(l);
			return;
		}
		l->n = 1;
	}
	struct ctl_reply r = {.method = CTL_PARAMS_GET, .params = l->params, .n_params = l->n};
	ctl_client_reply(s, c, &r);
	free(l);
}

static void run_params_set(struct ctl_server *s, struct ctl_client *c,
			   const struct ctl_request *req)
{
	struct ctl_reply r = {.method = CTL_PARAMS_SET};
	int e = s->ops->set_param(s->ctx, req->param.name, req->param.value, r.message,
				  sizeof(r.message));

	if (e == -ENOENT)
		r.error = CTL_ERR_NO_SUCH_PARAM;
	else if (e < 0)
		r.error = CTL_ERR_INVALID_PARAMETER;
	if (e < 0)
		snprintf(r.parameter, sizeof(r.parameter), "%s", req->param.name);
	ctl_client_reply(s, c, &r);
}

static void run_status(struct ctl_server *s, struct ctl_client *c)
{
	struct ctl_status st;
	struct ctl_reply r = {.method = CTL_DAEMON_STATUS, .status = &st};

	s->ops->status(s->ctx, &st);
	ctl_client_reply(s, c, &r);
}

static void run_reload(struct ctl_server *s, struct ctl_client *c)
{
	struct ctl_reply r = {.method = CTL_DAEMON_RELOAD};

	log_notice("control: uid %u asked for a reload", (unsigned)c->uid);
	if (s->ops->reload(s->ctx, r.message, sizeof(r.message)) < 0)
		r.error = CTL_ERR_RELOAD_FAILED;
	ctl_client_reply(s, c, &r);
}

/* ---- Watch ---- */

static void set_watching(struct ctl_server *s, bool on)
{
	unsigned n_workers = s->ops->n_workers(s->ctx);

	for (unsigned i = 0; i < n_workers; i++)
		s->ops->watch(s->ctx, i, on);
}

static void run_watch(struct ctl_server *s, struct ctl_client *c)
{
	if (!c->req.more) {
		struct ctl_reply r = {.method = CTL_EVENTS_WATCH,
				      .error = CTL_ERR_INVALID_PARAMETER};
		snprintf(r.parameter, sizeof(r.parameter), "more");
		snprintf(r.message, sizeof(r.message), "watch streams: call with \"more\":true");
		ctl_client_reply(s, c, &r);
		return;
	}
	c->op = CTL_OP_WATCH;
	s->n_watchers++;
	set_watching(s, true);
	log_info("control: uid %u (pid %d) watching flow events", (unsigned)c->uid, (int)c->pid);
}

void ctl_methods_unwatch(struct ctl_server *s, struct ctl_client *c)
{
	(void)c;
	s->n_watchers--;
	set_watching(s, false);
}

void ctl_methods_pump_events(struct ctl_server *s)
{
	unsigned n_workers = s->ops->n_workers(s->ctx);
	struct worker_event *evs = s->events;
	uint64_t now = clock_now_ms();

	for (unsigned w = 0; w < n_workers; w++) {
		uint64_t lost;
		unsigned n;

		do {
			n = s->ops->pop_events(s->ctx, w, evs, CTL_EVENT_BATCH, &lost);
			if (lost)
				log_warning("control: %llu flow events lost on queue %u (watchers "
					    "slow)",
					    (unsigned long long)lost, s->ops->queue(s->ctx, w));
			for (unsigned i = 0; i < n; i++) {
				struct engine_filter f;
				struct ctl_reply r = {.method = CTL_EVENTS_WATCH,
						      .continues = true};

				r.event = (struct ctl_event){
					.type = evs[i].ev.type,
					.cause = evs[i].ev.cause,
					.old_state = evs[i].ev.old_state,
					.time_ms = evs[i].time_ms,
					.timestamp_ms = clock_wall_at(evs[i].time_ms, now),
					.flow = to_ctl_flow(&evs[i].ev.flow, evs[i].queue, now),
				};
				for (unsigned k = 0; k < CTL_MAX_CLIENTS; k++) {
					struct ctl_client *c = s->clients[k];
					if (!c || c->op != CTL_OP_WATCH || c->closing)
						continue;
					f = to_engine_filter(&c->req.filter);
					if (engine_filter_match(&f, &evs[i].ev.flow))
						ctl_client_reply(s, c, &r);
				}
			}
		} while (n == CTL_EVENT_BATCH);
	}
}

/* ---- dispatch ---- */

/* Admin methods need the admin role: refused, and logged without flooding the log. */
static bool allowed(struct ctl_server *s, struct ctl_client *c, const struct ctl_request *req)
{
	uint32_t suppressed;

	if (!ctl_method_is_admin(req->method) || c->role == CTL_ROLE_ADMIN)
		return true;
	if (log_ratelimit_ok(&s->call_refuse_rl, clock_now_ms(), 10, &suppressed)) {
		if (suppressed)
			log_warning("control: %u refusals not logged", suppressed);
		log_warning("control: uid %u (pid %d) may not call %s", (unsigned)c->uid,
			    (int)c->pid, ctl_method_name(req->method));
	}
	ctl_client_error(s, c, CTL_ERR_PERMISSION_DENIED,
			 "this method needs root or the admin group");
	return false;
}

void ctl_methods_run(struct ctl_server *s, struct ctl_client *c, const struct ctl_request *req)
{
	struct ctl_reply r = {.method = req->method};

	if (!allowed(s, c, req))
		return;
	switch (req->method) {
	case CTL_FLOWS_LIST:
		run_list(s, c);
		break;
	case CTL_FLOWS_GET:
		run_get(s, c);
		break;
	case CTL_FLOWS_COUNT:
	case CTL_FLOWS_KILL:
	case CTL_FLOWS_FLUSH:
		run_count_or_kill(s, c, req);
		break;
	case CTL_EVENTS_WATCH:
		run_watch(s, c);
		break;
	case CTL_STATS_GET:
		run_stats(s, c);
		break;
	case CTL_PARAMS_GET:
		run_params_get(s, c, req);
		break;
	case CTL_PARAMS_SET:
		run_params_set(s, c, req);
		break;
	case CTL_DAEMON_STATUS:
		run_status(s, c);
		break;
	case CTL_DAEMON_RELOAD:
		run_reload(s, c);
		break;
	case CTL_DAEMON_VERSION:
		snprintf(r.version, sizeof(r.version), "%s", TCPFW_VERSION);
		ctl_client_reply(s, c, &r);
		break;
	case CTL_PACKETS_TRACE:
	case CTL_PACKETS_CAPTURE:
		ctl_trace_start(s, c);
		break;
	default:
		ctl_client_error(s, c, CTL_ERR_METHOD_NOT_FOUND, "unknown method");
	}
}
