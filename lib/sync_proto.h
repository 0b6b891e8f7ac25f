/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync_proto - the replication protocol's bytes: datagram header, sealing, and the messages a
 * datagram carries (docs/sync.md and tcpfw-sync(7) describe the protocol as a whole).
 *
 * A datagram is a SYNC_HEADER_SIZE-byte header in clear (magic "TFSY", version, kind, the
 * sender's session nonce, its datagram counter), then the payload sealed with XChaCha20-Poly1305
 * under the header as associated data: SYNC_OVERHEAD bytes in all besides the payload, at most
 * SYNC_DATAGRAM_MAX bytes (one IPv6 UDP datagram in a 1500-byte MTU). A HELLO's payload is a
 * struct sync_hello sealed with the PSK's HELLO key; a DATA payload is a 6-byte header (u32
 * seq, u16 count) and `count` messages, each a 4-byte header (u8 type, u8 flags, u16 body
 * length) and a body of the fixed length its type has. seq 0 marks an unreliable datagram,
 * which carries only control messages (ACK, NACK, BULK_REQUEST, ALIVE); any other seq a
 * reliable one, which carries only table messages (FLOW, DESTROY, BULK_START, BULK_END) and is
 * delivered once, in order. Integers are little-endian. Everything read is untrusted:
 * decoding checks every length, type, flag bit and value, and sync_payload_check() judges a
 * whole payload before the caller applies any of it, so a bad datagram is dropped whole.
 *
 * Also here, as pure functions: the anti-replay window over datagram counters.
 */
#ifndef TCPFW_SYNC_PROTO_H
#define TCPFW_SYNC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "engine.h"
#include "flow_record.h"

#define SYNC_PROTO_VERSION 1
#define SYNC_PORT	   7469 /* the default UDP port */
#define SYNC_HEADER_SIZE   32	/* magic 4, version 1, kind 1, reserved 2, sender 16, counter 8 */
#define SYNC_OVERHEAD	   (SYNC_HEADER_SIZE + CRYPTO_TAG_SIZE)
#define SYNC_DATAGRAM_MAX  1452 /* 1500 - IPv6 40 - UDP 8 */
#define SYNC_PAYLOAD_MAX   (SYNC_DATAGRAM_MAX - SYNC_OVERHEAD)
#define SYNC_DATA_HEADER   6  /* seq u32, count u16 */
#define SYNC_MSG_HEADER	   4  /* type u8, flags u8, length u16 */
#define SYNC_KEY_SIZE	   38 /* family u8, zero u8, addr[2][16], port[2] u16 */
#define SYNC_HELLO_SIZE	   24 /* echo[16], flags u8, zero[3], next_seq u32 */

enum sync_kind {
	SYNC_KIND_HELLO = 1,
	SYNC_KIND_DATA = 2,
};

struct sync_header {
	uint8_t kind;			   /* enum sync_kind */
	uint8_t sender[CRYPTO_NONCE_SIZE]; /* the sender's session nonce */
	uint64_t counter;		   /* the sender's datagram counter, from 1 */
};

/* Writes the header's SYNC_HEADER_SIZE bytes (magic, version, reserved zero included). */
void sync_header_put(const struct sync_header *h, uint8_t out[SYNC_HEADER_SIZE]);

/*
 * Reads the header of a datagram of len bytes. Returns 0, -EPROTONOSUPPORT (not our magic, or
 * another version), or -EBADMSG (shorter than SYNC_OVERHEAD, longer than SYNC_DATAGRAM_MAX,
 * reserved bits set, unknown kind, counter 0).
 */
int sync_header_get(const uint8_t *buf, size_t len, struct sync_header *h);

/*
 * Builds a whole datagram into out (SYNC_DATAGRAM_MAX bytes): header, then payload (len <=
 * SYNC_PAYLOAD_MAX) sealed under key. Returns the datagram's length, or 0 (nothing written)
 * when len is over SYNC_PAYLOAD_MAX. payload may be out + SYNC_HEADER_SIZE (sealed in place).
 */
size_t sync_seal(uint8_t *out, const struct sync_header *h, const uint8_t *payload, size_t len,
		 const uint8_t key[CRYPTO_KEY_SIZE]);

/*
 * Opens a datagram of len bytes whose header h was read by sync_header_get(): the payload goes
 * into payload (SYNC_PAYLOAD_MAX bytes) and its length into *plen. Returns 0 or -EBADMSG (it
 * does not authenticate under key).
 */
int sync_open(const uint8_t *buf, size_t len, const struct sync_header *h,
	      const uint8_t key[CRYPTO_KEY_SIZE], uint8_t *payload, size_t *plen);

/* ---- HELLO ---- */

struct sync_hello {
	uint8_t echo[CRYPTO_NONCE_SIZE]; /* the peer's session nonce as last heard; zero: none */
	uint8_t flags;			 /* none defined yet: 0 */
	uint32_t next_seq;		 /* unused before a session: 0 */
};

void sync_hello_put(const struct sync_hello *h, uint8_t out[SYNC_HELLO_SIZE]);
/* 0, or -EBADMSG (wrong length, flags or zero bytes set). */
int sync_hello_get(const uint8_t *payload, size_t len, struct sync_hello *h);

/* ---- DATA messages ---- */

enum sync_msg_type {
	SYNC_MSG_FLOW = 1,	   /* a flow's whole state: create or replace; reliable */
	SYNC_MSG_DESTROY = 2,	   /* a flow is gone; reliable */
	SYNC_MSG_BULK_START = 3,   /* a full-table transfer begins; reliable */
	SYNC_MSG_BULK_END = 4,	   /* ... and ends, with how many flows it carried; reliable */
	SYNC_MSG_ACK = 5,	   /* every seq before `next` arrived; control */
	SYNC_MSG_NACK = 6,	   /* seqs from .. to (inclusive) are missing; control */
	SYNC_MSG_BULK_REQUEST = 7, /* send me your whole table; control */
	SYNC_MSG_ALIVE = 8,	   /* heartbeat: the sender's next seq and status; control */
	_SYNC_MSG_MAX
};

/* FLOW flags */
#define SYNC_FLOW_MOVING 0x01 /* more changes are pending: its windows may be behind */
#define SYNC_FLOW_OWNED	 0x02 /* the sender made the flow's latest change itself */
#define SYNC_FLOW_BULK	 0x04 /* part of a bulk transfer */
#define SYNC_FLOW_ALL	 0x07

/* BULK_START flags */
#define SYNC_BULK_COMPLETE 0x01 /* the sender's table is complete: what it lacks is gone */

/* ALIVE status */
#define SYNC_ALIVE_COMPLETE 0x01 /* the sender's table holds everything it should */
#define SYNC_ALIVE_BULK	    0x02 /* the sender is sending a bulk transfer */
#define SYNC_ALIVE_ALL	    0x03

/* A flow's tuple, oriented as its initiator saw it (engine_flow_info's src/dst). */
struct sync_key {
	uint8_t family; /* 4 or 6 */
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
};

struct sync_msg {
	uint8_t type;  /* enum sync_msg_type */
	uint8_t flags; /* FLOW: SYNC_FLOW_*; ALIVE: SYNC_ALIVE_*; else 0 */
	union {
		struct engine_flow_record flow; /* FLOW */
		struct sync_key key;		/* DESTROY */
		uint32_t next;			/* ACK: cumulative; ALIVE: the sender's next seq */
		struct {
			uint32_t from, to;
		} nack;
		/* BULK_REQUEST names the id its answer's BULK_START and BULK_END carry */
		struct {
			uint32_t id, flows; /* flows: BULK_END only */
		} bulk;
	};
};

/*
 * Body length of each type; 0 for an unknown type. FLOW: FLOW_RECORD_SIZE; DESTROY:
 * SYNC_KEY_SIZE; BULK_START, BULK_REQUEST, ACK, ALIVE: 4 (u32); BULK_END, NACK: 8 (2 x u32).
 */
size_t sync_msg_body_size(uint8_t type);

/* True for the types a reliable datagram carries (FLOW, DESTROY, BULK_START, BULK_END). */
bool sync_msg_reliable(uint8_t type);

/* Builds a DATA payload in a caller's buffer of SYNC_PAYLOAD_MAX bytes. */
struct sync_writer {
	uint8_t *buf;
	size_t len;
	uint16_t count;
};

/* Starts a payload with sequence number seq (0: unreliable). */
void sync_writer_init(struct sync_writer *w, uint8_t *buf, uint32_t seq);

/*
 * Appends m. Returns 0, -ENOSPC when it does not fit, or -EINVAL when sync_payload_check()
 * would refuse it in this payload (unknown type, flags or values, a control message in a
 * reliable payload or the reverse); nothing is written then.
 */
int sync_writer_add(struct sync_writer *w, const struct sync_msg *m);

/* Room left for a message of body size `body`. */
bool sync_writer_fits(const struct sync_writer *w, size_t body);

/* Ends the payload (writes the count). Returns its length. A payload needs at least one
 * message to pass sync_payload_check(). */
size_t sync_writer_finish(struct sync_writer *w);

/* Reads a DATA payload that passed sync_payload_check(). */
struct sync_reader {
	const uint8_t *p;
	size_t left;
	uint16_t remaining;
	uint32_t seq;
};

/*
 * Checks a whole DATA payload: its header, each message's type, length, flags and values (a
 * FLOW record flow_record_get() accepts, a DESTROY key of family 4 or 6 whose zero byte, and
 * for IPv4 address bytes 4-15, are zero; sequence numbers in ACK, NACK and ALIVE are never 0,
 * and a NACK's from is not after its to), the count (at least 1), no bytes left over, and that
 * a reliable payload (seq != 0) holds only reliable types and an unreliable one only control
 * types. Returns 0 and sets *seq, or -EBADMSG.
 */
int sync_payload_check(const uint8_t *payload, size_t len, uint32_t *seq);

/* Starts reading a payload that sync_payload_check() accepted. */
void sync_reader_init(struct sync_reader *r, const uint8_t *payload, size_t len);

/* 1 and *m: the next message; 0: none left. */
int sync_reader_next(struct sync_reader *r, struct sync_msg *m);

/* ---- anti-replay: the counters of one sender's datagrams ---- */

#define SYNC_REPLAY_WINDOW 1024 /* counters this far behind the highest are still judged */

struct sync_replay {
	uint64_t top; /* highest counter accepted; 0: none */
	uint64_t bits[SYNC_REPLAY_WINDOW / 64];
};

/* Starts empty (a new session). */
void sync_replay_reset(struct sync_replay *r);

/* True when counter is new: above top, or within the window and not yet seen. Changes
 * nothing: call it before opening the datagram, and sync_replay_accept() after it
 * authenticated. */
bool sync_replay_fresh(const struct sync_replay *r, uint64_t counter);

/* Records counter as seen (it was fresh and authenticated). */
void sync_replay_accept(struct sync_replay *r, uint64_t counter);

const char *sync_msg_type_name(uint8_t type);

#endif /* TCPFW_SYNC_PROTO_H */
