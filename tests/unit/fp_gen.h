/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fp_gen - random established flows and random segments on them, for the fast path's
 * differential tests (tests/unit/test_tcp_fast.c, tests/fastpath, tests/fuzz/fuzz_fastpath.c),
 * and the comparison they all make: a fast-path judgment against tcp_track_packet().
 *
 * A flow is opened through the tracker itself (SYN, SYN/ACK, ACK with random ISNs, window
 * scales, SACK and timestamps), so that every state the tests start from is one the tracker
 * reaches. Segments lean towards what the fast path must get right: in-window data and ACKs,
 * retransmissions, SACK blocks, timestamps new and old, zero windows, and around every edge
 * of the window; plus FIN, RST, SYN, signature options, raw option bytes and bad checksums.
 */
#ifndef TCPFW_FP_GEN_H
#define TCPFW_FP_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktbuild.h"
#include "tcp_fast.h"
#include "tcp_track.h"

/* The source of randomness: a PRNG in the tests, the input bytes in the fuzz harness. */
struct fp_rand {
	uint32_t (*next)(void *ctx);
	void *ctx;
};

uint32_t fp_rand_u32(struct fp_rand *r);
uint32_t fp_rand_below(struct fp_rand *r, uint32_t n); /* 0 .. n-1; 0 when n is 0 */

/* A xorshift generator for struct fp_rand. */
uint32_t fp_xorshift(void *state64);

struct fp_flow {
	struct tcp_track t;
	struct tcp_track_params params;
	struct pktbuild orig; /* addresses and ports of the ORIGINAL direction */
	bool ts_on;	      /* both sides send timestamps */
	uint32_t ts[2];	      /* each side's TSval clock */
};

/* Opens a flow through the tracker and moves it on with a few exchanges. False when the
 * random choices did not give an established, assured flow (the caller draws again). */
bool fp_gen_flow(struct fp_rand *r, struct fp_flow *f);

struct fp_segment {
	uint8_t dir;	   /* enum tcp_track_dir */
	uint8_t buf[4096]; /* the IP packet */
	size_t len;
	bool bad_sum; /* a byte of the segment was flipped after the sum */
};

/* Draws one segment on the flow, in either direction. max_payload bounds its payload. */
void fp_gen_segment(struct fp_rand *r, struct fp_flow *f, uint32_t max_payload,
		    struct fp_segment *s);

/* What a fast-path judgment found, for the comparison. */
struct fp_fast_out {
	bool accepted;
	struct tcp_track t; /* the flow after the judgment */
	uint8_t tclass;	    /* with accepted: the timer class it recorded */
};

/*
 * Compares a fast-path judgment of segment s on flow f (*fast) with tcp_track_packet() on the
 * same bytes: an accepted segment must be one the tracker accepts into ESTABLISHED, leaving
 * the same flow and timer class; a deferred one must leave the flow as it was, and may be
 * deferred only when the tracker would not accept it, or for a reason the fast path names
 * (flags, a signature option, a flow it may not take, a checksum it cannot trust, a header it
 * does not parse). `strict_parse` says the judge parsed the bytes itself (the BPF program),
 * and so also defers what its own parser leaves to tcpfwd. Returns NULL when they agree, else
 * what differs. On return f->t is the tracker's flow, the next segment's starting point.
 */
const char *fp_compare(struct fp_flow *f, const struct fp_segment *s,
		       const struct fp_fast_out *fast, bool strict_parse);

#endif /* TCPFW_FP_GEN_H */
