// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The replies of Packets.Trace and Packets.Capture, part of the ctl_proto module (see
 * ctl_proto.c): a START reply with the snap length, then one reply per traced packet, and
 * LOST replies where a slow reader missed some. A trace carries the packet's numbers, the
 * verdict and, when the packet found a flow, both sides of the tracker as the segment found
 * them; a capture adds the bytes the daemon copied, in hex.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "ctl_proto_json.h"
#include "flow_names.h"
#include "packet.h" /* PACKET_WSCALE_MAX */
#include "tcp_track_names.h"

/* tcpdump's letters, in its order; "." is ACK */
static const struct {
	uint8_t bit;
	char c;
} ctl_flag_letters[] = {
	{TCP_FLAG_FIN, 'F'}, {TCP_FLAG_SYN, 'S'}, {TCP_FLAG_RST, 'R'}, {TCP_FLAG_PSH, 'P'},
	{TCP_FLAG_URG, 'U'}, {TCP_FLAG_ECE, 'E'}, {TCP_FLAG_CWR, 'W'}, {TCP_FLAG_ACK, '.'},
};

const char *ctl_trace_flags_text(uint8_t flags, char out[CTL_TRACE_FLAGS_LEN])
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(ctl_flag_letters) / sizeof(ctl_flag_letters[0]); i++)
		if (flags & ctl_flag_letters[i].bit)
			out[n++] = ctl_flag_letters[i].c;
	if (!n)
		out[n++] = '-'; /* no flag at all */
	out[n] = '\0';
	return out;
}

static int ctl_flags_parse(const char *s, uint8_t *out)
{
	uint8_t flags = 0;

	if (strcmp(s, "-") == 0) {
		*out = 0;
		return 0;
	}
	for (; *s; s++) {
		size_t i = 0;

		while (i < sizeof(ctl_flag_letters) / sizeof(ctl_flag_letters[0]) &&
		       ctl_flag_letters[i].c != *s)
			i++;
		if (i == sizeof(ctl_flag_letters) / sizeof(ctl_flag_letters[0]) ||
		    (flags & ctl_flag_letters[i].bit))
			return -EINVAL;
		flags |= ctl_flag_letters[i].bit;
	}
	*out = flags;
	return 0;
}

static const char *ctl_verdict_name(unsigned i)
{
	return flow_verdict_name((enum engine_verdict)i);
}

static const char *ctl_dir_name(unsigned i)
{
	return i == TCP_TRACK_ORIGINAL ? "original" : i == TCP_TRACK_REPLY ? "reply" : "unknown";
}

static json_t *ctl_peer_json(const struct ctl_trace_peer *p)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:i}", "end", (json_int_t)p->end, "maxend",
			      (json_int_t)p->maxend, "maxwin", (json_int_t)p->maxwin, "wscale",
			      (int)p->wscale);

	if (o && p->has_maxack &&
	    json_object_set_new(o, "maxack", json_integer((json_int_t)p->maxack))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int ctl_peer_parse(const json_t *o, struct ctl_trace_peer *p)
{
	uint64_t end, maxend, maxwin, wscale, maxack = 0;

	if (ctl_get_uint(o, "end", UINT32_MAX, &end) ||
	    ctl_get_uint(o, "maxend", UINT32_MAX, &maxend) ||
	    ctl_get_uint(o, "maxwin", UINT32_MAX, &maxwin) ||
	    ctl_get_uint(o, "wscale", PACKET_WSCALE_MAX, &wscale))
		return -EINVAL;
	p->has_maxack = json_object_get(o, "maxack") != NULL;
	if (p->has_maxack && ctl_get_uint(o, "maxack", UINT32_MAX, &maxack))
		return -EINVAL;
	p->end = (uint32_t)end;
	p->maxend = (uint32_t)maxend;
	p->maxwin = (uint32_t)maxwin;
	p->maxack = (uint32_t)maxack;
	p->wscale = (uint8_t)wscale;
	return 0;
}

static json_t *ctl_hex_json(const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *text = malloc(2 * n + 1);
	json_t *j;

	if (!text)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		text[2 * i] = digits[b[i] >> 4];
		text[2 * i + 1] = digits[b[i] & 15];
	}
	j = json_stringn(text, 2 * n);
	free(text);
	return j;
}

static int ctl_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lower-case hex of at most max bytes -> out; the byte count, or -EINVAL. */
static int ctl_hex_parse(const json_t *v, uint8_t *out, size_t max)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);

	if (!s || len % 2 || len / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = ctl_hex_digit(s[2 * i]), lo = ctl_hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

/* The members a packet that found a flow has: its direction, the old state and the window. */
static int ctl_trace_flow_json(json_t *o, const struct ctl_trace *t)
{
	if (t->dir > TCP_TRACK_REPLY || t->old_state >= _TCP_TRACK_STATE_MAX)
		return -EINVAL;
	json_t *w = json_pack("{s:o, s:o, s:I, s:I, s:I, s:I}", "sender", ctl_peer_json(&t->sender),
			      "receiver", ctl_peer_json(&t->receiver), "seq_min",
			      (json_int_t)t->seq_min, "seq_max", (json_int_t)t->seq_max, "ack_min",
			      (json_int_t)t->ack_min, "ack_max", (json_int_t)t->ack_max);

	if (w && t->has_ack_floor &&
	    json_object_set_new(w, "ack_floor", json_integer((json_int_t)t->ack_floor))) {
		json_decref(w);
		return -EINVAL;
	}
	return json_object_set_new(o, "dir", json_string(ctl_dir_name(t->dir))) |
	       json_object_set_new(o, "old_state", json_string(ctl_state_name(t->old_state))) |
	       json_object_set_new(o, "window", w);
}

static int ctl_trace_segment_json(json_t *o, const struct ctl_trace *t)
{
	char flags[CTL_TRACE_FLAGS_LEN];

	return json_object_set_new(o, "family", json_string(ctl_proto_family_name(t->family))) |
	       json_object_set_new(o, "src", ctl_proto_addr_json(t->family, t->src)) |
	       json_object_set_new(o, "sport", json_integer(t->sport)) |
	       json_object_set_new(o, "dst", ctl_proto_addr_json(t->family, t->dst)) |
	       json_object_set_new(o, "dport", json_integer(t->dport)) |
	       json_object_set_new(o, "flags", json_string(ctl_trace_flags_text(t->flags, flags))) |
	       json_object_set_new(o, "seq", json_integer(t->seq)) |
	       json_object_set_new(o, "ack", json_integer(t->ack)) |
	       json_object_set_new(o, "len", json_integer(t->len)) |
	       json_object_set_new(o, "win", json_integer(t->win));
}

static json_t *ctl_trace_json(const struct ctl_trace *t, bool bytes)
{
	json_t *o;
	int bad;

	if (!t || t->verdict >= _ENGINE_VERDICT_MAX || t->reason >= _REASON_MAX ||
	    t->state >= _TCP_TRACK_STATE_MAX || (t->family && !ctl_proto_family_name(t->family)) ||
	    (t->has_flow && !t->family) || t->cap_len > CTL_TRACE_BYTES_MAX)
		return NULL;
	o = json_object();
	bad = !o;
	bad = bad ||
	      json_object_set_new(o, "time", ctl_jint(t->time_ms)) |
		      json_object_set_new(o, "timestamp",
					  json_real((double)t->timestamp_ms / 1000.0)) |
		      json_object_set_new(o, "queue", json_integer(t->queue)) |
		      json_object_set_new(o, "verdict", json_string(ctl_verdict_name(t->verdict))) |
		      json_object_set_new(o, "reason", json_string(ctl_reason_name(t->reason))) |
		      json_object_set_new(o, "state", json_string(ctl_state_name(t->state))) |
		      json_object_set_new(o, "pktlen", json_integer(t->pkt_len));
	bad = bad || (t->family && ctl_trace_segment_json(o, t));
	bad = bad || (t->has_flow && ctl_trace_flow_json(o, t));
	bad = bad ||
	      (bytes && json_object_set_new(o, "packet", ctl_hex_json(t->bytes, t->cap_len)));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int ctl_trace_segment_parse(const json_t *o, struct ctl_trace *t)
{
	const char *family = json_string_value(json_object_get(o, "family"));
	const char *src = json_string_value(json_object_get(o, "src"));
	const char *dst = json_string_value(json_object_get(o, "dst"));
	const char *flags = json_string_value(json_object_get(o, "flags"));
	uint64_t sport, dport, seq, ack, len, win;
	int fam = family ? ctl_proto_family_from_name(family) : -1;

	if (fam < 0 || !src || !dst || !flags || ctl_proto_addr_parse(src, t->src) != fam ||
	    ctl_proto_addr_parse(dst, t->dst) != fam || ctl_flags_parse(flags, &t->flags) ||
	    ctl_get_uint(o, "sport", 65535, &sport) || ctl_get_uint(o, "dport", 65535, &dport) ||
	    ctl_get_uint(o, "seq", UINT32_MAX, &seq) || ctl_get_uint(o, "ack", UINT32_MAX, &ack) ||
	    ctl_get_uint(o, "len", UINT32_MAX, &len) || ctl_get_uint(o, "win", 65535, &win))
		return -EINVAL;
	t->family = (uint8_t)fam;
	t->sport = (uint16_t)sport;
	t->dport = (uint16_t)dport;
	t->seq = (uint32_t)seq;
	t->ack = (uint32_t)ack;
	t->len = (uint32_t)len;
	t->win = (uint16_t)win;
	return 0;
}

static int ctl_trace_flow_parse(const json_t *o, struct ctl_trace *t)
{
	const char *dir = json_string_value(json_object_get(o, "dir"));
	const char *old = json_string_value(json_object_get(o, "old_state"));
	const json_t *w = json_object_get(o, "window");
	int d = dir ? ctl_lookup(ctl_dir_name, 2, dir) : -1;
	int s = old ? tcp_track_state_from_name(old) : -1;

	uint64_t b[5] = {0};

	if (d < 0 || s < 0 || !t->family ||
	    ctl_peer_parse(json_object_get(w, "sender"), &t->sender) ||
	    ctl_peer_parse(json_object_get(w, "receiver"), &t->receiver) ||
	    ctl_get_uint(w, "seq_min", UINT32_MAX, &b[0]) ||
	    ctl_get_uint(w, "seq_max", UINT32_MAX, &b[1]) ||
	    ctl_get_uint(w, "ack_min", UINT32_MAX, &b[2]) ||
	    ctl_get_uint(w, "ack_max", UINT32_MAX, &b[3]))
		return -EINVAL;
	t->has_ack_floor = json_object_get(w, "ack_floor") != NULL;
	if (t->has_ack_floor && ctl_get_uint(w, "ack_floor", UINT32_MAX, &b[4]))
		return -EINVAL;
	t->seq_min = (uint32_t)b[0];
	t->seq_max = (uint32_t)b[1];
	t->ack_min = (uint32_t)b[2];
	t->ack_max = (uint32_t)b[3];
	t->ack_floor = (uint32_t)b[4];
	t->has_flow = true;
	t->dir = (uint8_t)d;
	t->old_state = (uint8_t)s;
	return 0;
}

static int ctl_trace_parse(const json_t *o, struct ctl_trace *t)
{
	const char *verdict = json_string_value(json_object_get(o, "verdict"));
	const char *reason = json_string_value(json_object_get(o, "reason"));
	const char *state = json_string_value(json_object_get(o, "state"));
	const json_t *ts = json_object_get(o, "timestamp");
	const json_t *bytes = json_object_get(o, "packet");
	int v = verdict ? ctl_lookup(ctl_verdict_name, _ENGINE_VERDICT_MAX, verdict) : -1;
	int r = reason ? ctl_lookup(ctl_reason_name, _REASON_MAX, reason) : -1;
	int s = state ? tcp_track_state_from_name(state) : -1;
	uint64_t queue, pkt_len;

	if (!json_is_object(o) || v < 0 || r < 0 || s < 0 || !json_is_number(ts) ||
	    !(json_number_value(ts) >= 0 && json_number_value(ts) < 1e12) ||
	    ctl_get_uint(o, "time", INT64_MAX, &t->time_ms) ||
	    ctl_get_uint(o, "queue", 65535, &queue) ||
	    ctl_get_uint(o, "pktlen", UINT32_MAX, &pkt_len))
		return -EINVAL;
	t->timestamp_ms = (uint64_t)(json_number_value(ts) * 1000.0 + 0.5);
	t->verdict = (uint8_t)v;
	t->reason = (uint8_t)r;
	t->state = (uint8_t)s;
	t->queue = (uint16_t)queue;
	t->pkt_len = (uint32_t)pkt_len;
	if (json_object_get(o, "family") && ctl_trace_segment_parse(o, t))
		return -EINVAL;
	if (json_object_get(o, "dir") && ctl_trace_flow_parse(o, t))
		return -EINVAL;
	if (bytes) {
		int n = ctl_hex_parse(bytes, t->bytes, CTL_TRACE_BYTES_MAX);

		if (n < 0)
			return -EINVAL;
		t->cap_len = (uint16_t)n;
	}
	return 0;
}

json_t *ctl_result_trace(const struct ctl_reply *r)
{
	switch (r->trace_kind) {
	case CTL_TRACE_START:
		return json_pack("{s:I}", "snaplen", (json_int_t)r->snaplen);
	case CTL_TRACE_LOST:
		return json_pack("{s:o}", "lost", ctl_jint(r->lost));
	case CTL_TRACE_PACKET:
		return json_pack("{s:o}", "trace",
				 ctl_trace_json(r->trace, r->method == CTL_PACKETS_CAPTURE));
	}
	return NULL;
}

int ctl_parse_trace(const json_t *params, struct ctl_reply *r)
{
	const json_t *trace = json_object_get(params, "trace");
	uint64_t snaplen;

	if (json_object_get(params, "lost")) {
		r->trace_kind = CTL_TRACE_LOST;
		return ctl_get_uint(params, "lost", INT64_MAX, &r->lost);
	}
	if (json_object_get(params, "snaplen")) {
		r->trace_kind = CTL_TRACE_START;
		if (ctl_get_uint(params, "snaplen", UINT32_MAX, &snaplen))
			return -EINVAL;
		r->snaplen = (uint32_t)snaplen;
		return 0;
	}
	r->trace_kind = CTL_TRACE_PACKET;
	r->trace = calloc(1, sizeof(*r->trace));
	if (!r->trace)
		return -ENOMEM;
	return ctl_trace_parse(trace, r->trace);
}

json_t *ctl_json_trace(const struct ctl_reply *r)
{
	json_t *o = ctl_result_trace(r);
	json_t *t;

	if (!o || r->trace_kind != CTL_TRACE_PACKET)
		return o;
	t = json_incref(json_object_get(o, "trace"));
	json_decref(o);
	return t;
}
