// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_nfqueue - nfqueue_parse (daemon/tcpfwd/nfqueue.c) on the input as one received netlink
 * datagram, in a heap copy of exactly its size (ASan sees a byte more), for the socket of
 * portid FUZZ_PORTID. Every packet it reports must lie inside the datagram (pkt NULL exactly
 * when cap_len is 0), and its bytes are read; every error must be 0 or negative. The reports
 * are compared with a walk written here from the kernel's rules (linux/netlink.h: NLMSG_OK,
 * NLA_ALIGN), with unsigned lengths: the same messages, in order, with the same ids, lengths,
 * sequence numbers and errors, and the same verdict on the datagram.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/types.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "fuzz_common.h"
#include "nfqueue.h"

#define FUZZ_PORTID 4242
#define REPORTS_MAX 4096 /* a message is at least 16 bytes: room for 64 KiB of them */

struct report {
	bool packet;
	uint32_t id_or_seq;
	int error;
	size_t cap_len, pkt_len;
	uint32_t info;
	size_t pkt_off;
};

struct walk {
	const uint8_t *buf;
	size_t len;
	unsigned n;
	unsigned sum; /* the packet bytes, read so that ASan checks them */
	struct report r[REPORTS_MAX];
};

static void on_packet(void *arg, const struct nfqueue_msg *m)
{
	struct walk *w = arg;

	CHECK(w->n < REPORTS_MAX);
	CHECK((m->pkt == NULL) == (m->cap_len == 0));
	if (m->pkt) {
		CHECK(m->pkt >= w->buf && m->cap_len <= w->len &&
		      (size_t)(m->pkt - w->buf) <= w->len - m->cap_len);
		for (size_t i = 0; i < m->cap_len; i++)
			w->sum += m->pkt[i];
	}
	CHECK(!(m->info & ~(uint32_t)NFQUEUE_PKT_CSUM_UNVERIFIED));
	w->r[w->n++] = (struct report){.packet = true,
				       .id_or_seq = m->id,
				       .cap_len = m->cap_len,
				       .pkt_len = m->pkt_len,
				       .info = m->info,
				       .pkt_off = m->pkt ? (size_t)(m->pkt - w->buf) : 0};
}

static void on_error(void *arg, uint32_t seq, int error)
{
	struct walk *w = arg;

	CHECK(w->n < REPORTS_MAX);
	CHECK(error <= 0);
	w->r[w->n++] = (struct report){.id_or_seq = seq, .error = error};
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* One NFQNL_MSG_PACKET message's attributes, from offset off to end. -EINVAL when malformed. */
static int ref_packet(struct walk *w, size_t off, size_t end)
{
	struct report r = {.packet = true};
	bool hdr = false, cap = false;

	if (end - off < NLMSG_HDRLEN + sizeof(struct nfgenmsg))
		return -EINVAL;
	for (off += NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)); end - off >= NLA_HDRLEN;) {
		struct nlattr a;

		memcpy(&a, w->buf + off, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > end - off)
			break;
		size_t plen = a.nla_len - NLA_HDRLEN, p = off + NLA_HDRLEN;

		switch (a.nla_type & NLA_TYPE_MASK) {
		case NFQA_PACKET_HDR:
			if (plen < sizeof(struct nfqnl_msg_packet_hdr))
				return -EINVAL;
			r.id_or_seq = ntohl(get_u32(w->buf + p));
			hdr = true;
			break;
		case NFQA_CAP_LEN:
		case NFQA_SKB_INFO:
			if (plen != sizeof(uint32_t)) /* libmnl's MNL_TYPE_U32: exactly */
				return -EINVAL;
			if ((a.nla_type & NLA_TYPE_MASK) == NFQA_CAP_LEN) {
				r.pkt_len = ntohl(get_u32(w->buf + p));
				cap = true;
			} else {
				r.info = ntohl(get_u32(w->buf + p)) & NFQA_SKB_CSUM_NOTVERIFIED
						 ? NFQUEUE_PKT_CSUM_UNVERIFIED
						 : 0;
			}
			break;
		case NFQA_PAYLOAD:
			r.cap_len = plen;
			r.pkt_off = plen ? p : 0;
			break;
		}
		off += NLA_ALIGN(a.nla_len);
		if (off > end)
			break;
	}
	if (!hdr)
		return -EINVAL;
	if (!cap)
		r.pkt_len = r.cap_len;
	w->r[w->n++] = r;
	return 0;
}

/* The reference: the kernel's message walk, over unsigned lengths. */
static int ref_walk(struct walk *w)
{
	size_t off = 0;

	while (w->len - off >= NLMSG_HDRLEN) {
		struct nlmsghdr h;

		memcpy(&h, w->buf + off, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > w->len - off)
			break;
		if (h.nlmsg_pid && h.nlmsg_pid != FUZZ_PORTID)
			return -ESRCH;
		if (h.nlmsg_flags & NLM_F_DUMP_INTR)
			return -EINTR;
		if (h.nlmsg_type == ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET)) {
			if (ref_packet(w, off, off + h.nlmsg_len) < 0)
				return -EINVAL;
		} else if (h.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;

			if (h.nlmsg_len - NLMSG_HDRLEN < sizeof(e))
				return -EINVAL;
			memcpy(&e, w->buf + off + NLMSG_HDRLEN, sizeof(e));
			w->r[w->n++] = (struct report){.id_or_seq = h.nlmsg_seq,
						       .error = e.error <= 0 ? e.error : -e.error};
		}
		off += NLMSG_ALIGN(h.nlmsg_len);
		if (off > w->len)
			break;
	}
	return 0;
}

static bool same(const struct report *a, const struct report *b)
{
	return a->packet == b->packet && a->id_or_seq == b->id_or_seq && a->error == b->error &&
	       a->cap_len == b->cap_len && a->pkt_len == b->pkt_len && a->info == b->info &&
	       a->pkt_off == b->pkt_off;
}

static struct walk got, want;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct nfqueue_parse_ops ops = {.packet = on_packet, .error = on_error};
	uint8_t *buf = fuzz_copy(data, size);
	int r, ref;

	got = (struct walk){.buf = buf, .len = size};
	want = (struct walk){.buf = buf, .len = size};
	r = nfqueue_parse(buf, size, FUZZ_PORTID, &ops, &got);
	CHECK(r == 0 || r == -EINVAL || r == -ESRCH || r == -EINTR);
	ref = ref_walk(&want);
	CHECK(r == ref);
	CHECK(got.n == want.n);
	for (unsigned i = 0; i < got.n; i++)
		CHECK(same(&got.r[i], &want.r[i]));
	free(buf);
	return 0;
}
