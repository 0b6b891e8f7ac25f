/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet - raw IPv4/IPv6 bytes, as NFQUEUE delivers them, into a TCP segment descriptor.
 *
 * The parser checks every length before it reads, so any byte string is safe input. The
 * descriptor borrows the buffer: its address pointers are valid only while the buffer is. Two
 * lengths matter because NFQUEUE may copy only the headers: `cap_len` is how many bytes are in
 * the buffer, `pkt_len` is the length of the packet on the wire (NFQA_CAP_LEN, or cap_len when
 * nothing was cut). The segment length comes from the IP header and is checked against pkt_len,
 * never against cap_len, so a header-only copy still yields the true payload length.
 *
 * Checks follow the kernel's ip_rcv_core and tcp_error, and conntrack's option rules: parsing
 * stops at EOL, at a kind without a length byte, at a length below 2 and at a length past the
 * header; window scale is clamped to 14 (RFC 7323 section 2.3).
 */
#ifndef TCPFW_PACKET_H
#define TCPFW_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "reason.h"

/* TCP header flag bits (byte 13). */
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define TCP_FLAG_URG 0x20
#define TCP_FLAG_ECE 0x40
#define TCP_FLAG_CWR 0x80

#define PACKET_WSCALE_MAX     14 /* RFC 7323: a larger shift is treated as 14 */
#define PACKET_SACK_MAX	      4	 /* 40 option bytes hold at most 4 SACK blocks */
#define PACKET_IP6_EXTHDR_MAX 8	 /* bound on the extension-header walk */

/* Bits of packet_options.present. */
#define PACKET_OPT_MSS	     0x01
#define PACKET_OPT_WSCALE    0x02
#define PACKET_OPT_SACK_PERM 0x04
#define PACKET_OPT_SACK	     0x08
#define PACKET_OPT_TIMESTAMP 0x10
#define PACKET_OPT_MD5	     0x20 /* TCP-MD5 signature, RFC 2385 (kind 19) */
#define PACKET_OPT_AO	     0x40 /* TCP-AO, RFC 5925 (kind 29) */

struct packet_sack_block {
	uint32_t left;
	uint32_t right;
};

struct packet_options {
	uint8_t present;    /* PACKET_OPT_* */
	uint8_t wscale;	    /* already clamped to PACKET_WSCALE_MAX */
	uint8_t sack_count; /* valid entries in sack[] */
	uint16_t mss;
	uint32_t tsval;
	uint32_t tsecr;
	struct packet_sack_block sack[PACKET_SACK_MAX];
};

struct packet {
	uint8_t family; /* 4 or 6 */
	uint8_t flags;	/* raw TCP flag byte */
	uint16_t sport; /* host byte order */
	uint16_t dport;
	uint16_t window; /* raw, unscaled */
	uint32_t seq;
	uint32_t ack;
	uint32_t payload_len; /* TCP payload bytes, from the IP length */
	const uint8_t *saddr; /* 4 or 16 bytes inside the buffer */
	const uint8_t *daddr;
	uint32_t tcp_off; /* where the TCP header starts in the buffer */
	uint32_t tcp_len; /* header + payload per the IP header; 0 in a fragment (no whole sum) */
	uint32_t ip_len;  /* the IP packet's length per its header, padding cut: skb->len */
	uint8_t sum_unknown; /* nobody verified the TCP checksum and the copy is too short to:
			      * set by the caller (engine), never by packet_parse */
	struct packet_options opt;
};

/*
 * Parses one IP packet. `buf` holds `cap_len` bytes; `pkt_len` is the length on the wire
 * (>= cap_len). Returns REASON_OK and fills *p, or the parser reason that rejects the bytes, in
 * which case *p is unspecified. IPv4 and IPv6 are told apart by the version nibble. A TCP header
 * and its options must be inside the buffer; the payload need not be.
 */
enum reason packet_parse(const uint8_t *buf, size_t cap_len, size_t pkt_len, struct packet *p);

/*
 * Whether the TCP checksum of a packet parsed from buf is right: 1 right, 0 wrong, -1 when it
 * is not judged: the buffer does not hold the whole segment, it is a fragment, or there are IP
 * options or IPv6 extension headers (source routing sums another destination).
 */
int packet_tcp_checksum_ok(const uint8_t *buf, size_t cap_len, const struct packet *p);

/* One's-complement sum (RFC 1071) of n bytes as 16-bit big-endian words, added to sum. */
uint64_t packet_csum_add(uint64_t sum, const uint8_t *b, size_t n);

/* Folds a packet_csum_add() sum to 16 bits (not complemented). */
static inline uint16_t packet_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sequence space the segment occupies: payload, plus one for SYN and one for FIN. */
static inline uint32_t packet_seg_len(const struct packet *p)
{
	return p->payload_len + !!(p->flags & TCP_FLAG_SYN) + !!(p->flags & TCP_FLAG_FIN);
}

#endif /* TCPFW_PACKET_H */
