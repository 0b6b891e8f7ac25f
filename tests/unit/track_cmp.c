// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>

#include "track_cmp.h"

/* Returns false from the calling function when before->field and after->field differ. */
#define SAME(prefix, field)                                                                        \
	do {                                                                                       \
		if (before->field != after->field) {                                               \
			if (why)                                                                   \
				snprintf(why, len, "%s%s %u -> %u", prefix, #field,                \
					 (unsigned)before->field, (unsigned)after->field);         \
			return false;                                                              \
		}                                                                                  \
	} while (0)

static bool peer_unmoved(const struct tcp_track_peer *before, const struct tcp_track_peer *after,
			 const char *prefix, char *why, size_t len)
{
	SAME(prefix, end);
	SAME(prefix, maxend);
	SAME(prefix, maxwin);
	SAME(prefix, maxack);
	SAME(prefix, isn);
	SAME(prefix, tsval);
	SAME(prefix, wscale);
	SAME(prefix, auth);
	SAME(prefix, hole);
	SAME(prefix, flags);
	return true;
}

bool track_cmp_unmoved(const struct tcp_track *before, const struct tcp_track *after, char *why,
		       size_t len)
{
	if (!peer_unmoved(&before->peer[0], &after->peer[0], "peer[0].", why, len) ||
	    !peer_unmoved(&before->peer[1], &after->peer[1], "peer[1].", why, len))
		return false;
	SAME("", state);
	SAME("", retrans);
	SAME("", tw_holder);
	if ((before->flags ^ after->flags) & (uint8_t)~TCP_TRACK_F_CHALLENGE) {
		if (why)
			snprintf(why, len, "flags 0x%02x -> 0x%02x", before->flags, after->flags);
		return false;
	}
	return true;
}
