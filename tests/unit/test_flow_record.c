// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The flow record codec: every field at the offset flow_record.h gives, random records through
 * put and get and back (the seed comes from TCPFW_SEED and is printed on failure), random bytes
 * accepted exactly when they could be a record and then re-encoded unchanged, and each value
 * the reader refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "flow_record.h"

#define ROUNDS 20000

static uint64_t rng;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t seed_from_env(void)
{
	const char *env = getenv("TCPFW_SEED");
	return env ? strtoull(env, NULL, 0) : 0x666c6f77;
}

static void random_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)next_rand();
}

/* Offsets of flow_record.h's layout. */
enum {
	OFF_FAMILY = 0,
	OFF_ORIG = 1,
	OFF_TCLASS = 2,
	OFF_ADDR = 3,
	OFF_PORT = 35,
	OFF_REMAINING = 39,
	OFF_PEER0 = 47, /* 26 bytes each: six u32, bits, flags */
	OFF_PEER1 = 73,
	OFF_LAST_SEQ = 99,
	OFF_LAST_ACK = 103,
	OFF_LAST_END = 107,
	OFF_LAST_WIN = 111,
	OFF_STATE = 113,
	OFF_RETRANS = 114,
	OFF_LAST_BITS = 115,
	OFF_LAST_OPTS = 116,
	OFF_FLAGS = 117,
};
_Static_assert(OFF_FLAGS + 1 == FLOW_RECORD_SIZE, "the layout covers the record");

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Makes random bytes a valid record: the family, and the bits the reader checks. */
static void make_valid(uint8_t *b)
{
	b[OFF_FAMILY] = b[OFF_FAMILY] & 1 ? 6 : 4;
	for (unsigned off = OFF_PEER0; off <= OFF_PEER1; off += OFF_PEER1 - OFF_PEER0) {
		uint8_t *bits = &b[off + 24];
		*bits &= 0x7f;
		if ((*bits & 15) > PACKET_WSCALE_MAX)
			*bits = (uint8_t)((*bits & 0xf0) | PACKET_WSCALE_MAX);
	}
	unsigned idx = (b[OFF_LAST_BITS] >> 1) & 7;
	if (idx >= _TCP_TRACK_IDX_MAX)
		b[OFF_LAST_BITS] = (uint8_t)(b[OFF_LAST_BITS] & ~0x0e);
}

/* A valid record of random bytes from seed, in b and, decoded, in *r. */
static void valid_record(uint64_t seed, uint8_t b[FLOW_RECORD_SIZE], struct engine_flow_record *r)
{
	rng = seed;
	random_bytes(b, FLOW_RECORD_SIZE);
	make_valid(b);
	assert_int_equal(flow_record_get(b, r), 0);
}

static void test_layout(void **state)
{
	uint8_t b[FLOW_RECORD_SIZE];
	struct engine_flow_record r;

	(void)state;
	valid_record(0x6c61796f7574, b, &r);
	assert_int_equal(r.family, b[OFF_FAMILY]);
	assert_int_equal(r.orig, b[OFF_ORIG]);
	assert_int_equal(r.tclass, b[OFF_TCLASS]);
	assert_memory_equal(r.addr, b + OFF_ADDR, 32);
	assert_int_equal(r.port[0], le(b + OFF_PORT, 2));
	assert_int_equal(r.port[1], le(b + OFF_PORT + 2, 2));
	assert_int_equal(r.remaining_ms, le(b + OFF_REMAINING, 8));
	for (unsigned d = 0; d < 2; d++) {
		const struct tcp_track_peer *p = &r.track.peer[d];
		const uint8_t *q = b + (d ? OFF_PEER1 : OFF_PEER0);

		assert_int_equal(p->end, le(q, 4));
		assert_int_equal(p->maxend, le(q + 4, 4));
		assert_int_equal(p->maxwin, le(q + 8, 4));
		assert_int_equal(p->maxack, le(q + 12, 4));
		assert_int_equal(p->isn, le(q + 16, 4));
		assert_int_equal(p->tsval, le(q + 20, 4));
		assert_int_equal(p->wscale, q[24] & 15);
		assert_int_equal(p->auth, (q[24] >> 4) & 3);
		assert_int_equal(p->hole, (q[24] >> 6) & 1);
		assert_int_equal(p->flags, q[25]);
	}
	const struct tcp_track *t = &r.track;
	assert_int_equal(t->last_seq, le(b + OFF_LAST_SEQ, 4));
	assert_int_equal(t->last_ack, le(b + OFF_LAST_ACK, 4));
	assert_int_equal(t->last_end, le(b + OFF_LAST_END, 4));
	assert_int_equal(t->last_win, le(b + OFF_LAST_WIN, 2));
	assert_int_equal(t->state, b[OFF_STATE]);
	assert_int_equal(t->retrans, b[OFF_RETRANS]);
	uint8_t bits = b[OFF_LAST_BITS];
	assert_int_equal(t->last_dir, bits & 1);
	assert_int_equal(t->last_index, (bits >> 1) & 7);
	assert_int_equal(t->last_ignored, (bits >> 4) & 1);
	assert_int_equal(t->tw_holder, (bits >> 5) & 3);
	assert_int_equal(t->rst_dir, bits >> 7);
	assert_int_equal(t->last_opts, b[OFF_LAST_OPTS]);
	assert_int_equal(t->flags, b[OFF_FLAGS]);
}

/* A random valid record: put, get, put again gives the same bytes and the same struct. */
static void test_round_trip_random(void **state)
{
	uint64_t seed = seed_from_env();

	(void)state;
	rng = seed | 1;
	for (unsigned round = 0; round < ROUNDS; round++) {
		uint8_t a[FLOW_RECORD_SIZE], b[FLOW_RECORD_SIZE];
		struct engine_flow_record r1, r2;

		random_bytes(a, sizeof(a));
		make_valid(a);
		if (flow_record_get(a, &r1) != 0)
			fail_msg("TCPFW_SEED=%" PRIu64 " round %u: a valid record refused", seed,
				 round);
		memset(b, 0xa5, sizeof(b));
		flow_record_put(&r1, b);
		if (memcmp(a, b, sizeof(a)) != 0)
			fail_msg("TCPFW_SEED=%" PRIu64 " round %u: bytes changed", seed, round);
		/* get overwrites all of the struct: what it read twice is equal as memory */
		memset(&r2, 0x5a, sizeof(r2));
		assert_int_equal(flow_record_get(b, &r2), 0);
		if (memcmp(&r1, &r2, sizeof(r1)) != 0)
			fail_msg("TCPFW_SEED=%" PRIu64 " round %u: record changed", seed, round);
	}
}

/* Whatever random bytes get accepts, put writes back unchanged: the encoding is canonical. */
static void test_random_bytes(void **state)
{
	uint64_t seed = seed_from_env();
	unsigned accepted = 0;

	(void)state;
	rng = (seed ^ 0x9e3779b97f4a7c15ull) | 1;
	for (unsigned round = 0; round < ROUNDS; round++) {
		uint8_t a[FLOW_RECORD_SIZE], b[FLOW_RECORD_SIZE];
		struct engine_flow_record r;

		random_bytes(a, sizeof(a));
		if (round % 2)
			a[OFF_FAMILY] = round % 4 == 1 ? 4 : 6;
		int ret = flow_record_get(a, &r);
		if (ret == -EINVAL)
			continue;
		if (ret != 0)
			fail_msg("TCPFW_SEED=%" PRIu64 " round %u: returned %d", seed, round, ret);
		accepted++;
		flow_record_put(&r, b);
		if (memcmp(a, b, sizeof(a)) != 0)
			fail_msg("TCPFW_SEED=%" PRIu64 " round %u: not canonical", seed, round);
	}
	assert_true(accepted > ROUNDS / 100);
}

static void expect_refused(const uint8_t *valid, unsigned off, uint8_t value)
{
	uint8_t b[FLOW_RECORD_SIZE];
	struct engine_flow_record r;

	memcpy(b, valid, sizeof(b));
	b[off] = value;
	if (flow_record_get(b, &r) != -EINVAL)
		fail_msg("byte %u = 0x%02x accepted", off, value);
}

static void test_bad_bytes(void **state)
{
	uint8_t b[FLOW_RECORD_SIZE];
	struct engine_flow_record r;

	(void)state;
	valid_record(0x626164, b, &r);

	for (unsigned fam = 0; fam < 256; fam++)
		if (fam != 4 && fam != 6)
			expect_refused(b, OFF_FAMILY, (uint8_t)fam);
	for (unsigned off = OFF_PEER0 + 24; off <= OFF_PEER1 + 24; off += OFF_PEER1 - OFF_PEER0) {
		/* bit 7 of a peer's bits byte is beyond its fields; wscale beyond RFC 7323's 14 */
		expect_refused(b, off, (uint8_t)(b[off] | 0x80));
		for (unsigned ws = PACKET_WSCALE_MAX + 1; ws < 16; ws++)
			expect_refused(b, off, (uint8_t)((b[off] & 0x70) | ws));
	}
	for (unsigned idx = _TCP_TRACK_IDX_MAX; idx < 8; idx++)
		expect_refused(b, OFF_LAST_BITS, (uint8_t)((b[OFF_LAST_BITS] & ~0x0e) | idx << 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_bad_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
