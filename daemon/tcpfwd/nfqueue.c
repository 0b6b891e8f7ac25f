// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfqueue - NFQUEUE over libmnl: recvmmsg batches in, one sendmsg of verdict messages out.
 * Kernel behaviour matched here is in net/netfilter/nfnetlink_queue.c and
 * net/netlink/af_netlink.c; see nfqueue.h for the contract.
 */
#include "nfqueue.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/types.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define NFQUEUE_SLOTS	     64		/* datagrams per recvmmsg */
#define NFQUEUE_RX_BUDGET    (2u << 20) /* bytes of receive slots when copy_range is big */
#define NFQUEUE_ACK_WAIT_MS  1000	/* the kernel acks config in the sendmsg itself */
#define NFQUEUE_SEND_RETRIES 3		/* extra tries for a transient sendmsg error */
#define NFQUEUE_PKT_TYPE     ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET)
/* nlmsghdr + nfgenmsg + NFQA_VERDICT_HDR: 32 bytes */
#define NFQUEUE_VERDICT_SIZE                                                                       \
	(MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg)) + MNL_ATTR_HDRLEN +                 \
	 MNL_ALIGN(sizeof(struct nfqnl_msg_verdict_hdr)))

struct nfqueue_run {
	uint32_t last_id; /* the run's newest packet: a batch covers every id <= it */
	bool accept;
	bool multi; /* more than one packet: NFQNL_MSG_VERDICT_BATCH */
};

struct nfqueue {
	struct mnl_socket *nl;
	int fd;
	uint32_t portid;
	uint16_t num;
	uint32_t seq; /* of the last config message */
	unsigned nslots;
	size_t slot_size;
	uint8_t *rx; /* nslots * slot_size */
	struct mmsghdr msgs[NFQUEUE_SLOTS];
	struct iovec iov[NFQUEUE_SLOTS];
	nfqueue_packet_fn *fn; /* set during nfqueue_receive() */
	void *arg;
	struct nfqueue_stats stats;
	unsigned nruns;
	struct nfqueue_run runs[NFQUEUE_MAX_PENDING];
	char tx[NFQUEUE_MAX_PENDING * NFQUEUE_VERDICT_SIZE];
};

/* What waiting for a config ACK found. */
struct nfqueue_ack {
	struct nfqueue *q;
	uint32_t seq;
	bool done;
	int err;
	unsigned early;	    /* packets queued before the ACK */
	uint32_t early_max; /* the newest of them */
};

struct nfqueue_pkt {
	uint32_t id;
	const uint8_t *data;
	size_t cap_len;
	size_t pkt_len;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	switch (type) {
	case NFQA_PACKET_HDR:
		if (mnl_attr_get_payload_len(attr) < sizeof(struct nfqnl_msg_packet_hdr))
			return MNL_CB_ERROR;
		break;
	case NFQA_CAP_LEN:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	case NFQA_PAYLOAD:
		break;
	default:
		return MNL_CB_OK; /* not needed, including types newer than our headers */
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

/* Reads a NFQNL_MSG_PACKET: 1 and *out, 0 for another message type, -1 when malformed. */
static int parse_packet(const struct nlmsghdr *nlh, struct nfqueue_pkt *out)
{
	const struct nlattr *tb[NFQA_CAP_LEN + 1] = {NULL};
	const struct nfqnl_msg_packet_hdr *ph;

	if (nlh->nlmsg_type != NFQUEUE_PKT_TYPE)
		return 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nfgenmsg) ||
	    mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, tb) < 0 || !tb[NFQA_PACKET_HDR])
		return -1;
	ph = mnl_attr_get_payload(tb[NFQA_PACKET_HDR]);
	out->id = ntohl(ph->packet_id);
	out->data = NULL;
	out->cap_len = 0;
	if (tb[NFQA_PAYLOAD]) {
		out->data = mnl_attr_get_payload(tb[NFQA_PAYLOAD]);
		out->cap_len = mnl_attr_get_payload_len(tb[NFQA_PAYLOAD]);
	}
	/* The kernel adds NFQA_CAP_LEN only when it truncated the copy. */
	out->pkt_len = tb[NFQA_CAP_LEN] ? ntohl(mnl_attr_get_u32(tb[NFQA_CAP_LEN])) : out->cap_len;
	return 1;
}

static int nlmsg_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EBADMSG;
	return e->error <= 0 ? e->error : -e->error;
}

static int packet_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nfqueue *q = data;
	struct nfqueue_pkt p;
	int r = parse_packet(nlh, &p);

	if (r <= 0)
		return r < 0 ? MNL_CB_ERROR : MNL_CB_OK;
	q->stats.packets++;
	q->fn(q->arg, p.id, p.data, p.cap_len, p.pkt_len);
	return MNL_CB_OK;
}

/* Verdicts are sent without NLM_F_ACK, so every NLMSG_ERROR here reports a failed verdict. */
static int verdict_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nfqueue *q = data;
	int err = nlmsg_error(nlh);

	if (err == -EBADMSG)
		return MNL_CB_ERROR;
	if (err < 0)
		q->stats.send_errors++;
	return MNL_CB_OK;
}

static int early_packet_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nfqueue_ack *w = data;
	struct nfqueue_pkt p;
	int r = parse_packet(nlh, &p);

	if (r <= 0)
		return r < 0 ? MNL_CB_ERROR : MNL_CB_OK;
	w->early++;
	w->early_max = p.id;
	return MNL_CB_OK;
}

static int ack_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nfqueue_ack *w = data;
	int err = nlmsg_error(nlh);

	if (err == -EBADMSG)
		return MNL_CB_ERROR;
	if (nlh->nlmsg_seq != w->seq) {
		if (err < 0)
			w->q->stats.send_errors++;
		return MNL_CB_OK;
	}
	w->done = true;
	w->err = err;
	return MNL_CB_STOP;
}

static mnl_cb_t recv_ctl_cbs[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = verdict_error_cb};
static mnl_cb_t ack_ctl_cbs[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = ack_cb};

static bool transient(int err)
{
	return err == -ENOBUFS || err == -ENOMEM || err == -EAGAIN;
}

static int send_once(struct nfqueue *q, const void *buf, size_t len)
{
	for (;;) {
		q->stats.send_calls++;
		if (mnl_socket_sendto(q->nl, buf, len) != -1)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* Builds one message per run, oldest first: the kernel handles them in order. */
static int flush_tries(struct nfqueue *q, unsigned retries)
{
	size_t len = 0;
	int r;

	if (q->nruns == 0)
		return 0;
	for (unsigned i = 0; i < q->nruns; i++) {
		const struct nfqueue_run *run = &q->runs[i];
		struct nlmsghdr *nlh = nfq_nlmsg_put(
			q->tx + len, run->multi ? NFQNL_MSG_VERDICT_BATCH : NFQNL_MSG_VERDICT,
			q->num);

		nfq_nlmsg_verdict_put(nlh, (int)run->last_id, run->accept ? NF_ACCEPT : NF_DROP);
		len += nlh->nlmsg_len;
	}
	for (unsigned attempt = 0;; attempt++) {
		r = send_once(q, q->tx, len);
		if (r == 0) {
			q->stats.verdict_msgs += q->nruns;
			q->nruns = 0;
			return 0;
		}
		if (!transient(r) || attempt >= retries)
			break;
		poll(NULL, 0, 1 << (attempt < 6 ? attempt : 6));
	}
	q->stats.send_errors++;
	return r;
}

int nfqueue_flush(struct nfqueue *q)
{
	return flush_tries(q, NFQUEUE_SEND_RETRIES);
}

/* Only reached when a flush already failed: waiting beats losing a verdict. */
static void make_room(struct nfqueue *q)
{
	int r;

	do
		r = nfqueue_flush(q);
	while (r < 0 && transient(r));
	if (r < 0)
		q->nruns = 0; /* the socket is broken: its packets die with it (counted above) */
}

void nfqueue_verdict(struct nfqueue *q, uint32_t id, bool accept)
{
	if (q->nruns > 0) {
		struct nfqueue_run *last = &q->runs[q->nruns - 1];

		if (last->accept == accept) {
			last->last_id = id;
			last->multi = true;
			return;
		}
	}
	if (q->nruns == NFQUEUE_MAX_PENDING)
		make_room(q);
	q->runs[q->nruns++] = (struct nfqueue_run){.last_id = id, .accept = accept};
	if (q->nruns == NFQUEUE_MAX_PENDING)
		nfqueue_flush(q); /* a failure keeps them recorded for the next try */
}

static void handle_datagram(struct nfqueue *q, const uint8_t *buf, size_t len, int flags)
{
	if ((flags & MSG_TRUNC) ||
	    mnl_cb_run2(buf, len, 0, q->portid, packet_cb, q, recv_ctl_cbs, NLMSG_MIN_TYPE) < 0)
		q->stats.bad_msgs++;
}

int nfqueue_receive(struct nfqueue *q, unsigned budget, nfqueue_packet_fn *fn, void *arg)
{
	unsigned room = NFQUEUE_MAX_PENDING - q->nruns;
	uint64_t start = q->stats.packets;
	unsigned limit;
	int err = 0;

	if (room == 0) {
		if (nfqueue_flush(q) < 0)
			return 0;
		room = NFQUEUE_MAX_PENDING;
	}
	limit = budget < room ? budget : room;
	q->fn = fn;
	q->arg = arg;
	/* Each datagram carries at most one packet, so asking for `want` cannot overshoot. */
	while (q->stats.packets - start < limit) {
		unsigned want = limit - (unsigned)(q->stats.packets - start);
		int n;

		if (want > q->nslots)
			want = q->nslots;
		n = recvmmsg(q->fd, q->msgs, want, MSG_DONTWAIT, NULL);
		q->stats.recv_calls++;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) { /* reported once per overrun, then cleared */
				q->stats.enobufs++;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				err = -errno;
			break;
		}
		for (int i = 0; i < n; i++)
			handle_datagram(q, q->rx + (size_t)i * q->slot_size, q->msgs[i].msg_len,
					q->msgs[i].msg_hdr.msg_flags);
		if ((unsigned)n < want)
			break; /* the socket ran dry: skip the recvmmsg that would say EAGAIN */
	}
	q->fn = NULL;
	q->arg = NULL;
	if (q->stats.packets == start && err < 0)
		return err;
	return (int)(q->stats.packets - start);
}

static int remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/*
 * Reads until the ACK of config message w->seq. Packet messages before it are counted in w: the
 * instance exists from the moment the kernel handled the BIND, before it queued the ACK.
 */
static int wait_ack(struct nfqueue *q, struct nfqueue_ack *w)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += NFQUEUE_ACK_WAIT_MS / 1000;
	while (!w->done) {
		/* MSG_TRUNC: the datagram's real length, to tell a truncated one */
		ssize_t n = recv(q->fd, q->rx, q->slot_size, MSG_DONTWAIT | MSG_TRUNC);

		if (n == -1) {
			struct pollfd pfd = {.fd = q->fd, .events = POLLIN};
			int r;

			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				q->stats.enobufs++;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			r = poll(&pfd, 1, remaining_ms(&deadline));
			if (r == 0)
				return -ETIMEDOUT;
			if (r == -1 && errno != EINTR)
				return -errno;
			continue;
		}
		if ((size_t)n > q->slot_size ||
		    mnl_cb_run2(q->rx, (size_t)n, 0, q->portid, early_packet_cb, w, ack_ctl_cbs,
				NLMSG_MIN_TYPE) < 0)
			q->stats.bad_msgs++;
	}
	return w->err;
}

/* Sends a config message (cmd and the attributes after it, built by the caller) and waits. */
static int config_exchange(struct nfqueue *q, struct nlmsghdr *nlh, struct nfqueue_ack *w)
{
	int r;

	nlh->nlmsg_flags |= NLM_F_ACK; /* nfq_nlmsg_put2() is newer than 1.0.5 */
	nlh->nlmsg_seq = ++q->seq;
	*w = (struct nfqueue_ack){.q = q, .seq = nlh->nlmsg_seq};
	r = send_once(q, nlh, nlh->nlmsg_len);
	if (r < 0)
		return r;
	return wait_ack(q, w);
}

/*
 * Everything in one message, so the queue never runs with the defaults (copy mode NONE makes the
 * kernel drop packets with -EINVAL). The kernel checks the flags before it binds, and it keeps
 * one NFQA_CFG_FLAGS attribute per message (the last), hence both bits in one.
 */
static int bind_queue(struct nfqueue *q, const struct nfqueue_params *p)
{
	char buf[256];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	uint32_t flags = NFQA_CFG_F_GSO | (p->fail_open ? NFQA_CFG_F_FAIL_OPEN : 0);
	uint32_t range = p->copy_range ? p->copy_range : NFQUEUE_MAX_COPY_RANGE;
	struct nfqueue_ack w;
	int r;

	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	nfq_nlmsg_cfg_put_params(
		nlh, NFQNL_COPY_PACKET,
		(int)(range < NFQUEUE_MAX_COPY_RANGE ? range : NFQUEUE_MAX_COPY_RANGE));
	if (p->maxlen)
		nfq_nlmsg_cfg_put_qmaxlen(nlh, p->maxlen);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN));
	r = config_exchange(q, nlh, &w);
	if (r < 0 || w.early == 0)
		return r;
	/* Hand the early packets back to the ruleset: NF_REPEAT re-runs the hook, which queues them
	 * again with new ids that nfqueue_receive() will see. One batch covers all of them. */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT_BATCH, q->num);
	nfq_nlmsg_verdict_put(nlh, (int)w.early_max, NF_REPEAT);
	r = send_once(q, nlh, nlh->nlmsg_len);
	if (r < 0)
		return r;
	q->stats.verdict_msgs++;
	q->stats.requeued += w.early;
	return 0;
}

static int set_int_opt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) == -1 ? -errno : 0;
}

static int setup_socket(struct nfqueue *q, const struct nfqueue_params *p)
{
	int sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);
	int r;

	if (p->rcvbuf) {
		int v = p->rcvbuf > INT_MAX ? INT_MAX : (int)p->rcvbuf;

		r = set_int_opt(q->fd, SOL_SOCKET, SO_RCVBUFFORCE, v);
		if (r == -EPERM)
			r = set_int_opt(q->fd, SOL_SOCKET, SO_RCVBUF, v);
		if (r < 0)
			return r;
	}
	/* An overrun then only drops (and counts) messages instead of setting the socket
	 * "congested", which refuses every message until userspace drains the queue. */
	r = set_int_opt(q->fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, 1);
	if (r < 0)
		return r;
	/* Best effort (Linux >= 4.3): errors for verdicts do not echo the message back. */
	set_int_opt(q->fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
	/* netlink_sendmsg() refuses a datagram longer than sndbuf - 32 with EMSGSIZE. */
	if (getsockopt(q->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) == -1)
		return -errno;
	if ((size_t)sndbuf < sizeof(q->tx) + 64)
		return set_int_opt(q->fd, SOL_SOCKET, SO_SNDBUF, (int)sizeof(q->tx) + 64);
	return 0;
}

/* Slots big enough for copy_range plus the message's own attributes, as the libmnl example. */
static int alloc_slots(struct nfqueue *q, uint32_t copy_range)
{
	size_t range = copy_range && copy_range < NFQUEUE_MAX_COPY_RANGE ? copy_range
									 : NFQUEUE_MAX_COPY_RANGE;

	q->slot_size = MNL_ALIGN(range) + (size_t)MNL_SOCKET_BUFFER_SIZE / 2;
	q->nslots = NFQUEUE_RX_BUDGET / q->slot_size;
	if (q->nslots > NFQUEUE_SLOTS)
		q->nslots = NFQUEUE_SLOTS;
	if (q->nslots < 8)
		q->nslots = 8;
	q->rx = malloc(q->nslots * q->slot_size);
	if (!q->rx)
		return -ENOMEM;
	for (unsigned i = 0; i < q->nslots; i++) {
		q->iov[i] = (struct iovec){.iov_base = q->rx + i * q->slot_size,
					   .iov_len = q->slot_size};
		q->msgs[i].msg_hdr = (struct msghdr){.msg_iov = &q->iov[i], .msg_iovlen = 1};
	}
	return 0;
}

static void destroy(struct nfqueue *q)
{
	if (q->nl)
		mnl_socket_close(q->nl);
	free(q->rx);
	free(q);
}

int nfqueue_open(const struct nfqueue_params *p, struct nfqueue **ret)
{
	struct nfqueue *q;
	int r;

	if (!p || !ret)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->num = p->num;
	r = alloc_slots(q, p->copy_range);
	if (r < 0)
		goto fail;
	q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!q->nl) {
		r = -errno;
		goto fail;
	}
	q->fd = mnl_socket_get_fd(q->nl);
	r = setup_socket(q, p);
	if (r < 0)
		goto fail;
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		r = -errno;
		goto fail;
	}
	q->portid = mnl_socket_get_portid(q->nl);
	r = bind_queue(q, p);
	if (r < 0)
		goto fail;
	*ret = q;
	return 0;
fail:
	destroy(q); /* closing the socket also unbinds (NETLINK_URELEASE) */
	return r;
}

void nfqueue_close(struct nfqueue *q)
{
	char buf[64];
	struct nlmsghdr *nlh;
	struct nfqueue_ack w;

	if (!q)
		return;
	nfqueue_flush(q);
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_UNBIND);
	config_exchange(q, nlh, &w); /* the kernel drops what is still queued */
	destroy(q);
}

int nfqueue_fd(const struct nfqueue *q)
{
	return q->fd;
}

void nfqueue_get_stats(const struct nfqueue *q, struct nfqueue_stats *out)
{
	*out = q->stats;
}
