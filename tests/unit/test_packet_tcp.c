// SPDX-License-Identifier: GPL-2.0-or-later
/* packet_parse, TCP layer: header fields, data offset, the option walk and flags. */
/*
 * Every field round-trips and the TCP option walk follows the kernel's stop rules
 * (docs/robustness.md section 2). The IP layer is in test_packet.c.
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

static void test_roundtrip_all_options(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	struct packet p;

	(void)state;
	for (size_t f = 0; f < sizeof(families); f++) {
		pktcase_build_full(&b, families[f]);
		memset(&p, 0xff, sizeof(p));
		assert_int_equal(pktbuild_parse(&b, buf, sizeof(buf), &p), REASON_OK);
		pktcase_check_fields(&b, &p);
		/* The addresses are borrowed from the buffer, not copied. */
		assert_ptr_equal(p.saddr, buf + (families[f] == 6 ? 8 : 12));
		assert_ptr_equal(p.daddr, buf + (families[f] == 6 ? 24 : 16));

		b.sack_perm = b.ts = false;
		b.mss = 0;
		b.sack_count = 4; /* 4 + 36 option bytes */
		for (unsigned int i = 0; i < 4; i++) {
			b.sack[i].left = 0xfffffff0u + i;
			b.sack[i].right = 0x100u * (i + 1);
		}
		assert_int_equal(pktbuild_parse(&b, buf, sizeof(buf), &p), REASON_OK);
		pktcase_check_fields(&b, &p);
	}
}

static void test_no_options_zeroes_opt(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	struct packet p;

	(void)state;
	for (size_t f = 0; f < sizeof(families); f++) {
		pktbuild_init(&b, families[f]);
		memset(&p, 0xff, sizeof(p));
		assert_int_equal(pktbuild_parse(&b, buf, sizeof(buf), &p), REASON_OK);
		pktcase_check_fields(&b, &p);
		assert_int_equal(p.opt.present, 0);
		assert_int_equal(p.opt.mss, 0);
		assert_int_equal(p.opt.wscale, 0);
		assert_int_equal(p.opt.sack_count, 0);
		assert_int_equal(p.opt.tsval, 0);
		assert_int_equal(p.opt.tsecr, 0);
		assert_int_equal(p.payload_len, 0);
	}
}

static void test_doff(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	struct packet p;
	size_t n, l4;

	(void)state;
	for (size_t f = 0; f < sizeof(families); f++) {
		pktbuild_init(&b, families[f]);
		b.payload_len = 100;
		n = pktbuild_write(&b, buf, sizeof(buf));
		l4 = pktbuild_tcp_offset(buf);
		for (uint8_t d = 0; d < 5; d++) {
			buf[l4 + 12] = (uint8_t)(d << 4);
			assert_int_equal(packet_parse(buf, n, n, &p), REASON_TCP_BAD_DOFF);
		}
		/* Reserved bits beside doff do not matter. */
		buf[l4 + 12] = 0x5f;
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
		assert_int_equal(p.payload_len, 100);
		/* doff 15 reaches into the payload: valid, shorter payload. */
		buf[l4 + 12] = 0xf0;
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
		assert_int_equal(p.payload_len, 60);
		/* ... but a header-only copy must then hold those 40 option bytes. */
		assert_int_equal(packet_parse(buf, l4 + 40, n, &p), REASON_TCP_TRUNCATED);
		assert_int_equal(packet_parse(buf, l4 + 60, n, &p), REASON_OK);

		/* No payload: any doff above 5 runs past the segment. */
		b.payload_len = 0;
		n = pktbuild_write(&b, buf, sizeof(buf));
		for (uint8_t d = 6; d < 16; d++) {
			buf[l4 + 12] = (uint8_t)(d << 4);
			assert_int_equal(packet_parse(buf, n, n, &p), REASON_TCP_BAD_DOFF);
			/* The IP length bounds the segment, not the wire length. */
			assert_int_equal(packet_parse(buf, n, 4096, &p), REASON_TCP_BAD_DOFF);
		}
	}
}

struct opt_case {
	const char *name;
	uint8_t opts[40];
	size_t len;
	uint8_t present;
	uint16_t mss;
	uint8_t wscale;
	uint8_t sack_count;
};

#define MSS_1460 2, 4, 0x05, 0xb4

static const struct opt_case opt_cases[] = {
	{"len 0 stops", {MSS_1460, 30, 0, 3, 3, 7, 0, 0, 0}, 12, PACKET_OPT_MSS, 1460, 0, 0},
	{"len 1 stops", {MSS_1460, 30, 1, 3, 3, 7, 0, 0, 0}, 12, PACKET_OPT_MSS, 1460, 0, 0},
	{"overrun stops", {1, 1, 1, 1, 1, 1, 2, 4}, 8, 0, 0, 0, 0},
	{"overrun by one", {1, 1, 1, 1, 1, 1, 3, 3}, 8, 0, 0, 0, 0},
	{"ts overrun", {3, 3, 7, 8, 10, 1, 2, 3}, 8, PACKET_OPT_WSCALE, 0, 7, 0},
	{"exact end", {1, 3, 3, 9}, 4, PACKET_OPT_WSCALE, 0, 9, 0},
	{"no length byte", {1, 1, 1, 1, 1, 1, 1, 2}, 8, 0, 0, 0, 0},
	{"no length after ws", {3, 3, 7, 2}, 4, PACKET_OPT_WSCALE, 0, 7, 0},
	/* After EOL, bytes that would read as a 2-byte option and then a window scale. */
	{"eol mid", {MSS_1460, 0, 2, 3, 3, 7, 1, 1, 1}, 12, PACKET_OPT_MSS, 1460, 0, 0},
	{"eol first", {0, MSS_1460, 0, 0, 0}, 8, 0, 0, 0, 0},
	{"nop only", {[0 ... 39] = 1}, 40, 0, 0, 0, 0},
	{"nop run", {[0 ... 35] = 1, 3, 3, 7, 1}, 40, PACKET_OPT_WSCALE, 0, 7, 0},
	{"nop run to end", {[0 ... 36] = 1, 3, 3, 5}, 40, PACKET_OPT_WSCALE, 0, 5, 0},
	{"dup wscale", {3, 3, 2, 3, 3, 9, 1, 1}, 8, PACKET_OPT_WSCALE, 0, 9, 0},
	{"dup mss", {MSS_1460, 2, 4, 0x02, 0x18}, 8, PACKET_OPT_MSS, 536, 0, 0},
	{"mss len 3", {2, 3, 5, 1, 3, 3, 7, 1}, 8, PACKET_OPT_WSCALE, 0, 7, 0},
	{"mss len 5", {2, 5, 5, 0xb4, 0, 3, 3, 7}, 8, PACKET_OPT_WSCALE, 0, 7, 0},
	{"ws len 2", {3, 2, MSS_1460, 1, 1}, 8, PACKET_OPT_MSS, 1460, 0, 0},
	{"ws len 4", {3, 4, 7, 0, MSS_1460}, 8, PACKET_OPT_MSS, 1460, 0, 0},
	{"sackperm len 3", {4, 3, 0, MSS_1460, 1}, 8, PACKET_OPT_MSS, 1460, 0, 0},
	{"sackperm", {4, 2, 1, 1}, 4, PACKET_OPT_SACK_PERM, 0, 0, 0},
	{"ts len 9", {8, 9, [9] = MSS_1460, 1, 1, 1}, 16, PACKET_OPT_MSS, 1460, 0, 0},
	{"ts len 11", {8, 11, [11] = MSS_1460, 1}, 16, PACKET_OPT_MSS, 1460, 0, 0},
	{"sack len 2", {5, 2, 1, 1}, 4, 0, 0, 0, 0},
	{"sack len 9", {5, 9, [9] = 3, 3, 4}, 12, PACKET_OPT_WSCALE, 0, 4, 0},
	{"sack len 11", {5, 11, [11] = 3, 3, 4, 1, 1}, 16, PACKET_OPT_WSCALE, 0, 4, 0},
	{"sack len 17", {5, 17, [17] = 1, 1, 1}, 20, 0, 0, 0, 0},
	{"sack 1", {5, 10, [10] = 1, 1}, 12, PACKET_OPT_SACK, 0, 0, 1},
	{"sack 2", {5, 18, [18] = 1, 1}, 20, PACKET_OPT_SACK, 0, 0, 2},
	{"sack 4", {5, 34, [34] = 1, 1, 1, 1, 1, 0}, 40, PACKET_OPT_SACK, 0, 0, 4},
	{"unknown kind skipped", {30, 4, 9, 9, 3, 3, 6, 0}, 8, PACKET_OPT_WSCALE, 0, 6, 0},
};

static void test_option_rules(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	struct packet p;

	(void)state;
	for (size_t f = 0; f < sizeof(families); f++) {
		pktbuild_init(&b, families[f]);
		b.payload_len = 16; /* bytes an over-reading parser would pick up */
		for (size_t i = 0; i < sizeof(opt_cases) / sizeof(opt_cases[0]); i++) {
			const struct opt_case *c = &opt_cases[i];
			size_t n = pktbuild_write_opts(&b, c->opts, c->len, buf, sizeof(buf));
			uint8_t *h;

			assert_int_not_equal(n, 0);
			memset(&p, 0xff, sizeof(p));
			assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
			assert_int_equal(p.payload_len, 16);
			assert_int_equal(p.opt.present, c->present);
			assert_int_equal(p.opt.mss, c->mss);
			assert_int_equal(p.opt.wscale, c->wscale);
			assert_int_equal(p.opt.sack_count, c->sack_count);

			/* A copy that ends with the header: any read past the options hits ASan. */
			h = pktcase_dup_exact(buf, n - 16);
			assert_int_equal(packet_parse(h, n - 16, n, &p), REASON_OK);
			assert_int_equal(p.payload_len, 16);
			assert_int_equal(p.opt.present, c->present);
			assert_int_equal(p.opt.wscale, c->wscale);
			free(h);
		}
	}
}

static void test_option_values(void **state)
{
	static uint8_t buf[BUF_LEN];
	static const uint8_t ts_aligned[12] = {1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t ts_plain[12] = {8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 1, 1};
	/* NOP, NOP, SACK with blocks [1, 2) and [2^32 - 2, 2^32 - 1). */
	static const uint8_t sack2[20] = "\x01\x01\x05\x12\0\0\0\x01\0\0\0\x02"
					 "\xff\xff\xff\xfe\xff\xff\xff\xff";
	struct pktbuild b;
	struct packet p;
	size_t n;

	(void)state;
	pktbuild_init(&b, 4);
	n = pktbuild_write_opts(&b, ts_aligned, 12, buf, sizeof(buf));
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
	assert_int_equal(p.opt.present, PACKET_OPT_TIMESTAMP);
	assert_int_equal(p.opt.tsval, 0x01020304);
	assert_int_equal(p.opt.tsecr, 0x05060708);
	n = pktbuild_write_opts(&b, ts_plain, 12, buf, sizeof(buf));
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
	assert_int_equal(p.opt.present, PACKET_OPT_TIMESTAMP);
	assert_int_equal(p.opt.tsval, 0xffffffff);
	assert_int_equal(p.opt.tsecr, 1);
	n = pktbuild_write_opts(&b, sack2, 20, buf, sizeof(buf));
	assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
	assert_int_equal(p.opt.sack_count, 2);
	assert_int_equal(p.opt.sack[0].left, 1);
	assert_int_equal(p.opt.sack[0].right, 2);
	assert_int_equal(p.opt.sack[1].left, 0xfffffffe);
	assert_int_equal(p.opt.sack[1].right, 0xffffffff);

	/* Every window-scale byte: RFC 7323 section 2.3 uses 14 for anything larger. */
	for (int ws = 0; ws < 256; ws++) {
		b.wscale = ws;
		assert_int_equal(pktbuild_parse(&b, buf, sizeof(buf), &p), REASON_OK);
		assert_int_equal(p.opt.present, PACKET_OPT_WSCALE);
		assert_int_equal(p.opt.wscale, ws > 14 ? 14 : ws);
	}
}

static void test_all_flag_bytes(void **state)
{
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	struct packet p;

	(void)state;
	for (size_t f = 0; f < sizeof(families); f++) {
		pktbuild_init(&b, families[f]);
		b.payload_len = 5;
		for (unsigned int fl = 0; fl < 256; fl++) {
			b.flags = (uint8_t)fl;
			assert_int_equal(pktbuild_parse(&b, buf, sizeof(buf), &p), REASON_OK);
			assert_int_equal(p.flags, fl);
			assert_int_equal(packet_seg_len(&p),
					 5 + !!(fl & TCP_FLAG_SYN) + !!(fl & TCP_FLAG_FIN));
		}
	}
}

static void test_header_values(void **state)
{
	static const uint32_t vals[] = {0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};
	static uint8_t buf[BUF_LEN];
	struct pktbuild b;
	struct packet p;
	size_t n, l4;

	(void)state;
	for (size_t f = 0; f < sizeof(families); f++) {
		pktbuild_init(&b, families[f]);
		for (size_t i = 0; i < 6; i++) {
			for (size_t j = 0; j < 6; j++) {
				b.seq = vals[i];
				b.ack = vals[j];
				assert_int_equal(pktbuild_parse(&b, buf, sizeof(buf), &p),
						 REASON_OK);
				assert_int_equal(p.seq, vals[i]);
				assert_int_equal(p.ack, vals[j]);
			}
		}
		/* Port 0, window 0 and an urgent pointer without URG pass the parser unchanged. */
		b.sport = 0;
		b.dport = 65535;
		b.window = 0;
		n = pktbuild_write(&b, buf, sizeof(buf));
		l4 = pktbuild_tcp_offset(buf);
		buf[l4 + 18] = 0x12;
		buf[l4 + 19] = 0x34;
		assert_int_equal(packet_parse(buf, n, n, &p), REASON_OK);
		pktcase_check_fields(&b, &p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_options),
		cmocka_unit_test(test_no_options_zeroes_opt),
		cmocka_unit_test(test_doff),
		cmocka_unit_test(test_option_rules),
		cmocka_unit_test(test_option_values),
		cmocka_unit_test(test_all_flag_bytes),
		cmocka_unit_test(test_header_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
