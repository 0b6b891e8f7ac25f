// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The replication object, part of the ctl_proto module (see ctl_proto_reply.c): "sync":{...},
 * carried by the Daemon.Status and Stats.Get replies (ctl_proto_stats.c), and the object
 * tcpfwctl sync -j prints. With state "disabled" the object holds the state alone; otherwise
 * every member, "last_heard_ms" only once the peer was heard. Parsing is strict inside the
 * object (every member there, of its type; names known) and lenient around it: a reply
 * without "sync" comes from a daemon older than replication, which has none (disabled).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "ctl_proto_json.h"
#include "util.h"

static const char *const ctl_sync_state_names[] = {
	[CTL_SYNC_DISABLED] = "disabled",   [CTL_SYNC_CONNECTING] = "connecting",
	[CTL_SYNC_RESYNC] = "resync",	    [CTL_SYNC_IN_SYNC] = "in_sync",
	[CTL_SYNC_PEER_LOST] = "peer_lost",
};
_Static_assert(ARRAY_SIZE(ctl_sync_state_names) == _CTL_SYNC_STATE_MAX,
	       "ctl_sync_state_names out of sync");

static const char *const ctl_sync_drop_names[] = {
	[CTL_SYNC_DROP_BAD_SOURCE] = "bad_source", [CTL_SYNC_DROP_MALFORMED] = "malformed",
	[CTL_SYNC_DROP_BAD_AUTH] = "bad_auth",	   [CTL_SYNC_DROP_REPLAYED] = "replayed",
	[CTL_SYNC_DROP_NO_SESSION] = "no_session", [CTL_SYNC_DROP_BAD_RECORD] = "bad_record",
	[CTL_SYNC_DROP_TABLE_FULL] = "table_full",
};
_Static_assert(ARRAY_SIZE(ctl_sync_drop_names) == _CTL_SYNC_DROP_MAX,
	       "ctl_sync_drop_names out of sync");

const char *ctl_sync_state_name(unsigned state)
{
	return NAME_OR_UNKNOWN(ctl_sync_state_names, state);
}

const char *ctl_sync_drop_name(unsigned drop)
{
	return NAME_OR_UNKNOWN(ctl_sync_drop_names, drop);
}

/* The uint64_t members after "inflight", in the order the object carries them. */
static const struct {
	const char *name;
	size_t offset;
} ctl_sync_counters[] = {
	{"lag_ms", offsetof(struct ctl_sync, lag_ms)},
	{"lag_max_ms", offsetof(struct ctl_sync, lag_max_ms)},
	{"sessions", offsetof(struct ctl_sync, sessions)},
	{"datagrams_sent", offsetof(struct ctl_sync, sent)},
	{"datagrams_received", offsetof(struct ctl_sync, received)},
	{"retransmitted", offsetof(struct ctl_sync, retransmitted)},
	{"records_sent", offsetof(struct ctl_sync, records_sent)},
	{"records_applied", offsetof(struct ctl_sync, records_applied)},
	{"bulks_sent", offsetof(struct ctl_sync, bulks_sent)},
	{"bulks_received", offsetof(struct ctl_sync, bulks_received)},
	{"bulk_last_ms", offsetof(struct ctl_sync, bulk_last_ms)},
	{"bulk_last_flows", offsetof(struct ctl_sync, bulk_last_flows)},
};

static const uint64_t *ctl_sync_counter(const struct ctl_sync *s, size_t i)
{
	return (const uint64_t *)((const char *)s + ctl_sync_counters[i].offset);
}

json_t *ctl_sync_json(const struct ctl_sync *s)
{
	json_t *o;
	int bad;

	if (s->state >= _CTL_SYNC_STATE_MAX)
		return NULL;
	o = json_pack("{s:s}", "state", ctl_sync_state_name(s->state));
	if (!o || s->state == CTL_SYNC_DISABLED)
		return o;
	bad = json_object_set_new(o, "peer", ctl_jstr(s->peer, sizeof(s->peer) - 1)) |
	      json_object_set_new(o, "complete", json_boolean(s->complete)) |
	      json_object_set_new(o, "peer_complete", json_boolean(s->peer_complete));
	if (s->heard)
		bad |= json_object_set_new(o, "last_heard_ms", ctl_jint(s->last_heard_ms));
	bad |= json_object_set_new(o, "inflight", ctl_jint(s->inflight));
	for (size_t i = 0; i < ARRAY_SIZE(ctl_sync_counters); i++)
		bad |= json_object_set_new(o, ctl_sync_counters[i].name,
					   ctl_jint(*ctl_sync_counter(s, i)));
	bad |= json_object_set_new(
		o, "dropped", ctl_counts_json(ctl_sync_drop_name, _CTL_SYNC_DROP_MAX, s->dropped));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int ctl_sync_parse(const json_t *o, struct ctl_sync *s)
{
	const char *state = json_string_value(json_object_get(o, "state"));
	int st = state ? ctl_lookup(ctl_sync_state_name, _CTL_SYNC_STATE_MAX, state) : -1;
	uint64_t inflight;

	memset(s, 0, sizeof(*s));
	if (!o)
		return 0;
	if (!json_is_object(o) || st < 0)
		return -EINVAL;
	s->state = (uint8_t)st;
	if (st == CTL_SYNC_DISABLED)
		return 0;
	if (ctl_get_str(o, "peer", s->peer, sizeof(s->peer)) ||
	    ctl_get_bool(o, "complete", &s->complete) ||
	    ctl_get_bool(o, "peer_complete", &s->peer_complete) ||
	    ctl_get_uint(o, "inflight", UINT32_MAX, &inflight) ||
	    ctl_counts_parse(json_object_get(o, "dropped"), ctl_sync_drop_name, _CTL_SYNC_DROP_MAX,
			     INT64_MAX, s->dropped))
		return -EINVAL;
	s->inflight = (uint32_t)inflight;
	s->heard = json_object_get(o, "last_heard_ms") != NULL;
	if (s->heard && ctl_get_uint(o, "last_heard_ms", INT64_MAX, &s->last_heard_ms))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(ctl_sync_counters); i++)
		if (ctl_get_uint(o, ctl_sync_counters[i].name, INT64_MAX,
				 (uint64_t *)ctl_sync_counter(s, i)))
			return -EINVAL;
	return 0;
}

char *ctl_sync_result_json(const struct ctl_sync *sync, bool pretty)
{
	return ctl_proto_dump(ctl_sync_json(sync), pretty ? CTL_PROTO_PRETTY : CTL_PROTO_COMPACT);
}
