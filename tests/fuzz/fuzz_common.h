/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_common - what the harnesses of tests/fuzz/ share: CHECK, reading the input as a stream
 * of bytes, copies of the input that ASan bounds exactly, and for the engine harnesses the
 * configuration, clock and the checks that every counter, event and listing agree. Linked into
 * every harness, in the libFuzzer build as in the replay build, and into make_seeds.
 */
#ifndef TCPFW_FUZZ_COMMON_H
#define TCPFW_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "engine.h"

struct pktbuild;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant aborts, which libFuzzer and replay both report as a crash. */
#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			fuzz_fail(__FILE__, __LINE__, #x);                                         \
	} while (0)

__attribute__((noreturn)) void fuzz_fail(const char *file, int line, const char *what);

/* The input, read front to back; past its end every byte reads as 0. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

uint8_t fuzz_u8(struct fuzz_in *f);

/* An exact-size heap copy (1 byte for none), so ASan sees any read past the end. */
void *fuzz_copy(const void *data, size_t size);
/* The same, NUL-terminated, for parsers of text. */
char *fuzz_cstr(const uint8_t *data, size_t size);
bool fuzz_terminated(const char *s, size_t len);

#define FUZZ_CLOCK_START     1700000000000ull
#define FUZZ_CLOCK_SPAN	     100000000000ull /* ~3 years: well inside the wheel's 2^31-tick range */
#define FUZZ_TICK_MS	     100	     /* the engine's timer tick */
#define FUZZ_FLOWS_MAX	     64		     /* the largest table a harness makes */
#define FUZZ_ROUND_TRIPS_MAX 3		     /* export/import round trips per input */

/* What an engine harness keeps besides its own state: the engine, its configuration and clock,
 * and the tally of packets fed and flows live that fuzz_check_engine holds the counters to. */
struct fuzz_engine {
	struct config cfg;
	struct engine *e;
	uint64_t now;
	uint64_t packets;
	int64_t live;	/* NEW events minus DESTROY events (plus what the harness imports) */
	bool in_import; /* set while events would be wrong: engine_import sends none */
	unsigned round_trips;
};

/* The tcp policy from 3 input bits: bit 0 pickup, bit 1 no window check, bit 2 TIME_WAIT
 * shorten (higher bits ignored). */
void fuzz_tcp_policy(struct config *c, unsigned bits);
/* The defaults with a small table and that policy. */
void fuzz_config(struct config *c, uint32_t max_flows, unsigned bits);
/* Reads a step's control byte and advances the clock by its bits 2-6: 2^(n-1) ms (0: none),
 * never beyond FUZZ_CLOCK_SPAN past the start. */
uint8_t fuzz_step(struct fuzz_in *f, struct fuzz_engine *fe);

/* pktbuild's defaults on connection idx: client port 40000 + idx to server port 80, sent by the
 * client (dir 0) or the server (dir 1). */
void fuzz_tuple(struct pktbuild *b, uint8_t family, unsigned idx, unsigned dir);

/* engine_params.on_event with a struct fuzz_engine as event_arg: checks the event, counts it. */
void fuzz_on_event(const struct engine_event *ev, void *arg);
/* Lists every flow matching f in chunks of budget; out may be NULL to only count. */
unsigned fuzz_list_all(const struct engine *e, const struct engine_filter *f,
		       struct engine_flow_info *out, unsigned max, unsigned budget);
/* Counters, a full listing (in chunks of budget), lookups from both sides and the tally in fe
 * must all agree. */
void fuzz_check_engine(const struct fuzz_engine *fe, unsigned budget);
/* Expires until the engine has caught up with the clock. */
void fuzz_expire_all(struct fuzz_engine *fe);
/* Exports every flow in chunks of budget into out (FUZZ_FLOWS_MAX); checks the count against
 * the counters, which it leaves in c. */
unsigned fuzz_export_all(const struct engine *e, unsigned budget, struct engine_flow_record *out,
			 uint64_t now, struct engine_counters *c);
/* A snapshot file of the records, record i on queue i; returns its length. */
size_t fuzz_write_snapshot(uint8_t *buf, uint64_t wall_ms, const struct engine_flow_record *recs,
			   unsigned n);

/* fuzz_sync_proto's fixed keys: the PSK, and the session nonces of the node whose datagrams
 * it opens (peer) and of itself (self). make_seeds seals its seeds with them. */
extern const uint8_t fuzz_sync_psk[CRYPTO_KEY_SIZE];
extern const uint8_t fuzz_sync_peer[CRYPTO_NONCE_SIZE];
extern const uint8_t fuzz_sync_self[CRYPTO_NONCE_SIZE];

#endif
