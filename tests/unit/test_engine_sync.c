// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's side of replication: which changed flows it hands out and with which flags, and
 * how a peer's records apply under the ownership rules (engine.h, docs/sync.md). Two engines
 * stand for two firewalls; records go from one to the other by hand.
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

struct handed {
	unsigned n;
	struct engine_flow_record rec[64];
	unsigned flags[64];
};

static void collect(const struct engine_flow_record *rec, unsigned flags, void *arg)
{
	struct handed *h = arg;

	assert_true(h->n < ARRAY_SIZE(h->rec));
	h->rec[h->n] = *rec;
	h->flags[h->n++] = flags;
}

static struct handed changes(struct fixture *fx, bool settle)
{
	struct handed h = {0};

	engine_sync_changes(fx->e, settle, fx->now, collect, &h);
	return h;
}

static struct fixture *sync_fx(void)
{
	struct config cfg = small_config(64);
	struct fixture *fx = fx_new(&cfg);

	assert_int_equal(engine_sync_enable(fx->e), 0);
	assert_int_equal(engine_sync_enable(fx->e), 0); /* idempotent */
	return fx;
}

/* Applies everything h holds to fx, as the peer's ordered stream. */
static void apply_all(struct fixture *fx, const struct handed *h, unsigned extra_flags,
		      bool complete)
{
	for (unsigned i = 0; i < h->n; i++)
		assert_true(engine_sync_apply(fx->e, &h->rec[i], h->flags[i] | extra_flags,
					      complete, 0, fx->now) >= 0);
}

static void test_changes_fresh_then_settled(void **state)
{
	(void)state;
	struct fixture *fx = sync_fx();
	struct conn c = conn_make(4, 5000);

	seg(fx, &c, C2S, SYN, 0);
	struct handed h = changes(fx, false);
	assert_int_equal(h.n, 1); /* a new flow goes out at the end of its batch */
	assert_int_equal(h.flags[0], ENGINE_SYNC_MOVING | ENGINE_SYNC_OWNED);
	assert_int_equal(h.rec[0].track.state, TCP_TRACK_SYN_SENT);
	assert_int_equal(changes(fx, false).n, 0); /* handed out once */

	seg(fx, &c, S2C, SYN | ACK, 0); /* a state change goes out again at once */
	h = changes(fx, false);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.rec[0].track.state, TCP_TRACK_SYN_RECV);

	seg(fx, &c, C2S, ACK, 0);
	seg(fx, &c, C2S, ACK, 100); /* ESTABLISHED, then data: one record for both */
	h = changes(fx, false);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.rec[0].track.state, TCP_TRACK_ESTABLISHED);
	seg(fx, &c, S2C, ACK, 500); /* window advance of a marked flow: waits for the settle */
	assert_int_equal(changes(fx, false).n, 0);

	h = changes(fx, true);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.flags[0], ENGINE_SYNC_OWNED); /* settled: exact */
	assert_int_equal(h.rec[0].track.peer[S2C].end, c.next[S2C]);
	assert_int_equal(changes(fx, true).n, 0); /* nothing moved since */

	seg(fx, &c, C2S, ACK, 10); /* moving again: fresh at once */
	h = changes(fx, false);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.flags[0], ENGINE_SYNC_MOVING | ENGINE_SYNC_OWNED);
	assert_int_equal(engine_sync_owned(fx->e), 1);
	fx_free(fx);
}

static void test_dropped_segment_marks_nothing(void **state)
{
	(void)state;
	struct fixture *fx = sync_fx();
	struct conn c = conn_make(4, 5001);

	handshake(fx, &c);
	changes(fx, true);
	struct engine_result r = send_seg(fx, &c, C2S, ACK, 10, c.next[C2S] + 50000000);
	assert_int_equal(r.verdict, ENGINE_DROP);
	assert_int_equal(changes(fx, false).n, 0);
	assert_int_equal(changes(fx, true).n, 0);
	fx_free(fx);
}

static void test_apply_replicates_exactly(void **state)
{
	(void)state;
	struct fixture *a = sync_fx(), *b = sync_fx();
	struct conn c = conn_make(6, 5002);

	handshake(a, &c);
	seg(a, &c, C2S, ACK, 1000);
	apply_all(b, &(struct handed){0}, 0, true);
	struct handed h = changes(a, true);
	apply_all(b, &h, 0, true);
	assert_int_equal(engine_sync_owned(b->e), 0); /* the peer's flows are not b's */

	struct engine_flow_record ra[2], rb[2];
	uint32_t cur = 0;
	assert_int_equal(engine_export(a->e, &cur, 64, ra, 2, a->now), 1);
	cur = 0;
	assert_int_equal(engine_export(b->e, &cur, 64, rb, 2, b->now), 1);
	assert_memory_equal(&ra[0].track, &rb[0].track, sizeof(ra[0].track));
	assert_null(engine_check(b->e));

	/* b takes over: the conversation goes on through b, strictly */
	struct engine_result r = seg(b, &c, S2C, ACK, 10);
	expect(r, ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	r = send_seg(b, &c, C2S, ACK, 10, c.next[C2S] + 50000000); /* far out of window */
	assert_int_equal(r.verdict, ENGINE_DROP);
	assert_int_equal(engine_sync_owned(b->e), 1); /* b's packets made it b's */
	fx_free(a);
	fx_free(b);
}

static void test_moving_record_relearns(void **state)
{
	(void)state;
	struct fixture *a = sync_fx(), *b = sync_fx();
	struct conn c = conn_make(4, 5003);

	handshake(a, &c);
	struct handed h = changes(a, false); /* MOVING */
	apply_all(b, &h, 0, true);
	/* a moved on by far more than a window before it died; b never heard */
	for (int i = 0; i < 100; i++) {
		seg(a, &c, C2S, ACK, 1400);
		seg(a, &c, S2C, ACK, 0);
	}
	struct engine_result r = seg(b, &c, C2S, ACK, 100);
	expect(r, ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED); /* re-learned */
	r = seg(b, &c, S2C, ACK, 0);
	expect(r, ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	/* and strict again from there */
	r = send_seg(b, &c, C2S, ACK, 10, c.next[C2S] + 50000000);
	assert_int_equal(r.verdict, ENGINE_DROP);
	fx_free(a);
	fx_free(b);
}

static void test_settled_record_stays_strict(void **state)
{
	(void)state;
	struct fixture *a = sync_fx(), *b = sync_fx();
	struct conn c = conn_make(4, 5004);

	handshake(a, &c);
	struct handed h = changes(a, true); /* settled: exact */
	apply_all(b, &h, 0, true);
	struct engine_result r = send_seg(b, &c, C2S, ACK, 10, c.next[C2S] + 50000000);
	assert_int_equal(r.verdict, ENGINE_DROP); /* no re-learning for an exact copy */
	fx_free(a);
	fx_free(b);
}

static void test_bulk_ownership_rules(void **state)
{
	(void)state;
	struct fixture *a = sync_fx(), *b = sync_fx();
	struct conn mine = conn_make(4, 5005), theirs = conn_make(4, 5006);

	handshake(b, &mine); /* b owns it */
	handshake(a, &mine);
	handshake(a, &theirs);
	changes(a, false);

	/* handed out fresh already, so its next changes wait for the settle: the bulk says so */
	struct handed bulk = {0};
	uint32_t cur = 0;
	engine_sync_export(a->e, &cur, 64, 64, a->now, collect, &bulk);
	assert_int_equal(bulk.n, 2);
	for (unsigned i = 0; i < bulk.n; i++)
		assert_int_equal(bulk.flags[i],
				 ENGINE_SYNC_BULK | ENGINE_SYNC_OWNED | ENGINE_SYNC_MOVING);
	changes(a, true);
	bulk.n = 0;
	engine_sync_export(a->e, &cur, 64, 64, a->now, collect, &bulk);
	assert_int_equal(bulk.n, 2);
	for (unsigned i = 0; i < bulk.n; i++)
		assert_int_equal(bulk.flags[i], ENGINE_SYNC_BULK | ENGINE_SYNC_OWNED);

	/* OWNED bulk records: create theirs, never override what b owns */
	unsigned applied = 0;
	for (unsigned i = 0; i < bulk.n; i++)
		applied += (unsigned)engine_sync_apply(b->e, &bulk.rec[i], bulk.flags[i], true, 0,
						       b->now);
	assert_int_equal(applied, 1);
	assert_int_equal(counters(b).flows, 2);
	assert_int_equal(engine_sync_owned(b->e), 1);

	/* a copy (not OWNED) never creates on a complete table, and never overrides an owner */
	struct fixture *d = sync_fx();
	for (unsigned i = 0; i < bulk.n; i++)
		assert_int_equal(
			engine_sync_apply(d->e, &bulk.rec[i], ENGINE_SYNC_BULK, true, 0, d->now),
			0);
	assert_int_equal(counters(d).flows, 0);
	/* ... but an incomplete table takes everything */
	for (unsigned i = 0; i < bulk.n; i++)
		assert_int_equal(
			engine_sync_apply(d->e, &bulk.rec[i], ENGINE_SYNC_BULK, false, 0, d->now),
			1);
	assert_int_equal(counters(d).flows, 2);
	for (unsigned i = 0; i < bulk.n; i++) /* and a complete one refreshes a held copy */
		assert_int_equal(
			engine_sync_apply(d->e, &bulk.rec[i], ENGINE_SYNC_BULK, true, 0, d->now),
			1);
	for (unsigned i = 0; i < bulk.n; i++) /* b owns mine: a copy does not override it */
		if (bulk.rec[i].port[0] == 5005 || bulk.rec[i].port[1] == 5005)
			assert_int_equal(engine_sync_apply(b->e, &bulk.rec[i], ENGINE_SYNC_BULK,
							   true, 0, b->now),
					 0);
	fx_free(a);
	fx_free(b);
	fx_free(d);
}

static void test_bulk_end_removes_stale(void **state)
{
	(void)state;
	struct fixture *a = sync_fx(), *b = sync_fx();
	struct conn live = conn_make(4, 5007), gone = conn_make(4, 5008), own = conn_make(4, 5009);

	handshake(a, &live);
	handshake(a, &gone);
	struct handed h = changes(a, true);
	apply_all(b, &h, 0, true);
	handshake(b, &own);
	assert_int_equal(counters(b).flows, 3);

	/* a lost `gone` while the link was down; its bulk transfer holds only `live` */
	struct engine_filter f = {.sport = 5008};
	struct engine_flow_info g = the_flow(a, &f);
	assert_int_equal(engine_sync_remove(a->e, g.family, g.src, g.sport, g.dst, g.dport), 0);
	assert_int_equal(engine_sync_remove(a->e, g.family, g.dst, g.dport, g.src, g.sport),
			 -ENOENT);
	engine_sync_bulk_begin(b->e);
	struct handed bulk = {0};
	uint32_t cur = 0;
	engine_sync_export(a->e, &cur, 64, 64, a->now, collect, &bulk);
	assert_int_equal(bulk.n, 1);
	apply_all(b, &bulk, 0, true);
	b->events.n = 0;
	cur = 0;
	unsigned removed = 0;
	do
		removed += engine_sync_bulk_end(b->e, &cur, 7);
	while (cur);
	assert_int_equal(removed, 1); /* gone; own stays (b's), live stays (refreshed) */
	assert_int_equal(counters(b).flows, 2);
	assert_int_equal(b->events.n, 1);
	assert_int_equal(b->events.ev[0].cause, ENGINE_CAUSE_PEER);
	assert_int_equal(b->events.ev[0].flow.sport, 5008);
	assert_null(engine_check(b->e));
	fx_free(a);
	fx_free(b);
}

static void test_apply_rejects_bad_records(void **state)
{
	(void)state;
	struct fixture *a = sync_fx(), *b = sync_fx();
	struct conn c = conn_make(4, 5010);

	handshake(a, &c);
	struct handed h = changes(a, true);
	struct engine_flow_record r = h.rec[0];
	r.family = 5;
	assert_int_equal(engine_sync_apply(b->e, &r, 0, true, 0, b->now), -EINVAL);
	r = h.rec[0];
	r.track.state = TCP_TRACK_NONE;
	assert_int_equal(engine_sync_apply(b->e, &r, 0, true, 0, b->now), -EINVAL);
	r = h.rec[0];
	memcpy(r.addr[0], h.rec[0].addr[1], 16); /* not the canonical order */
	memcpy(r.addr[1], h.rec[0].addr[0], 16);
	assert_int_equal(engine_sync_apply(b->e, &r, 0, true, 0, b->now), -EINVAL);
	assert_int_equal(counters(b).flows, 0);
	fx_free(a);
	fx_free(b);
}

static void test_grace_keeps_copy_alive(void **state)
{
	(void)state;
	struct fixture *a = sync_fx(), *b = sync_fx();
	struct conn c = conn_make(4, 5011);

	seg(a, &c, C2S, SYN, 0); /* SYN_SENT: a short timer */
	struct handed h = changes(a, false);
	assert_int_equal(engine_sync_apply(b->e, &h.rec[0], h.flags[0], true, 5 * SEC, b->now), 1);
	advance(a, h.rec[0].remaining_ms + 200);
	advance(b, h.rec[0].remaining_ms + 200);
	assert_int_equal(counters(a).flows, 0);
	assert_int_equal(counters(b).flows, 1); /* the owner's word has time to arrive */
	advance(b, 5 * SEC);
	assert_int_equal(counters(b).flows, 0);
	fx_free(a);
	fx_free(b);
}

static void test_slot_reuse_and_churn(void **state)
{
	(void)state;
	struct config cfg = small_config(8);
	struct fixture *fx = fx_new(&cfg);

	assert_int_equal(engine_sync_enable(fx->e), 0);
	/* many more flows than slots, each opened and reset in one interval: every marked slot
	 * is handed out once per drain, and a removed flow never */
	unsigned total = 0;
	for (uint16_t i = 0; i < 6000; i++) {
		struct conn c = conn_make(4, (uint16_t)(10000 + i));
		seg(fx, &c, C2S, SYN, 0);
		if (i % 2)
			seg(fx, &c, S2C, RST | ACK, 0);
		if (i % 500 == 0)
			total += changes(fx, false).n;
	}
	struct handed h = changes(fx, true);
	assert_true(h.n <= 8);
	for (unsigned i = 0; i < h.n; i++)
		assert_int_equal(h.rec[i].track.state, TCP_TRACK_SYN_SENT);
	assert_true(total > 0);
	assert_null(engine_check(fx->e));
	fx_free(fx);
}

/*
 * A switchover moves the two sides' addresses a moment apart: for that moment the server's
 * segments cross one box and the client's the other. Each box's copy then lacks what the other
 * saw; exchanging records must leave both with the union, or every later segment acks data one
 * box never saw and fails its window checks there.
 */
static void test_asymmetric_views_merge(void **state)
{
	(void)state;
	struct fixture *a = sync_fx(), *b = sync_fx();
	struct conn c = conn_make(4, 5012);

	handshake(a, &c);
	seg(a, &c, C2S, ACK, 100);
	seg(a, &c, S2C, ACK, 0);
	struct handed h = changes(a, true);
	apply_all(b, &h, 0, true);
	changes(b, true);

	uint32_t srv_old = c.next[S2C];
	expect(seg(a, &c, S2C, ACK, 300), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	uint32_t srv_new = c.next[S2C];
	c.next[S2C] = srv_old; /* the client's data crosses the server's: it acks the old end */
	expect(seg(b, &c, C2S, ACK, 200), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	c.next[S2C] = srv_new;

	struct handed ha = changes(a, false), hb = changes(b, false);
	apply_all(b, &ha, 0, true);
	apply_all(a, &hb, 0, true);
	/* the switchover completes: b sees both sides, each segment acking all the other sent */
	for (int i = 0; i < 3; i++) {
		expect(seg(b, &c, S2C, ACK, 10), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
		expect(seg(b, &c, C2S, ACK, 10), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	}
	/* and a, which holds the same union, would carry the flow as well */
	struct handed hb2 = changes(b, true);
	apply_all(a, &hb2, 0, true);
	expect(seg(a, &c, S2C, ACK, 10), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	expect(seg(a, &c, C2S, ACK, 10), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	/* and strict again: the re-learning ended with the first segments that fit */
	struct engine_result r = send_seg(b, &c, C2S, ACK, 10, c.next[C2S] + 50000000);
	assert_int_equal(r.verdict, ENGINE_DROP);
	/* a stale record (a late retransmission) does not roll a copy back */
	assert_int_equal(engine_sync_apply(b->e, &h.rec[0], 0, true, 0, b->now), 0);
	fx_free(a);
	fx_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_fresh_then_settled),
		cmocka_unit_test(test_dropped_segment_marks_nothing),
		cmocka_unit_test(test_apply_replicates_exactly),
		cmocka_unit_test(test_moving_record_relearns),
		cmocka_unit_test(test_settled_record_stays_strict),
		cmocka_unit_test(test_bulk_ownership_rules),
		cmocka_unit_test(test_bulk_end_removes_stale),
		cmocka_unit_test(test_apply_rejects_bad_records),
		cmocka_unit_test(test_grace_keeps_copy_alive),
		cmocka_unit_test(test_slot_reuse_and_churn),
		cmocka_unit_test(test_asymmetric_views_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
