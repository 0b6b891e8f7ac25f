/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seq - TCP sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4).
 *
 * a is "before" b when the signed 32-bit difference a - b is negative, so every comparison is
 * correct across the wrap at 2^32 as long as the two numbers are less than 2^31 apart, which the
 * window checks guarantee. Header-only; no dependencies.
 */
#ifndef TCPFW_SEQ_H
#define TCPFW_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline bool seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* The later of two sequence numbers. */
static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
	return seq_gt(a, b) ? a : b;
}

/* The earlier of two sequence numbers. */
static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? a : b;
}

#endif /* TCPFW_SEQ_H */
