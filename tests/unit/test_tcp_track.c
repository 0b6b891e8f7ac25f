// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The full flag matrix: every flag byte x every state x both directions, against Linux's
 * tables as docs/tracking.md gives them (section 4; a starred cell's Linux value is in
 * section 11), with tcpfw's deviations read from tcp_track_deviations[]. The tables below are typed
 * in from that document, independently of lib/tcp_track.c, so a wrong cell in either shows up here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "tcp_track.h"
#include "util.h"

#define NO TCP_TRACK_NONE
#define SS TCP_TRACK_SYN_SENT
#define SR TCP_TRACK_SYN_RECV
#define ES TCP_TRACK_ESTABLISHED
#define FW TCP_TRACK_FIN_WAIT
#define CW TCP_TRACK_CLOSE_WAIT
#define LA TCP_TRACK_LAST_ACK
#define TW TCP_TRACK_TIME_WAIT
#define CL TCP_TRACK_CLOSE
#define S2 TCP_TRACK_SYN_SENT2
#define IV TCP_TRACK_PSEUDO_INVALID
#define IG TCP_TRACK_PSEUDO_IGNORE

/* [dir][index][old state], columns NO SS SR ES FW CW LA TW CL S2 */
static const uint8_t linux_table[2][_TCP_TRACK_IDX_MAX][_TCP_TRACK_STATE_MAX] =
	{
		[TCP_TRACK_ORIGINAL] =
			{
				[TCP_TRACK_IDX_SYN] = {SS, SS, IG, IG, IG, IG, IG, SS, SS, S2},
				[TCP_TRACK_IDX_SYNACK] = {IV, IV, SR, IV, IV, IV, IV, IV, IV, SR},
				[TCP_TRACK_IDX_FIN] = {IV, IV, FW, FW, LA, LA, LA, TW, CL, IV},
				[TCP_TRACK_IDX_ACK] = {ES, IV, ES, ES, CW, CW, TW, TW, CL, IV},
				[TCP_TRACK_IDX_RST] = {IV, CL, CL, CL, CL, CL, CL, CL, CL, CL},
				[TCP_TRACK_IDX_NONE] = {IV, IV, IV, IV, IV, IV, IV, IV, IV, IV},
			},
		[TCP_TRACK_REPLY] =
			{
				[TCP_TRACK_IDX_SYN] = {IV, S2, IV, IV, IV, IV, IV, SS, IV, S2},
				[TCP_TRACK_IDX_SYNACK] = {IV, SR, IG, IG, IG, IG, IG, IG, IG, SR},
				[TCP_TRACK_IDX_FIN] = {IV, IV, FW, FW, LA, LA, LA, TW, CL, IV},
				[TCP_TRACK_IDX_ACK] = {IV, IG, SR, ES, CW, CW, TW, TW, CL, IG},
				[TCP_TRACK_IDX_RST] = {IV, CL, CL, CL, CL, CL, CL, CL, CL, CL},
				[TCP_TRACK_IDX_NONE] = {IV, IV, IV, IV, IV, IV, IV, IV, IV, IV},
			},
};

/* docs/tracking.md section 3: the valid combinations of FIN, SYN, RST, ACK, URG (PSH, ECE, CWR
 * ignored). */
static bool spec_flags_valid(uint8_t f)
{
	static const uint8_t ok[] = {
		TCP_FLAG_SYN,
		TCP_FLAG_SYN | TCP_FLAG_URG,
		TCP_FLAG_SYN | TCP_FLAG_ACK,
		TCP_FLAG_RST,
		TCP_FLAG_RST | TCP_FLAG_ACK,
		TCP_FLAG_FIN | TCP_FLAG_ACK,
		TCP_FLAG_FIN | TCP_FLAG_ACK | TCP_FLAG_URG,
		TCP_FLAG_ACK,
		TCP_FLAG_ACK | TCP_FLAG_URG,
	};
	uint8_t core =
		f & (TCP_FLAG_FIN | TCP_FLAG_SYN | TCP_FLAG_RST | TCP_FLAG_ACK | TCP_FLAG_URG);

	for (unsigned i = 0; i < ARRAY_SIZE(ok); i++)
		if (core == ok[i])
			return true;
	return false;
}

static const struct tcp_track_params params = {
	.pickup = false,
	.liberal = false,
	.tw_policy = TCP_TRACK_TW_ENFORCE,
	.max_retrans = 3,
};

#define ISN_C	  1000u
#define ISN_S	  4000000000u /* the responder's sequence space wraps during the test */
#define FRESH_ISN 777777u

static struct packet seg(uint8_t flags, uint32_t seq, uint32_t ack)
{
	return (struct packet){
		.family = 4, .flags = flags, .seq = seq, .ack = ack, .window = 65535};
}

static void step(struct tcp_track *t, enum tcp_track_dir dir, struct packet p, uint8_t want_state)
{
	struct tcp_track_result res;

	tcp_track_packet(t, &p, dir, &params, &res);
	assert_int_equal(res.verdict, TCP_TRACK_ACCEPT);
	assert_int_equal(t->state, want_state);
}

/* Drives a fresh tracker to `state` the canonical way (the initiator closes first). */
static void reach(struct tcp_track *t, uint8_t state)
{
	struct tcp_track_result res;
	struct packet syn = seg(TCP_FLAG_SYN, ISN_C, 0);
	const uint8_t A = TCP_FLAG_ACK, FA = TCP_FLAG_FIN | TCP_FLAG_ACK;

	tcp_track_new(t, &syn, &params, &res);
	assert_int_equal(res.verdict, TCP_TRACK_ACCEPT);
	if (state == SS)
		return;
	if (state == S2) {
		step(t, TCP_TRACK_REPLY, seg(TCP_FLAG_SYN, ISN_S, 0), S2);
		return;
	}
	step(t, TCP_TRACK_REPLY, seg(TCP_FLAG_SYN | A, ISN_S, ISN_C + 1), SR);
	if (state == SR)
		return;
	step(t, TCP_TRACK_ORIGINAL, seg(A, ISN_C + 1, ISN_S + 1), ES);
	if (state == ES)
		return;
	if (state == CL) {
		step(t, TCP_TRACK_ORIGINAL, seg(TCP_FLAG_RST, ISN_C + 1, 0), CL);
		return;
	}
	step(t, TCP_TRACK_ORIGINAL, seg(FA, ISN_C + 1, ISN_S + 1), FW);
	if (state == FW)
		return;
	step(t, TCP_TRACK_REPLY, seg(A, ISN_S + 1, ISN_C + 2), CW);
	if (state == CW)
		return;
	step(t, TCP_TRACK_REPLY, seg(FA, ISN_S + 1, ISN_C + 2), LA);
	if (state == LA)
		return;
	step(t, TCP_TRACK_ORIGINAL, seg(A, ISN_C + 2, ISN_S + 2), TW);
	assert_int_equal(state, TW);
}

/*
 * The canonical segment for a cell: in-window numbers that acknowledge everything the other
 * side sent; a SYN repeats its sender's ISN; a FIN from a side that already sent one is its
 * retransmission.
 */
static struct packet canonical(const struct tcp_track *t, enum tcp_track_dir dir, uint8_t flags)
{
	const struct tcp_track_peer *s = &t->peer[dir], *r = &t->peer[!dir];
	bool seen = s->maxwin != 0;
	uint32_t seq = seen ? s->end : FRESH_ISN;
	uint32_t ack = (flags & TCP_FLAG_ACK) ? r->end : 0;

	if ((flags & TCP_FLAG_SYN) && seen)
		seq = s->isn;
	else if ((flags & TCP_FLAG_FIN) && !(flags & TCP_FLAG_SYN) &&
		 (s->flags & TCP_TRACK_PEER_FIN))
		seq = s->end - 1;
	return seg(flags, seq, ack);
}

static uint8_t expected(enum tcp_track_dir dir, uint8_t flags, uint8_t state, const char **why)
{
	uint8_t idx = tcp_track_index_of(flags);
	uint8_t want = linux_table[dir][idx][state];

	*why = "linux table";
	if (!spec_flags_valid(flags))
		return IV;
	for (unsigned i = 0; i < TCP_TRACK_N_DEVIATIONS; i++) {
		const struct tcp_track_deviation *d = &tcp_track_deviations[i];

		if (d->cond != TCP_TRACK_COND_CELL || d->dir != dir || d->index != idx ||
		    d->state != state)
			continue;
		if (d->ack >= 0 && d->ack != !!(flags & TCP_FLAG_ACK))
			continue;
		*why = d->why;
		return d->tcpfw_state;
	}
	return want;
}

static const uint8_t matrix_states[] = {SS, SR, ES, FW, CW, LA, TW, CL, S2};

static void test_flag_matrix(void **state)
{
	(void)state;
	unsigned cells = 0;

	for (unsigned si = 0; si < ARRAY_SIZE(matrix_states); si++) {
		for (unsigned dir = 0; dir < 2; dir++) {
			for (unsigned f = 0; f < 256; f++) {
				uint8_t st = matrix_states[si];
				struct tcp_track t;
				struct tcp_track_result res;
				const char *why;

				reach(&t, st);
				struct packet p = canonical(&t, dir, (uint8_t)f);
				uint8_t want = expected(dir, (uint8_t)f, st, &why);

				tcp_track_packet(&t, &p, dir, &params, &res);
				bool ok;
				if (want == IV)
					ok = res.verdict == TCP_TRACK_INVALID && t.state == st;
				else if (want == IG)
					ok = res.verdict == TCP_TRACK_IGNORE && t.state == st;
				else if (res.reopen)
					ok = res.verdict == TCP_TRACK_ACCEPT && want == SS;
				else
					ok = res.verdict == TCP_TRACK_ACCEPT &&
					     res.new_state == want && t.state == want;
				if (!ok)
					fail_msg("state %s dir %u flags 0x%02x: want %u (%s), got "
						 "verdict %s "
						 "state %s reason %s",
						 tcp_track_state_name(st), dir, f, want, why,
						 tcp_track_verdict_name(res.verdict),
						 tcp_track_state_name(t.state),
						 reason_name(res.reason));
				cells++;
			}
		}
	}
	assert_int_equal(cells, ARRAY_SIZE(matrix_states) * 2 * 256);
}

/* Every listed deviation really differs from Linux and lands on a state the matrix visits. */
static void test_deviations_are_real(void **state)
{
	(void)state;
	assert_true(TCP_TRACK_N_DEVIATIONS > 0);
	for (unsigned i = 0; i < TCP_TRACK_N_DEVIATIONS; i++) {
		const struct tcp_track_deviation *d = &tcp_track_deviations[i];
		bool visited = false;

		assert_true(d->dir <= TCP_TRACK_REPLY);
		assert_true(d->index < _TCP_TRACK_IDX_MAX);
		assert_true(d->cond < _TCP_TRACK_COND_MAX);
		assert_non_null(d->why);
		if (d->cond != TCP_TRACK_COND_CELL) {
			/* a receiver-acceptability rule: it names the reason it gives */
			assert_true(d->reason < _REASON_MAX);
			continue;
		}
		assert_int_equal(d->linux_state, linux_table[d->dir][d->index][d->state]);
		assert_int_not_equal(d->linux_state, d->tcpfw_state);
		for (unsigned s = 0; s < ARRAY_SIZE(matrix_states); s++)
			visited |= matrix_states[s] == d->state;
		assert_true(visited);
	}
}

/* The first segment of a flow: only a SYN opens one when pickup is off (NONE column). */
static void test_new_flow_matrix(void **state)
{
	(void)state;
	for (unsigned f = 0; f < 256; f++) {
		for (int pickup = 0; pickup < 2; pickup++) {
			struct tcp_track_params pp = params;
			struct tcp_track t;
			struct tcp_track_result res;
			struct packet p = seg((uint8_t)f, ISN_C, (f & TCP_FLAG_ACK) ? 5555 : 0);
			uint8_t idx = tcp_track_index_of((uint8_t)f);
			uint8_t want = linux_table[TCP_TRACK_ORIGINAL][idx][NO];

			pp.pickup = pickup;
			if (!spec_flags_valid((uint8_t)f) || (want == ES && !pickup))
				want = IV;
			tcp_track_new(&t, &p, &pp, &res);
			if (want == IV) {
				assert_int_equal(res.verdict, TCP_TRACK_INVALID);
			} else {
				assert_int_equal(res.verdict, TCP_TRACK_ACCEPT);
				assert_int_equal(t.state, want);
			}
		}
	}
}

static void test_flags_valid_all_bytes(void **state)
{
	(void)state;
	unsigned n_valid = 0;

	for (unsigned f = 0; f < 256; f++) {
		assert_int_equal(tcp_track_flags_valid((uint8_t)f), spec_flags_valid((uint8_t)f));
		n_valid += spec_flags_valid((uint8_t)f);
	}
	assert_int_equal(n_valid, 9 * 8); /* 9 combinations x PSH, ECE, CWR */
}

static void test_index_priority(void **state)
{
	(void)state;
	assert_int_equal(tcp_track_index_of(TCP_FLAG_RST | TCP_FLAG_SYN), TCP_TRACK_IDX_RST);
	assert_int_equal(tcp_track_index_of(TCP_FLAG_SYN | TCP_FLAG_FIN), TCP_TRACK_IDX_SYN);
	assert_int_equal(tcp_track_index_of(TCP_FLAG_SYN | TCP_FLAG_ACK), TCP_TRACK_IDX_SYNACK);
	assert_int_equal(tcp_track_index_of(TCP_FLAG_FIN | TCP_FLAG_ACK), TCP_TRACK_IDX_FIN);
	assert_int_equal(tcp_track_index_of(TCP_FLAG_ACK | TCP_FLAG_PSH), TCP_TRACK_IDX_ACK);
	assert_int_equal(tcp_track_index_of(TCP_FLAG_PSH), TCP_TRACK_IDX_NONE);
	assert_int_equal(tcp_track_index_of(TCP_FLAG_PSH | TCP_FLAG_URG), TCP_TRACK_IDX_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flag_matrix),
		cmocka_unit_test(test_deviations_are_real),
		cmocka_unit_test(test_new_flow_matrix),
		cmocka_unit_test(test_flags_valid_all_bytes),
		cmocka_unit_test(test_index_priority),
	};

	return cmocka_run_group_tests_name("tcp_track", tests, NULL, NULL);
}
