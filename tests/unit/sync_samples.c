// SPDX-License-Identifier: GPL-2.0-or-later
/* sync_samples - valid sync messages for tests and seeds; see sync_samples.h. */
#include <string.h>

#include "sync_samples.h"

static struct engine_flow_record flow_sample(unsigned i)
{
	struct engine_flow_record r;

	memset(&r, 0, sizeof(r));
	r.family = i % 2 ? 6 : 4;
	r.orig = i % 2;
	r.tclass = 3;
	for (unsigned b = 0; b < (r.family == 4 ? 4u : 16u); b++) {
		r.addr[0][b] = (uint8_t)(10 + b + i);
		r.addr[1][b] = (uint8_t)(200 - b);
	}
	r.port[0] = (uint16_t)(40000 + i);
	r.port[1] = 443;
	r.remaining_ms = 7200000 + i;
	r.track.state = 3;
	r.track.peer[0].end = 0xfffffff0u + i;
	r.track.peer[1].wscale = 7;
	r.track.last_index = 2;
	r.track.flags = 3;
	return r;
}

struct sync_msg sync_sample(uint8_t type, unsigned i)
{
	struct sync_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	switch (type) {
	case SYNC_MSG_FLOW:
		m.flags = (uint8_t)(i % (SYNC_FLOW_ALL + 1));
		m.flow = flow_sample(i);
		break;
	case SYNC_MSG_DESTROY:
		m.key.family = i % 2 ? 6 : 4;
		m.key.src[0] = 192;
		m.key.src[3] = (uint8_t)i;
		m.key.dst[0] = 10;
		m.key.dst[3] = 1;
		if (m.key.family == 6)
			m.key.dst[15] = 0xee;
		m.key.sport = (uint16_t)(50000 + i);
		m.key.dport = 22;
		break;
	case SYNC_MSG_ACK:
	case SYNC_MSG_ALIVE:
		m.next = 0xfffffff0u + i * 7 + 1;
		if (type == SYNC_MSG_ALIVE)
			m.flags = (uint8_t)(i % (SYNC_ALIVE_ALL + 1));
		break;
	case SYNC_MSG_NACK:
		m.nack.from = 0xfffffff0u + i; /* up to the wrap and across it */
		m.nack.to = m.nack.from + i + 3;
		break;
	default:
		m.bulk.id = 0xabcd0000u + i;
		if (type == SYNC_MSG_BULK_END)
			m.bulk.flows = 123456 + i;
		break;
	}
	return m;
}
