/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reset - sends the RSTs of `tcpfwctl kill --reset` and `flush --reset`.
 *
 * Two raw sockets (AF_INET and AF_INET6, IPPROTO_RAW: the packet carries its own IP header,
 * with the peer's address as its source), opened once at start-up; without CAP_NET_RAW they
 * stay closed, start-up says so once, and a --reset call is refused. The work is split across
 * threads: a worker, inside engine_kill(), only builds each killed flow's RSTs into a bounded
 * batch (reset_collect); the control thread sends the batch (reset_send) between two worker
 * calls, so no worker waits on a socket. Every packet is marked RESET_MARK (SO_MARK), so that
 * an output chain that queues the host's own TCP can let them out untouched (tcpfw.nft): their
 * flows are gone, and tcpfwd would drop them.
 */
#ifndef TCPFW_RESET_H
#define TCPFW_RESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "tcp_reset.h"

#define RESET_MARK	0x7466 /* "tf": the fwmark of every RST tcpfwd sends */
#define RESET_BATCH_MAX 256    /* packets one worker call may collect */

struct reset;

/* One RST, built on a worker, waiting for the control thread. */
struct reset_pkt {
	uint8_t family;
	uint8_t len;
	uint8_t to[16]; /* the destination, for sendto() */
	uint8_t bytes[TCP_RESET_PKT_MAX];
};

/* The RSTs of one kill call; sent and failed add up over the whole call. */
struct reset_batch {
	unsigned n;
	struct reset_pkt pkt[RESET_BATCH_MAX];
	uint64_t sent;
	uint64_t failed;
	int last_err; /* -errno of the last failed send, 0 if none */
};

/*
 * Opens both sockets. A socket that cannot be opened (no CAP_NET_RAW, IPv6 off) is not an
 * error: its family cannot send, which start-up logs in one line at notice. Returns 0 and
 * *ret, or -ENOMEM (logged).
 */
int reset_new(struct reset **ret);

/* Closes the sockets. NULL is a no-op. */
void reset_free(struct reset *r);

/*
 * Whether RSTs can be sent at all: 0, or -errno of the IPv4 socket's failure with a sentence
 * for the client in err.
 */
int reset_ready(const struct reset *r, char *err, size_t err_len);

/*
 * engine_kill_fn for a struct reset_batch: appends the flow's RSTs (tcp_reset_plan) and lets
 * it go, or keeps the flow when the batch has no room for a whole flow's RSTs. Runs on the
 * worker's thread; touches nothing but the batch.
 */
bool reset_collect(const struct engine_flow_info *flow, const struct tcp_track *track, void *arg);

/* Sends every packet of b, counts them in b->sent or b->failed, and empties it. */
void reset_send(struct reset *r, struct reset_batch *b);

#endif /* TCPFW_RESET_H */
