// SPDX-License-Identifier: GPL-2.0-or-later
#include "pcapng.h"

#include <stdbool.h>
#include <string.h>

/* Block types and option codes: draft-ietf-opsawg-pcapng sections 4.1-4.3 and 3.5. */
#define BLOCK_SHB	   0x0a0d0d0a
#define BLOCK_IDB	   0x00000001
#define BLOCK_EPB	   0x00000006
#define BYTE_ORDER_MAGIC   0x1a2b3c4d
#define OPT_ENDOFOPT	   0
#define OPT_COMMENT	   1
#define OPT_IF_NAME	   2
#define OPT_IF_DESCRIPTION 3
#define OPT_SHB_USERAPPL   4
#define OPT_IF_TSRESOL	   9
#define TSRESOL_US	   6 /* 10^-6 s, the unit of the timestamps */

/*
 * The blocks are laid out twice by the same code: once to count (out NULL), once to write, so
 * the size returned and the bytes written cannot disagree.
 */
struct cursor {
	uint8_t *out;
	size_t len;
};

static void put(struct cursor *c, const void *src, size_t n)
{
	if (c->out && n)
		memcpy(c->out + c->len, src, n);
	c->len += n;
}

static void put_u16(struct cursor *c, uint16_t v)
{
	put(c, &v, sizeof(v));
}

static void put_u32(struct cursor *c, uint32_t v)
{
	put(c, &v, sizeof(v));
}

/* Zeros up to the next multiple of 4. */
static void put_pad(struct cursor *c)
{
	static const uint8_t zeros[3];

	put(c, zeros, -c->len & 3);
}

static void put_option(struct cursor *c, uint16_t code, const void *value, uint16_t len)
{
	put_u16(c, code);
	put_u16(c, len);
	put(c, value, len);
	put_pad(c);
}

/* The bytes of s that go into a string option: at most PCAPNG_STRING_MAX, and a cut never
 * splits a UTF-8 character (a lead byte has up to 3 continuation bytes, 10xxxxxx). */
static uint16_t string_len(const char *s)
{
	size_t n = strnlen(s, PCAPNG_STRING_MAX + 1);

	if (n > PCAPNG_STRING_MAX) {
		n = PCAPNG_STRING_MAX;
		for (unsigned i = 0; i < 3 && n && ((uint8_t)s[n] & 0xc0) == 0x80; i++)
			n--;
	}
	return (uint16_t)n;
}

/* No option for NULL or "". strnlen stops at the NUL, so none is ever written. */
static void put_string_option(struct cursor *c, uint16_t code, const char *s)
{
	uint16_t n = s ? string_len(s) : 0;

	if (n)
		put_option(c, code, s, n);
}

static size_t block_begin(struct cursor *c, uint32_t type)
{
	size_t start = c->len;

	put_u32(c, type);
	put_u32(c, 0); /* total length, known at the end */
	return start;
}

/* Ends the options and the block: the total length at both ends. */
static void block_end(struct cursor *c, size_t start)
{
	put_u16(c, OPT_ENDOFOPT);
	put_u16(c, 0);
	uint32_t total = (uint32_t)(c->len + 4 - start);
	put_u32(c, total);
	if (c->out)
		memcpy(c->out + start + 4, &total, sizeof(total));
}

static bool snaplen_ok(uint32_t snaplen)
{
	return snaplen >= 1 && snaplen <= PCAPNG_SNAPLEN_MAX;
}

static void put_header(struct cursor *c, const struct pcapng_header_params *p)
{
	size_t start = block_begin(c, BLOCK_SHB);
	uint8_t tsresol = TSRESOL_US;

	put_u32(c, BYTE_ORDER_MAGIC);
	put_u16(c, 1); /* version 1.0 */
	put_u16(c, 0);
	put_u32(c, UINT32_MAX); /* section length -1: not given */
	put_u32(c, UINT32_MAX);
	put_string_option(c, OPT_SHB_USERAPPL, p->userappl);
	block_end(c, start);

	start = block_begin(c, BLOCK_IDB);
	put_u16(c, p->linktype);
	put_u16(c, 0);
	put_u32(c, p->snaplen);
	put_string_option(c, OPT_IF_NAME, p->if_name);
	put_string_option(c, OPT_IF_DESCRIPTION, p->if_description);
	put_option(c, OPT_IF_TSRESOL, &tsresol, 1);
	block_end(c, start);
}

size_t pcapng_header(uint8_t *out, size_t cap, const struct pcapng_header_params *p)
{
	struct cursor c = {0};

	if (!snaplen_ok(p->snaplen))
		return 0;
	put_header(&c, p);
	if (cap >= c.len) {
		c = (struct cursor){.out = out};
		put_header(&c, p);
	}
	return c.len;
}

static void put_packet(struct cursor *c, const struct pcapng_packet_params *p, uint32_t caplen)
{
	size_t start = block_begin(c, BLOCK_EPB);

	put_u32(c, 0); /* interface 0, the header's */
	put_u32(c, (uint32_t)(p->ts_us >> 32));
	put_u32(c, (uint32_t)p->ts_us);
	put_u32(c, caplen);
	put_u32(c, p->origlen);
	put(c, p->data, caplen);
	put_pad(c);
	put_string_option(c, OPT_COMMENT, p->comment);
	block_end(c, start);
}

size_t pcapng_packet(uint8_t *out, size_t cap, const struct pcapng_packet_params *p)
{
	struct cursor c = {0};
	uint32_t caplen = p->caplen;

	if (!snaplen_ok(p->snaplen))
		return 0;
	if (caplen > p->origlen)
		caplen = p->origlen;
	if (caplen > p->snaplen)
		caplen = p->snaplen;
	if (caplen && !p->data)
		return 0;
	put_packet(&c, p, caplen);
	if (cap >= c.len) {
		c = (struct cursor){.out = out};
		put_packet(&c, p, caplen);
	}
	return c.len;
}
