// SPDX-License-Identifier: GPL-2.0-or-later
#include "flow_names.h"
#include "util.h"

static const char *const verdict_names[] = {
	[ENGINE_ACCEPT] = "accept",
	[ENGINE_DROP] = "drop",
};
_Static_assert(ARRAY_SIZE(verdict_names) == _ENGINE_VERDICT_MAX, "verdict_names out of sync");

static const char *const cause_names[] = {
	[ENGINE_CAUSE_TIMEOUT] = "timeout", [ENGINE_CAUSE_RESET] = "reset",
	[ENGINE_CAUSE_REOPEN] = "reopen",   [ENGINE_CAUSE_EVICTED] = "evicted",
	[ENGINE_CAUSE_KILLED] = "killed",   [ENGINE_CAUSE_FLUSHED] = "flushed",
	[ENGINE_CAUSE_PEER] = "peer",
};
_Static_assert(ARRAY_SIZE(cause_names) == _ENGINE_CAUSE_MAX, "cause_names out of sync");

static const char *const event_names[] = {
	[ENGINE_EVENT_NEW] = "new",
	[ENGINE_EVENT_STATE] = "state",
	[ENGINE_EVENT_DESTROY] = "destroy",
};
_Static_assert(ARRAY_SIZE(event_names) == _ENGINE_EVENT_MAX, "event_names out of sync");

const char *flow_verdict_name(enum engine_verdict v)
{
	return NAME_OR_UNKNOWN(verdict_names, v);
}

const char *flow_cause_name(enum engine_cause c)
{
	return NAME_OR_UNKNOWN(cause_names, c);
}

const char *flow_event_name(enum engine_event_type t)
{
	return NAME_OR_UNKNOWN(event_names, t);
}
