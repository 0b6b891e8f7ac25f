/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * le - little-endian integers written to and read from a byte buffer through a cursor, field by
 * field, never as memory images: the one implementation the snapshot file, the flow record and
 * the sync protocol share. Inline functions only, no state. A cursor never checks bounds: the
 * caller has checked the length before it starts.
 */
#ifndef TCPFW_LE_H
#define TCPFW_LE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct le_out {
	uint8_t *p;
};

struct le_in {
	const uint8_t *p;
};

static inline void le_put8(struct le_out *o, uint8_t v)
{
	*o->p++ = v;
}

static inline void le_put16(struct le_out *o, uint16_t v)
{
	le_put8(o, (uint8_t)v);
	le_put8(o, (uint8_t)(v >> 8));
}

static inline void le_put32(struct le_out *o, uint32_t v)
{
	le_put16(o, (uint16_t)v);
	le_put16(o, (uint16_t)(v >> 16));
}

static inline void le_put64(struct le_out *o, uint64_t v)
{
	le_put32(o, (uint32_t)v);
	le_put32(o, (uint32_t)(v >> 32));
}

static inline void le_put_bytes(struct le_out *o, const void *src, size_t n)
{
	memcpy(o->p, src, n);
	o->p += n;
}

static inline uint8_t le_get8(struct le_in *i)
{
	return *i->p++;
}

static inline uint16_t le_get16(struct le_in *i)
{
	uint16_t v = le_get8(i);
	return (uint16_t)(v | (uint16_t)le_get8(i) << 8);
}

static inline uint32_t le_get32(struct le_in *i)
{
	uint32_t v = le_get16(i);
	return v | (uint32_t)le_get16(i) << 16;
}

static inline uint64_t le_get64(struct le_in *i)
{
	uint64_t v = le_get32(i);
	return v | (uint64_t)le_get32(i) << 32;
}

static inline void le_get_bytes(struct le_in *i, void *dst, size_t n)
{
	memcpy(dst, i->p, n);
	i->p += n;
}

#endif /* TCPFW_LE_H */
