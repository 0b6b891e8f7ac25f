/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fastpath_map - the memory tcpfwd and the in-kernel fast path (bpf/fastpath.bpf.c) share: the
 * layouts of their BPF maps and the protocol by which a flow passes between them. Types only;
 * both compilers read it.
 *
 * Maps. `fastpath_flows` (hash) maps each direction of a handed-over flow, as its packets carry
 * the tuple, to a slot and a direction. `fastpath_slots` (array, mmap'd by tcpfwd) holds one
 * flow per slot. `fastpath_stats` (per-CPU array) counts what the program did.
 *
 * Ownership. A slot's `own` word says who may change the flow: FASTPATH_USER (tcpfwd) or
 * FASTPATH_FAST (the program), and FASTPATH_BUSY while one side works on it. Either side sets
 * BUSY with a compare-and-swap and clears it with a store; the program never waits long for it
 * (a bounded spin, after which the packet goes to the queue uncounted). So:
 *  - the program judges a segment only while it holds a FAST slot, and every change it makes
 *    is complete before the slot is released;
 *  - a segment the program will not judge returns the flow: the program sets the slot to USER
 *    as it releases it, so every later segment goes to the queue too, in arrival order, and
 *    tcpfwd finds in the slot exactly the state that segment met;
 *  - `inflight` counts segments of the flow the program sent to the queue (under the lock);
 *    tcpfwd counts them off as it judges them, and hands the flow (back) over only when none
 *    is left: the program never judges a segment ahead of one still in the queue;
 *  - tcpfwd reads a FAST flow (for its snapshot, its crash-safe table and its peer) under the
 *    same lock, so it never sees half a change.
 */
#ifndef TCPFW_FASTPATH_MAP_H
#define TCPFW_FASTPATH_MAP_H

#include <stdint.h>

#include "tcp_fast.h"
#include "tcp_track.h"

#define FASTPATH_USER 0u
#define FASTPATH_FAST 1u
#define FASTPATH_BUSY 2u

#define FASTPATH_SPIN 256 /* the program's tries for a busy slot before it defers */

/* One direction of a flow as its packets carry it: addresses and ports in network order. */
struct fastpath_key {
	uint8_t family; /* 4 or 6 */
	uint8_t pad[3];
	uint16_t sport;
	uint16_t dport;
	uint8_t saddr[16]; /* IPv4: the first 4 bytes, the rest zero */
	uint8_t daddr[16];
};

struct fastpath_ref {
	uint32_t slot;
	uint32_t dir; /* enum tcp_track_dir of packets with this key */
};

struct fastpath_slot {
	uint32_t own;	   /* FASTPATH_USER or FASTPATH_FAST, | FASTPATH_BUSY */
	uint32_t inflight; /* segments sent to the queue that tcpfwd has not judged yet */
	uint32_t gen;	   /* bumped by every segment the program accepts */
	uint8_t tclass;	   /* enum tcp_track_timeout after the last one */
	uint8_t pad[3];
	struct tcp_fast_params params;
	uint8_t pad2[6];
	uint64_t last_ns;    /* CLOCK_MONOTONIC of the last segment the program accepted */
	uint64_t packets[2]; /* accepted by the program, by direction, since the handover */
	uint64_t bytes[2];   /* their IP lengths */
	struct tcp_track track;
};

/* Counters of fastpath_stats, per CPU. */
enum fastpath_stat {
	FASTPATH_STAT_ACCEPT = 0, /* and TCP_FAST_FLAGS .. TCP_FAST_WINDOW: returns, by reason */
	FASTPATH_STAT_QUEUED = _TCP_FAST_RESULT_MAX, /* of a flow tcpfwd holds: to the queue */
	FASTPATH_STAT_BUSY,			     /* the slot stayed busy: to the queue */
	FASTPATH_STAT_CSUM,			     /* checksum unverified or bad: to the queue */
	FASTPATH_STAT_PARSE,			     /* not a segment the program parses */
	_FASTPATH_STAT_MAX
};

/* Program settings, written by tcpfwd into the object's read-only data before loading. */
struct fastpath_conf {
	uint32_t mark; /* bits OR'ed into skb->mark of an accepted packet */
};

#endif /* TCPFW_FASTPATH_MAP_H */
