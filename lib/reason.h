/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reason - why the core passed or dropped a packet.
 *
 * Every verdict carries exactly one reason, and the engine keeps one counter per reason, the way
 * pf keeps PFRES_* counters and conntrack logs its "invalid" strings. REASON_OK is the plain
 * accept. The names are stable: they appear in counters, logs, JSON and the CLI, so renaming one
 * is an interface change. Reasons are grouped by who decides them: the parser, the tracker, the
 * engine.
 */
#ifndef TCPFW_REASON_H
#define TCPFW_REASON_H

#include <stdbool.h>

enum reason {
	REASON_OK = 0, /* in state and in window */

	/* packet parser: the bytes are not a trackable TCP segment */
	REASON_IP_TRUNCATED,   /* buffer ends inside the IP header */
	REASON_IP_BAD_HEADER,  /* version, IHL or total/payload length inconsistent */
	REASON_IP_FRAGMENT,    /* non-first fragment, or first fragment without a full TCP header */
	REASON_IP6_BAD_EXTHDR, /* extension chain truncated, too long, or malformed */
	REASON_NOT_TCP,	       /* transport is not TCP */
	REASON_TCP_TRUNCATED,  /* buffer or IP length ends inside the TCP header */
	REASON_TCP_BAD_DOFF,   /* data offset below 5 or past the segment */
	REASON_TCP_BAD_CHECKSUM, /* the kernel left the sum unverified, and it is wrong */

	/* tracker: INVALID (dropped) */
	REASON_BAD_FLAGS,	  /* flag combination no stack sends (NULL, XMAS, SYN+FIN, ...) */
	REASON_NEW_NOT_SYN,	  /* first segment of an unknown flow is not a SYN (pickup off) */
	REASON_INVALID_NEW,	  /* first segment can never open a flow (SYN/ACK, FIN, RST) */
	REASON_INVALID_STATE,	  /* flags not allowed in the current state */
	REASON_SEQ_OVER_WINDOW,	  /* data beyond the receiver's window */
	REASON_ACK_OVER_WINDOW,	  /* acknowledges data the peer never sent */
	REASON_SACK_OVER_WINDOW,  /* SACK block beyond what the peer sent */
	REASON_DATA_AFTER_FIN,	  /* sequence space used after the sender's own FIN */
	REASON_BAD_HANDSHAKE_ACK, /* SYN/ACK or third ACK does not ack the ISN (RFC 9293) */
	REASON_RST_OUT_OF_WINDOW, /* RST outside the receive window, or before RCV.NXT */
	REASON_RST_BAD_ACK,	  /* RST in SYN-SENT without an acceptable ACK (RFC 9293) */
	REASON_TIME_WAIT_RST,	  /* RST into TIME_WAIT (RFC 1337) */
	REASON_TIME_WAIT_SEGMENT, /* data or FIN into TIME_WAIT */
	REASON_TIME_WAIT_DUP_SYN, /* old duplicate SYN from the side holding TIME_WAIT (RFC 6191) */
	REASON_AUTH_UNEXPECTED,	  /* TCP-MD5/AO option the receiver does not use, or malformed */
	REASON_AUTH_MISSING,	  /* no TCP-MD5/AO option on a connection that signs */

	/* tracker: IGNORE (passed, no state or timer change) */
	REASON_SEQ_UNDER_WINDOW,  /* retransmission of data acked long ago */
	REASON_ACK_UNDER_WINDOW,  /* very old ACK */
	REASON_SEQ_OVERSHOOT,	  /* small overshoot of the window, tolerated */
	REASON_RST_INEXACT,	  /* in-window RST that is not exact: endpoint will challenge it */
	REASON_SYN_IGNORED,	  /* SYN on a live flow: endpoint will challenge it (RFC 5961) */
	REASON_SYNACK_IGNORED,	  /* retransmitted SYN/ACK on a synchronised flow */
	REASON_CHALLENGE_ACK,	  /* ACK answering an ignored SYN */
	REASON_TIME_WAIT_ACK,	  /* retransmitted last ACK in TIME_WAIT: timer not extended */
	REASON_TIME_WAIT_OLD_SYN, /* SYN in TIME_WAIT failing the RFC 6191 test: no reopen */
	REASON_SEQ_STALE,	  /* ends before the receiver's last ACK: discarded whole */
	REASON_PAWS_REJECT,	  /* TSval older than the receiver's TS.Recent (RFC 7323 PAWS) */
	REASON_FIN_INSIDE_DATA,	  /* FIN before the end of data its sender already sent */

	/* engine */
	REASON_TABLE_FULL, /* no room for a new flow, nothing evictable */

	_REASON_MAX
};

/* The stable lower_snake name of a reason; "unknown" for out-of-range values. */
const char *reason_name(enum reason r);

/* Looks a name up. Returns the reason, or -1 when no reason has that name. */
int reason_from_name(const char *name);

#endif /* TCPFW_REASON_H */
