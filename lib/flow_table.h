/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flow_table - a bounded hash table of flows keyed by the canonical TCP 5-tuple.
 *
 * All memory is allocated by flow_table_new(): a pool of max_flows fixed-stride entries (a
 * FLOW_TABLE_HEADER_SIZE-byte header of key and chain link, then value_size bytes of opaque
 * caller data, 4-byte aligned; the pool is cache-line aligned, so with value_size 84 an entry is
 * exactly two lines) and a power-of-two array of bucket heads. Nothing allocates afterwards, so the
 * table never grows and never fails except by running out of entries. An entry is named by its id,
 * its index in the pool (0 .. max_flows-1), which stays valid until the entry is removed;
 * FLOW_TABLE_NONE names no entry. A key is present at most once. Keys are canonical
 * (flow_key_make), so both directions of a connection find the same entry, and they are hashed with
 * keyed SipHash-2-4 so that remote peers cannot aim for one chain. A used entry's key has family 4
 * or 6; a free entry's key is all zero. The table knows keys and bytes, never packets or TCP; it is
 * not thread-safe (one table per worker) and does no I/O.
 */
#ifndef TCPFW_FLOW_TABLE_H
#define TCPFW_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLOW_TABLE_NONE		 UINT32_MAX
#define FLOW_TABLE_HEADER_SIZE	 44		     /* bytes before each value */
#define FLOW_TABLE_EVICT_BUCKETS 8		     /* buckets the eviction search looks at */
#define FLOW_TABLE_MAX_BUCKETS	 (UINT32_C(1) << 31) /* largest bucket count, and max_flows */

struct flow_key {
	uint8_t addr[2][16]; /* endpoint 0 and 1; IPv4 uses the first 4 bytes, the rest zero */
	uint16_t port[2];    /* host byte order */
	uint8_t family;	     /* 4 or 6; 0 marks a free entry */
	uint8_t pad[3];	     /* zero: keys are hashed and compared as bytes */
};

_Static_assert(sizeof(struct flow_key) == 40, "flow_key is hashed as 40 raw bytes");

/*
 * Builds the canonical key of a TCP segment into *k, overwriting all of it (padding included).
 * family is 4 (saddr and daddr point to 4 bytes) or 6 (16 bytes); the addresses are in network
 * byte order, the ports in host byte order. Endpoint 0 is the lower (address, port) pair, the
 * address compared as bytes and then the port as a number, so both directions of a connection
 * build the same key. Returns 0 if (saddr, sport) became endpoint 0, 1 if it became endpoint 1;
 * when both pairs are equal it returns 0. Borrows the addresses for the call only.
 */
unsigned flow_key_make(struct flow_key *k, uint8_t family, const uint8_t *saddr,
		       const uint8_t *daddr, uint16_t sport, uint16_t dport);

struct flow_table_params {
	uint32_t max_flows;  /* pool size, 1 .. FLOW_TABLE_MAX_BUCKETS */
	uint32_t buckets;    /* 0: a power of two >= max_flows; else rounded up to a power of two */
	uint32_t value_size; /* bytes of caller data per entry, may be 0 */
	uint8_t hash_key[16]; /* SipHash key; the caller supplies randomness */
	/*
	 * NULL: the table allocates its pool. Otherwise flow_table_pool_size() bytes of the
	 * caller's, FLOW_TABLE_POOL_ALIGN-aligned, which it keeps for the table's life and frees
	 * itself (a shared mapping, so that the flows outlive the process). The table does not
	 * read what is there before flow_table_rebuild() or an insert writes it.
	 */
	void *pool;
};

#define FLOW_TABLE_POOL_ALIGN 64 /* cache line: a 128-byte stride then spans exactly two */

/* Bytes of pool the table of *p needs, or 0 when *p is out of range (see flow_table_new). */
size_t flow_table_pool_size(const struct flow_table_params *p);

struct flow_table;

/*
 * Allocates an empty table as *p describes; *p is only read during the call. On success writes
 * the new table to *ret, which the caller owns and releases with flow_table_free(), and returns
 * 0. Returns -EINVAL when max_flows is 0, when max_flows or the rounded bucket count exceeds
 * FLOW_TABLE_MAX_BUCKETS, or when the pool size overflows; -ENOMEM when allocation fails. *ret is
 * untouched on failure.
 */
int flow_table_new(const struct flow_table_params *p, struct flow_table **ret);

/* Releases the table and all its entries; their key and value pointers die (a caller's pool
 * stays as it is). NULL is a no-op. */
void flow_table_free(struct flow_table *t);

/* The most bytes of a key that carry meaning: IPv6 addresses, ports, family. */
#define FLOW_KEY_HASH_MAX 37

/*
 * The bytes of *k that are hashed, written to buf; returns how many. IPv4 (13 bytes): the two
 * 4-byte addresses, the two ports (host order, as stored) and the family. IPv6 (37 bytes): the
 * key's first 37 bytes, that is both addresses, both ports and the family. Skipping what is
 * always zero changes no key's identity: the family byte tells the two layouts apart.
 */
size_t flow_key_hash_input(const struct flow_key *k, uint8_t buf[FLOW_KEY_HASH_MAX]);

/*
 * The 32-bit hash of *k under the table's key: SipHash-2-4 (crypto_hash64()) over
 * flow_key_hash_input(), its 64-bit little-endian result folded as low ^ high. Pure; k must be a
 * canonical key.
 */
uint32_t flow_table_hash(const struct flow_table *t, const struct flow_key *k);

/* The id of the entry holding *k, or FLOW_TABLE_NONE. hash must be flow_table_hash(t, k). */
uint32_t flow_table_lookup(const struct flow_table *t, const struct flow_key *k, uint32_t hash);

/*
 * Optional latency hiding for a batch of packets. A lookup in a large table costs two dependent
 * cache misses (bucket, then entry), which a batch can overlap: call flow_table_prefetch_bucket()
 * for every hash of the batch, then flow_table_prefetch_entry() for each, then look them up. Both
 * are hints that never change the table; any hash value is safe.
 */
void flow_table_prefetch_bucket(const struct flow_table *t, uint32_t hash);

/*
 * Second stage: reads hash's bucket (best already prefetched) and prefetches its chain head's
 * first and last cache lines (key and value: all of an entry of up to 128 bytes). Returns the
 * head's id (the likely match, for prefetching the caller's own per-id data), or FLOW_TABLE_NONE
 * when the bucket is empty.
 */
uint32_t flow_table_prefetch_entry(const struct flow_table *t, uint32_t hash);

/*
 * Optional third stage, once the chain head has had time to arrive: reads hash's bucket and chain
 * head and, when the head does not hold *k, prefetches the entry after it (a chain of two or more
 * costs one more dependent miss otherwise).
 */
void flow_table_prefetch_next(const struct flow_table *t, const struct flow_key *k, uint32_t hash);

/*
 * Takes an entry from the pool and links it under a copy of *k, which must not be present, with
 * hash = flow_table_hash(t, k) (the table keeps no hash: remove computes it again from the key).
 * The value bytes are zeroed. Returns the new id, or FLOW_TABLE_NONE when the pool is empty or
 * k->family is 0 (which would read as a free entry). The most recently removed id is reused first.
 */
uint32_t flow_table_insert(struct flow_table *t, const struct flow_key *k, uint32_t hash);

/* The id the next insert takes (the next free one), or FLOW_TABLE_NONE when the pool is empty. */
uint32_t flow_table_next_id(const struct flow_table *t);

/*
 * Unlinks entry id and returns it to the pool, where it is the next id handed out. id must be in
 * use; any other id is ignored, so a double remove cannot corrupt the pool. Its key dies; its
 * value bytes are left as they are (see flow_table_value).
 */
void flow_table_remove(struct flow_table *t, uint32_t id);

/*
 * The value_size bytes of caller data of entry id (id < capacity, normally in use), 4-byte
 * aligned. The pointer lives until the entry is removed or the table freed. Values are
 * flow_table_stride() bytes apart: value(id) = value(0) + id * stride, for every id < capacity,
 * so per-id data of the caller's other modules can live inside them. A free entry's value keeps
 * its bytes until the entry is handed out again (insert zeroes it).
 */
void *flow_table_value(struct flow_table *t, uint32_t id);

/* As flow_table_value(), read-only. */
const void *flow_table_value_const(const struct flow_table *t, uint32_t id);

/* The key of entry id (id < capacity); all zero when the entry is free. Lives as the value does. */
const struct flow_key *flow_table_key(const struct flow_table *t, uint32_t id);

/* Whether id names an entry in use; false for any id >= capacity, FLOW_TABLE_NONE included. */
bool flow_table_is_used(const struct flow_table *t, uint32_t id);

/* Bytes from one entry (and value) to the next: FLOW_TABLE_HEADER_SIZE + value_size, rounded
 * up to 4. */
size_t flow_table_stride(const struct flow_table *t);

/* Entries in use. */
uint32_t flow_table_count(const struct flow_table *t);

/* max_flows: the number of entries, ids run from 0 to capacity - 1. */
uint32_t flow_table_capacity(const struct flow_table *t);

/*
 * Iteration: the first used id >= from, or FLOW_TABLE_NONE. The cursor is the next id to look at
 * (last returned id + 1), so an iteration may be resumed across inserts and removals: it visits
 * every entry that stayed in use throughout exactly once, and entries inserted meanwhile maybe.
 * Costs O(ids scanned), never more than the highest id ever used.
 */
uint32_t flow_table_next(const struct flow_table *t, uint32_t from);

/*
 * Scores one entry for eviction from its value (borrowed for the call). A higher score is a
 * better victim; 0 means never evict. It must not change the table.
 */
typedef unsigned flow_table_score_fn(const void *value, void *arg);

/*
 * Eviction search: calls score(value, arg) on every entry in up to FLOW_TABLE_EVICT_BUCKETS
 * consecutive buckets, starting at hash's bucket and wrapping, each bucket once even when the
 * table has fewer. Buckets are visited in order and each chain from its head (most recently
 * inserted first). Returns the id with the highest nonzero score, the first found on ties, or
 * FLOW_TABLE_NONE. The caller decides whether to remove it; the table remembers the victim's
 * bucket, so that removing it (before any other removal) computes no hash.
 */
uint32_t flow_table_find_victim(struct flow_table *t, uint32_t hash, flow_table_score_fn *score,
				void *arg);

/*
 * Decides, for flow_table_rebuild(), whether a used entry stays: it may read and change the
 * value (borrowed for the call). Returning false frees the entry.
 */
typedef bool flow_table_keep_fn(uint32_t id, const struct flow_key *k, void *value, void *arg);

/*
 * Before flow_table_rebuild(): frees entry id of a pool being taken over, whatever it holds (an
 * entry its previous owner was half-way through writing), the family byte first, so that even
 * a death in the middle leaves it free. Returns whether it held a key. Ids >= capacity: false.
 */
bool flow_table_discard(struct flow_table *t, uint32_t id);

/*
 * Takes over the entries a previous table left in the caller's pool: t must be new (nothing
 * inserted), and ids below hwm (clamped to the capacity) are the ones that table handed out.
 * Each entry there whose key is a used one (family 4 or 6, canonical, zero padding) and not
 * yet present goes to keep(); kept ones are linked, every other id below hwm is zeroed and
 * freed. Returns the number kept. O(hwm); hashes under t's key, not the old table's.
 */
uint32_t flow_table_rebuild(struct flow_table *t, uint32_t hwm, flow_table_keep_fn *keep,
			    void *arg);

/*
 * Bytes the table allocated (pool, buckets, descriptor), for the bytes-per-flow report. The
 * pool's pages are only touched as ids are first used, so resident memory may be lower. Regions
 * of 2 MiB and more are offered to transparent huge pages, which back them 2 MiB at a time.
 */
size_t flow_table_memory(const struct flow_table *t);

#endif /* TCPFW_FLOW_TABLE_H */
