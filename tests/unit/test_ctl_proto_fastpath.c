// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_proto, the fast path's object "fastpath" of the Stats.Get reply: a round trip with every
 * counter, the lone "enabled":false of a daemon without it, an older daemon's reply without
 * the object, and the objects the parser must refuse.
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

static struct ctl_fastpath sample(void)
{
	struct ctl_fastpath f = {.enabled = true, .flows = 4294967295u};
	uint64_t *c[] = {&f.accepted,  &f.queued,  &f.busy,	&f.unparsed,
			 &f.handovers, &f.imports, &f.reclaims, &f.full};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		*c[i] = 9000 + i;
	for (unsigned i = 0; i < _CTL_FP_RET_MAX; i++)
		f.returned[i] = 100 + i;
	f.full = INT64_MAX;
	return f;
}

static char *roundtrip(struct ctl_fastpath f, struct ctl_fastpath *out)
{
	struct ctl_reply in = {.method = CTL_STATS_GET, .stats = ctlcase_stats(1)}, back;
	char *text;

	in.stats->fastpath = f;
	text = ctlcase_roundtrip_reply(&in, &back);
	*out = back.stats->fastpath;
	ctl_reply_free_members(&back);
	free(in.stats);
	return text;
}

static void test_fastpath_roundtrip(void **state)
{
	struct ctl_fastpath in = sample(), out;
	char *text = roundtrip(in, &out);

	(void)state;
	assert_memory_equal(&out, &in, sizeof(in));
	assert_non_null(strstr(text, "\"fastpath\":{\"enabled\":true,\"flows\":4294967295,"
				     "\"accepted\":9000,\"queued\":9001,"));
	assert_non_null(strstr(text,
			       "\"returned\":{\"flags\":100,\"state\":101,\"auth\":102,"
			       "\"paws\":103,\"stale\":104,\"window\":105,\"checksum\":106}}"));
	free(text);
	assert_string_equal(ctl_fastpath_return_name(CTL_FP_RET_CHECKSUM), "checksum");
	assert_string_equal(ctl_fastpath_return_name(_CTL_FP_RET_MAX), "unknown");
}

static void test_fastpath_off(void **state)
{
	struct ctl_fastpath in = sample(), out, zero = {0};
	char *text;

	(void)state;
	in.enabled = false;
	text = roundtrip(in, &out);
	assert_non_null(strstr(text, "\"fastpath\":{\"enabled\":false},\"queues\":"));
	assert_memory_equal(&out, &zero, sizeof(zero));
	free(text);
}

/* The reply of sample() with one edit to its "fastpath" object; 0 when the parser takes it. */
static int parse_edited(const char *from, const char *to, struct ctl_fastpath *out)
{
	struct ctl_reply in = {.method = CTL_STATS_GET, .stats = ctlcase_stats(1)}, back;
	char *text, *at, edited[8192];
	int r;

	in.stats->fastpath = sample();
	text = ctl_reply_format(&in);
	at = strstr(text, from);
	assert_non_null(at);
	snprintf(edited, sizeof(edited), "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	r = ctl_reply_parse(edited, strlen(edited), CTL_STATS_GET, &back);
	if (r == 0) {
		*out = back.stats->fastpath;
		ctl_reply_free_members(&back);
	}
	free(text);
	free(in.stats);
	return r;
}

static void test_fastpath_rejects(void **state)
{
	struct ctl_fastpath out;
	static const char *const bad[][2] = {
		{"\"enabled\":true", "\"enabled\":1"},
		{"\"flows\":4294967295", "\"flows\":4294967296"},
		{"\"accepted\":9000,", ""},
		{"\"accepted\":9000", "\"accepted\":-1"},
		{"\"window\":105", "\"widow\":105"},
		{"\"fastpath\":{", "\"fastpath\":[{"},
	};

	(void)state;
	assert_int_equal(parse_edited("\"busy\":9002", "\"busy\":9002", &out), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_edited(bad[i][0], bad[i][1], &out) == 0)
			fail_msg("accepted %s for %s", bad[i][1], bad[i][0]);
	/* an older daemon: no object, no fast path */
	assert_int_equal(parse_edited("\"fastpath\":{\"enabled\":true,", "\"old\":{", &out), 0);
	assert_false(out.enabled);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fastpath_roundtrip),
		cmocka_unit_test(test_fastpath_off),
		cmocka_unit_test(test_fastpath_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
