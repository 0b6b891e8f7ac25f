// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_proto, calls: method and error names, ctl_request_format() -> ctl_request_parse() round
 * trips, the hand-written forms a client may send, and every way a call is refused, each with
 * its exact error name and the parameter it names; the refused call's reply closes the loop.
 * Replies and the tcpfwctl -j output are in test_ctl_proto_reply.c.
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

#define MAX	      CTL_PROTO_MAX_MESSAGE_DEFAULT
#define INVALID_JSON  "io.tcpfw.InvalidJson"
#define TOO_LARGE     "io.tcpfw.MessageTooLarge"
#define NO_METHOD     "org.varlink.service.MethodNotFound"
#define INVALID_PARAM "org.varlink.service.InvalidParameter"

static struct ctl_reply err;

/* ---- requests ---- */

static int parse_req(const char *text, struct ctl_request *req)
{
	memset(&err, 0x5a, sizeof(err));
	memset(req, 0, sizeof(*req));
	return ctl_request_parse(text, strlen(text), MAX, req, &err);
}

static struct ctl_request parse_ok(const char *text)
{
	struct ctl_request req;

	if (parse_req(text, &req) != 0)
		fail_msg("rejected <%s>: %s: %s (%s)", text, ctl_error_name(err.error), err.message,
			 err.parameter);
	return req;
}

/* The exact error name, the parameter named, and a one-line message. */
static void assert_rejected_len(const char *text, size_t len, const char *name, const char *param)
{
	struct ctl_request req, untouched;

	memset(&err, 0x5a, sizeof(err));
	memset(&req, 0x33, sizeof(req));
	memcpy(&untouched, &req, sizeof(req));
	if (ctl_request_parse(text, len, MAX, &req, &err) != -EINVAL)
		fail_msg("accepted <%.*s>", (int)len, text);
	if (strcmp(ctl_error_name(err.error), name) != 0 || strcmp(err.parameter, param) != 0)
		fail_msg("<%.*s>: got %s (%s) \"%s\", want %s (%s)", (int)len, text,
			 ctl_error_name(err.error), err.parameter, err.message, name, param);
	assert_true(err.message[0] != '\0');
	assert_null(strchr(err.message, '\n'));
	assert_null(err.flows);
	assert_false(err.continues);
	assert_memory_equal(&req, &untouched, sizeof(req));
}

static void assert_rejected(const char *text, const char *name, const char *param)
{
	assert_rejected_len(text, strlen(text), name, param);
}

/* A call of `method` with the given parameters object text is refused as naming `param`. */
static void assert_bad_param(const char *method, const char *params, const char *param)
{
	char text[1024];

	snprintf(text, sizeof(text), "{\"method\":\"%s\",\"parameters\":%s}", method, params);
	assert_rejected(text, INVALID_PARAM, param);
}

static void assert_filter_equal(const struct ctl_filter *a, const struct ctl_filter *b)
{
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->has_src, b->has_src);
	assert_int_equal(a->has_dst, b->has_dst);
	assert_int_equal(a->src_plen, b->src_plen);
	assert_int_equal(a->dst_plen, b->dst_plen);
	assert_memory_equal(a->src, b->src, 16);
	assert_memory_equal(a->dst, b->dst, 16);
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
	assert_int_equal(a->state_mask, b->state_mask);
}

static void assert_request_equal(const struct ctl_request *a, const struct ctl_request *b)
{
	assert_int_equal(a->method, b->method);
	assert_int_equal(a->more, b->more);
	assert_filter_equal(&a->filter, &b->filter);
	assert_string_equal(a->param.name, b->param.name);
	assert_string_equal(a->param.value, b->param.value);
	assert_int_equal(a->reset, b->reset);
}

/* format -> parse gives the request back; returns the text (free it). */
static char *roundtrip_req(const struct ctl_request *in)
{
	char *text = ctl_request_format(in);
	struct ctl_request out;

	assert_non_null(text);
	out = parse_ok(text);
	assert_request_equal(in, &out);
	return text;
}

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
	assert_string_equal(ctl_error_name(CTL_ERR_INVALID_PARAMETER), INVALID_PARAM);
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
		free(roundtrip_req(&req));

		/* IPv6, one address, every state */
		memset(&req, 0, sizeof(req));
		req.method = filter_methods[i];
		req.filter.family = 6;
		req.filter.has_dst = true;
		req.filter.dst_plen = 128;
		ctlcase_addr(6, "2001:db8::1", req.filter.dst);
		req.filter.state_mask = (1u << _TCP_TRACK_STATE_MAX) - 1;
		free(roundtrip_req(&req));

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
			free(roundtrip_req(&req));
		}
		req.filter.family = 6;
		ctlcase_addr(6, "2001:db8::", req.filter.src);
		ctlcase_addr(6, "::", req.filter.dst);
		req.filter.src_plen = 32;
		for (unsigned len = 0; len <= 128; len += len == 0 || len >= 126 ? 1 : 63) {
			req.filter.dst_plen = (uint8_t)len;
			free(roundtrip_req(&req));
		}

		/* family alone; then nothing at all */
		memset(&req, 0, sizeof(req));
		req.method = filter_methods[i];
		req.filter.family = 6;
		free(roundtrip_req(&req));
		req.filter.family = 0;
		req.filter.sport = 1;
		free(roundtrip_req(&req));
	}

	memset(&req, 0, sizeof(req));
	req.method = CTL_FLOWS_LIST;
	req.more = true;
	text = roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Flows.List\",\"parameters\":{},"
				  "\"more\":true}");
	free(text);
	req.filter.family = 4;
	req.filter.has_src = true;
	req.filter.src_plen = 32;
	ctlcase_addr(4, "10.0.0.1", req.filter.src);
	req.filter.state_mask = 1u << TCP_TRACK_SYN_SENT;
	text = roundtrip_req(&req);
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
	text = roundtrip_req(&req);
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
	text = roundtrip_req(&req);
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
		text = roundtrip_req(&req);
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
	free(roundtrip_req(&req));
	req.filter.family = 6;
	req.filter.src_plen = req.filter.dst_plen = 128;
	ctlcase_addr(6, "2001:db8::1", req.filter.src);
	ctlcase_addr(6, "::ffff:192.0.2.2", req.filter.dst);
	req.filter.sport = 65535;
	free(roundtrip_req(&req));

	/* Params.Get with and without a name */
	memset(&req, 0, sizeof(req));
	req.method = CTL_PARAMS_GET;
	text = roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Params.Get\",\"parameters\":{}}");
	free(text);
	strcpy(req.param.name, "tcp.timeouts.established");
	free(roundtrip_req(&req));

	/* Params.Set with every kind of value */
	memset(&req, 0, sizeof(req));
	req.method = CTL_PARAMS_SET;
	strcpy(req.param.name, "tcp.time_wait.policy");
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		strcpy(req.param.value, values[i]);
		free(roundtrip_req(&req));
	}
	strcpy(req.param.value, "\"shorten\"");
	text = roundtrip_req(&req);
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
	req = parse_ok("{\"method\":\"io.tcpfw.Stats.Get\"}");
	assert_int_equal(req.method, CTL_STATS_GET);
	assert_false(req.more);
	req = parse_ok(" { \"parameters\" : { } , \"more\" : false, \"method\" : "
		       "\"io.tcpfw.Daemon.Version\" } \n");
	assert_int_equal(req.method, CTL_DAEMON_VERSION);
	req = parse_ok("{\"method\":\"io.tcpfw.Flows.List\",\"more\":true,\"parameters\":"
		       "{\"src\":\"192.0.2.1\",\"states\":[\"established\",\"Time_Wait\"]}}");
	assert_true(req.more);
	assert_int_equal(req.filter.family, 4); /* implied by the address */
	assert_true(req.filter.has_src);
	ctlcase_addr(4, "192.0.2.1", a);
	assert_memory_equal(req.filter.src, a, 16);
	assert_int_equal(req.filter.state_mask,
			 1u << TCP_TRACK_ESTABLISHED | 1u << TCP_TRACK_TIME_WAIT);
	req = parse_ok("{\"method\":\"io.tcpfw.Flows.Count\",\"parameters\":{\"dst\":\"::1\","
		       "\"family\":\"ipv6\",\"sport\":0,\"dport\":443}}");
	assert_int_equal(req.filter.family, 6);
	assert_int_equal(req.filter.dport, 443);
	req = parse_ok("{\"method\":\"io.tcpfw.Flows.Get\",\"parameters\":{\"src\":\"2001:db8::1\","
		       "\"dst\":\"2001:db8::2\",\"sport\":1,\"dport\":2}}");
	assert_int_equal(req.filter.family, 6);
	req = parse_ok("{\"method\":\"io.tcpfw.Params.Set\",\"parameters\":{\"name\":"
		       "\"tcp.pickup\",\"value\":true}}");
	assert_string_equal(req.param.value, "true");
	req = parse_ok("{\"method\":\"io.tcpfw.Params.Set\",\"parameters\":{\"name\":"
		       "\"tcp.timeouts.close\",\"value\":-7}}");
	assert_string_equal(req.param.value, "-7");
	req = parse_ok("{\"method\":\"io.tcpfw.Params.Set\",\"parameters\":{\"name\":"
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
	req = parse_ok("{\"method\":\"io.tcpfw.Flows.Kill\",\"parameters\":{\"src\":"
		       "\"10.1.2.3/8\",\"dst\":\"192.0.2.1/32\"}}");
	assert_src_prefix(&req, 4, "10.0.0.0", 8);
	assert_int_equal(req.filter.dst_plen, 32);
	text = ctl_request_format(&req);
	assert_non_null(text);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Flows.Kill\",\"parameters\":{\"family\":"
				  "\"ipv4\",\"src\":\"10.0.0.0/8\",\"dst\":\"192.0.2.1\"}}");
	free(text);
	req = parse_ok(
		"{\"method\":\"io.tcpfw.Flows.Count\",\"parameters\":{\"dst\":\"192.0.2.1\"}}");
	assert_int_equal(req.filter.dst_plen, 32);
	req = parse_ok("{\"method\":\"io.tcpfw.Events.Watch\",\"parameters\":{\"src\":"
		       "\"2001:db8:ffff::1/32\",\"dst\":\"::/0\",\"family\":\"ipv6\"}}");
	assert_src_prefix(&req, 6, "2001:db8::", 32);
	assert_true(req.filter.has_dst);
	assert_int_equal(req.filter.dst_plen, 0);
	req = parse_ok("{\"method\":\"io.tcpfw.Flows.List\",\"parameters\":{\"src\":"
		       "\"2001:db8::ff/121\"}}");
	assert_src_prefix(&req, 6, "2001:db8::80", 121);
	/* the family mismatch is the dst's, found once both are read */
	assert_int_equal(parse_req("{\"method\":\"io.tcpfw.Flows.List\",\"parameters\":{\"src\":"
				   "\"2001:db8::/32\",\"dst\":\"10.0.0.0/8\"}}",
				   &req),
			 -EINVAL);
	assert_string_equal(err.parameter, "dst");

	/* the length's message says what it may be */
	assert_bad_param("io.tcpfw.Flows.List", "{\"src\":\"10.0.0.0/33\"}", "src");
	assert_string_equal(err.message,
			    "'src': a prefix length is 0..32 for IPv4, 0..128 for IPv6");
	assert_bad_param("io.tcpfw.Flows.List", "{\"dst\":\"nonsense/8\"}", "dst");
	assert_string_equal(err.message,
			    "'dst' must be an IPv4 or IPv6 address string, or a prefix ADDR/LEN");
}

static void test_request_reject_framing(void **state)
{
	static const char call[] = "{\"method\":\"io.tcpfw.Stats.Get\"}";
	static const char nul[] = "{\"method\":\"io.tcpfw.Stats.Get\"}\0{}";
	const size_t n = sizeof(call) - 1;
	char *big = malloc(MAX + 2);
	struct ctl_request req;

	(void)state;
	assert_non_null(big);
	/* A message of exactly max_len bytes is fine; one more is not. */
	memset(big, ' ', MAX + 1);
	memcpy(big, call, n);
	big[MAX + 1] = '\0';
	assert_int_equal(ctl_request_parse(big, MAX, MAX, &req, &err), 0);
	assert_rejected_len(big, MAX + 1, TOO_LARGE, "");
	/* The size is checked before anything else. */
	assert_rejected_len("[", 1, INVALID_JSON, "");
	memset(&err, 0, sizeof(err));
	assert_int_equal(ctl_request_parse("[", 1, 0, &req, &err), -EINVAL);
	assert_string_equal(ctl_error_name(err.error), TOO_LARGE);
	free(big);

	assert_rejected_len(nul, sizeof(nul) - 1, INVALID_JSON, "");
	assert_rejected_len(nul, n + 1, INVALID_JSON, ""); /* the NUL as the last byte */
	assert_int_equal(ctl_request_parse(nul, n, MAX, &req, &err), 0);
	assert_rejected("", INVALID_JSON, "");
	assert_rejected("hello", INVALID_JSON, "");
	assert_rejected("[]", INVALID_JSON, "");
	assert_rejected("[{\"method\":\"io.tcpfw.Stats.Get\"}]", INVALID_JSON, "");
	assert_rejected("5", INVALID_JSON, "");
	assert_rejected("\"io.tcpfw.Stats.Get\"", INVALID_JSON, "");
	assert_rejected("null", INVALID_JSON, "");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\"", INVALID_JSON, "");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Ge", INVALID_JSON, "");
	assert_rejected("{\"method\":", INVALID_JSON, "");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\"}{}", INVALID_JSON, "");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\"} x", INVALID_JSON, "");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"method\":\"io.tcpfw.Flows.Flush\"}",
			INVALID_JSON, "");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\\u0000\"}", INVALID_JSON, "");
	assert_rejected("{\"method\":\"\xff\"}", INVALID_JSON, "");
	assert_rejected("{'method':'io.tcpfw.Stats.Get'}", INVALID_JSON, "");
}

static void test_request_reject_call(void **state)
{
	(void)state;
	assert_rejected("{\"method\":\"io.tcpfw.Nope\"}", NO_METHOD, "");
	assert_non_null(strstr(err.message, "io.tcpfw.Nope"));
	assert_rejected("{\"method\":\"\"}", NO_METHOD, "");
	assert_rejected("{\"method\":\"IO.TCPFW.STATS.GET\"}", NO_METHOD, "");
	assert_rejected("{\"method\":\"bad\\nname\"}", NO_METHOD, "");
	assert_non_null(strstr(err.message, "bad?name"));
	assert_rejected("{}", INVALID_PARAM, "method");
	assert_rejected("{\"parameters\":{}}", INVALID_PARAM, "method");
	assert_rejected("{\"method\":5}", INVALID_PARAM, "method");
	assert_rejected("{\"method\":null}", INVALID_PARAM, "method");
	assert_rejected("{\"method\":[\"io.tcpfw.Stats.Get\"]}", INVALID_PARAM, "method");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"oneway\":true}", INVALID_PARAM,
			"oneway");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"params\":{}}", INVALID_PARAM,
			"params");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"more\":1}", INVALID_PARAM, "more");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"more\":\"true\"}", INVALID_PARAM,
			"more");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"more\":null}", INVALID_PARAM, "more");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"parameters\":[]}", INVALID_PARAM,
			"parameters");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"parameters\":null}", INVALID_PARAM,
			"parameters");
	assert_rejected("{\"method\":\"io.tcpfw.Stats.Get\",\"parameters\":\"\"}", INVALID_PARAM,
			"parameters");
	/* The method is known even when the call is refused. */
	assert_int_equal(err.method, CTL_STATS_GET);
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
	text = roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Flows.Flush\",\"parameters\":"
				  "{\"reset\":true}}");
	free(text);
	req.method = CTL_FLOWS_KILL;
	req.filter.dport = 5001;
	text = roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Flows.Kill\",\"parameters\":"
				  "{\"dport\":5001,\"reset\":true}}");
	free(text);
	req.reset = false; /* the default is left out */
	text = roundtrip_req(&req);
	assert_null(strstr(text, "reset"));
	free(text);
	req = parse_ok("{\"method\":\"io.tcpfw.Flows.Kill\",\"parameters\":{\"reset\":false,"
		       "\"sport\":1}}");
	assert_false(req.reset);
	assert_int_equal(req.filter.sport, 1);

	assert_bad_param("io.tcpfw.Flows.Kill", "{\"reset\":1}", "reset");
	assert_bad_param("io.tcpfw.Flows.Flush", "{\"reset\":\"yes\"}", "reset");
	assert_bad_param("io.tcpfw.Flows.Flush", "{\"reset\":null}", "reset");
	assert_bad_param("io.tcpfw.Flows.Flush", "{\"reset\":true,\"sport\":1}", "sport");
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_bad_param(others[i], "{\"reset\":true}", "reset");
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
		assert_bad_param(plain[i], "{\"src\":\"192.0.2.1\"}", "src");
		assert_bad_param(plain[i], "{\"name\":\"tcp.pickup\"}", "name");
	}
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		assert_bad_param(filters[i], "{\"foo\":1}", "foo");
		assert_bad_param(filters[i], "{\"sport\":1,\"Sport\":1}", "Sport");
		assert_bad_param(filters[i], "{\"name\":\"tcp.pickup\"}", "name");
		assert_bad_param(filters[i], "{\"proto\":\"tcp\"}", "proto");
	}
	assert_bad_param("io.tcpfw.Flows.Get",
			 "{\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.2\",\"sport\":1,\"dport\":2,"
			 "\"states\":[\"ESTABLISHED\"]}",
			 "states");
	assert_bad_param("io.tcpfw.Params.Get", "{\"value\":1}", "value");
	assert_bad_param("io.tcpfw.Params.Set", "{\"name\":\"tcp.pickup\",\"value\":true,\"x\":1}",
			 "x");
	/* A hostile key is cleaned before it is echoed. */
	assert_bad_param("io.tcpfw.Flows.List", "{\"a\\u0001\\u00e9\":1}", "a???");
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
			assert_bad_param(filters[f], params, cases[i].param);
		}
	}
}

/* Trace and Capture take the filter and "drops"; nothing else does. */
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
	text = roundtrip_req(&req);
	assert_string_equal(text, "{\"method\":\"io.tcpfw.Packets.Capture\",\"parameters\":"
				  "{\"dport\":80,\"drops\":true},\"more\":true}");
	free(text);
	req = parse_ok("{\"method\":\"io.tcpfw.Packets.Trace\",\"parameters\":{\"drops\":false}}");
	assert_false(req.drops);
	assert_bad_param("io.tcpfw.Packets.Trace", "{\"drops\":1}", "drops");
	assert_bad_param("io.tcpfw.Packets.Trace", "{\"drops\":\"yes\"}", "drops");
	assert_bad_param("io.tcpfw.Flows.List", "{\"drops\":true}", "drops");
	assert_bad_param("io.tcpfw.Events.Watch", "{\"drops\":true}", "drops");
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
			assert_bad_param(filters[f], params, "states");
		}
	}
	assert_bad_param(filters[0], "{\"states\":[\"BOGUS\"]}", "states");
	assert_non_null(strstr(err.message, "BOGUS"));
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
		assert_bad_param("io.tcpfw.Flows.Get", params, names[skip]);
		assert_non_null(strstr(err.message, "missing"));
	}
	assert_bad_param("io.tcpfw.Flows.Get", "{}", "src");
	/* one flow: whole addresses, no prefix, not even the full length */
	assert_bad_param("io.tcpfw.Flows.Get",
			 "{\"src\":\"192.0.2.1/32\",\"dst\":\"192.0.2.2\",\"sport\":1,\"dport\":2}",
			 "src");
	assert_non_null(strstr(err.message, "not a prefix"));
	assert_bad_param("io.tcpfw.Flows.Get",
			 "{\"src\":\"2001:db8::1\",\"dst\":\"2001:db8::/32\",\"sport\":1,"
			 "\"dport\":2}",
			 "dst");
	assert_rejected("{\"method\":\"io.tcpfw.Flows.Get\"}", INVALID_PARAM, "src");
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
		assert_bad_param("io.tcpfw.Params.Set", set[i].params, set[i].param);
	assert_bad_param("io.tcpfw.Params.Get", "{\"name\":7}", "name");
	assert_bad_param("io.tcpfw.Params.Get", "{\"name\":\"\"}", "name");
	assert_bad_param("io.tcpfw.Params.Get", "{\"name\":null}", "name");

	/* A string value fills ctl_param.value exactly at 125 bytes, quoted. */
	memset(value, 'v', sizeof(value));
	value[125] = '\0';
	snprintf(params, sizeof(params),
		 "{\"method\":\"io.tcpfw.Params.Set\",\"parameters\":{\"name\":\"n\",\"value\":"
		 "\"%s\"}}",
		 value);
	assert_int_equal(strlen(parse_ok(params).param.value), 127);
	value[125] = 'v';
	value[126] = '\0';
	snprintf(params, sizeof(params), "{\"name\":\"n\",\"value\":\"%s\"}", value);
	assert_bad_param("io.tcpfw.Params.Set", params, "value");
	value[124] = '\0'; /* 124 bytes and a backslash, escaped: 128 with the quotes */
	snprintf(params, sizeof(params), "{\"name\":\"n\",\"value\":\"%s\\\\\"}", value);
	assert_bad_param("io.tcpfw.Params.Set", params, "value");
}

/* A refused call's reply goes back to the client and is read the same. */
static void test_request_error_reply(void **state)
{
	struct ctl_request req;
	struct ctl_reply back;
	char *text;

	(void)state;
	assert_int_equal(parse_req("{\"method\":\"io.tcpfw.Flows.List\",\"parameters\":"
				   "{\"sport\":65536}}",
				   &req),
			 -EINVAL);
	text = ctl_reply_format(&err);
	assert_non_null(text);
	assert_string_equal(text, "{\"error\":\"org.varlink.service.InvalidParameter\","
				  "\"parameters\":{\"message\":\"'sport' must be an integer "
				  "0..65535\",\"parameter\":\"sport\"}}");
	assert_int_equal(ctl_reply_parse(text, strlen(text), CTL_FLOWS_LIST, &back), 0);
	assert_int_equal(back.error, CTL_ERR_INVALID_PARAMETER);
	assert_string_equal(back.message, err.message);
	assert_string_equal(back.parameter, "sport");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_request_roundtrip_filters),
		cmocka_unit_test(test_request_roundtrip_others),
		cmocka_unit_test(test_request_trace),
		cmocka_unit_test(test_request_format_invalid),
		cmocka_unit_test(test_request_parse_forms),
		cmocka_unit_test(test_request_parse_prefixes),
		cmocka_unit_test(test_request_reject_framing),
		cmocka_unit_test(test_request_reject_call),
		cmocka_unit_test(test_request_reset),
		cmocka_unit_test(test_request_reject_unknown_params),
		cmocka_unit_test(test_request_reject_types),
		cmocka_unit_test(test_request_reject_states),
		cmocka_unit_test(test_request_reject_get),
		cmocka_unit_test(test_request_reject_params),
		cmocka_unit_test(test_request_error_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
