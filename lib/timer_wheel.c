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
 * Link indices: 0 .. capacity - 1 are the ids' nodes (in the wheel's own array, or in the
 * caller's records), capacity .. capacity + slots - 1 the slot heads, then the due and run heads.
 * Lists are circular through their head, so unlinking never tests for an end. A node with prev
 * and next both 0 is not armed: an armed node's list holds its head (index >= capacity >= 1), so
 * at least one of its neighbours is not node 0. expire is unused in heads.
 *
 * Indices take the low TW_INDEX_BITS of prev and next. With at most TW_SLOT_TRACK_MAX slots, the
 * five bits above each hold half of the slot the node is linked in, so a timer re-armed earlier
 * can stay where it is when the sweep reaches that slot before the new expiry.
 */
#define TW_INDEX_BITS	  27
#define TW_INDEX_MASK	  ((UINT32_C(1) << TW_INDEX_BITS) - 1)
#define TW_SLOT_HALF	  (32 - TW_INDEX_BITS)
#define TW_SLOT_TRACK_MAX (UINT32_C(1) << (2 * TW_SLOT_HALF))
#define TW_SLOT_HALF_MASK ((UINT32_C(1) << TW_SLOT_HALF) - 1)

_Static_assert(TIMER_WHEEL_MAX_LINKS == UINT32_C(1) << TW_INDEX_BITS, "indices fit their bits");

struct timer_wheel {
	uint8_t *nodes; /* node of id: nodes + id * stride */
	size_t stride;
	struct timer_wheel_node *heads; /* slots + 2 */
	struct timer_wheel_node *own;	/* the nodes, when the wheel allocated them */
	uint64_t base_ms;		/* start of tick 0 */
	uint64_t now_ms;		/* latest clock advance was given */
	uint64_t horizon;		/* every tick <= horizon is claimed */
	uint64_t next_tick_ms;		/* start of tick horizon + 1: the fast-path bound */
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
	bool track_slots;    /* slots <= TW_SLOT_TRACK_MAX: nodes know their slot */
	uint64_t memo_ms;    /* the last expiry scheduled, and its tick before clamps */
	uint64_t memo_tick;
	struct timer_wheel_stats stats;
};

static inline struct timer_wheel_node *tw_at(const struct timer_wheel *w, uint32_t x)
{
	if (x < w->capacity)
		return (struct timer_wheel_node *)(void *)(w->nodes + (size_t)x * w->stride);
	return &w->heads[x - w->capacity];
}

static inline bool tw_armed(const struct timer_wheel_node *n)
{
	return (n->prev | n->next) != 0;
}

static inline uint32_t tw_prev(const struct timer_wheel_node *n)
{
	return n->prev & TW_INDEX_MASK;
}

static inline uint32_t tw_next(const struct timer_wheel_node *n)
{
	return n->next & TW_INDEX_MASK;
}

static inline void tw_set_prev(struct timer_wheel_node *n, uint32_t x)
{
	n->prev = (n->prev & ~TW_INDEX_MASK) | x;
}

static inline void tw_set_next(struct timer_wheel_node *n, uint32_t x)
{
	n->next = (n->next & ~TW_INDEX_MASK) | x;
}

/* The slot an armed node was linked in (meaningful with track_slots, for nodes in slots). */
static inline uint32_t tw_slot_of(const struct timer_wheel_node *n)
{
	return (n->prev >> TW_INDEX_BITS) | (n->next >> TW_INDEX_BITS) << TW_SLOT_HALF;
}

static inline bool tw_list_empty(const struct timer_wheel *w, uint32_t head)
{
	return tw_next(tw_at(w, head)) == head;
}

/* Links id at the tail of list head; slot is the slot that list is (0 for due and run). */
static inline void tw_link_tail(struct timer_wheel *w, uint32_t head, uint32_t id, uint32_t slot)
{
	struct timer_wheel_node *h = tw_at(w, head), *n = tw_at(w, id);
	uint32_t tail = tw_prev(h);

	if (!w->track_slots)
		slot = 0;
	n->prev = tail | (slot & TW_SLOT_HALF_MASK) << TW_INDEX_BITS;
	n->next = head | (slot >> TW_SLOT_HALF) << TW_INDEX_BITS;
	tw_set_next(tw_at(w, tail), id);
	tw_set_prev(h, id);
}

/*
 * Takes id out of its list but leaves its own links as they were, for a move: a node that is
 * relinked at once never reads as disarmed, not even to a process that reads the nodes after
 * this one died in between (a table that outlives the process keeps each flow's expiry).
 */
static inline void tw_detach(struct timer_wheel *w, uint32_t id)
{
	struct timer_wheel_node *n = tw_at(w, id);
	uint32_t prev = tw_prev(n), next = tw_next(n);

	/* fn may cancel the link the sweep visits next: step the cursor past it. */
	if (unlikely(id == w->cursor))
		w->cursor = next;
	tw_set_next(tw_at(w, prev), next);
	tw_set_prev(tw_at(w, next), prev);
}

static inline void tw_unlink(struct timer_wheel *w, uint32_t id)
{
	struct timer_wheel_node *n = tw_at(w, id);

	tw_detach(w, id);
	n->next = 0;
	n->prev = 0;
}

/* Moves every link of list src to the tail of list dst. */
static void tw_splice_tail(struct timer_wheel *w, uint32_t dst, uint32_t src)
{
	struct timer_wheel_node *s = tw_at(w, src), *d = tw_at(w, dst);
	uint32_t first = tw_next(s), last = tw_prev(s), tail = tw_prev(d);

	if (first == src)
		return;
	tw_set_next(tw_at(w, tail), first);
	tw_set_prev(tw_at(w, first), tail);
	tw_set_next(tw_at(w, last), dst);
	d->prev = last;
	s->next = src;
	s->prev = src;
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
	if (nlinks > TIMER_WHEEL_MAX_LINKS || nlinks > SIZE_MAX / sizeof(struct timer_wheel_node))
		return -EINVAL;
	if (p->nodes && (p->node_stride < sizeof(struct timer_wheel_node) ||
			 p->node_stride % _Alignof(struct timer_wheel_node) ||
			 (uintptr_t)p->nodes % _Alignof(struct timer_wheel_node)))
		return -EINVAL;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->heads = malloc(((size_t)p->slots + 2) * sizeof(*w->heads));
	/* calloc: all zero is "not armed", and pages no id touches cost nothing */
	if (!p->nodes)
		w->own = calloc(p->capacity, sizeof(*w->own));
	if (!w->heads || (!p->nodes && !w->own)) {
		timer_wheel_free(w);
		return -ENOMEM;
	}
	w->nodes = p->nodes ? p->nodes : (uint8_t *)w->own;
	w->stride = p->nodes ? p->node_stride : sizeof(*w->own);
	w->base_ms = now_ms;
	w->now_ms = now_ms;
	w->capacity = p->capacity;
	w->tick_ms = p->tick_ms;
	w->slots = p->slots;
	w->mask = p->slots - 1;
	w->due = p->capacity + p->slots;
	w->run = w->due + 1;
	w->cursor = TIMER_WHEEL_NONE;
	w->track_slots = p->slots <= TW_SLOT_TRACK_MAX;
	w->memo_ms = now_ms; /* base: tick 0 */
	tw_set_horizon(w, 0);
	for (uint32_t h = p->capacity; h < (uint32_t)nlinks; h++)
		*tw_at(w, h) = (struct timer_wheel_node){h, h, 0};
	*ret = w;
	return 0;
}

void timer_wheel_free(struct timer_wheel *w)
{
	if (!w)
		return;
	free(w->own);
	free(w->heads);
	free(w);
}

/*
 * Whether a timer waiting in a slot (old: its expiry, not due) is visited by the sweep no later
 * than tick, after the horizon: its slot's next turn is, or, without slot tracking, its old
 * expiry is (the slot comes no later than that).
 */
static inline bool tw_reached_by(const struct timer_wheel *w, const struct timer_wheel_node *n,
				 uint32_t old, uint64_t tick)
{
	if (!w->track_slots)
		return (int32_t)((uint32_t)tick - old) > 0;
	uint64_t first = w->horizon + 1;
	uint64_t turn = first + ((tw_slot_of(n) - (uint32_t)first) & w->mask);

	return tick >= turn;
}

void timer_wheel_schedule(struct timer_wheel *w, uint32_t id, uint64_t expire_ms)
{
	struct timer_wheel_node *n;
	uint64_t tick, d;
	uint32_t t32;

	if (unlikely(id >= w->capacity))
		return;
	/* Packets of one batch share the clock and mostly the timeout: skip the division. */
	if (expire_ms == w->memo_ms) {
		tick = w->memo_tick;
	} else {
		/* Round up, without overflowing near UINT64_MAX. */
		d = expire_ms <= w->base_ms ? 0 : expire_ms - w->base_ms;
		tick = d / w->tick_ms + (d % w->tick_ms != 0);
		w->memo_ms = expire_ms;
		w->memo_tick = tick;
	}
	if (tick > w->horizon && tick - w->horizon > TIMER_WHEEL_MAX_TICKS)
		tick = w->horizon + TIMER_WHEEL_MAX_TICKS;
	else if (w->horizon > TW_PAST_MAX && tick < w->horizon - TW_PAST_MAX)
		tick = w->horizon - TW_PAST_MAX;
	t32 = (uint32_t)tick;

	n = tw_at(w, id);
	if (tw_armed(n)) {
		uint32_t old = n->expire;

		/* Same tick means same list (or a sweep that will fire it): nothing to move. */
		if (old == t32)
			return;
		/*
		 * Waiting in a slot, and the sweep reaches that slot before the new expiry: only
		 * record it; the sweep finds the timer not due and moves it then. That is every
		 * postponement (the slot comes no later than the old expiry), and an earlier expiry
		 * past the slot's next turn. Flows re-armed on every packet cost one store here,
		 * not an unlink and a link (and the cache misses of both neighbours). Timers in the
		 * due or run lists must move now: those lists fire unconditionally.
		 */
		if (!tw_is_due(w, old) && tick > w->horizon && tw_reached_by(w, n, old, tick)) {
			n->expire = t32;
			w->stats.deferred++;
			return;
		}
		tw_detach(w, id);
	} else {
		w->armed++;
	}
	w->stats.linked++;
	n->expire = t32;
	if (tick <= w->horizon)
		tw_link_tail(w, w->due, id, 0);
	else
		tw_link_tail(w, w->capacity + (t32 & w->mask), id, t32 & w->mask);
}

void timer_wheel_cancel(struct timer_wheel *w, uint32_t id)
{
	if (id >= w->capacity || !tw_armed(tw_at(w, id)))
		return;
	tw_unlink(w, id);
	w->armed--;
}

bool timer_wheel_is_armed(const struct timer_wheel *w, uint32_t id)
{
	return id < w->capacity && tw_armed(tw_at(w, id));
}

uint64_t timer_wheel_expiry_ms(const struct timer_wheel *w, uint32_t id)
{
	if (!timer_wheel_is_armed(w, id))
		return 0;
	return w->base_ms + tw_tick64(w, tw_at(w, id)->expire) * w->tick_ms;
}

uint64_t timer_wheel_take_stored(struct timer_wheel *w, uint32_t id)
{
	if (id >= w->capacity)
		return 0;
	struct timer_wheel_node *n = tw_at(w, id);
	/* a tick from before the wheel's tick 0 (only garbage can hold one) reads as tick 0 */
	bool before_base = (int32_t)(n->expire - (uint32_t)w->horizon) < 0 &&
			   (uint32_t)w->horizon - n->expire > w->horizon;
	uint64_t ms = w->base_ms + (before_base ? 0 : tw_tick64(w, n->expire)) * w->tick_ms;
	bool armed = tw_armed(n);

	*n = (struct timer_wheel_node){0};
	return armed ? (ms ? ms : 1) : 0;
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
			tw_fire(w, tw_next(tw_at(w, w->run)), fn, arg);
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
			w->cursor = tw_next(tw_at(w, head));
		}
		id = w->cursor;
		if (id == head) {
			tw_next_slot(w);
			continue;
		}
		budget--;
		struct timer_wheel_node *n = tw_at(w, id);
		w->cursor = tw_next(n);
		if (tw_is_due(w, n->expire)) {
			fired++;
			tw_fire(w, id, fn, arg);
		} else if ((n->expire & w->mask) != w->sweep_slot) {
			/* re-armed since it was linked here: catch up with its expiry */
			uint32_t slot = n->expire & w->mask;

			tw_detach(w, id);
			tw_link_tail(w, w->capacity + slot, id, slot);
			w->stats.moved++;
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

void timer_wheel_get_stats(const struct timer_wheel *w, struct timer_wheel_stats *out)
{
	*out = w->stats;
}

uint32_t timer_wheel_armed_count(const struct timer_wheel *w)
{
	return w->armed;
}

size_t timer_wheel_memory(const struct timer_wheel *w)
{
	return sizeof(*w) + ((size_t)w->slots + 2) * sizeof(*w->heads) +
	       (w->own ? (size_t)w->capacity * sizeof(*w->own) : 0);
}
