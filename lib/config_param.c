// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Run-time parameters: one dotted key read or written as libconfig value text, with the schema
 * and the checks of config.c (config_keys.h). The value text is read without libconfig, as one
 * token of config_lex, the lexer config.c's pre-scan uses too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_keys.h"
#include "config_lex.h"
#include "util.h"

/* Top-level groups whose keys the daemon can apply without a restart, and single keys of other
 * groups it can (accounting allocates its counters off the packet path, the table stays). */
static const char *const config_param_runtime_groups[] = {"tcp", "logging"};
static const char *const config_param_runtime_keys[] = {"table.accounting"};

/* Finds a key (never a group) by dotted name; *top is its top-level entry. NULL if unknown. */
static const struct config_key *config_param_find(const char *name, const struct config_key **top)
{
	const struct config_key *keys = config_root_keys;
	const char *p = name;

	*top = NULL;
	for (;;) {
		size_t n = strcspn(p, ".");
		const struct config_key *k = keys;

		while (k->name && (strlen(k->name) != n || strncmp(k->name, p, n) != 0))
			k++;
		if (!k->name)
			return NULL;
		if (!*top)
			*top = k;
		if (p[n] == '\0')
			return k->kind == CONFIG_KIND_GROUP ? NULL : k;
		if (k->kind != CONFIG_KIND_GROUP)
			return NULL;
		keys = k->sub;
		p += n + 1;
	}
}

static bool config_param_runtime(const struct config_key *top, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_param_runtime_groups); i++)
		if (strcmp(top->name, config_param_runtime_groups[i]) == 0)
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(config_param_runtime_keys); i++)
		if (strcmp(name, config_param_runtime_keys[i]) == 0)
			return true;
	return false;
}

bool config_param_settable(const char *name)
{
	const struct config_key *top, *k = name ? config_param_find(name, &top) : NULL;

	return k && config_param_runtime(top, name);
}

static unsigned long long config_load_uint(const struct config *c, const struct config_key *k)
{
	const void *p = (const char *)c + k->offset;

	switch (k->size) {
	case 1:
		return *(const uint8_t *)p;
	case 2:
		return *(const uint16_t *)p;
	case 4:
		return *(const uint32_t *)p;
	case 8:
		return *(const uint64_t *)p;
	default:
		return (unsigned long long)k->min; /* not stored: the only value (version) */
	}
}

/* A libconfig string literal: "..." with \" and \\ escaped. */
static int config_param_quote(const char *s, size_t max, char *out, size_t len)
{
	size_t used = 0;

	if (len < 3)
		return -ENOSPC;
	out[used++] = '"';
	for (size_t i = 0; i < max && s[i]; i++) {
		bool esc = s[i] == '"' || s[i] == '\\';

		if (used + esc + 3 > len) /* this character, the closing quote, the NUL */
			return -ENOSPC;
		if (esc)
			out[used++] = '\\';
		out[used++] = s[i];
	}
	out[used++] = '"';
	out[used] = '\0';
	return 0;
}

static int config_param_format(const struct config *c, const struct config_key *k, char *out,
			       size_t len)
{
	unsigned long long v = 0;
	const char *word;
	int n;

	if (config_kind_is_string(k->kind))
		return config_param_quote((const char *)c + k->offset, k->size, out, len);
	v = config_load_uint(c, k);
	switch (k->kind) {
	case CONFIG_KIND_BOOL:
		n = snprintf(out, len, "%s", v ? "true" : "false");
		break;
	case CONFIG_KIND_SECONDS:
		n = snprintf(out, len, "%llu", v / 1000);
		break;
	case CONFIG_KIND_ENUM:
		word = v < k->nwords ? k->words[v] : "unknown";
		n = snprintf(out, len, "\"%s\"", word);
		break;
	default:
		n = snprintf(out, len, "%llu", v);
		break;
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int config_param_get(const struct config *c, const char *name, char *out, size_t out_len)
{
	const struct config_key *top, *k = config_param_find(name, &top);

	if (!k)
		return -ENOENT;
	return config_param_format(c, k, out, out_len);
}

static void config_param_walk(const struct config *c, const struct config_key *keys, char *name,
			      size_t used, void (*fn)(const char *, const char *, void *),
			      void *arg)
{
	char value[CONFIG_PARAM_VALUE_MAX];

	for (const struct config_key *k = keys; k->name; k++) {
		int n = snprintf(name + used, CONFIG_PARAM_NAME_MAX - used, "%s%s", used ? "." : "",
				 k->name);

		if (n < 0 || used + (size_t)n >= CONFIG_PARAM_NAME_MAX)
			continue;
		if (k->kind == CONFIG_KIND_GROUP)
			config_param_walk(c, k->sub, name, used + (size_t)n, fn, arg);
		else if (config_param_format(c, k, value, sizeof(value)) == 0)
			fn(name, value, arg);
	}
}

void config_param_foreach(const struct config *c,
			  void (*fn)(const char *name, const char *value, void *arg), void *arg)
{
	char name[CONFIG_PARAM_NAME_MAX];

	config_param_walk(c, config_root_keys, name, 0, fn, arg);
}

/* ---- reload ---- */

struct config_keep {
	const struct config *running;
	struct config *next;
	char *changed;
	size_t len;
	size_t used;
	unsigned n;
};

static void config_keep_walk(struct config_keep *kp, const struct config_key *keys, char *name,
			     size_t used)
{
	for (const struct config_key *k = keys; k->name; k++) {
		int n = snprintf(name + used, CONFIG_PARAM_NAME_MAX - used, "%s%s", used ? "." : "",
				 k->name);

		if (n < 0 || used + (size_t)n >= CONFIG_PARAM_NAME_MAX)
			continue;
		if (k->kind == CONFIG_KIND_GROUP) {
			config_keep_walk(kp, k->sub, name, used + (size_t)n);
			continue;
		}
		if (k->size == 0 || config_param_settable(name))
			continue;
		char *dst = (char *)kp->next + k->offset;
		const char *src = (const char *)kp->running + k->offset;

		if (memcmp(dst, src, k->size) == 0)
			continue;
		memcpy(dst, src, k->size);
		kp->n++;
		if (kp->changed && kp->len) {
			int w = snprintf(kp->changed + kp->used, kp->len - kp->used, "%s%s",
					 kp->used ? ", " : "", name);

			if (w > 0)
				kp->used = kp->used + (size_t)w < kp->len ? kp->used + (size_t)w
									  : kp->len - 1;
		}
	}
}

unsigned config_reload_keep(const struct config *running, struct config *next, char *changed,
			    size_t len)
{
	struct config_keep kp = {.running = running, .next = next, .changed = changed, .len = len};
	char name[CONFIG_PARAM_NAME_MAX];

	if (changed && len)
		changed[0] = '\0';
	config_keep_walk(&kp, config_root_keys, name, 0);
	return kp.n;
}

int config_param_words(const char *name, void (*fn)(const char *word, void *arg), void *arg)
{
	static const char *const bools[] = {"true", "false"};
	const struct config_key *top, *k = config_param_find(name, &top);
	const char *const *words = NULL;
	size_t n = 0;

	if (!k)
		return -ENOENT;
	if (k->kind == CONFIG_KIND_ENUM) {
		words = k->words;
		n = k->nwords;
	} else if (k->kind == CONFIG_KIND_BOOL) {
		words = bools;
		n = ARRAY_SIZE(bools);
	}
	for (size_t i = 0; i < n; i++)
		fn(words[i], arg);
	return (int)n;
}

/* ---- value text ---- */

enum config_value_type {
	CONFIG_VALUE_INT,
	CONFIG_VALUE_BOOL,
	CONFIG_VALUE_STRING,
	CONFIG_VALUE_FLOAT,
};

struct config_value {
	enum config_value_type type;
	long long i;
	bool b;
	char s[CONFIG_PARAM_VALUE_MAX];
};

static const char *const config_value_type_names[] = {
	[CONFIG_VALUE_INT] = "an integer",
	[CONFIG_VALUE_BOOL] = "a boolean",
	[CONFIG_VALUE_STRING] = "a string",
	[CONFIG_VALUE_FLOAT] = "a float",
};

/* Parses libconfig value text (surrounding blanks allowed): one token of config_lex, an
 * integer within int64, a boolean, a float or a string. -EINVAL or -ERANGE. */
static int config_value_parse(const char *text, struct config_value *v)
{
	const char *p = text + strspn(text, " \t\r\n"), *end = p + strlen(p);
	struct config_lex_token t;

	while (end > p && strchr(" \t\r\n", end[-1]))
		end--;
	memset(v, 0, sizeof(*v));
	if (p == end || config_lex_next(p, end, false, &t) != end)
		return -EINVAL;
	switch (t.kind) {
	case CONFIG_LEX_STRING:
		if (config_lex_string(&t, v->s, sizeof(v->s)) < 0)
			return -EINVAL;
		v->type = CONFIG_VALUE_STRING;
		return 0;
	case CONFIG_LEX_NAME:
		if (!config_lex_is_bool(&t, &v->b))
			return -EINVAL;
		v->type = CONFIG_VALUE_BOOL;
		return 0;
	case CONFIG_LEX_FLOAT:
		v->type = CONFIG_VALUE_FLOAT;
		return 0;
	case CONFIG_LEX_INT:
		if (t.over || t.magnitude > (unsigned long long)INT64_MAX + t.neg)
			return -ERANGE;
		v->type = CONFIG_VALUE_INT;
		v->i = t.neg ? (long long)(0 - t.magnitude) : (long long)t.magnitude;
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- set ---- */

static int config_param_fail(char *err, size_t err_len, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int config_param_fail(char *err, size_t err_len, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* At most 48 bytes of untrusted text for a message, non-printables as '?'. */
static void config_param_sanitize(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len && i < 48; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
}

static int config_param_type_error(const char *name, const char *want, const struct config_value *v,
				   char *msg, size_t len)
{
	snprintf(msg, len, "'%s' must be %s, not %s", name, want, config_value_type_names[v->type]);
	return -EINVAL;
}

/* Checks v against k (type, range, words) and stores it in c. */
static int config_param_store(struct config *c, const struct config_key *k, const char *name,
			      const struct config_value *v, char *msg, size_t len)
{
	int r;

	switch (k->kind) {
	case CONFIG_KIND_BOOL:
		if (v->type != CONFIG_VALUE_BOOL)
			return config_param_type_error(name, "a boolean (true or false)", v, msg,
						       len);
		config_store_uint(c, k, v->b);
		return 0;
	case CONFIG_KIND_INT:
	case CONFIG_KIND_SECONDS:
		if (v->type != CONFIG_VALUE_INT)
			return config_param_type_error(name, "an integer", v, msg, len);
		r = config_check_int(k, name, v->i, msg, len);
		if (r)
			return r;
		config_store_uint(c, k,
				  (unsigned long long)v->i *
					  (k->kind == CONFIG_KIND_SECONDS ? 1000 : 1));
		return 0;
	case CONFIG_KIND_ENUM:
		if (v->type != CONFIG_VALUE_STRING)
			return config_param_type_error(name, "a string", v, msg, len);
		r = config_find_word(k, name, v->s, msg, len);
		if (r < 0)
			return r;
		config_store_uint(c, k, (unsigned long long)r);
		return 0;
	default: /* strings live in control.* and state.*: never settable */
		snprintf(msg, len, "'%s' cannot be set at run time", name);
		return -EPERM;
	}
}

int config_param_set(struct config *c, const char *name, const char *value, char *err,
		     size_t err_len)
{
	const struct config_key *top, *k;
	char msg[CONFIG_ERROR_MAX], shown[64];
	const char *key, *other;
	struct config_value v;
	struct config tmp;
	int r;

	if (err && err_len)
		err[0] = '\0';
	k = name ? config_param_find(name, &top) : NULL;
	if (!k) {
		config_param_sanitize(name ? name : "", shown, sizeof(shown));
		return config_param_fail(err, err_len, -ENOENT, "unknown parameter '%s'", shown);
	}
	if (!config_param_runtime(top, name))
		return config_param_fail(err, err_len, -EPERM,
					 "'%s' cannot change at run time: set it in the "
					 "configuration file and restart tcpfwd",
					 name);
	r = value ? config_value_parse(value, &v) : -EINVAL;
	if (r) {
		config_param_sanitize(value ? value : "", shown, sizeof(shown));
		return config_param_fail(err, err_len, -EINVAL,
					 r == -ERANGE ? "'%s': integer %s is out of range"
						      : "'%s': '%s' is not a value: expected an "
							"integer, true, false or a \"string\"",
					 name, shown);
	}
	memcpy(&tmp, c, sizeof(tmp));
	r = config_param_store(&tmp, k, name, &v, msg, sizeof(msg));
	if (!r)
		r = config_check_rules(&tmp, msg, sizeof(msg), &key, &other);
	if (r)
		return config_param_fail(err, err_len, r, "%s", msg);
	memcpy(c, &tmp, sizeof(*c));
	return 0;
}
