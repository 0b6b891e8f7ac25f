/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcp_fast - the fast path's judgment of one segment: the part of tcp_track_packet() that an
 * in-window data or pure-ACK segment of an ESTABLISHED flow goes through, composed from the
 * same rules (tcp_window_rules.h). The BPF program (bpf/fastpath.bpf.c) runs it in the kernel;
 * tests run it against tcp_track_packet() on random segments and assert the same result.
 *
 * It only accepts or defers. ACCEPT means tcp_track_packet() would have accepted the segment
 * into ESTABLISHED and left *t exactly as tcp_fast_judge() leaves it, with the timer class
 * tcp_fast_timeout() gives. DEFER leaves *t untouched and sends the segment to tcpfwd, which
 * judges it in full: SYN, FIN, RST, a signature option, a segment the receiver would discard
 * (PAWS, wholly old) and every window failure, IGNORE included.
 */
#ifndef TCPFW_TCP_FAST_H
#define TCPFW_TCP_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"
#include "tcp_track.h"
#include "tcp_window_rules.h"

/* Why a segment was deferred; TCP_FAST_ACCEPT when it was not. Indexes the fast path's
 * counters (tcp_fast_names in fastpath_map.h order). */
enum tcp_fast_result {
	TCP_FAST_ACCEPT = 0,
	TCP_FAST_FLAGS,	 /* SYN, FIN or RST set, or no ACK */
	TCP_FAST_STATE,	 /* the flow is not (any more) one the fast path may judge */
	TCP_FAST_AUTH,	 /* TCP-MD5 or TCP-AO option */
	TCP_FAST_PAWS,	 /* the receiver's PAWS would discard it */
	TCP_FAST_STALE,	 /* it ends before the receiver's last ACK */
	TCP_FAST_WINDOW, /* the window checks did not accept it */
	_TCP_FAST_RESULT_MAX
};

/* The fast path's share of struct tcp_track_params. */
struct tcp_fast_params {
	uint8_t max_retrans;
	uint8_t liberal;
};

#define TCP_FAST_PEER_FLAGS_OFF (TCP_TRACK_PEER_FIN | TCP_TRACK_PEER_FIN_ACKED)
#define TCP_FAST_FLAGS_OFF	(TCP_TRACK_F_RELEARN_ORIG | TCP_TRACK_F_RELEARN_REPLY)

/*
 * Whether a flow may be handed to the fast path: ESTABLISHED and assured, both sides seen and
 * in step (not re-learning), no FIN, nobody signing. Anything else needs rules the fast path
 * does not have.
 */
TCP_RULES_INLINE bool tcp_fast_eligible(const struct tcp_track *t)
{
	const struct tcp_track_peer *a = &t->peer[0], *b = &t->peer[1];

	return t->state == TCP_TRACK_ESTABLISHED && (t->flags & TCP_TRACK_F_ASSURED) &&
	       (t->flags & TCP_TRACK_F_SEEN_REPLY) && !(t->flags & TCP_FAST_FLAGS_OFF) &&
	       a->maxwin && b->maxwin && !((a->flags | b->flags) & TCP_FAST_PEER_FLAGS_OFF) &&
	       a->auth == TCP_TRACK_AUTH_NONE && b->auth == TCP_TRACK_AUTH_NONE;
}

/* Judges segment p travelling in dir (enum tcp_track_dir) on flow *t; see the top. */
TCP_RULES_INLINE enum tcp_fast_result tcp_fast_judge(struct tcp_track *t, const struct packet *p,
						     uint8_t dir, const struct tcp_fast_params *fp)
{
	if ((p->flags & (TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST | TCP_FLAG_ACK)) !=
	    TCP_FLAG_ACK)
		return TCP_FAST_FLAGS;
	if (!tcp_fast_eligible(t))
		return TCP_FAST_STATE;
	if (p->opt.present & (PACKET_OPT_MD5 | PACKET_OPT_AO))
		return TCP_FAST_AUTH;

	struct tcp_track_peer *snd = &t->peer[dir & 1], *rcv = &t->peer[!(dir & 1)];
	uint32_t end = p->seq + p->payload_len;

	if (tcp_rules_paws_rejects(snd, rcv, p))
		return TCP_FAST_PAWS;
	if (tcp_rules_seq_stale(rcv, end))
		return TCP_FAST_STALE;

	struct tcp_window w;
	bool liberal = fp->liberal || ((snd->flags | rcv->flags) & TCP_TRACK_PEER_LIBERAL);

	tcp_rules_ack(rcv, p, &w);
	tcp_rules_check(snd, rcv, p, end, liberal, &w);
	if (w.verdict != TCP_TRACK_ACCEPT)
		return TCP_FAST_WINDOW;

	bool same = tcp_rules_same_as_last(t, dir, p, end);

	tcp_rules_commit(snd, rcv, p, end, &w);
	if (!same)
		t->retrans = 0;
	else if (t->retrans < UINT8_MAX)
		t->retrans++;
	tcp_rules_remember(t, p, end, dir, TCP_TRACK_IDX_ACK, false);
	return TCP_FAST_ACCEPT;
}

/* The timer class tcp_track_packet() gives after an accepted segment (enum tcp_track_timeout). */
TCP_RULES_INLINE uint8_t tcp_fast_timeout(const struct tcp_track *t,
					  const struct tcp_fast_params *fp)
{
	return tcp_rules_timeout(t, TCP_TRACK_IDX_ACK, fp->max_retrans, TCP_TRACK_ESTABLISHED);
}

#endif /* TCPFW_TCP_FAST_H */
