/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet_options - the TCP option walk, shared by the parser (packet.c) and the in-kernel fast
 * path (bpf/fastpath.bpf.c), so that both read the same options from the same bytes.
 *
 * Written for the BPF verifier as much as for C: the walk is a counted loop, and every read is
 * at an index masked to PACKET_OPT_BUF - 1, in a buffer the caller guarantees holds
 * PACKET_OPT_BUF + 3 bytes (the BPF program's stack copy) or at least `len` bytes, of which the
 * walk reads no byte past `len` (packet.c's header: every index it reads is checked against
 * len first, so the mask never changes it).
 */
#ifndef TCPFW_PACKET_OPTIONS_H
#define TCPFW_PACKET_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

#define PACKET_OPT_LEN_MAX 40 /* doff 15: 60 - 20 bytes */
#define PACKET_OPT_BUF	   64 /* power of two above PACKET_OPT_LEN_MAX: the index mask */

/* TCP option kinds (RFC 9293, RFC 2018, RFC 7323, RFC 2385, RFC 5925). */
#define PACKET_TCPOPT_EOL	0
#define PACKET_TCPOPT_NOP	1
#define PACKET_TCPOPT_MSS	2
#define PACKET_TCPOPT_WSCALE	3
#define PACKET_TCPOPT_SACK_PERM 4
#define PACKET_TCPOPT_SACK	5
#define PACKET_TCPOPT_TIMESTAMP 8
#define PACKET_TCPOPT_MD5	19 /* RFC 2385, always 18 bytes */
#define PACKET_TCPOPT_AO	29 /* RFC 5925, 4 bytes and the MAC */

#define PACKET_TCPOPT_TS_ALIGNED 0x0101080aU /* NOP, NOP, kind 8, length 10 */

#define PACKET_OPT_AT(i) ((i) & (PACKET_OPT_BUF - 1))

static inline __attribute__((always_inline)) uint32_t packet_opt_be32(const uint8_t *o, unsigned i)
{
	return (uint32_t)o[PACKET_OPT_AT(i)] << 24 | (uint32_t)o[PACKET_OPT_AT(i + 1)] << 16 |
	       (uint32_t)o[PACKET_OPT_AT(i + 2)] << 8 | o[PACKET_OPT_AT(i + 3)];
}

/* One option of `size` bytes (2 <= size, and it fits) at o[i]. Like the kernel's
 * tcp_parse_options, an option of the wrong size is skipped, not fatal, and a repeated option
 * overwrites the earlier one: the endpoint will use the last. */
static inline __attribute__((always_inline)) void
packet_option_at(const uint8_t *o, unsigned i, unsigned size, struct packet_options *opt)
{
	uint8_t kind = o[PACKET_OPT_AT(i)];

	if (kind == PACKET_TCPOPT_MSS) {
		if (size == 4) {
			opt->mss =
				(uint16_t)(o[PACKET_OPT_AT(i + 2)] << 8 | o[PACKET_OPT_AT(i + 3)]);
			opt->present |= PACKET_OPT_MSS;
		}
	} else if (kind == PACKET_TCPOPT_WSCALE) {
		if (size == 3) {
			uint8_t ws = o[PACKET_OPT_AT(i + 2)];

			/* RFC 7323 section 2.3: a shift above 14 is used as 14 */
			opt->wscale = ws > PACKET_WSCALE_MAX ? PACKET_WSCALE_MAX : ws;
			opt->present |= PACKET_OPT_WSCALE;
		}
	} else if (kind == PACKET_TCPOPT_SACK_PERM) {
		if (size == 2)
			opt->present |= PACKET_OPT_SACK_PERM;
	} else if (kind == PACKET_TCPOPT_SACK) {
		/* RFC 2018 section 3: 2 + 8n bytes, n >= 1; 40 option bytes cap n at 4 */
		if (size < 10 || (size - 2) % 8)
			return;
		unsigned n = (size - 2) / 8;

		if (n > PACKET_SACK_MAX)
			n = PACKET_SACK_MAX;
		for (unsigned b = 0; b < PACKET_SACK_MAX; b++) {
			if (b >= n)
				break;
			opt->sack[b].left = packet_opt_be32(o, i + 2 + 8 * b);
			opt->sack[b].right = packet_opt_be32(o, i + 6 + 8 * b);
		}
		opt->sack_count = (uint8_t)n;
		opt->present |= PACKET_OPT_SACK;
	} else if (kind == PACKET_TCPOPT_TIMESTAMP) {
		if (size == 10) {
			opt->tsval = packet_opt_be32(o, i + 2);
			opt->tsecr = packet_opt_be32(o, i + 6);
			opt->present |= PACKET_OPT_TIMESTAMP;
		}
	} else if (kind == PACKET_TCPOPT_MD5 || kind == PACKET_TCPOPT_AO) {
		/* Linux reads an MD5 option only at its one size; a second signature option of
		 * either kind makes the segment one no receiver accepts: both bits say so */
		if (kind == PACKET_TCPOPT_MD5 ? size != 18 : size < 4)
			return;
		if (opt->present & (PACKET_OPT_MD5 | PACKET_OPT_AO))
			opt->present |= PACKET_OPT_MD5 | PACKET_OPT_AO;
		else
			opt->present |= kind == PACKET_TCPOPT_MD5 ? PACKET_OPT_MD5 : PACKET_OPT_AO;
	}
}

/* NOP, NOP, timestamp: the layout every common stack uses on non-SYN segments; the kernel takes
 * the same shortcut (tcp_parse_aligned_timestamp). True when o[0 .. len) is exactly that. */
static inline __attribute__((always_inline)) bool
packet_options_aligned_ts(const uint8_t *o, unsigned len, struct packet_options *opt)
{
	if (len != 12 || packet_opt_be32(o, 0) != PACKET_TCPOPT_TS_ALIGNED)
		return false;
	opt->tsval = packet_opt_be32(o, 4);
	opt->tsecr = packet_opt_be32(o, 8);
	opt->present = PACKET_OPT_TIMESTAMP;
	return true;
}

/*
 * One step of the walk over the option area o[0 .. len): reads the option at o[*i] and moves
 * *i past it. False when the walk ends. The stop rules are the kernel's tcp_parse_options and
 * conntrack's tcp_options ones: EOL ends the list; a kind with no room for its length byte, a
 * length below 2 ("silly options", the classic out-of-bounds bug) or a length running past the
 * header ends the walk. Stopping is not an error: what was read stays. A step consumes at
 * least one byte, so PACKET_OPT_LEN_MAX steps finish any walk. (The BPF program drives the
 * steps with bpf_loop, which the verifier checks once rather than per iteration.)
 */
static inline __attribute__((always_inline)) bool
packet_options_step(const uint8_t *o, unsigned len, unsigned *i, struct packet_options *opt)
{
	unsigned at = *i;

	if (at >= len)
		return false;
	uint8_t kind = o[PACKET_OPT_AT(at)];

	if (kind == PACKET_TCPOPT_EOL)
		return false;
	if (kind == PACKET_TCPOPT_NOP) {
		*i = at + 1;
		return true;
	}
	if (len - at < 2)
		return false;
	unsigned size = o[PACKET_OPT_AT(at + 1)];

	if (size < 2 || size > len - at)
		return false;
	packet_option_at(o, at, size, opt);
	*i = at + size;
	return true;
}

/* Walks the option area o[0 .. len) (len = doff * 4 - 20, at most 40) into *opt, which the
 * caller has zeroed. */
static inline __attribute__((always_inline)) void
packet_options_walk(const uint8_t *o, unsigned len, struct packet_options *opt)
{
	unsigned i = 0;

	if (packet_options_aligned_ts(o, len, opt))
		return;
	for (unsigned step = 0; step < PACKET_OPT_LEN_MAX; step++)
		if (!packet_options_step(o, len, &i, opt))
			return;
}

#endif /* TCPFW_PACKET_OPTIONS_H */
