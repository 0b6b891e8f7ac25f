// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * echo_lat - TCP round-trip latency for tests/bench/netns_bench.sh.
 *
 *   echo_lat -s [-b ADDR] [-p PORT]                  echo server (a child per connection)
 *   echo_lat [-p PORT] [-r RATE] [-t SECS] ADDR      client
 *
 * The client opens one connection (TCP_NODELAY) and sends a 64-byte request RATE times a second
 * (500) for SECS seconds (3) on an absolute schedule, so that a slow reply does not shift the
 * later sends, and waits for each 64-byte echo. It prints one line,
 * "echo_lat: count=N p50_us=X p99_us=Y max_us=Z", the round-trip times (CLOCK_MONOTONIC, from
 * the send to the whole echo). Port 5300 by default. Exit status 1 on any error, with a message;
 * a reply that takes more than 2 s is one.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_LEN	   64
#define TIMEOUT_S  2
#define MAX_SAMPLE 10000000

/* Prints WHAT with errno's text, if errno is set, and exits 1. */
static void fail(const char *what)
{
	if (errno)
		fprintf(stderr, "echo_lat: %s: %s\n", what, strerror(errno));
	else
		fprintf(stderr, "echo_lat: %s\n", what);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: echo_lat -s [-b ADDR] [-p PORT]\n"
			"       echo_lat [-p PORT] [-r RATE] [-t SECS] ADDR\n");
	exit(1);
}

static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "echo_lat: '%s' is not a number from %ld to %ld\n", s, min, max);
		exit(1);
	}
	return v;
}

/* A socket bound (server) or connected (client) to host:port, IPv4 or IPv6. */
static int open_socket(const char *host, const char *port, int server)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = server ? AI_PASSIVE : 0};
	struct addrinfo *ai;
	struct timeval tv = {.tv_sec = TIMEOUT_S};
	int fd, one = 1, r;

	r = getaddrinfo(host, port, &hints, &ai);
	if (r) {
		fprintf(stderr, "echo_lat: %s port %s: %s\n", host ? host : "*", port,
			gai_strerror(r));
		exit(1);
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		fail("socket");
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		fail("TCP_NODELAY");
	if (server) {
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0)
			fail("bind or listen");
	} else {
		/* a send, a connect or a reply that takes longer fails */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
			fail("SO_RCVTIMEO");
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			if (errno == EINPROGRESS)
				errno = ETIMEDOUT;
			fail("connect");
		}
	}
	freeaddrinfo(ai);
	return fd;
}

static void serve(const char *host, const char *port)
{
	int lfd = open_socket(host, port, 1);
	char buf[4096];
	int one = 1;

	signal(SIGCHLD, SIG_IGN); /* no zombies */
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		ssize_t n;
		pid_t pid;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fail("accept");
		}
		pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			close(lfd);
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				if (write(fd, buf, (size_t)n) != n)
					break;
			_exit(0);
		}
		close(fd);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Receives exactly LEN bytes; a timeout (SO_RCVTIMEO) or the end of the stream is an error. */
static void recv_all(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			errno = 0;
			fail("no reply within 2 s");
		}
		if (n < 0)
			fail("recv");
		if (n == 0) {
			errno = 0;
			fail("the server closed the connection");
		}
		got += (size_t)n;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void client(const char *host, const char *port, long rate, long secs)
{
	size_t count = (size_t)(rate * secs), i;
	uint64_t *rtt = calloc(count, sizeof(*rtt)), period = 1000000000u / (uint64_t)rate;
	uint8_t req[MSG_LEN], resp[MSG_LEN];
	struct timespec next;
	int fd = open_socket(host, port, 0);

	if (!rtt)
		fail("calloc");
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i < count; i++) {
		next.tv_nsec += (long)period;
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		memset(req, 0, sizeof(req));
		memcpy(req, &i, sizeof(i));
		uint64_t t0 = now_ns();
		if (send(fd, req, sizeof(req), 0) != (ssize_t)sizeof(req))
			fail("send");
		recv_all(fd, resp, sizeof(resp));
		rtt[i] = now_ns() - t0;
		if (memcmp(req, resp, sizeof(req))) {
			errno = 0;
			fail("the echo differs from the request");
		}
	}
	close(fd);
	qsort(rtt, count, sizeof(*rtt), cmp_u64);
	/* nearest rank */
	printf("echo_lat: count=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f\n", count,
	       rtt[(count * 50 + 99) / 100 - 1] / 1e3, rtt[(count * 99 + 99) / 100 - 1] / 1e3,
	       rtt[count - 1] / 1e3);
	free(rtt);
}

int main(int argc, char **argv)
{
	const char *bind_addr = NULL, *port = "5300";
	long rate = 500, secs = 3;
	int opt, server = 0;

	while ((opt = getopt(argc, argv, "sb:p:r:t:")) != -1) {
		switch (opt) {
		case 's':
			server = 1;
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 'r':
			rate = number(optarg, 1, 1000000);
			break;
		case 't':
			secs = number(optarg, 1, 3600);
			break;
		default:
			usage();
		}
	}
	if (server ? optind != argc : optind != argc - 1)
		usage();
	if (!server && rate * secs > MAX_SAMPLE) {
		fprintf(stderr, "echo_lat: RATE x SECS above %d\n", MAX_SAMPLE);
		return 1;
	}
	if (server)
		serve(bind_addr, port);
	else
		client(argv[optind], port, rate, secs);
	return 0;
}
