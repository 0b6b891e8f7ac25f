// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_track_handshake - the tracker's SYN and SYN/ACK classes: opening, simultaneous open,
 * reopening TIME_WAIT (RFC 6191), the challenge of a SYN on a live flow (RFC 5961 4.2), and the
 * re-sync of a tuple whose old connection died unseen. The ACK, FIN and RST classes are in
 * tcp_track.c.
 */
#include "tcp_track_internal.h"

void tcp_track_peer_init_from_syn(struct tcp_track_peer *s, const struct packet *p, uint32_t end)
{
	s->isn = p->seq;
	s->end = end;
	s->maxend = end;
	s->maxwin = p->window ? p->window : 1; /* a SYN's window is never scaled (RFC 7323) */
	s->maxack = 0;
	s->wscale = 0;
	s->auth = tcp_track_auth_of(p);
	s->hole = 0;
	s->flags &= TCP_TRACK_PEER_LIBERAL;
	if (p->opt.present & PACKET_OPT_WSCALE) {
		s->flags |= TCP_TRACK_PEER_WSCALE;
		s->wscale = p->opt.wscale;
	}
	if (p->opt.present & PACKET_OPT_SACK_PERM)
		s->flags |= TCP_TRACK_PEER_SACK_PERM;
	if (p->opt.present & PACKET_OPT_TIMESTAMP) {
		s->flags |= TCP_TRACK_PEER_TS;
		s->tsval = p->opt.tsval;
	}
}

/* RFC 7323 2.2: scaling is in force only if both SYNs carried the option. */
static void negotiate_wscale(struct tcp_track *t)
{
	uint8_t both = t->peer[0].flags & t->peer[1].flags;

	if (!(both & TCP_TRACK_PEER_WSCALE))
		t->peer[0].wscale = t->peer[1].wscale = 0;
}

/* ---- SYN ---- */

/*
 * RFC 6191: a SYN may reopen TIME_WAIT if its timestamp is newer than the last one its sender
 * used, or (equal or no timestamps) its sequence number is after everything the sender sent.
 */
/* TSval ticks the tracker's TS.Recent may trail the endpoint's: about an RTT of a 1 ms clock */
#define TS_RECENT_LAG_MAX 1000

static bool rfc6191_newer(const struct ctx *c)
{
	const struct packet *p = c->p;
	const struct tcp_track_peer *s = c->snd;

	/* timestamps count only if both sides used them (RFC 7323 3.2): the endpoint in
	 * TIME-WAIT holds no TS.Recent otherwise. The tracker's TS.Recent may lag the
	 * endpoint's by what it could not be sure of (tcp_window_commit), so "newer" must
	 * clear that lag; an older or barely newer TSval decides nothing (PAWS rejects an
	 * older one there), and then only a newer sequence number reopens */
	if ((s->flags & c->rcv->flags & TCP_TRACK_PEER_TS) &&
	    (p->opt.present & PACKET_OPT_TIMESTAMP)) {
		int32_t d = (int32_t)(p->opt.tsval - s->tsval);
		if (d > TS_RECENT_LAG_MAX)
			return true;
		if (d < 0)
			return false;
	}
	return seq_gt(p->seq, s->end);
}

static void reopen(struct ctx *c)
{
	verdict(c, TCP_TRACK_ACCEPT, REASON_OK);
	c->res->reopen = true;
	c->res->new_state = TCP_TRACK_SYN_SENT;
}

void tcp_track_syn(struct ctx *c)
{
	struct tcp_track *t = c->t;

	switch (t->state) {
	case TCP_TRACK_SYN_SENT:
		if (c->dir == TCP_TRACK_ORIGINAL) {
			/* a retransmit, or a new attempt with another ISN: follow it */
			tcp_track_peer_init_from_syn(c->snd, c->p, c->end);
			tcp_track_remember(c, false);
			tcp_track_accept_into(c, TCP_TRACK_SYN_SENT);
			if (!(t->flags & TCP_TRACK_F_SEEN_REPLY))
				c->res->timeout = TCP_TRACK_TIMEOUT_KEEP; /* Linux >= 5.14 */
			return;
		}
		/* simultaneous open: the responder sends its own SYN */
		tcp_track_peer_init_from_syn(c->snd, c->p, c->end);
		negotiate_wscale(t);
		if (seq_gt(c->snd->end + c->p->window, c->rcv->maxend))
			c->rcv->maxend = c->snd->end + c->p->window;
		t->flags |= TCP_TRACK_F_SIMOPEN;
		tcp_track_remember(c, false);
		tcp_track_accept_into(c, TCP_TRACK_SYN_SENT2);
		return;
	case TCP_TRACK_SYN_SENT2:
		tcp_track_peer_init_from_syn(c->snd, c->p, c->end);
		negotiate_wscale(t);
		tcp_track_remember(c, false);
		tcp_track_accept_into(c, TCP_TRACK_SYN_SENT2);
		return;
	case TCP_TRACK_TIME_WAIT:
		if (c->params->tw_policy == TCP_TRACK_TW_SHORTEN || rfc6191_newer(c)) {
			reopen(c);
			return;
		}
		/* its own TIME-WAIT would not let the holder reuse the tuple with an older
		 * number: an old duplicate, which the peer would answer as a new connection */
		if (t->tw_holder & (1u << c->dir)) {
			invalid(c, REASON_TIME_WAIT_DUP_SYN);
			return;
		}
		/* pass it: an endpoint in TIME-WAIT answers with an ACK, and an exact RST to
		 * that ACK is the one way to close early (see track_rst) */
		t->flags |= TCP_TRACK_F_CHALLENGE;
		ignore(c, REASON_TIME_WAIT_OLD_SYN);
		return;
	case TCP_TRACK_CLOSE:
		reopen(c);
		return;
	default:
		break;
	}
	if (c->dir == TCP_TRACK_REPLY) {
		invalid(c, REASON_INVALID_STATE); /* the responder cannot SYN a live flow */
		return;
	}
	/* RFC 5961 4.2: the endpoint challenges a SYN on a synchronised connection; pass it and
	 * let a matching SYN/ACK (re-sync) or an exact RST (close) follow */
	ignore(c, REASON_SYN_IGNORED);
}

/* ---- SYN/ACK ---- */

/* The responder accepts the initiator's SYN: set up its side, SYN_SENT -> SYN_RECV. */
static void synack_from_responder(struct ctx *c)
{
	struct tcp_window w;

	tcp_track_peer_init_from_syn(c->snd, c->p, c->end);
	negotiate_wscale(c->t);
	tcp_window_ack(c->rcv, c->p, &w);
	tcp_track_commit(c, &w);
	/* the initiator's SYN window bounds what the responder may send before the third ACK */
	c->snd->maxend = c->snd->end + c->rcv->maxwin;
	tcp_track_accept_into(c, TCP_TRACK_SYN_RECV);
}

bool tcp_track_check_handshake_ack(struct ctx *c, const struct tcp_track_peer *syn_sender)
{
	if (acks_syn(syn_sender, c->p->ack))
		return true;
	invalid(c, seq_gt(c->p->ack, syn_sender->end) ? REASON_ACK_OVER_WINDOW
						      : REASON_BAD_HANDSHAKE_ACK);
	return false;
}

/*
 * The initiator sent a SYN that was ignored (it reused the tuple of a live flow), and the
 * responder now answers it: the endpoints agree on a new connection that the entry missed.
 * Restart the handshake from the remembered SYN (Linux's IGNORE re-sync path).
 */
static bool resync_matches(const struct ctx *c)
{
	const struct tcp_track *t = c->t;

	return c->dir == TCP_TRACK_REPLY &&
	       last_was(t, true, TCP_TRACK_IDX_SYN, TCP_TRACK_ORIGINAL) && c->p->ack == t->last_end;
}

/* The SYN or SYN/ACK that tcp_track_remember() kept in last_*, rebuilt (all but its timestamp). */
static struct packet remembered_syn(const struct tcp_track *t, uint8_t flags)
{
	static const uint8_t auth_opts[] = {
		[TCP_TRACK_AUTH_NONE] = 0,
		[TCP_TRACK_AUTH_MD5] = PACKET_OPT_MD5,
		[TCP_TRACK_AUTH_AO] = PACKET_OPT_AO,
		[TCP_TRACK_AUTH_BAD] = PACKET_OPT_MD5 | PACKET_OPT_AO,
	};
	struct packet q = {
		.flags = flags,
		.seq = t->last_seq,
		.ack = t->last_ack,
		.window = t->last_win,
	};

	if (t->last_opts & TCP_TRACK_OPT_WSCALE) {
		q.opt.present |= PACKET_OPT_WSCALE;
		q.opt.wscale = t->last_opts & TCP_TRACK_OPT_WSCALE_MASK;
	}
	if (t->last_opts & TCP_TRACK_OPT_SACK_PERM)
		q.opt.present |= PACKET_OPT_SACK_PERM;
	q.opt.present |= auth_opts[t->last_opts >> TCP_TRACK_OPT_AUTH_SHIFT];
	return q;
}

bool tcp_track_try_resync(struct ctx *c)
{
	struct tcp_track *t = c->t;
	struct tcp_track_peer *orig = &t->peer[TCP_TRACK_ORIGINAL];
	struct packet syn;

	if (!resync_matches(c))
		return false;
	syn = remembered_syn(t, TCP_FLAG_SYN);
	*orig = (struct tcp_track_peer){0};
	tcp_track_peer_init_from_syn(orig, &syn, t->last_end);
	c->snd->flags = 0;
	t->flags &= TCP_TRACK_F_SEEN_REPLY;
	t->retrans = 0;
	synack_from_responder(c);
	return true;
}

/* A SYN/ACK repeating its sender's SYN: checked and applied like any segment, state kept. */
static void synack_retransmit(struct ctx *c)
{
	struct tcp_window w;

	if (!tcp_track_check_handshake_ack(c, c->rcv))
		return;
	tcp_track_window_check(c, &w);
	if (w.verdict != TCP_TRACK_ACCEPT) {
		verdict(c, w.verdict, w.reason);
		if (w.verdict == TCP_TRACK_IGNORE)
			tcp_track_remember(c, true);
		return;
	}
	tcp_track_commit(c, &w);
	tcp_track_accept_into(c, c->t->state);
}

void tcp_track_synack(struct ctx *c)
{
	struct tcp_track *t = c->t;

	switch (t->state) {
	case TCP_TRACK_SYN_SENT:
		if (c->dir == TCP_TRACK_ORIGINAL)
			invalid(c, REASON_INVALID_STATE);
		else if (tcp_track_check_handshake_ack(c, c->rcv))
			synack_from_responder(c);
		return;
	case TCP_TRACK_SYN_SENT2:
		/* simultaneous open: either side acks the other's SYN */
		if (tcp_track_check_handshake_ack(c, c->rcv))
			synack_from_responder(c);
		return;
	case TCP_TRACK_SYN_RECV:
		if (c->dir == TCP_TRACK_ORIGINAL) {
			if (t->flags & TCP_TRACK_F_SIMOPEN)
				synack_retransmit(c); /* late SYN/ACK of a simultaneous open */
			else
				invalid(c, REASON_INVALID_STATE);
			return;
		}
		if (tcp_track_try_resync(c))
			return;
		if (c->p->seq == c->snd->isn) {
			ignore(c, REASON_SYNACK_IGNORED); /* plain retransmit */
			return;
		}
		/* a SYN/ACK with a new ISN (the responder restarted, Linux 82b72cb94666): an
		 * initiator that already took the first one discards it, so it passes, and
		 * the responder is re-initialised only when the initiator's ACK takes it */
		if (tcp_track_check_handshake_ack(c, c->rcv))
			ignore(c, REASON_SYNACK_IGNORED);
		return;
	case TCP_TRACK_TIME_WAIT:
		invalid(c, REASON_TIME_WAIT_SEGMENT);
		return;
	default:
		break;
	}
	if (c->dir == TCP_TRACK_ORIGINAL) {
		invalid(c, REASON_INVALID_STATE);
	} else if (resync_matches(c)) {
		/* the live connection's initiator would discard this SYN/ACK, a new incarnation's
		 * would take it: only the caller, who knows how long the flow has been quiet,
		 * can weigh that (tcp_track_resync). Passed, and the SYN stays remembered. */
		verdict(c, TCP_TRACK_IGNORE, REASON_SYNACK_IGNORED);
		c->res->resync = true;
	} else {
		ignore(c, REASON_SYNACK_IGNORED); /* late retransmit; the initiator will ACK it */
	}
}

/*
 * The initiator's ACK acknowledges the SYN/ACK with a new ISN that was passed last: the
 * responder did restart, and the initiator took its new SYN/ACK. Re-initialise the responder
 * from the remembered segment, as if it had been accepted then.
 */
void tcp_track_responder_restarted(struct ctx *c)
{
	struct tcp_track *t = c->t;
	struct packet q = remembered_syn(t, TCP_FLAG_SYN | TCP_FLAG_ACK);
	struct tcp_track_result res = *c->res;
	struct ctx r = *c;

	r.p = &q;
	r.snd = c->rcv;
	r.rcv = c->snd;
	r.dir = !c->dir;
	r.idx = TCP_TRACK_IDX_SYNACK;
	r.end = t->last_end;
	r.res = &res;
	synack_from_responder(&r);
}
