// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>

#include "model_judge.h"
#include "track_cmp.h"

/* What moved in the tracker and its result, as "name before->after; " items. */
static void moved(const struct model_conv *c, const struct model_conv_event *e, char *diff,
		  size_t len)
{
	const struct tcp_track_result *res = e->res;
	size_t n;

	track_cmp_unmoved(e->before, &c->t, diff, len);
	n = strlen(diff);
	if (res->new_state != res->old_state && n < len)
		n += (size_t)snprintf(diff + n, len - n, "result.new_state %s->%s; ",
				      tcp_track_state_name(res->old_state),
				      tcp_track_state_name(res->new_state));
	if ((res->reopen || res->destroy) && n < len)
		snprintf(diff + n, len - n, "result%s%s 0->1; ", res->reopen ? ".reopen" : "",
			 res->destroy ? ".destroy" : "");
}

/*
 * The tracker's picture of the receiver is exact: its last ACK is the receiver's RCV.WUP, and
 * with timestamps its TS.Recent for the sender is the receiver's. Both may lag on purpose (a
 * keep-alive's ACK or a retransmission's TSval is not taken, since the peer may discard it),
 * and then the tracker errs towards passing.
 */
static bool picture_exact(const struct model_conv_event *e)
{
	const struct tcp_track_peer *rcv = &e->before->peer[!e->from];
	const struct tcp_track_peer *snd = &e->before->peer[e->from];

	if ((rcv->flags & TCP_TRACK_PEER_MAXACK) && rcv->maxack != e->rcv->rcv_wup)
		return false;
	return !e->rcv->ts_on || !(snd->flags & TCP_TRACK_PEER_TS) ||
	       snd->tsval == e->rcv->ts_recent;
}

enum model_judge_verdict model_judge(struct model_judge *j, const struct model_conv *c,
				     const struct model_conv_event *e, char *diff, size_t len,
				     bool *newly_diverged)
{
	if (len)
		diff[0] = '\0';
	if (newly_diverged)
		*newly_diverged = false;
	if (e->legit && e->res->verdict == TCP_TRACK_INVALID)
		return MODEL_JUDGE_LEGIT_INVALID;
	if (e->legit)
		j->taken[e->from] = e->res->verdict == TCP_TRACK_ACCEPT;
	if (c->fl[!e->from].n || !j->taken[!e->from] || !tcp_model_synchronized(e->rcv) ||
	    e->rcv->rcv_nxt != e->rcv->rcv_wup || !picture_exact(e)) {
		if (e->verdict == TCP_MODEL_DISCARD && !j->diverged) {
			moved(c, e, diff, len);
			if (len && diff[0]) {
				j->diverged = true;
				if (newly_diverged)
					*newly_diverged = true;
			}
			if (len)
				diff[0] = '\0';
		}
		return MODEL_JUDGE_UNSEEN;
	}
	if (j->diverged)
		return MODEL_JUDGE_UNSEEN;
	if (e->verdict == TCP_MODEL_ACCEPT)
		return MODEL_JUDGE_FINE;
	moved(c, e, diff, len);
	return len && diff[0] ? MODEL_JUDGE_MOVED : MODEL_JUDGE_FINE;
}
