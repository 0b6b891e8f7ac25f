// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_track against docs/tracking.md section 14, cases 30-51 (RST, close, TIME_WAIT,
 * reuse of a tuple, mid-stream pickup), one test each asserting the "Strict" column, plus the
 * paths around them: RST exactness (its section 6), per-direction FIN tracking, half-close,
 * simultaneous close, RFC 6191 reopen by sequence number and by timestamp, the challenge-ACK
 * chain, and both TIME_WAIT policies. Cases 1-29 are in test_tcp_track_cases.c.
 *
 * Contract mapping as there: DROP = INVALID, "PASS without state change" = IGNORE, "timer not
 * refreshed" = IGNORE or ACCEPT with TIMEOUT_KEEP. A reopen is res.reopen with ACCEPT; the test
 * then starts a fresh tracker from that SYN with its sender as ORIGINAL, as the engine does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "packet.h"
#include "reason.h"
#include "tcp_track.h"
#include "tcp_track_steps.h"

/* ---- RST (cases 30-37) ---- */

static void case_30_rst_exact(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES); /* RCV.NXT(S) = C's end */
	STEP(&v, C, rst(v.nxt[C]), ACC, REASON_OK, sCL);
	TO(&v, STATE);
}

static void case_31_rst_before_rcv_nxt(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, C, rst(v.nxt[C] - 10), INV, REASON_RST_OUT_OF_WINDOW, sES);
	STEP(&v, C, rst(v.nxt[C] - 1), INV, REASON_RST_OUT_OF_WINDOW, sES);
	STEP(&v, C, rstack(v.nxt[C] - 1000, v.nxt[S]), INV, REASON_RST_OUT_OF_WINDOW, sES);
}

static void case_32_rst_in_window_not_exact(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, rst(v.nxt[C] + 100), IGN, REASON_RST_INEXACT, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES); /* S's challenge ACK */
	TO(&v, STATE);
	STEP(&v, S, rst(v.nxt[S] + SCALED - 1), IGN, REASON_RST_INEXACT, sES);
	STEP(&v, C, rst(v.nxt[C]), ACC, REASON_OK, sCL);
}

static void case_33_rst_out_of_window(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, rst(v.nxt[C] + 1000000), INV, REASON_RST_OUT_OF_WINDOW, sES);
	STEP(&v, C, rst(v.nxt[C] + SCALED + 1), INV, REASON_RST_OUT_OF_WINDOW, sES);
	/* an out-of-window RST from the other side too: the endpoints discard both (case 51) */
	tx(&v, S, rstack(v.nxt[S] + 2000000000u, v.nxt[C]));
	EXPECTX(&v, INV, REASON_RST_OUT_OF_WINDOW, sES, 0); /* never lowers the timer */
}

/*
 * An RST right after data the receiver has not acknowledged: it may not hold that data, so the
 * RST passes for it to judge (Linux closes on the train). Once C has acknowledged it, the end
 * is exact.
 */
static void case_34_rst_after_data_train(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, S, dat(&v, S, 1000), ACC, REASON_OK, sES);
	STEP(&v, S, rst(v.nxt[S]), IGN, REASON_RST_INEXACT, sES);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	STEP(&v, S, rst(v.nxt[S]), ACC, REASON_OK, sCL);
}

/* After a FIN, RSTs are validated as in ESTABLISHED (Linux skips the check). */
static void case_35_rst_in_closing_states(void **state)
{
	struct conv v;

	(void)state;
	est(&v); /* FIN_WAIT */
	STEP(&v, C, fin(&v, C), ACC, REASON_OK, sFW);
	STEP(&v, C, rst(v.nxt[C] + 1000000), INV, REASON_RST_OUT_OF_WINDOW, sFW);
	/* S sends data without acking the FIN (an accepted segment between the two
	 * out-of-window RSTs, so the timer is not lowered) */
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], v.nxt[C] - 1, 10), ACC, REASON_OK, sFW);
	v.nxt[S] += 10;
	STEP(&v, S, rst(v.nxt[S] + 1000000), INV, REASON_RST_OUT_OF_WINDOW, sFW);
	STEP(&v, S, rst(v.nxt[S] - 11), INV, REASON_RST_OUT_OF_WINDOW, sFW); /* C acked none */
	STEP(&v, S, rst(v.nxt[S] + 100), IGN, REASON_RST_INEXACT, sFW);

	est(&v); /* CLOSE_WAIT, S still sending */
	STEP(&v, C, fin(&v, C), ACC, REASON_OK, sFW);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sCW);
	STEP(&v, S, dat(&v, S, 1000), ACC, REASON_OK, sCW);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sCW);
	STEP(&v, S, rst(v.nxt[S] - 500), INV, REASON_RST_OUT_OF_WINDOW, sCW);
	STEP(&v, S, rst(v.nxt[S] + 3000000), INV, REASON_RST_OUT_OF_WINDOW, sCW);
	STEP(&v, S, rst(v.nxt[S] + 100), IGN, REASON_RST_INEXACT, sCW);
	STEP(&v, S, rst(v.nxt[S]), ACC, REASON_OK, sCL);

	est(&v); /* LAST_ACK */
	close_by(&v, C);
	est(&v);
	STEP(&v, C, fin(&v, C), ACC, REASON_OK, sFW);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sCW);
	STEP(&v, S, fin(&v, S), ACC, REASON_OK, sLA);
	STEP(&v, C, rst(v.nxt[C] + 1000000), INV, REASON_RST_OUT_OF_WINDOW, sLA);
	STEP(&v, C, rst(v.nxt[C] - 2), INV, REASON_RST_OUT_OF_WINDOW, sLA);
	STEP(&v, C, rst(v.nxt[C]), ACC, REASON_OK, sCL);
}

static void case_36_rst_in_time_wait(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	close_by(&v, C);
	STEP(&v, C, rst(v.nxt[C]), INV, REASON_TIME_WAIT_RST, sTW); /* even an exact one */
	STEP(&v, S, rst(v.nxt[S]), INV, REASON_TIME_WAIT_RST, sTW);
	STEP(&v, S, rstack(v.nxt[S], v.nxt[C]), INV, REASON_TIME_WAIT_RST, sTW);
	STEP(&v, C, rst(v.nxt[C] + 12345), INV, REASON_TIME_WAIT_RST, sTW);
}

/* C's own RST after its ignored SYN gets no shortcut: it must be exact. */
static void case_37_rst_after_ignored_syn_same_side(void **state)
{
	const uint32_t isn2 = 3000000;
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, syn(isn2, WS), IGN, REASON_SYN_IGNORED, sES);
	STEP(&v, C, rstack(v.nxt[C] + 1000000, isn2 + 1), INV, ANY, sES);
	STEP(&v, C, rstack(v.nxt[C] - 5, isn2 + 1), INV, ANY, sES);
	/* in window but not exact: never a close (DROP per case 37, or PASS per case 32) */
	tx(&v, C, rstack(v.nxt[C] + 100, isn2 + 1));
	assert_int_not_equal(v.r.verdict, ACC);
	assert_int_equal(v.t.state, sES);
	STEP(&v, C, rst(v.nxt[C]), ACC, REASON_OK, sCL);
}

/* ---- RST exactness corners (docs/tracking.md section 6) ---- */

/*
 * Exact means a RCV.NXT the tracker knows. With 500 bytes in flight S may hold any part of
 * them, so neither S's last ACK nor C's end is certain; S's next ACK settles it.
 */
static void rst_exact_with_data_in_flight(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, C, dat(&v, C, 500), ACC, REASON_OK, sES);
	STEP(&v, C, rst(v.nxt[C] - 500), IGN, REASON_RST_INEXACT, sES);
	STEP(&v, C, rst(v.nxt[C]), IGN, REASON_RST_INEXACT, sES);
	/* S acks 200 of them: still not certain (the rest may have arrived since) */
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], v.nxt[C] - 300, 0), ACC, REASON_OK, sES);
	STEP(&v, C, rst(v.nxt[C] - 300), IGN, REASON_RST_INEXACT, sES);
	/* S acks them all: C's end is S's RCV.NXT */
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, C, rst(v.nxt[C]), ACC, REASON_OK, sCL);
}

/* pf's rule (an RST|ACK anywhere in the window with a perfect ACK) is gone: S discards it. */
static void rst_ack_with_perfect_ack_in_window(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, S, dat(&v, S, 100), ACC, REASON_OK, sES);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES); /* acks S's data */
	STEP(&v, C, rstack(v.nxt[C] - 500, v.nxt[S] - 1), IGN, REASON_RST_INEXACT, sES);
	STEP(&v, C, rstack(v.nxt[C] - 500, v.nxt[S]), IGN, REASON_RST_INEXACT, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, C, rstack(v.nxt[C], v.nxt[S]), ACC, REASON_OK, sCL);
}

/*
 * With data C has not acknowledged, no RST from S is certain: neither its SND.NXT nor C's
 * last ACK (C may have taken more since). C's challenge ACK of everything settles it.
 */
static void rst_at_snd_nxt_without_train(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, S, dat(&v, S, 1000), ACC, REASON_OK, sES);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], v.nxt[S] - 500, 0), ACC, REASON_OK, sES);
	STEP(&v, S, rst(v.nxt[S]), IGN, REASON_RST_INEXACT, sES);
	STEP(&v, S, rst(v.nxt[S] - 500), IGN, REASON_RST_INEXACT, sES);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	STEP(&v, S, rst(v.nxt[S]), ACC, REASON_OK, sCL);

	/* beyond a hole */
	est(&v);
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S] + 1000, v.nxt[C], 500), ACC, REASON_OK, sES);
	STEP(&v, S, rst(v.nxt[S] + 1500), IGN, REASON_RST_INEXACT, sES);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES); /* C still misses the hole */
	STEP(&v, S, rst(v.nxt[S]), IGN, REASON_RST_INEXACT, sES);
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], v.nxt[C], 1000), ACC, REASON_OK, sES);
	v.nxt[S] += 1500;
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	STEP(&v, S, rst(v.nxt[S]), ACC, REASON_OK, sCL);
}

/* The peer answers C's ignored SYN with an RST (seq 0, ack = SYN end): Linux closes. */
static void rst_answering_ignored_syn(void **state)
{
	const uint32_t isn2 = 3000000;
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, syn(isn2, WS), IGN, REASON_SYN_IGNORED, sES);
	STEP(&v, S, rstack(0, isn2 + 2), INV, ANY, sES); /* not the SYN's end */
	/* offered to the caller, who closes the flow once it has been quiet */
	struct packet r = rstack(0, isn2 + 1);
	STEP(&v, S, r, IGN, REASON_RST_INEXACT, sES);
	assert_true(v.r.resync);
	tcp_track_resync(&v.t, &r, S, &v.par, &v.r);
	EXPECT(&v, ACC, REASON_OK, sCL);
}

/* ---- close sequence and TIME_WAIT (cases 38-46) ---- */

static void case_38_close_by_initiator(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, fin(&v, C), ACC, REASON_OK, sFW);
	/* FIN per direction: the FIN sender's own ACK or FIN retransmit does not ack it */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], v.nxt[S], 0), ACC, REASON_OK, sFW);
	STEP(&v, C, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C] - 1, v.nxt[S], 0), ACC, REASON_OK,
	     sFW);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sCW);
	TO(&v, STATE);
	STEP(&v, S, fin(&v, S), ACC, REASON_OK, sLA);
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], v.nxt[C], 0), ACC, REASON_OK, sLA);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sTW);
	TO(&v, STATE);
	assert_true(tcp_track_is_evictable(&v.t));
}

static void case_39_fin_in_syn_sent(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	STEP(&v, C, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, ISN_C + 1, 0, 0), INV, REASON_INVALID_STATE,
	     sSS);
	STEP(&v, S, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, ISN_S, ISN_C + 1, 0), INV,
	     REASON_INVALID_STATE, sSS);
	v.nxt[C] = ISN_C + 1;
	finish_open(&v, ISN_S);
}

static void case_40_last_ack_retransmit_in_time_wait(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	close_by(&v, C);
	for (int i = 0; i < 2; i++) {
		tx(&v, C, ack_of(&v, C));
		EXPECT(&v, v.r.verdict == IGN ? IGN : ACC, ANY, sTW);
		KEPT(&v);
		/* S lost that ACK and retransmits its FIN: it must pass so C can ack again */
		tx(&v, S, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[S] - 1, v.nxt[C], 0));
		EXPECT(&v, v.r.verdict == IGN ? IGN : ACC, ANY, sTW);
		KEPT(&v);
	}
}

static void case_41_reopen_with_higher_seq(void **state)
{
	struct conv v;
	struct packet p;

	(void)state;
	est(&v);
	close_by(&v, C);
	p = syn(v.nxt[C] + 100000, WS);
	tx(&v, C, p);
	EXPECTX(&v, ACC, REASON_OK, ANY, X_REOPEN);
	renew(&v, C, p);
	finish_open(&v, ISN_S + 300000);
}

/* S closed first (S holds TIME-WAIT); C reuses the port with a lower ISN, no timestamps. */
static void case_42_old_syn_challenge_chain(void **state)
{
	struct conv v;
	struct packet p;

	(void)state;
	est(&v);
	close_by(&v, S);
	p = syn(v.nxt[C] - 500, WS);
	STEP(&v, C, p, IGN, REASON_TIME_WAIT_OLD_SYN, sTW);
	STEP(&v, C, rst(v.nxt[C]), INV, REASON_TIME_WAIT_RST, sTW); /* no challenge seen yet */
	STEP(&v, S, ack_of(&v, S), IGN, REASON_CHALLENGE_ACK, sTW);
	STEP(&v, C, rst(v.nxt[C] + 1), INV, REASON_TIME_WAIT_RST, sTW);
	STEP(&v, S, rst(v.nxt[S]), INV, REASON_TIME_WAIT_RST, sTW); /* wrong side */
	STEP(&v, C, rst(v.nxt[C]), ACC, REASON_OK, sCL);
	tx(&v, C, p); /* C's SYN retransmit */
	EXPECTX(&v, ACC, REASON_OK, ANY, X_REOPEN);
	renew(&v, C, p);
	finish_open(&v, ISN_S + 300000);
}

/*
 * The same chain with a forged "challenge ACK" from S's side first: an RST at that ACK's number
 * is not at S's RCV.NXT, and S would discard it. Only S's own challenge ACK (which acks all that
 * C sent) makes an RST exact. fuzz_model found the forged form closing TIME-WAIT.
 */
static void case_42b_forged_challenge_ack(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	close_by(&v, S);
	STEP(&v, C, syn(v.nxt[C] - 500, WS), IGN, REASON_TIME_WAIT_OLD_SYN, sTW);
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], v.nxt[C] - 200, 0), IGN, REASON_CHALLENGE_ACK,
	     sTW);
	STEP(&v, C, rst(v.nxt[C] - 200), INV, REASON_TIME_WAIT_RST, sTW);
	STEP(&v, S, ack_of(&v, S), IGN, REASON_TIME_WAIT_ACK, sTW);
	STEP(&v, C, rst(v.nxt[C]), ACC, REASON_OK, sCL);
}

static void case_43_reopen_with_newer_timestamp(void **state)
{
	struct conv v;
	struct packet p;

	(void)state;
	conv_init(&v);
	v.ts = true;
	open3(&v, ISN_C, ISN_S, WS);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	close_by(&v, C);
	p = with_ts(syn(v.nxt[C] - 500, WS), v.tsval[C] + 5000);
	tx(&v, C, p);
	EXPECTX(&v, ACC, REASON_OK, ANY, X_REOPEN);
	renew(&v, C, p);
	finish_open(&v, ISN_S + 300000);
}

/* The old responder connects back to the old initiator's port. */
static void case_44_reopen_roles_switched(void **state)
{
	struct conv v;
	struct packet p;

	(void)state;
	est(&v);
	close_by(&v, C);
	STEP(&v, S, syn(v.nxt[S] - 300, WS), IGN, REASON_TIME_WAIT_OLD_SYN, sTW);
	p = syn(v.nxt[S] + 100000, WS);
	tx(&v, S, p);
	EXPECTX(&v, ACC, REASON_OK, ANY, X_REOPEN);
	renew(&v, S, p); /* S is ORIGINAL now */
	finish_open(&v, ISN_C + 300000);
	STEP(&v, S, dat(&v, S, 4000), ACC, REASON_OK, sES);
}

static void case_45_syn_after_rst_close(void **state)
{
	struct conv v;
	struct packet p;

	(void)state;
	est(&v);
	STEP(&v, S, rstack(v.nxt[S], v.nxt[C]), ACC, REASON_OK, sCL);
	p = syn(300, WS); /* any ISN: the connection is gone */
	tx(&v, C, p);
	EXPECTX(&v, ACC, REASON_OK, ANY, X_REOPEN);
	renew(&v, C, p);
	finish_open(&v, ISN_S + 7);
}

/* C's last ACK was lost, C reuses the port; S (LAST-ACK) answers the SYN with a challenge ACK. */
static void case_46_challenge_ack_in_last_ack(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, fin(&v, C), ACC, REASON_OK, sFW);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sCW);
	STEP(&v, S, fin(&v, S), ACC, REASON_OK, sLA);
	STEP(&v, C, syn(9000000, WS), IGN, REASON_SYN_IGNORED, sLA);
	tx(&v, S, ack_of(&v, S));
	assert_int_not_equal(v.r.verdict, INV);
	assert_int_equal(v.t.state, sLA);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sTW);
}

/* ---- reuse of a live tuple (cases 47-49) ---- */

static void case_47_rebooted_initiator(void **state)
{
	struct conv v;
	struct packet p = syn(3000000, WS);

	(void)state;
	est(&v);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, C, p, IGN, REASON_SYN_IGNORED, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES); /* RFC 5961 challenge ACK */
	STEP(&v, C, rst(v.nxt[C]), ACC, REASON_OK, sCL); /* seq == the challenge's ack */
	tx(&v, C, p);
	EXPECTX(&v, ACC, REASON_OK, ANY, X_REOPEN);
	renew(&v, C, p);
	finish_open(&v, ISN_S + 300000);
}

static void case_48_syn_from_responder_in_established(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, S, syn(12345, WS), INV, REASON_INVALID_STATE, sES);
	STEP(&v, S, syn(v.nxt[S] + 100000, WS), INV, REASON_INVALID_STATE, sES);
}

static void case_49_synack_in_established(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, S, synack(ISN_S, ISN_C + 1, WS), IGN, REASON_SYNACK_IGNORED, sES);
	STEP(&v, C, synack(ISN_C, ISN_S + 1, WS), INV, REASON_INVALID_STATE, sES);
	STEP(&v, C, dat(&v, C, 10), ACC, REASON_OK, sES);
}

/* ---- pickup and the invalid-close timer (cases 50-51) ---- */

static void case_50_pickup_then_reply(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	v.par.pickup = true;
	v.nxt[C] = ISN_C;
	v.nxt[S] = ISN_S;
	first(&v, ack_of(&v, C));
	EXPECT(&v, ACC, REASON_OK, sES);
	TO(&v, UNACK);
	STEP(&v, C, dat(&v, C, 100), ACC, REASON_OK, sES);
	TO(&v, UNACK); /* still unreplied */
	assert_false(tcp_track_is_assured(&v.t));
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	TO(&v, STATE);
	assert_true(tcp_track_is_assured(&v.t));
	/* RST checks stay on: before RCV.NXT(S) */
	STEP(&v, C, rst(v.nxt[C] - 50), INV, REASON_RST_OUT_OF_WINDOW, sES);
	/* scale unknown: no upper window bounds */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C] + 5000000, v.nxt[S], 100), ACC, REASON_OK, sES);
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S] + 3000000, v.nxt[C] + 5000100, 100), ACC,
	     REASON_OK, sES);
	STEP(&v, C, mkseg(TCP_FLAG_SYN | TCP_FLAG_FIN, v.nxt[C], v.nxt[S], 0), INV,
	     REASON_BAD_FLAGS, sES);
}

static void case_51_out_of_window_fin_and_rst(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C] + 1000000, v.nxt[S], 0), INV,
	     REASON_SEQ_OVER_WINDOW, sES);
	tx(&v, S, rst(v.nxt[S] + 1000000));
	EXPECTX(&v, INV, REASON_RST_OUT_OF_WINDOW, sES, 0); /* never lowers the timer */
}

/* Only tcp_in_window failures count; an RST failing the RCV.NXT pre-check does not. */
static void rst_before_rcv_nxt_does_not_lower_timer(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, S, dat(&v, S, 1000), ACC, REASON_OK, sES);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	STEP(&v, C, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C] + 1000000, v.nxt[S], 0), INV,
	     REASON_SEQ_OVER_WINDOW, sES);
	STEP(&v, S, rst(v.nxt[S] - 10), INV, REASON_RST_OUT_OF_WINDOW, sES);
	tx(&v, S, rst(v.nxt[S] + 1000000));
	EXPECTX(&v, INV, REASON_RST_OUT_OF_WINDOW, sES, 0); /* never lowers the timer */
}

/* A flow that never completed its handshake is not lowered (Linux: ASSURED only). */
static void unassured_flow_timer_not_lowered(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, synack(ISN_S, v.nxt[C], WS), ACC, REASON_OK, sSR);
	v.nxt[S] = ISN_S + 1;
	STEP(&v, C, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C] + 1000000, v.nxt[S], 0), INV, ANY,
	     sSR);
	STEP(&v, S, rst(v.nxt[S] + 1000000), INV, REASON_RST_OUT_OF_WINDOW, sSR);
}

/* ---- opens and closes ---- */

/* Both SYNs cross; C's SYN/ACK arrives first, S's is then a retransmit to ignore. */
static void simultaneous_open_other_order(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, syn(ISN_S, WS), ACC, REASON_OK, sS2);
	v.nxt[S] = ISN_S + 1;
	STEP(&v, S, syn(ISN_S, WS), ACC, REASON_OK, sS2); /* retransmitted simultaneous SYN */
	STEP(&v, C, synack(ISN_C, v.nxt[S], WS), ACC, REASON_OK, sSR);
	STEP(&v, S, synack(ISN_S, v.nxt[C], WS), IGN, REASON_SYNACK_IGNORED, sSR);
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], v.nxt[C] + 1, 0), INV, ANY, sSR);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	assert_true(tcp_track_is_assured(&v.t));
}

static void close_by_responder(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, S, fin(&v, S), ACC, REASON_OK, sFW);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sFW);   /* S cannot ack its own FIN */
	STEP(&v, C, dat(&v, C, 500), ACC, REASON_OK, sCW); /* acks the FIN, still sending */
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sCW);
	STEP(&v, C, fin(&v, C), ACC, REASON_OK, sLA);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sTW);
	TO(&v, STATE);
}

/* Both FINs cross; TIME_WAIT only once each FIN is acked by the other side. */
static void simultaneous_close(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, fin(&v, C), ACC, REASON_OK, sFW);
	STEP(&v, S, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[S], v.nxt[C] - 1, 0), ACC, REASON_OK,
	     sLA);
	v.nxt[S]++;
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sLA); /* S's FIN acked, C's not yet */
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sLA);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sTW);
}

/* S acks C's FIN with its own FIN; C's FIN|ACK retransmit then acks S's FIN. */
static void fin_ack_completes_close(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, fin(&v, C), ACC, REASON_OK, sFW);
	STEP(&v, S, fin(&v, S), ACC, REASON_OK, sLA);
	STEP(&v, C, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C] - 1, v.nxt[S] - 1, 0), ACC,
	     REASON_OK, sLA);
	STEP(&v, C, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C] - 1, v.nxt[S], 0), ACC, REASON_OK,
	     sTW);
}

static void half_close_data_keeps_flowing(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, fin(&v, C), ACC, REASON_OK, sFW);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sCW);
	for (int i = 0; i < 40; i++) {
		STEP(&v, S, dat(&v, S, 1400), ACC, REASON_OK, sCW);
		TO(&v, UNACK);
		if (i % 2) {
			STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sCW);
			TO(&v, STATE);
		}
	}
	/* C's sequence space ended with its FIN */
	STEP(&v, C, mkseg(TCP_FLAG_ACK | TCP_FLAG_PSH, v.nxt[C], v.nxt[S], 10), INV,
	     REASON_DATA_AFTER_FIN, sCW);
	STEP(&v, S, fin(&v, S), ACC, REASON_OK, sLA);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sTW);
	STEP(&v, S, dat(&v, S, 1), INV, REASON_TIME_WAIT_SEGMENT, sTW);
	v.nxt[S]--;
	STEP(&v, C, dat(&v, C, 10), INV, REASON_TIME_WAIT_SEGMENT, sTW);
	STEP(&v, S, synack(ISN_S, ISN_C + 1, WS), INV, ANY, sTW);
}

/* ---- reuse: TIME_WAIT policy, RFC 6191 timestamps, re-sync ---- */

static void time_wait_timestamp_rules(void **state)
{
	struct conv v;
	struct packet p;

	(void)state;
	conv_init(&v);
	v.ts = true;
	open3(&v, ISN_C, ISN_S, WS);
	close_by(&v, C);
	/* older TSval: no reopen, even with a higher sequence number (RFC 6191); C holds
	 * TIME-WAIT, so its own old SYN is a duplicate to drop */
	STEP(&v, C, with_ts(syn(v.nxt[C] + 100000, WS), v.tsval[C] - 1000), INV,
	     REASON_TIME_WAIT_DUP_SYN, sTW);
	/* an equal TSval, or one newer by less than the tracker's TS.Recent may trail the
	 * endpoint's, decides on the sequence number */
	STEP(&v, C, with_ts(syn(v.nxt[C] - 100, WS), v.tsval[C] + 999), INV,
	     REASON_TIME_WAIT_DUP_SYN, sTW);
	STEP(&v, C, with_ts(syn(v.nxt[C] - 100, WS), v.tsval[C]), INV, REASON_TIME_WAIT_DUP_SYN,
	     sTW);
	p = with_ts(syn(v.nxt[C] + 100, WS), v.tsval[C]);
	tx(&v, C, p);
	EXPECTX(&v, ACC, REASON_OK, ANY, X_REOPEN);
	/* no TSval in the new SYN: the sequence number decides */
	v.ts = false;
	STEP(&v, C, syn(v.nxt[C] - 100, WS), INV, REASON_TIME_WAIT_DUP_SYN, sTW);
	tx(&v, C, syn(v.nxt[C] + 100, WS));
	EXPECTX(&v, ACC, REASON_OK, ANY, X_REOPEN);
	/* the responder's TSval is its own */
	STEP(&v, S, with_ts(syn(v.nxt[S] - 100, WS), v.tsval[C] + 1000), IGN,
	     REASON_TIME_WAIT_OLD_SYN, sTW);
	tx(&v, S, with_ts(syn(v.nxt[S] - 100, WS), v.tsval[S] + 1001));
	EXPECTX(&v, ACC, REASON_OK, ANY, X_REOPEN);
}

static void time_wait_shorten_policy(void **state)
{
	struct conv v;
	struct packet p;

	(void)state;
	est(&v);
	v.par.tw_policy = TCP_TRACK_TW_SHORTEN;
	close_by(&v, S);
	p = syn(v.nxt[C] - 500, WS);
	tx(&v, C, p);
	EXPECTX(&v, ACC, REASON_OK, ANY, X_REOPEN);
	renew(&v, C, p);
	finish_open(&v, ISN_S + 300000);
	/* the policy does not make RSTs acceptable */
	close_by(&v, C);
	STEP(&v, S, rst(v.nxt[S]), INV, REASON_TIME_WAIT_RST, sTW);
}

/*
 * An ignored SYN on a live flow, answered by a matching SYN/ACK: the endpoints may have
 * restarted. The tracker says so and passes the SYN/ACK; the caller restarts the flow
 * (tcp_track_resync) when it has been quiet long enough.
 */
static void resync_after_ignored_syn(void **state)
{
	const uint32_t isn2 = 9000000;
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, syn(isn2, WS), IGN, REASON_SYN_IGNORED, sES);
	STEP(&v, S, synack(7000000, isn2 + 1, WS), IGN, REASON_SYNACK_IGNORED, sES);
	assert_true(v.r.resync);
	/* a SYN/ACK that answers no passed SYN is never offered */
	STEP(&v, S, synack(7000000, isn2 + 2, WS), IGN, REASON_SYNACK_IGNORED, sES);
	assert_false(v.r.resync);
	STEP(&v, C, syn(isn2, WS), IGN, REASON_SYN_IGNORED, sES);
	struct packet sa = synack(7000000, isn2 + 1, WS);
	tx(&v, S, sa);
	assert_true(v.r.resync);
	tcp_track_resync(&v.t, &sa, S, &v.par, &v.r);
	EXPECT(&v, ACC, REASON_OK, sSR);
	v.nxt[C] = isn2 + 1;
	v.nxt[S] = 7000001;
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	STEP(&v, C, dat(&v, C, 4000), ACC, REASON_OK, sES);

	/* the same in SYN_RECV: C restarts before its third ACK */
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	STEP(&v, S, synack(ISN_S, ISN_C + 1, WS), ACC, REASON_OK, sSR);
	STEP(&v, C, syn(isn2, WS), IGN, REASON_SYN_IGNORED, sSR);
	STEP(&v, S, synack(7000000, isn2 + 1, WS), ACC, REASON_OK, sSR);
	v.nxt[C] = isn2 + 1;
	v.nxt[S] = 7000001;
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(case_30_rst_exact),
		cmocka_unit_test(case_31_rst_before_rcv_nxt),
		cmocka_unit_test(case_32_rst_in_window_not_exact),
		cmocka_unit_test(case_33_rst_out_of_window),
		cmocka_unit_test(case_34_rst_after_data_train),
		cmocka_unit_test(case_35_rst_in_closing_states),
		cmocka_unit_test(case_36_rst_in_time_wait),
		cmocka_unit_test(case_37_rst_after_ignored_syn_same_side),
		cmocka_unit_test(rst_exact_with_data_in_flight),
		cmocka_unit_test(rst_ack_with_perfect_ack_in_window),
		cmocka_unit_test(rst_at_snd_nxt_without_train),
		cmocka_unit_test(rst_answering_ignored_syn),
		cmocka_unit_test(case_38_close_by_initiator),
		cmocka_unit_test(case_39_fin_in_syn_sent),
		cmocka_unit_test(case_40_last_ack_retransmit_in_time_wait),
		cmocka_unit_test(case_41_reopen_with_higher_seq),
		cmocka_unit_test(case_42_old_syn_challenge_chain),
		cmocka_unit_test(case_42b_forged_challenge_ack),
		cmocka_unit_test(case_43_reopen_with_newer_timestamp),
		cmocka_unit_test(case_44_reopen_roles_switched),
		cmocka_unit_test(case_45_syn_after_rst_close),
		cmocka_unit_test(case_46_challenge_ack_in_last_ack),
		cmocka_unit_test(case_47_rebooted_initiator),
		cmocka_unit_test(case_48_syn_from_responder_in_established),
		cmocka_unit_test(case_49_synack_in_established),
		cmocka_unit_test(case_50_pickup_then_reply),
		cmocka_unit_test(case_51_out_of_window_fin_and_rst),
		cmocka_unit_test(rst_before_rcv_nxt_does_not_lower_timer),
		cmocka_unit_test(unassured_flow_timer_not_lowered),
		cmocka_unit_test(simultaneous_open_other_order),
		cmocka_unit_test(close_by_responder),
		cmocka_unit_test(simultaneous_close),
		cmocka_unit_test(fin_ack_completes_close),
		cmocka_unit_test(half_close_data_keeps_flowing),
		cmocka_unit_test(time_wait_timestamp_rules),
		cmocka_unit_test(time_wait_shorten_policy),
		cmocka_unit_test(resync_after_ignored_syn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
