// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's table as operators and restarts see it: list with filters and cursors, kill and
 * flush (and the trackers kill hands over), per-flow accounting, export and import.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "engine_fixture.h"
#include "util.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_filter_and_cursor),
		cmocka_unit_test(test_kill_and_flush),
		cmocka_unit_test(test_kill_hands_over_trackers),
		cmocka_unit_test(test_accounting_per_direction),
		cmocka_unit_test(test_accounting_reuse_and_reset),
		cmocka_unit_test(test_accounting_memory_and_reconfigure),
		cmocka_unit_test(test_export_import_round_trip),
		cmocka_unit_test(test_import_rejects_bad_records),
	};

	return cmocka_run_group_tests_name("engine_table", tests, NULL, NULL);
}
