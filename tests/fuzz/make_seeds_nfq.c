// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nfqueue harness's seeds for make_seeds: received netlink datagrams as the kernel sends
 * them (IPv4, IPv6, cut copies, batches with ACKs, errors and DONE), truncated or short
 * attributes, and the lengths libmnl misreads.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/types.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "make_seeds.h"
#include "nfq_build.h"

/* ---- nfqueue: received netlink datagrams ---- */

static _Alignas(struct nlmsghdr) uint8_t nbuf[16384];

static void nfq_packet(size_t *len, uint32_t id, const uint8_t *pkt, size_t n, uint32_t cap_len,
		       bool v6)
{
	struct nfq_build b = {.id = id,
			      .queue = 0,
			      .hw_protocol = v6 ? 0x86dd : 0x0800,
			      .family = v6 ? 10 : 2,
			      .payload = pkt,
			      .payload_len = n,
			      .cap_len = cap_len,
			      .has_skb_info = v6,
			      .skb_info = v6 ? NFQA_SKB_CSUM_NOTVERIFIED : 0};

	if (!nfq_build_packet(nbuf, sizeof(nbuf), len, &b)) {
		fprintf(stderr, "make_seeds: nfqueue datagram too large\n");
		exit(1);
	}
}

void nfqueue_seeds(void)
{
	uint8_t v4[200], v6[200];
	size_t len4 = syn(4, v4), len6 = syn(6, v6), len = 0;
	struct nlmsghdr *nlh;

	nfq_packet(&len, 1, v4, len4, 0, false);
	put("nfqueue", "ipv4-syn", nbuf, len);
	len = 0;
	nfq_packet(&len, 2, v6, len6, 0, true);
	put("nfqueue", "ipv6-syn-unverified", nbuf, len);
	len = 0;
	nfq_packet(&len, 3, v4, 40, 1500, false);
	put("nfqueue", "ipv4-cut-cap-len", nbuf, len);
	len = 0;
	nfq_packet(&len, 4, NULL, 0, 0, false);
	put("nfqueue", "no-payload", nbuf, len);

	/* a batch: packets, the bind's ACK, a failed verdict, DONE */
	len = 0;
	nfq_packet(&len, 10, v4, len4, 0, false);
	nfq_build_error(nbuf, sizeof(nbuf), &len, 1, 4242, 0);
	nfq_packet(&len, 11, v6, len6, 0, true);
	nfq_build_error(nbuf, sizeof(nbuf), &len, 0, 0, -ENOENT);
	nfq_build_done(nbuf, sizeof(nbuf), &len);
	nfq_packet(&len, 12, v4, len4, 0, false);
	put("nfqueue", "batch", nbuf, len);
	put("nfqueue", "batch-cut", nbuf, len - 13);
	len = 0;
	nfq_build_error(nbuf, sizeof(nbuf), &len, 1, 4242, -EPERM);
	put("nfqueue", "error-eperm", nbuf, len);
	len = 0;
	nfq_build_done(nbuf, sizeof(nbuf), &len);
	put("nfqueue", "done", nbuf, len);

	/* refusals: no packet header, short attributes, another socket's message */
	len = 0;
	nfq_build_packet(
		nbuf, sizeof(nbuf), &len,
		&(struct nfq_build){.id = 5, .no_hdr = true, .payload = v4, .payload_len = len4});
	put("nfqueue", "no-packet-hdr", nbuf, len);
	len = 0;
	nfq_packet(&len, 6, v4, len4, 0, false);
	nbuf[MNL_NLMSG_HDRLEN + 4] = MNL_ATTR_HDRLEN + 6; /* NFQA_PACKET_HDR's nla_len */
	put("nfqueue", "short-packet-hdr", nbuf, len);
	len = 0;
	nfq_packet(&len, 7, NULL, 0, 100, false);
	nbuf[len - 8] = MNL_ATTR_HDRLEN + 2; /* NFQA_CAP_LEN's nla_len */
	put("nfqueue", "short-cap-len", nbuf, len);
	len = 0;
	nfq_build_error(nbuf, sizeof(nbuf), &len, 1, 4243, 0);
	put("nfqueue", "other-portid", nbuf, len);

	/* lengths libmnl's walk gets wrong: above INT_MAX, and an unaligned last message */
	len = 0;
	nfq_packet(&len, 8, v4, len4, 0, false);
	nlh = (struct nlmsghdr *)nbuf;
	nlh->nlmsg_len = 0xfffffff0u;
	put("nfqueue", "crash-nlmsg-len-above-int-max", nbuf, len);
	len = 0;
	nfq_packet(&len, 9, v4, 20, 0, false);
	nlh->nlmsg_len += 2;
	nbuf[len] = 8;
	nbuf[len + 1] = 0;
	put("nfqueue", "unaligned-last", nbuf, len + 2);
}
