// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "reason.h"
#include "util.h"

static const char *const reason_names[] = {
	[REASON_OK] = "ok",
	[REASON_IP_TRUNCATED] = "ip_truncated",
	[REASON_IP_BAD_HEADER] = "ip_bad_header",
	[REASON_IP_FRAGMENT] = "ip_fragment",
	[REASON_IP6_BAD_EXTHDR] = "ip6_bad_exthdr",
	[REASON_NOT_TCP] = "not_tcp",
	[REASON_TCP_TRUNCATED] = "tcp_truncated",
	[REASON_TCP_BAD_DOFF] = "tcp_bad_doff",
	[REASON_TCP_BAD_CHECKSUM] = "tcp_bad_checksum",
	[REASON_BAD_FLAGS] = "bad_flags",
	[REASON_NEW_NOT_SYN] = "new_not_syn",
	[REASON_INVALID_NEW] = "invalid_new",
	[REASON_INVALID_STATE] = "invalid_state",
	[REASON_SEQ_OVER_WINDOW] = "seq_over_window",
	[REASON_ACK_OVER_WINDOW] = "ack_over_window",
	[REASON_SACK_OVER_WINDOW] = "sack_over_window",
	[REASON_DATA_AFTER_FIN] = "data_after_fin",
	[REASON_BAD_HANDSHAKE_ACK] = "bad_handshake_ack",
	[REASON_RST_OUT_OF_WINDOW] = "rst_out_of_window",
	[REASON_RST_BAD_ACK] = "rst_bad_ack",
	[REASON_TIME_WAIT_RST] = "time_wait_rst",
	[REASON_TIME_WAIT_SEGMENT] = "time_wait_segment",
	[REASON_TIME_WAIT_DUP_SYN] = "time_wait_dup_syn",
	[REASON_AUTH_UNEXPECTED] = "auth_unexpected",
	[REASON_AUTH_MISSING] = "auth_missing",
	[REASON_SEQ_UNDER_WINDOW] = "seq_under_window",
	[REASON_ACK_UNDER_WINDOW] = "ack_under_window",
	[REASON_SEQ_OVERSHOOT] = "seq_overshoot",
	[REASON_RST_INEXACT] = "rst_inexact",
	[REASON_SYN_IGNORED] = "syn_ignored",
	[REASON_SYNACK_IGNORED] = "synack_ignored",
	[REASON_CHALLENGE_ACK] = "challenge_ack",
	[REASON_TIME_WAIT_ACK] = "time_wait_ack",
	[REASON_TIME_WAIT_OLD_SYN] = "time_wait_old_syn",
	[REASON_SEQ_STALE] = "seq_stale",
	[REASON_PAWS_REJECT] = "paws_reject",
	[REASON_FIN_INSIDE_DATA] = "fin_inside_data",
	[REASON_TABLE_FULL] = "table_full",
};

_Static_assert(ARRAY_SIZE(reason_names) == _REASON_MAX,
	       "reason_names out of sync with enum reason");

const char *reason_name(enum reason r)
{
	if ((unsigned)r >= _REASON_MAX || !reason_names[r])
		return "unknown";
	return reason_names[r];
}

int reason_from_name(const char *name)
{
	for (int r = 0; r < _REASON_MAX; r++)
		if (reason_names[r] && strcmp(reason_names[r], name) == 0)
			return r;
	return -1;
}
