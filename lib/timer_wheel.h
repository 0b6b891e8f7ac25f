/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timer_wheel - expiry of up to millions of flows without a timer object per flow.
 *
 * Timers are named by integer ids 0 .. capacity - 1 (the flow table's pool indices). Each id has a
 * 12-byte node (prev, next, expiry tick), either in an array the wheel allocates at creation or
 * inside the caller's own per-id records (so that the node shares their cache lines), plus the
 * wheel has one list head per slot; nothing is allocated afterwards. Time is cut into ticks of
 * tick_ms counted from the creation time, and an armed id sits in the doubly linked list of a slot.
 * A timer more than one revolution away stays in its slot and is skipped on each pass until its
 * tick comes (a hashed wheel with implicit rounds), so schedule and cancel are O(1) whatever the
 * timeout.
 *
 * Re-arming is lazy: a timer re-armed while it waits in a slot only records its new expiry and
 * stays where it is, as long as the sweep reaches that slot no later than the new expiry; the sweep
 * then moves it to the slot of its expiry. That holds for every postponement (the slot comes no
 * later than the old expiry) and, with at most 1024 slots (the wheel then remembers each timer's
 * slot), for an earlier expiry past the slot's next turn. Any other earlier expiry moves it at
 * once.
 *
 * Invariants: the wheel has swept every tick up to its horizon (the last advance's now_ms rounded
 * down to a tick, or the creation time); an armed timer due by the horizon is either in a sweep
 * still in progress or in the due list, and fires on the next advance; every other armed timer is
 * in a slot the sweep reaches (at its next turn after the horizon, or in a sweep in progress) no
 * later than its expiry. Ticks are 32-bit and compared modulo 2^32, as seq.h compares sequence
 * numbers, so the wheel runs forever whatever tick_ms is, and a timeout may be up to
 * TIMER_WHEEL_MAX_TICKS ticks past the horizon (6.8 years at 100 ms, 24.8 days at 1 ms). A timer
 * fires at its expiry rounded up to the tick: never earlier than asked, and, when advance is called
 * often enough with enough budget, less than one tick later. Work per advance is bounded by a
 * budget; after a gap longer than one revolution each slot is visited once, not once per elapsed
 * tick. Not thread-safe: one wheel per worker.
 */
#ifndef TCPFW_TIMER_WHEEL_H
#define TCPFW_TIMER_WHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMER_WHEEL_NONE UINT32_MAX

/* The furthest expiry, in ticks past the horizon; a later one is clamped to it. */
#define TIMER_WHEEL_MAX_TICKS 0x7fffffffu

#define TIMER_WHEEL_TICK_MS_MAX 1000u

/* capacity + slots + 2 (the list heads) at most: 2^27, room for 2^26 flows and their slots */
#define TIMER_WHEEL_MAX_LINKS (UINT32_C(1) << 27)

struct timer_wheel;

/* One id's link, for callers that keep it inside their records. Only the wheel reads or writes
 * it; all zero means not armed, and a node that is not armed has prev and next zero. */
struct timer_wheel_node {
	uint32_t prev;
	uint32_t next;
	uint32_t expire; /* expiry tick, modulo 2^32 */
};

struct timer_wheel_params {
	uint32_t capacity; /* ids are 0 .. capacity - 1; >= 1 */
	uint32_t tick_ms;  /* resolution, 1 .. TIMER_WHEEL_TICK_MS_MAX */
	uint32_t slots;	   /* a power of two >= 2 */
	/*
	 * NULL: the wheel allocates the nodes. Otherwise the node of id is the struct
	 * timer_wheel_node at (uint8_t *)nodes + id * node_stride, which the caller provides
	 * zeroed, keeps for the wheel's life and never writes (it may zero a node that is not
	 * armed). nodes and node_stride must suit the node's alignment (4).
	 */
	void *nodes;
	size_t node_stride;
};

/*
 * Called for each timer that fires, after it was unlinked (it is no longer armed). May schedule
 * or cancel any id, this one included. arg is the caller's pointer given to advance.
 */
typedef void timer_wheel_fn(uint32_t id, void *arg);

/*
 * Creates a wheel with no timer armed, whose tick 0 starts at now_ms. Returns 0 and sets *ret,
 * or -EINVAL when p is NULL or out of range (capacity + slots + 2 above TIMER_WHEEL_MAX_LINKS;
 * nodes misaligned or closer than a node), or -ENOMEM. The caller owns *ret and frees it with
 * timer_wheel_free().
 */
int timer_wheel_new(const struct timer_wheel_params *p, uint64_t now_ms, struct timer_wheel **ret);

/* Frees the wheel and its links. Accepts NULL. Fires nothing. */
void timer_wheel_free(struct timer_wheel *w);

/*
 * Arms or re-arms id to fire at expire_ms (absolute, the clock advance is given). The timer fires
 * at expire_ms rounded up to the tick. A time not after the horizon (see above) fires at the next
 * advance; a time before creation counts as the creation time; a time more than
 * TIMER_WHEEL_MAX_TICKS ticks past the horizon is clamped to that. Re-arming to the same tick
 * changes nothing, and re-arming an armed timer to a later tick (or to an earlier one the sweep
 * still reaches in time, see above) only records it, so re-arming a flow on every packet touches
 * its own node only. O(1). An id >= capacity is ignored.
 */
void timer_wheel_schedule(struct timer_wheel *w, uint32_t id, uint64_t expire_ms);

/* Disarms id. A no-op when id is not armed or >= capacity. O(1). */
void timer_wheel_cancel(struct timer_wheel *w, uint32_t id);

/* Whether id is armed: scheduled, and neither fired nor cancelled since. False for bad ids. */
bool timer_wheel_is_armed(const struct timer_wheel *w, uint32_t id);

/*
 * When an armed id fires: its expire_ms rounded up to the wheel's tick (never earlier than asked,
 * less than one tick later), after the clamps described at timer_wheel_schedule(). Returns 0 when
 * id is not armed.
 */
uint64_t timer_wheel_expiry_ms(const struct timer_wheel *w, uint32_t id);

/*
 * For a table that outlives the process: a node left by an earlier wheel that had the same
 * creation time and tick (the caller keeps both) is read as that wheel would have read it.
 * Returns its expiry in ms (as timer_wheel_expiry_ms gave it), or 0 when it was not armed, and
 * leaves the node zeroed, not armed, to be scheduled again or not. The wheel must have been
 * advanced to about the present first, since stored ticks are read relative to the horizon
 * (within 2^31 ticks). Call it for an id only before this wheel arms that id.
 */
uint64_t timer_wheel_take_stored(struct timer_wheel *w, uint32_t id);

/*
 * Fires every timer due at now_ms: unlinks it, then calls fn(id, arg). fn must not be NULL and
 * must not call advance or free. Does at most `budget` units of work: one per timer visited,
 * fired, skipped or moved, and one per empty slot stepped over; when the budget runs out it stops,
 * and the next call resumes where this one stopped. A postponed timer is visited up to twice (in
 * its old slot, where it is moved, and in its own). Timers never postponed fire in tick order
 * within one revolution, and in scheduling order within a tick; a postponed one may fire in the
 * same advance as, but before, timers due earlier. Past-due ones scheduled since go first. A
 * timer that fn schedules for a time already due fires no later than the next call. Returns the
 * number of timers fired. Never fires a timer before its expiry; with enough budget, fires it
 * within one tick of it. now_ms going backwards is ignored. When nothing is due and no work is left
 * over, the cost is a few compares.
 */
unsigned timer_wheel_advance(struct timer_wheel *w, uint64_t now_ms, unsigned budget,
			     timer_wheel_fn *fn, void *arg);

/*
 * True when an advance to now_ms has work left: due timers not yet fired, a sweep the budget cut
 * short, or ticks up to now_ms not yet swept while timers are armed. It may be true when that
 * work would only skip timers not yet due; false means an advance to now_ms would fire nothing.
 */
bool timer_wheel_behind(const struct timer_wheel *w, uint64_t now_ms);

/* Link operations, for tests and benchmarks: what lazy re-arming saves. */
struct timer_wheel_stats {
	uint64_t linked;   /* schedules that linked the timer into a list (new or moved now) */
	uint64_t deferred; /* schedules that only recorded the new expiry */
	uint64_t moved;	   /* re-armed timers the sweep moved to their own slot */
};

/* Copies the counters (since creation) into *out. */
void timer_wheel_get_stats(const struct timer_wheel *w, struct timer_wheel_stats *out);

/* The number of armed timers. */
uint32_t timer_wheel_armed_count(const struct timer_wheel *w);

/* Bytes the wheel allocated: 12 per slot, 12 per id when it holds the nodes, a small constant. */
size_t timer_wheel_memory(const struct timer_wheel *w);

#endif /* TCPFW_TIMER_WHEEL_H */
