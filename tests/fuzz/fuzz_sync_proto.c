// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_sync_proto - the replication protocol's untrusted input (lib/sync_proto.h): datagrams
 * from the network, and behind their authentication the payloads the receiver applies.
 *
 * Input: a mode byte, then by mode % 4:
 *   0  the rest is a whole datagram, as received: sync_header_get(), then sync_open() under
 *      the fixed keys (fuzz_common.h: the HELLO key for a HELLO, the peer-to-self session key
 *      for DATA) and what opened goes on as in mode 1. Seeds sealed with those keys open.
 *   1  byte 1 picks the kind (bit 0: DATA), 8 bytes the counter, the rest (up to
 *      SYNC_PAYLOAD_MAX) is a payload the harness seals, so the decoders behind the
 *      authentication see any bytes: the datagram must pass sync_header_get(), open to the
 *      same payload, and fail to open with any one bit flipped (the first 2 bytes after the
 *      counter pick which).
 *   2  the rest is a DATA payload, as sync_open() would hand it over.
 *   3  the rest is a program for the anti-replay window, checked against a reference that
 *      remembers every counter it accepted.
 * For a DATA payload: sync_payload_check() returns 0 or -EBADMSG; when it accepts, the reader
 * yields exactly `count` messages of the kind the seq allows, a writer re-encodes them to the
 * same bytes, and the payload cut by a byte is refused. A HELLO that sync_hello_get() accepts
 * is written back to the same bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "sync_proto.h"

#define REPLAY_STEPS 512

static void check_hello(const uint8_t *payload, size_t len)
{
	struct sync_hello h;
	uint8_t back[SYNC_HELLO_SIZE];
	int ret = sync_hello_get(payload, len, &h);

	CHECK(ret == 0 || ret == -EBADMSG);
	if (ret)
		return;
	CHECK(len == SYNC_HELLO_SIZE && h.flags == 0);
	sync_hello_put(&h, back);
	CHECK(memcmp(back, payload, SYNC_HELLO_SIZE) == 0);
}

static void check_payload(const uint8_t *data, size_t len)
{
	static uint8_t out[SYNC_PAYLOAD_MAX];
	uint8_t *payload = fuzz_copy(data, len);
	struct sync_reader r;
	struct sync_writer w;
	struct sync_msg m;
	uint32_t seq = 0xdeadbeef;
	int ret = sync_payload_check(payload, len, &seq);

	CHECK(ret == 0 || ret == -EBADMSG);
	if (ret) {
		CHECK(seq == 0xdeadbeef); /* nothing is written on refusal */
		free(payload);
		return;
	}
	CHECK(len >= SYNC_DATA_HEADER && len <= SYNC_PAYLOAD_MAX);
	unsigned count = payload[4] | payload[5] << 8, n = 0;
	CHECK(count > 0);
	CHECK(seq == (uint32_t)(payload[0] | payload[1] << 8 | payload[2] << 16 |
				(uint32_t)payload[3] << 24));

	sync_reader_init(&r, payload, len);
	sync_writer_init(&w, out, seq);
	while (sync_reader_next(&r, &m)) {
		CHECK(sync_msg_body_size(m.type) != 0);
		CHECK(sync_msg_reliable(m.type) == (seq != 0));
		CHECK(sync_writer_add(&w, &m) == 0);
		n++;
	}
	CHECK(n == count);
	CHECK(sync_writer_finish(&w) == len);
	CHECK(memcmp(out, payload, len) == 0);

	uint32_t s2;
	CHECK(sync_payload_check(payload, len - 1, &s2) == -EBADMSG);
	free(payload);
}

static void check_opened(uint8_t kind, const uint8_t *payload, size_t len)
{
	if (kind == SYNC_KIND_HELLO)
		check_hello(payload, len);
	else
		check_payload(payload, len);
}

/* The key a datagram of kind from the peer is sealed with. */
static void key_for(uint8_t kind, uint8_t key[CRYPTO_KEY_SIZE])
{
	if (kind == SYNC_KIND_HELLO)
		crypto_hello_key(fuzz_sync_psk, key);
	else
		crypto_session_key(fuzz_sync_psk, fuzz_sync_peer, fuzz_sync_self, key);
}

static void whole_datagram(const uint8_t *data, size_t len)
{
	static uint8_t payload[SYNC_PAYLOAD_MAX];
	uint8_t *dgram = fuzz_copy(data, len), key[CRYPTO_KEY_SIZE];
	struct sync_header h;
	size_t plen = 0;
	int ret = sync_header_get(dgram, len, &h);

	CHECK(ret == 0 || ret == -EBADMSG || ret == -EPROTONOSUPPORT);
	if (ret == 0) {
		CHECK(len >= SYNC_OVERHEAD && len <= SYNC_DATAGRAM_MAX && h.counter != 0);
		CHECK(h.kind == SYNC_KIND_HELLO || h.kind == SYNC_KIND_DATA);
		key_for(h.kind, key);
		ret = sync_open(dgram, len, &h, key, payload, &plen);
		CHECK(ret == 0 || ret == -EBADMSG);
		if (ret == 0) {
			CHECK(plen == len - SYNC_OVERHEAD);
			check_opened(h.kind, payload, plen);
		}
	}
	free(dgram);
}

static void sealed(struct fuzz_in *f)
{
	static uint8_t dgram[SYNC_DATAGRAM_MAX], payload[SYNC_PAYLOAD_MAX];
	struct sync_header h = {.kind = fuzz_u8(f) & 1 ? SYNC_KIND_DATA : SYNC_KIND_HELLO}, got;
	uint8_t key[CRYPTO_KEY_SIZE];
	size_t plen;

	for (unsigned i = 0; i < 8; i++)
		h.counter |= (uint64_t)fuzz_u8(f) << (8 * i);
	h.counter += !h.counter;
	unsigned flip = fuzz_u8(f);
	flip |= (unsigned)fuzz_u8(f) << 8;
	memcpy(h.sender, fuzz_sync_peer, sizeof(h.sender));
	size_t len = f->n < SYNC_PAYLOAD_MAX ? f->n : SYNC_PAYLOAD_MAX;

	key_for(h.kind, key);
	size_t n = sync_seal(dgram, &h, f->p, len, key);
	CHECK(n == len + SYNC_OVERHEAD);
	CHECK(sync_header_get(dgram, n, &got) == 0);
	CHECK(got.kind == h.kind && got.counter == h.counter);
	CHECK(memcmp(got.sender, h.sender, sizeof(h.sender)) == 0);
	CHECK(sync_open(dgram, n, &got, key, payload, &plen) == 0);
	CHECK(plen == len && memcmp(payload, f->p, len) == 0);
	check_opened(h.kind, payload, plen);

	/* one flipped bit anywhere and it no longer opens (or no longer parses) */
	size_t bit = flip % (n * 8);
	dgram[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	if (sync_header_get(dgram, n, &got) == 0)
		CHECK(sync_open(dgram, n, &got, key, payload, &plen) == -EBADMSG);
	/* and under the other kind's key it never opens */
	dgram[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	key_for(h.kind == SYNC_KIND_DATA ? SYNC_KIND_HELLO : SYNC_KIND_DATA, key);
	CHECK(sync_open(dgram, n, &h, key, payload, &plen) == -EBADMSG);
}

/* Steps: a byte op, then 2 bytes d. op bit 0 clear: counter top - d (behind); set: top + d
 * (ahead), and op bit 1 set makes d a shift (top + 2^(d % 64)). op bit 7: accept it when fresh;
 * op bit 6: accept it when stale, which must change nothing. */
static void replay(struct fuzz_in *f)
{
	static uint64_t seen[REPLAY_STEPS];
	unsigned n_seen = 0;
	struct sync_replay r;
	uint64_t top = 0;

	sync_replay_reset(&r);
	for (unsigned step = 0; step < REPLAY_STEPS && f->n; step++) {
		uint8_t op = fuzz_u8(f);
		uint64_t d = fuzz_u8(f);
		d |= (uint64_t)fuzz_u8(f) << 8;
		uint64_t c;

		if (!(op & 1))
			c = top - (d < top ? d : top);
		else if (op & 2)
			c = top + (1ull << (d % 64)) < top ? UINT64_MAX : top + (1ull << (d % 64));
		else
			c = top + d < top ? UINT64_MAX : top + d;

		bool known = false;
		for (unsigned i = 0; i < n_seen && !known; i++)
			known = seen[i] == c;
		bool want = c && !known && (c > top || top - c < SYNC_REPLAY_WINDOW);
		CHECK(sync_replay_fresh(&r, c) == want);
		if ((op & 0x40) && !want) { /* accepting a stale counter changes nothing */
			struct sync_replay before = r;
			sync_replay_accept(&r, c);
			CHECK(memcmp(&before, &r, sizeof(r)) == 0);
		}
		if ((op & 0x80) && want) {
			sync_replay_accept(&r, c);
			seen[n_seen++] = c;
			if (c > top)
				top = c;
			CHECK(r.top == top && !sync_replay_fresh(&r, c));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in f = {data, size};
	uint8_t mode = fuzz_u8(&f);
	static bool ready;

	if (!ready) {
		CHECK(crypto_init() == 0);
		ready = true;
	}
	switch (mode % 4) {
	case 0:
		whole_datagram(f.p, f.n);
		break;
	case 1:
		sealed(&f);
		break;
	case 2:
		check_payload(f.p, f.n);
		break;
	case 3:
		replay(&f);
		break;
	}
	return 0;
}
