// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config.h"
#include "config_keys.h"
#include "config_lex.h"
#include "util.h"

static const char *const config_tw_policy_names[] = {
	[CONFIG_TW_ENFORCE] = "enforce",
	[CONFIG_TW_SHORTEN] = "shorten",
};

_Static_assert(ARRAY_SIZE(config_tw_policy_names) == _CONFIG_TW_MAX,
	       "config_tw_policy_names out of sync with enum config_tw_policy");

static const char *const config_log_level_names[] = {
	[CONFIG_LOG_EMERG] = "emerg",	  [CONFIG_LOG_ALERT] = "alert",
	[CONFIG_LOG_CRIT] = "crit",	  [CONFIG_LOG_ERR] = "err",
	[CONFIG_LOG_WARNING] = "warning", [CONFIG_LOG_NOTICE] = "notice",
	[CONFIG_LOG_INFO] = "info",	  [CONFIG_LOG_DEBUG] = "debug",
};

_Static_assert(ARRAY_SIZE(config_log_level_names) == _CONFIG_LOG_MAX,
	       "config_log_level_names out of sync with enum config_log_level");

const char *config_tw_policy_name(enum config_tw_policy p)
{
	if ((unsigned)p >= _CONFIG_TW_MAX)
		return "unknown";
	return config_tw_policy_names[p];
}

const char *config_log_level_name(enum config_log_level l)
{
	if ((unsigned)l >= _CONFIG_LOG_MAX)
		return "unknown";
	return config_log_level_names[l];
}

/*
 * The schema. Each key names its struct member, type, default and range; defaults and ranges are
 * in the file's units (seconds for durations), ranges inclusive. The defaults of timeouts are the
 * kernel's nf_conntrack_tcp_timeout_*. Why each range is what it is:
 *
 *   key                          range              reason
 *   version                      1                  the only schema so far
 *   queue.num                    0..65535           16-bit queue number; also num+count-1 <= 65535
 *   queue.count                  1..64              one worker thread per queue
 *   queue.maxlen                 1..1048576         kernel queue length; beyond that, memory
 *   queue.copy_range             120..65535         largest IPv4 (60) + TCP (60) headers, since
 *                                                   a cut header drops as tcp_truncated; IPv6
 *                                                   leaves copy_range - 100 for extension headers
 *   queue.rcvbuf                 65536..1073741824  SO_RCVBUFFORCE; the kernel doubles it (int)
 *   table.max_flows              1..67108864        per queue; 64M flows is ~8 GiB
 *   table.buckets                0..268435456       0 = from max_flows; rounded up to 2^n
 *   tcp.max_retrans              1..255             nf_conntrack_tcp_max_retrans; uint8_t
 *   tcp.timeouts.*               1..2147483647 s    INT_MAX seconds: about 68 years
 *   tcp.timeouts.established     7440..2147483647   RFC 5382 REQ-5: not below 2 h 4 min
 *   tcp.time_wait.duration       1..2147483647 s
 *   tcp.time_wait.shortened      1..2147483647 s    and <= duration
 *   tcp.time_wait.minimum        1..2147483647 s    and <= shortened
 *   tcp.time_wait.adaptive_start 1..100 %           table fill where shortening starts
 *   tcp.time_wait.adaptive_end   2..200 %           and > adaptive_start; > 100: minimum never
 *                                                   reached (pf's adaptive.end may pass the limit)
 *   logging.rate_limit           0..1000000 /s      0 = unlimited, like journald's RateLimitBurst=0
 *   control.socket               absolute, < 108 B  sun_path
 *   control.[admin_]group        "" or a name       [a-z_][a-z0-9_-]*, at most 32 characters
 *   control.max_clients          1..4096
 *   control.max_request          1024..16777216 B   one framed message
 *   control.idle_timeout         1..86400 s
 *   state.directory              absolute, < 108 B
 *   state.runtime_directory      absolute, < 108 B
 *
 * The time_wait cross-field rules hold whatever the policy, because set-param may switch the
 * policy at run time without a reload.
 */
/* clang-format off */
#define CONFIG_AT(m) .offset = offsetof(struct config, m), .size = sizeof(((struct config *)0)->m)
#define CONFIG_NUM(n, k, m, d, lo, hi, why) \
	{ .name = n, .kind = k, CONFIG_AT(m), .def = d, .min = lo, .max = hi, .note = why }
#define CONFIG_INT(n, m, d, lo, hi) CONFIG_NUM(n, CONFIG_KIND_INT, m, d, lo, hi, NULL)
#define CONFIG_SECS(n, m, d, lo) CONFIG_NUM(n, CONFIG_KIND_SECONDS, m, d, lo, CONFIG_SECS_MAX, NULL)
#define CONFIG_GROUP(n, keys) { .name = n, .kind = CONFIG_KIND_GROUP, .sub = keys }
#define CONFIG_BOOL(n, m, d) { .name = n, .kind = CONFIG_KIND_BOOL, CONFIG_AT(m), .def = d }
#define CONFIG_STR(n, k, m, d) { .name = n, .kind = k, CONFIG_AT(m), .def_str = d }
#define CONFIG_ENUM(n, m, w, d) { .name = n, .kind = CONFIG_KIND_ENUM, CONFIG_AT(m), \
	.words = w, .nwords = ARRAY_SIZE(w), .def = d }
/* clang-format on */
#define CONFIG_SECS_MAX 2147483647LL

_Static_assert(sizeof(bool) == 1, "bool members are stored as uint8_t");

static const struct config_key config_queue_keys[] = {
	CONFIG_INT("num", queue.num, 0, 0, 65535),
	CONFIG_INT("count", queue.count, 1, 1, 64),
	CONFIG_INT("maxlen", queue.maxlen, 4096, 1, 1048576),
	CONFIG_NUM("copy_range", CONFIG_KIND_INT, queue.copy_range, 128, 120, 65535,
		   "it must hold a 60-byte IPv4 header and a 60-byte TCP header"),
	CONFIG_BOOL("fail_open", queue.fail_open, true),
	CONFIG_INT("rcvbuf", queue.rcvbuf, 8388608, 65536, 1073741824),
	{0},
};

static const struct config_key config_table_keys[] = {
	CONFIG_INT("max_flows", table.max_flows, 262144, 1, 67108864),
	CONFIG_INT("buckets", table.buckets, 0, 0, 268435456),
	CONFIG_BOOL("accounting", table.accounting, false),
	{0},
};

static const struct config_key config_time_wait_keys[] = {
	CONFIG_ENUM("policy", tcp.time_wait.policy, config_tw_policy_names, CONFIG_TW_ENFORCE),
	CONFIG_SECS("duration", tcp.time_wait.duration_ms, 120, 1),
	CONFIG_SECS("shortened", tcp.time_wait.shortened_ms, 30, 1),
	CONFIG_SECS("minimum", tcp.time_wait.minimum_ms, 1, 1),
	CONFIG_INT("adaptive_start", tcp.time_wait.adaptive_start_pct, 60, 1, 100),
	CONFIG_INT("adaptive_end", tcp.time_wait.adaptive_end_pct, 100, 2, 200),
	{0},
};

static const struct config_key config_timeouts_keys[] = {
	CONFIG_SECS("syn_sent", tcp.timeouts.syn_sent_ms, 120, 1),
	CONFIG_SECS("syn_recv", tcp.timeouts.syn_recv_ms, 60, 1),
	CONFIG_NUM("established", CONFIG_KIND_SECONDS, tcp.timeouts.established_ms, 432000, 7440,
		   CONFIG_SECS_MAX,
		   "RFC 5382 REQ-5: an established flow may not idle out before 2 h 4 min"),
	CONFIG_SECS("fin_wait", tcp.timeouts.fin_wait_ms, 120, 1),
	CONFIG_SECS("close_wait", tcp.timeouts.close_wait_ms, 60, 1),
	CONFIG_SECS("last_ack", tcp.timeouts.last_ack_ms, 30, 1),
	CONFIG_SECS("close", tcp.timeouts.close_ms, 10, 1),
	CONFIG_SECS("max_retrans", tcp.timeouts.max_retrans_ms, 300, 1),
	CONFIG_SECS("unacknowledged", tcp.timeouts.unacknowledged_ms, 300, 1),
	{0},
};

static const struct config_key config_tcp_keys[] = {
	CONFIG_BOOL("pickup", tcp.pickup, false),
	CONFIG_BOOL("window_check", tcp.window_check, true),
	CONFIG_INT("max_retrans", tcp.max_retrans, 3, 1, 255),
	CONFIG_GROUP("time_wait", config_time_wait_keys),
	CONFIG_GROUP("timeouts", config_timeouts_keys),
	{0},
};

static const struct config_key config_logging_keys[] = {
	CONFIG_ENUM("level", logging.level, config_log_level_names, CONFIG_LOG_INFO),
	CONFIG_BOOL("log_invalid", logging.log_invalid, false),
	CONFIG_INT("rate_limit", logging.rate_limit, 20, 0, 1000000),
	{0},
};

static const struct config_key config_control_keys[] = {
	CONFIG_STR("socket", CONFIG_KIND_PATH, control.socket, "/run/tcpfwd/control.sock"),
	CONFIG_STR("group", CONFIG_KIND_GROUPNAME, control.group, ""),
	CONFIG_STR("admin_group", CONFIG_KIND_GROUPNAME, control.admin_group, ""),
	CONFIG_INT("max_clients", control.max_clients, 64, 1, 4096),
	CONFIG_INT("max_request", control.max_request, 65536, 1024, 16777216),
	CONFIG_NUM("idle_timeout", CONFIG_KIND_SECONDS, control.idle_timeout_ms, 60, 1, 86400,
		   NULL),
	{0},
};

static const struct config_key config_sync_keys[] = {
	CONFIG_BOOL("enabled", sync.enabled, false),
	CONFIG_STR("local", CONFIG_KIND_ADDRESS, sync.local, ""),
	CONFIG_STR("peer", CONFIG_KIND_ADDRESS, sync.peer, ""),
	CONFIG_INT("port", sync.port, 7469, 1, 65535),
	CONFIG_STR("interface", CONFIG_KIND_IFNAME, sync.interface, ""),
	CONFIG_STR("key_file", CONFIG_KIND_PATH, sync.key_file, "/etc/tcpfwd/sync.key"),
	CONFIG_INT("update_delay_ms", sync.update_delay_ms, 500, 10, 10000),
	CONFIG_NUM("timeout", CONFIG_KIND_SECONDS, sync.timeout_ms, 3, 1, 3600, NULL),
	{0},
};

static const struct config_key config_fastpath_keys[] = {
	CONFIG_BOOL("enabled", fastpath.enabled, false),
	CONFIG_STR("interfaces", CONFIG_KIND_IFLIST, fastpath.interfaces, ""),
	CONFIG_INT("mark", fastpath.mark, 0x10000000, 1, 0xffffffff),
	CONFIG_INT("max_flows", fastpath.max_flows, 262144, 64, 16777216),
	{0},
};

static const struct config_key config_state_keys[] = {
	CONFIG_STR("directory", CONFIG_KIND_PATH, state.directory, "/var/lib/tcpfwd"),
	CONFIG_STR("runtime_directory", CONFIG_KIND_PATH, state.runtime_directory, "/run/tcpfwd"),
	{0},
};

const struct config_key config_root_keys[] = {
	{.name = "version", .kind = CONFIG_KIND_INT, .min = CONFIG_VERSION, .max = CONFIG_VERSION},
	CONFIG_GROUP("queue", config_queue_keys),
	CONFIG_GROUP("table", config_table_keys),
	CONFIG_GROUP("tcp", config_tcp_keys),
	CONFIG_GROUP("logging", config_logging_keys),
	CONFIG_GROUP("control", config_control_keys),
	CONFIG_GROUP("state", config_state_keys),
	CONFIG_GROUP("sync", config_sync_keys),
	CONFIG_GROUP("fastpath", config_fastpath_keys),
	{0},
};

/* Members are naturally aligned fields of struct config, so typed stores are fine; bool is 1. */
void config_store_uint(struct config *c, const struct config_key *k, unsigned long long v)
{
	void *p = (char *)c + k->offset;

	if (k->size == 1)
		*(uint8_t *)p = (uint8_t)v;
	else if (k->size == 2)
		*(uint16_t *)p = (uint16_t)v;
	else if (k->size == 4)
		*(uint32_t *)p = (uint32_t)v;
	else if (k->size == 8)
		*(uint64_t *)p = v;
	/* size 0: validated only (version) */
}

static void config_apply_defaults(struct config *c, const struct config_key *keys)
{
	for (const struct config_key *k = keys; k->name; k++) {
		if (k->kind == CONFIG_KIND_GROUP)
			config_apply_defaults(c, k->sub);
		else if (k->def_str)
			memcpy((char *)c + k->offset, k->def_str, strlen(k->def_str) + 1);
		else
			config_store_uint(c, k,
					  (unsigned long long)k->def *
						  (k->kind == CONFIG_KIND_SECONDS ? 1000 : 1));
	}
}

void config_defaults(struct config *c)
{
	/* Zero the padding too, so two configs compare equal with memcmp. */
	memset(c, 0, sizeof(*c));
	config_apply_defaults(c, config_root_keys);
}

struct config_ctx {
	const char *name;
	char *err;
	size_t err_len;
	struct config *c;
};

#define CONFIG_KEY_PATH_MAX 128

__attribute__((format(printf, 3, 4))) static int
config_fail(const struct config_ctx *ctx, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ctx->err || ctx->err_len == 0)
		return -EINVAL;
	n = snprintf(ctx->err, ctx->err_len, "%s:%u: ", ctx->name, line);
	if (n >= 0 && (size_t)n < ctx->err_len) {
		va_start(ap, fmt);
		vsnprintf(ctx->err + n, ctx->err_len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The dotted path of a setting, e.g. "tcp.timeouts.established". */
static void config_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *chain[8];
	size_t depth = 0, used = 0;

	for (; s && config_setting_name(s) && depth < ARRAY_SIZE(chain);
	     s = config_setting_parent(s))
		chain[depth++] = s;
	buf[0] = '\0';
	while (depth-- > 0 && used < len) {
		int n = snprintf(buf + used, len - used, "%s%s", used ? "." : "",
				 config_setting_name(chain[depth]));
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static const char *config_type_name(int type)
{
	static const char *const names[] = {
		[CONFIG_TYPE_NONE] = "nothing",	  [CONFIG_TYPE_GROUP] = "a group",
		[CONFIG_TYPE_INT] = "an integer", [CONFIG_TYPE_INT64] = "an integer",
		[CONFIG_TYPE_FLOAT] = "a float",  [CONFIG_TYPE_STRING] = "a string",
		[CONFIG_TYPE_BOOL] = "a boolean", [CONFIG_TYPE_ARRAY] = "an array",
		[CONFIG_TYPE_LIST] = "a list",
	};

	if (type < 0 || (size_t)type >= ARRAY_SIZE(names) || !names[type])
		return "a value of unknown type";
	return names[type];
}

static int config_type_error(const struct config_ctx *ctx, const config_setting_t *s,
			     const char *want)
{
	char path[CONFIG_KEY_PATH_MAX];

	config_path(s, path, sizeof(path));
	return config_fail(ctx, config_setting_source_line(s), "'%s' must be %s, not %s", path,
			   want, config_type_name(config_setting_type(s)));
}

/* Levenshtein distance, for "did you mean"; names longer than 31 bytes get no suggestion. */
static size_t config_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[32], i, j;

	if (la >= ARRAY_SIZE(row) || lb >= ARRAY_SIZE(row))
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static int config_unknown(const struct config_ctx *ctx, const config_setting_t *s,
			  const struct config_key *keys)
{
	const char *name = config_setting_name(s), *near = NULL;
	size_t best = 3; /* at most two edits away */
	char path[CONFIG_KEY_PATH_MAX];
	unsigned int line = config_setting_source_line(s);
	int prefix;

	for (const struct config_key *k = keys; k->name; k++) {
		size_t d = config_distance(name, k->name);

		if (d < best && d < strlen(name)) {
			best = d;
			near = k->name;
		}
	}
	config_path(s, path, sizeof(path));
	if (!near)
		return config_fail(ctx, line, "unknown key '%s'", path);
	prefix = strrchr(path, '.') ? (int)(strrchr(path, '.') - path + 1) : 0;
	return config_fail(ctx, line, "unknown key '%s' (did you mean '%.*s%s'?)", path, prefix,
			   path, near);
}

int config_check_int(const struct config_key *k, const char *path, long long v, char *msg,
		     size_t len)
{
	const char *unit = k->kind == CONFIG_KIND_SECONDS ? " s" : "";

	if (v >= k->min && v <= k->max)
		return 0;
	if (k->min == k->max)
		snprintf(msg, len, "'%s' is %lld, the only supported value is %lld", path, v,
			 k->min);
	else
		snprintf(msg, len, "'%s' is %lld%s, allowed range is %lld..%lld%s%s%s%s", path, v,
			 unit, k->min, k->max, unit, k->note ? " (" : "", k->note ? k->note : "",
			 k->note ? ")" : "");
	return -EINVAL;
}

static int config_set_int(const struct config_ctx *ctx, const config_setting_t *s,
			  const struct config_key *k)
{
	char path[CONFIG_KEY_PATH_MAX], msg[CONFIG_ERROR_MAX];
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return config_type_error(ctx, s, "an integer");
	v = config_setting_get_int64(s);
	config_path(s, path, sizeof(path));
	if (config_check_int(k, path, v, msg, sizeof(msg)))
		return config_fail(ctx, config_setting_source_line(s), "%s", msg);
	if (k->kind == CONFIG_KIND_SECONDS)
		v *= 1000;
	config_store_uint(ctx->c, k, (unsigned long long)v);
	return 0;
}

/* Copies at most 32 bytes of a user string into a message, with non-printables as '?'. */
static void config_quote(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 4 < len && i < 32; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i] && i + 4 <= len && i == 32) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
}

int config_find_word(const struct config_key *k, const char *path, const char *word, char *msg,
		     size_t len)
{
	char quoted[40], choices[128];
	size_t used = 0;

	for (size_t i = 0; i < k->nwords; i++)
		if (strcmp(word, k->words[i]) == 0)
			return (int)i;
	choices[0] = '\0';
	for (size_t i = 0; i < k->nwords && used < sizeof(choices); i++) {
		int n = snprintf(choices + used, sizeof(choices) - used, "%s%s", i ? ", " : "",
				 k->words[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	config_quote(word, quoted, sizeof(quoted));
	snprintf(msg, len, "'%s' is \"%s\", expected one of: %s", path, quoted, choices);
	return -EINVAL;
}

static int config_set_enum(const struct config_ctx *ctx, const config_setting_t *s,
			   const struct config_key *k)
{
	char path[CONFIG_KEY_PATH_MAX], msg[CONFIG_ERROR_MAX];
	int i;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return config_type_error(ctx, s, "a string");
	config_path(s, path, sizeof(path));
	i = config_find_word(k, path, config_setting_get_string(s), msg, sizeof(msg));
	if (i < 0)
		return config_fail(ctx, config_setting_source_line(s), "%s", msg);
	config_store_uint(ctx->c, k, (unsigned long long)i);
	return 0;
}

/* A group name as useradd accepts it by default (NAME_REGEX without upper case). */
static bool config_group_name_ok(const char *v, size_t size)
{
	size_t len = strlen(v);

	if (len == 0)
		return true;
	if (len >= size || !((v[0] >= 'a' && v[0] <= 'z') || v[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '_' ||
		      v[i] == '-'))
			return false;
	return true;
}

static bool config_path_ok(const char *v, size_t size)
{
	size_t len = strlen(v);

	if (v[0] != '/' || len >= size)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	return true;
}

static bool config_address_ok(const char *v)
{
	uint8_t a[16];

	return !*v || inet_pton(AF_INET, v, a) == 1 || inet_pton(AF_INET6, v, a) == 1;
}

/* What the kernel's dev_valid_name() accepts, which ip(8) names use. */
static bool config_ifname_ok(const char *v, size_t size)
{
	size_t len = strlen(v);

	if (len >= size || !strcmp(v, ".") || !strcmp(v, ".."))
		return false;
	for (size_t i = 0; i < len; i++)
		if (v[i] == '/' || v[i] == ':' || (unsigned char)v[i] <= 0x20 || v[i] == 0x7f)
			return false;
	return true;
}

/* Interface names separated by spaces or commas, each one config_ifname_ok() takes. */
static bool config_iflist_ok(const char *v, size_t size)
{
	char name[CONFIG_IFNAME_MAX];
	unsigned n = 0;

	if (strlen(v) >= size)
		return false;
	while (*v) {
		size_t len = strcspn(v, " ,");

		if (len) {
			if (len >= sizeof(name) || ++n > CONFIG_IFLIST_NAMES)
				return false;
			memcpy(name, v, len);
			name[len] = '\0';
			if (!config_ifname_ok(name, sizeof(name)))
				return false;
		}
		v += len;
		v += strspn(v, " ,");
	}
	return true;
}

static int config_set_string(const struct config_ctx *ctx, const config_setting_t *s,
			     const struct config_key *k)
{
	char path[CONFIG_KEY_PATH_MAX];
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return config_type_error(ctx, s, "a string");
	v = config_setting_get_string(s);
	config_path(s, path, sizeof(path));
	if (k->kind == CONFIG_KIND_PATH && !config_path_ok(v, k->size))
		return config_fail(ctx, config_setting_source_line(s),
				   "'%s' must be an absolute path of printable characters, shorter "
				   "than %zu bytes",
				   path, k->size);
	if (k->kind == CONFIG_KIND_GROUPNAME && !config_group_name_ok(v, k->size))
		return config_fail(ctx, config_setting_source_line(s),
				   "'%s' must be \"\" or a group name of at most %zu characters, "
				   "[a-z_][a-z0-9_-]*",
				   path, k->size - 1);
	if (k->kind == CONFIG_KIND_ADDRESS && !config_address_ok(v))
		return config_fail(
			ctx, config_setting_source_line(s),
			"'%s' must be \"\" or an IPv4 or IPv6 address, like \"192.0.2.1\" "
			"or \"2001:db8::1\"",
			path);
	if (k->kind == CONFIG_KIND_IFNAME && !config_ifname_ok(v, k->size))
		return config_fail(ctx, config_setting_source_line(s),
				   "'%s' must be \"\" or an interface name of at most %zu "
				   "characters, without '/', ':' or spaces",
				   path, k->size - 1);
	if (k->kind == CONFIG_KIND_IFLIST && !config_iflist_ok(v, k->size))
		return config_fail(ctx, config_setting_source_line(s),
				   "'%s' must be \"\" or up to %d interface names separated by "
				   "spaces or commas, each of at most %d characters",
				   path, CONFIG_IFLIST_NAMES, CONFIG_IFNAME_MAX - 1);
	memcpy((char *)ctx->c + k->offset, v, strlen(v) + 1);
	return 0;
}

static int config_walk(const struct config_ctx *ctx, const config_setting_t *group,
		       const struct config_key *keys)
{
	int n = config_setting_length(group);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned int)i);
		const struct config_key *k = keys;
		int r = 0;

		while (k->name && strcmp(k->name, config_setting_name(s)) != 0)
			k++;
		if (!k->name)
			return config_unknown(ctx, s, keys);
		switch (k->kind) {
		case CONFIG_KIND_GROUP:
			if (config_setting_type(s) != CONFIG_TYPE_GROUP)
				return config_type_error(ctx, s, "a group { ... }");
			r = config_walk(ctx, s, k->sub);
			break;
		case CONFIG_KIND_BOOL:
			if (config_setting_type(s) != CONFIG_TYPE_BOOL)
				return config_type_error(ctx, s, "a boolean (true or false)");
			config_store_uint(ctx->c, k, config_setting_get_bool(s) != 0);
			break;
		case CONFIG_KIND_INT:
		case CONFIG_KIND_SECONDS:
			r = config_set_int(ctx, s, k);
			break;
		case CONFIG_KIND_ENUM:
			r = config_set_enum(ctx, s, k);
			break;
		case CONFIG_KIND_PATH:
		case CONFIG_KIND_GROUPNAME:
		case CONFIG_KIND_ADDRESS:
		case CONFIG_KIND_IFNAME:
		case CONFIG_KIND_IFLIST:
			r = config_set_string(ctx, s, k);
			break;
		}
		if (r)
			return r;
	}
	return 0;
}

/* The line of the first of two keys the file sets; rules involve at least one set key. */
static unsigned int config_line(const config_t *cfg, const char *a, const char *b)
{
	const config_setting_t *s = config_lookup(cfg, a);

	if (!s)
		s = config_lookup(cfg, b);
	return s ? config_setting_source_line(s) : 0;
}

static int config_check_cross(const struct config_ctx *ctx, const config_t *cfg)
{
	char msg[CONFIG_ERROR_MAX];
	const char *key, *other;

	if (!config_check_rules(ctx->c, msg, sizeof(msg), &key, &other))
		return 0;
	return config_fail(ctx, config_line(cfg, key, other), "%s", msg);
}

/*
 * One pass over the text for what libconfig 1.5 gets wrong or must never see, with its lexer's
 * tokens (config_lex):
 * - "@include" at a line start opens a file relative to the working directory: no I/O here;
 * - an unterminated block comment silently swallows the rest of the file, and an unterminated
 *   string is a syntax error reported at the end of the file;
 * - a plain integer is read with (int)strtol and an L-suffixed one with atoll or strtoull, so a
 *   literal outside int32 (plain) or int64 (L) silently wraps or saturates;
 * - the comment rule is (#|//).*$, so a comment on a last line without '\n' is a syntax error;
 * - setting lines are unsigned short.
 */
struct config_scan {
	unsigned int include_line; /* first @include; the scan stops there */
	unsigned int comment_line; /* start of an unterminated block comment */
	unsigned int string_line;  /* start of an unterminated string */
	unsigned int int_line;	   /* first integer literal libconfig would truncate */
	const char *int_text;
	size_t int_len;
	unsigned int lines;
	bool needs_newline; /* the text ends inside a # or // comment */
};

static void config_scan(const char *text, struct config_scan *r)
{
	const char *p = text, *end = text + strlen(text);
	struct config_lex_token t;
	unsigned int line = 1;

	memset(r, 0, sizeof(*r));
	while (p < end) {
		p = config_lex_next(p, end, p == text || p[-1] == '\n', &t);
		if (t.kind == CONFIG_LEX_INCLUDE) {
			r->include_line = line;
			return;
		}
		if (t.open) {
			if (t.kind == CONFIG_LEX_STRING)
				r->string_line = line;
			else
				r->comment_line = line;
			line += t.newlines;
			break;
		}
		if (t.kind == CONFIG_LEX_LINE_COMMENT)
			r->needs_newline = p == end;
		if (t.kind == CONFIG_LEX_INT && !r->int_line &&
		    (t.over ||
		     t.magnitude > (t.wide ? (unsigned long long)INT64_MAX : INT32_MAX) + t.neg)) {
			r->int_line = line;
			r->int_text = t.start;
			r->int_len = t.len;
		}
		line += t.newlines;
	}
	r->lines = line;
}

/*
 * Errors libconfig would not report, or must not be given the chance to hit. The first three
 * are checked before libconfig runs, the last two after it accepted the text.
 */
static int config_check_scan(const struct config_ctx *ctx, const struct config_scan *scan)
{
	if (scan->include_line)
		return config_fail(ctx, scan->include_line,
				   "@include is not supported: the configuration is a single file");
	if (scan->lines > 65535)
		return config_fail(ctx, scan->lines, "more than 65535 lines");
	if (scan->string_line)
		return config_fail(ctx, scan->string_line, "unterminated string");
	if (scan->comment_line)
		return config_fail(ctx, scan->comment_line, "unterminated /* comment");
	if (scan->int_line)
		return config_fail(
			ctx, scan->int_line,
			"integer %.*s is out of range (libconfig would silently truncate it)",
			(int)(scan->int_len < 40 ? scan->int_len : 40), scan->int_text);
	return 0;
}

int config_parse(const char *text, const char *name, struct config *c, char *err, size_t err_len)
{
	struct config tmp;
	struct config_ctx ctx = {.name = name ? name : "config", .err = err, .err_len = err_len};
	struct config_scan scan;
	char *copy = NULL;
	config_t cfg;
	int r;

	if (err && err_len)
		err[0] = '\0';
	if (!text || !c)
		return config_fail(&ctx, 0, "no configuration text or no result");
	config_scan(text, &scan);
	if (scan.include_line || scan.lines > 65535 || scan.string_line)
		return config_check_scan(&ctx, &scan);
	if (scan.needs_newline) {
		size_t len = strlen(text);

		copy = malloc(len + 2);
		if (!copy) {
			config_fail(&ctx, scan.lines, "out of memory");
			return -ENOMEM;
		}
		memcpy(copy, text, len);
		memcpy(copy + len, "\n", 2);
	}

	config_defaults(&tmp);
	ctx.c = &tmp;
	config_init(&cfg);
	if (!config_read_string(&cfg, copy ? copy : text)) {
		r = config_fail(&ctx, (unsigned int)config_error_line(&cfg), "%s",
				config_error_text(&cfg) ? config_error_text(&cfg) : "parse error");
	} else {
		r = config_check_scan(&ctx, &scan);
		if (!r)
			r = config_walk(&ctx, config_root_setting(&cfg), config_root_keys);
		if (!r)
			r = config_check_cross(&ctx, &cfg);
	}
	config_destroy(&cfg);
	free(copy);
	if (r == 0)
		memcpy(c, &tmp, sizeof(*c));
	return r;
}
