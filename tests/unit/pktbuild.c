// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pktbuild.h"

#define PKTBUILD_IP4_HDR 20
#define PKTBUILD_IP6_HDR 40
#define PKTBUILD_TCP_HDR 20
#define PKTBUILD_OPT_MAX 40

static void pktbuild_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void pktbuild_put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static uint16_t pktbuild_get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* RFC 1071 one's-complement sum, not yet folded. */
static uint64_t pktbuild_sum(uint64_t sum, const uint8_t *d, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint64_t)(d[i] << 8 | d[i + 1]);
	if (n & 1)
		sum += (uint64_t)d[n - 1] << 8;
	return sum;
}

static uint16_t pktbuild_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void pktbuild_init(struct pktbuild *b, uint8_t family)
{
	static const uint8_t s4[4] = {192, 0, 2, 1}, d4[4] = {198, 51, 100, 2};
	static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	static const uint8_t d6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

	memset(b, 0, sizeof(*b));
	b->family = family;
	if (family == 6) {
		memcpy(b->saddr, s6, 16);
		memcpy(b->daddr, d6, 16);
	} else {
		memcpy(b->saddr, s4, 4);
		memcpy(b->daddr, d4, 4);
	}
	b->sport = 40000;
	b->dport = 80;
	b->flags = TCP_FLAG_ACK;
	b->seq = 1000;
	b->ack = 2000;
	b->window = 65535;
	b->wscale = -1;
}

uint8_t pktbuild_payload_byte(size_t i)
{
	return (uint8_t)(0xa5 ^ (i * 7));
}

/* Options in Linux's order and alignment (tcp_options_write). Returns the padded length, or
 * more than PKTBUILD_OPT_MAX when they do not fit.
 */
static size_t pktbuild_opts(const struct pktbuild *b, uint8_t *o)
{
	size_t n = 0;

	if (b->mss) {
		o[n++] = 2;
		o[n++] = 4;
		pktbuild_put16(o + n, b->mss);
		n += 2;
	}
	if (b->ts) {
		o[n++] = b->sack_perm ? 4 : 1;
		o[n++] = b->sack_perm ? 2 : 1;
		o[n++] = 8;
		o[n++] = 10;
		pktbuild_put32(o + n, b->tsval);
		pktbuild_put32(o + n + 4, b->tsecr);
		n += 8;
	} else if (b->sack_perm) {
		memcpy(o + n, "\x01\x01\x04\x02", 4);
		n += 4;
	}
	if (b->wscale >= 0) {
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = (uint8_t)b->wscale;
	}
	if (b->sack_count) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 5;
		o[n++] = (uint8_t)(2 + 8 * b->sack_count);
		for (unsigned int i = 0; i < b->sack_count; i++) {
			pktbuild_put32(o + n, b->sack[i].left);
			pktbuild_put32(o + n + 4, b->sack[i].right);
			n += 8;
		}
	}
	while (n % 4)
		o[n++] = 0;
	return n;
}

static uint64_t pktbuild_pseudo(const uint8_t *buf, size_t tcp_len)
{
	uint64_t sum;

	if (buf[0] >> 4 == 4) {
		sum = pktbuild_sum(0, buf + 12, 8);
		sum += 6;
	} else {
		sum = pktbuild_sum(0, buf + 8, 32);
		sum += 6; /* RFC 8200 section 8.1: the upper-layer protocol, not the last header */
	}
	return sum + (tcp_len >> 16) + (tcp_len & 0xffff);
}

void pktbuild_ip4_fix_csum(uint8_t *buf)
{
	size_t ihl = (size_t)(buf[0] & 0x0f) * 4;

	buf[10] = buf[11] = 0;
	pktbuild_put16(buf + 10, pktbuild_fold(pktbuild_sum(0, buf, ihl)));
}

static size_t pktbuild_emit(const struct pktbuild *b, const uint8_t *opts, size_t opt_len,
			    uint8_t *buf, size_t cap)
{
	size_t ip_len = b->family == 6 ? PKTBUILD_IP6_HDR : PKTBUILD_IP4_HDR;
	size_t tcp_len = PKTBUILD_TCP_HDR + opt_len + b->payload_len;
	size_t total = ip_len + tcp_len;
	uint8_t *th = buf + ip_len;

	if ((b->family != 4 && b->family != 6) || opt_len > PKTBUILD_OPT_MAX || opt_len % 4 ||
	    total > cap)
		return 0;
	memset(buf, 0, ip_len + PKTBUILD_TCP_HDR);
	if (b->family == 4) {
		buf[0] = 0x45;
		pktbuild_put16(buf + 2, total > 0xffff ? 0 : (uint16_t)total);
		pktbuild_put16(buf + 4, 0x1234);
		buf[8] = 64;
		buf[9] = 6;
		memcpy(buf + 12, b->saddr, 4);
		memcpy(buf + 16, b->daddr, 4);
		pktbuild_ip4_fix_csum(buf);
	} else {
		buf[0] = 0x60;
		pktbuild_put16(buf + 4, tcp_len > 0xffff ? 0 : (uint16_t)tcp_len);
		buf[6] = 6;
		buf[7] = 64;
		memcpy(buf + 8, b->saddr, 16);
		memcpy(buf + 24, b->daddr, 16);
	}
	pktbuild_put16(th, b->sport);
	pktbuild_put16(th + 2, b->dport);
	pktbuild_put32(th + 4, b->seq);
	pktbuild_put32(th + 8, b->ack);
	th[12] = (uint8_t)(((PKTBUILD_TCP_HDR + opt_len) / 4) << 4);
	th[13] = b->flags;
	pktbuild_put16(th + 14, b->window);
	memcpy(th + PKTBUILD_TCP_HDR, opts, opt_len);
	for (size_t i = 0; i < b->payload_len; i++)
		th[PKTBUILD_TCP_HDR + opt_len + i] = pktbuild_payload_byte(i);
	pktbuild_put16(th + 16,
		       pktbuild_fold(pktbuild_sum(pktbuild_pseudo(buf, tcp_len), th, tcp_len)));
	return total;
}

size_t pktbuild_write(const struct pktbuild *b, uint8_t *buf, size_t cap)
{
	uint8_t opts[64];
	size_t n;

	if (b->sack_count > PACKET_SACK_MAX)
		return 0;
	n = pktbuild_opts(b, opts);
	if (n > PKTBUILD_OPT_MAX)
		return 0;
	return pktbuild_emit(b, opts, n, buf, cap);
}

size_t pktbuild_write_opts(const struct pktbuild *b, const uint8_t *opts, size_t opt_len,
			   uint8_t *buf, size_t cap)
{
	return pktbuild_emit(b, opts, opt_len, buf, cap);
}

enum reason pktbuild_parse(const struct pktbuild *b, uint8_t *buf, size_t cap, struct packet *p)
{
	size_t n = pktbuild_write(b, buf, cap);

	if (!n)
		return _REASON_MAX;
	return packet_parse(buf, n, n, p);
}

size_t pktbuild_tcp_offset(const uint8_t *buf)
{
	size_t off;
	uint8_t nh;

	if (buf[0] >> 4 == 4)
		return (size_t)(buf[0] & 0x0f) * 4;
	off = PKTBUILD_IP6_HDR;
	nh = buf[6];
	while (nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60) {
		size_t hlen = nh == 44	 ? 8
			      : nh == 51 ? (buf[off + 1] + 2u) * 4
					 : (buf[off + 1] + 1u) * 8;

		nh = buf[off];
		off += hlen;
	}
	return off;
}

bool pktbuild_csum_ok(const uint8_t *buf, size_t len)
{
	size_t off = pktbuild_tcp_offset(buf);

	if (off > len)
		return false;
	if (buf[0] >> 4 == 4 && pktbuild_fold(pktbuild_sum(0, buf, off)) != 0)
		return false;
	return pktbuild_fold(pktbuild_sum(pktbuild_pseudo(buf, len - off), buf + off, len - off)) ==
	       0;
}

static size_t pktbuild_insert(uint8_t *buf, size_t len, size_t cap, size_t at, size_t n)
{
	if (at > len || n > cap || len > cap - n)
		return 0;
	memmove(buf + at + n, buf + at, len - at);
	memset(buf + at, 0, n);
	return len + n;
}

size_t pktbuild_ip4_push_options(uint8_t *buf, size_t len, size_t cap, const uint8_t *opts,
				 size_t opt_len)
{
	size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
	size_t n;

	if (buf[0] >> 4 != 4 || opt_len % 4 || ihl + opt_len > 60)
		return 0;
	n = pktbuild_insert(buf, len, cap, ihl, opt_len);
	if (!n)
		return 0;
	memcpy(buf + ihl, opts, opt_len);
	buf[0] = (uint8_t)(0x40 | (ihl + opt_len) / 4);
	if (pktbuild_get16(buf + 2))
		pktbuild_put16(buf + 2, (uint16_t)(pktbuild_get16(buf + 2) + opt_len));
	pktbuild_ip4_fix_csum(buf);
	return n;
}

void pktbuild_ip4_set_frag(uint8_t *buf, uint16_t offset_units, bool mf)
{
	pktbuild_put16(buf + 6, (uint16_t)((mf ? 0x2000 : 0) | (offset_units & 0x1fff)));
	pktbuild_ip4_fix_csum(buf);
}

/* Links a new first header of `hdr_len` bytes into the chain and grows the payload length. */
static size_t pktbuild_ip6_link(uint8_t *buf, size_t len, size_t cap, uint8_t type, size_t hdr_len)
{
	uint16_t plen = pktbuild_get16(buf + 4);
	size_t n;

	if (buf[0] >> 4 != 6)
		return 0;
	n = pktbuild_insert(buf, len, cap, PKTBUILD_IP6_HDR, hdr_len);
	if (!n)
		return 0;
	buf[PKTBUILD_IP6_HDR] = buf[6];
	buf[6] = type;
	if (plen)
		pktbuild_put16(buf + 4, (uint16_t)(plen + hdr_len));
	return n;
}

/* Fills an option area with PadN options (RFC 8200 section 4.2), each at most 257 bytes. */
static void pktbuild_pad(uint8_t *o, size_t n)
{
	while (n >= 2) {
		size_t chunk = n > 257 ? 257 : n;

		if (n - chunk == 1)
			chunk--;
		o[0] = 1;
		o[1] = (uint8_t)(chunk - 2);
		o += chunk;
		n -= chunk;
	}
	if (n)
		o[0] = 0; /* Pad1 */
}

size_t pktbuild_ip6_push_exthdr(uint8_t *buf, size_t len, size_t cap, uint8_t type, size_t hdr_len)
{
	uint8_t *h = buf + PKTBUILD_IP6_HDR;
	size_t n;

	if (type == 51) {
		if (hdr_len < 8 || hdr_len % 4 || hdr_len > (255 + 2) * 4)
			return 0;
	} else if ((type != 0 && type != 43 && type != 60) || hdr_len < 8 || hdr_len % 8 ||
		   hdr_len > 256 * 8) {
		return 0;
	}
	n = pktbuild_ip6_link(buf, len, cap, type, hdr_len);
	if (!n)
		return 0;
	if (type == 51) {
		h[1] = (uint8_t)(hdr_len / 4 - 2);
	} else {
		h[1] = (uint8_t)(hdr_len / 8 - 1);
		if (type == 43) {
			h[2] = 253; /* RFC 4727 experimental routing type */
			h[3] = 0;   /* segments left 0: an unknown type is then ignored */
		} else {
			pktbuild_pad(h + 2, hdr_len - 2);
		}
	}
	return n;
}

size_t pktbuild_ip6_push_frag(uint8_t *buf, size_t len, size_t cap, uint16_t offset_units,
			      bool more)
{
	size_t n = pktbuild_ip6_link(buf, len, cap, 44, 8);

	if (!n)
		return 0;
	pktbuild_put16(buf + PKTBUILD_IP6_HDR + 2,
		       (uint16_t)((offset_units & 0x1fff) << 3 | (more ? 1 : 0)));
	pktbuild_put32(buf + PKTBUILD_IP6_HDR + 4, 0xc0ffee);
	return n;
}
