/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcp_track - one TCP connection's state machine and sequence/window tracking, both peers.
 *
 * The baseline is Linux conntrack (nf_conntrack_proto_tcp.c): its valid-flag set, its
 * [direction][flag class][state] transition tables, the van Rooij window checks with window
 * scaling and SACK, and the three results ACCEPT / IGNORE / INVALID. On top of that the tracker is
 * stricter where the RFCs say the endpoint would reject the segment anyway; every such cell is in
 * tcp_track_deviations[] below, which the tests read.
 *
 * FIN is tracked per peer (sent, and acknowledged by the other side), so the exported pair state
 * (the Linux names: FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT) is derived from exact facts rather
 * than from the last packet's flags.
 *
 * One principle governs every rule (docs/tracking.md section 1 restates it): a segment may
 * change the flow's state, windows, close facts or timer class only if the receiving endpoint
 * would accept it, an RFC 9293 receiver as Linux's tcp_validate_incoming() applies it (RFC 5961
 * for RST, SYN and ACK, RFC 7323 PAWS, RFC 2385/5925 signatures). A segment the receiver would
 * discard is passed untouched (IGNORE: the endpoint discards or challenges it) or dropped
 * (INVALID), under a named reason. The tracker's picture of the receiver is conservative: its
 * RCV.WUP is the last ACK seen from it, and an RST is exact only once that ACK covers all its
 * sender sent; its TS.Recent moves only on a segment at its sender's end, at or before that ACK,
 * carrying no older ACK, so PAWS never rejects what the endpoint accepts. Where the tracker
 * cannot know (holes it did not see, ACKs still in flight) it errs towards passing without
 * change. tcp_track_deviations[] lists each rule that differs from Linux conntrack, with its
 * reason; tests/model checks the principle against a reference receiver.
 *
 * The tracker holds no clock and allocates nothing. It says which timeout class applies after an
 * accepted segment; the caller owns timers. Direction 0 (ORIGINAL) is the side that sent the
 * first segment, as in conntrack.
 */
#ifndef TCPFW_TCP_TRACK_H
#define TCPFW_TCP_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"
#include "reason.h"
#include "tcp_track_names.h"

/* Which timeout the caller should arm after an ACCEPT. */
enum tcp_track_timeout {
	TCP_TRACK_TIMEOUT_STATE = 0, /* the new state's own timeout */
	TCP_TRACK_TIMEOUT_RETRANS,   /* min(state, retrans): repeated retransmits or zero window */
	TCP_TRACK_TIMEOUT_UNACK,     /* min(state, unack): data in flight, or picked up unreplied */
	TCP_TRACK_TIMEOUT_KEEP,	     /* leave the timer as it is (unanswered SYN retransmit) */
	_TCP_TRACK_TIMEOUT_MAX
};

struct tcp_track_params {
	bool pickup;	     /* a non-SYN may start a flow (mid-stream pickup) */
	bool liberal;	     /* window failures pass (conntrack's be_liberal) */
	uint8_t tw_policy;   /* enum tcp_track_tw_policy */
	uint8_t max_retrans; /* identical segments before the RETRANS timeout; 3 */
};

/* One side of the connection; all sequence numbers are that side's own sequence space. */
struct tcp_track_peer {
	uint32_t end;	 /* highest seq + len sent (SYN and FIN count one): SND.NXT */
	uint32_t maxend; /* highest ack + window the other side allowed: right edge */
	uint32_t maxwin; /* largest scaled window this side advertised */
	uint32_t maxack; /* highest ack this side sent: its RCV.NXT */
	uint32_t isn;	 /* sequence number of this side's SYN */
	uint32_t tsval; /* the other side's TS.Recent for this side, valid with TCP_TRACK_PEER_TS */
	uint8_t wscale : 4; /* window shift in force for this side's window field */
	uint8_t auth : 2;   /* enum tcp_track_auth: the signature option its SYN carried */
	uint8_t hole : 1;   /* sent past data the firewall did not see, not yet all acked */
	uint8_t flags;	    /* TCP_TRACK_PEER_* */
};

/* The TCP signature option a side's SYN carried; it must be on every later segment to it. */
enum tcp_track_auth {
	TCP_TRACK_AUTH_NONE = 0,
	TCP_TRACK_AUTH_MD5, /* RFC 2385, option kind 19 */
	TCP_TRACK_AUTH_AO,  /* RFC 5925, option kind 29 */
	TCP_TRACK_AUTH_BAD, /* both, or one twice: every receiver discards it */
};

#define TCP_TRACK_PEER_WSCALE	 0x01 /* sent the window scale option in its SYN */
#define TCP_TRACK_PEER_SACK_PERM 0x02 /* sent SACK-permitted in its SYN */
#define TCP_TRACK_PEER_FIN	 0x04 /* has sent a FIN; its sequence number is end - 1 */
#define TCP_TRACK_PEER_FIN_ACKED 0x08 /* the other side acknowledged that FIN */
#define TCP_TRACK_PEER_LIBERAL	 0x10 /* picked up mid-stream: upper window bounds unknown */
#define TCP_TRACK_PEER_UNACKED	 0x20 /* has data the other side has not acknowledged */
#define TCP_TRACK_PEER_MAXACK	 0x40 /* maxack is valid */
#define TCP_TRACK_PEER_TS	 0x80 /* sends timestamps; tsval is valid */

struct tcp_track {
	struct tcp_track_peer peer[2]; /* indexed by enum tcp_track_dir */
	uint32_t last_seq;	       /* the last segment that passed, for retransmit counting */
	uint32_t last_ack;	       /* and for the challenge-ACK rules */
	uint32_t last_end;
	uint16_t last_win; /* raw window, so a scaled value never truncates to 0 */
	uint8_t state;	   /* enum tcp_track_state */
	uint8_t retrans;   /* consecutive identical segments */
	uint8_t last_dir : 1;
	uint8_t last_index : 3;
	uint8_t last_ignored : 1; /* the last segment was IGNOREd */
	uint8_t tw_holder : 2;	  /* bit per direction: closed first, so holds TIME-WAIT */
	uint8_t rst_dir : 1;	  /* in CLOSE: the direction whose RST closed the flow */
	uint8_t last_opts;	  /* a remembered SYN's options: TCP_TRACK_OPT_* | wscale */
	uint8_t flags;		  /* TCP_TRACK_F_* */
};

#define TCP_TRACK_OPT_WSCALE_MASK 0x0f
#define TCP_TRACK_OPT_WSCALE	  0x10
#define TCP_TRACK_OPT_SACK_PERM	  0x20
#define TCP_TRACK_OPT_AUTH_SHIFT  6 /* and enum tcp_track_auth in the top two bits */

#define TCP_TRACK_F_SEEN_REPLY 0x01 /* the REPLY side has sent a valid segment */
#define TCP_TRACK_F_ASSURED    0x02 /* completed the handshake: never early-dropped */
#define TCP_TRACK_F_SIMOPEN    0x04 /* simultaneous open */
#define TCP_TRACK_F_CHALLENGE  0x08 /* a SYN was ignored in TIME_WAIT: a challenge may follow */
/* 0x10 and 0x20 are unused: they marked out-of-window FIN/RSTs, which no longer lower the
 * timer; an old snapshot may still carry them, and they mean nothing. */
/* re-learning after tcp_track_forget_windows(): this direction has not yet sent a segment
 * that passed the window checks on their own, so its out-of-window segments pass and move
 * the windows on (the other side may have acked what its peer re-sent from an older point) */
#define TCP_TRACK_F_RELEARN_ORIG  0x40
#define TCP_TRACK_F_RELEARN_REPLY 0x80

struct tcp_track_result {
	uint8_t verdict;   /* enum tcp_track_verdict */
	uint8_t reason;	   /* enum reason; REASON_OK with ACCEPT */
	uint8_t timeout;   /* enum tcp_track_timeout, meaningful with ACCEPT */
	uint8_t old_state; /* enum tcp_track_state */
	uint8_t new_state;
	bool reopen;  /* this SYN starts a new incarnation: replace the flow with one
		       * started by this segment (tcp_track_new), sender as ORIGINAL */
	bool destroy; /* remove the flow now (only reply to a SYN was an RST) */
	bool resync;  /* with IGNORE: a SYN/ACK or RST answering the SYN passed last,
		       * as a new incarnation would get; the caller may act on it
		       * (tcp_track_resync) */
};

/*
 * One deliberate difference from Linux conntrack. Most are cells of the transition table
 * (cond == TCP_TRACK_COND_CELL): for a segment of flag class `index` travelling in `dir` in
 * state `state`, Linux gives `linux_state`, tcpfw gives `tcpfw_state` (a state, or one of the
 * pseudo-states below). `ack` narrows the cell to segments without (0) or with (1) the ACK flag;
 * -1 means both. The states are the ones a connection reaches with the initiator closing first,
 * and segments carry in-window numbers that acknowledge everything; a SYN retransmits its
 * sender's ISN. The other rows are the receiver-acceptability rules: they apply in every
 * synchronised state to a segment that meets `cond`, whatever its cell says; dir, index and
 * state name one example, and `reason` is the one the tracker gives. `why` cites the RFC.
 */
#define TCP_TRACK_PSEUDO_INVALID _TCP_TRACK_STATE_MAX	    /* the segment is dropped */
#define TCP_TRACK_PSEUDO_IGNORE	 (_TCP_TRACK_STATE_MAX + 1) /* passed, nothing changes */

enum tcp_track_cond {
	TCP_TRACK_COND_CELL = 0,      /* a plain cell of the transition table */
	TCP_TRACK_COND_AUTH,	      /* TCP-MD5/AO option the receiver does not use, or lacks */
	TCP_TRACK_COND_PAWS,	      /* TSval older than the receiver's TS.Recent */
	TCP_TRACK_COND_SEQ_STALE,     /* ends before the receiver's last ACK */
	TCP_TRACK_COND_ACK_STALE,     /* ACK older than SND.UNA - MAX.SND.WND */
	TCP_TRACK_COND_OVERSHOOT,     /* starts past the receiver's window */
	TCP_TRACK_COND_FIN_INSIDE,    /* FIN before the end of data already sent */
	TCP_TRACK_COND_FIN_OVERTAKEN, /* data past a FIN the receiver has not acknowledged */
	TCP_TRACK_COND_RST_INEXACT,   /* RST in the window, not at the receiver's RCV.NXT */
	TCP_TRACK_COND_RST_SYN_REPLY, /* RST answering a SYN the tracker passed */
	TCP_TRACK_COND_BAD_CLOSE,     /* out-of-window FIN or RST from both sides */
	_TCP_TRACK_COND_MAX
};

struct tcp_track_deviation {
	uint8_t dir;
	uint8_t index;
	uint8_t state;
	int8_t ack;
	uint8_t linux_state;
	uint8_t tcpfw_state;
	uint8_t cond;	/* enum tcp_track_cond */
	uint8_t reason; /* with a cond: the reason the tracker gives */
	const char *why;
};

/* clang-format off: clang-format 14 spreads a braced initialiser in a macro over four lines */
#define TCP_TRACK_ROW(d, i, s, a, l, t, w)                                                         \
	{                                                                                          \
		d, i, s, a, l, t, TCP_TRACK_COND_CELL, REASON_OK, w                                \
	}
#define TCP_TRACK_RULE(c, i, s, l, t, r, w)                                                        \
	{                                                                                          \
		TCP_TRACK_ORIGINAL, i, s, -1, l, t, c, r, w                                        \
	}
/* clang-format on */

static const struct tcp_track_deviation tcp_track_deviations[] = {
	/* SYN-SENT: RFC 9293 3.10.7.3, an RST is honoured only with an acceptable ACK */
	TCP_TRACK_ROW(TCP_TRACK_REPLY, TCP_TRACK_IDX_RST, TCP_TRACK_SYN_SENT, 0, TCP_TRACK_CLOSE,
		      TCP_TRACK_PSEUDO_INVALID, "RST without ACK in SYN_SENT (RFC 9293 3.10.7.3)"),
	/* SYN-RECV: only a simultaneous open lets the initiator send a SYN/ACK */
	TCP_TRACK_ROW(TCP_TRACK_ORIGINAL, TCP_TRACK_IDX_SYNACK, TCP_TRACK_SYN_RECV, -1,
		      TCP_TRACK_SYN_RECV, TCP_TRACK_PSEUDO_INVALID,
		      "initiator SYN/ACK outside simultaneous open (RFC 9293 3.5)"),
	/* Closing states: FIN is tracked per peer (the initiator closed first here) */
	TCP_TRACK_ROW(TCP_TRACK_ORIGINAL, TCP_TRACK_IDX_FIN, TCP_TRACK_FIN_WAIT, -1,
		      TCP_TRACK_LAST_ACK, TCP_TRACK_FIN_WAIT,
		      "retransmitted FIN does not advance the close (per-peer FIN)"),
	TCP_TRACK_ROW(TCP_TRACK_ORIGINAL, TCP_TRACK_IDX_ACK, TCP_TRACK_FIN_WAIT, -1,
		      TCP_TRACK_CLOSE_WAIT, TCP_TRACK_FIN_WAIT,
		      "an ACK from the FIN sender does not ack its own FIN (per-peer FIN)"),
	TCP_TRACK_ROW(TCP_TRACK_ORIGINAL, TCP_TRACK_IDX_FIN, TCP_TRACK_CLOSE_WAIT, -1,
		      TCP_TRACK_LAST_ACK, TCP_TRACK_CLOSE_WAIT,
		      "retransmitted FIN does not advance the close (per-peer FIN)"),
	TCP_TRACK_ROW(TCP_TRACK_ORIGINAL, TCP_TRACK_IDX_FIN, TCP_TRACK_LAST_ACK, -1,
		      TCP_TRACK_LAST_ACK, TCP_TRACK_TIME_WAIT,
		      "FIN|ACK acking the last FIN completes the close (per-peer FIN)"),
	TCP_TRACK_ROW(TCP_TRACK_REPLY, TCP_TRACK_IDX_ACK, TCP_TRACK_LAST_ACK, -1,
		      TCP_TRACK_TIME_WAIT, TCP_TRACK_LAST_ACK,
		      "the last FIN's sender cannot ack it (per-peer FIN; RFC 5961 challenge ACK)"),
	TCP_TRACK_ROW(TCP_TRACK_ORIGINAL, TCP_TRACK_IDX_RST, TCP_TRACK_FIN_WAIT, -1,
		      TCP_TRACK_CLOSE, TCP_TRACK_PSEUDO_IGNORE,
		      "an RST after an unacknowledged FIN: the receiver may not hold the FIN, so "
		      "the RST passes for it to judge (RFC 5961 3.2)"),
	TCP_TRACK_ROW(TCP_TRACK_REPLY, TCP_TRACK_IDX_RST, TCP_TRACK_LAST_ACK, -1, TCP_TRACK_CLOSE,
		      TCP_TRACK_PSEUDO_IGNORE,
		      "an RST after an unacknowledged FIN: the receiver may not hold the FIN, so "
		      "the RST passes for it to judge (RFC 5961 3.2)"),
	/* TIME_WAIT: RFC 1337 and RFC 6191; the initiator closed first, so it holds TIME-WAIT */
	TCP_TRACK_ROW(TCP_TRACK_ORIGINAL, TCP_TRACK_IDX_SYN, TCP_TRACK_TIME_WAIT, -1,
		      TCP_TRACK_SYN_SENT, TCP_TRACK_PSEUDO_INVALID,
		      "a SYN from the side holding TIME-WAIT with no newer sequence number or "
		      "timestamp is an old duplicate (RFC 6191, RFC 1122 4.2.2.13)"),
	TCP_TRACK_ROW(TCP_TRACK_REPLY, TCP_TRACK_IDX_SYN, TCP_TRACK_TIME_WAIT, -1,
		      TCP_TRACK_SYN_SENT, TCP_TRACK_PSEUDO_IGNORE,
		      "reopen only for a newer sequence number or timestamp (RFC 6191)"),
	TCP_TRACK_ROW(TCP_TRACK_ORIGINAL, TCP_TRACK_IDX_FIN, TCP_TRACK_TIME_WAIT, -1,
		      TCP_TRACK_TIME_WAIT, TCP_TRACK_PSEUDO_IGNORE,
		      "retransmitted FIN passes without extending TIME_WAIT"),
	TCP_TRACK_ROW(TCP_TRACK_REPLY, TCP_TRACK_IDX_FIN, TCP_TRACK_TIME_WAIT, -1,
		      TCP_TRACK_TIME_WAIT, TCP_TRACK_PSEUDO_IGNORE,
		      "retransmitted FIN passes without extending TIME_WAIT"),
	TCP_TRACK_ROW(TCP_TRACK_ORIGINAL, TCP_TRACK_IDX_ACK, TCP_TRACK_TIME_WAIT, -1,
		      TCP_TRACK_TIME_WAIT, TCP_TRACK_PSEUDO_IGNORE,
		      "retransmitted last ACK passes without extending TIME_WAIT"),
	TCP_TRACK_ROW(TCP_TRACK_REPLY, TCP_TRACK_IDX_ACK, TCP_TRACK_TIME_WAIT, -1,
		      TCP_TRACK_TIME_WAIT, TCP_TRACK_PSEUDO_IGNORE,
		      "retransmitted last ACK passes without extending TIME_WAIT"),
	TCP_TRACK_ROW(TCP_TRACK_ORIGINAL, TCP_TRACK_IDX_RST, TCP_TRACK_TIME_WAIT, -1,
		      TCP_TRACK_CLOSE, TCP_TRACK_PSEUDO_INVALID,
		      "RST into TIME_WAIT is dropped (RFC 1337 F1)"),
	TCP_TRACK_ROW(TCP_TRACK_REPLY, TCP_TRACK_IDX_RST, TCP_TRACK_TIME_WAIT, -1, TCP_TRACK_CLOSE,
		      TCP_TRACK_PSEUDO_INVALID, "RST into TIME_WAIT is dropped (RFC 1337 F1)"),
	TCP_TRACK_ROW(TCP_TRACK_REPLY, TCP_TRACK_IDX_SYNACK, TCP_TRACK_TIME_WAIT, -1,
		      TCP_TRACK_PSEUDO_IGNORE, TCP_TRACK_PSEUDO_INVALID,
		      "no SYN/ACK belongs to a closed connection in TIME_WAIT"),
	/* CLOSE: after an RST both endpoints are CLOSED and either may open (RFC 9293) */
	TCP_TRACK_ROW(TCP_TRACK_ORIGINAL, TCP_TRACK_IDX_FIN, TCP_TRACK_CLOSE, -1, TCP_TRACK_CLOSE,
		      TCP_TRACK_FIN_WAIT,
		      "the side whose RST closed the flow sends new sequence space or a new ACK: "
		      "its RST never reached the peer (a low TTL), so the flow lives on "
		      "(RFC 5961 3.2)"),
	TCP_TRACK_ROW(TCP_TRACK_REPLY, TCP_TRACK_IDX_SYN, TCP_TRACK_CLOSE, -1,
		      TCP_TRACK_PSEUDO_INVALID, TCP_TRACK_SYN_SENT,
		      "either side may open after an RST (RFC 9293 3.5)"),

	/* Receiver acceptability: what the endpoint discards never moves the tracker */
	TCP_TRACK_RULE(TCP_TRACK_COND_AUTH, TCP_TRACK_IDX_RST, TCP_TRACK_ESTABLISHED,
		       TCP_TRACK_CLOSE, TCP_TRACK_PSEUDO_INVALID, REASON_AUTH_UNEXPECTED,
		       "a TCP-MD5 or TCP-AO option to a receiver whose SYN carried none (or the "
		       "other one, or both) is discarded (RFC 2385 2, RFC 5925 7.3; Linux "
		       "TCPMD5Unexpected, TCPAOKeyNotFound)"),
	TCP_TRACK_RULE(TCP_TRACK_COND_AUTH, TCP_TRACK_IDX_RST, TCP_TRACK_ESTABLISHED,
		       TCP_TRACK_CLOSE, TCP_TRACK_PSEUDO_INVALID, REASON_AUTH_MISSING,
		       "a segment without the signature option to a receiver that signs is "
		       "discarded, RSTs included (RFC 2385 2, RFC 5925 7.3; Linux TCPMD5NotFound)"),
	TCP_TRACK_RULE(
		TCP_TRACK_COND_PAWS, TCP_TRACK_IDX_FIN, TCP_TRACK_ESTABLISHED, TCP_TRACK_FIN_WAIT,
		TCP_TRACK_PSEUDO_IGNORE, REASON_PAWS_REJECT,
		"PAWS: a TSval older than TS.Recent marks an old duplicate, discarded; RSTs "
		"are exempt, as Linux processes them (RFC 7323 5.3). TS.Recent moves only on "
		"what the receiver surely took, so it never runs ahead of the endpoint's"),
	TCP_TRACK_RULE(TCP_TRACK_COND_SEQ_STALE, TCP_TRACK_IDX_FIN, TCP_TRACK_ESTABLISHED,
		       TCP_TRACK_FIN_WAIT, TCP_TRACK_PSEUDO_IGNORE, REASON_SEQ_STALE,
		       "a segment ending before the receiver's last ACK is discarded whole, its "
		       "ACK unread (RFC 9293 3.10.7.4; Linux tcp_sequence)"),
	TCP_TRACK_RULE(TCP_TRACK_COND_ACK_STALE, TCP_TRACK_IDX_FIN, TCP_TRACK_ESTABLISHED,
		       TCP_TRACK_FIN_WAIT, TCP_TRACK_PSEUDO_IGNORE, REASON_ACK_UNDER_WINDOW,
		       "an ACK older than SND.UNA - MAX.SND.WND is discarded (RFC 5961 5.2)"),
	TCP_TRACK_RULE(TCP_TRACK_COND_OVERSHOOT, TCP_TRACK_IDX_ACK, TCP_TRACK_ESTABLISHED,
		       TCP_TRACK_PSEUDO_IGNORE, TCP_TRACK_PSEUDO_IGNORE, REASON_SEQ_OVERSHOOT,
		       "a segment starting past the receiver's window is passed but no longer "
		       "extends its sender's end (Linux cf97769c761a does): the receiver discards "
		       "it (RFC 9293 3.10.7.4)"),
	TCP_TRACK_RULE(TCP_TRACK_COND_FIN_INSIDE, TCP_TRACK_IDX_FIN, TCP_TRACK_ESTABLISHED,
		       TCP_TRACK_FIN_WAIT, TCP_TRACK_PSEUDO_IGNORE, REASON_FIN_INSIDE_DATA,
		       "a FIN before the end of data its sender already sent is a stale duplicate "
		       "or an injection; the receiver drops it or resets on the data behind it "
		       "(RFC 9293 3.10.7.4, 3.10.7.8). A FIN beyond a hole stays a FIN"),
	TCP_TRACK_RULE(
		TCP_TRACK_COND_FIN_OVERTAKEN, TCP_TRACK_IDX_ACK, TCP_TRACK_FIN_WAIT,
		TCP_TRACK_CLOSE_WAIT, TCP_TRACK_ESTABLISHED, REASON_OK,
		"data past a FIN the receiver has not acknowledged shows the FIN was not its "
		"sender's end; the receiver drops a FIN that data overtakes. Data past an "
		"acknowledged FIN stays data_after_fin (RFC 9293 3.10.7.4)"),
	TCP_TRACK_RULE(
		TCP_TRACK_COND_RST_INEXACT, TCP_TRACK_IDX_RST, TCP_TRACK_FIN_WAIT, TCP_TRACK_CLOSE,
		TCP_TRACK_PSEUDO_IGNORE, REASON_RST_INEXACT,
		"an RST closes only at a RCV.NXT the tracker knows: the sender's end once the "
		"receiver acknowledged it all, else only in answer to the receiver's last ACK "
		"at its number; in any state, FIN seen or not (RFC 5961 3.2)"),
	TCP_TRACK_RULE(
		TCP_TRACK_COND_RST_SYN_REPLY, TCP_TRACK_IDX_RST, TCP_TRACK_ESTABLISHED,
		TCP_TRACK_CLOSE, TCP_TRACK_PSEUDO_IGNORE, REASON_RST_INEXACT,
		"an RST answering a SYN the tracker passed closes only with sequence number 0, "
		"the form a closed port sends to a SYN-SENT peer (RFC 9293 3.10.7.1), and "
		"only once the flow has been quiet (the engine's call): a live endpoint "
		"discards it. The same holds for a SYN/ACK answering it (re-sync)"),
	TCP_TRACK_RULE(TCP_TRACK_COND_BAD_CLOSE, TCP_TRACK_IDX_RST, TCP_TRACK_ESTABLISHED,
		       TCP_TRACK_PSEUDO_INVALID, TCP_TRACK_PSEUDO_INVALID, REASON_RST_OUT_OF_WINDOW,
		       "out-of-window FINs and RSTs from both sides never lower the timer (Linux "
		       "nf_tcp_handle_invalid does): the endpoints discard them (RFC 5961 3.2)"),
};

#define TCP_TRACK_N_DEVIATIONS (sizeof(tcp_track_deviations) / sizeof(tcp_track_deviations[0]))

/* The flag class of a TCP flag byte (PSH, ECE, CWR, URG do not matter). */
enum tcp_track_index tcp_track_index_of(uint8_t tcp_flags);

/* The signature option a segment carries: enum tcp_track_auth. */
uint8_t tcp_track_auth_of(const struct packet *p);

/* True when a TCP flag byte is in conntrack's valid set (tcp_valid_flags). */
bool tcp_track_flags_valid(uint8_t tcp_flags);

/*
 * Starts tracking with the first segment of a flow, which the caller has classed as ORIGINAL.
 * Fills *t and *res. res->verdict is ACCEPT (a SYN, or any valid segment with params->pickup)
 * or INVALID, in which case the caller must not keep *t.
 */
void tcp_track_new(struct tcp_track *t, const struct packet *p,
		   const struct tcp_track_params *params, struct tcp_track_result *res);

/*
 * Tracks one segment of an existing flow travelling in `dir`. ACCEPT may change anything.
 * IGNORE changes neither the state nor the timer class; the tracker still remembers the segment
 * (the challenge-ACK and re-sync rules need it) and, for a tolerated window overshoot, how far
 * the sender has sent. INVALID changes nothing but the out-of-window FIN/RST bookkeeping. On
 * res->reopen *t is unchanged and the caller replaces the flow; on res->destroy *t is in CLOSE
 * and the caller removes it.
 */
void tcp_track_packet(struct tcp_track *t, const struct packet *p, enum tcp_track_dir dir,
		      const struct tcp_track_params *params, struct tcp_track_result *res);

/*
 * After res->resync, for the same segment p travelling in dir: a SYN/ACK restarts the flow's
 * handshake from the remembered SYN, as Linux conntrack does on a reused tuple (the endpoints
 * agree on a new connection the entry missed), and *t goes to SYN_RECV; an RST closes the
 * flow (a closed port answered the new incarnation's SYN). *res says what happened. A live
 * connection's endpoints would discard both, so the caller does this only for a flow that has
 * been quiet for a while: a blind attacker can forge the pair, and nothing else tells them
 * apart.
 */
void tcp_track_resync(struct tcp_track *t, const struct packet *p, enum tcp_track_dir dir,
		      const struct tcp_track_params *params, struct tcp_track_result *res);

/* True when the flow completed its handshake (or saw both sides after pickup). */
static inline bool tcp_track_is_assured(const struct tcp_track *t)
{
	return t->flags & TCP_TRACK_F_ASSURED;
}

/*
 * Makes a synchronised flow re-learn both peers' windows from the next segment each sends, as
 * it does for a side it has not seen yet. For flows restored after a restart, or after packets
 * bypassed a stalled daemon: the saved sequence state is stale by an unknown amount, either
 * way. Until a segment of a direction passes the window checks on their own, that direction's
 * out-of-window segments pass too and carry the windows forward (TCP_TRACK_F_RELEARN_*): the
 * first segment seen may be a retransmission from before what the other side has already
 * acknowledged. States, handshake facts, FIN state and window scale are kept; flows still in
 * the handshake are left exact.
 */
void tcp_track_forget_windows(struct tcp_track *t);

/* True when the flow may be evicted under table pressure: not assured, or closing. */
bool tcp_track_is_evictable(const struct tcp_track *t);

#endif /* TCPFW_TCP_TRACK_H */
