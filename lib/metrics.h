/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics - the counters of Stats.Get as Prometheus text (exposition format 0.0.4, which
 * Prometheus scrapes and node_exporter's textfile collector reads): every family with its HELP
 * and TYPE lines, counters ending in _total, labels for verdict, reason, state, cause and queue.
 * Replication's families (tcpfw_sync_*) come only while it is on. Pure: it formats into the
 * caller's buffer.
 */
#ifndef TCPFW_METRICS_H
#define TCPFW_METRICS_H

#include <stddef.h>

#include "ctl_proto.h"

/*
 * Writes the text for s into buf (len bytes, always NUL-terminated when len > 0). Returns the
 * length the whole text needs, without the NUL, as snprintf does: a result >= len means buf
 * holds a cut copy.
 */
size_t metrics_format(const struct ctl_stats *s, char *buf, size_t len);

#endif /* TCPFW_METRICS_H */
