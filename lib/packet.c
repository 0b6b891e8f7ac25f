// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "packet_options.h"
#include "reason.h"
#include "util.h"

#define PACKET_IP4_HDR_MIN     20
#define PACKET_IP6_HDR_LEN     40
#define PACKET_IP_LEN_MAX      65535U
#define PACKET_IP4_MF	       0x2000 /* RFC 791 flags: more fragments */
#define PACKET_IP4_OFFSET      0x1fff /* fragment offset, 8-byte units */
#define PACKET_IP6_FRAG_OFFSET 0xfff8 /* RFC 8200 section 4.5: offset << 3 | res | M */
#define PACKET_IP6_FRAG_MF     0x0001
#define PACKET_IP6_EXTHDR_MIN  8 /* every header the walk accepts is >= 8 bytes */
#define PACKET_TCP_HDR_MIN     20

/* IANA protocol / next-header numbers. */
#define PACKET_NH_HOP	   0
#define PACKET_NH_TCP	   6
#define PACKET_NH_ROUTING  43
#define PACKET_NH_FRAGMENT 44
#define PACKET_NH_AUTH	   51
#define PACKET_NH_DEST	   60

static inline uint16_t packet_be16(const uint8_t *b)
{
	return (uint16_t)((unsigned int)b[0] << 8 | b[1]);
}

static inline uint32_t packet_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/*
 * The TCP header starts at `off`; the IP packet ends at `end` (which may lie past `cap`, for a
 * header-only copy). Both `off <= cap` and `off <= end` hold. The header and its options must
 * be inside both. In a first fragment (`frag`) every shortfall means the fragment does not
 * carry the whole header, the tiny-fragment case of RFC 1858 and RFC 8200 section 4.5. For a
 * first fragment payload_len counts only the bytes of this fragment.
 */
static enum reason packet_tcp(const uint8_t *buf, size_t cap, size_t off, size_t end, bool frag,
			      struct packet *p)
{
	const uint8_t *th = buf + off;
	size_t avail = end - off; /* TCP bytes according to the IP header */
	size_t have = cap - off;  /* TCP bytes present in the buffer */
	size_t hlen;

	if (unlikely(avail < PACKET_TCP_HDR_MIN || have < PACKET_TCP_HDR_MIN))
		return frag ? REASON_IP_FRAGMENT : REASON_TCP_TRUNCATED;
	/* tcp_error: doff*4 < 20 or past the segment length is a broken header. */
	hlen = (size_t)(th[12] >> 4) * 4;
	if (unlikely(hlen < PACKET_TCP_HDR_MIN))
		return REASON_TCP_BAD_DOFF;
	if (unlikely(hlen > avail))
		return frag ? REASON_IP_FRAGMENT : REASON_TCP_BAD_DOFF;
	/* The options drive window scaling and SACK checks: a copy without them is unusable. */
	if (unlikely(hlen > have))
		return frag ? REASON_IP_FRAGMENT : REASON_TCP_TRUNCATED;

	p->sport = packet_be16(th);
	p->dport = packet_be16(th + 2);
	p->seq = packet_be32(th + 4);
	p->ack = packet_be32(th + 8);
	p->flags = th[13];
	p->window = packet_be16(th + 14);
	/* end <= UINT32_MAX was checked by the IP layer, so this cannot truncate. */
	p->payload_len = (uint32_t)(avail - hlen);
	p->tcp_off = (uint32_t)off;
	p->tcp_len = frag ? 0 : (uint32_t)avail;
	p->ip_len = (uint32_t)end;
	p->sum_unknown = 0;

	/* Only the scalars: sack[] beyond sack_count is never meaningful. */
	p->opt.present = 0;
	p->opt.wscale = 0;
	p->opt.sack_count = 0;
	p->opt.mss = 0;
	p->opt.tsval = 0;
	p->opt.tsecr = 0;
	if (hlen > PACKET_TCP_HDR_MIN)
		packet_options_walk(th + PACKET_TCP_HDR_MIN, (unsigned)(hlen - PACKET_TCP_HDR_MIN),
				    &p->opt);
	return REASON_OK;
}

/* BIG TCP (Linux 5.19+ IPv6, 6.3+ IPv4) and GSO aggregates longer than the 16-bit length field
 * carry 0 there; the true length is the skb's. It must still fit payload_len.
 */
static inline bool packet_big_len_ok(size_t pkt_len, size_t floor)
{
	return pkt_len > floor && (uint64_t)pkt_len <= UINT32_MAX;
}

/* ip_rcv_core's checks, repeated because OUTPUT and bridge hooks see packets that never went
 * through it. The header checksum is not verified: ip_rcv_core did it for PREROUTING, and the
 * local stack wrote it for OUTPUT. IP options are skipped, not parsed: they do not affect TCP
 * tracking, and ip_rcv_finish (after the PREROUTING hook) drops malformed ones.
 */
static enum reason packet_ip4(const uint8_t *buf, size_t cap, size_t pkt_len, struct packet *p)
{
	size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
	size_t tot;
	uint16_t frag;

	if (unlikely(ihl < PACKET_IP4_HDR_MIN))
		return REASON_IP_BAD_HEADER;
	if (unlikely(ihl > cap))
		return REASON_IP_TRUNCATED;
	tot = packet_be16(buf + 2);
	if (unlikely(tot == 0 && packet_big_len_ok(pkt_len, PACKET_IP_LEN_MAX)))
		tot = pkt_len;
	else if (unlikely(tot < ihl || tot > pkt_len))
		return REASON_IP_BAD_HEADER;
	/* Anything past tot_len is link-layer padding (ip_rcv_core trims it). */

	/* A non-first fragment has no TCP header; conntrack's ipv4_get_l4proto gives up on it
	 * before looking at the protocol, and so do we.
	 */
	frag = packet_be16(buf + 6);
	if (unlikely(frag & PACKET_IP4_OFFSET))
		return REASON_IP_FRAGMENT;
	/* AH (51) is not walked here: nft's `meta l4proto` for IPv4 is this byte, so a ruleset
	 * that queues only TCP never queues AH-protected IPv4.
	 */
	if (unlikely(buf[9] != PACKET_NH_TCP))
		return REASON_NOT_TCP;

	p->family = 4;
	p->saddr = buf + 12;
	p->daddr = buf + 16;
	return packet_tcp(buf, cap, ihl, tot, frag & PACKET_IP4_MF, p);
}

/*
 * The extension headers ipv6_skip_exthdr walks (hop-by-hop, routing, destination options,
 * fragment, AH), bounded. AH is walked like the kernel does, because nft's IPv6 `meta l4proto`
 * looks through it and queues AH-protected TCP; its length is in 4-byte units (RFC 4302). ESP,
 * no-next-header (59) and everything else end the walk as "not TCP".
 */
static enum reason packet_ip6_walk(const uint8_t *buf, size_t cap, size_t end, size_t *offp,
				   bool *fragp)
{
	size_t off = PACKET_IP6_HDR_LEN;
	uint8_t nh = buf[6];
	uint16_t fo;
	size_t hlen;

	for (unsigned int n = 0; nh != PACKET_NH_TCP; n++) {
		if (nh != PACKET_NH_HOP && nh != PACKET_NH_ROUTING && nh != PACKET_NH_DEST &&
		    nh != PACKET_NH_FRAGMENT && nh != PACKET_NH_AUTH)
			return REASON_NOT_TCP;
		if (n == PACKET_IP6_EXTHDR_MAX)
			return REASON_IP6_BAD_EXTHDR;
		/* RFC 8200 section 4.1: hop-by-hop only directly after the IPv6 header. */
		if (nh == PACKET_NH_HOP && n != 0)
			return REASON_IP6_BAD_EXTHDR;
		if (cap - off < PACKET_IP6_EXTHDR_MIN || end - off < PACKET_IP6_EXTHDR_MIN)
			return REASON_IP6_BAD_EXTHDR;
		switch (nh) {
		case PACKET_NH_FRAGMENT:
			hlen = 8;
			fo = packet_be16(buf + off + 2);
			if (fo & PACKET_IP6_FRAG_OFFSET)
				return REASON_IP_FRAGMENT;
			/* M=0 with offset 0 is an atomic fragment: a whole packet (RFC 6946). */
			if (fo & PACKET_IP6_FRAG_MF)
				*fragp = true;
			break;
		case PACKET_NH_AUTH:
			hlen = ((size_t)buf[off + 1] + 2) * 4;
			break;
		default: /* hop-by-hop, routing, destination options: 8-byte units */
			hlen = ((size_t)buf[off + 1] + 1) * 8;
			break;
		}
		if (hlen > cap - off || hlen > end - off)
			return REASON_IP6_BAD_EXTHDR;
		nh = buf[off];
		off += hlen;
	}
	*offp = off;
	return REASON_OK;
}

static enum reason packet_ip6(const uint8_t *buf, size_t cap, size_t pkt_len, struct packet *p)
{
	size_t end, off;
	bool frag = false;
	enum reason r;

	if (unlikely(cap < PACKET_IP6_HDR_LEN))
		return REASON_IP_TRUNCATED;
	end = packet_be16(buf + 4);
	if (unlikely(end == 0)) {
		/* BIG TCP, where pkt_len is the only length. On a packet that fits the field, a
		 * zero is an RFC 2675 jumbogram, which is not supported.
		 */
		if (!packet_big_len_ok(pkt_len, PACKET_IP_LEN_MAX + PACKET_IP6_HDR_LEN))
			return REASON_IP_BAD_HEADER;
		end = pkt_len;
	} else {
		end += PACKET_IP6_HDR_LEN;
		if (unlikely(end > pkt_len))
			return REASON_IP_BAD_HEADER;
	}

	r = packet_ip6_walk(buf, cap, end, &off, &frag);
	if (unlikely(r != REASON_OK))
		return r;

	p->family = 6;
	p->saddr = buf + 8;
	p->daddr = buf + 24;
	return packet_tcp(buf, cap, off, end, frag, p);
}

enum reason packet_parse(const uint8_t *buf, size_t cap_len, size_t pkt_len, struct packet *p)
{
	/* Bytes past the wire length are not part of the packet. */
	if (unlikely(cap_len > pkt_len))
		cap_len = pkt_len;
	if (unlikely(cap_len == 0))
		return REASON_IP_TRUNCATED;
	switch (buf[0] >> 4) {
	case 4:
		return packet_ip4(buf, cap_len, pkt_len, p);
	case 6:
		return packet_ip6(buf, cap_len, pkt_len, p);
	default:
		return REASON_IP_BAD_HEADER;
	}
}

uint64_t packet_csum_add(uint64_t sum, const uint8_t *b, size_t n)
{
	for (; n >= 2; b += 2, n -= 2)
		sum += (uint64_t)b[0] << 8 | b[1];
	if (n)
		sum += (uint64_t)b[0] << 8;
	return sum;
}

int packet_tcp_checksum_ok(const uint8_t *buf, size_t cap_len, const struct packet *p)
{
	size_t alen = p->family == 6 ? 16 : 4;
	uint64_t sum;

	/* Source routing (IPv4 LSRR/SSRR, an IPv6 routing header) sums the final destination,
	 * not the header's: only the plain headers are judged, which is all a stack sends. */
	if (p->tcp_off != (p->family == 6 ? PACKET_IP6_HDR_LEN : PACKET_IP4_HDR_MIN))
		return -1;
	if (!p->tcp_len || cap_len - p->tcp_off < p->tcp_len)
		return -1;
	sum = packet_csum_add(0, p->saddr, alen);
	sum = packet_csum_add(sum, p->daddr, alen);
	sum += PACKET_NH_TCP + (uint64_t)p->tcp_len; /* 32-bit length: the IPv6 form */
	sum = packet_csum_add(sum, buf + p->tcp_off, p->tcp_len);
	return packet_csum_fold(sum) == 0xffff;
}
