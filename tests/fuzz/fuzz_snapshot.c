// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_snapshot - a restart's untrusted input: snapshot_check on the bytes, every record through
 * snapshot_read_record and engine_import into a small engine, then segments, expiry and an
 * export round trip on the flows so imported, since a damaged record that passes the checks
 * must not be able to hurt the tracker later.
 *
 * Input: a mode byte. Bit 0 clear: the rest is the snapshot, as is (random bytes rarely pass the
 * CRC; the seeds do). Bit 0 set: byte 1 is a record count n (mod 33), then 16 header bytes (the
 * wall clock and the reserved word), then n records of 128 bytes (zero-padded if the input is
 * short); the harness adds magic, version, record size and a valid trailer, so mutations reach
 * the record decoder and engine_import. What follows is a program of steps on the imported
 * flows. Bits 1-2 pick the table size (2..64), bits 3-5 the tcp policy.
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
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			fuzz_fail(#x, __LINE__);                                                   \
	} while (0)

static void fuzz_fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_snapshot.c:%d: invariant failed: %s\n", line, what);
	abort();
}

#define RECORDS_MAX 32
#define FLOWS_MAX   64
#define STEPS_MAX   256
#define ROUND_TRIPS_MAX 3
#define TICK_MS	    100
#define CLOCK_START 1700000000000ull
#define CLOCK_SPAN  100000000000ull
#define YEARS_4	    (1ull << 37) /* 4.4 years: under 2^31 ticks of 100 ms per jump */

struct fz {
	const uint8_t *p;
	size_t n;
};

struct run {
	struct config cfg;
	struct engine *e;
	uint64_t now;
	uint64_t packets;
	unsigned round_trips;
	int64_t live; /* imported + NEW events - DESTROY events */
	unsigned n_recs;
	struct engine_flow_record recs[RECORDS_MAX]; /* the imported ones */
};

static uint8_t u8(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

/* CRC-32C (Castagnoli), as snapshot.c computes it, to forge valid trailers. */
static uint32_t crc32c(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void on_event(const struct engine_event *ev, void *arg)
{
	struct run *r = arg;

	CHECK(ev->type < _ENGINE_EVENT_MAX);
	CHECK(ev->flow.state > TCP_TRACK_NONE && ev->flow.state < _TCP_TRACK_STATE_MAX);
	if (ev->type == ENGINE_EVENT_NEW)
		r->live++;
	if (ev->type == ENGINE_EVENT_DESTROY) {
		CHECK(ev->cause < _ENGINE_CAUSE_MAX);
		if (ev->cause == ENGINE_CAUSE_EVICTED)
			CHECK(!ev->flow.assured || (ev->flow.state >= TCP_TRACK_FIN_WAIT &&
						    ev->flow.state <= TCP_TRACK_CLOSE));
		r->live--;
	}
}

static unsigned list_all(const struct engine *e, struct engine_flow_info *out)
{
	uint32_t cursor = 0;
	unsigned n = 0;

	do {
		n += engine_list(e, NULL, &cursor, 9, out + n, FLOWS_MAX - n);
	} while (cursor != 0);
	return n;
}

static void check(struct run *r)
{
	struct engine_counters c;
	struct engine_flow_info flows[FLOWS_MAX];
	uint32_t states[_TCP_TRACK_STATE_MAX] = {0};
	uint64_t sum = 0, destroyed = 0;

	engine_get_counters(r->e, &c);
	CHECK(c.flows <= c.max_flows && c.states[TCP_TRACK_NONE] == 0);
	for (unsigned s = 0; s < _TCP_TRACK_STATE_MAX; s++)
		sum += c.states[s];
	CHECK(sum == c.flows);
	CHECK(c.verdicts[ENGINE_ACCEPT] + c.verdicts[ENGINE_DROP] == r->packets);
	for (unsigned i = 0; i < _ENGINE_CAUSE_MAX; i++)
		destroyed += c.flows_destroyed[i];
	CHECK(c.flows_created - destroyed == c.flows);
	CHECK(r->live == (int64_t)c.flows);
	unsigned n = list_all(r->e, flows);
	CHECK(n == c.flows);
	for (unsigned i = 0; i < n; i++) {
		CHECK(flows[i].state > TCP_TRACK_NONE && flows[i].state < _TCP_TRACK_STATE_MAX);
		CHECK(flows[i].expires_ms != 0);
		states[flows[i].state]++;
	}
	CHECK(memcmp(states, c.states, sizeof(states)) == 0);
}

/* Imports every record that passes the checks. */
static void import_all(struct run *r, const uint8_t *buf, size_t len)
{
	struct snapshot_info info;
	int ret = snapshot_check(buf, len, &info);

	CHECK(ret == 0 || ret == -EBADMSG || ret == -EPROTONOSUPPORT);
	if (ret)
		return;
	CHECK(info.count == (len - SNAPSHOT_HEADER_SIZE - SNAPSHOT_TRAILER_SIZE) /
				    SNAPSHOT_RECORD_SIZE);
	for (uint64_t i = 0; i < info.count; i++) {
		struct snapshot_record sr;
		struct engine_counters before, after;

		ret = snapshot_read_record(buf, i, &sr);
		CHECK(ret == 0 || ret == -EINVAL);
		if (ret)
			continue;
		CHECK(sr.flow.family == 4 || sr.flow.family == 6);
		engine_get_counters(r->e, &before);
		ret = engine_import(r->e, &sr.flow, r->now);
		engine_get_counters(r->e, &after);
		CHECK(ret == 0 || ret == -EINVAL || ret == -EEXIST || ret == -ENOSPC);
		CHECK(after.flows == before.flows + (ret == 0));
		if (ret == -ENOSPC)
			CHECK(after.flows > 0);
		if (ret)
			continue;
		r->live++;
		/* a second import of the same tuple is refused */
		CHECK(engine_import(r->e, &sr.flow, r->now) == -EEXIST);
		if (r->n_recs < RECORDS_MAX)
			r->recs[r->n_recs++] = sr.flow;
	}
}

/* The bytes as a snapshot with a forged, valid frame; also checks that damage is detected. */
static size_t forge(struct fz *f, uint8_t *buf)
{
	unsigned n = u8(f) % (RECORDS_MAX + 1);
	size_t len = SNAPSHOT_HEADER_SIZE + (size_t)n * SNAPSHOT_RECORD_SIZE;

	memset(buf, 0, len);
	memcpy(buf, "TCPFWSNP", 8);
	put_le(buf + 8, SNAPSHOT_VERSION, 4);
	put_le(buf + 12, SNAPSHOT_RECORD_SIZE, 4);
	for (size_t i = 16; i < len; i++) {
		if (!f->n)
			break;
		buf[i] = u8(f);
	}
	put_le(buf + len, n, 8);
	put_le(buf + len + 8, crc32c(0, buf, len + 8), 4);
	memcpy(buf + len + 12, "TSNP", 4);
	len += SNAPSHOT_TRAILER_SIZE;

	struct snapshot_info info;
	CHECK(snapshot_check(buf, len, &info) == 0 && info.count == n);
	/* Truncated, padded or with one bit flipped, it is refused. */
	uint8_t k = u8(f);
	CHECK(snapshot_check(buf, len - 1 - k % 48, &info) != 0);
	size_t pos = ((size_t)k * 131 + u8(f)) % len;
	buf[pos] ^= (uint8_t)(1u << (k & 7));
	CHECK(snapshot_check(buf, len, &info) != 0);
	buf[pos] ^= (uint8_t)(1u << (k & 7));
	return len;
}

static void step_packet(struct run *r, struct fz *f)
{
	uint8_t sel = u8(f), flags = u8(f);
	int8_t sd = (int8_t)u8(f), ad = (int8_t)u8(f);
	uint8_t winb = u8(f), lenb = u8(f);
	struct engine_result res;
	struct pktbuild b;
	uint8_t buf[40 + 60 + 256];

	if (!r->n_recs)
		return;
	const struct engine_flow_record *rec = &r->recs[(sel >> 1) % r->n_recs];
	unsigned ep = sel & 1;			/* which endpoint sends */
	unsigned dir = ep == rec->orig ? 0 : 1; /* its tracker direction */
	const struct tcp_track_peer *snd = &rec->track.peer[dir], *rcv = &rec->track.peer[!dir];

	pktbuild_init(&b, rec->family);
	memcpy(b.saddr, rec->addr[ep], 16);
	memcpy(b.daddr, rec->addr[!ep], 16);
	b.sport = rec->port[ep];
	b.dport = rec->port[!ep];
	b.flags = flags;
	b.seq = snd->end + (uint32_t)(int32_t)sd * ((sel & 0x80) ? 8192u : 1u);
	b.ack = rcv->end + (uint32_t)(int32_t)ad;
	b.window = (uint16_t)(winb * 257);
	b.payload_len = lenb;
	if (sel & 0x40) {
		b.sack_count = 1;
		b.sack[0].left = b.ack + 10;
		b.sack[0].right = b.ack + 10 + lenb;
	}
	if (sel & 0x20) {
		b.ts = true;
		b.tsval = snd->tsval + (uint32_t)(int32_t)ad;
		b.tsecr = rcv->tsval;
	}
	if (sel & 0x10)
		b.wscale = winb & 0x0f;
	size_t len = pktbuild_write(&b, buf, sizeof(buf));
	if (!len)
		return;
	engine_process(r->e, buf, len, len, r->now, &res);
	r->packets++;
	CHECK(res.verdict < _ENGINE_VERDICT_MAX && res.reason < _REASON_MAX &&
	      res.state < _TCP_TRACK_STATE_MAX);
}

static void expire_all(struct run *r)
{
	unsigned rounds = 0;

	do {
		engine_expire(r->e, r->now, UINT32_MAX);
		CHECK(++rounds < 1000);
	} while (engine_expire_behind(r->e, r->now));
}

/* What an engine of imported flows exports imports again, unchanged, into a fresh engine. */
static void round_trip(struct run *r)
{
	static struct engine_flow_record out[FLOWS_MAX];
	struct engine_params params = {.config = &r->cfg};
	struct engine_counters c1, c2;
	struct engine *e2;
	uint32_t cursor = 0;
	unsigned n = 0;

	do {
		n += engine_export(r->e, &cursor, 7, out + n, FLOWS_MAX - n, r->now);
	} while (cursor != 0);
	engine_get_counters(r->e, &c1);
	CHECK(n == c1.flows);
	CHECK(engine_new(&params, r->now, &e2) == 0);
	for (unsigned i = 0; i < n; i++) {
		uint8_t a[SNAPSHOT_RECORD_SIZE], b[SNAPSHOT_RECORD_SIZE];
		struct snapshot_record sr = {.flow = out[i]}, back;
		struct snapshot_writer w = {0};

		snapshot_write_record(&w, &sr, a);
		CHECK(engine_import(e2, &out[i], r->now) == 0);
		/* the record read back from its bytes is the record */
		uint8_t snap[SNAPSHOT_HEADER_SIZE + SNAPSHOT_RECORD_SIZE];
		memcpy(snap + SNAPSHOT_HEADER_SIZE, a, sizeof(a));
		CHECK(snapshot_read_record(snap, 0, &back) == 0);
		snapshot_write_record(&w, &back, b);
		CHECK(memcmp(a, b, sizeof(a)) == 0);
	}
	engine_get_counters(e2, &c2);
	CHECK(c2.flows == n && memcmp(c1.states, c2.states, sizeof(c1.states)) == 0);
	engine_free(e2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t max_flows[4] = {2, 8, 32, FLOWS_MAX};
	static uint8_t forged[SNAPSHOT_HEADER_SIZE + RECORDS_MAX * SNAPSHOT_RECORD_SIZE +
			      SNAPSHOT_TRAILER_SIZE];
	struct fz f = {data, size};
	struct run r;
	uint8_t mode = u8(&f);

	memset(&r, 0, sizeof(r));
	config_defaults(&r.cfg);
	r.cfg.table.max_flows = max_flows[(mode >> 1) & 3];
	r.cfg.tcp.pickup = mode & 0x08;
	r.cfg.tcp.window_check = !(mode & 0x10);
	r.cfg.tcp.time_wait.policy = (mode & 0x20) ? CONFIG_TW_SHORTEN : CONFIG_TW_ENFORCE;
	r.now = CLOCK_START;
	struct engine_params params = {.config = &r.cfg, .on_event = on_event, .event_arg = &r};
	CHECK(engine_new(&params, r.now, &r.e) == 0);

	if (mode & 1) {
		size_t len = forge(&f, forged);
		import_all(&r, forged, len);
	} else {
		/* An exact-size copy, so ASan sees any read past the end. */
		uint8_t *copy = malloc(f.n ? f.n : 1);
		CHECK(copy);
		memcpy(copy, f.p, f.n);
		import_all(&r, copy, f.n);
		free(copy);
		f.n = 0;
	}
	check(&r);

	for (unsigned step = 0; step < STEPS_MAX && f.n; step++) {
		uint8_t c = u8(&f);
		unsigned e = (c >> 2) & 0x1f;
		uint64_t adv = e ? 1ull << (e - 1) : 0;

		if (r.now + adv - CLOCK_START <= CLOCK_SPAN)
			r.now += adv;
		switch (c & 3) {
		case 0:
		case 1:
			step_packet(&r, &f);
			break;
		case 2:
			if (c & 0x80)
				expire_all(&r);
			else
				engine_expire(r.e, r.now, u8(&f));
			break;
		case 3:
			if (r.round_trips++ < ROUND_TRIPS_MAX) /* each makes an engine: costly */
				round_trip(&r);
			break;
		}
		check(&r);
	}

	/* Every timer is at most 2^31 ticks past the horizon it was armed at: once caught up,
	 * two jumps of 4.4 years (each under 2^31 ticks) expire every flow. */
	expire_all(&r);
	r.now += YEARS_4;
	expire_all(&r);
	r.now += YEARS_4;
	expire_all(&r);
	check(&r);
	struct engine_counters c;
	engine_get_counters(r.e, &c);
	CHECK(c.flows == 0);
	engine_free(r.e);
	return 0;
}
