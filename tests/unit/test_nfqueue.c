// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfqueue_parse: tcpfwd's walk of a received netlink datagram, on messages built as the kernel
 * builds them (tests/fuzz/nfq_build.c). IPv4 and IPv6 packet messages with and without
 * NFQA_CAP_LEN and NFQA_SKB_INFO; several messages in one datagram, ACKs and errors among them,
 * NLMSG_DONE and other types skipped; refusals (no packet header, short attributes, a short
 * error, another portid); every cut of a datagram; and lengths libmnl's own walk gets wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/types.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <sys/socket.h>

#include "../fuzz/nfq_build.h"
#include "nfqueue.h"

#define PORTID 777

struct seen {
	unsigned n;
	struct {
		char kind; /* 'p' packet, 'e' error */
		uint32_t id_or_seq;
		int error;
		struct nfqueue_msg m;
	} r[16];
};

static void on_packet(void *arg, const struct nfqueue_msg *m)
{
	struct seen *s = arg;

	assert_true(s->n < 16);
	s->r[s->n].kind = 'p';
	s->r[s->n].id_or_seq = m->id;
	s->r[s->n++].m = *m;
}

static void on_error(void *arg, uint32_t seq, int error)
{
	struct seen *s = arg;

	assert_true(s->n < 16);
	s->r[s->n].kind = 'e';
	s->r[s->n].id_or_seq = seq;
	s->r[s->n++].error = error;
}

static const struct nfqueue_parse_ops ops = {.packet = on_packet, .error = on_error};

static _Alignas(struct nlmsghdr) uint8_t dgram[8192];
static uint8_t ip4[60], ip6[1280];

static int parse(size_t len, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return nfqueue_parse(dgram, len, PORTID, &ops, s);
}

static size_t put_packet(size_t *len, uint32_t id, const uint8_t *pkt, size_t n, uint32_t cap)
{
	struct nfq_build b = {.id = id,
			      .queue = 3,
			      .hw_protocol = ETH_P_IP,
			      .family = AF_INET,
			      .payload = pkt,
			      .payload_len = n,
			      .cap_len = cap};
	size_t at = *len;

	assert_non_null(nfq_build_packet(dgram, sizeof(dgram), len, &b));
	return at;
}

static void setup_payloads(void)
{
	for (size_t i = 0; i < sizeof(ip4); i++)
		ip4[i] = (uint8_t)(0x45 + i);
	for (size_t i = 0; i < sizeof(ip6); i++)
		ip6[i] = (uint8_t)(0x60 + i);
}

static void test_ipv4(void **state)
{
	struct seen s;
	size_t len = 0;

	(void)state;
	setup_payloads();
	put_packet(&len, 41, ip4, sizeof(ip4), 0);
	assert_int_equal(parse(len, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].kind, 'p');
	assert_int_equal(s.r[0].m.id, 41);
	assert_int_equal(s.r[0].m.cap_len, sizeof(ip4));
	assert_int_equal(s.r[0].m.pkt_len, sizeof(ip4)); /* no NFQA_CAP_LEN: all of it */
	assert_int_equal(s.r[0].m.info, 0);
	assert_memory_equal(s.r[0].m.pkt, ip4, sizeof(ip4));
	assert_true(s.r[0].m.pkt > dgram && s.r[0].m.pkt + sizeof(ip4) <= dgram + len);
}

/* A cut copy (copy_range below the packet) with its full length and an unverified checksum. */
static void test_ipv6_cut_unverified(void **state)
{
	struct nfq_build b = {.id = 0xfffffffe,
			      .hw_protocol = ETH_P_IPV6,
			      .family = AF_INET6,
			      .payload = ip6,
			      .payload_len = 200,
			      .cap_len = 1280,
			      .has_skb_info = true,
			      .skb_info = NFQA_SKB_CSUM_NOTVERIFIED | NFQA_SKB_GSO};
	struct seen s;
	size_t len = 0;

	(void)state;
	setup_payloads();
	assert_non_null(nfq_build_packet(dgram, sizeof(dgram), &len, &b));
	assert_int_equal(parse(len, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].m.id, 0xfffffffe);
	assert_int_equal(s.r[0].m.cap_len, 200);
	assert_int_equal(s.r[0].m.pkt_len, 1280);
	assert_int_equal(s.r[0].m.info, NFQUEUE_PKT_CSUM_UNVERIFIED);
	assert_memory_equal(s.r[0].m.pkt, ip6, 200);

	/* GSO alone: the checksum is still to be filled in, nothing to say */
	b.skb_info = NFQA_SKB_GSO;
	len = 0;
	assert_non_null(nfq_build_packet(dgram, sizeof(dgram), &len, &b));
	assert_int_equal(parse(len, &s), 0);
	assert_int_equal(s.r[0].m.info, 0);
}

/* No payload, or an empty one: pkt is NULL, as nfqueue_packet_fn promises. */
static void test_empty_payload(void **state)
{
	struct seen s;
	size_t len = 0;

	(void)state;
	put_packet(&len, 1, ip4, 0, 0);
	put_packet(&len, 2, NULL, 0, 0);
	assert_int_equal(parse(len, &s), 0);
	assert_int_equal(s.n, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_null(s.r[i].m.pkt);
		assert_int_equal(s.r[i].m.cap_len, 0);
		assert_int_equal(s.r[i].m.pkt_len, 0);
	}
}

/* Several messages in one datagram, reported in order; DONE and other types are skipped. */
static void test_batch(void **state)
{
	struct nlmsghdr *other;
	struct seen s;
	size_t len = 0;

	(void)state;
	setup_payloads();
	put_packet(&len, 10, ip4, 40, 0);
	assert_non_null(nfq_build_error(dgram, sizeof(dgram), &len, 5, PORTID, 0));
	assert_non_null(nfq_build_done(dgram, sizeof(dgram), &len));
	other = nfq_build_error(dgram, sizeof(dgram), &len, 0, 0, 0);
	other->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_CONFIG; /* not a packet */
	put_packet(&len, 11, ip6, 100, 0);
	assert_non_null(nfq_build_error(dgram, sizeof(dgram), &len, 6, 0, -ENOENT));
	assert_non_null(nfq_build_error(dgram, sizeof(dgram), &len, 7, 0, EPERM)); /* sign fixed */
	assert_int_equal(parse(len, &s), 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.r[0].kind, 'p');
	assert_int_equal(s.r[0].id_or_seq, 10);
	assert_int_equal(s.r[1].kind, 'e');
	assert_int_equal(s.r[1].id_or_seq, 5);
	assert_int_equal(s.r[1].error, 0);
	assert_int_equal(s.r[2].kind, 'p');
	assert_int_equal(s.r[2].id_or_seq, 11);
	assert_memory_equal(s.r[2].m.pkt, ip6, 100);
	assert_int_equal(s.r[3].error, -ENOENT);
	assert_int_equal(s.r[4].error, -EPERM);
}

/* A refused message stops the walk; what came before it was reported. */
static void test_refused(void **state)
{
	struct nfq_build nohdr = {.id = 3, .no_hdr = true, .payload = ip4, .payload_len = 20};
	struct nlmsghdr *nlh;
	struct seen s;
	size_t len = 0, at;

	(void)state;
	put_packet(&len, 1, ip4, 20, 0);
	assert_non_null(nfq_build_packet(dgram, sizeof(dgram), &len, &nohdr));
	put_packet(&len, 4, ip4, 20, 0);
	assert_int_equal(parse(len, &s), -EINVAL);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].id_or_seq, 1);

	/* NFQA_CAP_LEN of 2 bytes, and of 8 */
	for (unsigned bytes = 2; bytes <= 8; bytes += 6) {
		struct nlattr *a;

		len = 0;
		at = put_packet(&len, 1, NULL, 0, 100);
		nlh = (struct nlmsghdr *)(dgram + at);
		a = (struct nlattr *)((uint8_t *)nlh + nlh->nlmsg_len - NLA_HDRLEN - 4);
		assert_int_equal(a->nla_type, NFQA_CAP_LEN);
		a->nla_len = (uint16_t)(NLA_HDRLEN + bytes);
		if (bytes > 4) {
			nlh->nlmsg_len += 4;
			len += 4;
		}
		assert_int_equal(parse(len, &s), -EINVAL);
		assert_int_equal(s.n, 0);
	}

	/* a packet header of 6 bytes instead of 7 */
	len = 0;
	at = put_packet(&len, 1, NULL, 0, 0);
	((struct nlattr *)(dgram + at + NLMSG_HDRLEN + 4))->nla_len = NLA_HDRLEN + 6;
	assert_int_equal(parse(len, &s), -EINVAL);

	/* an error message too short for its struct nlmsgerr */
	len = 0;
	nlh = nfq_build_error(dgram, sizeof(dgram), &len, 1, 0, 0);
	nlh->nlmsg_len = NLMSG_HDRLEN + 8;
	assert_int_equal(parse(NLMSG_HDRLEN + 8, &s), -EINVAL);

	/* the nfgenmsg cut */
	len = 0;
	nlh = (struct nlmsghdr *)dgram;
	put_packet(&len, 1, NULL, 0, 0);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	assert_int_equal(parse(NLMSG_HDRLEN + 2, &s), -EINVAL);

	/* another socket's message, and an interrupted dump */
	len = 0;
	assert_non_null(nfq_build_error(dgram, sizeof(dgram), &len, 1, PORTID + 1, 0));
	assert_int_equal(parse(len, &s), -ESRCH);
	((struct nlmsghdr *)dgram)->nlmsg_pid = PORTID;
	((struct nlmsghdr *)dgram)->nlmsg_flags |= NLM_F_DUMP_INTR;
	assert_int_equal(parse(len, &s), -EINTR);

	assert_int_equal(nfqueue_parse(NULL, 0, 0, &ops, &s), -EINVAL);
	assert_int_equal(nfqueue_parse(dgram, 0, 0, NULL, &s), -EINVAL);
}

/*
 * Every cut of a datagram of three messages, in a heap copy of exactly that size: whole
 * messages are reported, a cut one is not, nothing is read past the cut (ASan).
 */
static void test_every_cut(void **state)
{
	size_t len = 0, ends[3];
	struct seen s;

	(void)state;
	setup_payloads();
	put_packet(&len, 1, ip4, 41, 0); /* 41: libmnl pads the attribute and counts the pad */
	ends[0] = len;
	put_packet(&len, 2, ip6, 57, 1280);
	ends[1] = len;
	assert_non_null(nfq_build_error(dgram, sizeof(dgram), &len, 9, 0, 0));
	ends[2] = len;
	for (size_t cut = 0; cut <= len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		unsigned whole = 0;

		assert_non_null(copy);
		memcpy(copy, dgram, cut);
		memset(&s, 0, sizeof(s));
		assert_int_equal(nfqueue_parse(copy, cut, PORTID, &ops, &s), 0);
		while (whole < 3 && ends[whole] <= cut)
			whole++;
		assert_int_equal(s.n, whole);
		free(copy);
	}
}

/*
 * Lengths libmnl 1.0.4 reads past: an nlmsg_len above INT_MAX (its mnl_nlmsg_ok compares it as
 * an int), and a last message of unaligned length whose attribute header would end past it.
 */
static void test_lengths(void **state)
{
	struct nlmsghdr *nlh;
	struct seen s;
	size_t len = 0;
	uint8_t *copy;

	(void)state;
	put_packet(&len, 1, ip4, 20, 0);
	nlh = (struct nlmsghdr *)dgram;
	nlh->nlmsg_len = 0xfffffff0u;
	assert_int_equal(parse(len, &s), 0);
	assert_int_equal(s.n, 0);

	/* a packet message whose last 2 bytes start an attribute: nothing to read there */
	len = 0;
	put_packet(&len, 7, ip4, 20, 0);
	nlh->nlmsg_len += 2;
	dgram[len] = 8; /* an nla_len the cut hides */
	dgram[len + 1] = 0;
	copy = malloc(len + 2);
	assert_non_null(copy);
	memcpy(copy, dgram, len + 2);
	memset(&s, 0, sizeof(s));
	assert_int_equal(nfqueue_parse(copy, len + 2, PORTID, &ops, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].m.cap_len, 20);
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),	      cmocka_unit_test(test_ipv6_cut_unverified),
		cmocka_unit_test(test_empty_payload), cmocka_unit_test(test_batch),
		cmocka_unit_test(test_refused),	      cmocka_unit_test(test_every_cut),
		cmocka_unit_test(test_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
