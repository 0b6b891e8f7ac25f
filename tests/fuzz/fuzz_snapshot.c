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
 *
 * Bit 6 set: the other restart input, a live image a dead process left (engine.h, "live state").
 * The harness fills a table on an image with SYNs from as many clients as it has room for (so
 * every id of the pool was handed out), drops that engine, XORs the next max_flows x 128 input
 * bytes over its pool (zeros past the end leave flows as they were) and resumes the image: the
 * resume must keep only entries that pass, leave a table that passes engine_check() and every
 * check of the harness, and the flows it kept take the same steps as imported ones.
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
#include "snapshot.h"

#define RECORDS_MAX 32
#define STEPS_MAX   256
#define YEARS_4	    (1ull << 37) /* 4.4 years: under 2^31 ticks of 100 ms per jump */

struct run {
	struct fuzz_engine fe; /* live counts the imported flows too */
	unsigned n_recs;
	struct engine_flow_record recs[FUZZ_FLOWS_MAX]; /* the imported or resumed ones */
};

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void check(struct run *r)
{
	fuzz_check_engine(&r->fe, 9);
}

/* Imports every record that passes the checks. */
static void import_all(struct run *r, const uint8_t *buf, size_t len)
{
	struct snapshot_info info;
	int ret = snapshot_check(buf, len, &info);

	CHECK(ret == 0 || ret == -EBADMSG || ret == -EPROTONOSUPPORT);
	if (ret)
		return;
	CHECK(info.count ==
	      (len - SNAPSHOT_HEADER_SIZE - SNAPSHOT_TRAILER_SIZE) / SNAPSHOT_RECORD_SIZE);
	for (uint64_t i = 0; i < info.count; i++) {
		struct snapshot_record sr;
		struct engine_counters before, after;

		ret = snapshot_read_record(buf, i, &sr);
		CHECK(ret == 0 || ret == -EINVAL);
		if (ret)
			continue;
		CHECK(sr.flow.family == 4 || sr.flow.family == 6);
		engine_get_counters(r->fe.e, &before);
		ret = engine_import(r->fe.e, &sr.flow, r->fe.now);
		engine_get_counters(r->fe.e, &after);
		CHECK(ret == 0 || ret == -EINVAL || ret == -EEXIST || ret == -ENOSPC);
		CHECK(after.flows == before.flows + (ret == 0));
		if (ret == -ENOSPC)
			CHECK(after.flows > 0);
		if (ret)
			continue;
		r->fe.live++;
		/* a second import of the same tuple is refused */
		CHECK(engine_import(r->fe.e, &sr.flow, r->fe.now) == -EEXIST);
		if (r->n_recs < RECORDS_MAX)
			r->recs[r->n_recs++] = sr.flow;
	}
}

/* The bytes as a snapshot with a forged, valid frame; also checks that damage is detected. */
static size_t forge(struct fuzz_in *f, uint8_t *buf)
{
	unsigned n = fuzz_u8(f) % (RECORDS_MAX + 1);
	size_t len = SNAPSHOT_HEADER_SIZE + (size_t)n * SNAPSHOT_RECORD_SIZE;

	memset(buf, 0, len);
	memcpy(buf, "TCPFWSNP", 8);
	put_le(buf + 8, SNAPSHOT_VERSION, 4);
	put_le(buf + 12, SNAPSHOT_RECORD_SIZE, 4);
	for (size_t i = 16; i < len; i++) {
		if (!f->n)
			break;
		buf[i] = fuzz_u8(f);
	}
	put_le(buf + len, n, 8);
	put_le(buf + len + 8, snapshot_crc32c(0, buf, len + 8), 4);
	memcpy(buf + len + 12, "TSNP", 4);
	len += SNAPSHOT_TRAILER_SIZE;

	struct snapshot_info info;
	CHECK(snapshot_check(buf, len, &info) == 0 && info.count == n);
	/* Truncated, padded or with one bit flipped, it is refused. */
	uint8_t k = fuzz_u8(f);
	CHECK(snapshot_check(buf, len - 1 - k % 48, &info) != 0);
	size_t pos = ((size_t)k * 131 + fuzz_u8(f)) % len;
	buf[pos] ^= (uint8_t)(1u << (k & 7));
	CHECK(snapshot_check(buf, len, &info) != 0);
	buf[pos] ^= (uint8_t)(1u << (k & 7));
	return len;
}

static void step_packet(struct run *r, struct fuzz_in *f)
{
	uint8_t sel = fuzz_u8(f), flags = fuzz_u8(f);
	int8_t sd = (int8_t)fuzz_u8(f), ad = (int8_t)fuzz_u8(f);
	uint8_t winb = fuzz_u8(f), lenb = fuzz_u8(f);
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
	engine_process(r->fe.e, buf, len, len, r->fe.now, &res);
	r->fe.packets++;
	CHECK(res.verdict < _ENGINE_VERDICT_MAX && res.reason < _REASON_MAX &&
	      res.state < _TCP_TRACK_STATE_MAX);
}

/* The live image of the bit-6 mode, aligned as a mapping is. */
static uint8_t image_hdr[ENGINE_IMAGE_HEADER_SIZE] __attribute__((aligned(64)));
static uint8_t image_pool[FUZZ_FLOWS_MAX * 128] __attribute__((aligned(64)));

/* A full table on the image, then the input over its pool, then the resume. */
static void resume_image(struct run *r, struct fuzz_in *f)
{
	struct engine_params params = {
		.config = &r->fe.cfg, .image = image_hdr, .image_pool = image_pool};
	struct engine_resume_stats st;
	struct engine_result res;
	struct engine *e;
	uint8_t buf[128];

	CHECK(engine_image_pool_size(&r->fe.cfg) <= sizeof(image_pool));
	CHECK(engine_new(&params, r->fe.now, &e) == 0);
	for (unsigned i = 0; i < r->fe.cfg.table.max_flows; i++) {
		struct pktbuild b;

		fuzz_tuple(&b, i & 1 ? 6 : 4, i, 0);
		b.flags = TCP_FLAG_SYN;
		b.mss = 1460;
		b.wscale = 7;
		b.ts = i & 2;
		size_t len = pktbuild_write(&b, buf, sizeof(buf));
		engine_process(e, buf, len, len, r->fe.now, &res);
		CHECK(res.verdict == ENGINE_ACCEPT);
	}
	engine_free(e); /* the process dies; the image stays */
	for (size_t i = 0; i < engine_image_pool_size(&r->fe.cfg); i++)
		image_pool[i] ^= fuzz_u8(f);

	engine_free(r->fe.e);
	params.on_event = fuzz_on_event;
	params.event_arg = &r->fe;
	params.resume = true;
	params.resumed = &st;
	r->fe.now += fuzz_u8(f) * 1000; /* time down: up to 255 s */
	CHECK(engine_new(&params, r->fe.now, &r->fe.e) == 0);
	CHECK(engine_check(r->fe.e) == NULL);
	CHECK(st.flows <= r->fe.cfg.table.max_flows && st.torn == 0);
	r->fe.live = st.flows;
	struct engine_counters c;
	r->n_recs = fuzz_export_all(r->fe.e, 5, r->recs, r->fe.now, &c);
	CHECK(r->n_recs == st.flows);
}

/* What an engine of imported flows exports imports again, unchanged, into a fresh engine. */
static void round_trip(struct run *r)
{
	static struct engine_flow_record out[FUZZ_FLOWS_MAX];
	struct engine_params params = {.config = &r->fe.cfg};
	struct engine_counters c1, c2;
	struct engine *e2;
	unsigned n = fuzz_export_all(r->fe.e, 7, out, r->fe.now, &c1);

	CHECK(engine_new(&params, r->fe.now, &e2) == 0);
	for (unsigned i = 0; i < n; i++) {
		uint8_t a[SNAPSHOT_RECORD_SIZE], b[SNAPSHOT_RECORD_SIZE];
		struct snapshot_record sr = {.flow = out[i]}, back;
		struct snapshot_writer w = {0};

		snapshot_write_record(&w, &sr, a);
		CHECK(engine_import(e2, &out[i], r->fe.now) == 0);
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
	static const uint32_t max_flows[4] = {2, 8, 32, FUZZ_FLOWS_MAX};
	static uint8_t forged[SNAPSHOT_HEADER_SIZE + RECORDS_MAX * SNAPSHOT_RECORD_SIZE +
			      SNAPSHOT_TRAILER_SIZE];
	struct fuzz_in f = {data, size};
	struct run r;
	uint8_t mode = fuzz_u8(&f);

	memset(&r, 0, sizeof(r));
	fuzz_config(&r.fe.cfg, max_flows[(mode >> 1) & 3], mode >> 3);
	r.fe.now = FUZZ_CLOCK_START;
	struct engine_params params = {
		.config = &r.fe.cfg, .on_event = fuzz_on_event, .event_arg = &r.fe};
	CHECK(engine_new(&params, r.fe.now, &r.fe.e) == 0);

	if (mode & 0x40) {
		resume_image(&r, &f);
	} else if (mode & 1) {
		size_t len = forge(&f, forged);
		import_all(&r, forged, len);
	} else {
		uint8_t *copy = fuzz_copy(f.p, f.n);
		import_all(&r, copy, f.n);
		free(copy);
		f.n = 0;
	}
	check(&r);

	for (unsigned step = 0; step < STEPS_MAX && f.n; step++) {
		uint8_t c = fuzz_step(&f, &r.fe);

		switch (c & 3) {
		case 0:
		case 1:
			step_packet(&r, &f);
			break;
		case 2:
			if (c & 0x80)
				fuzz_expire_all(&r.fe);
			else
				engine_expire(r.fe.e, r.fe.now, fuzz_u8(&f));
			break;
		case 3: /* an export round trip makes an engine: costly */
			if (r.fe.round_trips++ < FUZZ_ROUND_TRIPS_MAX)
				round_trip(&r);
			break;
		}
		check(&r);
	}

	/* Every timer is at most 2^31 ticks past the horizon it was armed at: once caught up,
	 * two jumps of 4.4 years (each under 2^31 ticks) expire every flow. */
	fuzz_expire_all(&r.fe);
	r.fe.now += YEARS_4;
	fuzz_expire_all(&r.fe);
	r.fe.now += YEARS_4;
	fuzz_expire_all(&r.fe);
	check(&r);
	struct engine_counters c;
	engine_get_counters(r.fe.e, &c);
	CHECK(c.flows == 0);
	engine_free(r.fe.e);
	return 0;
}
