// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "output.h"
#include "reason.h"
#include "tcp_track_names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "[" INET6_ADDRSTRLEN "]:" "65535" */
#define ENDPOINT_LEN (INET6_ADDRSTRLEN + 8)

/* conntrack -E's tags, by event type (new, state, destroy) */
static const char *const event_tags[] = {"[NEW]", "[UPDATE]", "[DESTROY]"};

static const char *cause_name(unsigned c)
{
	return ctl_cause_name(c);
}

static const char *addr_str(uint8_t family, const uint8_t *addr, char *buf, size_t len)
{
	int af = family == 6 ? AF_INET6 : AF_INET;

	if ((family != 4 && family != 6) || !inet_ntop(af, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

int endpoint_str(uint8_t family, const uint8_t *addr, uint16_t port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(family, addr, a, sizeof(a));
	return snprintf(buf, len, family == 6 ? "[%s]:%u" : "%s:%u", a, port);
}

/* Writes json, adding indent after each newline; JSON strings hold no raw newline. */
static void put_indented(const char *json, const char *indent)
{
	const char *nl;

	while ((nl = strchr(json, '\n'))) {
		fwrite(json, 1, (size_t)(nl - json) + 1, stdout);
		fputs(indent, stdout);
		json = nl + 1;
	}
	fputs(json, stdout);
}

/* The indent unit of pretty JSON: the blanks that open its second line. */
static size_t indent_unit(const char *json)
{
	const char *nl = strchr(json, '\n');

	return nl ? strspn(nl + 1, " \t") : 0;
}

static int put_json(const struct out_opts *o, const struct ctl_reply *r)
{
	char *json = ctl_reply_result_json(r, o->pretty);

	if (!json)
		return -ENOMEM;
	puts(json);
	free(json);
	return 0;
}

static void list_header(const struct out_list *l)
{
	printf("%-5s %-11s %-*s %-*s %*s ", "PROTO", "STATE", l->width[0], "SRC:PORT", l->width[1],
	       "DST:PORT", l->width[2], "TIMEOUT");
	if (l->counters)
		printf("%*s %*s ", l->width[3], "PACKETS", l->width[4], "BYTES");
	puts("FLAGS");
}

/* "20/21": a counter of each direction, original first */
#define COUNTER_PAIR_LEN 42

/* One flow's variable-width columns, formatted once to measure and to print. */
struct list_row {
	char endpoint[2][ENDPOINT_LEN];
	char packets[COUNTER_PAIR_LEN];
	char bytes[COUNTER_PAIR_LEN];
	int width[5];
};

static int digits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static void row_format(struct list_row *row, const struct ctl_flow *f)
{
	row->width[0] = endpoint_str(f->family, f->src, f->sport, row->endpoint[0], ENDPOINT_LEN);
	row->width[1] = endpoint_str(f->family, f->dst, f->dport, row->endpoint[1], ENDPOINT_LEN);
	row->width[2] = digits(f->expires_in_ms / 1000);
	row->width[3] = snprintf(row->packets, COUNTER_PAIR_LEN, "%" PRIu64 "/%" PRIu64,
				 f->packets[0], f->packets[1]);
	row->width[4] = snprintf(row->bytes, COUNTER_PAIR_LEN, "%" PRIu64 "/%" PRIu64, f->bytes[0],
				 f->bytes[1]);
}

/* The first flows decide the columns: accounting is on for all of them or for none. */
static void list_start(struct out_list *l, const struct ctl_flow *f, size_t n)
{
	if (l->started)
		return;
	l->counters = n && f[0].has_counters;
	l->width[0] = (int)strlen("SRC:PORT");
	l->width[1] = (int)strlen("DST:PORT");
	l->width[2] = (int)strlen("TIMEOUT");
	l->width[3] = (int)strlen("PACKETS");
	l->width[4] = (int)strlen("BYTES");
}

/* Columns fit the widest value seen so far and never shrink, so chunks stay aligned. */
static int list_text(const struct out_opts *o, struct out_list *l, const struct ctl_flow *f,
		     size_t n)
{
	struct list_row *rows = n ? calloc(n, sizeof(*rows)) : NULL;

	if (n && !rows)
		return -ENOMEM;
	list_start(l, f, n);
	for (size_t i = 0; i < n; i++) {
		row_format(&rows[i], &f[i]);
		for (int c = 0; c < 5; c++)
			if (rows[i].width[c] > l->width[c])
				l->width[c] = rows[i].width[c];
	}
	if (!l->started && !o->no_header)
		list_header(l);
	l->started = true;
	for (size_t i = 0; i < n; i++) {
		printf("%-5s %-11s %-*s %-*s %*" PRIu64, "tcp", tcp_track_state_name(f[i].state),
		       l->width[0], rows[i].endpoint[0], l->width[1], rows[i].endpoint[1],
		       l->width[2], f[i].expires_in_ms / 1000);
		if (l->counters)
			printf(" %*s %*s", l->width[3], rows[i].packets, l->width[4],
			       rows[i].bytes);
		puts(f[i].assured ? " [ASSURED]" : "");
	}
	free(rows);
	l->n += n;
	return 0;
}

/* conntrack's tuple: src= dst= sport= dport= */
static void put_tuple(const struct ctl_flow *f)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	printf("src=%s dst=%s sport=%u dport=%u", addr_str(f->family, f->src, src, sizeof(src)),
	       addr_str(f->family, f->dst, dst, sizeof(dst)), f->sport, f->dport);
}

/*
 * With accounting, conntrack -o extended's two tuples, each followed by its counters:
 * src=A dst=B sport=a dport=b packets=N bytes=N src=B dst=A sport=b dport=a packets=N bytes=N
 */
static void put_tuples(const struct ctl_flow *f)
{
	struct ctl_flow reply = *f;

	put_tuple(f);
	if (!f->has_counters)
		return;
	printf(" packets=%" PRIu64 " bytes=%" PRIu64 " ", f->packets[0], f->bytes[0]);
	memcpy(reply.src, f->dst, sizeof(reply.src));
	memcpy(reply.dst, f->src, sizeof(reply.dst));
	reply.sport = f->dport;
	reply.dport = f->sport;
	put_tuple(&reply);
	printf(" packets=%" PRIu64 " bytes=%" PRIu64, f->packets[1], f->bytes[1]);
}

static void extended_row(const struct ctl_flow *f)
{
	printf("tcp 6 %" PRIu64 " %s ", f->expires_in_ms / 1000, tcp_track_state_name(f->state));
	put_tuples(f);
	printf("%s queue=%u id=%" PRIu32 "\n", f->assured ? " [ASSURED]" : "", f->queue, f->id);
}

/* One flow as an element of the JSON array: the Get result of that flow. */
static int list_json_flow(const struct out_opts *o, struct out_list *l, const struct ctl_flow *f)
{
	struct ctl_reply one = {
		.method = CTL_FLOWS_GET, .flows = (struct ctl_flow *)f, .n_flows = 1};
	char *json = ctl_reply_result_json(&one, o->pretty);
	char indent[16] = "";
	size_t unit;

	if (!json)
		return -ENOMEM;
	if (o->pretty) {
		unit = indent_unit(json);
		if (unit >= sizeof(indent))
			unit = sizeof(indent) - 1;
		memcpy(indent, "                ", unit);
		indent[unit] = '\0';
		printf("%s\n%s", l->n ? "," : "", indent);
		put_indented(json, indent);
	} else {
		printf("%s%s", l->n ? "," : "", json);
	}
	free(json);
	return 0;
}

int out_list_chunk(const struct out_opts *o, struct out_list *l, const struct ctl_reply *r)
{
	int ret;

	if (o->json) {
		if (!l->started)
			putchar('[');
		l->started = true;
		for (size_t i = 0; i < r->n_flows; i++, l->n++) {
			ret = list_json_flow(o, l, &r->flows[i]);
			if (ret)
				return ret;
		}
		return 0;
	}
	if (o->extended) {
		for (size_t i = 0; i < r->n_flows; i++)
			extended_row(&r->flows[i]);
		l->n += r->n_flows;
		return 0;
	}
	/* an empty chunk prints nothing: the first flows decide the columns (or the end does) */
	return r->n_flows ? list_text(o, l, r->flows, r->n_flows) : 0;
}

int out_list_end(const struct out_opts *o, struct out_list *l)
{
	if (o->json)
		puts(!l->started ? "[]" : o->pretty && l->n ? "\n]" : "]");
	else if (!l->started && !o->extended)
		return list_text(o, l, NULL, 0);
	l->started = true;
	return 0;
}

int out_flow(const struct out_opts *o, const struct ctl_reply *r)
{
	struct out_list l = {0};
	int ret;

	if (o->json)
		return put_json(o, r);
	ret = out_list_chunk(o, &l, r);
	return ret ? ret : out_list_end(o, &l);
}

int out_event(const struct out_opts *o, const struct ctl_reply *r)
{
	const struct ctl_event *ev = &r->event;
	const struct ctl_flow *f = &ev->flow;
	char *json;

	if (o->json) {
		/* NDJSON: one object per line, whatever -p says */
		json = ctl_reply_result_json(r, false);
		if (!json)
			return -ENOMEM;
		puts(json);
		free(json);
	} else {
		if (o->timestamp && ev->timestamp_ms)
			printf("[%" PRIu64 ".%03u] ", ev->timestamp_ms / 1000,
			       (unsigned)(ev->timestamp_ms % 1000));
		printf("%-9s tcp %s ",
		       ev->type < ARRAY_SIZE(event_tags) ? event_tags[ev->type] : "[?]",
		       tcp_track_state_name(f->state));
		put_tuples(f);
		if (f->assured)
			fputs(" [ASSURED]", stdout);
		if (ev->type == 1)
			printf(" old=%s", tcp_track_state_name(ev->old_state));
		else if (ev->type == 2)
			printf(" cause=%s", cause_name(ev->cause));
		printf(" queue=%u id=%" PRIu32 "\n", f->queue, f->id);
	}
	fflush(stdout);
	return 0;
}

#define STAT_FMT "  %-28s %14" PRIu64 "\n"

static void put_percent(uint64_t part, uint64_t whole)
{
	if (whole)
		printf(" (%.1f%%)\n", (double)part * 100.0 / (double)whole);
	else
		putchar('\n');
}

static void stats_counters(const struct out_opts *o, const struct ctl_stats *s)
{
	char label[64];

	puts("Verdicts");
	printf(STAT_FMT, "accept", s->verdict_accept);
	printf(STAT_FMT, "drop", s->verdict_drop);
	printf("Reasons%s\n", o->extended ? "" : " (non-zero)");
	for (unsigned i = 0; i < _REASON_MAX; i++)
		if (s->reasons[i] || o->extended)
			printf(STAT_FMT, reason_name(i), s->reasons[i]);
	puts("Flow table");
	printf("  %-28s %14" PRIu32 " / %" PRIu32, "current entries", s->flows, s->max_flows);
	put_percent(s->flows, s->max_flows);
	printf(STAT_FMT, "created", s->created);
	for (unsigned i = 0; i < ARRAY_SIZE(s->destroyed); i++) {
		if (!s->destroyed[i] && (!o->extended || !strcmp(cause_name(i), "unknown")))
			continue;
		snprintf(label, sizeof(label), "destroyed: %s", cause_name(i));
		printf(STAT_FMT, label, s->destroyed[i]);
	}
	puts("States");
	for (unsigned i = 0; i < _TCP_TRACK_STATE_MAX && i < ARRAY_SIZE(s->states); i++)
		if (i != TCP_TRACK_NONE || s->states[i])
			printf(STAT_FMT, tcp_track_state_name(i), (uint64_t)s->states[i]);
}

static void stats_queues(const struct ctl_stats *s)
{
	unsigned n = s->n_queues < ARRAY_SIZE(s->queues) ? s->n_queues : ARRAY_SIZE(s->queues);

	puts("Kernel");
	printf(STAT_FMT, "packets", s->packets);
	printf(STAT_FMT, "enobufs", s->enobufs);
	printf(STAT_FMT, "lost (socket overflowed)", s->lost);
	printf(STAT_FMT, "relearned (after a bypass)", s->relearned);
	printf(STAT_FMT, "longest control pause (us)", s->pause_max_us);
	if (!n) {
		/* the kernel makes the file root-only; a daemon without that right cannot read it
		 */
		puts("  per-queue counters unavailable: /proc/net/netfilter/nfnetlink_queue is not "
		     "readable by tcpfwd");
		return;
	}
	printf("  %-6s %14s %14s %14s %14s\n", "queue", "waiting", "queue_dropped", "user_dropped",
	       "packets_seen");
	for (unsigned i = 0; i < n; i++) {
		const struct ctl_queue_stats *q = &s->queues[i];

		printf("  %-6u %14" PRIu32 " %14" PRIu64 " %14" PRIu64 " %14" PRIu64 "\n", q->num,
		       q->queue_total, q->queue_dropped, q->user_dropped, q->id_sequence);
	}
}

int out_metrics(const struct ctl_reply *r)
{
	if (!r->stats)
		return 0;
	size_t need = metrics_format(r->stats, NULL, 0);
	char *text = malloc(need + 1);

	if (!text)
		return -ENOMEM;
	metrics_format(r->stats, text, need + 1);
	fwrite(text, 1, need, stdout);
	free(text);
	return 0;
}

int out_stats(const struct out_opts *o, const struct ctl_reply *r)
{
	if (o->json)
		return put_json(o, r);
	if (!r->stats)
		return 0;
	stats_counters(o, r->stats);
	stats_queues(r->stats);
	out_sync_stats(o, &r->stats->sync);
	out_fastpath_stats(o, &r->stats->fastpath);
	return 0;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void status_uptime(uint64_t ms)
{
	uint64_t s = ms / 1000;

	printf("uptime: %" PRIu64 " s (%" PRIu64 "d %02u:%02u:%02u)\n", s, s / 86400,
	       (unsigned)(s / 3600 % 24), (unsigned)(s / 60 % 60), (unsigned)(s % 60));
}

int out_status(const struct out_opts *o, const struct ctl_reply *r)
{
	const struct ctl_status *s = r->status;
	unsigned n;

	if (o->json)
		return put_json(o, r);
	if (!s)
		return 0;
	printf("version: %.*s\n", (int)sizeof(s->version), s->version);
	printf("pid: %" PRIu32 "\n", s->pid);
	status_uptime(s->uptime_ms);
	printf("config: %.*s\n", (int)sizeof(s->config_path), s->config_path);
	if (s->queue_count > 1)
		printf("queues: %u-%u\n", s->queue_num,
		       (unsigned)s->queue_num + s->queue_count - 1);
	else
		printf("queues: %u\n", s->queue_num);
	printf("fail_open: %s\n", yes_no(s->fail_open));
	printf("time_wait_policy: %.*s\n", (int)sizeof(s->tw_policy), s->tw_policy);
	printf("pickup: %s\n", yes_no(s->pickup));
	printf("flows: %" PRIu32 "\n", s->flows);
	printf("max_flows: %" PRIu32 "\n", s->max_flows);
	fputs("overridden:", stdout);
	n = s->n_overridden < ARRAY_SIZE(s->overridden) ? s->n_overridden
							: ARRAY_SIZE(s->overridden);
	for (unsigned i = 0; i < n; i++)
		printf("%s%.*s", i ? ", " : " ", (int)sizeof(s->overridden[i]), s->overridden[i]);
	puts(n ? "" : " none");
	out_sync_status_line(&s->sync);
	return 0;
}

int out_params(const struct out_opts *o, const struct ctl_reply *r)
{
	if (o->json)
		return put_json(o, r);
	for (size_t i = 0; i < r->n_params; i++)
		printf("%.*s = %.*s\n", (int)sizeof(r->params[i].name), r->params[i].name,
		       (int)sizeof(r->params[i].value), r->params[i].value);
	return 0;
}

int out_count(const struct out_opts *o, const struct ctl_reply *r, const char *verb)
{
	if (o->json)
		return put_json(o, r);
	if (verb && r->has_reset)
		printf("%" PRIu64 " flow%s %s, %" PRIu64 " RST%s sent\n", r->count,
		       r->count == 1 ? "" : "s", verb, r->reset_sent,
		       r->reset_sent == 1 ? "" : "s");
	else if (verb)
		printf("%" PRIu64 " flow%s %s\n", r->count, r->count == 1 ? "" : "s", verb);
	else
		printf("%" PRIu64 "\n", r->count);
	return 0;
}

/*
 * JSON: the daemon's object with "client_version" added as its first member, in the
 * object's own layout.
 */
static int version_json(const struct out_opts *o, const struct ctl_reply *r, const char *client)
{
	char *json = ctl_reply_result_json(r, o->pretty);
	const char *body, *ws;
	size_t n_ws;

	if (!json)
		return -ENOMEM;
	body = strchr(json, '{');
	if (!body) {
		free(json);
		return -EINVAL;
	}
	ws = body + 1;
	n_ws = strspn(ws, " \t\n");
	printf("{%.*s\"client_version\":%s\"%s\"", (int)n_ws, ws, o->pretty ? " " : "", client);
	if (ws[n_ws] == '}')
		printf("%.*s%s\n", (int)n_ws, ws, ws + n_ws);
	else
		printf(",%.*s%s\n", (int)n_ws, ws, ws + n_ws);
	free(json);
	return 0;
}

int out_version(const struct out_opts *o, const struct ctl_reply *r, const char *client)
{
	if (o->json)
		return version_json(o, r, client);
	printf("tcpfwctl %s\ntcpfwd %.*s\n", client, (int)sizeof(r->version), r->version);
	return 0;
}

int out_empty(const struct out_opts *o, const struct ctl_reply *r)
{
	return o->json ? put_json(o, r) : 0;
}
