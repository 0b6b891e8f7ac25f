// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "reset.h"

struct reset {
	int fd[2];  /* [0] IPv4, [1] IPv6; -1 when it could not be opened */
	int err[2]; /* -errno of that failure */
};

static int family_index(uint8_t family)
{
	return family == 6;
}

/*
 * IPPROTO_RAW implies IP_HDRINCL, and for IPv6 IPV6_HDRINCL (Linux 4.5): the kernel sends
 * the header as given, so the source may be the peer's address, which is not ours.
 */
static int open_raw(int domain)
{
	int fd = socket(domain, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	int mark = RESET_MARK;

	if (fd == -1)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == -1) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

int reset_new(struct reset **ret)
{
	static const int domains[2] = {AF_INET, AF_INET6};
	struct reset *r = calloc(1, sizeof(*r));

	if (!r)
		return log_errno(CONFIG_LOG_ERR, -ENOMEM, "reset: starting");
	for (int i = 0; i < 2; i++) {
		int fd = open_raw(domains[i]);

		r->fd[i] = fd < 0 ? -1 : fd;
		r->err[i] = fd < 0 ? fd : 0;
	}
	if (r->err[0] && r->err[1])
		log_errno(
			CONFIG_LOG_NOTICE, r->err[0],
			"reset: no raw sockets, so kill --reset is refused (it needs CAP_NET_RAW)");
	else if (r->err[0] || r->err[1])
		log_errno(
			CONFIG_LOG_NOTICE, r->err[0] ? r->err[0] : r->err[1],
			"reset: no raw IPv%d socket, so kill --reset cannot reach IPv%d endpoints",
			r->err[0] ? 4 : 6, r->err[0] ? 4 : 6);
	*ret = r;
	return 0;
}

void reset_free(struct reset *r)
{
	if (!r)
		return;
	for (int i = 0; i < 2; i++)
		if (r->fd[i] >= 0)
			close(r->fd[i]);
	free(r);
}

int reset_ready(const struct reset *r, char *err, size_t err_len)
{
	if (r->fd[0] >= 0 || r->fd[1] >= 0)
		return 0;
	snprintf(err, err_len,
		 "tcpfwd cannot send RSTs: its raw sockets could not be opened (%s); it needs "
		 "CAP_NET_RAW",
		 strerror(-r->err[0]));
	return r->err[0];
}

bool reset_collect(const struct engine_flow_info *flow, const struct tcp_track *track, void *arg)
{
	struct reset_batch *b = arg;
	struct tcp_reset_seg segs[TCP_RESET_MAX];
	struct tcp_reset_tuple tu = {.family = flow->family, .port = {flow->sport, flow->dport}};
	unsigned n;

	if (RESET_BATCH_MAX - b->n < TCP_RESET_MAX)
		return false;
	memcpy(tu.addr[TCP_TRACK_ORIGINAL], flow->src, 16);
	memcpy(tu.addr[TCP_TRACK_REPLY], flow->dst, 16);
	n = tcp_reset_plan(track, segs);
	for (unsigned i = 0; i < n; i++) {
		struct reset_pkt *p = &b->pkt[b->n];

		p->len = (uint8_t)tcp_reset_build(&tu, &segs[i], p->bytes, sizeof(p->bytes));
		if (!p->len)
			continue;
		p->family = flow->family;
		memcpy(p->to, tu.addr[segs[i].to], 16);
		b->n++;
	}
	return true;
}

static int send_one(const struct reset *r, const struct reset_pkt *p)
{
	int i = family_index(p->family);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	const struct sockaddr *sa = (const struct sockaddr *)&sin;
	socklen_t sa_len = sizeof(sin);

	if (r->fd[i] < 0)
		return r->err[i];
	if (p->family == 4) {
		memcpy(&sin.sin_addr, p->to, 4);
	} else {
		memcpy(&sin6.sin6_addr, p->to, 16);
		sa = (const struct sockaddr *)&sin6;
		sa_len = sizeof(sin6);
	}
	for (;;) {
		ssize_t n = sendto(r->fd[i], p->bytes, p->len, 0, sa, sa_len);

		if (n == p->len)
			return 0;
		if (n >= 0)
			return -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
	}
}

void reset_send(struct reset *r, struct reset_batch *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		int e = send_one(r, &b->pkt[i]);

		if (e) {
			b->failed++;
			b->last_err = e;
		} else {
			b->sent++;
		}
	}
	b->n = 0;
}
