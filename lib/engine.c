// SPDX-License-Identifier: GPL-2.0-or-later
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "flow_table.h"
#include "packet.h"
#include "region.h"
#include "timer_wheel.h"
#include "util.h"

/*
 * The wheel: 100 ms ticks (timers fire at most 0.1 s late), 1024 slots = one 102 s turn. With at
 * most 1024 slots the wheel remembers each timer's slot, so a flow re-armed to a shorter timeout
 * (data in flight after an idle ACK: 300 s after 5 days) stays where it is unless the timeout is
 * shorter than the slot's next turn; long timers cost a skipped visit per turn.
 */
/*
 * engine_process_batch() looks this many packets ahead, while it tracks, for the second link of a
 * chain: far enough for the chain heads it reads to have arrived.
 */
#define ENGINE_PREFETCH_AHEAD 8

/*
 * A SYN/ACK or RST answering a SYN on a reused tuple restarts or closes the flow
 * (tcp_track_resync) only when no segment has moved the flow for this long. A live
 * connection's endpoints would discard the pair, and a blind attacker can forge it; a tuple
 * reused for real belongs to a connection that died unseen, and the new one's SYN
 * retransmissions (1 s, 3 s) reach it after the wait.
 */
#define ENGINE_RESYNC_QUIET_MS 2000

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
	       "struct tcp_track_peer changed: update the packing in engine.c");
_Static_assert(sizeof(struct tcp_track) == 76 && TRACK_TAIL_OFF == 56 && TRACK_TAIL_USED == 19,
	       "struct tcp_track changed: update the packing in engine.c");
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

static void track_load(const struct engine_flow *f, struct tcp_track *t)
{
	const uint8_t *b = f->track;

	memset(t, 0, sizeof(*t));
	memcpy(&t->peer[0], b, TRACK_PEER_USED);
	memcpy(&t->peer[1], b + TRACK_PEER_USED, TRACK_PEER_USED);
	memcpy((uint8_t *)t + TRACK_TAIL_OFF, b + 2 * TRACK_PEER_USED, TRACK_TAIL_USED);
}

static void track_store(struct engine_flow *f, const struct tcp_track *t)
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

/*
 * The header of a live image. Its layout word changes whenever struct engine_flow or the
 * packing does (the asserts above) or ENGINE_IMAGE_VERSION is bumped, so that a resume never
 * reads flows another build wrote differently.
 */
#define ENGINE_IMAGE_VERSION 1
#define ENGINE_IMAGE_LAYOUT                                                                        \
	((uint32_t)ENGINE_IMAGE_VERSION << 24 | (uint32_t)TRACK_PACKED << 16 |                     \
	 (uint32_t)sizeof(struct engine_flow) << 8 | FLOW_TABLE_HEADER_SIZE)

static const uint8_t engine_image_magic[8] = {'T', 'C', 'P', 'F', 'W', 'E', 'N', 'G'};

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
};

#define ENGINE_GEN_MASK 31 /* struct engine_flow's gen has five bits */

/* ---- accounting ---- */

static void acct_zero(struct engine *e, uint32_t id)
{
	if (e->acct)
		e->acct[id] = (struct engine_acct){0};
}

/*
 * A segment that passes counts against its flow, what conntrack's hook lets through, with the
 * length conntrack's acct adds (skb->len). Callers test e->acct first: the one branch an engine
 * without accounting pays.
 */
static inline void acct_count(struct engine_acct *a, enum tcp_track_dir dir,
			      const struct packet *p)
{
	a->packets[dir]++;
	a->bytes[dir] += p->ip_len;
}

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

/* ---- timeouts ---- */

static uint64_t state_timeout_ms(const struct config *cfg, uint8_t state)
{
	const struct config_timeouts *to = &cfg->tcp.timeouts;
	const struct config_time_wait *tw = &cfg->tcp.time_wait;

	switch (state) {
	case TCP_TRACK_SYN_SENT:
	case TCP_TRACK_SYN_SENT2:
		return to->syn_sent_ms;
	case TCP_TRACK_SYN_RECV:
		return to->syn_recv_ms;
	case TCP_TRACK_ESTABLISHED:
		return to->established_ms;
	case TCP_TRACK_FIN_WAIT:
		return to->fin_wait_ms;
	case TCP_TRACK_CLOSE_WAIT:
		return to->close_wait_ms;
	case TCP_TRACK_LAST_ACK:
		return to->last_ack_ms;
	case TCP_TRACK_TIME_WAIT:
		return tw->policy == CONFIG_TW_ENFORCE ? tw->duration_ms : tw->shortened_ms;
	default:
		return to->close_ms;
	}
}

/*
 * pf's adaptive timeouts, for the shorten policy only: past adaptive_start percent of the table,
 * closing and TIME_WAIT timeouts shrink linearly, down to the minimum at adaptive_end.
 */
static uint64_t adapt(const struct engine *e, const struct config *cfg, uint8_t state, uint64_t t)
{
	const struct config_time_wait *tw = &cfg->tcp.time_wait;

	/* first what every established packet asks: nothing to adapt */
	if (tw->policy != CONFIG_TW_SHORTEN || state < TCP_TRACK_FIN_WAIT ||
	    state > TCP_TRACK_CLOSE)
		return t;

	uint64_t n = flow_table_count(e->table), cap = flow_table_capacity(e->table);
	uint64_t start = cap * tw->adaptive_start_pct, end = cap * tw->adaptive_end_pct;

	n *= 100; /* compare in percent units */
	if (n <= start || t <= tw->minimum_ms)
		return t; /* shortening never lengthens a timeout already below the floor */
	if (n >= end)
		return tw->minimum_ms;
	t = t * (end - n) / (end - start);
	return t > tw->minimum_ms ? t : tw->minimum_ms;
}

static uint64_t timeout_ms(const struct engine *e, const struct config *cfg, uint8_t state,
			   uint8_t tclass)
{
	uint64_t t = adapt(e, cfg, state, state_timeout_ms(cfg, state));
	uint64_t cap = UINT64_MAX;

	if (tclass == TCP_TRACK_TIMEOUT_RETRANS)
		cap = cfg->tcp.timeouts.max_retrans_ms;
	else if (tclass == TCP_TRACK_TIMEOUT_UNACK)
		cap = cfg->tcp.timeouts.unacknowledged_ms;
	return t < cap ? t : cap;
}

/* How long since a segment last armed the flow's timer. */
static uint64_t quiet_ms(const struct engine *e, uint32_t id, const struct engine_flow *f,
			 uint64_t now_ms)
{
	uint64_t armed = timer_wheel_expiry_ms(e->wheel, id) -
			 timeout_ms(e, &e->cfg, flow_state(f), f->tclass);

	return now_ms > armed ? now_ms - armed : 0;
}

static void arm(struct engine *e, uint32_t id, struct engine_flow *f, uint8_t tclass,
		uint64_t now_ms)
{
	if (tclass == TCP_TRACK_TIMEOUT_KEEP)
		return;
	f->tclass = tclass;
	timer_wheel_schedule(e->wheel, id, now_ms + timeout_ms(e, &e->cfg, flow_state(f), tclass));
}

/* ---- flow views and events ---- */

static void flow_info(const struct engine *e, uint32_t id, struct engine_flow_info *out)
{
	const struct flow_key *k = flow_table_key(e->table, id);
	const struct engine_flow *f = flow_table_value_const(e->table, id);
	unsigned o = f->orig;

	out->id = id;
	out->family = k->family;
	out->state = flow_state(f);
	out->assured = flow_assured(f);
	memcpy(out->src, k->addr[o], sizeof(out->src));
	memcpy(out->dst, k->addr[!o], sizeof(out->dst));
	out->sport = k->port[o];
	out->dport = k->port[!o];
	out->expires_ms =
		timer_wheel_is_armed(e->wheel, id) ? timer_wheel_expiry_ms(e->wheel, id) : 0;
	out->has_counters = e->acct != NULL;
	for (int d = 0; d < 2; d++) {
		out->packets[d] = e->acct ? e->acct[id].packets[d] : 0;
		out->bytes[d] = e->acct ? e->acct[id].bytes[d] : 0;
	}
}

static void emit(struct engine *e, uint8_t type, uint8_t cause, uint8_t old_state, uint32_t id)
{
	struct engine_event ev = {.type = type, .cause = cause, .old_state = old_state};

	if (!e->on_event)
		return;
	flow_info(e, id, &ev.flow);
	e->on_event(&ev, e->event_arg);
}

static void destroy(struct engine *e, uint32_t id, enum engine_cause cause)
{
	const struct engine_flow *f = flow_table_value_const(e->table, id);

	emit(e, ENGINE_EVENT_DESTROY, cause, flow_state(f), id);
	e->ctr.states[flow_state(f)]--;
	e->ctr.flows_destroyed[cause]++;
	timer_wheel_cancel(e->wheel, id);
	flow_table_remove(e->table, id);
}

/* ---- creation ---- */

/* Eviction preference when the table is full: finished flows first, never assured live ones. */
static unsigned evict_score(const void *value, void *arg)
{
	const struct engine_flow *f = value;
	uint8_t s = flow_state(f);

	(void)arg;
	if (s == TCP_TRACK_TIME_WAIT || s == TCP_TRACK_CLOSE)
		return 3;
	if (s >= TCP_TRACK_FIN_WAIT && s <= TCP_TRACK_LAST_ACK)
		return 2;
	return flow_assured(f) ? 0 : 1;
}

/*
 * Inserts k at the table's next free id, which is busy from here until the caller's
 * flow_done(), so that a death before the flow is filled in drops it. NONE when full.
 */
static uint32_t insert_free(struct engine *e, const struct flow_key *k, uint32_t hash)
{
	uint32_t id = flow_table_next_id(e->table);

	if (id == FLOW_TABLE_NONE)
		return FLOW_TABLE_NONE;
	flow_busy(e, id);
	id = flow_table_insert(e->table, k, hash);
	if (id >= e->img->hwm)
		e->img->hwm = id + 1;
	acct_zero(e, id);
	return id;
}

/* As insert_free(), evicting a flow when the table is full. */
static uint32_t insert(struct engine *e, const struct flow_key *k, uint32_t hash)
{
	if (unlikely(flow_table_next_id(e->table) == FLOW_TABLE_NONE)) {
		uint32_t victim = flow_table_find_victim(e->table, hash, evict_score, NULL);

		if (victim == FLOW_TABLE_NONE)
			return FLOW_TABLE_NONE;
		flow_busy(e, victim);
		destroy(e, victim, ENGINE_CAUSE_EVICTED); /* its id is the next one handed out */
	}
	return insert_free(e, k, hash);
}

static void new_flow(struct engine *e, const struct packet *p, const struct flow_key *k,
		     uint32_t hash, unsigned src_ep, uint64_t now_ms, struct engine_result *res)
{
	struct tcp_track_result tr;
	struct tcp_track track;

	tcp_track_new(&track, p, &e->tparams, &tr);
	if (tr.verdict == TCP_TRACK_INVALID) {
		res->verdict = ENGINE_DROP;
		res->reason = tr.reason;
		return;
	}
	uint32_t id = insert(e, k, hash);
	if (id == FLOW_TABLE_NONE) {
		res->verdict = ENGINE_DROP;
		res->reason = REASON_TABLE_FULL;
		return;
	}
	struct engine_flow *f = flow_table_value(e->table, id);
	track_store(f, &track);
	f->orig = src_ep & 1;
	f->gen = e->gen;
	arm(e, id, f, tr.timeout, now_ms);
	if (unlikely(e->acct))
		acct_count(&e->acct[id], TCP_TRACK_ORIGINAL, p);
	e->ctr.states[track.state]++;
	e->ctr.flows_created++;
	emit(e, ENGINE_EVENT_NEW, 0, TCP_TRACK_NONE, id);
	res->verdict = ENGINE_ACCEPT;
	res->reason = REASON_OK;
	res->state = track.state;
}

/* ---- the packet path ---- */

static void track(struct engine *e, uint32_t id, const struct packet *p, const struct flow_key *k,
		  uint32_t hash, unsigned src_ep, uint64_t now_ms, struct engine_result *res)
{
	struct engine_flow *f = flow_table_value(e->table, id);
	enum tcp_track_dir dir = src_ep == f->orig ? TCP_TRACK_ORIGINAL : TCP_TRACK_REPLY;
	struct tcp_track_result tr;
	struct tcp_track t;

	track_load(f, &t);
	bool relearn = f->gen != e->gen;
	if (unlikely(relearn)) /* packets bypassed us since it last learned */
		tcp_track_forget_windows(&t);
	tcp_track_packet(&t, p, dir, &e->tparams, &tr);
	if (unlikely(tr.resync) && quiet_ms(e, id, f, now_ms) >= ENGINE_RESYNC_QUIET_MS)
		tcp_track_resync(&t, p, dir, &e->tparams, &tr);
	/* busy only while its bytes change, not while the segment is judged (judge() clears) */
	flow_busy(e, id);
	if (unlikely(relearn))
		f->gen = e->gen;
	track_store(f, &t);
	res->reason = tr.reason;
	res->verdict = tr.verdict == TCP_TRACK_INVALID ? ENGINE_DROP : ENGINE_ACCEPT;
	res->state = t.state;
	if (tr.reopen) {
		destroy(e, id, ENGINE_CAUSE_REOPEN);
		new_flow(e, p, k, hash, src_ep, now_ms, res); /* the SYN counts in the new flow */
		return;
	}
	/* before a destroy, so that its event carries the final counts, the RST included */
	if (unlikely(e->acct) && res->verdict == ENGINE_ACCEPT)
		acct_count(&e->acct[id], dir, p);
	if (tr.destroy) {
		e->ctr.states[tr.new_state]++; /* destroy() counts the flow out of its new state */
		e->ctr.states[tr.old_state]--;
		destroy(e, id, ENGINE_CAUSE_RESET);
		res->state = TCP_TRACK_NONE;
		return;
	}
	if (tr.verdict == TCP_TRACK_ACCEPT) {
		/* armed first: the event shows the flow after the change, its new timer too */
		arm(e, id, f, tr.timeout, now_ms);
		if (tr.new_state != tr.old_state) {
			e->ctr.states[tr.old_state]--;
			e->ctr.states[tr.new_state]++;
			emit(e, ENGINE_EVENT_STATE, 0, tr.old_state, id);
		}
	}
}

static enum engine_verdict parse_failure_verdict(enum reason r)
{
	return r == REASON_NOT_TCP ? ENGINE_ACCEPT : ENGINE_DROP;
}

/* The state a packet carries between the stages of a batch: parsed, keyed and hashed. */
struct engine_staged {
	struct packet p;
	struct flow_key k;
	uint32_t hash;
	uint8_t src_ep;
	uint8_t reason; /* the parser's: anything but REASON_OK needs no lookup */
};

static void stage(const struct engine *e, const uint8_t *buf, size_t cap_len, size_t pkt_len,
		  uint32_t flags, struct engine_staged *s)
{
	s->reason = packet_parse(buf, cap_len, pkt_len, &s->p);
	if (s->reason != REASON_OK)
		return;
	if (unlikely(flags & ENGINE_PKT_CSUM_UNVERIFIED)) {
		int ok = packet_tcp_checksum_ok(buf, cap_len, &s->p);

		if (ok == 0) {
			s->reason = REASON_TCP_BAD_CHECKSUM;
			return;
		}
		s->p.sum_unknown = ok < 0;
	}
	s->src_ep = (uint8_t)flow_key_make(&s->k, s->p.family, s->p.saddr, s->p.daddr, s->p.sport,
					   s->p.dport);
	s->hash = flow_table_hash(e->table, &s->k);
}

/* Finds or creates the flow and tracks the segment; then counts it. */
static void judge_untraced(struct engine *e, const struct engine_staged *s, uint64_t now_ms,
			   struct engine_result *res)
{
	*res = (struct engine_result){.verdict = ENGINE_DROP, .state = TCP_TRACK_NONE};
	res->reason = s->reason;
	if (s->reason != REASON_OK) {
		res->verdict = parse_failure_verdict(s->reason);
	} else {
		uint32_t id = flow_table_lookup(e->table, &s->k, s->hash);

		if (id == FLOW_TABLE_NONE) {
			new_flow(e, &s->p, &s->k, s->hash, s->src_ep, now_ms, res);
		} else {
			track(e, id, &s->p, &s->k, s->hash, s->src_ep, now_ms, res);
		}
		flow_done(e);
	}
	e->ctr.verdicts[res->verdict]++;
	e->ctr.reasons[res->reason]++;
}

/* The packet's own tuple, its sender as the initiator: for a packet that has no flow. */
static void packet_flow_info(const struct packet *p, struct engine_flow_info *out)
{
	size_t alen = p->family == 4 ? 4 : 16;

	*out = (struct engine_flow_info){.id = FLOW_TABLE_NONE, .family = p->family};
	memcpy(out->src, p->saddr, alen);
	memcpy(out->dst, p->daddr, alen);
	out->sport = p->sport;
	out->dport = p->dport;
}

/* judge_untraced(), with a look at the flow before and after, for the trace callback. */
static noinline void judge_traced(struct engine *e, const struct engine_staged *s,
				  const struct engine_packet *pkt, uint64_t now_ms,
				  struct engine_result *res)
{
	struct engine_trace t = {.buf = pkt->buf,
				 .cap_len = (uint32_t)pkt->cap_len,
				 .pkt_len = (uint32_t)pkt->pkt_len,
				 .has_segment = s->reason == REASON_OK};
	uint32_t id = FLOW_TABLE_NONE;

	if (t.has_segment) {
		t.seg = s->p;
		id = flow_table_lookup(e->table, &s->k, s->hash);
	}
	if (id != FLOW_TABLE_NONE) {
		const struct engine_flow *f = flow_table_value_const(e->table, id);
		struct tcp_track before;

		track_load(f, &before);
		t.has_flow = true;
		t.dir = s->src_ep == f->orig ? TCP_TRACK_ORIGINAL : TCP_TRACK_REPLY;
		t.old_state = before.state;
		memcpy(t.peer, before.peer, sizeof(t.peer));
	}
	judge_untraced(e, s, now_ms, res);
	t.res = *res;
	if (t.has_segment) {
		id = flow_table_lookup(e->table, &s->k, s->hash);
		if (id != FLOW_TABLE_NONE)
			flow_info(e, id, &t.flow);
		else
			packet_flow_info(&s->p, &t.flow);
	}
	e->on_trace(&t, e->trace_arg);
}

void engine_set_trace(struct engine *e, engine_trace_fn *fn, void *arg)
{
	e->on_trace = fn;
	e->trace_arg = arg;
}

void engine_process(struct engine *e, const uint8_t *buf, size_t cap_len, size_t pkt_len,
		    uint64_t now_ms, struct engine_result *res)
{
	struct engine_staged s;

	stage(e, buf, cap_len, pkt_len, 0, &s);
	if (unlikely(e->on_trace)) {
		struct engine_packet pkt = {.buf = buf, .cap_len = cap_len, .pkt_len = pkt_len};

		judge_traced(e, &s, &pkt, now_ms, res);
	} else {
		judge_untraced(e, &s, now_ms, res);
	}
}

/*
 * The second pass with accounting on: the chain head's counters too, a third line per packet
 * in an array the size of the table, which misses as often as the flow does.
 */
static void prefetch_with_acct(const struct engine *e, const struct engine_staged *s, unsigned m)
{
	for (unsigned i = 0; i < m; i++) {
		if (s[i].reason != REASON_OK)
			continue;
		uint32_t head = flow_table_prefetch_entry(e->table, s[i].hash);
		if (head != FLOW_TABLE_NONE)
			__builtin_prefetch(&e->acct[head], 1);
	}
}

/*
 * Three passes over at most ENGINE_BATCH_MAX packets, so that the cache misses of different
 * packets overlap instead of following one another (a miss costs about 300 ns on the 2-vCPU VM
 * the benchmarks ran on, some 4 packets' worth of work): parse and hash all, prefetching each
 * bucket; then read each bucket and prefetch its chain head (key, tracker and timer node: two
 * lines); then judge them in order, prefetching the next link of a chain whose head is not the
 * flow ENGINE_PREFETCH_AHEAD packets ahead. Lookups happen only in the last pass, one packet after
 * the other, so a flow created or removed by one packet is seen by the next exactly as with
 * engine_process(); the prefetches are hints that a stale bucket only makes useless.
 */
void engine_process_batch(struct engine *e, const struct engine_packet *pkts, unsigned n,
			  uint64_t now_ms, struct engine_result *res)
{
	struct engine_staged s[ENGINE_BATCH_MAX];
	/* read once: a trace callback cannot call back into the engine to change it */
	bool traced = e->on_trace;

	while (n) {
		unsigned m = n < ENGINE_BATCH_MAX ? n : ENGINE_BATCH_MAX, i;

		for (i = 0; i < m; i++) {
			stage(e, pkts[i].buf, pkts[i].cap_len, pkts[i].pkt_len, pkts[i].flags,
			      &s[i]);
			if (s[i].reason == REASON_OK)
				flow_table_prefetch_bucket(e->table, s[i].hash);
		}
		if (likely(!e->acct)) {
			for (i = 0; i < m; i++) {
				if (s[i].reason != REASON_OK)
					continue;
				flow_table_prefetch_entry(e->table, s[i].hash);
			}
		} else {
			prefetch_with_acct(e, s, m);
		}
		for (i = 0; i < m; i++) {
			unsigned j = i + ENGINE_PREFETCH_AHEAD;

			if (j < m && s[j].reason == REASON_OK)
				flow_table_prefetch_next(e->table, &s[j].k, s[j].hash);
			if (unlikely(traced))
				judge_traced(e, &s[i], &pkts[i], now_ms, &res[i]);
			else
				judge_untraced(e, &s[i], now_ms, &res[i]);
		}
		pkts += m;
		res += m;
		n -= m;
	}
}

/* ---- expiry ---- */

static void expire_one(uint32_t id, void *arg)
{
	struct engine *e = arg;

	flow_busy(e, id);
	destroy(e, id, ENGINE_CAUSE_TIMEOUT);
	flow_done(e);
}

unsigned engine_expire(struct engine *e, uint64_t now_ms, unsigned budget)
{
	return timer_wheel_advance(e->wheel, now_ms, budget, expire_one, e);
}

bool engine_expire_behind(const struct engine *e, uint64_t now_ms)
{
	return timer_wheel_behind(e->wheel, now_ms);
}

/* ---- configuration ---- */

static void set_tcp_params(struct engine *e)
{
	e->tparams = (struct tcp_track_params){
		.pickup = e->cfg.tcp.pickup,
		.liberal = !e->cfg.tcp.window_check,
		.tw_policy = e->cfg.tcp.time_wait.policy == CONFIG_TW_SHORTEN
				     ? TCP_TRACK_TW_SHORTEN
				     : TCP_TRACK_TW_ENFORCE,
		.max_retrans = e->cfg.tcp.max_retrans,
	};
}

/*
 * Zeroed counters for every id in *mem when cfg asks for accounting, else NULL. A region, as the
 * pool is: touched at random, it wants huge pages as much (on 4 KiB pages, 1M flows' counters
 * cost a TLB miss a packet, some 60 ns).
 */
static int acct_new(const struct config *cfg, struct region *mem, struct engine_acct **ret)
{
	struct engine_acct *a = NULL;

	*mem = (struct region){0};
	if (cfg->table.accounting) {
		a = region_alloc(mem, (size_t)cfg->table.max_flows * sizeof(*a));
		if (!a)
			return -ENOMEM;
	}
	*ret = a;
	return 0;
}

int engine_reconfigure(struct engine *e, const struct config *config)
{
	if (config->table.max_flows != e->cfg.table.max_flows ||
	    config->table.buckets != e->cfg.table.buckets)
		return -EBUSY;
	if (config->table.accounting != (e->acct != NULL)) {
		struct engine_acct *a;
		struct region mem;
		int r = acct_new(config, &mem, &a);

		if (r < 0)
			return r;
		region_free(&e->acct_mem);
		e->acct_mem = mem;
		e->acct = a;
	}
	e->prev_cfg = e->cfg;
	e->cfg = *config;
	set_tcp_params(e);
	return 0;
}

const struct config *engine_config(const struct engine *e)
{
	return &e->cfg;
}

bool engine_retime(struct engine *e, uint32_t *cursor, unsigned budget, uint64_t now_ms)
{
	uint32_t cap = flow_table_capacity(e->table), id = *cursor;

	for (; id < cap && budget; id++, budget--) {
		if (!flow_table_is_used(e->table, id) || !timer_wheel_is_armed(e->wheel, id))
			continue;
		struct engine_flow *f = flow_table_value(e->table, id);
		uint64_t expiry = timer_wheel_expiry_ms(e->wheel, id);
		uint64_t remaining = expiry > now_ms ? expiry - now_ms : 0;
		uint64_t old_t = timeout_ms(e, &e->prev_cfg, flow_state(f), f->tclass);
		uint64_t elapsed = old_t > remaining ? old_t - remaining : 0;
		uint64_t new_t = timeout_ms(e, &e->cfg, flow_state(f), f->tclass);

		timer_wheel_schedule(e->wheel, id,
				     now_ms + (new_t > elapsed ? new_t - elapsed : 0));
	}
	*cursor = id < cap ? id : 0;
	return id >= cap;
}

/*
 * Lazily: a new generation, and each flow forgets its windows when its next packet finds it
 * from an older one. A flow's generation has five bits, so when the counter comes round to 0,
 * every flow forgets at once and joins it, and no flow can lag a whole turn behind.
 */
unsigned engine_forget_windows(struct engine *e)
{
	e->gen = (e->gen + 1) & ENGINE_GEN_MASK;
	if (e->gen)
		return flow_table_count(e->table);

	uint32_t cap = flow_table_capacity(e->table);
	unsigned n = 0;

	for (uint32_t id = 0; id < cap; id++) {
		if (!flow_table_is_used(e->table, id))
			continue;
		struct engine_flow *f = flow_table_value(e->table, id);
		struct tcp_track t;

		flow_busy(e, id);
		track_load(f, &t);
		tcp_track_forget_windows(&t);
		track_store(f, &t);
		f->gen = 0;
		flow_done(e);
		n++;
	}
	return n;
}

/* ---- iteration ---- */

/* The leading plen (0..64) bits of a 64-bit word. */
static inline uint64_t prefix_mask64(unsigned plen)
{
	return plen ? ~UINT64_C(0) << (64 - plen) : 0;
}

/*
 * The first plen bits of addresses a and b agree (plen beyond the family's length counts as
 * all of it). Whole words XORed in network order, then masked: no call and no byte loop, as
 * the filter runs on every flow of a list or kill.
 */
static bool prefix_equal(uint8_t family, const uint8_t *a, const uint8_t *b, unsigned plen)
{
	uint64_t x[2], y[2];

	if (family != 6) {
		uint32_t x4, y4;

		memcpy(&x4, a, 4);
		memcpy(&y4, b, 4);
		return !(((uint64_t)be32toh(x4 ^ y4) << 32) & prefix_mask64(plen < 32 ? plen : 32));
	}
	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return !(be64toh(x[0] ^ y[0]) & prefix_mask64(plen < 64 ? plen : 64)) &&
	       !(be64toh(x[1] ^ y[1]) &
		 prefix_mask64(plen < 128 ? (plen > 64 ? plen - 64 : 0) : 64));
}

bool engine_filter_match(const struct engine_filter *f, const struct engine_flow_info *flow)
{
	if (!f)
		return true;
	if (f->family && f->family != flow->family)
		return false;
	if (f->has_src && !prefix_equal(flow->family, f->src, flow->src, f->src_plen))
		return false;
	if (f->has_dst && !prefix_equal(flow->family, f->dst, flow->dst, f->dst_plen))
		return false;
	if (f->sport && f->sport != flow->sport)
		return false;
	if (f->dport && f->dport != flow->dport)
		return false;
	return !f->state_mask || (f->state_mask & (UINT32_C(1) << flow->state));
}

unsigned engine_list(const struct engine *e, const struct engine_filter *f, uint32_t *cursor,
		     unsigned budget, struct engine_flow_info *out, unsigned max)
{
	uint32_t cap = flow_table_capacity(e->table), id = *cursor;
	unsigned n = 0;

	struct engine_flow_info scratch;

	if (!out)
		max = UINT32_MAX;
	for (; id < cap && budget && n < max; id++, budget--) {
		if (!flow_table_is_used(e->table, id))
			continue;
		struct engine_flow_info *info = out ? &out[n] : &scratch;
		flow_info(e, id, info);
		n += engine_filter_match(f, info);
	}
	*cursor = id < cap ? id : 0;
	return n;
}

unsigned engine_kill(struct engine *e, const struct engine_filter *f, enum engine_cause cause,
		     uint32_t *cursor, unsigned budget, engine_kill_fn *fn, void *arg)
{
	uint32_t cap = flow_table_capacity(e->table), id = *cursor;
	unsigned n = 0;

	for (; id < cap && budget; id++, budget--) {
		struct engine_flow_info info;
		struct tcp_track t;

		if (!flow_table_is_used(e->table, id))
			continue;
		flow_info(e, id, &info);
		if (!engine_filter_match(f, &info))
			continue;
		if (fn) {
			track_load(flow_table_value(e->table, id), &t);
			if (!fn(&info, &t, arg))
				break;
		}
		flow_busy(e, id);
		destroy(e, id, cause);
		flow_done(e);
		n++;
	}
	*cursor = id < cap ? id : 0;
	return n;
}

bool engine_get(const struct engine *e, uint8_t family, const uint8_t *src, uint16_t sport,
		const uint8_t *dst, uint16_t dport, struct engine_flow_info *out)
{
	struct flow_key k;

	flow_key_make(&k, family, src, dst, sport, dport);
	uint32_t id = flow_table_lookup(e->table, &k, flow_table_hash(e->table, &k));
	if (id == FLOW_TABLE_NONE)
		return false;
	flow_info(e, id, out);
	return true;
}

/* ---- state across restarts ---- */

unsigned engine_export(const struct engine *e, uint32_t *cursor, unsigned budget,
		       struct engine_flow_record *out, unsigned max, uint64_t now_ms)
{
	uint32_t cap = flow_table_capacity(e->table), id = *cursor;
	unsigned n = 0;

	for (; id < cap && budget && n < max; id++, budget--) {
		if (!flow_table_is_used(e->table, id))
			continue;
		const struct flow_key *k = flow_table_key(e->table, id);
		const struct engine_flow *f = flow_table_value_const(e->table, id);
		uint64_t expiry = timer_wheel_expiry_ms(e->wheel, id);
		struct engine_flow_record *r = &out[n++];

		*r = (struct engine_flow_record){
			.family = k->family,
			.orig = f->orig,
			.tclass = f->tclass,
			.port = {k->port[0], k->port[1]},
			.remaining_ms = expiry > now_ms ? expiry - now_ms : 0,
		};
		track_load(f, &r->track);
		memcpy(r->addr, k->addr, sizeof(r->addr));
	}
	*cursor = id < cap ? id : 0;
	return n;
}

/* Tracker state from outside (a file, an image) is untrusted: whatever it indexes is checked. */
static bool track_valid(const struct tcp_track *t)
{
	if (t->state == TCP_TRACK_NONE || t->state >= _TCP_TRACK_STATE_MAX ||
	    t->last_index >= _TCP_TRACK_IDX_MAX)
		return false;
	for (int i = 0; i < 2; i++)
		if (t->peer[i].wscale > PACKET_WSCALE_MAX)
			return false;
	return true;
}

static bool record_valid(const struct engine_flow_record *r)
{
	if ((r->family != 4 && r->family != 6) || r->orig > 1 ||
	    r->tclass >= _TCP_TRACK_TIMEOUT_MAX)
		return false;
	return track_valid(&r->track);
}

int engine_import(struct engine *e, const struct engine_flow_record *rec, uint64_t now_ms)
{
	struct flow_key k;

	if (!record_valid(rec))
		return -EINVAL;
	flow_key_make(&k, rec->family, rec->addr[0], rec->addr[1], rec->port[0], rec->port[1]);
	if (memcmp(k.addr, rec->addr, sizeof(k.addr)) != 0 || k.port[0] != rec->port[0])
		return -EINVAL; /* not the canonical order this table stores */
	uint32_t hash = flow_table_hash(e->table, &k);
	if (flow_table_lookup(e->table, &k, hash) != FLOW_TABLE_NONE)
		return -EEXIST;
	uint32_t id = insert_free(e, &k, hash);
	if (id == FLOW_TABLE_NONE)
		return -ENOSPC;
	struct engine_flow *f = flow_table_value(e->table, id);
	track_store(f, &rec->track);
	f->orig = rec->orig & 1;
	f->gen = e->gen;
	f->tclass = rec->tclass & 3;
	timer_wheel_schedule(e->wheel, id, now_ms + rec->remaining_ms);
	flow_done(e);
	e->ctr.states[flow_state(f)]++;
	e->ctr.flows_created++;
	return 0;
}

/* ---- life cycle and reporting ---- */

static void table_params(const struct config *cfg, struct flow_table_params *tp)
{
	*tp = (struct flow_table_params){
		.max_flows = cfg->table.max_flows,
		.buckets = cfg->table.buckets,
		.value_size = sizeof(struct engine_flow),
	};
}

size_t engine_image_pool_size(const struct config *cfg)
{
	struct flow_table_params tp;

	table_params(cfg, &tp);
	return flow_table_pool_size(&tp);
}

int engine_image_check(const void *image, const struct config *cfg, uint64_t now_ms)
{
	const struct engine_image *img = image;

	if (memcmp(img->magic, engine_image_magic, sizeof(img->magic)) != 0)
		return -ENODATA;
	if (img->layout != ENGINE_IMAGE_LAYOUT || img->tick_ms != ENGINE_TICK_MS)
		return -EPROTO;
	if (img->max_flows != cfg->table.max_flows || img->buckets != cfg->table.buckets)
		return -ERANGE;
	if (img->base_ms > now_ms)
		return -ETIME;
	return 0;
}

/* Starts an empty image; the magic goes last, so a header cut short reads as never made. */
static void image_init(struct engine_image *img, const struct config *cfg, uint64_t now_ms)
{
	memset(img->magic, 0, sizeof(img->magic));
	compiler_barrier();
	*img = (struct engine_image){
		.layout = ENGINE_IMAGE_LAYOUT,
		.max_flows = cfg->table.max_flows,
		.buckets = cfg->table.buckets,
		.tick_ms = ENGINE_TICK_MS,
		.base_ms = now_ms,
		.hwm = 0,
		.busy = FLOW_TABLE_NONE,
	};
	compiler_barrier();
	memcpy(img->magic, engine_image_magic, sizeof(img->magic));
}

/* ---- resume ---- */

struct resume_ctx {
	struct engine *e;
	uint64_t now_ms;
	struct engine_resume_stats st;
};

/*
 * Judges one entry of a resumed image, and readies the ones it keeps (the table drops the
 * rest). Each is busy while it is looked at: a process that dies here too leaves the next
 * resume the same choice.
 */
static bool resume_keep(uint32_t id, const struct flow_key *k, void *value, void *arg)
{
	struct resume_ctx *c = arg;
	struct engine *e = c->e;
	struct engine_flow *f = value;
	struct tcp_track t;

	(void)k;
	flow_busy(e, id);
	uint64_t expiry = timer_wheel_take_stored(e->wheel, id);
	track_load(f, &t);
	if (!track_valid(&t) || f->tclass >= _TCP_TRACK_TIMEOUT_MAX ||
	    f->tclass == TCP_TRACK_TIMEOUT_KEEP) {
		c->st.invalid++;
		return false;
	}
	/* no timer: it fired, and the flow was on its way out when the process died */
	if (expiry <= c->now_ms) {
		c->st.expired++;
		return false;
	}
	/* no timer runs longer than its class allows now: a bad expiry cannot pin a flow */
	uint64_t longest = c->now_ms + timeout_ms(e, &e->cfg, t.state, f->tclass);
	if (expiry > longest)
		expiry = longest;
	tcp_track_forget_windows(&t);
	track_store(f, &t);
	f->gen = e->gen;
	timer_wheel_schedule(e->wheel, id, expiry);
	e->ctr.states[t.state]++;
	c->st.flows++;
	return true;
}

static int resume(struct engine *e, uint64_t now_ms, struct engine_resume_stats *out)
{
	struct resume_ctx c = {.e = e, .now_ms = now_ms};

	/*
	 * The torn flow goes first, while the header still names it: the rebuild names each flow
	 * it looks at in turn, so a resume that dies too would leave no trace of it otherwise.
	 */
	c.st.torn = flow_table_discard(e->table, e->img->busy);
	/* the wheel reads stored expiries against its horizon: bring it to the present */
	timer_wheel_advance(e->wheel, now_ms, 1, expire_one, e);
	flow_table_rebuild(e->table, e->img->hwm, resume_keep, &c);
	flow_done(e);
	e->ctr.flows_created = c.st.flows;
	if (out)
		*out = c.st;
	return 0;
}

int engine_new(const struct engine_params *params, uint64_t now_ms, struct engine **ret)
{
	const struct config *cfg = params->config;
	struct engine *e;
	int r;

	if (!cfg || !cfg->table.max_flows || (params->image && !params->image_pool) ||
	    ((uintptr_t)params->image % 8))
		return -EINVAL;
	if (params->image && params->resume) {
		r = engine_image_check(params->image, cfg, now_ms);
		if (r < 0)
			return r;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cfg = e->prev_cfg = *cfg;
	e->on_event = params->on_event;
	e->event_arg = params->event_arg;
	set_tcp_params(e);
	e->img = params->image ? params->image : &e->own_img;
	if (!params->image || !params->resume)
		image_init(e->img, cfg, now_ms);

	struct flow_table_params tp;
	table_params(cfg, &tp);
	tp.pool = params->image_pool;
	memcpy(tp.hash_key, params->hash_key, sizeof(tp.hash_key));
	r = flow_table_new(&tp, &e->table);
	if (r < 0)
		goto fail;
	/* each flow's timer node lives in its table value, next to its key and tracker */
	struct timer_wheel_params wp = {
		.capacity = cfg->table.max_flows,
		.tick_ms = ENGINE_TICK_MS,
		.slots = ENGINE_WHEEL_SLOTS,
		.nodes = (uint8_t *)flow_table_value(e->table, 0) +
			 offsetof(struct engine_flow, timer),
		.node_stride = flow_table_stride(e->table),
	};
	r = timer_wheel_new(&wp, e->img->base_ms, &e->wheel);
	if (r < 0)
		goto fail;
	r = acct_new(cfg, &e->acct_mem, &e->acct);
	if (r < 0)
		goto fail;
	e->ctr.max_flows = cfg->table.max_flows;
	if (params->image && params->resume)
		resume(e, now_ms, params->resumed);
	*ret = e;
	return 0;
fail:
	engine_free(e);
	return r;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	timer_wheel_free(e->wheel);
	flow_table_free(e->table);
	region_free(&e->acct_mem);
	free(e);
}

/* Flows engine_check() hashes and prefetches ahead of looking them up. */
#define ENGINE_CHECK_CHUNK 32

/* One used flow: found by its key (hash given), valid, armed; counted in states. */
static const char *check_flow(const struct engine *e, uint32_t id, uint32_t hash, uint32_t *states)
{
	const struct engine_flow *f = flow_table_value_const(e->table, id);
	struct tcp_track t;

	if (flow_table_lookup(e->table, flow_table_key(e->table, id), hash) != id)
		return "a flow is not found by its key";
	track_load(f, &t);
	if (!track_valid(&t))
		return "a flow holds an invalid tracker state";
	if (!timer_wheel_is_armed(e->wheel, id))
		return "a flow has no timer";
	states[t.state]++;
	return NULL;
}

const char *engine_check(const struct engine *e)
{
	uint32_t cap = flow_table_capacity(e->table), n = 0;
	uint32_t states[_TCP_TRACK_STATE_MAX] = {0};
	uint32_t ids[ENGINE_CHECK_CHUNK], hashes[ENGINE_CHECK_CHUNK];
	uint32_t id = flow_table_next(e->table, 0);

	/* in chunks, as the batch path does, so that the lookups' misses overlap */
	while (id != FLOW_TABLE_NONE && id < cap) {
		unsigned m = 0;

		for (; m < ENGINE_CHECK_CHUNK && id != FLOW_TABLE_NONE;
		     id = flow_table_next(e->table, id + 1)) {
			ids[m] = id;
			hashes[m] = flow_table_hash(e->table, flow_table_key(e->table, id));
			flow_table_prefetch_bucket(e->table, hashes[m++]);
		}
		for (unsigned i = 0; i < m; i++)
			flow_table_prefetch_entry(e->table, hashes[i]);
		for (unsigned i = 0; i < m; i++) {
			const char *why = check_flow(e, ids[i], hashes[i], states);
			if (why)
				return why;
		}
		n += m;
	}
	if (n != flow_table_count(e->table) || n != timer_wheel_armed_count(e->wheel))
		return "the table's count, the flows and the armed timers disagree";
	if (memcmp(states, e->ctr.states, sizeof(states)) != 0)
		return "the per-state counts disagree with the flows";
	return NULL;
}

void engine_get_counters(const struct engine *e, struct engine_counters *out)
{
	*out = e->ctr;
	out->flows = flow_table_count(e->table);
}

size_t engine_memory(const struct engine *e)
{
	size_t acct = e->acct ? (size_t)flow_table_capacity(e->table) * sizeof(*e->acct) : 0;

	return sizeof(*e) + flow_table_memory(e->table) + timer_wheel_memory(e->wheel) + acct;
}
