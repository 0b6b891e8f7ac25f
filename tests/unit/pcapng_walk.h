/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcapng_walk - test helper: an independent reader of the pcapng blocks lib/pcapng writes, for
 * what libpcap does not show (options such as comments, the raw length fields). It knows the
 * format from the spec, not from lib/pcapng.c, and it is strict: every length is checked, and
 * a block's options must end with opt_endofopt exactly at its trailing length field. Host byte
 * order only, as the writer uses. Borrows the caller's buffer.
 */
#ifndef TCPFW_PCAPNG_WALK_H
#define TCPFW_PCAPNG_WALK_H

#include <stddef.h>
#include <stdint.h>

#define PCAPNG_WALK_SHB 0x0a0d0d0a
#define PCAPNG_WALK_IDB 0x00000001
#define PCAPNG_WALK_EPB 0x00000006

struct pcapng_walk_block {
	uint32_t type;
	uint32_t total_len;	  /* both length fields, which the walker checked agree */
	const uint8_t *body;	  /* after the type and length fields */
	size_t body_len;	  /* total_len - 12 */
	const uint8_t *options;	  /* the options inside body (SHB, IDB, EPB), else NULL */
	size_t options_len;	  /* up to and including opt_endofopt */
	uint32_t caplen, origlen; /* EPB */
	uint64_t ts;		  /* EPB, in the interface's units */
	const uint8_t *data;	  /* EPB: caplen bytes */
	uint16_t linktype;	  /* IDB */
	uint32_t snaplen;	  /* IDB */
};

/*
 * The block at *off in buf (len bytes): fills b and moves *off past it. Returns 1, 0 when *off
 * is at the end, or -1 (with a reason in *why) when the block or its options are malformed.
 */
int pcapng_walk_next(const uint8_t *buf, size_t len, size_t *off, struct pcapng_walk_block *b,
		     const char **why);

/* The value of the first option code in b (its length in *len), or NULL when b has none. */
const uint8_t *pcapng_walk_option(const struct pcapng_walk_block *b, uint16_t code, uint16_t *len);

#endif /* TCPFW_PCAPNG_WALK_H */
