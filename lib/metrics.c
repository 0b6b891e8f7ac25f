// SPDX-License-Identifier: GPL-2.0-or-later
#include "metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reason.h"
#include "tcp_track_names.h"
#include "util.h"

/* The text so far: what fits in buf, and the length the whole would take. */
struct text {
	char *buf;
	size_t len;
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	size_t room = t->n < t->len ? t->len - t->n : 0;

	va_start(ap, fmt);
	int k = vsnprintf(room ? t->buf + t->n : NULL, room, fmt, ap);
	va_end(ap);
	if (k > 0)
		t->n += (size_t)k;
}

static void family(struct text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(struct text *t, const char *name, const char *label, const char *value,
		   uint64_t v)
{
	if (label)
		put(t, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, value, v);
	else
		put(t, "%s %" PRIu64 "\n", name, v);
}

/* A family of one unlabelled sample. */
static void single(struct text *t, const char *name, const char *type, const char *help, uint64_t v)
{
	family(t, name, type, help);
	sample(t, name, NULL, NULL, v);
}

static void counters(struct text *t, const struct ctl_stats *s)
{
	family(t, "tcpfw_verdicts_total", "counter", "Segments judged, by verdict.");
	sample(t, "tcpfw_verdicts_total", "verdict", "accept", s->verdict_accept);
	sample(t, "tcpfw_verdicts_total", "verdict", "drop", s->verdict_drop);
	family(t, "tcpfw_reasons_total", "counter",
	       "Segments judged, by the reason for the verdict (ok: a plain accept).");
	for (unsigned i = 0; i < _REASON_MAX; i++)
		sample(t, "tcpfw_reasons_total", "reason", reason_name(i), s->reasons[i]);
	family(t, "tcpfw_flows", "gauge", "Flows in the tables, by state.");
	for (unsigned i = TCP_TRACK_NONE + 1; i < _TCP_TRACK_STATE_MAX && i < ARRAY_SIZE(s->states);
	     i++)
		sample(t, "tcpfw_flows", "state", tcp_track_state_name(i), s->states[i]);
	single(t, "tcpfw_table_entries", "gauge", "Flows in the tables, all queues.", s->flows);
	single(t, "tcpfw_table_capacity", "gauge", "Flows the tables can hold, all queues.",
	       s->max_flows);
	single(t, "tcpfw_flows_created_total", "counter", "Flows created.", s->created);
	family(t, "tcpfw_flows_destroyed_total", "counter",
	       "Flows removed, by cause (evicted: early drop from a full table).");
	for (unsigned i = 0; i < ARRAY_SIZE(s->destroyed); i++)
		if (strcmp(ctl_cause_name(i), "unknown") != 0)
			sample(t, "tcpfw_flows_destroyed_total", "cause", ctl_cause_name(i),
			       s->destroyed[i]);
}

static void kernel(struct text *t, const struct ctl_stats *s)
{
	unsigned n = s->n_queues < ARRAY_SIZE(s->queues) ? s->n_queues : ARRAY_SIZE(s->queues);
	char q[8];

	single(t, "tcpfw_packets_total", "counter", "Packets the kernel delivered to tcpfwd.",
	       s->packets);
	single(t, "tcpfw_enobufs_total", "counter", "Times a queue socket overflowed (ENOBUFS).",
	       s->enobufs);
	single(t, "tcpfw_lost_packets_total", "counter",
	       "Packets that never reached tcpfwd because its socket overflowed.", s->lost);
	single(t, "tcpfw_relearned_total", "counter",
	       "Times flows re-learned their windows after packets passed unseen.", s->relearned);
	family(t, "tcpfw_control_pause_max_seconds", "gauge",
	       "The longest a worker spent on one control request, its packets waiting.");
	put(t, "tcpfw_control_pause_max_seconds %" PRIu64 ".%06" PRIu64 "\n",
	    s->pause_max_us / 1000000, s->pause_max_us % 1000000);
	if (!n) /* the kernel's file was not readable: no per-queue families at all */
		return;
	static const char *const names[4][3] = {
		{"tcpfw_queue_waiting", "gauge", "Packets waiting in the kernel queue."},
		{"tcpfw_queue_dropped_total", "counter", "Packets the kernel dropped: queue full."},
		{"tcpfw_queue_user_dropped_total", "counter",
		 "Packets the kernel dropped: tcpfwd's socket full."},
		{"tcpfw_queue_packets_total", "counter", "Packets the kernel queued."},
	};
	for (unsigned f = 0; f < 4; f++) {
		family(t, names[f][0], names[f][1], names[f][2]);
		for (unsigned i = 0; i < n; i++) {
			const struct ctl_queue_stats *qs = &s->queues[i];
			uint64_t v[4] = {qs->queue_total, qs->queue_dropped, qs->user_dropped,
					 qs->id_sequence};

			snprintf(q, sizeof(q), "%u", qs->num);
			sample(t, names[f][0], "queue", q, v[f]);
		}
	}
}

/* A family of one sample in seconds, from milliseconds. */
static void seconds(struct text *t, const char *name, const char *help, uint64_t ms)
{
	family(t, name, "gauge", help);
	put(t, "%s %" PRIu64 ".%03" PRIu64 "\n", name, ms / 1000, ms % 1000);
}

/* Replication, only while it is on: a state set, the gauges, then the counters. */
static void replication(struct text *t, const struct ctl_sync *s)
{
	const struct {
		const char *name, *help;
		uint64_t v;
	} totals[] = {
		{"tcpfw_sync_sessions_total", "Replication sessions started.", s->sessions},
		{"tcpfw_sync_datagrams_sent_total", "Sync datagrams sent.", s->sent},
		{"tcpfw_sync_datagrams_received_total", "Sync datagrams received and authentic.",
		 s->received},
		{"tcpfw_sync_datagrams_retransmitted_total", "Sync datagrams sent again.",
		 s->retransmitted},
		{"tcpfw_sync_records_sent_total", "Flow records and removals sent to the peer.",
		 s->records_sent},
		{"tcpfw_sync_records_applied_total",
		 "Flow records and removals of the peer applied.", s->records_applied},
		{"tcpfw_sync_bulks_sent_total", "Full-table transfers sent.", s->bulks_sent},
		{"tcpfw_sync_bulks_received_total", "Full-table transfers received.",
		 s->bulks_received},
	};

	if (s->state == CTL_SYNC_DISABLED || s->state >= _CTL_SYNC_STATE_MAX)
		return;
	family(t, "tcpfw_sync_state", "gauge", "Replication state: 1 for the current one.");
	for (unsigned i = 0; i < _CTL_SYNC_STATE_MAX; i++)
		sample(t, "tcpfw_sync_state", "state", ctl_sync_state_name(i), s->state == i);
	single(t, "tcpfw_sync_complete", "gauge", "1 when this table holds all it should.",
	       s->complete);
	single(t, "tcpfw_sync_peer_complete", "gauge", "1 when the peer says its table does.",
	       s->peer_complete);
	if (s->heard)
		seconds(t, "tcpfw_sync_last_heard_seconds",
			"Time since the peer's last authentic datagram.", s->last_heard_ms);
	single(t, "tcpfw_sync_inflight", "gauge", "Sync datagrams sent, not yet acknowledged.",
	       s->inflight);
	seconds(t, "tcpfw_sync_lag_seconds", "The last acknowledged update's send-to-ack time.",
		s->lag_ms);
	seconds(t, "tcpfw_sync_lag_max_seconds", "The longest send-to-ack time seen.",
		s->lag_max_ms);
	seconds(t, "tcpfw_sync_bulk_last_seconds", "How long the last full table received took.",
		s->bulk_last_ms);
	single(t, "tcpfw_sync_bulk_last_flows", "gauge", "Flows the last full table received held.",
	       s->bulk_last_flows);
	for (size_t i = 0; i < ARRAY_SIZE(totals); i++)
		single(t, totals[i].name, "counter", totals[i].help, totals[i].v);
	family(t, "tcpfw_sync_dropped_total", "counter",
	       "Sync datagrams and records dropped, by reason.");
	for (unsigned i = 0; i < _CTL_SYNC_DROP_MAX; i++)
		sample(t, "tcpfw_sync_dropped_total", "reason", ctl_sync_drop_name(i),
		       s->dropped[i]);
}

/* The in-kernel fast path, only while it is on. */
static void fast_path(struct text *t, const struct ctl_fastpath *f)
{
	const struct {
		const char *name, *help;
		uint64_t v;
	} totals[] = {
		{"tcpfw_fastpath_accepted_total", "Segments the fast path accepted in the kernel.",
		 f->accepted},
		{"tcpfw_fastpath_queued_total",
		 "Segments of flows tcpfwd held that the fast path sent to the queue.", f->queued},
		{"tcpfw_fastpath_handovers_total", "Flows handed to the fast path.", f->handovers},
		{"tcpfw_fastpath_imports_total",
		 "Times the fast path's changes were copied into the table.", f->imports},
	};

	if (!f->enabled)
		return;
	single(t, "tcpfw_fastpath_flows", "gauge", "Flows handed to the fast path now.", f->flows);
	for (size_t i = 0; i < ARRAY_SIZE(totals); i++)
		single(t, totals[i].name, "counter", totals[i].help, totals[i].v);
	family(t, "tcpfw_fastpath_returned_total", "counter",
	       "Flows the fast path gave back to tcpfwd with a segment, by reason.");
	for (unsigned i = 0; i < _CTL_FP_RET_MAX; i++)
		sample(t, "tcpfw_fastpath_returned_total", "reason", ctl_fastpath_return_name(i),
		       f->returned[i]);
}

size_t metrics_format(const struct ctl_stats *s, char *buf, size_t len)
{
	struct text t = {.buf = buf, .len = len};

	if (len)
		buf[0] = '\0';
	counters(&t, s);
	kernel(&t, s);
	replication(&t, &s->sync);
	fast_path(&t, &s->fastpath);
	return t.n;
}
