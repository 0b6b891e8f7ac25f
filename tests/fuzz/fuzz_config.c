// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_config - config_parse on arbitrary text (a NUL-terminated copy of the input), with a
 * roomy and a tiny error buffer. A refusal must come with a "name:line: message" that fits the
 * buffer; an accepted text must survive a round trip: every key written back as libconfig text
 * (config_param_foreach) parses again to the identical struct, and setting any run-time key to
 * its own value (config_param_get -> config_param_set) changes nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz_common.h"

#define DUMP_MAX  16384
#define DEPTH_MAX 4

/* The configuration written back as nested libconfig groups, from dotted keys in schema order. */
struct dump {
	char text[DUMP_MAX];
	size_t len;
	unsigned depth;
	char group[DEPTH_MAX][CONFIG_PARAM_NAME_MAX];
	const struct config *c;
	struct config *set; /* the copy config_param_set works on */
};

/* Appends the strings, up to a NULL. */
static void emit(struct dump *d, const char *a, const char *b, const char *c)
{
	const char *s[3] = {a, b, c};

	for (unsigned i = 0; i < 3 && s[i]; i++) {
		size_t n = strlen(s[i]);

		CHECK(n < sizeof(d->text) - d->len);
		memcpy(d->text + d->len, s[i], n + 1);
		d->len += n;
	}
}

static void on_key(const char *name, const char *value, void *arg)
{
	struct dump *d = arg;
	char parts[DEPTH_MAX + 1][CONFIG_PARAM_NAME_MAX];
	unsigned n = 0, common = 0;
	char got[CONFIG_PARAM_VALUE_MAX], err[CONFIG_ERROR_MAX];

	/* the value config_param_get gives is the one foreach gives */
	CHECK(config_param_get(d->c, name, got, sizeof(got)) == 0);
	CHECK(strcmp(got, value) == 0);
	CHECK(config_param_get(d->c, name, got, 1) == -ENOSPC || !value[0]);
	/* a run-time key set to its own value: accepted, and nothing changes */
	if (config_param_settable(name)) {
		struct config before = *d->set;
		CHECK(config_param_set(d->set, name, value, err, sizeof(err)) == 0);
		CHECK(memcmp(&before, d->set, sizeof(before)) == 0);
	}

	CHECK(strlen(name) < CONFIG_PARAM_NAME_MAX);
	for (const char *p = name;; n++) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		CHECK(n <= DEPTH_MAX && len > 0);
		memcpy(parts[n], p, len);
		parts[n][len] = '\0';
		if (!dot)
			break;
		p = dot + 1;
	}
	/* parts[0..n-1] are groups, parts[n] the key */
	while (common < n && common < d->depth && strcmp(parts[common], d->group[common]) == 0)
		common++;
	for (; d->depth > common; d->depth--)
		emit(d, "};\n", NULL, NULL);
	for (; d->depth < n; d->depth++) {
		emit(d, parts[d->depth], " : {\n", NULL);
		strcpy(d->group[d->depth], parts[d->depth]);
	}
	emit(d, parts[n], " = ", value);
	emit(d, ";\n", NULL, NULL);
}

static void dump(const struct config *c, struct config *set, struct dump *d)
{
	memset(d, 0, sizeof(*d));
	d->c = c;
	d->set = set;
	config_param_foreach(c, on_key, d);
	for (; d->depth > 0; d->depth--)
		emit(d, "};\n", NULL, NULL);
}

/* A refusal says "fuzz:LINE: message", truncated to the buffer and always terminated. */
static void check_error(const char *err, size_t err_len)
{
	size_t k = err_len - 1 < 5 ? err_len - 1 : 5;

	CHECK(fuzz_terminated(err, err_len));
	CHECK(strncmp(err, "fuzz:", k) == 0);
	if (err_len < CONFIG_ERROR_MAX)
		return;
	const char *p = err + 5;
	CHECK(*p >= '0' && *p <= '9');
	while (*p >= '0' && *p <= '9')
		p++;
	CHECK(p[0] == ':' && p[1] == ' ' && p[2] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dump d1, d2;
	struct config c1, c2, set;
	char err[CONFIG_ERROR_MAX];
	char *text = fuzz_cstr(data, size);
	int r;

	memset(&c1, 0x5a, sizeof(c1));
	r = config_parse(text, "fuzz", &c1, err, sizeof(err));
	CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
	if (r) {
		struct config untouched;
		memset(&untouched, 0x5a, sizeof(untouched));
		CHECK(memcmp(&c1, &untouched, sizeof(c1)) == 0); /* *c left alone on failure */
		check_error(err, sizeof(err));
		/* the same failure into a tiny heap buffer: truncated, never overrun */
		size_t small = (size_t)(size ? data[0] % 12 : 0) + 1;
		char *e = malloc(small);
		CHECK(e);
		CHECK(config_parse(text, "fuzz", &c1, e, small) == r);
		check_error(e, small);
		free(e);
		CHECK(config_parse(text, "fuzz", &c1, NULL, 0) == r);
		free(text);
		return 0;
	}
	free(text);

	/* Round trip: the written-back text parses to the same struct (config_defaults zeroes the
	 * padding, so memcmp is meaningful) and writes back the same text. */
	set = c1;
	dump(&c1, &set, &d1);
	r = config_parse(d1.text, "dump", &c2, err, sizeof(err));
	if (r)
		fprintf(stderr, "fuzz_config: the dump does not parse: %s\n%s", err, d1.text);
	CHECK(r == 0);
	CHECK(memcmp(&c1, &c2, sizeof(c1)) == 0);
	set = c2;
	dump(&c2, &set, &d2);
	CHECK(d1.len == d2.len && memcmp(d1.text, d2.text, d1.len) == 0);
	return 0;
}
