// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfqueue - NFQUEUE over libmnl: recvmmsg batches in, one sendmsg of verdict messages out.
 * The kernel behaviour matched here is in net/netfilter/nfnetlink_queue.c and
 * net/netlink/af_netlink.c; nfqueue.h has the contract.
 */
#include "nfqueue.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/types.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define NFQUEUE_SLOTS	     64		/* datagrams per recvmmsg */
#define NFQUEUE_RX_BYTES     (2u << 20) /* cap on receive slots when copy_range is large */
#define NFQUEUE_ACK_WAIT_MS  1000	/* the kernel acks config inside our sendmsg */
#define NFQUEUE_SEND_RETRIES 3		/* extra tries after a transient sendmsg error */
#define NFQUEUE_PKT_TYPE     ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET)
/* nlmsghdr + nfgenmsg + NFQA_VERDICT_HDR = 32 bytes, + NFQA_MARK = 40 */
#define NFQUEUE_VERDICT_SIZE                                                                       \
	(MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg)) + MNL_ATTR_HDRLEN +                 \
	 MNL_ALIGN(sizeof(struct nfqnl_msg_verdict_hdr)) + MNL_ATTR_HDRLEN + sizeof(uint32_t))

struct nfqueue_run {
	uint32_t last_id; /* the run's newest packet; a batch covers every id <= it */
	uint32_t mark;	  /* NF_REPEAT: the packet's new mark (NFQA_MARK) */
	uint8_t verdict;  /* NF_ACCEPT, NF_DROP or NF_REPEAT (one packet, never a batch) */
	bool multi;	  /* more than one packet: NFQNL_MSG_VERDICT_BATCH */
};

struct nfqueue {
	struct mnl_socket *nl;
	int fd;
	uint32_t portid;
	uint16_t num;
	bool net_admin; /* SO_RCVBUFFORCE worked, so we hold CAP_NET_ADMIN */
	bool have_last;
	uint32_t last_id; /* newest packet id seen, to count the ids the kernel skipped */
	/* config exchange: set while waiting for the ACK of message ack_seq */
	uint32_t ack_seq;
	bool ack_done;
	int ack_err;
	unsigned early;	    /* packets that arrived before the ACK */
	uint32_t early_max; /* the newest of them */
	/* receive */
	nfqueue_packet_fn *fn; /* NULL outside nfqueue_receive(): packets are early */
	void *arg;
	unsigned nslots;
	size_t slot_size;
	uint8_t *rx; /* nslots * slot_size */
	struct mmsghdr msgs[NFQUEUE_SLOTS];
	struct iovec iov[NFQUEUE_SLOTS];
	struct nfqueue_stats stats;
	/* verdicts */
	unsigned nruns;
	struct nfqueue_run runs[NFQUEUE_MAX_PENDING];
	_Alignas(struct nlmsghdr) char tx[NFQUEUE_MAX_PENDING * NFQUEUE_VERDICT_SIZE];
};

/* ---- parsing a datagram: no socket, no queue ---- */

/*
 * The walks below use libmnl's accessors with bounds of their own: libmnl 1.0.4's
 * mnl_nlmsg_ok() compares (int)nlmsg_len, so a length above INT_MAX passes as fitting, and
 * mnl_attr_for_each() runs to the aligned end of a message, up to 3 bytes past an unaligned
 * last one. The kernel sends neither; a parser of what arrives must not read past it.
 */
static int parse_attr(const struct nlattr *attr, const struct nlattr **tb)
{
	uint16_t type = mnl_attr_get_type(attr);

	switch (type) {
	case NFQA_PACKET_HDR:
		if (mnl_attr_get_payload_len(attr) < sizeof(struct nfqnl_msg_packet_hdr))
			return -EINVAL;
		break;
	case NFQA_CAP_LEN:
	case NFQA_SKB_INFO:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return -EINVAL;
		break;
	case NFQA_PAYLOAD:
		break;
	default:
		return 0; /* unused, including types newer than our headers */
	}
	tb[type] = attr;
	return 0;
}

static int parse_packet(const struct nlmsghdr *nlh, const struct nfqueue_parse_ops *ops, void *arg)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const struct nlattr *tb[NFQA_SKB_INFO + 1] = {NULL}, *attr;
	const struct nfqnl_msg_packet_hdr *ph;
	struct nfqueue_msg m = {0};

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nfgenmsg))
		return -EINVAL;
	for (attr = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct nfgenmsg));
	     mnl_attr_ok(attr, (int)(end - (const char *)attr)); attr = mnl_attr_next(attr))
		if (parse_attr(attr, tb) < 0)
			return -EINVAL;
	if (!tb[NFQA_PACKET_HDR])
		return -EINVAL;
	ph = mnl_attr_get_payload(tb[NFQA_PACKET_HDR]);
	m.id = ntohl(ph->packet_id);
	if (tb[NFQA_PAYLOAD]) {
		m.cap_len = mnl_attr_get_payload_len(tb[NFQA_PAYLOAD]);
		m.pkt = m.cap_len ? mnl_attr_get_payload(tb[NFQA_PAYLOAD]) : NULL;
	}
	/* The kernel adds NFQA_CAP_LEN only when it copied less than the whole packet. */
	m.pkt_len = tb[NFQA_CAP_LEN] ? ntohl(mnl_attr_get_u32(tb[NFQA_CAP_LEN])) : m.cap_len;
	if (tb[NFQA_SKB_INFO] &&
	    (ntohl(mnl_attr_get_u32(tb[NFQA_SKB_INFO])) & NFQA_SKB_CSUM_NOTVERIFIED))
		m.info |= NFQUEUE_PKT_CSUM_UNVERIFIED;
	if (ops->packet)
		ops->packet(arg, &m);
	return 0;
}

static int parse_error(const struct nlmsghdr *nlh, const struct nfqueue_parse_ops *ops, void *arg)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EINVAL;
	if (ops->error)
		ops->error(arg, nlh->nlmsg_seq, e->error <= 0 ? e->error : -e->error);
	return 0;
}

int nfqueue_parse(const void *buf, size_t len, uint32_t portid, const struct nfqueue_parse_ops *ops,
		  void *arg)
{
	size_t off = 0, step;
	int r = 0;

	if (!buf || !ops)
		return -EINVAL;
	while (r == 0 && len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const void *)((const char *)buf + off);

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off)
			break;
		if (!mnl_nlmsg_portid_ok(nlh, portid))
			return -ESRCH;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			return -EINTR;
		if (nlh->nlmsg_type == NFQUEUE_PKT_TYPE)
			r = parse_packet(nlh, ops, arg);
		else if (nlh->nlmsg_type == NLMSG_ERROR)
			r = parse_error(nlh, ops, arg);
		step = MNL_ALIGN(nlh->nlmsg_len);
		if (step >= len - off)
			break;
		off += step;
	}
	return r;
}

/* ---- the queue's side of a received datagram ---- */

static void rx_packet(void *arg, const struct nfqueue_msg *m)
{
	struct nfqueue *q = arg;

	/* Ids are consecutive; the kernel takes one and then fails to put the message in our
	 * socket when it overruns (only sk_drops tells, NETLINK_NO_ENOBUFS being set). */
	if (q->have_last && m->id - q->last_id - 1 < UINT32_C(1) << 31)
		q->stats.lost += m->id - q->last_id - 1;
	q->have_last = true;
	q->last_id = m->id;
	if (!q->fn) {
		q->early++;
		q->early_max = m->id;
		return;
	}
	q->stats.packets++;
	q->fn(q->arg, m->id, m->pkt, m->cap_len, m->pkt_len, m->info);
}

/* Verdicts go without NLM_F_ACK, so an error that is not the awaited ACK is a failed verdict. */
static void rx_error(void *arg, uint32_t seq, int error)
{
	struct nfqueue *q = arg;

	if (q->ack_seq && seq == q->ack_seq) {
		q->ack_done = true;
		q->ack_err = error;
	} else if (error) {
		q->stats.send_errors++;
	}
}

static const struct nfqueue_parse_ops rx_ops = {.packet = rx_packet, .error = rx_error};

/* One recvmmsg of up to `want` datagrams, each handled. Returns datagrams read, 0 when the
 * socket is empty, or -errno. */
static int recv_batch(struct nfqueue *q, unsigned want)
{
	int n;

	do {
		n = recvmmsg(q->fd, q->msgs, want, MSG_DONTWAIT, NULL);
		q->stats.recv_calls++;
		/* an overrun is reported once, then cleared (without NETLINK_NO_ENOBUFS) */
		if (n == -1 && errno == ENOBUFS)
			q->stats.enobufs++;
	} while (n == -1 && (errno == EINTR || errno == ENOBUFS));
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		const struct mmsghdr *m = &q->msgs[i];

		if ((m->msg_hdr.msg_flags & MSG_TRUNC) ||
		    nfqueue_parse(q->rx + (size_t)i * q->slot_size, m->msg_len, q->portid, &rx_ops,
				  q) < 0)
			q->stats.bad_msgs++;
	}
	return n;
}

int nfqueue_receive(struct nfqueue *q, unsigned budget, nfqueue_packet_fn *fn, void *arg)
{
	unsigned room = NFQUEUE_MAX_PENDING - q->nruns;
	uint64_t start = q->stats.packets;
	unsigned limit, want;
	int n = 0;

	if (!fn)
		return -EINVAL;
	if (room == 0) {
		if (nfqueue_flush(q) < 0)
			return 0;
		room = NFQUEUE_MAX_PENDING;
	}
	limit = budget < room ? budget : room;
	q->fn = fn;
	q->arg = arg;
	/* A datagram holds at most one packet, so asking for `want` cannot overshoot. */
	while (q->stats.packets - start < limit) {
		want = limit - (unsigned)(q->stats.packets - start);
		want = want < q->nslots ? want : q->nslots;
		n = recv_batch(q, want);
		if (n < (int)want)
			break; /* drained (no recvmmsg just to hear EAGAIN), or an error */
	}
	q->fn = NULL;
	q->arg = NULL;
	if (q->stats.packets == start && n < 0)
		return n;
	return (int)(q->stats.packets - start);
}

static int send_once(struct nfqueue *q, const void *buf, size_t len)
{
	while (mnl_socket_sendto(q->nl, buf, len) == -1) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static bool transient(int err)
{
	return err == -ENOBUFS || err == -ENOMEM || err == -EAGAIN;
}

/* One message per run, oldest first: the kernel handles a datagram's messages in order. */
int nfqueue_flush(struct nfqueue *q)
{
	size_t len = 0;
	int r;

	if (q->nruns == 0)
		return 0;
	for (unsigned i = 0; i < q->nruns; i++) {
		const struct nfqueue_run *run = &q->runs[i];
		int type = run->multi ? NFQNL_MSG_VERDICT_BATCH : NFQNL_MSG_VERDICT;
		struct nlmsghdr *nlh = nfq_nlmsg_put(q->tx + len, type, q->num);

		nfq_nlmsg_verdict_put(nlh, (int)run->last_id, run->verdict);
		if (run->verdict == NF_REPEAT)
			nfq_nlmsg_verdict_put_mark(nlh, run->mark);
		len += nlh->nlmsg_len;
	}
	/* netlink_sendmsg() fails before the kernel reads any message, so a retry resends all. */
	for (unsigned attempt = 0;; attempt++) {
		q->stats.send_calls++;
		r = send_once(q, q->tx, len);
		if (r == 0) {
			q->stats.verdict_msgs += q->nruns;
			q->nruns = 0;
			return 0;
		}
		if (!transient(r) || attempt == NFQUEUE_SEND_RETRIES)
			break;
		poll(NULL, 0, 1 << attempt);
	}
	q->stats.send_errors++;
	return r;
}

static void record(struct nfqueue *q, uint32_t id, uint8_t verdict, uint32_t mark)
{
	int r;

	if (q->nruns > 0 && verdict != NF_REPEAT && q->runs[q->nruns - 1].verdict == verdict) {
		q->runs[q->nruns - 1].last_id = id;
		q->runs[q->nruns - 1].multi = true;
		return;
	}
	if (q->nruns == NFQUEUE_MAX_PENDING) {
		/* only after a failed flush and more verdicts than delivered packets: waiting
		 * beats losing one */
		do
			r = nfqueue_flush(q);
		while (r < 0 && transient(r));
		if (r < 0)
			q->nruns = 0; /* the socket is broken; its packets die with it */
	}
	q->runs[q->nruns++] = (struct nfqueue_run){.last_id = id, .mark = mark, .verdict = verdict};
	if (q->nruns == NFQUEUE_MAX_PENDING)
		nfqueue_flush(q); /* on failure they stay recorded for the next try */
}

void nfqueue_verdict(struct nfqueue *q, uint32_t id, bool accept)
{
	record(q, id, accept ? NF_ACCEPT : NF_DROP, 0);
}

void nfqueue_verdict_mark(struct nfqueue *q, uint32_t id, uint32_t mark)
{
	record(q, id, NF_REPEAT, mark);
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
 * Sends a config message with NLM_F_ACK and reads until its ACK. The queue exists from the moment
 * the kernel handled a BIND, before it queues the ACK, so packets may come first: rx_packet counts
 * them as early (q->fn is NULL here).
 */
static int config_exchange(struct nfqueue *q, struct nlmsghdr *nlh)
{
	struct pollfd pfd = {.fd = q->fd, .events = POLLIN};
	struct timespec deadline;
	int r;

	nlh->nlmsg_flags |= NLM_F_ACK; /* nfq_nlmsg_put2() is newer than libnetfilter_queue 1.0.5 */
	nlh->nlmsg_seq = ++q->ack_seq;
	q->ack_done = false;
	r = send_once(q, nlh, nlh->nlmsg_len);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += NFQUEUE_ACK_WAIT_MS / 1000;
	while (r == 0 && !q->ack_done) {
		r = recv_batch(q, 1); /* one by one: what follows the ACK is no longer early */
		if (r == 0) {
			r = poll(&pfd, 1, remaining_ms(&deadline));
			r = r == 0 ? -ETIMEDOUT : r == -1 && errno != EINTR ? -errno : 0;
		} else if (r > 0) {
			r = 0;
		}
	}
	return r < 0 ? r : q->ack_err;
}

/*
 * Everything in one message, so the queue never runs with the defaults (with copy mode NONE the
 * kernel drops packets with -EINVAL). The kernel checks the flags before it binds and keeps one
 * NFQA_CFG_FLAGS attribute per message (the last), hence both bits in one attribute.
 */
static int bind_queue(struct nfqueue *q, const struct nfqueue_params *p)
{
	_Alignas(struct nlmsghdr) char buf[128];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	uint32_t flags = NFQA_CFG_F_GSO | (p->fail_open ? NFQA_CFG_F_FAIL_OPEN : 0);
	uint32_t range = p->copy_range && p->copy_range < NFQUEUE_MAX_COPY_RANGE
				 ? p->copy_range
				 : NFQUEUE_MAX_COPY_RANGE;
	int r;

	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, (int)range);
	if (p->maxlen)
		nfq_nlmsg_cfg_put_qmaxlen(nlh, p->maxlen);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN));
	r = config_exchange(q, nlh);
	/* nfqnl_recv_config() answers EPERM, not EBUSY, when another socket holds the queue: it
	 * checks the owner before the command. With CAP_NET_ADMIN that is the only EPERM. */
	if (r == -EPERM && q->net_admin)
		return -EBUSY;
	if (r < 0 || q->early == 0)
		return r;
	/* NF_REPEAT runs the hook again, which queues the early packets anew with ids that
	 * nfqueue_receive() will deliver. One batch covers them all. */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT_BATCH, q->num);
	nfq_nlmsg_verdict_put(nlh, (int)q->early_max, NF_REPEAT);
	q->stats.send_calls++;
	r = send_once(q, nlh, nlh->nlmsg_len);
	if (r < 0)
		return r;
	q->stats.verdict_msgs++;
	q->stats.requeued += q->early;
	return 0;
}

static int set_int_opt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) == -1 ? -errno : 0;
}

static int setup_socket(struct nfqueue *q, const struct nfqueue_params *p)
{
	int v = p->rcvbuf > INT_MAX ? INT_MAX : (int)p->rcvbuf;
	int sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);
	int r;

	if (v) {
		r = set_int_opt(q->fd, SOL_SOCKET, SO_RCVBUFFORCE, v);
		q->net_admin = r == 0;
		if (r == -EPERM)
			r = set_int_opt(q->fd, SOL_SOCKET, SO_RCVBUF, v);
		if (r < 0)
			return r;
	}
	/* An overrun then drops (and counts in sk_drops) only the message that did not fit,
	 * instead of marking the socket congested, which refuses every message until userspace
	 * has drained it. */
	r = set_int_opt(q->fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, 1);
	if (r < 0)
		return r;
	/* Best effort (Linux >= 4.3): errors for verdicts do not echo the verdict back. */
	set_int_opt(q->fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
	/* netlink_sendmsg() refuses a datagram longer than sndbuf - 32 with EMSGSIZE. */
	if (getsockopt(q->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) == -1)
		return -errno;
	if ((size_t)sndbuf < sizeof(q->tx) + 64)
		return set_int_opt(q->fd, SOL_SOCKET, SO_SNDBUF, (int)sizeof(q->tx) + 64);
	return 0;
}

/* Slots hold copy_range plus the message's own attributes, with the libmnl example's margin. */
static int alloc_slots(struct nfqueue *q, uint32_t copy_range)
{
	size_t range = copy_range && copy_range < NFQUEUE_MAX_COPY_RANGE ? copy_range
									 : NFQUEUE_MAX_COPY_RANGE;

	q->slot_size = MNL_ALIGN(range) + (size_t)MNL_SOCKET_BUFFER_SIZE / 2;
	q->nslots = NFQUEUE_RX_BYTES / q->slot_size;
	q->nslots = q->nslots < 8 ? 8 : q->nslots > NFQUEUE_SLOTS ? NFQUEUE_SLOTS : q->nslots;
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

static struct mnl_socket *open_bound(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		int err = errno;

		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	return nl;
}

/*
 * Autobind gives the first socket our pid as portid, which an earlier handle of this process may
 * have had: enqueues racing its unbind still send to that portid, so we would receive packets of
 * its destroyed instance (their verdicts fail with ENOENT). While the pid is taken, autobind hands
 * out a fresh number from a kernel-wide counter instead.
 */
static int open_socket(struct mnl_socket **ret)
{
	struct mnl_socket *nl = open_bound(), *other;

	if (!nl)
		return -errno;
	if (mnl_socket_get_portid(nl) == (unsigned)getpid()) {
		other = open_bound();
		mnl_socket_close(nl);
		if (!other)
			return -errno;
		nl = other;
	}
	*ret = nl;
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
	r = open_socket(&q->nl);
	if (r < 0)
		goto fail;
	q->fd = mnl_socket_get_fd(q->nl);
	q->portid = mnl_socket_get_portid(q->nl);
	r = setup_socket(q, p);
	if (r < 0)
		goto fail;
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
	_Alignas(struct nlmsghdr) char buf[64];
	struct nlmsghdr *nlh;

	if (!q)
		return;
	nfqueue_flush(q);
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_UNBIND);
	config_exchange(q, nlh); /* the kernel drops what is still queued */
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

uint64_t nfqueue_lost(const struct nfqueue *q)
{
	return q->stats.lost;
}
