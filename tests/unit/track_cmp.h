/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * track_cmp - the tracker's principle as a comparison, for the unit tests, the model test and
 * the engine fuzz harness: a segment the tracker passes untouched (IGNORE) or drops (INVALID)
 * may change nothing in struct tcp_track but its memory of the last segment (last_*, which
 * the challenge-ACK and re-sync rules read) and the TIME-WAIT challenge bit.
 */
#ifndef TCPFW_TRACK_CMP_H
#define TCPFW_TRACK_CMP_H

#include <stdbool.h>
#include <stddef.h>

#include "tcp_track.h"

/*
 * True when `after` equals `before` in everything the principle protects. Otherwise false,
 * and `why` (len bytes, may be NULL) lists each field that moved as "name before->after; ".
 */
bool track_cmp_unmoved(const struct tcp_track *before, const struct tcp_track *after, char *why,
		       size_t len);

#endif /* TCPFW_TRACK_CMP_H */
