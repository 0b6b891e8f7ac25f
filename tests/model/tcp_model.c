// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_model - the receive side of a Linux TCP endpoint, as a referee (see tcp_model.h).
 *
 * The rules, their order and what is left out are listed in tcp_model.h. Each function names
 * the Linux function it follows; a comment says where the model knowingly departs from it.
 */
#include <stdio.h>
#include <string.h>

#include "packet.h"
#include "seq.h"
#include "tcp_model.h"
#include "tcp_track.h"

#define TCP_MODEL_PAWS_WINDOW 1	  /* TCP_PAWS_WINDOW */
#define TCP_MODEL_PAWS_REPLAY 204 /* (TCP_RTO_MIN * 1024) / HZ, in TS ticks */

#define F_SYN TCP_FLAG_SYN
#define F_ACK TCP_FLAG_ACK
#define F_RST TCP_FLAG_RST
#define F_FIN TCP_FLAG_FIN

static enum tcp_model_verdict discard(const char **why, const char *rule)
{
	*why = rule;
	return TCP_MODEL_DISCARD;
}

static enum tcp_model_verdict accept_seg(const char **why, const char *rule)
{
	*why = rule;
	return TCP_MODEL_ACCEPT;
}

static uint32_t seg_end(const struct packet *p)
{
	return p->seq + packet_seg_len(p);
}

static bool in_state(const struct tcp_model_ep *ep, unsigned mask)
{
	return (1u << ep->state) & mask;
}

#define S(x) (1u << TCP_MODEL_##x)

uint32_t tcp_model_rcv_window(const struct tcp_model_ep *ep)
{
	int32_t win = (int32_t)(ep->rcv_wup + ep->rcv_wnd - ep->rcv_nxt);

	return win < 0 ? 0 : (uint32_t)win;
}

bool tcp_model_synchronized(const struct tcp_model_ep *ep)
{
	return ep->state >= TCP_MODEL_ESTABLISHED;
}

void tcp_model_init(struct tcp_model_ep *ep, const struct tcp_model_cfg *cfg)
{
	memset(ep, 0, sizeof(*ep));
	ep->iss = ep->snd_una = ep->snd_nxt = cfg->iss;
	ep->offer_ts = cfg->ts;
	ep->offer_sack = cfg->sack;
	ep->offer_wscale = cfg->wscale >= 0;
	ep->rcv_wscale = cfg->wscale >= 0 ? (uint8_t)cfg->wscale : 0;
	ep->auth = cfg->auth;
	ep->listener = cfg->listen;
	ep->state = cfg->listen ? TCP_MODEL_LISTEN : TCP_MODEL_CLOSED;
}

/* ---- checks ---- */

/* tcp_inbound_hash(): the option must be the configured one, and only one of the two. */
static bool auth_ok(const struct tcp_model_ep *ep, const struct packet *p)
{
	static const uint8_t want[] = {
		[TCP_MODEL_AUTH_NONE] = 0,
		[TCP_MODEL_AUTH_MD5] = PACKET_OPT_MD5,
		[TCP_MODEL_AUTH_AO] = PACKET_OPT_AO,
	};

	return ep->auth < _TCP_MODEL_AUTH_MAX &&
	       (p->opt.present & (PACKET_OPT_MD5 | PACKET_OPT_AO)) == want[ep->auth];
}

/* tcp_fast_parse_options(): a timestamp counts only when both SYNs carried one. */
static bool saw_ts(const struct tcp_model_ep *ep, const struct packet *p)
{
	return ep->ts_on && (p->opt.present & PACKET_OPT_TIMESTAMP);
}

/* tcp_paws_check(): TSval no more than `win` older than TS.Recent, or TS.Recent unset (0). */
static bool paws_ok(const struct tcp_model_ep *ep, uint32_t tsval, int32_t win)
{
	return (int32_t)(ep->ts_recent - tsval) <= win || ep->ts_recent == 0;
}

/* The window a segment advertises to ep: never scaled on a SYN (RFC 7323 2.2). */
static uint32_t seg_window(const struct tcp_model_ep *ep, const struct packet *p)
{
	return (p->flags & F_SYN) ? p->window : (uint32_t)p->window << ep->snd_wscale;
}

/* tcp_may_update_window(): a newer ACK, a newer SEQ, or the same SEQ with a larger or zero
 * window (RFC 9293 3.10.7.4, SND.WL1). */
static bool may_update_window(const struct tcp_model_ep *ep, const struct packet *p)
{
	uint32_t nwin = seg_window(ep, p);

	return seq_gt(p->ack, ep->snd_una) || seq_gt(p->seq, ep->snd_wl1) ||
	       (p->seq == ep->snd_wl1 && (nwin > ep->snd_wnd || !nwin));
}

/* tcp_disordered_ack(): a pure duplicate ACK at RCV.NXT that does not update the window and
 * is within the replay window is exempt from PAWS. */
static bool disordered_ack(const struct tcp_model_ep *ep, const struct packet *p)
{
	return (p->flags & F_ACK) && packet_seg_len(p) == 0 && p->seq == ep->rcv_nxt &&
	       p->ack == ep->snd_una && !may_update_window(ep, p) &&
	       (int32_t)(ep->ts_recent - p->opt.tsval) <= TCP_MODEL_PAWS_REPLAY;
}

static bool paws_discard(const struct tcp_model_ep *ep, const struct packet *p)
{
	return saw_ts(ep, p) && !paws_ok(ep, p->opt.tsval, TCP_MODEL_PAWS_WINDOW) &&
	       !disordered_ack(ep, p);
}

/* tcp_sequence(): RFC 793's acceptability test as Linux words it. */
static bool in_sequence(const struct tcp_model_ep *ep, const struct packet *p)
{
	return !seq_lt(seg_end(p), ep->rcv_wup) &&
	       !seq_gt(p->seq, ep->rcv_nxt + tcp_model_rcv_window(ep));
}

/* tcp_reset_check(): after the peer's FIN, an RST may sit on the FIN's own number. */
static bool reset_check(const struct tcp_model_ep *ep, const struct packet *p)
{
	return p->seq == ep->rcv_nxt - 1 && in_state(ep, S(CLOSE_WAIT) | S(CLOSING) | S(LAST_ACK));
}

/* RFC 5961 3.2 as Linux extends it: an RST at the right edge of the highest SACK block. */
static bool rst_at_max_sack(const struct tcp_model_ep *ep, const struct packet *p)
{
	uint32_t max;

	if (!ep->sack_ok || !ep->n_ooo)
		return false;
	max = ep->ooo[0].end;
	for (unsigned i = 1; i < ep->n_ooo; i++)
		max = seq_max(max, ep->ooo[i].end);
	return p->seq == max;
}

/* tcp_ack()'s two discards; NULL when the ACK field is acceptable. */
static const char *ack_unacceptable(const struct tcp_model_ep *ep, const struct packet *p)
{
	uint32_t max_win =
		ep->bytes_acked < ep->max_window ? (uint32_t)ep->bytes_acked : ep->max_window;

	if (seq_lt(p->ack, ep->snd_una - max_win))
		return "ACK below SND.UNA - MAX.SND.WND (RFC 5961 5.2, tcp_ack)";
	if (seq_gt(p->ack, ep->snd_nxt))
		return "ACK of data never sent (tcp_ack)";
	return NULL;
}

/* ---- applying an accepted segment ---- */

static void reset(struct tcp_model_ep *ep)
{
	ep->state = TCP_MODEL_CLOSED;
	ep->n_ooo = 0;
	ep->ooo_fin = false;
}

/* tcp_fin(): the peer's FIN is in order. */
static void fin_received(struct tcp_model_ep *ep)
{
	ep->n_ooo = 0; /* tcp_fin purges the out-of-order queue */
	ep->ooo_fin = false;
	switch (ep->state) {
	case TCP_MODEL_SYN_RECV:
	case TCP_MODEL_ESTABLISHED:
		ep->state = TCP_MODEL_CLOSE_WAIT;
		break;
	case TCP_MODEL_FIN_WAIT1:
		ep->state = TCP_MODEL_CLOSING;
		break;
	case TCP_MODEL_FIN_WAIT2:
		ep->state = TCP_MODEL_TIME_WAIT;
		break;
	default:
		break; /* a retransmitted FIN */
	}
}

/* tcp_ofo_queue(): RCV.NXT moved; take every stored interval it reached. */
static void ooo_drain(struct tcp_model_ep *ep)
{
	for (unsigned i = 0; i < ep->n_ooo;) {
		struct tcp_model_ooo o = ep->ooo[i];

		if (seq_gt(o.start, ep->rcv_nxt)) {
			i++;
			continue;
		}
		ep->ooo[i] = ep->ooo[--ep->n_ooo];
		i = 0;
		if (ep->ooo_fin && seq_gt(ep->ooo_fin_end, ep->rcv_nxt) &&
		    seq_le(ep->ooo_fin_end, o.end)) {
			ep->rcv_nxt = ep->ooo_fin_end;
			fin_received(ep);
			return;
		}
		ep->rcv_nxt = seq_max(ep->rcv_nxt, o.end);
	}
	if (ep->ooo_fin && seq_le(ep->ooo_fin_end, ep->rcv_nxt))
		ep->ooo_fin = false; /* its segment was a duplicate by now */
}

/* tcp_data_queue_ofo(): merge [start, end) into the store (touching intervals merge, as SACK
 * blocks do); a fifth hole is dropped, as if pruned. */
static void ooo_store(struct tcp_model_ep *ep, uint32_t start, uint32_t end, bool fin)
{
	for (unsigned i = 0; i < ep->n_ooo;) {
		struct tcp_model_ooo o = ep->ooo[i];

		if (seq_lt(end, o.start) || seq_gt(start, o.end)) {
			i++;
			continue;
		}
		start = seq_min(start, o.start);
		end = seq_max(end, o.end);
		ep->ooo[i] = ep->ooo[--ep->n_ooo];
	}
	if (ep->n_ooo == TCP_MODEL_OOO_MAX)
		return; /* nothing merged, so nothing was removed */
	ep->ooo[ep->n_ooo++] = (struct tcp_model_ooo){start, end};
	if (fin) {
		ep->ooo_fin = true;
		ep->ooo_fin_end = end;
	}
}

static void take_in_order(struct tcp_model_ep *ep, const struct packet *p)
{
	ep->rcv_nxt = seg_end(p);
	if (p->flags & F_FIN)
		fin_received(ep);
	else
		ooo_drain(ep);
}

/* tcp_data_queue(), in its order. */
static void data_queue(struct tcp_model_ep *ep, const struct packet *p)
{
	uint32_t end = seg_end(p), win = tcp_model_rcv_window(ep);
	bool bare_fin = p->payload_len == 0 && (p->flags & F_FIN);

	if (p->seq == ep->rcv_nxt) {
		if (win || bare_fin) /* Linux takes a bare FIN even at a zero window */
			take_in_order(ep, p);
		return;
	}
	if (!seq_gt(end, ep->rcv_nxt) || !seq_lt(p->seq, ep->rcv_nxt + win))
		return; /* duplicate, or beyond the window (a window probe) */
	if (seq_lt(p->seq, ep->rcv_nxt)) {
		if (win) /* partly new */
			take_in_order(ep, p);
		return;
	}
	ooo_store(ep, p->seq, end, p->flags & F_FIN);
}

/* tcp_ack() on an acceptable ACK field: window, SND.UNA, TS.Recent. */
static void ack_apply(struct tcp_model_ep *ep, const struct packet *p)
{
	if (seq_lt(p->ack, ep->snd_una))
		return; /* old ACK: only its SACK blocks would be read */
	if (saw_ts(ep, p) && !seq_gt(p->seq, ep->rcv_wup) && paws_ok(ep, p->opt.tsval, 0))
		ep->ts_recent = p->opt.tsval;
	if (may_update_window(ep, p)) {
		ep->snd_wl1 = p->seq;
		ep->snd_wnd = seg_window(ep, p);
		if (ep->snd_wnd > ep->max_window)
			ep->max_window = ep->snd_wnd;
	}
	ep->bytes_acked += p->ack - ep->snd_una;
	ep->snd_una = p->ack;
}

/* tcp_rcv_state_process() step 6; true when the segment is consumed there. */
static bool ack_of_fin(struct tcp_model_ep *ep)
{
	if (!ep->fin_sent || ep->snd_una != ep->snd_nxt)
		return false;
	switch (ep->state) {
	case TCP_MODEL_FIN_WAIT1:
		ep->state = TCP_MODEL_FIN_WAIT2;
		return false;
	case TCP_MODEL_CLOSING:
		ep->state = TCP_MODEL_TIME_WAIT;
		return true;
	case TCP_MODEL_LAST_ACK:
		ep->state = TCP_MODEL_CLOSED;
		return true;
	default:
		return false;
	}
}

static void synced_apply(struct tcp_model_ep *ep, const struct packet *p)
{
	ack_apply(ep, p);
	if (ack_of_fin(ep) || packet_seg_len(p) == 0)
		return;
	/* step 7: after the peer's FIN only old data reaches tcp_data_queue */
	if (in_state(ep, S(CLOSE_WAIT) | S(CLOSING) | S(LAST_ACK)) && !seq_lt(p->seq, ep->rcv_nxt))
		return;
	data_queue(ep, p);
}

/* ---- per state ---- */

static enum tcp_model_verdict synced_rcv(struct tcp_model_ep *ep, const struct packet *p,
					 const char **why)
{
	const char *bad;

	if (!auth_ok(ep, p))
		return discard(why,
			       "MD5/AO option does not match the connection (tcp_inbound_hash)");
	if (!(p->flags & (F_ACK | F_RST | F_SYN)))
		return discard(why, "neither ACK, RST nor SYN");
	if (!(p->flags & F_RST) && paws_discard(ep, p))
		return discard(why, "PAWS: TSval older than TS.Recent (RFC 7323 5)");
	if (!in_sequence(ep, p)) {
		if ((p->flags & F_RST) && reset_check(ep, p)) {
			reset(ep);
			return accept_seg(why,
					  "RST at RCV.NXT - 1 after the FIN (tcp_reset_check)");
		}
		return discard(why, "sequence not acceptable (tcp_sequence)");
	}
	if (p->flags & F_RST) {
		if (p->seq != ep->rcv_nxt && !reset_check(ep, p) && !rst_at_max_sack(ep, p))
			return discard(why, "RST not at RCV.NXT: challenge ACK (RFC 5961 3.2)");
		reset(ep);
		return accept_seg(why, "RST at RCV.NXT (RFC 5961 3.2)");
	}
	if (p->flags & F_SYN)
		return discard(why,
			       "SYN on a synchronized connection: challenge ACK (RFC 5961 4.2)");
	bad = ack_unacceptable(ep, p);
	if (bad)
		return discard(why, bad);
	synced_apply(ep, p);
	return accept_seg(why, "acceptable");
}

/* What both SYNs agreed on (RFC 7323 1.3, 2.2; RFC 2018). */
static void negotiate(struct tcp_model_ep *ep, const struct packet *p)
{
	bool ws = ep->offer_wscale && (p->opt.present & PACKET_OPT_WSCALE);

	ep->snd_wscale = ws ? (p->opt.wscale > 14 ? 14 : p->opt.wscale) : 0;
	if (!ws)
		ep->rcv_wscale = 0;
	ep->ts_on = ep->offer_ts && (p->opt.present & PACKET_OPT_TIMESTAMP);
	ep->sack_ok = ep->offer_sack && (p->opt.present & PACKET_OPT_SACK_PERM);
	ep->ts_recent = ep->ts_on ? p->opt.tsval : 0;
	ep->irs = p->seq;
	ep->rcv_nxt = ep->rcv_wup = p->seq + 1;
	ep->n_ooo = 0;
	ep->ooo_fin = false;
}

/* tcp_conn_request(): a listener takes a SYN (a SYN with FIN, ACK or RST it drops). */
static enum tcp_model_verdict listen_rcv(struct tcp_model_ep *ep, const struct packet *p,
					 const char **why)
{
	if (!auth_ok(ep, p))
		return discard(why, "MD5/AO option does not match (listener)");
	if ((p->flags & (F_SYN | F_ACK | F_RST | F_FIN)) != F_SYN)
		return discard(why, "listener: not a bare SYN");
	negotiate(ep, p);
	ep->snd_una = ep->snd_nxt = ep->iss;
	ep->snd_wl1 = p->seq;
	ep->fin_sent = false;
	ep->state = TCP_MODEL_SYN_RECV;
	return accept_seg(why, "SYN at a listener");
}

/* tcp_rcv_synsent_state_process(). */
static enum tcp_model_verdict synsent_rcv(struct tcp_model_ep *ep, const struct packet *p,
					  const char **why)
{
	if (!auth_ok(ep, p))
		return discard(why, "MD5/AO option does not match (SYN_SENT)");
	if (!(p->flags & F_ACK)) {
		if ((p->flags & (F_SYN | F_RST)) != F_SYN)
			return discard(why, "SYN_SENT: neither ACK nor bare SYN");
		negotiate(ep, p);
		ep->state = TCP_MODEL_SYN_RECV;
		return accept_seg(why, "SYN_SENT: simultaneous open");
	}
	if (!seq_gt(p->ack, ep->iss) || seq_gt(p->ack, ep->snd_nxt))
		return discard(why, "SYN_SENT: ACK does not ack the SYN (RFC 9293 3.10.7.3)");
	if (p->flags & F_RST) {
		reset(ep);
		return accept_seg(why, "SYN_SENT: RST acking the SYN");
	}
	if (!(p->flags & F_SYN))
		return discard(why, "SYN_SENT: ACK without SYN");
	negotiate(ep, p);
	ep->snd_wnd = ep->max_window = p->window; /* never scaled on a SYN */
	ep->snd_wl1 = p->seq;
	ep->bytes_acked = p->ack - ep->snd_una;
	ep->snd_una = p->ack;
	ep->state = TCP_MODEL_ESTABLISHED;
	return accept_seg(why, "SYN_SENT: SYN/ACK");
}

/* tcp_in_window() of tcp_minisocks.c. */
static bool req_in_window(const struct tcp_model_ep *ep, const struct packet *p)
{
	uint32_t s_win = ep->rcv_nxt, e_win = ep->rcv_nxt + ep->rcv_wnd, end = seg_end(p);

	if (p->seq == s_win)
		return true;
	if (seq_gt(end, s_win) && seq_lt(p->seq, e_win))
		return true;
	return p->seq == e_win && p->seq == end;
}

/* tcp_check_req(), then the new child socket's tcp_rcv_state_process(). */
static enum tcp_model_verdict synrecv_rcv(struct tcp_model_ep *ep, const struct packet *p,
					  const char **why)
{
	bool paws_reject = saw_ts(ep, p) && !paws_ok(ep, p->opt.tsval, 0);
	uint8_t flg = p->flags & (F_RST | F_SYN | F_ACK);

	if (!auth_ok(ep, p))
		return discard(why, "MD5/AO option does not match (request socket)");
	if (p->seq == ep->irs && flg == F_SYN && !paws_reject)
		return discard(why, "SYN_RECV: retransmitted SYN (SYN/ACK resent)");
	if ((flg & F_ACK) && p->ack != ep->iss + 1)
		return discard(why, "SYN_RECV: ACK is not ISS + 1 (tcp_check_req)");
	if (paws_reject || !req_in_window(ep, p))
		return discard(why, "SYN_RECV: PAWS or out of window (tcp_check_req)");
	if (p->seq == ep->irs)
		flg &= (uint8_t)~F_SYN;
	if (flg & (F_RST | F_SYN)) {
		ep->state = ep->listener ? TCP_MODEL_LISTEN : TCP_MODEL_CLOSED;
		return accept_seg(why, "SYN_RECV: embryonic reset (tcp_check_req)");
	}
	if (!(flg & F_ACK))
		return discard(why, "SYN_RECV: no ACK");
	ep->snd_una = ep->iss + 1; /* tcp_create_openreq_child */
	ep->snd_wl1 = ep->irs;
	ep->snd_wnd = ep->max_window = 0;
	ep->bytes_acked = 0;
	ep->state = TCP_MODEL_ESTABLISHED;
	return synced_rcv(ep, p, why); /* tcp_child_process(): the child takes the segment */
}

/* tcp_timewait_state_process(). */
static enum tcp_model_verdict timewait_rcv(struct tcp_model_ep *ep, const struct packet *p,
					   const char **why)
{
	bool ts = saw_ts(ep, p);
	bool paws_reject = ts && !paws_ok(ep, p->opt.tsval, 0); /* RSTs too, within 60 s */

	if (!paws_reject && p->seq == ep->rcv_nxt &&
	    (packet_seg_len(p) == 0 || (p->flags & F_RST))) {
		if (p->flags & F_RST) {
			reset(ep);
			return accept_seg(why,
					  "TIME_WAIT: RST at RCV.NXT kills it (tcp_rfc1337 = 0)");
		}
		if (ts)
			ep->ts_recent = p->opt.tsval;
		return accept_seg(why, "TIME_WAIT: bare ACK at RCV.NXT restarts the timer");
	}
	if ((p->flags & (F_SYN | F_RST | F_ACK)) == F_SYN && !paws_reject && ep->listener &&
	    (seq_gt(p->seq, ep->rcv_nxt) || (ts && (int32_t)(ep->ts_recent - p->opt.tsval) < 0))) {
		ep->state = TCP_MODEL_LISTEN;
		return listen_rcv(ep, p, why);
	}
	return discard(why, "TIME_WAIT: not a bare ACK or RST at RCV.NXT, nor a new SYN");
}

enum tcp_model_verdict tcp_model_receive(struct tcp_model_ep *ep, const struct packet *p,
					 const char **why)
{
	struct tcp_model_ep save = *ep;
	const char *rule = "";
	enum tcp_model_verdict v;

	switch (ep->state) {
	case TCP_MODEL_CLOSED:
		if (!ep->listener)
			v = discard(&rule, "CLOSED: no socket (RST sent)");
		else if ((v = listen_rcv(ep, p, &rule)) == TCP_MODEL_DISCARD && auth_ok(ep, p))
			rule = "CLOSED: no connection; the listener takes only a bare SYN";
		break;
	case TCP_MODEL_LISTEN:
		v = listen_rcv(ep, p, &rule);
		break;
	case TCP_MODEL_SYN_SENT:
		v = synsent_rcv(ep, p, &rule);
		break;
	case TCP_MODEL_SYN_RECV:
		v = synrecv_rcv(ep, p, &rule);
		break;
	case TCP_MODEL_TIME_WAIT:
		v = timewait_rcv(ep, p, &rule);
		break;
	default:
		v = synced_rcv(ep, p, &rule);
	}
	if (v == TCP_MODEL_DISCARD)
		*ep = save; /* a discarded segment changes nothing, whatever a rule set up first */
	if (why)
		*why = rule;
	return v;
}

void tcp_model_sent(struct tcp_model_ep *ep, const struct packet *p)
{
	uint32_t end = seg_end(p);

	if (p->flags & F_RST) {
		reset(ep);
		return;
	}
	if ((p->flags & F_SYN) && ep->state == TCP_MODEL_CLOSED)
		ep->state = TCP_MODEL_SYN_SENT;
	if (seq_gt(end, ep->snd_nxt))
		ep->snd_nxt = end;
	if ((p->flags & F_FIN) && !ep->fin_sent) {
		ep->fin_sent = true;
		ep->fin_seq = end - 1;
		if (in_state(ep, S(ESTABLISHED) | S(SYN_RECV)))
			ep->state = TCP_MODEL_FIN_WAIT1;
		else if (ep->state == TCP_MODEL_CLOSE_WAIT)
			ep->state = TCP_MODEL_LAST_ACK;
	}
	if (p->flags & F_ACK)
		ep->rcv_wup = p->ack; /* tcp_select_window: RCV.NXT as sent */
	ep->rcv_wnd = (p->flags & F_SYN) ? p->window : (uint32_t)p->window << ep->rcv_wscale;
}

/* ---- names and the comparison ---- */

static const char *const state_names[] = {
	[TCP_MODEL_CLOSED] = "CLOSED",		 [TCP_MODEL_LISTEN] = "LISTEN",
	[TCP_MODEL_SYN_SENT] = "SYN_SENT",	 [TCP_MODEL_SYN_RECV] = "SYN_RECV",
	[TCP_MODEL_ESTABLISHED] = "ESTABLISHED", [TCP_MODEL_FIN_WAIT1] = "FIN_WAIT1",
	[TCP_MODEL_FIN_WAIT2] = "FIN_WAIT2",	 [TCP_MODEL_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_MODEL_CLOSING] = "CLOSING",	 [TCP_MODEL_LAST_ACK] = "LAST_ACK",
	[TCP_MODEL_TIME_WAIT] = "TIME_WAIT",
};
_Static_assert(sizeof(state_names) / sizeof(state_names[0]) == _TCP_MODEL_STATE_MAX,
	       "state_names out of sync");

const char *tcp_model_state_name(enum tcp_model_state s)
{
	return (unsigned)s < _TCP_MODEL_STATE_MAX ? state_names[s] : "unknown";
}
