// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine fed with packet bytes and a fake clock: whole conversations, counters, events,
 * TIME_WAIT policies and adaptive shortening, table pressure, expiry, iteration, kill, and
 * live reconfiguration.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "engine.h"
#include "seq.h"
#include "tcp_window.h"
#include "pktbuild.h"
#include "util.h"

#define C2S TCP_TRACK_ORIGINAL
#define S2C TCP_TRACK_REPLY
#define SEC 1000ull

struct events {
	unsigned n;
	struct engine_event ev[64];
};

struct fixture {
	struct config cfg;
	struct engine *e;
	struct events events;
	uint64_t now;
	size_t last_len; /* the IP length of the last segment sent */
};

/* One TCP conversation between a client and a server port, with both sides' next sequence. */
struct conn {
	uint8_t family;
	uint16_t cport;
	uint32_t next[2]; /* next sequence number of client (C2S) and server (S2C) */
	bool ts;
	uint32_t tsval[2];
};

static void on_event(const struct engine_event *ev, void *arg)
{
	struct events *events = arg;

	if (events->n < ARRAY_SIZE(events->ev))
		events->ev[events->n] = *ev;
	events->n++;
}

static uint8_t hash_key_byte = 0x5a;

static struct fixture *fx_new(const struct config *cfg)
{
	struct fixture *fx = test_calloc(1, sizeof(*fx));
	struct engine_params params = {.on_event = on_event};

	fx->cfg = *cfg;
	fx->now = 1000 * SEC;
	params.config = &fx->cfg;
	params.event_arg = &fx->events;
	memset(params.hash_key, hash_key_byte, sizeof(params.hash_key));
	assert_int_equal(engine_new(&params, fx->now, &fx->e), 0);
	return fx;
}

static void fx_free(struct fixture *fx)
{
	engine_free(fx->e);
	test_free(fx);
}

static struct config small_config(uint32_t max_flows)
{
	struct config cfg;

	config_defaults(&cfg);
	cfg.table.max_flows = max_flows;
	return cfg;
}

static struct conn conn_make(uint8_t family, uint16_t cport)
{
	return (struct conn){.family = family, .cport = cport, .next = {1000000, 3000000000u}};
}

/* Writes one segment of c in direction dir to buf; returns its length and sets *seq. */
static size_t write_seg(struct conn *c, int dir, uint8_t flags, uint32_t payload,
			uint32_t seq_override, uint8_t *buf, size_t cap, uint32_t *seq)
{
	struct pktbuild b;

	pktbuild_init(&b, c->family);
	if (dir == S2C) {
		uint8_t tmp[16];
		memcpy(tmp, b.saddr, 16);
		memcpy(b.saddr, b.daddr, 16);
		memcpy(b.daddr, tmp, 16);
		b.sport = 80;
		b.dport = c->cport;
	} else {
		b.sport = c->cport;
		b.dport = 80;
	}
	b.flags = flags;
	b.seq = seq_override ? seq_override : c->next[dir];
	b.ack = (flags & TCP_FLAG_ACK) ? c->next[!dir] : 0;
	b.payload_len = payload;
	b.window = 65535;
	if (c->ts) {
		b.ts = true;
		b.tsval = ++c->tsval[dir];
	}
	size_t len = pktbuild_write(&b, buf, cap);
	assert_true(len > 0);
	*seq = b.seq;
	return len;
}

/* Sends one segment of c in direction dir; returns the engine's result. */
static struct engine_result send_seg(struct fixture *fx, struct conn *c, int dir, uint8_t flags,
				     uint32_t payload, uint32_t seq_override)
{
	struct engine_result res;
	uint8_t buf[2048];
	uint32_t seq;
	size_t len = write_seg(c, dir, flags, payload, seq_override, buf, sizeof(buf), &seq);

	/* a header-only copy, as NFQUEUE with a small copy range delivers it */
	size_t cap = len - payload;
	fx->last_len = len;
	engine_process(fx->e, buf, cap, len, fx->now, &res);
	if (!seq_override && res.verdict == ENGINE_ACCEPT)
		c->next[dir] = seq + payload + !!(flags & TCP_FLAG_SYN) + !!(flags & TCP_FLAG_FIN);
	return res;
}

static struct engine_result seg(struct fixture *fx, struct conn *c, int dir, uint8_t flags,
				uint32_t payload)
{
	return send_seg(fx, c, dir, flags, payload, 0);
}

#define SYN TCP_FLAG_SYN
#define ACK TCP_FLAG_ACK
#define FIN TCP_FLAG_FIN
#define RST TCP_FLAG_RST

static void expect(struct engine_result r, uint8_t verdict, uint8_t reason, uint8_t state)
{
	assert_int_equal(r.verdict, verdict);
	assert_string_equal(reason_name(r.reason), reason_name(reason));
	assert_string_equal(tcp_track_state_name(r.state), tcp_track_state_name(state));
}

static void handshake(struct fixture *fx, struct conn *c)
{
	expect(seg(fx, c, C2S, SYN, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
	expect(seg(fx, c, S2C, SYN | ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_RECV);
	expect(seg(fx, c, C2S, ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
}

static void close_to_time_wait(struct fixture *fx, struct conn *c)
{
	expect(seg(fx, c, C2S, FIN | ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_FIN_WAIT);
	expect(seg(fx, c, S2C, ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_CLOSE_WAIT);
	expect(seg(fx, c, S2C, FIN | ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_LAST_ACK);
	expect(seg(fx, c, C2S, ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_TIME_WAIT);
}

static struct engine_counters counters(struct fixture *fx)
{
	struct engine_counters ctr;

	engine_get_counters(fx->e, &ctr);
	return ctr;
}

/* The single flow's info (the test makes sure there is exactly one matching). */
static struct engine_flow_info the_flow(struct fixture *fx, const struct engine_filter *f)
{
	struct engine_flow_info out[4];
	uint32_t cursor = 0;
	unsigned n = engine_list(fx->e, f, &cursor, UINT32_MAX, out, ARRAY_SIZE(out));

	assert_int_equal(n, 1);
	return out[0];
}

static void advance(struct fixture *fx, uint64_t ms)
{
	fx->now += ms;
	engine_expire(fx->e, fx->now, UINT32_MAX);
}

static void test_conversation_v4_and_v6(void **state)
{
	(void)state;
	for (uint8_t family = 4; family <= 6; family += 2) {
		struct config cfg = small_config(64);
		struct fixture *fx = fx_new(&cfg);
		struct conn c = conn_make(family, 40000);

		handshake(fx, &c);
		for (int i = 0; i < 20; i++) {
			expect(seg(fx, &c, C2S, ACK, 1400), ENGINE_ACCEPT, REASON_OK,
			       TCP_TRACK_ESTABLISHED);
			expect(seg(fx, &c, S2C, ACK, 0), ENGINE_ACCEPT, REASON_OK,
			       TCP_TRACK_ESTABLISHED);
		}
		close_to_time_wait(fx, &c);

		struct engine_counters ctr = counters(fx);
		assert_int_equal(ctr.flows, 1);
		assert_int_equal(ctr.flows_created, 1);
		assert_int_equal(ctr.states[TCP_TRACK_TIME_WAIT], 1);
		assert_int_equal(ctr.states[TCP_TRACK_ESTABLISHED], 0);
		assert_int_equal(ctr.verdicts[ENGINE_ACCEPT], 3 + 40 + 4);
		assert_int_equal(ctr.verdicts[ENGINE_DROP], 0);
		assert_int_equal(ctr.reasons[REASON_OK], 3 + 40 + 4);

		/* events: NEW, then one STATE per transition */
		assert_int_equal(fx->events.n, 1 + 2 + 4);
		assert_int_equal(fx->events.ev[0].type, ENGINE_EVENT_NEW);
		assert_int_equal(fx->events.ev[0].flow.family, family);
		assert_int_equal(fx->events.ev[0].flow.sport, 40000);
		assert_int_equal(fx->events.ev[0].flow.dport, 80);
		assert_int_equal(fx->events.ev[6].type, ENGINE_EVENT_STATE);
		assert_int_equal(fx->events.ev[6].old_state, TCP_TRACK_LAST_ACK);
		assert_int_equal(fx->events.ev[6].flow.state, TCP_TRACK_TIME_WAIT);
		/* a state event carries the new state's timer, not the one it replaced */
		assert_int_equal(fx->events.ev[2].type, ENGINE_EVENT_STATE);
		assert_int_equal(fx->events.ev[2].flow.state, TCP_TRACK_ESTABLISHED);
		assert_in_range(fx->events.ev[2].flow.expires_ms,
				fx->now + cfg.tcp.timeouts.established_ms,
				fx->now + cfg.tcp.timeouts.established_ms + 100);
		assert_in_range(fx->events.ev[6].flow.expires_ms,
				fx->now + cfg.tcp.time_wait.duration_ms,
				fx->now + cfg.tcp.time_wait.duration_ms + 100);
		fx_free(fx);
	}
}

/*
 * Traffic that bypassed the daemon (fail-open overrun) moved both ends 10 MB on: without
 * engine_forget_windows() the next segments are out of window; after it, each side's next
 * segment re-learns its window, and the flow goes on being checked. Also after 32 calls, when
 * the flows' five-bit window generation has come round to the one the idle flow learned in.
 */
static void test_forget_windows_after_bypass(void **state)
{
	(void)state;
	static const int calls[] = {0, 1, 2, 32, 33};
	for (unsigned k = 0; k < sizeof(calls) / sizeof(calls[0]); k++) {
		int forget = calls[k];
		struct config cfg = small_config(64);
		struct fixture *fx = fx_new(&cfg);
		struct conn c = conn_make(4, 40100), d = conn_make(4, 40101);

		handshake(fx, &c);
		expect(seg(fx, &c, C2S, ACK, 100), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
		expect(seg(fx, &c, S2C, ACK, 1000), ENGINE_ACCEPT, REASON_OK,
		       TCP_TRACK_ESTABLISHED);
		d.next[C2S] = 5000000; /* a flow still in its handshake is left exact */
		expect(seg(fx, &d, C2S, SYN, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
		c.next[C2S] += 10000000;
		c.next[S2C] += 10000000;
		for (int i = 0; i < forget; i++)
			assert_int_equal(engine_forget_windows(fx->e), 2);
		struct engine_result r = seg(fx, &c, S2C, ACK, 1000);
		if (!forget) {
			expect(r, ENGINE_DROP, REASON_SEQ_OVER_WINDOW, TCP_TRACK_ESTABLISHED);
			fx_free(fx);
			continue;
		}
		expect(r, ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
		expect(seg(fx, &c, C2S, ACK, 100), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
		/* re-learned: checked again, from the new positions */
		expect(send_seg(fx, &c, C2S, ACK, 100, c.next[C2S] + 50000000), ENGINE_DROP,
		       REASON_SEQ_OVER_WINDOW, TCP_TRACK_ESTABLISHED);
		/* the flow in its handshake goes on as before */
		expect(send_seg(fx, &d, S2C, SYN | ACK, 0, 0), ENGINE_ACCEPT, REASON_OK,
		       TCP_TRACK_SYN_RECV);
		fx_free(fx);
	}
}

/*
 * A RST at RCV.NXT with a wrong checksum, which the endpoint would discard: when the kernel
 * says nobody verified the sum, the engine drops it and the flow lives on; when the kernel
 * verified it (or the sum is not final yet), the engine cannot tell and the RST closes the flow.
 */
static void test_bad_checksum_rst(void **state)
{
	(void)state;
	for (uint8_t family = 4; family <= 6; family += 2) {
		struct config cfg = small_config(64);
		struct fixture *fx = fx_new(&cfg);
		struct conn c = conn_make(family, 40200);
		struct engine_result r;
		uint8_t buf[256];
		uint32_t seq;

		handshake(fx, &c);
		size_t n = write_seg(&c, S2C, RST, 0, 0, buf, sizeof(buf), &seq);
		buf[n - 1] ^= 0x5a; /* in the TCP header: the sum no longer matches */
		struct engine_packet bad = {buf, n, n, ENGINE_PKT_CSUM_UNVERIFIED};
		engine_process_batch(fx->e, &bad, 1, fx->now, &r);
		expect(r, ENGINE_DROP, REASON_TCP_BAD_CHECKSUM, TCP_TRACK_NONE);
		expect(seg(fx, &c, C2S, ACK, 10), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
		/* the same bytes, with the sum verified by the kernel: a valid RST */
		n = write_seg(&c, S2C, RST, 0, 0, buf, sizeof(buf), &seq);
		buf[n - 1] ^= 0x5a;
		bad.flags = 0;
		engine_process_batch(fx->e, &bad, 1, fx->now, &r);
		expect(r, ENGINE_ACCEPT, REASON_OK, TCP_TRACK_CLOSE);
		fx_free(fx);
	}
}

static void test_drops_are_counted(void **state)
{
	(void)state;
	struct config cfg = small_config(64);
	struct fixture *fx = fx_new(&cfg);
	struct conn c = conn_make(4, 40001), d = conn_make(4, 40002);

	expect(seg(fx, &c, C2S, ACK, 10), ENGINE_DROP, REASON_NEW_NOT_SYN, TCP_TRACK_NONE);
	expect(seg(fx, &c, S2C, SYN | ACK, 0), ENGINE_DROP, REASON_INVALID_NEW, TCP_TRACK_NONE);
	expect(seg(fx, &c, C2S, 0, 0), ENGINE_DROP, REASON_BAD_FLAGS, TCP_TRACK_NONE);
	expect(seg(fx, &c, C2S, FIN | TCP_FLAG_PSH | TCP_FLAG_URG, 0), ENGINE_DROP,
	       REASON_BAD_FLAGS, TCP_TRACK_NONE);
	handshake(fx, &d);
	d.next[C2S] += 10000000; /* far beyond the window */
	expect(seg(fx, &d, C2S, ACK, 100), ENGINE_DROP, REASON_SEQ_OVER_WINDOW,
	       TCP_TRACK_ESTABLISHED);

	uint8_t junk[10] = {0x45};
	struct engine_result r;
	engine_process(fx->e, junk, sizeof(junk), sizeof(junk), fx->now, &r);
	assert_int_equal(r.verdict, ENGINE_DROP);
	assert_int_equal(r.reason, REASON_IP_TRUNCATED);

	struct engine_counters ctr = counters(fx);
	assert_int_equal(ctr.reasons[REASON_NEW_NOT_SYN], 1);
	assert_int_equal(ctr.reasons[REASON_INVALID_NEW], 1);
	assert_int_equal(ctr.reasons[REASON_BAD_FLAGS], 2);
	assert_int_equal(ctr.reasons[REASON_SEQ_OVER_WINDOW], 1);
	assert_int_equal(ctr.reasons[REASON_IP_TRUNCATED], 1);
	assert_int_equal(ctr.verdicts[ENGINE_DROP], 6);
	assert_int_equal(ctr.flows, 1);
	fx_free(fx);
}

static void test_not_tcp_passes(void **state)
{
	(void)state;
	struct config cfg = small_config(8);
	struct fixture *fx = fx_new(&cfg);
	struct pktbuild b;
	struct engine_result r;
	uint8_t buf[128];

	pktbuild_init(&b, 4);
	size_t len = pktbuild_write(&b, buf, sizeof(buf));
	buf[9] = 17; /* UDP */
	pktbuild_ip4_fix_csum(buf);
	engine_process(fx->e, buf, len, len, fx->now, &r);
	assert_int_equal(r.verdict, ENGINE_ACCEPT);
	assert_int_equal(r.reason, REASON_NOT_TCP);
	assert_int_equal(counters(fx).flows, 0);
	fx_free(fx);
}

static uint64_t expires_in(struct fixture *fx)
{
	struct engine_flow_info f = the_flow(fx, NULL);

	return f.expires_ms - fx->now;
}

static void test_time_wait_enforce_and_shorten(void **state)
{
	(void)state;
	for (int policy = CONFIG_TW_ENFORCE; policy <= CONFIG_TW_SHORTEN; policy++) {
		struct config cfg = small_config(64);
		cfg.tcp.time_wait.policy = (uint8_t)policy;
		cfg.tcp.time_wait.duration_ms = 120 * SEC;
		cfg.tcp.time_wait.shortened_ms = 30 * SEC;
		struct fixture *fx = fx_new(&cfg);
		struct conn c = conn_make(4, 40010);
		uint64_t hold = policy == CONFIG_TW_ENFORCE ? 120 * SEC : 30 * SEC;

		handshake(fx, &c);
		close_to_time_wait(fx, &c);
		assert_int_equal(expires_in(fx), hold);

		/* a retransmitted last ACK passes but does not extend TIME_WAIT */
		advance(fx, 10 * SEC);
		expect(seg(fx, &c, C2S, ACK, 0), ENGINE_ACCEPT, REASON_TIME_WAIT_ACK,
		       TCP_TRACK_TIME_WAIT);
		assert_int_equal(expires_in(fx), hold - 10 * SEC);

		advance(fx, hold - 10 * SEC - 100);
		assert_int_equal(counters(fx).flows, 1);
		advance(fx, 100);
		assert_int_equal(counters(fx).flows, 0);
		assert_int_equal(counters(fx).flows_destroyed[ENGINE_CAUSE_TIMEOUT], 1);
		assert_int_equal(fx->events.ev[fx->events.n - 1].type, ENGINE_EVENT_DESTROY);
		assert_int_equal(fx->events.ev[fx->events.n - 1].cause, ENGINE_CAUSE_TIMEOUT);
		fx_free(fx);
	}
}

/* Fills the table with `n` established flows (ports 1000..) and closes one more into
 * TIME_WAIT; returns the TIME_WAIT hold it got. */
static uint64_t time_wait_hold_at(uint32_t max_flows, uint32_t n)
{
	struct config cfg = small_config(max_flows);
	cfg.tcp.time_wait.policy = CONFIG_TW_SHORTEN;
	cfg.tcp.time_wait.shortened_ms = 40 * SEC;
	cfg.tcp.time_wait.minimum_ms = 2 * SEC;
	cfg.tcp.time_wait.adaptive_start_pct = 50;
	cfg.tcp.time_wait.adaptive_end_pct = 100;
	struct fixture *fx = fx_new(&cfg);

	for (uint32_t i = 0; i + 1 < n; i++) {
		struct conn c = conn_make(4, (uint16_t)(1000 + i));
		handshake(fx, &c);
	}
	struct conn c = conn_make(4, 999);
	handshake(fx, &c);
	assert_int_equal(counters(fx).flows, n);
	close_to_time_wait(fx, &c);

	struct engine_filter f = {.sport = 999};
	uint64_t hold = the_flow(fx, &f).expires_ms - fx->now;
	fx_free(fx);
	return hold;
}

static void test_adaptive_shortening(void **state)
{
	(void)state;
	assert_int_equal(time_wait_hold_at(100, 10), 40 * SEC);
	assert_int_equal(time_wait_hold_at(100, 50), 40 * SEC); /* at adaptive_start: full */
	assert_int_equal(time_wait_hold_at(100, 75), 20 * SEC); /* half way: half */
	assert_int_equal(time_wait_hold_at(100, 100), 2 * SEC); /* at adaptive_end: the floor */
	assert_int_equal(time_wait_hold_at(100, 95), 4 * SEC);	/* 40 s * 5/50 */
}

static void test_adaptive_off_under_enforce(void **state)
{
	(void)state;
	struct config cfg = small_config(4);
	struct fixture *fx = fx_new(&cfg);

	for (uint16_t i = 0; i < 4; i++) {
		struct conn c = conn_make(4, (uint16_t)(2000 + i));
		handshake(fx, &c);
		if (i == 3) {
			close_to_time_wait(fx, &c);
			struct engine_filter f = {.sport = 2003};
			assert_int_equal(the_flow(fx, &f).expires_ms - fx->now, 120 * SEC);
		}
	}
	fx_free(fx);
}

static void test_full_table_of_assured_refuses_syn(void **state)
{
	(void)state;
	struct config cfg = small_config(4);
	struct fixture *fx = fx_new(&cfg);

	for (uint16_t i = 0; i < 4; i++) {
		struct conn c = conn_make(4, (uint16_t)(3000 + i));
		handshake(fx, &c);
	}
	struct conn extra = conn_make(4, 3999);
	expect(seg(fx, &extra, C2S, SYN, 0), ENGINE_DROP, REASON_TABLE_FULL, TCP_TRACK_NONE);
	struct engine_counters ctr = counters(fx);
	assert_int_equal(ctr.reasons[REASON_TABLE_FULL], 1);
	assert_int_equal(ctr.flows, 4);
	assert_int_equal(ctr.flows_destroyed[ENGINE_CAUSE_EVICTED], 0);
	fx_free(fx);
}

/* Run under several hash keys: the scan order changes, the preference must not. */
static void evicts_closing_first(void)
{
	struct config cfg = small_config(4);
	struct fixture *fx = fx_new(&cfg);
	struct conn conns[4];

	for (uint16_t i = 0; i < 4; i++) {
		conns[i] = conn_make(4, (uint16_t)(4000 + i));
		if (i == 0) /* unassured: a candidate, but a worse one than TIME_WAIT */
			expect(seg(fx, &conns[i], C2S, SYN, 0), ENGINE_ACCEPT, REASON_OK,
			       TCP_TRACK_SYN_SENT);
		else
			handshake(fx, &conns[i]);
	}
	close_to_time_wait(fx, &conns[2]);
	fx->events.n = 0;

	struct conn extra = conn_make(4, 4999);
	expect(seg(fx, &extra, C2S, SYN, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
	assert_int_equal(fx->events.n, 2);
	assert_int_equal(fx->events.ev[0].type, ENGINE_EVENT_DESTROY);
	assert_int_equal(fx->events.ev[0].cause, ENGINE_CAUSE_EVICTED);
	assert_int_equal(fx->events.ev[0].flow.sport, 4002);
	assert_int_equal(fx->events.ev[1].type, ENGINE_EVENT_NEW);

	/* then an unassured SYN_SENT flow goes; the assured established ones never do */
	struct conn extra2 = conn_make(4, 4998);
	fx->events.n = 0;
	expect(seg(fx, &extra2, C2S, SYN, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
	assert_int_equal(fx->events.ev[0].cause, ENGINE_CAUSE_EVICTED);
	assert_int_equal(fx->events.ev[0].flow.state, TCP_TRACK_SYN_SENT);
	assert_true(fx->events.ev[0].flow.sport == 4000 || fx->events.ev[0].flow.sport == 4999);
	assert_int_equal(counters(fx).flows_destroyed[ENGINE_CAUSE_EVICTED], 2);
	assert_int_equal(counters(fx).states[TCP_TRACK_ESTABLISHED], 2);
	fx_free(fx);
}

static void test_full_table_evicts_closing_first(void **state)
{
	(void)state;
	for (unsigned k = 0; k < 16; k++) {
		hash_key_byte = (uint8_t)(k * 17);
		evicts_closing_first();
	}
	hash_key_byte = 0x5a;
}

static void test_unreplied_syn_expires_from_first_syn(void **state)
{
	(void)state;
	struct config cfg = small_config(8);
	struct fixture *fx = fx_new(&cfg);
	struct conn c = conn_make(4, 5000);
	uint32_t isn = c.next[C2S];

	expect(seg(fx, &c, C2S, SYN, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
	advance(fx, 1 * SEC);
	expect(send_seg(fx, &c, C2S, SYN, 0, isn), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
	advance(fx, 2 * SEC);
	expect(send_seg(fx, &c, C2S, SYN, 0, isn), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
	advance(fx, 117 * SEC - 100);
	assert_int_equal(counters(fx).flows, 1);
	advance(fx, 100); /* 120 s after the first SYN, not after the last */
	assert_int_equal(counters(fx).flows, 0);
	fx_free(fx);
}

static void test_reset_answering_syn_destroys(void **state)
{
	(void)state;
	struct config cfg = small_config(8);
	struct fixture *fx = fx_new(&cfg);
	struct conn c = conn_make(4, 5001);

	expect(seg(fx, &c, C2S, SYN, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
	expect(seg(fx, &c, S2C, RST | ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_NONE);
	struct engine_counters ctr = counters(fx);
	assert_int_equal(ctr.flows, 0);
	assert_int_equal(ctr.flows_destroyed[ENGINE_CAUSE_RESET], 1);
	for (int s = 0; s < _TCP_TRACK_STATE_MAX; s++)
		assert_int_equal(ctr.states[s], 0);
	fx_free(fx);
}

static void test_time_wait_reopen(void **state)
{
	(void)state;
	struct config cfg = small_config(8);
	struct fixture *fx = fx_new(&cfg);
	struct conn c = conn_make(4, 5002);

	handshake(fx, &c);
	close_to_time_wait(fx, &c);
	/* an old-looking SYN from the side holding TIME-WAIT is an old duplicate; towards it,
	 * one passes for the holder to challenge */
	expect(send_seg(fx, &c, C2S, SYN, 0, c.next[C2S] - 5000), ENGINE_DROP,
	       REASON_TIME_WAIT_DUP_SYN, TCP_TRACK_TIME_WAIT);
	expect(send_seg(fx, &c, S2C, SYN, 0, c.next[S2C] - 5000), ENGINE_ACCEPT,
	       REASON_TIME_WAIT_OLD_SYN, TCP_TRACK_TIME_WAIT);
	/* RST into TIME_WAIT is dropped (RFC 1337) */
	expect(seg(fx, &c, S2C, RST, 0), ENGINE_DROP, REASON_TIME_WAIT_RST, TCP_TRACK_TIME_WAIT);
	/* a SYN after the old connection's sequence space reopens, as a new flow */
	fx->events.n = 0;
	c.next[C2S] += 100000;
	expect(seg(fx, &c, C2S, SYN, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
	assert_int_equal(fx->events.n, 2);
	assert_int_equal(fx->events.ev[0].cause, ENGINE_CAUSE_REOPEN);
	assert_int_equal(fx->events.ev[1].type, ENGINE_EVENT_NEW);
	expect(seg(fx, &c, S2C, SYN | ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_RECV);
	struct engine_counters ctr = counters(fx);
	assert_int_equal(ctr.flows, 1);
	assert_int_equal(ctr.states[TCP_TRACK_SYN_RECV], 1);
	assert_int_equal(ctr.states[TCP_TRACK_TIME_WAIT], 0);
	fx_free(fx);
}

/*
 * A SYN/ACK answering a SYN on a live tuple restarts the flow only after 2 s in which nothing
 * moved it: until then it could be a forged pair aimed at a live connection.
 */
static void test_resync_waits_for_a_quiet_flow(void **state)
{
	(void)state;
	struct config cfg = small_config(8);
	struct fixture *fx = fx_new(&cfg);
	struct conn c = conn_make(4, 5004);

	handshake(fx, &c);
	expect(seg(fx, &c, C2S, ACK, 100), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	uint32_t old_c = c.next[C2S], old_s = c.next[S2C];
	c.next[C2S] = old_c + 3000000; /* the new incarnation's ISN */
	advance(fx, 1000);
	expect(seg(fx, &c, C2S, SYN, 0), ENGINE_ACCEPT, REASON_SYN_IGNORED, TCP_TRACK_ESTABLISHED);
	expect(send_seg(fx, &c, S2C, SYN | ACK, 0, 7000000), ENGINE_ACCEPT, REASON_SYNACK_IGNORED,
	       TCP_TRACK_ESTABLISHED);
	/* the old connection goes on */
	c.next[C2S] = old_c;
	expect(seg(fx, &c, C2S, ACK, 10), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	expect(seg(fx, &c, S2C, ACK, 10), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	assert_int_equal(c.next[S2C], old_s + 10);
	/* quiet for 2 s: the pair restarts it */
	advance(fx, 2100);
	c.next[C2S] = old_c + 3000000;
	expect(seg(fx, &c, C2S, SYN, 0), ENGINE_ACCEPT, REASON_SYN_IGNORED, TCP_TRACK_ESTABLISHED);
	expect(send_seg(fx, &c, S2C, SYN | ACK, 0, 7000000), ENGINE_ACCEPT, REASON_OK,
	       TCP_TRACK_SYN_RECV);
	fx_free(fx);
}

static void test_time_wait_reopen_roles_switched(void **state)
{
	(void)state;
	struct config cfg = small_config(8);
	struct fixture *fx = fx_new(&cfg);
	struct conn c = conn_make(4, 5003);

	handshake(fx, &c);
	close_to_time_wait(fx, &c);
	c.next[S2C] += 100000;
	expect(seg(fx, &c, S2C, SYN, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
	struct engine_flow_info f = the_flow(fx, NULL);
	assert_int_equal(f.sport, 80); /* the server is now the initiator */
	assert_int_equal(f.dport, 5003);
	expect(seg(fx, &c, C2S, SYN | ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_RECV);
	fx_free(fx);
}

static void test_pickup(void **state)
{
	(void)state;
	struct config cfg = small_config(8);
	cfg.tcp.pickup = true;
	struct fixture *fx = fx_new(&cfg);
	struct conn c = conn_make(4, 5004);

	expect(seg(fx, &c, C2S, ACK, 100), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	assert_int_equal(expires_in(fx), cfg.tcp.timeouts.unacknowledged_ms);
	expect(seg(fx, &c, S2C, ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	assert_true(the_flow(fx, NULL).assured);
	assert_int_equal(expires_in(fx), cfg.tcp.timeouts.established_ms);
	fx_free(fx);
}

static void test_list_filter_and_cursor(void **state)
{
	(void)state;
	struct config cfg = small_config(64);
	struct fixture *fx = fx_new(&cfg);

	for (uint16_t i = 0; i < 10; i++) {
		struct conn c = conn_make(i % 2 ? 6 : 4, (uint16_t)(6000 + i));
		handshake(fx, &c);
		if (i < 3)
			close_to_time_wait(fx, &c);
	}
	struct engine_flow_info out[16];
	uint32_t cursor = 0;
	unsigned total = 0, calls = 0;
	do { /* small budget: resumes across calls */
		total += engine_list(fx->e, NULL, &cursor, 3, out, ARRAY_SIZE(out));
		calls++;
	} while (cursor != 0);
	assert_int_equal(total, 10);
	assert_true(calls > 3);

	struct engine_filter v6 = {.family = 6};
	cursor = 0;
	assert_int_equal(engine_list(fx->e, &v6, &cursor, UINT32_MAX, out, 16), 5);
	cursor = 0;
	assert_int_equal(engine_list(fx->e, &v6, &cursor, UINT32_MAX, NULL, 0), 5); /* count only */
	struct engine_filter tw = {.state_mask = 1u << TCP_TRACK_TIME_WAIT};
	cursor = 0;
	assert_int_equal(engine_list(fx->e, &tw, &cursor, UINT32_MAX, out, 16), 3);
	struct engine_filter port = {.sport = 6004, .dport = 80};
	assert_int_equal(the_flow(fx, &port).sport, 6004);
	struct engine_filter src = {.has_src = true, .src_plen = 128};
	memcpy(src.src, out[0].src, 16);
	src.family = out[0].family;
	cursor = 0; /* every flow of a family comes from the same address */
	assert_int_equal(engine_list(fx->e, &src, &cursor, UINT32_MAX, out, 16), 5);
	struct engine_flow_info got;
	uint8_t a[16] = {0}, b[16] = {0};
	memcpy(a, out[0].src, 16);
	memcpy(b, out[0].dst, 16);
	assert_true(engine_get(fx->e, out[0].family, a, out[0].sport, b, out[0].dport, &got));
	assert_int_equal(got.id, out[0].id);
	assert_true(engine_get(fx->e, out[0].family, b, out[0].dport, a, out[0].sport, &got));
	assert_int_equal(got.sport, out[0].sport); /* reported as the initiator sees it */
	assert_false(engine_get(fx->e, out[0].family, a, 1, b, out[0].dport, &got));
	struct engine_filter nobody = {.dport = 81};
	cursor = 0;
	assert_int_equal(engine_list(fx->e, &nobody, &cursor, UINT32_MAX, out, 16), 0);
	fx_free(fx);
}

/* engine_kill's callback: sees each flow with its tracker, and a refusal keeps the flow. */
struct kill_seen {
	unsigned n, room;
	struct engine_flow_info flow[8];
	struct tcp_track track[8];
};

static bool kill_seen_fn(const struct engine_flow_info *flow, const struct tcp_track *track,
			 void *arg)
{
	struct kill_seen *k = arg;

	if (!k->room)
		return false;
	k->room--;
	k->flow[k->n] = *flow;
	k->track[k->n++] = *track;
	return true;
}

static void test_kill_hands_over_trackers(void **state)
{
	(void)state;
	struct config cfg = small_config(64);
	struct fixture *fx = fx_new(&cfg);
	struct conn conns[5];
	struct kill_seen k = {0};
	uint32_t cursor = 0, calls = 0;
	unsigned killed = 0;

	for (uint16_t i = 0; i < 5; i++) {
		conns[i] = conn_make(i & 1 ? 6 : 4, (uint16_t)(7100 + i));
		handshake(fx, &conns[i]);
	}
	do { /* two flows per call: each call stops at the third, the next starts there */
		k.room = 2;
		killed += engine_kill(fx->e, NULL, ENGINE_CAUSE_FLUSHED, &cursor, UINT32_MAX,
				      kill_seen_fn, &k);
		calls++;
	} while (cursor);
	assert_int_equal(killed, 5);
	assert_int_equal(k.n, 5);
	assert_int_equal(calls, 3);
	assert_int_equal(counters(fx).flows, 0);
	for (unsigned i = 0; i < k.n; i++) {
		const struct conn *c = &conns[k.flow[i].sport - 7100];

		assert_int_equal(k.track[i].state, TCP_TRACK_ESTABLISHED);
		assert_int_equal(k.flow[i].family, c->family);
		assert_int_equal(k.track[i].peer[TCP_TRACK_ORIGINAL].end, c->next[C2S]);
		assert_int_equal(k.track[i].peer[TCP_TRACK_REPLY].end, c->next[S2C]);
		assert_int_equal(k.track[i].peer[TCP_TRACK_REPLY].maxack, c->next[C2S]);
	}
	fx_free(fx);
}

static void test_kill_and_flush(void **state)
{
	(void)state;
	struct config cfg = small_config(64);
	struct fixture *fx = fx_new(&cfg);
	struct conn conns[6];

	for (uint16_t i = 0; i < 6; i++) {
		conns[i] = conn_make(4, (uint16_t)(7000 + i));
		handshake(fx, &conns[i]);
	}
	struct engine_filter f = {.sport = 7002};
	uint32_t cursor = 0;
	assert_int_equal(
		engine_kill(fx->e, &f, ENGINE_CAUSE_KILLED, &cursor, UINT32_MAX, NULL, NULL), 1);
	assert_int_equal(cursor, 0);
	assert_int_equal(counters(fx).flows, 5);
	/* the killed flow's next segment is a counted drop */
	expect(seg(fx, &conns[2], C2S, ACK, 10), ENGINE_DROP, REASON_NEW_NOT_SYN, TCP_TRACK_NONE);
	expect(seg(fx, &conns[3], C2S, ACK, 10), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);

	cursor = 0;
	unsigned killed = 0;
	do
		killed += engine_kill(fx->e, NULL, ENGINE_CAUSE_FLUSHED, &cursor, 2, NULL, NULL);
	while (cursor != 0);
	assert_int_equal(killed, 5);
	struct engine_counters ctr = counters(fx);
	assert_int_equal(ctr.flows, 0);
	assert_int_equal(ctr.flows_destroyed[ENGINE_CAUSE_KILLED], 1);
	assert_int_equal(ctr.flows_destroyed[ENGINE_CAUSE_FLUSHED], 5);
	assert_int_equal(ctr.states[TCP_TRACK_ESTABLISHED], 0);
	fx_free(fx);
}

static void test_reconfigure_and_retime(void **state)
{
	(void)state;
	struct config cfg = small_config(64);
	struct fixture *fx = fx_new(&cfg);
	struct conn c = conn_make(4, 8000);

	handshake(fx, &c);
	advance(fx, 5 * SEC);
	assert_int_equal(expires_in(fx), cfg.tcp.timeouts.established_ms - 5 * SEC);

	struct config next = cfg;
	next.tcp.timeouts.established_ms = 20 * SEC;
	assert_int_equal(engine_reconfigure(fx->e, &next), 0);
	assert_int_equal(engine_config(fx->e)->tcp.timeouts.established_ms, 20 * SEC);
	uint32_t cursor = 0;
	while (!engine_retime(fx->e, &cursor, 7, fx->now))
		;
	/* 5 s of the new 20 s have passed */
	assert_int_equal(expires_in(fx), 15 * SEC);
	advance(fx, 15 * SEC);
	assert_int_equal(counters(fx).flows, 0);

	struct config bigger = next;
	bigger.table.max_flows = 128;
	assert_int_equal(engine_reconfigure(fx->e, &bigger), -EBUSY);
	assert_int_equal(engine_config(fx->e)->table.max_flows, 64);
	fx_free(fx);
}

/* ---- accounting ---- */

/* What the test saw pass each way, to compare with the engine's counters. */
struct tally {
	uint64_t packets[2];
	uint64_t bytes[2];
};

static struct engine_result counted(struct fixture *fx, struct conn *c, int dir, uint8_t flags,
				    uint32_t payload, struct tally *t)
{
	struct engine_result r = seg(fx, c, dir, flags, payload);

	if (r.verdict == ENGINE_ACCEPT) {
		t->packets[dir]++;
		t->bytes[dir] += fx->last_len;
	}
	return r;
}

static void assert_counts(struct engine_flow_info i, const struct tally *t)
{
	assert_true(i.has_counters);
	for (int d = 0; d < 2; d++) {
		assert_int_equal(i.packets[d], t->packets[d]);
		assert_int_equal(i.bytes[d], t->bytes[d]);
	}
}

static struct config acct_config(uint32_t max_flows)
{
	struct config cfg = small_config(max_flows);

	cfg.table.accounting = true;
	return cfg;
}

static void test_accounting_per_direction(void **state)
{
	(void)state;
	for (uint8_t family = 4; family <= 6; family += 2) {
		struct config cfg = acct_config(8);
		struct fixture *fx = fx_new(&cfg);
		struct conn c = conn_make(family, 9000);
		struct tally t = {0};

		counted(fx, &c, C2S, SYN, 0, &t);
		assert_int_equal(fx->events.ev[0].type, ENGINE_EVENT_NEW);
		assert_counts(fx->events.ev[0].flow, &t); /* the SYN is in the NEW event */
		counted(fx, &c, S2C, SYN | ACK, 0, &t);
		counted(fx, &c, C2S, ACK, 0, &t);
		expect(counted(fx, &c, C2S, ACK, 100, &t), ENGINE_ACCEPT, REASON_OK,
		       TCP_TRACK_ESTABLISHED);
		/* the whole IP packet, headers and payload, from a header-only copy */
		assert_int_equal(fx->last_len, (family == 4 ? 20 : 40) + 20 + 100);
		counted(fx, &c, S2C, ACK, 1000, &t);
		counted(fx, &c, S2C, ACK, 1448, &t);
		assert_counts(the_flow(fx, NULL), &t);
		assert_int_equal(t.packets[C2S], 3);
		assert_int_equal(t.packets[S2C], 3);

		/* a drop does not count: conntrack counts what its hook lets through */
		c.next[C2S] += 10000000;
		expect(seg(fx, &c, C2S, ACK, 100), ENGINE_DROP, REASON_SEQ_OVER_WINDOW,
		       TCP_TRACK_ESTABLISHED);
		c.next[C2S] -= 10000000;
		assert_counts(the_flow(fx, NULL), &t);

		/* the DESTROY event carries the final counts */
		uint32_t cursor = 0;
		fx->events.n = 0;
		assert_int_equal(
			engine_kill(fx->e, NULL, ENGINE_CAUSE_KILLED, &cursor, 64, NULL, NULL), 1);
		assert_int_equal(fx->events.ev[0].type, ENGINE_EVENT_DESTROY);
		assert_counts(fx->events.ev[0].flow, &t);
		fx_free(fx);
	}
}

/* A flow created at an id another one held starts from zero, a reopen included. */
static void test_accounting_reuse_and_reset(void **state)
{
	(void)state;
	struct config cfg = acct_config(1); /* one id: every flow reuses it */
	struct fixture *fx = fx_new(&cfg);
	struct conn c = conn_make(4, 9100), d = conn_make(4, 9101);
	struct tally t = {0}, u = {0};

	counted(fx, &c, C2S, SYN, 0, &t);
	counted(fx, &c, S2C, SYN | ACK, 0, &t);
	counted(fx, &c, C2S, ACK, 0, &t);
	counted(fx, &c, C2S, ACK, 500, &t);
	counted(fx, &c, C2S, FIN | ACK, 0, &t);
	counted(fx, &c, S2C, ACK, 0, &t);
	counted(fx, &c, S2C, FIN | ACK, 0, &t);
	counted(fx, &c, C2S, ACK, 0, &t);
	expect(seg(fx, &c, S2C, RST, 0), ENGINE_DROP, REASON_TIME_WAIT_RST, TCP_TRACK_TIME_WAIT);
	assert_counts(the_flow(fx, NULL), &t);

	/* a SYN reopens: the old flow's DESTROY has its counts, the new one only the SYN */
	fx->events.n = 0;
	c.next[C2S] += 100000;
	expect(counted(fx, &c, C2S, SYN, 0, &u), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
	assert_int_equal(fx->events.ev[0].cause, ENGINE_CAUSE_REOPEN);
	assert_counts(fx->events.ev[0].flow, &t);
	assert_int_equal(fx->events.ev[1].flow.id, fx->events.ev[0].flow.id);
	assert_counts(the_flow(fx, NULL), &u);

	/* killed, and the id goes to another tuple: zero again; the RST that closes a flow
	 * answering its SYN counts in the DESTROY event */
	uint32_t cursor = 0;
	engine_kill(fx->e, NULL, ENGINE_CAUSE_KILLED, &cursor, 8, NULL, NULL);
	memset(&u, 0, sizeof(u));
	counted(fx, &d, C2S, SYN, 0, &u);
	assert_counts(the_flow(fx, NULL), &u);
	fx->events.n = 0;
	expect(counted(fx, &d, S2C, RST | ACK, 0, &u), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_NONE);
	assert_int_equal(fx->events.ev[0].cause, ENGINE_CAUSE_RESET);
	assert_counts(fx->events.ev[0].flow, &u);
	assert_int_equal(u.packets[S2C], 1);
	fx_free(fx);
}

/* Off, nothing is allocated or reported; reconfigure switches it, counting from zero. */
static void test_accounting_memory_and_reconfigure(void **state)
{
	(void)state;
	struct config off = small_config(64), on = acct_config(64);
	struct fixture *fx = fx_new(&off), *fy = fx_new(&on);
	size_t bare = engine_memory(fx->e);
	struct conn c = conn_make(4, 9200);
	struct tally t = {0};

	assert_int_equal(engine_memory(fy->e), bare + 64 * 32);
	fx_free(fy);
	handshake(fx, &c);
	struct engine_flow_info i = the_flow(fx, NULL);
	assert_false(i.has_counters);
	assert_int_equal(i.packets[C2S] + i.packets[S2C] + i.bytes[C2S] + i.bytes[S2C], 0);

	assert_int_equal(engine_reconfigure(fx->e, &on), 0);
	assert_int_equal(engine_memory(fx->e), bare + 64 * 32);
	assert_counts(the_flow(fx, NULL), &t); /* a live flow starts at zero */
	counted(fx, &c, S2C, ACK, 10, &t);
	assert_counts(the_flow(fx, NULL), &t);
	assert_int_equal(engine_reconfigure(fx->e, &on), 0); /* unchanged: keeps counting */
	assert_counts(the_flow(fx, NULL), &t);

	assert_int_equal(engine_reconfigure(fx->e, &off), 0);
	assert_int_equal(engine_memory(fx->e), bare);
	assert_false(the_flow(fx, NULL).has_counters);
	expect(seg(fx, &c, C2S, ACK, 10), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	assert_null(engine_check(fx->e));
	fx_free(fx);
}

static void test_export_import_round_trip(void **state)
{
	(void)state;
	struct config cfg = small_config(64);
	struct fixture *a = fx_new(&cfg), *b = fx_new(&cfg);
	struct conn conns[5];
	struct engine_flow_record recs[8];

	for (uint16_t i = 0; i < 5; i++) {
		conns[i] = conn_make(i % 2 ? 6 : 4, (uint16_t)(9000 + i));
		handshake(a, &conns[i]);
	}
	close_to_time_wait(a, &conns[4]);
	advance(a, 7 * SEC);

	uint32_t cursor = 0;
	unsigned n = engine_export(a->e, &cursor, UINT32_MAX, recs, ARRAY_SIZE(recs), a->now);
	assert_int_equal(n, 5);
	assert_int_equal(cursor, 0);
	b->now = a->now + 30 * SEC; /* another clock: only the time left travels */
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(engine_import(b->e, &recs[i], b->now), 0);
	assert_int_equal(engine_import(b->e, &recs[0], b->now), -EEXIST);
	assert_int_equal(counters(b).flows, 5);
	assert_int_equal(counters(b).states[TCP_TRACK_TIME_WAIT], 1);
	assert_int_equal(counters(b).states[TCP_TRACK_ESTABLISHED], 4);

	struct engine_filter tw = {.sport = 9004};
	assert_int_equal(the_flow(b, &tw).expires_ms - b->now, 113 * SEC);
	/* the restored flows carry on mid-conversation, windows and all */
	for (int i = 0; i < 4; i++) {
		expect(seg(b, &conns[i], C2S, ACK, 1000), ENGINE_ACCEPT, REASON_OK,
		       TCP_TRACK_ESTABLISHED);
		expect(seg(b, &conns[i], S2C, ACK, 0), ENGINE_ACCEPT, REASON_OK,
		       TCP_TRACK_ESTABLISHED);
	}
	conns[0].next[C2S] += 5000000;
	expect(seg(b, &conns[0], C2S, ACK, 10), ENGINE_DROP, REASON_SEQ_OVER_WINDOW,
	       TCP_TRACK_ESTABLISHED);
	fx_free(a);
	fx_free(b);
}

static void test_import_rejects_bad_records(void **state)
{
	(void)state;
	struct config cfg = small_config(1);
	struct fixture *fx = fx_new(&cfg);
	struct conn c = conn_make(4, 9100);
	struct engine_flow_record good, bad;
	uint32_t cursor = 0;

	handshake(fx, &c);
	assert_int_equal(engine_export(fx->e, &cursor, UINT32_MAX, &good, 1, fx->now), 1);
	uint32_t kill_cursor = 0;
	engine_kill(fx->e, NULL, ENGINE_CAUSE_FLUSHED, &kill_cursor, UINT32_MAX, NULL, NULL);

	bad = good;
	bad.family = 5;
	assert_int_equal(engine_import(fx->e, &bad, fx->now), -EINVAL);
	bad = good;
	bad.track.state = _TCP_TRACK_STATE_MAX;
	assert_int_equal(engine_import(fx->e, &bad, fx->now), -EINVAL);
	bad = good;
	bad.track.state = TCP_TRACK_NONE;
	assert_int_equal(engine_import(fx->e, &bad, fx->now), -EINVAL);
	bad = good;
	bad.orig = 2;
	assert_int_equal(engine_import(fx->e, &bad, fx->now), -EINVAL);
	bad = good;
	bad.track.peer[1].wscale = 15;
	assert_int_equal(engine_import(fx->e, &bad, fx->now), -EINVAL);
	bad = good; /* endpoints swapped: not the table's canonical order */
	memcpy(bad.addr[0], good.addr[1], 16);
	memcpy(bad.addr[1], good.addr[0], 16);
	bad.port[0] = good.port[1];
	bad.port[1] = good.port[0];
	assert_int_equal(engine_import(fx->e, &bad, fx->now), -EINVAL);
	assert_int_equal(counters(fx).flows, 0);

	assert_int_equal(engine_import(fx->e, &good, fx->now), 0);
	bad = good;
	bad.port[1]++; /* another tuple, but the table holds one flow */
	assert_int_equal(engine_import(fx->e, &bad, fx->now), -ENOSPC);
	fx_free(fx);
}

static void test_bad_params(void **state)
{
	(void)state;
	struct config cfg = small_config(0);
	struct engine_params params = {.config = &cfg};
	struct engine *e = (struct engine *)0x1;

	assert_int_equal(engine_new(&params, 0, &e), -EINVAL);
	assert_ptr_equal(e, (struct engine *)0x1);
	engine_free(NULL);
	assert_string_equal(engine_cause_name(ENGINE_CAUSE_EVICTED), "evicted");
	assert_string_equal(engine_verdict_name(ENGINE_DROP), "drop");
	assert_string_equal(engine_event_name(ENGINE_EVENT_DESTROY), "destroy");
	assert_string_equal(engine_cause_name(_ENGINE_CAUSE_MAX), "unknown");
}

struct traces {
	unsigned n;
	struct engine_trace t[8];
	uint8_t bytes[8][64]; /* the first bytes the callback could read */
};

static void on_trace(const struct engine_trace *t, void *arg)
{
	struct traces *tr = arg;

	if (tr->n < ARRAY_SIZE(tr->t)) {
		tr->t[tr->n] = *t;
		memcpy(tr->bytes[tr->n], t->buf, t->cap_len < 64 ? t->cap_len : 64);
	}
	tr->n++;
}

/* A trace shows the verdict, the flow before and after, and the bounds the segment met. */
static void test_trace(void **state)
{
	(void)state;
	struct config cfg = small_config(64);
	struct fixture *fx = fx_new(&cfg);
	struct traces tr = {0};
	struct conn c = conn_make(4, 40000);
	struct tcp_window_bounds b;

	engine_set_trace(fx->e, on_trace, &tr);
	expect(seg(fx, &c, C2S, SYN, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
	assert_int_equal(tr.n, 1);
	assert_true(tr.t[0].has_segment);
	assert_false(tr.t[0].has_flow); /* the SYN found none */
	assert_int_equal(tr.t[0].flow.state, TCP_TRACK_SYN_SENT);
	assert_int_equal(tr.t[0].flow.sport, 40000);
	assert_int_equal(tr.t[0].seg.seq, 1000000);
	assert_int_equal(tr.bytes[0][0] >> 4, 4); /* buf is the packet */

	expect(seg(fx, &c, S2C, SYN | ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_RECV);
	expect(seg(fx, &c, C2S, ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	assert_int_equal(tr.n, 3);
	assert_true(tr.t[2].has_flow);
	assert_int_equal(tr.t[2].dir, TCP_TRACK_ORIGINAL);
	assert_int_equal(tr.t[2].old_state, TCP_TRACK_SYN_RECV);
	assert_int_equal(tr.t[2].res.state, TCP_TRACK_ESTABLISHED);
	assert_int_equal(tr.t[2].flow.sport, 40000); /* oriented as the initiator */

	/* a server segment far past the client's window: dropped, and the trace says why */
	uint32_t far = c.next[S2C] + 10000000;
	struct engine_result r = send_seg(fx, &c, S2C, ACK, 100, far);
	expect(r, ENGINE_DROP, REASON_SEQ_OVER_WINDOW, TCP_TRACK_ESTABLISHED);
	assert_int_equal(tr.n, 4);
	const struct engine_trace *t = &tr.t[3];
	assert_int_equal(t->res.verdict, ENGINE_DROP);
	assert_int_equal(t->dir, TCP_TRACK_REPLY);
	assert_int_equal(t->seg.seq, far);
	tcp_window_bounds(&t->peer[t->dir], &t->peer[!t->dir], &b);
	assert_int_equal(b.seq_max, t->peer[TCP_TRACK_REPLY].maxend);
	assert_true(seq_gt(t->seg.seq, b.seq_max));
	assert_int_equal(b.ack_max, c.next[C2S]); /* the client's end */
	assert_int_equal(t->peer[TCP_TRACK_REPLY].end, c.next[S2C]);

	/* off again: no more calls, same verdicts */
	engine_set_trace(fx->e, NULL, NULL);
	expect(seg(fx, &c, C2S, ACK, 10), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	assert_int_equal(tr.n, 4);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversation_v4_and_v6),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_forget_windows_after_bypass),
		cmocka_unit_test(test_bad_checksum_rst),
		cmocka_unit_test(test_drops_are_counted),
		cmocka_unit_test(test_not_tcp_passes),
		cmocka_unit_test(test_time_wait_enforce_and_shorten),
		cmocka_unit_test(test_adaptive_shortening),
		cmocka_unit_test(test_adaptive_off_under_enforce),
		cmocka_unit_test(test_full_table_of_assured_refuses_syn),
		cmocka_unit_test(test_full_table_evicts_closing_first),
		cmocka_unit_test(test_unreplied_syn_expires_from_first_syn),
		cmocka_unit_test(test_reset_answering_syn_destroys),
		cmocka_unit_test(test_time_wait_reopen),
		cmocka_unit_test(test_resync_waits_for_a_quiet_flow),
		cmocka_unit_test(test_time_wait_reopen_roles_switched),
		cmocka_unit_test(test_pickup),
		cmocka_unit_test(test_list_filter_and_cursor),
		cmocka_unit_test(test_kill_and_flush),
		cmocka_unit_test(test_kill_hands_over_trackers),
		cmocka_unit_test(test_reconfigure_and_retime),
		cmocka_unit_test(test_accounting_per_direction),
		cmocka_unit_test(test_accounting_reuse_and_reset),
		cmocka_unit_test(test_accounting_memory_and_reconfigure),
		cmocka_unit_test(test_export_import_round_trip),
		cmocka_unit_test(test_import_rejects_bad_records),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
