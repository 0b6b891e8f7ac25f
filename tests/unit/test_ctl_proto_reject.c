// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_proto, refused calls: framing, the call object, unknown parameters, types, states, Get's
 * tuple, Params, and Kill/Flush's reset, each refused with its exact error name and the
 * parameter it names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "reason.h"
#include "ctl_proto_cases.h"
#include "tcp_track.h"

static void test_request_reject_framing(void **state)
{
	static const char call[] = "{\"method\":\"io.tcpfw.Stats.Get\"}";
	static const char nul[] = "{\"method\":\"io.tcpfw.Stats.Get\"}\0{}";
	const size_t n = sizeof(call) - 1;
	char *big = malloc(CTLCASE_MAX_MESSAGE + 2);
	struct ctl_request req;

	(void)state;
	assert_non_null(big);
	/* A message of exactly max_len bytes is fine; one more is not. */
	memset(big, ' ', CTLCASE_MAX_MESSAGE + 1);
	memcpy(big, call, n);
	big[CTLCASE_MAX_MESSAGE + 1] = '\0';
	assert_int_equal(ctl_request_parse(big, CTLCASE_MAX_MESSAGE, CTLCASE_MAX_MESSAGE, &req,
					   &ctlcase_err),
			 0);
	ctlcase_assert_rejected_len(big, CTLCASE_MAX_MESSAGE + 1, CTLCASE_TOO_LARGE, "");
	/* The size is checked before anything else. */
	ctlcase_assert_rejected_len("[", 1, CTLCASE_INVALID_JSON, "");
	memset(&ctlcase_err, 0, sizeof(ctlcase_err));
	assert_int_equal(ctl_request_parse("[", 1, 0, &req, &ctlcase_err), -EINVAL);
	assert_string_equal(ctl_error_name(ctlcase_err.error), CTLCASE_TOO_LARGE);
	free(big);

	ctlcase_assert_rejected_len(nul, sizeof(nul) - 1, CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected_len(nul, n + 1, CTLCASE_INVALID_JSON,
				    ""); /* the NUL as the last byte */
	assert_int_equal(ctl_request_parse(nul, n, CTLCASE_MAX_MESSAGE, &req, &ctlcase_err), 0);
	ctlcase_assert_rejected("", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("hello", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("[]", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("[{\"method\":\"io.tcpfw.Stats.Get\"}]", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("5", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("\"io.tcpfw.Stats.Get\"", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("null", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\"", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Ge", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("{\"method\":", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\"}{}", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\"} x", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected(
		"{\"method\":\"io.tcpfw.Stats.Get\",\"method\":\"io.tcpfw.Flows.Flush\"}",
		CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\\u0000\"}", CTLCASE_INVALID_JSON,
				"");
	ctlcase_assert_rejected("{\"method\":\"\xff\"}", CTLCASE_INVALID_JSON, "");
	ctlcase_assert_rejected("{'method':'io.tcpfw.Stats.Get'}", CTLCASE_INVALID_JSON, "");
}

static void test_request_reject_call(void **state)
{
	(void)state;
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Nope\"}", CTLCASE_NO_METHOD, "");
	assert_non_null(strstr(ctlcase_err.message, "io.tcpfw.Nope"));
	ctlcase_assert_rejected("{\"method\":\"\"}", CTLCASE_NO_METHOD, "");
	ctlcase_assert_rejected("{\"method\":\"IO.TCPFW.STATS.GET\"}", CTLCASE_NO_METHOD, "");
	ctlcase_assert_rejected("{\"method\":\"bad\\nname\"}", CTLCASE_NO_METHOD, "");
	assert_non_null(strstr(ctlcase_err.message, "bad?name"));
	ctlcase_assert_rejected("{}", CTLCASE_INVALID_PARAM, "method");
	ctlcase_assert_rejected("{\"parameters\":{}}", CTLCASE_INVALID_PARAM, "method");
	ctlcase_assert_rejected("{\"method\":5}", CTLCASE_INVALID_PARAM, "method");
	ctlcase_assert_rejected("{\"method\":null}", CTLCASE_INVALID_PARAM, "method");
	ctlcase_assert_rejected("{\"method\":[\"io.tcpfw.Stats.Get\"]}", CTLCASE_INVALID_PARAM,
				"method");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"oneway\":true}",
				CTLCASE_INVALID_PARAM, "oneway");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"params\":{}}",
				CTLCASE_INVALID_PARAM, "params");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"more\":1}",
				CTLCASE_INVALID_PARAM, "more");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"more\":\"true\"}",
				CTLCASE_INVALID_PARAM, "more");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"more\":null}",
				CTLCASE_INVALID_PARAM, "more");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"parameters\":[]}",
				CTLCASE_INVALID_PARAM, "parameters");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"parameters\":null}",
				CTLCASE_INVALID_PARAM, "parameters");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"parameters\":\"\"}",
				CTLCASE_INVALID_PARAM, "parameters");
	/* The method is known even when the call is refused. */
	assert_int_equal(ctlcase_err.method, CTL_STATS_GET);
}

/* Kill and Flush take "reset":true; nothing else takes "reset", and it must be a boolean. */
static void test_request_reset(void **state)
{
	static const char *const others[] = {"io.tcpfw.Flows.List", "io.tcpfw.Flows.Count",
					     "io.tcpfw.Events.Watch", "io.tcpfw.Stats.Get"};
	struct ctl_request req;
	char *text;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.method = CTL_FLOWS_FLUSH;
	req.reset = true;
	text = ctlcase_roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Flows.Flush\",\"parameters\":"
				  "{\"reset\":true}}");
	free(text);
	req.method = CTL_FLOWS_KILL;
	req.filter.dport = 5001;
	text = ctlcase_roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Flows.Kill\",\"parameters\":"
				  "{\"dport\":5001,\"reset\":true}}");
	free(text);
	req.reset = false; /* the default is left out */
	text = ctlcase_roundtrip_req(&req);
	assert_null(strstr(text, "reset"));
	free(text);
	req = ctlcase_parse_ok(
		"{\"method\":\"io.tcpfw.Flows.Kill\",\"parameters\":{\"reset\":false,"
		"\"sport\":1}}");
	assert_false(req.reset);
	assert_int_equal(req.filter.sport, 1);

	ctlcase_assert_bad_param("io.tcpfw.Flows.Kill", "{\"reset\":1}", "reset");
	ctlcase_assert_bad_param("io.tcpfw.Flows.Flush", "{\"reset\":\"yes\"}", "reset");
	ctlcase_assert_bad_param("io.tcpfw.Flows.Flush", "{\"reset\":null}", "reset");
	ctlcase_assert_bad_param("io.tcpfw.Flows.Flush", "{\"reset\":true,\"sport\":1}", "sport");
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		ctlcase_assert_bad_param(others[i], "{\"reset\":true}", "reset");
}

static void test_request_reject_unknown_params(void **state)
{
	static const char *const plain[] = {"io.tcpfw.Flows.Flush", "io.tcpfw.Stats.Get",
					    "io.tcpfw.Daemon.Status", "io.tcpfw.Daemon.Reload",
					    "io.tcpfw.Daemon.Version"};
	static const char *const filters[] = {"io.tcpfw.Flows.List", "io.tcpfw.Flows.Count",
					      "io.tcpfw.Flows.Kill", "io.tcpfw.Events.Watch"};

	(void)state;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		ctlcase_assert_bad_param(plain[i], "{\"src\":\"192.0.2.1\"}", "src");
		ctlcase_assert_bad_param(plain[i], "{\"name\":\"tcp.pickup\"}", "name");
	}
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		ctlcase_assert_bad_param(filters[i], "{\"foo\":1}", "foo");
		ctlcase_assert_bad_param(filters[i], "{\"sport\":1,\"Sport\":1}", "Sport");
		ctlcase_assert_bad_param(filters[i], "{\"name\":\"tcp.pickup\"}", "name");
		ctlcase_assert_bad_param(filters[i], "{\"proto\":\"tcp\"}", "proto");
	}
	ctlcase_assert_bad_param(
		"io.tcpfw.Flows.Get",
		"{\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.2\",\"sport\":1,\"dport\":2,"
		"\"states\":[\"ESTABLISHED\"]}",
		"states");
	ctlcase_assert_bad_param("io.tcpfw.Params.Get", "{\"value\":1}", "value");
	ctlcase_assert_bad_param("io.tcpfw.Params.Set",
				 "{\"name\":\"tcp.pickup\",\"value\":true,\"x\":1}", "x");
	/* A hostile key is cleaned before it is echoed. */
	ctlcase_assert_bad_param("io.tcpfw.Flows.List", "{\"a\\u0001\\u00e9\":1}", "a???");
}

/*
 * Get needs the whole tuple or it reports what is missing: completes `params` with the
 * members it lacks, in its own family, so the error is still the one under test.
 */
static void complete_tuple(const char *params, char *out, size_t len)
{
	bool v6 = strstr(params, "ipv6") != NULL;
	size_t used = (size_t)snprintf(out, len, "%.*s", (int)strlen(params) - 1, params);

	if (!strstr(params, "\"src\""))
		used += (size_t)snprintf(out + used, len - used, ",\"src\":\"%s\"",
					 v6 ? "2001:db8::9" : "192.0.2.9");
	if (!strstr(params, "\"dst\""))
		used += (size_t)snprintf(out + used, len - used, ",\"dst\":\"%s\"",
					 v6 ? "2001:db8::a" : "192.0.2.10");
	if (!strstr(params, "\"sport\""))
		used += (size_t)snprintf(out + used, len - used, ",\"sport\":1");
	if (!strstr(params, "\"dport\""))
		used += (size_t)snprintf(out + used, len - used, ",\"dport\":2");
	snprintf(out + used, len - used, "}");
}

static void test_request_reject_types(void **state)
{
	static const char *const filters[] = {"io.tcpfw.Flows.List",	"io.tcpfw.Flows.Count",
					      "io.tcpfw.Flows.Kill",	"io.tcpfw.Events.Watch",
					      "io.tcpfw.Packets.Trace", "io.tcpfw.Packets.Capture",
					      "io.tcpfw.Flows.Get"};
	static const struct {
		const char *params, *param;
	} cases[] = {
		{"{\"family\":4}", "family"},
		{"{\"family\":\"inet\"}", "family"},
		{"{\"family\":\"IPV4\"}", "family"},
		{"{\"family\":null}", "family"},
		{"{\"src\":3221225985}", "src"},
		{"{\"src\":\"\"}", "src"},
		{"{\"src\":\"192.0.2\"}", "src"},
		{"{\"src\":\"192.0.2.256\"}", "src"},
		{"{\"src\":\"192.0.2.256/24\"}", "src"},
		{"{\"src\":\"/24\"}", "src"},
		{"{\"src\":\"192.0.2.0/33\"}", "src"},
		{"{\"src\":\"192.0.2.0/128\"}", "src"},
		{"{\"src\":\"2001:db8::/129\"}", "src"},
		{"{\"src\":\"192.0.2.0/\"}", "src"},
		{"{\"src\":\"192.0.2.0/-1\"}", "src"},
		{"{\"src\":\"192.0.2.0/+8\"}", "src"},
		{"{\"src\":\"192.0.2.0/08\"}", "src"},
		{"{\"src\":\"192.0.2.0/0x8\"}", "src"},
		{"{\"src\":\"192.0.2.0/ 8\"}", "src"},
		{"{\"src\":\"192.0.2.0 /8\"}", "src"},
		{"{\"src\":\"192.0.2.0/8 \"}", "src"},
		{"{\"src\":\"192.0.2.0/8/8\"}", "src"},
		{"{\"src\":\"192.0.2.0/0008\"}", "src"},
		{"{\"src\":\"192.0.2.0/4294967304\"}", "src"},
		{"{\"src\":\"192.0.2.0/255.0.0.0\"}", "src"},
		{"{\"src\":\"[2001:db8::]/32\"}", "src"},
		{"{\"dst\":\"2001:db8::/1280\"}", "dst"},
		{"{\"family\":\"ipv6\",\"src\":\"10.0.0.0/8\"}", "src"},
		{"{\"src\":\"10.0.0.1\",\"dst\":\"::/0\"}", "dst"},
		{"{\"src\":\" 192.0.2.1\"}", "src"},
		{"{\"src\":\"fe80::1%eth0\"}", "src"},
		{"{\"src\":\"2001:db8::g\"}", "src"},
		{"{\"src\":\"2001:db8:0:0:0:0:0:0:1\"}", "src"},
		{"{\"src\":\"localhost\"}", "src"},
		{"{\"src\":\"0000:0000:0000:0000:0000:ffff:192.168.100.200x\"}", "src"},
		{"{\"src\":[\"192.0.2.1\"]}", "src"},
		{"{\"dst\":true}", "dst"},
		{"{\"dst\":\"::1::2\"}", "dst"},
		{"{\"sport\":\"80\"}", "sport"},
		{"{\"sport\":80.0}", "sport"},
		{"{\"sport\":-1}", "sport"},
		{"{\"sport\":65536}", "sport"},
		{"{\"sport\":9223372036854775807}", "sport"},
		{"{\"sport\":true}", "sport"},
		{"{\"sport\":null}", "sport"},
		{"{\"dport\":65536}", "dport"},
		{"{\"dport\":-1}", "dport"},
		{"{\"dport\":[80]}", "dport"},
		{"{\"family\":\"ipv4\",\"src\":\"2001:db8::1\"}", "src"},
		{"{\"src\":\"2001:db8::1\",\"family\":\"ipv4\"}", "src"},
		{"{\"family\":\"ipv6\",\"dst\":\"192.0.2.1\"}", "dst"},
		{"{\"src\":\"192.0.2.1\",\"dst\":\"2001:db8::1\"}", "dst"},
	};
	char params[512];

	(void)state;
	for (size_t f = 0; f < sizeof(filters) / sizeof(filters[0]); f++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			if (strstr(filters[f], ".Get"))
				complete_tuple(cases[i].params, params, sizeof(params));
			else
				snprintf(params, sizeof(params), "%s", cases[i].params);
			ctlcase_assert_bad_param(filters[f], params, cases[i].param);
		}
	}
}

/* Trace and Capture take the filter, "drops" and "reasons"; nothing else does. */
static void test_request_trace(void **state)
{
	struct ctl_request req;
	char *text;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.method = CTL_PACKETS_CAPTURE;
	req.more = true;
	req.drops = true;
	req.filter.dport = 80;
	text = ctlcase_roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Packets.Capture\",\"parameters\":"
				  "{\"dport\":80,\"drops\":true},\"more\":true}");
	free(text);
	req = ctlcase_parse_ok(
		"{\"method\":\"io.tcpfw.Packets.Trace\",\"parameters\":{\"drops\":false}}");
	assert_false(req.drops);
	ctlcase_assert_bad_param("io.tcpfw.Packets.Trace", "{\"drops\":1}", "drops");
	ctlcase_assert_bad_param("io.tcpfw.Packets.Trace", "{\"drops\":\"yes\"}", "drops");
	ctlcase_assert_bad_param("io.tcpfw.Flows.List", "{\"drops\":true}", "drops");
	ctlcase_assert_bad_param("io.tcpfw.Events.Watch", "{\"drops\":true}", "drops");

	/* reasons: names in, the same names out, in the order of enum reason */
	memset(&req, 0, sizeof(req));
	req.method = CTL_PACKETS_TRACE;
	req.reasons = UINT64_C(1) << REASON_SEQ_OVER_WINDOW | UINT64_C(1) << REASON_BAD_FLAGS;
	text = ctlcase_roundtrip_req(&req);
	assert_non_null(strstr(text, "\"reasons\":[\"bad_flags\",\"seq_over_window\"]"));
	free(text);
	req = ctlcase_parse_ok("{\"method\":\"io.tcpfw.Packets.Capture\",\"parameters\":"
			       "{\"reasons\":[\"ok\",\"ok\"]}}");
	assert_int_equal(req.reasons, UINT64_C(1) << REASON_OK);
	ctlcase_assert_bad_param("io.tcpfw.Packets.Trace", "{\"reasons\":[]}", "reasons");
	ctlcase_assert_bad_param("io.tcpfw.Packets.Trace", "{\"reasons\":\"ok\"}", "reasons");
	ctlcase_assert_bad_param("io.tcpfw.Packets.Trace", "{\"reasons\":[\"nope\"]}", "reasons");
	ctlcase_assert_bad_param("io.tcpfw.Packets.Trace", "{\"reasons\":[3]}", "reasons");
	ctlcase_assert_bad_param("io.tcpfw.Flows.List", "{\"reasons\":[\"ok\"]}", "reasons");
	req.reasons = UINT64_C(1) << _REASON_MAX; /* no such reason: not formatted */
	assert_null(ctl_request_format(&req));
}

static void test_request_reject_states(void **state)
{
	static const char *const filters[] = {"io.tcpfw.Flows.List", "io.tcpfw.Flows.Count",
					      "io.tcpfw.Flows.Kill", "io.tcpfw.Events.Watch"};
	static const char *const bad[] = {
		"\"ESTABLISHED\"",
		"[]",
		"[1]",
		"[null]",
		"[\"FOO\"]",
		"[\"ESTABLISHED\",\"x\"]",
		"[\"TIME-WAIT\"]",
		"{}",
		"[[\"ESTABLISHED\"]]",
		"[\"ESTABLISHED \"]",
	};
	char params[256];

	(void)state;
	for (size_t f = 0; f < sizeof(filters) / sizeof(filters[0]); f++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			snprintf(params, sizeof(params), "{\"states\":%s}", bad[i]);
			ctlcase_assert_bad_param(filters[f], params, "states");
		}
	}
	ctlcase_assert_bad_param(filters[0], "{\"states\":[\"BOGUS\"]}", "states");
	assert_non_null(strstr(ctlcase_err.message, "BOGUS"));
}

static void test_request_reject_get(void **state)
{
	static const char *const members[] = {"\"src\":\"192.0.2.1\"", "\"dst\":\"192.0.2.2\"",
					      "\"sport\":1", "\"dport\":2"};
	static const char *const names[] = {"src", "dst", "sport", "dport"};
	char params[256];

	(void)state;
	/* Leave out each member of the tuple in turn. */
	for (size_t skip = 0; skip < 4; skip++) {
		size_t used = (size_t)snprintf(params, sizeof(params), "{");

		for (size_t i = 0; i < 4; i++)
			if (i != skip)
				used += (size_t)snprintf(params + used, sizeof(params) - used,
							 "%s%s", used > 1 ? "," : "", members[i]);
		snprintf(params + used, sizeof(params) - used, "}");
		ctlcase_assert_bad_param("io.tcpfw.Flows.Get", params, names[skip]);
		assert_non_null(strstr(ctlcase_err.message, "missing"));
	}
	ctlcase_assert_bad_param("io.tcpfw.Flows.Get", "{}", "src");
	/* one flow: whole addresses, no prefix, not even the full length */
	ctlcase_assert_bad_param(
		"io.tcpfw.Flows.Get",
		"{\"src\":\"192.0.2.1/32\",\"dst\":\"192.0.2.2\",\"sport\":1,\"dport\":2}", "src");
	assert_non_null(strstr(ctlcase_err.message, "not a prefix"));
	ctlcase_assert_bad_param("io.tcpfw.Flows.Get",
				 "{\"src\":\"2001:db8::1\",\"dst\":\"2001:db8::/32\",\"sport\":1,"
				 "\"dport\":2}",
				 "dst");
	ctlcase_assert_rejected("{\"method\":\"io.tcpfw.Flows.Get\"}", CTLCASE_INVALID_PARAM,
				"src");
}

static void test_request_reject_params(void **state)
{
	static const struct {
		const char *params, *param;
	} set[] = {
		{"{\"value\":1}", "name"},
		{"{\"name\":\"tcp.pickup\"}", "value"},
		{"{}", "name"},
		{"{\"name\":5,\"value\":1}", "name"},
		{"{\"name\":\"\",\"value\":1}", "name"},
		{"{\"name\":\"TCP.pickup\",\"value\":1}", "name"},
		{"{\"name\":\"tcp pickup\",\"value\":1}", "name"},
		{"{\"name\":\"tcp.pickup=1\",\"value\":1}", "name"},
		{"{\"name\":\"a123456789a123456789a123456789a123456789a123456789a123456789abcd\","
		 "\"value\":1}",
		 "name"},
		{"{\"name\":\"tcp.pickup\",\"value\":null}", "value"},
		{"{\"name\":\"tcp.pickup\",\"value\":1.5}", "value"},
		{"{\"name\":\"tcp.pickup\",\"value\":[true]}", "value"},
		{"{\"name\":\"tcp.pickup\",\"value\":{}}", "value"},
		{"{\"name\":\"tcp.pickup\",\"value\":\"a\\nb\"}", "value"},
		{"{\"name\":\"tcp.pickup\",\"value\":\"\\u007f\"}", "value"},
	};
	char params[512], value[200];

	(void)state;
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		ctlcase_assert_bad_param("io.tcpfw.Params.Set", set[i].params, set[i].param);
	ctlcase_assert_bad_param("io.tcpfw.Params.Get", "{\"name\":7}", "name");
	ctlcase_assert_bad_param("io.tcpfw.Params.Get", "{\"name\":\"\"}", "name");
	ctlcase_assert_bad_param("io.tcpfw.Params.Get", "{\"name\":null}", "name");

	/* A string value fills ctl_param.value exactly at 125 bytes, quoted. */
	memset(value, 'v', sizeof(value));
	value[125] = '\0';
	snprintf(params, sizeof(params),
		 "{\"method\":\"io.tcpfw.Params.Set\",\"parameters\":{\"name\":\"n\",\"value\":"
		 "\"%s\"}}",
		 value);
	assert_int_equal(strlen(ctlcase_parse_ok(params).param.value), 127);
	value[125] = 'v';
	value[126] = '\0';
	snprintf(params, sizeof(params), "{\"name\":\"n\",\"value\":\"%s\"}", value);
	ctlcase_assert_bad_param("io.tcpfw.Params.Set", params, "value");
	value[124] = '\0'; /* 124 bytes and a backslash, escaped: 128 with the quotes */
	snprintf(params, sizeof(params), "{\"name\":\"n\",\"value\":\"%s\\\\\"}", value);
	ctlcase_assert_bad_param("io.tcpfw.Params.Set", params, "value");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_reject_framing),
		cmocka_unit_test(test_request_reject_call),
		cmocka_unit_test(test_request_reset),
		cmocka_unit_test(test_request_reject_unknown_params),
		cmocka_unit_test(test_request_reject_types),
		cmocka_unit_test(test_request_trace),
		cmocka_unit_test(test_request_reject_states),
		cmocka_unit_test(test_request_reject_get),
		cmocka_unit_test(test_request_reject_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
