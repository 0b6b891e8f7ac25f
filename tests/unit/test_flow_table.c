// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for flow_table: canonical keys, the table operations, the eviction window, and a
 * randomized differential run against a naive reference (an array scanned linearly). The random
 * run takes its seed from TCPFW_SEED (decimal or 0x hex) and prints it on failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "flow_table.h"
#include "util.h"

#define TEST_DEFAULT_SEED 0x7cf3a0c2d19e5b48ULL

/* Per-entry caller data used throughout: a score for eviction and a tag to detect mix-ups.
 * Values are 4-byte aligned: no member may need more. */
struct test_value {
	uint32_t tag;
	uint32_t score;
};

static const uint8_t test_hash_key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
					  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

static struct flow_table *test_table(uint32_t max_flows, uint32_t buckets, uint32_t value_size)
{
	struct flow_table_params p = {
		.max_flows = max_flows, .buckets = buckets, .value_size = value_size};
	struct flow_table *t = NULL;

	memcpy(p.hash_key, test_hash_key, sizeof(p.hash_key));
	assert_int_equal(flow_table_new(&p, &t), 0);
	assert_non_null(t);
	return t;
}

/* A distinct IPv4 client i talking to one server, as the client sends it. */
static void test_key_v4(struct flow_key *k, uint32_t i, bool reply)
{
	uint8_t cli[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
	uint8_t srv[4] = {192, 0, 2, 1};
	uint16_t cport = (uint16_t)(1024 + (i % 50000));

	if (reply)
		flow_key_make(k, 4, srv, cli, 443, cport);
	else
		flow_key_make(k, 4, cli, srv, cport, 443);
}

static uint32_t test_insert(struct flow_table *t, const struct flow_key *k)
{
	return flow_table_insert(t, k, flow_table_hash(t, k));
}

static uint32_t test_lookup(const struct flow_table *t, const struct flow_key *k)
{
	return flow_table_lookup(t, k, flow_table_hash(t, k));
}

static void key_make_ipv4(void **state)
{
	const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
	const uint8_t c[4] = {9, 255, 255, 255}, d[4] = {10, 0, 0, 0};
	struct flow_key k1, k2;
	uint8_t zero[16] = {0};

	(void)state;
	assert_int_equal(flow_key_make(&k1, 4, a, b, 40000, 80), 0);
	assert_int_equal(flow_key_make(&k2, 4, b, a, 80, 40000), 1);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_memory_equal(k1.addr[0], a, 4);
	assert_memory_equal(k1.addr[1], b, 4);
	assert_memory_equal(k1.addr[0] + 4, zero, 12);
	assert_memory_equal(k1.addr[1] + 4, zero, 12);
	assert_int_equal(k1.port[0], 40000);
	assert_int_equal(k1.port[1], 80);
	assert_int_equal(k1.family, 4);
	assert_memory_equal(k1.pad, zero, sizeof(k1.pad));

	/* Addresses order before ports, and as bytes (network order), not as host integers. */
	assert_int_equal(flow_key_make(&k1, 4, d, c, 1, 65535), 1);
	assert_memory_equal(k1.addr[0], c, 4);
	assert_int_equal(k1.port[0], 65535);
	assert_int_equal(k1.port[1], 1);
}

static void key_make_ipv6(void **state)
{
	uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8}, b[16] = {0x20, 0x01, 0x0d, 0xb8};
	struct flow_key k1, k2, k4;

	(void)state;
	a[15] = 0x02;
	b[15] = 0x01; /* b < a only in the last byte */
	assert_int_equal(flow_key_make(&k1, 6, a, b, 1000, 2000), 1);
	assert_int_equal(flow_key_make(&k2, 6, b, a, 2000, 1000), 0);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_memory_equal(k1.addr[0], b, 16);
	assert_memory_equal(k1.addr[1], a, 16);
	assert_int_equal(k1.port[0], 2000);
	assert_int_equal(k1.port[1], 1000);
	assert_int_equal(k1.family, 6);

	/* Ordering is memcmp()'s over all 16 bytes, whichever byte differs first. */
	uint64_t r = 0x1234567887654321ull;
	for (unsigned n = 0; n < 2000; n++) {
		uint8_t x[16], y[16];

		for (unsigned i = 0; i < 16; i++) {
			r = r * 6364136223846793005ull + 1442695040888963407ull;
			x[i] = (uint8_t)(r >> 56);
			y[i] = i < n % 17 ? x[i] : (uint8_t)(r >> 48); /* a shared prefix */
		}
		int c = memcmp(x, y, 16);
		unsigned want = c > 0 || (c == 0 && 1000 > 2000);
		assert_int_equal(flow_key_make(&k1, 6, x, y, 1000, 2000), want);
		c = memcmp(x, y, 4);
		want = c > 0 || (c == 0 && 1000 > 2000);
		assert_int_equal(flow_key_make(&k1, 4, x, y, 1000, 2000), want);
	}

	/* Same leading bytes read as IPv4 give a different key. */
	assert_int_equal(flow_key_make(&k4, 4, b, a, 2000, 1000), 1); /* same first 4 bytes */
	assert_memory_not_equal(&k1, &k4, sizeof(k1));
}

static void key_make_equal_addresses(void **state)
{
	const uint8_t a[4] = {127, 0, 0, 1};
	struct flow_key k1, k2;

	(void)state;
	assert_int_equal(flow_key_make(&k1, 4, a, a, 5000, 22), 1);
	assert_int_equal(flow_key_make(&k2, 4, a, a, 22, 5000), 0);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_int_equal(k1.port[0], 22);
	assert_int_equal(k1.port[1], 5000);

	/* A segment to itself: both orders are the same pair, endpoint 0 by convention. */
	assert_int_equal(flow_key_make(&k1, 4, a, a, 7, 7), 0);
	assert_int_equal(k1.port[0], 7);
	assert_int_equal(k1.port[1], 7);
}

static void new_rejects_bad_params(void **state)
{
	struct flow_table_params p = {.max_flows = 0};
	struct flow_table *t = (struct flow_table *)&p; /* sentinel: must stay untouched */

	(void)state;
	assert_int_equal(flow_table_new(&p, &t), -EINVAL);
	p.max_flows = FLOW_TABLE_MAX_BUCKETS + 1;
	assert_int_equal(flow_table_new(&p, &t), -EINVAL);
	p.max_flows = 16;
	p.buckets = FLOW_TABLE_MAX_BUCKETS + 1;
	assert_int_equal(flow_table_new(&p, &t), -EINVAL);
	p.buckets = UINT32_MAX;
	assert_int_equal(flow_table_new(&p, &t), -EINVAL);
	assert_int_equal(flow_table_new(NULL, &t), -EINVAL);
	assert_ptr_equal(t, &p);
	flow_table_free(NULL);
}

static void new_sizes_and_alignment(void **state)
{
	struct flow_table *t5 = test_table(10, 5, 5);
	struct flow_table *t8 = test_table(10, 8, 5);
	struct flow_table *t0 = test_table(10, 0, 5);
	struct flow_table *t16 = test_table(10, 16, 5);
	struct flow_key k;
	uint32_t i, id;

	(void)state;
	assert_int_equal(flow_table_capacity(t5), 10);
	assert_int_equal(flow_table_count(t5), 0);
	/* 5 buckets round to 8; 0 means the power of two >= max_flows, here 16. */
	assert_int_equal(flow_table_memory(t5), flow_table_memory(t8));
	assert_int_equal(flow_table_memory(t0), flow_table_memory(t16));
	assert_int_equal(flow_table_memory(t16) - flow_table_memory(t8), 8 * sizeof(uint32_t));
	/* Pool: 10 entries of a 44-byte header and 5 bytes rounded up to 8, at least. */
	assert_int_equal(FLOW_TABLE_HEADER_SIZE, 44);
	assert_int_equal(flow_table_stride(t5), 44 + 8);
	assert_true(flow_table_memory(t5) >= 10 * 52 + 8 * sizeof(uint32_t));

	for (i = 0; i < 10; i++) {
		test_key_v4(&k, i, false);
		id = test_insert(t5, &k);
		assert_int_equal(id, i); /* a fresh table hands out ids in order */
		assert_int_equal((uintptr_t)flow_table_value(t5, id) % 4, 0);
		assert_ptr_equal(flow_table_value(t5, id), flow_table_value_const(t5, id));
		/* values are stride apart, used or not */
		assert_ptr_equal((uint8_t *)flow_table_value(t5, id),
				 (uint8_t *)flow_table_value(t5, 0) + id * flow_table_stride(t5));
	}
	assert_ptr_equal((uint8_t *)flow_table_value(t5, 9) + flow_table_stride(t5) * 0,
			 (uint8_t *)flow_table_value(t5, 0) + 9 * flow_table_stride(t5));

	/* An 84-byte value makes an entry of exactly two cache lines, line-aligned. */
	struct flow_table *t84 = test_table(4, 0, 84);
	assert_int_equal(flow_table_stride(t84), 128);
	assert_int_equal((uintptr_t)flow_table_value(t84, 0) % 64, FLOW_TABLE_HEADER_SIZE);
	flow_table_free(t84);
	assert_int_equal(flow_table_count(t5), 10);
	flow_table_free(t5);
	flow_table_free(t8);
	flow_table_free(t0);
	flow_table_free(t16);
}

static void hash_depends_on_key(void **state)
{
	struct flow_table_params p = {.max_flows = 4};
	struct flow_table *ta, *tb, *tc;
	unsigned char raw[8];
	struct flow_key k;
	uint32_t i, differ = 0;
	uint64_t h;

	(void)state;
	memcpy(p.hash_key, test_hash_key, sizeof(p.hash_key));
	assert_int_equal(flow_table_new(&p, &ta), 0);
	assert_int_equal(flow_table_new(&p, &tb), 0);
	p.hash_key[0] ^= 1;
	assert_int_equal(flow_table_new(&p, &tc), 0);

	for (i = 0; i < 64; i++) {
		test_key_v4(&k, i, false);
		assert_int_equal(flow_table_hash(ta, &k), flow_table_hash(tb, &k));
		differ += flow_table_hash(ta, &k) != flow_table_hash(tc, &k);
	}
	assert_true(differ >= 60); /* a 32-bit collision is 2^-32 per key */

	/* The definition: SipHash-2-4 of the key's meaningful bytes, little-endian, folded low ^
	 * high. IPv4: address 0, address 1 (4 bytes each), port 0, port 1 (host order), family. */
	uint8_t in4[13];
	memcpy(in4, k.addr[0], 4);
	memcpy(in4 + 4, k.addr[1], 4);
	memcpy(in4 + 8, &k.port[0], 2);
	memcpy(in4 + 10, &k.port[1], 2);
	in4[12] = 4;
	crypto_shorthash(raw, in4, sizeof(in4), test_hash_key);
	h = 0;
	for (i = 0; i < 8; i++)
		h |= (uint64_t)raw[i] << (8 * i);
	assert_int_equal(flow_table_hash(ta, &k), (uint32_t)h ^ (uint32_t)(h >> 32));

	/* IPv6: both 16-byte addresses, both ports, family: the key's first 37 bytes. */
	uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 7}, b6[16] = {0xfe, 0x80, [15] = 9};
	uint8_t in6[37];
	flow_key_make(&k, 6, a6, b6, 40000, 443);
	memcpy(in6, k.addr, 32);
	memcpy(in6 + 32, k.port, 4);
	in6[36] = 6;
	crypto_shorthash(raw, in6, sizeof(in6), test_hash_key);
	h = 0;
	for (i = 0; i < 8; i++)
		h |= (uint64_t)raw[i] << (8 * i);
	assert_int_equal(flow_table_hash(ta, &k), (uint32_t)h ^ (uint32_t)(h >> 32));

	/* Every meaningful field moves the hash, and an IPv4 key never hashes as its IPv6 twin. */
	struct flow_key base, v;
	uint32_t hb;
	test_key_v4(&base, 77, false);
	hb = flow_table_hash(ta, &base);
	for (unsigned f = 0; f < 5; f++) {
		v = base;
		if (f < 2)
			v.addr[f][3] ^= 0x40;
		else if (f < 4)
			v.port[f - 2] ^= 0x100;
		else
			v.family = 6;
		assert_int_not_equal(flow_table_hash(ta, &v), hb);
	}

	flow_table_free(ta);
	flow_table_free(tb);
	flow_table_free(tc);
}

static void insert_lookup_both_directions(void **state)
{
	struct flow_table *t = test_table(64, 0, sizeof(struct test_value));
	uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9}, b6[16] = {0xfe, 0x80, [15] = 1};
	struct flow_key fwd, rev, other;
	uint32_t id4, id6, i;

	(void)state;
	test_key_v4(&fwd, 7, false);
	test_key_v4(&rev, 7, true);
	assert_int_equal(test_lookup(t, &fwd), FLOW_TABLE_NONE);
	id4 = test_insert(t, &fwd);
	assert_int_not_equal(id4, FLOW_TABLE_NONE);
	assert_int_equal(test_lookup(t, &fwd), id4);
	assert_int_equal(test_lookup(t, &rev), id4);
	assert_memory_equal(flow_table_key(t, id4), &fwd, sizeof(fwd));
	assert_true(flow_table_is_used(t, id4));

	flow_key_make(&fwd, 6, a6, b6, 33000, 443);
	flow_key_make(&rev, 6, b6, a6, 443, 33000);
	id6 = test_insert(t, &rev);
	assert_int_not_equal(id6, FLOW_TABLE_NONE);
	assert_int_not_equal(id6, id4);
	assert_int_equal(test_lookup(t, &fwd), id6);
	assert_int_equal(test_lookup(t, &rev), id6);
	flow_table_prefetch_bucket(t, flow_table_hash(t, &fwd));
	flow_table_prefetch_entry(t, flow_table_hash(t, &fwd));
	flow_table_prefetch_entry(t, UINT32_MAX); /* hints: any hash, empty buckets included */
	assert_int_equal(test_lookup(t, &fwd), id6);
	/* the second stage names the bucket's head: here the only entry of each bucket */
	test_key_v4(&other, 7, false);
	uint32_t b4 = flow_table_hash(t, &other) & 63, bk6 = flow_table_hash(t, &fwd) & 63;
	if (b4 != bk6) {
		assert_int_equal(flow_table_prefetch_entry(t, flow_table_hash(t, &fwd)), id6);
		assert_int_equal(flow_table_prefetch_entry(t, b4), id4);
	}
	for (uint32_t h = 0; h < 64; h++)
		if (h != b4 && h != bk6)
			assert_int_equal(flow_table_prefetch_entry(t, h), FLOW_TABLE_NONE);

	/* Neighbours differing in one field are other flows. */
	flow_key_make(&other, 6, a6, b6, 33001, 443);
	assert_int_equal(test_lookup(t, &other), FLOW_TABLE_NONE);
	for (i = 8; i < 40; i++) {
		test_key_v4(&other, i, i & 1);
		assert_int_equal(test_lookup(t, &other), FLOW_TABLE_NONE);
	}
	assert_int_equal(flow_table_count(t), 2);
	assert_int_equal(flow_table_insert(t, &(struct flow_key){0}, 0), FLOW_TABLE_NONE);
	assert_false(flow_table_is_used(t, FLOW_TABLE_NONE));
	assert_false(flow_table_is_used(t, 64));
	assert_false(flow_table_is_used(t, 63));
	flow_table_free(t);
}

static void remove_reuses_and_zeroes(void **state)
{
	struct flow_table *t = test_table(8, 2, 24);
	struct flow_key k[8];
	uint8_t zero[24] = {0};
	uint32_t id[8], i, again;

	(void)state;
	for (i = 0; i < 8; i++) {
		test_key_v4(&k[i], i, false);
		id[i] = test_insert(t, &k[i]);
		assert_int_not_equal(id[i], FLOW_TABLE_NONE);
		assert_memory_equal(flow_table_value(t, id[i]), zero, sizeof(zero));
		memset(flow_table_value(t, id[i]), 0xa5, sizeof(zero));
	}
	/* Remove from the middle of a chain (2 buckets: chains of about 4). */
	flow_table_remove(t, id[3]);
	assert_false(flow_table_is_used(t, id[3]));
	assert_int_equal(test_lookup(t, &k[3]), FLOW_TABLE_NONE);
	for (i = 0; i < 8; i++) {
		if (i != 3)
			assert_int_equal(test_lookup(t, &k[i]), id[i]);
	}
	assert_int_equal(flow_table_count(t), 7);
	flow_table_remove(t, id[3]); /* double remove: ignored */
	assert_int_equal(flow_table_count(t), 7);

	test_key_v4(&k[3], 100, true);
	again = test_insert(t, &k[3]);
	assert_int_equal(again, id[3]);
	assert_memory_equal(flow_table_value(t, again), zero, sizeof(zero));
	assert_int_equal(test_lookup(t, &k[3]), again);
	flow_table_free(t);
}

static void pool_exhaustion(void **state)
{
	struct flow_table *t = test_table(5, 0, 0);
	struct flow_key k;
	uint32_t i, id;

	(void)state;
	for (i = 0; i < 5; i++) {
		test_key_v4(&k, i, false);
		assert_int_not_equal(test_insert(t, &k), FLOW_TABLE_NONE);
	}
	test_key_v4(&k, 5, false);
	assert_int_equal(test_insert(t, &k), FLOW_TABLE_NONE);
	assert_int_equal(test_lookup(t, &k), FLOW_TABLE_NONE);
	assert_int_equal(flow_table_count(t), 5);

	test_key_v4(&k, 2, true);
	id = test_lookup(t, &k);
	flow_table_remove(t, id);
	test_key_v4(&k, 5, false);
	assert_int_equal(test_insert(t, &k), id);
	test_key_v4(&k, 6, false);
	assert_int_equal(test_insert(t, &k), FLOW_TABLE_NONE);
	flow_table_free(t);
}

static void iteration_resumes(void **state)
{
	struct flow_table *t = test_table(32, 8, 0);
	bool seen[32] = {false}, removed[32] = {false};
	struct flow_key k;
	uint32_t i, id, cursor, n = 0;

	(void)state;
	assert_int_equal(flow_table_next(t, 0), FLOW_TABLE_NONE);
	for (i = 0; i < 20; i++) {
		test_key_v4(&k, i, false);
		assert_int_equal(test_insert(t, &k), i);
	}
	for (i = 0; i < 20; i += 3)
		flow_table_remove(t, i);
	for (id = flow_table_next(t, 0); id != FLOW_TABLE_NONE; id = flow_table_next(t, id + 1)) {
		assert_true(id < 20 && id % 3 != 0);
		n++;
	}
	assert_int_equal(n, flow_table_count(t));
	assert_int_equal(flow_table_next(t, 19), 19);
	assert_int_equal(flow_table_next(t, 20), FLOW_TABLE_NONE);
	assert_int_equal(flow_table_next(t, FLOW_TABLE_NONE), FLOW_TABLE_NONE);

	/* Walk half, then remove visited and unvisited ids and insert new flows, then resume. */
	for (cursor = 0, n = 0; n < 6; n++) {
		id = flow_table_next(t, cursor);
		assert_false(seen[id]);
		seen[id] = true;
		cursor = id + 1;
	}
	for (i = 1; i < 20; i += 4) {
		if (flow_table_is_used(t, i)) {
			flow_table_remove(t, i);
			removed[i] = true;
		}
	}
	for (i = 100; i < 104; i++) {
		test_key_v4(&k, i, false);
		assert_int_not_equal(test_insert(t, &k), FLOW_TABLE_NONE);
	}
	for (id = flow_table_next(t, cursor); id != FLOW_TABLE_NONE;
	     id = flow_table_next(t, id + 1)) {
		assert_true(id >= cursor);
		assert_false(seen[id]);
		seen[id] = true;
	}
	/* Every id that stayed in use from start to end was visited exactly once. */
	for (i = 0; i < 20; i++) {
		if (i % 3 != 0 && !removed[i])
			assert_true(seen[i]);
	}
	flow_table_free(t);
}

/* Score from the value; arg counts the calls. */
static unsigned test_score(const void *value, void *arg)
{
	const struct test_value *v = value;

	if (arg)
		(*(unsigned *)arg)++;
	return v->score;
}

static void set_score(struct flow_table *t, uint32_t id, uint32_t score)
{
	((struct test_value *)flow_table_value(t, id))->score = score;
}

static void evict_highest_never_zero(void **state)
{
	struct flow_table *t = test_table(16, 1, sizeof(struct test_value));
	struct flow_key k;
	uint32_t i, ids[6], scores[6] = {3, 0, 9, 1, 9, 0};
	unsigned calls = 0;

	(void)state;
	assert_int_equal(flow_table_find_victim(t, 0, test_score, NULL), FLOW_TABLE_NONE);
	for (i = 0; i < 6; i++) {
		test_key_v4(&k, i, false);
		ids[i] = test_insert(t, &k);
		set_score(t, ids[i], scores[i]);
	}
	/* One bucket: the chain runs newest first, so of the two 9s, ids[4] is found first. */
	assert_int_equal(flow_table_find_victim(t, 12345, test_score, &calls), ids[4]);
	assert_int_equal(calls, 6); /* one bucket is scanned once, not 8 times */
	flow_table_remove(t, ids[4]);
	assert_int_equal(flow_table_find_victim(t, 0, test_score, NULL), ids[2]);
	for (i = 0; i < 6; i++) {
		if (flow_table_is_used(t, ids[i]))
			set_score(t, ids[i], 0);
	}
	assert_int_equal(flow_table_find_victim(t, 0, test_score, NULL), FLOW_TABLE_NONE);
	flow_table_free(t);
}

#define WIN_BUCKETS 16
#define WIN_FLOWS   120

/* Fills a 16-bucket table; bucket[id] is the bucket each entry hashes to. */
static struct flow_table *window_table(uint32_t *bucket)
{
	struct flow_table *t = test_table(WIN_FLOWS, WIN_BUCKETS, sizeof(struct test_value));
	struct flow_key k;
	uint32_t i, id;

	for (i = 0; i < WIN_FLOWS; i++) {
		test_key_v4(&k, i * 7919, i & 1);
		id = test_insert(t, &k);
		assert_int_equal(id, i);
		bucket[id] = flow_table_hash(t, &k) & (WIN_BUCKETS - 1);
	}
	return t;
}

static bool in_window(uint32_t bucket, uint32_t start)
{
	return ((bucket - start) & (WIN_BUCKETS - 1)) < FLOW_TABLE_EVICT_BUCKETS;
}

static void evict_window_only(void **state)
{
	uint32_t bucket[WIN_FLOWS], start, id, best, victim, outside_better = 0;
	struct flow_table *t = window_table(bucket);
	unsigned calls, expect_calls;

	(void)state;
	for (id = 0; id < WIN_FLOWS; id++)
		set_score(t, id, id + 1); /* unique: the answer is unambiguous */
	for (start = 0; start < 2 * WIN_BUCKETS; start++) {
		best = FLOW_TABLE_NONE;
		expect_calls = 0;
		for (id = 0; id < WIN_FLOWS; id++) {
			if (in_window(bucket[id], start)) {
				expect_calls++;
				best = id; /* ascending scores: the last one in range wins */
			}
		}
		calls = 0;
		/* Only the bucket bits of hash matter: high bits are noise. */
		victim = flow_table_find_victim(t, start | 0xabc00000u, test_score, &calls);
		assert_int_equal(victim, best);
		assert_int_equal(calls, expect_calls);
		outside_better += !in_window(bucket[WIN_FLOWS - 1], start);
	}
	/* The global best was out of range for half the starts, wrapped ones included. */
	assert_int_equal(outside_better, WIN_BUCKETS);
	flow_table_free(t);
}

static void evict_ties_first_found(void **state)
{
	uint32_t bucket[WIN_FLOWS], start, id, expect, i;
	struct flow_table *t = window_table(bucket);

	(void)state;
	for (id = 0; id < WIN_FLOWS; id++)
		set_score(t, id, 5);
	for (start = 0; start < WIN_BUCKETS; start++) {
		/* First non-empty bucket in the window, then its head: the newest (highest) id. */
		expect = FLOW_TABLE_NONE;
		for (i = 0; i < FLOW_TABLE_EVICT_BUCKETS && expect == FLOW_TABLE_NONE; i++) {
			for (id = 0; id < WIN_FLOWS; id++) {
				if (bucket[id] == ((start + i) & (WIN_BUCKETS - 1)))
					expect = id;
			}
		}
		assert_int_equal(flow_table_find_victim(t, start, test_score, NULL), expect);
	}

	/* Equal scores in two buckets: the one nearer the start of the window wins. */
	for (id = 0; id < WIN_FLOWS; id++)
		set_score(t, id, bucket[id] == 3 || bucket[id] == 5 ? 7 : 1);
	id = flow_table_find_victim(t, 2, test_score, NULL);
	assert_int_equal(bucket[id], 3);
	id = flow_table_find_victim(t, 4, test_score, NULL);
	assert_int_equal(bucket[id], 5);
	id = flow_table_find_victim(t, 14, test_score, NULL); /* window 14..15,0..5 wraps */
	assert_int_equal(bucket[id], 3);
	flow_table_free(t);
}

/* Differential run: a splitmix64 stream, a key universe, and a linearly scanned reference. */

#define DIFF_KEYS     96
#define DIFF_CAPACITY 40
#define DIFF_BUCKETS  16
#define DIFF_OPS      30000

struct diff_flow {
	uint8_t family;
	uint8_t a[16], b[16];
	uint16_t pa, pb;
};

struct diff_ref {
	bool used;
	struct flow_key key;
	uint64_t tag;
};

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t test_seed(void)
{
	const char *s = getenv("TCPFW_SEED");

	return s && *s ? strtoull(s, NULL, 0) : TEST_DEFAULT_SEED;
}

#define DIFF_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail_msg("TCPFW_SEED=%llu op %u: check failed: %s",                        \
				 (unsigned long long)seed, op, #cond);                             \
	} while (0)

/* Few addresses and ports, so flows share addresses and differ in one field. */
static void diff_universe(struct diff_flow *u, uint64_t *rng)
{
	uint32_t i;

	for (i = 0; i < DIFF_KEYS; i++) {
		uint64_t r = rng_next(rng);

		memset(&u[i], 0, sizeof(u[i]));
		u[i].family = (r & 1) ? 6 : 4;
		u[i].a[0] = u[i].family == 6 ? 0x20 : 10;
		u[i].b[0] = u[i].family == 6 ? 0x20 : 10;
		u[i].a[3] = (uint8_t)((r >> 8) % 3);
		u[i].b[3] = (uint8_t)((r >> 16) % 3);
		u[i].pa = (uint16_t)(1000 + (r >> 24) % 4);
		u[i].pb = (uint16_t)(1000 + (r >> 32) % 4);
		if (u[i].family == 6)
			u[i].a[15] = (uint8_t)(r >> 40);
	}
}

static void diff_key(struct flow_key *k, const struct diff_flow *f, uint64_t *rng)
{
	if (rng_next(rng) & 1)
		flow_key_make(k, f->family, f->a, f->b, f->pa, f->pb);
	else
		flow_key_make(k, f->family, f->b, f->a, f->pb, f->pa);
}

static uint32_t ref_find(const struct diff_ref *ref, const struct flow_key *k)
{
	uint32_t i;

	for (i = 0; i < DIFF_CAPACITY; i++) {
		if (ref[i].used && memcmp(&ref[i].key, k, sizeof(*k)) == 0)
			return i;
	}
	return FLOW_TABLE_NONE;
}

static unsigned diff_score(const void *value, void *arg)
{
	(void)arg;
	return (unsigned)(((const struct test_value *)value)->tag % 5);
}

/* Whole-table checks: count, iteration and an eviction query against the reference. Returns
 * the victim the query found (or FLOW_TABLE_NONE). */
static uint32_t diff_audit(struct flow_table *t, const struct diff_ref *ref, uint64_t seed,
			   unsigned op, uint64_t *rng)
{
	uint32_t id, n = 0, start = (uint32_t)rng_next(rng), victim, best = 0;

	for (id = flow_table_next(t, 0); id != FLOW_TABLE_NONE; id = flow_table_next(t, id + 1)) {
		DIFF_CHECK(id < DIFF_CAPACITY && ref[id].used);
		n++;
	}
	for (id = 0; id < DIFF_CAPACITY; id++) {
		DIFF_CHECK(flow_table_is_used(t, id) == ref[id].used);
		if (ref[id].used && in_window(flow_table_hash(t, &ref[id].key), start) &&
		    ref[id].tag % 5 > best)
			best = ref[id].tag % 5;
	}
	DIFF_CHECK(n == flow_table_count(t));
	victim = flow_table_find_victim(t, start, diff_score, NULL);
	if (best == 0) {
		DIFF_CHECK(victim == FLOW_TABLE_NONE);
	} else {
		DIFF_CHECK(victim < DIFF_CAPACITY && ref[victim].used);
		DIFF_CHECK(in_window(flow_table_hash(t, &ref[victim].key), start));
		DIFF_CHECK(ref[victim].tag % 5 == best);
	}
	return victim;
}

static void differential(void **state)
{
	uint64_t seed = test_seed(), rng = seed;
	struct flow_table *t = test_table(DIFF_CAPACITY, DIFF_BUCKETS, sizeof(struct test_value));
	struct diff_flow u[DIFF_KEYS];
	struct diff_ref ref[DIFF_CAPACITY];
	uint32_t ref_count = 0, full_hits = 0, victims = 0, hash, id, rid;
	struct test_value *v;
	struct flow_key k;
	unsigned op = 0;

	(void)state;
	memset(ref, 0, sizeof(ref));
	diff_universe(u, &rng);
	for (op = 0; op < DIFF_OPS; op++) {
		uint32_t kind = (uint32_t)(rng_next(&rng) % 100);

		diff_key(&k, &u[rng_next(&rng) % DIFF_KEYS], &rng);
		hash = flow_table_hash(t, &k);
		id = flow_table_lookup(t, &k, hash);
		rid = ref_find(ref, &k);
		DIFF_CHECK(id == rid);
		if (id != FLOW_TABLE_NONE) {
			v = flow_table_value(t, id);
			DIFF_CHECK(v->tag == ref[id].tag);
			DIFF_CHECK(memcmp(flow_table_key(t, id), &k, sizeof(k)) == 0);
		}
		if (kind < 50 && id == FLOW_TABLE_NONE) {
			id = flow_table_insert(t, &k, hash);
			if (ref_count == DIFF_CAPACITY) {
				DIFF_CHECK(id == FLOW_TABLE_NONE);
				full_hits++;
			} else {
				DIFF_CHECK(id < DIFF_CAPACITY && !ref[id].used);
				v = flow_table_value(t, id);
				DIFF_CHECK(v->tag == 0 && v->score == 0);
				v->tag = (uint32_t)rng_next(&rng) | 1;
				ref[id] = (struct diff_ref){.used = true, .key = k, .tag = v->tag};
				ref_count++;
			}
		} else if (kind >= 70 && id != FLOW_TABLE_NONE) {
			flow_table_remove(t, id);
			ref[id].used = false;
			ref_count--;
			DIFF_CHECK(flow_table_lookup(t, &k, hash) == FLOW_TABLE_NONE);
		}
		DIFF_CHECK(flow_table_count(t) == ref_count);
		if (op % 16 == 0) {
			uint32_t victim = diff_audit(t, ref, seed, op, &rng);

			/* early drop: the victim goes at once (its bucket remembered), or later */
			if (victim != FLOW_TABLE_NONE && rng_next(&rng) % 2) {
				flow_table_remove(t, victim);
				ref[victim].used = false;
				ref_count--;
				DIFF_CHECK(
					flow_table_lookup(t, &ref[victim].key,
							  flow_table_hash(t, &ref[victim].key)) ==
					FLOW_TABLE_NONE);
				victims++;
			}
		}
	}
	DIFF_CHECK(victims > 100);
	/* The run must have reached exhaustion, or it tested less than it claims. */
	DIFF_CHECK(full_hits > 0);
	flow_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_make_ipv4),
		cmocka_unit_test(key_make_ipv6),
		cmocka_unit_test(key_make_equal_addresses),
		cmocka_unit_test(new_rejects_bad_params),
		cmocka_unit_test(new_sizes_and_alignment),
		cmocka_unit_test(hash_depends_on_key),
		cmocka_unit_test(insert_lookup_both_directions),
		cmocka_unit_test(remove_reuses_and_zeroes),
		cmocka_unit_test(pool_exhaustion),
		cmocka_unit_test(iteration_resumes),
		cmocka_unit_test(evict_highest_never_zero),
		cmocka_unit_test(evict_window_only),
		cmocka_unit_test(evict_ties_first_found),
		cmocka_unit_test(differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
