// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config_rules - the rules between keys (config_check_rules in config_keys.h): what one
 * setting asks of another, checked after every key has its own range, by config_parse() for
 * a file and by config_param for a change at run time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config_keys.h"

/* Durations a <= b, both "tcp.time_wait.<name>". */
static int config_check_le(const char *a, uint64_t a_ms, const char *b, uint64_t b_ms, char *msg,
			   size_t len)
{
	if (a_ms <= b_ms)
		return 0;
	snprintf(msg, len, "'%s' (%llu s) must not exceed '%s' (%llu s)", a,
		 (unsigned long long)a_ms / 1000, b, (unsigned long long)b_ms / 1000);
	return -EINVAL;
}

static int config_check_sync(const struct config *c, char *msg, size_t len, const char **key,
			     const char **other)
{
	*key = "sync.peer";
	*other = "sync.enabled";
	if (!c->sync.enabled)
		return 0;
	if (!c->sync.peer[0]) {
		snprintf(msg, len, "'sync.enabled' needs 'sync.peer', the other box's address");
		return -EINVAL;
	}
	/* the two kernels spread flows over queues with different random seeds */
	*key = "queue.count";
	if (c->queue.count != 1) {
		snprintf(msg, len,
			 "'sync.enabled' needs 'queue.count' = 1: the peer cannot know which of "
			 "several queues its kernel gives a flow");
		return -EINVAL;
	}
	return 0;
}

static int config_check_fastpath(const struct config *c, char *msg, size_t len, const char **key,
				 const char **other)
{
	*key = "fastpath.interfaces";
	*other = "fastpath.enabled";
	if (!c->fastpath.enabled)
		return 0;
	if (!c->fastpath.interfaces[strspn(c->fastpath.interfaces, " ,")]) {
		snprintf(msg, len,
			 "'fastpath.enabled' needs 'fastpath.interfaces', where packets arrive");
		return -EINVAL;
	}
	/* one worker harvests the program's changes and owns every slot */
	*key = "queue.count";
	if (c->queue.count != 1) {
		snprintf(msg, len, "'fastpath.enabled' needs 'queue.count' = 1 for now");
		return -EINVAL;
	}
	return 0;
}

int config_check_rules(const struct config *c, char *msg, size_t len, const char **key,
		       const char **other)
{
	const struct config_time_wait *tw = &c->tcp.time_wait;
	unsigned int last = (unsigned int)c->queue.num + c->queue.count - 1;

	*key = "tcp.time_wait.shortened";
	*other = "tcp.time_wait.duration";
	if (last > 65535) {
		*key = "queue.count";
		*other = "queue.num";
		snprintf(msg, len,
			 "'queue.num' + 'queue.count' - 1 is %u, past the last queue number 65535",
			 last);
		return -EINVAL;
	}
	if (config_check_le(*key, tw->shortened_ms, *other, tw->duration_ms, msg, len))
		return -EINVAL;
	*key = "tcp.time_wait.minimum";
	*other = "tcp.time_wait.shortened";
	if (config_check_le(*key, tw->minimum_ms, *other, tw->shortened_ms, msg, len))
		return -EINVAL;
	*key = "tcp.time_wait.adaptive_end";
	*other = "tcp.time_wait.adaptive_start";
	if (tw->adaptive_end_pct <= tw->adaptive_start_pct) {
		snprintf(msg, len, "'%s' (%u) must be greater than '%s' (%u)", *key,
			 tw->adaptive_end_pct, *other, tw->adaptive_start_pct);
		return -EINVAL;
	}
	if (config_check_sync(c, msg, len, key, other))
		return -EINVAL;
	return config_check_fastpath(c, msg, len, key, other);
}
