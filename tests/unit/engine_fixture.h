/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine_fixture - the engine tests' harness (test_engine.c, test_engine_table.c): an engine on
 * a fake clock with its events recorded, and TCP conversations written as packet bytes with
 * pktbuild and fed to it. Assertions are cmocka's; every function fails the test, not returns.
 */
#ifndef TCPFW_ENGINE_FIXTURE_H
#define TCPFW_ENGINE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define C2S TCP_TRACK_ORIGINAL
#define S2C TCP_TRACK_REPLY
#define SEC 1000ull

struct events {
	unsigned n;
	struct engine_event ev[64];
};

struct fixture {
	struct config cfg;
	struct engine *e;
	struct events events;
	uint64_t now;
	size_t last_len; /* the IP length of the last segment sent */
};

/* One TCP conversation between a client and a server port, with both sides' next sequence. */
struct conn {
	uint8_t family;
	uint16_t cport;
	uint32_t next[2]; /* next sequence number of client (C2S) and server (S2C) */
	bool ts;
	uint32_t tsval[2];
};

#define SYN TCP_FLAG_SYN
#define ACK TCP_FLAG_ACK
#define FIN TCP_FLAG_FIN
#define RST TCP_FLAG_RST

/* Every byte of the hash key fx_new() gives the engine; a test may change it. */
extern uint8_t hash_key_byte;

/* An engine for cfg at 1000 s, recording its events; fx_free() frees both. */
struct fixture *fx_new(const struct config *cfg);
void fx_free(struct fixture *fx);

/* The defaults with max_flows flows. */
struct config small_config(uint32_t max_flows);

/* A conversation of family from client port cport to the server's port 80. */
struct conn conn_make(uint8_t family, uint16_t cport);

/* Writes one segment of c in direction dir to buf; returns its length and sets *seq. */
size_t write_seg(struct conn *c, int dir, uint8_t flags, uint32_t payload, uint32_t seq_override,
		 uint8_t *buf, size_t cap, uint32_t *seq);

/* Sends one segment (seq_override: at that number, c not advanced); the engine's result. */
struct engine_result send_seg(struct fixture *fx, struct conn *c, int dir, uint8_t flags,
			      uint32_t payload, uint32_t seq_override);
struct engine_result seg(struct fixture *fx, struct conn *c, int dir, uint8_t flags,
			 uint32_t payload);

/* The result is verdict, reason and state (compared by name, for readable failures). */
void expect(struct engine_result r, uint8_t verdict, uint8_t reason, uint8_t state);

/* The three-way handshake, and a close down to TIME_WAIT, each segment checked. */
void handshake(struct fixture *fx, struct conn *c);
void close_to_time_wait(struct fixture *fx, struct conn *c);

struct engine_counters counters(struct fixture *fx);

/* The single flow f matches (the test makes sure there is exactly one). */
struct engine_flow_info the_flow(struct fixture *fx, const struct engine_filter *f);

/* Moves the clock on by ms and expires what is due. */
void advance(struct fixture *fx, uint64_t ms);

#endif /* TCPFW_ENGINE_FIXTURE_H */
