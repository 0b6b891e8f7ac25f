/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * output - what tcpfwctl prints: text for people, JSON for scripts.
 *
 * Text follows the habits of conntrack, ss and pfctl: aligned columns with a header for lists,
 * conntrack key=value lines with -o extended and for events, "key: value" lines for status and
 * titled sections for stats. JSON is never built here: it is the text of
 * ctl_reply_result_json(), so the daemon's schema and the CLI's cannot drift. A list arrives in
 * chunks and is printed as it arrives, as one JSON array across all chunks. Every function
 * writes to stdout and returns 0, or -ENOMEM; the caller checks stdout for write errors.
 */
#ifndef TCPFWCTL_OUTPUT_H
#define TCPFWCTL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

struct out_opts {
	bool json;
	bool pretty;	/* indented JSON */
	bool extended;	/* -o extended */
	bool no_header; /* -H */
	bool timestamp; /* -o timestamp: events start with [seconds.ms since the epoch] */
	bool quiet;	/* -q: sync prints nothing, its exit status says it all */
};

/* An endpoint as ss writes it: 192.0.2.1:80, [2001:db8::1]:80. Returns snprintf's count. */
int endpoint_str(uint8_t family, const uint8_t *addr, uint16_t port, char *buf, size_t len);

/* A list being printed: columns only grow, so chunks stay aligned with the header. */
struct out_list {
	bool started;  /* header (text) or '[' (JSON) printed */
	bool counters; /* text: the PACKETS and BYTES columns (accounting on) */
	size_t n;      /* flows printed so far */
	int width[5];  /* SRC:PORT, DST:PORT, TIMEOUT, PACKETS and BYTES columns */
};

/* Prints the flows of one List reply. */
int out_list_chunk(const struct out_opts *o, struct out_list *l, const struct ctl_reply *r);

/* Ends a list: the header of an empty table, or the closing ']'. */
int out_list_end(const struct out_opts *o, struct out_list *l);

/* Flows.Get: the flow as a one-line list, or the JSON object. */
int out_flow(const struct out_opts *o, const struct ctl_reply *r);

/* One Watch event: a conntrack -E line, or one NDJSON line. */
int out_event(const struct out_opts *o, const struct ctl_reply *r);

/* Stats.Get: pfctl -si style sections. */
int out_stats(const struct out_opts *o, const struct ctl_reply *r);

/* Stats.Get as Prometheus text (lib/metrics.h), whatever -j says: that is its format. */
int out_metrics(const struct ctl_reply *r);

/* Daemon.Status: "key: value" lines, a "sync:" one when replication is on (out_sync.c). */
int out_status(const struct out_opts *o, const struct ctl_reply *r);

/* Daemon.Status for the sync command: its "sync" object as "key: value" lines, or as JSON;
 * nothing with quiet. */
int out_sync(const struct out_opts *o, const struct ctl_reply *r);

/* Whether this box holds a table fit to take over: in_sync, or peer_lost (it was complete when
 * the peer fell silent). The sync command's exit status. */
bool out_sync_serving(const struct ctl_sync *s);

/* The "sync:" line of status, and the Sync section of stats; nothing when disabled. */
void out_sync_status_line(const struct ctl_sync *s);
void out_sync_stats(const struct out_opts *o, const struct ctl_sync *s);

/* out_fastpath.c: the Fast path section of stats, when it is on. */
void out_fastpath_stats(const struct out_opts *o, const struct ctl_fastpath *f);

/* Params.Get: sysctl style "name = value" lines. */
int out_params(const struct out_opts *o, const struct ctl_reply *r);

/*
 * Count, Kill and Flush: the bare number, or "N <verb>" when verb is not NULL ("flows killed").
 */
int out_count(const struct out_opts *o, const struct ctl_reply *r, const char *verb);

/* Daemon.Version: the client's version and the daemon's. */
int out_version(const struct out_opts *o, const struct ctl_reply *r, const char *client);

/* Replies without a text form (Params.Set, Reload): nothing, or the JSON result. */
int out_empty(const struct out_opts *o, const struct ctl_reply *r);

#endif /* TCPFWCTL_OUTPUT_H */
