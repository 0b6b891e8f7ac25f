// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "flow_record.h"
#include "le.h"
#include "snapshot.h"

static const uint8_t magic[8] = {'T', 'C', 'P', 'F', 'W', 'S', 'N', 'P'};
static const uint8_t end_magic[4] = {'T', 'S', 'N', 'P'};

_Static_assert(2 + FLOW_RECORD_SIZE <= SNAPSHOT_RECORD_SIZE, "queue and flow record fit a record");

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

/* ---- writing ---- */

void snapshot_write_header(struct snapshot_writer *w, uint64_t wall_ms,
			   uint8_t out[SNAPSHOT_HEADER_SIZE])
{
	struct le_out c = {.p = out};

	memset(out, 0, SNAPSHOT_HEADER_SIZE);
	le_put_bytes(&c, magic, sizeof(magic));
	le_put32(&c, SNAPSHOT_VERSION);
	le_put32(&c, SNAPSHOT_RECORD_SIZE);
	le_put64(&c, wall_ms);
	w->crc = snapshot_crc32c(0, out, SNAPSHOT_HEADER_SIZE);
	w->count = 0;
}

/* The queue, the flow record, then zeros up to SNAPSHOT_RECORD_SIZE. */
void snapshot_write_record(struct snapshot_writer *w, const struct snapshot_record *r,
			   uint8_t out[SNAPSHOT_RECORD_SIZE])
{
	struct le_out o = {.p = out};

	memset(out, 0, SNAPSHOT_RECORD_SIZE);
	le_put16(&o, r->queue);
	flow_record_put(&r->flow, o.p);
	w->crc = snapshot_crc32c(w->crc, out, SNAPSHOT_RECORD_SIZE);
	w->count++;
}

void snapshot_write_trailer(struct snapshot_writer *w, uint8_t out[SNAPSHOT_TRAILER_SIZE])
{
	struct le_out c = {.p = out};

	le_put64(&c, w->count);
	w->crc = snapshot_crc32c(w->crc, out, 8);
	le_put32(&c, w->crc);
	memcpy(c.p, end_magic, sizeof(end_magic));
}

/* ---- reading ---- */

int snapshot_check(const uint8_t *buf, size_t len, struct snapshot_info *info)
{
	struct le_in c = {.p = buf + sizeof(magic)};

	if (len < SNAPSHOT_HEADER_SIZE + SNAPSHOT_TRAILER_SIZE)
		return -EBADMSG;
	if (memcmp(buf, magic, sizeof(magic)) != 0)
		return -EPROTONOSUPPORT;
	if (le_get32(&c) != SNAPSHOT_VERSION || le_get32(&c) != SNAPSHOT_RECORD_SIZE)
		return -EPROTONOSUPPORT;
	uint64_t wall_ms = le_get64(&c);
	size_t body = len - SNAPSHOT_HEADER_SIZE - SNAPSHOT_TRAILER_SIZE;
	if (body % SNAPSHOT_RECORD_SIZE)
		return -EBADMSG;

	const uint8_t *trailer = buf + len - SNAPSHOT_TRAILER_SIZE;
	struct le_in t = {.p = trailer};
	uint64_t count = le_get64(&t);
	uint32_t crc = le_get32(&t);
	if (count != body / SNAPSHOT_RECORD_SIZE || memcmp(t.p, end_magic, sizeof(end_magic)) != 0)
		return -EBADMSG;
	if (snapshot_crc32c(0, buf, len - 8) != crc)
		return -EBADMSG;
	info->wall_ms = wall_ms;
	info->count = count;
	return 0;
}

int snapshot_read_record(const uint8_t *buf, uint64_t i, struct snapshot_record *out)
{
	struct le_in in = {.p = buf + SNAPSHOT_HEADER_SIZE + i * SNAPSHOT_RECORD_SIZE};

	memset(out, 0, sizeof(*out));
	out->queue = le_get16(&in);
	return flow_record_get(in.p, &out->flow);
}
