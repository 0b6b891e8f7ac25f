// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fast path's object, part of the ctl_proto module (see ctl_proto_reply.c): "fastpath":{...}
 * in the Stats.Get reply (ctl_proto_stats.c). Off, it holds "enabled":false alone; on, every
 * member. Strict inside the object, lenient around it: a reply without one comes from a daemon
 * older than the fast path, which had none.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "ctl_proto_json.h"
#include "util.h"

static const char *const ctl_fp_return_names[] = {
	[CTL_FP_RET_FLAGS] = "flags",	    [CTL_FP_RET_STATE] = "state",
	[CTL_FP_RET_AUTH] = "auth",	    [CTL_FP_RET_PAWS] = "paws",
	[CTL_FP_RET_STALE] = "stale",	    [CTL_FP_RET_WINDOW] = "window",
	[CTL_FP_RET_CHECKSUM] = "checksum",
};

_Static_assert(ARRAY_SIZE(ctl_fp_return_names) == _CTL_FP_RET_MAX,
	       "ctl_fp_return_names out of sync");

const char *ctl_fastpath_return_name(unsigned r)
{
	return NAME_OR_UNKNOWN(ctl_fp_return_names, r);
}

static const struct {
	const char *name;
	size_t offset;
} ctl_fp_counters[] = {
	{"accepted", offsetof(struct ctl_fastpath, accepted)},
	{"queued", offsetof(struct ctl_fastpath, queued)},
	{"busy", offsetof(struct ctl_fastpath, busy)},
	{"unparsed", offsetof(struct ctl_fastpath, unparsed)},
	{"handovers", offsetof(struct ctl_fastpath, handovers)},
	{"imports", offsetof(struct ctl_fastpath, imports)},
	{"reclaims", offsetof(struct ctl_fastpath, reclaims)},
	{"full", offsetof(struct ctl_fastpath, full)},
};

static uint64_t *ctl_fp_counter(const struct ctl_fastpath *f, size_t i)
{
	return (uint64_t *)((char *)f + ctl_fp_counters[i].offset);
}

json_t *ctl_fastpath_json(const struct ctl_fastpath *f)
{
	json_t *o = json_pack("{s:b}", "enabled", f->enabled);
	int bad;

	if (!o || !f->enabled)
		return o;
	bad = json_object_set_new(o, "flows", ctl_jint(f->flows));
	for (size_t i = 0; i < ARRAY_SIZE(ctl_fp_counters); i++)
		bad |= json_object_set_new(o, ctl_fp_counters[i].name,
					   ctl_jint(*ctl_fp_counter(f, i)));
	bad |= json_object_set_new(
		o, "returned",
		ctl_counts_json(ctl_fastpath_return_name, _CTL_FP_RET_MAX, f->returned));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int ctl_fastpath_parse(const json_t *o, struct ctl_fastpath *f)
{
	uint64_t flows;

	memset(f, 0, sizeof(*f));
	if (!o)
		return 0;
	if (!json_is_object(o) || ctl_get_bool(o, "enabled", &f->enabled))
		return -EINVAL;
	if (!f->enabled)
		return 0;
	if (ctl_get_uint(o, "flows", UINT32_MAX, &flows) ||
	    ctl_counts_parse(json_object_get(o, "returned"), ctl_fastpath_return_name,
			     _CTL_FP_RET_MAX, INT64_MAX, f->returned))
		return -EINVAL;
	f->flows = (uint32_t)flows;
	for (size_t i = 0; i < ARRAY_SIZE(ctl_fp_counters); i++)
		if (ctl_get_uint(o, ctl_fp_counters[i].name, INT64_MAX, ctl_fp_counter(f, i)))
			return -EINVAL;
	return 0;
}
