// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_engine - the engine driven by a program of steps, with a fake clock and a small table
 * (4..64 flows) so that eviction, table_full and expiry all happen within one input.
 *
 * Input: a configuration byte (bits 0-1 table size 4/8/16/64, bit 2 pickup, bit 3 no window
 * check, bit 4 TIME_WAIT shorten, bit 5 max_retrans 1), then steps. A step starts with a
 * control byte:
 *   bits 0-1  0 = a TCP segment built with pktbuild from a few bytes (below), on one of 8
 *               tuples x 2 families, with sequence and ack numbers relative to each side's
 *               next sequence number as this harness tracks it, so short inputs reach deep
 *               tracker states; 1 = raw bytes (a length byte, then the bytes); 2 = expire
 *               (a budget byte; 0 = catch up completely); 3 = an operator call (list, kill,
 *               reconfigure + retime, or export -> snapshot -> import into a second engine)
 *   bits 2-6  clock advance, 2^(n-1) ms (0: none)
 *   bit 7     header-only copy: cap_len < pkt_len (raw: by 8 x one more byte, + 1)
 * A segment is: s0 (bit 0 direction, bits 1-3 tuple, bit 4 IPv6, bit 5 MSS option, bit 6
 * window scale: one more byte, the raw shift), the TCP flags, seq and ack deltas (int8, from
 * the sender's and the receiver's next sequence number), the payload length, the window
 * (x 257), and ob (bit 0 SACK-permitted, bit 1 timestamp: one more byte, the TSval step,
 * bits 2-3 SACK blocks: one byte each, their offset from the ack, bits 4-5 block size, bit 6
 * deltas x 4096, bit 7 payload x 256, claimed by the IP length but not copied).
 * After every step the counters, the event stream, a full listing and the last verdict must
 * agree with each other (see check()). Any disagreement aborts. FUZZ_ENGINE_TRACE=1 in the
 * environment prints every verdict, to read a reproducer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/pktbuild.h"
#include "engine.h"
#include "fuzz_common.h"
#include "seq.h"
#include "snapshot.h"
#include "../unit/track_cmp.h"

#define STEPS_MAX 512
#define N_TUPLES  8
#define BUF_LEN	  (60 + 40 + 60 + 256) /* IPv6 + TCP with options + payload */

struct side {
	uint32_t nxt[2]; /* next sequence number of the client (0) and the server (1) */
	uint32_t ts[2];
};

struct run {
	struct fuzz_engine fe;
	struct side t[2][N_TUPLES];
};

/* Reasons that drop, by the groups of reason.h; all others pass. */
static bool reason_drops(unsigned reason)
{
	if (reason >= REASON_IP_TRUNCATED && reason <= REASON_TCP_BAD_DOFF)
		return reason != REASON_NOT_TCP;
	return (reason >= REASON_BAD_FLAGS && reason <= REASON_AUTH_MISSING) ||
	       reason == REASON_TABLE_FULL;
}

/* Everything the engine reports must agree. */
static void check(struct run *r)
{
	fuzz_check_engine(&r->fe, UINT32_MAX);
}

static int trace = -1; /* FUZZ_ENGINE_TRACE */

static void process(struct run *r, const uint8_t *buf, size_t cap, size_t pkt,
		    struct engine_result *res)
{
	struct engine_counters before, after;

	engine_get_counters(r->fe.e, &before);
	engine_process(r->fe.e, buf, cap, pkt, r->fe.now, res);
	r->fe.packets++;
	if (trace < 0)
		trace = getenv("FUZZ_ENGINE_TRACE") != NULL;
	if (trace)
		fprintf(stderr,
			"fuzz_engine: packet %llu (%zu/%zu bytes) at +%llu ms: %s %s -> %s\n",
			(unsigned long long)r->fe.packets, cap, pkt,
			(unsigned long long)(r->fe.now - FUZZ_CLOCK_START),
			flow_verdict_name((enum engine_verdict)res->verdict),
			reason_name((enum reason)res->reason),
			tcp_track_state_name((enum tcp_track_state)res->state));
	engine_get_counters(r->fe.e, &after);
	CHECK(res->verdict < _ENGINE_VERDICT_MAX && res->reason < _REASON_MAX &&
	      res->state < _TCP_TRACK_STATE_MAX);
	CHECK(reason_drops(res->reason) == (res->verdict == ENGINE_DROP));
	CHECK(after.reasons[res->reason] == before.reasons[res->reason] + 1);
	CHECK(after.verdicts[res->verdict] == before.verdicts[res->verdict] + 1);
	if (res->reason == REASON_TABLE_FULL)
		CHECK(after.flows == after.max_flows);
}

/* The flow of b's tuple, as a restart would carry it; false when there is none. */
static bool find_flow(struct run *r, const struct pktbuild *b, struct engine_flow_record *out)
{
	static struct engine_flow_record recs[FUZZ_FLOWS_MAX];
	struct engine_counters c;
	size_t alen = b->family == 6 ? 16 : 4;
	unsigned n = fuzz_export_all(r->fe.e, UINT32_MAX, recs, r->fe.now, &c);

	for (unsigned i = 0; i < n; i++) {
		const struct engine_flow_record *x = &recs[i];
		for (unsigned e = 0; e < 2; e++)
			if (x->family == b->family && x->port[e] == b->sport &&
			    x->port[!e] == b->dport && !memcmp(x->addr[e], b->saddr, alen) &&
			    !memcmp(x->addr[!e], b->daddr, alen)) {
				*out = *x;
				return true;
			}
	}
	return false;
}

/*
 * The tracker's principle: a segment passed untouched or dropped moves nothing in its flow but
 * the memory of the last segment, and neither re-arms nor changes its timer.
 */
static void check_unmoved(struct run *r, const struct pktbuild *b, bool had,
			  const struct engine_flow_record *before, const struct engine_result *res)
{
	struct engine_flow_record after;
	char why[160];

	if (!had || (res->verdict == ENGINE_ACCEPT && res->reason == REASON_OK))
		return;
	CHECK(find_flow(r, b, &after));
	if (!track_cmp_unmoved(&before->track, &after.track, why, sizeof(why))) {
		fprintf(stderr, "fuzz_engine: %s %s moved the flow: %s\n",
			flow_verdict_name((enum engine_verdict)res->verdict),
			reason_name((enum reason)res->reason), why);
		CHECK(!"a discarded segment moved the tracker");
	}
	CHECK(after.tclass == before->tclass && after.remaining_ms == before->remaining_ms);
}

/* A segment on one of the tuples; see the file comment. */
static void step_segment(struct run *r, struct fuzz_in *f, bool header_only)
{
	uint8_t s0 = fuzz_u8(f), flags = fuzz_u8(f);
	int8_t sd = (int8_t)fuzz_u8(f), ad = (int8_t)fuzz_u8(f);
	uint8_t lenb = fuzz_u8(f), winb = fuzz_u8(f), ob = fuzz_u8(f);
	unsigned dir = s0 & 1, idx = (s0 >> 1) & (N_TUPLES - 1);
	uint8_t family = (s0 & 0x10) ? 6 : 4;
	struct side *st = &r->t[family == 6][idx];
	int32_t mult = (ob & 0x40) ? 4096 : 1;
	uint32_t payload = (ob & 0x80) ? (uint32_t)lenb << 8 : lenb;
	struct engine_result res;
	struct pktbuild b;
	uint8_t buf[BUF_LEN];

	fuzz_tuple(&b, family, idx, dir);
	b.flags = flags;
	b.seq = st->nxt[dir] + (uint32_t)(sd * mult);
	b.ack = st->nxt[!dir] + (uint32_t)(ad * mult);
	b.window = (uint16_t)(winb * 257);
	if (s0 & 0x20)
		b.mss = 1460;
	if (s0 & 0x40)
		b.wscale = fuzz_u8(f);
	b.sack_perm = ob & 0x01;
	if (ob & 0x02) {
		b.ts = true;
		st->ts[dir] += fuzz_u8(f);
		b.tsval = st->ts[dir];
		b.tsecr = st->ts[!dir];
	}
	b.sack_count = (ob >> 2) & 3;
	for (unsigned i = 0; i < b.sack_count; i++) {
		int8_t d = (int8_t)fuzz_u8(f);
		b.sack[i].left = b.ack + (uint32_t)(d * 64);
		b.sack[i].right = b.sack[i].left + 64u * (1 + (ob >> 4 & 3));
	}
	/* Big payloads are not written: the IP length claims them and only the headers are
	 * copied, as NFQUEUE does with a small copy_range. */
	b.payload_len = payload <= 255 ? payload : 0;
	size_t len = pktbuild_write(&b, buf, sizeof(buf));
	if (!len)
		return; /* options over 40 bytes */
	size_t cap = len, pkt = len;
	if (payload > 255) {
		size_t total = len + payload;
		if (family == 4) {
			buf[2] = (uint8_t)(total >> 8);
			buf[3] = (uint8_t)total;
			pktbuild_ip4_fix_csum(buf);
		} else {
			buf[4] = (uint8_t)((total - 40) >> 8);
			buf[5] = (uint8_t)(total - 40);
		}
		pkt = total;
	} else if (header_only) {
		cap = len - payload;
	}
	struct engine_flow_record before;
	bool had = find_flow(r, &b, &before);
	process(r, buf, cap, pkt, &res);
	check_unmoved(r, &b, had, &before, &res);
	/* Follow the tracker: only an accepted segment moves the sender's next sequence. */
	if (res.verdict == ENGINE_ACCEPT && res.reason == REASON_OK) {
		uint32_t end =
			b.seq + payload + !!(flags & TCP_FLAG_SYN) + !!(flags & TCP_FLAG_FIN);
		if (seq_gt(end, st->nxt[dir]) || (flags & TCP_FLAG_SYN))
			st->nxt[dir] = end;
	}
	if (res.verdict == ENGINE_ACCEPT && res.state != TCP_TRACK_NONE) {
		struct engine_flow_info info;
		CHECK(engine_get(r->fe.e, family, b.saddr, b.sport, b.daddr, b.dport, &info));
		CHECK(info.state == res.state);
	}
}

static void step_raw(struct run *r, struct fuzz_in *f, bool header_only)
{
	size_t want = fuzz_u8(f), extra = header_only ? (size_t)fuzz_u8(f) * 8 + 1 : 0;
	size_t len = want < f->n ? want : f->n;
	struct engine_result res;
	/* A copy of exactly len bytes, so ASan catches a read past the buffer. */
	uint8_t *buf = fuzz_copy(f->p, len);

	f->p += len;
	f->n -= len;
	process(r, buf, len, len + extra, &res);
	free(buf);
}

static void step_expire(struct run *r, struct fuzz_in *f)
{
	uint8_t budget = fuzz_u8(f);
	struct engine_flow_info flows[FUZZ_FLOWS_MAX];

	if (budget) {
		engine_expire(r->fe.e, r->fe.now, budget);
		return;
	}
	fuzz_expire_all(&r->fe);
	/* Caught up: nothing due by the last tick may remain. */
	unsigned n = fuzz_list_all(r->fe.e, NULL, flows, FUZZ_FLOWS_MAX, UINT32_MAX);
	for (unsigned i = 0; i < n; i++)
		CHECK(flows[i].expires_ms + FUZZ_TICK_MS > r->fe.now);
}

static void filter_from(struct fuzz_in *f, uint8_t a, struct engine_filter *flt)
{
	memset(flt, 0, sizeof(*flt));
	if (a & 0x04)
		flt->family = (a & 0x08) ? 6 : 4;
	if (a >> 4)
		flt->state_mask = 1u << ((a >> 4) % _TCP_TRACK_STATE_MAX);
	uint8_t p = fuzz_u8(f);
	if (p & 0x80)
		flt->sport = (uint16_t)(40000 + (p & 7));
	if (p & 0x40)
		flt->dport = 80;
	if (p & 0x20) {
		struct pktbuild b;
		pktbuild_init(&b, flt->family ? flt->family : 4);
		flt->has_src = true;
		flt->src_plen = (p & 0x10) ? (uint8_t)((p & 0x0f) * 9) : 128; /* 0..135 */
		memcpy(flt->src, b.saddr, 16);
	}
}

/* Export, write a snapshot, check and read it back, and import into a second engine: what the
 * engine exports must come back identical. */
static void round_trip(struct run *r)
{
	static struct engine_flow_record recs[FUZZ_FLOWS_MAX];
	static uint8_t snap[SNAPSHOT_HEADER_SIZE + FUZZ_FLOWS_MAX * SNAPSHOT_RECORD_SIZE +
			    SNAPSHOT_TRAILER_SIZE];
	struct engine_params params = {
		.config = &r->fe.cfg, .on_event = fuzz_on_event, .event_arg = &r->fe};
	struct engine_counters c1, c2;
	struct snapshot_info info;
	struct engine *e2;
	unsigned n = fuzz_export_all(r->fe.e, 5, recs, r->fe.now, &c1);
	size_t len = fuzz_write_snapshot(snap, 42, recs, n);

	CHECK(snapshot_check(snap, len, &info) == 0);
	CHECK(info.count == n && info.wall_ms == 42);

	CHECK(engine_new(&params, r->fe.now, &e2) == 0);
	r->fe.in_import = true;
	for (unsigned i = 0; i < n; i++) {
		struct snapshot_record sr;
		uint8_t again[SNAPSHOT_RECORD_SIZE];
		struct snapshot_writer w2 = {0};

		CHECK(snapshot_read_record(snap, i, &sr) == 0);
		CHECK(sr.queue == i);
		snapshot_write_record(&w2, &sr, again);
		CHECK(memcmp(again, snap + SNAPSHOT_HEADER_SIZE + i * SNAPSHOT_RECORD_SIZE,
			     SNAPSHOT_RECORD_SIZE) == 0);
		CHECK(engine_import(e2, &sr.flow, r->fe.now) == 0);
		CHECK(engine_import(e2, &sr.flow, r->fe.now) == -EEXIST);
	}
	r->fe.in_import = false;
	engine_get_counters(e2, &c2);
	CHECK(c2.flows == n);
	CHECK(memcmp(c1.states, c2.states, sizeof(c1.states)) == 0);
	for (unsigned i = 0; i < n; i++) {
		struct engine_flow_info a, b;
		const struct engine_flow_record *x = &recs[i];

		CHECK(engine_get(r->fe.e, x->family, x->addr[0], x->port[0], x->addr[1], x->port[1],
				 &a));
		CHECK(engine_get(e2, x->family, x->addr[0], x->port[0], x->addr[1], x->port[1],
				 &b));
		CHECK(a.state == b.state && a.assured == b.assured && a.family == b.family);
		CHECK(a.sport == b.sport && a.dport == b.dport);
		CHECK(memcmp(a.src, b.src, 16) == 0 && memcmp(a.dst, b.dst, 16) == 0);
		if (a.expires_ms > r->fe.now)
			CHECK(b.expires_ms >= a.expires_ms &&
			      b.expires_ms < a.expires_ms + FUZZ_TICK_MS);
	}
	/* The copy tears down cleanly: every flow goes, with no event (no on_event here). */
	engine_free(e2);
}

/* engine_kill's callback: takes up to `room` flows per call, each one the filter matches and
 * whose tracker agrees with the flow's state. */
struct kill_take {
	const struct engine_filter *filter;
	unsigned room;
	unsigned taken;
};

static bool kill_take_some(const struct engine_flow_info *flow, const struct tcp_track *track,
			   void *arg)
{
	struct kill_take *k = arg;

	CHECK(engine_filter_match(k->filter, flow));
	CHECK(track->state == flow->state);
	if (k->taken == k->room)
		return false;
	k->taken++;
	return true;
}

static void step_admin(struct run *r, struct fuzz_in *f)
{
	uint8_t a = fuzz_u8(f);
	struct engine_filter flt;
	struct engine_flow_info all[FUZZ_FLOWS_MAX], got[FUZZ_FLOWS_MAX];
	unsigned n_all = fuzz_list_all(r->fe.e, NULL, all, FUZZ_FLOWS_MAX, UINT32_MAX), matches = 0;

	switch (a & 3) {
	case 0: /* list with a filter, in small chunks */
		filter_from(f, a, &flt);
		for (unsigned i = 0; i < n_all; i++)
			matches += engine_filter_match(&flt, &all[i]);
		CHECK(fuzz_list_all(r->fe.e, &flt, got, FUZZ_FLOWS_MAX, 1 + fuzz_u8(f) % 16) ==
		      matches);
		for (unsigned i = 0; i < matches; i++)
			CHECK(engine_filter_match(&flt, &got[i]));
		break;
	case 1: { /* kill with a filter */
		uint32_t cursor = 0;
		unsigned killed = 0;

		filter_from(f, a, &flt);
		for (unsigned i = 0; i < n_all; i++)
			matches += engine_filter_match(&flt, &all[i]);
		/* with a callback that takes a few flows per call (kill --reset's collector) */
		struct kill_take take = {.filter = &flt, .room = 1 + (a >> 5)};
		do {
			take.taken = 0;
			killed += engine_kill(r->fe.e, &flt,
					      (a & 4) ? ENGINE_CAUSE_FLUSHED : ENGINE_CAUSE_KILLED,
					      &cursor, 3, (a & 8) ? kill_take_some : NULL, &take);
		} while (cursor != 0);
		CHECK(killed == matches);
		CHECK(fuzz_list_all(r->fe.e, &flt, NULL, 0, UINT32_MAX) == 0);
		break;
	}
	case 2: { /* reconfigure the tcp section, then retime in chunks */
		struct config next = r->fe.cfg, bigger = r->fe.cfg;
		uint8_t k = fuzz_u8(f);
		uint32_t cursor = 0;

		fuzz_tcp_policy(&next, a >> 2);
		next.tcp.max_retrans = (uint8_t)(1 + (a >> 5));
		next.tcp.timeouts.established_ms = (uint64_t)(k + 1) * 1000;
		next.tcp.timeouts.unacknowledged_ms = (uint64_t)(k % 16 + 1) * 1000;
		next.tcp.time_wait.shortened_ms = (uint64_t)(k % 30 + 1) * 1000;
		next.tcp.time_wait.minimum_ms = 1000;
		next.tcp.time_wait.adaptive_start_pct = (uint8_t)(k % 100);
		next.tcp.time_wait.adaptive_end_pct = 100;
		bigger.table.max_flows++;
		CHECK(engine_reconfigure(r->fe.e, &bigger) == -EBUSY);
		CHECK(memcmp(engine_config(r->fe.e), &r->fe.cfg, sizeof(r->fe.cfg)) == 0);
		CHECK(engine_reconfigure(r->fe.e, &next) == 0);
		r->fe.cfg = next;
		while (!engine_retime(r->fe.e, &cursor, 1 + k % 8, r->fe.now))
			;
		CHECK(cursor == 0);
		break;
	}
	case 3: /* an export round trip makes an engine: costly */
		if (r->fe.round_trips++ < FUZZ_ROUND_TRIPS_MAX)
			round_trip(r);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t max_flows[4] = {4, 8, 16, FUZZ_FLOWS_MAX};
	struct fuzz_in f = {data, size};
	struct run r;
	uint8_t h = fuzz_u8(&f);

	memset(&r, 0, sizeof(r));
	fuzz_config(&r.fe.cfg, max_flows[h & 3], h >> 2);
	if (h & 0x20)
		r.fe.cfg.tcp.max_retrans = 1;
	r.fe.now = FUZZ_CLOCK_START;
	for (unsigned fam = 0; fam < 2; fam++)
		for (unsigned i = 0; i < N_TUPLES; i++) {
			/* Initial sequence numbers just below the 2^32 wrap and at 2^31. */
			r.t[fam][i].nxt[0] = 0xffffff00u - i * 0x100000u;
			r.t[fam][i].nxt[1] = 0x7fffff00u + i * 0x1000u;
			r.t[fam][i].ts[0] = 0xfffffff0u;
			r.t[fam][i].ts[1] = 1000;
		}

	struct engine_params params = {
		.config = &r.fe.cfg, .on_event = fuzz_on_event, .event_arg = &r.fe};
	memset(params.hash_key, h, sizeof(params.hash_key));
	CHECK(engine_new(&params, r.fe.now, &r.fe.e) == 0);
	check(&r);

	for (unsigned step = 0; step < STEPS_MAX && f.n; step++) {
		uint8_t c = fuzz_step(&f, &r.fe);

		switch (c & 3) {
		case 0:
			step_segment(&r, &f, c & 0x80);
			break;
		case 1:
			step_raw(&r, &f, c & 0x80);
			break;
		case 2:
			step_expire(&r, &f);
			break;
		case 3:
			step_admin(&r, &f);
			break;
		}
		check(&r);
	}

	/* Tear down: a flush removes everything and the counters return to zero. */
	uint32_t cursor = 0;
	do {
		engine_kill(r.fe.e, NULL, ENGINE_CAUSE_FLUSHED, &cursor, 16, NULL, NULL);
	} while (cursor != 0);
	struct engine_counters c;
	engine_get_counters(r.fe.e, &c);
	CHECK(c.flows == 0 && r.fe.live == 0);
	for (unsigned s = 0; s < _TCP_TRACK_STATE_MAX; s++)
		CHECK(c.states[s] == 0);
	engine_free(r.fe.e);
	return 0;
}
