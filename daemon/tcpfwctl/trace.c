// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcapng.h"
#include "tcp_track_names.h"
#include "trace.h"

#ifndef TCPFW_VERSION
#define TCPFW_VERSION "0.1"
#endif

/* snprintf that appends at *n and never runs past len */
__attribute__((format(printf, 4, 5))) static void append(char *buf, size_t len, size_t *n,
							 const char *fmt, ...)
{
	va_list ap;

	if (*n >= len)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n += (size_t)k;
}

static void describe_peer(char *buf, size_t len, size_t *n, const char *who,
			  const struct ctl_trace_peer *p)
{
	append(buf, len, n, " %s end=%" PRIu32 " maxend=%" PRIu32 " maxwin=%" PRIu32 " wscale=%u",
	       who, p->end, p->maxend, p->maxwin, p->wscale);
	if (p->has_maxack)
		append(buf, len, n, " maxack=%" PRIu32, p->maxack);
}

void trace_describe(const struct ctl_trace *t, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	append(buf, len, &n, "%s %s", t->verdict ? "drop" : "accept", reason_name(t->reason));
	uint8_t old = t->has_flow ? t->old_state : TCP_TRACK_NONE;

	if (old != t->state)
		append(buf, len, &n, " %s>%s", tcp_track_state_name(old),
		       tcp_track_state_name(t->state));
	else
		append(buf, len, &n, " %s", tcp_track_state_name(t->state));
	if (!t->has_flow)
		return;
	append(buf, len, &n, " %s", t->dir ? "reply" : "original");
	if (!t->sender.maxwin) {
		/* the first segment of its side: the tracker learns from it, no bound applies */
		append(buf, len, &n, " first-of-side");
	} else {
		append(buf, len, &n,
		       " seq_min=%" PRIu32 " seq_max=%" PRIu32 " ack_min=%" PRIu32
		       " ack_max=%" PRIu32,
		       t->seq_min, t->seq_max, t->ack_min, t->ack_max);
		if (t->has_ack_floor)
			append(buf, len, &n, " ack_floor=%" PRIu32, t->ack_floor);
		describe_peer(buf, len, &n, "sender", &t->sender);
	}
	describe_peer(buf, len, &n, "receiver", &t->receiver);
}

/* tcpdump's time of day: 12:34:56.789 (local time) */
static void put_time(uint64_t ms)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	char hms[16] = "??:??:??";

	if (localtime_r(&sec, &tm))
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	printf("%s.%03u ", hms, (unsigned)(ms % 1000));
}

static void print_trace(const struct ctl_trace *t)
{
	char src[64], dst[64], flags[CTL_TRACE_FLAGS_LEN], what[512];

	put_time(t->timestamp_ms);
	printf("q%u ", t->queue);
	if (t->family) {
		endpoint_str(t->family, t->src, t->sport, src, sizeof(src));
		endpoint_str(t->family, t->dst, t->dport, dst, sizeof(dst));
		printf("%s > %s [%s] seq %" PRIu32 " ack %" PRIu32 " win %u len %" PRIu32 ": ", src,
		       dst, ctl_trace_flags_text(t->flags, flags), t->seq, t->ack, t->win, t->len);
	} else {
		printf("not a TCP segment, %" PRIu32 " bytes: ", t->pkt_len);
	}
	trace_describe(t, what, sizeof(what));
	printf("%s\n", what);
}

static int write_all(struct trace_out *t, const uint8_t *buf, size_t n)
{
	if (fwrite(buf, 1, n, t->file) != n)
		return -EIO;
	/* a capture read live (-w - | tshark -r -) wants each packet as it comes */
	return fflush(t->file) ? -EIO : 0;
}

static int write_header(struct trace_out *t)
{
	char userappl[64];
	struct pcapng_header_params h = {.userappl = userappl,
					 .linktype = PCAPNG_LINKTYPE_RAW,
					 .snaplen = t->snaplen ? t->snaplen : 1,
					 .if_name = t->queues,
					 .if_description =
						 "packets judged by tcpfwd (NFQUEUE copy)"};
	uint8_t buf[1024];

	snprintf(userappl, sizeof(userappl), "tcpfwctl %s", TCPFW_VERSION);
	size_t n = pcapng_header(buf, sizeof(buf), &h);
	if (!n || n > sizeof(buf))
		return -EINVAL;
	t->header_written = true;
	return write_all(t, buf, n);
}

static int write_packet(struct trace_out *t, const struct ctl_trace *tr)
{
	char comment[512];
	uint8_t buf[CTL_TRACE_BYTES_MAX + 1024];

	memcpy(comment, "tcpfw: ", 7);
	trace_describe(tr, comment + 7, sizeof(comment) - 7);
	struct pcapng_packet_params p = {.ts_us = tr->timestamp_ms * 1000,
					 .data = tr->bytes,
					 .caplen = tr->cap_len,
					 .origlen = tr->pkt_len > tr->cap_len ? tr->pkt_len
									      : tr->cap_len,
					 .snaplen = t->snaplen ? t->snaplen : 1,
					 .comment = comment};
	size_t n = pcapng_packet(buf, sizeof(buf), &p);
	if (!n || n > sizeof(buf))
		return -EINVAL;
	return write_all(t, buf, n);
}

int trace_reply(struct trace_out *t, const struct ctl_reply *r)
{
	switch (r->trace_kind) {
	case CTL_TRACE_START:
		t->snaplen = r->snaplen;
		return t->file ? write_header(t) : 0;
	case CTL_TRACE_LOST:
		t->lost += r->lost;
		if (!t->file && t->opts->json)
			break;
		fprintf(stderr,
			"tcpfwctl: %" PRIu64 " packets not traced: this reader fell behind\n",
			r->lost);
		return 0;
	case CTL_TRACE_PACKET:
		t->packets++;
		if (t->file)
			return write_packet(t, r->trace);
		if (!t->opts->json) {
			print_trace(r->trace);
			fflush(stdout);
			return 0;
		}
		break;
	default:
		return -EINVAL;
	}
	/* -j: NDJSON, one object per line, the losses included */
	char *json = ctl_reply_result_json(r, false);
	if (!json)
		return -ENOMEM;
	puts(json);
	free(json);
	fflush(stdout);
	return 0;
}

void trace_summary(const struct trace_out *t)
{
	fprintf(stderr, "%" PRIu64 " packets %s", t->packets, t->file ? "captured" : "traced");
	if (t->lost)
		fprintf(stderr, ", %" PRIu64 " lost (the reader fell behind)", t->lost);
	fputc('\n', stderr);
}
