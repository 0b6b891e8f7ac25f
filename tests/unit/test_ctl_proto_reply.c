// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_proto, replies: ctl_reply_format() -> ctl_reply_parse() round trips for every result kind
 * and every error, the limits where the format refuses or saturates, and
 * ctl_reply_result_json(), the shapes tcpfwctl -j prints. Replies the parser must refuse or
 * read leniently are in test_ctl_proto_reply_reject.c; calls are in test_ctl_proto.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "ctl_proto_cases.h"
#include "engine.h"
#include "tcp_track.h"

/* ---- replies ---- */

static void test_reply_flows(void **state)
{
	struct ctl_flow flows[4];
	struct ctl_reply in, out;
	char *text;

	(void)state;
	flows[0] = ctlcase_flow(4, "192.0.2.1", "198.51.100.2", 17);
	flows[1] = ctlcase_flow(6, "2001:db8::1", "2001:db8:ffff::abcd", 4294967295u);
	flows[1].state = TCP_TRACK_SYN_SENT2;
	flows[1].assured = false;
	flows[1].expires_in_ms = 1;
	flows[1].sport = 0;
	flows[1].dport = 65535;
	flows[1].queue = 65535;
	flows[2] = ctlcase_flow(6, "::ffff:192.0.2.9", "::", 0);
	flows[2].state = TCP_TRACK_NONE;
	flows[2].expires_in_ms = 0;
	flows[3] = ctlcase_flow(4, "0.0.0.0", "255.255.255.255", 9);
	flows[3].state = TCP_TRACK_TIME_WAIT;
	flows[3].expires_in_ms = 2147483647999ULL;
	flows[3].has_counters = true; /* table.accounting on: both ends of the range */
	flows[3].packets[0] = 0;
	flows[3].packets[1] = INT64_MAX;
	flows[3].bytes[0] = 1;
	flows[3].bytes[1] = INT64_MAX - 1;

	for (int more = 0; more < 2; more++) {
		memset(&in, 0, sizeof(in));
		in.method = CTL_FLOWS_LIST;
		in.flows = flows;
		in.n_flows = 4;
		in.continues = more;
		text = ctlcase_roundtrip_reply(&in, &out);
		assert_int_equal(out.n_flows, 4);
		for (size_t i = 0; i < 4; i++)
			ctlcase_assert_flow_equal(&out.flows[i], &flows[i]);
		ctl_reply_free_members(&out);
		assert_null(out.flows);
		free(text);
	}

	/* An empty chunk, then the exact text of one flow */
	memset(&in, 0, sizeof(in));
	in.method = CTL_FLOWS_LIST;
	in.continues = true;
	text = ctlcase_roundtrip_reply(&in, &out);
	assert_string_equal(text, "{\"parameters\":{\"flows\":[]},\"continues\":true}");
	assert_int_equal(out.n_flows, 0);
	ctl_reply_free_members(&out);
	free(text);
	in.continues = false;
	in.flows = flows;
	in.n_flows = 1;
	text = ctlcase_roundtrip_reply(&in, &out);
	assert_string_equal(text, "{\"parameters\":{\"flows\":[{\"id\":17,\"queue\":3,\"family\":"
				  "\"ipv4\",\"state\":\"ESTABLISHED\",\"assured\":true,\"src\":"
				  "\"192.0.2.1\",\"sport\":40000,\"dst\":\"198.51.100.2\","
				  "\"dport\":80,\"timeout\":431999.9}]}}");
	ctl_reply_free_members(&out);
	free(text);

	/* Get: one flow, each family */
	for (size_t i = 0; i < 4; i++) {
		memset(&in, 0, sizeof(in));
		in.method = CTL_FLOWS_GET;
		in.flows = &flows[i];
		in.n_flows = 1;
		text = ctlcase_roundtrip_reply(&in, &out);
		assert_int_equal(out.n_flows, 1);
		ctlcase_assert_flow_equal(out.flows, &flows[i]);
		assert_non_null(strstr(text, "{\"parameters\":{\"flow\":{\"id\":"));
		ctl_reply_free_members(&out);
		free(text);
	}
	/* A timeout past 10^15 ms (31,700 years) saturates there. */
	in.flows = flows;
	in.n_flows = 1;
	flows[0].expires_in_ms = UINT64_MAX;
	text = ctl_reply_format(&in);
	assert_non_null(strstr(text, "\"timeout\":1000000000000.0}"));
	assert_int_equal(ctl_reply_parse(text, strlen(text), CTL_FLOWS_GET, &out), 0);
	assert_int_equal(out.flows[0].expires_in_ms, 1000000000000000ULL);
	ctl_reply_free_members(&out);
	free(text);
	in.n_flows = 0;
	assert_null(ctl_reply_format(&in));
	in.n_flows = 1;
	flows[0].state = _TCP_TRACK_STATE_MAX;
	assert_null(ctl_reply_format(&in));
	flows[0].state = 0;
	flows[0].family = 0;
	assert_null(ctl_reply_format(&in));
}

/* Accounting: "counters" only when the flow has them, exactly in conntrack's directions. */
static void test_reply_flow_counters(void **state)
{
	struct ctl_flow f = ctlcase_flow(4, "192.0.2.1", "198.51.100.2", 17);
	struct ctl_reply in = {.method = CTL_FLOWS_GET, .flows = &f, .n_flows = 1}, out;
	char *text;

	(void)state;
	text = ctlcase_roundtrip_reply(&in, &out);
	assert_null(strstr(text, "counters"));
	assert_false(out.flows[0].has_counters);
	ctl_reply_free_members(&out);
	free(text);

	f.has_counters = true;
	f.packets[0] = 5;
	f.bytes[0] = 300;
	f.packets[1] = 4;
	f.bytes[1] = 6000;
	text = ctlcase_roundtrip_reply(&in, &out);
	assert_non_null(strstr(text, ",\"counters\":{\"original\":{\"packets\":5,\"bytes\":300},"
				     "\"reply\":{\"packets\":4,\"bytes\":6000}}}}}"));
	ctlcase_assert_flow_equal(out.flows, &f);
	ctl_reply_free_members(&out);
	free(text);

	/* -j prints the same object */
	text = ctl_reply_result_json(&in, false);
	assert_non_null(strstr(text, "\"counters\":{\"original\":{\"packets\":5,"));
	free(text);

	/* counters past INT64_MAX saturate, as every counter does */
	f.bytes[1] = UINT64_MAX;
	text = ctl_reply_format(&in);
	assert_int_equal(ctl_reply_parse(text, strlen(text), CTL_FLOWS_GET, &out), 0);
	assert_int_equal(out.flows[0].bytes[1], INT64_MAX);
	ctl_reply_free_members(&out);
	free(text);
}

static void test_reply_counts(void **state)
{
	static const uint8_t methods[] = {CTL_FLOWS_COUNT, CTL_FLOWS_KILL, CTL_FLOWS_FLUSH};
	static const char *const keys[] = {"\"count\":", "\"killed\":", "\"flushed\":"};
	static const uint64_t values[] = {0, 1, 262144, INT64_MAX};
	struct ctl_reply in, out;
	char *text;

	(void)state;
	for (size_t m = 0; m < sizeof(methods); m++) {
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
			memset(&in, 0, sizeof(in));
			in.method = methods[m];
			in.count = values[v];
			text = ctlcase_roundtrip_reply(&in, &out);
			assert_int_equal(out.count, values[v]);
			assert_non_null(strstr(text, keys[m]));
			assert_null(strstr(text, "reset"));
			assert_false(out.has_reset);
			free(text);
		}
	}
	/* Kill and Flush called with "reset":true say how many RSTs went out */
	for (size_t m = 1; m < sizeof(methods); m++) {
		memset(&in, 0, sizeof(in));
		in.method = methods[m];
		in.count = 3;
		in.has_reset = true;
		in.reset_sent = 6;
		in.reset_failed = INT64_MAX;
		text = ctlcase_roundtrip_reply(&in, &out);
		assert_true(out.has_reset);
		assert_int_equal(out.count, 3);
		assert_int_equal(out.reset_sent, 6);
		assert_int_equal(out.reset_failed, INT64_MAX);
		assert_non_null(strstr(text, "\"reset\":6,\"reset_failed\":"));
		free(text);
	}
	ctlcase_assert_reply_rejected(CTL_FLOWS_KILL,
				      "{\"parameters\":{\"killed\":1,\"reset\":2}}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_FLUSH, "{\"parameters\":{\"flushed\":1,"
						       "\"reset\":-1,\"reset_failed\":0}}");
}

static void test_reply_events(void **state)
{
	struct ctl_reply in, out;
	char *text;

	(void)state;
	for (uint8_t type = 0; type < _ENGINE_EVENT_MAX; type++) {
		for (uint8_t sub = 0; sub < _ENGINE_CAUSE_MAX; sub++) {
			memset(&in, 0, sizeof(in));
			in.method = CTL_EVENTS_WATCH;
			in.continues = true;
			in.event.type = type;
			in.event.time_ms = 123456789012ULL + sub;
			in.event.timestamp_ms = sub ? 1765094400000ULL + sub : 0; /* 0: none */
			in.event.flow =
				ctlcase_flow(sub % 2 ? 6 : 4, sub % 2 ? "2001:db8::7" : "10.1.2.3",
					     sub % 2 ? "2001:db8::8" : "10.3.2.1", sub);
			if (type == ENGINE_EVENT_DESTROY)
				in.event.cause = sub;
			if (type == ENGINE_EVENT_STATE)
				in.event.old_state = (uint8_t)(sub + 1);
			text = ctlcase_roundtrip_reply(&in, &out);
			assert_int_equal(out.event.type, type);
			assert_int_equal(out.event.cause, in.event.cause);
			assert_int_equal(out.event.old_state, in.event.old_state);
			assert_int_equal(out.event.time_ms, in.event.time_ms);
			assert_int_equal(out.event.timestamp_ms, in.event.timestamp_ms);
			assert_true(!sub == !strstr(text, "\"timestamp\":1765094400.00"));
			ctlcase_assert_flow_equal(&out.event.flow, &in.event.flow);
			assert_non_null(
				strstr(text, flow_event_name((enum engine_event_type)type)));
			free(text);
		}
	}
	memset(&in, 0, sizeof(in));
	in.method = CTL_EVENTS_WATCH;
	in.event = (struct ctl_event){.type = ENGINE_EVENT_DESTROY,
				      .cause = ENGINE_CAUSE_TIMEOUT,
				      .time_ms = 5,
				      .flow = ctlcase_flow(4, "192.0.2.1", "198.51.100.2", 17)};
	text = ctl_reply_format(&in);
	assert_string_equal(text, "{\"parameters\":{\"event\":{\"type\":\"destroy\",\"cause\":"
				  "\"timeout\",\"time\":5,\"flow\":{\"id\":17,\"queue\":3,"
				  "\"family\":\"ipv4\",\"state\":\"ESTABLISHED\",\"assured\":true,"
				  "\"src\":\"192.0.2.1\",\"sport\":40000,\"dst\":\"198.51.100.2\","
				  "\"dport\":80,\"timeout\":431999.9}}}}");
	free(text);
	in.event.cause = _ENGINE_CAUSE_MAX;
	assert_null(ctl_reply_format(&in));
	in.event.type = _ENGINE_EVENT_MAX;
	assert_null(ctl_reply_format(&in));
	in.event.type = ENGINE_EVENT_STATE;
	in.event.old_state = _TCP_TRACK_STATE_MAX;
	assert_null(ctl_reply_format(&in));
}

static struct ctl_trace sample_trace(bool with_flow)
{
	struct ctl_trace t = {.time_ms = 987654321,
			      .timestamp_ms = 1765094400123ULL,
			      .queue = 2,
			      .verdict = ENGINE_DROP,
			      .reason = REASON_SEQ_OVER_WINDOW,
			      .state = TCP_TRACK_ESTABLISHED,
			      .family = 4,
			      .sport = 80,
			      .dport = 40000,
			      .flags = TCP_FLAG_ACK | TCP_FLAG_PSH,
			      .win = 502,
			      .seq = 4000000000u,
			      .ack = 17,
			      .len = 100,
			      .pkt_len = 152};

	ctlcase_addr(4, "198.51.100.2", t.src);
	ctlcase_addr(4, "192.0.2.1", t.dst);
	if (with_flow) {
		t.has_flow = true;
		t.dir = TCP_TRACK_REPLY;
		t.old_state = TCP_TRACK_ESTABLISHED;
		t.sender = (struct ctl_trace_peer){.end = 3000000001u,
						   .maxend = 3000065536u,
						   .maxwin = 64256,
						   .maxack = 17,
						   .wscale = 7,
						   .has_maxack = true};
		t.receiver = (struct ctl_trace_peer){.end = 17, .maxend = 900, .maxwin = 1};
		t.seq_min = 3000000000u;
		t.seq_max = 3000065536u;
		t.ack_min = 4294901777u;
		t.ack_max = 17;
		t.ack_floor = 5;
		t.has_ack_floor = true;
	}
	return t;
}

static void assert_trace_equal(const struct ctl_trace *a, const struct ctl_trace *b)
{
	assert_memory_equal(a, b, offsetof(struct ctl_trace, bytes));
	assert_memory_equal(a->bytes, b->bytes, a->cap_len);
}

static void test_reply_trace(void **state)
{
	struct ctl_reply in, out;
	struct ctl_trace t;
	char *text;

	(void)state;
	for (int variant = 0; variant < 4; variant++) {
		t = sample_trace(variant & 1);
		memset(&in, 0, sizeof(in));
		in.method = variant & 2 ? CTL_PACKETS_CAPTURE : CTL_PACKETS_TRACE;
		in.continues = true;
		in.trace_kind = CTL_TRACE_PACKET;
		in.trace = &t;
		if (variant & 2) {
			t.cap_len = 133; /* odd, and not the whole packet */
			for (unsigned i = 0; i < t.cap_len; i++)
				t.bytes[i] = (uint8_t)(i * 7 + 3);
		}
		text = ctlcase_roundtrip_reply(&in, &out);
		assert_int_equal(out.trace_kind, CTL_TRACE_PACKET);
		assert_non_null(out.trace);
		assert_trace_equal(out.trace, &t);
		assert_non_null(strstr(text, "\"flags\":\"P.\""));
		assert_non_null(strstr(text, "\"reason\":\"seq_over_window\""));
		assert_true(!(variant & 1) == !strstr(text, "\"maxack\":17"));
		assert_true(!(variant & 2) == !strstr(text, "\"packet\":\"030a11"));
		ctl_reply_free_members(&out);
		free(text);
	}

	/* a packet that was no TCP segment: no tuple */
	t = (struct ctl_trace){.verdict = ENGINE_DROP, .reason = REASON_IP_FRAGMENT, .pkt_len = 60};
	memset(&in, 0, sizeof(in));
	in.method = CTL_PACKETS_TRACE;
	in.trace_kind = CTL_TRACE_PACKET;
	in.trace = &t;
	text = ctlcase_roundtrip_reply(&in, &out);
	assert_trace_equal(out.trace, &t);
	assert_null(strstr(text, "\"src\""));
	ctl_reply_free_members(&out);
	free(text);

	/* the first reply, and a loss */
	memset(&in, 0, sizeof(in));
	in.method = CTL_PACKETS_CAPTURE;
	in.continues = true;
	in.snaplen = 128;
	text = ctlcase_roundtrip_reply(&in, &out);
	assert_string_equal(text, "{\"parameters\":{\"snaplen\":128},\"continues\":true}");
	assert_int_equal(out.trace_kind, CTL_TRACE_START);
	assert_int_equal(out.snaplen, 128);
	free(text);
	in.trace_kind = CTL_TRACE_LOST;
	in.lost = 12345;
	text = ctlcase_roundtrip_reply(&in, &out);
	assert_int_equal(out.trace_kind, CTL_TRACE_LOST);
	assert_int_equal(out.lost, 12345);
	free(text);
	text = ctl_reply_result_json(&in, false);
	assert_string_equal(text, "{\"lost\":12345}");
	free(text);

	/* -j prints the trace itself */
	t = sample_trace(true);
	in.trace_kind = CTL_TRACE_PACKET;
	in.trace = &t;
	text = ctl_reply_result_json(&in, false);
	static const char head[] = "{\"time\":987654321,\"timestamp\":1765094400.123,";
	assert_int_equal(strncmp(text, head, strlen(head)), 0);
	free(text);

	/* what the daemon never sends */
	t.verdict = _ENGINE_VERDICT_MAX;
	assert_null(ctl_reply_format(&in));
	t = sample_trace(true);
	t.family = 0; /* a flow without a tuple */
	assert_null(ctl_reply_format(&in));
	t = sample_trace(false);
	t.cap_len = CTL_TRACE_BYTES_MAX + 1;
	assert_null(ctl_reply_format(&in));

	ctlcase_assert_reply_rejected(CTL_PACKETS_TRACE, "{\"parameters\":{\"trace\":{}}}");
	ctlcase_assert_reply_rejected(CTL_PACKETS_TRACE, "{\"parameters\":{\"lost\":-1}}");
	ctlcase_assert_reply_rejected(CTL_PACKETS_TRACE, "{\"parameters\":{\"snaplen\":\"x\"}}");
	ctlcase_assert_reply_rejected(CTL_PACKETS_TRACE, "{\"parameters\":{}}");
}

static void test_reply_stats(void **state)
{
	static const unsigned queues[] = {0, 3, 64};
	struct ctl_reply in, out;
	char *text;

	(void)state;
	for (size_t q = 0; q < sizeof(queues) / sizeof(queues[0]); q++) {
		memset(&in, 0, sizeof(in));
		in.method = CTL_STATS_GET;
		in.stats = ctlcase_stats(queues[q]);
		text = ctlcase_roundtrip_reply(&in, &out);
		assert_non_null(out.stats);
		assert_memory_equal(out.stats, in.stats, sizeof(*in.stats));
		assert_non_null(strstr(text, "\"reasons\":{\"ok\":1002,"));
		assert_non_null(strstr(text, "\"table_full\":"));
		assert_non_null(strstr(text, "\"SYN_SENT2\":"));
		assert_non_null(strstr(text, "\"flushed\":"));
		ctl_reply_free_members(&out);
		free(in.stats);
		free(text);
	}
	/* Counters past int64 saturate; too many queues are refused. */
	memset(&in, 0, sizeof(in));
	in.method = CTL_STATS_GET;
	in.stats = ctlcase_stats(1);
	in.stats->packets = UINT64_MAX;
	text = ctl_reply_format(&in);
	assert_non_null(strstr(text, "\"packets\":9223372036854775807,"));
	free(text);
	in.stats->n_queues = 65;
	assert_null(ctl_reply_format(&in));
	free(in.stats);
	in.stats = NULL;
	assert_null(ctl_reply_format(&in));
}

static void test_reply_status(void **state)
{
	struct ctl_reply in, out;
	char *text;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.method = CTL_DAEMON_STATUS;
	in.status = ctlcase_status();
	text = ctlcase_roundtrip_reply(&in, &out);
	assert_memory_equal(out.status, in.status, sizeof(*in.status));
	assert_non_null(strstr(text, "\"queues\":\"10-13\""));
	assert_non_null(strstr(text, "\"uptime\":86400.123"));
	assert_non_null(strstr(text, "\"json_schema_version\":1"));
	ctl_reply_free_members(&out);
	free(text);

	/* one queue, none overridden, the largest sizes */
	in.status->queue_num = 65535;
	in.status->queue_count = 1;
	in.status->n_overridden = 16;
	memset(in.status->overridden, 0, sizeof(in.status->overridden));
	for (int i = 0; i < 16; i++)
		memset(in.status->overridden[i], 'a' + i, 63);
	memset(in.status->version, 'v', 31);
	memset(in.status->config_path, '/', 255);
	memset(in.status->tw_policy, 'p', 15);
	in.status->uptime_ms = 0;
	text = ctlcase_roundtrip_reply(&in, &out);
	assert_memory_equal(out.status, in.status, sizeof(*in.status));
	assert_non_null(strstr(text, "\"queues\":\"65535\""));
	ctl_reply_free_members(&out);
	free(text);

	in.status->queue_count = 0;
	assert_null(ctl_reply_format(&in));
	in.status->queue_count = 2; /* 65535 + 2 - 1 is past the last queue */
	assert_null(ctl_reply_format(&in));
	in.status->queue_num = 0;
	in.status->n_overridden = 17;
	assert_null(ctl_reply_format(&in));
	free(in.status);
}

static void test_reply_params_version_empty(void **state)
{
	static const uint8_t empty[] = {CTL_PARAMS_SET, CTL_DAEMON_RELOAD};
	struct ctl_param params[5] = {
		{"tcp.pickup", "false"},
		{"tcp.time_wait.policy", "\"shorten\""},
		{"tcp.timeouts.established", "432000"},
		{"logging.rate_limit", "-1"},
		{"control.socket", "\"/run/a \\\"b\\\\\""},
	};
	struct ctl_reply in, out;
	char *text;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.method = CTL_PARAMS_GET;
	in.params = params;
	in.n_params = 5;
	text = ctlcase_roundtrip_reply(&in, &out);
	assert_int_equal(out.n_params, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(out.params[i].name, params[i].name);
		assert_string_equal(out.params[i].value, params[i].value);
	}
	assert_non_null(strstr(text, "{\"parameters\":{\"params\":{\"tcp.pickup\":false,"
				     "\"tcp.time_wait.policy\":\"shorten\","
				     "\"tcp.timeouts.established\":432000,"));
	ctl_reply_free_members(&out);
	free(text);
	in.n_params = 0;
	text = ctlcase_roundtrip_reply(&in, &out);
	assert_string_equal(text, "{\"parameters\":{\"params\":{}}}");
	assert_int_equal(out.n_params, 0);
	free(text);
	strcpy(params[0].value, "yes");
	in.n_params = 1;
	assert_null(ctl_reply_format(&in));

	memset(&in, 0, sizeof(in));
	in.method = CTL_DAEMON_VERSION;
	strcpy(in.version, "0.1.0-rc1");
	text = ctlcase_roundtrip_reply(&in, &out);
	assert_string_equal(out.version, "0.1.0-rc1");
	assert_string_equal(text, "{\"parameters\":{\"version\":\"0.1.0-rc1\"}}");
	free(text);

	for (size_t i = 0; i < sizeof(empty); i++) {
		memset(&in, 0, sizeof(in));
		in.method = empty[i];
		text = ctlcase_roundtrip_reply(&in, &out);
		assert_string_equal(text, "{\"parameters\":{}}");
		free(text);
	}
}

static void test_reply_errors(void **state)
{
	struct ctl_reply in, out;
	char *text;

	(void)state;
	for (int e = 1; e < _CTL_ERR_MAX; e++) {
		for (int variant = 0; variant < 3; variant++) {
			memset(&in, 0, sizeof(in));
			in.method = (uint8_t)(e % _CTL_METHOD_MAX);
			in.error = (uint8_t)e;
			in.continues = true; /* an error ends the call: never continued */
			if (variant > 0)
				snprintf(in.message, sizeof(in.message), "went \"wrong\" \\ %d", e);
			if (variant > 1)
				strcpy(in.parameter, "tcp.time_wait.policy");
			text = ctlcase_roundtrip_reply(&in, &out);
			assert_null(strstr(text, "continues"));
			assert_non_null(strstr(text, ctl_error_name((enum ctl_error)e)));
			free(text);
		}
	}
	memset(&in, 0, sizeof(in));
	in.error = CTL_ERR_NO_SUCH_FLOW;
	text = ctl_reply_format(&in);
	assert_string_equal(text, "{\"error\":\"io.tcpfw.NoSuchFlow\",\"parameters\":{}}");
	free(text);
	in.error = _CTL_ERR_MAX;
	assert_null(ctl_reply_format(&in));
	/* Invalid UTF-8 in a message is cleaned, never a failure. */
	in.error = CTL_ERR_RELOAD_FAILED;
	strcpy(in.message, "/etc/\xff.conf:3: bad");
	text = ctl_reply_format(&in);
	assert_non_null(strstr(text, "\"/etc/?.conf:3: bad\""));
	free(text);
}

/* ---- tcpfwctl -j ---- */

static void assert_prefix(const char *text, const char *prefix)
{
	if (strncmp(text, prefix, strlen(prefix)) != 0)
		fail_msg("\n  got:  %s\n  want: %s...", text, prefix);
}

static char *result_json(const struct ctl_reply *r, bool pretty)
{
	char *text = ctl_reply_result_json(r, pretty);

	assert_non_null(text);
	return text;
}

static void test_result_json(void **state)
{
	struct ctl_flow flows[2];
	struct ctl_param params[2] = {{"tcp.pickup", "true"}, {"logging.level", "\"debug\""}};
	struct ctl_reply r;
	char *text;

	(void)state;
	flows[0] = ctlcase_flow(4, "192.0.2.1", "198.51.100.2", 17);
	flows[1] = ctlcase_flow(6, "2001:db8::1", "2001:db8::2", 18);
	memset(&r, 0, sizeof(r));
	r.method = CTL_FLOWS_LIST;
	r.flows = flows;
	r.n_flows = 2;
	r.continues = true;
	text = result_json(&r, false);
	assert_int_equal(text[0], '[');
	assert_int_equal(text[strlen(text) - 1], ']');
	assert_non_null(strstr(text, "[{\"id\":17,\"queue\":3,\"family\":\"ipv4\",\"state\":"
				     "\"ESTABLISHED\",\"assured\":true,\"src\":\"192.0.2.1\","
				     "\"sport\":40000,\"dst\":\"198.51.100.2\",\"dport\":80,"
				     "\"timeout\":431999.9},{\"id\":18,"));
	assert_non_null(strstr(text, "\"src\":\"2001:db8::1\""));
	assert_null(strchr(text, '\n'));
	free(text);
	text = result_json(&r, true);
	assert_int_equal(text[0], '[');
	assert_non_null(strstr(text, "\n    \"id\": 17,\n"));
	free(text);
	r.n_flows = 0;
	text = result_json(&r, false);
	assert_string_equal(text, "[]");
	free(text);

	r.method = CTL_FLOWS_GET;
	r.n_flows = 1;
	text = result_json(&r, false);
	assert_prefix(text, "{\"id\":17,");
	free(text);

	for (uint8_t m = CTL_FLOWS_COUNT; m <= CTL_FLOWS_FLUSH; m++) {
		memset(&r, 0, sizeof(r));
		r.method = m;
		r.count = 42;
		text = result_json(&r, false);
		assert_string_equal(text, "{\"count\":42}");
		free(text);
	}
	r.has_reset = true;
	r.reset_sent = 84;
	text = result_json(&r, false);
	assert_string_equal(text, "{\"count\":42,\"reset\":84,\"reset_failed\":0}");
	free(text);

	memset(&r, 0, sizeof(r));
	r.method = CTL_EVENTS_WATCH;
	r.event.type = ENGINE_EVENT_STATE;
	r.event.old_state = TCP_TRACK_SYN_RECV;
	r.event.time_ms = 7;
	r.event.flow = flows[0];
	text = result_json(&r, false);
	assert_prefix(text, "{\"type\":\"state\",\"old_state\":\"SYN_RECV\",\"time\":7,"
			    "\"flow\":{\"id\":17,");
	assert_null(strchr(text, '\n')); /* NDJSON: one line per event */
	free(text);

	memset(&r, 0, sizeof(r));
	r.method = CTL_PARAMS_GET;
	r.params = params;
	r.n_params = 2;
	text = result_json(&r, false);
	assert_string_equal(text, "{\"tcp.pickup\":true,\"logging.level\":\"debug\"}");
	free(text);

	memset(&r, 0, sizeof(r));
	r.method = CTL_DAEMON_VERSION;
	strcpy(r.version, "0.1.0");
	text = result_json(&r, false);
	assert_string_equal(text, "{\"version\":\"0.1.0\"}");
	free(text);

	memset(&r, 0, sizeof(r));
	r.method = CTL_STATS_GET;
	r.stats = ctlcase_stats(1);
	text = result_json(&r, false);
	assert_prefix(text, "{\"verdicts\":{\"accept\":1000,\"drop\":1001},\"reasons\":{");
	assert_non_null(strstr(text, "\"queues\":[{\"queue\":1,\"waiting\":4294967295,"));
	free(text);
	free(r.stats);

	memset(&r, 0, sizeof(r));
	r.method = CTL_DAEMON_STATUS;
	r.status = ctlcase_status();
	text = result_json(&r, true);
	assert_prefix(text, "{\n  \"json_schema_version\": 1,\n  \"version\": \"0.1.0\",");
	assert_non_null(strstr(text, "\"overridden\": [\n    \"tcp.timeouts.established\","));
	free(text);
	free(r.status);

	memset(&r, 0, sizeof(r));
	r.method = CTL_DAEMON_RELOAD;
	text = result_json(&r, false);
	assert_string_equal(text, "{}");
	free(text);
	r.method = CTL_PARAMS_SET;
	text = result_json(&r, false);
	assert_string_equal(text, "{}");
	free(text);

	r.error = CTL_ERR_NO_SUCH_PARAM;
	strcpy(r.message, "unknown parameter 'x'");
	strcpy(r.parameter, "x");
	text = result_json(&r, false);
	assert_string_equal(text, "{\"error\":\"io.tcpfw.NoSuchParameter\",\"message\":"
				  "\"unknown parameter 'x'\",\"parameter\":\"x\"}");
	free(text);
	r.error = 0;
	r.method = _CTL_METHOD_MAX;
	assert_null(ctl_reply_result_json(&r, false));
}
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_flows),
		cmocka_unit_test(test_reply_flow_counters),
		cmocka_unit_test(test_reply_counts),
		cmocka_unit_test(test_reply_events),
		cmocka_unit_test(test_reply_stats),
		cmocka_unit_test(test_reply_status),
		cmocka_unit_test(test_reply_params_version_empty),
		cmocka_unit_test(test_reply_errors),
		cmocka_unit_test(test_result_json),
		cmocka_unit_test(test_reply_trace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
