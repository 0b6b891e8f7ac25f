// SPDX-License-Identifier: GPL-2.0-or-later
/* What the timer_wheel tests share: see timer_wheel_cases.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "timer_wheel_cases.h"

struct timer_wheel *twcase_wheel(uint32_t capacity, uint32_t tick_ms, uint32_t slots, uint64_t now)
{
	struct timer_wheel_params p = {.capacity = capacity, .tick_ms = tick_ms, .slots = slots};
	struct timer_wheel *w = NULL;

	assert_int_equal(timer_wheel_new(&p, now, &w), 0);
	assert_non_null(w);
	return w;
}

/* The reference rounding: expire_ms up to the next tick boundary counted from base. */
uint64_t twcase_rounded(uint64_t base, uint32_t tick, uint64_t expire)
{
	uint64_t d = expire <= base ? 0 : expire - base;

	return base + (d + tick - 1) / tick * tick;
}

uint64_t twcase_rng_state;

uint64_t twcase_rng(void)
{
	uint64_t x = twcase_rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	twcase_rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

uint64_t twcase_rng_below(uint64_t n)
{
	return n ? twcase_rng() % n : 0;
}
