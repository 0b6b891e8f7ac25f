/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync - replication of the flow table with a peer tcpfwd (docs/sync.md, tcpfw-sync(7)): the
 * UDP socket on the sync link, the session and its keys, the timers, and the glue between the
 * engine's change tracking (engine_sync_*) and the protocol (sync_proto, sync_link).
 *
 * It runs on the thread of the one worker it serves (replication needs queue.count = 1), so it
 * calls that worker's engine directly and takes no lock. The worker hands it its socket's
 * readiness (sync_receive), every flow event (sync_on_event) and the end of every loop turn
 * (sync_turn), and sleeps no longer than sync_next_ms() says.
 */
#ifndef TCPFW_SYNC_H
#define TCPFW_SYNC_H

#include <stdint.h>

#include "config.h"
#include "ctl_proto.h"
#include "engine.h"

struct sync;

/*
 * Reads the key file and opens the socket for cfg's sync group. Returns 0 and *ret, or -errno
 * (logged, naming the key or the address).
 */
int sync_new(const struct config *cfg, struct sync **ret);

/* Closes the socket and wipes the keys. NULL is a no-op. */
void sync_free(struct sync *s);

/* The socket, for the worker's epoll. */
int sync_fd(const struct sync *s);

/* Turns the engine's change tracking on and starts the handshake. 0 or -ENOMEM (logged). */
int sync_attach(struct sync *s, struct engine *e, uint64_t now_ms);

/* A flow event of the engine: removals made by local packets or the operator go to the peer. */
void sync_on_event(struct sync *s, const struct engine_event *ev);

/* Reads and handles what the socket holds (a bounded amount per call). */
void sync_receive(struct sync *s, uint64_t now_ms);

/* The end of a loop turn: sends what changed, and runs the timers that are due. */
void sync_turn(struct sync *s, uint64_t now_ms);

/* Milliseconds until sync_turn() has a timer due (0: now). */
uint64_t sync_next_ms(const struct sync *s, uint64_t now_ms);

/* The state and counters, as the control socket reports them. */
void sync_status(const struct sync *s, uint64_t now_ms, struct ctl_sync *out);

#endif /* TCPFW_SYNC_H */
