// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine - the packet path (engine_process_batch -> judge -> track) and what it needs in the
 * same translation unit, so that it inlines as one: flow creation and eviction, timeouts,
 * events, expiry, reconfiguration, counters. The table views live in engine_table.c, the
 * engine's life (image, resume, check) in engine_live.c.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "engine_internal.h"
#include "packet.h"

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
static inline void acct_count(struct engine_acct *a, enum tcp_track_dir dir, const struct packet *p)
{
	a->packets[dir]++;
	a->bytes[dir] += p->ip_len;
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

uint64_t engine_timeout_ms(const struct engine *e, const struct config *cfg, uint8_t state,
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
			 engine_timeout_ms(e, &e->cfg, flow_state(f), f->tclass);

	return now_ms > armed ? now_ms - armed : 0;
}

static void arm(struct engine *e, uint32_t id, struct engine_flow *f, uint8_t tclass,
		uint64_t now_ms)
{
	if (tclass == TCP_TRACK_TIMEOUT_KEEP)
		return;
	f->tclass = tclass;
	timer_wheel_schedule(e->wheel, id,
			     now_ms + engine_timeout_ms(e, &e->cfg, flow_state(f), tclass));
}

void engine_arm_at(struct engine *e, uint32_t id, uint8_t tclass, uint64_t at_ms)
{
	arm(e, id, flow_table_value(e->table, id), tclass, at_ms);
}

/* ---- flow views and events ---- */

void engine_flow_view(const struct engine *e, uint32_t id, struct engine_flow_info *out)
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
	engine_flow_view(e, id, &ev.flow);
	e->on_event(&ev, e->event_arg);
}

void engine_destroy(struct engine *e, uint32_t id, enum engine_cause cause)
{
	const struct engine_flow *f = flow_table_value_const(e->table, id);

	emit(e, ENGINE_EVENT_DESTROY, cause, flow_state(f), id);
	e->ctr.states[flow_state(f)]--;
	e->ctr.flows_destroyed[cause]++;
	if (e->sync)
		e->sync->bits[id] = 0; /* a new flow in this slot starts unmarked */
	if (unlikely(e->fp))
		engine_fp_destroyed(e, id);
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
		/* its id is the next one handed out */
		engine_destroy(e, victim, ENGINE_CAUSE_EVICTED);
	}
	return insert_free(e, k, hash);
}

/* insert_free() for engine_import(); the packet path keeps its static copy to inline. */
uint32_t engine_insert_free(struct engine *e, const struct flow_key *k, uint32_t hash)
{
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
	sync_mark(e, id);
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

	if (unlikely(e->fp))
		engine_fp_before(e, id, now_ms);
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
		engine_destroy(e, id, ENGINE_CAUSE_REOPEN);
		new_flow(e, p, k, hash, src_ep, now_ms, res); /* the SYN counts in the new flow */
		return;
	}
	/* before a destroy, so that its event carries the final counts, the RST included */
	if (unlikely(e->acct) && res->verdict == ENGINE_ACCEPT)
		acct_count(&e->acct[id], dir, p);
	if (tr.destroy) {
		e->ctr.states[tr.new_state]++; /* engine_destroy() counts it out of its new state */
		e->ctr.states[tr.old_state]--;
		engine_destroy(e, id, ENGINE_CAUSE_RESET);
		res->state = TCP_TRACK_NONE;
		return;
	}
	if (tr.verdict == TCP_TRACK_INVALID)
		return;
	sync_mark(e, id); /* IGNORE too: the tracker remembers the segment */
	if (tr.verdict == TCP_TRACK_ACCEPT) {
		/* armed first: the event shows the flow after the change, its new timer too */
		arm(e, id, f, tr.timeout, now_ms);
		if (tr.new_state != tr.old_state) {
			e->ctr.states[tr.old_state]--;
			e->ctr.states[tr.new_state]++;
			emit(e, ENGINE_EVENT_STATE, 0, tr.old_state, id);
			sync_mark_state(e, id);
		}
		if (unlikely(e->fp))
			engine_fp_after(e, id, now_ms);
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
			if (unlikely(e->fp)) /* it was one the program queued: counted off below */
				s->hash = flow_table_hash(
					e->table,
					(flow_key_make(&s->k, s->p.family, s->p.saddr, s->p.daddr,
						       s->p.sport, s->p.dport),
					 &s->k));
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
		if (unlikely(e->fp) && s->reason == REASON_TCP_BAD_CHECKSUM) {
			uint32_t id = flow_table_lookup(e->table, &s->k, s->hash);

			if (id != FLOW_TABLE_NONE)
				engine_fp_before(e, id, now_ms);
		}
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
			engine_flow_view(e, id, &t.flow);
		else
			packet_flow_info(&s->p, &t.flow);
	}
	e->on_trace(&t, e->trace_arg);
}

void engine_set_trace(struct engine *e, engine_trace_fn *fn, void *arg)
{
	/* a tracer sees every segment: the fast path's flows come back, and stay while traced */
	if (fn && !e->on_trace && e->fp)
		engine_fp_return_all(e, false);
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

void engine_remove(struct engine *e, uint32_t id, enum engine_cause cause)
{
	flow_busy(e, id);
	engine_destroy(e, id, cause);
	flow_done(e);
}

void engine_expire_one(uint32_t id, void *arg)
{
	struct engine *e = arg;

	if (unlikely(e->fp) && engine_fp_keeps(e, id, e->expire_now_ms))
		return;
	engine_remove(e, id, ENGINE_CAUSE_TIMEOUT);
}

unsigned engine_expire(struct engine *e, uint64_t now_ms, unsigned budget)
{
	e->expire_now_ms = now_ms;
	return timer_wheel_advance(e->wheel, now_ms, budget, engine_expire_one, e);
}

bool engine_expire_behind(const struct engine *e, uint64_t now_ms)
{
	return timer_wheel_behind(e->wheel, now_ms);
}

/* ---- configuration ---- */

void engine_set_tcp_params(struct engine *e)
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
int engine_acct_new(const struct config *cfg, struct region *mem, struct engine_acct **ret)
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
		int r = engine_acct_new(config, &mem, &a);

		if (r < 0)
			return r;
		region_free(&e->acct_mem);
		e->acct_mem = mem;
		e->acct = a;
	}
	e->prev_cfg = e->cfg;
	e->cfg = *config;
	engine_set_tcp_params(e);
	if (e->fp)
		engine_fp_params(e);
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
		uint64_t old_t = engine_timeout_ms(e, &e->prev_cfg, flow_state(f), f->tclass);
		uint64_t elapsed = old_t > remaining ? old_t - remaining : 0;
		uint64_t new_t = engine_timeout_ms(e, &e->cfg, flow_state(f), f->tclass);

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
	if (e->fp)
		engine_fp_return_all(e, true); /* they re-learn too, and go back once in step */
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
