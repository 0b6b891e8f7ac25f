/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcp_track_names - the tracker's enums that reach logs, JSON and the CLI, and their names.
 *
 * A leaf: no tracker code, nothing but these tables, so that the control protocol and tcpfwctl
 * can name a state without linking the state machine. tcp_track.h includes this header.
 */
#ifndef TCPFW_TCP_TRACK_NAMES_H
#define TCPFW_TCP_TRACK_NAMES_H

enum tcp_track_state {
	TCP_TRACK_NONE = 0,
	TCP_TRACK_SYN_SENT,
	TCP_TRACK_SYN_RECV,
	TCP_TRACK_ESTABLISHED,
	TCP_TRACK_FIN_WAIT,
	TCP_TRACK_CLOSE_WAIT,
	TCP_TRACK_LAST_ACK,
	TCP_TRACK_TIME_WAIT,
	TCP_TRACK_CLOSE,
	TCP_TRACK_SYN_SENT2, /* simultaneous open: both sides sent a SYN */
	_TCP_TRACK_STATE_MAX
};

enum tcp_track_dir {
	TCP_TRACK_ORIGINAL = 0,
	TCP_TRACK_REPLY = 1,
};

/* The flag class a segment falls in, in conntrack's priority order (get_conntrack_index). */
enum tcp_track_index {
	TCP_TRACK_IDX_SYN = 0,
	TCP_TRACK_IDX_SYNACK,
	TCP_TRACK_IDX_FIN,
	TCP_TRACK_IDX_ACK,
	TCP_TRACK_IDX_RST,
	TCP_TRACK_IDX_NONE,
	_TCP_TRACK_IDX_MAX
};

enum tcp_track_verdict {
	TCP_TRACK_ACCEPT = 0, /* in state and in window; state and timer may change */
	TCP_TRACK_IGNORE,     /* pass, but change neither state nor timer */
	TCP_TRACK_INVALID,    /* drop */
	_TCP_TRACK_VERDICT_MAX
};

enum tcp_track_tw_policy {
	TCP_TRACK_TW_ENFORCE = 0, /* full 2MSL; RFC 1337; reopen only per RFC 6191 */
	TCP_TRACK_TW_SHORTEN,	  /* any valid SYN recycles the entry at once */
	_TCP_TRACK_TW_MAX
};

/* Names for logs and the CLI; "unknown" for out-of-range values. */
const char *tcp_track_state_name(enum tcp_track_state s);
const char *tcp_track_verdict_name(enum tcp_track_verdict v);
const char *tcp_track_index_name(enum tcp_track_index i);
const char *tcp_track_tw_policy_name(enum tcp_track_tw_policy p);

/* Looks up a state by name (case-insensitive). Returns the state, or -1. */
int tcp_track_state_from_name(const char *name);

#endif /* TCPFW_TCP_TRACK_NAMES_H */
