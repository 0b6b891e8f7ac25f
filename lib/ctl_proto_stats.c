// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol's replies about the daemon as a whole, part of the ctl_proto module (see
 * ctl_proto_reply.c for the reply kinds and the flow and event replies): Stats.Get (counters
 * by reason, state and cause, and the queues), Daemon.Status and Params.Get. Formatting and
 * parsing follow the same rules as ctl_proto_reply.c. The stats and the status both end with
 * the replication object, "sync" (ctl_proto_sync.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "ctl_proto_json.h"
#include "flow_names.h" /* _ENGINE_CAUSE_MAX only */
#include "tcp_track_names.h"
#include "util.h"

#define CTL_OVERRIDDEN_MAX 16
/* {"name":N,...} for n named counters. */
json_t *ctl_counts_json(const char *(*name)(unsigned), unsigned n, const uint64_t *v)
{
	json_t *o = json_object();

	for (unsigned i = 0; o && i < n; i++) {
		if (json_object_set_new(o, name(i), ctl_jint(v[i]))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* Every known name must be there; names from a newer daemon are ignored. */
int ctl_counts_parse(const json_t *o, const char *(*name)(unsigned), unsigned n, uint64_t max,
		     uint64_t *v)
{
	if (!json_is_object(o))
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (ctl_get_uint(o, name(i), max, &v[i]))
			return -EINVAL;
	return 0;
}

static json_t *ctl_queue_json(const struct ctl_queue_stats *q)
{
	return json_pack("{s:i, s:o, s:o, s:o, s:o}", "queue", (int)q->num, "waiting",
			 ctl_jint(q->queue_total), "queue_dropped", ctl_jint(q->queue_dropped),
			 "user_dropped", ctl_jint(q->user_dropped), "packets_seen",
			 ctl_jint(q->id_sequence));
}

static int ctl_queue_parse(const json_t *o, struct ctl_queue_stats *q)
{
	uint64_t num, total;

	if (ctl_get_uint(o, "queue", 65535, &num) ||
	    ctl_get_uint(o, "waiting", UINT32_MAX, &total) ||
	    ctl_get_uint(o, "queue_dropped", INT64_MAX, &q->queue_dropped) ||
	    ctl_get_uint(o, "user_dropped", INT64_MAX, &q->user_dropped) ||
	    ctl_get_uint(o, "packets_seen", INT64_MAX, &q->id_sequence))
		return -EINVAL;
	q->num = (uint16_t)num;
	q->queue_total = (uint32_t)total;
	return 0;
}

json_t *ctl_result_stats(const struct ctl_reply *r)
{
	const struct ctl_stats *s = r->stats;
	uint64_t states[_TCP_TRACK_STATE_MAX];
	json_t *queues;

	if (!s || s->n_queues > ARRAY_SIZE(s->queues))
		return NULL;
	for (unsigned i = 0; i < _TCP_TRACK_STATE_MAX; i++)
		states[i] = s->states[i];
	queues = json_array();
	for (unsigned i = 0; queues && i < s->n_queues; i++) {
		if (json_array_append_new(queues, ctl_queue_json(&s->queues[i]))) {
			json_decref(queues);
			return NULL;
		}
	}
	return json_pack("{s:{s:o, s:o}, s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
			 "s:o, s:o, s:o}",
			 "verdicts", "accept", ctl_jint(s->verdict_accept), "drop",
			 ctl_jint(s->verdict_drop), "reasons",
			 ctl_counts_json(ctl_reason_name, _REASON_MAX, s->reasons), "states",
			 ctl_counts_json(ctl_state_name, _TCP_TRACK_STATE_MAX, states), "flows",
			 (json_int_t)s->flows, "max_flows", (json_int_t)s->max_flows, "created",
			 ctl_jint(s->created), "destroyed",
			 ctl_counts_json(ctl_cause_name, _ENGINE_CAUSE_MAX, s->destroyed),
			 "packets", ctl_jint(s->packets), "enobufs", ctl_jint(s->enobufs), "lost",
			 ctl_jint(s->lost), "relearned", ctl_jint(s->relearned),
			 "control_pause_max_us", ctl_jint(s->pause_max_us), "fastpath",
			 ctl_fastpath_json(&s->fastpath), "queues", queues, "sync",
			 ctl_sync_json(&s->sync));
}

int ctl_parse_stats(const json_t *p, struct ctl_reply *r)
{
	const json_t *verdicts = json_object_get(p, "verdicts"), *queues;
	uint64_t states[_TCP_TRACK_STATE_MAX], flows, max_flows;
	struct ctl_stats *s;
	size_t i;

	s = r->stats = calloc(1, sizeof(*r->stats));
	if (!s)
		return -ENOMEM;
	queues = json_object_get(p, "queues");
	if (ctl_get_uint(verdicts, "accept", INT64_MAX, &s->verdict_accept) ||
	    ctl_get_uint(verdicts, "drop", INT64_MAX, &s->verdict_drop) ||
	    ctl_counts_parse(json_object_get(p, "reasons"), ctl_reason_name, _REASON_MAX, INT64_MAX,
			     s->reasons) ||
	    ctl_counts_parse(json_object_get(p, "states"), ctl_state_name, _TCP_TRACK_STATE_MAX,
			     UINT32_MAX, states) ||
	    ctl_counts_parse(json_object_get(p, "destroyed"), ctl_cause_name, _ENGINE_CAUSE_MAX,
			     INT64_MAX, s->destroyed) ||
	    ctl_get_uint(p, "flows", UINT32_MAX, &flows) ||
	    ctl_get_uint(p, "max_flows", UINT32_MAX, &max_flows) ||
	    ctl_get_uint(p, "created", INT64_MAX, &s->created) ||
	    ctl_get_uint(p, "packets", INT64_MAX, &s->packets) ||
	    ctl_get_uint(p, "enobufs", INT64_MAX, &s->enobufs) ||
	    ctl_get_uint(p, "lost", INT64_MAX, &s->lost) ||
	    ctl_get_uint(p, "relearned", INT64_MAX, &s->relearned) ||
	    ctl_get_uint(p, "control_pause_max_us", INT64_MAX, &s->pause_max_us) ||
	    ctl_sync_parse(json_object_get(p, "sync"), &s->sync) ||
	    ctl_fastpath_parse(json_object_get(p, "fastpath"), &s->fastpath) ||
	    !json_is_array(queues) || json_array_size(queues) > ARRAY_SIZE(s->queues))
		return -EINVAL;
	for (i = 0; i < _TCP_TRACK_STATE_MAX; i++)
		s->states[i] = (uint32_t)states[i];
	s->flows = (uint32_t)flows;
	s->max_flows = (uint32_t)max_flows;
	s->n_queues = (unsigned)json_array_size(queues);
	for (i = 0; i < s->n_queues; i++)
		if (ctl_queue_parse(json_array_get(queues, i), &s->queues[i]))
			return -EINVAL;
	return 0;
}

json_t *ctl_result_status(const struct ctl_reply *r)
{
	const struct ctl_status *s = r->status;
	char queues[16];
	json_t *over;

	if (!s || !s->queue_count || s->n_overridden > CTL_OVERRIDDEN_MAX ||
	    s->queue_num + s->queue_count - 1 > 65535)
		return NULL;
	if (s->queue_count == 1)
		snprintf(queues, sizeof(queues), "%u", s->queue_num);
	else
		snprintf(queues, sizeof(queues), "%u-%u", s->queue_num,
			 (unsigned)s->queue_num + s->queue_count - 1);
	over = json_array();
	for (unsigned i = 0; over && i < s->n_overridden; i++) {
		if (json_array_append_new(over, ctl_jstr(s->overridden[i], 63))) {
			json_decref(over);
			return NULL;
		}
	}
	return json_pack("{s:i, s:o, s:I, s:o, s:o, s:s, s:b, s:o, s:b, s:I, s:I, s:o, s:o}",
			 "json_schema_version", 1, "version", ctl_jstr(s->version, 31), "pid",
			 (json_int_t)s->pid, "uptime", ctl_jsec(s->uptime_ms), "config",
			 ctl_jstr(s->config_path, 255), "queues", queues, "fail_open",
			 (int)s->fail_open, "time_wait_policy", ctl_jstr(s->tw_policy, 15),
			 "pickup", (int)s->pickup, "flows", (json_int_t)s->flows, "max_flows",
			 (json_int_t)s->max_flows, "overridden", over, "sync",
			 ctl_sync_json(&s->sync));
}

/* Decimal digits at *p, at most 5 of them, as a number; -1 if there are none. */
static long ctl_digits(const char **p)
{
	long v = 0;
	int n = 0;

	for (; **p >= '0' && **p <= '9' && n < 5; (*p)++, n++)
		v = v * 10 + (**p - '0');
	return n ? v : -1;
}

/* "N" or "N-M", M >= N, both 0..65535. */
static int ctl_queues_parse(const char *t, struct ctl_status *s)
{
	long first = ctl_digits(&t), last = first;

	if (*t == '-') {
		t++;
		last = ctl_digits(&t);
	}
	if (*t || first < 0 || last < first || last > 65535 || last - first >= 65535)
		return -EINVAL;
	s->queue_num = (uint16_t)first;
	s->queue_count = (uint16_t)(last - first + 1);
	return 0;
}

int ctl_parse_status(const json_t *p, struct ctl_reply *r)
{
	const json_t *over = json_object_get(p, "overridden");
	struct ctl_status *s;
	char queues[16];
	uint64_t pid, flows, max_flows;
	size_t i;

	s = r->status = calloc(1, sizeof(*r->status));
	if (!s)
		return -ENOMEM;
	if (ctl_get_str(p, "version", s->version, sizeof(s->version)) ||
	    ctl_get_uint(p, "pid", UINT32_MAX, &pid) || ctl_get_ms(p, "uptime", &s->uptime_ms) ||
	    ctl_get_str(p, "config", s->config_path, sizeof(s->config_path)) ||
	    ctl_get_str(p, "queues", queues, sizeof(queues)) || ctl_queues_parse(queues, s) ||
	    ctl_get_bool(p, "fail_open", &s->fail_open) ||
	    ctl_get_str(p, "time_wait_policy", s->tw_policy, sizeof(s->tw_policy)) ||
	    ctl_get_bool(p, "pickup", &s->pickup) || ctl_get_uint(p, "flows", UINT32_MAX, &flows) ||
	    ctl_get_uint(p, "max_flows", UINT32_MAX, &max_flows) || !json_is_array(over) ||
	    json_array_size(over) > CTL_OVERRIDDEN_MAX ||
	    ctl_sync_parse(json_object_get(p, "sync"), &s->sync))
		return -EINVAL;
	s->pid = (uint32_t)pid;
	s->flows = (uint32_t)flows;
	s->max_flows = (uint32_t)max_flows;
	for (i = 0; i < json_array_size(over); i++) {
		const json_t *e = json_array_get(over, i);

		if (!json_is_string(e) || json_string_length(e) >= sizeof(s->overridden[i]))
			return -EINVAL;
		memcpy(s->overridden[i], json_string_value(e), json_string_length(e) + 1);
	}
	s->n_overridden = (unsigned)json_array_size(over);
	return 0;
}

json_t *ctl_params_json(const struct ctl_reply *r)
{
	json_t *o = json_object();

	if (r->n_params && !r->params) {
		json_decref(o);
		return NULL;
	}
	for (size_t i = 0; o && i < r->n_params; i++) {
		const struct ctl_param *prm = &r->params[i];

		if (strnlen(prm->name, sizeof(prm->name)) == sizeof(prm->name) ||
		    strnlen(prm->value, sizeof(prm->value)) == sizeof(prm->value) ||
		    json_object_set_new(o, prm->name, ctl_proto_value_json(prm->value))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *ctl_result_params(const struct ctl_reply *r)
{
	return json_pack("{s:o}", "params", ctl_params_json(r));
}

int ctl_parse_params(const json_t *p, struct ctl_reply *r)
{
	const json_t *o = json_object_get(p, "params");
	size_t i = 0;

	if (!json_is_object(o))
		return -EINVAL;
	r->n_params = json_object_size(o);
	r->params = r->n_params ? calloc(r->n_params, sizeof(*r->params)) : NULL;
	if (r->n_params && !r->params)
		return -ENOMEM;
	for (void *it = json_object_iter((json_t *)o); it;
	     it = json_object_iter_next((json_t *)o, it)) {
		struct ctl_param *prm = &r->params[i++];
		const char *name = json_object_iter_key(it);

		if (strlen(name) >= sizeof(prm->name) ||
		    ctl_proto_value_text(json_object_iter_value(it), prm->value,
					 sizeof(prm->value)))
			return -EINVAL;
		memcpy(prm->name, name, strlen(name) + 1);
	}
	return 0;
}
