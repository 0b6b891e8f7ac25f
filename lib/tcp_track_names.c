// SPDX-License-Identifier: GPL-2.0-or-later
#include <strings.h>

#include "tcp_track_names.h"
#include "util.h"

static const char *const state_names[] = {
	[TCP_TRACK_NONE] = "NONE",	   [TCP_TRACK_SYN_SENT] = "SYN_SENT",
	[TCP_TRACK_SYN_RECV] = "SYN_RECV", [TCP_TRACK_ESTABLISHED] = "ESTABLISHED",
	[TCP_TRACK_FIN_WAIT] = "FIN_WAIT", [TCP_TRACK_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_TRACK_LAST_ACK] = "LAST_ACK", [TCP_TRACK_TIME_WAIT] = "TIME_WAIT",
	[TCP_TRACK_CLOSE] = "CLOSE",	   [TCP_TRACK_SYN_SENT2] = "SYN_SENT2",
};
_Static_assert(ARRAY_SIZE(state_names) == _TCP_TRACK_STATE_MAX, "state_names out of sync");

static const char *const verdict_names[] = {
	[TCP_TRACK_ACCEPT] = "accept",
	[TCP_TRACK_IGNORE] = "ignore",
	[TCP_TRACK_INVALID] = "invalid",
};
_Static_assert(ARRAY_SIZE(verdict_names) == _TCP_TRACK_VERDICT_MAX, "verdict_names out of sync");

static const char *const index_names[] = {
	[TCP_TRACK_IDX_SYN] = "syn", [TCP_TRACK_IDX_SYNACK] = "synack",
	[TCP_TRACK_IDX_FIN] = "fin", [TCP_TRACK_IDX_ACK] = "ack",
	[TCP_TRACK_IDX_RST] = "rst", [TCP_TRACK_IDX_NONE] = "none",
};
_Static_assert(ARRAY_SIZE(index_names) == _TCP_TRACK_IDX_MAX, "index_names out of sync");

static const char *const tw_policy_names[] = {
	[TCP_TRACK_TW_ENFORCE] = "enforce",
	[TCP_TRACK_TW_SHORTEN] = "shorten",
};
_Static_assert(ARRAY_SIZE(tw_policy_names) == _TCP_TRACK_TW_MAX, "tw_policy_names out of sync");

const char *tcp_track_state_name(enum tcp_track_state s)
{
	return NAME_OR_UNKNOWN(state_names, s);
}

const char *tcp_track_verdict_name(enum tcp_track_verdict v)
{
	return NAME_OR_UNKNOWN(verdict_names, v);
}

const char *tcp_track_index_name(enum tcp_track_index i)
{
	return NAME_OR_UNKNOWN(index_names, i);
}

const char *tcp_track_tw_policy_name(enum tcp_track_tw_policy p)
{
	return NAME_OR_UNKNOWN(tw_policy_names, p);
}

int tcp_track_state_from_name(const char *name)
{
	for (unsigned s = 0; s < ARRAY_SIZE(state_names); s++)
		if (strcasecmp(state_names[s], name) == 0)
			return (int)s;
	return -1;
}
