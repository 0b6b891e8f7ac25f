// SPDX-License-Identifier: GPL-2.0-or-later
#include "sync_link.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seq.h"

/*
 * Seq arithmetic that skips 0 at the wrap. Both books look at most SYNC_LINK_MAX_SLOTS seqs
 * past their base, far less than 2^31, so seq.h orders every pair they compare.
 */
static uint32_t sl_next(uint32_t s)
{
	return s + 1 ? s + 1 : 1;
}

/* How many seqs from base up to s (0 for s == base), or UINT32_MAX when s is 0 or before base. */
static uint32_t sl_steps(uint32_t base, uint32_t s)
{
	if (!s || seq_lt(s, base))
		return UINT32_MAX;
	/* [base, s) crossed the wrap, where 0 is skipped */
	return s - base - (s < base);
}

/* The seq n steps after base (n < 2^31). */
static uint32_t sl_add(uint32_t base, uint32_t n)
{
	uint32_t s = base + n;

	return s < base || !s ? s + 1 : s;
}

/* The store both books keep: n slots, each with room for max_len bytes, allocated once. */
struct sl_slot {
	uint64_t push_ms; /* the sender's times */
	uint64_t sent_ms;
	uint32_t seq; /* receiver: 0 when empty */
	uint32_t len;
};

struct sl_store {
	struct sl_slot *slots;
	uint8_t *data;
	size_t max_len;
	unsigned n;
};

static int sl_store_init(struct sl_store *st, unsigned n, size_t max_len)
{
	/* lengths are kept in 32 bits */
	if (n < 1 || n > SYNC_LINK_MAX_SLOTS || max_len > UINT32_MAX ||
	    (max_len && n >= SIZE_MAX / max_len))
		return -EINVAL;
	st->slots = calloc(n, sizeof(*st->slots));
	/* one spare byte: a max_len of 0 still gets a buffer to point at */
	st->data = malloc((size_t)n * max_len + 1);
	if (!st->slots || !st->data) {
		free(st->slots);
		free(st->data);
		return -ENOMEM;
	}
	st->n = n;
	st->max_len = max_len;
	return 0;
}

static void sl_store_fini(struct sl_store *st)
{
	free(st->slots);
	free(st->data);
}

static uint8_t *sl_store_data(const struct sl_store *st, const struct sl_slot *s)
{
	return st->data + (size_t)(s - st->slots) * st->max_len;
}

/* Keeps a copy of len (<= max_len) bytes under seq in slot s. */
static void sl_store_put(struct sl_store *st, struct sl_slot *s, uint32_t seq,
			 const uint8_t *payload, size_t len)
{
	s->seq = seq;
	s->len = (uint32_t)len;
	if (len)
		memcpy(sl_store_data(st, s), payload, len);
}

/* ---- sender ---- */

struct sync_tx {
	struct sl_store st;
	unsigned head; /* slot of the oldest unacked */
	unsigned inflight;
	uint32_t head_seq; /* the oldest unacked, or next_seq when none */
	uint32_t next_seq;
};

int sync_tx_new(unsigned capacity, size_t max_len, struct sync_tx **ret)
{
	struct sync_tx *t;
	int r;

	if (!ret)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	r = sl_store_init(&t->st, capacity, max_len);
	if (r < 0) {
		free(t);
		return r;
	}
	sync_tx_reset(t, 1);
	*ret = t;
	return 0;
}

void sync_tx_free(struct sync_tx *t)
{
	if (!t)
		return;
	sl_store_fini(&t->st);
	free(t);
}

void sync_tx_reset(struct sync_tx *t, uint32_t first_seq)
{
	t->head = 0;
	t->inflight = 0;
	t->head_seq = t->next_seq = first_seq ? first_seq : 1;
}

uint32_t sync_tx_next_seq(const struct sync_tx *t)
{
	return t->next_seq;
}

unsigned sync_tx_inflight(const struct sync_tx *t)
{
	return t->inflight;
}

unsigned sync_tx_room(const struct sync_tx *t)
{
	return t->st.n - t->inflight;
}

static struct sl_slot *tx_slot(const struct sync_tx *t, unsigned i)
{
	return &t->st.slots[(t->head + i) % t->st.n];
}

/* The slot holding seq, or NULL. */
static struct sl_slot *tx_find(const struct sync_tx *t, uint32_t seq)
{
	uint32_t i = sl_steps(t->head_seq, seq);

	return i < t->inflight ? tx_slot(t, i) : NULL;
}

uint32_t sync_tx_push(struct sync_tx *t, const uint8_t *payload, size_t len, uint64_t now_ms)
{
	struct sl_slot *s;

	if (t->inflight == t->st.n || len > t->st.max_len)
		return 0;
	s = tx_slot(t, t->inflight++);
	sl_store_put(&t->st, s, t->next_seq, payload, len);
	s->push_ms = s->sent_ms = now_ms;
	t->next_seq = sl_next(t->next_seq);
	return s->seq;
}

unsigned sync_tx_ack(struct sync_tx *t, uint32_t next, uint64_t now_ms, uint64_t *lag_ms)
{
	uint32_t n = sl_steps(t->head_seq, next);
	const struct sl_slot *newest;

	if (n < 1 || n > t->inflight)
		return 0;
	newest = tx_slot(t, n - 1);
	if (lag_ms)
		*lag_ms = now_ms > newest->push_ms ? now_ms - newest->push_ms : 0;
	t->head = (t->head + n) % t->st.n;
	t->inflight -= n;
	t->head_seq = next;
	return n;
}

const uint8_t *sync_tx_get(const struct sync_tx *t, uint32_t seq, size_t *len)
{
	const struct sl_slot *s = tx_find(t, seq);

	if (!s)
		return NULL;
	if (len)
		*len = s->len;
	return sl_store_data(&t->st, s);
}

void sync_tx_sent(struct sync_tx *t, uint32_t seq, uint64_t now_ms)
{
	struct sl_slot *s = tx_find(t, seq);

	if (s)
		s->sent_ms = now_ms;
}

unsigned sync_tx_due(const struct sync_tx *t, uint64_t now_ms, uint64_t rto_ms, uint32_t *out,
		     unsigned max)
{
	unsigned n = 0;

	/* a retransmission restarts one seq's clock, so the due ones need not be a prefix */
	for (unsigned i = 0; i < t->inflight && n < max; i++) {
		const struct sl_slot *s = tx_slot(t, i);

		if (now_ms >= s->sent_ms && now_ms - s->sent_ms >= rto_ms)
			out[n++] = s->seq;
	}
	return n;
}

uint64_t sync_tx_age_ms(const struct sync_tx *t, uint64_t now_ms)
{
	const struct sl_slot *s = tx_slot(t, 0);

	return t->inflight && now_ms > s->push_ms ? now_ms - s->push_ms : 0;
}

/* ---- receiver ---- */

/*
 * Slot (base + k) % window holds seq expected + k when that seq is buffered, k from 1 to
 * window. k = 0 is the slot of k = window: after a DELIVER it may hold the successor now
 * expected, until sync_rx_pop() takes it, and meanwhile has no room for expected + window.
 */
struct sync_rx {
	struct sl_store st; /* st.n is the window */
	unsigned base;	    /* slot of the expected seq */
	unsigned buffered;  /* slots not empty */
	uint32_t expected;
	uint32_t tail; /* the sender's noted next seq, never before expected */
};

int sync_rx_new(unsigned window, size_t max_len, struct sync_rx **ret)
{
	struct sync_rx *r;
	int err;

	if (!ret)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = sl_store_init(&r->st, window, max_len);
	if (err < 0) {
		free(r);
		return err;
	}
	sync_rx_reset(r, 1);
	*ret = r;
	return 0;
}

void sync_rx_free(struct sync_rx *r)
{
	if (!r)
		return;
	sl_store_fini(&r->st);
	free(r);
}

void sync_rx_reset(struct sync_rx *r, uint32_t first_seq)
{
	memset(r->st.slots, 0, (size_t)r->st.n * sizeof(*r->st.slots));
	r->base = 0;
	r->buffered = 0;
	r->expected = r->tail = first_seq ? first_seq : 1;
}

static struct sl_slot *rx_slot(const struct sync_rx *r, uint32_t k)
{
	return &r->st.slots[(r->base + k) % r->st.n];
}

static void rx_advance(struct sync_rx *r)
{
	r->base = (r->base + 1) % r->st.n;
	r->expected = sl_next(r->expected);
	if (seq_lt(r->tail, r->expected))
		r->tail = r->expected;
}

enum sync_rx_result sync_rx_offer(struct sync_rx *r, uint32_t seq, const uint8_t *payload,
				  size_t len)
{
	uint32_t k = sl_steps(r->expected, seq);
	struct sl_slot *s;

	if (!seq)
		return SYNC_RX_BEYOND;
	if (k == UINT32_MAX)
		return SYNC_RX_DUPLICATE; /* before the expected seq: delivered already */
	if (k > r->st.n)
		return SYNC_RX_BEYOND;
	s = rx_slot(r, k);
	if (s->seq == seq)
		return SYNC_RX_DUPLICATE;
	if (k == 0) {
		rx_advance(r);
		return SYNC_RX_DELIVER;
	}
	/* k == window while the k = 0 slot still waits for its pop: no room for it */
	if (s->seq || len > r->st.max_len)
		return SYNC_RX_BEYOND;
	sl_store_put(&r->st, s, seq, payload, len);
	r->buffered++;
	return SYNC_RX_BUFFERED;
}

const uint8_t *sync_rx_pop(struct sync_rx *r, size_t *len)
{
	struct sl_slot *s = rx_slot(r, 0);

	if (s->seq != r->expected)
		return NULL;
	s->seq = 0;
	r->buffered--;
	rx_advance(r);
	if (len)
		*len = s->len;
	/* the slot is free now, but only a later offer writes to it */
	return sl_store_data(&r->st, s);
}

uint32_t sync_rx_next(const struct sync_rx *r)
{
	return r->expected;
}

void sync_rx_note_tail(struct sync_rx *r, uint32_t sender_next)
{
	if (sender_next && seq_gt(sender_next, r->tail))
		r->tail = sender_next;
}

bool sync_rx_gap(const struct sync_rx *r, uint32_t *from, uint32_t *to)
{
	uint32_t k = 0, end = r->st.n + 1;

	if (r->buffered) {
		/* a slot still waiting for its pop is not missing */
		while (k <= r->st.n && rx_slot(r, k)->seq == sl_add(r->expected, k))
			k++;
		if (k > r->st.n)
			return false;
		end = k + 1;
		while (end <= r->st.n && rx_slot(r, end)->seq != sl_add(r->expected, end))
			end++;
	}
	if (end > r->st.n) {
		/* nothing buffered after the hole: it reaches to the sender's tail, if that is
		 * later */
		uint32_t t = sl_steps(r->expected, r->tail);

		if (t <= k)
			return false;
		end = t < r->st.n + 1 ? t : r->st.n + 1;
	}
	*from = sl_add(r->expected, k);
	*to = sl_add(r->expected, end - 1);
	return true;
}
