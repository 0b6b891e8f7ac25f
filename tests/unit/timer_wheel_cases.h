/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timer_wheel_cases - what test_timer_wheel.c and test_timer_wheel_diff.c share: a wheel, the
 * reference rounding of an expiry, a small seeded generator (xorshift64*), and a caller record that
 * holds a wheel node. Linked into every unit test binary, hence the twcase_ prefix.
 */
#ifndef TCPFW_TIMER_WHEEL_CASES_H
#define TCPFW_TIMER_WHEEL_CASES_H

#include <stdint.h>

#include "timer_wheel.h"

/* A new wheel with these parameters, its tick 0 at now; fails the test if it cannot be made. */
struct timer_wheel *twcase_wheel(uint32_t capacity, uint32_t tick_ms, uint32_t slots, uint64_t now);

/* The reference rounding: expire_ms up to the next tick boundary counted from base. */
uint64_t twcase_rounded(uint64_t base, uint32_t tick, uint64_t expire);

/* The caller's records hold the nodes: the wheel touches nothing else in them. */
struct record {
	uint32_t before;
	struct timer_wheel_node node;
	uint32_t after[2];
};

/* The generator's state: a test seeds it by assigning a non-zero value. */
extern uint64_t twcase_rng_state;

/* The next number, and one below n (0 when n is 0). */
uint64_t twcase_rng(void);
uint64_t twcase_rng_below(uint64_t n);

#endif /* TCPFW_TIMER_WHEEL_CASES_H */
