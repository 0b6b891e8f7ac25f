// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers the packet_parse tests share: a fully optioned segment and a field-by-field check. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "packet_cases.h"

/* A copy of exactly n bytes on the heap, so ASan flags any read past the buffer. */
uint8_t *pktcase_dup_exact(const uint8_t *src, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	assert_non_null(d);
	memcpy(d, src, n);
	return d;
}

/* Every option and a payload: MSS, SACK_PERM+TS, WSCALE, one SACK block (32 option bytes). */
void pktcase_build_full(struct pktbuild *b, uint8_t family)
{
	pktbuild_init(b, family);
	b->flags = TCP_FLAG_ACK | TCP_FLAG_PSH;
	b->seq = 0xdeadbeef;
	b->ack = 0x01020304;
	b->window = 0x1234;
	b->payload_len = 100;
	b->mss = 1460;
	b->wscale = 7;
	b->sack_perm = true;
	b->ts = true;
	b->tsval = 0xa1b2c3d4;
	b->tsecr = 0x11223344;
	b->sack_count = 1;
	b->sack[0].left = 0xfffffff0;
	b->sack[0].right = 0x00000010;
}

/* Compares every field of p with what b wrote; addresses by content. */
void pktcase_check_fields(const struct pktbuild *b, const struct packet *p)
{
	size_t alen = b->family == 6 ? 16 : 4;
	uint8_t want = 0;

	assert_int_equal(p->family, b->family);
	assert_memory_equal(p->saddr, b->saddr, alen);
	assert_memory_equal(p->daddr, b->daddr, alen);
	assert_int_equal(p->sport, b->sport);
	assert_int_equal(p->dport, b->dport);
	assert_int_equal(p->seq, b->seq);
	assert_int_equal(p->ack, b->ack);
	assert_int_equal(p->flags, b->flags);
	assert_int_equal(p->window, b->window);
	assert_int_equal(p->payload_len, b->payload_len);
	if (b->mss) {
		want |= PACKET_OPT_MSS;
		assert_int_equal(p->opt.mss, b->mss);
	}
	if (b->wscale >= 0) {
		want |= PACKET_OPT_WSCALE;
		assert_int_equal(p->opt.wscale, b->wscale > 14 ? 14 : b->wscale);
	}
	if (b->sack_perm)
		want |= PACKET_OPT_SACK_PERM;
	if (b->ts) {
		want |= PACKET_OPT_TIMESTAMP;
		assert_int_equal(p->opt.tsval, b->tsval);
		assert_int_equal(p->opt.tsecr, b->tsecr);
	}
	assert_int_equal(p->opt.sack_count, b->sack_count);
	if (b->sack_count)
		want |= PACKET_OPT_SACK;
	for (unsigned int i = 0; i < b->sack_count; i++) {
		assert_int_equal(p->opt.sack[i].left, b->sack[i].left);
		assert_int_equal(p->opt.sack[i].right, b->sack[i].right);
	}
	assert_int_equal(p->opt.present, want);
}
