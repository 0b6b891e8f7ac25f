// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * floor - the NFQUEUE floor for tests/bench/netns_bench.sh: an accept-all consumer of one queue
 * over tcpfwd's own I/O module (daemon/tcpfwd/nfqueue.c) with tcpfwd's default parameters and
 * its worker's drain loop (rounds of 64 packets, a verdict flush after each receive call), but
 * no engine. Whatever tcpfwd loses against it is the engine's and the daemon's own cost.
 *
 *   floor [-q NUM] [-c COPY_RANGE] [-m MAXLEN] [-r RCVBUF] [-d drop|mark:MARK] [-p PORT]
 *
 * -d refuses packets instead of accepting them: `drop` with NF_DROP (in batches, as tcpfwd),
 * `mark:MARK` with NF_REPEAT and the packet mark MARK (0x for hex), one verdict message each,
 * for a ruleset that logs and drops marked packets before its queue rule (tests/bench/
 * nflog_cost.sh). -p PORT refuses only TCP segments to that destination port and accepts the
 * rest.
 *
 * Prints "floor: ready queue N" once the queue is bound and, on SIGTERM or SIGINT, one line of
 * counters. Exit status 1 when binding or receiving fails.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfqueue.h"

/* tcpfwd's defaults (conf/tcpfwd.conf) and worker constants (worker.c) */
#define FLOOR_BATCH   64
#define FLOOR_ROUNDS  8
#define FLOOR_TICK_MS 100

static volatile sig_atomic_t stop;

/* -d and -p */
static enum { REFUSE_NONE, REFUSE_DROP, REFUSE_MARK } refuse;
static uint32_t refuse_mark;
static int refuse_port = -1; /* -1: every packet */
static unsigned long long refused;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The TCP destination port of an IPv4 or IPv6 packet (no IPv6 extension headers), or -1. */
static int tcp_dport(const uint8_t *pkt, size_t len)
{
	size_t off;

	if (len >= 20 && pkt[0] >> 4 == 4 && pkt[9] == 6)
		off = (size_t)(pkt[0] & 0xf) * 4;
	else if (len >= 40 && pkt[0] >> 4 == 6 && pkt[6] == 6)
		off = 40;
	else
		return -1;
	return len >= off + 4 ? pkt[off + 2] << 8 | pkt[off + 3] : -1;
}

static void on_packet(void *arg, uint32_t id, const uint8_t *pkt, size_t cap_len, size_t pkt_len,
		      uint32_t info)
{
	(void)pkt_len;
	(void)info;
	if (refuse == REFUSE_NONE || (refuse_port >= 0 && tcp_dport(pkt, cap_len) != refuse_port)) {
		nfqueue_verdict(arg, id, true);
		return;
	}
	refused++;
	if (refuse == REFUSE_DROP)
		nfqueue_verdict(arg, id, false);
	else
		nfqueue_verdict_mark(arg, id, refuse_mark);
}

static unsigned long num_arg(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, strncmp(s, "0x", 2) ? 10 : 16);
	if (errno || end == s || *end || v > max) {
		fprintf(stderr, "floor: bad number '%s' (0..%lu)\n", s, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct nfqueue_params p = {
		.num = 0, .copy_range = 128, .maxlen = 4096, .fail_open = true, .rcvbuf = 8388608};
	struct sigaction sa = {.sa_handler = on_signal};
	struct nfqueue_stats st;
	struct nfqueue *q;
	struct pollfd pfd;
	int opt, r = 0;

	while ((opt = getopt(argc, argv, "q:c:m:r:d:p:")) != -1) {
		switch (opt) {
		case 'q':
			p.num = (uint16_t)num_arg(optarg, 65535);
			break;
		case 'c':
			p.copy_range = (uint32_t)num_arg(optarg, NFQUEUE_MAX_COPY_RANGE);
			break;
		case 'm':
			p.maxlen = (uint32_t)num_arg(optarg, 1048576);
			break;
		case 'r':
			p.rcvbuf = (uint32_t)num_arg(optarg, 1073741824);
			break;
		case 'd':
			if (strcmp(optarg, "drop") == 0) {
				refuse = REFUSE_DROP;
			} else if (strncmp(optarg, "mark:", 5) == 0) {
				refuse = REFUSE_MARK;
				refuse_mark = (uint32_t)num_arg(optarg + 5, UINT32_MAX);
			} else {
				fprintf(stderr, "floor: -d drop or -d mark:MARK\n");
				return 2;
			}
			break;
		case 'p':
			refuse_port = (int)num_arg(optarg, 65535);
			break;
		default:
			fprintf(stderr, "usage: floor [-q NUM] [-c COPY_RANGE] [-m MAXLEN] "
					"[-r RCVBUF] [-d drop|mark:MARK] [-p PORT]\n");
			return 2;
		}
	}
	/* no SA_RESTART: poll() must return so the loop sees stop */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	r = nfqueue_open(&p, &q);
	if (r < 0) {
		fprintf(stderr, "floor: queue %u: %s\n", p.num, strerror(-r));
		return 1;
	}
	printf("floor: ready queue %u\n", p.num);
	fflush(stdout);
	pfd = (struct pollfd){.fd = nfqueue_fd(q), .events = POLLIN};
	while (!stop) {
		int n = poll(&pfd, 1, FLOOR_TICK_MS);

		if (n == -1 && errno != EINTR) {
			r = -errno;
			break;
		}
		for (unsigned round = 0; n > 0 && round < FLOOR_ROUNDS; round++) {
			r = nfqueue_receive(q, FLOOR_BATCH, on_packet, q);
			if (r < 0)
				break;
			nfqueue_flush(q);
			if (r < FLOOR_BATCH)
				break;
		}
		if (r < 0)
			break;
		nfqueue_flush(q); /* verdicts a full socket refused must not wait */
	}
	nfqueue_get_stats(q, &st);
	printf("floor: queue %u packets %llu recv_calls %llu send_calls %llu verdict_msgs %llu "
	       "send_errors %llu lost %llu bad_msgs %llu refused %llu\n",
	       p.num, (unsigned long long)st.packets, (unsigned long long)st.recv_calls,
	       (unsigned long long)st.send_calls, (unsigned long long)st.verdict_msgs,
	       (unsigned long long)st.send_errors, (unsigned long long)st.lost,
	       (unsigned long long)st.bad_msgs, refused);
	nfqueue_close(q);
	if (r < 0) {
		fprintf(stderr, "floor: queue %u: receiving: %s\n", p.num, strerror(-r));
		return 1;
	}
	return 0;
}
