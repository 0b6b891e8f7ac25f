// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine_table - the table as the operator and the snapshot see it: flow filters, list, kill,
 * get, export and import. Off the packet path; it reaches flows through engine_internal.h.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "engine_internal.h"
#include "packet.h"

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

	struct engine_flow_info scratch = {
		0}; /* engine_flow_view() fills it; cppcheck cannot tell */

	if (!out)
		max = UINT32_MAX;
	for (; id < cap && budget && n < max; id++, budget--) {
		if (!flow_table_is_used(e->table, id))
			continue;
		struct engine_flow_info *info = out ? &out[n] : &scratch;
		engine_flow_view(e, id, info);
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
		engine_flow_view(e, id, &info);
		if (!engine_filter_match(f, &info))
			continue;
		if (fn) {
			track_load(flow_table_value(e->table, id), &t);
			if (!fn(&info, &t, arg))
				break;
		}
		engine_remove(e, id, cause);
		n++;
	}
	*cursor = id < cap ? id : 0;
	return n;
}

uint32_t engine_find(const struct engine *e, uint8_t family, const uint8_t *src, uint16_t sport,
		     const uint8_t *dst, uint16_t dport)
{
	struct flow_key k;

	flow_key_make(&k, family, src, dst, sport, dport);
	return flow_table_lookup(e->table, &k, flow_table_hash(e->table, &k));
}

bool engine_get(const struct engine *e, uint8_t family, const uint8_t *src, uint16_t sport,
		const uint8_t *dst, uint16_t dport, struct engine_flow_info *out)
{
	uint32_t id = engine_find(e, family, src, sport, dst, dport);

	if (id == FLOW_TABLE_NONE)
		return false;
	engine_flow_view(e, id, out);
	return true;
}

/* ---- state across restarts ---- */

void engine_record_of(const struct engine *e, uint32_t id, uint64_t now_ms,
		      struct engine_flow_record *r)
{
	const struct flow_key *k = flow_table_key(e->table, id);
	const struct engine_flow *f = flow_table_value_const(e->table, id);
	uint64_t expiry = timer_wheel_expiry_ms(e->wheel, id);

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

unsigned engine_export(const struct engine *e, uint32_t *cursor, unsigned budget,
		       struct engine_flow_record *out, unsigned max, uint64_t now_ms)
{
	uint32_t cap = flow_table_capacity(e->table), id = *cursor;
	unsigned n = 0;

	for (; id < cap && budget && n < max; id++, budget--)
		if (flow_table_is_used(e->table, id))
			engine_record_of(e, id, now_ms, &out[n++]);
	*cursor = id < cap ? id : 0;
	return n;
}

/* Tracker state from outside (a file, an image) is untrusted: whatever it indexes is checked. */
bool engine_track_valid(const struct tcp_track *t)
{
	if (t->state == TCP_TRACK_NONE || t->state >= _TCP_TRACK_STATE_MAX ||
	    t->last_index >= _TCP_TRACK_IDX_MAX)
		return false;
	for (int i = 0; i < 2; i++)
		if (t->peer[i].wscale > PACKET_WSCALE_MAX)
			return false;
	return true;
}

bool engine_record_key(const struct engine_flow_record *r, struct flow_key *k)
{
	if ((r->family != 4 && r->family != 6) || r->orig > 1 ||
	    r->tclass >= _TCP_TRACK_TIMEOUT_MAX || !engine_track_valid(&r->track))
		return false;
	flow_key_make(k, r->family, r->addr[0], r->addr[1], r->port[0], r->port[1]);
	/* the canonical order this table stores, or the orientation bit would lie */
	return memcmp(k->addr, r->addr, sizeof(k->addr)) == 0 && k->port[0] == r->port[0];
}

int engine_import(struct engine *e, const struct engine_flow_record *rec, uint64_t now_ms)
{
	struct flow_key k;

	if (!engine_record_key(rec, &k))
		return -EINVAL;
	uint32_t hash = flow_table_hash(e->table, &k);
	if (flow_table_lookup(e->table, &k, hash) != FLOW_TABLE_NONE)
		return -EEXIST;
	uint32_t id = engine_insert_free(e, &k, hash);
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
