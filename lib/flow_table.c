// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Layout: the pool is one zeroed allocation of max_flows entries of `stride` bytes, a 44-byte
 * header (key, chain link) then the value. Entries are handed out in id order up to the `fresh`
 * high-water mark and recycled through a LIFO free list threaded through `next`, so the pool is
 * never walked at startup and calloc's untouched pages stay unbacked until flows arrive. Each
 * bucket holds the id of its chain head. No hash is stored: a chain is short, a key compare is
 * five words in the line the link is in anyway, and four bytes per flow are worth more; remove
 * recomputes the hash.
 */
#include "flow_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "region.h"
#include "util.h"

/* One pool slot; value_size bytes of caller data follow it, 4-byte aligned. */
struct flow_table_entry {
	struct flow_key key;
	uint32_t next; /* chain link when used, free-list link when free */
};

_Static_assert(sizeof(struct flow_table_entry) == FLOW_TABLE_HEADER_SIZE, "entry header size");
_Static_assert(sizeof(struct flow_key) == 5 * sizeof(uint64_t),
	       "flow_table_key_equal compares 5 words");
_Static_assert(sizeof(struct flow_table_entry) % 4 == 0, "value must stay 4-byte aligned");
_Static_assert(sizeof(((struct flow_table_params *)0)->hash_key) == 16,
	       "flow_table_params.hash_key is crypto_hash64's key");

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
	struct region pool_mem; /* empty when the caller owns the pool */
	struct region bucket_mem;
	size_t pool_bytes;
	uint32_t victim;	/* the last victim found, or NONE ... */
	uint32_t victim_bucket; /* ... and its bucket: removing it needs no hash */
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

static inline uint64_t load64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Five 8-byte words instead of a memcmp call: this runs on every lookup hit. */
static inline bool flow_table_key_equal(const struct flow_key *a, const struct flow_key *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;

	return ((load64(x) ^ load64(y)) | (load64(x + 8) ^ load64(y + 8)) |
		(load64(x + 16) ^ load64(y + 16)) | (load64(x + 24) ^ load64(y + 24)) |
		(load64(x + 32) ^ load64(y + 32))) == 0;
}

static inline uint64_t load_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

static inline uint32_t load_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

/* memcmp() of two addresses, as a sign, without the call: big-endian words compare as bytes. */
static inline int addr_cmp(uint8_t family, const uint8_t *a, const uint8_t *b)
{
	if (family != 6) {
		uint32_t x = load_be32(a), y = load_be32(b);

		return (x > y) - (x < y);
	}
	uint64_t x = load_be64(a), y = load_be64(b);

	if (x == y) {
		x = load_be64(a + 8);
		y = load_be64(b + 8);
	}
	return (x > y) - (x < y);
}

/*
 * Frees a key in a pool that may outlive the process: the family byte (one store) goes first,
 * so a process killed in the middle leaves a free entry, never a half-cleared key in use.
 */
static inline void key_clear(struct flow_key *k)
{
	k->family = 0;
	compiler_barrier();
	memset(k, 0, sizeof(*k));
}

unsigned flow_key_make(struct flow_key *k, uint8_t family, const uint8_t *saddr,
		       const uint8_t *daddr, uint16_t sport, uint16_t dport)
{
	int c = addr_cmp(family, saddr, daddr);
	unsigned swap = c > 0 || (c == 0 && sport > dport);
	const uint8_t *lo = swap ? daddr : saddr, *hi = swap ? saddr : daddr;

	/* constant sizes: a few stores, not a memset and two variable-length memcpy calls */
	memset(k, 0, sizeof(*k));
	if (family == 6) {
		memcpy(k->addr[0], lo, 16);
		memcpy(k->addr[1], hi, 16);
	} else {
		memcpy(k->addr[0], lo, 4);
		memcpy(k->addr[1], hi, 4);
	}
	k->port[0] = swap ? dport : sport;
	k->port[1] = swap ? sport : dport;
	k->family = family;
	return swap;
}

static int flow_table_sizes(const struct flow_table_params *p, size_t *stride, size_t *pool_bytes,
			    uint32_t *nbuckets)
{
	uint64_t s =
		sizeof(struct flow_table_entry) + (((uint64_t)p->value_size + 3) & ~(uint64_t)3);
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

size_t flow_table_pool_size(const struct flow_table_params *p)
{
	size_t stride, pool_bytes;
	uint32_t nbuckets;

	if (flow_table_sizes(p, &stride, &pool_bytes, &nbuckets))
		return 0;
	return pool_bytes - (FLOW_TABLE_POOL_ALIGN - 1); /* a caller's pool comes aligned */
}

int flow_table_new(const struct flow_table_params *p, struct flow_table **ret)
{
	struct flow_table *t;
	size_t stride, pool_bytes;
	uint32_t nbuckets, i;
	int err;

	if (!p || !ret || ((uintptr_t)p->pool % FLOW_TABLE_POOL_ALIGN))
		return -EINVAL;
	err = flow_table_sizes(p, &stride, &pool_bytes, &nbuckets);
	if (err)
		return err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	/* zeroed, not memset: a large block costs nothing until used */
	uint8_t *pool = p->pool ? p->pool : region_alloc(&t->pool_mem, pool_bytes);
	t->buckets = region_alloc(&t->bucket_mem, (size_t)nbuckets * sizeof(*t->buckets));
	if (!pool || !t->buckets) {
		flow_table_free(t);
		return -ENOMEM;
	}
	for (i = 0; i < nbuckets; i++)
		t->buckets[i] = FLOW_TABLE_NONE;

	t->pool = (uint8_t *)(((uintptr_t)pool + FLOW_TABLE_POOL_ALIGN - 1) &
			      ~(uintptr_t)(FLOW_TABLE_POOL_ALIGN - 1));
	t->pool_bytes = pool_bytes;
	t->stride = stride;
	t->bucket_mask = nbuckets - 1;
	t->max_flows = p->max_flows;
	t->fresh = 0;
	t->free_head = FLOW_TABLE_NONE;
	t->victim = FLOW_TABLE_NONE;
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
	region_free(&t->pool_mem);
	region_free(&t->bucket_mem);
	free(t);
}

size_t flow_key_hash_input(const struct flow_key *k, uint8_t buf[FLOW_KEY_HASH_MAX])
{
	if (k->family != 6) {
		/* IPv4: 13 of the 40 bytes mean something; the zeros cost SipHash rounds */
		memcpy(buf, k->addr[0], 4);
		memcpy(buf + 4, k->addr[1], 4);
		memcpy(buf + 8, k->port, sizeof(k->port));
		buf[12] = k->family;
		return 13;
	}
	memcpy(buf, k, offsetof(struct flow_key, family) + 1);
	return offsetof(struct flow_key, family) + 1;
}

uint32_t flow_table_hash(const struct flow_table *t, const struct flow_key *k)
{
	uint8_t in[FLOW_KEY_HASH_MAX];
	size_t len = flow_key_hash_input(k, in);
	uint64_t h = crypto_hash64(in, len, t->hash_key);

	return (uint32_t)h ^ (uint32_t)(h >> 32);
}

uint32_t flow_table_lookup(const struct flow_table *t, const struct flow_key *k, uint32_t hash)
{
	uint32_t id = t->buckets[hash & t->bucket_mask];

	while (id != FLOW_TABLE_NONE) {
		const struct flow_table_entry *e = flow_table_slot(t, id);

		if (flow_table_key_equal(&e->key, k))
			return id;
		id = e->next;
	}
	return FLOW_TABLE_NONE;
}

void flow_table_prefetch_bucket(const struct flow_table *t, uint32_t hash)
{
	__builtin_prefetch(&t->buckets[hash & t->bucket_mask]);
}

/*
 * The entry's first and last cache lines: the key for the lookup, the value for the caller (all
 * of an entry up to 128 bytes). No loop over the lines: GCC 12 deletes a loop of prefetches as
 * dead code, and the trailing one with it.
 */
static inline void flow_table_prefetch_slot(const struct flow_table *t, uint32_t id)
{
	const uint8_t *e = (const uint8_t *)flow_table_slot(t, id);

	__builtin_prefetch(e);
	__builtin_prefetch(e + t->stride - 1);
}

uint32_t flow_table_prefetch_entry(const struct flow_table *t, uint32_t hash)
{
	uint32_t id = t->buckets[hash & t->bucket_mask];

	if (id != FLOW_TABLE_NONE)
		flow_table_prefetch_slot(t, id);
	return id;
}

void flow_table_prefetch_next(const struct flow_table *t, const struct flow_key *k, uint32_t hash)
{
	uint32_t id = t->buckets[hash & t->bucket_mask];

	if (id == FLOW_TABLE_NONE)
		return;
	const struct flow_table_entry *e = flow_table_slot(t, id);
	if (e->next != FLOW_TABLE_NONE && !flow_table_key_equal(&e->key, k))
		flow_table_prefetch_slot(t, e->next);
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
	head = &t->buckets[hash & t->bucket_mask];
	e->next = *head;
	*head = id;
	memset(flow_table_entry_value(e), 0, t->value_size);
	t->count++;
	/* The next insert's entry is known now: have it in cache by then (a new flow's entry is
	 * otherwise a miss no lookup prefetch can cover). Write intent: it is about to be filled.
	 */
	uint32_t next = t->free_head != FLOW_TABLE_NONE ? t->free_head : t->fresh;
	if (next < t->max_flows) {
		const uint8_t *n = (const uint8_t *)flow_table_slot(t, next);

		__builtin_prefetch(n, 1);
		__builtin_prefetch(n + t->stride - 1, 1);
	}
	return id;
}

uint32_t flow_table_next_id(const struct flow_table *t)
{
	if (t->free_head != FLOW_TABLE_NONE)
		return t->free_head;
	return t->fresh < t->max_flows ? t->fresh : FLOW_TABLE_NONE;
}

void flow_table_remove(struct flow_table *t, uint32_t id)
{
	struct flow_table_entry *e;
	uint32_t *link;

	/* A precondition, but a double remove must not corrupt the free list. */
	if (unlikely(!flow_table_is_used(t, id)))
		return;
	e = flow_table_slot(t, id);
	if (id == t->victim) /* early drop: its bucket is known */
		link = &t->buckets[t->victim_bucket];
	else
		link = &t->buckets[flow_table_hash(t, &e->key) & t->bucket_mask];
	t->victim = FLOW_TABLE_NONE;
	while (*link != id && *link != FLOW_TABLE_NONE)
		link = &flow_table_slot(t, *link)->next;
	if (*link == id)
		*link = e->next;

	key_clear(&e->key);
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

size_t flow_table_stride(const struct flow_table *t)
{
	return t->stride;
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

uint32_t flow_table_find_victim(struct flow_table *t, uint32_t hash, flow_table_score_fn *score,
				void *arg)
{
	uint32_t nbuckets = FLOW_TABLE_EVICT_BUCKETS;
	uint32_t best = FLOW_TABLE_NONE, best_bucket = 0;
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
				best_bucket = (hash + i) & t->bucket_mask;
			}
			id = e->next;
		}
	}
	t->victim = best;
	t->victim_bucket = best_bucket;
	return best;
}

/* A key insert could have written: family 4 or 6, canonical order, zeros where nothing is. */
static bool flow_key_well_formed(const struct flow_key *k)
{
	static const uint8_t zero[12];
	struct flow_key c;

	if (k->family != 4 && k->family != 6)
		return false;
	if (k->pad[0] | k->pad[1] | k->pad[2])
		return false;
	if (k->family == 4 &&
	    (memcmp(k->addr[0] + 4, zero, 12) != 0 || memcmp(k->addr[1] + 4, zero, 12) != 0))
		return false;
	flow_key_make(&c, k->family, k->addr[0], k->addr[1], k->port[0], k->port[1]);
	return memcmp(&c, k, sizeof(c)) == 0;
}

bool flow_table_discard(struct flow_table *t, uint32_t id)
{
	if (id >= t->max_flows || t->count || t->fresh)
		return false;
	struct flow_key *k = &flow_table_slot(t, id)->key;
	bool held = k->family != 0;

	key_clear(k);
	return held;
}

/* Ids the rebuild hashes and prefetches ahead of linking: their bucket misses overlap. */
#define FLOW_TABLE_REBUILD_CHUNK 32

uint32_t flow_table_rebuild(struct flow_table *t, uint32_t hwm, flow_table_keep_fn *keep, void *arg)
{
	uint32_t hashes[FLOW_TABLE_REBUILD_CHUNK];
	bool used[FLOW_TABLE_REBUILD_CHUNK];

	if (t->count || t->fresh) /* only a new table takes over a pool */
		return 0;
	if (hwm > t->max_flows)
		hwm = t->max_flows;
	t->fresh = hwm;
	for (uint32_t base = 0; base < hwm; base += FLOW_TABLE_REBUILD_CHUNK) {
		uint32_t n = hwm - base < FLOW_TABLE_REBUILD_CHUNK ? hwm - base
								   : FLOW_TABLE_REBUILD_CHUNK;

		for (uint32_t i = 0; i < n; i++) {
			const struct flow_table_entry *e = flow_table_slot(t, base + i);

			used[i] = flow_key_well_formed(&e->key);
			if (used[i]) {
				hashes[i] = flow_table_hash(t, &e->key);
				flow_table_prefetch_bucket(t, hashes[i]);
			}
		}
		for (uint32_t i = 0; i < n; i++)
			if (used[i])
				flow_table_prefetch_entry(t, hashes[i]);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t id = base + i;
			struct flow_table_entry *e = flow_table_slot(t, id);

			if (used[i] &&
			    flow_table_lookup(t, &e->key, hashes[i]) == FLOW_TABLE_NONE &&
			    keep(id, &e->key, flow_table_entry_value(e), arg)) {
				uint32_t *head = &t->buckets[hashes[i] & t->bucket_mask];

				e->next = *head;
				*head = id;
				t->count++;
			} else {
				key_clear(&e->key);
				e->next = t->free_head;
				t->free_head = id;
			}
		}
	}
	return t->count;
}

size_t flow_table_memory(const struct flow_table *t)
{
	return sizeof(*t) + t->pool_bytes + ((size_t)t->bucket_mask + 1) * sizeof(*t->buckets);
}
