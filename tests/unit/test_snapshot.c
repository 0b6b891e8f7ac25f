// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The snapshot format: round trips, and refusal of truncated, padded, corrupt and foreign
 * streams. A golden-bytes test pins the on-disk layout, which must not change silently.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

#define N_RECORDS 5

static struct snapshot_record sample(unsigned i)
{
	struct snapshot_record r = {.queue = (uint16_t)(i * 7)};
	struct engine_flow_record *f = &r.flow;
	struct tcp_track *t = &f->track;

	f->family = i % 2 ? 6 : 4;
	f->orig = (uint8_t)(i % 2);
	f->tclass = (uint8_t)(i % _TCP_TRACK_TIMEOUT_MAX);
	for (unsigned b = 0; b < (f->family == 4 ? 4u : 16u); b++) {
		f->addr[0][b] = (uint8_t)(0x10 + b + i);
		f->addr[1][b] = (uint8_t)(0x80 + b + i);
	}
	f->port[0] = (uint16_t)(40000 + i);
	f->port[1] = 443;
	f->remaining_ms = 432000000ull - i * 1000;
	for (int d = 0; d < 2; d++) {
		struct tcp_track_peer *p = &t->peer[d];
		p->end = 0xfffffff0u + i + (uint32_t)d;
		p->maxend = 0x12345678u + i;
		p->maxwin = 65535u << 7;
		p->maxack = 0x9abcdef0u - i;
		p->isn = 1000u * (i + 1);
		p->tsval = 0x80000000u + i;
		p->wscale = 7;
		p->flags = (uint8_t)(0xff - d);
	}
	t->last_seq = 11 + i;
	t->last_ack = 22 + i;
	t->last_end = 33 + i;
	t->last_win = 0;
	t->state = (uint8_t)(1 + i % (_TCP_TRACK_STATE_MAX - 1));
	t->retrans = (uint8_t)i;
	t->last_dir = 1;
	t->last_index = (uint8_t)(i % _TCP_TRACK_IDX_MAX);
	t->last_ignored = i % 2;
	t->last_opts = 0x27;
	t->flags = 0x2b;
	return r;
}

static size_t encode(uint8_t *buf, unsigned n, uint64_t wall_ms)
{
	struct snapshot_writer w;
	size_t len = 0;

	snapshot_write_header(&w, wall_ms, buf);
	len += SNAPSHOT_HEADER_SIZE;
	for (unsigned i = 0; i < n; i++) {
		struct snapshot_record r = sample(i);
		snapshot_write_record(&w, &r, buf + len);
		len += SNAPSHOT_RECORD_SIZE;
	}
	snapshot_write_trailer(&w, buf + len);
	return len + SNAPSHOT_TRAILER_SIZE;
}

static uint8_t *encode_alloc(unsigned n, size_t *len)
{
	uint8_t *buf = test_malloc(SNAPSHOT_HEADER_SIZE + n * SNAPSHOT_RECORD_SIZE +
				   SNAPSHOT_TRAILER_SIZE + 64);
	*len = encode(buf, n, 1700000000123ull);
	return buf;
}

static void assert_record_equal(const struct snapshot_record *a, const struct snapshot_record *b)
{
	const struct tcp_track *x = &a->flow.track, *y = &b->flow.track;

	assert_int_equal(a->queue, b->queue);
	assert_int_equal(a->flow.family, b->flow.family);
	assert_int_equal(a->flow.orig, b->flow.orig);
	assert_int_equal(a->flow.tclass, b->flow.tclass);
	assert_memory_equal(a->flow.addr, b->flow.addr, sizeof(a->flow.addr));
	assert_int_equal(a->flow.port[0], b->flow.port[0]);
	assert_int_equal(a->flow.port[1], b->flow.port[1]);
	assert_int_equal(a->flow.remaining_ms, b->flow.remaining_ms);
	for (int d = 0; d < 2; d++) {
		assert_int_equal(x->peer[d].end, y->peer[d].end);
		assert_int_equal(x->peer[d].maxend, y->peer[d].maxend);
		assert_int_equal(x->peer[d].maxwin, y->peer[d].maxwin);
		assert_int_equal(x->peer[d].maxack, y->peer[d].maxack);
		assert_int_equal(x->peer[d].isn, y->peer[d].isn);
		assert_int_equal(x->peer[d].tsval, y->peer[d].tsval);
		assert_int_equal(x->peer[d].wscale, y->peer[d].wscale);
		assert_int_equal(x->peer[d].flags, y->peer[d].flags);
	}
	assert_int_equal(x->last_seq, y->last_seq);
	assert_int_equal(x->last_ack, y->last_ack);
	assert_int_equal(x->last_end, y->last_end);
	assert_int_equal(x->last_win, y->last_win);
	assert_int_equal(x->state, y->state);
	assert_int_equal(x->retrans, y->retrans);
	assert_int_equal(x->last_dir, y->last_dir);
	assert_int_equal(x->last_index, y->last_index);
	assert_int_equal(x->last_ignored, y->last_ignored);
	assert_int_equal(x->last_opts, y->last_opts);
	assert_int_equal(x->flags, y->flags);
}

static void test_round_trip(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = encode_alloc(N_RECORDS, &len);
	struct snapshot_info info;

	assert_int_equal(len, SNAPSHOT_HEADER_SIZE + N_RECORDS * SNAPSHOT_RECORD_SIZE +
				      SNAPSHOT_TRAILER_SIZE);
	assert_int_equal(snapshot_check(buf, len, &info), 0);
	assert_int_equal(info.count, N_RECORDS);
	assert_int_equal(info.wall_ms, 1700000000123ull);
	for (unsigned i = 0; i < N_RECORDS; i++) {
		struct snapshot_record got, want = sample(i);
		assert_int_equal(snapshot_read_record(buf, i, &got), 0);
		assert_record_equal(&got, &want);
	}
	test_free(buf);
}

static void test_empty(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = encode_alloc(0, &len);
	struct snapshot_info info;

	assert_int_equal(snapshot_check(buf, len, &info), 0);
	assert_int_equal(info.count, 0);
	test_free(buf);
}

/* Every prefix, and the whole stream with bytes added, is refused. */
static void test_truncated_and_padded(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = encode_alloc(3, &len);
	struct snapshot_info info;

	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = test_malloc(cut + 1);
		memcpy(copy, buf, cut);
		int r = snapshot_check(copy, cut, &info);
		if (r != -EBADMSG && r != -EPROTONOSUPPORT)
			fail_msg("prefix of %zu bytes: got %d", cut, r);
		test_free(copy);
	}
	uint8_t *big = test_malloc(len + SNAPSHOT_RECORD_SIZE);
	memcpy(big, buf, len);
	memset(big + len, 0, SNAPSHOT_RECORD_SIZE);
	assert_int_equal(snapshot_check(big, len + 1, &info), -EBADMSG);
	assert_int_equal(snapshot_check(big, len + SNAPSHOT_RECORD_SIZE, &info), -EBADMSG);
	test_free(big);
	test_free(buf);
}

static void test_every_bit_flip_is_caught(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = encode_alloc(2, &len);
	struct snapshot_info info;

	for (size_t byte = 0; byte < len; byte++) {
		for (int bit = 0; bit < 8; bit++) {
			buf[byte] ^= (uint8_t)(1u << bit);
			if (snapshot_check(buf, len, &info) == 0)
				fail_msg("flip of byte %zu bit %d went unnoticed", byte, bit);
			buf[byte] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(snapshot_check(buf, len, &info), 0);
	test_free(buf);
}

static void test_foreign_version_and_magic(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = encode_alloc(1, &len);
	struct snapshot_info info;

	buf[8] = SNAPSHOT_VERSION + 1; /* version, little-endian at offset 8 */
	assert_int_equal(snapshot_check(buf, len, &info), -EPROTONOSUPPORT);
	buf[8] = SNAPSHOT_VERSION;
	buf[12] = 64; /* record size */
	assert_int_equal(snapshot_check(buf, len, &info), -EPROTONOSUPPORT);
	buf[12] = SNAPSHOT_RECORD_SIZE;
	memcpy(buf, "NOTASNAP", 8);
	assert_int_equal(snapshot_check(buf, len, &info), -EPROTONOSUPPORT);
	test_free(buf);
}

/* The layout on disk: little-endian fields at fixed offsets. */
static void test_golden_bytes(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = encode_alloc(2, &len);
	const uint8_t *rec1 = buf + SNAPSHOT_HEADER_SIZE + SNAPSHOT_RECORD_SIZE;
	static const uint8_t header[16] = {'T', 'C', 'P', 'F', 'W', 'S', 'N', 'P',
					   1,	0,   0,	  0,   128, 0,	 0,   0};

	assert_memory_equal(buf, header, sizeof(header));
	assert_int_equal(buf[16], 0x7b); /* wall ms 1700000000123 = 0x18bcfe5687b */
	assert_int_equal(buf[17], 0x68);
	assert_int_equal(rec1[0], 7); /* queue 7 */
	assert_int_equal(rec1[1], 0);
	assert_int_equal(rec1[2], 6);		    /* family */
	assert_int_equal(rec1[37], (40001 & 0xff)); /* port[0] after 5 + 32 bytes */
	assert_int_equal(rec1[38], (40001 >> 8));
	for (size_t i = 120; i < SNAPSHOT_RECORD_SIZE; i++)
		assert_int_equal(rec1[i], 0); /* the record's spare bytes are zero */
	assert_int_equal(buf[len - SNAPSHOT_TRAILER_SIZE], 2); /* the count */
	assert_memory_equal(buf + len - 4, "TSNP", 4);
	test_free(buf);
}

static void test_impossible_record_values(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = encode_alloc(1, &len);
	uint8_t *rec = buf + SNAPSHOT_HEADER_SIZE;
	struct snapshot_record r;

	rec[2] = 5; /* family */
	assert_int_equal(snapshot_read_record(buf, 0, &r), -EINVAL);
	rec[2] = 4;
	assert_int_equal(snapshot_read_record(buf, 0, &r), 0);
	rec[117] |= 0x0e; /* the packed last_* byte (after state, retrans): last_index 7 */
	assert_int_equal(snapshot_read_record(buf, 0, &r), -EINVAL);
	test_free(buf);
}

/* The standard check value of CRC-32C (RFC 3720 B.4), and continuing a sum in pieces. */
static void test_crc32c(void **state)
{
	static const uint8_t digits[] = "123456789";

	(void)state;
	assert_int_equal(snapshot_crc32c(0, digits, 9), 0xe3069283);
	assert_int_equal(snapshot_crc32c(snapshot_crc32c(0, digits, 4), digits + 4, 5), 0xe3069283);
	assert_int_equal(snapshot_crc32c(0, digits, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_truncated_and_padded),
		cmocka_unit_test(test_every_bit_flip_is_caught),
		cmocka_unit_test(test_foreign_version_and_magic),
		cmocka_unit_test(test_golden_bytes),
		cmocka_unit_test(test_impossible_record_values),
	};

	return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
