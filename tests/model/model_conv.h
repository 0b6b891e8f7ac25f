// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * model_conv - one legitimate TCP conversation between two tcp_model endpoints, A (the client,
 * the tracker's ORIGINAL) and B (the server, REPLY), through a tcp_track, with bogus segments
 * injected from either side. The driver of test_tcp_track_model.c.
 *
 * A seed fixes everything: the options of both SYNs (window scale 0..14, SACK, timestamps, MD5
 * or AO on both), the ISNs (some near the 2^32 wrap), the buffers, and every later choice.
 * Then, in random order: data both ways in random sizes within the peer's window; delayed and
 * cumulative ACKs carrying SACK blocks and timestamps from each sender's clock; applications
 * that stop reading, so windows shrink to zero (the right edge never moves left, as Linux's
 * tcp_select_window), and the probes that follow (Linux's at SND.UNA - 1, BSD's one new byte);
 * keep-alives; retransmissions (spurious ones, and from SND.UNA when the network is idle);
 * delivery that swaps a segment with one of the next three; a close by either side or both at
 * once, or an abort. Injected segments have random valid flags, numbers near the live ones
 * (or at the previous injection's, or anywhere), random payload, window, timestamp, SACK and
 * MD5/AO options; only receivers that are synchronized or closed get them.
 *
 * Every segment goes to the tracker, then to its receiver's model, then to the judge callback.
 * An injection the model accepts would change the real endpoint too: after the judge both the
 * model and the tracker are put back as they were. Deterministic: a splitmix64 generator, no
 * clock, no allocation.
 */
#ifndef TCPFW_MODEL_CONV_H
#define TCPFW_MODEL_CONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "tcp_model.h"
#include "tcp_track.h"

#define MODEL_CONV_FLIGHT_MAX 24 /* segments in flight per direction */

struct model_conv_side {
	struct tcp_model_ep ep;
	struct tcp_model_cfg cfg;
	uint32_t ts_clock;
	uint32_t to_send; /* application bytes not yet sent */
	uint32_t rbuf;	  /* receive buffer */
	uint32_t unread;  /* received in order, not yet read by the application */
	uint16_t mss;
	bool reading;
	bool closing; /* the application closed: FIN after its last byte */
};

struct model_conv_flight {
	struct packet seg[MODEL_CONV_FLIGHT_MAX];
	unsigned n;
};

/* One segment as the judge sees it; every pointer lives until the judge returns. */
struct model_conv_event {
	int from;   /* 0: A, ORIGINAL; 1: B, REPLY */
	bool legit; /* false: injected */
	const struct packet *p;
	const struct tcp_track *before;	    /* the tracker before the segment */
	const struct tcp_model_ep *rcv;	    /* the receiver before the segment */
	const struct tcp_track_result *res; /* the tracker's result */
	enum tcp_model_verdict verdict;	    /* the receiver's */
	const char *why;		    /* the model's rule */
};

struct model_conv_counts {
	unsigned long conversations, closed, aborted, steps;
	unsigned long legit, inj, inj_accepted, inj_blocked, inj_discarded;
	/* what the legitimate segments covered */
	unsigned long zero_win, probes, keepalives, retrans, reordered, sack, simul_close;
	unsigned long wraps; /* conversations whose sequence numbers crossed 2^32 */
};

struct model_conv {
	uint64_t rng;
	uint64_t seed;
	unsigned long step;
	unsigned long abort_at;
	struct model_conv_side side[2];
	struct model_conv_flight fl[2];
	struct packet last_inj[2]; /* the previous injection from each side */
	struct tcp_track t;
	struct tcp_track_params par;
	bool stop; /* set by the judge: end this conversation */
	/* called after each segment; may set stop, or put t back to *e->before */
	void (*judge)(struct model_conv *c, const struct model_conv_event *e);
	void *ctx; /* the judge's */
	struct model_conv_counts *n;
	const uint8_t *src; /* bytes that steer the choices while they last (a fuzzer's) */
	size_t src_len;
};

/*
 * Runs the conversation of `seed` for at most max_steps actions, calling judge after every
 * segment and adding to *n. Strict tracker parameters: no pickup, not liberal, TIME_WAIT
 * enforced. *c is reset first; judge, ctx and n are taken from the arguments. src (src_len
 * bytes, may be NULL) is mixed into the generator, one byte a draw, while it lasts: a fuzzer's
 * input steers the conversation that way.
 */
void model_conv_run(struct model_conv *c, uint64_t seed, const uint8_t *src, size_t src_len,
		    unsigned long max_steps,
		    void (*judge)(struct model_conv *c, const struct model_conv_event *e),
		    void *ctx, struct model_conv_counts *n);

#endif /* TCPFW_MODEL_CONV_H */
