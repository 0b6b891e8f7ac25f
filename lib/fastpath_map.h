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

/* Takes the slot's lock for the program; returns the owner it held, or -1 if it stayed busy. */
TCP_RULES_INLINE int fastpath_slot_trylock(struct fastpath_slot *slot)
{
	for (int i = 0; i < FASTPATH_SPIN; i++) {
		uint32_t o = *(volatile uint32_t *)&slot->own;

		if (o & FASTPATH_BUSY)
			continue;
		if (__sync_val_compare_and_swap(&slot->own, o, o | FASTPATH_BUSY) == o)
			return (int)o;
	}
	return -1;
}

/*
 * The program's work on one segment of the flow in `slot`, travelling in dir, whose checksum
 * it could (sum_ok) or could not trust: judges it if the program holds the flow, else queues
 * it counted, as the protocol above says. Returns FASTPATH_STAT_ACCEPT or the stat that says
 * why it went to the queue. The BPF program runs it in the kernel, the engine's tests in C.
 */
TCP_RULES_INLINE uint32_t fastpath_slot_segment(struct fastpath_slot *slot, const struct packet *p,
						uint8_t dir, bool sum_ok, uint64_t now_ns)
{
	int owner = fastpath_slot_trylock(slot);

	if (owner < 0)
		return FASTPATH_STAT_BUSY;
	uint32_t r = FASTPATH_STAT_QUEUED;

	if (owner == FASTPATH_FAST) {
		struct tcp_fast_params params = slot->params;

		/* a sum it cannot trust leaves the segment, and so the flow, to tcpfwd */
		r = sum_ok ? (uint32_t)tcp_fast_judge(&slot->track, p, dir, &params)
			   : FASTPATH_STAT_CSUM;
		if (r == TCP_FAST_ACCEPT) {
			slot->gen++;
			slot->tclass = tcp_fast_timeout(&slot->track, &params);
			slot->last_ns = now_ns;
			slot->packets[dir & 1]++;
			slot->bytes[dir & 1] += p->ip_len;
			__sync_lock_test_and_set(&slot->own, FASTPATH_FAST); /* a full barrier */
			return FASTPATH_STAT_ACCEPT;
		}
	}
	/* the segment goes to the queue, and the flow back to tcpfwd with it */
	slot->inflight++;
	__sync_lock_test_and_set(&slot->own, FASTPATH_USER);
	return r;
}

#endif /* TCPFW_FASTPATH_MAP_H */
