// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * metrics: the Prometheus text of Stats.Get. Every sample belongs to a family announced by HELP
 * and TYPE lines before it, counters end in _total, the values are the counters', and a short
 * buffer gets a cut, NUL-terminated copy and the length the whole needs. Replication's families
 * appear only while it is on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "reason.h"
#include "tcp_track.h"

static struct ctl_stats sample_stats(unsigned n_queues)
{
	struct ctl_stats s;

	memset(&s, 0, sizeof(s));
	s.verdict_accept = 1000;
	s.verdict_drop = 7;
	for (unsigned i = 0; i < _REASON_MAX; i++)
		s.reasons[i] = 100 + i;
	s.states[TCP_TRACK_ESTABLISHED] = 42;
	s.states[TCP_TRACK_TIME_WAIT] = 3;
	s.flows = 45;
	s.max_flows = 262144;
	s.created = 99;
	s.destroyed[3] = 5; /* evicted */
	s.packets = 1234;
	s.lost = 2;
	s.relearned = 1;
	s.pause_max_us = 1500042;
	s.sync.state = CTL_SYNC_RESYNC;
	strcpy(s.sync.peer, "192.0.2.9");
	s.sync.peer_complete = true;
	s.sync.heard = true;
	s.sync.last_heard_ms = 250;
	s.sync.inflight = 4;
	s.sync.lag_ms = 3;
	s.sync.lag_max_ms = 1041;
	s.sync.sessions = 2;
	s.sync.sent = 900;
	s.sync.retransmitted = 6;
	s.sync.bulk_last_ms = 850;
	s.sync.bulk_last_flows = 12000;
	s.sync.dropped[CTL_SYNC_DROP_BAD_AUTH] = 5;
	s.n_queues = n_queues;
	for (unsigned i = 0; i < n_queues; i++)
		s.queues[i] = (struct ctl_queue_stats){
			.num = (uint16_t)(10 + i), .queue_total = i, .id_sequence = 777 + i};
	return s;
}

static char *format(const struct ctl_stats *s)
{
	size_t need = metrics_format(s, NULL, 0);
	char *buf = malloc(need + 1);

	assert_non_null(buf);
	assert_int_equal(metrics_format(s, buf, need + 1), need);
	assert_int_equal(strlen(buf), need);
	return buf;
}

static void expect_line(const char *text, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (!strstr(text, want))
		fail_msg("no line \"%s\" in:\n%s", line, text);
}

static void test_values(void **state)
{
	struct ctl_stats s = sample_stats(2);
	char *t = format(&s), line[128];

	(void)state;
	expect_line(t, "tcpfw_verdicts_total{verdict=\"accept\"} 1000");
	expect_line(t, "tcpfw_verdicts_total{verdict=\"drop\"} 7");
	for (unsigned i = 0; i < _REASON_MAX; i++) {
		snprintf(line, sizeof(line), "tcpfw_reasons_total{reason=\"%s\"} %u",
			 reason_name(i), 100 + i);
		expect_line(t, line);
	}
	expect_line(t, "tcpfw_flows{state=\"ESTABLISHED\"} 42");
	expect_line(t, "tcpfw_flows{state=\"TIME_WAIT\"} 3");
	expect_line(t, "tcpfw_table_entries 45");
	expect_line(t, "tcpfw_table_capacity 262144");
	expect_line(t, "tcpfw_flows_destroyed_total{cause=\"evicted\"} 5");
	expect_line(t, "tcpfw_lost_packets_total 2");
	expect_line(t, "tcpfw_control_pause_max_seconds 1.500042");
	expect_line(t, "tcpfw_queue_packets_total{queue=\"11\"} 778");
	assert_null(strstr(t, "state=\"NONE\""));
	assert_null(strstr(t, "unknown"));
	free(t);
}

/* Replication: a state set, gauges in seconds, counters by reason; nothing while it is off. */
static void test_sync(void **state)
{
	struct ctl_stats s = sample_stats(1);
	char *t = format(&s);

	(void)state;
	expect_line(t, "tcpfw_sync_state{state=\"disabled\"} 0");
	expect_line(t, "tcpfw_sync_state{state=\"connecting\"} 0");
	expect_line(t, "tcpfw_sync_state{state=\"resync\"} 1");
	expect_line(t, "tcpfw_sync_state{state=\"in_sync\"} 0");
	expect_line(t, "tcpfw_sync_state{state=\"peer_lost\"} 0");
	expect_line(t, "tcpfw_sync_complete 0");
	expect_line(t, "tcpfw_sync_peer_complete 1");
	expect_line(t, "tcpfw_sync_last_heard_seconds 0.250");
	expect_line(t, "tcpfw_sync_inflight 4");
	expect_line(t, "tcpfw_sync_lag_seconds 0.003");
	expect_line(t, "tcpfw_sync_lag_max_seconds 1.041");
	expect_line(t, "tcpfw_sync_bulk_last_seconds 0.850");
	expect_line(t, "tcpfw_sync_bulk_last_flows 12000");
	expect_line(t, "tcpfw_sync_sessions_total 2");
	expect_line(t, "tcpfw_sync_datagrams_sent_total 900");
	expect_line(t, "tcpfw_sync_datagrams_retransmitted_total 6");
	expect_line(t, "tcpfw_sync_records_applied_total 0");
	expect_line(t, "tcpfw_sync_dropped_total{reason=\"bad_auth\"} 5");
	expect_line(t, "tcpfw_sync_dropped_total{reason=\"table_full\"} 0");
	free(t);

	s.sync.heard = false; /* no time since a peer never heard */
	t = format(&s);
	assert_null(strstr(t, "tcpfw_sync_last_heard_seconds"));
	assert_non_null(strstr(t, "tcpfw_sync_lag_seconds"));
	free(t);

	s.sync.state = CTL_SYNC_DISABLED;
	t = format(&s);
	assert_null(strstr(t, "tcpfw_sync"));
	free(t);
}

/* Every sample's family was announced, HELP then TYPE; counters end in _total. */
static void test_structure(void **state)
{
	for (unsigned q = 0; q <= 1; q++) {
		struct ctl_stats s = sample_stats(q);

		if (!q) /* replication off, and on, as the queues */
			s.sync.state = CTL_SYNC_DISABLED;
		char *t = format(&s), *save = NULL, family[64] = "", type[16] = "";
		bool help = false;

		(void)state;
		assert_true(t[strlen(t) - 1] == '\n');
		for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char name[64];

			if (sscanf(l, "# HELP %63s", name) == 1) {
				snprintf(family, sizeof(family), "%s", name);
				help = true;
				type[0] = '\0';
				continue;
			}
			if (sscanf(l, "# TYPE %63s %15s", name, type) == 2) {
				assert_true(help);
				assert_string_equal(name, family);
				if (!strcmp(type, "counter"))
					assert_non_null(strstr(name, "_total"));
				continue;
			}
			assert_int_not_equal(l[0], '#');
			size_t n = strcspn(l, "{ ");
			assert_true(n == strlen(family) && !strncmp(l, family, n));
			assert_true(type[0] != '\0');
		}
		/* without per-queue counters the queue families are left out */
		free(t);
		t = format(&s);
		assert_true((strstr(t, "tcpfw_queue_waiting") != NULL) == (q > 0));
		assert_true((strstr(t, "tcpfw_sync_state") != NULL) == (q > 0));
		free(t);
	}
}

static void test_short_buffer(void **state)
{
	struct ctl_stats s = sample_stats(1);
	char *whole = format(&s), small[100];

	(void)state;
	memset(small, 'x', sizeof(small));
	size_t need = metrics_format(&s, small, sizeof(small));
	assert_int_equal(need, strlen(whole));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, whole, sizeof(small) - 1);
	assert_int_equal(metrics_format(&s, NULL, 0), need);
	free(whole);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
