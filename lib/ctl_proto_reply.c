// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol's replies, the other half of the ctl_proto module (see ctl_proto.c): for
 * each method, its result object, its parser and the shape tcpfwctl -j prints, plus error
 * replies. Replies are parsed strictly at the top level (varlink fixes it) and by type and
 * presence inside, where unknown members are ignored so a newer daemon may add fields. Counters
 * are uint64_t and JSON integers int64_t: formatting saturates, parsing caps at INT64_MAX.
 * The stats, status and params replies are in ctl_proto_stats.c, trace and capture in
 * ctl_proto_trace.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "ctl_proto_json.h"
#include "flow_names.h"
#include "tcp_track_names.h"
#include "util.h"

_Static_assert(_TCP_TRACK_STATE_MAX <= 16, "ctl_stats.states needs room");
_Static_assert(_ENGINE_CAUSE_MAX <= 8, "ctl_stats.destroyed needs room");
_Static_assert(_REASON_MAX <= 64, "counts are gathered in uint64_t[64]");

#define CTL_MS_MAX 1000000000000000ULL /* 10^15 ms, 31,700 years: exact as a double */

/* ---- helpers ---- */

/* A JSON string from a fixed array (at most max bytes); invalid UTF-8 is cleaned, not lost. */
json_t *ctl_jstr(const char *s, size_t max)
{
	char buf[256];
	size_t n = strnlen(s, max);
	json_t *j = json_stringn(s, n);

	if (j || n >= sizeof(buf))
		return j;
	memcpy(buf, s, n);
	buf[n] = '\0';
	ctl_proto_clean(buf, sizeof(buf), buf);
	return json_string(buf);
}

/* Counters are uint64_t, JSON integers int64: saturate rather than wrap negative. */
json_t *ctl_jint(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* An integer member in 0..max. */
int ctl_get_uint(const json_t *o, const char *key, uint64_t max, uint64_t *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return -EINVAL;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* Milliseconds as seconds; beyond CTL_MS_MAX (no timer gets near) they saturate. */
json_t *ctl_jsec(uint64_t ms)
{
	return json_real((double)(ms < CTL_MS_MAX ? ms : CTL_MS_MAX) / 1000.0);
}

/* A number of seconds (integer or real) as milliseconds. */
int ctl_get_ms(const json_t *o, const char *key, uint64_t *out_ms)
{
	const json_t *v = json_object_get(o, key);
	double s = json_number_value(v);

	if (!json_is_number(v) || !(s >= 0 && s <= CTL_MS_MAX / 1000))
		return -EINVAL;
	*out_ms = (uint64_t)(s * 1000.0 + 0.5);
	return 0;
}

/* A string member copied into dst (len bytes with the NUL); longer or missing is an error. */
int ctl_get_str(const json_t *o, const char *key, char *dst, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) >= len)
		return -EINVAL;
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

int ctl_get_bool(const json_t *o, const char *key, bool *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		return -EINVAL;
	*out = json_is_true(v);
	return 0;
}

/* The event, cause and state enums by name: -1 if unknown. */
int ctl_lookup(const char *(*name)(unsigned), unsigned n, const char *s)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(name(i), s) == 0)
			return (int)i;
	return -1;
}

const char *ctl_state_name(unsigned i)
{
	return tcp_track_state_name((enum tcp_track_state)i);
}

const char *ctl_reason_name(unsigned i)
{
	return reason_name((enum reason)i);
}

const char *ctl_cause_name(unsigned i)
{
	return flow_cause_name((enum engine_cause)i);
}

const char *ctl_event_name(unsigned i)
{
	return flow_event_name((enum engine_event_type)i);
}

/* ---- replies: result objects by method ---- */

/* Accounting, conntrack's acct: {"original":{"packets":N,"bytes":N},"reply":{...}}. */
static json_t *ctl_counters_json(const struct ctl_flow *f)
{
	return json_pack("{s:{s:o, s:o}, s:{s:o, s:o}}", "original", "packets",
			 ctl_jint(f->packets[0]), "bytes", ctl_jint(f->bytes[0]), "reply",
			 "packets", ctl_jint(f->packets[1]), "bytes", ctl_jint(f->bytes[1]));
}

static json_t *ctl_flow_json(const struct ctl_flow *f)
{
	json_t *src = ctl_proto_addr_json(f->family, f->src),
	       *dst = ctl_proto_addr_json(f->family, f->dst), *o;

	if (!src || !dst || f->state >= _TCP_TRACK_STATE_MAX) {
		json_decref(src);
		json_decref(dst);
		return NULL;
	}
	o = json_pack("{s:I, s:i, s:s, s:s, s:b, s:o, s:i, s:o, s:i, s:o}", "id", (json_int_t)f->id,
		      "queue", (int)f->queue, "family", ctl_proto_family_name(f->family), "state",
		      ctl_state_name(f->state), "assured", (int)f->assured, "src", src, "sport",
		      (int)f->sport, "dst", dst, "dport", (int)f->dport, "timeout",
		      ctl_jsec(f->expires_in_ms));
	if (o && f->has_counters && json_object_set_new(o, "counters", ctl_counters_json(f))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* "counters" is optional (accounting off); present, it must be whole. */
static int ctl_counters_parse(const json_t *o, struct ctl_flow *f)
{
	static const char *const dirs[2] = {"original", "reply"};
	const json_t *c = json_object_get(o, "counters");

	if (!c)
		return 0;
	if (!json_is_object(c))
		return -EINVAL;
	for (int d = 0; d < 2; d++) {
		const json_t *dir = json_object_get(c, dirs[d]);

		if (!json_is_object(dir) ||
		    ctl_get_uint(dir, "packets", INT64_MAX, &f->packets[d]) ||
		    ctl_get_uint(dir, "bytes", INT64_MAX, &f->bytes[d]))
			return -EINVAL;
	}
	f->has_counters = true;
	return 0;
}

static int ctl_flow_parse(const json_t *o, struct ctl_flow *f)
{
	const char *family, *state, *src, *dst;
	uint64_t id, queue, sport, dport;
	int fam, st;

	memset(f, 0, sizeof(*f));
	if (json_unpack((json_t *)o, "{s:s, s:s, s:s, s:s}", "family", &family, "state", &state,
			"src", &src, "dst", &dst) ||
	    ctl_get_uint(o, "id", UINT32_MAX, &id) || ctl_get_uint(o, "queue", 65535, &queue) ||
	    ctl_get_uint(o, "sport", 65535, &sport) || ctl_get_uint(o, "dport", 65535, &dport) ||
	    ctl_get_bool(o, "assured", &f->assured) ||
	    ctl_get_ms(o, "timeout", &f->expires_in_ms) || ctl_counters_parse(o, f))
		return -EINVAL;
	fam = ctl_proto_family_from_name(family);
	st = tcp_track_state_from_name(state);
	if (fam < 0 || st < 0 || ctl_proto_addr_parse(src, f->src) != fam ||
	    ctl_proto_addr_parse(dst, f->dst) != fam)
		return -EINVAL;
	f->family = (uint8_t)fam;
	f->state = (uint8_t)st;
	f->id = (uint32_t)id;
	f->queue = (uint16_t)queue;
	f->sport = (uint16_t)sport;
	f->dport = (uint16_t)dport;
	return 0;
}

static json_t *ctl_flows_json(const struct ctl_reply *r)
{
	json_t *a = json_array();

	if (r->n_flows && !r->flows) {
		json_decref(a);
		return NULL;
	}
	for (size_t i = 0; a && i < r->n_flows; i++) {
		if (json_array_append_new(a, ctl_flow_json(&r->flows[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *ctl_result_list(const struct ctl_reply *r)
{
	return json_pack("{s:o}", "flows", ctl_flows_json(r));
}

static int ctl_parse_list(const json_t *params, struct ctl_reply *r)
{
	const json_t *a = json_object_get(params, "flows");

	if (!json_is_array(a))
		return -EINVAL;
	r->n_flows = json_array_size(a);
	r->flows = r->n_flows ? calloc(r->n_flows, sizeof(*r->flows)) : NULL;
	if (r->n_flows && !r->flows)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_flows; i++)
		if (ctl_flow_parse(json_array_get(a, i), &r->flows[i]))
			return -EINVAL;
	return 0;
}

static json_t *ctl_result_get(const struct ctl_reply *r)
{
	if (r->n_flows != 1 || !r->flows)
		return NULL;
	return json_pack("{s:o}", "flow", ctl_flow_json(r->flows));
}

static int ctl_parse_get(const json_t *params, struct ctl_reply *r)
{
	r->flows = calloc(1, sizeof(*r->flows));
	if (!r->flows)
		return -ENOMEM;
	r->n_flows = 1;
	return ctl_flow_parse(json_object_get(params, "flow"), r->flows);
}

/* Count, Kill and Flush answer one number under a method-specific name. */
static const char *ctl_count_key(uint8_t method)
{
	return method == CTL_FLOWS_KILL	   ? "killed"
	       : method == CTL_FLOWS_FLUSH ? "flushed"
					   : "count";
}

/* Kill and Flush called with "reset":true also say how many RSTs went out, and failed. */
static json_t *ctl_count_json(const struct ctl_reply *r, const char *key)
{
	if (r->has_reset && r->method != CTL_FLOWS_COUNT)
		return json_pack("{s:o, s:o, s:o}", key, ctl_jint(r->count), "reset",
				 ctl_jint(r->reset_sent), "reset_failed",
				 ctl_jint(r->reset_failed));
	return json_pack("{s:o}", key, ctl_jint(r->count));
}

static json_t *ctl_result_count(const struct ctl_reply *r)
{
	return ctl_count_json(r, ctl_count_key(r->method));
}

static int ctl_parse_count(const json_t *params, struct ctl_reply *r)
{
	if (ctl_get_uint(params, ctl_count_key(r->method), INT64_MAX, &r->count))
		return -EINVAL;
	if (r->method == CTL_FLOWS_COUNT || !json_object_get(params, "reset"))
		return 0;
	r->has_reset = true;
	if (ctl_get_uint(params, "reset", INT64_MAX, &r->reset_sent) ||
	    ctl_get_uint(params, "reset_failed", INT64_MAX, &r->reset_failed))
		return -EINVAL;
	return 0;
}

static json_t *ctl_event_json(const struct ctl_event *ev)
{
	json_t *o;

	if (ev->type >= _ENGINE_EVENT_MAX)
		return NULL;
	o = json_pack("{s:s}", "type", ctl_event_name(ev->type));
	if (ev->type == ENGINE_EVENT_DESTROY &&
	    (ev->cause >= _ENGINE_CAUSE_MAX ||
	     json_object_set_new(o, "cause", json_string(ctl_cause_name(ev->cause)))))
		goto fail;
	if (ev->type == ENGINE_EVENT_STATE &&
	    (ev->old_state >= _TCP_TRACK_STATE_MAX ||
	     json_object_set_new(o, "old_state", json_string(ctl_state_name(ev->old_state)))))
		goto fail;
	if (json_object_set_new(o, "time", ctl_jint(ev->time_ms)) ||
	    (ev->timestamp_ms && json_object_set_new(o, "timestamp", ctl_jsec(ev->timestamp_ms))) ||
	    json_object_set_new(o, "flow", ctl_flow_json(&ev->flow)))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int ctl_event_parse(const json_t *o, struct ctl_event *ev)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *cause = json_string_value(json_object_get(o, "cause"));
	const char *old = json_string_value(json_object_get(o, "old_state"));
	int t = type ? ctl_lookup(ctl_event_name, _ENGINE_EVENT_MAX, type) : -1, v = 0;

	if (t < 0 || ctl_get_uint(o, "time", INT64_MAX, &ev->time_ms) ||
	    (json_object_get(o, "timestamp") && ctl_get_ms(o, "timestamp", &ev->timestamp_ms)) ||
	    ctl_flow_parse(json_object_get(o, "flow"), &ev->flow))
		return -EINVAL;
	ev->type = (uint8_t)t;
	if (t == ENGINE_EVENT_DESTROY) {
		v = cause ? ctl_lookup(ctl_cause_name, _ENGINE_CAUSE_MAX, cause) : -1;
		ev->cause = (uint8_t)v;
	} else if (t == ENGINE_EVENT_STATE) {
		v = old ? tcp_track_state_from_name(old) : -1;
		ev->old_state = (uint8_t)v;
	}
	return v < 0 ? -EINVAL : 0;
}

static json_t *ctl_result_watch(const struct ctl_reply *r)
{
	return json_pack("{s:o}", "event", ctl_event_json(&r->event));
}

static int ctl_parse_watch(const json_t *params, struct ctl_reply *r)
{
	return ctl_event_parse(json_object_get(params, "event"), &r->event);
}

static json_t *ctl_result_version(const struct ctl_reply *r)
{
	return json_pack("{s:o}", "version", ctl_jstr(r->version, sizeof(r->version) - 1));
}

static int ctl_parse_version(const json_t *p, struct ctl_reply *r)
{
	return ctl_get_str(p, "version", r->version, sizeof(r->version));
}

static json_t *ctl_result_empty(const struct ctl_reply *r)
{
	(void)r;
	return json_object();
}

static int ctl_parse_empty(const json_t *p, struct ctl_reply *r)
{
	(void)p;
	(void)r;
	return 0;
}

/* tcpfwctl -j shapes that differ from the reply's parameters. */
static json_t *ctl_json_get(const struct ctl_reply *r)
{
	return r->n_flows == 1 && r->flows ? ctl_flow_json(r->flows) : NULL;
}

static json_t *ctl_json_count(const struct ctl_reply *r)
{
	return ctl_count_json(r, "count");
}

static json_t *ctl_json_watch(const struct ctl_reply *r)
{
	return ctl_event_json(&r->event);
}

/* ---- the reply kinds, by method (what each call carries is in ctl_proto.c) ---- */

struct ctl_reply_kind {
	json_t *(*result)(const struct ctl_reply *r); /* reply parameters */
	int (*parse_result)(const json_t *params, struct ctl_reply *r);
	json_t *(*json)(const struct ctl_reply *r); /* tcpfwctl -j; NULL: result */
};

static const struct ctl_reply_kind ctl_reply_kinds[] = {
	[CTL_FLOWS_LIST] = {ctl_result_list, ctl_parse_list, ctl_flows_json},
	[CTL_FLOWS_GET] = {ctl_result_get, ctl_parse_get, ctl_json_get},
	[CTL_FLOWS_COUNT] = {ctl_result_count, ctl_parse_count, ctl_json_count},
	[CTL_FLOWS_KILL] = {ctl_result_count, ctl_parse_count, ctl_json_count},
	[CTL_FLOWS_FLUSH] = {ctl_result_count, ctl_parse_count, ctl_json_count},
	[CTL_EVENTS_WATCH] = {ctl_result_watch, ctl_parse_watch, ctl_json_watch},
	[CTL_STATS_GET] = {ctl_result_stats, ctl_parse_stats, NULL},
	[CTL_PARAMS_GET] = {ctl_result_params, ctl_parse_params, ctl_params_json},
	[CTL_PARAMS_SET] = {ctl_result_empty, ctl_parse_empty, NULL},
	[CTL_DAEMON_STATUS] = {ctl_result_status, ctl_parse_status, NULL},
	[CTL_DAEMON_RELOAD] = {ctl_result_empty, ctl_parse_empty, NULL},
	[CTL_DAEMON_VERSION] = {ctl_result_version, ctl_parse_version, NULL},
	[CTL_PACKETS_TRACE] = {ctl_result_trace, ctl_parse_trace, ctl_json_trace},
	[CTL_PACKETS_CAPTURE] = {ctl_result_trace, ctl_parse_trace, ctl_json_trace},
};
_Static_assert(ARRAY_SIZE(ctl_reply_kinds) == _CTL_METHOD_MAX, "ctl_reply_kinds out of sync");

/* ---- replies ---- */

static json_t *ctl_error_json(const struct ctl_reply *r, bool flat)
{
	json_t *o = json_object(), *params = flat ? o : json_object();
	int bad = 0;

	if (r->error >= _CTL_ERR_MAX || !params) {
		json_decref(o);
		json_decref(params == o ? NULL : params);
		return NULL;
	}
	if (flat)
		bad |= json_object_set_new(o, "error", json_string(ctl_error_name(r->error)));
	if (r->message[0])
		bad |= json_object_set_new(params, "message", ctl_jstr(r->message, 255));
	if (r->parameter[0])
		bad |= json_object_set_new(params, "parameter", ctl_jstr(r->parameter, 63));
	if (!flat)
		bad |= json_object_set_new(o, "error", json_string(ctl_error_name(r->error))) |
		       json_object_set_new(o, "parameters", params);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *ctl_reply_format(const struct ctl_reply *reply)
{
	json_t *params;

	if (reply->error != CTL_OK)
		return ctl_proto_dump(ctl_error_json(reply, false), CTL_PROTO_COMPACT);
	if (reply->method >= _CTL_METHOD_MAX)
		return NULL;
	params = ctl_reply_kinds[reply->method].result(reply);
	if (reply->continues)
		return ctl_proto_dump(json_pack("{s:o, s:b}", "parameters", params, "continues", 1),
				      CTL_PROTO_COMPACT);
	return ctl_proto_dump(json_pack("{s:o}", "parameters", params), CTL_PROTO_COMPACT);
}

static int ctl_reply_error_parse(const json_t *root, struct ctl_reply *r)
{
	const char *name = json_string_value(json_object_get(root, "error"));
	const json_t *params = json_object_get(root, "parameters");
	const json_t *msg = json_object_get(params, "message");
	const json_t *prm = json_object_get(params, "parameter");
	int e = -1;

	if (!name || (params && !json_is_object(params)) || (msg && !json_is_string(msg)) ||
	    (prm && !json_is_string(prm)) || json_object_get(root, "continues"))
		return -EINVAL;
	for (unsigned i = CTL_OK + 1; i < _CTL_ERR_MAX && e < 0; i++)
		if (strcmp(ctl_error_name((enum ctl_error)i), name) == 0)
			e = (int)i;
	/* An error this client does not know: keep its name for the operator. */
	if (e < 0)
		snprintf(r->message, sizeof(r->message), "%s%s%s", name, msg ? ": " : "",
			 msg ? json_string_value(msg) : "");
	else if (msg)
		snprintf(r->message, sizeof(r->message), "%s", json_string_value(msg));
	if (prm)
		snprintf(r->parameter, sizeof(r->parameter), "%s", json_string_value(prm));
	r->error = (uint8_t)(e < 0 ? CTL_ERR_INTERNAL : e);
	return 0;
}

static int ctl_reply_parse_root(const json_t *root, struct ctl_reply *r)
{
	const json_t *params = json_object_get(root, "parameters");
	const json_t *cont = json_object_get(root, "continues");

	if (ctl_proto_unknown_member(root, "parameters", "continues", "error"))
		return -EINVAL;
	if (json_object_get(root, "error"))
		return ctl_reply_error_parse(root, r);
	if ((params && !json_is_object(params)) || (cont && !json_is_boolean(cont)))
		return -EINVAL;
	r->continues = json_is_true(cont);
	return ctl_reply_kinds[r->method].parse_result(params, r);
}

int ctl_reply_parse(const char *msg, size_t len, enum ctl_method method, struct ctl_reply *reply)
{
	struct ctl_reply r;
	json_t *root;
	int ret = -EINVAL;

	memset(&r, 0, sizeof(r));
	r.method = (uint8_t)method;
	if ((unsigned)method >= _CTL_METHOD_MAX || !msg || memchr(msg, '\0', len))
		return -EINVAL;
	root = json_loadb(msg, len, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(root))
		ret = ctl_reply_parse_root(root, &r);
	json_decref(root);
	if (ret) {
		ctl_reply_free_members(&r);
		return ret == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	*reply = r;
	return 0;
}

void ctl_reply_free_members(struct ctl_reply *reply)
{
	free(reply->flows);
	free(reply->stats);
	free(reply->status);
	free(reply->params);
	free(reply->trace);
	reply->trace = NULL;
	reply->flows = NULL;
	reply->stats = NULL;
	reply->status = NULL;
	reply->params = NULL;
	reply->n_flows = 0;
	reply->n_params = 0;
}

char *ctl_reply_result_json(const struct ctl_reply *reply, bool pretty)
{
	size_t flags = pretty ? CTL_PROTO_PRETTY : CTL_PROTO_COMPACT;
	const struct ctl_reply_kind *m;

	if (reply->error != CTL_OK)
		return ctl_proto_dump(ctl_error_json(reply, true), flags);
	if (reply->method >= _CTL_METHOD_MAX)
		return NULL;
	m = &ctl_reply_kinds[reply->method];
	return ctl_proto_dump(m->json ? m->json(reply) : m->result(reply), flags);
}
