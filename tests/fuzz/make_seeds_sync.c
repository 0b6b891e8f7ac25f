// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * make_seeds, sync_proto: the seeds of tests/fuzz/corpus/sync_proto/ (see make_seeds.c for how
 * the program is built and run), in fuzz_sync_proto.c's modes: whole datagrams sealed with the
 * harness's keys (so they open), the same payloads for the harness to seal, bare DATA payloads
 * of every message type (one of exactly SYNC_PAYLOAD_MAX bytes), some damage, and programs for
 * the anti-replay window.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/sync_samples.h"
#include "fuzz_common.h"
#include "make_seeds.h"
#include "sync_proto.h"

static uint8_t seed[1 + SYNC_DATAGRAM_MAX];

/* A payload of the types (0-terminated), each n times, with seq. */
static size_t payload(uint8_t *buf, uint32_t seq, const uint8_t *types, unsigned n)
{
	struct sync_writer w;

	sync_writer_init(&w, buf, seq);
	for (unsigned k = 0; types[k]; k++)
		for (unsigned i = 0; i < n; i++) {
			struct sync_msg m = sync_sample(types[k], i);
			if (sync_writer_add(&w, &m) != 0) {
				fprintf(stderr, "make_seeds: sync_proto: %s does not fit\n",
					sync_msg_type_name(types[k]));
				exit(1);
			}
		}
	return sync_writer_finish(&w);
}

static void put_mode(const char *name, uint8_t mode, const uint8_t *body, size_t len)
{
	seed[0] = mode;
	memcpy(seed + 1, body, len);
	put("sync_proto", name, seed, 1 + len);
}

/* Mode 0 (sealed here, as the peer would) and mode 1 (the harness seals it). */
static void put_datagram(const char *name, uint8_t kind, const uint8_t *body, size_t len)
{
	static uint8_t dgram[SYNC_DATAGRAM_MAX], sealing[9 + 2 + SYNC_PAYLOAD_MAX];
	struct sync_header h = {.kind = kind, .counter = 42};
	uint8_t key[CRYPTO_KEY_SIZE];
	char full[80];

	memcpy(h.sender, fuzz_sync_peer, sizeof(h.sender));
	if (kind == SYNC_KIND_HELLO)
		crypto_hello_key(fuzz_sync_psk, key);
	else
		crypto_session_key(fuzz_sync_psk, fuzz_sync_peer, fuzz_sync_self, key);
	size_t n = sync_seal(dgram, &h, body, len, key);
	snprintf(full, sizeof(full), "dgram-%s", name);
	put_mode(full, 0, dgram, n);

	sealing[0] = kind == SYNC_KIND_DATA;
	for (unsigned i = 0; i < 8; i++)
		sealing[1 + i] = (uint8_t)(h.counter >> (8 * i));
	sealing[9] = (uint8_t)(n * 3);
	sealing[10] = 0;
	memcpy(sealing + 11, body, len);
	snprintf(full, sizeof(full), "sealed-%s", name);
	put_mode(full, 1, sealing, 11 + len);
}

void sync_seeds(void)
{
	static const uint8_t reliable[] = {SYNC_MSG_FLOW, SYNC_MSG_DESTROY, SYNC_MSG_BULK_START,
					   SYNC_MSG_BULK_END, 0};
	static const uint8_t control[] = {SYNC_MSG_ACK, SYNC_MSG_NACK, SYNC_MSG_BULK_REQUEST,
					  SYNC_MSG_ALIVE, 0};
	static const uint8_t flows[] = {SYNC_MSG_FLOW, 0};
	static const uint8_t fill[] = {SYNC_MSG_DESTROY, 0}, fill2[] = {SYNC_MSG_BULK_END, 0};
	static const uint8_t fill3[] = {SYNC_MSG_BULK_START, 0};
	static uint8_t buf[SYNC_PAYLOAD_MAX];
	struct sync_hello hello = {.echo = {'s', 'e', 'l', 'f', [15] = 2}, .next_seq = 1};
	uint8_t hb[SYNC_HELLO_SIZE];

	if (crypto_init() != 0)
		exit(1);
	sync_hello_put(&hello, hb);
	put_datagram("hello", SYNC_KIND_HELLO, hb, sizeof(hb));
	memset(hello.echo, 0, sizeof(hello.echo));
	hello.next_seq = 0;
	sync_hello_put(&hello, hb);
	put_datagram("hello-no-echo", SYNC_KIND_HELLO, hb, sizeof(hb));

	size_t len = payload(buf, 1, reliable, 2);
	put_datagram("reliable", SYNC_KIND_DATA, buf, len);
	put_mode("payload-reliable", 2, buf, len);
	len = payload(buf, 0, control, 3);
	put_datagram("control", SYNC_KIND_DATA, buf, len);
	put_mode("payload-control", 2, buf, len);

	/* exactly SYNC_PAYLOAD_MAX: 10 FLOW, 3 DESTROY, 1 BULK_END, 5 BULK_START */
	struct sync_writer w;
	sync_writer_init(&w, buf, 0xffffffffu);
	for (unsigned i = 0; i < 19; i++) {
		const uint8_t *t = i < 10 ? flows : i < 13 ? fill : i < 14 ? fill2 : fill3;
		struct sync_msg m = sync_sample(t[0], i);
		if (sync_writer_add(&w, &m) != 0)
			exit(1);
	}
	len = sync_writer_finish(&w);
	if (len != SYNC_PAYLOAD_MAX) {
		fprintf(stderr, "make_seeds: sync_proto: the full payload is %zu bytes\n", len);
		exit(1);
	}
	put_mode("payload-full", 2, buf, len);
	put_datagram("full", SYNC_KIND_DATA, buf, len);

	/* damage: a count one too high, a reliable type in a control payload */
	len = payload(buf, 9, flows, 1);
	buf[4]++;
	put_mode("payload-bad-count", 2, buf, len);
	len = payload(buf, 0, control, 1);
	buf[SYNC_DATA_HEADER] = SYNC_MSG_FLOW;
	put_mode("payload-bad-kind", 2, buf, len);
	put_mode("dgram-foreign", 0, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18);

	/* anti-replay: in order and accepted, a reorder, a jump, a replay */
	uint8_t prog[3 * 12];
	static const uint8_t steps[][3] = {
		{0x81, 1, 0},	{0x81, 1, 0}, {0x81, 5, 0},  {0x80, 2, 0},
		{0x80, 2, 0},	{0x80, 0, 0}, {0x83, 40, 0}, {0x80, 0, 4},
		{0x80, 255, 3}, {0x81, 1, 0}, {0x00, 1, 0},  {0x83, 63, 0},
	};
	memcpy(prog, steps, sizeof(prog));
	put_mode("replay", 3, prog, sizeof(prog));
}
