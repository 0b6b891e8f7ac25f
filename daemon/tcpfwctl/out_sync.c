// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What tcpfwctl prints about replication (see output.h): the "sync:" line of status, the Sync
 * section of stats, and the sync command, whose exit status keepalived's track_script reads.
 * Nothing is printed for a daemon whose replication is disabled, except by the sync command.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define DURATION_LEN 32

/* "850 ms" below ten seconds, "12.3 s" from there: what an operator compares with timeouts. */
static const char *duration(uint64_t ms, char buf[DURATION_LEN])
{
	if (ms < 10000)
		snprintf(buf, DURATION_LEN, "%" PRIu64 " ms", ms);
	else
		snprintf(buf, DURATION_LEN, "%" PRIu64 ".%" PRIu64 " s", ms / 1000,
			 ms % 1000 / 100);
	return buf;
}

static bool has_session(const struct ctl_sync *s)
{
	return s->state == CTL_SYNC_IN_SYNC || s->state == CTL_SYNC_RESYNC;
}

bool out_sync_serving(const struct ctl_sync *s)
{
	return s->state == CTL_SYNC_IN_SYNC || s->state == CTL_SYNC_PEER_LOST;
}

/*
 * status: "sync: in_sync with 192.0.2.9 (lag 3 ms, peer complete)"; with a session the lag and
 * the peer's table, without one when the peer was last heard; and whether this table is short.
 */
void out_sync_status_line(const struct ctl_sync *s)
{
	char d[DURATION_LEN];

	if (s->state == CTL_SYNC_DISABLED)
		return;
	printf("sync: %s %s %.*s (%s", ctl_sync_state_name(s->state),
	       s->state == CTL_SYNC_CONNECTING ? "to" : "with", (int)sizeof(s->peer), s->peer,
	       s->complete ? "" : "table incomplete, ");
	if (has_session(s))
		printf("lag %s, peer %s)\n", duration(s->lag_ms, d),
		       s->peer_complete ? "complete" : "incomplete");
	else if (s->heard)
		printf("last heard %s ago)\n", duration(s->last_heard_ms, d));
	else
		puts("never heard)");
}

/* The counters, as the stats section lists them one a line. */
static const struct {
	const char *label;
	size_t offset;
} sync_counters[] = {
	{"lag (ms)", offsetof(struct ctl_sync, lag_ms)},
	{"lag max (ms)", offsetof(struct ctl_sync, lag_max_ms)},
	{"sessions", offsetof(struct ctl_sync, sessions)},
	{"datagrams sent", offsetof(struct ctl_sync, sent)},
	{"datagrams received", offsetof(struct ctl_sync, received)},
	{"retransmitted", offsetof(struct ctl_sync, retransmitted)},
	{"records sent", offsetof(struct ctl_sync, records_sent)},
	{"records applied", offsetof(struct ctl_sync, records_applied)},
	{"bulks sent", offsetof(struct ctl_sync, bulks_sent)},
	{"bulks received", offsetof(struct ctl_sync, bulks_received)},
	{"last bulk (ms)", offsetof(struct ctl_sync, bulk_last_ms)},
	{"last bulk (flows)", offsetof(struct ctl_sync, bulk_last_flows)},
};

static uint64_t counter(const struct ctl_sync *s, size_t i)
{
	return *(const uint64_t *)((const char *)s + sync_counters[i].offset);
}

#define SYNC_FMT "  %-28s %14s\n"
#define SYNC_NUM "  %-28s %14" PRIu64 "\n"

/* stats: the Sync section, after Kernel; zero drops only with -o extended. */
void out_sync_stats(const struct out_opts *o, const struct ctl_sync *s)
{
	char label[64];

	if (s->state == CTL_SYNC_DISABLED)
		return;
	puts("Sync");
	printf(SYNC_FMT, "state", ctl_sync_state_name(s->state));
	printf(SYNC_FMT, "peer", s->peer);
	printf(SYNC_FMT, "complete", s->complete ? "yes" : "no");
	printf(SYNC_FMT, "peer complete", s->peer_complete ? "yes" : "no");
	if (s->heard)
		printf(SYNC_NUM, "last heard (ms ago)", s->last_heard_ms);
	printf(SYNC_NUM, "inflight", (uint64_t)s->inflight);
	for (size_t i = 0; i < sizeof(sync_counters) / sizeof(sync_counters[0]); i++)
		printf(SYNC_NUM, sync_counters[i].label, counter(s, i));
	for (unsigned i = 0; i < _CTL_SYNC_DROP_MAX; i++) {
		if (!s->dropped[i] && !o->extended)
			continue;
		snprintf(label, sizeof(label), "dropped: %s", ctl_sync_drop_name(i));
		printf(SYNC_NUM, label, s->dropped[i]);
	}
}

/* "bad_auth 3, replayed 1", or "none" */
static void put_drops(const struct ctl_sync *s)
{
	bool any = false;

	fputs("dropped:", stdout);
	for (unsigned i = 0; i < _CTL_SYNC_DROP_MAX; i++) {
		if (!s->dropped[i])
			continue;
		printf("%s %s %" PRIu64, any ? "," : "", ctl_sync_drop_name(i), s->dropped[i]);
		any = true;
	}
	puts(any ? "" : " none");
}

static void sync_text(const struct ctl_sync *s)
{
	char d[DURATION_LEN];

	printf("state: %s\n", ctl_sync_state_name(s->state));
	if (s->state == CTL_SYNC_DISABLED)
		return;
	printf("peer: %.*s\n", (int)sizeof(s->peer), s->peer);
	printf("complete: %s\n", s->complete ? "yes" : "no");
	printf("peer_complete: %s\n", s->peer_complete ? "yes" : "no");
	if (s->heard)
		printf("last_heard: %s ago\n", duration(s->last_heard_ms, d));
	else
		puts("last_heard: never");
	printf("inflight: %" PRIu32 "\n", s->inflight);
	printf("lag: %s\n", duration(s->lag_ms, d));
	printf("lag_max: %s\n", duration(s->lag_max_ms, d));
	printf("sessions: %" PRIu64 "\n", s->sessions);
	if (s->bulks_received)
		printf("bulk_last: %s, %" PRIu64 " flows\n", duration(s->bulk_last_ms, d),
		       s->bulk_last_flows);
	else
		puts("bulk_last: none received");
	printf("datagrams: %" PRIu64 " sent, %" PRIu64 " received, %" PRIu64 " retransmitted\n",
	       s->sent, s->received, s->retransmitted);
	printf("records: %" PRIu64 " sent, %" PRIu64 " applied\n", s->records_sent,
	       s->records_applied);
	printf("bulks: %" PRIu64 " sent, %" PRIu64 " received\n", s->bulks_sent, s->bulks_received);
	put_drops(s);
}

int out_sync(const struct out_opts *o, const struct ctl_reply *r)
{
	char *json;

	if (o->quiet || !r->status)
		return 0;
	if (!o->json) {
		sync_text(&r->status->sync);
		return 0;
	}
	json = ctl_sync_result_json(&r->status->sync, o->pretty);
	if (!json)
		return -ENOMEM;
	puts(json);
	free(json);
	return 0;
}
