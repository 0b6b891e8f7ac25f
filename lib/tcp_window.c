// SPDX-License-Identifier: GPL-2.0-or-later
#include "seq.h"
#include "tcp_window.h"

/* Linux's MAXACKWINDOW floor: ACKs may lag this far behind before they count as stale. */
#define MAXACKWINDOW_MIN 66000u

void tcp_window_ack(const struct tcp_track_peer *rcv, const struct packet *p, struct tcp_window *w)
{
	w->ack = p->ack;
	if (!(p->flags & TCP_FLAG_ACK) || ((p->flags & TCP_FLAG_RST) && p->ack == 0))
		w->ack = rcv->end; /* no ACK: perfect (and broken RST|ACK stacks that send 0) */
	w->sack = w->ack;
	if ((p->flags & TCP_FLAG_ACK) && (rcv->flags & TCP_TRACK_PEER_SACK_PERM))
		for (unsigned i = 0; i < p->opt.sack_count; i++)
			w->sack = seq_max(w->sack, p->opt.sack[i].right);
}

void tcp_window_init_sender(struct tcp_track_peer *snd, struct tcp_track_peer *rcv,
			    const struct packet *p, uint32_t end, const struct tcp_window *w)
{
	uint32_t win = (uint32_t)p->window << snd->wscale;

	snd->end = end;
	snd->maxwin = win ? win : 1;
	snd->maxend = end + snd->maxwin;
	if (!rcv->maxwin)
		rcv->end = rcv->maxend = w->sack;
	else if (w->sack == rcv->end + 1)
		rcv->end++; /* keep-alive reply: acknowledges the probe byte */
}

/* inline in the check, which runs on every segment */
static inline void window_bounds(const struct tcp_track_peer *snd, const struct tcp_track_peer *rcv,
				 struct tcp_window_bounds *b)
{
	uint32_t maxackwin = snd->maxwin > MAXACKWINDOW_MIN ? snd->maxwin : MAXACKWINDOW_MIN;

	b->seq_min = snd->end - rcv->maxwin;
	b->seq_max = snd->maxend;
	b->ack_min = rcv->end - maxackwin;
	b->ack_max = rcv->end;
}

/*
 * RFC 5961 5.2: the receiver discards an ACK older than SND.UNA - MAX.SND.WND; its SND.UNA is
 * the sender's highest ACK and its MAX.SND.WND the sender's largest window, but no more than it
 * has acknowledged so far (Linux since 2023). False while the sender has sent no ACK. Apart,
 * so that the check works it out only for a segment that carries an ACK.
 */
static inline bool ack_floor(const struct tcp_track_peer *snd, const struct tcp_track_peer *rcv,
			     uint32_t *floor)
{
	if (!(snd->flags & TCP_TRACK_PEER_MAXACK))
		return false;
	uint32_t acked = snd->maxack - (rcv->isn + 1);
	uint32_t back = snd->maxwin < acked ? snd->maxwin : acked;

	*floor = snd->maxack - back;
	return true;
}

void tcp_window_bounds(const struct tcp_track_peer *snd, const struct tcp_track_peer *rcv,
		       struct tcp_window_bounds *b)
{
	window_bounds(snd, rcv, b);
	b->ack_floor = 0;
	b->has_ack_floor = ack_floor(snd, rcv, &b->ack_floor);
}

void tcp_window_check(struct tcp_track_peer *snd, struct tcp_track_peer *rcv,
		      const struct packet *p, uint32_t end, bool liberal, struct tcp_window *w)
{
	tcp_window_ack(rcv, p, w);
	w->verdict = TCP_TRACK_ACCEPT;
	w->reason = REASON_OK;
	if (!snd->maxwin)
		tcp_window_init_sender(snd, rcv, p, end, w);

	struct tcp_window_bounds b;
	window_bounds(snd, rcv, &b);
	bool ack_ok = seq_le(w->sack, b.ack_max);		  /* III */
	bool seq_low_ok = !rcv->maxwin || seq_ge(end, b.seq_min); /* II */
	bool ack_low_ok = seq_ge(w->sack, b.ack_min);		  /* IV */
	uint32_t floor;
	if ((p->flags & TCP_FLAG_ACK) && ack_floor(snd, rcv, &floor) && seq_lt(w->ack, floor))
		ack_low_ok = false;

	if (seq_gt(p->seq, b.seq_max)) { /* I */
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
static void commit_ts(struct tcp_track_peer *snd, const struct tcp_track_peer *rcv,
		      const struct packet *p, bool stale)
{
	/* until the receiver has sent an ACK, its RCV.WUP is unknown: only the SYN counts */
	bool at_wup = !stale && (rcv->flags & TCP_TRACK_PEER_MAXACK) && seq_le(p->seq, rcv->maxack);

	if (!(snd->flags & TCP_TRACK_PEER_TS) || (at_wup && seq_ge(p->opt.tsval, snd->tsval))) {
		snd->tsval = p->opt.tsval;
		snd->flags |= TCP_TRACK_PEER_TS;
	}
}

void tcp_window_commit(struct tcp_track_peer *snd, struct tcp_track_peer *rcv,
		       const struct packet *p, uint32_t end, const struct tcp_window *w)
{
	uint32_t win = p->window;
	/* before the ends move: for the TS.Recent rule below */
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
		commit_ts(snd, rcv, p, !front || old_ack);
}
