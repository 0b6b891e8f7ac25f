/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine_internal - what the engine's own files share, and nothing outside lib/engine*.c may
 * include: struct engine, the packed per-flow value and its accessors, the live image header,
 * and the few engine functions more than one of those files calls.
 *
 * - engine.c: the packet path (engine_process_batch -> judge -> track), timeouts, events,
 *   expiry, reconfiguration. It stays one translation unit, so that its inlining does not
 *   depend on this split.
 * - engine_table.c: the operator's and the snapshot's view of the table: filters, list, kill,
 *   get, export, import.
 * - engine_live.c: the engine's life: the image header, engine_new/engine_free (fresh or
 *   resumed), resume, engine_check.
 */
#ifndef TCPFW_ENGINE_INTERNAL_H
#define TCPFW_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine.h"
#include "flow_table.h"
#include "region.h"
#include "timer_wheel.h"
#include "util.h"

/*
 * The wheel: 100 ms ticks (timers fire at most 0.1 s late), 1024 slots = one 102 s turn. With at
 * most 1024 slots the wheel remembers each timer's slot, so a flow re-armed to a shorter timeout
 * (data in flight after an idle ACK: 300 s after 5 days) stays where it is unless the timeout is
 * shorter than the slot's next turn; long timers cost a skipped visit per turn.
 */
#define ENGINE_TICK_MS	   100
#define ENGINE_WHEEL_SLOTS 1024

/*
 * struct tcp_track without its padding: the bytes of peer[0] and peer[1] up to their flags, then
 * last_seq through flags (71 of its 76 bytes). With them, the key, the chain link and the timer
 * node, a flow is exactly 128 bytes, two cache lines. The tracker works on an unpacked copy.
 * If struct tcp_track changes, these asserts fail: update track_load()/track_store() (and the
 * snapshot record, which lists the fields too).
 */
#define TRACK_PEER_USED (offsetof(struct tcp_track_peer, flags) + 1)
#define TRACK_TAIL_OFF	offsetof(struct tcp_track, last_seq)
#define TRACK_TAIL_USED (offsetof(struct tcp_track, flags) + 1 - TRACK_TAIL_OFF)
#define TRACK_PACKED	(2 * TRACK_PEER_USED + TRACK_TAIL_USED)
/* where a tail field of struct tcp_track sits in the packed bytes */
#define TRACK_AT(field) (2 * TRACK_PEER_USED + offsetof(struct tcp_track, field) - TRACK_TAIL_OFF)

_Static_assert(sizeof(struct tcp_track_peer) == 28 && TRACK_PEER_USED == 26,
	       "struct tcp_track_peer changed: update the packing in engine_internal.h");
_Static_assert(sizeof(struct tcp_track) == 76 && TRACK_TAIL_OFF == 56 && TRACK_TAIL_USED == 19,
	       "struct tcp_track changed: update the packing in engine_internal.h");
_Static_assert(offsetof(struct tcp_track, peer) == 0, "peers first");

/* The per-flow value the table stores next to the key. */
struct engine_flow {
	struct timer_wheel_node timer; /* the wheel's, in the flow's own cache line */
	uint8_t orig : 1;	       /* the key endpoint (0 or 1) that is ORIGINAL */
	uint8_t tclass : 2;	       /* enum tcp_track_timeout of the armed timer */
	uint8_t gen : 5;	       /* the window generation it last learned in */
	uint8_t track[TRACK_PACKED];   /* struct tcp_track, packed */
};

_Static_assert(FLOW_TABLE_HEADER_SIZE + sizeof(struct engine_flow) == 128,
	       "a flow is two cache lines");
_Static_assert(_TCP_TRACK_TIMEOUT_MAX <= 4, "tclass has two bits");

/*
 * Plain static, not static inline (a file may use only one): the inline hint would change
 * what the packet path inlines (it costs 4 instructions a packet under callgrind).
 */
static __attribute__((unused)) void track_load(const struct engine_flow *f, struct tcp_track *t)
{
	const uint8_t *b = f->track;

	memset(t, 0, sizeof(*t));
	memcpy(&t->peer[0], b, TRACK_PEER_USED);
	memcpy(&t->peer[1], b + TRACK_PEER_USED, TRACK_PEER_USED);
	memcpy((uint8_t *)t + TRACK_TAIL_OFF, b + 2 * TRACK_PEER_USED, TRACK_TAIL_USED);
}

static __attribute__((unused)) void track_store(struct engine_flow *f, const struct tcp_track *t)
{
	uint8_t *b = f->track;

	memcpy(b, &t->peer[0], TRACK_PEER_USED);
	memcpy(b + TRACK_PEER_USED, &t->peer[1], TRACK_PEER_USED);
	memcpy(b + 2 * TRACK_PEER_USED, (const uint8_t *)t + TRACK_TAIL_OFF, TRACK_TAIL_USED);
}

static inline uint8_t flow_state(const struct engine_flow *f)
{
	return f->track[TRACK_AT(state)];
}

static inline bool flow_assured(const struct engine_flow *f)
{
	return f->track[TRACK_AT(flags)] & TCP_TRACK_F_ASSURED;
}

/* The header of a live image: see engine_live.c for its layout word and magic. */
struct engine_image {
	uint8_t magic[8]; /* written last: a header without it was never completed */
	uint32_t layout;  /* ENGINE_IMAGE_LAYOUT */
	uint32_t max_flows;
	uint32_t buckets; /* table.buckets as configured */
	uint32_t tick_ms;
	uint64_t base_ms; /* the wheel's tick 0 on the caller's monotonic clock */
	uint32_t hwm;	  /* ids below it have been handed out */
	uint32_t busy;	  /* the flow being changed now, or FLOW_TABLE_NONE */
	uint8_t reserved[24];
};

_Static_assert(sizeof(struct engine_image) == ENGINE_IMAGE_HEADER_SIZE, "image header size");

/* One flow's accounting, indexed by its id in an array beside the table. */
struct engine_acct {
	uint64_t packets[2]; /* by enum tcp_track_dir */
	uint64_t bytes[2];
};

_Static_assert(sizeof(struct engine_acct) == 32, "accounting costs 32 bytes per flow");

struct engine {
	struct engine_image *img; /* the caller's, or own_img */
	struct engine_image own_img;
	struct config cfg;
	struct config prev_cfg; /* the one before the last reconfigure, for retime */
	struct tcp_track_params tparams;
	struct flow_table *table;
	struct timer_wheel *wheel;
	engine_event_fn *on_event;
	void *event_arg;
	engine_trace_fn *on_trace; /* NULL unless someone traces */
	void *trace_arg;
	struct engine_counters ctr;
	struct engine_acct *acct; /* max_flows entries with table.accounting, else NULL */
	struct region acct_mem;	  /* where acct lives */
	uint8_t gen; /* window generation (ENGINE_GEN_MASK): see engine_forget_windows() */
	struct engine_sync *sync; /* change tracking for replication, or NULL */
	struct engine_fp *fp;	  /* the in-kernel fast path's slots, or NULL */
	uint64_t expire_now_ms;	  /* engine_expire()'s clock, for its callback */
};

/*
 * Change tracking (engine_sync.c): a byte of ENGINE_SB_* per flow id, and the ids marked since
 * the last settle in the order they were first marked. An id enters the list when it gains
 * DIRTY (and again when its state changes, or when a destroyed id's slot is reused), so the
 * list has room for every flow and then some; beyond that `overflow` makes the next drain walk
 * the bytes instead.
 */
#define ENGINE_SB_DIRTY 0x01 /* changed by a local packet since the last settle */
#define ENGINE_SB_OWNED 0x02 /* its latest change was a local packet's */
#define ENGINE_SB_SEEN	0x04 /* refreshed by the peer since its bulk transfer began */
#define ENGINE_SB_SENT	0x08 /* handed out by the drain under way (dedup within one drain) */

struct engine_sync {
	uint8_t *bits;
	uint32_t *list;
	uint32_t cap;
	uint32_t n;	/* ids in list */
	uint32_t fresh; /* list[fresh..n) were marked since the last fresh drain */
	bool overflow;
};

static inline void sync_push(struct engine_sync *s, uint32_t id)
{
	if (s->n < s->cap)
		s->list[s->n++] = id;
	else
		s->overflow = true;
}

/* A local packet changed flow id: mark it, once per settle interval. */
static inline void sync_mark(struct engine *e, uint32_t id)
{
	struct engine_sync *s = e->sync;

	if (likely(!s) || (s->bits[id] & ENGINE_SB_DIRTY))
		return;
	s->bits[id] =
		(uint8_t)((s->bits[id] & ~ENGINE_SB_SEEN) | ENGINE_SB_DIRTY | ENGINE_SB_OWNED);
	sync_push(s, id);
}

/* Its state changed: the peer hears of it at the next fresh drain even if already marked. */
static inline void sync_mark_state(struct engine *e, uint32_t id)
{
	struct engine_sync *s = e->sync;

	if (likely(!s))
		return;
	if (!(s->bits[id] & ENGINE_SB_DIRTY)) {
		sync_mark(e, id);
		return;
	}
	sync_push(s, id);
}

#define ENGINE_GEN_MASK 31 /* struct engine_flow's gen has five bits */

/* Names the flow about to change (see "live state" in engine.h); flow_done() clears it. */
static inline void flow_busy(struct engine *e, uint32_t id)
{
	e->img->busy = id;
	compiler_barrier();
}

static inline void flow_done(struct engine *e)
{
	compiler_barrier();
	e->img->busy = FLOW_TABLE_NONE;
}

/* ---- shared between the engine's files ---- */

/* The timeout of a flow in state with timer class tclass under cfg (adaptive when asked). */
uint64_t engine_timeout_ms(const struct engine *e, const struct config *cfg, uint8_t state,
			   uint8_t tclass);

/* Fills *out with flow id's view (a used id). */
void engine_flow_view(const struct engine *e, uint32_t id, struct engine_flow_info *out);

/* Removes used flow id with its event and counters; the caller has made it busy. */
void engine_destroy(struct engine *e, uint32_t id, enum engine_cause cause);

/* engine_destroy() of a flow nobody has made busy: names it in the image around the change. */
void engine_remove(struct engine *e, uint32_t id, enum engine_cause cause);

/* The id of the flow with this tuple, seen from either side, or FLOW_TABLE_NONE. */
uint32_t engine_find(const struct engine *e, uint8_t family, const uint8_t *src, uint16_t sport,
		     const uint8_t *dst, uint16_t dport);

/*
 * Inserts k at the table's next free id, which is busy until the caller's flow_done().
 * FLOW_TABLE_NONE when the table is full.
 */
uint32_t engine_insert_free(struct engine *e, const struct flow_key *k, uint32_t hash);

/* The timer wheel's callback: destroys flow id (arg is the engine) as timed out. */
void engine_expire_one(uint32_t id, void *arg);

/* The tracker parameters e->cfg asks for, into e->tparams. */
void engine_set_tcp_params(struct engine *e);

/* Per-flow counters in *mem when cfg asks for accounting (else NULL); 0 or -ENOMEM. */
int engine_acct_new(const struct config *cfg, struct region *mem, struct engine_acct **ret);

/* Tracker state from outside (a file, an image) indexes nothing out of range. */
bool engine_track_valid(const struct tcp_track *t);

/* A record from outside: valid values, its tuple in the canonical order, whose key goes into
 * *k. False for anything engine_import() refuses as -EINVAL. */
bool engine_record_key(const struct engine_flow_record *r, struct flow_key *k);

/* Flow id (a used one) as a record, its timer's time left counted from now_ms. */
void engine_record_of(const struct engine *e, uint32_t id, uint64_t now_ms,
		      struct engine_flow_record *r);

/* Re-arms flow id's timer as if a segment of timer class tclass had passed at at_ms. */
void engine_arm_at(struct engine *e, uint32_t id, uint8_t tclass, uint64_t at_ms);

/* ---- engine_fastpath.c: the packet path's hooks, each only when e->fp ---- */

/* Before flow id's segment is judged: takes the flow back from the program with its changes,
 * and counts the segment off the ones the program queued. */
void engine_fp_before(struct engine *e, uint32_t id, uint64_t now_ms);

/* After a segment of flow id was accepted: hands the flow over if it may go. */
void engine_fp_after(struct engine *e, uint32_t id, uint64_t now_ms);

/* Flow id is being destroyed: frees its slot and tuples. */
void engine_fp_destroyed(struct engine *e, uint32_t id);

/* Flow id's timer fired: true when the program kept it busy (its timer is re-armed). */
bool engine_fp_keeps(struct engine *e, uint32_t id, uint64_t now_ms);

/* Takes flow id back with the program's changes, keeping its slot (the peer's update comes). */
void engine_fp_take_back(struct engine *e, uint32_t id);

/* Every flow back to the engine (windows to re-learn), or the new parameters to every slot. */
void engine_fp_return_all(struct engine *e, bool bypassed);
void engine_fp_params(struct engine *e);

/* Frees the fast path's bookkeeping without a word to the program (engine_free). NULL-safe. */
void engine_fp_free(struct engine_fp *fp);

/* Frees the change tracking. NULL-safe. */
void engine_sync_free(struct engine_sync *s);

#endif /* TCPFW_ENGINE_INTERNAL_H */
