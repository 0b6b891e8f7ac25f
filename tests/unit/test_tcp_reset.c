// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_reset: the RSTs for a tracked flow in each state, and their bytes. Flows are tracked
 * through real handshakes (tcp_track_steps.h); every RST the plan marks as the exact one is
 * then fed back to a copy of the tracker, which models the receiver (an RST closes only at
 * its RCV.NXT), and must close the flow there. The built packets must parse with
 * packet_parse() and carry valid checksums.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "packet.h"
#include "pktbuild.h"
#include "tcp_reset.h"
#include "tcp_track.h"
#include "tcp_track_steps.h"

static unsigned plan(const struct conv *v, struct tcp_reset_seg *out)
{
	unsigned n = tcp_reset_plan(&v->t, out);

	assert_true(n <= TCP_RESET_MAX);
	return n;
}

static void expect_seg(const struct tcp_reset_seg *s, int to, uint32_t seq, uint32_t ack)
{
	assert_int_equal(s->to, to);
	assert_int_equal(s->seq, seq);
	assert_int_equal(s->ack, ack);
}

/* The tracker, as the receiver's model, closes on seg sent from the other side. */
static void expect_closes(const struct conv *v, const struct tcp_reset_seg *s)
{
	struct conv c = *v;

	tx(&c, !s->to, rstack(s->seq, s->ack));
	assert_int_equal(c.r.verdict, TCP_TRACK_ACCEPT);
	assert_int_equal(c.t.state, TCP_TRACK_CLOSE);
}

static void syn_sent_resets_the_initiator_only(void **state)
{
	struct tcp_reset_seg s[TCP_RESET_MAX];
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	assert_int_equal(plan(&v, s), 1);
	expect_seg(&s[0], C, 0, ISN_C + 1);
	expect_closes(&v, &s[0]);
}

static void simultaneous_open_acks_both_syns(void **state)
{
	struct tcp_reset_seg s[TCP_RESET_MAX];
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	STEP(&v, S, syn(ISN_S, WS), ACC, REASON_OK, sS2);
	assert_int_equal(plan(&v, s), 2);
	expect_seg(&s[0], C, ISN_S + 1, ISN_C + 1);
	expect_seg(&s[1], S, ISN_C + 1, ISN_S + 1);
}

static void syn_recv(void **state)
{
	struct tcp_reset_seg s[TCP_RESET_MAX];
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	STEP(&v, S, synack(ISN_S, ISN_C + 1, WS), ACC, REASON_OK, sSR);
	assert_int_equal(plan(&v, s), 2);
	/* the initiator acked nothing yet: the responder's end is its RCV.NXT */
	expect_seg(&s[0], C, ISN_S + 1, ISN_C + 1);
	expect_seg(&s[1], S, ISN_C + 1, ISN_S + 1);
	expect_closes(&v, &s[1]);
}

static void established_idle(void **state)
{
	struct tcp_reset_seg s[TCP_RESET_MAX];
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, dat(&v, C, 300), ACC, REASON_OK, sES);
	STEP(&v, S, dat(&v, S, 700), ACC, REASON_OK, sES);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	assert_int_equal(plan(&v, s), 2);
	expect_seg(&s[0], C, v.nxt[S], v.nxt[C]);
	expect_seg(&s[1], S, v.nxt[C], v.nxt[S]);
	expect_closes(&v, &s[0]);
	expect_closes(&v, &s[1]);
}

static void established_data_in_flight(void **state)
{
	struct tcp_reset_seg s[TCP_RESET_MAX];
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, dat(&v, C, 500), ACC, REASON_OK, sES);
	/* S's RCV.NXT is ISN_C + 1 or past the 500 bytes: one RST at each */
	assert_int_equal(plan(&v, s), 3);
	expect_seg(&s[0], C, ISN_S + 1, v.nxt[C]);
	expect_seg(&s[1], S, ISN_C + 1, ISN_S + 1);
	expect_seg(&s[2], S, v.nxt[C], ISN_S + 1);
	expect_closes(&v, &s[0]);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	assert_int_equal(plan(&v, s), 2);
	expect_seg(&s[1], S, v.nxt[C], v.nxt[S]);
	expect_closes(&v, &s[1]);
}

static void closing_states(void **state)
{
	struct tcp_reset_seg s[TCP_RESET_MAX];
	struct conv v;

	(void)state;
	est(&v);
	uint32_t before_fin = v.nxt[C];

	STEP(&v, C, fin(&v, C), ACC, REASON_OK, sFW);
	/* S may or may not hold the FIN */
	assert_int_equal(plan(&v, s), 3);
	expect_seg(&s[1], S, before_fin, v.nxt[S]);
	expect_seg(&s[2], S, v.nxt[C], v.nxt[S]);

	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sCW);
	assert_int_equal(plan(&v, s), 2);
	expect_seg(&s[0], C, v.nxt[S], v.nxt[C]);
	expect_seg(&s[1], S, v.nxt[C], v.nxt[S]);
	expect_closes(&v, &s[0]);
	expect_closes(&v, &s[1]);

	STEP(&v, S, fin(&v, S), ACC, REASON_OK, sLA);
	assert_int_equal(plan(&v, s), 3);
	expect_seg(&s[0], C, v.nxt[S] - 1, v.nxt[C]);
	expect_seg(&s[1], C, v.nxt[S], v.nxt[C]);
	expect_seg(&s[2], S, v.nxt[C], v.nxt[S]);

	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sTW);
	assert_int_equal(plan(&v, s), 0); /* RFC 1337: TIME-WAIT is left alone */
}

static void closed_by_rst(void **state)
{
	struct tcp_reset_seg s[TCP_RESET_MAX];
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, rstack(v.nxt[C], v.nxt[S]), ACC, REASON_OK, sCL);
	assert_int_equal(plan(&v, s), 0);
}

static void picked_up(void **state)
{
	struct tcp_reset_seg s[TCP_RESET_MAX];
	struct conv v;

	(void)state;
	conv_init(&v);
	v.par.pickup = true;
	v.nxt[C] = ISN_C;
	v.nxt[S] = ISN_S;
	first(&v, dat(&v, C, 100));
	EXPECT(&v, ACC, REASON_OK, sES);
	/* the responder was never seen: its RCV.NXT is the initiator's end, or before the data */
	assert_int_equal(plan(&v, s), 2);
	expect_seg(&s[0], C, ISN_S, v.nxt[C]);
	expect_seg(&s[1], S, v.nxt[C], ISN_S);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	assert_int_equal(plan(&v, s), 2);
	expect_seg(&s[1], S, v.nxt[C], ISN_S);
	expect_closes(&v, &s[0]);
	expect_closes(&v, &s[1]);
}

static void across_wraparound(void **state)
{
	struct tcp_reset_seg s[TCP_RESET_MAX];
	struct conv v;

	(void)state;
	conv_init(&v);
	open3(&v, 0xffffff00u, 0xfffffff0u, WS);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	assert_true(v.nxt[C] < 0x1000);
	assert_int_equal(plan(&v, s), 3);
	expect_seg(&s[1], S, 0xffffff01u, 0xfffffff1u);
	expect_seg(&s[2], S, v.nxt[C], 0xfffffff1u);
}

/* ---- bytes ---- */

static void tuple_init(struct tcp_reset_tuple *tu, uint8_t family)
{
	static const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2};
	static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2};

	memset(tu, 0, sizeof(*tu));
	tu->family = family;
	if (family == 4) {
		memcpy(tu->addr[C], (uint8_t[]){192, 0, 2, 2}, 4);
		memcpy(tu->addr[S], (uint8_t[]){198, 51, 100, 2}, 4);
	} else {
		memcpy(tu->addr[C], c6, 16);
		memcpy(tu->addr[S], s6, 16);
	}
	tu->port[C] = 40000;
	tu->port[S] = 80;
}

static void check_built(uint8_t family, const struct tcp_reset_seg *seg)
{
	size_t alen = family == 4 ? 4 : 16;
	uint8_t buf[TCP_RESET_PKT_MAX];
	struct tcp_reset_tuple tu;
	struct packet p;
	size_t len;

	tuple_init(&tu, family);
	len = tcp_reset_build(&tu, seg, buf, sizeof(buf));
	assert_int_equal(len, family == 4 ? 40 : 60);
	assert_int_equal(packet_parse(buf, len, len, &p), REASON_OK);
	assert_int_equal(p.family, family);
	assert_int_equal(p.flags, TCP_FLAG_RST | TCP_FLAG_ACK);
	assert_int_equal(p.seq, seg->seq);
	assert_int_equal(p.ack, seg->ack);
	assert_int_equal(p.payload_len, 0);
	assert_int_equal(p.window, 0);
	assert_int_equal(p.opt.present, 0);
	/* from the peer of seg->to, to seg->to */
	assert_memory_equal(p.saddr, tu.addr[!seg->to], alen);
	assert_memory_equal(p.daddr, tu.addr[seg->to], alen);
	assert_int_equal(p.sport, tu.port[!seg->to]);
	assert_int_equal(p.dport, tu.port[seg->to]);
	assert_int_equal(packet_tcp_checksum_ok(buf, len, &p), 1);
	assert_true(pktbuild_csum_ok(buf, len));
	if (family == 4) {
		assert_int_equal(buf[8], 64);
		assert_int_equal(buf[6] & 0x40, 0x40); /* DF */
	} else {
		assert_int_equal(buf[7], 64);
	}
	assert_int_equal(tcp_reset_build(&tu, seg, buf, len - 1), 0);
	tu.family = 5;
	assert_int_equal(tcp_reset_build(&tu, seg, buf, sizeof(buf)), 0);
}

static void built_packets_parse(void **state)
{
	static const struct tcp_reset_seg segs[] = {
		{.to = C, .seq = 0x12345678, .ack = 0x9abcdef0},
		{.to = S, .seq = 0xffffffff, .ack = 0},
		{.to = C, .seq = 0, .ack = 1},
		{.to = S, .seq = 0x80000000, .ack = 0x7fffffff},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		check_built(4, &segs[i]);
		check_built(6, &segs[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syn_sent_resets_the_initiator_only),
		cmocka_unit_test(simultaneous_open_acks_both_syns),
		cmocka_unit_test(syn_recv),
		cmocka_unit_test(established_idle),
		cmocka_unit_test(established_data_in_flight),
		cmocka_unit_test(closing_states),
		cmocka_unit_test(closed_by_rst),
		cmocka_unit_test(picked_up),
		cmocka_unit_test(across_wraparound),
		cmocka_unit_test(built_packets_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
