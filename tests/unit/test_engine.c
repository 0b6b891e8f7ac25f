// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine fed with packet bytes and a fake clock: whole conversations, counters, events,
 * TIME_WAIT policies and adaptive shortening, table pressure, expiry, tracing and live
 * reconfiguration. The table views (list, kill, accounting, export) are test_engine_table.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "engine_fixture.h"
#include "seq.h"
#include "tcp_window.h"
#include "pktbuild.h"
#include "util.h"

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
static void test_bad_params(void **state)
{
	(void)state;
	struct config cfg = small_config(0);
	struct engine_params params = {.config = &cfg};
	struct engine *e = (struct engine *)0x1;

	assert_int_equal(engine_new(&params, 0, &e), -EINVAL);
	assert_ptr_equal(e, (struct engine *)0x1);
	engine_free(NULL);
	assert_string_equal(flow_cause_name(ENGINE_CAUSE_EVICTED), "evicted");
	assert_string_equal(flow_verdict_name(ENGINE_DROP), "drop");
	assert_string_equal(flow_event_name(ENGINE_EVENT_DESTROY), "destroy");
	assert_string_equal(flow_cause_name(_ENGINE_CAUSE_MAX), "unknown");
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
		cmocka_unit_test(test_reconfigure_and_retime),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
