// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define TAP_SLOTS 4096 /* power of two: about 40 ms of a busy queue between two pumps */

struct tap {
	uint16_t queue;
	size_t snaplen;
	size_t stride; /* bytes per slot, 8-aligned */
	unsigned n_filters;
	struct tap_filter filters[TAP_MAX_FILTERS];
	atomic_uint_fast64_t head; /* next slot to write */
	atomic_uint_fast64_t tail; /* next slot to read */
	atomic_uint_fast64_t lost;
	uint8_t *slots;
};

struct tap *tap_new(uint16_t queue, size_t snaplen)
{
	struct tap *tap = calloc(1, sizeof(*tap));

	if (!tap)
		return NULL;
	tap->queue = queue;
	tap->snaplen = snaplen;
	tap->stride = (sizeof(struct tap_record) + snaplen + 7) & ~(size_t)7;
	tap->slots = calloc(TAP_SLOTS, tap->stride);
	if (!tap->slots) {
		free(tap);
		return NULL;
	}
	return tap;
}

void tap_free(struct tap *tap)
{
	if (!tap)
		return;
	free(tap->slots);
	free(tap);
}

size_t tap_snaplen(const struct tap *tap)
{
	return tap->snaplen;
}

void tap_set_filters(struct tap *tap, const struct tap_filter *filters, unsigned n)
{
	if (n > TAP_MAX_FILTERS)
		n = TAP_MAX_FILTERS;
	memcpy(tap->filters, filters, n * sizeof(*filters));
	tap->n_filters = n;
}

bool tap_filter_match(const struct tap_filter *f, const struct engine_trace *t)
{
	if (f->drops && t->res.verdict != ENGINE_DROP)
		return false;
	if (f->reasons && !(f->reasons & (UINT64_C(1) << t->res.reason)))
		return false;
	return engine_filter_match(&f->flow, &t->flow);
}

static struct tap_record *slot(struct tap *tap, uint64_t i)
{
	return (struct tap_record *)(tap->slots + (i & (TAP_SLOTS - 1)) * tap->stride);
}

void tap_packet(struct tap *tap, const struct engine_trace *t, uint64_t now_ms)
{
	unsigned i = 0;

	while (i < tap->n_filters && !tap_filter_match(&tap->filters[i], t))
		i++;
	if (i == tap->n_filters)
		return;
	uint64_t head = atomic_load_explicit(&tap->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&tap->tail, memory_order_acquire);
	if (head - tail >= TAP_SLOTS) {
		atomic_fetch_add_explicit(&tap->lost, 1, memory_order_relaxed);
		return;
	}
	struct tap_record *r = slot(tap, head);
	size_t alen = t->seg.family == 4 ? 4 : 16;

	r->t = *t;
	r->t.buf = NULL;
	r->t.seg.saddr = r->t.seg.daddr = NULL;
	memset(r->saddr, 0, sizeof(r->saddr));
	memset(r->daddr, 0, sizeof(r->daddr));
	if (t->has_segment) {
		memcpy(r->saddr, t->seg.saddr, alen);
		memcpy(r->daddr, t->seg.daddr, alen);
	}
	r->time_ms = now_ms;
	r->queue = tap->queue;
	r->cap_len = (uint16_t)(t->cap_len < tap->snaplen ? t->cap_len : tap->snaplen);
	memcpy(r->bytes, t->buf, r->cap_len);
	atomic_store_explicit(&tap->head, head + 1, memory_order_release);
}

const struct tap_record *tap_peek(struct tap *tap)
{
	uint64_t tail = atomic_load_explicit(&tap->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&tap->head, memory_order_acquire);

	return tail == head ? NULL : slot(tap, tail);
}

void tap_next(struct tap *tap)
{
	atomic_fetch_add_explicit(&tap->tail, 1, memory_order_release);
}

uint64_t tap_take_lost(struct tap *tap)
{
	return atomic_exchange(&tap->lost, 0);
}
