/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync_internal - what sync.c (the session and the datagrams) and sync_table.c (the flows
 * between the engine and the reliable stream) share: struct sync and their few calls into each
 * other. Nothing outside those two files includes it.
 */
#ifndef TCPFW_SYNC_INTERNAL_H
#define TCPFW_SYNC_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "crypto.h"
#include "sync.h"
#include "sync_link.h"
#include "sync_proto.h"

#define SYNC_HELLO_MS	   1000	     /* HELLO while down */
#define SYNC_NEWCOMER_MS   100	     /* HELLOs to a new nonce while up, at most this often */
#define SYNC_ALIVE_MS	   200	     /* ALIVE while up: the tail the peer may have lost */
#define SYNC_BULK_ASK_MS   100	     /* BULK_REQUEST until the peer's BULK_START arrives */
#define SYNC_NACK_MS	   50	     /* a gap is reported again this often */
#define SYNC_RTO_MS	   100	     /* unacknowledged datagrams go again after this */
#define SYNC_SOCKET_BUFFER (8 << 20) /* bytes each way (the kernel doubles it): a bulk window */
#define SYNC_RING	   4096	     /* datagrams kept for retransmission: about 6 MiB */
#define SYNC_WINDOW	   1024	     /* datagrams buffered ahead of a gap */
#define SYNC_RECV_VEC	   32	     /* datagrams per recvmmsg() */
#define SYNC_ACK_EVERY	   32	     /* an ACK at least every this many reliable datagrams */
#define SYNC_ACK_DELAY_MS  5	     /* ... or this long after the first unacknowledged one */
#define SYNC_RECV_BATCH	   256	     /* datagrams read per sync_receive() */
#define SYNC_RESEND_MAX	   256	     /* datagrams resent per NACK or timeout */
#define SYNC_BULK_BUDGET   2048	     /* table slots a bulk walk takes per turn: about 1 ms */
#define SYNC_GAP_STALE_MS  1000	     /* a gap older than this: not in sync */
#define SYNC_KEY_FILE_MAX  256

struct sync {
	struct engine *e;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char peer_text[CONFIG_ADDR_MAX];
	uint64_t delay_ms;
	uint64_t timeout_ms;

	uint8_t psk[CRYPTO_KEY_SIZE];
	uint8_t hello_key[CRYPTO_KEY_SIZE];
	uint8_t tx_key[CRYPTO_KEY_SIZE];
	uint8_t rx_key[CRYPTO_KEY_SIZE];
	uint8_t self[CRYPTO_NONCE_SIZE];       /* our session nonce, new after every down */
	uint8_t peer_nonce[CRYPTO_NONCE_SIZE]; /* the peer's, as last heard */
	bool peer_known;
	uint64_t counter; /* our datagram counter under self */
	struct sync_replay replay;

	bool up;
	bool was_in_sync; /* in sync when the session went down: peer_lost */
	bool complete;	  /* the table holds all it should (docs/sync.md "complete") */
	bool peer_complete;
	struct sync_tx *tx;
	struct sync_rx *rx;
	bool ack_due;	       /* reliable datagrams arrived since the last ACK */
	unsigned ack_pending;  /* how many */
	uint64_t ack_since_ms; /* when the first of them came */
	uint64_t gap_since_ms; /* 0: no gap */

	/* the bulk transfer we receive in this session */
	uint32_t bulk_ask_id; /* the id our BULK_REQUESTs of this session carry */
	bool bulk_seen;	      /* its BULK_START arrived: stop asking */
	bool bulk_done;	      /* its BULK_END arrived */
	uint32_t rx_bulk_id;
	bool rx_bulk_complete; /* the sender's table was complete: it may remove ours */
	uint64_t rx_bulk_start_ms;
	uint64_t rx_bulk_flows;
	/* the one we send in this session */
	bool tx_bulk_asked;
	bool tx_bulk_active;
	uint32_t tx_bulk_id;
	uint32_t tx_bulk_cursor;
	uint32_t tx_bulk_flows;

	uint64_t now_ms;
	uint64_t last_heard_ms;
	uint64_t last_hello_ms;
	uint64_t last_alive_ms;
	uint64_t last_ask_ms;
	uint64_t last_nack_ms;
	uint64_t last_settle_ms;

	/* the reliable payload being filled */
	struct sync_writer w;
	bool w_open;
	uint8_t out[SYNC_PAYLOAD_MAX];
	uint8_t dgram[SYNC_DATAGRAM_MAX];
	uint8_t in[SYNC_RECV_VEC][SYNC_DATAGRAM_MAX]; /* one recvmmsg() */
	uint8_t plain[SYNC_PAYLOAD_MAX];

	struct ctl_sync st; /* counters; state and flags are filled by sync_status() */
};

/* sync.c: seals and sends one datagram of kind (HELLO key or this session's). */
void sync_send(struct sync *s, uint8_t kind, const uint8_t *payload, size_t len);

/* sync.c: counts a dropped datagram or record. */
void sync_drop(struct sync *s, enum ctl_sync_drop why);

/* sync_table.c: appends a table message to the reliable stream (nothing while down). */
void sync_queue_msg(struct sync *s, const struct sync_msg *m);

/* sync_table.c: sends the reliable payload being filled, kept for retransmission. */
void sync_flush(struct sync *s);

/* sync_table.c: an engine record into the stream (engine_record_fn; arg is the sync). */
void sync_queue_record(const struct engine_flow_record *rec, unsigned flags, void *arg);

/* sync_table.c: applies a reliable payload, in order, to the engine. */
void sync_apply(struct sync *s, const uint8_t *p, size_t len);

/* sync_table.c: the peer asked for our table (BULK_REQUEST id): starts the transfer. */
void sync_bulk_start(struct sync *s, uint32_t id);

/* sync_table.c: sends the next part of a transfer under way, as the ring has room. */
void sync_bulk_step(struct sync *s);

#endif /* TCPFW_SYNC_INTERNAL_H */
