/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcp_track_internal - what the tracker's two files share, and nothing else includes: the
 * per-segment context and the small result helpers.
 *
 * - tcp_track.c: the per-segment logic of a synchronised flow (ACK, FIN, RST, TIME_WAIT), the
 *   window bookkeeping every class shares, and the entry points.
 * - tcp_track_handshake.c: opening and reopening: SYN, SYN/ACK, simultaneous open, the
 *   re-sync of a reused tuple and a restarted responder.
 */
#ifndef TCPFW_TCP_TRACK_INTERNAL_H
#define TCPFW_TCP_TRACK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "seq.h"
#include "tcp_track.h"
#include "tcp_window.h"

struct ctx {
	struct tcp_track *t;
	const struct packet *p;
	const struct tcp_track_params *params;
	struct tcp_track_result *res;
	struct tcp_track_peer *snd; /* the side that sent this segment */
	struct tcp_track_peer *rcv; /* the other side */
	uint8_t dir;
	uint8_t idx;
	uint32_t end; /* seq + segment length */
};

/* ---- results ---- */

static inline void verdict(struct ctx *c, enum tcp_track_verdict v, enum reason r)
{
	c->res->verdict = v;
	c->res->reason = r;
}

static inline void invalid(struct ctx *c, enum reason r)
{
	verdict(c, TCP_TRACK_INVALID, r);
}

/* Remembers the segment: retransmit counting, challenge ACKs and re-sync read it. */
void tcp_track_remember(struct ctx *c, bool ignored);

static inline void ignore(struct ctx *c, enum reason r)
{
	verdict(c, TCP_TRACK_IGNORE, r);
	tcp_track_remember(c, true);
}

static inline bool last_was(const struct tcp_track *t, bool ignored, uint8_t idx, uint8_t dir)
{
	return t->last_ignored == ignored && t->last_index == idx && t->last_dir == dir;
}

/* RFC 9293 3.10.7.3: an ACK of a SYN is acceptable iff ISS < SEG.ACK <= SND.NXT. */
static inline bool acks_syn(const struct tcp_track_peer *syn_sender, uint32_t ack)
{
	return seq_gt(ack, syn_sender->isn) && seq_le(ack, syn_sender->end);
}

/* ---- tcp_track.c, for the handshake ---- */

/* Commits an accepted segment: both peers, then retransmit counting (conntrack's retrans). */
void tcp_track_commit(struct ctx *c, const struct tcp_window *w);

/* The window check of the segment (tcp_window_check), with re-learning and first sight. */
void tcp_track_window_check(struct ctx *c, struct tcp_window *w);

/* Accepts the segment into new_state and picks the timer class (conntrack's order). */
void tcp_track_accept_into(struct ctx *c, uint8_t new_state);

/* ---- tcp_track_handshake.c ---- */

/* A sender's side as its SYN (or SYN/ACK) sets it up; end is seq + segment length. */
void tcp_track_peer_init_from_syn(struct tcp_track_peer *s, const struct packet *p, uint32_t end);

/* A SYN, a SYN/ACK on an existing flow. */
void tcp_track_syn(struct ctx *c);
void tcp_track_synack(struct ctx *c);

/* The ACK-class segment acks syn_sender's SYN; else the verdict is set and false returned. */
bool tcp_track_check_handshake_ack(struct ctx *c, const struct tcp_track_peer *syn_sender);

/* Restarts the handshake from the remembered SYN when this SYN/ACK answers it; false if not. */
bool tcp_track_try_resync(struct ctx *c);

/* Re-initialises the responder from the SYN/ACK with a new ISN passed last. */
void tcp_track_responder_restarted(struct ctx *c);

#endif /* TCPFW_TCP_TRACK_INTERNAL_H */
