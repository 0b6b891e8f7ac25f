// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One decoder (msg_get) serves both sync_payload_check() and the reader, and the writer runs
 * it over what it wrote, so what is sent and what is accepted can never disagree.
 */
#include <errno.h>
#include <string.h>

#include "le.h"
#include "seq.h"
#include "sync_proto.h"
#include "util.h"

static const uint8_t magic[4] = {'T', 'F', 'S', 'Y'};

_Static_assert(SYNC_PAYLOAD_MAX >= SYNC_DATA_HEADER + SYNC_MSG_HEADER + FLOW_RECORD_SIZE,
	       "a FLOW fits a datagram");
_Static_assert(SYNC_HELLO_SIZE <= SYNC_PAYLOAD_MAX, "a HELLO fits a datagram");

/* ---- datagram ---- */

void sync_header_put(const struct sync_header *h, uint8_t out[SYNC_HEADER_SIZE])
{
	struct le_out o = {.p = out};

	le_put_bytes(&o, magic, sizeof(magic));
	le_put8(&o, SYNC_PROTO_VERSION);
	le_put8(&o, h->kind);
	le_put16(&o, 0);
	le_put_bytes(&o, h->sender, CRYPTO_NONCE_SIZE);
	le_put64(&o, h->counter);
}

int sync_header_get(const uint8_t *buf, size_t len, struct sync_header *h)
{
	struct le_in in = {.p = buf + sizeof(magic) + 1};

	/* what is not ours is told apart from what is ours and broken, as far as len shows */
	if (len >= sizeof(magic) && memcmp(buf, magic, sizeof(magic)) != 0)
		return -EPROTONOSUPPORT;
	if (len > sizeof(magic) && buf[sizeof(magic)] != SYNC_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	if (len < SYNC_OVERHEAD || len > SYNC_DATAGRAM_MAX)
		return -EBADMSG;
	uint8_t kind = le_get8(&in);
	uint16_t reserved = le_get16(&in);
	if (reserved || (kind != SYNC_KIND_HELLO && kind != SYNC_KIND_DATA))
		return -EBADMSG;
	struct sync_header tmp = {.kind = kind};
	le_get_bytes(&in, tmp.sender, CRYPTO_NONCE_SIZE);
	tmp.counter = le_get64(&in);
	if (!tmp.counter)
		return -EBADMSG;
	*h = tmp;
	return 0;
}

size_t sync_seal(uint8_t *out, const struct sync_header *h, const uint8_t *payload, size_t len,
		 const uint8_t key[CRYPTO_KEY_SIZE])
{
	if (len > SYNC_PAYLOAD_MAX)
		return 0;
	sync_header_put(h, out);
	crypto_seal(out + SYNC_HEADER_SIZE, payload, len, out, SYNC_HEADER_SIZE, h->sender,
		    h->counter, key);
	return SYNC_OVERHEAD + len;
}

int sync_open(const uint8_t *buf, size_t len, const struct sync_header *h,
	      const uint8_t key[CRYPTO_KEY_SIZE], uint8_t *payload, size_t *plen)
{
	if (len < SYNC_OVERHEAD || len > SYNC_DATAGRAM_MAX)
		return -EBADMSG;
	int ret = crypto_open(payload, buf + SYNC_HEADER_SIZE, len - SYNC_HEADER_SIZE, buf,
			      SYNC_HEADER_SIZE, h->sender, h->counter, key);
	if (ret)
		return ret;
	*plen = len - SYNC_OVERHEAD;
	return 0;
}

/* ---- HELLO ---- */

void sync_hello_put(const struct sync_hello *h, uint8_t out[SYNC_HELLO_SIZE])
{
	struct le_out o = {.p = out};

	le_put_bytes(&o, h->echo, CRYPTO_NONCE_SIZE);
	le_put8(&o, h->flags);
	le_put8(&o, 0);
	le_put16(&o, 0);
	le_put32(&o, h->next_seq);
}

int sync_hello_get(const uint8_t *payload, size_t len, struct sync_hello *h)
{
	struct le_in in = {.p = payload};
	struct sync_hello tmp;

	if (len != SYNC_HELLO_SIZE)
		return -EBADMSG;
	le_get_bytes(&in, tmp.echo, CRYPTO_NONCE_SIZE);
	tmp.flags = le_get8(&in);
	uint8_t zero = le_get8(&in);
	uint16_t zero2 = le_get16(&in);
	tmp.next_seq = le_get32(&in);
	if (tmp.flags || zero || zero2)
		return -EBADMSG;
	*h = tmp;
	return 0;
}

/* ---- messages ---- */

static const size_t body_size[_SYNC_MSG_MAX] = {
	[SYNC_MSG_FLOW] = FLOW_RECORD_SIZE,
	[SYNC_MSG_DESTROY] = SYNC_KEY_SIZE,
	[SYNC_MSG_BULK_START] = 4,
	[SYNC_MSG_BULK_END] = 8,
	[SYNC_MSG_ACK] = 4,
	[SYNC_MSG_NACK] = 8,
	[SYNC_MSG_BULK_REQUEST] = 4,
	[SYNC_MSG_ALIVE] = 4,
};

/* The flag bits each type may carry. */
static const uint8_t flags_allowed[_SYNC_MSG_MAX] = {
	[SYNC_MSG_FLOW] = SYNC_FLOW_ALL,
	[SYNC_MSG_BULK_START] = SYNC_BULK_COMPLETE,
	[SYNC_MSG_ALIVE] = SYNC_ALIVE_ALL,
};

static const char *const type_names[] = {
	[SYNC_MSG_FLOW] = "flow",
	[SYNC_MSG_DESTROY] = "destroy",
	[SYNC_MSG_BULK_START] = "bulk_start",
	[SYNC_MSG_BULK_END] = "bulk_end",
	[SYNC_MSG_ACK] = "ack",
	[SYNC_MSG_NACK] = "nack",
	[SYNC_MSG_BULK_REQUEST] = "bulk_request",
	[SYNC_MSG_ALIVE] = "alive",
};
_Static_assert(ARRAY_SIZE(type_names) == _SYNC_MSG_MAX, "a name for every message type");

const char *sync_msg_type_name(uint8_t type)
{
	return NAME_OR_UNKNOWN(type_names, type);
}

size_t sync_msg_body_size(uint8_t type)
{
	return type < _SYNC_MSG_MAX ? body_size[type] : 0;
}

bool sync_msg_reliable(uint8_t type)
{
	return type == SYNC_MSG_FLOW || type == SYNC_MSG_DESTROY || type == SYNC_MSG_BULK_START ||
	       type == SYNC_MSG_BULK_END;
}

static void key_put(struct le_out *o, const struct sync_key *k)
{
	le_put8(o, k->family);
	le_put8(o, 0);
	le_put_bytes(o, k->src, sizeof(k->src));
	le_put_bytes(o, k->dst, sizeof(k->dst));
	le_put16(o, k->sport);
	le_put16(o, k->dport);
}

static bool zero_bytes(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static int key_get(struct le_in *in, struct sync_key *k)
{
	k->family = le_get8(in);
	uint8_t zero = le_get8(in);
	le_get_bytes(in, k->src, sizeof(k->src));
	le_get_bytes(in, k->dst, sizeof(k->dst));
	k->sport = le_get16(in);
	k->dport = le_get16(in);
	if (zero || (k->family != 4 && k->family != 6))
		return -EBADMSG;
	/* an IPv4 key is canonical: its address in the first 4 bytes, zeros after */
	if (k->family == 4 && !(zero_bytes(k->src + 4, 12) && zero_bytes(k->dst + 4, 12)))
		return -EBADMSG;
	return 0;
}

/* Writes m's header and body (whose size the caller checked: it fits). */
static void msg_put(struct le_out *o, const struct sync_msg *m, size_t body)
{
	le_put8(o, m->type);
	le_put8(o, m->flags);
	le_put16(o, (uint16_t)body);
	switch (m->type) {
	case SYNC_MSG_FLOW:
		flow_record_put(&m->flow, o->p);
		o->p += FLOW_RECORD_SIZE;
		break;
	case SYNC_MSG_DESTROY:
		key_put(o, &m->key);
		break;
	case SYNC_MSG_ACK:
	case SYNC_MSG_ALIVE:
		le_put32(o, m->next);
		break;
	case SYNC_MSG_NACK:
		le_put32(o, m->nack.from);
		le_put32(o, m->nack.to);
		break;
	case SYNC_MSG_BULK_END:
		le_put32(o, m->bulk.id);
		le_put32(o, m->bulk.flows);
		break;
	default: /* BULK_START, BULK_REQUEST */
		le_put32(o, m->bulk.id);
		break;
	}
}

/* A message's body, of the size its type has, into m (zeroed first); 0 or -EBADMSG. */
static int body_get(struct le_in *in, struct sync_msg *m)
{
	switch (m->type) {
	case SYNC_MSG_FLOW: {
		int ret = flow_record_get(in->p, &m->flow);
		in->p += FLOW_RECORD_SIZE;
		return ret ? -EBADMSG : 0;
	}
	case SYNC_MSG_DESTROY:
		return key_get(in, &m->key);
	case SYNC_MSG_ACK:
	case SYNC_MSG_ALIVE:
		/* reliable seqs skip 0 (sync_link.h): a next of 0 names none */
		m->next = le_get32(in);
		return m->next ? 0 : -EBADMSG;
	case SYNC_MSG_NACK:
		m->nack.from = le_get32(in);
		m->nack.to = le_get32(in);
		if (!m->nack.from || !m->nack.to || seq_gt(m->nack.from, m->nack.to))
			return -EBADMSG;
		return 0;
	case SYNC_MSG_BULK_END:
		m->bulk.id = le_get32(in);
		m->bulk.flows = le_get32(in);
		return 0;
	default: /* BULK_START, BULK_REQUEST */
		m->bulk.id = le_get32(in);
		return 0;
	}
}

/*
 * Decodes and checks the message at *in, with *left bytes of payload left, in a payload with
 * sequence number seq; moves both on. 0 or -EBADMSG.
 */
static int msg_get(struct le_in *in, size_t *left, uint32_t seq, struct sync_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (*left < SYNC_MSG_HEADER)
		return -EBADMSG;
	m->type = le_get8(in);
	m->flags = le_get8(in);
	size_t len = le_get16(in);
	size_t body = sync_msg_body_size(m->type);
	if (!body || len != body || *left - SYNC_MSG_HEADER < body)
		return -EBADMSG;
	if (m->flags & ~flags_allowed[m->type])
		return -EBADMSG;
	if (sync_msg_reliable(m->type) != (seq != 0))
		return -EBADMSG;
	*left -= SYNC_MSG_HEADER + body;
	return body_get(in, m);
}

/* ---- writer ---- */

void sync_writer_init(struct sync_writer *w, uint8_t *buf, uint32_t seq)
{
	struct le_out o = {.p = buf};

	le_put32(&o, seq);
	le_put16(&o, 0);
	w->buf = buf;
	w->len = SYNC_DATA_HEADER;
	w->count = 0;
}

bool sync_writer_fits(const struct sync_writer *w, size_t body)
{
	return w->len + SYNC_MSG_HEADER + body <= SYNC_PAYLOAD_MAX;
}

int sync_writer_add(struct sync_writer *w, const struct sync_msg *m)
{
	size_t body = sync_msg_body_size(m->type);
	struct le_in seq_in = {.p = w->buf};
	uint32_t seq = le_get32(&seq_in);

	if (!body || w->count == UINT16_MAX)
		return -EINVAL;
	if (!sync_writer_fits(w, body))
		return -ENOSPC;

	struct le_out o = {.p = w->buf + w->len};
	msg_put(&o, m, body);
	/* what the peer would refuse is a bug here: refused before it is sent */
	struct le_in in = {.p = w->buf + w->len};
	size_t left = SYNC_MSG_HEADER + body;
	struct sync_msg back;
	if (msg_get(&in, &left, seq, &back) != 0) {
		memset(w->buf + w->len, 0, SYNC_MSG_HEADER + body);
		return -EINVAL;
	}
	w->len += SYNC_MSG_HEADER + body;
	w->count++;
	return 0;
}

size_t sync_writer_finish(struct sync_writer *w)
{
	struct le_out o = {.p = w->buf + 4};

	le_put16(&o, w->count);
	return w->len;
}

/* ---- reader ---- */

int sync_payload_check(const uint8_t *payload, size_t len, uint32_t *seq)
{
	struct le_in in = {.p = payload};
	struct sync_msg m;

	if (len < SYNC_DATA_HEADER || len > SYNC_PAYLOAD_MAX)
		return -EBADMSG;
	uint32_t s = le_get32(&in);
	unsigned count = le_get16(&in);
	size_t left = len - SYNC_DATA_HEADER;
	if (!count)
		return -EBADMSG;
	for (unsigned i = 0; i < count; i++)
		if (msg_get(&in, &left, s, &m) != 0)
			return -EBADMSG;
	if (left)
		return -EBADMSG;
	*seq = s;
	return 0;
}

void sync_reader_init(struct sync_reader *r, const uint8_t *payload, size_t len)
{
	struct le_in in = {.p = payload};

	if (len < SYNC_DATA_HEADER) { /* not a checked payload: nothing to read */
		*r = (struct sync_reader){.p = payload};
		return;
	}
	r->seq = le_get32(&in);
	r->remaining = le_get16(&in);
	r->p = in.p;
	r->left = len - SYNC_DATA_HEADER;
}

int sync_reader_next(struct sync_reader *r, struct sync_msg *m)
{
	struct le_in in = {.p = r->p};

	if (!r->remaining || msg_get(&in, &r->left, r->seq, m) != 0)
		return 0;
	r->p = in.p;
	r->remaining--;
	return 1;
}

/*
 * ---- anti-replay ----
 * A ring of SYNC_REPLAY_WINDOW bits, counter c at bit c mod the window: the counters top -
 * window + 1 .. top each have their own bit, and a counter that moves top on clears the bits
 * it slides over (RFC 4303 section 3.4.3 describes the window).
 */

static uint64_t replay_mask(uint64_t counter)
{
	return 1ull << (counter % 64);
}

static uint64_t *replay_word(struct sync_replay *r, uint64_t counter)
{
	return &r->bits[(counter % SYNC_REPLAY_WINDOW) / 64];
}

void sync_replay_reset(struct sync_replay *r)
{
	memset(r, 0, sizeof(*r));
}

bool sync_replay_fresh(const struct sync_replay *r, uint64_t counter)
{
	if (!counter)
		return false;
	if (counter > r->top)
		return true;
	if (r->top - counter >= SYNC_REPLAY_WINDOW)
		return false;
	return !(r->bits[(counter % SYNC_REPLAY_WINDOW) / 64] & replay_mask(counter));
}

void sync_replay_accept(struct sync_replay *r, uint64_t counter)
{
	if (!sync_replay_fresh(r, counter))
		return;
	if (counter > r->top) {
		if (counter - r->top >= SYNC_REPLAY_WINDOW)
			memset(r->bits, 0, sizeof(r->bits));
		else
			for (uint64_t c = r->top + 1; c < counter; c++)
				*replay_word(r, c) &= ~replay_mask(c);
		r->top = counter;
	}
	*replay_word(r, counter) |= replay_mask(counter);
}
