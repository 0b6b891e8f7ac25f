// SPDX-License-Identifier: GPL-2.0-or-later
#include "seq.h"
#include "tcp_window.h"

void tcp_window_ack(const struct tcp_track_peer *rcv, const struct packet *p, struct tcp_window *w)
{
	tcp_rules_ack(rcv, p, w);
}

void tcp_window_init_sender(struct tcp_track_peer *snd, struct tcp_track_peer *rcv,
			    const struct packet *p, uint32_t end, const struct tcp_window *w)
{
	uint32_t win = (uint32_t)p->window << snd->wscale;

	snd->end = end;
	snd->maxwin = win ? win : 1;
	snd->maxend = end + snd->maxwin;
	if (!rcv->maxwin)
		rcv->end = rcv->maxend = w->sack;
	else if (w->sack == rcv->end + 1)
		rcv->end++; /* keep-alive reply: acknowledges the probe byte */
}

void tcp_window_bounds(const struct tcp_track_peer *snd, const struct tcp_track_peer *rcv,
		       struct tcp_window_bounds *b)
{
	tcp_rules_bounds(snd, rcv, &b->seq_min, &b->seq_max, &b->ack_min, &b->ack_max);
	b->ack_floor = 0;
	b->has_ack_floor = tcp_rules_ack_floor(snd, rcv, &b->ack_floor);
}

void tcp_window_check(struct tcp_track_peer *snd, struct tcp_track_peer *rcv,
		      const struct packet *p, uint32_t end, bool liberal, struct tcp_window *w)
{
	tcp_rules_ack(rcv, p, w);
	if (!snd->maxwin)
		tcp_window_init_sender(snd, rcv, p, end, w);
	tcp_rules_check(snd, rcv, p, end, liberal, w);
}

void tcp_window_commit(struct tcp_track_peer *snd, struct tcp_track_peer *rcv,
		       const struct packet *p, uint32_t end, const struct tcp_window *w)
{
	tcp_rules_commit(snd, rcv, p, end, w);
}
