// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * timer_wheel, directed cases: parameters, rounding, reschedule and cancel, budgets, callbacks
 * that re-arm, time jumps and tick wrap, clamps, lazy postponing, external nodes. The
 * randomized differential runs are in test_timer_wheel_diff.c.
 */
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
#include "timer_wheel_cases.h"

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
	struct timer_wheel *w = twcase_wheel(100000, 100, 4096, 0);
	size_t m = timer_wheel_memory(w);

	(void)state;
	assert_true(m >= 12u * 100000);
	assert_true(m <= 12u * (100000 + 4096 + 2) + 256);
	timer_wheel_free(w);
}

/* Walks the clock one ms at a time: each timer fires exactly at its twcase_rounded expiry. */
static void test_fires_at_rounded_expiry(void **state)
{
	const uint64_t base = 1003;
	const uint32_t tick = 7, n = 300;
	struct timer_wheel *w = twcase_wheel(n, tick, 16, base);
	struct rec *r = rec_new(w);
	uint64_t exp[300];

	(void)state;
	for (uint32_t i = 0; i < n; i++) {
		exp[i] = base + 1 + (i * 37) % 400;
		timer_wheel_schedule(w, i, exp[i]);
		assert_int_equal(timer_wheel_expiry_ms(w, i), twcase_rounded(base, tick, exp[i]));
		assert_true(timer_wheel_expiry_ms(w, i) >= exp[i]);
		assert_true(timer_wheel_expiry_ms(w, i) < exp[i] + tick);
	}
	assert_int_equal(timer_wheel_armed_count(w), n);
	for (uint64_t now = base; now <= base + 420; now++)
		rec_advance(r, now, UINT_MAX);
	assert_int_equal(r->n, n);
	for (unsigned k = 0; k < r->n; k++)
		assert_int_equal(r->at[k], twcase_rounded(base, tick, exp[r->ids[k]]));
	assert_int_equal(timer_wheel_armed_count(w), 0);
	free(r);
	timer_wheel_free(w);
}

static void test_expiry_minus_one_and_exact(void **state)
{
	struct timer_wheel *w = twcase_wheel(8, 10, 16, 1000);
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
	struct timer_wheel *w = twcase_wheel(8, 100, 8, 0);
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
	struct timer_wheel *w = twcase_wheel(8, 10, 4, 0);
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
	struct timer_wheel *w = twcase_wheel(8, 10, 8, 0);
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
	struct timer_wheel *w = twcase_wheel(n, 100, 4096, base);
	struct rec *r = rec_new(w);

	(void)state;
	for (uint32_t i = 0; i < n; i++)
		timer_wheel_schedule(w, i, base + timeout[i]);
	for (uint64_t now = base; now <= base + 432000000 + 100; now += 100)
		rec_advance(r, now, UINT_MAX);
	assert_int_equal(r->n, n);
	for (unsigned k = 0; k < r->n; k++)
		assert_int_equal(r->at[k], twcase_rounded(base, 100, base + timeout[r->ids[k]]));
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
	struct timer_wheel *w = twcase_wheel(n, 10, slots, 0);
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
	struct timer_wheel *w = twcase_wheel(n + 1, 10, slots, 0);
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
	struct timer_wheel *w = twcase_wheel(32, 10, 8, 0);
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
	struct timer_wheel *w = twcase_wheel(16, 10, 8, 0);
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
	struct timer_wheel *w = twcase_wheel(n, 100, slots, 5000);
	struct rec *r = rec_new(w);
	uint32_t due = 0;

	(void)state;
	twcase_rng_state = 0x9e3779b97f4a7c15ull;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t off =
			i % 4 ? twcase_rng_below(3600000) : 5 * DAY_MS - twcase_rng_below(DAY_MS);

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
	struct timer_wheel *w = twcase_wheel(4, 1, 64, 0);
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
	struct timer_wheel *w = twcase_wheel(4, 100, 8, 1000);
	struct rec *r;

	(void)state;
	timer_wheel_schedule(w, 0, UINT64_MAX);
	assert_int_equal(timer_wheel_expiry_ms(w, 0), 1000 + (uint64_t)TIMER_WHEEL_MAX_TICKS * 100);
	timer_wheel_schedule(w, 1, 10); /* before creation */
	assert_int_equal(timer_wheel_expiry_ms(w, 1), 1000);
	timer_wheel_free(w);

	/* Billions of ticks later, an ancient expiry still reads as past and fires next. */
	w = twcase_wheel(4, 1, 8, 0);
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
	struct timer_wheel *w = twcase_wheel(n, 100, 16, 0);
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
		assert_int_equal(timer_wheel_expiry_ms(w, i), twcase_rounded(0, 100, final[i]));
	}
	timer_wheel_get_stats(w, &st);
	assert_int_equal(st.linked, n);
	assert_int_equal(st.deferred, 100 * n);
	assert_int_equal(st.moved, 0);
	for (uint64_t now = 0; now <= 20000; now += 100)
		rec_advance(r, now, UINT_MAX);
	assert_int_equal(r->n, n);
	for (unsigned k = 0; k < r->n; k++)
		assert_int_equal(r->at[k], twcase_rounded(0, 100, final[r->ids[k]]));
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
	struct timer_wheel *w = twcase_wheel(8, 10, 8, 0);
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

	w = twcase_wheel(8, 10, 2048, 0);
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
	struct timer_wheel *w = twcase_wheel(16, 10, 8, 0);
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
		cmocka_unit_test(test_external_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
