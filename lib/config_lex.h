/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config_lex - one token of libconfig 1.5 text, following its scanner (lib/scanner.l), for the
 * two readers that must see the text as libconfig will before, or instead of, libconfig:
 * config.c's pre-scan of a whole file (@include, unterminated strings and comments, integer
 * literals libconfig would truncate, the line count) and config_param.c's reading of one value.
 *
 * - A token never reaches past end; the text need not be NUL-terminated.
 * - Names are [A-Za-z*][-A-Za-z0-9_*]*; true and false (any case) are names, which the caller
 *   tells apart (config_lex_is_bool).
 * - An integer is [+-]?[0-9]+ or 0[xX][0-9a-fA-F]+ (no sign), then L or LL: its magnitude, its
 *   sign and whether it passed 2^64 are given, and the caller applies its own range.
 * - A float has a digit and a '.' or an exponent [eE][+-]?[0-9]+ (libconfig also takes a lone
 *   '.', which no reader here wants).
 * - A string runs from its quote to the next quote not escaped as \" (or after \\); a block
 *   comment to the first star-slash; both may be open at end.
 * - Everything else is one byte of CONFIG_LEX_OTHER, or CONFIG_LEX_NEWLINE.
 */
#ifndef TCPFW_CONFIG_LEX_H
#define TCPFW_CONFIG_LEX_H

#include <stdbool.h>
#include <stddef.h>

enum config_lex_kind {
	CONFIG_LEX_OTHER = 0,	  /* one byte: punctuation, blanks, anything unknown */
	CONFIG_LEX_NEWLINE,	  /* '\n' */
	CONFIG_LEX_LINE_COMMENT,  /* # or // up to, not including, the '\n' */
	CONFIG_LEX_BLOCK_COMMENT, /* open: no star-slash before end */
	CONFIG_LEX_STRING,	  /* quotes included; open: no closing quote before end */
	CONFIG_LEX_NAME,
	CONFIG_LEX_INT,
	CONFIG_LEX_FLOAT,
	CONFIG_LEX_INCLUDE, /* [ \t]*@include[ \t]+" at a line start, up to the quote */
};

struct config_lex_token {
	enum config_lex_kind kind;
	const char *start;
	size_t len;
	unsigned newlines; /* '\n's inside the token (1 for NEWLINE) */
	bool open;	   /* an unterminated string or block comment */
	/* CONFIG_LEX_INT */
	unsigned long long magnitude; /* valid unless over */
	bool neg;
	bool over; /* the magnitude passed 2^64 - 1 */
	bool wide; /* an L or LL suffix: libconfig reads it as 64 bits, else as an int */
};

/*
 * Reads the token at p (p < end); line_start says p begins a line, where @include is looked
 * for. Writes *t and returns the end of the token (> p).
 */
const char *config_lex_next(const char *p, const char *end, bool line_start,
			    struct config_lex_token *t);

/* True when t is the name true or false (any case); *value says which. */
bool config_lex_is_bool(const struct config_lex_token *t, bool *value);

/*
 * Decodes a closed string token's contents into out (size bytes, NUL-terminated) with
 * libconfig's escapes \\ \" \n \r \t \f \xHH. Returns 0, or -EINVAL for an open string, an
 * unknown escape, \x00, a control byte, or contents that do not fit.
 */
int config_lex_string(const struct config_lex_token *t, char *out, size_t size);

#endif /* TCPFW_CONFIG_LEX_H */
