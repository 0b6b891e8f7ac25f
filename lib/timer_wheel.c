// SPDX-License-Identifier: GPL-2.0-or-later
#include "timer_wheel.h"

#include <errno.h>
#include <stdlib.h>

#include "util.h"

/*
 * Bounds that keep every stored tick within 2^31 of the horizon, so the modular compare and the
 * 64-bit reconstruction in tw_tick64() stay exact: a past expiry is clamped to PAST_MAX ticks
 * behind the horizon, and one claim moves the horizon by at most CLAIM_MAX ticks (due entries are
 * fired before the next claim), so |expiry - horizon| < 2^30 + 2^29 for due timers and
 * <= TIMER_WHEEL_MAX_TICKS for future ones.
 */
#define TW_PAST_MAX  (1u << 29)
#define TW_CLAIM_MAX (1u << 29)

/*
 * One link per id, then one list head per slot, then the due and run heads. Lists are circular
 * through their head, so unlinking never tests for an end. next == TIMER_WHEEL_NONE marks an id
 * that is not armed. expire is unused in heads.
 */
struct tw_link {
	uint32_t prev;
	uint32_t next;
	uint32_t expire; /* expiry tick, modulo 2^32 */
};

struct timer_wheel {
	struct tw_link *link;
	uint64_t base_ms;      /* start of tick 0 */
	uint64_t now_ms;       /* latest clock advance was given */
	uint64_t horizon;      /* every tick <= horizon is claimed */
	uint64_t next_tick_ms; /* start of tick horizon + 1: the fast-path bound */
	uint32_t capacity;
	uint32_t tick_ms;
	uint32_t slots;
	uint32_t mask;
	uint32_t due; /* head: due timers scheduled since the last advance started */
	uint32_t run; /* head: due timers this advance fires unconditionally */
	uint32_t armed;
	uint32_t sweep_slot; /* slot the sweep is in */
	uint32_t sweep_left; /* slots the sweep still has to visit, sweep_slot included */
	uint32_t cursor;     /* next link to visit in sweep_slot, or NONE before its first */
};

static inline bool tw_list_empty(const struct timer_wheel *w, uint32_t head)
{
	return w->link[head].next == head;
}

static inline void tw_link_tail(struct timer_wheel *w, uint32_t head, uint32_t id)
{
	struct tw_link *l = w->link;
	uint32_t tail = l[head].prev;

	l[id].prev = tail;
	l[id].next = head;
	l[tail].next = id;
	l[head].prev = id;
}

static inline void tw_unlink(struct timer_wheel *w, uint32_t id)
{
	struct tw_link *l = w->link;
	uint32_t prev = l[id].prev, next = l[id].next;

	/* fn may cancel the link the sweep visits next: step the cursor past it. */
	if (unlikely(id == w->cursor))
		w->cursor = next;
	l[prev].next = next;
	l[next].prev = prev;
	l[id].next = TIMER_WHEEL_NONE;
	l[id].prev = TIMER_WHEEL_NONE;
}

/* Moves every link of list src to the tail of list dst. */
static void tw_splice_tail(struct timer_wheel *w, uint32_t dst, uint32_t src)
{
	struct tw_link *l = w->link;
	uint32_t first = l[src].next, last = l[src].prev, tail = l[dst].prev;

	if (first == src)
		return;
	l[tail].next = first;
	l[first].prev = tail;
	l[last].next = dst;
	l[dst].prev = last;
	l[src].next = src;
	l[src].prev = src;
}

static inline uint64_t tw_tick_of(const struct timer_wheel *w, uint64_t ms)
{
	return ms <= w->base_ms ? 0 : (ms - w->base_ms) / w->tick_ms;
}

/* The 64-bit tick a stored one stands for: the one within 2^31 of the horizon. */
static inline uint64_t tw_tick64(const struct timer_wheel *w, uint32_t tick)
{
	return w->horizon + (uint64_t)(int64_t)(int32_t)(tick - (uint32_t)w->horizon);
}

static inline bool tw_is_due(const struct timer_wheel *w, uint32_t tick)
{
	return (int32_t)(tick - (uint32_t)w->horizon) <= 0;
}

static void tw_set_horizon(struct timer_wheel *w, uint64_t horizon)
{
	w->horizon = horizon;
	w->next_tick_ms = w->base_ms + (horizon + 1) * w->tick_ms;
}

int timer_wheel_new(const struct timer_wheel_params *p, uint64_t now_ms, struct timer_wheel **ret)
{
	struct timer_wheel *w;
	uint64_t nlinks;

	if (!p || !ret || p->capacity < 1 || p->tick_ms < 1 ||
	    p->tick_ms > TIMER_WHEEL_TICK_MS_MAX || p->slots < 2 || (p->slots & (p->slots - 1)))
		return -EINVAL;
	nlinks = (uint64_t)p->capacity + p->slots + 2;
	if (nlinks >= TIMER_WHEEL_NONE || nlinks > SIZE_MAX / sizeof(struct tw_link))
		return -EINVAL;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->link = malloc((size_t)nlinks * sizeof(struct tw_link));
	if (!w->link) {
		free(w);
		return -ENOMEM;
	}
	w->base_ms = now_ms;
	w->now_ms = now_ms;
	w->capacity = p->capacity;
	w->tick_ms = p->tick_ms;
	w->slots = p->slots;
	w->mask = p->slots - 1;
	w->due = p->capacity + p->slots;
	w->run = w->due + 1;
	w->cursor = TIMER_WHEEL_NONE;
	tw_set_horizon(w, 0);
	for (uint32_t i = 0; i < p->capacity; i++)
		w->link[i] = (struct tw_link){TIMER_WHEEL_NONE, TIMER_WHEEL_NONE, 0};
	for (uint32_t h = p->capacity; h < (uint32_t)nlinks; h++)
		w->link[h] = (struct tw_link){h, h, 0};
	*ret = w;
	return 0;
}

void timer_wheel_free(struct timer_wheel *w)
{
	if (!w)
		return;
	free(w->link);
	free(w);
}

void timer_wheel_schedule(struct timer_wheel *w, uint32_t id, uint64_t expire_ms)
{
	uint64_t tick, d;
	uint32_t t32;

	if (unlikely(id >= w->capacity))
		return;
	/* Round up, without overflowing near UINT64_MAX. */
	d = expire_ms <= w->base_ms ? 0 : expire_ms - w->base_ms;
	tick = d / w->tick_ms + (d % w->tick_ms != 0);
	if (tick > w->horizon && tick - w->horizon > TIMER_WHEEL_MAX_TICKS)
		tick = w->horizon + TIMER_WHEEL_MAX_TICKS;
	else if (w->horizon > TW_PAST_MAX && tick < w->horizon - TW_PAST_MAX)
		tick = w->horizon - TW_PAST_MAX;
	t32 = (uint32_t)tick;

	if (w->link[id].next != TIMER_WHEEL_NONE) {
		/* Same tick means same list (or a sweep that will fire it): nothing to move. */
		if (w->link[id].expire == t32)
			return;
		tw_unlink(w, id);
	} else {
		w->armed++;
	}
	w->link[id].expire = t32;
	tw_link_tail(w, tick <= w->horizon ? w->due : w->capacity + (t32 & w->mask), id);
}

void timer_wheel_cancel(struct timer_wheel *w, uint32_t id)
{
	if (id >= w->capacity || w->link[id].next == TIMER_WHEEL_NONE)
		return;
	tw_unlink(w, id);
	w->armed--;
}

bool timer_wheel_is_armed(const struct timer_wheel *w, uint32_t id)
{
	return id < w->capacity && w->link[id].next != TIMER_WHEEL_NONE;
}

uint64_t timer_wheel_expiry_ms(const struct timer_wheel *w, uint32_t id)
{
	if (!timer_wheel_is_armed(w, id))
		return 0;
	return w->base_ms + tw_tick64(w, w->link[id].expire) * w->tick_ms;
}

/*
 * Claims ticks horizon + 1 .. target (at most TW_CLAIM_MAX of them) and starts a sweep of their
 * slots: all of them when the gap is a revolution or more, so a long gap costs one visit per slot.
 */
static void tw_claim(struct timer_wheel *w, uint64_t target)
{
	uint64_t n = target - w->horizon;

	if (n > TW_CLAIM_MAX)
		n = TW_CLAIM_MAX;
	/* Fire what fn scheduled in the past before the horizon moves away from it. */
	tw_splice_tail(w, w->run, w->due);
	w->sweep_slot = (uint32_t)(w->horizon + 1) & w->mask;
	w->sweep_left = n < w->slots ? (uint32_t)n : w->slots;
	w->cursor = TIMER_WHEEL_NONE;
	tw_set_horizon(w, w->horizon + n);
}

static inline void tw_next_slot(struct timer_wheel *w)
{
	w->cursor = TIMER_WHEEL_NONE;
	w->sweep_slot = (w->sweep_slot + 1) & w->mask;
	w->sweep_left--;
}

static inline void tw_fire(struct timer_wheel *w, uint32_t id, timer_wheel_fn *fn, void *arg)
{
	tw_unlink(w, id);
	w->armed--;
	fn(id, arg);
}

unsigned timer_wheel_advance(struct timer_wheel *w, uint64_t now_ms, unsigned budget,
			     timer_wheel_fn *fn, void *arg)
{
	unsigned fired = 0;
	uint64_t target;

	/* A clock going back is ignored; a catch-up the budget cut short still completes. */
	if (now_ms > w->now_ms)
		w->now_ms = now_ms;
	if (likely(w->now_ms < w->next_tick_ms && !w->sweep_left && tw_list_empty(w, w->due) &&
		   tw_list_empty(w, w->run)))
		return 0;
	tw_splice_tail(w, w->run, w->due);
	target = tw_tick_of(w, w->now_ms);

	while (budget) {
		uint32_t head, id;

		if (!tw_list_empty(w, w->run)) {
			budget--;
			fired++;
			tw_fire(w, w->link[w->run].next, fn, arg);
			continue;
		}
		if (!w->sweep_left) {
			if (target <= w->horizon)
				break;
			if (!w->armed) {
				tw_set_horizon(w, target);
				break;
			}
			tw_claim(w, target);
			continue;
		}
		head = w->capacity + w->sweep_slot;
		if (w->cursor == TIMER_WHEEL_NONE) {
			if (!w->armed) {
				/* Nothing left anywhere: the rest of the sweep would only step. */
				w->sweep_left = 0;
				continue;
			}
			if (tw_list_empty(w, head)) {
				budget--;
				tw_next_slot(w);
				continue;
			}
			w->cursor = w->link[head].next;
		}
		id = w->cursor;
		if (id == head) {
			tw_next_slot(w);
			continue;
		}
		budget--;
		w->cursor = w->link[id].next;
		if (tw_is_due(w, w->link[id].expire)) {
			fired++;
			tw_fire(w, id, fn, arg);
		}
	}
	return fired;
}

bool timer_wheel_behind(const struct timer_wheel *w, uint64_t now_ms)
{
	if (w->sweep_left || !tw_list_empty(w, w->due) || !tw_list_empty(w, w->run))
		return true;
	if (now_ms < w->now_ms)
		now_ms = w->now_ms;
	return w->armed && tw_tick_of(w, now_ms) > w->horizon;
}

uint32_t timer_wheel_armed_count(const struct timer_wheel *w)
{
	return w->armed;
}

size_t timer_wheel_memory(const struct timer_wheel *w)
{
	return sizeof(*w) + ((size_t)w->capacity + w->slots + 2) * sizeof(struct tw_link);
}
