// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
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

/* TCP option kinds (RFC 9293, RFC 2018, RFC 7323). */
#define PACKET_TCPOPT_EOL	0
#define PACKET_TCPOPT_NOP	1
#define PACKET_TCPOPT_MSS	2
#define PACKET_TCPOPT_WSCALE	3
#define PACKET_TCPOPT_SACK_PERM 4
#define PACKET_TCPOPT_SACK	5
#define PACKET_TCPOPT_TIMESTAMP 8
#define PACKET_TCPOPT_MD5	19 /* RFC 2385, always 18 bytes */
#define PACKET_TCPOPT_AO	29 /* RFC 5925, 4 bytes and the MAC */

/* NOP, NOP, kind 8, length 10: the layout every common stack uses on non-SYN segments; the
 * kernel takes the same shortcut (tcp_parse_aligned_timestamp).
 */
#define PACKET_TCPOPT_TS_ALIGNED 0x0101080aU

static inline uint16_t packet_be16(const uint8_t *b)
{
	return (uint16_t)((unsigned int)b[0] << 8 | b[1]);
}

static inline uint32_t packet_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void packet_option(const uint8_t *o, uint8_t size, struct packet_options *opt)
{
	uint8_t n;

	/* Like the kernel's tcp_parse_options, an option of the wrong size is skipped, not
	 * fatal, and a repeated option overwrites the earlier one: the endpoint will use the last.
	 */
	switch (o[0]) {
	case PACKET_TCPOPT_MSS:
		if (size == 4) {
			opt->mss = packet_be16(o + 2);
			opt->present |= PACKET_OPT_MSS;
		}
		break;
	case PACKET_TCPOPT_WSCALE:
		if (size == 3) {
			/* RFC 7323 section 2.3: a shift above 14 is used as 14. */
			opt->wscale = o[2] > PACKET_WSCALE_MAX ? PACKET_WSCALE_MAX : o[2];
			opt->present |= PACKET_OPT_WSCALE;
		}
		break;
	case PACKET_TCPOPT_SACK_PERM:
		if (size == 2)
			opt->present |= PACKET_OPT_SACK_PERM;
		break;
	case PACKET_TCPOPT_SACK:
		/* RFC 2018 section 3: 2 + 8n bytes, n >= 1; 40 option bytes cap n at 4. */
		if (size < 10 || (size - 2) % 8)
			break;
		n = (uint8_t)((size - 2) / 8);
		if (n > PACKET_SACK_MAX)
			n = PACKET_SACK_MAX;
		for (uint8_t i = 0; i < n; i++) {
			opt->sack[i].left = packet_be32(o + 2 + 8 * i);
			opt->sack[i].right = packet_be32(o + 6 + 8 * i);
		}
		opt->sack_count = n;
		opt->present |= PACKET_OPT_SACK;
		break;
	case PACKET_TCPOPT_TIMESTAMP:
		if (size == 10) {
			opt->tsval = packet_be32(o + 2);
			opt->tsecr = packet_be32(o + 6);
			opt->present |= PACKET_OPT_TIMESTAMP;
		}
		break;
	case PACKET_TCPOPT_MD5:
	case PACKET_TCPOPT_AO:
		/* Linux reads an MD5 option only at its one size; a second signature option of
		 * either kind makes the segment one no receiver accepts: both bits say so */
		if (o[0] == PACKET_TCPOPT_MD5 ? size != 18 : size < 4)
			break;
		if (opt->present & (PACKET_OPT_MD5 | PACKET_OPT_AO))
			opt->present |= PACKET_OPT_MD5 | PACKET_OPT_AO;
		else
			opt->present |= o[0] == PACKET_TCPOPT_MD5 ? PACKET_OPT_MD5 : PACKET_OPT_AO;
		break;
	default:
		break;
	}
}

/*
 * Walks the option area `o` of `len` bytes (doff*4 - 20, so at most 40). The stop rules are the
 * kernel's tcp_parse_options/conntrack tcp_options ones: EOL ends the list; a kind with no room
 * for its length byte, a length below 2 ("silly options", the classic out-of-bounds bug) or a
 * length running past the header ends the walk. Stopping is not an error: what was read stays.
 */
static void packet_options(const uint8_t *o, size_t len, struct packet_options *opt)
{
	if (len == 12 && packet_be32(o) == PACKET_TCPOPT_TS_ALIGNED) {
		opt->tsval = packet_be32(o + 4);
		opt->tsecr = packet_be32(o + 8);
		opt->present = PACKET_OPT_TIMESTAMP;
		return;
	}
	while (len > 0) {
		uint8_t size;

		if (o[0] == PACKET_TCPOPT_EOL)
			return;
		if (o[0] == PACKET_TCPOPT_NOP) {
			o++;
			len--;
			continue;
		}
		if (len < 2)
			return;
		size = o[1];
		if (size < 2 || size > len)
			return;
		packet_option(o, size, opt);
		o += size;
		len -= size;
	}
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
		packet_options(th + PACKET_TCP_HDR_MIN, hlen - PACKET_TCP_HDR_MIN, &p->opt);
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
