// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_model - a reference model of what a Linux TCP endpoint accepts on receive, the referee
 * for the tracker's rule "a segment moves the flow only if its receiver would accept it".
 * Written from RFC 9293, 5961, 7323 and Linux's tcp_input.c, tcp_minisocks.c and tcp_ipv4.c,
 * independently of lib/tcp_track.c.
 *
 * One struct tcp_model_ep is one endpoint's TCB reduced to what decides acceptability: the send
 * side (ISS, SND.UNA, SND.NXT, SND.WND, SND.WL1, the largest window the peer advertised, the
 * bytes it acknowledged), the receive side (IRS, RCV.NXT, RCV.WUP, the window last advertised,
 * TS.Recent), what both SYNs agreed on (window scale, SACK, timestamps, TCP-MD5 or TCP-AO), the
 * state, its own FIN, and a small out-of-order store. tcp_model_receive() judges a segment and
 * applies an accepted one; tcp_model_sent() records what the endpoint itself sent.
 *
 * Synchronized states (ESTABLISHED to LAST_ACK), in Linux's order:
 *  a. tcp_inbound_hash(): an MD5 or AO option when none is configured, none when one is, the
 *     other one, or both: discard, RST included. A matching option counts as a good signature.
 *  f. neither ACK, RST nor SYN: discard. Linux checks this before anything else (slow path of
 *     tcp_rcv_established, tcp_rcv_state_process); a segment without ACK but with RST or SYN is
 *     decided by d or e, so no segment without ACK gets past e.
 *  b. PAWS (tcp_paws_discard): timestamps negotiated, TSval present, TS.Recent - TSval > 1,
 *     TS.Recent not 0, not tcp_disordered_ack(), not RST: discard.
 *  c. tcp_sequence(): SEG.SEQ + SEG.LEN (SYN, FIN counted) before RCV.WUP, or SEG.SEQ after
 *     RCV.NXT + window: discard; an RST there still resets if tcp_reset_check() holds.
 *  d. RST: at RCV.NXT, at RCV.NXT - 1 in CLOSE_WAIT, CLOSING, LAST_ACK (tcp_reset_check), or
 *     at the right edge of the highest SACK block we would send: reset (ACCEPT, CLOSED);
 *     otherwise discard (challenge ACK, RFC 5961 3.2).
 *  e. SYN: discard (challenge ACK, RFC 5961 4.2).
 *  g. tcp_ack(): ACK before SND.UNA - min(MAX.SND.WND, bytes acked) (RFC 5961 5.2), or after
 *     SND.NXT: discard.
 *  h. ACCEPT. The ACK updates the window (tcp_may_update_window), SND.UNA and TS.Recent
 *     (tcp_replace_ts_recent: SEG.SEQ <= RCV.WUP, not for an ACK older than SND.UNA); an ACK of
 *     our FIN moves FIN_WAIT1, CLOSING and LAST_ACK on. Then tcp_data_queue(): in-order data,
 *     the out-of-order store, the FIN once in order. Data at or after RCV.NXT in CLOSE_WAIT,
 *     CLOSING and LAST_ACK is dropped silently by Linux; the segment still counts as accepted
 *     because its ACK was processed.
 * Other states: LISTEN takes a SYN (tcp_conn_request); SYN_SENT an RST or SYN/ACK whose ACK
 * acknowledges the SYN (RFC 9293 3.10.7.3), or a bare SYN (simultaneous open, approximated by
 * the request-socket rules); SYN_RECV follows tcp_check_req(); TIME_WAIT follows
 * tcp_timewait_state_process(): only a bare ACK or RST at RCV.NXT that passes PAWS, or at a
 * listener a SYN with a newer SEQ or TSval, is accepted (an RST kills it: tcp_rfc1337 = 0);
 * Linux runs no MD5/AO check for TIME_WAIT sockets, nor does the model. CLOSED accepts only a
 * new SYN, and only at a listener.
 *
 * Left out, deliberately:
 *  - header prediction (the fast path queues in-order data even with a too-old ACK);
 *  - close() semantics: data after our FIN is taken as after shutdown(SHUT_WR), never the
 *    RCV_SHUTDOWN reset, and FIN_WAIT2 never becomes an orphan time-wait socket;
 *  - memory: nothing is pruned, except that a fifth out-of-order hole is dropped, not stored;
 *  - urgent data, D-SACK, SACK block validation (bad blocks never discard a segment), ECN, TFO;
 *  - clocks: PAWS's 24-day TS.Recent expiry and the 60 s TCP_PAWS_MSL grace for RSTs in
 *    TIME_WAIT never apply; tcp_disordered_ack()'s replay window assumes RTO = TCP_RTO_MIN
 *    (200 ms: 204 ticks of the 1 ms TS clock), the least Linux uses;
 *  - SYN_SENT's TSecr check; the newer tcp_sequence() rule ("tcp: do not accept packets beyond
 *    window") that drops a segment whose end passes the window while the receive queue is not
 *    empty, and the newest TSecr checks: the model is the RFC 793 test Linux long had.
 *
 * The comparison the differential test makes is tests/unit/track_cmp.h's, shared with the
 * unit tests and the engine fuzz harness. Nothing allocates; nothing prints.
 */
#ifndef TCPFW_TCP_MODEL_H
#define TCPFW_TCP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "tcp_track.h"

/* The TCP-MD5 (kind 19) and TCP-AO (kind 29) bits arrived in lib/packet.h while the model was
 * written; these stand in for them in a tree that lacks them. */
#ifndef PACKET_OPT_MD5
#define PACKET_OPT_MD5 0x20
#endif
#ifndef PACKET_OPT_AO
#define PACKET_OPT_AO 0x40
#endif

enum tcp_model_state {
	TCP_MODEL_CLOSED = 0, /* no socket (an active opener before its SYN, or gone) */
	TCP_MODEL_LISTEN,
	TCP_MODEL_SYN_SENT,
	TCP_MODEL_SYN_RECV, /* Linux: a request socket until the handshake completes */
	TCP_MODEL_ESTABLISHED,
	TCP_MODEL_FIN_WAIT1,
	TCP_MODEL_FIN_WAIT2,
	TCP_MODEL_CLOSE_WAIT,
	TCP_MODEL_CLOSING,
	TCP_MODEL_LAST_ACK,
	TCP_MODEL_TIME_WAIT,
	_TCP_MODEL_STATE_MAX
};

enum tcp_model_verdict {
	TCP_MODEL_DISCARD = 0, /* dropped whole: nothing in it is used, its ACK is not processed */
	TCP_MODEL_ACCEPT,      /* passed validation: ACK processed (its data may be a duplicate) */
};

enum tcp_model_auth {
	TCP_MODEL_AUTH_NONE = 0,
	TCP_MODEL_AUTH_MD5, /* RFC 2385 */
	TCP_MODEL_AUTH_AO,  /* RFC 5925 */
	_TCP_MODEL_AUTH_MAX
};

/* What an endpoint offers in its SYN (tcp_model_init); the SYN it sends must match. */
struct tcp_model_cfg {
	uint32_t iss;
	int8_t wscale; /* its shift, or -1 for no window scale option */
	bool ts;
	bool sack;
	bool listen;  /* passive opener: starts in LISTEN and stays a listener when CLOSED */
	uint8_t auth; /* enum tcp_model_auth, configured for this peer on both sides */
};

#define TCP_MODEL_OOO_MAX 4 /* Linux keeps at most 4 SACK blocks (selective_acks[]) */

struct tcp_model_ooo {
	uint32_t start; /* [start, end): received above RCV.NXT, a FIN counted */
	uint32_t end;
};

struct tcp_model_ep {
	/* send side */
	uint32_t iss;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_wnd;     /* peer's window, scaled, as last accepted */
	uint32_t snd_wl1;     /* SEG.SEQ of the segment that last set snd_wnd */
	uint32_t max_window;  /* largest window the peer advertised, scaled */
	uint64_t bytes_acked; /* Linux tp->bytes_acked: bounds the RFC 5961 old-ACK check */
	uint32_t fin_seq;     /* with fin_sent */
	/* receive side */
	uint32_t irs;
	uint32_t rcv_nxt;
	uint32_t rcv_wup; /* RCV.NXT as last acknowledged (tcp_select_window) */
	uint32_t rcv_wnd; /* window last advertised, scaled */
	uint32_t ts_recent;
	/* negotiated */
	uint8_t snd_wscale; /* the peer's shift: applies to windows received */
	uint8_t rcv_wscale; /* own shift: applies to windows sent */
	bool ts_on;
	bool sack_ok;
	uint8_t auth; /* enum tcp_model_auth */
	/* own configuration */
	bool offer_ts;
	bool offer_sack;
	bool offer_wscale;
	bool listener;
	/* state */
	uint8_t state; /* enum tcp_model_state */
	bool fin_sent;
	bool ooo_fin; /* the out-of-order store holds the peer's FIN, ending at ooo_fin_end */
	uint32_t ooo_fin_end;
	uint8_t n_ooo;
	struct tcp_model_ooo ooo[TCP_MODEL_OOO_MAX];
};

/* Sets *ep up from cfg: a listener in LISTEN, an active opener in CLOSED. */
void tcp_model_init(struct tcp_model_ep *ep, const struct tcp_model_cfg *cfg);

/*
 * Judges a segment arriving at ep. Returns DISCARD or ACCEPT and, when why is not NULL, points
 * *why at a static string naming the rule that decided (the Linux function or RFC section).
 * ACCEPT applies the segment to ep: the ACK (SND.UNA, the window update rules, TS.Recent), the
 * data and an in-order FIN (RCV.NXT, the out-of-order store), and the state transitions. A
 * listener accepts a new connection's SYN by moving to SYN_RECV; an RST that resets moves ep to
 * CLOSED. DISCARD leaves ep unchanged.
 */
enum tcp_model_verdict tcp_model_receive(struct tcp_model_ep *ep, const struct packet *p,
					 const char **why);

/*
 * Records a segment ep sends: SND.NXT, its SYN (CLOSED to SYN_SENT), its FIN and the state that
 * follows, an RST (CLOSED), and the ACK and window it carries (RCV.WUP, RCV.WND). The caller
 * builds p the way Linux would: ACK = RCV.NXT, a window whose right edge never moves left, the
 * SYN options cfg offered.
 */
void tcp_model_sent(struct tcp_model_ep *ep, const struct packet *p);

/* The receive window still open: RCV.WUP + RCV.WND - RCV.NXT, or 0 (tcp_receive_window). */
uint32_t tcp_model_rcv_window(const struct tcp_model_ep *ep);

/* True from ESTABLISHED through TIME_WAIT: both ISNs are known. */
bool tcp_model_synchronized(const struct tcp_model_ep *ep);

const char *tcp_model_state_name(enum tcp_model_state s);

#endif /* TCPFW_TCP_MODEL_H */
