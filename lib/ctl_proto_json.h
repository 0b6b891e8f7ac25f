/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_proto_json - internal to the ctl_proto module: the jansson helpers that its files use,
 * ctl_proto.c (names, calls, the shared helpers), ctl_proto_reply.c (replies and the tcpfwctl
 * -j result), ctl_proto_stats.c (the stats, status and params replies), ctl_proto_sync.c
 * (their replication object) and ctl_proto_trace.c. Not installed and not for any other file:
 * it exposes jansson types, and ctl_proto.h is the module's only interface. Addresses are 16 bytes
 * with IPv4 in the first 4; families are 4 and 6; parameter values are libconfig text ("5", "true",
 * "\"shorten\"").
 */
#ifndef TCPFW_CTL_PROTO_JSON_H
#define TCPFW_CTL_PROTO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl_proto.h"

/* 15 significant digits print every ms-precision timeout exactly and read back the same. */
#define CTL_PROTO_COMPACT (JSON_COMPACT | JSON_REAL_PRECISION(15))
#define CTL_PROTO_PRETTY  (JSON_INDENT(2) | JSON_REAL_PRECISION(15))

/* Copies untrusted src into dst (len bytes with the NUL): printable ASCII, others '?'. */
void ctl_proto_clean(char *dst, size_t len, const char *src);

/* The first member of o named none of a, b, c, or NULL; the key lives as long as o. */
const char *ctl_proto_unknown_member(const json_t *o, const char *a, const char *b, const char *c);

/* "ipv4" for 4, "ipv6" for 6, NULL otherwise (a static string). */
const char *ctl_proto_family_name(uint8_t family);

/* 4 for "ipv4", 6 for "ipv6", -1 otherwise. */
int ctl_proto_family_from_name(const char *s);

/* Address text -> out (zeroed first); returns the family 4 or 6, or -1. */
int ctl_proto_addr_parse(const char *s, uint8_t out[16]);

/* A new JSON string for the address, or NULL for a family other than 4 or 6 (or no memory). */
json_t *ctl_proto_addr_json(uint8_t family, const uint8_t addr[16]);

/* libconfig value text -> a new JSON integer, boolean or string; NULL if it is none of them. */
json_t *ctl_proto_value_json(const char *text);

/* JSON integer, boolean or string -> libconfig text in out (len bytes); 0 or -EINVAL. */
int ctl_proto_value_text(const json_t *v, char *out, size_t len);

/* Defined in ctl_proto_reply.c for the replies of ctl_proto_trace.c too. */

/* A JSON integer; counters above INT64_MAX saturate. */
json_t *ctl_jint(uint64_t v);

/* A JSON string of s, at most max bytes of it; invalid UTF-8 is cleaned, not lost. */
json_t *ctl_jstr(const char *s, size_t max);

/* Milliseconds as a JSON real number of seconds (saturating far beyond any timer). */
json_t *ctl_jsec(uint64_t ms);

/* o's member key, a number of seconds, as milliseconds: 0, else -EINVAL. */
int ctl_get_ms(const json_t *o, const char *key, uint64_t *out_ms);

/* o's string member key copied into dst (len bytes with the NUL): 0, else -EINVAL. */
int ctl_get_str(const json_t *o, const char *key, char *dst, size_t len);

/* o's integer member key, when it is in 0..max: 0, else -EINVAL. */
int ctl_get_uint(const json_t *o, const char *key, uint64_t max, uint64_t *out);

/* o's boolean member key: 0, else -EINVAL. */
int ctl_get_bool(const json_t *o, const char *key, bool *out);

/* The index whose name(i) is s, for i < n; -1 if none. */
int ctl_lookup(const char *(*name)(unsigned), unsigned n, const char *s);

/* State and reason names by index, in ctl_lookup()'s shape. */
const char *ctl_state_name(unsigned i);
const char *ctl_reason_name(unsigned i);

/* {"name":N,...} for n named counters: name(i) -> v[i]. */
json_t *ctl_counts_json(const char *(*name)(unsigned), unsigned n, const uint64_t *v);

/* o holds every name(i), i < n, as an integer in 0..max, into v[i]; other names are ignored
 * (a newer daemon's). 0, else -EINVAL. */
int ctl_counts_parse(const json_t *o, const char *(*name)(unsigned), unsigned n, uint64_t max,
		     uint64_t *v);

/* The "sync" object (ctl_proto_sync.c): NULL for a state past the last or no memory. The
 * parser zeroes *s first and takes a NULL o (no member: an older daemon) as disabled. */
json_t *ctl_sync_json(const struct ctl_sync *s);

/* ctl_proto_fastpath.c: the "fastpath" object; a missing one is a disabled fast path. */
json_t *ctl_fastpath_json(const struct ctl_fastpath *f);
int ctl_fastpath_parse(const json_t *o, struct ctl_fastpath *f);
int ctl_sync_parse(const json_t *o, struct ctl_sync *s);

/* Stats.Get, Daemon.Status and Params.Get replies (ctl_proto_stats.c), as the trace ones. */
json_t *ctl_result_stats(const struct ctl_reply *r);
int ctl_parse_stats(const json_t *params, struct ctl_reply *r);
json_t *ctl_result_status(const struct ctl_reply *r);
int ctl_parse_status(const json_t *params, struct ctl_reply *r);
json_t *ctl_result_params(const struct ctl_reply *r);
int ctl_parse_params(const json_t *params, struct ctl_reply *r);
json_t *ctl_params_json(const struct ctl_reply *r);

/* Trace and Capture replies (ctl_proto_trace.c): parameters, their parser, the -j shape. */
json_t *ctl_result_trace(const struct ctl_reply *r);
int ctl_parse_trace(const json_t *params, struct ctl_reply *r);
json_t *ctl_json_trace(const struct ctl_reply *r);

/* Dumps j with flags and drops the reference (j may be NULL); the text is the caller's. */
char *ctl_proto_dump(json_t *j, size_t flags);

#endif /* TCPFW_CTL_PROTO_JSON_H */
