/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync_link - reliable, in-order delivery of sequenced payloads over a link that loses,
 * duplicates and reorders them: the sender's retransmission ring. Pure: the caller moves the
 * bytes, reads the clock and decides when to send ACKs and NACKs; this module only keeps the
 * books. Sequence numbers are 32-bit and compared modulo 2^32 (seq.h); 0 is never used (it
 * marks unreliable datagrams on the wire), so the counter skips it when it wraps.
 *
 * Sender: every reliable payload is pushed into a ring of `capacity` slots with its seq and the
 * time; an ACK (cumulative: all before `next` arrived) frees slots and yields the replication
 * lag (push to ACK); a NACK or a timeout asks for copies of what is still held. A full ring
 * means the peer stopped acknowledging: the caller ends the session (and resyncs in bulk).
 *
 * The ring allocates everything in sync_tx_new() and nothing afterwards. Not thread-safe.
 */
#ifndef TCPFW_SYNC_LINK_H
#define TCPFW_SYNC_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most slots a ring may have: far below 2^31, so every seq held compares correctly
 * modulo 2^32. */
#define SYNC_LINK_MAX_SLOTS (UINT32_C(1) << 20)

/* ---- sender ---- */

struct sync_tx;

/* A ring of capacity (1 .. SYNC_LINK_MAX_SLOTS) payloads of at most max_len bytes each; the
 * first push gets seq 1. 0, -EINVAL or -ENOMEM. */
int sync_tx_new(unsigned capacity, size_t max_len, struct sync_tx **ret);
void sync_tx_free(struct sync_tx *t); /* NULL is a no-op */

/* Empties the ring; the next push gets first_seq (0 counts as 1). */
void sync_tx_reset(struct sync_tx *t, uint32_t first_seq);

uint32_t sync_tx_next_seq(const struct sync_tx *t); /* the seq the next push gets */
unsigned sync_tx_inflight(const struct sync_tx *t); /* pushed and not yet acked */
unsigned sync_tx_room(const struct sync_tx *t);	    /* capacity - inflight */

/* Stores a copy of len (<= max_len) bytes under the next seq, sent at now_ms. Returns its seq,
 * or 0 when the ring is full or len is over max_len (nothing stored). */
uint32_t sync_tx_push(struct sync_tx *t, const uint8_t *payload, size_t len, uint64_t now_ms);

/*
 * The peer has every seq before next. Frees those slots; returns how many. A `next` outside
 * (oldest unacked .. next seq] changes nothing and returns 0 (stale or forged: ignored). With
 * at least one freed, *lag_ms (may be NULL) gets now_ms minus the push time of the newest freed
 * (0 if the clock went back).
 */
unsigned sync_tx_ack(struct sync_tx *t, uint32_t next, uint64_t now_ms, uint64_t *lag_ms);

/* The payload held for seq, or NULL (acked, never pushed). The bytes stay valid until the
 * slot is freed (an ACK or a reset). */
const uint8_t *sync_tx_get(const struct sync_tx *t, uint32_t seq, size_t *len);

/* Records that seq was (re)sent at now_ms: sync_tx_due() waits rto_ms from there. A seq not
 * held is ignored. */
void sync_tx_sent(struct sync_tx *t, uint32_t seq, uint64_t now_ms);

/*
 * Up to max held seqs, oldest first, last sent rto_ms or more before now_ms (a lost tail the
 * peer cannot NACK). Returns how many it wrote to out.
 */
unsigned sync_tx_due(const struct sync_tx *t, uint64_t now_ms, uint64_t rto_ms, uint32_t *out,
		     unsigned max);

/* How long the oldest unacked payload has waited, or 0. */
uint64_t sync_tx_age_ms(const struct sync_tx *t, uint64_t now_ms);

#endif /* TCPFW_SYNC_LINK_H */
