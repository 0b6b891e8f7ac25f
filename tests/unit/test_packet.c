// SPDX-License-Identifier: GPL-2.0-or-later
/* packet_parse, IP layer: IPv4/IPv6 headers, lengths, fragments, extension chains, truncation. */
/*
 * Every truncation point and length lie gets its documented reason (docs/robustness.md
 * section 2) and mutated input never reads outside its buffer. The TCP header and its options
 * are in test_packet_tcp.c; the helpers both share are in packet_cases.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "packet_cases.h"
#include "pktbuild.h"
#include "reason.h"

#define BUF_LEN 2048

static const uint8_t families[] = {4, 6};

static void test_pktbuild_checksums(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	size_t n;

	(void)state;
	for (size_t f = 0; f < sizeof(families); f++) {
		pktcase_build_full(&b, families[f]);
		b.payload_len = 37; /* odd: exercises the trailing byte of the sum */
		n = pktbuild_write(&b, buf, sizeof(buf));
		assert_int_equal(n, (families[f] == 6 ? 40 : 20) + 20 + 32 + 37);
		assert_true(pktbuild_csum_ok(buf, n));
		if (families[f] == 6)
			n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 60, 16);
		else
			n = pktbuild_ip4_push_options(buf, n, sizeof(buf),
						      (const uint8_t *)"\1\1\1\0", 4);
		assert_int_not_equal(n, 0);
		assert_true(pktbuild_csum_ok(buf, n));
		buf[n - 1] ^= 1;
		assert_false(pktbuild_csum_ok(buf, n));
	}
	pktbuild_init(&b, 4);
	assert_int_equal(pktbuild_write(&b, buf, 39), 0);
	b.sack_count = 4;
	b.ts = true; /* 12 + 36 option bytes: too many */
	assert_int_equal(pktbuild_write(&b, buf, sizeof(buf)), 0);
	assert_int_equal(pktbuild_parse(&b, buf, sizeof(buf), &(struct packet){0}), _REASON_MAX);
}

/* cap_len = pkt_len = k for every k: the IP length then always exceeds the packet. */
static void sweep_cut(const uint8_t *pkt, size_t len, size_t ip_hdr)
{
	struct packet p;

	for (size_t k = 0; k <= len; k++) {
		uint8_t *c = pktcase_dup_exact(pkt, k);
		enum reason want = k < ip_hdr ? REASON_IP_TRUNCATED
				   : k < len  ? REASON_IP_BAD_HEADER
					      : REASON_OK;

		assert_int_equal(packet_parse(c, k, k, &p), want);
		free(c);
	}
}

/* cap_len = k, pkt_len = full: a header-only copy. Each cut reports the layer it falls in;
 * once the TCP header is complete the parse succeeds with the true payload length.
 */
static void sweep_header_only(const struct pktbuild *b, const uint8_t *pkt, size_t len)
{
	size_t l4 = pktbuild_tcp_offset(pkt);
	size_t ip_hdr = pkt[0] >> 4 == 4 ? l4 : 40;
	size_t tcp_end = l4 + (size_t)(pkt[l4 + 12] >> 4) * 4;
	struct packet p;

	for (size_t k = 0; k <= len; k++) {
		uint8_t *c = pktcase_dup_exact(pkt, k);
		enum reason want = k < ip_hdr	 ? REASON_IP_TRUNCATED
				   : k < l4	 ? REASON_IP6_BAD_EXTHDR
				   : k < tcp_end ? REASON_TCP_TRUNCATED
						 : REASON_OK;

		assert_int_equal(packet_parse(c, k, len, &p), want);
		if (want == REASON_OK)
			pktcase_check_fields(b, &p);
		free(c);
	}
}

static void test_truncate_every_byte(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	size_t n;

	(void)state;
	for (size_t f = 0; f < sizeof(families); f++) {
		pktcase_build_full(&b, families[f]);
		n = pktbuild_write(&b, buf, sizeof(buf));
		sweep_cut(buf, n, families[f] == 6 ? 40 : 20);
		sweep_header_only(&b, buf, n);
	}
	/* IPv4 with 12 bytes of IP options: a cut before IHL*4 is an IP truncation. */
	pktcase_build_full(&b, 4);
	n = pktbuild_write(&b, buf, sizeof(buf));
	n = pktbuild_ip4_push_options(buf, n, sizeof(buf),
				      (const uint8_t *)"\1\1\1\1\1\1\1\1\1\1\1\0", 12);
	sweep_cut(buf, n, 32);
	sweep_header_only(&b, buf, n);
	/* IPv6 with HBH -> DST -> ROUTING -> FRAG: a cut inside the chain is a bad chain. */
	pktcase_build_full(&b, 6);
	n = pktbuild_write(&b, buf, sizeof(buf));
	n = pktbuild_ip6_push_frag(buf, n, sizeof(buf), 0, false);
	n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 43, 24);
	n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 60, 16);
	n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 0, 8);
	assert_int_equal(pktbuild_tcp_offset(buf), 40 + 56);
	sweep_cut(buf, n, 40);
	sweep_header_only(&b, buf, n);
}

/* The IP length ends at every byte of the TCP header (buffer and wire agree with it). */
static void test_ip_length_every_byte(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	struct packet p;

	(void)state;
	for (size_t f = 0; f < sizeof(families); f++) {
		size_t l4 = families[f] == 6 ? 40 : 20, n;

		pktcase_build_full(&b, families[f]);
		n = pktbuild_write(&b, buf, sizeof(buf));
		/* From an empty TCP header (IPv6 payload length 0 would mean a jumbogram). */
		for (size_t k = l4 + (families[f] == 6); k <= n; k++) {
			uint8_t *c = pktcase_dup_exact(buf, k);
			enum reason want = k < l4 + 20	 ? REASON_TCP_TRUNCATED
					   : k < l4 + 52 ? REASON_TCP_BAD_DOFF
							 : REASON_OK;

			c[families[f] == 6 ? 4 : 2] =
				(uint8_t)((families[f] == 6 ? k - 40 : k) >> 8);
			c[families[f] == 6 ? 5 : 3] = (uint8_t)(families[f] == 6 ? k - 40 : k);
			assert_int_equal(packet_parse(c, k, k, &p), want);
			if (want == REASON_OK)
				assert_int_equal(p.payload_len, k - l4 - 52);
			free(c);
		}
	}
}

static size_t write_plain(uint8_t family, uint32_t payload, uint8_t *buf)
{
	struct pktbuild b;

	pktbuild_init(&b, family);
	b.payload_len = payload;
	b.mss = 1400;
	return pktbuild_write(&b, buf, BUF_LEN);
}

static void test_version(void **state)
{
	static const uint8_t bad[] = {0, 1, 2, 3, 5, 7, 8, 15};
	static uint8_t buf[BUF_LEN];
	struct packet p;
	size_t n;

	(void)state;
	for (size_t f = 0; f < sizeof(families); f++) {
		n = write_plain(families[f], 10, buf);
		for (size_t i = 0; i < sizeof(bad); i++) {
			buf[0] = (uint8_t)(bad[i] << 4 | (buf[0] & 0x0f));
			assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_BAD_HEADER);
		}
	}
	/* An IPv4 packet labelled 6: its ID field reads as an impossible payload length. */
	n = write_plain(4, 10, buf);
	buf[0] = 0x65;
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_BAD_HEADER);
	/* Empty buffers, with and without a wire length. */
	assert_int_equal(packet_parse(buf, 0, 0, &p), REASON_IP_TRUNCATED);
	assert_int_equal(packet_parse(buf, 0, 1500, &p), REASON_IP_TRUNCATED);
	/* A buffer with no wire length behind it holds no packet. */
	n = write_plain(4, 10, buf);
	assert_int_equal(packet_parse(buf, n, 0, &p), REASON_IP_TRUNCATED);
}

static void test_cap_len_above_pkt_len(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct packet p;
	size_t n;

	(void)state;
	for (size_t f = 0; f < sizeof(families); f++) {
		n = write_plain(families[f], 10, buf);
		memset(buf + n, 0xee, 64);
		/* Bytes past the wire length are ignored ... */
		assert_int_equal(packet_parse(buf, n + 64, n, &p), REASON_OK);
		assert_int_equal(p.payload_len, 10);
		/* ... and the wire length, not the buffer, bounds the IP length. */
		assert_int_equal(packet_parse(buf, n, n - 1, &p), REASON_IP_BAD_HEADER);
	}
}

static void test_ip4_header_fields(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct packet p;
	size_t n;

	(void)state;
	n = write_plain(4, 10, buf);
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		buf[0] = (uint8_t)(0x40 | ihl);
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_BAD_HEADER);
	}
	/* IHL past the buffer. */
	buf[0] = 0x4f;
	assert_int_equal(packet_parse(buf, 40, 40, &p), REASON_IP_TRUNCATED);
	assert_int_equal(packet_parse(buf, 59, n, &p), REASON_IP_TRUNCATED);
	buf[0] = 0x45;
	/* tot_len below IHL*4 (0 included: this is no GSO packet). */
	for (uint16_t tot = 0; tot < 20; tot++) {
		buf[2] = 0;
		buf[3] = (uint8_t)tot;
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_BAD_HEADER);
	}
	/* tot_len above the wire length. */
	buf[2] = (uint8_t)((n + 1) >> 8);
	buf[3] = (uint8_t)(n + 1);
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_BAD_HEADER);
	buf[2] = buf[3] = 0xff;
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_BAD_HEADER);
	assert_int_equal(packet_parse(buf, n, 65535, &p), REASON_OK);
	assert_int_equal(p.payload_len, 65535 - 20 - 24);

	/* tot_len below the wire length: link-layer padding is trimmed. */
	n = write_plain(4, 0, buf);
	memset(buf + n, 0, 6); /* an Ethernet minimum frame pads 44 bytes to 46 */
	assert_int_equal(packet_parse(buf, n + 6, n + 6, &p), REASON_OK);
	assert_int_equal(p.payload_len, 0);
	n = write_plain(4, 10, buf);
	memset(buf + n, 0xff, 7);
	assert_int_equal(packet_parse(buf, n + 7, n + 7, &p), REASON_OK);
	assert_int_equal(p.payload_len, 10);
}

static void test_ip4_options(void **state)
{
	static uint8_t buf[BUF_LEN];
	/* LSRR (RFC 791): two hops; Timestamp: two slots; RR with a length past the header. */
	static const uint8_t lsrr[12] = {131, 11, 4, 192, 0, 2, 9, 198, 51, 100, 9, 0};
	static const uint8_t tstamp[12] = {68, 12, 5, 0, 0, 0, 0, 1, 0, 0, 0, 2};
	static const uint8_t bad_len[8] = {7, 0xff, 4, 0, 0, 0, 0, 0};
	static const uint8_t *const named[] = {lsrr, tstamp, bad_len};
	static const size_t named_len[] = {12, 12, 8};
	uint8_t opts[40];
	struct pktbuild b;
	struct packet p;
	size_t n;

	(void)state;
	pktbuild_init(&b, 4);
	b.payload_len = 33;
	b.mss = 1300;
	b.wscale = 3;
	/* IHL 6..15; the TCP header must be found after the options. */
	for (size_t ihl = 6; ihl <= 15; ihl++) {
		size_t olen = (ihl - 5) * 4;

		memset(opts, 1, olen);
		opts[olen - 1] = 0;
		n = pktbuild_write(&b, buf, sizeof(buf));
		n = pktbuild_ip4_push_options(buf, n, sizeof(buf), opts, olen);
		assert_int_equal(n, 20 + olen + 20 + 8 + 33);
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
		pktcase_check_fields(&b, &p);
	}
	/* IP options are skipped, not judged: ip_rcv_finish drops malformed ones itself. */
	for (size_t i = 0; i < 3; i++) {
		n = pktbuild_write(&b, buf, sizeof(buf));
		n = pktbuild_ip4_push_options(buf, n, sizeof(buf), named[i], named_len[i]);
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
		pktcase_check_fields(&b, &p);
	}
}

static void test_ip4_fragments(void **state)
{
	static const uint16_t offsets[] = {1, 2, 185, 0x1000, 0x1fff};
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	struct packet p;
	size_t n;

	(void)state;
	pktcase_build_full(&b, 4);
	n = pktbuild_write(&b, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		pktbuild_ip4_set_frag(buf, offsets[i], false);
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_FRAGMENT);
		pktbuild_ip4_set_frag(buf, offsets[i], true);
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_FRAGMENT);
	}
	/* A non-first fragment of anything is a fragment: its protocol byte is not trusted. */
	buf[9] = 17;
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_FRAGMENT);
	buf[9] = 6;

	/* First fragment carrying the whole header: trackable. */
	pktbuild_ip4_set_frag(buf, 0, true);
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
	pktcase_check_fields(&b, &p);
	/* DF and the reserved bit do not make a fragment. */
	buf[6] = 0xc0;
	buf[7] = 0;
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);

	/* Tiny first fragments (RFC 1858): 8 TCP bytes; base header without its options. */
	pktbuild_ip4_set_frag(buf, 0, true);
	for (size_t cut = 8; cut <= 40; cut += 32) {
		buf[2] = 0;
		buf[3] = (uint8_t)(20 + cut);
		assert_int_equal(packet_parse(buf, 20 + cut, 20 + cut, &p), REASON_IP_FRAGMENT);
		/* The same bytes without MF are a broken TCP header, not a fragment. */
		pktbuild_ip4_set_frag(buf, 0, false);
		assert_int_equal(packet_parse(buf, 20 + cut, 20 + cut, &p),
				 cut < 20 ? REASON_TCP_TRUNCATED : REASON_TCP_BAD_DOFF);
		pktbuild_ip4_set_frag(buf, 0, true);
	}
	/* A header-only copy of a first fragment that cuts the options. */
	n = pktbuild_write(&b, buf, sizeof(buf));
	pktbuild_ip4_set_frag(buf, 0, true);
	assert_int_equal(packet_parse(buf, 50, n, &p), REASON_IP_FRAGMENT);
	assert_int_equal(packet_parse(buf, 72, n, &p), REASON_OK);
	assert_int_equal(p.payload_len, 100);
}

/*
 * packet_tcp_checksum_ok against pktbuild's own sum: right, any byte of the segment or the
 * pseudo-header changed, and the cases it cannot tell (a header-only copy, a first fragment).
 */
static void test_tcp_checksum(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	struct packet p;

	(void)state;
	for (uint8_t family = 4; family <= 6; family += 2) {
		pktbuild_init(&b, family);
		b.payload_len = 101; /* odd: the last byte is summed alone */
		b.ts = true;
		size_t n = pktbuild_write(&b, buf, sizeof(buf));
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
		assert_int_equal(packet_tcp_checksum_ok(buf, n, &p), 1);
		/* every TCP byte, and the addresses, are covered */
		for (size_t i = p.tcp_off; i < n; i += 7) {
			buf[i] ^= 0x40;
			assert_int_equal(packet_tcp_checksum_ok(buf, n, &p), 0);
			buf[i] ^= 0x40;
		}
		buf[family == 4 ? 12 : 8] ^= 1; /* source address */
		assert_int_equal(packet_tcp_checksum_ok(buf, n, &p), 0);
		buf[family == 4 ? 12 : 8] ^= 1;
		assert_int_equal(packet_tcp_checksum_ok(buf, n, &p), 1);
		/* a header-only copy cannot be summed */
		size_t hdr = n - b.payload_len;
		assert_int_equal(packet_parse(buf, hdr, n, &p), REASON_OK);
		assert_int_equal(packet_tcp_checksum_ok(buf, hdr, &p), -1);
	}
	/* IP options (which may route the packet elsewhere): not judged */
	pktbuild_init(&b, 4);
	size_t n4 = pktbuild_write(&b, buf, sizeof(buf));
	static const uint8_t nops[4] = {1, 1, 1, 0};
	n4 = pktbuild_ip4_push_options(buf, n4, sizeof(buf), nops, sizeof(nops));
	assert_true(n4 > 0);
	assert_int_equal(packet_parse(buf, n4, n4, &p), REASON_OK);
	assert_int_equal(packet_tcp_checksum_ok(buf, n4, &p), -1);
	/* a first fragment: the sum covers the whole datagram, not this piece */
	pktbuild_init(&b, 4);
	size_t n = pktbuild_write(&b, buf, sizeof(buf));
	pktbuild_ip4_set_frag(buf, 0, true);
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
	assert_int_equal(packet_tcp_checksum_ok(buf, n, &p), -1);
}

static void test_big_tcp(void **state)
{
	const uint32_t payload = 70000;
	uint8_t *buf = malloc(payload + 200);
	struct pktbuild b;
	struct packet p;
	size_t n;

	(void)state;
	assert_non_null(buf);
	for (size_t f = 0; f < sizeof(families); f++) {
		pktcase_build_full(&b, families[f]);
		b.payload_len = payload;
		n = pktbuild_write(&b, buf, payload + 200);
		assert_int_not_equal(n, 0);
		assert_int_equal(buf[families[f] == 6 ? 4 : 2], 0);
		assert_int_equal(buf[families[f] == 6 ? 5 : 3], 0);
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
		pktcase_check_fields(&b, &p);
		/* GSO packets are usually queued header-only. */
		assert_int_equal(packet_parse(buf, 128, n, &p), REASON_OK);
		pktcase_check_fields(&b, &p);
	}
	/* A zero length field on a packet that fits the field is just wrong. */
	n = write_plain(4, 10, buf);
	buf[2] = buf[3] = 0;
	assert_int_equal(packet_parse(buf, n, 65535, &p), REASON_IP_BAD_HEADER);
	assert_int_equal(packet_parse(buf, n, 65536, &p), REASON_OK);
	assert_int_equal(p.payload_len, 65536 - 20 - 24);
	n = write_plain(6, 10, buf);
	buf[4] = buf[5] = 0;
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_BAD_HEADER);
	assert_int_equal(packet_parse(buf, n, 65535 + 40, &p), REASON_IP_BAD_HEADER);
	assert_int_equal(packet_parse(buf, n, 65535 + 41, &p), REASON_OK);
	assert_int_equal(p.payload_len, 65535 + 41 - 40 - 24);
	free(buf);
}

static void test_not_tcp(void **state)
{
	static const uint8_t v4_protos[] = {1, 17, 50, 51, 132, 255, 0};
	static const uint8_t v6_next[] = {17, 58, 50, 59, 253, 135};
	static uint8_t buf[BUF_LEN];
	struct packet p;
	size_t n;

	(void)state;
	n = write_plain(4, 10, buf);
	for (size_t i = 0; i < sizeof(v4_protos); i++) {
		buf[9] = v4_protos[i];
		pktbuild_ip4_fix_csum(buf);
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_NOT_TCP);
	}
	for (size_t i = 0; i < sizeof(v6_next); i++) {
		n = write_plain(6, 10, buf);
		buf[6] = v6_next[i];
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_NOT_TCP);
		/* Also at the end of a chain. */
		n = write_plain(6, 10, buf);
		n = pktbuild_ip6_push_exthdr(buf, n, BUF_LEN, 60, 8);
		n = pktbuild_ip6_push_exthdr(buf, n, BUF_LEN, 0, 8);
		buf[48] = v6_next[i];
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_NOT_TCP);
	}
}

static void test_ip6_chain(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	struct packet p;
	size_t n, base;

	(void)state;
	pktcase_build_full(&b, 6);
	base = pktbuild_write(&b, buf, sizeof(buf));
	for (int more = 0; more < 2; more++) {
		/* HBH -> DST -> ROUTING -> FRAG (offset 0) -> TCP. */
		n = pktbuild_write(&b, buf, sizeof(buf));
		n = pktbuild_ip6_push_frag(buf, n, sizeof(buf), 0, more);
		n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 43, 24);
		n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 60, 16);
		n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 0, 8);
		assert_int_equal(n, base + 56);
		assert_int_equal(buf[6], 0);
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
		pktcase_check_fields(&b, &p);
		assert_ptr_equal(p.saddr, buf + 8);
	}
	/* AH is walked, in 4-byte units (RFC 4302): 20 bytes, which 8-byte units cannot express. */
	n = pktbuild_write(&b, buf, sizeof(buf));
	n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 51, 20);
	n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 60, 8);
	assert_int_equal(buf[49], 3);
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
	pktcase_check_fields(&b, &p);
	/* Large headers: 2048-byte DST. */
	{
		uint8_t *big = malloc(4096);

		assert_non_null(big);
		n = pktbuild_write(&b, big, 4096);
		n = pktbuild_ip6_push_exthdr(big, n, 4096, 60, 2048);
		assert_int_equal(big[41], 255);
		assert_int_equal(packet_parse(big, n, n, &p), REASON_OK);
		pktcase_check_fields(&b, &p);
		free(big);
	}
	/* Hop-by-hop anywhere but first (RFC 8200 section 4.1). */
	n = pktbuild_write(&b, buf, sizeof(buf));
	n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 0, 8);
	n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 60, 8);
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP6_BAD_EXTHDR);
	n = pktbuild_write(&b, buf, sizeof(buf));
	n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 0, 8);
	n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 0, 8);
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP6_BAD_EXTHDR);
}

static void test_ip6_chain_broken(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	struct packet p;
	size_t n;

	(void)state;
	pktbuild_init(&b, 6);
	b.payload_len = 20;
	n = pktbuild_write(&b, buf, sizeof(buf));
	n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 60, 16);
	n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 0, 8);
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
	/* A length byte pointing past the buffer and the payload. */
	buf[49] = 200;
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP6_BAD_EXTHDR);
	assert_int_equal(packet_parse(buf, n, n + 4000, &p), REASON_IP6_BAD_EXTHDR);
	buf[49] = 1;
	/* Payload length ending inside the chain, with the buffer ending there too or holding
	 * the rest as padding.
	 */
	for (size_t end = 40; end < 64; end++) {
		enum reason want = end == 40 ? REASON_IP_BAD_HEADER : REASON_IP6_BAD_EXTHDR;

		buf[4] = 0;
		buf[5] = (uint8_t)(end - 40);
		assert_int_equal(packet_parse(buf, end, end, &p), want);
		assert_int_equal(packet_parse(buf, n, n, &p), want);
	}
}

static void test_ip6_chain_bound(void **state)
{
	static uint8_t buf[BUF_LEN];
	static const size_t counts[] = {PACKET_IP6_EXTHDR_MAX, PACKET_IP6_EXTHDR_MAX + 1, 100};
	struct pktbuild b;
	struct packet p;

	(void)state;
	pktbuild_init(&b, 6);
	for (size_t i = 0; i < 3; i++) {
		size_t n = pktbuild_write(&b, buf, sizeof(buf));

		for (size_t h = 0; h < counts[i]; h++)
			n = pktbuild_ip6_push_exthdr(buf, n, sizeof(buf), 60, 8);
		assert_int_equal(n, 60 + 8 * counts[i]);
		assert_int_equal(packet_parse(buf, n, n, &p), counts[i] <= PACKET_IP6_EXTHDR_MAX
								      ? REASON_OK
								      : REASON_IP6_BAD_EXTHDR);
	}
}

static void test_ip6_fragments(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	struct packet p;
	size_t n;

	(void)state;
	pktcase_build_full(&b, 6);
	for (uint16_t off = 1; off < 0x2000; off = (uint16_t)(off * 3)) {
		for (int more = 0; more < 2; more++) {
			n = pktbuild_write(&b, buf, sizeof(buf));
			n = pktbuild_ip6_push_frag(buf, n, sizeof(buf), off, more);
			assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_FRAGMENT);
		}
	}
	/* First fragment whose payload ends inside the TCP header (RFC 8200 section 4.5). */
	n = pktbuild_write(&b, buf, sizeof(buf));
	n = pktbuild_ip6_push_frag(buf, n, sizeof(buf), 0, true);
	for (size_t tcp = 8; tcp <= 40; tcp += 32) {
		buf[4] = 0;
		buf[5] = (uint8_t)(8 + tcp);
		assert_int_equal(packet_parse(buf, 48 + tcp, 48 + tcp, &p), REASON_IP_FRAGMENT);
		buf[43] = 0; /* atomic fragment: M clear, a whole packet again */
		assert_int_equal(packet_parse(buf, 48 + tcp, 48 + tcp, &p),
				 tcp < 20 ? REASON_TCP_TRUNCATED : REASON_TCP_BAD_DOFF);
		buf[43] = 1;
	}
	/* Header-only copy of a first fragment that cuts the options. */
	n = pktbuild_write(&b, buf, sizeof(buf));
	n = pktbuild_ip6_push_frag(buf, n, sizeof(buf), 0, true);
	assert_int_equal(packet_parse(buf, 48 + 30, n, &p), REASON_IP_FRAGMENT);
	assert_int_equal(packet_parse(buf, 48 + 52, n, &p), REASON_OK);
	pktcase_check_fields(&b, &p);
}

static void test_ip6_lengths(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct packet p;
	size_t n;

	(void)state;
	n = write_plain(6, 10, buf);
	/* payload_len beyond the wire length. */
	buf[5]++;
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_BAD_HEADER);
	buf[5]--;
	/* Below it: padding, trimmed. */
	memset(buf + n, 0xab, 9);
	assert_int_equal(packet_parse(buf, n + 9, n + 9, &p), REASON_OK);
	assert_int_equal(p.payload_len, 10);
	/* payload_len 0 on an ordinary packet: jumbograms are not supported. */
	buf[4] = buf[5] = 0;
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_IP_BAD_HEADER);
	/* Too short for the fixed header. */
	assert_int_equal(packet_parse(buf, 39, 39, &p), REASON_IP_TRUNCATED);
	assert_int_equal(packet_parse(buf, 39, n, &p), REASON_IP_TRUNCATED);
}

/* Deterministic xorshift, so a failure reproduces. */
static uint32_t rng_next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Mutated valid packets and random lengths: never a crash, and every success is coherent. */
static void test_mutations_invariants(void **state)
{
	static uint8_t src[BUF_LEN];
	uint32_t seed = 0x7cf1a2b3;
	struct pktbuild b;
	struct packet p;
	unsigned int ok = 0;

	(void)state;
	for (unsigned int it = 0; it < 60000; it++) {
		size_t n, cap, wire;
		uint8_t *c;

		pktcase_build_full(&b, families[rng_next(&seed) & 1]);
		b.payload_len = rng_next(&seed) % 64;
		n = pktbuild_write(&b, src, sizeof(src));
		if (b.family == 6 && (rng_next(&seed) & 1))
			n = pktbuild_ip6_push_exthdr(src, n, sizeof(src), 60, 8);
		for (unsigned int m = rng_next(&seed) % 4; m > 0; m--)
			src[rng_next(&seed) % n] = (uint8_t)rng_next(&seed);
		cap = rng_next(&seed) % (n + 1);
		wire = rng_next(&seed) & 1 ? cap : cap + rng_next(&seed) % 128;
		c = pktcase_dup_exact(src, cap);
		if (packet_parse(c, cap, wire, &p) == REASON_OK) {
			size_t min = p.family == 6 ? 60 : 40;

			ok++;
			assert_true(p.family == (c[0] >> 4));
			assert_true(p.saddr >= c && p.daddr + (p.family == 6 ? 16 : 4) <= c + cap);
			assert_true(p.payload_len + min <= wire);
			assert_true(p.opt.wscale <= PACKET_WSCALE_MAX);
			assert_true(p.opt.sack_count <= PACKET_SACK_MAX);
			assert_int_equal(!!(p.opt.present & PACKET_OPT_SACK),
					 p.opt.sack_count != 0);
			assert_int_equal(p.opt.present & ~0x7f, 0);
		}
		free(c);
	}
	assert_true(ok > 1000); /* the mutations must not only ever produce rejects */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pktbuild_checksums),
		cmocka_unit_test(test_truncate_every_byte),
		cmocka_unit_test(test_ip_length_every_byte),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_cap_len_above_pkt_len),
		cmocka_unit_test(test_ip4_header_fields),
		cmocka_unit_test(test_ip4_options),
		cmocka_unit_test(test_ip4_fragments),
		cmocka_unit_test(test_tcp_checksum),
		cmocka_unit_test(test_big_tcp),
		cmocka_unit_test(test_not_tcp),
		cmocka_unit_test(test_ip6_chain),
		cmocka_unit_test(test_ip6_chain_broken),
		cmocka_unit_test(test_ip6_chain_bound),
		cmocka_unit_test(test_ip6_fragments),
		cmocka_unit_test(test_ip6_lengths),
		cmocka_unit_test(test_mutations_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
