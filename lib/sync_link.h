/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync_link - reliable, in-order delivery of sequenced payloads over a link that loses,
 * duplicates and reorders them: the sender's retransmission ring and the receiver's reorder
 * buffer. Pure: the caller moves the bytes, reads the clock and decides when to send ACKs and
 * NACKs; this module only keeps the books. Sequence numbers are 32-bit and compared modulo 2^32
 * (seq.h); 0 is never used (it marks unreliable datagrams on the wire), so the counter skips
 * it when it wraps.
 *
 * Sender: every reliable payload is pushed into a ring of `capacity` slots with its seq and the
 * time; an ACK (cumulative: all before `next` arrived) frees slots and yields the replication
 * lag (push to ACK); a NACK or a timeout asks for copies of what is still held. A full ring
 * means the peer stopped acknowledging: the caller ends the session (and resyncs in bulk).
 *
 * Receiver: a payload at the expected seq is delivered at once, followed by any buffered
 * successors; one ahead of it is buffered (up to `window` seqs ahead) and leaves a gap the caller
 * reports with a NACK; one behind it is a duplicate.
 *
 * Both sides allocate everything in *_new and nothing afterwards. Not thread-safe.
 */
#ifndef TCPFW_SYNC_LINK_H
#define TCPFW_SYNC_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most slots a ring or a window may have: far below 2^31, so every seq held or expected
 * compares correctly modulo 2^32. */
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

/* ---- receiver ---- */

struct sync_rx;

enum sync_rx_result {
	SYNC_RX_DELIVER = 0, /* in order: apply it now, then the ones sync_rx_pop() returns */
	SYNC_RX_BUFFERED,    /* ahead of a gap: kept for later */
	SYNC_RX_DUPLICATE,   /* already delivered or already buffered */
	SYNC_RX_BEYOND,	     /* further ahead than the window: dropped (it will come again) */
};

/* A buffer for window (1 .. SYNC_LINK_MAX_SLOTS) payloads of at most max_len bytes; seq 1 is
 * expected first. 0, -EINVAL or -ENOMEM. */
int sync_rx_new(unsigned window, size_t max_len, struct sync_rx **ret);
void sync_rx_free(struct sync_rx *r); /* NULL is a no-op */

/* Forgets everything; the next in-order seq is first_seq (0 counts as 1). */
void sync_rx_reset(struct sync_rx *r, uint32_t first_seq);

/* Offers a payload with seq. On DELIVER the caller applies payload itself (it is not copied)
 * and the expected seq moves on by one. Seq 0, and a payload over max_len that would have to be
 * buffered, are BEYOND: neither can be kept. */
enum sync_rx_result sync_rx_offer(struct sync_rx *r, uint32_t seq, const uint8_t *payload,
				  size_t len);

/* After a DELIVER: the next buffered payload now in order (moving the expected seq on), or
 * NULL. The bytes stay valid until the next call into r. */
const uint8_t *sync_rx_pop(struct sync_rx *r, size_t *len);

/* The cumulative ACK: every seq before it was delivered. */
uint32_t sync_rx_next(const struct sync_rx *r);

/* The sender says its next seq is sender_next (ALIVE): everything before it exists. One not
 * after what is already known (stale) changes nothing. */
void sync_rx_note_tail(struct sync_rx *r, uint32_t sender_next);

/* The first missing range: from = the first seq neither delivered nor buffered, to = the seq
 * before the next buffered one (or before the sender's noted next seq), but at most the last seq
 * the window can take. Returns false when nothing is missing. */
bool sync_rx_gap(const struct sync_rx *r, uint32_t *from, uint32_t *to);

#endif /* TCPFW_SYNC_LINK_H */
