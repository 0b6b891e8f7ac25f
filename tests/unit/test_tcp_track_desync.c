// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tracker's principle, rule by rule: a segment the receiving endpoint would discard never
 * moves the flow. One test per receiver-acceptability row of tcp_track_deviations[] (and the
 * TIME-WAIT duplicate-SYN cell), each with the bogus segment and the legitimate exchange that
 * must go on around it. tx() (tcp_track_steps.c) asserts that every IGNORE and INVALID left the
 * tracker as it was, bookkeeping of the last segment aside. The randomised version of the same
 * claim is test_tcp_track_model.c.
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
#include "util.h"

static struct packet with_opt(struct packet p, uint8_t present)
{
	p.opt.present |= present;
	return p;
}

/* The headline bug: a stale FIN inside data already sent must not close C's side. */
static void fin_inside_sent_data(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, dat(&v, C, 2000), ACC, REASON_OK, sES);
	/* not yet acknowledged, then acknowledged: either way the FIN is not C's end */
	STEP(&v, C, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C] - 1000, v.nxt[S], 0), IGN,
	     REASON_FIN_INSIDE_DATA, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, C, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C] - 1, v.nxt[S], 0), IGN,
	     REASON_FIN_INSIDE_DATA, sES);
	/* the connection goes on both ways, and closes for real */
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, S, dat(&v, S, 1000), ACC, REASON_OK, sES);
	close_by(&v, C);
}

/* A FIN beyond a hole is a FIN: the data before it may still be on its way. */
static void fin_beyond_hole_stays(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C] + 500, v.nxt[S], 0), ACC, REASON_OK,
	     sFW);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], v.nxt[S], 500), ACC, REASON_OK, sFW);
	v.nxt[C] += 501;
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sCW);
}

/*
 * Data past a FIN that S has not acknowledged: the FIN was not C's end (a blind FIN beyond a
 * hole, overtaken by the real data, which S then keeps). Past an acknowledged FIN, data is
 * still dropped: S has closed that side.
 */
static void fin_overtaken_by_data(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C] + 300, v.nxt[S], 0), ACC, REASON_OK,
	     sFW);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	STEP(&v, C, fin(&v, C), ACC, REASON_OK, sFW);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sCW);
	STEP(&v, C, dat(&v, C, 10), INV, REASON_DATA_AFTER_FIN, sCW);
}

/* PAWS (RFC 7323 5.3): an older TSval passes untouched; one tick back is within Linux's slack. */
static void paws_old_timestamp(void **state)
{
	struct conv v;
	struct packet p;

	(void)state;
	conv_init(&v);
	v.ts = true;
	open3(&v, ISN_C, ISN_S, WS);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	/* an old duplicate FIN and data inside what C sent */
	STEP(&v, C,
	     with_ts(mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C] - 1, v.nxt[S], 0),
		     v.tsval[C] - 100),
	     IGN, REASON_PAWS_REJECT, sES);
	STEP(&v, C, with_ts(mkseg(TCP_FLAG_ACK, v.nxt[C] - 100, v.nxt[S], 100), v.tsval[C] - 2),
	     IGN, REASON_PAWS_REJECT, sES);
	STEP(&v, C, with_ts(mkseg(TCP_FLAG_ACK, v.nxt[C], v.nxt[S] - 1, 0), v.tsval[C] - 50), IGN,
	     REASON_PAWS_REJECT, sES);
	STEP(&v, C, with_ts(mkseg(TCP_FLAG_ACK, v.nxt[C], v.nxt[S], 0), v.tsval[C] - 1), ACC,
	     REASON_OK, sES);
	/* new data and a new FIN too: S drops them */
	STEP(&v, C, with_ts(mkseg(TCP_FLAG_ACK, v.nxt[C], v.nxt[S], 100), v.tsval[C] - 100), IGN,
	     REASON_PAWS_REJECT, sES);
	STEP(&v, C,
	     with_ts(mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C], v.nxt[S], 0), v.tsval[C] - 100),
	     IGN, REASON_PAWS_REJECT, sES);
	STEP(&v, C, dat(&v, C, 100), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	/* an RST is exempt, as Linux processes it */
	p = with_ts(rst(v.nxt[C]), v.tsval[C] - 100);
	STEP(&v, C, p, ACC, REASON_OK, sCL);
}

/*
 * TS.Recent moves only with a segment at or before the receiver's last ACK, as Linux's
 * tcp_replace_ts_recent: a far-future TSval on data beyond a hole cannot make the next
 * ordinary segment fail PAWS. Nor can a retransmission, which the receiver may discard
 * because of an ACK still on its way, or a segment carrying an older ACK.
 */
static void ts_recent_moves_only_at_rcv_wup(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	v.ts = true;
	open3(&v, ISN_C, ISN_S, WS);
	STEP(&v, C,
	     with_ts(mkseg(TCP_FLAG_ACK, v.nxt[C] + 1000, v.nxt[S], 100), v.tsval[C] + 1000000),
	     ACC, REASON_OK, sES);
	STEP(&v, C, dat(&v, C, 1000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, C, dat(&v, C, 100), ACC, REASON_OK, sES);
	/* a retransmission with a fresh TSval leaves TS.Recent where it was */
	uint32_t ts = v.t.peer[C].tsval;
	STEP(&v, C, with_ts(mkseg(TCP_FLAG_ACK, v.nxt[C] - 100, v.nxt[S], 100), ts + 500), ACC,
	     REASON_OK, sES);
	assert_int_equal(v.t.peer[C].tsval, ts);
}

/* Segments ending before S's last ACK: S discards them whole, ACK field included. */
static void stale_segment_ack_unread(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, dat(&v, C, 3000), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, S, fin(&v, S), ACC, REASON_OK, sFW);
	/* an old duplicate acking S's FIN must not mark it acknowledged */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C] - 2000, v.nxt[S], 500), IGN, REASON_SEQ_STALE,
	     sFW);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C] - 1, v.nxt[S], 0), IGN, REASON_SEQ_STALE, sFW);
	/* ending exactly at the last ACK is a retransmission: read */
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C] - 500, v.nxt[S], 500), ACC, REASON_OK, sCW);
}

/* RFC 5961 5.2: S discards an ACK older than C's highest ACK minus C's largest window. */
static void ack_older_than_a_window(void **state)
{
	struct conv v;
	const uint32_t first_ack = ISN_S + 1 + 1000;

	(void)state;
	est(&v);
	for (int i = 0; i < 3; i++) {
		STEP(&v, S, dat(&v, S, 8000), ACC, REASON_OK, sES);
		STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	}
	STEP(&v, C, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[C], first_ack, 0), IGN,
	     REASON_ACK_UNDER_WINDOW, sES);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], v.nxt[S] - SCALED, 10), ACC, REASON_OK, sES);
}

static void md5_handshake(struct conv *v, uint8_t opt)
{
	conv_init(v);
	first(v, with_opt(syn(ISN_C, WS), opt));
	v->nxt[C] = ISN_C + 1;
	STEP(v, S, with_opt(synack(ISN_S, v->nxt[C], WS), opt), ACC, REASON_OK, sSR);
	v->nxt[S] = ISN_S + 1;
	STEP(v, C, with_opt(ack_of(v, C), opt), ACC, REASON_OK, sES);
}

/* RFC 2385 / RFC 5925: signed both ways, every segment must carry the same option. */
static void signed_connection(void **state)
{
	struct conv v;

	(void)state;
	md5_handshake(&v, PACKET_OPT_MD5);
	STEP(&v, C, with_opt(dat(&v, C, 100), PACKET_OPT_MD5), ACC, REASON_OK, sES);
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], v.nxt[C], 0), INV, REASON_AUTH_MISSING, sES);
	STEP(&v, C, rst(v.nxt[C]), INV, REASON_AUTH_MISSING, sES);
	STEP(&v, C, with_opt(rst(v.nxt[C]), PACKET_OPT_AO), INV, REASON_AUTH_UNEXPECTED, sES);
	STEP(&v, C, with_opt(rst(v.nxt[C]), PACKET_OPT_MD5 | PACKET_OPT_AO), INV,
	     REASON_AUTH_UNEXPECTED, sES);
	STEP(&v, S, with_opt(ack_of(&v, S), PACKET_OPT_MD5), ACC, REASON_OK, sES);
	STEP(&v, C, with_opt(rst(v.nxt[C]), PACKET_OPT_MD5), ACC, REASON_OK, sCL);

	md5_handshake(&v, PACKET_OPT_AO);
	STEP(&v, C, with_opt(fin(&v, C), PACKET_OPT_MD5), INV, REASON_AUTH_UNEXPECTED, sES);
	v.nxt[C]--;
	STEP(&v, C, with_opt(fin(&v, C), PACKET_OPT_AO), ACC, REASON_OK, sFW);
}

/* Zapret's tcp_md5 fooling: a signed fake on an unsigned connection changes nothing. */
static void unexpected_signature(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, with_opt(rst(v.nxt[C]), PACKET_OPT_MD5), INV, REASON_AUTH_UNEXPECTED, sES);
	STEP(&v, S, with_opt(fin(&v, S), PACKET_OPT_AO), INV, REASON_AUTH_UNEXPECTED, sES);
	v.nxt[S]--;
	STEP(&v, S, fin(&v, S), ACC, REASON_OK, sFW);
}

/* The parser: kind 19 at its one size, kind 29 of 4 bytes or more, a second one marks both. */
static void parser_signature_options(void **state)
{
	static const struct {
		uint8_t opts[40];
		uint8_t len;
		uint8_t want;
	} cases[] = {
		{{19, 18}, 20, PACKET_OPT_MD5},
		{{19, 17}, 20, 0}, /* wrong size: Linux reads no MD5 option at all */
		{{29, 4, 1, 2}, 4, PACKET_OPT_AO},
		{{29, 3, 1, 1}, 4, 0},
		{{19, 18, [18] = 29, 4, 1, 2}, 24, PACKET_OPT_MD5 | PACKET_OPT_AO},
		{{19, 18, [18] = 19, 18}, 36, PACKET_OPT_MD5 | PACKET_OPT_AO},
		{{29, 4, 1, 2, 29, 4, 1, 2}, 8, PACKET_OPT_MD5 | PACKET_OPT_AO},
	};
	uint8_t buf[128];

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pktbuild b;
		struct packet p;

		pktbuild_init(&b, 4);
		size_t n = pktbuild_write_opts(&b, cases[i].opts, cases[i].len, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
		assert_int_equal(p.opt.present & (PACKET_OPT_MD5 | PACKET_OPT_AO), cases[i].want);
	}
}

/*
 * RFC 6191 / RFC 1122 4.2.2.13: the side holding TIME-WAIT would not reuse the tuple with an
 * older number, so its old SYN is a duplicate; an old SYN towards it passes to be challenged.
 */
static void time_wait_duplicate_syn(void **state)
{
	struct conv v;

	(void)state;
	for (int closer = C; closer <= S; closer++) {
		est(&v);
		close_by(&v, closer);
		STEP(&v, closer, syn(v.nxt[closer] - 100, WS), INV, REASON_TIME_WAIT_DUP_SYN, sTW);
		STEP(&v, !closer, syn(v.nxt[!closer] - 100, WS), IGN, REASON_TIME_WAIT_OLD_SYN,
		     sTW);
	}
	/* a simultaneous close: both hold TIME-WAIT */
	est(&v);
	STEP(&v, C, fin(&v, C), ACC, REASON_OK, sFW);
	STEP(&v, S, mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v.nxt[S], v.nxt[C] - 1, 0), ACC, REASON_OK,
	     sLA);
	v.nxt[S]++;
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sLA);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sTW);
	STEP(&v, S, syn(v.nxt[S] - 100, WS), INV, REASON_TIME_WAIT_DUP_SYN, sTW);
	STEP(&v, C, syn(v.nxt[C] - 100, WS), INV, REASON_TIME_WAIT_DUP_SYN, sTW);
}

/*
 * An RST answering a SYN the tracker passed is offered to the caller only in the form a closed
 * port sends a SYN-SENT peer (sequence number 0); with any other number it is an inexact RST.
 * Either way it moves nothing by itself: the SYN's sender, if it is the live endpoint and not a
 * new incarnation, discards it.
 */
static void rst_answering_a_syn(void **state)
{
	struct conv v;
	const uint32_t isn2 = ISN_C + 3000000;

	(void)state;
	est(&v);
	STEP(&v, C, syn(isn2, WS), IGN, REASON_SYN_IGNORED, sES);
	STEP(&v, S, rstack(v.nxt[S] + 100, isn2 + 1), IGN, REASON_RST_INEXACT, sES);
	assert_false(v.r.resync);
	STEP(&v, C, syn(isn2, WS), IGN, REASON_SYN_IGNORED, sES);
	STEP(&v, S, rstack(0, isn2 + 1), IGN, REASON_RST_INEXACT, sES);
	assert_true(v.r.resync);
}

/*
 * A peer rebuilt from a remembered SYN or SYN/ACK (a re-sync, a restarted responder) keeps
 * the signature option that segment carried: its peer's unsigned segments stay auth_missing.
 */
static void signature_survives_rebuilt_peers(void **state)
{
	const uint32_t isn2 = 9000000;
	struct conv v;
	struct packet sa;

	(void)state;
	md5_handshake(&v, PACKET_OPT_MD5);
	STEP(&v, C, with_opt(syn(isn2, WS), PACKET_OPT_MD5), IGN, REASON_SYN_IGNORED, sES);
	sa = with_opt(synack(7000000, isn2 + 1, WS), PACKET_OPT_MD5);
	tx(&v, S, sa);
	assert_true(v.r.resync);
	tcp_track_resync(&v.t, &sa, S, &v.par, &v.r);
	EXPECT(&v, ACC, REASON_OK, sSR);
	assert_int_equal(v.t.peer[C].auth, TCP_TRACK_AUTH_MD5);
	v.nxt[C] = isn2 + 1;
	v.nxt[S] = 7000001;
	STEP(&v, S, mkseg(TCP_FLAG_ACK, v.nxt[S], v.nxt[C], 0), INV, REASON_AUTH_MISSING, sSR);

	conv_init(&v);
	first(&v, with_opt(syn(ISN_C, WS), PACKET_OPT_AO));
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, with_opt(synack(ISN_S, v.nxt[C], WS), PACKET_OPT_AO), ACC, REASON_OK, sSR);
	STEP(&v, S, with_opt(synack(ISN_S + 777, v.nxt[C], WS), PACKET_OPT_AO), IGN,
	     REASON_SYNACK_IGNORED, sSR);
	v.nxt[S] = ISN_S + 778;
	STEP(&v, C, with_opt(ack_of(&v, C), PACKET_OPT_AO), ACC, REASON_OK, sES);
	assert_int_equal(v.t.peer[S].isn, ISN_S + 777);
	assert_int_equal(v.t.peer[S].auth, TCP_TRACK_AUTH_AO);
	STEP(&v, C, dat(&v, C, 10), INV, REASON_AUTH_MISSING, sES);
}

/*
 * A second SYN/ACK with another ISN in SYN_RECV: an initiator that took the first one discards
 * it, so it moves nothing; an initiator that lost the first takes it, and its ACK of the new ISN
 * re-initialises the responder then (Linux 82b72cb94666 does it on the SYN/ACK itself).
 */
static void second_synack_waits_for_its_ack(void **state)
{
	struct conv v;

	(void)state;
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, synack(ISN_S, v.nxt[C], WS), ACC, REASON_OK, sSR);
	v.nxt[S] = ISN_S + 1;
	STEP(&v, S, synack(ISN_S + 777, v.nxt[C], WS), IGN, REASON_SYNACK_IGNORED, sSR);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	STEP(&v, S, dat(&v, S, 100), ACC, REASON_OK, sES);

	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, synack(ISN_S, v.nxt[C], WS), ACC, REASON_OK, sSR);
	STEP(&v, S, synack(ISN_S + 777, v.nxt[C], 2), IGN, REASON_SYNACK_IGNORED, sSR);
	v.nxt[S] = ISN_S + 778;
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	assert_int_equal(v.t.peer[S].isn, ISN_S + 777);
	assert_int_equal(v.t.peer[S].wscale, 2);
	STEP(&v, S, dat(&v, S, 100), ACC, REASON_OK, sES);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
}

/*
 * An exact RST that never reached the peer (sent with a TTL that dies past the firewall): the
 * RST's own side then sends new data or a new ACK, which no side that reset does, and the flow
 * lives on. The other side's segments, or an old ACK, do not revive it.
 */
static void rst_that_never_arrived(void **state)
{
	struct conv v;

	(void)state;
	est(&v);
	STEP(&v, C, dat(&v, C, 100), ACC, REASON_OK, sES);
	STEP(&v, S, ack_of(&v, S), ACC, REASON_OK, sES);
	STEP(&v, C, rst(v.nxt[C]), ACC, REASON_OK, sCL);
	STEP(&v, S, dat(&v, S, 100), ACC, REASON_OK, sCL);
	STEP(&v, C, mkseg(TCP_FLAG_ACK, v.nxt[C], v.nxt[S] - 100, 0), ACC, REASON_OK, sCL);
	STEP(&v, C, ack_of(&v, C), ACC, REASON_OK, sES);
	STEP(&v, C, dat(&v, C, 100), ACC, REASON_OK, sES);
	/* after a handshake that never completed, nothing revives */
	conv_init(&v);
	first(&v, syn(ISN_C, WS));
	v.nxt[C] = ISN_C + 1;
	STEP(&v, S, synack(ISN_S, v.nxt[C], WS), ACC, REASON_OK, sSR);
	v.nxt[S] = ISN_S + 1;
	STEP(&v, S, rst(v.nxt[S]), ACC, REASON_OK, sCL);
	STEP(&v, S, dat(&v, S, 10), ACC, REASON_OK, sCL);
}

/* An RST carrying data whose checksum nobody could verify never closes the flow. */
static void rst_with_data_and_unknown_sum(void **state)
{
	struct conv v;
	struct packet p;

	(void)state;
	est(&v);
	p = mkseg(TCP_FLAG_RST, v.nxt[C], 0, 200);
	p.sum_unknown = 1;
	STEP(&v, C, p, IGN, REASON_RST_INEXACT, sES);
	p.payload_len = 0; /* a bare RST's header was in the copy, so its sum was checked */
	STEP(&v, C, p, ACC, REASON_OK, sCL);
}

/* Every receiver-acceptability row gives a reason that exists and names its RFC. */
static void rules_are_listed(void **state)
{
	unsigned seen = 0;

	(void)state;
	for (unsigned i = 0; i < TCP_TRACK_N_DEVIATIONS; i++) {
		const struct tcp_track_deviation *d = &tcp_track_deviations[i];

		if (d->cond == TCP_TRACK_COND_CELL)
			continue;
		seen |= 1u << d->cond;
		assert_true(d->reason < _REASON_MAX);
		assert_non_null(strstr(d->why, "RFC"));
	}
	/* each condition has at least one row */
	assert_int_equal(seen, ((1u << _TCP_TRACK_COND_MAX) - 1) & ~1u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fin_inside_sent_data),
		cmocka_unit_test(fin_beyond_hole_stays),
		cmocka_unit_test(fin_overtaken_by_data),
		cmocka_unit_test(paws_old_timestamp),
		cmocka_unit_test(ts_recent_moves_only_at_rcv_wup),
		cmocka_unit_test(stale_segment_ack_unread),
		cmocka_unit_test(ack_older_than_a_window),
		cmocka_unit_test(signed_connection),
		cmocka_unit_test(unexpected_signature),
		cmocka_unit_test(parser_signature_options),
		cmocka_unit_test(time_wait_duplicate_syn),
		cmocka_unit_test(rst_answering_a_syn),
		cmocka_unit_test(second_synack_waits_for_its_ack),
		cmocka_unit_test(signature_survives_rebuilt_peers),
		cmocka_unit_test(rst_that_never_arrived),
		cmocka_unit_test(rst_with_data_and_unknown_sum),
		cmocka_unit_test(rules_are_listed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
