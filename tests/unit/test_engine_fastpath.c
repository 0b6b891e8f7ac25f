// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's side of the fast path (engine_fastpath.c) with the program played in C: the
 * test runs a segment "through the kernel" with fastpath_slot_segment(), the very function the
 * BPF program runs, on slots in plain memory, and sends what it defers to the engine as the
 * queue would. Handover, return with exact windows, the in-flight count, harvest into the
 * table and its counters, timers that honour the program's last-seen time, and the tuples
 * added and removed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "engine_fixture.h"
#include "fastpath_map.h"

#define SLOTS 4

struct fake {
	struct fastpath_slot slots[SLOTS];
	uint64_t dirty[1];
	struct {
		struct fastpath_key k;
		uint32_t slot;
		uint8_t dir;
		bool used;
	} keys[2 * SLOTS];
	unsigned adds, dels;
};

static int key_add(void *ctx, const struct fastpath_key *k, uint32_t slot, uint8_t dir)
{
	struct fake *fk = ctx;

	for (unsigned i = 0; i < 2 * SLOTS; i++)
		if (!fk->keys[i].used) {
			fk->keys[i].k = *k;
			fk->keys[i].slot = slot;
			fk->keys[i].dir = dir;
			fk->keys[i].used = true;
			fk->adds++;
			return 0;
		}
	return -E2BIG;
}

static void key_del(void *ctx, const struct fastpath_key *k)
{
	struct fake *fk = ctx;

	for (unsigned i = 0; i < 2 * SLOTS; i++)
		if (fk->keys[i].used && !memcmp(&fk->keys[i].k, k, sizeof(*k))) {
			fk->keys[i].used = false;
			fk->dels++;
		}
}

static const struct engine_fastpath_ops ops = {key_add, key_del};

struct t {
	struct fixture *fx;
	struct fake fk;
	struct conn c;
};

static int setup(void **state)
{
	struct t *t = test_calloc(1, sizeof(*t));
	struct config cfg = small_config(16);

	cfg.table.accounting = true;
	cfg.tcp.timeouts.established_ms = 10 * SEC;
	t->fx = fx_new(&cfg);
	assert_int_equal(
		engine_fastpath_enable(t->fx->e, t->fk.slots, t->fk.dirty, SLOTS, &ops, &t->fk), 0);
	t->c = conn_make(4, 40000);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	engine_fastpath_disable(t->fx->e);
	fx_free(t->fx);
	test_free(t);
	return 0;
}

/* The program's key of a parsed segment, as the BPF program builds it. */
static void key_of(const struct packet *p, struct fastpath_key *k)
{
	size_t alen = p->family == 4 ? 4 : 16;

	memset(k, 0, sizeof(*k));
	k->family = p->family;
	k->sport = (uint16_t)(p->sport >> 8 | p->sport << 8);
	k->dport = (uint16_t)(p->dport >> 8 | p->dport << 8);
	memcpy(k->saddr, p->saddr, alen);
	memcpy(k->daddr, p->daddr, alen);
}

/*
 * One segment through the "kernel": the program judges it if the flow is handed over, else
 * the engine does. Returns the program's stat (FASTPATH_STAT_ACCEPT when it passed there), or
 * _FASTPATH_STAT_MAX when the tuple is not in the program's hash; *res is the engine's result
 * when it went to the queue.
 */
static uint32_t send(struct t *t, int dir, uint8_t flags, uint32_t payload, uint32_t seq,
		     struct engine_result *res)
{
	uint8_t buf[2048];
	uint32_t at;
	struct conn saved = t->c;
	size_t len = write_seg(&t->c, dir, flags, payload, seq, buf, sizeof(buf), &at);
	struct packet p;
	struct fastpath_key k;
	uint32_t r = _FASTPATH_STAT_MAX;

	assert_int_equal(packet_parse(buf, len, len, &p), REASON_OK);
	key_of(&p, &k);
	for (unsigned i = 0; i < 2 * SLOTS; i++) {
		if (!t->fk.keys[i].used || memcmp(&t->fk.keys[i].k, &k, sizeof(k)))
			continue;
		uint32_t sl = t->fk.keys[i].slot;

		r = fastpath_slot_segment(&t->fk.slots[sl], &p, t->fk.keys[i].dir, true,
					  t->fx->now * 1000000);
		if (r == FASTPATH_STAT_ACCEPT) {
			t->fk.dirty[0] |= 1ULL << sl;
			if (!seq)
				t->c.next[dir] = at + payload;
			return r;
		}
		break;
	}
	t->c = saved; /* send_seg writes it again, with the same numbers */
	*res = send_seg(t->fx, &t->c, dir, flags, payload, seq);
	return r;
}

static struct engine_flow_record record(struct t *t)
{
	struct engine_flow_record rec;
	uint32_t cursor = 0;

	assert_int_equal(engine_export(t->fx->e, &cursor, UINT32_MAX, &rec, 1, t->fx->now), 1);
	return rec;
}

static struct engine_fastpath_counters fp_counters(struct t *t)
{
	struct engine_fastpath_counters c;

	engine_fastpath_counters(t->fx->e, &c);
	return c;
}

static void handover_after_handshake(void **state)
{
	struct t *t = *state;

	handshake(t->fx, &t->c);
	assert_int_equal(fp_counters(t).handovers, 1);
	assert_int_equal(fp_counters(t).flows, 1);
	assert_int_equal(t->fk.adds, 2);
	assert_int_equal(t->fk.slots[0].own, FASTPATH_FAST);
	struct tcp_track tr = record(t).track;

	assert_memory_equal(&t->fk.slots[0].track, &tr, sizeof(tr));
}

static void kernel_data_reaches_table_at_harvest(void **state)
{
	struct t *t = *state;
	struct engine_result res;

	handshake(t->fx, &t->c);
	uint32_t end = record(t).track.peer[TCP_TRACK_ORIGINAL].end;

	assert_int_equal(send(t, C2S, ACK, 1000, 0, &res), FASTPATH_STAT_ACCEPT);
	assert_int_equal(send(t, S2C, ACK, 0, 0, &res), FASTPATH_STAT_ACCEPT);
	/* the table has not seen them yet */
	assert_int_equal(record(t).track.peer[TCP_TRACK_ORIGINAL].end, end);
	assert_int_equal(engine_fastpath_harvest(t->fx->e, t->fx->now), 1);
	struct engine_flow_record rec = record(t);

	assert_int_equal(rec.track.peer[TCP_TRACK_ORIGINAL].end, end + 1000);
	assert_memory_equal(&rec.track, &t->fk.slots[0].track, sizeof(rec.track));
	struct engine_flow_info fi = the_flow(t->fx, NULL);

	assert_int_equal(fi.packets[C2S], 3); /* SYN, ACK, data */
	assert_int_equal(fi.packets[S2C], 2);
	assert_int_equal(t->fk.dirty[0], 0);
	assert_int_equal(engine_fastpath_harvest(t->fx->e, t->fx->now), 0);
}

static void fin_returns_the_flow_exactly(void **state)
{
	struct t *t = *state;
	struct engine_result res;

	handshake(t->fx, &t->c);
	assert_int_equal(send(t, C2S, ACK, 500, 0, &res), FASTPATH_STAT_ACCEPT);
	/* the FIN: the program returns the flow with it, and the engine judges it against the
	 * windows the program left: in window, not a retransmission */
	assert_int_equal(send(t, C2S, FIN | ACK, 0, 0, &res), TCP_FAST_FLAGS);
	expect(res, ENGINE_ACCEPT, REASON_OK, TCP_TRACK_FIN_WAIT);
	assert_int_equal(t->fk.slots[0].own, FASTPATH_USER);
	assert_int_equal(t->fk.slots[0].inflight, 0);
	/* closing: the flow leaves the program at once, its slot and its tuples */
	assert_int_equal(t->fk.dels, 2);
	assert_int_equal(fp_counters(t).flows, 0);
	assert_int_equal(send(t, S2C, ACK, 0, 0, &res), _FASTPATH_STAT_MAX);
	expect(res, ENGINE_ACCEPT, REASON_OK, TCP_TRACK_CLOSE_WAIT);
	assert_int_equal(fp_counters(t).handovers, 1);
}

static void queued_segments_hold_the_flow(void **state)
{
	struct t *t = *state;
	struct engine_result res;

	handshake(t->fx, &t->c);
	uint32_t next = t->c.next[C2S];

	/* the program returns the flow with a segment past the window; a second, in window,
	 * arrives while the first waits in the queue: it must queue too, counted */
	uint8_t buf[2048];
	uint32_t seq;
	size_t len = write_seg(&t->c, C2S, ACK, 100, next + 4000000, buf, sizeof(buf), &seq);
	struct packet far, near;

	assert_int_equal(packet_parse(buf, len, len, &far), REASON_OK);
	assert_int_equal(fastpath_slot_segment(&t->fk.slots[0], &far, C2S, true, 0),
			 TCP_FAST_WINDOW);
	uint8_t buf2[2048];
	size_t len2 = write_seg(&t->c, C2S, ACK, 100, 0, buf2, sizeof(buf2), &seq);

	assert_int_equal(packet_parse(buf2, len2, len2, &near), REASON_OK);
	assert_int_equal(fastpath_slot_segment(&t->fk.slots[0], &near, C2S, true, 0),
			 FASTPATH_STAT_QUEUED);
	assert_int_equal(t->fk.slots[0].inflight, 2);
	/* the queue delivers them in order: the first is dropped, the flow stays here */
	engine_process(t->fx->e, buf, len, len, t->fx->now, &res);
	assert_int_equal(res.verdict, ENGINE_DROP);
	assert_int_equal(t->fk.slots[0].own, FASTPATH_USER);
	assert_int_equal(t->fk.slots[0].inflight, 1);
	/* the second passes, and with none left in the queue the flow goes back to the program */
	engine_process(t->fx->e, buf2, len2, len2, t->fx->now, &res);
	expect(res, ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	assert_int_equal(t->fk.slots[0].own, FASTPATH_FAST);
	assert_int_equal(fp_counters(t).handovers, 2);
}

/* After a bypass, segments counted in flight may never come: forgetting windows forgets them. */
static void bypass_forgets_the_count(void **state)
{
	struct t *t = *state;
	uint8_t buf[2048];
	uint32_t seq;
	struct packet p;

	handshake(t->fx, &t->c);
	size_t len = write_seg(&t->c, C2S, ACK | FIN, 0, 0, buf, sizeof(buf), &seq);

	assert_int_equal(packet_parse(buf, len, len, &p), REASON_OK);
	assert_int_equal(fastpath_slot_segment(&t->fk.slots[0], &p, C2S, true, 0), TCP_FAST_FLAGS);
	assert_int_equal(t->fk.slots[0].inflight, 1); /* and the queue let it pass unseen */
	engine_forget_windows(t->fx->e);
	assert_int_equal(t->fk.slots[0].inflight, 0);
	assert_int_equal(t->fk.slots[0].own, FASTPATH_USER);
}

static void timers_follow_the_program(void **state)
{
	struct t *t = *state;
	struct engine_result res;

	handshake(t->fx, &t->c);
	advance(t->fx, 8 * SEC);
	assert_int_equal(send(t, C2S, ACK, 10, 0, &res), FASTPATH_STAT_ACCEPT);
	assert_int_equal(send(t, S2C, ACK, 0, 0, &res), FASTPATH_STAT_ACCEPT);
	advance(t->fx, 5 * SEC); /* past the timer the engine armed at the handover */
	assert_int_equal(counters(t->fx).flows, 1);
	assert_int_equal(t->fk.slots[0].own, FASTPATH_FAST);
	advance(t->fx, 6 * SEC); /* 11 s after the program last saw it */
	assert_int_equal(counters(t->fx).flows, 0);
	assert_int_equal(t->fk.dels, 2);
	assert_int_equal(fp_counters(t).flows, 0);
	/* a segment now finds no flow in the program's hash */
	assert_int_equal(send(t, C2S, ACK, 10, 0, &res), _FASTPATH_STAT_MAX);
	assert_int_equal(res.verdict, ENGINE_DROP);
}

static void destroy_frees_the_slot(void **state)
{
	struct t *t = *state;
	struct engine_result res;

	handshake(t->fx, &t->c);
	assert_int_equal(send(t, C2S, RST | ACK, 0, 0, &res), TCP_FAST_FLAGS);
	expect(res, ENGINE_ACCEPT, REASON_OK, TCP_TRACK_CLOSE);
	assert_int_equal(t->fk.slots[0].own, FASTPATH_USER);
	assert_int_equal(t->fk.dels, 2); /* closed: out of the program before it expires */
	advance(t->fx, 11 * SEC);
	assert_int_equal(counters(t->fx).flows, 0);
	assert_int_equal(t->fk.dels, 2);
	struct conn c2 = conn_make(6, 40001);

	handshake(t->fx, &c2);
	assert_int_equal(fp_counters(t).flows, 1);
	assert_int_equal(t->fk.adds, 4);
	assert_int_equal(t->fk.slots[0].own, FASTPATH_FAST); /* the slot, reused */
}

static void on_trace(const struct engine_trace *tr, void *arg)
{
	(void)tr;
	(*(unsigned *)arg)++;
}

/* A tracer sees every segment: the flows come back, and stay until it stops. */
static void tracing_keeps_flows_here(void **state)
{
	struct t *t = *state;
	struct engine_result res;
	unsigned traced = 0;

	handshake(t->fx, &t->c);
	assert_int_equal(send(t, C2S, ACK, 100, 0, &res), FASTPATH_STAT_ACCEPT);
	engine_set_trace(t->fx->e, on_trace, &traced);
	assert_int_equal(t->fk.slots[0].own, FASTPATH_USER);
	assert_int_equal(record(t).track.peer[TCP_TRACK_ORIGINAL].end, t->c.next[C2S]);
	assert_int_equal(send(t, C2S, ACK, 100, 0, &res), FASTPATH_STAT_QUEUED);
	expect(res, ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	assert_int_equal(traced, 1);
	assert_int_equal(t->fk.slots[0].own, FASTPATH_USER);
	engine_set_trace(t->fx->e, NULL, NULL);
	assert_int_equal(send(t, C2S, ACK, 100, 0, &res), FASTPATH_STAT_QUEUED);
	assert_int_equal(t->fk.slots[0].own, FASTPATH_FAST);
}

static void disable_takes_every_flow_back(void **state)
{
	struct t *t = *state;
	struct engine_result res;

	handshake(t->fx, &t->c);
	assert_int_equal(send(t, C2S, ACK, 700, 0, &res), FASTPATH_STAT_ACCEPT);
	struct tcp_track moved = t->fk.slots[0].track;

	engine_fastpath_disable(t->fx->e);
	struct engine_flow_record rec = record(t);

	assert_memory_equal(&rec.track, &moved, sizeof(moved));
	assert_int_equal(t->fk.dels, 2);
	assert_int_equal(t->fk.slots[0].own, FASTPATH_USER);
	/* and the engine judges on from there */
	expect(seg(t->fx, &t->c, C2S, ACK, 10), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
	assert_int_equal(
		engine_fastpath_enable(t->fx->e, t->fk.slots, t->fk.dirty, SLOTS, &ops, &t->fk), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(handover_after_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(kernel_data_reaches_table_at_harvest, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fin_returns_the_flow_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(queued_segments_hold_the_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(bypass_forgets_the_count, setup, teardown),
		cmocka_unit_test_setup_teardown(timers_follow_the_program, setup, teardown),
		cmocka_unit_test_setup_teardown(destroy_frees_the_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(tracing_keeps_flows_here, setup, teardown),
		cmocka_unit_test_setup_teardown(disable_takes_every_flow_back, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
