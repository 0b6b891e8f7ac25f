/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfqueue - one NFQUEUE queue over a netlink socket: receive packets in batches, send verdicts in
 * batches. This is the only file that uses libmnl and libnetfilter_queue (its nfq_nlmsg_* helpers,
 * not the deprecated nfq_open API). A struct nfqueue owns its socket and every buffer; all memory
 * is allocated by nfqueue_open(), nothing per packet. It is not thread-safe: one thread owns one
 * queue. Packet ids are host order. Verdicts are recorded in arrival order and leave in one
 * sendmsg per nfqueue_flush(): each run of consecutive packets with the same verdict becomes one
 * NFQNL_MSG_VERDICT_BATCH, which the kernel applies to every queued id <= the run's last id, and a
 * run of one becomes a plain NFQNL_MSG_VERDICT. A recorded verdict is never dropped: when it
 * cannot be sent it stays recorded and the next flush sends it. The module never logs; it returns
 * 0 or a negative errno and counts the rest in struct nfqueue_stats.
 */
#ifndef TCPFW_NFQUEUE_H
#define TCPFW_NFQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NFQUEUE_MAX_COPY_RANGE 65531 /* the kernel's NFQNL_MAX_COPY_RANGE: 0xffff - NLA_HDRLEN */
#define NFQUEUE_MAX_PENDING    1024  /* recorded runs of verdicts before a flush is forced */

struct nfqueue_params {
	uint16_t num;	     /* queue number */
	uint32_t copy_range; /* bytes copied per packet (NFQNL_COPY_PACKET); 0 or more than
				NFQUEUE_MAX_COPY_RANGE: the kernel's maximum */
	uint32_t maxlen; /* kernel queue length (NFQA_CFG_QUEUE_MAXLEN); 0: kernel default 1024 */
	bool fail_open;	 /* NFQA_CFG_F_FAIL_OPEN: accept, not drop, when the queue or the
			    socket is full */
	uint32_t rcvbuf; /* SO_RCVBUFFORCE bytes, or SO_RCVBUF (capped by net.core.rmem_max)
			    without CAP_NET_ADMIN; the kernel doubles it; 0: keep the default */
};

struct nfqueue_stats {
	uint64_t packets;      /* delivered to the callback */
	uint64_t enobufs;      /* ENOBUFS seen on receive (kernel dropped messages); stays 0 since
				  NETLINK_NO_ENOBUFS is set: see lost */
	uint64_t recv_calls;   /* recvmmsg calls (a short read ends the drain, so an empty socket
				  costs no extra call) */
	uint64_t send_calls;   /* verdict sendmsg calls */
	uint64_t verdict_msgs; /* netlink verdict messages sent (batch messages count once) */
	uint64_t send_errors;  /* failed verdict sendmsg calls plus netlink errors the kernel
				  returned for verdicts (ENOENT: no such id) */
	/* additions */
	uint64_t lost;	   /* ids the kernel skipped: it took an id, then could not put the message
			      in our full socket (its packet was dropped, or accepted with
			      fail_open). Queue-full drops take no id; see queue_dropped in
			      /proc/net/netfilter/nfnetlink_queue */
	uint64_t bad_msgs; /* datagrams that were truncated or could not be parsed */
	uint64_t requeued; /* packets that raced the bind ACK in nfqueue_open(), handed back to the
			      ruleset with NF_REPEAT (so they are queued again) */
};

struct nfqueue;

/*
 * Opens a NETLINK_NETFILTER socket (nonblocking, close-on-exec) and binds queue p->num with one
 * config message that also sets copy mode and range, the queue maxlen, and the flags
 * NFQA_CFG_F_GSO plus NFQA_CFG_F_FAIL_OPEN when asked (one NFQA_CFG_FLAGS attribute whose
 * NFQA_CFG_MASK covers both bits, so fail_open=false clears it). Before binding it sets the
 * receive buffer, NETLINK_NO_ENOBUFS and NETLINK_CAP_ACK. The message asks for an ACK and waits
 * for it (up to a second), so a failed bind returns the kernel's answer: -EPERM without
 * CAP_NET_ADMIN, and also when another socket holds the queue (the kernel checks the owner before
 * the command, so it never says EBUSY to another socket); when SO_RCVBUFFORCE worked we hold
 * CAP_NET_ADMIN and report the latter as -EBUSY. -ETIMEDOUT without an answer. Packets the kernel
 * queues before the ACK are requeued (see requeued). Other errors: -EINVAL (p or ret is NULL),
 * -ENOMEM, or the failing syscall's -errno. *p is read during the call only. Returns 0 and writes
 * *ret (owned by the caller, released with nfqueue_close()), or -errno and leaves *ret alone.
 */
int nfqueue_open(const struct nfqueue_params *p, struct nfqueue **ret);

/*
 * Sends the recorded verdicts (best effort), unbinds the queue (waiting briefly for the ACK),
 * closes the socket and frees q. NULL is a no-op. Packets still queued in the kernel are dropped
 * by the kernel (new ones bypass the queue only with the ruleset's bypass flag).
 */
void nfqueue_close(struct nfqueue *q);

/* The socket, for poll/epoll (readable: packets wait). Owned by q; do not read or close it. */
int nfqueue_fd(const struct nfqueue *q);

/* NFQA_SKB_INFO says no one verified the TCP/UDP checksum (CHECKSUM_NONE): the reader may. */
#define NFQUEUE_PKT_CSUM_UNVERIFIED 0x1

/*
 * Called for each packet: id is the host-order packet id; pkt points into the receive buffer
 * (valid only during the call; NULL when cap_len is 0); cap_len bytes are present; pkt_len is the
 * packet's full length (NFQA_CAP_LEN when present, else cap_len). With NFQA_CFG_F_GSO a packet
 * may be longer than the MTU and carry a checksum still to be filled in (the kernel then says
 * nothing in info); info has NFQUEUE_PKT_CSUM_UNVERIFIED when the checksum is final but was
 * never verified.
 */
typedef void nfqueue_packet_fn(void *arg, uint32_t id, const uint8_t *pkt, size_t cap_len,
			       size_t pkt_len, uint32_t info);

/*
 * Drains up to `budget` packets without blocking, calling fn(arg, ...) for each in arrival order,
 * reading many datagrams per recvmmsg call. fn may call nfqueue_verdict() (and nfqueue_flush()).
 * Delivers at most as many packets as there is room for new verdict runs
 * (NFQUEUE_MAX_PENDING minus those recorded), so recording one verdict per delivered packet
 * never overflows; when there is no room at all it flushes first, and if that fails it returns 0
 * (verdicts stay recorded, send_errors counts it). Returns the number of packets delivered (0:
 * nothing waiting), -EINVAL when fn is NULL, or -errno on a fatal socket error. ENOBUFS is counted,
 * not returned. Netlink error messages for verdicts (ENOENT for an unknown id) count as
 * send_errors; datagrams it cannot parse count as bad_msgs.
 */
int nfqueue_receive(struct nfqueue *q, unsigned budget, nfqueue_packet_fn *fn, void *arg);

/*
 * Records the verdict (NF_ACCEPT when accept, else NF_DROP) for packet id. Verdicts must be
 * given in arrival order, one per delivered packet: a batch message also settles any earlier
 * packet of the queue still without a verdict. When the record fills up it flushes by itself;
 * if that flush fails the verdicts stay recorded, and a verdict that finds no room waits for the
 * kernel rather than be lost.
 */
void nfqueue_verdict(struct nfqueue *q, uint32_t id, bool accept);

/*
 * Records NF_REPEAT with the packet mark set to mark (NFQA_MARK) for packet id, in order with
 * the other verdicts: the hook that queued the packet runs again, so the ruleset must act on the
 * mark before its queue rule (or the packet is queued again). Never part of a batch: each costs
 * one NFQNL_MSG_VERDICT and splits the surrounding runs. For measuring that cost
 * (tests/bench/nflog_cost.sh); tcpfwd does not use it.
 */
void nfqueue_verdict_mark(struct nfqueue *q, uint32_t id, uint32_t mark);

/*
 * Sends every recorded verdict in one sendmsg and forgets them. Returns 0 (also when nothing was
 * recorded) or -errno. Retry policy: EINTR is retried at once; the transient ENOBUFS, ENOMEM and
 * EAGAIN (the kernel could not allocate the message) are retried three more times, 1, 2 and 4 ms
 * apart; if they persist, or on any other error, the verdicts stay recorded (nothing is lost),
 * send_errors is incremented and -errno is returned: call nfqueue_flush() again later
 * (nfqueue_receive() retries by itself only once the record is full).
 */
int nfqueue_flush(struct nfqueue *q);

/* One packet message of a received datagram, with the meaning nfqueue_packet_fn gives its
 * arguments; pkt points into the datagram. */
struct nfqueue_msg {
	uint32_t id;
	const uint8_t *pkt; /* NULL when cap_len is 0 */
	size_t cap_len;
	size_t pkt_len;
	uint32_t info; /* NFQUEUE_PKT_* */
};

/*
 * What nfqueue_parse() reports, either pointer may be NULL: packet for each NFQNL_MSG_PACKET
 * message (m and its pkt live during the call only); error for each NLMSG_ERROR, with its
 * sequence number and the error as 0 (an ACK) or a negative errno.
 */
struct nfqueue_parse_ops {
	void (*packet)(void *arg, const struct nfqueue_msg *m);
	void (*error)(void *arg, uint32_t seq, int error);
};

/*
 * Walks one received netlink datagram of len bytes at buf (aligned for struct nlmsghdr), message
 * by message, and reports each to ops in order; no socket, no allocation, no state, and no
 * byte read outside [buf, buf + len) or past a message's nlmsg_len. Other message types,
 * NLMSG_DONE and unknown attributes are skipped; bytes after the last whole message are
 * ignored. Stops the walk: -ESRCH at a message from another portid than portid (0: any);
 * -EINTR at NLM_F_DUMP_INTR; -EINVAL at a packet message without NFQA_PACKET_HDR, with one
 * shorter than struct nfqnl_msg_packet_hdr or an NFQA_CAP_LEN or NFQA_SKB_INFO not of 4 bytes,
 * at an NLMSG_ERROR shorter than struct nlmsgerr, or when buf or ops is NULL. The messages
 * before the one that stopped it have been reported. Returns 0 when every message was walked.
 */
int nfqueue_parse(const void *buf, size_t len, uint32_t portid, const struct nfqueue_parse_ops *ops,
		  void *arg);

/* Copies the counters into *out. No syscall. */
void nfqueue_get_stats(const struct nfqueue *q, struct nfqueue_stats *out);

/* stats.lost alone, cheap enough to read for every packet. */
uint64_t nfqueue_lost(const struct nfqueue *q);

#endif
