// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tracker is organised by flag class (SYN, SYN/ACK, RST, ACK-class) rather than by state:
 * each class has one set of rules (reopen, handshake acceptability, RST exactness, window
 * checks), and the states only select among them. The window rules are van Rooij's, as Linux
 * applies them in tcp_in_window(); the RST, handshake and TIME_WAIT rules are RFC 9293, 5961,
 * 1337 and 6191.
 *
 * This file holds the ACK-class and RST rules, the bookkeeping every class shares and the entry
 * points; the SYN and SYN/ACK classes are in tcp_track_handshake.c.
 */
#include <assert.h>

#include "tcp_track_internal.h"
#include "util.h"

/*
 * conntrack's tcp_valid_flags: after masking PSH, ECE and CWR, the only combinations a stack
 * sends. Indexed by the FIN, SYN, RST, ACK and URG bits.
 */
#define VALID_MASK (TCP_FLAG_FIN | TCP_FLAG_SYN | TCP_FLAG_RST | TCP_FLAG_ACK | TCP_FLAG_URG)

static const bool valid_flags[64] = {
	[TCP_FLAG_SYN] = true,
	[TCP_FLAG_SYN | TCP_FLAG_URG] = true,
	[TCP_FLAG_SYN | TCP_FLAG_ACK] = true,
	[TCP_FLAG_RST] = true,
	[TCP_FLAG_RST | TCP_FLAG_ACK] = true,
	[TCP_FLAG_FIN | TCP_FLAG_ACK] = true,
	[TCP_FLAG_FIN | TCP_FLAG_ACK | TCP_FLAG_URG] = true,
	[TCP_FLAG_ACK] = true,
	[TCP_FLAG_ACK | TCP_FLAG_URG] = true,
};

bool tcp_track_flags_valid(uint8_t tcp_flags)
{
	return valid_flags[tcp_flags & VALID_MASK];
}

enum tcp_track_index tcp_track_index_of(uint8_t f)
{
	if (f & TCP_FLAG_RST)
		return TCP_TRACK_IDX_RST;
	if (f & TCP_FLAG_SYN)
		return (f & TCP_FLAG_ACK) ? TCP_TRACK_IDX_SYNACK : TCP_TRACK_IDX_SYN;
	if (f & TCP_FLAG_FIN)
		return TCP_TRACK_IDX_FIN;
	if (f & TCP_FLAG_ACK)
		return TCP_TRACK_IDX_ACK;
	return TCP_TRACK_IDX_NONE;
}

void tcp_track_forget_windows(struct tcp_track *t)
{
	if (t->state < TCP_TRACK_ESTABLISHED || t->state == TCP_TRACK_SYN_SENT2)
		return;
	for (int i = 0; i < 2; i++) {
		t->peer[i].maxwin = 0; /* "not seen yet": tcp_window_check re-initialises it */
		t->peer[i].flags &= (uint8_t)~TCP_TRACK_PEER_UNACKED;
	}
	t->retrans = 0;
	t->flags |= TCP_TRACK_F_RELEARN_ORIG | TCP_TRACK_F_RELEARN_REPLY;
}

bool tcp_track_is_evictable(const struct tcp_track *t)
{
	if (!tcp_track_is_assured(t))
		return true;
	return t->state >= TCP_TRACK_FIN_WAIT && t->state <= TCP_TRACK_CLOSE;
}

/* ---- results ---- */

/* Remembers the segment: retransmit counting, challenge ACKs and re-sync read it. */
void tcp_track_remember(struct ctx *c, bool ignored)
{
	struct tcp_track *t = c->t;
	const struct packet *p = c->p;

	tcp_rules_remember(t, p, c->end, c->dir, c->idx, ignored);
	if (c->idx == TCP_TRACK_IDX_SYN || c->idx == TCP_TRACK_IDX_SYNACK) {
		t->last_opts = 0;
		if (p->opt.present & PACKET_OPT_WSCALE)
			t->last_opts = TCP_TRACK_OPT_WSCALE | p->opt.wscale;
		if (p->opt.present & PACKET_OPT_SACK_PERM)
			t->last_opts |= TCP_TRACK_OPT_SACK_PERM;
		t->last_opts |= (uint8_t)(tcp_track_auth_of(p) << TCP_TRACK_OPT_AUTH_SHIFT);
	}
}

/* ---- sequence bookkeeping ---- */

uint8_t tcp_track_auth_of(const struct packet *p)
{
	bool md5 = p->opt.present & PACKET_OPT_MD5, ao = p->opt.present & PACKET_OPT_AO;

	if (md5 && ao)
		return TCP_TRACK_AUTH_BAD; /* the parser marks a repeated option the same way */
	return md5 ? TCP_TRACK_AUTH_MD5 : ao ? TCP_TRACK_AUTH_AO : TCP_TRACK_AUTH_NONE;
}

static bool is_liberal(const struct ctx *c)
{
	return c->params->liberal || ((c->snd->flags | c->rcv->flags) & TCP_TRACK_PEER_LIBERAL);
}

/* Commits an accepted segment: both peers, then retransmit counting (conntrack's retrans). */
void tcp_track_commit(struct ctx *c, const struct tcp_window *w)
{
	struct tcp_track *t = c->t;
	const struct packet *p = c->p;

	tcp_window_commit(c->snd, c->rcv, p, c->end, w);
	bool same = tcp_rules_same_as_last(t, c->dir, p, c->end);
	if (same && (c->idx == TCP_TRACK_IDX_ACK || c->idx == TCP_TRACK_IDX_FIN)) {
		if (t->retrans < UINT8_MAX)
			t->retrans++;
	} else {
		t->retrans = 0;
	}
	tcp_track_remember(c, false);
}

void tcp_track_window_check(struct ctx *c, struct tcp_window *w)
{
	uint8_t relearn = c->dir ? TCP_TRACK_F_RELEARN_REPLY : TCP_TRACK_F_RELEARN_ORIG;
	bool first_seen = !c->snd->maxwin;
	struct tcp_track_peer snd, rcv;

	if (first_seen) {
		snd = *c->snd;
		rcv = *c->rcv;
	}
	tcp_window_check(c->snd, c->rcv, c->p, c->end, is_liberal(c), w);
	if (c->t->flags & relearn) {
		if (w->verdict == TCP_TRACK_ACCEPT)
			c->t->flags &= (uint8_t)~relearn; /* in step again: strict from now on */
		else if (w->verdict == TCP_TRACK_INVALID) {
			w->verdict = TCP_TRACK_ACCEPT;
			w->reason = REASON_OK;
		}
	}
	if (first_seen && w->verdict != TCP_TRACK_ACCEPT) {
		/* a first-seen sender is set up only by a segment that counts */
		*c->snd = snd;
		*c->rcv = rcv;
	}
}

/* The pair state once the handshake is done, from each peer's FIN facts. */
static uint8_t closing_state(const struct tcp_track *t)
{
	uint8_t f0 = t->peer[0].flags, f1 = t->peer[1].flags;
	bool fin0 = f0 & TCP_TRACK_PEER_FIN, fin1 = f1 & TCP_TRACK_PEER_FIN;
	bool acked0 = f0 & TCP_TRACK_PEER_FIN_ACKED, acked1 = f1 & TCP_TRACK_PEER_FIN_ACKED;

	if (!fin0 && !fin1)
		return TCP_TRACK_ESTABLISHED;
	if (fin0 && fin1)
		return acked0 && acked1 ? TCP_TRACK_TIME_WAIT : TCP_TRACK_LAST_ACK;
	return (fin0 ? acked0 : acked1) ? TCP_TRACK_CLOSE_WAIT : TCP_TRACK_FIN_WAIT;
}

/* Accepts the segment into new_state and picks the timer class (conntrack's order). */
void tcp_track_accept_into(struct ctx *c, uint8_t new_state)
{
	struct tcp_track *t = c->t;
	uint8_t old = c->res->old_state;

	verdict(c, TCP_TRACK_ACCEPT, REASON_OK);
	if (c->dir == TCP_TRACK_REPLY && !(t->flags & TCP_TRACK_F_SEEN_REPLY)) {
		t->flags |= TCP_TRACK_F_SEEN_REPLY;
		if (old == TCP_TRACK_ESTABLISHED && new_state == TCP_TRACK_ESTABLISHED)
			t->flags |= TCP_TRACK_F_ASSURED; /* picked up, now seen both ways */
	}
	if (old == TCP_TRACK_SYN_RECV && new_state != TCP_TRACK_SYN_RECV &&
	    new_state != TCP_TRACK_CLOSE) /* an RST ends a handshake, it does not complete it */
		t->flags |= TCP_TRACK_F_ASSURED;
	t->state = new_state;
	c->res->new_state = new_state;

	c->res->timeout = tcp_rules_timeout(t, c->idx, c->params->max_retrans, new_state);
}

/* An RST with sequence number 0 answering the SYN we passed last, from the other side. */
static bool rst_answers_syn(const struct ctx *c)
{
	return (c->p->flags & TCP_FLAG_ACK) && c->p->seq == 0 &&
	       last_was(c->t, true, TCP_TRACK_IDX_SYN, !c->dir) && c->p->ack == c->t->last_end;
}

/* ---- RST ---- */

static void rst_close(struct ctx *c)
{
	tcp_track_remember(c, false);
	c->t->rst_dir = c->dir;
	tcp_track_accept_into(c, TCP_TRACK_CLOSE);
}

static void track_rst_syn_sent(struct ctx *c)
{
	struct tcp_track *t = c->t;
	const struct packet *p = c->p;

	if (c->dir == TCP_TRACK_ORIGINAL) {
		/* the initiator aborts, or answers a challenge ACK (Linux c410cb974f2b) */
		if (p->seq == c->snd->end ||
		    (last_was(t, true, TCP_TRACK_IDX_ACK, TCP_TRACK_REPLY) &&
		     p->seq == t->last_ack))
			rst_close(c);
		else
			invalid(c, REASON_RST_OUT_OF_WINDOW);
		return;
	}
	/* RFC 9293 3.10.7.3: in SYN-SENT an RST counts only if its ACK acks the SYN */
	if (!(p->flags & TCP_FLAG_ACK) || !acks_syn(c->rcv, p->ack)) {
		invalid(c, REASON_RST_BAD_ACK);
		return;
	}
	bool unreplied = !(t->flags & TCP_TRACK_F_SEEN_REPLY);

	rst_close(c);
	c->res->destroy = unreplied; /* the only answer to the SYN was this RST */
}

/*
 * RST on a synchronised flow. It closes only when it is exact (RFC 5961 3.2) at a RCV.NXT the
 * tracker knows: the sender's end, once the receiver has acknowledged all of it. While the
 * sender has unacknowledged data the receiver may hold any part of it, so no RST is certain:
 * it passes for the endpoint to judge. The endpoint either accepts it and falls silent (the
 * flow then ages out on the unacknowledged-data timer), or answers with a challenge ACK that
 * settles RCV.NXT, and the sender's answer to that is exact. An RST with sequence number 0
 * answering a SYN we let through from the other side, with that SYN's end as its ACK, also
 * closes: the form a closed port gives a SYN-SENT peer (Linux, direction as fixed in
 * bed6e04be8e6). One before RCV.NXT or past the window is dropped. Linux validates none of
 * this once a FIN was seen; we do. Neither kind lowers the timer.
 */
static void track_rst_synced(struct ctx *c)
{
	const struct packet *p = c->p;
	struct tcp_track_peer *s = c->snd, *r = c->rcv;
	bool r_acked = r->flags & TCP_TRACK_PEER_MAXACK;
	/* an RST with data whose checksum nobody could verify (longer than the copy): no
	 * stack sends one, a forger hides a bad sum that way, and the endpoint checks it */
	bool exact = !(s->flags & TCP_TRACK_PEER_UNACKED) && p->seq == s->end &&
		     !(p->sum_unknown && p->payload_len);

	if (exact) {
		rst_close(c);
		return;
	}
	if (rst_answers_syn(c)) {
		/* the SYN's sender discards it if it is the live connection: only the caller
		 * can weigh that (tcp_track_resync); the SYN stays remembered */
		verdict(c, TCP_TRACK_IGNORE, REASON_RST_INEXACT);
		c->res->resync = true;
		return;
	}
	if (seq_lt(p->seq, r_acked ? r->maxack : s->isn)) {
		invalid(c, REASON_RST_OUT_OF_WINDOW); /* Linux's pre-check */
		return;
	}
	if (seq_le(p->seq, s->maxend) || is_liberal(c))
		ignore(c, REASON_RST_INEXACT);
	else
		invalid(c, REASON_RST_OUT_OF_WINDOW);
}

static void track_rst(struct ctx *c)
{
	struct tcp_track *t = c->t;

	switch (t->state) {
	case TCP_TRACK_SYN_SENT:
		track_rst_syn_sent(c);
		return;
	case TCP_TRACK_TIME_WAIT:
		/* RFC 1337: never let an RST assassinate TIME_WAIT, except the exact answer to
		 * the challenge ACK that followed an old-looking SYN, at the holder's RCV.NXT
		 * (the end of all its peer sent): an ACK with another number was not its own */
		if ((t->flags & TCP_TRACK_F_CHALLENGE) &&
		    last_was(t, true, TCP_TRACK_IDX_ACK, !c->dir) && c->p->seq == t->last_ack &&
		    c->p->seq == c->snd->end)
			rst_close(c);
		else
			invalid(c, REASON_TIME_WAIT_RST);
		return;
	case TCP_TRACK_CLOSE:
		rst_close(c); /* a repeated RST for a connection that is gone */
		return;
	default:
		track_rst_synced(c);
	}
}

/* ---- ACK and FIN|ACK ---- */

/* Segments in TIME_WAIT: only retransmitted ACKs and FINs, and the challenge ACK, pass. */
static void track_ack_time_wait(struct ctx *c)
{
	struct tcp_track *t = c->t;
	struct tcp_window w;

	/* a retransmission (a FIN with its data, when the last ACK was lost) passes for the
	 * holder to ACK again; only new sequence space is dropped */
	if (seq_gt(c->end, c->snd->end)) {
		invalid(c, REASON_TIME_WAIT_SEGMENT);
		return;
	}
	tcp_track_window_check(c, &w);
	if (w.verdict == TCP_TRACK_INVALID) {
		invalid(c, w.reason);
		return;
	}
	if ((t->flags & TCP_TRACK_F_CHALLENGE) && last_was(t, true, TCP_TRACK_IDX_SYN, !c->dir))
		ignore(c, REASON_CHALLENGE_ACK);
	else
		ignore(c, REASON_TIME_WAIT_ACK);
}

/* Is this ACK-class segment allowed to complete a SYN_RECV handshake, and does it? */
static bool handshake_ack_ok(struct ctx *c)
{
	struct tcp_track *t = c->t;
	bool completes = c->dir == TCP_TRACK_ORIGINAL || (t->flags & TCP_TRACK_F_SIMOPEN);

	if (t->state != TCP_TRACK_SYN_RECV || !completes)
		return true;
	return tcp_track_check_handshake_ack(c,
					     c->rcv); /* RFC 9293: SND.UNA < SEG.ACK <= SND.NXT */
}

/* The initiator's ACK takes the SYN/ACK with a new ISN passed last (responder_restarted). */
static bool takes_new_synack(const struct ctx *c)
{
	const struct tcp_track *t = c->t;

	return t->state == TCP_TRACK_SYN_RECV && c->dir == TCP_TRACK_ORIGINAL &&
	       !acks_syn(c->rcv, c->p->ack) &&
	       last_was(t, true, TCP_TRACK_IDX_SYNACK, TCP_TRACK_REPLY) && c->p->ack == t->last_end;
}

static uint8_t ack_new_state(const struct ctx *c)
{
	const struct tcp_track *t = c->t;

	if (t->state == TCP_TRACK_CLOSE)
		return TCP_TRACK_CLOSE;
	if (t->state == TCP_TRACK_SYN_RECV && c->idx == TCP_TRACK_IDX_ACK &&
	    c->dir == TCP_TRACK_REPLY && !(t->flags & TCP_TRACK_F_SIMOPEN))
		return TCP_TRACK_SYN_RECV; /* responder data before the third ACK (TFO) */
	return closing_state(t);
}

/*
 * Receiver acceptability before any window update (Linux tcp_validate_incoming order): PAWS,
 * then a segment ending before the receiver's last ACK, which it discards whole. Both pass
 * untouched; the endpoint answers them with a duplicate ACK. RSTs are exempt from PAWS.
 */
static bool receiver_discards(struct ctx *c)
{
	if (tcp_rules_paws_rejects(c->snd, c->rcv, c->p)) {
		ignore(c, REASON_PAWS_REJECT);
		return true;
	}
	if (tcp_rules_seq_stale(c->rcv, c->end)) {
		ignore(c, REASON_SEQ_STALE);
		return true;
	}
	return false;
}

/* Records an accepted FIN, and which side closed first: that side will hold TIME-WAIT. */
static void record_fin(struct ctx *c)
{
	const struct tcp_track_peer *r = c->rcv;

	c->snd->flags |= TCP_TRACK_PEER_FIN;
	/* a FIN that acks the other side's FIN closes second; one that does not crossed it
	 * (simultaneous close), and both ends then hold TIME-WAIT (RFC 9293 3.6) */
	if (!(r->flags & TCP_TRACK_PEER_FIN) || !(r->flags & TCP_TRACK_PEER_FIN_ACKED))
		c->t->tw_holder |= 1u << c->dir;
}

/* Data past a FIN not yet acknowledged: the FIN was not the end of its sender's data. */
static void withdraw_fin(struct ctx *c)
{
	c->snd->flags &= (uint8_t)~TCP_TRACK_PEER_FIN;
	c->t->tw_holder &= ~(1u << c->dir);
}

static void track_ack_body(struct ctx *c);

static void track_ack(struct ctx *c)
{
	if (unlikely(c->t->state == TCP_TRACK_SYN_RECV) && takes_new_synack(c)) {
		/* re-initialise the responder for this segment's checks, and keep it only if
		 * the segment is taken */
		struct tcp_track saved = *c->t;

		tcp_track_responder_restarted(c);
		track_ack_body(c);
		if (c->res->verdict != TCP_TRACK_ACCEPT)
			*c->t = saved;
		return;
	}
	track_ack_body(c);
}

static void track_ack_body(struct ctx *c)
{
	struct tcp_track *t = c->t;
	struct tcp_track_peer *s = c->snd;
	struct tcp_window w;

	switch (t->state) {
	case TCP_TRACK_SYN_SENT:
	case TCP_TRACK_SYN_SENT2:
		/* only the responder's challenge ACK to a reused tuple may pass (Linux sIG) */
		if (c->dir == TCP_TRACK_REPLY && c->idx == TCP_TRACK_IDX_ACK)
			ignore(c, REASON_CHALLENGE_ACK);
		else
			invalid(c, REASON_INVALID_STATE);
		return;
	case TCP_TRACK_TIME_WAIT:
		track_ack_time_wait(c);
		return;
	default:
		break;
	}
	if (!handshake_ack_ok(c) || receiver_discards(c))
		return;
	bool fin = c->idx == TCP_TRACK_IDX_FIN;
	bool past_fin = (s->flags & TCP_TRACK_PEER_FIN) && seq_gt(c->end, s->end);
	/* the FIN's own number must lie past every byte sent (a recorded FIN may repeat, and
	 * the last number may be the FIN's when a later ACK overtook it past a hole); a
	 * sender not seen yet, or re-learning, has no known end */
	bool fin_inside = fin && s->maxwin &&
			  (seq_lt(c->end, s->end) ||
			   (c->end == s->end && !(s->flags & TCP_TRACK_PEER_FIN) && !s->hole));
	if (past_fin && (s->flags & TCP_TRACK_PEER_FIN_ACKED)) {
		invalid(c, REASON_DATA_AFTER_FIN); /* the receiver has closed its side */
		return;
	}
	tcp_track_window_check(c, &w);
	if (w.verdict == TCP_TRACK_INVALID) {
		invalid(c, w.reason);
		return;
	}
	if (w.verdict == TCP_TRACK_IGNORE) {
		ignore(c, w.reason); /* an overshoot no longer extends the end: see the rules */
		return;
	}
	if (fin_inside) {
		ignore(c, REASON_FIN_INSIDE_DATA);
		return;
	}
	/* the side whose RST closed the flow sends something new: the RST never reached its
	 * peer (a low TTL), or was not its own; the connection lives on (RFC 5961 3.2) */
	bool revives = t->state == TCP_TRACK_CLOSE && c->dir == t->rst_dir &&
		       tcp_track_is_assured(t) &&
		       (seq_gt(c->end, s->end) ||
			((c->p->flags & TCP_FLAG_ACK) && (s->flags & TCP_TRACK_PEER_MAXACK) &&
			 seq_gt(c->p->ack, s->maxack)));
	if (past_fin)
		withdraw_fin(c);
	tcp_track_commit(c, &w);
	if (fin && !(s->flags & TCP_TRACK_PEER_FIN))
		record_fin(c);
	tcp_track_accept_into(c, revives ? closing_state(t) : ack_new_state(c));
}

/* ---- entry points ---- */

/*
 * RFC 2385 and RFC 5925: a receiver that signed its SYN discards every segment without its
 * option, and one that did not discards every segment with one (Linux TCPMD5Unexpected). Keys
 * belong to the peer address, so a SYN opening a new incarnation is held to the same rule. The
 * receiver's options are unknown while only the initiator has spoken, or after a pickup.
 */
static bool auth_ok(struct ctx *c)
{
	if (likely(!c->rcv->auth && !(c->p->opt.present & (PACKET_OPT_MD5 | PACKET_OPT_AO))))
		return true; /* the common case: nobody signs */

	uint8_t want = c->rcv->auth, got = tcp_track_auth_of(c->p);

	if (want == got || (c->t->state == TCP_TRACK_SYN_SENT && c->dir == TCP_TRACK_ORIGINAL) ||
	    ((c->snd->flags | c->rcv->flags) & TCP_TRACK_PEER_LIBERAL))
		return true;
	invalid(c, want == TCP_TRACK_AUTH_NONE || got != TCP_TRACK_AUTH_NONE
			   ? REASON_AUTH_UNEXPECTED
			   : REASON_AUTH_MISSING);
	return false;
}

static void ctx_init(struct ctx *c, struct tcp_track *t, const struct packet *p, uint8_t dir,
		     const struct tcp_track_params *params, struct tcp_track_result *res)
{
	*c = (struct ctx){
		.t = t,
		.p = p,
		.params = params,
		.res = res,
		.snd = &t->peer[dir],
		.rcv = &t->peer[!dir],
		.dir = dir,
		.idx = tcp_track_index_of(p->flags),
		.end = p->seq + packet_seg_len(p),
	};
	*res = (struct tcp_track_result){
		.verdict = TCP_TRACK_INVALID,
		.timeout = TCP_TRACK_TIMEOUT_KEEP,
		.old_state = t->state,
		.new_state = t->state,
	};
}

void tcp_track_new(struct tcp_track *t, const struct packet *p,
		   const struct tcp_track_params *params, struct tcp_track_result *res)
{
	struct ctx c;

	*t = (struct tcp_track){0};
	ctx_init(&c, t, p, TCP_TRACK_ORIGINAL, params, res);
	if (!tcp_track_flags_valid(p->flags)) {
		invalid(&c, REASON_BAD_FLAGS);
		return;
	}
	if (c.idx == TCP_TRACK_IDX_SYN) {
		tcp_track_peer_init_from_syn(c.snd, p, c.end);
		tcp_track_remember(&c, false);
		tcp_track_accept_into(&c, TCP_TRACK_SYN_SENT);
		return;
	}
	if (c.idx != TCP_TRACK_IDX_ACK) {
		invalid(&c, REASON_INVALID_NEW); /* SYN/ACK, FIN or RST can never open a flow */
		return;
	}
	if (!params->pickup) {
		invalid(&c, REASON_NEW_NOT_SYN);
		return;
	}
	/* mid-stream pickup: window scale is unknown, so upper window bounds stay off for the
	 * life of the flow, as in Linux (BE_LIBERAL); flag and RST checks stay on */
	struct tcp_window w;
	c.snd->flags = c.rcv->flags = TCP_TRACK_PEER_LIBERAL | TCP_TRACK_PEER_SACK_PERM;
	c.snd->isn = p->seq;
	c.rcv->isn = p->ack;
	tcp_window_ack(c.rcv, p, &w);
	tcp_window_init_sender(c.snd, c.rcv, p, c.end, &w);
	tcp_track_commit(&c, &w);
	tcp_track_accept_into(&c, TCP_TRACK_ESTABLISHED);
}

void tcp_track_packet(struct tcp_track *t, const struct packet *p, enum tcp_track_dir dir,
		      const struct tcp_track_params *params, struct tcp_track_result *res)
{
	struct ctx c;

	assert(t->state != TCP_TRACK_NONE && t->state < _TCP_TRACK_STATE_MAX);
	ctx_init(&c, t, p, dir, params, res);
	if (!tcp_track_flags_valid(p->flags)) {
		invalid(&c, REASON_BAD_FLAGS);
		return;
	}
	if (!auth_ok(&c))
		return;
	switch (c.idx) {
	case TCP_TRACK_IDX_SYN:
		tcp_track_syn(&c);
		break;
	case TCP_TRACK_IDX_SYNACK:
		tcp_track_synack(&c);
		break;
	case TCP_TRACK_IDX_RST:
		track_rst(&c);
		break;
	case TCP_TRACK_IDX_FIN:
	case TCP_TRACK_IDX_ACK:
		track_ack(&c);
		break;
	default:
		invalid(&c, REASON_BAD_FLAGS); /* unreachable: no flags is not a valid set */
	}
}

void tcp_track_resync(struct tcp_track *t, const struct packet *p, enum tcp_track_dir dir,
		      const struct tcp_track_params *params, struct tcp_track_result *res)
{
	struct ctx c;

	ctx_init(&c, t, p, dir, params, res);
	if (c.idx == TCP_TRACK_IDX_RST && rst_answers_syn(&c))
		rst_close(&c);
	else if (c.idx != TCP_TRACK_IDX_SYNACK || !tcp_track_try_resync(&c))
		verdict(&c, TCP_TRACK_IGNORE, REASON_SYNACK_IGNORED);
}
