// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "flow_record.h"
#include "le.h"

static void put_peer(struct le_out *o, const struct tcp_track_peer *p)
{
	le_put32(o, p->end);
	le_put32(o, p->maxend);
	le_put32(o, p->maxwin);
	le_put32(o, p->maxack);
	le_put32(o, p->isn);
	le_put32(o, p->tsval);
	le_put8(o, (uint8_t)(p->wscale | p->auth << 4 | p->hole << 6));
	le_put8(o, p->flags);
}

void flow_record_put(const struct engine_flow_record *r, uint8_t out[FLOW_RECORD_SIZE])
{
	const struct tcp_track *t = &r->track;
	struct le_out o = {.p = out};

	le_put8(&o, r->family);
	le_put8(&o, r->orig);
	le_put8(&o, r->tclass);
	le_put_bytes(&o, r->addr, sizeof(r->addr));
	le_put16(&o, r->port[0]);
	le_put16(&o, r->port[1]);
	le_put64(&o, r->remaining_ms);
	put_peer(&o, &t->peer[0]);
	put_peer(&o, &t->peer[1]);
	le_put32(&o, t->last_seq);
	le_put32(&o, t->last_ack);
	le_put32(&o, t->last_end);
	le_put16(&o, t->last_win);
	le_put8(&o, t->state);
	le_put8(&o, t->retrans);
	le_put8(&o, (uint8_t)(t->last_dir | t->last_index << 1 | t->last_ignored << 4 |
			      t->tw_holder << 5 | t->rst_dir << 7));
	le_put8(&o, t->last_opts);
	le_put8(&o, t->flags);
}

static int get_peer(struct le_in *in, struct tcp_track_peer *p)
{
	p->end = le_get32(in);
	p->maxend = le_get32(in);
	p->maxwin = le_get32(in);
	p->maxack = le_get32(in);
	p->isn = le_get32(in);
	p->tsval = le_get32(in);
	uint8_t bits = le_get8(in);
	p->wscale = bits & 15;
	p->auth = (bits >> 4) & 3;
	p->hole = (bits >> 6) & 1;
	p->flags = le_get8(in);
	return bits >> 7 || p->wscale > PACKET_WSCALE_MAX ? -EINVAL : 0;
}

int flow_record_get(const uint8_t in[FLOW_RECORD_SIZE], struct engine_flow_record *r)
{
	struct tcp_track *t = &r->track;
	struct le_in i = {.p = in};

	memset(r, 0, sizeof(*r));
	r->family = le_get8(&i);
	r->orig = le_get8(&i);
	r->tclass = le_get8(&i);
	le_get_bytes(&i, r->addr, sizeof(r->addr));
	r->port[0] = le_get16(&i);
	r->port[1] = le_get16(&i);
	r->remaining_ms = le_get64(&i);
	int bad = get_peer(&i, &t->peer[0]) | get_peer(&i, &t->peer[1]);
	t->last_seq = le_get32(&i);
	t->last_ack = le_get32(&i);
	t->last_end = le_get32(&i);
	t->last_win = le_get16(&i);
	t->state = le_get8(&i);
	t->retrans = le_get8(&i);
	uint8_t bits = le_get8(&i);
	t->last_dir = bits & 1;
	t->last_index = (bits >> 1) & 7;
	t->last_ignored = (bits >> 4) & 1;
	t->tw_holder = (bits >> 5) & 3;
	t->rst_dir = bits >> 7;
	t->last_opts = le_get8(&i);
	t->flags = le_get8(&i);
	/* the bits that do not fit the fields they travel in are a sign of damage */
	if (bad || t->last_index >= _TCP_TRACK_IDX_MAX || (r->family != 4 && r->family != 6))
		return -EINVAL;
	return 0;
}
