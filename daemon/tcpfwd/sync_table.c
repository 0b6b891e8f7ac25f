// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replication: the flows. What the engine changed goes into the reliable stream, and what the
 * peer's stream says is applied to the engine under the rules of docs/sync.md, section 10.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "sync_internal.h"

/* Sends the reliable payload being filled, and keeps it for retransmission. */
void sync_flush(struct sync *s)
{
	if (!s->w_open)
		return;
	s->w_open = false;
	if (!s->w.count)
		return; /* a payload holds at least one message */
	size_t len = sync_writer_finish(&s->w);
	uint32_t seq = sync_tx_push(s->tx, s->out, len, s->now_ms);
	if (!seq)
		return; /* the ring is full: sync_turn() ends the session */
	sync_send(s, SYNC_KIND_DATA, s->out, len);
	sync_tx_sent(s->tx, seq, s->now_ms);
}

/* Appends a table message to the reliable stream; nothing is kept while no session is up. */
void sync_queue_msg(struct sync *s, const struct sync_msg *m)
{
	if (!s->up || !sync_tx_room(s->tx))
		return;
	if (s->w_open && !sync_writer_fits(&s->w, sync_msg_body_size(m->type)))
		sync_flush(s);
	if (!s->w_open) {
		if (!sync_tx_room(s->tx))
			return;
		sync_writer_init(&s->w, s->out, sync_tx_next_seq(s->tx));
		s->w_open = true;
	}
	if (sync_writer_add(&s->w, m) == 0 &&
	    (m->type == SYNC_MSG_FLOW || m->type == SYNC_MSG_DESTROY))
		s->st.records_sent++;
}

void sync_queue_record(const struct engine_flow_record *rec, unsigned flags, void *arg)
{
	struct sync_msg m = {.type = SYNC_MSG_FLOW, .flags = (uint8_t)flags, .flow = *rec};

	_Static_assert(ENGINE_SYNC_MOVING == SYNC_FLOW_MOVING &&
			       ENGINE_SYNC_OWNED == SYNC_FLOW_OWNED &&
			       ENGINE_SYNC_BULK == SYNC_FLOW_BULK,
		       "the engine's record flags travel as they are");
	sync_queue_msg(arg, &m);
}

void sync_on_event(struct sync *s, const struct engine_event *ev)
{
	struct sync_msg m = {.type = SYNC_MSG_DESTROY};

	/* expiry: each box runs its own timers; peer: it came from there */
	if (ev->type != ENGINE_EVENT_DESTROY || ev->cause == ENGINE_CAUSE_TIMEOUT ||
	    ev->cause == ENGINE_CAUSE_PEER)
		return;
	m.key.family = ev->flow.family;
	memcpy(m.key.src, ev->flow.src, sizeof(m.key.src));
	memcpy(m.key.dst, ev->flow.dst, sizeof(m.key.dst));
	m.key.sport = ev->flow.sport;
	m.key.dport = ev->flow.dport;
	sync_queue_msg(s, &m);
}

static void bulk_end(struct sync *s, uint32_t id)
{
	uint32_t cursor = 0;
	unsigned removed = 0;

	if (!s->bulk_seen || id != s->rx_bulk_id)
		return;
	/*
	 * Only a complete table says what no longer exists. Two incomplete ones (both restarted)
	 * have exchanged all they hold: their union is the best there is, and removes nothing.
	 */
	if (s->rx_bulk_complete)
		do /* one walk: a few ms for a million slots, once per session */
			removed += engine_sync_bulk_end(s->e, &cursor, UINT32_MAX);
		while (cursor);
	s->bulk_done = true;
	s->complete = true;
	s->st.bulks_received++;
	s->st.bulk_last_ms = s->now_ms - s->rx_bulk_start_ms;
	s->st.bulk_last_flows = s->rx_bulk_flows;
	struct log_fields f = {0};
	log_fields_add(&f, "TCPFW_PEER=%s", s->peer_text);
	log_fields_add(&f, "TCPFW_FLOWS=%llu", (unsigned long long)s->rx_bulk_flows);
	log_fields_add(&f, "TCPFW_DURATION_MS=%llu", (unsigned long long)s->st.bulk_last_ms);
	log_fields_add(&f, "TCPFW_REMOVED=%u", removed);
	log_struct(CONFIG_LOG_NOTICE, LOG_ID_SYNC_IN_SYNC, &f,
		   "sync: in sync with %s: its table of %llu flows took %llu ms; %u stale flows "
		   "removed",
		   s->peer_text, (unsigned long long)s->rx_bulk_flows,
		   (unsigned long long)s->st.bulk_last_ms, removed);
}

static void apply_flow(struct sync *s, const struct sync_msg *m)
{
	int r = engine_sync_apply(s->e, &m->flow, m->flags, s->complete, 2 * s->delay_ms,
				  s->now_ms);

	if (m->flags & SYNC_FLOW_BULK)
		s->rx_bulk_flows++;
	if (r == 1)
		s->st.records_applied++;
	else if (r == -EINVAL)
		sync_drop(s, CTL_SYNC_DROP_BAD_RECORD);
	else if (r == -ENOSPC)
		sync_drop(s, CTL_SYNC_DROP_TABLE_FULL);
}

/* A reliable payload, in order. */
void sync_apply(struct sync *s, const uint8_t *p, size_t len)
{
	struct sync_reader rd;
	struct sync_msg m;

	sync_reader_init(&rd, p, len);
	while (sync_reader_next(&rd, &m) == 1) {
		switch (m.type) {
		case SYNC_MSG_FLOW:
			apply_flow(s, &m);
			break;
		case SYNC_MSG_DESTROY:
			if (engine_sync_remove(s->e, m.key.family, m.key.src, m.key.sport,
					       m.key.dst, m.key.dport) == 0)
				s->st.records_applied++;
			break;
		case SYNC_MSG_BULK_START:
			if (m.bulk.id != s->bulk_ask_id)
				break; /* not the answer to this session's request */
			engine_sync_bulk_begin(s->e);
			s->bulk_seen = true;
			s->bulk_done = false;
			s->rx_bulk_id = m.bulk.id;
			s->rx_bulk_complete = m.flags & SYNC_BULK_COMPLETE;
			s->rx_bulk_start_ms = s->now_ms;
			s->rx_bulk_flows = 0;
			break;
		case SYNC_MSG_BULK_END:
			bulk_end(s, m.bulk.id);
			break;
		}
	}
}

void sync_bulk_start(struct sync *s, uint32_t id)
{
	if (s->tx_bulk_asked)
		return; /* one per session: later asks crossed our START */
	s->tx_bulk_asked = s->tx_bulk_active = true;
	s->tx_bulk_cursor = 0;
	s->tx_bulk_flows = 0;
	s->tx_bulk_id = id; /* our START and END answer it by name */
	sync_queue_msg(s, &(struct sync_msg){.type = SYNC_MSG_BULK_START,
					     .flags = s->complete ? SYNC_BULK_COMPLETE : 0,
					     .bulk.id = id});
}

void sync_bulk_step(struct sync *s)
{
	/* at most half the ring, so that updates and retransmissions keep room */
	unsigned room = sync_tx_room(s->tx);

	if (!s->tx_bulk_active || room < SYNC_RING / 2)
		return;
	unsigned max = (room - SYNC_RING / 2) * (SYNC_PAYLOAD_MAX / (FLOW_RECORD_SIZE + 8));
	s->tx_bulk_flows += engine_sync_export(s->e, &s->tx_bulk_cursor, SYNC_BULK_BUDGET, max,
					       s->now_ms, sync_queue_record, s);
	if (s->tx_bulk_cursor)
		return;
	sync_queue_msg(
		s, &(struct sync_msg){.type = SYNC_MSG_BULK_END,
				      .bulk = {.id = s->tx_bulk_id, .flows = s->tx_bulk_flows}});
	s->tx_bulk_active = false;
	s->st.bulks_sent++;
}
