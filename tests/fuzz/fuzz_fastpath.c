// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_fastpath - the fast path against the tracker, steered by the fuzzer: the input drives
 * fp_gen's choices (flow options, then segment after segment), and every segment is judged
 * three ways: by the BPF program tcpfwd loads (BPF_PROG_TEST_RUN), by tcp_fast.h compiled here,
 * and by tcp_track_packet(). fp_compare() says what must agree; any difference aborts. Needs
 * root for the BPF program; without it only the C comparison runs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "fp_bpf_judge.h"
#include "fuzz_common.h"

#define MAX_SEGMENTS 64

/* The input's bytes, mixed into a xorshift stream so that a short input still draws well. */
struct steer {
	struct fuzz_in in;
	uint64_t x;
};

static uint32_t steer_next(void *ctx)
{
	struct steer *s = ctx;
	uint32_t b = fuzz_u8(&s->in);

	b = b << 8 | fuzz_u8(&s->in);
	return fp_xorshift(&s->x) ^ b;
}

static void c_judge(const struct fp_flow *f, const struct fp_segment *s, struct fp_fast_out *out)
{
	struct packet p;
	struct tcp_fast_params fp = {.max_retrans = f->params.max_retrans,
				     .liberal = f->params.liberal};

	out->t = f->t;
	out->accepted = false;
	if (packet_parse(s->buf, s->len, s->len, &p) == REASON_OK &&
	    tcp_fast_judge(&out->t, &p, s->dir, &fp) == TCP_FAST_ACCEPT) {
		out->accepted = true;
		out->tclass = tcp_fast_timeout(&out->t, &fp);
	}
}

static void check(const char *who, int step, const char *why)
{
	if (!why)
		return;
	fprintf(stderr, "fuzz_fastpath: %s, segment %d: %s\n", who, step, why);
	CHECK(!"the fast path and the tracker disagree");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fastpath *fp;
	static bool tried;
	static struct fp_flow f, fc;
	static struct fp_segment s;
	struct steer st = {{data, size}, 0x7466f00dULL};
	struct fp_rand r = {steer_next, &st};

	if (!tried) {
		char err[256];

		tried = true;
		if (geteuid() == 0 && fp_bpf_open(&fp, err, sizeof(err)) < 0) {
			fprintf(stderr, "fuzz_fastpath: %s\n", err);
			CHECK(!"the BPF program does not load");
		}
	}
	if (!fp_gen_flow(&r, &f))
		return 0;
	if (fp)
		fp_bpf_flow(fp, &f);
	fc = f;
	for (int k = 0; k < MAX_SEGMENTS && st.in.n > 0 && tcp_fast_eligible(&f.t); k++) {
		struct fp_fast_out out;

		fp_gen_segment(&r, &f, 3000, &s);
		if (!s.len)
			continue;
		fc.t = f.t;
		c_judge(&fc, &s, &out);
		check("C", k, fp_compare(&fc, &s, &out, false));
		if (fp) {
			check("BPF", k, fp_bpf_judge(fp, &f, &s, &out));
			check("BPF", k, fp_compare(&f, &s, &out, true));
		} else {
			f.t = fc.t;
		}
	}
	return 0;
}
