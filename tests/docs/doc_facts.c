// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * doc_facts - prints what docs/ must say, read from libtcpfw.a itself, one fact per line, for
 * tests/docs/check_docs.sh to look for in the documents (make check-docs):
 *
 *   state NAME                      every tracker state (tcp_track_state_name)
 *   reason NAME                     every verdict reason (reason_name)
 *   method NAME admin|read          every control method and the role it needs
 *   error NAME                      every control error name
 *   cause NAME                      every flow destroy cause
 *   sync_state NAME                 every replication state ("sync":{"state":...})
 *   sync_drop NAME                  every reason a sync datagram or record is dropped
 *   row DIR LINE                    one line of the transition table in docs/tracking.md
 *   cell DIR CLASS FROM TO REASON   one cell of that table, as its comment line must open
 *   deviation KEY                   a row of the deviations table (cells)
 *   rule KEY                        a row of the receiver-acceptability rules table
 *   json TEXT                       a control message example in docs/control-protocol.md
 *   syncmsg | N | NAME | CLASS | SIZE  the start of a row of docs/sync.md's message types:
 *                                   number, name, reliable or control, body size
 *
 * The transition table is not typed in: each cell is what the tracker does with the canonical
 * segment in that state (the state reached the canonical way, the initiator closing first, the
 * segment's numbers in window and acknowledging everything; a SYN repeats its sender's ISN),
 * exactly as tests/unit/test_tcp_track.c drives it: reach() and canonical() repeat that test's,
 * and must stay in step with it (one shared helper in tests/unit would serve both). The cells
 * of tcp_track_deviations[] get a star.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "engine.h"
#include "reason.h"
#include "sync_proto.h"
#include "tcp_track.h"
#include "util.h"

#define IV TCP_TRACK_PSEUDO_INVALID
#define IG TCP_TRACK_PSEUDO_IGNORE

static const struct tcp_track_params params = {
	.pickup = false,
	.liberal = false,
	.tw_policy = TCP_TRACK_TW_ENFORCE,
	.max_retrans = 3,
};

#define ISN_C	  1000u
#define ISN_S	  4000000000u
#define FRESH_ISN 777777u

static const char *abbrev(unsigned s)
{
	static const char *const names[] = {
		[TCP_TRACK_NONE] = "sNO",	    [TCP_TRACK_SYN_SENT] = "sSS",
		[TCP_TRACK_SYN_RECV] = "sSR",	    [TCP_TRACK_ESTABLISHED] = "sES",
		[TCP_TRACK_FIN_WAIT] = "sFW",	    [TCP_TRACK_CLOSE_WAIT] = "sCW",
		[TCP_TRACK_LAST_ACK] = "sLA",	    [TCP_TRACK_TIME_WAIT] = "sTW",
		[TCP_TRACK_CLOSE] = "sCL",	    [TCP_TRACK_SYN_SENT2] = "sS2",
		[TCP_TRACK_PSEUDO_INVALID] = "sIV", [TCP_TRACK_PSEUDO_IGNORE] = "sIG",
	};
	return s < ARRAY_SIZE(names) && names[s] ? names[s] : "s??";
}

static struct packet seg(uint8_t flags, uint32_t seq, uint32_t ack)
{
	return (struct packet){
		.family = 4, .flags = flags, .seq = seq, .ack = ack, .window = 65535};
}

static void step(struct tcp_track *t, enum tcp_track_dir dir, struct packet p)
{
	struct tcp_track_result res;

	tcp_track_packet(t, &p, dir, &params, &res);
	if (res.verdict != TCP_TRACK_ACCEPT) {
		fprintf(stderr, "doc_facts: the canonical path failed in %s\n",
			tcp_track_state_name(t->state));
		exit(1);
	}
}

/* As test_tcp_track.c reaches a state: the initiator closes first. */
static void reach(struct tcp_track *t, uint8_t state)
{
	struct tcp_track_result res;
	struct packet syn = seg(TCP_FLAG_SYN, ISN_C, 0);
	const uint8_t A = TCP_FLAG_ACK, FA = TCP_FLAG_FIN | TCP_FLAG_ACK;

	tcp_track_new(t, &syn, &params, &res);
	if (state == TCP_TRACK_SYN_SENT)
		return;
	if (state == TCP_TRACK_SYN_SENT2) {
		step(t, TCP_TRACK_REPLY, seg(TCP_FLAG_SYN, ISN_S, 0));
		return;
	}
	step(t, TCP_TRACK_REPLY, seg(TCP_FLAG_SYN | A, ISN_S, ISN_C + 1));
	if (state == TCP_TRACK_SYN_RECV)
		return;
	step(t, TCP_TRACK_ORIGINAL, seg(A, ISN_C + 1, ISN_S + 1));
	if (state == TCP_TRACK_ESTABLISHED)
		return;
	if (state == TCP_TRACK_CLOSE) {
		step(t, TCP_TRACK_ORIGINAL, seg(TCP_FLAG_RST, ISN_C + 1, 0));
		return;
	}
	step(t, TCP_TRACK_ORIGINAL, seg(FA, ISN_C + 1, ISN_S + 1));
	if (state == TCP_TRACK_FIN_WAIT)
		return;
	step(t, TCP_TRACK_REPLY, seg(A, ISN_S + 1, ISN_C + 2));
	if (state == TCP_TRACK_CLOSE_WAIT)
		return;
	step(t, TCP_TRACK_REPLY, seg(FA, ISN_S + 1, ISN_C + 2));
	if (state == TCP_TRACK_LAST_ACK)
		return;
	step(t, TCP_TRACK_ORIGINAL, seg(A, ISN_C + 2, ISN_S + 2));
}

static struct packet canonical(const struct tcp_track *t, enum tcp_track_dir dir, uint8_t flags)
{
	const struct tcp_track_peer *s = &t->peer[dir], *r = &t->peer[!dir];
	bool seen = s->maxwin != 0;
	uint32_t seq = seen ? s->end : FRESH_ISN;
	uint32_t ack = (flags & TCP_FLAG_ACK) ? r->end : 0;

	if ((flags & TCP_FLAG_SYN) && seen)
		seq = s->isn;
	else if ((flags & TCP_FLAG_FIN) && !(flags & TCP_FLAG_SYN) &&
		 (s->flags & TCP_TRACK_PEER_FIN))
		seq = s->end - 1;
	return seg(flags, seq, ack);
}

struct outcome {
	uint8_t state; /* a state, IV or IG */
	uint8_t reason;
};

/* What the tracker does with the canonical segment of these flags. */
static struct outcome run(uint8_t state, enum tcp_track_dir dir, uint8_t flags)
{
	struct tcp_track t;
	struct tcp_track_result res;
	struct outcome o;

	if (state == TCP_TRACK_NONE) {
		/* the first segment of a flow; a REPLY never comes first. With pickup on, so
		 * that the ACK cell shows what tcp.pickup allows */
		struct tcp_track_params pp = params;
		struct packet p = seg(flags, ISN_C, (flags & TCP_FLAG_ACK) ? 5555 : 0);

		if (dir == TCP_TRACK_REPLY)
			return (struct outcome){IV, REASON_INVALID_STATE};
		pp.pickup = true;
		tcp_track_new(&t, &p, &pp, &res);
	} else {
		reach(&t, state);
		struct packet p = canonical(&t, dir, flags);
		tcp_track_packet(&t, &p, dir, &params, &res);
	}
	o.reason = res.reason;
	if (res.verdict == TCP_TRACK_INVALID)
		o.state = IV;
	else if (res.verdict == TCP_TRACK_IGNORE)
		o.state = IG;
	else
		o.state = res.reopen ? TCP_TRACK_SYN_SENT : t.state;
	return o;
}

/* The flag bytes of each class: the first with ACK where the class allows both. */
static const uint8_t class_flags[_TCP_TRACK_IDX_MAX][2] = {
	[TCP_TRACK_IDX_SYN] = {TCP_FLAG_SYN, 0},
	[TCP_TRACK_IDX_SYNACK] = {TCP_FLAG_SYN | TCP_FLAG_ACK, 0},
	[TCP_TRACK_IDX_FIN] = {TCP_FLAG_FIN | TCP_FLAG_ACK, 0},
	[TCP_TRACK_IDX_ACK] = {TCP_FLAG_ACK, 0},
	[TCP_TRACK_IDX_RST] = {TCP_FLAG_RST | TCP_FLAG_ACK, TCP_FLAG_RST},
	[TCP_TRACK_IDX_NONE] = {0, 0},
};

static const uint8_t columns[] = {
	TCP_TRACK_NONE,	    TCP_TRACK_SYN_SENT,	  TCP_TRACK_SYN_RECV, TCP_TRACK_ESTABLISHED,
	TCP_TRACK_FIN_WAIT, TCP_TRACK_CLOSE_WAIT, TCP_TRACK_LAST_ACK, TCP_TRACK_TIME_WAIT,
	TCP_TRACK_CLOSE,    TCP_TRACK_SYN_SENT2,
};
_Static_assert(ARRAY_SIZE(columns) == _TCP_TRACK_STATE_MAX, "a column per state");

static const char *dir_name(unsigned d)
{
	return d == TCP_TRACK_ORIGINAL ? "ORIGINAL" : "REPLY";
}

/* The text of one cell: "sXX", or "sXX/sYY" when RST and RST|ACK differ; a deviation gets a
 * star. reason: the reason of the last variant that was dropped or ignored, else "-". */
static void cell_text(unsigned dir, unsigned idx, uint8_t state, char *out, size_t len,
		      const char **reason)
{
	struct outcome a = run(state, dir, class_flags[idx][0]), b = a;
	bool deviates = false;

	if (class_flags[idx][1])
		b = run(state, dir, class_flags[idx][1]);
	*reason = "-";
	if (a.state == IV || a.state == IG)
		*reason = reason_name(a.reason);
	if (b.state == IV || b.state == IG)
		*reason = reason_name(b.reason);
	for (unsigned i = 0; i < TCP_TRACK_N_DEVIATIONS; i++) {
		const struct tcp_track_deviation *d = &tcp_track_deviations[i];

		if (d->cond == TCP_TRACK_COND_CELL && d->dir == dir && d->index == idx &&
		    d->state == state)
			deviates = true;
	}
	if (a.state == b.state)
		snprintf(out, len, "%s%s", abbrev(a.state), deviates ? "*" : "");
	else
		snprintf(out, len, "%s/%s%s", abbrev(a.state), abbrev(b.state),
			 deviates ? "*" : "");
}

static void print_table(void)
{
	for (unsigned dir = 0; dir < 2; dir++) {
		char line[256];
		int n = snprintf(line, sizeof(line), "%-9s", dir_name(dir));

		for (unsigned c = 0; c < ARRAY_SIZE(columns); c++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, "%-9s",
				      abbrev(columns[c]));
		while (n > 0 && line[n - 1] == ' ')
			line[--n] = '\0';
		printf("row %s %s\n", dir_name(dir), line);
		for (unsigned idx = 0; idx < _TCP_TRACK_IDX_MAX; idx++) {
			n = snprintf(line, sizeof(line), "%-9s", tcp_track_index_name(idx));
			for (unsigned c = 0; c < ARRAY_SIZE(columns); c++) {
				char cell[16];
				const char *reason;

				cell_text(dir, idx, columns[c], cell, sizeof(cell), &reason);
				n += snprintf(line + n, sizeof(line) - (size_t)n, "%-9s", cell);
				if (idx != TCP_TRACK_IDX_NONE) {
					char *star = strchr(cell, '*');
					if (star)
						*star = '\0';
					printf("cell %s %s %s %s %s\n", dir_name(dir),
					       tcp_track_index_name(idx), abbrev(columns[c]), cell,
					       reason);
				}
			}
			while (n > 0 && line[n - 1] == ' ')
				line[--n] = '\0';
			printf("row %s %s\n", dir_name(dir), line);
		}
	}
}

static const char *const cond_names[] = {
	[TCP_TRACK_COND_CELL] = "cell",
	[TCP_TRACK_COND_AUTH] = "auth",
	[TCP_TRACK_COND_PAWS] = "paws",
	[TCP_TRACK_COND_SEQ_STALE] = "seq_stale",
	[TCP_TRACK_COND_ACK_STALE] = "ack_stale",
	[TCP_TRACK_COND_OVERSHOOT] = "overshoot",
	[TCP_TRACK_COND_FIN_INSIDE] = "fin_inside",
	[TCP_TRACK_COND_FIN_OVERTAKEN] = "fin_overtaken",
	[TCP_TRACK_COND_RST_INEXACT] = "rst_inexact",
	[TCP_TRACK_COND_RST_SYN_REPLY] = "rst_syn_reply",
	[TCP_TRACK_COND_BAD_CLOSE] = "bad_close",
};
_Static_assert(ARRAY_SIZE(cond_names) == _TCP_TRACK_COND_MAX, "name every condition");

static void print_deviations(void)
{
	for (unsigned i = 0; i < TCP_TRACK_N_DEVIATIONS; i++) {
		const struct tcp_track_deviation *d = &tcp_track_deviations[i];

		if (d->cond == TCP_TRACK_COND_CELL)
			printf("deviation | %s | %s%s | %s | %s | %s |\n", dir_name(d->dir),
			       tcp_track_index_name(d->index),
			       d->ack == 0   ? " (no ACK)"
			       : d->ack == 1 ? " (with ACK)"
					     : "",
			       tcp_track_state_name(d->state), abbrev(d->linux_state),
			       abbrev(d->tcpfw_state));
		else
			printf("rule | %s | `%s` |\n", cond_names[d->cond], reason_name(d->reason));
	}
}

/* ---- control protocol examples ---- */

static void addr4(uint8_t a[16], uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, 16);
	a[0] = x;
	a[1] = y;
	a[2] = z;
	a[3] = w;
}

static void json_line(char *text)
{
	if (!text) {
		fprintf(stderr, "doc_facts: an example did not format\n");
		exit(1);
	}
	printf("json %s\n", text);
	free(text);
}

static void request(struct ctl_request *req)
{
	json_line(ctl_request_format(req));
}

static void reply(struct ctl_reply *r)
{
	json_line(ctl_reply_format(r));
}

static struct ctl_flow example_flow(void)
{
	struct ctl_flow f = {
		.family = 4,
		.state = TCP_TRACK_ESTABLISHED,
		.assured = true,
		.sport = 40000,
		.dport = 80,
		.expires_in_ms = 431999500,
		.queue = 0,
		.id = 17,
	};
	addr4(f.src, 10, 0, 0, 2);
	addr4(f.dst, 192, 0, 2, 80);
	return f;
}

/* Daemon.Status of one box of a replicating pair, in sync with its peer. */
static void status_example(void)
{
	struct ctl_status *st = calloc(1, sizeof(*st));
	struct ctl_sync *s = &st->sync;
	struct ctl_reply r = {.method = CTL_DAEMON_STATUS, .status = st};

	if (!st)
		exit(1);
	snprintf(st->version, sizeof(st->version), "0.1.0");
	st->pid = 4242;
	st->uptime_ms = 86400000;
	snprintf(st->config_path, sizeof(st->config_path), "/etc/tcpfwd/tcpfwd.conf");
	st->queue_count = 1;
	st->fail_open = true;
	snprintf(st->tw_policy, sizeof(st->tw_policy), "enforce");
	st->flows = 1200;
	st->max_flows = 262144;
	s->state = CTL_SYNC_IN_SYNC;
	snprintf(s->peer, sizeof(s->peer), "192.0.2.9");
	s->complete = s->peer_complete = s->heard = true;
	s->last_heard_ms = 120;
	s->lag_ms = 3;
	s->lag_max_ms = 41;
	s->sessions = 1;
	s->sent = 180000;
	s->received = 175000;
	s->retransmitted = 12;
	s->records_sent = 940000;
	s->records_applied = 910000;
	s->bulks_sent = 1;
	s->bulks_received = 1;
	s->bulk_last_ms = 850;
	s->bulk_last_flows = 1150;
	s->dropped[CTL_SYNC_DROP_REPLAYED] = 2;
	reply(&r);
	free(st);
}

static void print_examples(void)
{
	struct ctl_request q;
	struct ctl_reply r;
	struct ctl_flow f = example_flow(), fc = example_flow();

	/* Flows.List with a prefix, more */
	q = (struct ctl_request){.method = CTL_FLOWS_LIST, .more = true};
	q.filter.family = 4;
	q.filter.has_src = true;
	q.filter.src_plen = 8;
	addr4(q.filter.src, 10, 0, 0, 0);
	q.filter.dport = 80;
	q.filter.state_mask = 1u << TCP_TRACK_ESTABLISHED;
	request(&q);
	fc.has_counters = true;
	fc.packets[0] = 12;
	fc.packets[1] = 10;
	fc.bytes[0] = 1520;
	fc.bytes[1] = 48200;
	r = (struct ctl_reply){
		.method = CTL_FLOWS_LIST, .flows = &fc, .n_flows = 1, .continues = true};
	reply(&r);
	r = (struct ctl_reply){.method = CTL_FLOWS_LIST, .flows = &f, .n_flows = 1};
	reply(&r);

	/* Flows.Get */
	q = (struct ctl_request){.method = CTL_FLOWS_GET};
	q.filter.family = 4;
	q.filter.has_src = q.filter.has_dst = true;
	q.filter.src_plen = q.filter.dst_plen = 32;
	addr4(q.filter.src, 10, 0, 0, 2);
	addr4(q.filter.dst, 192, 0, 2, 80);
	q.filter.sport = 40000;
	q.filter.dport = 80;
	request(&q);
	r = (struct ctl_reply){.method = CTL_FLOWS_GET, .flows = &f, .n_flows = 1};
	reply(&r);
	r = (struct ctl_reply){.method = CTL_FLOWS_GET, .error = CTL_ERR_NO_SUCH_FLOW};
	snprintf(r.message, sizeof(r.message), "no flow with that tuple");
	reply(&r);

	/* Flows.Count */
	q = (struct ctl_request){.method = CTL_FLOWS_COUNT};
	q.filter.state_mask = 1u << TCP_TRACK_TIME_WAIT;
	request(&q);
	r = (struct ctl_reply){.method = CTL_FLOWS_COUNT, .count = 3};
	reply(&r);

	/* Flows.Kill with reset */
	q = (struct ctl_request){.method = CTL_FLOWS_KILL, .reset = true};
	q.filter.family = 6;
	q.filter.has_dst = true;
	q.filter.dst_plen = 32;
	memset(q.filter.dst, 0, 16);
	q.filter.dst[0] = 0x20;
	q.filter.dst[1] = 0x01;
	q.filter.dst[2] = 0x0d;
	q.filter.dst[3] = 0xb8;
	request(&q);
	r = (struct ctl_reply){
		.method = CTL_FLOWS_KILL, .count = 2, .has_reset = true, .reset_sent = 4};
	reply(&r);

	/* Flows.Flush */
	q = (struct ctl_request){.method = CTL_FLOWS_FLUSH};
	request(&q);
	r = (struct ctl_reply){.method = CTL_FLOWS_FLUSH, .count = 120};
	reply(&r);

	/* Events.Watch */
	q = (struct ctl_request){.method = CTL_EVENTS_WATCH, .more = true};
	q.filter.dport = 80;
	request(&q);
	r = (struct ctl_reply){.method = CTL_EVENTS_WATCH, .continues = true};
	r.event = (struct ctl_event){.type = ENGINE_EVENT_DESTROY,
				     .cause = ENGINE_CAUSE_TIMEOUT,
				     .time_ms = 86400123,
				     .timestamp_ms = 1767225600123,
				     .flow = example_flow()};
	r.event.flow.state = TCP_TRACK_TIME_WAIT;
	r.event.flow.expires_in_ms = 0;
	reply(&r);
	r.event.type = ENGINE_EVENT_STATE;
	r.event.old_state = TCP_TRACK_LAST_ACK;
	r.event.flow.expires_in_ms = 120000;
	reply(&r);
	r = (struct ctl_reply){.method = CTL_EVENTS_WATCH, .error = CTL_ERR_TOO_SLOW};
	snprintf(r.message, sizeof(r.message), "watch consumer fell behind");
	reply(&r);

	/* Stats.Get, Daemon.Status, Daemon.Version, Daemon.Reload: requests, and a status with
	 * replication (the other replies are tables in the document) */
	q = (struct ctl_request){.method = CTL_STATS_GET};
	request(&q);
	q = (struct ctl_request){.method = CTL_DAEMON_STATUS};
	request(&q);
	status_example();
	q = (struct ctl_request){.method = CTL_DAEMON_VERSION};
	request(&q);
	r = (struct ctl_reply){.method = CTL_DAEMON_VERSION};
	snprintf(r.version, sizeof(r.version), "0.1.0");
	reply(&r);
	q = (struct ctl_request){.method = CTL_DAEMON_RELOAD};
	request(&q);
	r = (struct ctl_reply){.method = CTL_DAEMON_RELOAD};
	reply(&r);
	r = (struct ctl_reply){.method = CTL_DAEMON_RELOAD, .error = CTL_ERR_RELOAD_FAILED};
	snprintf(r.message, sizeof(r.message), "tcpfwd.conf:12: table.max_flows cannot change");
	reply(&r);

	/* Params.Get and Set */
	q = (struct ctl_request){.method = CTL_PARAMS_GET};
	snprintf(q.param.name, sizeof(q.param.name), "tcp.time_wait.policy");
	request(&q);
	struct ctl_param prm = {.name = "tcp.time_wait.policy", .value = "\"enforce\""};
	r = (struct ctl_reply){.method = CTL_PARAMS_GET, .params = &prm, .n_params = 1};
	reply(&r);
	q = (struct ctl_request){.method = CTL_PARAMS_SET};
	snprintf(q.param.name, sizeof(q.param.name), "tcp.timeouts.established");
	snprintf(q.param.value, sizeof(q.param.value), "86400");
	request(&q);
	r = (struct ctl_reply){.method = CTL_PARAMS_SET};
	reply(&r);
	r = (struct ctl_reply){.method = CTL_PARAMS_SET, .error = CTL_ERR_NO_SUCH_PARAM};
	snprintf(r.parameter, sizeof(r.parameter), "name");
	snprintf(r.message, sizeof(r.message), "no parameter tcp.timeouts.forever");
	reply(&r);
	r = (struct ctl_reply){.method = CTL_PARAMS_SET, .error = CTL_ERR_PERMISSION_DENIED};
	snprintf(r.message, sizeof(r.message), "this method needs root or the admin group");
	reply(&r);

	/* Packets.Trace: start, one packet, lost */
	q = (struct ctl_request){.method = CTL_PACKETS_TRACE, .more = true, .drops = true};
	q.filter.dport = 443;
	request(&q);
	r = (struct ctl_reply){.method = CTL_PACKETS_TRACE,
			       .continues = true,
			       .trace_kind = CTL_TRACE_START,
			       .snaplen = 128};
	reply(&r);
	struct ctl_trace *t = calloc(1, sizeof(*t));
	if (!t)
		exit(1);
	*t = (struct ctl_trace){
		.time_ms = 86400456,
		.timestamp_ms = 1767225600456,
		.queue = 0,
		.verdict = ENGINE_DROP,
		.reason = REASON_SEQ_OVER_WINDOW,
		.state = TCP_TRACK_ESTABLISHED,
		.family = 4,
		.sport = 40000,
		.dport = 443,
		.flags = TCP_FLAG_ACK | TCP_FLAG_PSH,
		.win = 502,
		.seq = 3000000000u,
		.ack = 1000001,
		.len = 100,
		.has_flow = true,
		.dir = TCP_TRACK_ORIGINAL,
		.old_state = TCP_TRACK_ESTABLISHED,
		.sender = {.end = 2000001,
			   .maxend = 2064801,
			   .maxwin = 64256,
			   .maxack = 1000001,
			   .wscale = 7,
			   .has_maxack = true},
		.receiver = {.end = 1000001,
			     .maxend = 1064257,
			     .maxwin = 64800,
			     .maxack = 2000001,
			     .wscale = 7,
			     .has_maxack = true},
		.seq_min = 1935201,
		.seq_max = 2064801,
		.ack_min = 934001,
		.ack_max = 1000001,
		.ack_floor = 935201,
		.has_ack_floor = true,
		.pkt_len = 152,
	};
	addr4(t->src, 10, 0, 0, 2);
	addr4(t->dst, 192, 0, 2, 80);
	r = (struct ctl_reply){.method = CTL_PACKETS_TRACE,
			       .continues = true,
			       .trace_kind = CTL_TRACE_PACKET,
			       .trace = t};
	reply(&r);
	r = (struct ctl_reply){.method = CTL_PACKETS_TRACE,
			       .continues = true,
			       .trace_kind = CTL_TRACE_LOST,
			       .lost = 5};
	reply(&r);

	/* Packets.Capture: the same, with the packet's bytes (a bare SYN, no flow yet) */
	q = (struct ctl_request){.method = CTL_PACKETS_CAPTURE, .more = true};
	request(&q);
	static const uint8_t syn_bytes[] = {
		0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00, 0x0a, 0x00,
		0x00, 0x02, 0xc0, 0x00, 0x02, 0x50, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8,
		0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00,
	};
	*t = (struct ctl_trace){
		.time_ms = 86400789,
		.timestamp_ms = 1767225600789,
		.verdict = ENGINE_ACCEPT,
		.reason = REASON_OK,
		.state = TCP_TRACK_SYN_SENT,
		.family = 4,
		.sport = 40000,
		.dport = 80,
		.flags = TCP_FLAG_SYN,
		.win = 64240,
		.seq = 1000,
		.pkt_len = sizeof(syn_bytes),
		.cap_len = sizeof(syn_bytes),
	};
	addr4(t->src, 10, 0, 0, 2);
	addr4(t->dst, 192, 0, 2, 80);
	memcpy(t->bytes, syn_bytes, sizeof(syn_bytes));
	r = (struct ctl_reply){.method = CTL_PACKETS_CAPTURE,
			       .continues = true,
			       .trace_kind = CTL_TRACE_PACKET,
			       .trace = t};
	reply(&r);
	free(t);

	/* errors any call can get */
	r = (struct ctl_reply){.method = CTL_FLOWS_LIST, .error = CTL_ERR_INVALID_PARAMETER};
	snprintf(r.parameter, sizeof(r.parameter), "src");
	snprintf(r.message, sizeof(r.message), "'src' is an IPv4 address but the filter is IPv6");
	reply(&r);
	r = (struct ctl_reply){.method = CTL_FLOWS_LIST, .error = CTL_ERR_METHOD_NOT_FOUND};
	snprintf(r.message, sizeof(r.message), "unknown method");
	reply(&r);
}

int main(void)
{
	for (unsigned s = 0; s < _TCP_TRACK_STATE_MAX; s++)
		printf("state %s\n", tcp_track_state_name(s));
	for (unsigned r = 0; r < _REASON_MAX; r++)
		printf("reason %s\n", reason_name(r));
	for (unsigned m = 0; m < _CTL_METHOD_MAX; m++)
		printf("method %s %s\n", ctl_method_name(m),
		       ctl_method_is_admin(m) ? "admin" : "read");
	for (unsigned e = 1; e < _CTL_ERR_MAX; e++)
		printf("error %s\n", ctl_error_name(e));
	for (unsigned c = 0; c < _ENGINE_CAUSE_MAX; c++)
		printf("cause %s\n", ctl_cause_name(c));
	for (unsigned s = 0; s < _CTL_SYNC_STATE_MAX; s++)
		printf("sync_state %s\n", ctl_sync_state_name(s));
	for (unsigned d = 0; d < _CTL_SYNC_DROP_MAX; d++)
		printf("sync_drop %s\n", ctl_sync_drop_name(d));
	print_table();
	print_deviations();
	print_examples();
	for (unsigned t = 1; t < _SYNC_MSG_MAX; t++) {
		char name[32];
		size_t i;

		for (i = 0; sync_msg_type_name((uint8_t)t)[i] && i < sizeof(name) - 1; i++)
			name[i] = (char)toupper((unsigned char)sync_msg_type_name((uint8_t)t)[i]);
		name[i] = 0;
		printf("syncmsg | %u | %s | %s | %zu\n", t, name,
		       sync_msg_reliable((uint8_t)t) ? "reliable" : "control",
		       sync_msg_body_size((uint8_t)t));
	}
	return 0;
}
