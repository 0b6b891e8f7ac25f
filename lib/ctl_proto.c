// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol's names, calls and framing. The ctl_proto module is jansson's one home in
 * lib/: this file, ctl_proto_reply.c (the replies) and the internal ctl_proto_json.h (helpers
 * both files use, defined here). Calls are validated strictly: INVALID_JSON only when the text
 * is not one JSON object; every problem with a member ("method", "more", "parameters" or a
 * parameter) is INVALID_PARAMETER naming it, and an unknown method name is METHOD_NOT_FOUND.
 * The method table says what each call may carry; ctl_proto_reply.c has one for the replies.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "ctl_proto_json.h"
#include "tcp_track_names.h"
#include "util.h"

_Static_assert(_TCP_TRACK_STATE_MAX <= 16, "ctl_filter.state_mask needs room");
_Static_assert(_REASON_MAX <= 64, "ctl_request.reasons needs room");

static const char *const ctl_error_names[] = {
	[CTL_OK] = "ok",
	[CTL_ERR_INVALID_JSON] = "io.tcpfw.InvalidJson",
	[CTL_ERR_TOO_LARGE] = "io.tcpfw.MessageTooLarge",
	[CTL_ERR_METHOD_NOT_FOUND] = "org.varlink.service.MethodNotFound",
	[CTL_ERR_INVALID_PARAMETER] = "org.varlink.service.InvalidParameter",
	[CTL_ERR_PERMISSION_DENIED] = "io.tcpfw.PermissionDenied",
	[CTL_ERR_NO_SUCH_FLOW] = "io.tcpfw.NoSuchFlow",
	[CTL_ERR_NO_SUCH_PARAM] = "io.tcpfw.NoSuchParameter",
	[CTL_ERR_RELOAD_FAILED] = "io.tcpfw.ReloadFailed",
	[CTL_ERR_TOO_SLOW] = "io.tcpfw.ConsumerTooSlow",
	[CTL_ERR_BUSY] = "io.tcpfw.Busy",
	[CTL_ERR_INTERNAL] = "io.tcpfw.InternalError",
};
_Static_assert(ARRAY_SIZE(ctl_error_names) == _CTL_ERR_MAX, "ctl_error_names out of sync");

const char *ctl_error_name(enum ctl_error e)
{
	return NAME_OR_UNKNOWN(ctl_error_names, e);
}

/* ---- helpers shared with ctl_proto_reply.c (ctl_proto_json.h) ---- */

/* Copies untrusted text for a message: printable ASCII only, others as '?', truncated. */
void ctl_proto_clean(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

/* The first member of o that is none of a, b, c (the top level of a message), or NULL. */
const char *ctl_proto_unknown_member(const json_t *o, const char *a, const char *b, const char *c)
{
	for (void *it = json_object_iter((json_t *)o); it;
	     it = json_object_iter_next((json_t *)o, it)) {
		const char *key = json_object_iter_key(it);

		if (strcmp(key, a) && strcmp(key, b) && strcmp(key, c))
			return key;
	}
	return NULL;
}

const char *ctl_proto_family_name(uint8_t family)
{
	return family == 4 ? "ipv4" : family == 6 ? "ipv6" : NULL;
}

int ctl_proto_family_from_name(const char *s)
{
	return strcmp(s, "ipv4") == 0 ? 4 : strcmp(s, "ipv6") == 0 ? 6 : -1;
}

/* Address text -> 16 bytes (IPv4 in the first 4), returning the family, or -1. */
int ctl_proto_addr_parse(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 6;
	return -1;
}

json_t *ctl_proto_addr_json(uint8_t family, const uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN];

	if (family != 4 && family != 6)
		return NULL;
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, sizeof(buf)))
		return NULL;
	return json_string(buf);
}

/* Clears the bits of addr past the first plen. */
static void ctl_prefix_mask(uint8_t addr[16], unsigned plen)
{
	if (plen >= 128)
		return;
	addr[plen / 8] &= (uint8_t)(0xff00 >> (plen % 8));
	memset(addr + plen / 8 + 1, 0, 15 - plen / 8);
}

int ctl_prefix_parse(const char *s, uint8_t addr[16], uint8_t *plen)
{
	const char *slash = strchr(s, '/'), *len = slash ? slash + 1 : NULL;
	size_t n = slash ? (size_t)(slash - s) : strlen(s), digits;
	char text[INET6_ADDRSTRLEN];
	uint8_t a[16];
	unsigned max, v = 0;
	int family;

	if (n >= sizeof(text))
		return -EINVAL;
	memcpy(text, s, n);
	text[n] = '\0';
	family = ctl_proto_addr_parse(text, a);
	if (family < 0)
		return -EINVAL;
	max = family == 4 ? 32 : 128;
	if (len) {
		digits = strspn(len, "0123456789");
		if (!digits || digits > 3 || len[digits] || (len[0] == '0' && digits > 1))
			return -ERANGE;
		for (size_t i = 0; i < digits; i++)
			v = v * 10 + (unsigned)(len[i] - '0');
		if (v > max)
			return -ERANGE;
	}
	*plen = (uint8_t)(len ? v : max);
	ctl_prefix_mask(a, *plen);
	memcpy(addr, a, 16);
	return family;
}

/* The text ctl_prefix_parse() reads back: the address alone when plen is the full length. */
static json_t *ctl_prefix_json(uint8_t family, const uint8_t addr[16], uint8_t plen)
{
	unsigned max = family == 4 ? 32 : 128;
	json_t *host, *j;
	uint8_t a[16];

	if (plen > max)
		return NULL;
	memcpy(a, addr, 16);
	ctl_prefix_mask(a, plen);
	host = ctl_proto_addr_json(family, a);
	if (!host || plen == max)
		return host;
	j = json_sprintf("%s/%u", json_string_value(host), plen);
	json_decref(host);
	return j;
}

/* libconfig text ("5", "true", "\"shorten\"") -> JSON; NULL if it is none of the three. */
json_t *ctl_proto_value_json(const char *text)
{
	size_t len = strlen(text);
	char buf[sizeof(((struct ctl_param *)0)->value)];
	unsigned long long v = 0;
	size_t i = 0, o = 0;
	bool neg = text[0] == '-';

	if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
		return json_boolean(text[0] == 't');
	if (text[0] == '"') {
		for (i = 1; i + 1 < len && o + 1 < sizeof(buf); i++) {
			if (text[i] == '"' ||
			    (text[i] == '\\' && text[i + 1] != '"' && text[i + 1] != '\\'))
				return NULL;
			i += text[i] == '\\';
			buf[o++] = text[i];
		}
		if (len < 2 || i + 1 != len || text[i] != '"')
			return NULL;
		return json_stringn(buf, o);
	}
	for (i = neg; text[i] >= '0' && text[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return NULL;
		v = v * 10 + (unsigned)(text[i] - '0');
	}
	if (i == (size_t)neg || text[i] || v > (unsigned long long)INT64_MAX + neg)
		return NULL;
	return json_integer(neg ? (json_int_t)(0 - v) : (json_int_t)v);
}

/* JSON string, integer or boolean -> libconfig text in out; -EINVAL for anything else. */
int ctl_proto_value_text(const json_t *v, char *out, size_t len)
{
	const char *s = json_string_value(v);
	size_t o = 0;
	int n;

	if (json_is_integer(v))
		n = snprintf(out, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_boolean(v))
		n = snprintf(out, len, "%s", json_is_true(v) ? "true" : "false");
	else if (!s)
		return -EINVAL;
	else {
		out[o++] = '"';
		for (; *s; s++) {
			bool esc = *s == '"' || *s == '\\';

			/* room for this character, the closing quote and the NUL */
			if ((unsigned char)*s < 0x20 || *s == 0x7f || o + esc + 3 > len)
				return -EINVAL;
			if (esc)
				out[o++] = '\\';
			out[o++] = *s;
		}
		out[o++] = '"';
		out[o] = '\0';
		n = (int)o;
	}
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

char *ctl_proto_dump(json_t *j, size_t flags)
{
	char *text = j ? json_dumps(j, flags) : NULL;

	json_decref(j);
	return text;
}

/* ---- requests ---- */

/* A parameter name: a dotted config key, [a-z0-9_.], 1..63 bytes. */
static bool ctl_param_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < sizeof(((struct ctl_param *)0)->name) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.") == n;
}

struct ctl_parse {
	struct ctl_request req;
	struct ctl_reply *err;
	uint8_t src_family;
	uint8_t dst_family;
};

__attribute__((format(printf, 4, 5))) static int ctl_fail(struct ctl_reply *r, enum ctl_error e,
							  const char *param, const char *fmt, ...)
{
	va_list ap;

	r->error = (uint8_t)e;
	ctl_proto_clean(r->parameter, sizeof(r->parameter), param ? param : "");
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int ctl_bad(struct ctl_parse *p, const char *key, const char *what)
{
	char k[64];

	ctl_proto_clean(k, sizeof(k), key);
	return ctl_fail(p->err, CTL_ERR_INVALID_PARAMETER, k, "'%s' must be %s", k, what);
}

typedef int ctl_param_fn(struct ctl_parse *p, const char *key, const json_t *v);

static int ctl_param_family(struct ctl_parse *p, const char *key, const json_t *v)
{
	int f = json_is_string(v) ? ctl_proto_family_from_name(json_string_value(v)) : -1;

	if (f < 0)
		return ctl_bad(p, key, "\"ipv4\" or \"ipv6\"");
	p->req.filter.family = (uint8_t)f;
	return 0;
}

/* "src" or "dst" of a filter: an address or a prefix (ctl_prefix_parse). */
static int ctl_param_addr(struct ctl_parse *p, const char *key, const json_t *v)
{
	struct ctl_filter *f = &p->req.filter;
	bool src = key[0] == 's';
	int family = -EINVAL;

	if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v))
		family = ctl_prefix_parse(json_string_value(v), src ? f->src : f->dst,
					  src ? &f->src_plen : &f->dst_plen);
	if (family == -ERANGE)
		return ctl_fail(p->err, CTL_ERR_INVALID_PARAMETER, key,
				"'%s': a prefix length is 0..32 for IPv4, 0..128 for IPv6", key);
	if (family < 0)
		return ctl_bad(p, key, "an IPv4 or IPv6 address string, or a prefix ADDR/LEN");
	*(src ? &f->has_src : &f->has_dst) = true;
	*(src ? &p->src_family : &p->dst_family) = (uint8_t)family;
	return 0;
}

/* "src" or "dst" of Get's tuple: one address, no prefix. */
static int ctl_param_host(struct ctl_parse *p, const char *key, const json_t *v)
{
	if (json_is_string(v) && strchr(json_string_value(v), '/'))
		return ctl_fail(p->err, CTL_ERR_INVALID_PARAMETER, key,
				"'%s' must be one address, not a prefix", key);
	return ctl_param_addr(p, key, v);
}

static int ctl_param_port(struct ctl_parse *p, const char *key, const json_t *v)
{
	json_int_t n = json_integer_value(v);

	if (!json_is_integer(v) || n < 0 || n > 65535)
		return ctl_bad(p, key, "an integer 0..65535");
	*(key[0] == 's' ? &p->req.filter.sport : &p->req.filter.dport) = (uint16_t)n;
	return 0;
}

static int ctl_param_states(struct ctl_parse *p, const char *key, const json_t *v)
{
	uint32_t mask = 0;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return ctl_bad(p, key, "a non-empty array of state names");
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		int s = json_is_string(e) ? tcp_track_state_from_name(json_string_value(e)) : -1;

		if (s < 0) {
			char name[32];

			ctl_proto_clean(name, sizeof(name),
					json_is_string(e) ? json_string_value(e) : "?");
			return ctl_fail(p->err, CTL_ERR_INVALID_PARAMETER, key,
					"'%s': unknown state \"%s\" (SYN_SENT, ESTABLISHED, ...)",
					key, name);
		}
		mask |= 1u << s;
	}
	p->req.filter.state_mask = mask;
	return 0;
}

static int ctl_param_name(struct ctl_parse *p, const char *key, const json_t *v)
{
	if (!json_is_string(v) || !ctl_param_name_ok(json_string_value(v)))
		return ctl_bad(p, key, "a parameter name such as \"tcp.timeouts.established\"");
	memcpy(p->req.param.name, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int ctl_param_value(struct ctl_parse *p, const char *key, const json_t *v)
{
	if (ctl_proto_value_text(v, p->req.param.value, sizeof(p->req.param.value)))
		return ctl_bad(p, key,
			       "a string, an integer or a boolean, of printable characters "
			       "and at most 125 bytes");
	return 0;
}

static int ctl_param_reset(struct ctl_parse *p, const char *key, const json_t *v)
{
	if (!json_is_boolean(v))
		return ctl_bad(p, key, "true or false");
	p->req.reset = json_is_true(v);
	return 0;
}

struct ctl_key {
	const char *name;
	ctl_param_fn *parse;
};

/* The filter's keys first: the tuple of Get is a prefix, its required ones are bits 1..4.
 * CTL_FILTER_KEYS ends with a comma: the tables go on after it. */
#define CTL_FILTER_KEYS                                                                            \
	{"family", ctl_param_family}, {"src", ctl_param_addr}, {"dst", ctl_param_addr},            \
		{"sport", ctl_param_port}, {"dport", ctl_param_port},                              \
		{"states", ctl_param_states},
static const struct ctl_key ctl_filter_keys[] = {CTL_FILTER_KEYS{NULL, NULL}};
static const struct ctl_key ctl_kill_keys[] = {CTL_FILTER_KEYS{"reset", ctl_param_reset},
					       {NULL, NULL}};
static const struct ctl_key ctl_flush_keys[] = {{"reset", ctl_param_reset}, {NULL, NULL}};

static int ctl_param_drops(struct ctl_parse *p, const char *key, const json_t *v)
{
	if (!json_is_boolean(v))
		return ctl_bad(p, key, "true or false");
	p->req.drops = json_is_true(v);
	return 0;
}

static int ctl_param_reasons(struct ctl_parse *p, const char *key, const json_t *v)
{
	uint64_t mask = 0;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return ctl_bad(p, key, "a non-empty array of reason names");
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		int r = json_is_string(e) ? reason_from_name(json_string_value(e)) : -1;

		if (r < 0) {
			char name[40];

			ctl_proto_clean(name, sizeof(name),
					json_is_string(e) ? json_string_value(e) : "?");
			return ctl_fail(p->err, CTL_ERR_INVALID_PARAMETER, key,
					"'%s': unknown reason \"%s\" (seq_over_window, ...)", key,
					name);
		}
		mask |= UINT64_C(1) << r;
	}
	p->req.reasons = mask;
	return 0;
}

/* Trace and Capture: the filter's keys, whether only drops count, and which reasons */
static const struct ctl_key ctl_trace_keys[] = {
	CTL_FILTER_KEYS{"drops", ctl_param_drops}, {"reasons", ctl_param_reasons}, {NULL, NULL}};
static const struct ctl_key ctl_tuple_keys[] = {
	{"family", ctl_param_family}, {"src", ctl_param_host},	 {"dst", ctl_param_host},
	{"sport", ctl_param_port},    {"dport", ctl_param_port}, {NULL, NULL},
};
static const struct ctl_key ctl_param_keys[] = {
	{"name", ctl_param_name},
	{"value", ctl_param_value},
	{NULL, NULL},
};
static const struct ctl_key ctl_name_keys[] = {
	{"name", ctl_param_name},
	{NULL, NULL},
};
static const struct ctl_key ctl_no_keys[] = {{NULL, NULL}};

/* After all keys: addresses agree with each other and with "family", which they imply. */
static int ctl_check_filter(struct ctl_parse *p)
{
	struct ctl_filter *f = &p->req.filter;
	const uint8_t fam[2] = {p->src_family, p->dst_family};
	const bool has[2] = {f->has_src, f->has_dst};
	static const char *const key[2] = {"src", "dst"};

	for (int i = 0; i < 2; i++) {
		if (!has[i])
			continue;
		if (f->family && f->family != fam[i])
			return ctl_fail(p->err, CTL_ERR_INVALID_PARAMETER, key[i],
					"'%s' is an IPv%u address but the filter is IPv%u", key[i],
					fam[i], f->family);
		f->family = fam[i];
	}
	return 0;
}

/* ---- request formatting, by parameter kind ---- */

static int ctl_filter_format(json_t *o, const struct ctl_filter *f, bool tuple)
{
	json_t *states;
	int bad = 0;

	if (f->family && !ctl_proto_family_name(f->family))
		return -EINVAL;
	if ((f->has_src || f->has_dst || tuple) && !f->family)
		return -EINVAL;
	if (tuple && (!f->has_src || !f->has_dst || f->src_plen != f->dst_plen ||
		      f->src_plen != (f->family == 4 ? 32 : 128)))
		return -EINVAL;
	if (f->family)
		bad |= json_object_set_new(o, "family",
					   json_string(ctl_proto_family_name(f->family)));
	if (f->has_src)
		bad |= json_object_set_new(o, "src",
					   ctl_prefix_json(f->family, f->src, f->src_plen));
	if (f->has_dst)
		bad |= json_object_set_new(o, "dst",
					   ctl_prefix_json(f->family, f->dst, f->dst_plen));
	if (f->sport || tuple)
		bad |= json_object_set_new(o, "sport", json_integer(f->sport));
	if (f->dport || tuple)
		bad |= json_object_set_new(o, "dport", json_integer(f->dport));
	if (tuple || !f->state_mask)
		return bad;
	if (f->state_mask >> _TCP_TRACK_STATE_MAX)
		return -EINVAL;
	states = json_array();
	for (unsigned s = 0; s < _TCP_TRACK_STATE_MAX; s++)
		if (f->state_mask & (1u << s))
			bad |= json_array_append_new(states, json_string(tcp_track_state_name(s)));
	return bad | json_object_set_new(o, "states", states);
}

static int ctl_format_filter(json_t *o, const struct ctl_request *req)
{
	return ctl_filter_format(o, &req->filter, false);
}

static int ctl_format_flush(json_t *o, const struct ctl_request *req)
{
	return req->reset ? json_object_set_new(o, "reset", json_true()) : 0;
}

static int ctl_format_kill(json_t *o, const struct ctl_request *req)
{
	return ctl_format_filter(o, req) | ctl_format_flush(o, req);
}

static int ctl_format_tuple(json_t *o, const struct ctl_request *req)
{
	return ctl_filter_format(o, &req->filter, true);
}

static int ctl_format_trace(json_t *o, const struct ctl_request *req)
{
	json_t *reasons;
	int bad = ctl_filter_format(o, &req->filter, false) |
		  (req->drops ? json_object_set_new(o, "drops", json_true()) : 0);

	if (bad || !req->reasons)
		return bad;
	if (req->reasons >> _REASON_MAX)
		return -EINVAL;
	reasons = json_array();
	for (unsigned r = 0; r < _REASON_MAX; r++)
		if (req->reasons & (UINT64_C(1) << r))
			bad |= json_array_append_new(reasons, json_string(reason_name(r)));
	return bad | json_object_set_new(o, "reasons", reasons);
}

static int ctl_format_name(json_t *o, const struct ctl_request *req)
{
	const char *name = req->param.name;

	if (strnlen(name, sizeof(req->param.name)) == sizeof(req->param.name))
		return -EINVAL;
	if (!name[0])
		return 0;
	if (!ctl_param_name_ok(name))
		return -EINVAL;
	return json_object_set_new(o, "name", json_string(name));
}

static int ctl_format_param(json_t *o, const struct ctl_request *req)
{
	if (!req->param.name[0] || ctl_format_name(o, req) ||
	    strnlen(req->param.value, sizeof(req->param.value)) == sizeof(req->param.value))
		return -EINVAL;
	return json_object_set_new(o, "value", ctl_proto_value_json(req->param.value));
}

/* ---- the method table: what each call carries ---- */

struct ctl_method_info {
	const char *name;
	bool admin;
	const struct ctl_key *keys; /* allowed parameters */
	unsigned required;	    /* bits of keys[] that must be present */
	int (*check)(struct ctl_parse *p);
	int (*format)(json_t *o, const struct ctl_request *req);
};

#define CTL_FILTER_METHOD(n, adm)                                                                  \
	{                                                                                          \
		.name = n, .admin = adm, .keys = ctl_filter_keys, .check = ctl_check_filter,       \
		.format = ctl_format_filter                                                        \
	}
#define CTL_TRACE_METHOD(n, adm)                                                                   \
	{                                                                                          \
		.name = n, .admin = adm, .keys = ctl_trace_keys, .check = ctl_check_filter,        \
		.format = ctl_format_trace                                                         \
	}
#define CTL_PLAIN_METHOD(n, adm)                                                                   \
	{                                                                                          \
		.name = n, .admin = adm, .keys = ctl_no_keys                                       \
	}

/* The replies to each method are in ctl_proto_reply.c's ctl_reply_kinds[]. */
static const struct ctl_method_info ctl_methods[] = {
	[CTL_FLOWS_LIST] = CTL_FILTER_METHOD("io.tcpfw.Flows.List", false),
	[CTL_FLOWS_GET] = {.name = "io.tcpfw.Flows.Get",
			   .keys = ctl_tuple_keys,
			   .required = 0x1e,
			   .check = ctl_check_filter,
			   .format = ctl_format_tuple},
	[CTL_FLOWS_COUNT] = CTL_FILTER_METHOD("io.tcpfw.Flows.Count", false),
	[CTL_FLOWS_KILL] = {.name = "io.tcpfw.Flows.Kill",
			    .admin = true,
			    .keys = ctl_kill_keys,
			    .check = ctl_check_filter,
			    .format = ctl_format_kill},
	[CTL_FLOWS_FLUSH] = {.name = "io.tcpfw.Flows.Flush",
			     .admin = true,
			     .keys = ctl_flush_keys,
			     .format = ctl_format_flush},
	[CTL_EVENTS_WATCH] = CTL_FILTER_METHOD("io.tcpfw.Events.Watch", false),
	[CTL_STATS_GET] = CTL_PLAIN_METHOD("io.tcpfw.Stats.Get", false),
	[CTL_PARAMS_GET] = {.name = "io.tcpfw.Params.Get",
			    .keys = ctl_name_keys,
			    .format = ctl_format_name},
	[CTL_PARAMS_SET] = {.name = "io.tcpfw.Params.Set",
			    .admin = true,
			    .keys = ctl_param_keys,
			    .required = 0x3,
			    .format = ctl_format_param},
	[CTL_DAEMON_STATUS] = CTL_PLAIN_METHOD("io.tcpfw.Daemon.Status", false),
	[CTL_DAEMON_RELOAD] = CTL_PLAIN_METHOD("io.tcpfw.Daemon.Reload", true),
	[CTL_DAEMON_VERSION] = CTL_PLAIN_METHOD("io.tcpfw.Daemon.Version", false),
	[CTL_PACKETS_TRACE] = CTL_TRACE_METHOD("io.tcpfw.Packets.Trace", false),
	/* the packets' bytes: what only root sees with tcpdump */
	[CTL_PACKETS_CAPTURE] = CTL_TRACE_METHOD("io.tcpfw.Packets.Capture", true),
};
_Static_assert(ARRAY_SIZE(ctl_methods) == _CTL_METHOD_MAX, "ctl_methods out of sync");

const char *ctl_method_name(enum ctl_method m)
{
	return (unsigned)m < _CTL_METHOD_MAX ? ctl_methods[m].name : "unknown";
}

int ctl_method_from_name(const char *name)
{
	for (unsigned m = 0; name && m < _CTL_METHOD_MAX; m++)
		if (strcmp(ctl_methods[m].name, name) == 0)
			return (int)m;
	return -1;
}

bool ctl_method_is_admin(enum ctl_method m)
{
	return (unsigned)m < _CTL_METHOD_MAX && ctl_methods[m].admin;
}

/* ---- calls ---- */

static int ctl_parse_parameters(struct ctl_parse *p, const json_t *params)
{
	const struct ctl_method_info *m = &ctl_methods[p->req.method];
	unsigned seen = 0, missing;
	const char *key;

	for (void *it = json_object_iter((json_t *)params); it;
	     it = json_object_iter_next((json_t *)params, it)) {
		unsigned i = 0;
		char k[64];
		int r;

		key = json_object_iter_key(it);
		while (m->keys[i].name && strcmp(m->keys[i].name, key) != 0)
			i++;
		if (!m->keys[i].name) {
			ctl_proto_clean(k, sizeof(k), key);
			return ctl_fail(p->err, CTL_ERR_INVALID_PARAMETER, k,
					"unknown parameter '%s' for %s", k, m->name);
		}
		r = m->keys[i].parse(p, key, json_object_iter_value(it));
		if (r)
			return r;
		seen |= 1u << i;
	}
	missing = m->required & ~seen;
	if (missing) {
		key = m->keys[__builtin_ctz(missing)].name;
		return ctl_fail(p->err, CTL_ERR_INVALID_PARAMETER, key,
				"missing parameter '%s' for %s", key, m->name);
	}
	return m->check ? m->check(p) : 0;
}

static int ctl_parse_call(struct ctl_parse *p, const json_t *root)
{
	const json_t *method = json_object_get(root, "method");
	const json_t *more = json_object_get(root, "more");
	const json_t *params = json_object_get(root, "parameters");
	const char *key;
	int m;

	if (!json_is_string(method))
		return ctl_fail(p->err, CTL_ERR_INVALID_PARAMETER, "method",
				method ? "'method' must be a string" : "missing 'method'");
	m = ctl_method_from_name(json_string_value(method));
	if (m < 0) {
		char name[96];

		ctl_proto_clean(name, sizeof(name), json_string_value(method));
		return ctl_fail(p->err, CTL_ERR_METHOD_NOT_FOUND, NULL, "unknown method '%s'",
				name);
	}
	p->req.method = (uint8_t)m;
	p->err->method = (uint8_t)m;
	key = ctl_proto_unknown_member(root, "method", "more", "parameters");
	if (key) {
		char k[64];

		ctl_proto_clean(k, sizeof(k), key);
		return ctl_fail(p->err, CTL_ERR_INVALID_PARAMETER, k,
				"unknown member '%s' in the call", k);
	}
	if (more && !json_is_boolean(more))
		return ctl_fail(p->err, CTL_ERR_INVALID_PARAMETER, "more",
				"'more' must be true or false");
	p->req.more = json_is_true(more);
	if (params && !json_is_object(params))
		return ctl_fail(p->err, CTL_ERR_INVALID_PARAMETER, "parameters",
				"'parameters' must be an object");
	return ctl_parse_parameters(p, params);
}

int ctl_request_parse(const char *msg, size_t len, size_t max_len, struct ctl_request *req,
		      struct ctl_reply *reply)
{
	struct ctl_reply err;
	struct ctl_parse p;
	json_error_t jerr;
	json_t *root;
	int r;

	memset(&err, 0, sizeof(err));
	memset(&p, 0, sizeof(p));
	p.err = &err;
	if (len > max_len)
		r = ctl_fail(&err, CTL_ERR_TOO_LARGE, NULL,
			     "message of %zu bytes exceeds the limit of %zu", len, max_len);
	else if (!msg || memchr(msg, '\0', len))
		r = ctl_fail(&err, CTL_ERR_INVALID_JSON, NULL, "message contains a NUL byte");
	else if (!(root = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr))) {
		char why[96];

		ctl_proto_clean(why, sizeof(why), jerr.text);
		r = ctl_fail(&err, CTL_ERR_INVALID_JSON, NULL, "invalid JSON at offset %d: %s",
			     jerr.position, why);
	} else {
		r = json_is_object(root) ? ctl_parse_call(&p, root)
					 : ctl_fail(&err, CTL_ERR_INVALID_JSON, NULL,
						    "a call must be a JSON object");
		json_decref(root);
	}
	if (r) {
		if (reply)
			*reply = err;
		return -EINVAL;
	}
	*req = p.req;
	return 0;
}

char *ctl_request_format(const struct ctl_request *req)
{
	const struct ctl_method_info *m;
	json_t *params;

	if (req->method >= _CTL_METHOD_MAX)
		return NULL;
	m = &ctl_methods[req->method];
	params = json_object();
	if (!params || (m->format && m->format(params, req))) {
		json_decref(params);
		return NULL;
	}
	if (req->more)
		return ctl_proto_dump(json_pack("{s:s, s:o, s:b}", "method", m->name, "parameters",
						params, "more", 1),
				      CTL_PROTO_COMPACT);
	return ctl_proto_dump(json_pack("{s:s, s:o}", "method", m->name, "parameters", params),
			      CTL_PROTO_COMPACT);
}
