// SPDX-License-Identifier: GPL-2.0-or-later
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

#include "config.h"

/* Every key and its default as conf/tcpfwd.conf writes it, in the file's order. */
static const struct {
	const char *name;
	const char *value;
} defaults[] = {
	{"version", "1"},
	{"queue.num", "0"},
	{"queue.count", "1"},
	{"queue.maxlen", "4096"},
	{"queue.copy_range", "128"},
	{"queue.fail_open", "true"},
	{"queue.rcvbuf", "8388608"},
	{"table.max_flows", "262144"},
	{"table.buckets", "0"},
	{"table.accounting", "false"},
	{"tcp.pickup", "false"},
	{"tcp.window_check", "true"},
	{"tcp.max_retrans", "3"},
	{"tcp.time_wait.policy", "\"enforce\""},
	{"tcp.time_wait.duration", "120"},
	{"tcp.time_wait.shortened", "30"},
	{"tcp.time_wait.minimum", "1"},
	{"tcp.time_wait.adaptive_start", "60"},
	{"tcp.time_wait.adaptive_end", "100"},
	{"tcp.timeouts.syn_sent", "120"},
	{"tcp.timeouts.syn_recv", "60"},
	{"tcp.timeouts.established", "432000"},
	{"tcp.timeouts.fin_wait", "120"},
	{"tcp.timeouts.close_wait", "60"},
	{"tcp.timeouts.last_ack", "30"},
	{"tcp.timeouts.close", "10"},
	{"tcp.timeouts.max_retrans", "300"},
	{"tcp.timeouts.unacknowledged", "300"},
	{"logging.level", "\"info\""},
	{"logging.log_invalid", "false"},
	{"logging.rate_limit", "20"},
	{"control.socket", "\"/run/tcpfwd/control.sock\""},
	{"control.group", "\"\""},
	{"control.admin_group", "\"\""},
	{"control.max_clients", "64"},
	{"control.max_request", "65536"},
	{"control.idle_timeout", "60"},
	{"state.directory", "\"/var/lib/tcpfwd\""},
	{"state.runtime_directory", "\"/run/tcpfwd\""},
	{"sync.enabled", "false"},
	{"sync.local", "\"\""},
	{"sync.peer", "\"\""},
	{"sync.port", "7469"},
	{"sync.interface", "\"\""},
	{"sync.key_file", "\"/etc/tcpfwd/sync.key\""},
	{"sync.update_delay_ms", "500"},
	{"sync.timeout", "3"},
	{"fastpath.enabled", "false"},
	{"fastpath.interfaces", "\"\""},
	{"fastpath.mark", "268435456"},
	{"fastpath.max_flows", "262144"},
};
#define N_KEYS (sizeof(defaults) / sizeof(defaults[0]))

static char err[CONFIG_ERROR_MAX];

/* Collects what config_param_foreach() reports. */
struct seen {
	size_t n;
	char name[64][CONFIG_PARAM_NAME_MAX];
	char value[64][CONFIG_PARAM_VALUE_MAX];
};

static void collect(const char *name, const char *value, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 64);
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
	snprintf(s->value[s->n], sizeof(s->value[0]), "%s", value);
	s->n++;
}

/* Splits "a.b.c" into its parts; returns how many. */
static int split(const char *name, char parts[4][CONFIG_PARAM_NAME_MAX])
{
	int n = 0;

	for (const char *p = name; n < 4; p += strcspn(p, ".") + 1) {
		snprintf(parts[n++], CONFIG_PARAM_NAME_MAX, "%.*s", (int)strcspn(p, "."), p);
		if (!p[strcspn(p, ".")])
			break;
	}
	return n;
}

/*
 * Renders a config as a libconfig file from config_param_foreach(). The keys of a group come
 * together in schema order, so a group is opened and closed as the dotted prefix changes.
 */
static void render(const struct config *c, char *text, size_t len)
{
	struct seen *s = calloc(1, sizeof(*s));
	char prev[4][CONFIG_PARAM_NAME_MAX], cur[4][CONFIG_PARAM_NAME_MAX];
	int open = 0;
	size_t used = 0;

	assert_non_null(s);
	config_param_foreach(c, collect, s);
	for (size_t i = 0; i < s->n; i++) {
		int depth = split(s->name[i], cur) - 1, common = 0;

		while (common < open && common < depth && strcmp(prev[common], cur[common]) == 0)
			common++;
		for (; open > common; open--)
			used += (size_t)snprintf(text + used, len - used, "};\n");
		for (; open < depth; open++)
			used += (size_t)snprintf(text + used, len - used, "%s = {\n", cur[open]);
		used += (size_t)snprintf(text + used, len - used, "%s = %s;\n", cur[depth],
					 s->value[i]);
		memcpy(prev, cur, sizeof(prev));
		assert_true(used < len);
	}
	for (; open > 0; open--)
		used += (size_t)snprintf(text + used, len - used, "};\n");
	assert_true(used < len);
	free(s);
}

static void assert_set_ok(struct config *c, const char *name, const char *value)
{
	memset(err, 'x', sizeof(err));
	if (config_param_set(c, name, value, err, sizeof(err)) != 0)
		fail_msg("set %s = %s: %s", name, value, err);
	assert_string_equal(err, "");
}

/* Fails unless the set is refused with r, a one-line message containing want, c untouched. */
static void assert_set_fails(struct config *c, const char *name, const char *value, int r,
			     const char *want)
{
	struct config before;
	int got;

	memcpy(&before, c, sizeof(before));
	memset(err, 'x', sizeof(err));
	got = config_param_set(c, name, value, err, sizeof(err));
	if (got != r || !strstr(err, want) || strchr(err, '\n'))
		fail_msg("set %s = %s: got %d \"%s\", want %d \"...%s...\"", name, value, got, err,
			 r, want);
	assert_memory_equal(c, &before, sizeof(before));
}

static void assert_get(const struct config *c, const char *name, const char *want)
{
	char out[CONFIG_PARAM_VALUE_MAX];

	assert_int_equal(config_param_get(c, name, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_get_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	for (size_t i = 0; i < N_KEYS; i++)
		assert_get(&c, defaults[i].name, defaults[i].value);
}

static char *read_shipped_conf(void)
{
	FILE *f = fopen("conf/tcpfwd.conf", "r");
	char *text = calloc(1, 65536);
	size_t n;

	assert_non_null(f);
	assert_non_null(text);
	n = fread(text, 1, 65535, f);
	assert_true(n > 0 && n < 65535);
	fclose(f);
	return text;
}

/* Each default, as get writes it, is what the shipped file writes: "leaf = value;". */
static void test_get_is_shipped_text(void **state)
{
	char *text = read_shipped_conf(), out[CONFIG_PARAM_VALUE_MAX],
	     needle[CONFIG_PARAM_VALUE_MAX + 80];
	struct config c;

	(void)state;
	config_defaults(&c);
	for (size_t i = 0; i < N_KEYS; i++) {
		const char *leaf = strrchr(defaults[i].name, '.'), *hit;

		assert_int_equal(config_param_get(&c, defaults[i].name, out, sizeof(out)), 0);
		snprintf(needle, sizeof(needle), "%s = %s;\n", leaf ? leaf + 1 : defaults[i].name,
			 out);
		for (hit = strstr(text, needle);
		     hit && hit > text && hit[-1] != ' ' && hit[-1] != '\n';
		     hit = strstr(hit + 1, needle))
			;
		if (!hit)
			fail_msg("conf/tcpfwd.conf has no line \"%s\"", needle);
	}
	free(text);
}

static void test_foreach_order(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct config c;

	(void)state;
	assert_non_null(s);
	config_defaults(&c);
	config_param_foreach(&c, collect, s);
	assert_int_equal(s->n, N_KEYS);
	for (size_t i = 0; i < N_KEYS; i++) {
		assert_string_equal(s->name[i], defaults[i].name);
		assert_string_equal(s->value[i], defaults[i].value);
	}
	free(s);
}

/* What get writes is libconfig text that config_parse reads back to the same config. */
static void test_get_reparses(void **state)
{
	static const char text[] =
		"queue = { num = 7; count = 4; maxlen = 100; copy_range = 200;\n"
		"  fail_open = false; rcvbuf = 65536; };\n"
		"table = { max_flows = 1000; buckets = 512; };\n"
		"tcp = { pickup = true; window_check = false; max_retrans = 9;\n"
		"  time_wait = { policy = \"shorten\"; duration = 240; shortened = 20;\n"
		"    minimum = 2; adaptive_start = 50; adaptive_end = 150; };\n"
		"  timeouts = { syn_sent = 1; syn_recv = 2; established = 7440; fin_wait = 4;\n"
		"    close_wait = 5; last_ack = 6; close = 7; max_retrans = 8;\n"
		"    unacknowledged = 9; }; };\n"
		"logging = { level = \"debug\"; log_invalid = true; rate_limit = 0; };\n"
		"control = { socket = \"/tmp/a \\\"b\\\\c.sock\"; group = \"ops\";\n"
		"  admin_group = \"wheel\"; max_clients = 5; max_request = 2048;\n"
		"  idle_timeout = 9; };\n"
		"state = { directory = \"/srv/tcpfwd\"; };\n";
	static char out[8192];
	struct config c, d;

	(void)state;
	assert_int_equal(config_parse(text, "t.conf", &c, err, sizeof(err)), 0);
	assert_get(&c, "control.socket", "\"/tmp/a \\\"b\\\\c.sock\"");
	assert_get(&c, "tcp.time_wait.policy", "\"shorten\"");
	assert_get(&c, "tcp.timeouts.established", "7440");
	assert_get(&c, "logging.level", "\"debug\"");
	render(&c, out, sizeof(out));
	if (config_parse(out, "rendered", &d, err, sizeof(err)) != 0)
		fail_msg("%s\n%s", err, out);
	assert_memory_equal(&c, &d, sizeof(c));

	config_defaults(&c);
	render(&c, out, sizeof(out));
	assert_int_equal(config_parse(out, "rendered", &d, err, sizeof(err)), 0);
	assert_memory_equal(&c, &d, sizeof(c));
}

static void test_get_errors(void **state)
{
	static const char *const unknown[] = {
		"",
		"tcp",
		"tcp.",
		"tcp.timeouts",
		".tcp.pickup",
		"tcp..pickup",
		"tcp.pickup.x",
		"tcp.nope",
		"TCP.PICKUP",
		"tcp.pickup ",
	};
	char out[CONFIG_PARAM_VALUE_MAX];
	struct config c;

	(void)state;
	config_defaults(&c);
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_int_equal(config_param_get(&c, unknown[i], out, sizeof(out)), -ENOENT);
	assert_int_equal(config_param_get(&c, "tcp.timeouts.established", out, 6), -ENOSPC);
	assert_int_equal(config_param_get(&c, "tcp.timeouts.established", out, 7), 0);
	assert_string_equal(out, "432000");
	assert_int_equal(config_param_get(&c, "state.directory", out, 17), -ENOSPC);
	assert_int_equal(config_param_get(&c, "state.directory", out, 18), 0);
	assert_int_equal(config_param_get(&c, "tcp.time_wait.policy", out, 9), -ENOSPC);
	assert_int_equal(config_param_get(&c, "tcp.time_wait.policy", out, 10), 0);
}

static void test_set_valid(void **state)
{
	struct config c, d;

	(void)state;
	config_defaults(&c);
	assert_set_ok(&c, "tcp.timeouts.established", "7440");
	assert_int_equal(c.tcp.timeouts.established_ms, 7440000);
	assert_get(&c, "tcp.timeouts.established", "7440");
	assert_set_ok(&c, "tcp.timeouts.established", "2147483647");
	assert_int_equal(c.tcp.timeouts.established_ms, 2147483647000ULL);
	assert_set_ok(&c, "tcp.time_wait.policy", "\"shorten\"");
	assert_int_equal(c.tcp.time_wait.policy, CONFIG_TW_SHORTEN);
	assert_set_ok(&c, "tcp.pickup", "true");
	assert_true(c.tcp.pickup);
	assert_set_ok(&c, "tcp.window_check", "FALSE"); /* libconfig booleans ignore case */
	assert_false(c.tcp.window_check);
	assert_set_ok(&c, "tcp.max_retrans", " 0x10 "); /* hex, surrounding blanks */
	assert_int_equal(c.tcp.max_retrans, 16);
	assert_set_ok(&c, "tcp.max_retrans", "+255L");
	assert_int_equal(c.tcp.max_retrans, 255);
	assert_set_ok(&c, "logging.level", "\"debug\"");
	assert_int_equal(c.logging.level, CONFIG_LOG_DEBUG);
	assert_set_ok(&c, "logging.level", "\"\\x65mer\\x67\""); /* "emerg" with \x escapes */
	assert_int_equal(c.logging.level, CONFIG_LOG_EMERG);
	assert_set_ok(&c, "logging.rate_limit", "0");
	assert_int_equal(c.logging.rate_limit, 0);
	assert_set_ok(&c, "logging.log_invalid", "true");
	assert_true(c.logging.log_invalid);
	assert_set_ok(&c, "tcp.time_wait.adaptive_end", "200");
	assert_int_equal(c.tcp.time_wait.adaptive_end_pct, 200);

	/* A set equals the same key in a file. */
	assert_int_equal(config_parse("tcp = { timeouts = { established = 7440; }; "
				      "time_wait = { policy = \"shorten\"; }; };",
				      "t.conf", &d, err, sizeof(err)),
			 0);
	config_defaults(&c);
	assert_set_ok(&c, "tcp.timeouts.established", "7440");
	assert_set_ok(&c, "tcp.time_wait.policy", "\"shorten\"");
	assert_memory_equal(&c, &d, sizeof(c));
}

static void test_set_wrong_types(void **state)
{
	static const struct {
		const char *name, *value, *want;
	} cases[] = {
		{"tcp.pickup", "1",
		 "'tcp.pickup' must be a boolean (true or false), not an integer"},
		{"tcp.pickup", "\"true\"", "must be a boolean (true or false), not a string"},
		{"tcp.pickup", "1.0", "not a float"},
		{"tcp.timeouts.established", "\"432000\"", "must be an integer, not a string"},
		{"tcp.timeouts.established", "30.5", "must be an integer, not a float"},
		{"tcp.timeouts.established", "1e3", "must be an integer, not a float"},
		{"tcp.timeouts.established", "true", "must be an integer, not a boolean"},
		{"tcp.time_wait.policy", "1", "must be a string, not an integer"},
		{"tcp.time_wait.policy", "shorten", "is not a value"},
		{"tcp.time_wait.policy", "\"shorten", "is not a value"},
		{"tcp.time_wait.policy", "\"shorten\" \"x\"", "is not a value"},
		{"tcp.time_wait.policy", "\"a\\qb\"", "is not a value"},
		{"tcp.time_wait.policy", "\"a\\x00b\"", "is not a value"},
		{"tcp.max_retrans", "", "is not a value"},
		{"tcp.max_retrans", "  ", "is not a value"},
		{"tcp.max_retrans", "3;", "is not a value"},
		{"tcp.max_retrans", "0x", "is not a value"},
		{"tcp.max_retrans", "-0x5", "is not a value"},
		{"tcp.max_retrans", "tru", "is not a value"},
		{"tcp.max_retrans", "3 4", "is not a value"},
		{"tcp.max_retrans", ".", "is not a value"},
		{"tcp.max_retrans", "99999999999999999999", "integer 99999999999999999999 is out"},
	};
	struct config c;

	(void)state;
	config_defaults(&c);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_set_fails(&c, cases[i].name, cases[i].value, -EINVAL, cases[i].want);
	assert_set_fails(&c, "tcp.pickup", NULL, -EINVAL, "is not a value");
}

/* Range and enum errors say exactly what config_parse says about the same key in a file. */
static void test_set_ranges_match_file(void **state)
{
	static const struct {
		const char *name, *value, *file;
	} cases[] = {
		{"tcp.timeouts.established", "7439",
		 "tcp = { timeouts = { established = 7439; }; };"},
		{"tcp.timeouts.syn_sent", "0", "tcp = { timeouts = { syn_sent = 0; }; };"},
		{"tcp.timeouts.close", "2147483648",
		 "tcp = { timeouts = { close = 2147483648L; }; };"},
		{"tcp.max_retrans", "0", "tcp = { max_retrans = 0; };"},
		{"tcp.max_retrans", "256", "tcp = { max_retrans = 256; };"},
		{"tcp.time_wait.adaptive_start", "101",
		 "tcp = { time_wait = { adaptive_start = 101; }; };"},
		{"tcp.time_wait.adaptive_end", "1",
		 "tcp = { time_wait = { adaptive_end = 1; }; };"},
		{"logging.rate_limit", "-1", "logging = { rate_limit = -1; };"},
		{"logging.rate_limit", "1000001", "logging = { rate_limit = 1000001; };"},
		{"tcp.time_wait.policy", "\"strict\"",
		 "tcp = { time_wait = { policy = \"strict\"; }; };"},
		{"logging.level", "\"INFO\"", "logging = { level = \"INFO\"; };"},
		{"tcp.time_wait.shortened", "121", "tcp = { time_wait = { shortened = 121; }; };"},
		{"tcp.time_wait.minimum", "31", "tcp = { time_wait = { minimum = 31; }; };"},
		{"tcp.time_wait.duration", "29", "tcp = { time_wait = { duration = 29; }; };"},
		{"tcp.time_wait.adaptive_start", "100",
		 "tcp = { time_wait = { adaptive_start = 100; }; };"},
		{"tcp.time_wait.adaptive_end", "60",
		 "tcp = { time_wait = { adaptive_end = 60; }; };"},
	};
	char file_err[CONFIG_ERROR_MAX];
	struct config c, d;

	(void)state;
	config_defaults(&c);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *msg;

		assert_int_equal(
			config_parse(cases[i].file, "t.conf", &d, file_err, sizeof(file_err)),
			-EINVAL);
		msg = strstr(file_err, ": ");
		assert_non_null(msg);
		assert_set_fails(&c, cases[i].name, cases[i].value, -EINVAL, msg + 2);
		assert_string_equal(err, msg + 2);
	}
}

static void test_set_range_messages(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_set_fails(
		&c, "tcp.timeouts.established", "7439", -EINVAL,
		"'tcp.timeouts.established' is 7439 s, allowed range is 7440..2147483647 s "
		"(RFC 5382 REQ-5");
	assert_set_fails(&c, "tcp.time_wait.policy", "\"strict\"", -EINVAL,
			 "'tcp.time_wait.policy' is \"strict\", expected one of: enforce, shorten");
	assert_set_fails(&c, "tcp.time_wait.shortened", "121", -EINVAL,
			 "'tcp.time_wait.shortened' (121 s) must not exceed "
			 "'tcp.time_wait.duration' (120 s)");
	assert_set_fails(&c, "tcp.time_wait.adaptive_end", "60", -EINVAL,
			 "'tcp.time_wait.adaptive_end' (60) must be greater than "
			 "'tcp.time_wait.adaptive_start' (60)");
}

static void test_set_cross_field(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	/* Each step keeps shortened <= duration and minimum <= shortened. */
	assert_set_ok(&c, "tcp.time_wait.duration", "300");
	assert_set_ok(&c, "tcp.time_wait.shortened", "300");
	assert_set_ok(&c, "tcp.time_wait.minimum", "300");
	assert_set_fails(&c, "tcp.time_wait.shortened", "299", -EINVAL,
			 "'tcp.time_wait.minimum' (300 s) must not exceed "
			 "'tcp.time_wait.shortened' (299 s)");
	assert_set_fails(&c, "tcp.time_wait.duration", "299", -EINVAL, "must not exceed");
	assert_set_ok(&c, "tcp.time_wait.minimum", "1");
	assert_set_ok(&c, "tcp.time_wait.shortened", "2");
	assert_set_ok(&c, "tcp.time_wait.duration", "2");
	assert_int_equal(c.tcp.time_wait.duration_ms, 2000);
	/* adaptive_end > adaptive_start, whichever moves. */
	assert_set_ok(&c, "tcp.time_wait.adaptive_end", "61");
	assert_set_fails(&c, "tcp.time_wait.adaptive_start", "61", -EINVAL, "must be greater");
	assert_set_ok(&c, "tcp.time_wait.adaptive_start", "1");
	assert_set_ok(&c, "tcp.time_wait.adaptive_end", "2");
	/* The rules hold whatever the policy. */
	assert_set_ok(&c, "tcp.time_wait.policy", "\"enforce\"");
	assert_set_fails(&c, "tcp.time_wait.shortened", "3", -EINVAL, "must not exceed");
}

static void test_set_not_settable(void **state)
{
	static const char *const fixed[] = {
		"version",
		"queue.num",
		"queue.count",
		"queue.maxlen",
		"queue.copy_range",
		"queue.fail_open",
		"queue.rcvbuf",
		"table.max_flows",
		"table.buckets",
		"control.socket",
		"control.group",
		"control.admin_group",
		"control.max_clients",
		"control.max_request",
		"control.idle_timeout",
		"state.directory",
		"state.runtime_directory",
		"sync.enabled",
		"sync.peer",
		"sync.key_file",
		"sync.update_delay_ms",
	};
	struct config c;
	char want[128];

	(void)state;
	config_defaults(&c);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		snprintf(want, sizeof(want), "'%s' cannot change at run time", fixed[i]);
		assert_set_fails(&c, fixed[i], "1", -EPERM, want);
		assert_set_fails(&c, fixed[i], "garbage", -EPERM, "restart");
		assert_false(config_param_settable(fixed[i]));
	}
	for (size_t i = 0; i < N_KEYS; i++) {
		bool runtime = strncmp(defaults[i].name, "tcp.", 4) == 0 ||
			       strncmp(defaults[i].name, "logging.", 8) == 0 ||
			       strcmp(defaults[i].name, "table.accounting") == 0;

		assert_int_equal(config_param_settable(defaults[i].name), runtime);
		/* Setting a settable key to its own value always works. */
		if (runtime)
			assert_set_ok(&c, defaults[i].name, defaults[i].value);
	}
	assert_false(config_param_settable("tcp"));
	assert_false(config_param_settable("tcp.nope"));
	assert_false(config_param_settable(NULL));
}

static void test_set_unknown(void **state)
{
	static const char *const unknown[] = {
		"tcp.nope", "tcp", "tcp.timeouts", "logging.", "", "nope.level", "tcp.pickup.x",
	};
	struct config c;

	(void)state;
	config_defaults(&c);
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_set_fails(&c, unknown[i], "1", -ENOENT, "unknown parameter '");
	assert_set_fails(&c, "tcp.\x01\xff", "1", -ENOENT,
			 "unknown parameter 'tcp.?"
			 "?'");
	assert_set_fails(&c, NULL, "1", -ENOENT, "unknown parameter ''");
}

struct words {
	char list[16][32];
	size_t n;
};

static void collect_word(const char *word, void *arg)
{
	struct words *w = arg;

	assert_true(w->n < 16);
	snprintf(w->list[w->n++], sizeof(w->list[0]), "%s", word);
}

/* Each key's words (what the bash completion offers): the default is one of them, and each one
 * is a value set-param accepts. */
static void check_words(const char *name, const char *value, void *arg)
{
	struct words w = {.n = 0};
	struct config c;
	char text[40], msg[256];
	bool has_default = false;
	int n = config_param_words(name, collect_word, &w);

	(void)arg;
	assert_int_equal(n, (int)w.n);
	if (!strcmp(value, "true") || !strcmp(value, "false"))
		assert_int_equal(n, 2);
	for (size_t i = 0; i < w.n; i++) {
		bool is_bool = !strcmp(w.list[i], "true") || !strcmp(w.list[i], "false");

		snprintf(text, sizeof(text), is_bool ? "%s" : "\"%s\"", w.list[i]);
		has_default |= !strcmp(text, value);
		config_defaults(&c);
		if (config_param_settable(name) &&
		    config_param_set(&c, name, text, msg, sizeof(msg)))
			fail_msg("%s %s: %s", name, text, msg);
	}
	if (n)
		assert_true(has_default);
}

static void test_words(void **state)
{
	struct config c;
	struct words w = {.n = 0};
	int n;

	(void)state;
	config_defaults(&c);
	config_param_foreach(&c, check_words, NULL);
	n = config_param_words("tcp.time_wait.policy", collect_word, &w);
	assert_int_equal(n, (int)w.n);
	assert_true(n >= 2);
	assert_string_equal(w.list[0], "enforce");
	assert_int_equal(config_param_words("tcp.timeouts.established", collect_word, &w), 0);
	assert_int_equal(config_param_words("tcp.timeouts", collect_word, &w), -ENOENT);
	assert_int_equal(config_param_words("nope", collect_word, &w), -ENOENT);
}

static void test_err_buffer(void **state)
{
	struct config c, before;
	char small[8];

	(void)state;
	config_defaults(&c);
	memcpy(&before, &c, sizeof(c));
	assert_int_equal(config_param_set(&c, "tcp.max_retrans", "0", NULL, 0), -EINVAL);
	assert_int_equal(config_param_set(&c, "tcp.max_retrans", "0", small, 0), -EINVAL);
	assert_int_equal(config_param_set(&c, "tcp.max_retrans", "0", small, sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "'tcp.ma");
	assert_memory_equal(&c, &before, sizeof(c));
	assert_int_equal(config_param_set(&c, "tcp.max_retrans", "4", NULL, 0), 0);
	assert_int_equal(c.tcp.max_retrans, 4);
}

static void test_reload_keep(void **state)
{
	static const char text[] = "queue = { count = 2; };\n"
				   "table = { max_flows = 1000; accounting = true; };\n"
				   "tcp = { pickup = true; };\n"
				   "logging = { log_invalid = true; rate_limit = 5; };\n"
				   "state = { directory = \"/srv/tcpfwd\"; };\n";
	struct config running, next, want;
	char changed[128], small[10];

	(void)state;
	config_defaults(&running);
	assert_int_equal(config_parse(text, "t", &next, err, sizeof(err)), 0);
	want = next;
	assert_int_equal(config_reload_keep(&running, &next, changed, sizeof(changed)), 3);
	assert_string_equal(changed, "queue.count, table.max_flows, state.directory");
	/* what set-param may change is applied, logging.log_invalid and rate_limit included */
	assert_true(next.logging.log_invalid);
	assert_int_equal(next.logging.rate_limit, 5);
	assert_true(next.table.accounting);
	assert_true(next.tcp.pickup);
	/* the rest keeps the running values */
	assert_int_equal(next.queue.count, 1);
	assert_int_equal(next.table.max_flows, running.table.max_flows);
	assert_string_equal(next.state.directory, running.state.directory);
	/* every key on its own: kept exactly when set-param refuses it */
	for (size_t i = 0; i < N_KEYS; i++) {
		struct config a, b;
		char value[CONFIG_PARAM_VALUE_MAX], before[CONFIG_PARAM_VALUE_MAX];

		config_defaults(&a);
		b = want;
		assert_int_equal(config_param_get(&b, defaults[i].name, before, sizeof(before)), 0);
		config_reload_keep(&a, &b, NULL, 0);
		assert_int_equal(config_param_get(&b, defaults[i].name, value, sizeof(value)), 0);
		if (config_param_settable(defaults[i].name))
			assert_string_equal(value, before);
		else
			assert_string_equal(value, defaults[i].value);
	}
	/* a short buffer is truncated, NUL-terminated */
	next = want;
	assert_int_equal(config_reload_keep(&running, &next, small, sizeof(small)), 3);
	assert_string_equal(small, "queue.cou");
	next = running;
	assert_int_equal(config_reload_keep(&running, &next, changed, sizeof(changed)), 0);
	assert_string_equal(changed, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_defaults),
		cmocka_unit_test(test_get_is_shipped_text),
		cmocka_unit_test(test_foreach_order),
		cmocka_unit_test(test_get_reparses),
		cmocka_unit_test(test_get_errors),
		cmocka_unit_test(test_set_valid),
		cmocka_unit_test(test_set_wrong_types),
		cmocka_unit_test(test_set_ranges_match_file),
		cmocka_unit_test(test_set_range_messages),
		cmocka_unit_test(test_set_cross_field),
		cmocka_unit_test(test_set_not_settable),
		cmocka_unit_test(test_set_unknown),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_reload_keep),
		cmocka_unit_test(test_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
