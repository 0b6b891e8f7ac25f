// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control methods (daemon/tcpfwd/ctl_methods.c) against a fake daemon: a ctl_ops table over
 * two real engines the test fills, whose worker calls run inline. No socket, no thread: the
 * replies the methods would queue are formatted as on the wire and parsed back, so what is
 * checked is what tcpfwctl would read.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "ctl_client.h"
#include "ctl_proto.h"
#include "ctl_proto_cases.h"
#include "engine.h"
#include "log.h"
#include "pktbuild.h"
#include "util.h"

#define N_ENGINES   2
#define QUEUE_BASE  65000 /* no real queue: the stats' /proc lines are all skipped */
#define MAX_REPLIES 64

/* ---- the fake daemon ---- */

struct fake {
	struct config cfg;
	struct engine *e[N_ENGINES];
	unsigned calls[N_ENGINES]; /* worker calls made, per worker */
	bool watching[N_ENGINES];
	int reload_result;
	unsigned reloads;
	struct worker_stats extra; /* queue counters and pauses the stats report besides */
};

static const struct config *fake_config(void *ctx)
{
	struct fake *f = ctx;

	return &f->cfg;
}

static unsigned fake_n_workers(void *ctx)
{
	(void)ctx;
	return N_ENGINES;
}

static uint16_t fake_queue(void *ctx, unsigned w)
{
	(void)ctx;
	return (uint16_t)(QUEUE_BASE + w);
}

static int fake_call(void *ctx, unsigned w, worker_fn *fn, void *arg)
{
	struct fake *f = ctx;

	assert_true(w < N_ENGINES);
	f->calls[w]++;
	fn(f->e[w], arg);
	return 0;
}

static void fake_watch(void *ctx, unsigned w, bool on)
{
	struct fake *f = ctx;

	f->watching[w] = on;
}

static unsigned fake_pop_events(void *ctx, unsigned w, struct worker_event *out, unsigned max,
				uint64_t *lost)
{
	(void)ctx, (void)w, (void)out, (void)max;
	*lost = 0;
	return 0;
}

static int fake_trace(void *ctx, unsigned w, const struct tap_filter *filters, unsigned n)
{
	(void)ctx, (void)w, (void)filters, (void)n;
	return 0;
}

static struct tap *fake_tap(void *ctx, unsigned w)
{
	(void)ctx, (void)w;
	return NULL;
}

/* As tcpfwd sums its workers: each engine's counters, plus the queue counters of `extra`. */
static void fake_stats(void *ctx, struct worker_stats *sum)
{
	struct fake *f = ctx;

	*sum = f->extra;
	for (unsigned w = 0; w < N_ENGINES; w++) {
		struct engine_counters c;

		engine_get_counters(f->e[w], &c);
		for (int v = 0; v < _ENGINE_VERDICT_MAX; v++)
			sum->engine.verdicts[v] += c.verdicts[v];
		for (int r = 0; r < _REASON_MAX; r++)
			sum->engine.reasons[r] += c.reasons[r];
		for (int k = 0; k < _ENGINE_CAUSE_MAX; k++)
			sum->engine.flows_destroyed[k] += c.flows_destroyed[k];
		for (int s = 0; s < _TCP_TRACK_STATE_MAX; s++)
			sum->engine.states[s] += c.states[s];
		sum->engine.flows_created += c.flows_created;
		sum->engine.flows += c.flows;
		sum->engine.max_flows += c.max_flows;
	}
}

static void fake_status(void *ctx, struct ctl_status *st)
{
	struct fake *f = ctx;

	memset(st, 0, sizeof(*st));
	snprintf(st->version, sizeof(st->version), "test");
	snprintf(st->config_path, sizeof(st->config_path), "tcpfwd.conf");
	snprintf(st->tw_policy, sizeof(st->tw_policy), "enforce");
	st->queue_num = QUEUE_BASE;
	st->queue_count = N_ENGINES;
	st->max_flows = f->cfg.table.max_flows * N_ENGINES;
	st->sync = f->extra.sync; /* as tcpfwd takes it from the summed worker stats */
}

static int fake_reload(void *ctx, char *err, size_t err_len)
{
	struct fake *f = ctx;

	f->reloads++;
	if (f->reload_result < 0)
		snprintf(err, err_len, "tcpfwd.conf:3: no such key 'tabel'");
	return f->reload_result;
}

static int fake_set_param(void *ctx, const char *name, const char *value, char *err, size_t err_len)
{
	struct fake *f = ctx;

	return config_param_set(&f->cfg, name, value, err, err_len);
}

static struct reset *fake_reset(void *ctx)
{
	(void)ctx;
	return NULL; /* no test asks for "reset" */
}

static const struct ctl_ops fake_ops = {
	.config = fake_config,
	.n_workers = fake_n_workers,
	.queue = fake_queue,
	.call = fake_call,
	.watch = fake_watch,
	.pop_events = fake_pop_events,
	.trace = fake_trace,
	.tap = fake_tap,
	.stats = fake_stats,
	.status = fake_status,
	.reload = fake_reload,
	.set_param = fake_set_param,
	.reset = fake_reset,
};

/* ---- the replies, as ctl_server.c would queue them ---- */

static char *replies[MAX_REPLIES];
static unsigned n_replies;

void ctl_client_reply(struct ctl_server *s, struct ctl_client *c, const struct ctl_reply *r)
{
	char *text = ctl_reply_format(r);

	(void)s, (void)c;
	assert_non_null(text);
	assert_true(n_replies < MAX_REPLIES);
	replies[n_replies++] = text;
}

void ctl_client_error(struct ctl_server *s, struct ctl_client *c, enum ctl_error e,
		      const char *message)
{
	struct ctl_reply r = {.method = c->req.method, .error = (uint8_t)e};

	snprintf(r.message, sizeof(r.message), "%s", message ? message : "");
	ctl_client_reply(s, c, &r);
}

static void drop_replies(void)
{
	for (unsigned i = 0; i < n_replies; i++)
		free(replies[i]);
	n_replies = 0;
}

/* Reply i, parsed as tcpfwctl parses it; free with ctl_reply_free_members(). */
static struct ctl_reply reply(unsigned i, enum ctl_method method)
{
	struct ctl_reply r;

	assert_true(i < n_replies);
	assert_int_equal(ctl_reply_parse(replies[i], strlen(replies[i]), method, &r), 0);
	return r;
}

/* ---- fixture ---- */

struct fx {
	struct fake fake;
	struct ctl_server *s;
	struct ctl_client c;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct engine_params params = {0};

	assert_non_null(fx);
	config_defaults(&fx->fake.cfg);
	fx->fake.cfg.table.max_flows = 4096;
	fx->fake.cfg.queue.num = QUEUE_BASE;
	fx->fake.cfg.queue.count = N_ENGINES;
	params.config = &fx->fake.cfg;
	for (unsigned w = 0; w < N_ENGINES; w++) {
		memset(params.hash_key, 0x11 * (int)(w + 1), sizeof(params.hash_key));
		assert_int_equal(engine_new(&params, 1000, &fx->fake.e[w]), 0);
	}
	fx->s = calloc(1, sizeof(*fx->s));
	assert_non_null(fx->s);
	fx->s->ops = &fake_ops;
	fx->s->ctx = &fx->fake;
	fx->c = (struct ctl_client){.server = fx->s, .role = CTL_ROLE_ADMIN, .uid = 0};
	fx->s->clients[0] = &fx->c;
	fx->s->n_clients = 1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	for (unsigned w = 0; w < N_ENGINES; w++)
		engine_free(fx->fake.e[w]);
	free(fx->s);
	free(fx);
	drop_replies();
	return 0;
}

/* One segment from the client (or, reply, the server) of the flow with client port sport. */
static struct engine_result send(struct fx *fx, unsigned w, uint16_t sport, bool reply,
				 uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct engine_result res;
	struct pktbuild b;
	uint8_t buf[128];

	pktbuild_init(&b, 4);
	b.sport = sport;
	b.flags = flags;
	b.seq = seq;
	b.ack = ack;
	if (reply) {
		uint8_t tmp[16];

		memcpy(tmp, b.saddr, 16);
		memcpy(b.saddr, b.daddr, 16);
		memcpy(b.daddr, tmp, 16);
		b.sport = b.dport;
		b.dport = sport;
	}
	size_t len = pktbuild_write(&b, buf, sizeof(buf));
	assert_true(len > 0);
	engine_process(fx->fake.e[w], buf, len, len, 1000, &res);
	assert_int_equal(res.verdict, ENGINE_ACCEPT);
	return res;
}

/* A flow on worker w from client port sport: SYN_SENT, or ESTABLISHED after a handshake. */
static void add_flow(struct fx *fx, unsigned w, uint16_t sport, bool established)
{
	send(fx, w, sport, false, TCP_FLAG_SYN, 1000, 0);
	if (!established)
		return;
	send(fx, w, sport, true, TCP_FLAG_SYN | TCP_FLAG_ACK, 5000, 1001);
	assert_int_equal(send(fx, w, sport, false, TCP_FLAG_ACK, 1001, 5001).state,
			 TCP_TRACK_ESTABLISHED);
}

static void run(struct fx *fx, struct ctl_request req)
{
	fx->c.req = req;
	ctl_methods_run(fx->s, &fx->c, &req);
}

/* Lists as ctl_server.c streams: the next chunk each time the client has read the last. */
static void run_list_stream(struct fx *fx, struct ctl_request req)
{
	run(fx, req);
	while (fx->c.op == CTL_OP_LIST)
		if (!ctl_methods_list_next(fx->s, &fx->c))
			fx->c.op = CTL_OP_NONE;
}

/* ---- List ---- */

static void test_list_chunks_and_cursor(void **state)
{
	struct fx *fx = *state;
	unsigned per[N_ENGINES] = {300, 200}, total = 0, seen[N_ENGINES] = {0};
	bool ports[N_ENGINES][1000] = {{false}};

	for (unsigned w = 0; w < N_ENGINES; w++)
		for (unsigned i = 0; i < per[w]; i++)
			add_flow(fx, w, (uint16_t)(10000 + i), false);
	run_list_stream(fx, (struct ctl_request){.method = CTL_FLOWS_LIST, .more = true});

	/* 500 flows in chunks of at most CTL_PROTO_LIST_CHUNK; every reply but the last continues
	 */
	assert_true(n_replies >= (500 + CTL_PROTO_LIST_CHUNK - 1) / CTL_PROTO_LIST_CHUNK);
	for (unsigned i = 0; i < n_replies; i++) {
		struct ctl_reply r = reply(i, CTL_FLOWS_LIST);

		assert_int_equal(r.error, CTL_OK);
		assert_int_equal(r.continues, i + 1 < n_replies);
		assert_true(r.n_flows <= CTL_PROTO_LIST_CHUNK);
		for (size_t k = 0; k < r.n_flows; k++) {
			unsigned w = r.flows[k].queue - QUEUE_BASE;

			assert_true(w < N_ENGINES);
			assert_int_equal(r.flows[k].state, TCP_TRACK_SYN_SENT);
			assert_true(r.flows[k].sport >= 10000 && r.flows[k].sport < 10000 + per[w]);
			assert_false(ports[w][r.flows[k].sport - 10000]); /* no flow twice */
			ports[w][r.flows[k].sport - 10000] = true;
			seen[w]++;
			total++;
		}
		ctl_reply_free_members(&r);
	}
	/* each worker's flows once */
	assert_int_equal(total, 500);
	assert_int_equal(seen[0], per[0]);
	assert_int_equal(seen[1], per[1]);
	assert_int_equal(fx->c.op, CTL_OP_NONE);
	assert_int_equal(fx->c.list_worker, N_ENGINES);
}

static void test_list_without_more_is_one_reply(void **state)
{
	struct fx *fx = *state;

	for (unsigned i = 0; i < 300; i++)
		add_flow(fx, i % N_ENGINES, (uint16_t)(20000 + i), false);
	run(fx, (struct ctl_request){.method = CTL_FLOWS_LIST});
	assert_int_equal(n_replies, 1);
	struct ctl_reply r = reply(0, CTL_FLOWS_LIST);
	assert_int_equal(r.error, CTL_OK);
	assert_false(r.continues);
	assert_int_equal(r.n_flows, 300);
	ctl_reply_free_members(&r);
	assert_int_equal(fx->c.op, CTL_OP_NONE);
}

static void test_list_filter(void **state)
{
	struct fx *fx = *state;
	struct ctl_request req = {.method = CTL_FLOWS_LIST, .more = true};

	add_flow(fx, 0, 30001, true);
	add_flow(fx, 0, 30002, false);
	add_flow(fx, 1, 30003, true);
	req.filter.state_mask = 1u << TCP_TRACK_ESTABLISHED;
	run_list_stream(fx, req);
	assert_int_equal(n_replies, 1);
	struct ctl_reply r = reply(0, CTL_FLOWS_LIST);
	assert_int_equal(r.n_flows, 2);
	assert_int_equal(r.flows[0].sport, 30001);
	assert_int_equal(r.flows[0].queue, QUEUE_BASE);
	assert_int_equal(r.flows[1].sport, 30003);
	assert_int_equal(r.flows[1].queue, QUEUE_BASE + 1);
	ctl_reply_free_members(&r);
}

/* ---- Get, Count, Kill, Flush ---- */

static void test_get(void **state)
{
	struct fx *fx = *state;
	struct ctl_request req = {.method = CTL_FLOWS_GET};
	struct pktbuild b;

	add_flow(fx, 1, 31000, true);
	pktbuild_init(&b, 4);
	req.filter.family = 4;
	memcpy(req.filter.src, b.saddr, 16);
	memcpy(req.filter.dst, b.daddr, 16);
	req.filter.sport = 31000;
	req.filter.dport = b.dport;
	run(fx, req);
	struct ctl_reply r = reply(0, CTL_FLOWS_GET);
	assert_int_equal(r.error, CTL_OK);
	assert_int_equal(r.n_flows, 1);
	assert_int_equal(r.flows[0].queue, QUEUE_BASE + 1);
	assert_int_equal(r.flows[0].state, TCP_TRACK_ESTABLISHED);
	ctl_reply_free_members(&r);

	req.filter.sport = 31001;
	run(fx, req);
	r = reply(1, CTL_FLOWS_GET);
	assert_int_equal(r.error, CTL_ERR_NO_SUCH_FLOW);
	ctl_reply_free_members(&r);
}

static uint64_t count_of(struct fx *fx, struct ctl_request req)
{
	unsigned i = n_replies;

	run(fx, req);
	assert_int_equal(n_replies, i + 1);
	struct ctl_reply r = reply(i, (enum ctl_method)req.method);
	assert_int_equal(r.error, CTL_OK);
	uint64_t n = r.count;
	ctl_reply_free_members(&r);
	return n;
}

static void test_count_and_kill_with_filter(void **state)
{
	struct fx *fx = *state;
	struct ctl_request count = {.method = CTL_FLOWS_COUNT};
	struct ctl_request kill = {.method = CTL_FLOWS_KILL};

	/* more flows than one worker call scans (SLICE_BUDGET): the walk resumes at its cursor */
	for (unsigned i = 0; i < 5000; i++)
		add_flow(fx, i % N_ENGINES, (uint16_t)(1024 + i), i % 10 == 0);
	assert_int_equal(count_of(fx, count), 5000);
	count.filter.state_mask = 1u << TCP_TRACK_ESTABLISHED;
	assert_int_equal(count_of(fx, count), 500);
	count.filter.state_mask = 0;
	count.filter.sport = 1024 + 7;
	assert_int_equal(count_of(fx, count), 1);

	memset(fx->fake.calls, 0, sizeof(fx->fake.calls));
	kill.filter.state_mask = 1u << TCP_TRACK_ESTABLISHED;
	assert_int_equal(count_of(fx, kill), 500);
	assert_true(fx->fake.calls[0] >= 1 && fx->fake.calls[1] >= 1);
	count.filter.sport = 0;
	assert_int_equal(count_of(fx, count), 4500);

	/* the engines counted them as killed */
	struct engine_counters c0, c1;
	engine_get_counters(fx->fake.e[0], &c0);
	engine_get_counters(fx->fake.e[1], &c1);
	assert_int_equal(c0.flows_destroyed[ENGINE_CAUSE_KILLED] +
				 c1.flows_destroyed[ENGINE_CAUSE_KILLED],
			 500);

	/* Flush ignores any filter and takes everything */
	struct ctl_request flush = {.method = CTL_FLOWS_FLUSH};
	flush.filter.sport = 9;
	assert_int_equal(count_of(fx, flush), 4500);
	assert_int_equal(count_of(fx, count), 0);
}

/* ---- Stats ---- */

static void test_stats_sums_workers(void **state)
{
	struct fx *fx = *state;

	add_flow(fx, 0, 40001, true);
	add_flow(fx, 0, 40002, false);
	add_flow(fx, 1, 40003, true);
	fx->fake.extra.queue.packets = 77;
	fx->fake.extra.queue.enobufs = 3;
	fx->fake.extra.relearned = 5;
	fx->fake.extra.pause_max_us = 250;
	run(fx, (struct ctl_request){.method = CTL_STATS_GET});
	struct ctl_reply r = reply(0, CTL_STATS_GET);
	assert_int_equal(r.error, CTL_OK);
	assert_non_null(r.stats);
	/* 3 + 1 + 3 segments, all accepted */
	assert_int_equal(r.stats->verdict_accept, 7);
	assert_int_equal(r.stats->verdict_drop, 0);
	assert_int_equal(r.stats->reasons[REASON_OK], 7);
	assert_int_equal(r.stats->flows, 3);
	assert_int_equal(r.stats->max_flows, 4096 * N_ENGINES);
	assert_int_equal(r.stats->created, 3);
	assert_int_equal(r.stats->states[TCP_TRACK_ESTABLISHED], 2);
	assert_int_equal(r.stats->states[TCP_TRACK_SYN_SENT], 1);
	assert_int_equal(r.stats->packets, 77);
	assert_int_equal(r.stats->enobufs, 3);
	assert_int_equal(r.stats->relearned, 5);
	assert_int_equal(r.stats->pause_max_us, 250);
	assert_int_equal(r.stats->n_queues, 0);
	assert_int_equal(r.stats->sync.state, CTL_SYNC_DISABLED);
	ctl_reply_free_members(&r);
}

/* Replication's status as the worker that runs it published it, in Stats and in Status. */
static void test_stats_and_status_sync(void **state)
{
	struct fx *fx = *state;
	struct ctl_sync want = ctlcase_sync(CTL_SYNC_IN_SYNC);
	struct ctl_reply r;

	fx->fake.extra.sync = want;
	run(fx, (struct ctl_request){.method = CTL_STATS_GET});
	r = reply(0, CTL_STATS_GET);
	assert_int_equal(r.error, CTL_OK);
	assert_memory_equal(&r.stats->sync, &want, sizeof(want));
	ctl_reply_free_members(&r);

	run(fx, (struct ctl_request){.method = CTL_DAEMON_STATUS});
	r = reply(1, CTL_DAEMON_STATUS);
	assert_int_equal(r.error, CTL_OK);
	assert_memory_equal(&r.status->sync, &want, sizeof(want));
	ctl_reply_free_members(&r);
}

/* ---- Reload, Params, Status, Version ---- */

static void test_reload(void **state)
{
	struct fx *fx = *state;

	run(fx, (struct ctl_request){.method = CTL_DAEMON_RELOAD});
	struct ctl_reply r = reply(0, CTL_DAEMON_RELOAD);
	assert_int_equal(r.error, CTL_OK);
	ctl_reply_free_members(&r);

	fx->fake.reload_result = -EINVAL;
	run(fx, (struct ctl_request){.method = CTL_DAEMON_RELOAD});
	r = reply(1, CTL_DAEMON_RELOAD);
	assert_int_equal(r.error, CTL_ERR_RELOAD_FAILED);
	assert_string_equal(r.message, "tcpfwd.conf:3: no such key 'tabel'");
	ctl_reply_free_members(&r);
	assert_int_equal(fx->fake.reloads, 2);
}

static struct ctl_request param_req(enum ctl_method m, const char *name, const char *value)
{
	struct ctl_request req = {.method = (uint8_t)m};

	snprintf(req.param.name, sizeof(req.param.name), "%s", name);
	snprintf(req.param.value, sizeof(req.param.value), "%s", value);
	return req;
}

static void test_params_get_and_set(void **state)
{
	struct fx *fx = *state;
	struct ctl_reply r;

	/* one, by name */
	run(fx, param_req(CTL_PARAMS_GET, "tcp.pickup", ""));
	r = reply(0, CTL_PARAMS_GET);
	assert_int_equal(r.error, CTL_OK);
	assert_int_equal(r.n_params, 1);
	assert_string_equal(r.params[0].name, "tcp.pickup");
	ctl_reply_free_members(&r);

	/* all of them */
	run(fx, param_req(CTL_PARAMS_GET, "", ""));
	r = reply(1, CTL_PARAMS_GET);
	assert_int_equal(r.error, CTL_OK);
	assert_true(r.n_params > 5);
	ctl_reply_free_members(&r);

	/* an unknown one */
	run(fx, param_req(CTL_PARAMS_GET, "tcp.nonesuch", ""));
	r = reply(2, CTL_PARAMS_GET);
	assert_int_equal(r.error, CTL_ERR_NO_SUCH_PARAM);
	assert_string_equal(r.parameter, "tcp.nonesuch");
	ctl_reply_free_members(&r);

	/* set: applied to the configuration the ops return, then read back */
	bool pickup = fx->fake.cfg.tcp.pickup;
	run(fx, param_req(CTL_PARAMS_SET, "tcp.pickup", pickup ? "false" : "true"));
	r = reply(3, CTL_PARAMS_SET);
	assert_int_equal(r.error, CTL_OK);
	ctl_reply_free_members(&r);
	assert_int_equal(fx->fake.cfg.tcp.pickup, !pickup);

	/* set errors: no such name, and a value of the wrong type */
	run(fx, param_req(CTL_PARAMS_SET, "tcp.nonesuch", "1"));
	r = reply(4, CTL_PARAMS_SET);
	assert_int_equal(r.error, CTL_ERR_NO_SUCH_PARAM);
	assert_string_equal(r.parameter, "tcp.nonesuch");
	ctl_reply_free_members(&r);
	run(fx, param_req(CTL_PARAMS_SET, "tcp.pickup", "\"yes\""));
	r = reply(5, CTL_PARAMS_SET);
	assert_int_equal(r.error, CTL_ERR_INVALID_PARAMETER);
	assert_string_equal(r.parameter, "tcp.pickup");
	assert_true(strlen(r.message) > 0);
	ctl_reply_free_members(&r);
	assert_int_equal(fx->fake.cfg.tcp.pickup, !pickup);
}

static void test_status_and_version(void **state)
{
	struct fx *fx = *state;
	struct ctl_reply r;

	run(fx, (struct ctl_request){.method = CTL_DAEMON_STATUS});
	r = reply(0, CTL_DAEMON_STATUS);
	assert_int_equal(r.error, CTL_OK);
	assert_int_equal(r.status->queue_num, QUEUE_BASE);
	assert_int_equal(r.status->queue_count, N_ENGINES);
	ctl_reply_free_members(&r);

	run(fx, (struct ctl_request){.method = CTL_DAEMON_VERSION});
	r = reply(1, CTL_DAEMON_VERSION);
	assert_string_equal(r.version, TCPFW_VERSION);
	ctl_reply_free_members(&r);
}

/* ---- Watch ---- */

static void test_watch(void **state)
{
	struct fx *fx = *state;
	struct ctl_reply r;

	run(fx, (struct ctl_request){.method = CTL_EVENTS_WATCH});
	r = reply(0, CTL_EVENTS_WATCH);
	assert_int_equal(r.error, CTL_ERR_INVALID_PARAMETER);
	assert_string_equal(r.parameter, "more");
	ctl_reply_free_members(&r);
	assert_false(fx->fake.watching[0]);

	run(fx, (struct ctl_request){.method = CTL_EVENTS_WATCH, .more = true});
	assert_int_equal(fx->c.op, CTL_OP_WATCH);
	assert_true(fx->fake.watching[0] && fx->fake.watching[1]);
	ctl_methods_unwatch(fx->s, &fx->c);
	assert_false(fx->fake.watching[0] || fx->fake.watching[1]);
}

/* ---- permissions ---- */

static void test_read_role_may_not_change_anything(void **state)
{
	struct fx *fx = *state;
	static const uint8_t admin[] = {CTL_FLOWS_KILL, CTL_FLOWS_FLUSH, CTL_PARAMS_SET,
					CTL_DAEMON_RELOAD};
	unsigned i;

	add_flow(fx, 0, 50000, true);
	fx->c.role = CTL_ROLE_READ;
	for (i = 0; i < ARRAY_SIZE(admin); i++) {
		struct ctl_request req = param_req(admin[i], "tcp.pickup", "true");

		run(fx, req);
		struct ctl_reply r = reply(i, (enum ctl_method)admin[i]);
		assert_int_equal(r.error, CTL_ERR_PERMISSION_DENIED);
		ctl_reply_free_members(&r);
	}
	assert_int_equal(fx->fake.reloads, 0);
	assert_int_equal(fx->fake.calls[0] + fx->fake.calls[1], 0);

	/* the read-only methods answer */
	assert_int_equal(count_of(fx, (struct ctl_request){.method = CTL_FLOWS_COUNT}), 1);
	fx->c.role = CTL_ROLE_ADMIN;
	assert_int_equal(count_of(fx, (struct ctl_request){.method = CTL_FLOWS_KILL}), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_list_chunks_and_cursor),
		T(test_list_without_more_is_one_reply),
		T(test_list_filter),
		T(test_get),
		T(test_count_and_kill_with_filter),
		T(test_stats_sums_workers),
		T(test_stats_and_status_sync),
		T(test_reload),
		T(test_params_get_and_set),
		T(test_status_and_version),
		T(test_watch),
		T(test_read_role_may_not_change_anything),
	};

	log_set_level(CONFIG_LOG_CRIT); /* the methods' notices are not the test's output */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
