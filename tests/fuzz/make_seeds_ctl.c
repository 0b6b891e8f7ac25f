// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * make_seeds, ctl_proto: the seeds of tests/fuzz/corpus/ctl_proto/ (see make_seeds.c for how the
 * program is built and run): every call and every reply kind, formatted by ctl_proto itself,
 * and some damage.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "engine.h"
#include "make_seeds.h"
#include "tcp_track.h"

/* ---- ctl_proto ---- */

/* Writes and frees what ctl_request_format or ctl_reply_format returned. */
static void put_formatted(const char *name, char *text)
{
	if (!text) {
		fprintf(stderr, "make_seeds: %s does not format\n", name);
		exit(1);
	}
	put_str("ctl_proto", name, text);
	free(text);
}

static void put_call(const char *name, const struct ctl_request *req)
{
	put_formatted(name, ctl_request_format(req));
}

static void put_reply(const char *name, const struct ctl_reply *rep)
{
	put_formatted(name, ctl_reply_format(rep));
}

static struct ctl_flow sample_flow(uint8_t family)
{
	struct ctl_flow f = {.family = family, .state = TCP_TRACK_ESTABLISHED, .assured = true};

	if (family == 4) {
		memcpy(f.src, "\xc0\x00\x02\x01", 4);
		memcpy(f.dst, "\xc6\x33\x64\x02", 4);
	} else {
		memcpy(f.src, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(f.dst, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	}
	f.sport = 40000;
	f.dport = 443;
	f.expires_in_ms = 431999123;
	f.queue = 1;
	f.id = 17;
	return f;
}

/* Replication in `state`, heard, with some of every kind of counter. */
static struct ctl_sync sample_sync(uint8_t state)
{
	struct ctl_sync s = {.state = state, .complete = true, .heard = true};

	strcpy(s.peer, "2001:db8::9");
	s.peer_complete = state == CTL_SYNC_IN_SYNC;
	s.last_heard_ms = 4200;
	s.inflight = 2;
	s.lag_ms = 3;
	s.lag_max_ms = 41;
	s.sessions = 2;
	s.sent = 12000;
	s.received = 11000;
	s.retransmitted = 17;
	s.records_sent = 50000;
	s.records_applied = 48000;
	s.bulks_sent = 1;
	s.bulks_received = 2;
	s.bulk_last_ms = 850;
	s.bulk_last_flows = 120000;
	s.dropped[CTL_SYNC_DROP_REPLAYED] = 3;
	return s;
}

void ctl_seeds(void)
{
	struct ctl_request req;
	struct ctl_reply rep;

	memset(&req, 0, sizeof(req));
	req.method = CTL_FLOWS_LIST;
	req.more = true;
	req.filter.family = 4;
	req.filter.has_src = true;
	req.filter.src_plen = 32;
	memcpy(req.filter.src, "\xc0\x00\x02\x01", 4);
	req.filter.dport = 80;
	req.filter.state_mask = 1u << TCP_TRACK_ESTABLISHED | 1u << TCP_TRACK_TIME_WAIT;
	put_call("call-list-filter", &req);
	memset(&req, 0, sizeof(req));
	req.method = CTL_FLOWS_GET;
	req.filter.family = 6;
	req.filter.has_src = req.filter.has_dst = true;
	req.filter.src_plen = req.filter.dst_plen = 128;
	memcpy(req.filter.src, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	memcpy(req.filter.dst, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	req.filter.sport = 40000;
	req.filter.dport = 443;
	put_call("call-get-ip6", &req);
	memset(&req, 0, sizeof(req)); /* prefixes: a /8 and a /0, then IPv6 at a word's edge */
	req.method = CTL_FLOWS_COUNT;
	req.filter.family = 4;
	req.filter.has_src = req.filter.has_dst = true;
	req.filter.src_plen = 8;
	memcpy(req.filter.src, "\x0a\x00\x00\x00", 4);
	put_call("call-count-prefix4", &req);
	memset(&req, 0, sizeof(req));
	req.method = CTL_FLOWS_KILL;
	req.filter.family = 6;
	req.filter.has_src = req.filter.has_dst = true;
	req.filter.src_plen = 65;
	req.filter.dst_plen = 127;
	memcpy(req.filter.src, "\x20\x01\x0d\xb8\0\x01\0\0\x80\0\0\0\0\0\0\0", 16);
	memcpy(req.filter.dst, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	put_call("call-kill-prefix6", &req);
	for (unsigned m = 0; m < _CTL_METHOD_MAX; m++) {
		char name[64];

		memset(&req, 0, sizeof(req));
		req.method = (uint8_t)m;
		if (m == CTL_FLOWS_GET)
			continue;
		if (m == CTL_PARAMS_SET) {
			strcpy(req.param.name, "tcp.time_wait.policy");
			strcpy(req.param.value, "\"shorten\"");
		}
		if (m == CTL_PARAMS_GET)
			strcpy(req.param.name, "tcp.timeouts.established");
		snprintf(name, sizeof(name), "call-%s", ctl_method_name((enum ctl_method)m) + 9);
		put_call(name, &req);
	}
	put_str("ctl_proto", "call-set-int",
		"{\"method\":\"io.tcpfw.Params.Set\",\"parameters\":{\"name\":\"tcp.max_retrans\","
		"\"value\":-9223372036854775808}}");
	put_str("ctl_proto", "call-unknown-method", "{\"method\":\"io.tcpfw.Nope\"}");
	put_str("ctl_proto", "call-oneway", "{\"method\":\"io.tcpfw.Stats.Get\",\"oneway\":true}");
	put_str("ctl_proto", "call-dup-keys",
		"{\"method\":\"io.tcpfw.Flows.Count\",\"method\":\"io.tcpfw.Flows.Count\"}");
	put_str("ctl_proto", "call-family-mismatch",
		"{\"method\":\"io.tcpfw.Flows.Count\",\"parameters\":{\"family\":\"ipv6\","
		"\"src\":\"10.0.0.1\",\"states\":[\"NONE\",\"SYN_SENT2\"]}}");
	put_str("ctl_proto", "call-prefix-host-bits",
		"{\"method\":\"io.tcpfw.Events.Watch\",\"parameters\":{\"src\":\"10.1.2.3/8\","
		"\"dst\":\"192.0.2.1/32\"},\"more\":true}");
	put_str("ctl_proto", "call-prefix-too-long",
		"{\"method\":\"io.tcpfw.Flows.List\",\"parameters\":{\"src\":\"2001:db8::/129\"}}");
	put_str("ctl_proto", "call-get-prefix",
		"{\"method\":\"io.tcpfw.Flows.Get\",\"parameters\":{\"src\":\"192.0.2.0/24\","
		"\"dst\":\"198.51.100.2\",\"sport\":1,\"dport\":2}}");
	put_str("ctl_proto", "call-array", "[1,2,3]");
	put_str("ctl_proto", "call-truncated", "{\"method\":\"io.tcpfw.Flo");
	put("ctl_proto", "call-nul", "{\"method\"\0:1}", 13);

	/* replies of every kind */
	struct ctl_flow flows[2] = {sample_flow(4), sample_flow(6)};
	memset(&rep, 0, sizeof(rep));
	rep.method = CTL_FLOWS_LIST;
	rep.flows = flows;
	rep.n_flows = 2;
	rep.continues = true;
	put_reply("reply-list", &rep);
	rep.method = CTL_FLOWS_GET;
	rep.n_flows = 1;
	rep.continues = false;
	put_reply("reply-get", &rep);
	flows[0].has_counters = true; /* table.accounting on */
	flows[0].packets[0] = 12;
	flows[0].bytes[0] = 1400;
	flows[0].packets[1] = 9;
	flows[0].bytes[1] = 12345678901ull;
	put_reply("reply-get-counters", &rep);
	memset(&rep, 0, sizeof(rep));
	rep.method = CTL_FLOWS_COUNT;
	rep.count = 12345678901ull;
	put_reply("reply-count", &rep);
	rep.method = CTL_FLOWS_FLUSH;
	put_reply("reply-flush", &rep);
	memset(&rep, 0, sizeof(rep));
	rep.method = CTL_EVENTS_WATCH;
	rep.continues = true;
	rep.event.type = ENGINE_EVENT_DESTROY;
	rep.event.cause = ENGINE_CAUSE_EVICTED;
	rep.event.time_ms = 987654321;
	rep.event.flow = sample_flow(4);
	put_reply("reply-watch-destroy", &rep);
	rep.event.flow.has_counters = true;
	rep.event.flow.packets[0] = 3;
	rep.event.flow.bytes[0] = 180;
	put_reply("reply-watch-destroy-counters", &rep);
	rep.event.flow.has_counters = false;
	rep.event.type = ENGINE_EVENT_STATE;
	rep.event.old_state = TCP_TRACK_SYN_RECV;
	put_reply("reply-watch-state", &rep);
	rep.event.timestamp_ms = 1765094400123ULL;
	put_reply("reply-watch-timestamp", &rep);

	static struct ctl_trace trace;
	memset(&rep, 0, sizeof(rep));
	rep.method = CTL_PACKETS_CAPTURE;
	rep.continues = true;
	rep.snaplen = 128;
	put_reply("reply-capture-start", &rep);
	rep.trace_kind = CTL_TRACE_LOST;
	rep.lost = 99;
	put_reply("reply-capture-lost", &rep);
	rep.trace_kind = CTL_TRACE_PACKET;
	rep.trace = &trace;
	trace = (struct ctl_trace){
		.time_ms = 5,
		.timestamp_ms = 1765094400123ULL,
		.verdict = ENGINE_DROP,
		.reason = REASON_SEQ_OVER_WINDOW,
		.state = TCP_TRACK_ESTABLISHED,
		.family = 4,
		.sport = 40000,
		.dport = 443,
		.flags = TCP_FLAG_ACK,
		.seq = 1,
		.ack = 2,
		.len = 3,
		.win = 4,
		.has_flow = true,
		.dir = TCP_TRACK_REPLY,
		.old_state = TCP_TRACK_ESTABLISHED,
		.sender = {.end = 1, .maxend = 2, .maxwin = 3, .has_maxack = true},
		.receiver = {.end = 5, .maxend = 6, .maxwin = 7, .wscale = 7},
		.pkt_len = 43,
		.cap_len = 4};
	memcpy(trace.src, "\xc0\x00\x02\x01", 4);
	memcpy(trace.dst, "\xc6\x33\x64\x02", 4);
	memcpy(trace.bytes, "\x45\x00\x00\x2b", 4);
	put_reply("reply-capture-packet", &rep);
	rep.method = CTL_PACKETS_TRACE;
	put_reply("reply-trace-packet", &rep);

	static struct ctl_stats stats;
	memset(&rep, 0, sizeof(rep));
	rep.method = CTL_STATS_GET;
	rep.stats = &stats;
	stats.verdict_accept = 1000;
	stats.verdict_drop = 7;
	for (unsigned i = 0; i < _REASON_MAX; i++)
		stats.reasons[i] = i;
	stats.states[TCP_TRACK_ESTABLISHED] = 5;
	stats.flows = 5;
	stats.max_flows = 262144;
	stats.created = 50;
	stats.destroyed[ENGINE_CAUSE_TIMEOUT] = 45;
	stats.packets = 1007;
	stats.n_queues = 2;
	stats.queues[1].num = 1;
	stats.queues[1].queue_dropped = 3;
	put_reply("reply-stats", &rep);
	stats.sync = sample_sync(CTL_SYNC_PEER_LOST);
	stats.sync.heard = false;
	put_reply("reply-stats-sync", &rep);

	static struct ctl_status status;
	memset(&rep, 0, sizeof(rep));
	rep.method = CTL_DAEMON_STATUS;
	rep.status = &status;
	strcpy(status.version, "0.1.0");
	status.pid = 4242;
	status.uptime_ms = 3600000;
	strcpy(status.config_path, "/etc/tcpfwd/tcpfwd.conf");
	status.queue_num = 0;
	status.queue_count = 4;
	status.fail_open = true;
	strcpy(status.tw_policy, "enforce");
	status.flows = 10;
	status.max_flows = 1048576;
	status.n_overridden = 1;
	strcpy(status.overridden[0], "tcp.timeouts.established");
	put_reply("reply-status", &rep);
	status.sync = sample_sync(CTL_SYNC_IN_SYNC);
	put_reply("reply-status-sync", &rep);
	/* from a daemon older than replication: no "sync" */
	put_str("ctl_proto", "reply-status-older",
		"{\"parameters\":{\"json_schema_version\":1,\"version\":\"0.1.0\",\"pid\":4242,"
		"\"uptime\":3600.0,\"config\":\"/etc/tcpfwd/tcpfwd.conf\",\"queues\":\"0-3\","
		"\"fail_open\":true,\"time_wait_policy\":\"enforce\",\"pickup\":false,\"flows\":10,"
		"\"max_flows\":1048576,\"overridden\":[]}}");

	struct ctl_param params[3] = {{"tcp.pickup", "true"},
				      {"tcp.time_wait.policy", "\"enforce\""},
				      {"tcp.timeouts.established", "432000"}};
	memset(&rep, 0, sizeof(rep));
	rep.method = CTL_PARAMS_GET;
	rep.params = params;
	rep.n_params = 3;
	put_reply("reply-params", &rep);
	memset(&rep, 0, sizeof(rep));
	rep.method = CTL_DAEMON_VERSION;
	strcpy(rep.version, "0.1.0");
	put_reply("reply-version", &rep);
	rep.method = CTL_DAEMON_RELOAD;
	put_reply("reply-empty", &rep);
	memset(&rep, 0, sizeof(rep));
	rep.error = CTL_ERR_INVALID_PARAMETER;
	strcpy(rep.parameter, "sport");
	strcpy(rep.message, "'sport' must be an integer 0..65535");
	put_reply("reply-error", &rep);
	put_str("ctl_proto", "reply-unknown-error",
		"{\"error\":\"org.example.Teapot\",\"parameters\":{\"message\":\"short and "
		"stout\"}}");
}
