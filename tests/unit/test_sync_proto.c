// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sync_proto: the datagram header and its refusals, sealing and opening, HELLO, every DATA
 * message type through writer, check and reader, a payload of exactly SYNC_PAYLOAD_MAX bytes,
 * a payload cut at every byte or with bytes added, each malformed message, the writer refusing
 * what the reader would, and the anti-replay window.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sync_proto.h"
#include "sync_samples.h"

static const uint8_t key[CRYPTO_KEY_SIZE] = {9, 8, 7, 6, 5, 4, 3, 2, 1, [31] = 0x33};
static const uint8_t sender[CRYPTO_NONCE_SIZE] = {0x5e, 0x4d, [15] = 1};

static int setup(void **state)
{
	(void)state;
	return crypto_init();
}

static const struct sync_header hdr = {.kind = SYNC_KIND_DATA, .counter = 0x1122334455667788ull};

/* ---- header, seal, open ---- */

static void test_header(void **state)
{
	uint8_t buf[SYNC_DATAGRAM_MAX + 1] = {0};
	struct sync_header h = hdr, got;
	static const uint8_t want[SYNC_HEADER_SIZE] = {'T',  'F',  'S',	 'Y',	   1,	 2,    0,
						       0,    0x5e, 0x4d, [23] = 1, 0x88, 0x77, 0x66,
						       0x55, 0x44, 0x33, 0x22,	   0x11};

	(void)state;
	memcpy(h.sender, sender, sizeof(sender));
	sync_header_put(&h, buf);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(sync_header_get(buf, SYNC_OVERHEAD, &got), 0);
	assert_int_equal(got.kind, SYNC_KIND_DATA);
	assert_memory_equal(got.sender, sender, sizeof(sender));
	assert_true(got.counter == h.counter);
	assert_int_equal(sync_header_get(buf, SYNC_DATAGRAM_MAX, &got), 0);

	/* lengths */
	for (size_t len = 5; len < SYNC_OVERHEAD; len++)
		assert_int_equal(sync_header_get(buf, len, &got), -EBADMSG);
	assert_int_equal(sync_header_get(buf, SYNC_DATAGRAM_MAX + 1, &got), -EBADMSG);
	/* not ours: another magic or version */
	for (unsigned i = 0; i < 5; i++) {
		buf[i] ^= 0x20;
		assert_int_equal(sync_header_get(buf, SYNC_OVERHEAD, &got), -EPROTONOSUPPORT);
		buf[i] ^= 0x20;
	}
	/* ours, but broken: kind, reserved bits, counter 0 */
	for (unsigned kind = 0; kind < 256; kind++) {
		buf[5] = (uint8_t)kind;
		int want_ret = kind == SYNC_KIND_HELLO || kind == SYNC_KIND_DATA ? 0 : -EBADMSG;
		assert_int_equal(sync_header_get(buf, SYNC_OVERHEAD, &got), want_ret);
	}
	buf[5] = SYNC_KIND_HELLO;
	for (unsigned bit = 0; bit < 16; bit++) {
		buf[6 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(sync_header_get(buf, SYNC_OVERHEAD, &got), -EBADMSG);
		buf[6 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	memset(buf + 24, 0, 8);
	assert_int_equal(sync_header_get(buf, SYNC_OVERHEAD, &got), -EBADMSG);
	buf[31] = 0x80;
	assert_int_equal(sync_header_get(buf, SYNC_OVERHEAD, &got), 0);
	assert_true(got.counter == 1ull << 63);
}

static void test_seal_open(void **state)
{
	static uint8_t payload[SYNC_PAYLOAD_MAX + 1], dgram[SYNC_DATAGRAM_MAX + 64];
	static uint8_t back[SYNC_PAYLOAD_MAX];
	struct sync_header h = hdr, got;
	uint8_t other[CRYPTO_KEY_SIZE];
	size_t plen;

	(void)state;
	memcpy(h.sender, sender, sizeof(sender));
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i ^ 0x3c);
	for (size_t len = 0; len <= SYNC_PAYLOAD_MAX; len += len < 40 ? 1 : 197) {
		size_t n = sync_seal(dgram, &h, payload, len, key);
		assert_int_equal(n, SYNC_OVERHEAD + len);
		assert_int_equal(sync_header_get(dgram, n, &got), 0);
		assert_int_equal(sync_open(dgram, n, &got, key, back, &plen), 0);
		assert_int_equal(plen, len);
		assert_memory_equal(back, payload, len);
	}
	size_t n = sync_seal(dgram, &h, payload, SYNC_PAYLOAD_MAX, key);
	assert_int_equal(n, SYNC_DATAGRAM_MAX);
	assert_int_equal(sync_seal(dgram, &h, payload, SYNC_PAYLOAD_MAX + 1, key), 0);

	/* sealed in place, from the payload's own spot */
	memcpy(dgram + SYNC_HEADER_SIZE, payload, 100);
	n = sync_seal(dgram, &h, dgram + SYNC_HEADER_SIZE, 100, key);
	assert_int_equal(sync_open(dgram, n, &h, key, back, &plen), 0);
	assert_memory_equal(back, payload, 100);

	/* the header is authenticated: any change to it, even the reserved bytes, fails */
	for (unsigned i = 0; i < SYNC_HEADER_SIZE; i++) {
		dgram[i] ^= 1;
		struct sync_header h2 = h;
		if (sync_header_get(dgram, n, &h2) == 0)
			assert_int_equal(sync_open(dgram, n, &h2, key, back, &plen), -EBADMSG);
		dgram[i] ^= 1;
	}
	/* and so is every byte after it */
	for (size_t i = SYNC_HEADER_SIZE; i < n; i++) {
		dgram[i] ^= 0x10;
		assert_int_equal(sync_open(dgram, n, &h, key, back, &plen), -EBADMSG);
		dgram[i] ^= 0x10;
	}
	memcpy(other, key, sizeof(other));
	other[0] ^= 1;
	assert_int_equal(sync_open(dgram, n, &h, other, back, &plen), -EBADMSG);
	assert_int_equal(sync_open(dgram, n - 1, &h, key, back, &plen), -EBADMSG);
	assert_int_equal(sync_open(dgram, SYNC_OVERHEAD - 1, &h, key, back, &plen), -EBADMSG);
	assert_int_equal(sync_open(dgram, n, &h, key, back, &plen), 0);
}

static void test_hello(void **state)
{
	struct sync_hello h = {.echo = {1, 2, 3, [15] = 0xf0}, .next_seq = 0xdeadbeef}, got;
	uint8_t buf[SYNC_HELLO_SIZE + 1] = {0};

	(void)state;
	sync_hello_put(&h, buf);
	assert_memory_equal(buf, h.echo, 16);
	assert_int_equal(buf[16] | buf[17] | buf[18] | buf[19], 0);
	assert_int_equal(buf[20], 0xef);
	assert_int_equal(buf[23], 0xde);
	assert_int_equal(sync_hello_get(buf, SYNC_HELLO_SIZE, &got), 0);
	assert_memory_equal(got.echo, h.echo, 16);
	assert_int_equal(got.flags, 0);
	assert_int_equal(got.next_seq, 0xdeadbeef);
	for (size_t len = 0; len <= SYNC_HELLO_SIZE + 1; len++)
		if (len != SYNC_HELLO_SIZE)
			assert_int_equal(sync_hello_get(buf, len, &got), -EBADMSG);
	for (unsigned i = 16; i < 20; i++) { /* flags, then the zero bytes */
		buf[i] = 0x01;
		assert_int_equal(sync_hello_get(buf, SYNC_HELLO_SIZE, &got), -EBADMSG);
		buf[i] = 0;
	}
}

/* ---- DATA messages ---- */

static void assert_msg_equal(const struct sync_msg *a, const struct sync_msg *b)
{
	assert_memory_equal(a, b, sizeof(*a)); /* both were zeroed before they were filled */
}

static const uint8_t reliable_types[] = {SYNC_MSG_FLOW, SYNC_MSG_DESTROY, SYNC_MSG_BULK_START,
					 SYNC_MSG_BULK_END};
static const uint8_t control_types[] = {SYNC_MSG_ACK, SYNC_MSG_NACK, SYNC_MSG_BULK_REQUEST,
					SYNC_MSG_ALIVE};

static void test_types(void **state)
{
	(void)state;
	for (unsigned t = 0; t < 256; t++) {
		bool known = t >= SYNC_MSG_FLOW && t < _SYNC_MSG_MAX;
		assert_int_equal(sync_msg_body_size((uint8_t)t) != 0, known);
		assert_int_equal(strcmp(sync_msg_type_name((uint8_t)t), "unknown") != 0, known);
		assert_int_equal(sync_msg_reliable((uint8_t)t), known && t <= SYNC_MSG_BULK_END);
	}
	assert_int_equal(sync_msg_body_size(SYNC_MSG_FLOW), FLOW_RECORD_SIZE);
	assert_int_equal(sync_msg_body_size(SYNC_MSG_DESTROY), SYNC_KEY_SIZE);
	assert_string_equal(sync_msg_type_name(SYNC_MSG_BULK_REQUEST), "bulk_request");
}

/* Writes msgs into a payload with seq, checks it, reads it back. Returns its length. */
static size_t round_trip(uint8_t *buf, uint32_t seq, const struct sync_msg *msgs, unsigned n)
{
	struct sync_writer w;
	struct sync_reader r;
	struct sync_msg got;
	uint32_t s = 12345;

	sync_writer_init(&w, buf, seq);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(sync_writer_add(&w, &msgs[i]), 0);
	size_t len = sync_writer_finish(&w);
	assert_int_equal(sync_payload_check(buf, len, &s), 0);
	assert_int_equal(s, seq);
	sync_reader_init(&r, buf, len);
	assert_int_equal(r.seq, seq);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(sync_reader_next(&r, &got), 1);
		assert_msg_equal(&got, &msgs[i]);
	}
	assert_int_equal(sync_reader_next(&r, &got), 0);
	return len;
}

static void test_every_type(void **state)
{
	uint8_t buf[SYNC_PAYLOAD_MAX];
	struct sync_msg msgs[16];
	unsigned n = 0;

	(void)state;
	for (unsigned i = 0; i < 4; i++)
		for (unsigned k = 0; k < sizeof(reliable_types); k++)
			if (n < 10)
				msgs[n++] = sync_sample(reliable_types[k], i);
	size_t len = round_trip(buf, 1, msgs, n);
	assert_int_equal(buf[4], n); /* the count */
	assert_int_equal(buf[6], SYNC_MSG_FLOW);
	assert_int_equal(buf[8] | buf[9] << 8, FLOW_RECORD_SIZE);
	assert_true(len <= SYNC_PAYLOAD_MAX);
	round_trip(buf, 0xffffffffu, msgs, 1);

	n = 0;
	for (unsigned i = 0; i < 4; i++)
		for (unsigned k = 0; k < sizeof(control_types); k++)
			msgs[n++] = sync_sample(control_types[k], i);
	round_trip(buf, 0, msgs, n);
}

/* A payload of exactly SYNC_PAYLOAD_MAX bytes: 10 FLOW, 3 DESTROY, 5 BULK_START, 1 BULK_END. */
static size_t full_payload(uint8_t *buf, struct sync_msg *msgs, unsigned *n)
{
	*n = 0;
	for (unsigned i = 0; i < 10; i++)
		msgs[(*n)++] = sync_sample(SYNC_MSG_FLOW, i);
	for (unsigned i = 0; i < 3; i++)
		msgs[(*n)++] = sync_sample(SYNC_MSG_DESTROY, i);
	for (unsigned i = 0; i < 5; i++)
		msgs[(*n)++] = sync_sample(SYNC_MSG_BULK_START, i);
	msgs[(*n)++] = sync_sample(SYNC_MSG_BULK_END, 9);
	return round_trip(buf, 77, msgs, *n);
}

static void test_full_payload(void **state)
{
	uint8_t buf[SYNC_PAYLOAD_MAX + 8];
	struct sync_msg msgs[32], one = sync_sample(SYNC_MSG_BULK_START, 1);
	struct sync_writer w;
	unsigned n;
	uint32_t seq;

	(void)state;
	assert_int_equal(full_payload(buf, msgs, &n), SYNC_PAYLOAD_MAX);

	/* the writer knows it is full */
	sync_writer_init(&w, buf, 77);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(sync_writer_add(&w, &msgs[i]), 0);
	assert_false(sync_writer_fits(&w, 0));
	assert_int_equal(sync_writer_add(&w, &one), -ENOSPC);
	assert_int_equal(sync_writer_finish(&w), SYNC_PAYLOAD_MAX);
	/* a byte more than the maximum is refused, however well formed */
	assert_int_equal(sync_payload_check(buf, SYNC_PAYLOAD_MAX + 1, &seq), -EBADMSG);

	/* a writer with room for exactly one more FLOW */
	sync_writer_init(&w, buf, 5);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(sync_writer_add(&w, &msgs[i]), 0);
	assert_true(sync_writer_fits(&w, FLOW_RECORD_SIZE));
	assert_int_equal(sync_writer_add(&w, &msgs[0]), 0);
	assert_false(sync_writer_fits(&w, FLOW_RECORD_SIZE));
	assert_int_equal(sync_writer_add(&w, &msgs[0]), -ENOSPC);
	assert_int_equal(w.count, 11);
}

/* Every prefix of a good payload, and the payload with any byte added, is refused. */
static void test_truncation(void **state)
{
	uint8_t buf[SYNC_PAYLOAD_MAX + 1];
	struct sync_msg msgs[32];
	unsigned n;
	uint32_t seq;

	(void)state;
	size_t len = full_payload(buf, msgs, &n);
	for (size_t cut = 0; cut < len; cut++)
		if (sync_payload_check(buf, cut, &seq) != -EBADMSG)
			fail_msg("a payload cut to %zu bytes passed", cut);

	msgs[0] = sync_sample(SYNC_MSG_ACK, 1);
	msgs[1] = sync_sample(SYNC_MSG_NACK, 2);
	msgs[2] = sync_sample(SYNC_MSG_ALIVE, 3);
	len = round_trip(buf, 0, msgs, 3);
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(sync_payload_check(buf, cut, &seq), -EBADMSG);
	for (unsigned v = 0; v < 256; v += 51) {
		buf[len] = (uint8_t)v;
		assert_int_equal(sync_payload_check(buf, len + 1, &seq), -EBADMSG);
	}
}

/* A one-message payload of m (in a payload with seq) with byte off set to v: refused. */
static void expect_malformed(uint32_t seq, const struct sync_msg *m, size_t off, uint8_t v)
{
	uint8_t buf[SYNC_PAYLOAD_MAX];
	struct sync_writer w;
	uint32_t s;

	sync_writer_init(&w, buf, seq);
	assert_int_equal(sync_writer_add(&w, m), 0);
	size_t len = sync_writer_finish(&w);
	assert_int_equal(sync_payload_check(buf, len, &s), 0);
	buf[off] = v;
	if (sync_payload_check(buf, len, &s) != -EBADMSG)
		fail_msg("%s: byte %zu = 0x%02x passed", sync_msg_type_name(m->type), off, v);
}

#define MSG  (SYNC_DATA_HEADER)	     /* offset of the first message */
#define BODY (MSG + SYNC_MSG_HEADER) /* and of its body */

static void test_malformed(void **state)
{
	struct sync_msg flow = sync_sample(SYNC_MSG_FLOW, 0),
			destroy = sync_sample(SYNC_MSG_DESTROY, 0);
	struct sync_msg ack = sync_sample(SYNC_MSG_ACK, 0), nack = sync_sample(SYNC_MSG_NACK, 0);
	struct sync_msg alive = sync_sample(SYNC_MSG_ALIVE, 0);
	uint8_t buf[SYNC_PAYLOAD_MAX];
	uint32_t s;

	(void)state;
	/* the count: 0, one too many, one too few (a message left over) */
	expect_malformed(1, &flow, 4, 0);
	expect_malformed(1, &flow, 4, 2);
	expect_malformed(1, &flow, 5, 1);
	struct sync_msg two[2] = {ack, ack};
	size_t len = round_trip(buf, 0, two, 2);
	buf[4] = 1;
	assert_int_equal(sync_payload_check(buf, len, &s), -EBADMSG);

	/* types: unknown, and each in the wrong kind of payload */
	expect_malformed(1, &flow, MSG, 0);
	expect_malformed(1, &flow, MSG, _SYNC_MSG_MAX);
	expect_malformed(1, &flow, MSG, 0xff);
	for (unsigned k = 0; k < sizeof(reliable_types); k++) {
		struct sync_msg m = sync_sample(reliable_types[k], 1);
		expect_malformed(1, &m, 0, 0); /* seq 0: unreliable */
		expect_malformed(1, &m, MSG + 2, (uint8_t)(sync_msg_body_size(m.type) + 1));
		expect_malformed(1, &m, MSG + 3, 1); /* a length over 255 */
	}
	for (unsigned k = 0; k < sizeof(control_types); k++) {
		struct sync_msg m = sync_sample(control_types[k], 1);
		expect_malformed(0, &m, 0, 1);
		expect_malformed(0, &m, MSG + 2, (uint8_t)(sync_msg_body_size(m.type) - 1));
	}
	/* a control type whose body size a reliable type has, in its place */
	struct sync_msg bs = sync_sample(SYNC_MSG_BULK_START, 1);
	expect_malformed(1, &bs, MSG, SYNC_MSG_ACK);

	/* flags: every bit a type does not define */
	for (unsigned bit = 0; bit < 8; bit++) {
		uint8_t f = (uint8_t)(1u << bit);
		if (!(f & SYNC_FLOW_ALL))
			expect_malformed(1, &flow, MSG + 1, f);
		if (!(f & SYNC_ALIVE_ALL))
			expect_malformed(0, &alive, MSG + 1, f);
		expect_malformed(1, &destroy, MSG + 1, f);
		expect_malformed(0, &ack, MSG + 1, f);
		expect_malformed(0, &nack, MSG + 1, f);
	}

	/* values: a record flow_record_get() refuses; a key's family, zero byte, IPv4 padding */
	expect_malformed(1, &flow, BODY, 5);
	expect_malformed(1, &destroy, BODY, 0);
	expect_malformed(1, &destroy, BODY, 5);
	expect_malformed(1, &destroy, BODY + 1, 1);
	expect_malformed(1, &destroy, BODY + 2 + 4, 1);	      /* src byte 4 */
	expect_malformed(1, &destroy, BODY + 2 + 16 + 15, 1); /* dst byte 15 */
	destroy = sync_sample(SYNC_MSG_DESTROY, 1);	      /* IPv6: every byte counts */
	expect_malformed(1, &destroy, BODY, 4);

	/* sequence numbers: 0 names none; a NACK's from after its to */
	ack.next = 0x100;
	expect_malformed(0, &ack, BODY + 1, 0);
	alive.next = 0x100;
	expect_malformed(0, &alive, BODY + 1, 0);
	nack.nack.from = 0x100;
	nack.nack.to = 0x200;
	expect_malformed(0, &nack, BODY + 1, 0);    /* from 0 */
	expect_malformed(0, &nack, BODY + 5, 0);    /* to 0 */
	expect_malformed(0, &nack, BODY + 5, 0);    /* to 0 */
	nack.nack.to = 0x100;			    /* a one-seq gap is fine ... */
	expect_malformed(0, &nack, BODY + 1, 0x02); /* ... from after to is not */
	/* across the wrap: from 0xfffffff0 to 5 is a range, from 5 to 0xfffffff0 is not */
	nack.nack.from = 0xfffffff0u;
	nack.nack.to = 5;
	round_trip(buf, 0, &nack, 1);
	struct sync_writer w;
	sync_writer_init(&w, buf, 0);
	nack.nack.from = 5;
	nack.nack.to = 0xfffffff0u;
	assert_int_equal(sync_writer_add(&w, &nack), -EINVAL);

	/* a payload shorter than its header, or longer than any */
	assert_int_equal(sync_payload_check(buf, 0, &s), -EBADMSG);
	assert_int_equal(sync_payload_check(buf, SYNC_DATA_HEADER, &s), -EBADMSG);
}

/* The writer refuses what the check would, and writes nothing then. */
static void test_writer_refuses(void **state)
{
	uint8_t buf[SYNC_PAYLOAD_MAX], before[SYNC_PAYLOAD_MAX];
	struct sync_msg ok = sync_sample(SYNC_MSG_DESTROY, 0), bad;
	struct sync_writer w;
	uint32_t s;

	(void)state;
	memset(buf, 0, sizeof(buf));
	sync_writer_init(&w, buf, 3);
	assert_int_equal(sync_writer_add(&w, &ok), 0);
	memcpy(before, buf, sizeof(buf));

	bad = sync_sample(SYNC_MSG_ACK, 0); /* control in a reliable payload */
	assert_int_equal(sync_writer_add(&w, &bad), -EINVAL);
	bad = ok;
	bad.type = 0;
	assert_int_equal(sync_writer_add(&w, &bad), -EINVAL);
	bad.type = _SYNC_MSG_MAX;
	assert_int_equal(sync_writer_add(&w, &bad), -EINVAL);
	bad = ok;
	bad.flags = 1;
	assert_int_equal(sync_writer_add(&w, &bad), -EINVAL);
	bad = ok;
	bad.key.family = 0;
	assert_int_equal(sync_writer_add(&w, &bad), -EINVAL);
	bad = sync_sample(SYNC_MSG_FLOW, 0);
	bad.flags = SYNC_FLOW_ALL + 1;
	assert_int_equal(sync_writer_add(&w, &bad), -EINVAL);
	bad = sync_sample(SYNC_MSG_FLOW, 0);
	bad.flow.track.peer[0].wscale = 15;
	assert_int_equal(sync_writer_add(&w, &bad), -EINVAL);

	assert_memory_equal(buf, before, sizeof(buf));
	assert_int_equal(w.count, 1);
	size_t len = sync_writer_finish(&w);
	assert_int_equal(len, SYNC_DATA_HEADER + SYNC_MSG_HEADER + SYNC_KEY_SIZE);
	assert_int_equal(sync_payload_check(buf, len, &s), 0);

	/* an empty payload is written, but no payload is empty */
	sync_writer_init(&w, buf, 0);
	assert_int_equal(sync_writer_finish(&w), SYNC_DATA_HEADER);
	assert_int_equal(sync_payload_check(buf, SYNC_DATA_HEADER, &s), -EBADMSG);
}

/* ---- anti-replay ---- */

static void test_replay_in_order(void **state)
{
	struct sync_replay r;

	(void)state;
	sync_replay_reset(&r);
	assert_false(sync_replay_fresh(&r, 0));
	for (uint64_t c = 1; c <= 5000; c++) {
		assert_true(sync_replay_fresh(&r, c));
		sync_replay_accept(&r, c);
		assert_false(sync_replay_fresh(&r, c));
		assert_false(sync_replay_fresh(&r, c - 1));
	}
	assert_false(sync_replay_fresh(&r, 0));
	sync_replay_accept(&r, 0); /* never valid: changes nothing */
	assert_true(r.top == 5000);
	sync_replay_reset(&r);
	assert_true(sync_replay_fresh(&r, 1));
	assert_true(sync_replay_fresh(&r, 5000));
}

static void test_replay_window(void **state)
{
	struct sync_replay r;
	const uint64_t top = 10000;

	(void)state;
	sync_replay_reset(&r);
	sync_replay_accept(&r, top);
	/* the 1023 counters below top are judged, one further is too old */
	for (uint64_t c = top - SYNC_REPLAY_WINDOW + 1; c < top; c += 2) {
		assert_true(sync_replay_fresh(&r, c));
		sync_replay_accept(&r, c);
	}
	for (uint64_t c = top - SYNC_REPLAY_WINDOW + 1; c < top; c++)
		assert_int_equal(sync_replay_fresh(&r, c), (top - c) % 2 == 0);
	assert_false(sync_replay_fresh(&r, top - SYNC_REPLAY_WINDOW));
	assert_false(sync_replay_fresh(&r, 1));
	assert_false(sync_replay_fresh(&r, top));

	/* reordered: a later one first, the earlier ones after it, each once */
	sync_replay_accept(&r, top + 5);
	for (uint64_t c = top + 1; c < top + 5; c++) {
		assert_true(sync_replay_fresh(&r, c));
		sync_replay_accept(&r, c);
		assert_false(sync_replay_fresh(&r, c));
	}
	assert_false(sync_replay_fresh(&r, top + 5));
	assert_true(sync_replay_fresh(&r, top + 6));

	/* moving on by less than the window forgets exactly what falls out of it */
	sync_replay_accept(&r, top + 5 + 1000);
	assert_false(sync_replay_fresh(&r, top + 5));
	assert_false(sync_replay_fresh(&r, top + 1));
	assert_true(sync_replay_fresh(&r, top + 6));
	assert_true(sync_replay_fresh(&r, top + 1004));
	assert_false(sync_replay_fresh(&r, top + 5 - 20)); /* too old now */

	/* a huge jump: everything before the new top's window is too old, nothing in it seen */
	const uint64_t far = 1ull << 62;
	sync_replay_accept(&r, far);
	assert_false(sync_replay_fresh(&r, far));
	assert_false(sync_replay_fresh(&r, top + 6));
	for (uint64_t c = far - SYNC_REPLAY_WINDOW + 1; c < far; c++)
		assert_true(sync_replay_fresh(&r, c));
	assert_false(sync_replay_fresh(&r, far - SYNC_REPLAY_WINDOW));
	assert_true(sync_replay_fresh(&r, UINT64_MAX));
	sync_replay_accept(&r, UINT64_MAX);
	assert_false(sync_replay_fresh(&r, UINT64_MAX));
	assert_false(sync_replay_fresh(&r, far));
	assert_true(sync_replay_fresh(&r, UINT64_MAX - 1));
}

/* Against a reference that remembers every counter it saw: random walks near the top. */
static void test_replay_reference(void **state)
{
	static bool seen[20000];
	struct sync_replay r;
	uint64_t rng = 0x7265706c6179, top = 0;

	(void)state;
	sync_replay_reset(&r);
	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < 200000; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		int64_t d = (int64_t)(rng % 1400) - 1200; /* mostly behind, sometimes ahead */
		int64_t c = (int64_t)top + d;
		if (c < 0 || c >= (int64_t)(sizeof(seen) / sizeof(seen[0])))
			continue;
		bool want = c > 0 && !seen[c] && (c > (int64_t)top || top - (uint64_t)c < 1024);
		if (sync_replay_fresh(&r, (uint64_t)c) != want)
			fail_msg("step %u: counter %lld with top %llu: fresh should be %d", i,
				 (long long)c, (unsigned long long)top, want);
		if (want) {
			sync_replay_accept(&r, (uint64_t)c);
			seen[c] = true;
			if ((uint64_t)c > top)
				top = (uint64_t)c;
		}
	}
	assert_true(top > 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),	       cmocka_unit_test(test_seal_open),
		cmocka_unit_test(test_hello),	       cmocka_unit_test(test_types),
		cmocka_unit_test(test_every_type),     cmocka_unit_test(test_full_payload),
		cmocka_unit_test(test_truncation),     cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_writer_refuses), cmocka_unit_test(test_replay_in_order),
		cmocka_unit_test(test_replay_window),  cmocka_unit_test(test_replay_reference),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
