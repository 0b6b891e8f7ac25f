// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine_fastpath - the engine's side of the in-kernel fast path (lib/fastpath_map.h): it hands
 * ESTABLISHED flows to the program's slots, takes them back when one of their segments reaches
 * the queue, imports what the program changed (windows, counters, last-seen time) so that the
 * table, its image, its snapshot and the peer see it, and keeps timers honest: a flow the
 * program keeps busy does not expire.
 *
 * Pure, like the rest of the engine: the slots and the dirty bitmap are memory the caller
 * mapped, and the tuples go in and out of the program's hash through the caller's ops. One
 * thread (the worker's) calls all of it; the program runs beside it on any CPU, and the slot's
 * lock word (FASTPATH_BUSY) is all they share.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "fastpath_map.h"
#include "tcp_fast.h"

struct engine_fp {
	struct fastpath_slot *slots;
	uint64_t *dirty; /* a bit per slot: the program accepted a segment since the harvest */
	uint32_t n;
	uint32_t *slot_of; /* by flow id: its slot + 1, or 0 */
	uint32_t *flow_of; /* by slot: its flow; a free slot: the next free one */
	uint32_t free_head;
	uint32_t used;
	uint64_t clock_ms; /* the latest time the engine was given, for import's timers */
	const struct engine_fastpath_ops *ops;
	void *ctx;
	struct engine_fastpath_counters ctr;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	compiler_barrier();
#endif
}

/* Takes the slot's lock against the program; returns the owner it found. The program holds
 * it for a few hundred instructions in softirq, never sleeping, so spinning is right. */
static uint32_t slot_lock(struct fastpath_slot *s)
{
	for (;;) {
		uint32_t o = __atomic_load_n(&s->own, __ATOMIC_RELAXED);

		if (!(o & FASTPATH_BUSY) &&
		    __atomic_compare_exchange_n(&s->own, &o, o | FASTPATH_BUSY, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return o;
		cpu_relax();
	}
}

static void slot_unlock(struct fastpath_slot *s, uint32_t owner)
{
	__atomic_store_n(&s->own, owner, __ATOMIC_RELEASE);
}

static struct fastpath_slot *slot_of(const struct engine *e, uint32_t id)
{
	uint32_t sl = e->fp->slot_of[id];

	return sl ? &e->fp->slots[sl - 1] : NULL;
}

/* Copies what the program changed into flow id; the slot is locked. */
static void import(struct engine *e, uint32_t id, struct fastpath_slot *s)
{
	if (!s->gen)
		return;
	struct engine_flow *f = flow_table_value(e->table, id);

	flow_busy(e, id);
	track_store(f, &s->track);
	flow_done(e);
	if (e->acct)
		for (int d = 0; d < 2; d++) {
			e->acct[id].packets[d] += s->packets[d];
			e->acct[id].bytes[d] += s->bytes[d];
		}
	memset(s->packets, 0, sizeof(s->packets));
	memset(s->bytes, 0, sizeof(s->bytes));
	s->gen = 0;
	/* the timer runs from the last segment the program took (CLOCK_MONOTONIC, as ours), but
	 * never from later than the engine's own clock, which may lag the kernel's by a turn */
	uint64_t at = s->last_ns / 1000000;

	if (e->fp->clock_ms && at > e->fp->clock_ms)
		at = e->fp->clock_ms;
	engine_arm_at(e, id, s->tclass, at);
	sync_mark(e, id);
	e->fp->ctr.imports++;
}

/* The program's key of direction dir of flow id: the tuple as that direction's packets carry it. */
static void key_of(const struct engine *e, uint32_t id, uint8_t dir, struct fastpath_key *k)
{
	const struct flow_key *fk = flow_table_key(e->table, id);
	const struct engine_flow *f = flow_table_value_const(e->table, id);
	unsigned src = dir == TCP_TRACK_ORIGINAL ? f->orig : !f->orig;
	size_t alen = fk->family == 4 ? 4 : 16;

	memset(k, 0, sizeof(*k));
	k->family = fk->family;
	k->sport = (uint16_t)(fk->port[src] >> 8 | fk->port[src] << 8);
	k->dport = (uint16_t)(fk->port[!src] >> 8 | fk->port[!src] << 8);
	memcpy(k->saddr, fk->addr[src], alen);
	memcpy(k->daddr, fk->addr[!src], alen);
}

/* A slot for flow id, its tuples in the program's hash, owned by us. 0 when there is none. */
static uint32_t attach(struct engine *e, uint32_t id)
{
	struct engine_fp *fp = e->fp;
	struct fastpath_key k[2];
	uint32_t sl = fp->free_head;

	if (sl == FLOW_TABLE_NONE) {
		fp->ctr.full++;
		return 0;
	}
	struct fastpath_slot *s = &fp->slots[sl];

	/* USER before the tuples appear: the program counts what it queues from then on */
	__atomic_store_n(&s->own, FASTPATH_USER, __ATOMIC_RELEASE);
	s->inflight = 0;
	s->gen = 0;
	for (uint8_t d = 0; d < 2; d++) {
		key_of(e, id, d, &k[d]);
		if (fp->ops->key_add(fp->ctx, &k[d], sl, d) < 0) {
			if (d)
				fp->ops->key_del(fp->ctx, &k[0]);
			fp->ctr.full++;
			return 0;
		}
	}
	fp->free_head = fp->flow_of[sl];
	fp->flow_of[sl] = id;
	fp->slot_of[id] = sl + 1;
	fp->used++;
	return sl + 1;
}

static void detach(struct engine *e, uint32_t id, bool keep_changes);

static void clock_at(struct engine *e, uint64_t now_ms)
{
	if (now_ms > e->fp->clock_ms)
		e->fp->clock_ms = now_ms;
}

void engine_fp_before(struct engine *e, uint32_t id, uint64_t now_ms)
{
	struct fastpath_slot *s = slot_of(e, id);

	clock_at(e, now_ms);
	if (!s)
		return;
	uint32_t was = slot_lock(s);

	import(e, id, s);
	if (s->inflight)
		s->inflight--;
	if (was == FASTPATH_FAST)
		e->fp->ctr.reclaims++; /* a segment the program did not see, or left uncounted */
	slot_unlock(s, FASTPATH_USER);
}

void engine_fp_after(struct engine *e, uint32_t id, uint64_t now_ms)
{
	const struct engine_flow *f = flow_table_value_const(e->table, id);
	struct tcp_track t;

	track_load(f, &t);
	uint32_t sl = e->fp->slot_of[id];

	if (!tcp_fast_eligible(&t)) {
		/* closing, or gone back to re-learning: its tuples leave the program now, not
		 * when the flow ends (engine_fp_before has copied in what it had) */
		if (sl)
			detach(e, id, false);
		return;
	}
	if (f->gen != e->gen || e->on_trace)
		return;

	if (!sl && !(sl = attach(e, id)))
		return;
	struct fastpath_slot *s = &e->fp->slots[sl - 1];

	slot_lock(s);
	if (s->inflight) {
		/* segments of the flow still wait in the queue: the program must not pass them */
		slot_unlock(s, FASTPATH_USER);
		return;
	}
	memcpy(&s->track, &t, sizeof(t));
	s->params = (struct tcp_fast_params){.max_retrans = e->tparams.max_retrans,
					     .liberal = e->tparams.liberal};
	s->tclass = f->tclass;
	s->last_ns = now_ms * 1000000;
	e->fp->ctr.handovers++;
	slot_unlock(s, FASTPATH_FAST);
}

/* Gives the slot of flow id back to the free list, and its tuples out of the program's hash. */
static void detach(struct engine *e, uint32_t id, bool keep_changes)
{
	struct engine_fp *fp = e->fp;
	uint32_t sl = fp->slot_of[id];
	struct fastpath_key k;

	if (!sl)
		return;
	struct fastpath_slot *s = &fp->slots[sl - 1];

	slot_lock(s);
	if (keep_changes)
		import(e, id, s);
	slot_unlock(s, FASTPATH_USER);
	for (uint8_t d = 0; d < 2; d++) {
		key_of(e, id, d, &k);
		fp->ops->key_del(fp->ctx, &k);
	}
	fp->slot_of[id] = 0;
	fp->flow_of[sl - 1] = fp->free_head;
	fp->free_head = sl - 1;
	fp->used--;
}

void engine_fp_destroyed(struct engine *e, uint32_t id)
{
	detach(e, id, false);
}

bool engine_fp_keeps(struct engine *e, uint32_t id, uint64_t now_ms)
{
	struct fastpath_slot *s = slot_of(e, id);

	clock_at(e, now_ms);
	if (!s)
		return false;
	uint32_t was = slot_lock(s);

	import(e, id, s);
	bool alive =
		timer_wheel_is_armed(e->wheel, id) && timer_wheel_expiry_ms(e->wheel, id) > now_ms;

	/* an expiring flow is taken back first, so that no segment passes after it is gone */
	slot_unlock(s, alive ? was : FASTPATH_USER);
	return alive;
}

void engine_fp_take_back(struct engine *e, uint32_t id)
{
	struct fastpath_slot *s = slot_of(e, id);

	if (!s)
		return;
	slot_lock(s);
	import(e, id, s);
	slot_unlock(s, FASTPATH_USER);
}

/* Every used slot, locked in turn: fn under the lock, then the owner it returns. */
static void each_slot(struct engine *e,
		      uint32_t (*fn)(struct engine *, uint32_t, struct fastpath_slot *, uint32_t))
{
	struct engine_fp *fp = e->fp;
	uint32_t cap = flow_table_capacity(e->table);

	for (uint32_t id = 0; id < cap && fp->used; id++) {
		struct fastpath_slot *s = fp->slot_of[id] ? slot_of(e, id) : NULL;

		if (s)
			slot_unlock(s, fn(e, id, s, slot_lock(s)));
	}
}

static uint32_t return_flow(struct engine *e, uint32_t id, struct fastpath_slot *s, uint32_t was)
{
	(void)was;
	import(e, id, s);
	return FASTPATH_USER;
}

/* After a bypass the segments counted in flight may never arrive (the kernel passed them
 * around the queue); the flows re-learn from what comes next anyway. */
static uint32_t forget_flow(struct engine *e, uint32_t id, struct fastpath_slot *s, uint32_t was)
{
	s->inflight = 0;
	return return_flow(e, id, s, was);
}

static uint32_t set_params(struct engine *e, uint32_t id, struct fastpath_slot *s, uint32_t was)
{
	(void)id;
	s->params = (struct tcp_fast_params){.max_retrans = e->tparams.max_retrans,
					     .liberal = e->tparams.liberal};
	return was;
}

void engine_fp_return_all(struct engine *e, bool bypassed)
{
	each_slot(e, bypassed ? forget_flow : return_flow);
}

void engine_fp_params(struct engine *e)
{
	each_slot(e, set_params);
}

int engine_fastpath_enable(struct engine *e, struct fastpath_slot *slots, uint64_t *dirty,
			   uint32_t n, const struct engine_fastpath_ops *ops, void *ctx)
{
	uint32_t cap = flow_table_capacity(e->table);
	struct engine_fp *fp = calloc(1, sizeof(*fp));

	if (!fp || e->fp || !n)
		goto fail;
	if (n > cap)
		n = cap; /* a slot more than the table has flows would never be used */
	fp->slot_of = calloc(cap, sizeof(*fp->slot_of));
	fp->flow_of = calloc(n, sizeof(*fp->flow_of));
	if (!fp->slot_of || !fp->flow_of)
		goto fail;
	for (uint32_t i = 0; i < n; i++)
		fp->flow_of[i] = i + 1 < n ? i + 1 : FLOW_TABLE_NONE;
	fp->slots = slots;
	fp->dirty = dirty;
	fp->n = n;
	fp->ops = ops;
	fp->ctx = ctx;
	e->fp = fp;
	return 0;
fail:
	if (fp) {
		free(fp->slot_of);
		free(fp->flow_of);
	}
	free(fp);
	return e->fp || !n ? -EINVAL : -ENOMEM;
}

void engine_fp_free(struct engine_fp *fp)
{
	if (!fp)
		return;
	free(fp->slot_of);
	free(fp->flow_of);
	free(fp);
}

void engine_fastpath_disable(struct engine *e)
{
	struct engine_fp *fp = e->fp;

	if (!fp)
		return;
	uint32_t cap = flow_table_capacity(e->table);

	for (uint32_t id = 0; id < cap && fp->used; id++)
		detach(e, id, true);
	engine_fp_free(fp);
	e->fp = NULL;
}

unsigned engine_fastpath_harvest(struct engine *e, uint64_t now_ms)
{
	struct engine_fp *fp = e->fp;
	unsigned n = 0;

	if (!fp)
		return 0;
	clock_at(e, now_ms);
	for (uint32_t w = 0; w < (fp->n + 63) / 64; w++) {
		uint64_t bits = __atomic_load_n(&fp->dirty[w], __ATOMIC_RELAXED);

		if (!bits)
			continue;
		bits = __atomic_exchange_n(&fp->dirty[w], 0, __ATOMIC_ACQ_REL);
		while (bits) {
			uint32_t sl = w * 64 + (uint32_t)__builtin_ctzll(bits);
			uint32_t id = fp->flow_of[sl];

			bits &= bits - 1;
			if (id >= flow_table_capacity(e->table) || fp->slot_of[id] != sl + 1)
				continue; /* freed since */
			struct fastpath_slot *s = &fp->slots[sl];
			uint32_t was = slot_lock(s);

			import(e, id, s);
			slot_unlock(s, was);
			n++;
		}
	}
	return n;
}

void engine_fastpath_counters(const struct engine *e, struct engine_fastpath_counters *out)
{
	*out = e->fp ? e->fp->ctr : (struct engine_fastpath_counters){0};
	out->flows = e->fp ? e->fp->used : 0;
}
