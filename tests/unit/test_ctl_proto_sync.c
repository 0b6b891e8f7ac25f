// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_proto, the replication object "sync" of the Daemon.Status and Stats.Get replies: round
 * trips in every state, what a disabled or never-heard peer leaves out, the names, the object
 * tcpfwctl sync -j prints, and the replies the parser must refuse (each member broken or
 * missing in turn) or read leniently (an older daemon without "sync", a newer one's members).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "ctl_proto_cases.h"

/* ctlcase_sync(CTL_SYNC_IN_SYNC) as the object's JSON */
#define SYNC_IN_SYNC_JSON                                                                          \
	"{\"state\":\"in_sync\",\"peer\":\"192.0.2.9\",\"complete\":true,\"peer_complete\":true,"  \
	"\"last_heard_ms\":120,\"inflight\":4294967295,\"lag_ms\":3,\"lag_max_ms\":41,"            \
	"\"sessions\":7000,\"datagrams_sent\":7001,\"datagrams_received\":7002,"                   \
	"\"retransmitted\":7003,\"records_sent\":7004,\"records_applied\":7005,"                   \
	"\"bulks_sent\":7006,\"bulks_received\":7007,\"bulk_last_ms\":7008,"                       \
	"\"bulk_last_flows\":9223372036854775807,\"dropped\":{\"bad_source\":7009,"                \
	"\"malformed\":7010,\"bad_auth\":7011,\"replayed\":7012,\"no_session\":7013,"              \
	"\"bad_record\":7014,\"table_full\":7015}}"

static struct ctl_reply reply_of(enum ctl_method m, struct ctl_sync sync)
{
	struct ctl_reply r;

	memset(&r, 0, sizeof(r));
	r.method = (uint8_t)m;
	if (m == CTL_STATS_GET) {
		r.stats = ctlcase_stats(2);
		r.stats->sync = sync;
	} else {
		r.status = ctlcase_status();
		r.status->sync = sync;
	}
	return r;
}

static const struct ctl_sync *sync_of(const struct ctl_reply *r)
{
	return r->method == CTL_STATS_GET ? &r->stats->sync : &r->status->sync;
}

static void free_reply(struct ctl_reply *r)
{
	free(r->stats);
	free(r->status);
	r->stats = NULL;
	r->status = NULL;
}

/* Status and Stats carry the object alike: every test runs on both. */
static const enum ctl_method methods[] = {CTL_DAEMON_STATUS, CTL_STATS_GET};

static void test_sync_names(void **state)
{
	(void)state;
	assert_string_equal(ctl_sync_state_name(CTL_SYNC_DISABLED), "disabled");
	assert_string_equal(ctl_sync_state_name(CTL_SYNC_PEER_LOST), "peer_lost");
	assert_string_equal(ctl_sync_state_name(_CTL_SYNC_STATE_MAX), "unknown");
	assert_string_equal(ctl_sync_drop_name(CTL_SYNC_DROP_BAD_SOURCE), "bad_source");
	assert_string_equal(ctl_sync_drop_name(CTL_SYNC_DROP_TABLE_FULL), "table_full");
	assert_string_equal(ctl_sync_drop_name(_CTL_SYNC_DROP_MAX), "unknown");
	for (unsigned i = 0; i < _CTL_SYNC_STATE_MAX; i++)
		for (unsigned k = 0; k < i; k++)
			assert_string_not_equal(ctl_sync_state_name(i), ctl_sync_state_name(k));
	for (unsigned i = 0; i < _CTL_SYNC_DROP_MAX; i++)
		for (unsigned k = 0; k < i; k++)
			assert_string_not_equal(ctl_sync_drop_name(i), ctl_sync_drop_name(k));
}

static void test_sync_roundtrip(void **state)
{
	(void)state;
	for (size_t m = 0; m < 2; m++) {
		for (uint8_t st = 0; st < _CTL_SYNC_STATE_MAX; st++) {
			struct ctl_reply in = reply_of(methods[m], ctlcase_sync(st)), out;
			char *text = ctlcase_roundtrip_reply(&in, &out), want[64];

			assert_memory_equal(sync_of(&out), sync_of(&in), sizeof(struct ctl_sync));
			snprintf(want, sizeof(want), ",\"sync\":{\"state\":\"%s\"",
				 ctl_sync_state_name(st));
			assert_non_null(strstr(text, want));
			ctl_reply_free_members(&out);
			free_reply(&in);
			free(text);
		}
		/* the whole object, last in the reply */
		struct ctl_reply in = reply_of(methods[m], ctlcase_sync(CTL_SYNC_IN_SYNC));
		char *text = ctl_reply_format(&in);
		const char *at = strstr(text, ",\"sync\":");

		assert_non_null(at);
		assert_string_equal(at, ",\"sync\":" SYNC_IN_SYNC_JSON "}}");
		free(text);
		free_reply(&in);
	}
}

/* Disabled: the state alone, whatever else the struct holds. Never heard: no last_heard_ms. */
static void test_sync_left_out(void **state)
{
	(void)state;
	for (size_t m = 0; m < 2; m++) {
		struct ctl_sync s = ctlcase_sync(CTL_SYNC_RESYNC), zero;
		struct ctl_reply in, out;
		char *text;

		memset(&zero, 0, sizeof(zero));
		s.state = CTL_SYNC_DISABLED;
		in = reply_of(methods[m], s);
		text = ctlcase_roundtrip_reply(&in, &out);
		assert_non_null(strstr(text, ",\"sync\":{\"state\":\"disabled\"}}}"));
		assert_memory_equal(sync_of(&out), &zero, sizeof(zero));
		ctl_reply_free_members(&out);
		free_reply(&in);
		free(text);

		s = ctlcase_sync(CTL_SYNC_CONNECTING);
		s.heard = false;
		s.last_heard_ms = 5;
		s.sent = UINT64_MAX; /* saturates */
		in = reply_of(methods[m], s);
		text = ctlcase_roundtrip_reply(&in, &out);
		assert_null(strstr(text, "last_heard_ms"));
		assert_non_null(strstr(text, "\"datagrams_sent\":9223372036854775807,"));
		assert_false(sync_of(&out)->heard);
		assert_int_equal(sync_of(&out)->last_heard_ms, 0);
		assert_int_equal(sync_of(&out)->sent, INT64_MAX);
		assert_int_equal(sync_of(&out)->inflight, UINT32_MAX);
		ctl_reply_free_members(&out);
		free(text);

		/* a state past the last does not format */
		(m ? &in.stats->sync : &in.status->sync)->state = _CTL_SYNC_STATE_MAX;
		assert_null(ctl_reply_format(&in));
		free_reply(&in);
	}
}

/* tcpfwctl sync -j: the object alone; the -j view of Status and Stats holds it too. */
static void test_sync_result_json(void **state)
{
	struct ctl_sync s = ctlcase_sync(CTL_SYNC_IN_SYNC);
	struct ctl_reply r;
	char *text;

	(void)state;
	text = ctl_sync_result_json(&s, false);
	assert_string_equal(text, SYNC_IN_SYNC_JSON);
	free(text);
	text = ctl_sync_result_json(&s, true);
	assert_non_null(strstr(text, "{\n  \"state\": \"in_sync\",\n  \"peer\": \"192.0.2.9\","));
	assert_non_null(strstr(text, "\n  \"dropped\": {\n    \"bad_source\": 7009,"));
	free(text);
	s = ctlcase_sync(CTL_SYNC_DISABLED);
	text = ctl_sync_result_json(&s, false);
	assert_string_equal(text, "{\"state\":\"disabled\"}");
	free(text);
	s.state = _CTL_SYNC_STATE_MAX;
	assert_null(ctl_sync_result_json(&s, false));

	r = reply_of(CTL_DAEMON_STATUS, ctlcase_sync(CTL_SYNC_PEER_LOST));
	text = ctl_reply_result_json(&r, false);
	assert_non_null(strstr(text, ",\"sync\":{\"state\":\"peer_lost\",\"peer\":"));
	free(text);
	free_reply(&r);
}

/* text with its first `from` at or after the "sync" member replaced by `to` */
static char *break_sync(const char *good, const char *from, const char *to)
{
	const char *sync = strstr(good, "\"sync\":"), *at = sync ? strstr(sync, from) : NULL;
	size_t n = strlen(good) + strlen(to) + 1;
	char *bad = malloc(n);

	if (!at)
		fail_msg("no %s in the sync object of %s", from, good);
	assert_non_null(bad);
	snprintf(bad, n, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	return bad;
}

static void test_sync_reject(void **state)
{
	static const char *const breaks[][2] = {
		{"\"sync\":{", "\"sync\":[],\"s\":{"},
		{"\"sync\":{", "\"sync\":null,\"s\":{"},
		{"\"sync\":{", "\"sync\":\"in_sync\",\"s\":{"},
		{"\"state\":\"in_sync\"", "\"state\":\"in-sync\""},
		{"\"state\":\"in_sync\"", "\"state\":\"IN_SYNC\""},
		{"\"state\":\"in_sync\"", "\"state\":3"},
		{"\"peer\":\"192.0.2.9\"", "\"peer\":9"},
		{"\"peer\":\"192.0.2.9\"",
		 "\"peer\":\"0123456789012345678901234567890123456789abcdef\""},
		{"\"complete\":true", "\"complete\":1"},
		{"\"peer_complete\":true", "\"peer_complete\":\"yes\""},
		{"\"last_heard_ms\":120", "\"last_heard_ms\":-1"},
		{"\"last_heard_ms\":120", "\"last_heard_ms\":null"},
		{"\"last_heard_ms\":120", "\"last_heard_ms\":1.5"},
		{"\"inflight\":4294967295", "\"inflight\":4294967296"},
		{"\"lag_max_ms\":41", "\"lag_max_ms\":4.1"},
		{"\"sessions\":", "\"sessions\":-"},
		{"\"bulk_last_flows\":", "\"bulk_last_flows\":\"x\",\"b\":"},
		{"\"dropped\":{", "\"dropped\":[],\"d\":{"},
		{"\"table_full\":", "\"table_full\":-"},
	};
	/* every member but last_heard_ms must be there, and every drop reason */
	static const char *const required[] = {
		"state",	   "peer",
		"complete",	   "peer_complete",
		"inflight",	   "lag_ms",
		"lag_max_ms",	   "sessions",
		"datagrams_sent",  "datagrams_received",
		"retransmitted",   "records_sent",
		"records_applied", "bulks_sent",
		"bulks_received",  "bulk_last_ms",
		"bulk_last_flows", "dropped",
		"bad_source",	   "malformed",
		"bad_auth",	   "replayed",
		"no_session",	   "bad_record",
		"table_full",
	};

	(void)state;
	for (size_t m = 0; m < 2; m++) {
		struct ctl_reply in = reply_of(methods[m], ctlcase_sync(CTL_SYNC_IN_SYNC));
		char *good = ctl_reply_format(&in), *bad, from[64], to[64];

		for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
			bad = break_sync(good, breaks[i][0], breaks[i][1]);
			ctlcase_assert_reply_rejected(methods[m], bad);
			free(bad);
		}
		for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
			snprintf(from, sizeof(from), "\"%s\":", required[i]);
			snprintf(to, sizeof(to), "\"x_%s\":", required[i]);
			bad = break_sync(good, from, to);
			ctlcase_assert_reply_rejected(methods[m], bad);
			free(bad);
		}
		free(good);
		free_reply(&in);
	}
}

/* An older daemon sends no "sync"; a newer one may add members and drop reasons. */
static void test_sync_lenient(void **state)
{
	(void)state;
	for (size_t m = 0; m < 2; m++) {
		struct ctl_reply in = reply_of(methods[m], ctlcase_sync(CTL_SYNC_DISABLED)), out;
		char *good = ctl_reply_format(&in), *text;
		const char *sync = strstr(good, ",\"sync\":{\"state\":\"disabled\"}");
		char older[8192];

		assert_non_null(sync);
		snprintf(older, sizeof(older), "%.*s}}", (int)(sync - good), good);
		assert_int_equal(ctl_reply_parse(older, strlen(older), methods[m], &out), 0);
		assert_int_equal(sync_of(&out)->state, CTL_SYNC_DISABLED);
		ctl_reply_free_members(&out);

		/* disabled: the rest is not read */
		text = break_sync(good, "\"disabled\"}", "\"disabled\",\"peer\":5}");
		assert_int_equal(ctl_reply_parse(text, strlen(text), methods[m], &out), 0);
		assert_int_equal(sync_of(&out)->state, CTL_SYNC_DISABLED);
		assert_string_equal(sync_of(&out)->peer, "");
		ctl_reply_free_members(&out);
		free(text);
		free(good);
		free_reply(&in);

		in = reply_of(methods[m], ctlcase_sync(CTL_SYNC_RESYNC));
		good = ctl_reply_format(&in);
		text = break_sync(good, "\"dropped\":{",
				  "\"future\":[1],\"dropped\":{\"later\":1,");
		assert_int_equal(ctl_reply_parse(text, strlen(text), methods[m], &out), 0);
		assert_memory_equal(sync_of(&out), sync_of(&in), sizeof(struct ctl_sync));
		ctl_reply_free_members(&out);
		free(text);
		free(good);
		free_reply(&in);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_names),    cmocka_unit_test(test_sync_roundtrip),
		cmocka_unit_test(test_sync_left_out), cmocka_unit_test(test_sync_result_json),
		cmocka_unit_test(test_sync_reject),   cmocka_unit_test(test_sync_lenient),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
