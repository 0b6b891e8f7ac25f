// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_proto, calls: method and error names, ctl_request_format() -> ctl_request_parse() round
 * trips, the hand-written forms a client may send, and the refused call's reply. Every way a
 * call is refused is in test_ctl_proto_reject.c; replies and the tcpfwctl -j output are in
 * test_ctl_proto_reply.c.
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
#include "ctl_proto_cases.h"
#include "tcp_track.h"

static void test_names(void **state)
{
	(void)state;
	for (int m = 0; m < _CTL_METHOD_MAX; m++) {
		const char *name = ctl_method_name((enum ctl_method)m);

		assert_int_equal(strncmp(name, "io.tcpfw.", 9), 0);
		assert_int_equal(ctl_method_from_name(name), m);
		assert_int_equal(ctl_method_is_admin((enum ctl_method)m),
				 m == CTL_FLOWS_KILL || m == CTL_FLOWS_FLUSH ||
					 m == CTL_PARAMS_SET || m == CTL_DAEMON_RELOAD ||
					 m == CTL_PACKETS_CAPTURE);
	}
	assert_string_equal(ctl_method_name(CTL_FLOWS_LIST), "io.tcpfw.Flows.List");
	assert_string_equal(ctl_method_name(CTL_EVENTS_WATCH), "io.tcpfw.Events.Watch");
	assert_string_equal(ctl_method_name(CTL_DAEMON_VERSION), "io.tcpfw.Daemon.Version");
	assert_string_equal(ctl_method_name(_CTL_METHOD_MAX), "unknown");
	assert_int_equal(ctl_method_from_name("io.tcpfw.Flows.list"), -1);
	assert_int_equal(ctl_method_from_name(NULL), -1);
	assert_false(ctl_method_is_admin(_CTL_METHOD_MAX));
	for (int e = 1; e < _CTL_ERR_MAX; e++) {
		assert_string_not_equal(ctl_error_name((enum ctl_error)e), "unknown");
		for (int f = 1; f < e; f++)
			assert_string_not_equal(ctl_error_name((enum ctl_error)e),
						ctl_error_name((enum ctl_error)f));
	}
	assert_string_equal(ctl_error_name(CTL_ERR_INVALID_PARAMETER), CTLCASE_INVALID_PARAM);
	assert_string_equal(ctl_error_name(CTL_ERR_NO_SUCH_FLOW), "io.tcpfw.NoSuchFlow");
	assert_string_equal(ctl_error_name(_CTL_ERR_MAX), "unknown");
}

static void test_request_roundtrip_filters(void **state)
{
	static const uint8_t filter_methods[] = {CTL_FLOWS_LIST,    CTL_FLOWS_COUNT,
						 CTL_FLOWS_KILL,    CTL_EVENTS_WATCH,
						 CTL_PACKETS_TRACE, CTL_PACKETS_CAPTURE};
	struct ctl_request req;
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(filter_methods); i++) {
		/* every field, IPv4 */
		memset(&req, 0, sizeof(req));
		req.method = filter_methods[i];
		req.more = i % 2 == 0;
		req.filter.family = 4;
		req.filter.has_src = req.filter.has_dst = true;
		req.filter.src_plen = req.filter.dst_plen = 32;
		ctlcase_addr(4, "192.0.2.1", req.filter.src);
		ctlcase_addr(4, "198.51.100.2", req.filter.dst);
		req.filter.sport = 40000;
		req.filter.dport = 65535;
		req.filter.state_mask = 1u << TCP_TRACK_ESTABLISHED | 1u << TCP_TRACK_TIME_WAIT;
		free(ctlcase_roundtrip_req(&req));

		/* IPv6, one address, every state */
		memset(&req, 0, sizeof(req));
		req.method = filter_methods[i];
		req.filter.family = 6;
		req.filter.has_dst = true;
		req.filter.dst_plen = 128;
		ctlcase_addr(6, "2001:db8::1", req.filter.dst);
		req.filter.state_mask = (1u << _TCP_TRACK_STATE_MAX) - 1;
		free(ctlcase_roundtrip_req(&req));

		/* prefixes at the edges of both families */
		memset(&req, 0, sizeof(req));
		req.method = filter_methods[i];
		req.filter.family = 4;
		req.filter.has_src = req.filter.has_dst = true;
		ctlcase_addr(4, "128.0.0.0", req.filter.src);
		req.filter.src_plen = 1;
		for (unsigned len = 0; len <= 32; len++) {
			uint32_t net = len ? htonl(0xc0a8ffffu & ~0u << (32 - len)) : 0;

			req.filter.dst_plen = (uint8_t)len;
			memcpy(req.filter.dst, &net, 4);
			free(ctlcase_roundtrip_req(&req));
		}
		req.filter.family = 6;
		ctlcase_addr(6, "2001:db8::", req.filter.src);
		ctlcase_addr(6, "::", req.filter.dst);
		req.filter.src_plen = 32;
		for (unsigned len = 0; len <= 128; len += len == 0 || len >= 126 ? 1 : 63) {
			req.filter.dst_plen = (uint8_t)len;
			free(ctlcase_roundtrip_req(&req));
		}

		/* family alone; then nothing at all */
		memset(&req, 0, sizeof(req));
		req.method = filter_methods[i];
		req.filter.family = 6;
		free(ctlcase_roundtrip_req(&req));
		req.filter.family = 0;
		req.filter.sport = 1;
		free(ctlcase_roundtrip_req(&req));
	}

	memset(&req, 0, sizeof(req));
	req.method = CTL_FLOWS_LIST;
	req.more = true;
	text = ctlcase_roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Flows.List\",\"parameters\":{},"
				  "\"more\":true}");
	free(text);
	req.filter.family = 4;
	req.filter.has_src = true;
	req.filter.src_plen = 32;
	ctlcase_addr(4, "10.0.0.1", req.filter.src);
	req.filter.state_mask = 1u << TCP_TRACK_SYN_SENT;
	text = ctlcase_roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Flows.List\",\"parameters\":{\"family\":"
				  "\"ipv4\",\"src\":\"10.0.0.1\",\"states\":[\"SYN_SENT\"]},"
				  "\"more\":true}");
	free(text);
	/* a prefix is written ADDR/LEN; a full length as the address alone (old daemons read it) */
	req.filter.src_plen = 8;
	ctlcase_addr(4, "10.0.0.0", req.filter.src);
	req.filter.has_dst = true;
	req.filter.dst_plen = 0;
	req.filter.state_mask = 0;
	text = ctlcase_roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Flows.List\",\"parameters\":{\"family\":"
				  "\"ipv4\",\"src\":\"10.0.0.0/8\",\"dst\":\"0.0.0.0/0\"},"
				  "\"more\":true}");
	free(text);
	memset(&req, 0, sizeof(req));
	req.method = CTL_FLOWS_KILL;
	req.filter.family = 6;
	req.filter.has_dst = true;
	req.filter.dst_plen = 127;
	ctlcase_addr(6, "2001:db8::2", req.filter.dst);
	text = ctlcase_roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Flows.Kill\",\"parameters\":{\"family\":"
				  "\"ipv6\",\"dst\":\"2001:db8::2/127\"}}");
	free(text);
}

static void test_request_roundtrip_others(void **state)
{
	static const uint8_t plain[] = {CTL_FLOWS_FLUSH, CTL_STATS_GET, CTL_DAEMON_STATUS,
					CTL_DAEMON_RELOAD, CTL_DAEMON_VERSION};
	static const char *const values[] = {
		"432000", "-3", "true", "false", "\"enforce\"", "\"a \\\"quoted\\\" \\\\ path\"",
		"\"\""};
	struct ctl_request req;
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(plain); i++) {
		memset(&req, 0, sizeof(req));
		req.method = plain[i];
		text = ctlcase_roundtrip_req(&req);
		assert_non_null(strstr(text, "\"parameters\":{}"));
		free(text);
	}

	/* Get: the whole tuple, both families (family implied by the addresses) */
	memset(&req, 0, sizeof(req));
	req.method = CTL_FLOWS_GET;
	req.filter.family = 4;
	req.filter.has_src = req.filter.has_dst = true;
	req.filter.src_plen = req.filter.dst_plen = 32;
	ctlcase_addr(4, "192.0.2.1", req.filter.src);
	ctlcase_addr(4, "192.0.2.2", req.filter.dst);
	req.filter.sport = 0;
	req.filter.dport = 22;
	free(ctlcase_roundtrip_req(&req));
	req.filter.family = 6;
	req.filter.src_plen = req.filter.dst_plen = 128;
	ctlcase_addr(6, "2001:db8::1", req.filter.src);
	ctlcase_addr(6, "::ffff:192.0.2.2", req.filter.dst);
	req.filter.sport = 65535;
	free(ctlcase_roundtrip_req(&req));

	/* Params.Get with and without a name */
	memset(&req, 0, sizeof(req));
	req.method = CTL_PARAMS_GET;
	text = ctlcase_roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Params.Get\",\"parameters\":{}}");
	free(text);
	strcpy(req.param.name, "tcp.timeouts.established");
	free(ctlcase_roundtrip_req(&req));

	/* Params.Set with every kind of value */
	memset(&req, 0, sizeof(req));
	req.method = CTL_PARAMS_SET;
	strcpy(req.param.name, "tcp.time_wait.policy");
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		strcpy(req.param.value, values[i]);
		free(ctlcase_roundtrip_req(&req));
	}
	strcpy(req.param.value, "\"shorten\"");
	text = ctlcase_roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Params.Set\",\"parameters\":{\"name\":"
				  "\"tcp.time_wait.policy\",\"value\":\"shorten\"}}");
	free(text);
}

/* Requests the format refuses: they could not be parsed back. */
static void test_request_format_invalid(void **state)
{
	struct ctl_request req;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.method = _CTL_METHOD_MAX;
	assert_null(ctl_request_format(&req));
	req.method = CTL_FLOWS_LIST;
	req.filter.has_src = true; /* an address without a family */
	assert_null(ctl_request_format(&req));
	req.filter.has_src = false;
	req.filter.family = 5;
	assert_null(ctl_request_format(&req));
	req.filter.family = 0;
	req.filter.state_mask = 1u << _TCP_TRACK_STATE_MAX;
	assert_null(ctl_request_format(&req));
	req.filter.state_mask = 0;
	req.filter.family = 4; /* prefix lengths past the family's */
	req.filter.has_src = true;
	req.filter.src_plen = 33;
	assert_null(ctl_request_format(&req));
	req.filter.family = 6;
	req.filter.src_plen = 129;
	assert_null(ctl_request_format(&req));
	req.filter.src_plen = 128;
	req.filter.has_dst = true;
	req.filter.dst_plen = 255;
	assert_null(ctl_request_format(&req));
	memset(&req, 0, sizeof(req));
	req.method = CTL_FLOWS_GET; /* a tuple needs both addresses */
	req.filter.family = 4;
	req.filter.has_src = true;
	req.filter.src_plen = 32;
	assert_null(ctl_request_format(&req));
	req.filter.has_dst = true; /* whole ones */
	req.filter.dst_plen = 24;
	assert_null(ctl_request_format(&req));
	req.filter.dst_plen = 0;
	assert_null(ctl_request_format(&req));
	req.filter.dst_plen = 32;
	char *ok = ctl_request_format(&req);
	assert_non_null(ok);
	free(ok);
	memset(&req, 0, sizeof(req));
	req.method = CTL_PARAMS_SET;
	strcpy(req.param.name, "tcp.pickup");
	strcpy(req.param.value, "shorten"); /* not libconfig text */
	assert_null(ctl_request_format(&req));
	strcpy(req.param.value, "\"open");
	assert_null(ctl_request_format(&req));
	strcpy(req.param.value, "1.5");
	assert_null(ctl_request_format(&req));
	strcpy(req.param.value, "99999999999999999999");
	assert_null(ctl_request_format(&req));
	req.param.name[0] = '\0';
	strcpy(req.param.value, "1");
	assert_null(ctl_request_format(&req));
	strcpy(req.param.name, "Bad Name");
	assert_null(ctl_request_format(&req));
}

/* Hand-written calls: what a client such as socat or varlinkctl may send. */
static void test_request_parse_forms(void **state)
{
	struct ctl_request req;
	uint8_t a[16];

	(void)state;
	req = ctlcase_parse_ok("{\"method\":\"io.tcpfw.Stats.Get\"}");
	assert_int_equal(req.method, CTL_STATS_GET);
	assert_false(req.more);
	req = ctlcase_parse_ok(" { \"parameters\" : { } , \"more\" : false, \"method\" : "
			       "\"io.tcpfw.Daemon.Version\" } \n");
	assert_int_equal(req.method, CTL_DAEMON_VERSION);
	req = ctlcase_parse_ok(
		"{\"method\":\"io.tcpfw.Flows.List\",\"more\":true,\"parameters\":"
		"{\"src\":\"192.0.2.1\",\"states\":[\"established\",\"Time_Wait\"]}}");
	assert_true(req.more);
	assert_int_equal(req.filter.family, 4); /* implied by the address */
	assert_true(req.filter.has_src);
	ctlcase_addr(4, "192.0.2.1", a);
	assert_memory_equal(req.filter.src, a, 16);
	assert_int_equal(req.filter.state_mask,
			 1u << TCP_TRACK_ESTABLISHED | 1u << TCP_TRACK_TIME_WAIT);
	req = ctlcase_parse_ok(
		"{\"method\":\"io.tcpfw.Flows.Count\",\"parameters\":{\"dst\":\"::1\","
		"\"family\":\"ipv6\",\"sport\":0,\"dport\":443}}");
	assert_int_equal(req.filter.family, 6);
	assert_int_equal(req.filter.dport, 443);
	req = ctlcase_parse_ok(
		"{\"method\":\"io.tcpfw.Flows.Get\",\"parameters\":{\"src\":\"2001:db8::1\","
		"\"dst\":\"2001:db8::2\",\"sport\":1,\"dport\":2}}");
	assert_int_equal(req.filter.family, 6);
	req = ctlcase_parse_ok("{\"method\":\"io.tcpfw.Params.Set\",\"parameters\":{\"name\":"
			       "\"tcp.pickup\",\"value\":true}}");
	assert_string_equal(req.param.value, "true");
	req = ctlcase_parse_ok("{\"method\":\"io.tcpfw.Params.Set\",\"parameters\":{\"name\":"
			       "\"tcp.timeouts.close\",\"value\":-7}}");
	assert_string_equal(req.param.value, "-7");
	req = ctlcase_parse_ok("{\"method\":\"io.tcpfw.Params.Set\",\"parameters\":{\"name\":"
			       "\"logging.level\",\"value\":\"d\\\"e\\\\f\\u00e9\"}}");
	assert_string_equal(req.param.value, "\"d\\\"e\\\\f\xc3\xa9\"");
}

/* The call's filter has the source prefix net/plen of the family. */
static void assert_src_prefix(const struct ctl_request *req, uint8_t family, const char *net,
			      uint8_t plen)
{
	uint8_t a[16];

	assert_int_equal(req->filter.family, family);
	assert_true(req->filter.has_src);
	assert_int_equal(req->filter.src_plen, plen);
	ctlcase_addr(family, net, a);
	assert_memory_equal(req->filter.src, a, 16);
}

/* Prefixes as a client writes them: host bits cleared, a full length the same as none. */
static void test_request_parse_prefixes(void **state)
{
	struct ctl_request req;
	char *text;

	(void)state;
	req = ctlcase_parse_ok("{\"method\":\"io.tcpfw.Flows.Kill\",\"parameters\":{\"src\":"
			       "\"10.1.2.3/8\",\"dst\":\"192.0.2.1/32\"}}");
	assert_src_prefix(&req, 4, "10.0.0.0", 8);
	assert_int_equal(req.filter.dst_plen, 32);
	text = ctl_request_format(&req);
	assert_non_null(text);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Flows.Kill\",\"parameters\":{\"family\":"
				  "\"ipv4\",\"src\":\"10.0.0.0/8\",\"dst\":\"192.0.2.1\"}}");
	free(text);
	req = ctlcase_parse_ok(
		"{\"method\":\"io.tcpfw.Flows.Count\",\"parameters\":{\"dst\":\"192.0.2.1\"}}");
	assert_int_equal(req.filter.dst_plen, 32);
	req = ctlcase_parse_ok("{\"method\":\"io.tcpfw.Events.Watch\",\"parameters\":{\"src\":"
			       "\"2001:db8:ffff::1/32\",\"dst\":\"::/0\",\"family\":\"ipv6\"}}");
	assert_src_prefix(&req, 6, "2001:db8::", 32);
	assert_true(req.filter.has_dst);
	assert_int_equal(req.filter.dst_plen, 0);
	req = ctlcase_parse_ok("{\"method\":\"io.tcpfw.Flows.List\",\"parameters\":{\"src\":"
			       "\"2001:db8::ff/121\"}}");
	assert_src_prefix(&req, 6, "2001:db8::80", 121);
	/* the family mismatch is the dst's, found once both are read */
	assert_int_equal(
		ctlcase_parse_req("{\"method\":\"io.tcpfw.Flows.List\",\"parameters\":{\"src\":"
				  "\"2001:db8::/32\",\"dst\":\"10.0.0.0/8\"}}",
				  &req),
		-EINVAL);
	assert_string_equal(ctlcase_err.parameter, "dst");

	/* the length's message says what it may be */
	ctlcase_assert_bad_param("io.tcpfw.Flows.List", "{\"src\":\"10.0.0.0/33\"}", "src");
	assert_string_equal(ctlcase_err.message,
			    "'src': a prefix length is 0..32 for IPv4, 0..128 for IPv6");
	ctlcase_assert_bad_param("io.tcpfw.Flows.List", "{\"dst\":\"nonsense/8\"}", "dst");
	assert_string_equal(ctlcase_err.message,
			    "'dst' must be an IPv4 or IPv6 address string, or a prefix ADDR/LEN");
}
/* A refused call's reply goes back to the client and is read the same. */
static void test_request_error_reply(void **state)
{
	struct ctl_request req;
	struct ctl_reply back;
	char *text;

	(void)state;
	assert_int_equal(ctlcase_parse_req("{\"method\":\"io.tcpfw.Flows.List\",\"parameters\":"
					   "{\"sport\":65536}}",
					   &req),
			 -EINVAL);
	text = ctl_reply_format(&ctlcase_err);
	assert_non_null(text);
	assert_string_equal(text, "{\"error\":\"org.varlink.service.InvalidParameter\","
				  "\"parameters\":{\"message\":\"'sport' must be an integer "
				  "0..65535\",\"parameter\":\"sport\"}}");
	assert_int_equal(ctl_reply_parse(text, strlen(text), CTL_FLOWS_LIST, &back), 0);
	assert_int_equal(back.error, CTL_ERR_INVALID_PARAMETER);
	assert_string_equal(back.message, ctlcase_err.message);
	assert_string_equal(back.parameter, "sport");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_request_roundtrip_filters),
		cmocka_unit_test(test_request_roundtrip_others),
		cmocka_unit_test(test_request_format_invalid),
		cmocka_unit_test(test_request_parse_forms),
		cmocka_unit_test(test_request_parse_prefixes),
		cmocka_unit_test(test_request_error_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
