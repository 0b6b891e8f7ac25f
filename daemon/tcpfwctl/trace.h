/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * trace - what tcpfwctl makes of traced packets: lines for `trace` (text, or NDJSON with -j),
 * and a pcapng file for `capture`, each packet with its verdict as a comment that tshark
 * shows (frame.comment). The first reply of a stream gives the snap length, which the file's
 * header records; {"lost":N} replies are counted and reported on stderr, as tcpdump reports
 * the packets its buffer dropped.
 */
#ifndef TCPFWCTL_TRACE_H
#define TCPFWCTL_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl_proto.h"
#include "output.h"

struct trace_out {
	const struct out_opts *opts;
	FILE *file;	    /* capture: where the pcapng goes; NULL for trace */
	const char *path;   /* for messages */
	const char *queues; /* the interface name the file gives, e.g. "nfqueue" */
	uint32_t snaplen;
	bool header_written;
	uint64_t packets; /* traces received */
	uint64_t lost;	  /* traces the daemon could not send */
};

/* Handles one reply of a Trace or Capture stream. 0, or -errno (ENOMEM, EIO: the file). */
int trace_reply(struct trace_out *t, const struct ctl_reply *r);

/* "N packets traced/captured (M lost)" on stderr, as tcpdump ends. */
void trace_summary(const struct trace_out *t);

/*
 * What the firewall did with a packet, on one line: "drop seq_over_window ESTABLISHED reply
 * seq_min=... seq_max=... ack_min=... ack_max=...". The text of a capture's comments.
 */
void trace_describe(const struct ctl_trace *t, char *buf, size_t len);

#endif /* TCPFWCTL_TRACE_H */
