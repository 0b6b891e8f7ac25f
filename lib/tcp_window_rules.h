/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcp_window_rules - the per-segment rules of a synchronised flow, in one place: the window
 * checks and their commit (van Rooij, as tcp_window.h describes them), the receiver's discard
 * rules that come before them (PAWS, a segment wholly before RCV.WUP), retransmit counting and
 * the timer class. tcp_window.c and tcp_track.c apply them to every segment; the in-kernel fast
 * path (bpf/fastpath.bpf.c, through tcp_fast.h) compiles the same functions, so that a segment
 * it takes is judged by the very code the tracker runs.
 *
 * Header-only, and written for both compilers: no calls out, no globals, fixed-width types, and
 * always inlined (a BPF function takes at most five arguments).
 */
#ifndef TCPFW_TCP_WINDOW_RULES_H
#define TCPFW_TCP_WINDOW_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"
#include "seq.h"
#include "tcp_track.h"

#define TCP_RULES_INLINE static inline __attribute__((always_inline))

/* Linux's MAXACKWINDOW floor: ACKs may lag this far behind before they count as stale. */
#define TCP_RULES_MAXACKWINDOW_MIN 66000u

/* The result of the window checks. */
struct tcp_window {
	uint32_t ack;	 /* the ACK in force: the segment's, or perfect when it has none */
	uint32_t sack;	 /* the highest edge acknowledged, SACK blocks included */
	uint8_t verdict; /* enum tcp_track_verdict */
	uint8_t reason;	 /* enum reason */
};

/* The ACK a segment carries in effect; a segment without one is treated as perfect. SACK
 * blocks count only when the receiver offered SACK in its SYN (RFC 2018). */
TCP_RULES_INLINE void tcp_rules_ack(const struct tcp_track_peer *rcv, const struct packet *p,
				    struct tcp_window *w)
{
	w->ack = p->ack;
	if (!(p->flags & TCP_FLAG_ACK) || ((p->flags & TCP_FLAG_RST) && p->ack == 0))
		w->ack = rcv->end; /* no ACK: perfect (and broken RST|ACK stacks that send 0) */
	w->sack = w->ack;
	if ((p->flags & TCP_FLAG_ACK) && (rcv->flags & TCP_TRACK_PEER_SACK_PERM))
		for (unsigned i = 0; i < PACKET_SACK_MAX; i++) {
			if (i >= p->opt.sack_count)
				break;
			w->sack = seq_max(w->sack, p->opt.sack[i].right);
		}
}

/* Bounds II (seq_min), I (seq_max), IV (ack_min) and III (ack_max); see tcp_window_bounds. */
TCP_RULES_INLINE void tcp_rules_bounds(const struct tcp_track_peer *snd,
				       const struct tcp_track_peer *rcv, uint32_t *seq_min,
				       uint32_t *seq_max, uint32_t *ack_min, uint32_t *ack_max)
{
	uint32_t maxackwin =
		snd->maxwin > TCP_RULES_MAXACKWINDOW_MIN ? snd->maxwin : TCP_RULES_MAXACKWINDOW_MIN;

	*seq_min = snd->end - rcv->maxwin;
	*seq_max = snd->maxend;
	*ack_min = rcv->end - maxackwin;
	*ack_max = rcv->end;
}

/*
 * RFC 5961 5.2: the receiver discards an ACK older than SND.UNA - MAX.SND.WND; its SND.UNA is
 * the sender's highest ACK and its MAX.SND.WND the sender's largest window, but no more than it
 * has acknowledged so far (Linux since 2023). False while the sender has sent no ACK.
 */
TCP_RULES_INLINE bool tcp_rules_ack_floor(const struct tcp_track_peer *snd,
					  const struct tcp_track_peer *rcv, uint32_t *floor)
{
	if (!(snd->flags & TCP_TRACK_PEER_MAXACK))
		return false;
	uint32_t acked = snd->maxack - (rcv->isn + 1);
	uint32_t back = snd->maxwin < acked ? snd->maxwin : acked;

	*floor = snd->maxack - back;
	return true;
}

/*
 * The checks of a segment from snd to rcv occupying [p->seq, end), both sides already seen
 * (maxwin set up), w->ack and w->sack filled by tcp_rules_ack. Sets w->verdict and w->reason:
 * ACCEPT, IGNORE (seq_under_window, ack_under_window, seq_overshoot) or INVALID
 * (seq_over_window, ack_over_window, sack_over_window); with `liberal` every failure is ACCEPT.
 */
TCP_RULES_INLINE void tcp_rules_check(const struct tcp_track_peer *snd,
				      const struct tcp_track_peer *rcv, const struct packet *p,
				      uint32_t end, bool liberal, struct tcp_window *w)
{
	uint32_t seq_min, seq_max, ack_min, ack_max, floor;

	tcp_rules_bounds(snd, rcv, &seq_min, &seq_max, &ack_min, &ack_max);
	bool ack_ok = seq_le(w->sack, ack_max);			/* III */
	bool seq_low_ok = !rcv->maxwin || seq_ge(end, seq_min); /* II */
	bool ack_low_ok = seq_ge(w->sack, ack_min);		/* IV */
	if ((p->flags & TCP_FLAG_ACK) && tcp_rules_ack_floor(snd, rcv, &floor) &&
	    seq_lt(w->ack, floor))
		ack_low_ok = false;

	w->verdict = TCP_TRACK_ACCEPT;
	w->reason = REASON_OK;
	if (seq_gt(p->seq, seq_max)) { /* I */
		if (ack_ok && seq_low_ok && ack_low_ok && end - snd->maxend <= rcv->maxwin) {
			w->verdict = TCP_TRACK_IGNORE;
			w->reason = REASON_SEQ_OVERSHOOT;
		} else {
			w->verdict = TCP_TRACK_INVALID;
			w->reason = REASON_SEQ_OVER_WINDOW;
		}
	} else if (!ack_ok) {
		w->verdict = TCP_TRACK_INVALID;
		w->reason =
			seq_le(w->ack, rcv->end) ? REASON_SACK_OVER_WINDOW : REASON_ACK_OVER_WINDOW;
	} else if (!seq_low_ok) {
		w->verdict = TCP_TRACK_IGNORE;
		w->reason = REASON_SEQ_UNDER_WINDOW;
	} else if (!ack_low_ok) {
		w->verdict = TCP_TRACK_IGNORE;
		w->reason = REASON_ACK_UNDER_WINDOW;
	}
	if (w->verdict != TCP_TRACK_ACCEPT && liberal) {
		w->verdict = TCP_TRACK_ACCEPT;
		w->reason = REASON_OK;
	}
}

/*
 * TS.Recent moves only on a segment at or before the receiver's last ACK (RCV.WUP) whose ACK is
 * not older than the last one from its sender, as Linux's tcp_ack calls tcp_replace_ts_recent:
 * a TSval from further out, or on a reordered ACK, cannot raise it. Nor can a segment that
 * does not start at its sender's end (a retransmission, an ACK sent from behind): the receiver
 * may have acked past it in an ACK still on its way, and discard it, and a forger could plant
 * a TSval that way. So the tracker's TS.Recent never runs ahead of the receiver's, and PAWS
 * never rejects what the endpoint takes. The first TSval a side sends (its SYN's) is taken
 * as it is.
 */
TCP_RULES_INLINE void tcp_rules_commit_ts(struct tcp_track_peer *snd,
					  const struct tcp_track_peer *rcv, const struct packet *p,
					  bool stale)
{
	/* until the receiver has sent an ACK, its RCV.WUP is unknown: only the SYN counts */
	bool at_wup = !stale && (rcv->flags & TCP_TRACK_PEER_MAXACK) && seq_le(p->seq, rcv->maxack);

	if (!(snd->flags & TCP_TRACK_PEER_TS) || (at_wup && seq_ge(p->opt.tsval, snd->tsval))) {
		snd->tsval = p->opt.tsval;
		snd->flags |= TCP_TRACK_PEER_TS;
	}
}

/* Applies an accepted segment to both peers: ends, windows, ACKs, FIN acks, timestamps. */
TCP_RULES_INLINE void tcp_rules_commit(struct tcp_track_peer *snd, struct tcp_track_peer *rcv,
				       const struct packet *p, uint32_t end,
				       const struct tcp_window *w)
{
	uint32_t win = p->window;
	/* before the ends move: for the TS.Recent rule */
	bool front = p->seq == snd->end;
	bool old_ack = (p->flags & TCP_FLAG_ACK) && (snd->flags & TCP_TRACK_PEER_MAXACK) &&
		       seq_lt(w->ack, snd->maxack);

	if (!(p->flags & TCP_FLAG_SYN))
		win <<= snd->wscale;
	/* the largest window it advertised, as its peer's MAX.SND.WND (RFC 5961 5.2); conntrack
	 * adds the SACKed span, which lets ACKs through that the peer discards */
	if (snd->maxwin < win)
		snd->maxwin = win;
	/* the receiver lacks bytes the sender has sent: the firewall did not see what lies
	 * between, or a probe went into a closed window (its right edge one past its last
	 * ACK), whose data the receiver drops */
	if (seq_gt(p->seq, snd->end) ||
	    (p->payload_len && snd->maxend == rcv->maxack + 1 &&
	     (rcv->flags & TCP_TRACK_PEER_MAXACK) && seq_ge(end, snd->maxend)))
		snd->hole = 1;
	if (seq_gt(end, snd->end)) {
		snd->end = end;
		snd->flags |= TCP_TRACK_PEER_UNACKED;
	}
	if (p->flags & TCP_FLAG_ACK) {
		if (!(snd->flags & TCP_TRACK_PEER_MAXACK) || seq_gt(w->ack, snd->maxack))
			snd->maxack = w->ack;
		snd->flags |= TCP_TRACK_PEER_MAXACK;
		if (w->ack == rcv->end) {
			rcv->flags &= ~TCP_TRACK_PEER_UNACKED;
			rcv->hole = 0;
		}
		if ((rcv->flags & TCP_TRACK_PEER_FIN) && seq_ge(w->ack, rcv->end))
			rcv->flags |= TCP_TRACK_PEER_FIN_ACKED;
	}
	/* the window runs from the cumulative ACK, not from SACKed data (RFC 2018 section 3;
	 * Linux's tcp_wnd_end): conntrack's sack + win lets a segment past the receiver's edge */
	if (seq_gt(w->ack + win, rcv->maxend))
		rcv->maxend = w->ack + win + (win == 0); /* room for a zero-window probe */
	if (p->opt.present & PACKET_OPT_TIMESTAMP)
		tcp_rules_commit_ts(snd, rcv, p, !front || old_ack);
}

/* PAWS (RFC 7323 5.3): a TSval older than the receiver's TS.Recent for the sender marks an old
 * duplicate, which the receiver discards; Linux's TCP_PAWS_WINDOW is 1. RSTs are exempt. */
TCP_RULES_INLINE bool tcp_rules_paws_rejects(const struct tcp_track_peer *snd,
					     const struct tcp_track_peer *rcv,
					     const struct packet *p)
{
	return (p->opt.present & PACKET_OPT_TIMESTAMP) && (snd->flags & TCP_TRACK_PEER_TS) &&
	       (rcv->flags & TCP_TRACK_PEER_TS) && (int32_t)(snd->tsval - p->opt.tsval) > 1;
}

/* A segment ending before the receiver's last ACK is discarded whole, its ACK unread
 * (RFC 9293 3.10.7.4; Linux tcp_sequence). */
TCP_RULES_INLINE bool tcp_rules_seq_stale(const struct tcp_track_peer *rcv, uint32_t end)
{
	return (rcv->flags & TCP_TRACK_PEER_MAXACK) && seq_lt(end, rcv->maxack);
}

/* An accepted segment identical to the last one that passed, in the same direction: a
 * retransmission, for conntrack's retrans count (ACK and FIN classes only). */
TCP_RULES_INLINE bool tcp_rules_same_as_last(const struct tcp_track *t, uint8_t dir,
					     const struct packet *p, uint32_t end)
{
	return t->last_dir == dir && !t->last_ignored && t->last_seq == p->seq &&
	       t->last_ack == p->ack && t->last_end == end && t->last_win == p->window;
}

/* Remembers the segment's numbers: retransmit counting, challenge ACKs and re-sync read them. */
TCP_RULES_INLINE void tcp_rules_remember(struct tcp_track *t, const struct packet *p, uint32_t end,
					 uint8_t dir, uint8_t idx, bool ignored)
{
	t->last_seq = p->seq;
	t->last_ack = p->ack;
	t->last_end = end;
	t->last_win = p->window;
	t->last_dir = dir & 1;
	t->last_index = idx & 7;
	t->last_ignored = ignored;
}

/* The timer class after an accepted segment of class idx (conntrack's order): repeated
 * retransmissions, then data in flight, then a zero window; a pickup not yet answered is
 * always UNACK. */
TCP_RULES_INLINE uint8_t tcp_rules_timeout(const struct tcp_track *t, uint8_t idx,
					   uint8_t max_retrans, uint8_t new_state)
{
	uint8_t either = t->peer[0].flags | t->peer[1].flags;

	if (!(t->flags & TCP_TRACK_F_SEEN_REPLY) && new_state == TCP_TRACK_ESTABLISHED)
		return TCP_TRACK_TIMEOUT_UNACK;
	if (t->retrans >= max_retrans)
		return TCP_TRACK_TIMEOUT_RETRANS;
	if (either & TCP_TRACK_PEER_UNACKED)
		return TCP_TRACK_TIMEOUT_UNACK;
	if (t->last_win == 0 && idx != TCP_TRACK_IDX_RST)
		return TCP_TRACK_TIMEOUT_RETRANS;
	return TCP_TRACK_TIMEOUT_STATE;
}

#endif /* TCPFW_TCP_WINDOW_RULES_H */
