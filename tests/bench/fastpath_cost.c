// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fastpath_cost - what the in-kernel fast path costs a packet: the program tcpfwd loads, run
 * with BPF_PROG_TEST_RUN's repeat on one prepared segment, in nanoseconds a run as the kernel
 * times it (the test-run harness included, the forwarding path not). Cases: an in-window ACK
 * and a 1400-byte data segment of a handed-over flow, a flow tcpfwd holds (queued), a tuple not
 * handed over. The test run's skb has no verified checksum, so the program sums each segment
 * itself: an upper bound for a device that verifies sums. Needs root. Figures only.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "fp_bpf_judge.h"

#define REPEAT 1000000

/* One segment of f in dir: payload bytes, in window, acknowledging everything. */
static size_t segment(const struct fp_flow *f, uint8_t dir, uint32_t payload, uint8_t *frame)
{
	const struct tcp_track_peer *s = &f->t.peer[dir], *r = &f->t.peer[!dir];
	struct pktbuild b = f->orig;

	if (dir) {
		memcpy(b.saddr, f->orig.daddr, 16);
		memcpy(b.daddr, f->orig.saddr, 16);
		b.sport = f->orig.dport;
		b.dport = f->orig.sport;
	}
	b.flags = TCP_FLAG_ACK;
	b.seq = s->end;
	b.ack = r->end;
	b.window = 1000;
	b.payload_len = payload;
	b.ts = f->ts_on;
	b.tsval = f->ts[dir] + 1;
	b.tsecr = f->ts[!dir];
	memset(frame, 0, 14);
	frame[12] = b.family == 6 ? 0x86 : 0x08;
	frame[13] = b.family == 6 ? 0xdd : 0x00;
	return 14 + pktbuild_write(&b, frame + 14, 4096);
}

static void run(struct fastpath *fp, const char *what, const uint8_t *frame, size_t len,
		uint32_t own, const struct fp_flow *f)
{
	struct fastpath_slot *slot = &fastpath_slots(fp)[0];
	struct __sk_buff ctx = {0};

	memset(slot, 0, sizeof(*slot));
	slot->own = own;
	slot->params.max_retrans = 3;
	memcpy(&slot->track, &f->t, sizeof(f->t));
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = REPEAT);
	if (bpf_prog_test_run_opts(fastpath_prog_fd(fp), &o) < 0) {
		perror("BPF_PROG_TEST_RUN");
		return;
	}
	printf("  %-44s %6u ns\n", what, o.duration);
}

int main(void)
{
	static struct fp_flow f;
	static uint8_t ack[4200], data[4200];
	uint64_t seed = 7;
	struct fp_rand r = {fp_xorshift, &seed};
	struct fastpath *fp;
	char err[256];

	if (geteuid() != 0) {
		puts("fastpath_cost: skipped (needs root to load a BPF program)");
		return 0;
	}
	if (fp_bpf_open(&fp, err, sizeof(err)) < 0) {
		printf("fastpath_cost: skipped: %s\n", err);
		return 0;
	}
	do
		fp_gen_flow(&r, &f);
	while (!tcp_fast_eligible(&f.t) || f.orig.family != 4 || !f.ts_on);
	f.params.liberal = 0;
	fp_bpf_flow(fp, &f);
	size_t ack_len = segment(&f, 1, 0, ack), data_len = segment(&f, 0, 1400, data);

	printf("fastpath_cost: the BPF program a packet, IPv4 with timestamps, %d runs each\n",
	       REPEAT);
	run(fp, "pure ACK of a handed-over flow, accepted", ack, ack_len, FASTPATH_FAST, &f);
	run(fp, "1400-byte segment of a handed-over flow, accepted", data, data_len, FASTPATH_FAST,
	    &f);
	run(fp, "pure ACK of a flow tcpfwd holds, queued", ack, ack_len, FASTPATH_USER, &f);
	f.orig.sport++;
	ack_len = segment(&f, 1, 0, ack);
	run(fp, "pure ACK of a flow not handed over", ack, ack_len, FASTPATH_FAST, &f);
	fastpath_close(fp);
	return 0;
}
