// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "snapshot.h"

static const uint8_t magic[8] = {'T', 'C', 'P', 'F', 'W', 'S', 'N', 'P'};
static const uint8_t end_magic[4] = {'T', 'S', 'N', 'P'};

/* Bitwise: a damage check for a file written once per restart needs no table. */
uint32_t snapshot_crc32c(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* ---- little-endian fields ---- */

struct cursor {
	uint8_t *p;
	const uint8_t *q;
};

static void put8(struct cursor *c, uint8_t v)
{
	*c->p++ = v;
}

static void put16(struct cursor *c, uint16_t v)
{
	put8(c, (uint8_t)v);
	put8(c, (uint8_t)(v >> 8));
}

static void put32(struct cursor *c, uint32_t v)
{
	put16(c, (uint16_t)v);
	put16(c, (uint16_t)(v >> 16));
}

static void put64(struct cursor *c, uint64_t v)
{
	put32(c, (uint32_t)v);
	put32(c, (uint32_t)(v >> 32));
}

static uint8_t get8(struct cursor *c)
{
	return *c->q++;
}

static uint16_t get16(struct cursor *c)
{
	uint16_t v = get8(c);
	return (uint16_t)(v | (uint16_t)get8(c) << 8);
}

static uint32_t get32(struct cursor *c)
{
	uint32_t v = get16(c);
	return v | (uint32_t)get16(c) << 16;
}

static uint64_t get64(struct cursor *c)
{
	uint64_t v = get32(c);
	return v | (uint64_t)get32(c) << 32;
}

/* ---- writing ---- */

void snapshot_write_header(struct snapshot_writer *w, uint64_t wall_ms,
			   uint8_t out[SNAPSHOT_HEADER_SIZE])
{
	struct cursor c = {.p = out};

	memset(out, 0, SNAPSHOT_HEADER_SIZE);
	memcpy(c.p, magic, sizeof(magic));
	c.p += sizeof(magic);
	put32(&c, SNAPSHOT_VERSION);
	put32(&c, SNAPSHOT_RECORD_SIZE);
	put64(&c, wall_ms);
	w->crc = snapshot_crc32c(0, out, SNAPSHOT_HEADER_SIZE);
	w->count = 0;
}

static void put_peer(struct cursor *c, const struct tcp_track_peer *p)
{
	put32(c, p->end);
	put32(c, p->maxend);
	put32(c, p->maxwin);
	put32(c, p->maxack);
	put32(c, p->isn);
	put32(c, p->tsval);
	put8(c, (uint8_t)(p->wscale | p->auth << 4 | p->hole << 6));
	put8(c, p->flags);
}

void snapshot_write_record(struct snapshot_writer *w, const struct snapshot_record *r,
			   uint8_t out[SNAPSHOT_RECORD_SIZE])
{
	const struct engine_flow_record *f = &r->flow;
	const struct tcp_track *t = &f->track;
	struct cursor c = {.p = out};

	memset(out, 0, SNAPSHOT_RECORD_SIZE);
	put16(&c, r->queue);
	put8(&c, f->family);
	put8(&c, f->orig);
	put8(&c, f->tclass);
	memcpy(c.p, f->addr, sizeof(f->addr));
	c.p += sizeof(f->addr);
	put16(&c, f->port[0]);
	put16(&c, f->port[1]);
	put64(&c, f->remaining_ms);
	put_peer(&c, &t->peer[0]);
	put_peer(&c, &t->peer[1]);
	put32(&c, t->last_seq);
	put32(&c, t->last_ack);
	put32(&c, t->last_end);
	put16(&c, t->last_win);
	put8(&c, t->state);
	put8(&c, t->retrans);
	put8(&c, (uint8_t)(t->last_dir | t->last_index << 1 | t->last_ignored << 4 |
			   t->tw_holder << 5 | t->rst_dir << 7));
	put8(&c, t->last_opts);
	put8(&c, t->flags);
	w->crc = snapshot_crc32c(w->crc, out, SNAPSHOT_RECORD_SIZE);
	w->count++;
}

void snapshot_write_trailer(struct snapshot_writer *w, uint8_t out[SNAPSHOT_TRAILER_SIZE])
{
	struct cursor c = {.p = out};

	put64(&c, w->count);
	w->crc = snapshot_crc32c(w->crc, out, 8);
	put32(&c, w->crc);
	memcpy(c.p, end_magic, sizeof(end_magic));
}

/* ---- reading ---- */

int snapshot_check(const uint8_t *buf, size_t len, struct snapshot_info *info)
{
	struct cursor c = {.q = buf + sizeof(magic)};

	if (len < SNAPSHOT_HEADER_SIZE + SNAPSHOT_TRAILER_SIZE)
		return -EBADMSG;
	if (memcmp(buf, magic, sizeof(magic)) != 0)
		return -EPROTONOSUPPORT;
	if (get32(&c) != SNAPSHOT_VERSION || get32(&c) != SNAPSHOT_RECORD_SIZE)
		return -EPROTONOSUPPORT;
	uint64_t wall_ms = get64(&c);
	size_t body = len - SNAPSHOT_HEADER_SIZE - SNAPSHOT_TRAILER_SIZE;
	if (body % SNAPSHOT_RECORD_SIZE)
		return -EBADMSG;

	const uint8_t *trailer = buf + len - SNAPSHOT_TRAILER_SIZE;
	struct cursor t = {.q = trailer};
	uint64_t count = get64(&t);
	uint32_t crc = get32(&t);
	if (count != body / SNAPSHOT_RECORD_SIZE || memcmp(t.q, end_magic, sizeof(end_magic)) != 0)
		return -EBADMSG;
	if (snapshot_crc32c(0, buf, len - 8) != crc)
		return -EBADMSG;
	info->wall_ms = wall_ms;
	info->count = count;
	return 0;
}

static int get_peer(struct cursor *c, struct tcp_track_peer *p)
{
	p->end = get32(c);
	p->maxend = get32(c);
	p->maxwin = get32(c);
	p->maxack = get32(c);
	p->isn = get32(c);
	p->tsval = get32(c);
	uint8_t bits = get8(c);
	p->wscale = bits & 15;
	p->auth = (bits >> 4) & 3;
	p->hole = (bits >> 6) & 1;
	p->flags = get8(c);
	return bits >> 7 || p->wscale > PACKET_WSCALE_MAX ? -EINVAL : 0;
}

int snapshot_read_record(const uint8_t *buf, uint64_t i, struct snapshot_record *out)
{
	struct cursor c = {.q = buf + SNAPSHOT_HEADER_SIZE + i * SNAPSHOT_RECORD_SIZE};
	struct engine_flow_record *f = &out->flow;
	struct tcp_track *t = &f->track;

	memset(out, 0, sizeof(*out));
	out->queue = get16(&c);
	f->family = get8(&c);
	f->orig = get8(&c);
	f->tclass = get8(&c);
	memcpy(f->addr, c.q, sizeof(f->addr));
	c.q += sizeof(f->addr);
	f->port[0] = get16(&c);
	f->port[1] = get16(&c);
	f->remaining_ms = get64(&c);
	int bad = get_peer(&c, &t->peer[0]) | get_peer(&c, &t->peer[1]);
	t->last_seq = get32(&c);
	t->last_ack = get32(&c);
	t->last_end = get32(&c);
	t->last_win = get16(&c);
	t->state = get8(&c);
	t->retrans = get8(&c);
	uint8_t bits = get8(&c);
	t->last_dir = bits & 1;
	t->last_index = (bits >> 1) & 7;
	t->last_ignored = (bits >> 4) & 1;
	t->tw_holder = (bits >> 5) & 3;
	t->rst_dir = bits >> 7;
	t->last_opts = get8(&c);
	t->flags = get8(&c);
	/* the bits that do not fit the fields they travel in are a sign of damage */
	if (bad || t->last_index >= _TCP_TRACK_IDX_MAX || (f->family != 4 && f->family != 6))
		return -EINVAL;
	return 0;
}
