// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fixtures the ctl_proto tests share (declared in ctl_proto_cases.h): sample addresses, flows,
 * stats and status, and the reply round trip and rejection checks. The stats builder gives
 * every counter its own value, so a counter mixed up or lost on the way through JSON shows up.
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
#include "engine.h"
#include "tcp_track.h"

void ctlcase_addr(uint8_t family, const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, text, out), 1);
}

struct ctl_flow ctlcase_flow(uint8_t family, const char *src, const char *dst, uint32_t id)
{
	struct ctl_flow f;

	memset(&f, 0, sizeof(f));
	f.family = family;
	ctlcase_addr(family, src, f.src);
	ctlcase_addr(family, dst, f.dst);
	f.state = TCP_TRACK_ESTABLISHED;
	f.assured = true;
	f.sport = 40000;
	f.dport = 80;
	f.expires_in_ms = 431999900;
	f.queue = 3;
	f.id = id;
	return f;
}

void ctlcase_assert_flow_equal(const struct ctl_flow *a, const struct ctl_flow *b)
{
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->assured, b->assured);
	assert_memory_equal(a->src, b->src, 16);
	assert_memory_equal(a->dst, b->dst, 16);
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
	assert_int_equal(a->expires_in_ms, b->expires_in_ms);
	assert_int_equal(a->queue, b->queue);
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->has_counters, b->has_counters);
	for (int d = 0; d < 2; d++) {
		assert_int_equal(a->packets[d], b->packets[d]);
		assert_int_equal(a->bytes[d], b->bytes[d]);
	}
}

struct ctl_sync ctlcase_sync(uint8_t state)
{
	struct ctl_sync s;
	uint64_t v = 7000;

	memset(&s, 0, sizeof(s));
	s.state = state;
	if (state == CTL_SYNC_DISABLED)
		return s;
	strcpy(s.peer, "192.0.2.9");
	s.complete = state == CTL_SYNC_IN_SYNC || state == CTL_SYNC_PEER_LOST;
	s.peer_complete = state == CTL_SYNC_IN_SYNC;
	s.heard = true;
	s.last_heard_ms = 120;
	s.inflight = UINT32_MAX;
	s.lag_ms = 3;
	s.lag_max_ms = 41;
	s.sessions = v++;
	s.sent = v++;
	s.received = v++;
	s.retransmitted = v++;
	s.records_sent = v++;
	s.records_applied = v++;
	s.bulks_sent = v++;
	s.bulks_received = v++;
	s.bulk_last_ms = v++;
	s.bulk_last_flows = INT64_MAX;
	for (size_t i = 0; i < _CTL_SYNC_DROP_MAX; i++)
		s.dropped[i] = v++;
	return s;
}

struct ctl_stats *ctlcase_stats(unsigned n_queues)
{
	struct ctl_stats *s = calloc(1, sizeof(*s));
	uint64_t v = 1000;

	assert_non_null(s);
	s->verdict_accept = v++;
	s->verdict_drop = v++;
	for (size_t i = 0; i < _REASON_MAX; i++)
		s->reasons[i] = v++;
	for (size_t i = 0; i < _TCP_TRACK_STATE_MAX; i++)
		s->states[i] = (uint32_t)v++;
	s->flows = UINT32_MAX;
	s->max_flows = 262144;
	s->created = INT64_MAX;
	for (size_t i = 0; i < _ENGINE_CAUSE_MAX; i++)
		s->destroyed[i] = v++;
	s->packets = v++;
	s->enobufs = v++;
	s->lost = v++;
	s->relearned = v++;
	s->pause_max_us = v++;
	s->n_queues = n_queues;
	for (unsigned i = 0; i < n_queues; i++) {
		s->queues[i].num = (uint16_t)(i * 1000 + 1);
		s->queues[i].queue_total = UINT32_MAX - i;
		s->queues[i].queue_dropped = v++;
		s->queues[i].user_dropped = v++;
		s->queues[i].id_sequence = v++;
	}
	s->sync = ctlcase_sync(CTL_SYNC_IN_SYNC);
	return s;
}

struct ctl_status *ctlcase_status(void)
{
	struct ctl_status *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	strcpy(s->version, "0.1.0");
	s->pid = 4242;
	s->uptime_ms = 86400123;
	strcpy(s->config_path, "/etc/tcpfwd/tcpfwd.conf");
	s->queue_num = 10;
	s->queue_count = 4;
	s->fail_open = true;
	strcpy(s->tw_policy, "shorten");
	s->pickup = false;
	s->flows = 12;
	s->max_flows = 1048576;
	s->n_overridden = 2;
	strcpy(s->overridden[0], "tcp.timeouts.established");
	strcpy(s->overridden[1], "tcp.time_wait.policy");
	s->sync = ctlcase_sync(CTL_SYNC_IN_SYNC);
	return s;
}

/* format -> parse, compares the common part; the caller compares the result. Returns text. */
char *ctlcase_roundtrip_reply(const struct ctl_reply *in, struct ctl_reply *out)
{
	char *text = ctl_reply_format(in);

	assert_non_null(text);
	memset(out, 0x5a, sizeof(*out));
	if (ctl_reply_parse(text, strlen(text), in->method, out) != 0)
		fail_msg("reply not parsed back: %s", text);
	assert_int_equal(out->method, in->method);
	assert_int_equal(out->error, in->error);
	assert_string_equal(out->message, in->message);
	assert_string_equal(out->parameter, in->parameter);
	assert_int_equal(out->continues, in->continues && !in->error);
	return text;
}

void ctlcase_assert_reply_rejected(enum ctl_method m, const char *text)
{
	struct ctl_reply out;

	memset(&out, 0x5a, sizeof(out));
	if (ctl_reply_parse(text, strlen(text), m, &out) != -EINVAL)
		fail_msg("accepted reply to %s: ...%s", ctl_method_name(m),
			 strlen(text) > 600 ? text + strlen(text) - 600 : text);
}

/* ---- calls ---- */

struct ctl_reply ctlcase_err;

/* ---- requests ---- */

int ctlcase_parse_req(const char *text, struct ctl_request *req)
{
	memset(&ctlcase_err, 0x5a, sizeof(ctlcase_err));
	memset(req, 0, sizeof(*req));
	return ctl_request_parse(text, strlen(text), CTLCASE_MAX_MESSAGE, req, &ctlcase_err);
}

struct ctl_request ctlcase_parse_ok(const char *text)
{
	struct ctl_request req;

	if (ctlcase_parse_req(text, &req) != 0)
		fail_msg("rejected <%s>: %s: %s (%s)", text, ctl_error_name(ctlcase_err.error),
			 ctlcase_err.message, ctlcase_err.parameter);
	return req;
}

/* The exact error name, the parameter named, and a one-line message. */
void ctlcase_assert_rejected_len(const char *text, size_t len, const char *name, const char *param)
{
	struct ctl_request req, untouched;

	memset(&ctlcase_err, 0x5a, sizeof(ctlcase_err));
	memset(&req, 0x33, sizeof(req));
	memcpy(&untouched, &req, sizeof(req));
	if (ctl_request_parse(text, len, CTLCASE_MAX_MESSAGE, &req, &ctlcase_err) != -EINVAL)
		fail_msg("accepted <%.*s>", (int)len, text);
	if (strcmp(ctl_error_name(ctlcase_err.error), name) != 0 ||
	    strcmp(ctlcase_err.parameter, param) != 0)
		fail_msg("<%.*s>: got %s (%s) \"%s\", want %s (%s)", (int)len, text,
			 ctl_error_name(ctlcase_err.error), ctlcase_err.parameter,
			 ctlcase_err.message, name, param);
	assert_true(ctlcase_err.message[0] != '\0');
	assert_null(strchr(ctlcase_err.message, '\n'));
	assert_null(ctlcase_err.flows);
	assert_false(ctlcase_err.continues);
	assert_memory_equal(&req, &untouched, sizeof(req));
}

void ctlcase_assert_rejected(const char *text, const char *name, const char *param)
{
	ctlcase_assert_rejected_len(text, strlen(text), name, param);
}

/* A call of `method` with the given parameters object text is refused as naming `param`. */
void ctlcase_assert_bad_param(const char *method, const char *params, const char *param)
{
	char text[1024];

	snprintf(text, sizeof(text), "{\"method\":\"%s\",\"parameters\":%s}", method, params);
	ctlcase_assert_rejected(text, CTLCASE_INVALID_PARAM, param);
}

void ctlcase_assert_filter_equal(const struct ctl_filter *a, const struct ctl_filter *b)
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

void ctlcase_assert_request_equal(const struct ctl_request *a, const struct ctl_request *b)
{
	assert_int_equal(a->method, b->method);
	assert_int_equal(a->more, b->more);
	ctlcase_assert_filter_equal(&a->filter, &b->filter);
	assert_string_equal(a->param.name, b->param.name);
	assert_string_equal(a->param.value, b->param.value);
	assert_int_equal(a->reset, b->reset);
}

/* format -> parse gives the request back; returns the text (free it). */
char *ctlcase_roundtrip_req(const struct ctl_request *in)
{
	char *text = ctl_request_format(in);
	struct ctl_request out;

	assert_non_null(text);
	out = ctlcase_parse_ok(text);
	ctlcase_assert_request_equal(in, &out);
	return text;
}
