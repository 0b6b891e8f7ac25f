// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * timer_wheel, differential: randomized runs against a naive reference (an array of rounded
 * expiries scanned each step), with and without budgets, re-arming callbacks, external nodes
 * and untracked slots; a failure prints its seed (TCPFW_SEED=n replays one). The directed
 * cases are in test_timer_wheel.c.
 */
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
#include "timer_wheel_cases.h"

/* Differential run against a naive reference: an array of twcase_rounded expiries scanned each
 * step. */
struct diff {
	struct timer_wheel *w;
	uint64_t base, now, seed;
	unsigned run; /* which diff_run of the test: the twcase_rng starts at seed + run */
	uint32_t tick, cap;
	unsigned step;
	bool rearm;	   /* the callback re-arms some ids in the future */
	uint32_t flows;	   /* ids below this are re-armed like flows: now + timeout, each step */
	uint64_t ref[256]; /* twcase_rounded expiry, UINT64_MAX when not armed */
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
	d->ref[id] = twcase_rounded(d->base, d->tick, expire);
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
	if (d->rearm && twcase_rng_below(4) == 0)
		diff_schedule(d, id, d->now + 1 + twcase_rng_below(20 * d->tick));
}

static uint64_t diff_time_step(struct diff *d, uint32_t slots)
{
	uint64_t rev = (uint64_t)slots * d->tick;
	unsigned kind = (unsigned)twcase_rng_below(100);

	if (kind < 70)
		return twcase_rng_below(3 * d->tick + 1);
	if (kind < 92)
		return twcase_rng_below(2 * rev + 1);
	if (kind < 98)
		return 3 * rev + twcase_rng_below(40 * rev);
	return 0 - twcase_rng_below(5 * d->tick + 1); /* backwards, wrapping: ignored */
}

static bool diff_external; /* nodes in caller records, among bytes the wheel must not touch */

static void diff_run(uint64_t seed, unsigned run, uint32_t cap, uint32_t tick, uint32_t slots,
		     unsigned steps, bool limited)
{
	struct diff *d = calloc(1, sizeof(*d));
	struct record *recs = NULL;

	assert_non_null(d);
	assert_true(cap <= 256);
	twcase_rng_state = seed + run ? seed + run : 1;
	d->seed = seed;
	d->run = run;
	d->cap = cap;
	d->tick = tick;
	d->base = d->now = 1000000 + twcase_rng_below(1000);
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
		d->w = twcase_wheel(cap, tick, slots, d->base);
	}
	d->flows = cap / 4;
	for (uint32_t i = 0; i < cap; i++)
		d->ref[i] = UINT64_MAX;

	for (d->step = 0; d->step < steps; d->step++) {
		unsigned ops = (unsigned)twcase_rng_below(9), budget = UINT_MAX, armed = 0;
		uint64_t now = d->now + diff_time_step(d, slots);

		for (unsigned k = 0; k < ops; k++) {
			uint32_t id = (uint32_t)twcase_rng_below(cap);
			uint64_t span = twcase_rng_below(4) ? 40ull * tick : 3ull * slots * tick;
			uint64_t expire = d->now + twcase_rng_below(span + 1);

			if (twcase_rng_below(5) == 0) {
				timer_wheel_cancel(d->w, id);
				d->ref[id] = UINT64_MAX;
				continue;
			}
			if (twcase_rng_below(3) == 0 && d->ref[id] != UINT64_MAX) {
				/* a postpone: later than its armed expiry, up to three turns */
				diff_schedule(d, id,
					      d->ref[id] + 1 +
						      twcase_rng_below(3ull * slots * tick));
				continue;
			}
			if (twcase_rng_below(8) == 0) /* in the past */
				expire = d->now - twcase_rng_below(30ull * tick);
			diff_schedule(d, id, expire);
		}
		/* flow-like ids: re-armed to now + a timeout of their own, mostly later each time
		 */
		for (uint32_t id = 0; id < d->flows; id++) {
			if (d->ref[id] == UINT64_MAX || twcase_rng_below(3) == 0)
				continue;
			diff_schedule(d, id,
				      d->now + (id % 3 + 1) * 5ull * tick + twcase_rng_below(tick));
		}
		if (now > d->now)
			d->now = now;
		/* A limited run uses small budgets and catches up fully every 64 steps. */
		if (limited && d->step % 64 != 63)
			budget = 1 + (unsigned)twcase_rng_below(12);
		memset(d->fired, 0, sizeof(d->fired));
		for (uint32_t i = 0; i < cap; i++)
			d->expect[i] = d->ref[i] <= d->now;
		d->nfired = 0;
		d->rearm = twcase_rng_below(2);
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
		cmocka_unit_test(test_differential_unlimited),
		cmocka_unit_test(test_differential_budget),
		cmocka_unit_test(test_differential_external_nodes),
		cmocka_unit_test(test_differential_untracked_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
