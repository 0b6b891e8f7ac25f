/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tap - the packets a worker traces for `tcpfwctl trace` and `capture`, on their way to the
 * control thread.
 *
 * The worker's thread tests each judged packet against the tracers' filters and copies a match,
 * with the first snaplen bytes of the packet, into a ring of fixed slots; the control thread
 * reads them from there. One producer, one consumer, no lock. A full ring loses the copy and
 * counts it: tracing may lose trace lines, never delay or drop a packet.
 */
#ifndef TCPFW_TAP_H
#define TCPFW_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define TAP_MAX_FILTERS 8 /* tracers at a time, all queues */

struct tap_filter {
	struct engine_filter flow; /* matched against the packet's flow (engine_trace.flow) */
	bool drops;		   /* dropped packets only */
	uint64_t reasons;	   /* bit (1 << enum reason): only these; 0 = any */
};

/* One traced packet. t's pointers are cleared: the addresses and bytes are copied here. */
struct tap_record {
	struct engine_trace t;
	uint8_t saddr[16]; /* the segment's, as it travelled (t.has_segment) */
	uint8_t daddr[16];
	uint64_t time_ms;
	uint16_t queue;
	uint16_t cap_len; /* bytes of the packet in `bytes`: min(t.cap_len, snaplen) */
	uint8_t bytes[];
};

struct tap;

/* A tap for `queue` keeping up to snaplen bytes of each packet. NULL when out of memory. */
struct tap *tap_new(uint16_t queue, size_t snaplen);
void tap_free(struct tap *tap);

size_t tap_snaplen(const struct tap *tap);

/* Worker thread: replaces the filters (n may be 0). Only the thread that calls tap_packet(). */
void tap_set_filters(struct tap *tap, const struct tap_filter *filters, unsigned n);

/* Worker thread: copies t into the ring when it matches a filter. */
void tap_packet(struct tap *tap, const struct engine_trace *t, uint64_t now_ms);

/* Control thread: the oldest record not yet consumed, or NULL; tap_next() releases it. */
const struct tap_record *tap_peek(struct tap *tap);
void tap_next(struct tap *tap);

/* Control thread: records the ring had no room for since the last call. */
uint64_t tap_take_lost(struct tap *tap);

/* True when the filter takes the packet t describes. */
bool tap_filter_match(const struct tap_filter *f, const struct engine_trace *t);

#endif /* TCPFW_TAP_H */
