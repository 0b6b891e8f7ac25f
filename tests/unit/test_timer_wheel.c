// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timer_wheel.h"

#define DAY_MS	(24ull * 3600 * 1000)
#define REC_MAX 20000

/* What a callback saw: ids in firing order, and the time of the advance that fired them. */
struct rec {
	struct timer_wheel *w;
	uint64_t now;
	unsigned n;
	uint32_t ids[REC_MAX];
	uint64_t at[REC_MAX];
};

static void rec_fn(uint32_t id, void *arg)
{
	struct rec *r = arg;

	assert_true(r->n < REC_MAX);
	assert_false(timer_wheel_is_armed(r->w, id));
	r->ids[r->n] = id;
	r->at[r->n] = r->now;
	r->n++;
}

static struct rec *rec_new(struct timer_wheel *w)
{
	struct rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->w = w;
	return r;
}

static unsigned rec_advance(struct rec *r, uint64_t now, unsigned budget)
{
	unsigned before = r->n, fired;

	r->now = now;
	fired = timer_wheel_advance(r->w, now, budget, rec_fn, r);
	assert_int_equal(fired, r->n - before);
	return fired;
}

static struct timer_wheel *wheel(uint32_t capacity, uint32_t tick_ms, uint32_t slots, uint64_t now)
{
	struct timer_wheel_params p = {.capacity = capacity, .tick_ms = tick_ms, .slots = slots};
	struct timer_wheel *w = NULL;

	assert_int_equal(timer_wheel_new(&p, now, &w), 0);
	assert_non_null(w);
	return w;
}

/* The reference rounding: expire_ms up to the next tick boundary counted from base. */
static uint64_t rounded(uint64_t base, uint32_t tick, uint64_t expire)
{
	uint64_t d = expire <= base ? 0 : expire - base;

	return base + (d + tick - 1) / tick * tick;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint64_t rng_below(uint64_t n)
{
	return n ? rng() % n : 0;
}

static void test_new_rejects_bad_params(void **state)
{
	static const struct timer_wheel_params bad[] = {
		{.capacity = 0, .tick_ms = 10, .slots = 8},
		{.capacity = 4, .tick_ms = 0, .slots = 8},
		{.capacity = 4, .tick_ms = 1001, .slots = 8},
		{.capacity = 4, .tick_ms = 10, .slots = 0},
		{.capacity = 4, .tick_ms = 10, .slots = 1},
		{.capacity = 4, .tick_ms = 10, .slots = 3},
		{.capacity = 4, .tick_ms = 10, .slots = 96},
		{.capacity = UINT32_MAX - 8, .tick_ms = 10, .slots = 8},
		{.capacity = TIMER_WHEEL_MAX_LINKS - 8 - 1, .tick_ms = 10, .slots = 8},
	};
	struct timer_wheel_params ok = {.capacity = 4, .tick_ms = 1000, .slots = 2};
	struct timer_wheel *untouched = (struct timer_wheel *)&ok;
	struct timer_wheel *w = untouched;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(timer_wheel_new(&bad[i], 0, &w), -EINVAL);
		assert_ptr_equal(w, untouched);
	}
	assert_int_equal(timer_wheel_new(NULL, 0, &w), -EINVAL);
	assert_int_equal(timer_wheel_new(&ok, 0, NULL), -EINVAL);
	assert_ptr_equal(w, untouched);
	assert_int_equal(timer_wheel_new(&ok, 0, &w), 0);
	assert_int_equal(timer_wheel_armed_count(w), 0);
	assert_false(timer_wheel_behind(w, UINT64_MAX));
	timer_wheel_free(w);
	timer_wheel_free(NULL);
}

static void test_memory_is_12_bytes_per_id(void **state)
{
	struct timer_wheel *w = wheel(100000, 100, 4096, 0);
	size_t m = timer_wheel_memory(w);

	(void)state;
	assert_true(m >= 12u * 100000);
	assert_true(m <= 12u * (100000 + 4096 + 2) + 256);
	timer_wheel_free(w);
}

/* Walks the clock one ms at a time: each timer fires exactly at its rounded expiry. */
static void test_fires_at_rounded_expiry(void **state)
{
	const uint64_t base = 1003;
	const uint32_t tick = 7, n = 300;
	struct timer_wheel *w = wheel(n, tick, 16, base);
	struct rec *r = rec_new(w);
	uint64_t exp[300];

	(void)state;
	for (uint32_t i = 0; i < n; i++) {
		exp[i] = base + 1 + (i * 37) % 400;
		timer_wheel_schedule(w, i, exp[i]);
		assert_int_equal(timer_wheel_expiry_ms(w, i), rounded(base, tick, exp[i]));
		assert_true(timer_wheel_expiry_ms(w, i) >= exp[i]);
		assert_true(timer_wheel_expiry_ms(w, i) < exp[i] + tick);
	}
	assert_int_equal(timer_wheel_armed_count(w), n);
	for (uint64_t now = base; now <= base + 420; now++)
		rec_advance(r, now, UINT_MAX);
	assert_int_equal(r->n, n);
	for (unsigned k = 0; k < r->n; k++)
		assert_int_equal(r->at[k], rounded(base, tick, exp[r->ids[k]]));
	assert_int_equal(timer_wheel_armed_count(w), 0);
	free(r);
	timer_wheel_free(w);
}

static void test_expiry_minus_one_and_exact(void **state)
{
	struct timer_wheel *w = wheel(8, 10, 16, 1000);
	struct rec *r = rec_new(w);

	(void)state;
	timer_wheel_schedule(w, 3, 1095);
	timer_wheel_schedule(w, 4, 1200);
	assert_int_equal(timer_wheel_expiry_ms(w, 3), 1100);
	assert_int_equal(timer_wheel_expiry_ms(w, 4), 1200);
	assert_int_equal(rec_advance(r, 1094, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 1099, UINT_MAX), 0);
	assert_true(timer_wheel_is_armed(w, 3));
	assert_int_equal(rec_advance(r, 1100, UINT_MAX), 1);
	assert_int_equal(r->ids[0], 3);
	assert_false(timer_wheel_is_armed(w, 3));
	assert_int_equal(timer_wheel_expiry_ms(w, 3), 0);
	assert_int_equal(rec_advance(r, 1199, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 1200, UINT_MAX), 1);
	assert_int_equal(r->ids[1], 4);
	assert_int_equal(rec_advance(r, 5000, UINT_MAX), 0);
	free(r);
	timer_wheel_free(w);
}

static void test_reschedule_moves(void **state)
{
	struct timer_wheel *w = wheel(8, 100, 8, 0);
	struct rec *r = rec_new(w);

	(void)state;
	timer_wheel_schedule(w, 1, 500);
	timer_wheel_schedule(w, 1, 2000); /* later */
	timer_wheel_schedule(w, 2, 5000);
	timer_wheel_schedule(w, 2, 2500); /* earlier */
	timer_wheel_schedule(w, 3, 3010);
	timer_wheel_schedule(w, 3, 3090); /* same tick */
	assert_int_equal(timer_wheel_armed_count(w), 3);
	assert_int_equal(timer_wheel_expiry_ms(w, 1), 2000);
	assert_int_equal(timer_wheel_expiry_ms(w, 2), 2500);
	assert_int_equal(timer_wheel_expiry_ms(w, 3), 3100);
	for (uint64_t now = 0; now < 2000; now += 50)
		assert_int_equal(rec_advance(r, now, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 2000, UINT_MAX), 1);
	assert_int_equal(r->ids[0], 1);
	assert_int_equal(rec_advance(r, 2499, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 2500, UINT_MAX), 1);
	assert_int_equal(r->ids[1], 2);
	assert_int_equal(rec_advance(r, 3099, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 3100, UINT_MAX), 1);
	assert_int_equal(r->ids[2], 3);
	free(r);
	timer_wheel_free(w);
}

static void test_cancel(void **state)
{
	struct timer_wheel *w = wheel(8, 10, 4, 0);
	struct rec *r = rec_new(w);

	(void)state;
	timer_wheel_schedule(w, 0, 100);
	timer_wheel_schedule(w, 1, 100);
	timer_wheel_schedule(w, 2, 100);
	timer_wheel_schedule(w, 99, 100); /* out of range: ignored */
	timer_wheel_cancel(w, 1);
	timer_wheel_cancel(w, 1);
	timer_wheel_cancel(w, 7);
	timer_wheel_cancel(w, 99);
	assert_false(timer_wheel_is_armed(w, 1));
	assert_false(timer_wheel_is_armed(w, 99));
	assert_int_equal(timer_wheel_armed_count(w), 2);
	assert_int_equal(rec_advance(r, 1000, UINT_MAX), 2);
	assert_int_equal(r->ids[0], 0);
	assert_int_equal(r->ids[1], 2);
	timer_wheel_cancel(w, 0);
	assert_int_equal(timer_wheel_armed_count(w), 0);
	assert_int_equal(rec_advance(r, 2000, UINT_MAX), 0);
	free(r);
	timer_wheel_free(w);
}

static void test_past_fires_next_advance(void **state)
{
	struct timer_wheel *w = wheel(8, 10, 8, 0);
	struct rec *r = rec_new(w);

	(void)state;
	rec_advance(r, 1004, UINT_MAX);
	timer_wheel_schedule(w, 1, 500);
	timer_wheel_schedule(w, 2, 1000); /* the wheel's current time */
	timer_wheel_schedule(w, 3, 0);
	timer_wheel_schedule(w, 4, 1001); /* rounds to 1010: not past */
	assert_int_equal(timer_wheel_expiry_ms(w, 1), 500);
	assert_int_equal(timer_wheel_expiry_ms(w, 3), 0);
	assert_true(timer_wheel_behind(w, 1004));
	assert_int_equal(rec_advance(r, 1004, UINT_MAX), 3);
	assert_int_equal(r->ids[0], 1);
	assert_int_equal(r->ids[1], 2);
	assert_int_equal(r->ids[2], 3);
	assert_false(timer_wheel_behind(w, 1004));
	/* A clock that goes backwards changes nothing, yet past timers still fire. */
	timer_wheel_schedule(w, 5, 100);
	assert_int_equal(rec_advance(r, 900, UINT_MAX), 1);
	assert_int_equal(r->ids[3], 5);
	assert_int_equal(rec_advance(r, 1009, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 1010, UINT_MAX), 1);
	assert_int_equal(r->ids[4], 4);
	free(r);
	timer_wheel_free(w);
}

/* Flow-sized timeouts on a 4096-slot wheel: hundreds of revolutions, still on the tick. */
static void test_five_days_on_time(void **state)
{
	static const uint64_t timeout[] = {432000000, 432000000 - 1, 86400000 + 55,	7200000,
					   30000,     120000 + 1,    432000000 - 409600};
	const uint64_t base = 12345;
	const uint32_t n = sizeof(timeout) / sizeof(timeout[0]);
	struct timer_wheel *w = wheel(n, 100, 4096, base);
	struct rec *r = rec_new(w);

	(void)state;
	for (uint32_t i = 0; i < n; i++)
		timer_wheel_schedule(w, i, base + timeout[i]);
	for (uint64_t now = base; now <= base + 432000000 + 100; now += 100)
		rec_advance(r, now, UINT_MAX);
	assert_int_equal(r->n, n);
	for (unsigned k = 0; k < r->n; k++)
		assert_int_equal(r->at[k], rounded(base, 100, base + timeout[r->ids[k]]));
	free(r);
	timer_wheel_free(w);
}

/* Insertion rank of id i below: i = 17 k mod 50, so k = 3 i mod 50 (17 * 3 = 51). */
static unsigned order_key(uint32_t i)
{
	return (i / 2) * 100 + (i * 3) % 50;
}

static void test_budget_one_in_order(void **state)
{
	const uint32_t n = 50, slots = 64;
	struct timer_wheel *w = wheel(n, 10, slots, 0);
	struct rec *r = rec_new(w);
	unsigned calls = 0;

	(void)state;
	/* Scrambled insertion; ids 2j and 2j+1 share a tick and fire in scheduling order. */
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = (k * 17) % n;

		timer_wheel_schedule(w, i, (i / 2 + 1) * 10 - (i % 2) * 3);
	}
	assert_false(timer_wheel_behind(w, 9));
	assert_true(timer_wheel_behind(w, 10));
	while (timer_wheel_behind(w, 600)) {
		assert_true(rec_advance(r, 600, 1) <= 1);
		assert_true(++calls <= n + slots);
		if (r->n < n)
			assert_true(timer_wheel_behind(w, 600));
	}
	assert_int_equal(r->n, n);
	for (unsigned k = 1; k < n; k++)
		assert_true(order_key(r->ids[k - 1]) < order_key(r->ids[k]));
	assert_int_equal(rec_advance(r, 600, UINT_MAX), 0);
	free(r);
	timer_wheel_free(w);
}

/* Budget 1 after a gap of many revolutions: one visit per slot and per timer, then caught up. */
static void test_budget_one_after_gap(void **state)
{
	const uint32_t n = 200, slots = 16;
	struct timer_wheel *w = wheel(n + 1, 10, slots, 0);
	struct rec *r = rec_new(w);
	unsigned calls = 0;
	bool seen[200] = {false};

	(void)state;
	for (uint32_t i = 0; i < n; i++)
		timer_wheel_schedule(w, i, 10 + (uint64_t)i * 37);
	timer_wheel_schedule(w, n, 1000000); /* not due: skipped once */
	while (timer_wheel_behind(w, 100000)) {
		assert_true(rec_advance(r, 100000, 1) <= 1);
		assert_true(++calls <= n + 1 + slots);
	}
	assert_int_equal(r->n, n);
	for (unsigned k = 0; k < r->n; k++) {
		assert_true(r->ids[k] < n);
		assert_false(seen[r->ids[k]]);
		seen[r->ids[k]] = true;
	}
	assert_true(timer_wheel_is_armed(w, n));
	free(r);
	timer_wheel_free(w);
}

/* Budget cut inside a slot, then the next link is cancelled from outside the callback. */
static void test_cancel_where_sweep_stopped(void **state)
{
	struct timer_wheel *w = wheel(32, 10, 8, 0);
	struct rec *r = rec_new(w);

	(void)state;
	timer_wheel_schedule(w, 20, 10);
	timer_wheel_schedule(w, 21, 10);
	timer_wheel_schedule(w, 22, 10);
	assert_int_equal(rec_advance(r, 10, 1), 1);
	assert_int_equal(r->ids[0], 20);
	assert_true(timer_wheel_behind(w, 10));
	timer_wheel_cancel(w, 21);
	timer_wheel_schedule(w, 23, 10); /* due: joins the due list */
	assert_int_equal(rec_advance(r, 10, UINT_MAX), 2);
	assert_int_equal(r->ids[1], 23);
	assert_int_equal(r->ids[2], 22);
	assert_false(timer_wheel_behind(w, 10));
	free(r);
	timer_wheel_free(w);
}

struct cb_ctx {
	struct rec rec;
	unsigned self_past; /* times id 3 re-arms itself in the past */
};

static void cb_fn(uint32_t id, void *arg)
{
	struct cb_ctx *c = arg;
	struct timer_wheel *w = c->rec.w;

	rec_fn(id, &c->rec);
	if (id == 1 && c->rec.now < 600) {
		timer_wheel_schedule(w, 1, c->rec.now + 500); /* itself, later */
		timer_wheel_cancel(w, 2);		      /* due in this very tick */
	}
	if (id == 3 && c->self_past) {
		c->self_past--;
		timer_wheel_schedule(w, 3, 0);
	}
	if (id == 10) {
		timer_wheel_cancel(w, 11);	       /* the next link in the slot */
		timer_wheel_schedule(w, 12, 1000);     /* the one after: moved */
		timer_wheel_schedule(w, 13, 100 + 80); /* same slot, next revolution */
	}
}

static void test_callback_reschedules_and_cancels(void **state)
{
	struct timer_wheel *w = wheel(16, 10, 8, 0);
	struct cb_ctx *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(c);
	c->rec.w = w;
	timer_wheel_schedule(w, 1, 100);
	timer_wheel_schedule(w, 2, 100);
	timer_wheel_schedule(w, 10, 100);
	timer_wheel_schedule(w, 11, 100);
	timer_wheel_schedule(w, 12, 100);
	c->rec.now = 100;
	assert_int_equal(timer_wheel_advance(w, 100, UINT_MAX, cb_fn, c), 2);
	assert_int_equal(c->rec.ids[0], 1);
	assert_int_equal(c->rec.ids[1], 10);
	assert_true(timer_wheel_is_armed(w, 1));
	assert_int_equal(timer_wheel_expiry_ms(w, 1), 600);
	assert_false(timer_wheel_is_armed(w, 2));
	assert_false(timer_wheel_is_armed(w, 11));
	assert_int_equal(timer_wheel_expiry_ms(w, 12), 1000);
	assert_int_equal(timer_wheel_expiry_ms(w, 13), 180);
	assert_int_equal(timer_wheel_armed_count(w), 3);

	c->rec.now = 180;
	assert_int_equal(timer_wheel_advance(w, 180, UINT_MAX, cb_fn, c), 1);
	assert_int_equal(c->rec.ids[2], 13);

	/* Re-arming itself in the past does not loop: it fires again on the next call. */
	c->self_past = 2;
	timer_wheel_schedule(w, 3, 200);
	c->rec.now = 200;
	assert_int_equal(timer_wheel_advance(w, 200, UINT_MAX, cb_fn, c), 1);
	assert_true(timer_wheel_behind(w, 200));
	assert_int_equal(timer_wheel_advance(w, 200, UINT_MAX, cb_fn, c), 1);
	assert_int_equal(timer_wheel_advance(w, 200, UINT_MAX, cb_fn, c), 1);
	assert_int_equal(timer_wheel_advance(w, 200, UINT_MAX, cb_fn, c), 0);
	assert_false(timer_wheel_is_armed(w, 3));

	c->rec.now = 600;
	assert_int_equal(timer_wheel_advance(w, 600, UINT_MAX, cb_fn, c), 1);
	assert_int_equal(c->rec.ids[c->rec.n - 1], 1);
	assert_false(timer_wheel_is_armed(w, 1));
	free(c);
	timer_wheel_free(w);
}

/* Hours without an advance: one call with slots + timers units catches up completely. */
static void test_large_time_jump(void **state)
{
	const uint32_t n = 10000, slots = 4096;
	struct timer_wheel *w = wheel(n, 100, slots, 5000);
	struct rec *r = rec_new(w);
	uint32_t due = 0;

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ull;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t off = i % 4 ? rng_below(3600000) : 5 * DAY_MS - rng_below(DAY_MS);

		timer_wheel_schedule(w, i, 5000 + off);
		due += off <= 10 * 3600000;
	}
	rec_advance(r, 5000 + 1000, UINT_MAX);
	due -= r->n;
	r->n = 0;
	assert_int_equal(rec_advance(r, 5000 + 10 * 3600000, slots + n), due);
	assert_false(timer_wheel_behind(w, 5000 + 10 * 3600000));
	assert_int_equal(timer_wheel_armed_count(w), n / 4);
	for (unsigned k = 0; k < r->n; k++)
		assert_true(r->ids[k] % 4 != 0);
	/* The rest fires on time after a jump that lands right on their days. */
	assert_int_equal(rec_advance(r, 5000 + 4 * DAY_MS - 1, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 5000 + 5 * DAY_MS, UINT_MAX), n / 4);
	free(r);
	timer_wheel_free(w);
}

/* 1 ms ticks over more than 2^32 ticks, with jumps over 2^30 ticks: ticks compare modulo 2^32. */
static void test_tick_counter_wraps(void **state)
{
	struct timer_wheel *w = wheel(4, 1, 64, 0);
	struct rec *r = rec_new(w);
	uint64_t now = 0;

	(void)state;
	timer_wheel_schedule(w, 1, 5 * DAY_MS);
	for (int round = 0; round < 6; round++) {
		uint64_t prev = now;

		now += (1ull << 30) + 12345;
		r->n = 0;
		rec_advance(r, now, UINT_MAX);
		assert_int_equal(r->n, 1);
		assert_int_equal(r->ids[0], 1);
		assert_true(prev + 5 * DAY_MS <= now);
		timer_wheel_schedule(w, 0, now + 1000);
		timer_wheel_schedule(w, 1, now + 5 * DAY_MS);
		assert_int_equal(timer_wheel_expiry_ms(w, 0), now + 1000);
		assert_int_equal(timer_wheel_expiry_ms(w, 1), now + 5 * DAY_MS);
		assert_int_equal(rec_advance(r, now + 999, UINT_MAX), 0);
		assert_int_equal(rec_advance(r, now + 1000, UINT_MAX), 1);
		assert_int_equal(r->ids[1], 0);
	}
	assert_true(now > (1ull << 32) + (1ull << 30));
	free(r);
	timer_wheel_free(w);
}

static void test_clamps(void **state)
{
	struct timer_wheel *w = wheel(4, 100, 8, 1000);
	struct rec *r;

	(void)state;
	timer_wheel_schedule(w, 0, UINT64_MAX);
	assert_int_equal(timer_wheel_expiry_ms(w, 0), 1000 + (uint64_t)TIMER_WHEEL_MAX_TICKS * 100);
	timer_wheel_schedule(w, 1, 10); /* before creation */
	assert_int_equal(timer_wheel_expiry_ms(w, 1), 1000);
	timer_wheel_free(w);

	/* Billions of ticks later, an ancient expiry still reads as past and fires next. */
	w = wheel(4, 1, 8, 0);
	r = rec_new(w);

	rec_advance(r, 3000000000u, UINT_MAX);
	timer_wheel_schedule(w, 2, 5);
	assert_true(timer_wheel_expiry_ms(w, 2) >= 5);
	assert_true(timer_wheel_expiry_ms(w, 2) <= 3000000000u);
	assert_true(timer_wheel_behind(w, 3000000000u));
	assert_int_equal(rec_advance(r, 3000000000u, UINT_MAX), 1);
	free(r);
	timer_wheel_free(w);
}

/* Re-arming later only records the expiry; the sweep moves each timer once, and it fires on time.
 */
static void test_postpone_is_lazy(void **state)
{
	const uint32_t n = 64;
	struct timer_wheel *w = wheel(n, 100, 16, 0);
	struct rec *r = rec_new(w);
	struct timer_wheel_stats st;
	uint64_t final[64];

	(void)state;
	for (uint32_t i = 0; i < n; i++)
		timer_wheel_schedule(w, i, 1000 + i * 10);
	/* like a flow on every packet: later and later, the last one far beyond a revolution */
	for (unsigned k = 1; k <= 100; k++)
		for (uint32_t i = 0; i < n; i++)
			timer_wheel_schedule(w, i, 1000 + i * 10 + k * 130);
	for (uint32_t i = 0; i < n; i++) {
		final[i] = 1000 + i * 10 + 100 * 130;
		assert_int_equal(timer_wheel_expiry_ms(w, i), rounded(0, 100, final[i]));
	}
	timer_wheel_get_stats(w, &st);
	assert_int_equal(st.linked, n);
	assert_int_equal(st.deferred, 100 * n);
	assert_int_equal(st.moved, 0);
	for (uint64_t now = 0; now <= 20000; now += 100)
		rec_advance(r, now, UINT_MAX);
	assert_int_equal(r->n, n);
	for (unsigned k = 0; k < r->n; k++)
		assert_int_equal(r->at[k], rounded(0, 100, final[r->ids[k]]));
	timer_wheel_get_stats(w, &st);
	assert_int_equal(st.linked, n);
	assert_true(st.moved >= 1 && st.moved <= n);
	free(r);
	timer_wheel_free(w);
}

/*
 * An earlier expiry before the timer's slot comes round relinks at once: never late. One after
 * it only records (the sweep moves it), and it still fires on its tick. Postponing a due timer
 * relinks it too: it must not fire with the due list. Without slot tracking (more than 1024
 * slots) every earlier expiry relinks.
 */
static void test_earlier_after_postpone_and_due_postponed(void **state)
{
	struct timer_wheel *w = wheel(8, 10, 8, 0);
	struct rec *r = rec_new(w);
	struct timer_wheel_stats st;

	(void)state;
	timer_wheel_schedule(w, 1, 200);  /* tick 20: slot 4, whose next turn is tick 4 */
	timer_wheel_schedule(w, 1, 5000); /* deferred: stays in slot 4 */
	timer_wheel_schedule(w, 1, 30);	  /* tick 3, before the turn: relinked */
	timer_wheel_schedule(w, 2, 200);  /* slot 4 too */
	timer_wheel_schedule(w, 2, 60);	  /* tick 6, after the turn: deferred */
	timer_wheel_get_stats(w, &st);
	assert_int_equal(st.linked, 3);
	assert_int_equal(st.deferred, 2);
	assert_int_equal(timer_wheel_expiry_ms(w, 2), 60);
	assert_int_equal(rec_advance(r, 29, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 30, UINT_MAX), 1);
	assert_int_equal(r->ids[0], 1);
	assert_int_equal(rec_advance(r, 59, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 60, UINT_MAX), 1);
	assert_int_equal(r->ids[1], 2);
	timer_wheel_get_stats(w, &st);
	assert_int_equal(st.moved, 1);

	rec_advance(r, 1000, UINT_MAX);
	timer_wheel_schedule(w, 3, 900);  /* past: due list */
	timer_wheel_schedule(w, 3, 1500); /* postponed out of the due list */
	assert_int_equal(timer_wheel_expiry_ms(w, 3), 1500);
	assert_int_equal(rec_advance(r, 1000, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 1499, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 1500, UINT_MAX), 1);
	assert_int_equal(r->ids[2], 3);
	free(r);
	timer_wheel_free(w);

	w = wheel(8, 10, 2048, 0);
	timer_wheel_schedule(w, 1, 20000);
	timer_wheel_schedule(w, 1, 19990); /* earlier: relinked without tracking */
	timer_wheel_schedule(w, 1, 30000); /* later: deferred all the same */
	timer_wheel_get_stats(w, &st);
	assert_int_equal(st.linked, 2);
	assert_int_equal(st.deferred, 1);
	timer_wheel_free(w);
}

/* Postponed inside a sweep the budget cut short, and moved into a slot still ahead of it. */
static void test_postpone_during_cut_sweep(void **state)
{
	struct timer_wheel *w = wheel(16, 10, 8, 0);
	struct rec *r = rec_new(w);
	struct timer_wheel_stats st;

	(void)state;
	for (uint32_t i = 0; i < 6; i++)
		timer_wheel_schedule(w, i, 10 + 10 * i); /* ticks 1..6 */
	timer_wheel_schedule(w, 7, 30);
	timer_wheel_schedule(w, 7, 55); /* deferred in tick 3's slot, due at tick 6 */
	timer_wheel_schedule(w, 8, 20);
	timer_wheel_schedule(w, 8, 75);	 /* deferred in tick 2's slot, due at tick 8 */
	timer_wheel_schedule(w, 9, 130); /* tick 13: slot 5, beyond the sweep below */
	assert_int_equal(rec_advance(r, 60, 1), 1);
	assert_int_equal(r->ids[0], 0);
	timer_wheel_schedule(w, 3, 200); /* due by the horizon, not swept yet: relinked */
	timer_wheel_schedule(w, 9, 140); /* not due: deferred; the sweep moves it to slot 6 */
	timer_wheel_get_stats(w, &st);
	assert_int_equal(st.deferred, 3);
	while (timer_wheel_behind(w, 60))
		rec_advance(r, 60, 1);
	assert_int_equal(r->n, 6);
	for (unsigned k = 0; k < r->n; k++)
		assert_true(r->ids[k] != 3 && r->ids[k] != 8 && r->ids[k] != 9);
	timer_wheel_get_stats(w, &st);
	assert_int_equal(st.moved, 2); /* 8 and 9; 7 was due where it waited */
	assert_int_equal(rec_advance(r, 79, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 80, UINT_MAX), 1);
	assert_int_equal(r->ids[6], 8);
	assert_int_equal(rec_advance(r, 139, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 140, UINT_MAX), 1);
	assert_int_equal(r->ids[7], 9);
	assert_int_equal(rec_advance(r, 199, UINT_MAX), 0);
	assert_int_equal(rec_advance(r, 200, UINT_MAX), 1);
	assert_int_equal(r->ids[8], 3);
	free(r);
	timer_wheel_free(w);
}

/* The caller's records hold the nodes: the wheel touches nothing else in them. */
struct record {
	uint32_t before;
	struct timer_wheel_node node;
	uint32_t after[2];
};

static void test_external_nodes(void **state)
{
	const uint32_t n = 40;
	struct record *recs = calloc(n, sizeof(*recs));
	struct timer_wheel_params p = {.capacity = n, .tick_ms = 10, .slots = 8};
	struct timer_wheel *w = NULL;
	struct rec *r;

	(void)state;
	assert_non_null(recs);
	p.nodes = &recs[0].node;
	p.node_stride = sizeof(*recs) - 1;
	assert_int_equal(timer_wheel_new(&p, 0, &w), -EINVAL); /* misaligned stride */
	p.node_stride = 8;
	assert_int_equal(timer_wheel_new(&p, 0, &w), -EINVAL); /* nodes overlap */
	p.nodes = (uint8_t *)&recs[0].node + 2;
	p.node_stride = sizeof(*recs);
	assert_int_equal(timer_wheel_new(&p, 0, &w), -EINVAL); /* misaligned nodes */
	assert_null(w);
	p.nodes = &recs[0].node;
	assert_int_equal(timer_wheel_new(&p, 0, &w), 0);
	/* only the slot heads are the wheel's own */
	assert_true(timer_wheel_memory(w) < 12 * (8 + 2) + 256);
	r = rec_new(w);
	for (uint32_t i = 0; i < n; i++) {
		recs[i].before = 0xa5a5a5a5u;
		recs[i].after[0] = recs[i].after[1] = 0x5a5a5a5au;
	}
	for (uint32_t i = 0; i < n; i++)
		timer_wheel_schedule(w, i, 10 + i * 7);
	for (uint32_t i = 0; i < n; i += 3)
		timer_wheel_schedule(w, i, 500 + i); /* postponed */
	for (uint32_t i = 1; i < n; i += 5)
		timer_wheel_cancel(w, i);
	for (uint64_t now = 0; now <= 1000; now += 10)
		rec_advance(r, now, UINT_MAX);
	assert_int_equal(timer_wheel_armed_count(w), 0);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(recs[i].before, 0xa5a5a5a5u);
		assert_int_equal(recs[i].after[0], 0x5a5a5a5au);
		assert_int_equal(recs[i].after[1], 0x5a5a5a5au);
		/* not armed: no links, so a zeroed record reads the same */
		assert_int_equal(recs[i].node.prev, 0);
		assert_int_equal(recs[i].node.next, 0);
	}
	/* a record the caller zeroes while its timer is not armed is simply not armed */
	memset(&recs[5], 0, sizeof(recs[5]));
	assert_false(timer_wheel_is_armed(w, 5));
	timer_wheel_schedule(w, 5, 2000);
	assert_true(timer_wheel_is_armed(w, 5));
	assert_int_equal(rec_advance(r, 2000, UINT_MAX), 1);
	assert_int_equal(r->n, n - n / 5 + 1);
	free(r);
	timer_wheel_free(w);
	free(recs);
}

/* Differential run against a naive reference: an array of rounded expiries scanned each step. */
struct diff {
	struct timer_wheel *w;
	uint64_t base, now, seed;
	unsigned run; /* which diff_run of the test: the rng starts at seed + run */
	uint32_t tick, cap;
	unsigned step;
	bool rearm;	   /* the callback re-arms some ids in the future */
	uint32_t flows;	   /* ids below this are re-armed like flows: now + timeout, each step */
	uint64_t ref[256]; /* rounded expiry, UINT64_MAX when not armed */
	bool fired[256];
	bool expect[256]; /* the reference's due set when the advance starts */
	unsigned nfired;
};

#define DIFF_CHECK(d, cond)                                                                        \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail_msg("TCPFW_SEED=%" PRIu64 " run %u step %u: %s", (d)->seed, (d)->run, \
				 (d)->step, #cond);                                                \
	} while (0)

static void diff_schedule(struct diff *d, uint32_t id, uint64_t expire)
{
	timer_wheel_schedule(d->w, id, expire);
	d->ref[id] = rounded(d->base, d->tick, expire);
}

static void diff_fn(uint32_t id, void *arg)
{
	struct diff *d = arg;

	DIFF_CHECK(d, id < d->cap);
	DIFF_CHECK(d, !d->fired[id]);
	DIFF_CHECK(d, d->ref[id] <= d->now);
	d->fired[id] = true;
	d->nfired++;
	d->ref[id] = UINT64_MAX;
	if (d->rearm && rng_below(4) == 0)
		diff_schedule(d, id, d->now + 1 + rng_below(20 * d->tick));
}

static uint64_t diff_time_step(struct diff *d, uint32_t slots)
{
	uint64_t rev = (uint64_t)slots * d->tick;
	unsigned kind = (unsigned)rng_below(100);

	if (kind < 70)
		return rng_below(3 * d->tick + 1);
	if (kind < 92)
		return rng_below(2 * rev + 1);
	if (kind < 98)
		return 3 * rev + rng_below(40 * rev);
	return 0 - rng_below(5 * d->tick + 1); /* backwards, wrapping: ignored */
}

static bool diff_external; /* nodes in caller records, among bytes the wheel must not touch */

static void diff_run(uint64_t seed, unsigned run, uint32_t cap, uint32_t tick, uint32_t slots,
		     unsigned steps, bool limited)
{
	struct diff *d = calloc(1, sizeof(*d));
	struct record *recs = NULL;

	assert_non_null(d);
	assert_true(cap <= 256);
	rng_state = seed + run ? seed + run : 1;
	d->seed = seed;
	d->run = run;
	d->cap = cap;
	d->tick = tick;
	d->base = d->now = 1000000 + rng_below(1000);
	if (diff_external) {
		struct timer_wheel_params p = {.capacity = cap, .tick_ms = tick, .slots = slots};

		recs = calloc(cap, sizeof(*recs));
		assert_non_null(recs);
		for (uint32_t i = 0; i < cap; i++)
			recs[i].before = recs[i].after[0] = recs[i].after[1] = ~i;
		p.nodes = &recs[0].node;
		p.node_stride = sizeof(*recs);
		assert_int_equal(timer_wheel_new(&p, d->base, &d->w), 0);
	} else {
		d->w = wheel(cap, tick, slots, d->base);
	}
	d->flows = cap / 4;
	for (uint32_t i = 0; i < cap; i++)
		d->ref[i] = UINT64_MAX;

	for (d->step = 0; d->step < steps; d->step++) {
		unsigned ops = (unsigned)rng_below(9), budget = UINT_MAX, armed = 0;
		uint64_t now = d->now + diff_time_step(d, slots);

		for (unsigned k = 0; k < ops; k++) {
			uint32_t id = (uint32_t)rng_below(cap);
			uint64_t span = rng_below(4) ? 40ull * tick : 3ull * slots * tick;
			uint64_t expire = d->now + rng_below(span + 1);

			if (rng_below(5) == 0) {
				timer_wheel_cancel(d->w, id);
				d->ref[id] = UINT64_MAX;
				continue;
			}
			if (rng_below(3) == 0 && d->ref[id] != UINT64_MAX) {
				/* a postpone: later than its armed expiry, up to three turns */
				diff_schedule(d, id,
					      d->ref[id] + 1 + rng_below(3ull * slots * tick));
				continue;
			}
			if (rng_below(8) == 0) /* in the past */
				expire = d->now - rng_below(30ull * tick);
			diff_schedule(d, id, expire);
		}
		/* flow-like ids: re-armed to now + a timeout of their own, mostly later each time
		 */
		for (uint32_t id = 0; id < d->flows; id++) {
			if (d->ref[id] == UINT64_MAX || rng_below(3) == 0)
				continue;
			diff_schedule(d, id, d->now + (id % 3 + 1) * 5ull * tick + rng_below(tick));
		}
		if (now > d->now)
			d->now = now;
		/* A limited run uses small budgets and catches up fully every 64 steps. */
		if (limited && d->step % 64 != 63)
			budget = 1 + (unsigned)rng_below(12);
		memset(d->fired, 0, sizeof(d->fired));
		for (uint32_t i = 0; i < cap; i++)
			d->expect[i] = d->ref[i] <= d->now;
		d->nfired = 0;
		d->rearm = rng_below(2);
		DIFF_CHECK(d, timer_wheel_advance(d->w, now, budget, diff_fn, d) == d->nfired);
		DIFF_CHECK(d, d->nfired <= budget);

		for (uint32_t i = 0; i < cap; i++) {
			bool due = d->ref[i] <= d->now;

			DIFF_CHECK(d, d->expect[i] || !d->fired[i]);
			if (budget == UINT_MAX)
				DIFF_CHECK(d, d->fired[i] == d->expect[i] && !due);
			if (due)
				DIFF_CHECK(d, timer_wheel_behind(d->w, now));
			DIFF_CHECK(d, timer_wheel_is_armed(d->w, i) == (d->ref[i] != UINT64_MAX));
			if (d->ref[i] != UINT64_MAX)
				DIFF_CHECK(d, timer_wheel_expiry_ms(d->w, i) == d->ref[i]);
			armed += d->ref[i] != UINT64_MAX;
		}
		if (budget == UINT_MAX)
			DIFF_CHECK(d, !timer_wheel_behind(d->w, now));
		DIFF_CHECK(d, timer_wheel_armed_count(d->w) == armed);
	}
	/* the run exercised lazy re-arming, and the sweep caught up with it */
	struct timer_wheel_stats st;
	timer_wheel_get_stats(d->w, &st);
	DIFF_CHECK(d, st.deferred > steps / 4);
	DIFF_CHECK(d, st.moved > 0);
	for (uint32_t i = 0; recs && i < cap; i++)
		DIFF_CHECK(d, recs[i].before == ~i && recs[i].after[0] == ~i &&
				      recs[i].after[1] == ~i);
	free(recs);
	timer_wheel_free(d->w);
	free(d);
}

static uint64_t diff_seed(void)
{
	const char *s = getenv("TCPFW_SEED");

	return s && *s ? strtoull(s, NULL, 0) : 0x5eed0f7c9f3a11ull;
}

static void test_differential_unlimited(void **state)
{
	uint64_t seed = diff_seed();

	(void)state;
	diff_run(seed, 0, 64, 10, 8, 20000, false);
	diff_run(seed, 1, 200, 1, 2, 20000, false);
	diff_run(seed, 2, 128, 7, 32, 20000, false);
}

static void test_differential_budget(void **state)
{
	uint64_t seed = diff_seed();

	(void)state;
	diff_run(seed, 3, 64, 10, 8, 20000, true);
	diff_run(seed, 4, 256, 3, 64, 20000, true);
}

static void test_differential_external_nodes(void **state)
{
	uint64_t seed = diff_seed();

	(void)state;
	diff_external = true;
	diff_run(seed, 5, 128, 7, 16, 20000, false);
	diff_run(seed, 6, 200, 3, 32, 20000, true);
	diff_external = false;
}

/* More slots than a node can remember: earlier expiries always relink. */
static void test_differential_untracked_slots(void **state)
{
	uint64_t seed = diff_seed();

	(void)state;
	diff_run(seed, 7, 64, 1, 2048, 5000, false);
	diff_run(seed, 8, 64, 1, 2048, 5000, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_bad_params),
		cmocka_unit_test(test_memory_is_12_bytes_per_id),
		cmocka_unit_test(test_fires_at_rounded_expiry),
		cmocka_unit_test(test_expiry_minus_one_and_exact),
		cmocka_unit_test(test_reschedule_moves),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_past_fires_next_advance),
		cmocka_unit_test(test_five_days_on_time),
		cmocka_unit_test(test_budget_one_in_order),
		cmocka_unit_test(test_budget_one_after_gap),
		cmocka_unit_test(test_cancel_where_sweep_stopped),
		cmocka_unit_test(test_callback_reschedules_and_cancels),
		cmocka_unit_test(test_large_time_jump),
		cmocka_unit_test(test_tick_counter_wraps),
		cmocka_unit_test(test_clamps),
		cmocka_unit_test(test_postpone_is_lazy),
		cmocka_unit_test(test_earlier_after_postpone_and_due_postponed),
		cmocka_unit_test(test_postpone_during_cut_sweep),
		cmocka_unit_test(test_differential_unlimited),
		cmocka_unit_test(test_differential_budget),
		cmocka_unit_test(test_differential_external_nodes),
		cmocka_unit_test(test_differential_untracked_slots),
		cmocka_unit_test(test_external_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
