// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>

#include "fp_gen.h"
#include "seq.h"

uint32_t fp_rand_u32(struct fp_rand *r)
{
	return r->next(r->ctx);
}

uint32_t fp_rand_below(struct fp_rand *r, uint32_t n)
{
	return n ? fp_rand_u32(r) % n : 0;
}

uint32_t fp_xorshift(void *state64)
{
	uint64_t *s = state64;

	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

static bool chance(struct fp_rand *r, unsigned percent)
{
	return fp_rand_below(r, 100) < percent;
}

/* The builder of direction dir: ORIGINAL as drawn, REPLY with the endpoints swapped. */
static void builder(const struct fp_flow *f, uint8_t dir, struct pktbuild *b)
{
	*b = f->orig;
	if (dir == TCP_TRACK_REPLY) {
		memcpy(b->saddr, f->orig.daddr, 16);
		memcpy(b->daddr, f->orig.saddr, 16);
		b->sport = f->orig.dport;
		b->dport = f->orig.sport;
	}
}

static void track(struct fp_flow *f, const struct pktbuild *b, uint8_t dir, bool first)
{
	uint8_t buf[4096];
	struct packet p;
	struct tcp_track_result res;

	if (pktbuild_parse(b, buf, sizeof(buf), &p) != REASON_OK)
		return;
	if (first)
		tcp_track_new(&f->t, &p, &f->params, &res);
	else
		tcp_track_packet(&f->t, &p, dir, &f->params, &res);
}

/* The next in-order segment from dir, acknowledging all the other side sent. */
static void next_segment(struct fp_rand *r, struct fp_flow *f, uint8_t dir, struct pktbuild *b)
{
	const struct tcp_track_peer *snd = &f->t.peer[dir], *rcv = &f->t.peer[!dir];

	builder(f, dir, b);
	b->flags = TCP_FLAG_ACK | (chance(r, 50) ? TCP_FLAG_PSH : 0);
	b->seq = snd->end;
	b->ack = rcv->end;
	b->window = (uint16_t)(1000 + fp_rand_below(r, 64536));
	b->ts = f->ts_on;
	f->ts[dir] += fp_rand_below(r, 3);
	b->tsval = f->ts[dir];
	b->tsecr = f->ts[!dir];
}

bool fp_gen_flow(struct fp_rand *r, struct fp_flow *f)
{
	struct pktbuild b;
	int ws[2];
	bool sack[2];
	uint32_t isn[2];

	memset(f, 0, sizeof(*f));
	f->params.max_retrans = (uint8_t)(1 + fp_rand_below(r, 4));
	f->params.liberal = chance(r, 5);
	pktbuild_init(&f->orig, chance(r, 50) ? 6 : 4);
	f->orig.sport = (uint16_t)(1024 + fp_rand_below(r, 60000));
	f->orig.dport = (uint16_t)(1 + fp_rand_below(r, 1023));
	f->ts_on = chance(r, 70);
	for (int d = 0; d < 2; d++) {
		ws[d] = chance(r, 80) ? (int)fp_rand_below(r, 15) : -1;
		sack[d] = chance(r, 80);
		isn[d] = fp_rand_u32(r);
		f->ts[d] = fp_rand_u32(r);
	}
	/* SYN, SYN/ACK, ACK */
	for (uint8_t step = 0; step < 3; step++) {
		uint8_t dir = step == 1 ? TCP_TRACK_REPLY : TCP_TRACK_ORIGINAL;

		builder(f, dir, &b);
		b.flags = step == 0   ? TCP_FLAG_SYN
			  : step == 1 ? TCP_FLAG_SYN | TCP_FLAG_ACK
				      : TCP_FLAG_ACK;
		b.seq = isn[dir] + (step == 2);
		b.ack = step == 0 ? 0 : isn[!dir] + 1;
		b.window = (uint16_t)(1000 + fp_rand_below(r, 64536));
		if (step < 2) {
			b.wscale = ws[dir];
			b.sack_perm = sack[dir];
			b.mss = 1460;
		}
		b.ts = f->ts_on;
		b.tsval = f->ts[dir];
		b.tsecr = step == 0 ? 0 : f->ts[!dir];
		track(f, &b, dir, step == 0);
	}
	/* a few exchanges move the numbers on */
	for (uint32_t n = fp_rand_below(r, 8); n > 0; n--) {
		uint8_t dir = (uint8_t)fp_rand_below(r, 2);

		next_segment(r, f, dir, &b);
		b.payload_len = fp_rand_below(r, 1400);
		track(f, &b, dir, false);
		next_segment(r, f, !dir, &b);
		track(f, &b, !dir, false);
	}
	return tcp_fast_eligible(&f->t);
}

static uint32_t pick_seq(struct fp_rand *r, const struct tcp_track_peer *snd,
			 const struct tcp_track_peer *rcv)
{
	uint32_t k = fp_rand_below(r, 100);

	if (k < 60)
		return snd->end;
	if (k < 70)
		return snd->end - fp_rand_below(r, rcv->maxwin + 2); /* retransmission */
	if (k < 78)
		return snd->end + 1 + fp_rand_below(r, 3000); /* past a hole */
	if (k < 83)
		return snd->maxend - fp_rand_below(r, 100); /* the right edge */
	if (k < 88)
		return snd->maxend + fp_rand_below(r, 100);
	if (k < 93)
		return snd->end - rcv->maxwin - 3 + fp_rand_below(r, 6); /* a window back */
	return fp_rand_u32(r);
}

static uint32_t pick_ack(struct fp_rand *r, const struct tcp_track_peer *snd,
			 const struct tcp_track_peer *rcv)
{
	uint32_t k = fp_rand_below(r, 100), maxackwin = snd->maxwin > 66000 ? snd->maxwin : 66000;

	if (k < 60)
		return rcv->end;
	if (k < 70)
		return rcv->end - fp_rand_below(r, 70000);
	if (k < 75)
		return rcv->end + 1 + fp_rand_below(r, 10);
	if (k < 80)
		return rcv->end - maxackwin - 2 + fp_rand_below(r, 5); /* IV's edge */
	if (k < 85)
		return snd->maxack - fp_rand_below(r, 3);
	if (k < 90)
		return snd->maxack - snd->maxwin - 2 + fp_rand_below(r, 5); /* RFC 5961's floor */
	return fp_rand_u32(r);
}

static uint8_t pick_flags(struct fp_rand *r)
{
	uint32_t k = fp_rand_below(r, 100);

	if (k < 80) {
		uint8_t f = TCP_FLAG_ACK;

		if (chance(r, 50))
			f |= TCP_FLAG_PSH;
		if (chance(r, 3))
			f |= TCP_FLAG_URG;
		if (chance(r, 3))
			f |= TCP_FLAG_ECE | TCP_FLAG_CWR;
		return f;
	}
	if (k < 85)
		return TCP_FLAG_FIN | TCP_FLAG_ACK;
	if (k < 89)
		return TCP_FLAG_RST | TCP_FLAG_ACK;
	if (k < 92)
		return TCP_FLAG_RST;
	if (k < 95)
		return TCP_FLAG_SYN;
	if (k < 97)
		return TCP_FLAG_SYN | TCP_FLAG_ACK;
	return (uint8_t)fp_rand_u32(r);
}

/* Raw option bytes: a signature option, or noise for the option walk. */
static size_t raw_options(struct fp_rand *r, uint8_t *o)
{
	size_t len = 4 * (1 + fp_rand_below(r, 10));

	if (chance(r, 40)) {
		static const uint8_t md5[20] = {1, 1, 19, 18};

		memcpy(o, md5, sizeof(md5));
		return sizeof(md5);
	}
	for (size_t i = 0; i < len; i++)
		o[i] = chance(r, 50) ? (uint8_t)fp_rand_below(r, 12) : (uint8_t)fp_rand_u32(r);
	return len;
}

void fp_gen_segment(struct fp_rand *r, struct fp_flow *f, uint32_t max_payload,
		    struct fp_segment *s)
{
	uint8_t dir = (uint8_t)fp_rand_below(r, 2);
	const struct tcp_track_peer *snd = &f->t.peer[dir], *rcv = &f->t.peer[!dir];
	struct pktbuild b;

	next_segment(r, f, dir, &b);
	s->dir = dir;
	s->bad_sum = false;
	b.flags = pick_flags(r);
	b.seq = pick_seq(r, snd, rcv);
	b.ack = pick_ack(r, snd, rcv);
	if (chance(r, 10))
		b.window = 0;
	else if (chance(r, 20))
		b.window = (uint16_t)fp_rand_u32(r);
	b.payload_len = chance(r, 50) ? 0 : 1 + fp_rand_below(r, max_payload);
	if (f->ts_on && chance(r, 10))
		b.tsval = f->ts[dir] - fp_rand_below(r, 5); /* old, or the same */
	else if (chance(r, 3))
		b.tsval = fp_rand_u32(r);
	if (chance(r, 5))
		b.ts = !b.ts;
	if (chance(r, 20)) {
		b.sack_count = (uint8_t)(1 + fp_rand_below(r, b.ts ? 3 : 4));
		for (unsigned i = 0; i < b.sack_count; i++) {
			uint32_t right = rcv->end + 5 - fp_rand_below(r, 4000);

			b.sack[i].left = right - 1 - fp_rand_below(r, 3000);
			b.sack[i].right = right;
		}
	}
	if (chance(r, 5)) {
		uint8_t o[40];
		size_t n = raw_options(r, o);

		s->len = pktbuild_write_opts(&b, o, n, s->buf, sizeof(s->buf));
	} else {
		s->len = pktbuild_write(&b, s->buf, sizeof(s->buf));
	}
	if (s->len && chance(r, 2)) {
		/* an IP header field the TCP sum does not cover (or the length, which it does):
		 * version, header length, total length, fragment bits, protocol, next header */
		static const uint8_t at4[] = {0, 2, 3, 6, 7, 9}, at6[] = {0, 4, 5, 6};
		size_t at = b.family == 6 ? at6[fp_rand_below(r, sizeof(at6))]
					  : at4[fp_rand_below(r, sizeof(at4))];

		s->buf[at] ^= (uint8_t)(1u << fp_rand_below(r, 8));
		s->bad_sum = true; /* it may be */
	} else if (s->len && chance(r, 3)) {
		/* the urgent pointer, or a payload byte: the parse stays the same, the sum not */
		size_t at = b.payload_len ? s->len - 1 - fp_rand_below(r, b.payload_len)
					  : pktbuild_tcp_offset(s->buf) + 19;

		s->buf[at] ^= (uint8_t)(1 + fp_rand_below(r, 255));
		s->bad_sum = true;
	}
}

/* The first byte where two flows differ, for the message. */
static const char *track_diff(const char *what, const struct tcp_track *a,
			      const struct tcp_track *b)
{
	static char msg[160];
	const uint8_t *x = (const void *)a, *y = (const void *)b;
	size_t i = 0;

	while (i < sizeof(*a) && x[i] == y[i])
		i++;
	snprintf(msg, sizeof(msg), "%s: byte %zu of struct tcp_track is %u, not %u (state %u)",
		 what, i, (unsigned)(i < sizeof(*a) ? x[i] : 0),
		 (unsigned)(i < sizeof(*a) ? y[i] : 0), (unsigned)b->state);
	return msg;
}

const char *fp_compare(struct fp_flow *f, const struct fp_segment *s,
		       const struct fp_fast_out *fast, bool strict_parse)
{
	struct packet p;
	struct tcp_track after = f->t;
	struct tcp_track_result res;
	const char *why = NULL;

	if (packet_parse(s->buf, s->len, s->len, &p) != REASON_OK) {
		if (fast->accepted)
			return "accepted what tcpfwd's parser rejects";
		return memcmp(&fast->t, &f->t, sizeof(f->t)) ? "an unparsed segment moved the flow"
							     : NULL;
	}
	tcp_track_packet(&after, &p, s->dir, &f->params, &res);
	bool tracker_accepts = res.verdict == TCP_TRACK_ACCEPT && !res.reopen && !res.destroy &&
			       res.new_state == TCP_TRACK_ESTABLISHED;

	if (fast->accepted) {
		if (!tracker_accepts)
			why = "accepted what the tracker does not";
		else if (memcmp(&fast->t, &after, sizeof(after)))
			why = track_diff("accepted, but the flow differs", &fast->t, &after);
		else if (fast->tclass != res.timeout)
			why = "accepted, but the timer class differs";
	} else if (memcmp(&fast->t, &f->t, sizeof(f->t))) {
		why = track_diff("deferred, but the flow moved", &fast->t, &f->t);
	} else {
		bool must =
			tracker_accepts &&
			(p.flags & (TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST | TCP_FLAG_ACK)) ==
				TCP_FLAG_ACK &&
			!(p.opt.present & (PACKET_OPT_MD5 | PACKET_OPT_AO)) &&
			tcp_fast_eligible(&f->t);
		/* the program sums an unverified segment of up to 2048 bytes itself */
		if (strict_parse)
			must = must && !s->bad_sum && p.tcp_len <= 2048;
		if (must)
			why = "deferred what the tracker accepts";
	}
	if (!why && !(s->bad_sum && strict_parse))
		f->t = after; /* tcpfwd judges what the fast path defers; a bad sum it drops */
	return why;
}
