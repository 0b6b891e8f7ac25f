// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config_lex: the one lexer of libconfig text behind config.c's pre-scan and config_param.c's
 * values. A file's tokens in order, with their lines; integers at the edges each reader applies
 * (int32, int64, 2^64) in decimal and hex, with signs and L/LL; floats and what is not one;
 * names and booleans; strings and block comments, closed and open, with their newlines;
 * @include only at a line start; the string escapes; and no token read past end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_lex.h"

/* The one token of s, which must span all of it; s is copied to an exact-size buffer. */
static struct config_lex_token one(const char *s, enum config_lex_kind kind)
{
	size_t n = strlen(s);
	char *copy = malloc(n);
	struct config_lex_token t;

	assert_non_null(copy);
	memcpy(copy, s, n);
	assert_ptr_equal(config_lex_next(copy, copy + n, false, &t), copy + n);
	assert_int_equal(t.kind, kind);
	assert_int_equal(t.len, n);
	free(copy);
	t.start = NULL; /* freed */
	return t;
}

/* The length of the first token of s, with its kind. */
static size_t first(const char *s, enum config_lex_kind kind)
{
	struct config_lex_token t;
	const char *end = config_lex_next(s, s + strlen(s), false, &t);

	assert_int_equal(t.kind, kind);
	return (size_t)(end - s);
}

static void test_file(void **state)
{
	static const char text[] = "# c\nversion = 1; // x\n/* a\nb */ s = \"q\\\"\n\";\n"
				   "  @include \"f\"\n";
	static const struct {
		enum config_lex_kind kind;
		const char *text;
		unsigned line;
	} want[] = {
		{CONFIG_LEX_LINE_COMMENT, "# c", 1},
		{CONFIG_LEX_NEWLINE, "\n", 1},
		{CONFIG_LEX_NAME, "version", 2},
		{CONFIG_LEX_OTHER, " ", 2},
		{CONFIG_LEX_OTHER, "=", 2},
		{CONFIG_LEX_OTHER, " ", 2},
		{CONFIG_LEX_INT, "1", 2},
		{CONFIG_LEX_OTHER, ";", 2},
		{CONFIG_LEX_OTHER, " ", 2},
		{CONFIG_LEX_LINE_COMMENT, "// x", 2},
		{CONFIG_LEX_NEWLINE, "\n", 2},
		{CONFIG_LEX_BLOCK_COMMENT, "/* a\nb */", 3},
		{CONFIG_LEX_OTHER, " ", 4},
		{CONFIG_LEX_NAME, "s", 4},
		{CONFIG_LEX_OTHER, " ", 4},
		{CONFIG_LEX_OTHER, "=", 4},
		{CONFIG_LEX_OTHER, " ", 4},
		{CONFIG_LEX_STRING, "\"q\\\"\n\"", 4},
		{CONFIG_LEX_OTHER, ";", 5},
		{CONFIG_LEX_NEWLINE, "\n", 5},
		{CONFIG_LEX_INCLUDE, "  @include ", 6},
		{CONFIG_LEX_STRING, "\"f\"", 6},
		{CONFIG_LEX_NEWLINE, "\n", 6},
	};
	const char *p = text, *end = text + strlen(text);
	struct config_lex_token t;
	unsigned line = 1, i = 0;

	(void)state;
	while (p < end) {
		p = config_lex_next(p, end, p == text || p[-1] == '\n', &t);
		assert_true(i < sizeof(want) / sizeof(want[0]));
		assert_int_equal(t.kind, want[i].kind);
		assert_int_equal(t.len, strlen(want[i].text));
		assert_memory_equal(t.start, want[i].text, t.len);
		assert_int_equal(line, want[i].line);
		line += t.newlines;
		i++;
	}
	assert_int_equal(i, sizeof(want) / sizeof(want[0]));
}

static void test_integers(void **state)
{
	struct config_lex_token t;

	(void)state;
	t = one("2147483647", CONFIG_LEX_INT);
	assert_int_equal(t.magnitude, 2147483647);
	assert_false(t.neg || t.over || t.wide);
	t = one("-2147483648", CONFIG_LEX_INT);
	assert_true(t.neg);
	assert_int_equal(t.magnitude, 2147483648u);
	t = one("+42L", CONFIG_LEX_INT);
	assert_true(t.wide && !t.neg);
	assert_int_equal(t.magnitude, 42);
	t = one("9223372036854775808LL", CONFIG_LEX_INT);
	assert_true(t.wide && !t.over);
	assert_int_equal(t.magnitude, 9223372036854775808ull);
	t = one("18446744073709551615", CONFIG_LEX_INT);
	assert_false(t.over);
	assert_int_equal(t.magnitude, UINT64_MAX);
	assert_true(one("18446744073709551616", CONFIG_LEX_INT).over);
	assert_true(one("99999999999999999999L", CONFIG_LEX_INT).over);
	t = one("0xFFffFFff", CONFIG_LEX_INT);
	assert_int_equal(t.magnitude, 0xffffffffu);
	t = one("0X7fffffffffffffffL", CONFIG_LEX_INT);
	assert_true(t.wide);
	assert_int_equal(t.magnitude, INT64_MAX);
	assert_false(one("0xffffffffffffffff", CONFIG_LEX_INT).over);
	assert_true(one("0x10000000000000000L", CONFIG_LEX_INT).over);
	/* what ends an integer: no sign before 0x, 0x needs a digit, only L is a suffix */
	assert_int_equal(first("-0x5", CONFIG_LEX_INT), 2);
	assert_int_equal(first("+0x5", CONFIG_LEX_INT), 2);
	assert_int_equal(first("0x", CONFIG_LEX_INT), 1);
	assert_int_equal(first("0xg", CONFIG_LEX_INT), 1);
	assert_int_equal(first("12l", CONFIG_LEX_INT), 2);
	assert_int_equal(first("12LLL", CONFIG_LEX_INT), 4);
	assert_int_equal(first("7abc", CONFIG_LEX_INT), 1);
	assert_int_equal(first("3e", CONFIG_LEX_INT), 1);
	assert_int_equal(first("3e+", CONFIG_LEX_INT), 1);
}

static void test_floats(void **state)
{
	(void)state;
	one("1.0", CONFIG_LEX_FLOAT);
	one("1.", CONFIG_LEX_FLOAT);
	one(".5", CONFIG_LEX_FLOAT);
	one("-.5", CONFIG_LEX_FLOAT);
	one("1e3", CONFIG_LEX_FLOAT);
	one("+1.5E-3", CONFIG_LEX_FLOAT);
	one(".99999999999e5", CONFIG_LEX_FLOAT);
	assert_int_equal(first("1.5L", CONFIG_LEX_FLOAT), 3);
	assert_int_equal(first("1.5e", CONFIG_LEX_FLOAT), 3);
	/* no digit: not a number at all */
	assert_int_equal(first(".", CONFIG_LEX_OTHER), 1);
	assert_int_equal(first(".e5", CONFIG_LEX_OTHER), 1);
	assert_int_equal(first("+.", CONFIG_LEX_OTHER), 1);
	assert_int_equal(first("-x", CONFIG_LEX_OTHER), 1);
}

static void test_names(void **state)
{
	struct config_lex_token t;
	bool b = false;

	(void)state;
	one("x99999999999", CONFIG_LEX_NAME);
	one("*a-b_c*9", CONFIG_LEX_NAME);
	assert_int_equal(first("a.b", CONFIG_LEX_NAME), 1);
	assert_int_equal(first("_a", CONFIG_LEX_OTHER), 1);
	t = one("TRUE", CONFIG_LEX_NAME);
	t.start = "TRUE";
	assert_true(config_lex_is_bool(&t, &b) && b);
	t.start = "fAlSe";
	t.len = 5;
	assert_true(config_lex_is_bool(&t, &b) && !b);
	t.start = "tru";
	t.len = 3;
	assert_false(config_lex_is_bool(&t, &b));
	t.start = "truex";
	t.len = 5;
	assert_false(config_lex_is_bool(&t, &b));
}

static void test_open(void **state)
{
	struct config_lex_token t;

	(void)state;
	t = one("\"abc\n\\\"\n", CONFIG_LEX_STRING);
	assert_true(t.open);
	assert_int_equal(t.newlines, 2);
	t = one("\"a\\\\\"", CONFIG_LEX_STRING); /* "a\\" closes */
	assert_false(t.open);
	t = one("\"a\\", CONFIG_LEX_STRING);
	assert_true(t.open);
	t = one("/* a\n*", CONFIG_LEX_BLOCK_COMMENT);
	assert_true(t.open);
	assert_int_equal(t.newlines, 1);
	t = one("/**/", CONFIG_LEX_BLOCK_COMMENT);
	assert_false(t.open);
	one("# no newline", CONFIG_LEX_LINE_COMMENT);
	assert_int_equal(first("/", CONFIG_LEX_OTHER), 1);
}

/* @include only at a line start, followed by blanks and a quote. */
static void test_include(void **state)
{
	static const char *const no[] = {"@include\"x\"", "@include x", "@includes \"x\"",
					 "@include  ", "@inc"};
	struct config_lex_token t;
	const char *s = " \t@include\t \"x\"";

	(void)state;
	assert_ptr_equal(config_lex_next(s, s + strlen(s), true, &t), s + strlen(s) - 3);
	assert_int_equal(t.kind, CONFIG_LEX_INCLUDE);
	config_lex_next(s, s + strlen(s), false, &t);
	assert_int_equal(t.kind, CONFIG_LEX_OTHER);
	for (unsigned i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		config_lex_next(no[i], no[i] + strlen(no[i]), true, &t);
		assert_int_not_equal(t.kind, CONFIG_LEX_INCLUDE);
	}
}

static int decode(const char *s, char *out, size_t size)
{
	struct config_lex_token t;

	config_lex_next(s, s + strlen(s), false, &t);
	return config_lex_string(&t, out, size);
}

static void test_string_escapes(void **state)
{
	static const char *const bad[] = {"\"a\\qb\"",	   "\"a\\x00b\"", "\"a\\x4\"",
					  "\"tab\there\"", "\"open",	  "\"nl\n\""};
	char out[8];

	(void)state;
	assert_int_equal(decode("\"\\\\\\\"\\n\\r\\t\\f\"", out, sizeof(out)), 0);
	assert_string_equal(out, "\\\"\n\r\t\f");
	assert_int_equal(decode("\"\\x65mer\\x67\"", out, sizeof(out)), 0);
	assert_string_equal(out, "emerg");
	assert_int_equal(decode("\"\"", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(decode("\"1234567\"", out, sizeof(out)), 0);
	assert_int_equal(decode("\"12345678\"", out, sizeof(out)), -EINVAL); /* no room for NUL */
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(decode(bad[i], out, sizeof(out)), -EINVAL);
	assert_int_equal(decode("name", out, sizeof(out)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),	       cmocka_unit_test(test_integers),
		cmocka_unit_test(test_floats),	       cmocka_unit_test(test_names),
		cmocka_unit_test(test_open),	       cmocka_unit_test(test_include),
		cmocka_unit_test(test_string_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
