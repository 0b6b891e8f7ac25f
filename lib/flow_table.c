// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Layout: the pool is one zeroed allocation of max_flows entries of `stride` bytes, a 48-byte
 * header then the value. Entries are handed out in id order up to the `fresh` high-water mark and
 * recycled through a LIFO free list threaded through `next`, so the pool is never walked at
 * startup and calloc's untouched pages stay unbacked until flows arrive. Each bucket holds the id
 * of its chain head. The cached hash in each entry skips almost every 40-byte key compare.
 */
#include "flow_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "util.h"

#define FLOW_TABLE_POOL_ALIGN 64 /* cache line: a 128-byte stride then spans exactly two */

/* One pool slot; value_size bytes of caller data follow it, 8-byte aligned. */
struct flow_table_entry {
	struct flow_key key;
	uint32_t next; /* chain link when used, free-list link when free */
	uint32_t hash; /* flow_table_hash() of key when used */
};

_Static_assert(sizeof(struct flow_table_entry) == 48, "entry header is 48 bytes");
_Static_assert(sizeof(struct flow_key) == 5 * sizeof(uint64_t),
	       "flow_table_key_equal compares 5 words");
_Static_assert(sizeof(struct flow_table_entry) % 8 == 0, "value must stay 8-byte aligned");
_Static_assert(crypto_shorthash_KEYBYTES == 16, "flow_table_params.hash_key is 16 bytes");
_Static_assert(crypto_shorthash_BYTES == 8, "SipHash-2-4 yields 64 bits");

struct flow_table {
	uint8_t *pool;	   /* FLOW_TABLE_POOL_ALIGN-aligned, inside pool_mem */
	uint32_t *buckets; /* bucket_mask + 1 chain heads */
	size_t stride;	   /* header + value_size rounded up to 8 */
	uint32_t bucket_mask;
	uint32_t max_flows;
	uint32_t fresh;	    /* ids >= fresh have never been used */
	uint32_t free_head; /* LIFO of removed ids */
	uint32_t count;
	uint32_t value_size;
	void *pool_mem; /* what calloc returned */
	size_t pool_bytes;
	uint8_t hash_key[16];
};

static inline struct flow_table_entry *flow_table_slot(const struct flow_table *t, uint32_t id)
{
	return (struct flow_table_entry *)(void *)(t->pool + (size_t)id * t->stride);
}

static inline void *flow_table_entry_value(struct flow_table_entry *e)
{
	return e + 1;
}

/* Five 8-byte words instead of a memcmp call: this runs on every lookup hit. */
static inline bool flow_table_key_equal(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t x[5], y[5], d = 0;
	unsigned i;

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	for (i = 0; i < 5; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

unsigned flow_key_make(struct flow_key *k, uint8_t family, const uint8_t *saddr,
		       const uint8_t *daddr, uint16_t sport, uint16_t dport)
{
	size_t alen = family == 6 ? 16 : 4;
	int c = memcmp(saddr, daddr, alen);
	unsigned swap = c > 0 || (c == 0 && sport > dport);

	memset(k, 0, sizeof(*k));
	memcpy(k->addr[swap], saddr, alen);
	memcpy(k->addr[!swap], daddr, alen);
	k->port[swap] = sport;
	k->port[!swap] = dport;
	k->family = family;
	return swap;
}

static int flow_table_sizes(const struct flow_table_params *p, size_t *stride, size_t *pool_bytes,
			    uint32_t *nbuckets)
{
	uint64_t s =
		sizeof(struct flow_table_entry) + (((uint64_t)p->value_size + 7) & ~(uint64_t)7);
	uint32_t want = p->buckets ? p->buckets : p->max_flows;
	uint32_t n = 1;

	if (p->max_flows == 0 || p->max_flows > FLOW_TABLE_MAX_BUCKETS ||
	    want > FLOW_TABLE_MAX_BUCKETS || s > SIZE_MAX)
		return -EINVAL;
	while (n < want)
		n <<= 1;
	if (__builtin_mul_overflow((size_t)s, (size_t)p->max_flows, pool_bytes) ||
	    __builtin_add_overflow(*pool_bytes, (size_t)FLOW_TABLE_POOL_ALIGN - 1, pool_bytes))
		return -EINVAL;
	*stride = s;
	*nbuckets = n;
	return 0;
}

int flow_table_new(const struct flow_table_params *p, struct flow_table **ret)
{
	struct flow_table *t;
	size_t stride, pool_bytes;
	uint32_t nbuckets, i;
	int err;

	if (!p || !ret)
		return -EINVAL;
	err = flow_table_sizes(p, &stride, &pool_bytes, &nbuckets);
	if (err)
		return err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	/* calloc, not memset: a large zeroed block comes from mmap and costs nothing until used. */
	t->pool_mem = calloc(1, pool_bytes);
	t->buckets = malloc((size_t)nbuckets * sizeof(*t->buckets));
	if (!t->pool_mem || !t->buckets) {
		flow_table_free(t);
		return -ENOMEM;
	}
	for (i = 0; i < nbuckets; i++)
		t->buckets[i] = FLOW_TABLE_NONE;

	t->pool = (uint8_t *)(((uintptr_t)t->pool_mem + FLOW_TABLE_POOL_ALIGN - 1) &
			      ~(uintptr_t)(FLOW_TABLE_POOL_ALIGN - 1));
	t->pool_bytes = pool_bytes;
	t->stride = stride;
	t->bucket_mask = nbuckets - 1;
	t->max_flows = p->max_flows;
	t->fresh = 0;
	t->free_head = FLOW_TABLE_NONE;
	t->count = 0;
	t->value_size = p->value_size;
	memcpy(t->hash_key, p->hash_key, sizeof(t->hash_key));
	*ret = t;
	return 0;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	free(t->pool_mem);
	free(t->buckets);
	free(t);
}

uint32_t flow_table_hash(const struct flow_table *t, const struct flow_key *k)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h = 0;
	unsigned i;

	/* SipHash-2-4 is plain C in libsodium: it needs no sodium_init() and touches no state. */
	crypto_shorthash(out, (const unsigned char *)k, sizeof(*k), t->hash_key);
	for (i = 0; i < sizeof(out); i++)
		h |= (uint64_t)out[i] << (8 * i);
	return (uint32_t)h ^ (uint32_t)(h >> 32);
}

uint32_t flow_table_lookup(const struct flow_table *t, const struct flow_key *k, uint32_t hash)
{
	uint32_t id = t->buckets[hash & t->bucket_mask];

	while (id != FLOW_TABLE_NONE) {
		const struct flow_table_entry *e = flow_table_slot(t, id);

		if (e->hash == hash && flow_table_key_equal(&e->key, k))
			return id;
		id = e->next;
	}
	return FLOW_TABLE_NONE;
}

void flow_table_prefetch_bucket(const struct flow_table *t, uint32_t hash)
{
	__builtin_prefetch(&t->buckets[hash & t->bucket_mask]);
}

void flow_table_prefetch_entry(const struct flow_table *t, uint32_t hash)
{
	uint32_t id = t->buckets[hash & t->bucket_mask];

	if (id != FLOW_TABLE_NONE)
		__builtin_prefetch(flow_table_slot(t, id));
}

uint32_t flow_table_insert(struct flow_table *t, const struct flow_key *k, uint32_t hash)
{
	struct flow_table_entry *e;
	uint32_t *head;
	uint32_t id;

	if (unlikely(k->family == 0))
		return FLOW_TABLE_NONE;
	if (t->free_head != FLOW_TABLE_NONE) {
		id = t->free_head;
		e = flow_table_slot(t, id);
		t->free_head = e->next;
	} else if (t->fresh < t->max_flows) {
		id = t->fresh++;
		e = flow_table_slot(t, id);
	} else {
		return FLOW_TABLE_NONE;
	}

	e->key = *k;
	e->hash = hash;
	head = &t->buckets[hash & t->bucket_mask];
	e->next = *head;
	*head = id;
	memset(flow_table_entry_value(e), 0, t->value_size);
	t->count++;
	return id;
}

void flow_table_remove(struct flow_table *t, uint32_t id)
{
	struct flow_table_entry *e;
	uint32_t *link;

	/* A precondition, but a double remove must not corrupt the free list. */
	if (unlikely(!flow_table_is_used(t, id)))
		return;
	e = flow_table_slot(t, id);
	link = &t->buckets[e->hash & t->bucket_mask];
	while (*link != id && *link != FLOW_TABLE_NONE)
		link = &flow_table_slot(t, *link)->next;
	if (*link == id)
		*link = e->next;

	memset(&e->key, 0, sizeof(e->key));
	e->hash = 0;
	e->next = t->free_head;
	t->free_head = id;
	t->count--;
}

void *flow_table_value(struct flow_table *t, uint32_t id)
{
	return flow_table_entry_value(flow_table_slot(t, id));
}

const void *flow_table_value_const(const struct flow_table *t, uint32_t id)
{
	return flow_table_entry_value(flow_table_slot(t, id));
}

const struct flow_key *flow_table_key(const struct flow_table *t, uint32_t id)
{
	return &flow_table_slot(t, id)->key;
}

bool flow_table_is_used(const struct flow_table *t, uint32_t id)
{
	return id < t->fresh && flow_table_slot(t, id)->key.family != 0;
}

uint32_t flow_table_count(const struct flow_table *t)
{
	return t->count;
}

uint32_t flow_table_capacity(const struct flow_table *t)
{
	return t->max_flows;
}

uint32_t flow_table_next(const struct flow_table *t, uint32_t from)
{
	uint32_t id;

	for (id = from; id < t->fresh; id++) {
		if (flow_table_slot(t, id)->key.family != 0)
			return id;
	}
	return FLOW_TABLE_NONE;
}

uint32_t flow_table_find_victim(const struct flow_table *t, uint32_t hash,
				flow_table_score_fn *score, void *arg)
{
	uint32_t nbuckets = FLOW_TABLE_EVICT_BUCKETS;
	uint32_t best = FLOW_TABLE_NONE;
	unsigned best_score = 0;
	uint32_t i, id;

	/* Like the kernel's early_drop() over NF_CT_EVICTION_RANGE, but never a bucket twice. */
	if (t->bucket_mask < nbuckets - 1)
		nbuckets = t->bucket_mask + 1;
	for (i = 0; i < nbuckets; i++) {
		id = t->buckets[(hash + i) & t->bucket_mask];
		while (id != FLOW_TABLE_NONE) {
			struct flow_table_entry *e = flow_table_slot(t, id);
			unsigned s = score(flow_table_entry_value(e), arg);

			if (s > best_score) {
				best_score = s;
				best = id;
			}
			id = e->next;
		}
	}
	return best;
}

size_t flow_table_memory(const struct flow_table *t)
{
	return sizeof(*t) + t->pool_bytes + ((size_t)t->bucket_mask + 1) * sizeof(*t->buckets);
}
