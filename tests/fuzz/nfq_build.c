// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/types.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "nfq_build.h"

/* The message's room at buf + *len, or NULL; mnl_nlmsg_put_header() zeroes the header. */
static struct nlmsghdr *put_header(void *buf, size_t size, size_t *len, size_t need)
{
	if (*len > size || size - *len < MNL_ALIGN(need))
		return NULL;
	return mnl_nlmsg_put_header((char *)buf + *len);
}

struct nlmsghdr *nfq_build_packet(void *buf, size_t size, size_t *len, const struct nfq_build *b)
{
	size_t need = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg)) + 3 * MNL_ATTR_HDRLEN +
		      MNL_ALIGN(sizeof(struct nfqnl_msg_packet_hdr)) + 8 + MNL_ATTR_HDRLEN +
		      MNL_ALIGN(b->payload_len);
	struct nlmsghdr *nlh = put_header(buf, size, len, need);
	struct nfgenmsg *g;

	if (!nlh)
		return NULL;
	nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = b->family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(b->queue);
	if (!b->no_hdr) {
		struct nfqnl_msg_packet_hdr ph = {
			.packet_id = htonl(b->id), .hw_protocol = htons(b->hw_protocol), .hook = 1};

		mnl_attr_put(nlh, NFQA_PACKET_HDR, sizeof(ph), &ph);
	}
	if (b->has_skb_info)
		mnl_attr_put_u32(nlh, NFQA_SKB_INFO, htonl(b->skb_info));
	if (b->cap_len)
		mnl_attr_put_u32(nlh, NFQA_CAP_LEN, htonl(b->cap_len));
	if (b->payload)
		mnl_attr_put(nlh, NFQA_PAYLOAD, b->payload_len, b->payload);
	*len += MNL_ALIGN(nlh->nlmsg_len);
	return nlh;
}

struct nlmsghdr *nfq_build_error(void *buf, size_t size, size_t *len, uint32_t seq, uint32_t portid,
				 int error)
{
	struct nlmsghdr *nlh =
		put_header(buf, size, len, MNL_NLMSG_HDRLEN + sizeof(struct nlmsgerr));
	struct nlmsgerr *e;

	if (!nlh)
		return NULL;
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = portid;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = sizeof(e->msg);
	e->msg.nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_CONFIG;
	e->msg.nlmsg_seq = seq;
	*len += MNL_ALIGN(nlh->nlmsg_len);
	return nlh;
}

struct nlmsghdr *nfq_build_done(void *buf, size_t size, size_t *len)
{
	struct nlmsghdr *nlh = put_header(buf, size, len, MNL_NLMSG_HDRLEN + sizeof(int));

	if (!nlh)
		return NULL;
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	memset(mnl_nlmsg_put_extra_header(nlh, sizeof(int)), 0, sizeof(int));
	*len += MNL_ALIGN(nlh->nlmsg_len);
	return nlh;
}
