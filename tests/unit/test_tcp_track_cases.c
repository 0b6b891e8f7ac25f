// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_track against docs/tracking.md section 14, cases 1-29 (creation, handshake,
 * window checks), one test each asserting the "Strict" column, plus the window corner cases
 * around them (sequence wraparound, SACK, retransmits, zero window) and the flag table. Cases
 * 30-51 (RST, close, TIME_WAIT, reuse, pickup) are in test_tcp_track_reuse.c.
 *
 * Segments are built as struct packet directly. Contract mapping: DROP = INVALID, "PASS
 * without state change" = IGNORE, "timer not refreshed" = IGNORE or ACCEPT with TIMEOUT_KEEP.
 * Unless a test says otherwise: ISNs 1000000 (C) and 5000000 (S), window scale 7 both ways,
 * SYN windows 8192, later raw windows 64 (8192 bytes), so after the handshake C may send up to
 * ISN_C + 1 + 8192 and S up to ISN_S + 1 + 8192.
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
#include "reason.h"
#include "tcp_track.h"
#include "tcp_track_steps.h"

/* ---- creation and flags (cases 1-5) ---- */

static void case_01_ack_without_syn(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, mkseg(TCP_FLAG_ACK, ISN_C, ISN_S, 0));
	EXPECT(&v, INV, REASON_NEW_NOT_SYN, ANY);
	first(&v, mkseg(TCP_FLAG_ACK | TCP_FLAG_PSH, ISN_C, ISN_S, 100));
	EXPECT(&v, INV, REASON_NEW_NOT_SYN, ANY);
	v.par.pickup = true;
	first(&v, mkseg(TCP_FLAG_ACK, ISN_C, ISN_S, 0));
	EXPECT(&v, ACC, REASON_OK, sES);
	TO(&v, UNACK);
	assert_false(tcp_track_is_assured(&v.t));
}

static void case_02_synack_first(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	for (int pickup = 0; pickup < 2; pickup++) {
		v.par.pickup = pickup;
		first(&v, synack(ISN_S, ISN_C + 1, WS));
		EXPECT(&v, INV, REASON_INVALID_NEW, ANY);
	}
}

static void case_03_fin_or_rst_first(void **state)
{
	const struct packet firsts[] = {mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, ISN_C, ISN_S, 0),
					rst(ISN_C), rstack(ISN_C, ISN_S)};
	struct conv v;

	(void)state;
	conv_init(&v);
	for (int pickup = 0; pickup < 2; pickup++) {
		v.par.pickup = pickup;
		for (unsigned i = 0; i < sizeof(firsts) / sizeof(firsts[0]); i++) {
			first(&v, firsts[i]);
			EXPECT(&v, INV, REASON_INVALID_NEW, ANY);
		}
	}
}

static void case_04_bad_flag_combinations(void **state)
{
	const uint8_t bad[] = {TCP_FLAG_SYN | TCP_FLAG_FIN,
			       TCP_FLAG_SYN | TCP_FLAG_RST,
			       TCP_FLAG_FIN,
			       0,
			       TCP_FLAG_FIN | TCP_FLAG_RST,
			       TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_URG,
			       TCP_FLAG_FIN | TCP_FLAG_PSH | TCP_FLAG_URG,
			       TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_ACK};
	struct conv v;

	(void)state;
	for (unsigned i = 0; i < sizeof(bad); i++) {
		conv_init(&v);
		v.par.pickup = true;
		first(&v, mkseg(bad[i], ISN_C, ISN_S, 0));
		EXPECT(&v, INV, REASON_BAD_FLAGS, ANY);
		est(&v);
		STEP(&v, C, mkseg(bad[i], v.nxt[C], v.nxt[S], 0), INV, REASON_BAD_FLAGS, sES);
		STEP(&v, S, mkseg(bad[i], v.nxt[S], v.nxt[C], 0), INV, REASON_BAD_FLAGS, sES);
	}
}

/* A TCP header below 20 bytes never reaches the tracker: the parser rejects it. */
static void case_05_short_tcp_header(void **state)
{
	struct pktbuild b;
	struct packet p;
	uint8_t buf[128];
	size_t len;

	(void)state;
	pktbuild_init(&b, 4);
	len = pktbuild_write(&b, buf, sizeof(buf));
	assert_int_equal(len, 40);
	assert_int_equal(packet_parse(buf, len, len, &p), REASON_OK);
	assert_int_equal(packet_parse(buf, len - 1, len, &p), REASON_TCP_TRUNCATED);
	buf[pktbuild_tcp_offset(buf) + 12] = 4 << 4; /* doff 4 */
	assert_int_equal(packet_parse(buf, len, len, &p), REASON_TCP_BAD_DOFF);
	buf[pktbuild_tcp_offset(buf) + 12] = 0;
	assert_int_equal(packet_parse(buf, len, len, &p), REASON_TCP_BAD_DOFF);
}

/* ---- handshake (cases 6-19) ---- */

static void case_06_three_way_handshake(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	open3(&v, ISN_C, ISN_S, WS); /* asserts SS, SR, ES+assured, each with its state timer */
	conv_init(&v);
	open3(&v, 0xfffffffe, 0xffffffff, -1); /* ISNs at the wrap, no window scale */
	assert_int_equal(v.nxt[S], 0);
}

static void case_07_syn_retransmit_keeps_timer(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	EXPECT(&v, ACC, REASON_OK, sSS);
	for (int i = 0; i < 3; i++) {
		STEP(&v, C, syn(ISN_C, WS), ACC, REASON_OK, sSS);
		KEPT(&v);
	}
	v.nxt[C] = ISN_C + 1;
	finish_open(&v, ISN_S);
}

static void case_08_syn_with_higher_isn(void **state)
{
	const uint32_t isn2 = ISN_C + 900000;
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	STEP(&v, C, syn(isn2, WS), ACC, REASON_OK, sSS);
	KEPT(&v);
	/* C's side now starts at isn2: a SYN/ACK for the first ISN is not acceptable */
	STEP(&v, S, synack(ISN_S, ISN_C + 1, WS), INV, REASON_BAD_HANDSHAKE_ACK, sSS);
	v.nxt[C] = isn2 + 1;
	finish_open(&v, ISN_S);
}

static void case_09_ack_from_initiator_in_syn_sent(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	STEP(&v, C, mkseg(TCP_FLAG_ACK, ISN_C + 1, ISN_S + 1, 0), INV, REASON_INVALID_STATE, sSS);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, ISN_C + 1, 0, 10), INV, REASON_INVALID_STATE, sSS);
}

static void case_10_synack_from_initiator_in_syn_sent(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	STEP(&v, C, synack(ISN_C, ISN_S + 1, WS), INV, REASON_INVALID_STATE, sSS);
}

/* The responder still holds an old connection and answers the SYN with a challenge ACK. */
static void case_11_challenge_ack_in_syn_sent(void **state)
{
	const uint32_t old_rcv_nxt = 424242;
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	STEP(&v, S, mkseg(TCP_FLAG_ACK, 777777, old_rcv_nxt, 0), IGN, REASON_CHALLENGE_ACK, sSS);
	STEP(&v, C, rst(old_rcv_nxt + 1), INV, ANY, sSS); /* not the challenge's ack */
	tx(&v, C, rst(old_rcv_nxt));
	EXPECTX(&v, ACC, REASON_OK, sCL, X_DESTROY_ANY);
	if (!v.r.destroy) {
		struct packet p = syn(ISN_C, WS);

		tx(&v, C, p);
		EXPECTX(&v, ACC, REASON_OK, ANY, X_REOPEN);
		renew(&v, C, p);
		finish_open(&v, ISN_S);
	}
}

static void case_12_synack_acks_unsent_data(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, synack(ISN_S, ISN_C + 1000, WS), INV, ANY, sSS);
	assert_true(v.r.reason == REASON_ACK_OVER_WINDOW || v.r.reason == REASON_BAD_HANDSHAKE_ACK);
	finish_open(&v, ISN_S);
}

/* RFC 9293 3.10.7.3: in SYN-SENT an ACK is acceptable only if ISS < SEG.ACK <= SND.NXT. */
static void case_13_synack_ack_below_isn(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, synack(ISN_S, ISN_C - 10, WS), INV, REASON_BAD_HANDSHAKE_ACK, sSS);
	STEP(&v, S, synack(ISN_S, ISN_C, WS), INV, REASON_BAD_HANDSHAKE_ACK, sSS); /* = ISS */
	finish_open(&v, ISN_S);
}

static void case_14_rst_answers_syn(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	tx(&v, S, rstack(0, ISN_C + 1));
	EXPECTX(&v, ACC, REASON_OK, ANY, X_DESTROY);
}

static void case_15_rst_with_bad_ack_in_syn_sent(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, rstack(0, ISN_C - 100), INV, REASON_RST_BAD_ACK, sSS);
	STEP(&v, S, rstack(0, ISN_C + 2), INV, REASON_RST_BAD_ACK, sSS);
	STEP(&v, S, rst(0), INV, REASON_RST_BAD_ACK, sSS); /* no ACK at all */
	STEP(&v, S, rst(ISN_S), INV, REASON_RST_BAD_ACK, sSS);
	finish_open(&v, ISN_S);
}

/* Both SYNs cross; S's SYN/ACK arrives first, then C's (late) SYN/ACK, then S's ACK. */
static void case_16_simultaneous_open(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, syn(ISN_S, WS), ACC, REASON_OK, sS2);
	v.nxt[S] = ISN_S + 1;
	STEP(&v, S, synack(ISN_S, v.nxt[C], WS), ACC, REASON_OK, sSR);
	/* Linux ORIGINAL synack in SYN_RECV: "late retransmitted SYN/ACK in simultaneous open",
	 * a state transition SR -> SR, not an ignore */
	STEP(&v, C, synack(ISN_C, v.nxt[S], WS), ACC, REASON_OK, sSR);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	assert_true(tcp_track_is_assured(&v.t));
	STEP(&v, C, dat(&v, C, 4000), ACC, REASON_OK, sES); /* scale 7 is in force */
	STEP(&v, S, dat(&v, S, 4000), ACC, REASON_OK, sES);
}

static void case_17_third_ack_range(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, synack(ISN_S, v.nxt[C], WS), ACC, REASON_OK, sSR);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], ISN_S + 5, 0), INV, ANY, sSR);
	assert_true(v.r.reason == REASON_ACK_OVER_WINDOW || v.r.reason == REASON_BAD_HANDSHAKE_ACK);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], ISN_S - 3, 0), INV, REASON_BAD_HANDSHAKE_ACK,
	     sSR);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], ISN_S, 0), INV, REASON_BAD_HANDSHAKE_ACK, sSR);
	assert_false(tcp_track_is_assured(&v.t));
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], ISN_S + 1, 0), ACC, REASON_OK, sES);
	assert_true(tcp_track_is_assured(&v.t));
}

static void case_18_synack_with_new_seq(void **state)
{
	const uint32_t isn2 = 7000000;
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, synack(ISN_S, ISN_C - 4000, -1), INV, REASON_BAD_HANDSHAKE_ACK, sSS);
	STEP(&v, S, synack(isn2, v.nxt[C], WS), ACC, REASON_OK, sSR);
	STEP(&v, S, synack(isn2, v.nxt[C], WS), IGN, REASON_SYNACK_IGNORED, sSR);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], ISN_S + 1, 0), INV, ANY, sSR); /* old ISN */
	v.nxt[S] = isn2 + 1;
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	STEP(&v, S, dat(&v, S, 4000), ACC, REASON_OK, sES); /* S's new options: scale 7 */
}

/* TCP Fast Open: data on the SYN, and the responder's data before the third ACK. */
static void case_19_fast_open(void **state)
{
	struct conv v;
	struct packet p = syn(ISN_C, WS);

	(void)state;
	conv_init(&v);
	p.payload_len = 100;
	first(&v, p);
	EXPECT(&v, ACC, REASON_OK, sSS);
	v.nxt[C] = ISN_C + 101;
	STEP(&v, S, synack(ISN_S, v.nxt[C], WS), ACC, REASON_OK, sSR);
	v.nxt[S] = ISN_S + 1;
	STEP(&v, S, dat(&v, S, 1000), ACC, REASON_OK, sSR);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	/* window scale survived: 64 << 7 bytes, far more than a raw 64 */
	STEP(&v, S, dat(&v, S, 4000), ACC, REASON_OK, sES);
	STEP(&v, S, dat(&v, S, 4000), ACC, REASON_OK, sES);
}

/* ---- window and sequence checks (cases 20-29) ---- */

static void case_20_data_in_window(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	TO(&v, UNACK);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	TO(&v, STATE);
	/* beyond a raw window of 64, inside the scaled 8192 */
	STEP(&v, S, dat(&v, S, 6000), ACC, REASON_OK, sES);
	TO(&v, UNACK);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	TO(&v, STATE);
	/* exactly up to C's right edge (S acked C's data with a 8192-byte window) */
	STEP(&v, C, dat(&v, C, SCALED), ACC, REASON_OK, sES);
}

static void case_21_seq_far_over_window(void **state)
{
	const uint32_t maxend_c = ISN_C + 1 + SCALED;
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, maxend_c + SCALED + 100, v.nxt[S], 100), INV,
	     REASON_SEQ_OVER_WINDOW, sES);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, maxend_c + 1000000, v.nxt[S], 0), INV,
	     REASON_SEQ_OVER_WINDOW, sES);
	STEP(&v, C, dat(&v, C, 100), ACC, REASON_OK, sES); /* nothing was learnt */
	TO(&v, UNACK);
}

static void case_22_small_overshoot(void **state)
{
	const uint32_t maxend_c = ISN_C + 1 + SCALED;
	struct conv v;

	(void)state;
	est(&v);
	/* starts inside the window, ends 900 bytes past it: acceptable (RFC 9293 3.10.7.4) */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, maxend_c - 100, v.nxt[S], 1000), ACC, REASON_OK, sES);
	/* starts past the edge, overshoot 8900: more than S's largest window (8192), which
	 * no longer grows by what segments overshot (the RFC 5961 ACK bound reads it) */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, maxend_c + 900, v.nxt[S], 8000), INV,
	     REASON_SEQ_OVER_WINDOW, sES);
	/* overshoot 7900: tolerated and passed, but S discards data that starts past its
	 * window, so C's end stays (Linux cf97769c761a advances it) */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, maxend_c + 900, v.nxt[S], 7000), IGN, REASON_SEQ_OVERSHOOT,
	     sES);
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], maxend_c + 900, 0), ACC, REASON_OK, sES);
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], maxend_c + 901, 0), INV, REASON_ACK_OVER_WINDOW,
	     sES);
}

static void case_23_old_data_retransmitted(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, dat(&v, C, 8000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, C, dat(&v, C, 8000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	/* the first 1000 bytes again: S acked them long ago and discards the whole segment */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, ISN_C + 1, v.nxt[S], 1000), IGN, REASON_SEQ_STALE, sES);
	/* within one window back it is an ordinary retransmission */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C] - 1000, v.nxt[S], 1000), ACC, REASON_OK, sES);
}

static void case_24_ack_of_unsent_data(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], v.nxt[S] + 100, 0), INV, REASON_ACK_OVER_WINDOW,
	     sES);
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], v.nxt[C] + 1, 0), INV, REASON_ACK_OVER_WINDOW,
	     sES);
	STEP(&v, S, dat(&v, S, 10), ACC, REASON_OK, sES);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], v.nxt[S] + 1, 0), INV, REASON_ACK_OVER_WINDOW,
	     sES);
}

static void case_25_very_old_ack(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	for (int i = 0; i < 9; i++) { /* S sends 72000 bytes, C acks each 8000 */
		STEP(&v, S, dat(&v, S, 8000), ACC, REASON_OK, sES);
		STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	}
	/* 72000 > max(66000, C's max window) behind S's end */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], ISN_S + 1, 0), IGN, REASON_ACK_UNDER_WINDOW, sES);
	/* 8000 behind is a plain duplicate ACK */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], v.nxt[S] - 8000, 0), ACC, REASON_OK, sES);
}

static void case_26_sack_beyond_peer_end(void **state)
{
	struct conv v;
	struct packet p;

	(void)state;
	est(&v);
	STEP(&v, S, dat(&v, S, 1000), ACC, REASON_OK, sES);
	STEP(&v, S, dat(&v, S, 1000), ACC, REASON_OK, sES);
	p = mkseg(TCP_FLAG_ACK, v.nxt[C], v.nxt[S] - 2000, 0);
	p.opt.present = PACKET_OPT_SACK;
	p.opt.sack_count = 1;
	p.opt.sack[0] = (struct packet_sack_block){v.nxt[S] - 1000, v.nxt[S]};
	STEP(&v, C, p, ACC, REASON_OK, sES); /* first segment lost, second SACKed */
	p.opt.sack[0].right = v.nxt[S] + 100;
	STEP(&v, C, p, INV, REASON_SACK_OVER_WINDOW, sES);
	p.opt.sack_count = 2; /* the bad block second */
	p.opt.sack[1] = p.opt.sack[0];
	p.opt.sack[0] = (struct packet_sack_block){v.nxt[S] - 1000, v.nxt[S] - 500};
	STEP(&v, C, p, INV, REASON_SACK_OVER_WINDOW, sES);
}

static void case_27_keepalive(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	/* Linux's probe ends before S's last ACK: S discards it and answers with an ACK */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C] - 1, v.nxt[S], 0), IGN, REASON_SEQ_STALE, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	TO(&v, STATE);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C] - 1, v.nxt[S], 1), ACC, REASON_OK, sES);
	TO(&v, STATE);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	TO(&v, STATE);
	/* the same from S, whose peer has never sent data */
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S] - 1, v.nxt[C], 1), ACC, REASON_OK, sES);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
}

/* C offers window scale, S does not: scaling is off both ways, window fields are raw. */
static void case_28_wscale_not_negotiated(void **state)
{
	struct pktbuild b;
	struct conv v;
	struct packet p = syn(ISN_C, WS);
	uint8_t buf[128];

	(void)state;
	conv_init(&v);
	p.window = 1000;
	first(&v, p);
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, synack(ISN_S, v.nxt[C], -1), ACC, REASON_OK, sSR);
	v.nxt[S] = ISN_S + 1;
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES); /* window 64: 64 bytes, not 8192 */
	STEP(&v, S, dat(&v, S, WIN), ACC, REASON_OK, sES);
	/* inside 64 << 7 but 7000 bytes past the raw 64, more than C's max window (1000) */
	STEP(&v, S, mkseg(TCP_FLAG_ACK, ISN_S + 7000, v.nxt[C], 100), INV, REASON_SEQ_OVER_WINDOW,
	     sES);
	/* both sides with the largest shift */
	conv_init(&v);
	open3(&v, ISN_C, ISN_S, 14);
	STEP(&v, S, dat(&v, S, WIN << 14), ACC, REASON_OK, sES);
	/* a shift of 15 in the option is read as 14 (RFC 7323 2.3) */
	pktbuild_init(&b, 4);
	b.flags = TCP_FLAG_SYN;
	b.wscale = 15;
	assert_int_equal(pktbuild_parse(&b, buf, sizeof(buf), &p), REASON_OK);
	assert_true(p.opt.present & PACKET_OPT_WSCALE);
	assert_int_equal(p.opt.wscale, 14);
}

static void case_29_retransmits_and_zero_window(void **state)
{
	struct conv v;
	struct packet p;

	(void)state;
	est(&v);
	p = dat(&v, C, 100);
	STEP(&v, C, p, ACC, REASON_OK, sES);
	TO(&v, UNACK);
	for (int i = 1; i <= 3; i++) { /* retrans 1, 2, 3: the third reaches max_retrans */
		STEP(&v, C, p, ACC, REASON_OK, sES);
		if (i < 3)
			TO(&v, UNACK);
		else
			TO(&v, RETRANS);
	}
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	TO(&v, STATE);
	p = ack_of(&v, S);
	p.window = 0;
	STEP(&v, S, p, ACC, REASON_OK, sES);
	TO(&v, RETRANS);
	/* zero-window probe: one byte at C's SND.NXT */
	STEP(&v, C, dat(&v, C, 1), ACC, REASON_OK, sES);
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], v.nxt[C] - 1, 0), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	TO(&v, STATE);
}

/* ---- windows across the 2^32 wrap, SACK, retransmits ---- */

static void window_across_wrap(void **state)
{
	const uint32_t isn_c = 0xffffff00, isn_s = 0xfffff000;
	struct conv v;

	(void)state;
	conv_init(&v);
	open3(&v, isn_c, isn_s, WS);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES); /* 0xffffff01 .. 0x2e9 */
	assert_true(v.nxt[C] < 0x1000);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, S, dat(&v, S, 8000), ACC, REASON_OK, sES); /* 0xfffff001 .. 0xf41 */
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	TO(&v, STATE);
	/* out of window on the far side of the wrap */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C] + SCALED + SCALED + 100, v.nxt[S], 10), INV,
	     REASON_SEQ_OVER_WINDOW, sES);
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], v.nxt[C] + 1, 0), INV, REASON_ACK_OVER_WINDOW,
	     sES);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], isn_s + 9000, 0), INV, REASON_ACK_OVER_WINDOW,
	     sES);
	/* a pre-wrap ACK that is merely old, and pre-wrap data within one window */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], isn_s + 1, 0), ACC, REASON_OK, sES);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, isn_c + 1, v.nxt[S], 1000), ACC, REASON_OK, sES);
	/* push C's end two windows past the wrap; the pre-wrap data is then stale */
	for (int i = 0; i < 2; i++) {
		STEP(&v, C, dat(&v, C, 8000), ACC, REASON_OK, sES);
		STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	}
	STEP(&v, C, mkseg(TCP_FLAG_ACK, isn_c + 1, v.nxt[S], 1000), IGN, REASON_SEQ_STALE, sES);
	STEP(&v, C, rst(0xfffffff0), INV, REASON_RST_OUT_OF_WINDOW, sES); /* before RCV.NXT */
	STEP(&v, C, rst(v.nxt[C]), ACC, REASON_OK, sCL);
}

/* SACK blocks count only if SACK was permitted; without it the option means nothing. */
static void sack_ignored_without_sack_perm(void **state)
{
	struct conv v;
	struct packet p = syn(ISN_C, WS);

	(void)state;
	conv_init(&v);
	p.opt.present &= (uint8_t)~PACKET_OPT_SACK_PERM;
	first(&v, p);
	v.nxt[C] = ISN_C + 1;
	p = synack(ISN_S, v.nxt[C], WS);
	p.opt.present &= (uint8_t)~PACKET_OPT_SACK_PERM;
	STEP(&v, S, p, ACC, REASON_OK, sSR);
	v.nxt[S] = ISN_S + 1;
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	STEP(&v, S, dat(&v, S, 1000), ACC, REASON_OK, sES);
	p = ack_of(&v, C);
	p.opt.present = PACKET_OPT_SACK;
	p.opt.sack_count = 1;
	p.opt.sack[0] = (struct packet_sack_block){v.nxt[S] + 100, v.nxt[S] + 200};
	STEP(&v, C, p, ACC, REASON_OK, sES);
}

static void retransmit_count_follows_max_retrans(void **state)
{
	struct conv v;
	struct packet p;

	(void)state;
	est(&v);
	v.par.max_retrans = 1;
	STEP(&v, S, dat(&v, S, 10), ACC, REASON_OK, sES); /* else C's ACK repeats the third */
	p = ack_of(&v, C);
	STEP(&v, C, p, ACC, REASON_OK, sES);
	TO(&v, STATE);
	STEP(&v, C, p, ACC, REASON_OK, sES);
	TO(&v, RETRANS);
	p.window = WIN + 1; /* a different window is not a retransmit */
	STEP(&v, C, p, ACC, REASON_OK, sES);
	TO(&v, STATE);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, C, p, ACC, REASON_OK, sES); /* the same again, but S spoke in between */
	TO(&v, STATE);
}

/* ---- names (flag validity and index order: test_tcp_track.c) ---- */

static void names(void **state)
{
	static const char *const states[] = {"NONE",	 "SYN_SENT",   "SYN_RECV", "ESTABLISHED",
					     "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT",
					     "CLOSE",	 "SYN_SENT2"};

	(void)state;
	for (int s = 0; s < _TCP_TRACK_STATE_MAX; s++) {
		assert_string_equal(tcp_track_state_name((enum tcp_track_state)s), states[s]);
		assert_int_equal(tcp_track_state_from_name(states[s]), s);
	}
	assert_int_equal(tcp_track_state_from_name("established"), sES);
	assert_int_equal(tcp_track_state_from_name("Time_Wait"), sTW);
	assert_int_equal(tcp_track_state_from_name("ESTABLISHE"), -1);
	assert_int_equal(tcp_track_state_from_name(""), -1);
	assert_string_equal(tcp_track_state_name(_TCP_TRACK_STATE_MAX), "unknown");
	assert_string_equal(tcp_track_verdict_name(TCP_TRACK_ACCEPT), "accept");
	assert_string_equal(tcp_track_verdict_name(TCP_TRACK_IGNORE), "ignore");
	assert_string_equal(tcp_track_verdict_name(TCP_TRACK_INVALID), "invalid");
	assert_string_equal(tcp_track_verdict_name(_TCP_TRACK_VERDICT_MAX), "unknown");
	assert_string_equal(tcp_track_index_name(TCP_TRACK_IDX_SYN), "syn");
	assert_string_equal(tcp_track_index_name(TCP_TRACK_IDX_SYNACK), "synack");
	assert_string_equal(tcp_track_index_name(TCP_TRACK_IDX_FIN), "fin");
	assert_string_equal(tcp_track_index_name(TCP_TRACK_IDX_ACK), "ack");
	assert_string_equal(tcp_track_index_name(TCP_TRACK_IDX_RST), "rst");
	assert_string_equal(tcp_track_index_name(TCP_TRACK_IDX_NONE), "none");
	assert_string_equal(tcp_track_index_name(_TCP_TRACK_IDX_MAX), "unknown");
	assert_string_equal(tcp_track_tw_policy_name(TCP_TRACK_TW_ENFORCE), "enforce");
	assert_string_equal(tcp_track_tw_policy_name(TCP_TRACK_TW_SHORTEN), "shorten");
	assert_string_equal(tcp_track_tw_policy_name(_TCP_TRACK_TW_MAX), "unknown");
	assert_string_equal(tcp_track_tw_policy_name((enum tcp_track_tw_policy)200), "unknown");
	assert_string_equal(reason_name(REASON_TIME_WAIT_OLD_SYN), "time_wait_old_syn");
	assert_string_equal(reason_name(REASON_CHALLENGE_ACK), "challenge_ack");
	for (int r = 0; r < _REASON_MAX; r++) {
		assert_string_not_equal(reason_name(r), "unknown");
		assert_int_equal(reason_from_name(reason_name(r)), r);
	}
	assert_string_equal(reason_name(_REASON_MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(case_01_ack_without_syn),
		cmocka_unit_test(case_02_synack_first),
		cmocka_unit_test(case_03_fin_or_rst_first),
		cmocka_unit_test(case_04_bad_flag_combinations),
		cmocka_unit_test(case_05_short_tcp_header),
		cmocka_unit_test(case_06_three_way_handshake),
		cmocka_unit_test(case_07_syn_retransmit_keeps_timer),
		cmocka_unit_test(case_08_syn_with_higher_isn),
		cmocka_unit_test(case_09_ack_from_initiator_in_syn_sent),
		cmocka_unit_test(case_10_synack_from_initiator_in_syn_sent),
		cmocka_unit_test(case_11_challenge_ack_in_syn_sent),
		cmocka_unit_test(case_12_synack_acks_unsent_data),
		cmocka_unit_test(case_13_synack_ack_below_isn),
		cmocka_unit_test(case_14_rst_answers_syn),
		cmocka_unit_test(case_15_rst_with_bad_ack_in_syn_sent),
		cmocka_unit_test(case_16_simultaneous_open),
		cmocka_unit_test(case_17_third_ack_range),
		cmocka_unit_test(case_18_synack_with_new_seq),
		cmocka_unit_test(case_19_fast_open),
		cmocka_unit_test(case_20_data_in_window),
		cmocka_unit_test(case_21_seq_far_over_window),
		cmocka_unit_test(case_22_small_overshoot),
		cmocka_unit_test(case_23_old_data_retransmitted),
		cmocka_unit_test(case_24_ack_of_unsent_data),
		cmocka_unit_test(case_25_very_old_ack),
		cmocka_unit_test(case_26_sack_beyond_peer_end),
		cmocka_unit_test(case_27_keepalive),
		cmocka_unit_test(case_28_wscale_not_negotiated),
		cmocka_unit_test(case_29_retransmits_and_zero_window),
		cmocka_unit_test(window_across_wrap),
		cmocka_unit_test(sack_ignored_without_sack_perm),
		cmocka_unit_test(retransmit_count_follows_max_retrans),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
