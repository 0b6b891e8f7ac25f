/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfq_build - netlink messages as the kernel's nfnetlink_queue sends them (nfqnl_build_packet_
 * message: NFQA_PACKET_HDR, then NFQA_SKB_INFO, NFQA_CAP_LEN and NFQA_PAYLOAD when present), and
 * NLMSG_ERROR and NLMSG_DONE, built with libmnl for test_nfqueue, fuzz_nfqueue's checks and
 * make_seeds. Each call appends one message at buf + *len (buf aligned for struct nlmsghdr) and
 * advances *len by its aligned size; it returns the message, or NULL when size is too small.
 */
#ifndef TCPFW_NFQ_BUILD_H
#define TCPFW_NFQ_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

struct nfq_build {
	uint32_t id;
	uint16_t queue;
	uint16_t hw_protocol; /* ETH_P_IP or ETH_P_IPV6 */
	uint8_t family;	      /* nfgenmsg's: AF_INET, AF_INET6, AF_UNSPEC */
	bool no_hdr;	      /* leave out NFQA_PACKET_HDR */
	bool has_skb_info;
	uint32_t skb_info;	/* NFQA_SKB_* */
	uint32_t cap_len;	/* NFQA_CAP_LEN (the full length) when non-zero */
	const uint8_t *payload; /* NFQA_PAYLOAD when non-NULL, payload_len bytes */
	size_t payload_len;
};

struct nlmsghdr *nfq_build_packet(void *buf, size_t size, size_t *len, const struct nfq_build *b);
struct nlmsghdr *nfq_build_error(void *buf, size_t size, size_t *len, uint32_t seq, uint32_t portid,
				 int error);
struct nlmsghdr *nfq_build_done(void *buf, size_t size, size_t *len);

#endif
