// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "config_lex.h"

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_alpha(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static int hex_value(char ch)
{
	if (is_digit(ch))
		return ch - '0';
	return (ch | 0x20) >= 'a' && (ch | 0x20) <= 'f' ? (ch | 0x20) - 'a' + 10 : -1;
}

static const char *skip_digits(const char *p, const char *end)
{
	while (p < end && is_digit(*p))
		p++;
	return p;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* The end of an exponent [eE][+-]?[0-9]+ at p, or p. */
static const char *skip_exponent(const char *p, const char *end)
{
	const char *q;

	if (p == end || (*p | 0x20) != 'e')
		return p;
	q = p + 1 + (p + 1 < end && (p[1] == '+' || p[1] == '-'));
	return q < end && is_digit(*q) ? skip_digits(q, end) : p;
}

/* [ \t]*@include[ \t]+" at p: the end of the match (at the quote), or NULL. */
static const char *match_include(const char *p, const char *end)
{
	const char *q;

	p = skip_blanks(p, end);
	if ((size_t)(end - p) < 8 || memcmp(p, "@include", 8) != 0)
		return NULL;
	q = skip_blanks(p + 8, end);
	return q > p + 8 && q < end && *q == '"' ? q : NULL;
}

/* The magnitude of the digits [p, q) in base 16 or 10, with overflow past 2^64 - 1. */
static void int_value(const char *p, const char *q, unsigned base, struct config_lex_token *t)
{
	for (; p < q; p++) {
		unsigned d = (unsigned)hex_value(*p);

		t->over |= t->magnitude > (~0ULL - d) / base;
		t->magnitude = t->magnitude * base + d;
	}
}

/* A number at p: an integer (decimal or hex, L or LL) or a float. NULL when there is none. */
static const char *lex_number(const char *p, const char *end, struct config_lex_token *t)
{
	const char *digits = p + (*p == '+' || *p == '-'), *q, *f;

	if (digits == p && end - p > 2 && p[0] == '0' && (p[1] | 0x20) == 'x' &&
	    hex_value(p[2]) >= 0) {
		for (q = p + 2; q < end && hex_value(*q) >= 0;)
			q++;
		int_value(p + 2, q, 16, t);
	} else {
		q = skip_digits(digits, end);
		f = q < end && *q == '.' ? skip_digits(q + 1, end) : q;
		if (f > q + 1 || (q > digits && f > q)) /* a digit on either side of the '.' */
			f = skip_exponent(f, end);
		else if (q > digits)
			f = skip_exponent(q, end);
		else
			return NULL;
		if (f > q) {
			t->kind = CONFIG_LEX_FLOAT;
			return f;
		}
		int_value(digits, q, 10, t);
		t->neg = *p == '-';
	}
	t->kind = CONFIG_LEX_INT;
	if (q < end && *q == 'L') {
		t->wide = true;
		q += q + 1 < end && q[1] == 'L' ? 2 : 1;
	}
	return q;
}

/* From the quote at p to the closing one, or to end (t->open). */
static const char *lex_string(const char *p, const char *end, struct config_lex_token *t)
{
	for (p++; p < end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
			p++;
		else
			t->newlines += *p == '\n';
	}
	if (p == end) {
		t->open = true;
		return end;
	}
	return p + 1;
}

static const char *lex_block_comment(const char *p, const char *end, struct config_lex_token *t)
{
	for (p += 2; p < end && !(*p == '*' && p + 1 < end && p[1] == '/'); p++)
		t->newlines += *p == '\n';
	if (p == end) {
		t->open = true;
		return end;
	}
	return p + 2;
}

const char *config_lex_next(const char *p, const char *end, bool line_start,
			    struct config_lex_token *t)
{
	const char *q = NULL;

	memset(t, 0, sizeof(*t));
	t->start = p;
	if (line_start && (q = match_include(p, end))) {
		t->kind = CONFIG_LEX_INCLUDE;
	} else if (*p == '\n') {
		t->kind = CONFIG_LEX_NEWLINE;
		t->newlines = 1;
		q = p + 1;
	} else if (*p == '#' || (*p == '/' && p + 1 < end && p[1] == '/')) {
		t->kind = CONFIG_LEX_LINE_COMMENT;
		q = memchr(p, '\n', (size_t)(end - p));
		q = q ? q : end;
	} else if (*p == '/' && p + 1 < end && p[1] == '*') {
		t->kind = CONFIG_LEX_BLOCK_COMMENT;
		q = lex_block_comment(p, end, t);
	} else if (*p == '"') {
		t->kind = CONFIG_LEX_STRING;
		q = lex_string(p, end, t);
	} else if (is_alpha(*p) || *p == '*') {
		t->kind = CONFIG_LEX_NAME;
		for (q = p + 1; q < end && (is_alpha(*q) || is_digit(*q) || *q == '-' ||
					    *q == '_' || *q == '*');)
			q++;
	} else if (is_digit(*p) || *p == '.' || *p == '+' || *p == '-') {
		q = lex_number(p, end, t);
	}
	if (!q) {
		t->kind = CONFIG_LEX_OTHER;
		q = p + 1;
	}
	t->len = (size_t)(q - p);
	return q;
}

bool config_lex_is_bool(const struct config_lex_token *t, bool *value)
{
	if (t->kind != CONFIG_LEX_NAME)
		return false;
	if (t->len == 4 && strncasecmp(t->start, "true", 4) == 0)
		*value = true;
	else if (t->len == 5 && strncasecmp(t->start, "false", 5) == 0)
		*value = false;
	else
		return false;
	return true;
}

int config_lex_string(const struct config_lex_token *t, char *out, size_t size)
{
	static const char from[] = "\\\"nrtf", to[] = "\\\"\n\r\t\f";
	const char *p, *end = t->start + t->len - 1; /* the closing quote */
	size_t used = 0;

	if (t->kind != CONFIG_LEX_STRING || t->open || size == 0)
		return -EINVAL;
	for (p = t->start + 1; p < end; p++) {
		char ch = *p;
		const char *e;

		if ((unsigned char)ch < 0x20 || used + 1 >= size)
			return -EINVAL;
		if (ch == '\\') {
			e = p + 1 < end ? memchr(from, p[1], sizeof(from) - 1) : NULL;
			if (e) {
				ch = to[e - from];
				p++;
			} else if (end - p > 3 && p[1] == 'x' && hex_value(p[2]) >= 0 &&
				   hex_value(p[3]) >= 0) {
				ch = (char)(hex_value(p[2]) << 4 | hex_value(p[3]));
				p += 3;
				if (ch == '\0')
					return -EINVAL;
			} else {
				return -EINVAL;
			}
		}
		out[used++] = ch;
	}
	out[used] = '\0';
	return 0;
}
