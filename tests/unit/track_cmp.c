// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>

#include "track_cmp.h"

/* Appends "<prefix><name> before->after; " to why, as room allows. */
struct diff {
	char *buf;
	size_t len, off;
	bool same;
};

static void note(struct diff *d, const char *prefix, const char *name, unsigned b, unsigned a)
{
	if (b == a)
		return;
	d->same = false;
	if (d->buf && d->off < d->len) {
		int n = snprintf(d->buf + d->off, d->len - d->off, "%s%s %u->%u; ", prefix, name, b,
				 a);
		d->off += n > 0 ? (size_t)n : 0;
	}
}

#define NOTE(d, prefix, b, a, field) note(d, prefix, #field, (b)->field, (a)->field)

bool track_cmp_unmoved(const struct tcp_track *before, const struct tcp_track *after, char *why,
		       size_t len)
{
	static const char *const who[2] = {"orig.", "reply."};
	struct diff d = {.buf = why, .len = len, .same = true};

	if (why && len)
		why[0] = '\0';
	if (before->state != after->state) {
		d.same = false;
		if (why && len) {
			int n = snprintf(why, len, "state %s->%s; ",
					 tcp_track_state_name(before->state),
					 tcp_track_state_name(after->state));
			d.off = n > 0 ? (size_t)n : 0;
		}
	}
	for (int i = 0; i < 2; i++) {
		const struct tcp_track_peer *b = &before->peer[i], *a = &after->peer[i];

		NOTE(&d, who[i], b, a, end);
		NOTE(&d, who[i], b, a, maxend);
		NOTE(&d, who[i], b, a, maxwin);
		NOTE(&d, who[i], b, a, maxack);
		NOTE(&d, who[i], b, a, isn);
		NOTE(&d, who[i], b, a, tsval);
		NOTE(&d, who[i], b, a, wscale);
		NOTE(&d, who[i], b, a, auth);
		NOTE(&d, who[i], b, a, hole);
		NOTE(&d, who[i], b, a, flags);
	}
	NOTE(&d, "", before, after, retrans);
	NOTE(&d, "", before, after, tw_holder);
	note(&d, "", "flags", before->flags & (uint8_t)~TCP_TRACK_F_CHALLENGE,
	     after->flags & (uint8_t)~TCP_TRACK_F_CHALLENGE);
	return d.same;
}
