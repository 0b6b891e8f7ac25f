// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fast path's judgment (tcp_fast.h) against tcp_track_packet(), in C: random segments on
 * random established flows, each judged both ways (fp_gen.h says what must agree). The BPF
 * program runs the same comparison on its own compilation in tests/fastpath.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fp_gen.h"
#include "tcp_fast.h"

#define FLOWS	 3000
#define SEGMENTS 40

struct tally {
	unsigned accepted, deferred, by[_TCP_FAST_RESULT_MAX];
};

/* Judges s with tcp_fast_judge on a copy of the flow, as the program does on its slot. */
static void judge_c(const struct fp_flow *f, const struct fp_segment *s, struct fp_fast_out *out,
		    struct tally *n)
{
	struct packet p;
	struct tcp_fast_params fp = {.max_retrans = f->params.max_retrans,
				     .liberal = f->params.liberal};

	out->t = f->t;
	out->accepted = false;
	if (packet_parse(s->buf, s->len, s->len, &p) != REASON_OK)
		return;
	enum tcp_fast_result r = tcp_fast_judge(&out->t, &p, s->dir, &fp);

	n->by[r]++;
	if (r == TCP_FAST_ACCEPT) {
		out->accepted = true;
		out->tclass = tcp_fast_timeout(&out->t, &fp);
		n->accepted++;
	} else {
		n->deferred++;
	}
}

static void random_segments_agree(void **state)
{
	uint64_t seed = 0x7466fa57;
	struct fp_rand r = {fp_xorshift, &seed};
	struct tally n = {0};
	static struct fp_flow f;
	static struct fp_segment s;

	(void)state;
	for (int i = 0; i < FLOWS; i++) {
		if (!fp_gen_flow(&r, &f))
			continue;
		for (int k = 0; k < SEGMENTS && tcp_fast_eligible(&f.t); k++) {
			struct fp_fast_out out;

			fp_gen_segment(&r, &f, 1400, &s);
			if (!s.len)
				continue;
			judge_c(&f, &s, &out, &n);
			const char *why = fp_compare(&f, &s, &out, false);

			if (why)
				fail_msg("flow %d segment %d: %s", i, k, why);
		}
	}
	/* the draw reaches both outcomes and every reason, or the test proves little */
	print_message("tcp_fast: %u accepted, %u deferred\n", n.accepted, n.deferred);
	assert_true(n.accepted > 10000);
	for (int k = TCP_FAST_FLAGS; k < _TCP_FAST_RESULT_MAX; k++)
		if (k != TCP_FAST_STATE)
			assert_true(n.by[k] > 20);
}

/* One in-window data segment, by hand: accepted, the sender's end and the receiver's view
 * move exactly as the tracker's do (fp_compare), and a FIN after it is deferred untouched. */
static void data_then_fin(void **state)
{
	uint64_t seed = 42;
	struct fp_rand r = {fp_xorshift, &seed};
	static struct fp_flow f;
	static struct fp_segment s;
	struct pktbuild b;
	struct fp_fast_out out;
	struct tally n = {0};

	(void)state;
	while (!fp_gen_flow(&r, &f))
		;
	b = f.orig;
	b.flags = TCP_FLAG_ACK | TCP_FLAG_PSH;
	b.seq = f.t.peer[0].end;
	b.ack = f.t.peer[1].end;
	b.payload_len = 100;
	b.window = 1000;
	b.ts = f.ts_on;
	b.tsval = f.ts[0] + 1;
	b.tsecr = f.ts[1];
	s.dir = TCP_TRACK_ORIGINAL;
	s.bad_sum = false;
	s.len = pktbuild_write(&b, s.buf, sizeof(s.buf));
	uint32_t end = f.t.peer[0].end;

	judge_c(&f, &s, &out, &n);
	assert_true(out.accepted);
	assert_int_equal(out.t.peer[0].end, end + 100);
	assert_null(fp_compare(&f, &s, &out, false));

	b.flags = TCP_FLAG_FIN | TCP_FLAG_ACK;
	b.seq = f.t.peer[0].end;
	b.payload_len = 0;
	s.len = pktbuild_write(&b, s.buf, sizeof(s.buf));
	judge_c(&f, &s, &out, &n);
	assert_false(out.accepted);
	assert_int_equal(n.by[TCP_FAST_FLAGS], 1);
	assert_memory_equal(&out.t, &f.t, sizeof(f.t));
}

/* A flow the fast path may not take: re-learning after a restart, or closing. */
static void not_eligible(void **state)
{
	uint64_t seed = 7;
	struct fp_rand r = {fp_xorshift, &seed};
	static struct fp_flow f;

	(void)state;
	while (!fp_gen_flow(&r, &f))
		;
	struct tcp_track t = f.t;

	tcp_track_forget_windows(&t);
	assert_false(tcp_fast_eligible(&t));
	t = f.t;
	t.peer[1].flags |= TCP_TRACK_PEER_FIN;
	assert_false(tcp_fast_eligible(&t));
	t = f.t;
	t.peer[0].auth = TCP_TRACK_AUTH_MD5;
	assert_false(tcp_fast_eligible(&t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_segments_agree),
		cmocka_unit_test(data_then_fin),
		cmocka_unit_test(not_eligible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
