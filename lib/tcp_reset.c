// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "packet.h"
#include "seq.h"
#include "tcp_reset.h"

#define IP4_HDR_LEN 20
#define IP6_HDR_LEN 40
#define TCP_HDR_LEN 20
#define IP_TTL	    64
#define NH_TCP	    6

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

/* The RST(s) to endpoint x of a synchronised flow: at its RCV.NXT as far as it is known. */
static unsigned plan_synced(const struct tcp_track *t, enum tcp_track_dir x,
			    struct tcp_reset_seg *out)
{
	const struct tcp_track_peer *r = &t->peer[x], *s = &t->peer[!x];
	unsigned n = 0;

	if (!(r->flags & TCP_TRACK_PEER_MAXACK)) {
		out[n++] = (struct tcp_reset_seg){.to = x, .seq = s->end, .ack = r->end};
		return n;
	}
	out[n++] = (struct tcp_reset_seg){.to = x, .seq = r->maxack, .ack = r->end};
	/* the sender has more in flight: its end may be the RCV.NXT instead */
	if (seq_gt(s->end, r->maxack))
		out[n++] = (struct tcp_reset_seg){.to = x, .seq = s->end, .ack = r->end};
	return n;
}

unsigned tcp_reset_plan(const struct tcp_track *t, struct tcp_reset_seg out[TCP_RESET_MAX])
{
	unsigned n = 0;

	switch (t->state) {
	case TCP_TRACK_SYN_SENT:
		/* RFC 9293 3.10.7.3: the ACK of the SYN is what makes the RST count */
		out[n++] = (struct tcp_reset_seg){
			.to = TCP_TRACK_ORIGINAL,
			.seq = 0,
			.ack = t->peer[TCP_TRACK_ORIGINAL].end,
		};
		return n;
	case TCP_TRACK_SYN_SENT2:
	case TCP_TRACK_SYN_RECV:
	case TCP_TRACK_ESTABLISHED:
	case TCP_TRACK_FIN_WAIT:
	case TCP_TRACK_CLOSE_WAIT:
	case TCP_TRACK_LAST_ACK:
		n = plan_synced(t, TCP_TRACK_ORIGINAL, out);
		return n + plan_synced(t, TCP_TRACK_REPLY, out + n);
	default:
		return 0; /* TIME_WAIT, CLOSE: nobody to reset (RFC 1337) */
	}
}

static void put_tcp(uint8_t *b, const struct tcp_reset_tuple *tu, const struct tcp_reset_seg *seg)
{
	memset(b, 0, TCP_HDR_LEN);
	put16(b, tu->port[!seg->to]);
	put16(b + 2, tu->port[seg->to]);
	put32(b + 4, seg->seq);
	put32(b + 8, seg->ack);
	b[12] = (TCP_HDR_LEN / 4) << 4;
	b[13] = TCP_FLAG_RST | TCP_FLAG_ACK;
}

size_t tcp_reset_build(const struct tcp_reset_tuple *tu, const struct tcp_reset_seg *seg,
		       uint8_t *buf, size_t cap)
{
	size_t alen = tu->family == 6 ? 16 : 4;
	size_t hlen = tu->family == 6 ? IP6_HDR_LEN : IP4_HDR_LEN;
	const uint8_t *src = tu->addr[!seg->to], *dst = tu->addr[seg->to];
	uint8_t *tcp = buf + hlen;
	uint64_t sum;

	if ((tu->family != 4 && tu->family != 6) || cap < hlen + TCP_HDR_LEN)
		return 0;
	memset(buf, 0, hlen);
	if (tu->family == 4) {
		buf[0] = 0x45;
		put16(buf + 2, IP4_HDR_LEN + TCP_HDR_LEN);
		buf[6] = 0x40; /* DF */
		buf[8] = IP_TTL;
		buf[9] = NH_TCP;
		memcpy(buf + 12, src, 4);
		memcpy(buf + 16, dst, 4);
		put16(buf + 10, (uint16_t)~packet_csum_fold(packet_csum_add(0, buf, IP4_HDR_LEN)));
	} else {
		buf[0] = 0x60;
		put16(buf + 4, TCP_HDR_LEN);
		buf[6] = NH_TCP;
		buf[7] = IP_TTL;
		memcpy(buf + 8, src, 16);
		memcpy(buf + 24, dst, 16);
	}
	put_tcp(tcp, tu, seg);
	sum = packet_csum_add(0, src, alen);
	sum = packet_csum_add(sum, dst, alen);
	sum += NH_TCP + TCP_HDR_LEN;
	sum = packet_csum_add(sum, tcp, TCP_HDR_LEN);
	put16(tcp + 16, (uint16_t)~packet_csum_fold(sum));
	return hlen + TCP_HDR_LEN;
}
