// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_proto, replies the parser must refuse (one member broken at a time, stats and status
 * included) or read leniently (what a newer daemon may add). The round trips of good replies
 * are in test_ctl_proto_reply.c.
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

#define FLOW4                                                                                      \
	"\"id\":1,\"queue\":0,\"family\":\"ipv4\",\"state\":\"ESTABLISHED\",\"assured\":true,"     \
	"\"src\":\"192.0.2.1\",\"sport\":1,\"dst\":\"192.0.2.2\",\"dport\":2,\"timeout\":1.5"

static void test_reply_reject(void **state)
{
	static const char *const flows[] = {
		"{}",
		"{\"flows\":{}}",
		"{\"flows\":[1]}",
		"{\"flows\":[{" FLOW4 ",\"id\":-1}]}",
		"{\"flows\":[{\"queue\":0}]}",
		"{\"flows\":[{" FLOW4 "},{}]}",
	};
	/* each member of a flow broken in turn: FLOW4 with one member replaced */
	static const char *const flow_members[][2] = {
		{"\"id\":1", "\"id\":4294967296"},
		{"\"id\":1", "\"id\":\"1\""},
		{"\"queue\":0", "\"queue\":65536"},
		{"\"family\":\"ipv4\"", "\"family\":\"inet\""},
		{"\"family\":\"ipv4\"", "\"family\":\"ipv6\""},
		{"\"state\":\"ESTABLISHED\"", "\"state\":\"BOGUS\""},
		{"\"assured\":true", "\"assured\":1"},
		{"\"src\":\"192.0.2.1\"", "\"src\":\"::1\""},
		{"\"src\":\"192.0.2.1\"", "\"src\":5"},
		{"\"sport\":1", "\"sport\":65536"},
		{"\"sport\":1", "\"sport\":-1"},
		{"\"dst\":\"192.0.2.2\"", "\"dst\":\"x\""},
		{"\"dport\":2", "\"dport\":2.5"},
		{"\"timeout\":1.5", "\"timeout\":-1"},
		{"\"timeout\":1.5", "\"timeout\":\"1\""},
		{"\"timeout\":1.5", "\"timeout\":1e300"},
		{"\"timeout\":1.5", "\"timeout\":null"},
		{"\"timeout\":1.5", "\"timeout\":1000000000000.002"},
		{"\"timeout\":1.5", "\"timeout\":1.5,\"counters\":[]"},
		{"\"timeout\":1.5", "\"timeout\":1.5,\"counters\":{}"},
		{"\"timeout\":1.5", "\"timeout\":1.5,\"counters\":{\"original\":{\"packets\":1,"
				    "\"bytes\":1}}"},
		{"\"timeout\":1.5", "\"timeout\":1.5,\"counters\":{\"original\":{\"packets\":1,"
				    "\"bytes\":1},\"reply\":{\"packets\":-1,\"bytes\":1}}"},
		{"\"timeout\":1.5", "\"timeout\":1.5,\"counters\":{\"original\":{\"packets\":1},"
				    "\"reply\":{\"packets\":1,\"bytes\":1}}"},
		{"\"timeout\":1.5", "\"timeout\":1.5,\"counters\":{\"original\":{\"packets\":1,"
				    "\"bytes\":\"1\"},\"reply\":{\"packets\":1,\"bytes\":1}}"},
	};
	char text[1024], flow[512];
	struct ctl_reply out;

	(void)state;
	/* framing and the top level */
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT, "");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT, "{\"parameters\":{\"count\":1}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT, "[{\"parameters\":{\"count\":1}}]");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT, "{\"parameters\":{\"count\":1}} x");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT, "{\"parameters\":[]}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT,
				      "{\"parameters\":{\"count\":1},\"continues\":1}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT,
				      "{\"parameters\":{\"count\":1},\"extra\":1}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT,
				      "{\"parameters\":{\"count\":1},\"parameters\":{}}");
	ctlcase_assert_reply_rejected(_CTL_METHOD_MAX, "{\"parameters\":{}}");
	{
		static const char nul[] = "{\"parameters\":{\"count\":1}}\0";

		assert_int_equal(ctl_reply_parse(nul, sizeof(nul), CTL_FLOWS_COUNT, &out), -EINVAL);
		assert_int_equal(ctl_reply_parse(nul, sizeof(nul) - 2, CTL_FLOWS_COUNT, &out), 0);
	}
	/* errors */
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT, "{\"error\":5}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT,
				      "{\"error\":\"io.tcpfw.Busy\",\"continues\":true}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT,
				      "{\"error\":\"io.tcpfw.Busy\",\"parameters\":[]}");
	ctlcase_assert_reply_rejected(
		CTL_FLOWS_COUNT, "{\"error\":\"io.tcpfw.Busy\",\"parameters\":{\"message\":1}}");
	ctlcase_assert_reply_rejected(
		CTL_FLOWS_COUNT, "{\"error\":\"io.tcpfw.Busy\",\"parameters\":{\"parameter\":[]}}");
	/* results */
	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		snprintf(text, sizeof(text), "{\"parameters\":%s}", flows[i]);
		ctlcase_assert_reply_rejected(CTL_FLOWS_LIST, text);
	}
	snprintf(text, sizeof(text), "{\"parameters\":{\"flows\":[{" FLOW4 "}]}}");
	assert_int_equal(ctl_reply_parse(text, strlen(text), CTL_FLOWS_LIST, &out), 0);
	ctl_reply_free_members(&out); /* the baseline FLOW4 is valid */
	for (size_t i = 0; i < sizeof(flow_members) / sizeof(flow_members[0]); i++) {
		const char *at;

		snprintf(flow, sizeof(flow), "%s", FLOW4);
		at = strstr(flow, flow_members[i][0]);
		assert_non_null(at);
		snprintf(text, sizeof(text), "{\"parameters\":{\"flows\":[{%.*s%s%s}]}}",
			 (int)(at - flow), flow, flow_members[i][1],
			 at + strlen(flow_members[i][0]));
		ctlcase_assert_reply_rejected(CTL_FLOWS_LIST, text);
		snprintf(text, sizeof(text), "{\"parameters\":{\"flow\":{%.*s%s%s}}}",
			 (int)(at - flow), flow, flow_members[i][1],
			 at + strlen(flow_members[i][0]));
		ctlcase_assert_reply_rejected(CTL_FLOWS_GET, text);
	}
	ctlcase_assert_reply_rejected(CTL_FLOWS_GET, "{\"parameters\":{}}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_GET, "{\"parameters\":{\"flows\":[{" FLOW4 "}]}}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT, "{\"parameters\":{\"count\":-1}}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT, "{\"parameters\":{\"count\":\"5\"}}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT, "{\"parameters\":{\"count\":5.0}}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_COUNT, "{}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_KILL, "{\"parameters\":{\"count\":5}}");
	ctlcase_assert_reply_rejected(CTL_FLOWS_FLUSH, "{\"parameters\":{\"killed\":5}}");
	ctlcase_assert_reply_rejected(CTL_EVENTS_WATCH,
				      "{\"parameters\":{\"event\":{\"type\":\"boom\",\"time\":1,"
				      "\"flow\":{" FLOW4 "}}}}");
	ctlcase_assert_reply_rejected(CTL_EVENTS_WATCH,
				      "{\"parameters\":{\"event\":{\"type\":\"destroy\","
				      "\"time\":1,\"flow\":{" FLOW4 "}}}}");
	ctlcase_assert_reply_rejected(CTL_EVENTS_WATCH,
				      "{\"parameters\":{\"event\":{\"type\":\"destroy\",\"cause\":"
				      "\"boredom\",\"time\":1,\"flow\":{" FLOW4 "}}}}");
	ctlcase_assert_reply_rejected(CTL_EVENTS_WATCH,
				      "{\"parameters\":{\"event\":{\"type\":\"state\","
				      "\"time\":1,\"flow\":{" FLOW4 "}}}}");
	ctlcase_assert_reply_rejected(CTL_EVENTS_WATCH,
				      "{\"parameters\":{\"event\":{\"type\":\"new\",\"time\":-1,"
				      "\"flow\":{" FLOW4 "}}}}");
	ctlcase_assert_reply_rejected(CTL_EVENTS_WATCH,
				      "{\"parameters\":{\"event\":{\"type\":\"new\",\"time\":1}}}");
	ctlcase_assert_reply_rejected(CTL_PARAMS_GET, "{\"parameters\":{\"params\":[]}}");
	ctlcase_assert_reply_rejected(CTL_PARAMS_GET, "{\"parameters\":{\"params\":{\"a\":1.5}}}");
	ctlcase_assert_reply_rejected(CTL_PARAMS_GET, "{\"parameters\":{\"params\":{\"a\":null}}}");
	ctlcase_assert_reply_rejected(CTL_PARAMS_GET,
				      "{\"parameters\":{\"params\":{\"a\":\"x\\ty\"}}}");
	ctlcase_assert_reply_rejected(
		CTL_PARAMS_GET, "{\"parameters\":{\"params\":{\"a123456789a123456789a123456789a1234"
				"56789a123456789a123456789abcd\":1}}}");
	ctlcase_assert_reply_rejected(CTL_DAEMON_VERSION, "{\"parameters\":{}}");
	ctlcase_assert_reply_rejected(CTL_DAEMON_VERSION, "{\"parameters\":{\"version\":1}}");
	ctlcase_assert_reply_rejected(
		CTL_DAEMON_VERSION,
		"{\"parameters\":{\"version\":\"0123456789012345678901234567890123\"}}");
	ctlcase_assert_reply_rejected(CTL_STATS_GET, "{\"parameters\":{}}");
}

/* Stats and Status: drop or break one member of a valid reply at a time. */
static void test_reply_reject_stats_status(void **state)
{
	static const char *const stats_breaks[][2] = {
		{"\"accept\":", "\"accepted\":"},   {"\"ok\":", "\"okay\":"},
		{"\"SYN_SENT\":", "\"SYN-SENT\":"}, {"\"timeout\":", "\"timeouts\":"},
		{"\"flows\":", "\"flow\":"},	    {"\"max_flows\":", "\"max_flows\":-"},
		{"\"created\":", "\"created\":-"},  {"\"packets\":", "\"packets\":\"x\",\"p\":"},
		{"\"enobufs\":", "\"enobufs\":-"},  {"\"queues\":[", "\"queues\":{},\"q\":["},
		{"\"waiting\":", "\"waiting\":-"},  {"\"packets_seen\":", "\"seen\":"},
		{"\"queue\":", "\"queue\":-"},	    {"\"reasons\":{", "\"reasons\":{},\"r\":{"},
	};
	static const char *const status_breaks[][2] = {
		{"\"version\":", "\"version\":1,\"v\":"},
		{"\"pid\":", "\"pid\":-"},
		{"\"uptime\":", "\"uptime\":-"},
		{"\"config\":", "\"config\":1,\"c\":"},
		{"\"queues\":\"10-13\"", "\"queues\":\"13-10\""},
		{"\"queues\":\"10-13\"", "\"queues\":\"10-\""},
		{"\"queues\":\"10-13\"", "\"queues\":\"-13\""},
		{"\"queues\":\"10-13\"", "\"queues\":\"0-65535\""},
		{"\"queues\":\"10-13\"", "\"queues\":\"65536\""},
		{"\"queues\":\"10-13\"", "\"queues\":\" 10\""},
		{"\"queues\":\"10-13\"", "\"queues\":10"},
		{"\"fail_open\":true", "\"fail_open\":1"},
		{"\"time_wait_policy\":\"shorten\"", "\"time_wait_policy\":\"0123456789abcdef\""},
		{"\"pickup\":false", "\"pickup\":null"},
		{"\"max_flows\":", "\"max_flows\":4294967296,\"x\":"},
		{"\"overridden\":[", "\"overridden\":[1,"},
		{"\"overridden\":[", "\"overridden\":{},\"x\":["},
	};
	struct ctl_reply in, out;
	char *good, bad[16384];

	(void)state;
	memset(&in, 0, sizeof(in));
	in.method = CTL_STATS_GET;
	in.stats = ctlcase_stats(2);
	good = ctl_reply_format(&in);
	assert_non_null(good);
	assert_int_equal(ctl_reply_parse(good, strlen(good), CTL_STATS_GET, &out), 0);
	ctl_reply_free_members(&out);
	for (size_t i = 0; i < sizeof(stats_breaks) / sizeof(stats_breaks[0]); i++) {
		const char *at = strstr(good, stats_breaks[i][0]);

		assert_non_null(at);
		snprintf(bad, sizeof(bad), "%.*s%s%s", (int)(at - good), good, stats_breaks[i][1],
			 at + strlen(stats_breaks[i][0]));
		ctlcase_assert_reply_rejected(CTL_STATS_GET, bad);
	}
	free(good);
	in.stats->n_queues = 64;
	good = ctl_reply_format(&in);
	assert_non_null(good);
	{
		/* a 65th queue */
		const char *end = strstr(good, "}],\"sync\":");

		assert_non_null(end);
		snprintf(bad, sizeof(bad),
			 "%.*s},{\"queue\":1,\"waiting\":0,\"queue_dropped\":0,"
			 "\"user_dropped\":0,\"packets_seen\":0}%s",
			 (int)(end - good), good, end + 1);
		ctlcase_assert_reply_rejected(CTL_STATS_GET, bad);
	}
	free(good);
	free(in.stats);

	memset(&in, 0, sizeof(in));
	in.method = CTL_DAEMON_STATUS;
	in.status = ctlcase_status();
	good = ctl_reply_format(&in);
	assert_non_null(good);
	for (size_t i = 0; i < sizeof(status_breaks) / sizeof(status_breaks[0]); i++) {
		const char *at = strstr(good, status_breaks[i][0]);

		assert_non_null(at);
		snprintf(bad, sizeof(bad), "%.*s%s%s", (int)(at - good), good, status_breaks[i][1],
			 at + strlen(status_breaks[i][0]));
		ctlcase_assert_reply_rejected(CTL_DAEMON_STATUS, bad);
	}
	free(good);
	in.status->n_overridden = 16;
	good = ctl_reply_format(&in);
	{
		const char *at = strstr(good, "\"overridden\":[");

		snprintf(bad, sizeof(bad), "%.*s\"overridden\":[\"x\",%s", (int)(at - good), good,
			 at + strlen("\"overridden\":["));
		ctlcase_assert_reply_rejected(CTL_DAEMON_STATUS, bad);
	}
	free(good);
	free(in.status);
}

/* Replies read leniently where a newer daemon may add things. */
static void test_reply_lenient(void **state)
{
	static const char list[] = "{\"parameters\":{\"flows\":[{" FLOW4 ",\"proto\":\"tcp\"}],"
				   "\"more_info\":1}}";
	static const char unknown_error[] =
		"{\"error\":\"io.tcpfw.Future\",\"parameters\":{\"message\":\"later\"}}";
	static const char varlink_error[] = "{\"error\":\"org.varlink.service.MethodNotFound\","
					    "\"parameters\":{\"method\":\"x\"}}";
	struct ctl_reply out;

	(void)state;
	assert_int_equal(ctl_reply_parse(list, strlen(list), CTL_FLOWS_LIST, &out), 0);
	assert_int_equal(out.n_flows, 1);
	assert_int_equal(out.flows[0].expires_in_ms, 1500);
	ctl_reply_free_members(&out);
	assert_int_equal(
		ctl_reply_parse(unknown_error, strlen(unknown_error), CTL_FLOWS_LIST, &out), 0);
	assert_int_equal(out.error, CTL_ERR_INTERNAL);
	assert_string_equal(out.message, "io.tcpfw.Future: later");
	assert_int_equal(
		ctl_reply_parse(varlink_error, strlen(varlink_error), CTL_FLOWS_LIST, &out), 0);
	assert_int_equal(out.error, CTL_ERR_METHOD_NOT_FOUND);
	assert_string_equal(out.message, "");
	/* a missing "parameters" is an empty one */
	assert_int_equal(ctl_reply_parse("{}", 2, CTL_DAEMON_RELOAD, &out), 0);
	assert_int_equal(
		ctl_reply_parse("{\"error\":\"io.tcpfw.Busy\"}", 25, CTL_DAEMON_RELOAD, &out), 0);
	assert_int_equal(out.error, CTL_ERR_BUSY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_reject),
		cmocka_unit_test(test_reply_reject_stats_status),
		cmocka_unit_test(test_reply_lenient),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
