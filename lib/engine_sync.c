// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's side of replication: which flows changed (the marks the packet path sets through
 * sync_mark()), the bulk walk, and the peer's records applied under the ownership rules in
 * engine.h. docs/sync.md explains why the rules are what they are.
 */
#include <errno.h>
#include <stdlib.h>

#include "engine_internal.h"
#include "seq.h"

/* Room in the list beyond one entry a flow: state changes and reused slots re-enter it. */
#define SYNC_LIST_SLACK 4096

void engine_sync_free(struct engine_sync *s)
{
	if (!s)
		return;
	free(s->bits);
	free(s->list);
	free(s);
}

int engine_sync_enable(struct engine *e)
{
	uint32_t max = flow_table_capacity(e->table);
	struct engine_sync *s;

	if (e->sync)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cap = max + SYNC_LIST_SLACK;
	s->bits = calloc(max, 1);
	s->list = malloc((size_t)s->cap * sizeof(*s->list));
	if (!s->bits || !s->list) {
		engine_sync_free(s);
		return -ENOMEM;
	}
	e->sync = s;
	return 0;
}

/* Hands flow id out once per drain: SENT dedups ids listed twice (a state change). */
static bool hand_out(const struct engine *e, uint32_t id, unsigned flags, uint64_t now_ms,
		     engine_record_fn *fn, void *arg)
{
	struct engine_sync *s = e->sync;
	struct engine_flow_record r;

	if (!(s->bits[id] & ENGINE_SB_DIRTY) || (s->bits[id] & ENGINE_SB_SENT) ||
	    !flow_table_is_used(e->table, id))
		return false;
	s->bits[id] |= ENGINE_SB_SENT;
	engine_record_of(e, id, now_ms, &r);
	fn(&r, flags | ENGINE_SYNC_OWNED, arg);
	return true;
}

static unsigned drain_list(struct engine *e, uint32_t from, unsigned flags, uint64_t now_ms,
			   engine_record_fn *fn, void *arg)
{
	struct engine_sync *s = e->sync;
	unsigned n = 0;

	for (uint32_t i = from; i < s->n; i++)
		n += hand_out(e, s->list[i], flags, now_ms, fn, arg);
	for (uint32_t i = from; i < s->n; i++)
		s->bits[s->list[i]] &= (uint8_t)~ENGINE_SB_SENT;
	return n;
}

/* After an overflow the list is incomplete: the marks themselves say what changed. */
static unsigned drain_all(struct engine *e, uint64_t now_ms, engine_record_fn *fn, void *arg)
{
	struct engine_sync *s = e->sync;
	uint32_t hwm = e->img->hwm;
	unsigned n = 0;

	for (uint32_t id = 0; id < hwm; id++) {
		n += hand_out(e, id, 0, now_ms, fn, arg);
		s->bits[id] &= (uint8_t) ~(ENGINE_SB_SENT | ENGINE_SB_DIRTY);
	}
	return n;
}

unsigned engine_sync_changes(struct engine *e, bool settle, uint64_t now_ms, engine_record_fn *fn,
			     void *arg)
{
	struct engine_sync *s = e->sync;
	unsigned n;

	if (!s)
		return 0;
	if (s->overflow) {
		/* settled, though some still move: their next packet marks them afresh */
		n = drain_all(e, now_ms, fn, arg);
		s->n = s->fresh = 0;
		s->overflow = false;
		return n;
	}
	if (!settle) {
		n = drain_list(e, s->fresh, ENGINE_SYNC_MOVING, now_ms, fn, arg);
		s->fresh = s->n;
		return n;
	}
	n = drain_list(e, 0, 0, now_ms, fn, arg);
	for (uint32_t i = 0; i < s->n; i++)
		s->bits[s->list[i]] &= (uint8_t)~ENGINE_SB_DIRTY;
	s->n = s->fresh = 0;
	return n;
}

unsigned engine_sync_export(const struct engine *e, uint32_t *cursor, unsigned budget, unsigned max,
			    uint64_t now_ms, engine_record_fn *fn, void *arg)
{
	uint32_t cap = flow_table_capacity(e->table), id = *cursor;
	unsigned n = 0;

	for (; id < cap && budget && n < max; id++, budget--) {
		struct engine_flow_record r;

		if (!flow_table_is_used(e->table, id))
			continue;
		engine_record_of(e, id, now_ms, &r);
		uint8_t bits = e->sync ? e->sync->bits[id] : 0;
		unsigned flags = ENGINE_SYNC_BULK;
		if (bits & ENGINE_SB_OWNED)
			flags |= ENGINE_SYNC_OWNED;
		/* a marked flow's next changes wait for the settle, not for a fresh drain: the
		 * peer must know this copy may fall behind until then */
		if (bits & ENGINE_SB_DIRTY)
			flags |= ENGINE_SYNC_MOVING;
		fn(&r, flags, arg);
		n++;
	}
	*cursor = id < cap ? id : 0;
	return n;
}

/* The ownership rules of engine.h: may this record be applied over flow id (or create it)? */
static bool may_apply(const struct engine *e, uint32_t id, unsigned flags, bool complete)
{
	bool held = id != FLOW_TABLE_NONE;
	bool owned = held && e->sync && (e->sync->bits[id] & ENGINE_SB_OWNED);

	if (!(flags & ENGINE_SYNC_BULK))
		return true; /* the peer's stream, in order: its latest word wins */
	if (flags & ENGINE_SYNC_OWNED)
		return !owned; /* both claim it: ours is the one seeing packets */
	if (!complete)
		return true;
	return held && !owned; /* a copy refreshes a copy, and never creates */
}

/* Which of two views of one side has seen more of it: 1 a, -1 b, 0 neither. */
static int peer_ahead(const struct tcp_track_peer *a, const struct tcp_track_peer *b)
{
	if (a->end != b->end)
		return seq_gt(a->end, b->end) ? 1 : -1;
	if ((a->flags & b->flags & TCP_TRACK_PEER_MAXACK) && a->maxack != b->maxack)
		return seq_gt(a->maxack, b->maxack) ? 1 : -1;
	if (a->maxend != b->maxend)
		return seq_gt(a->maxend, b->maxend) ? 1 : -1;
	return 0;
}

enum merge_result {
	MERGE_TAKE = 0, /* the record has seen at least all we have: it replaces ours */
	MERGE_KEEP,	/* ours has seen all the record has and more: the record is stale */
	MERGE_MIXED,	/* each saw what the other did not: *t is the union */
};

/*
 * The peer's record t against our own copy of the same flow. Normally the record is the
 * newer word (a standby changes nothing). While routing is asymmetric, as during a switchover
 * when the two sides' addresses move a moment apart, each box sees one direction's latest
 * segments: taking either view whole would forget data the endpoints have acknowledged, and
 * every later segment of the flow would fail the window checks on both boxes. Each side is
 * taken from the view that has seen more of it, the later state wins, and the windows are
 * re-learned from the next segments, since neither box saw everything in between.
 */
static enum merge_result merge(struct tcp_track *t, const struct tcp_track *ours)
{
	if (t->peer[0].isn != ours->peer[0].isn || t->peer[1].isn != ours->peer[1].isn)
		return MERGE_TAKE; /* another incarnation of the tuple: the latest word */
	int a0 = peer_ahead(&t->peer[0], &ours->peer[0]),
	    a1 = peer_ahead(&t->peer[1], &ours->peer[1]);
	if (a0 >= 0 && a1 >= 0)
		return MERGE_TAKE;
	if (a0 <= 0 && a1 <= 0)
		return MERGE_KEEP;
	int behind = a0 < 0 ? 0 : 1;
	t->peer[behind] = ours->peer[behind];
	if (ours->state != TCP_TRACK_SYN_SENT2 && t->state != TCP_TRACK_SYN_SENT2 &&
	    ours->state > t->state)
		t->state = ours->state;
	tcp_track_forget_windows(t);
	return MERGE_MIXED;
}

int engine_sync_apply(struct engine *e, const struct engine_flow_record *rec, unsigned flags,
		      bool complete, uint64_t grace_ms, uint64_t now_ms)
{
	struct flow_key k;

	if (!engine_record_key(rec, &k))
		return -EINVAL;
	uint32_t hash = flow_table_hash(e->table, &k);
	uint32_t id = flow_table_lookup(e->table, &k, hash);
	if (!may_apply(e, id, flags, complete))
		return 0;

	struct tcp_track t = rec->track;
	enum merge_result m = MERGE_TAKE;
	if (id != FLOW_TABLE_NONE) {
		struct tcp_track ours;
		if (e->fp) /* the peer's copy meets ours as the program left it, and replaces it */
			engine_fp_take_back(e, id);
		track_load(flow_table_value_const(e->table, id), &ours);
		m = merge(&t, &ours);
		if (m == MERGE_KEEP)
			return 0;
	}
	if (flags & ENGINE_SYNC_MOVING) /* the peer's windows may be ahead of these */
		tcp_track_forget_windows(&t);
	if (id == FLOW_TABLE_NONE) {
		id = engine_insert_free(e, &k, hash);
		if (id == FLOW_TABLE_NONE)
			return -ENOSPC;
		e->ctr.flows_created++;
	} else {
		flow_busy(e, id);
		e->ctr.states[flow_state(flow_table_value_const(e->table, id))]--;
	}
	struct engine_flow *f = flow_table_value(e->table, id);
	track_store(f, &t);
	f->orig = rec->orig & 1;
	f->gen = e->gen;
	f->tclass = rec->tclass & 3;
	timer_wheel_schedule(e->wheel, id, now_ms + rec->remaining_ms + grace_ms);
	flow_done(e);
	e->ctr.states[t.state]++;
	if (e->sync)
		e->sync->bits[id] = ENGINE_SB_SEEN;
	if (m == MERGE_MIXED) /* the union holds what the peer lacks: it goes back to it */
		sync_mark(e, id);
	return 1;
}

int engine_sync_remove(struct engine *e, uint8_t family, const uint8_t *src, uint16_t sport,
		       const uint8_t *dst, uint16_t dport)
{
	uint32_t id = engine_find(e, family, src, sport, dst, dport);

	if (id == FLOW_TABLE_NONE)
		return -ENOENT;
	engine_remove(e, id, ENGINE_CAUSE_PEER);
	return 0;
}

void engine_sync_bulk_begin(struct engine *e)
{
	if (!e->sync)
		return;
	for (uint32_t id = 0; id < e->img->hwm; id++)
		e->sync->bits[id] &= (uint8_t)~ENGINE_SB_SEEN;
}

unsigned engine_sync_bulk_end(struct engine *e, uint32_t *cursor, unsigned budget)
{
	uint32_t hwm = e->img->hwm, id = *cursor;
	unsigned n = 0;

	for (; id < hwm && budget; id++, budget--) {
		if (!flow_table_is_used(e->table, id) ||
		    (e->sync && (e->sync->bits[id] & (ENGINE_SB_OWNED | ENGINE_SB_SEEN))))
			continue;
		engine_remove(e, id, ENGINE_CAUSE_PEER);
		n++;
	}
	*cursor = id < hwm ? id : 0;
	return n;
}

uint32_t engine_sync_owned(const struct engine *e)
{
	uint32_t n = 0;

	if (!e->sync)
		return 0;
	for (uint32_t id = 0; id < e->img->hwm; id++)
		n += flow_table_is_used(e->table, id) && (e->sync->bits[id] & ENGINE_SB_OWNED);
	return n;
}
