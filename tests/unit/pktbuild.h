/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pktbuild - test helper that crafts IPv4/IPv6 TCP segments as NFQUEUE would deliver them.
 *
 * A struct pktbuild describes one segment; pktbuild_write() lays it out with valid IPv4 header
 * and TCP checksums, options in the order and alignment Linux uses, and a byte-pattern payload.
 * The extra functions edit a written packet in place (IPv4 options and fragment fields, IPv6
 * extension headers, raw TCP option bytes) so tests can reach the parser's corner cases while
 * every other byte stays realistic. Nothing here allocates; all output goes to caller buffers.
 */
#ifndef TCPFW_PKTBUILD_H
#define TCPFW_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "reason.h"

struct pktbuild {
	uint8_t family;		      /* 4 or 6 */
	uint8_t saddr[16], daddr[16]; /* IPv4 uses the first 4 bytes */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags; /* TCP_FLAG_* */
	uint16_t window;
	uint32_t payload_len; /* payload bytes written after the header (a byte pattern) */
	uint16_t mss;	      /* 0: no MSS option */
	int wscale;	      /* -1: no window-scale option; else the raw shift byte 0..255 */
	bool sack_perm;
	uint8_t sack_count; /* 0..4 SACK blocks */
	struct packet_sack_block sack[PACKET_SACK_MAX];
	bool ts; /* timestamp option */
	uint32_t tsval, tsecr;
};

/* Defaults: given family, 192.0.2.1:40000 -> 198.51.100.2:80 (or 2001:db8::1 -> 2001:db8::2),
 * ACK flag, seq 1000, ack 2000, window 65535, no options, no payload.
 */
void pktbuild_init(struct pktbuild *b, uint8_t family);

/* Writes the segment to buf (cap bytes): IPv4 (valid header checksum) or IPv6 header, TCP header
 * with options padded to 4 bytes, valid TCP checksum, payload. A packet longer than the 16-bit
 * length field gets 0 there, as BIG TCP does. Returns the total length, or 0 if it does not fit
 * in cap or the options exceed 40 bytes.
 */
size_t pktbuild_write(const struct pktbuild *b, uint8_t *buf, size_t cap);

/* Builds and parses in one step (buf holds the bytes p borrows). Returns packet_parse's reason,
 * or _REASON_MAX when the segment could not be written.
 */
enum reason pktbuild_parse(const struct pktbuild *b, uint8_t *buf, size_t cap, struct packet *p);

/* Like pktbuild_write, but the TCP option area is exactly `opts` (opt_len bytes, a multiple of
 * 4, at most 40); b's option fields are ignored. Returns the total length or 0.
 */
size_t pktbuild_write_opts(const struct pktbuild *b, const uint8_t *opts, size_t opt_len,
			   uint8_t *buf, size_t cap);

/* The payload byte pktbuild writes at payload offset i. */
uint8_t pktbuild_payload_byte(size_t i);

/* Offset of the TCP header in a packet pktbuild wrote (IPv6: after the extension headers this
 * file can push). Trusts the bytes: only for packets the test built.
 */
size_t pktbuild_tcp_offset(const uint8_t *buf);

/* Recomputes the IPv4 header checksum after a test edited the header. */
void pktbuild_ip4_fix_csum(uint8_t *buf);

/* True when the IPv4 header checksum (IPv4 only) and the TCP checksum of the `len`-byte packet
 * verify.
 */
bool pktbuild_csum_ok(const uint8_t *buf, size_t len);

/* Inserts `opt_len` bytes of IPv4 options (a multiple of 4, at most 40) after the fixed header
 * of the `len`-byte IPv4 packet in buf; updates IHL, total length and header checksum. Returns
 * the new length, or 0 if it does not fit in cap or opt_len is invalid.
 */
size_t pktbuild_ip4_push_options(uint8_t *buf, size_t len, size_t cap, const uint8_t *opts,
				 size_t opt_len);

/* Sets the IPv4 fragment offset (8-byte units, 13 bits) and MF bit, keeping DF clear, and
 * fixes the header checksum.
 */
void pktbuild_ip4_set_frag(uint8_t *buf, uint16_t offset_units, bool mf);

/* Inserts an IPv6 extension header of type `type` (0, 43, 60, 51) and `hdr_len` total bytes
 * directly after the fixed IPv6 header, so it becomes the first in the chain: push in reverse
 * order. hdr_len must be a multiple of 8 (of 4 for AH), 8..2048. The body is a PadN option
 * (0, 60), routing type 253 with segments left 0 (43), or zeros (51). Updates payload length.
 * Returns the new length, or 0 if it does not fit or the arguments are invalid.
 */
size_t pktbuild_ip6_push_exthdr(uint8_t *buf, size_t len, size_t cap, uint8_t type, size_t hdr_len);

/* Inserts an IPv6 fragment header (offset in 8-byte units, M flag) first in the chain. Returns
 * the new length or 0.
 */
size_t pktbuild_ip6_push_frag(uint8_t *buf, size_t len, size_t cap, uint16_t offset_units,
			      bool more);

#endif /* TCPFW_PKTBUILD_H */
