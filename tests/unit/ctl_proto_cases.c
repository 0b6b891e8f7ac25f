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
