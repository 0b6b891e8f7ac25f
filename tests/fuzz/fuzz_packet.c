// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_packet - packet_parse on arbitrary bytes, as a full copy (cap_len = pkt_len = size), as a
 * header-only copy of a longer packet (pkt_len > cap_len) and as a copy longer than the packet
 * (cap_len > pkt_len). Beyond "no crash", every accepted parse must describe bytes inside the
 * buffer and agree with the IP header, and a parse that succeeds on a shorter copy of the same
 * bytes must succeed, with the same fields, on a longer one (the parser may only look at what is
 * there, and more bytes never make a header invalid).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "packet.h"

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static bool is_parser_reason(enum reason r)
{
	return r >= REASON_IP_TRUNCATED && r <= REASON_TCP_BAD_DOFF;
}

/* Invariants of one parse of buf[0..cap) describing a packet pkt bytes long. */
static void check_parse(const uint8_t *buf, size_t cap, size_t pkt, enum reason r,
			const struct packet *p)
{
	size_t eff = cap < pkt ? cap : pkt; /* bytes the parser may read */

	if (r != REASON_OK) {
		CHECK(is_parser_reason(r));
		return;
	}
	CHECK(eff >= 40); /* an IPv4 or IPv6 header and a TCP header at least */
	CHECK(p->family == 4 || p->family == 6);
	CHECK(p->family == buf[0] >> 4);
	size_t alen = p->family == 4 ? 4 : 16;
	CHECK(p->saddr >= buf && p->saddr + alen <= buf + eff);
	CHECK(p->daddr >= buf && p->daddr + alen <= buf + eff);
	CHECK(p->saddr == buf + (p->family == 4 ? 12 : 8));
	CHECK(p->daddr == buf + (p->family == 4 ? 16 : 24));
	CHECK(p->opt.sack_count <= PACKET_SACK_MAX);
	CHECK(p->opt.wscale <= PACKET_WSCALE_MAX);
	CHECK(!(p->opt.present & ~(PACKET_OPT_MSS | PACKET_OPT_WSCALE | PACKET_OPT_SACK_PERM |
				   PACKET_OPT_SACK | PACKET_OPT_TIMESTAMP)));
	CHECK(!!(p->opt.present & PACKET_OPT_SACK) == (p->opt.sack_count > 0));
	if (!(p->opt.present & PACKET_OPT_WSCALE))
		CHECK(p->opt.wscale == 0);
	if (!(p->opt.present & PACKET_OPT_MSS))
		CHECK(p->opt.mss == 0);
	if (!(p->opt.present & PACKET_OPT_TIMESTAMP))
		CHECK(p->opt.tsval == 0 && p->opt.tsecr == 0);

	/* The payload length agrees with the IP header: IP length = headers + payload. */
	if (p->family == 4) {
		size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
		size_t tot = be16(buf + 2);
		CHECK(ihl >= 20 && ihl + 20 <= eff);
		if (tot == 0)
			tot = pkt; /* BIG TCP */
		CHECK(tot <= pkt);
		size_t doff = (size_t)(buf[ihl + 12] >> 4) * 4;
		CHECK(doff >= 20 && ihl + doff <= eff);
		CHECK((size_t)p->payload_len + ihl + doff == tot);
		CHECK(p->sport == be16(buf + ihl) && p->dport == be16(buf + ihl + 2));
		CHECK(p->flags == buf[ihl + 13]);
		CHECK(p->window == be16(buf + ihl + 14));
	} else {
		size_t end = be16(buf + 4);
		end = end ? end + 40 : pkt;
		CHECK(end <= pkt);
		CHECK((size_t)p->payload_len + 40 + 20 <= end);
		if (buf[6] == 6) { /* no extension headers: the TCP header is at 40 */
			size_t doff = (size_t)(buf[40 + 12] >> 4) * 4;
			CHECK(doff >= 20 && 40 + doff <= eff);
			CHECK((size_t)p->payload_len + 40 + doff == end);
			CHECK(p->sport == be16(buf + 40) && p->flags == buf[53]);
		}
	}
}

static bool same_packet(const struct packet *a, const struct packet *b)
{
	if (a->family != b->family || a->flags != b->flags || a->sport != b->sport ||
	    a->dport != b->dport || a->window != b->window || a->seq != b->seq ||
	    a->ack != b->ack || a->payload_len != b->payload_len || a->saddr != b->saddr ||
	    a->daddr != b->daddr)
		return false;
	const struct packet_options *x = &a->opt, *y = &b->opt;
	if (x->present != y->present || x->wscale != y->wscale || x->sack_count != y->sack_count ||
	    x->mss != y->mss || x->tsval != y->tsval || x->tsecr != y->tsecr)
		return false;
	for (unsigned i = 0; i < x->sack_count; i++)
		if (x->sack[i].left != y->sack[i].left || x->sack[i].right != y->sack[i].right)
			return false;
	return true;
}

static enum reason parse(const uint8_t *buf, size_t cap, size_t pkt, struct packet *p)
{
	enum reason r;

	memset(p, 0xa5, sizeof(*p)); /* stale values must not leak into the result */
	r = packet_parse(buf, cap, pkt, p);
	check_parse(buf, cap, pkt, r, p);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet full, hdr, big, shorter;
	enum reason r_full, r;

	if (size == 0) {
		/* cap_len 0 must be refused without reading a byte */
		CHECK(packet_parse(data, 0, 0, &full) == REASON_IP_TRUNCATED);
		CHECK(packet_parse(data, 0, 1500, &full) == REASON_IP_TRUNCATED);
		return 0;
	}

	/* A full copy. Parsing is deterministic. */
	r_full = parse(data, size, size, &full);
	CHECK(parse(data, size, size, &hdr) == r_full);
	if (r_full == REASON_OK)
		CHECK(same_packet(&full, &hdr));

	/* A header-only copy of a longer packet (NFQA_CAP_LEN), and a BIG TCP length. The last
	 * byte picks how much longer the wire packet is. */
	size_t extra = (size_t)data[size - 1] * 97 + 1;
	parse(data, size, size + extra, &big);
	parse(data, size, 65536 + extra * 13, &big);
	parse(data, size, (size_t)UINT32_MAX + 1, &big);

	/* Bytes past the wire length are not part of the packet: cap_len > pkt_len is clamped. */
	size_t wire = data[0] % size + 1;
	r = parse(data, size, wire, &big);
	CHECK(r == parse(data, wire, wire, &hdr));
	if (r == REASON_OK)
		CHECK(same_packet(&big, &hdr));

	/* Monotonic in cap_len: OK on a prefix => OK, equal fields, on the whole copy. */
	size_t cut = size > 1 ? (size_t)data[size / 2] * 3 % size : 0;
	if (cut > 0 && parse(data, cut, size, &shorter) == REASON_OK) {
		CHECK(r_full == REASON_OK);
		CHECK(same_packet(&shorter, &full));
	}
	return 0;
}
