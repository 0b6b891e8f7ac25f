/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_traffic - engine_bench's traffic, built before any clock is read: packet sets stored
 * header-only, and the churn, est and flood mixes written into them with pktbuild. Nothing
 * here is timed. Failures (no memory, a full set) end the program with status 2.
 */
#ifndef TCPFW_BENCH_TRAFFIC_H
#define TCPFW_BENCH_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#include "../unit/pktbuild.h"

/* Packets as NFQUEUE delivers them with a small copy range: headers, and the wire length. */
struct pktset {
	uint8_t *bytes; /* n records of `stride` bytes: the headers of each packet */
	uint16_t *cap;	/* cap_len of each */
	uint16_t *len;	/* pkt_len of each */
	size_t n, max, stride;
};

/* Prints "engine_bench: what" and exits 2. */
__attribute__((noreturn)) void die(const char *what);

/* calloc() or die. */
void *xcalloc(size_t n, size_t size);

/* Room for max packets of family (4 or 6); pktset_free() releases it. */
void pktset_init(struct pktset *s, size_t max, uint8_t family);
void pktset_free(struct pktset *s);

/* churn: n connections, handshake to close, a bounded number in flight at once. */
void gen_churn(struct pktset *s, uint8_t family, uint32_t n);

/* est: n flows set up into *setup, then rounds of data both ways into *data, each round in a
 * fresh random order. */
void gen_est(struct pktset *setup, struct pktset *data, uint8_t family, uint32_t n,
	     unsigned rounds);

/* flood: n spoofed SYNs. */
void gen_flood(struct pktset *s, uint32_t n);

#endif /* TCPFW_BENCH_TRAFFIC_H */
