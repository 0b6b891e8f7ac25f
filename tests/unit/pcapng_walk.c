// SPDX-License-Identifier: GPL-2.0-or-later
/* pcapng_walk - see pcapng_walk.h. Section numbers are draft-ietf-opsawg-pcapng's. */
#include "pcapng_walk.h"

#include <stdbool.h>
#include <string.h>

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* 3.5: code, length, value padded to 4; the last option is opt_endofopt (0, 0), and here it
 * must end the area exactly. */
static bool options_ok(const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off + 4 <= len) {
		uint16_t code = rd16(p + off), n = rd16(p + off + 2);

		if (code == 0)
			return n == 0 && off + 4 == len;
		if (pad4(n) > len - off - 4)
			return false;
		off += 4 + pad4(n);
	}
	return false;
}

/* Where the fixed fields end and the options begin (4.1, 4.2, 4.3); 0 when they do not fit. */
static size_t fixed_len(struct pcapng_walk_block *b)
{
	const uint8_t *p = b->body;

	switch (b->type) {
	case PCAPNG_WALK_SHB:
		return b->body_len >= 16 && rd32(p) == 0x1a2b3c4d ? 16 : 0;
	case PCAPNG_WALK_IDB:
		if (b->body_len < 8)
			return 0;
		b->linktype = rd16(p);
		b->snaplen = rd32(p + 4);
		return 8;
	case PCAPNG_WALK_EPB:
		if (b->body_len < 20)
			return 0;
		b->ts = (uint64_t)rd32(p + 4) << 32 | rd32(p + 8);
		b->caplen = rd32(p + 12);
		b->origlen = rd32(p + 16);
		b->data = p + 20;
		if (pad4(b->caplen) > b->body_len - 20)
			return 0;
		return 20 + pad4(b->caplen);
	}
	return SIZE_MAX; /* a block without known options */
}

int pcapng_walk_next(const uint8_t *buf, size_t len, size_t *off, struct pcapng_walk_block *b,
		     const char **why)
{
	size_t at = *off;

	memset(b, 0, sizeof(*b));
	if (at == len)
		return 0;
	*why = "block header past the end";
	if (len - at < 12)
		return -1;
	b->type = rd32(buf + at);
	b->total_len = rd32(buf + at + 4);
	*why = "total length not a multiple of 4, under 12 or past the end";
	if (b->total_len % 4 || b->total_len < 12 || b->total_len > len - at)
		return -1;
	*why = "trailing total length differs";
	if (rd32(buf + at + b->total_len - 4) != b->total_len)
		return -1;
	b->body = buf + at + 8;
	b->body_len = b->total_len - 12;

	size_t fixed = fixed_len(b);
	*why = "fixed fields do not fit the block";
	if (!fixed)
		return -1;
	if (fixed != SIZE_MAX) {
		b->options = b->body + fixed;
		b->options_len = b->body_len - fixed;
		*why = "options malformed or not ended by opt_endofopt";
		if (!options_ok(b->options, b->options_len))
			return -1;
	}
	*off = at + b->total_len;
	*why = NULL;
	return 1;
}

const uint8_t *pcapng_walk_option(const struct pcapng_walk_block *b, uint16_t code, uint16_t *len)
{
	size_t off = 0;

	/* pcapng_walk_next checked the framing */
	while (b->options && off + 4 <= b->options_len) {
		uint16_t c = rd16(b->options + off), n = rd16(b->options + off + 2);

		if (c == 0)
			break;
		if (c == code) {
			*len = n;
			return b->options + off + 4;
		}
		off += 4 + pad4(n);
	}
	return NULL;
}
