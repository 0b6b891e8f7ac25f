// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcapng: a header and packets written by the module, as a file, read back by libpcap (data,
 * lengths, timestamps, snaplen, linktype), by an independent block walker (the comments and
 * every length field, which libpcap does not show) and, where it is installed, by tshark
 * (frame.comment). Also: sizing calls write nothing, refused parameters write nothing, long
 * comments are cut whole characters short.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapng.h"
#include "pcapng_walk.h"
#include "pktbuild.h"

#define SNAPLEN	 128
#define TS_START 1700000000000001ull /* microseconds: needs the high word */
#define N_PKTS	 5
#define TSHARK	 "/usr/bin/tshark"

/* One packet of the sample capture, and what a reader must find. */
struct sample {
	uint8_t family;
	uint32_t payload;
	uint32_t caplen, origlen; /* given to the writer (0: the built length) */
	const char *comment;
	uint32_t want_caplen;
	const char *want_comment; /* NULL: no option */
	size_t len;		  /* built */
	uint8_t bytes[1200];
};

static struct sample samples[N_PKTS] = {
	/* a SYN, a multiple of 4 */
	{.family = 4,
	 .comment = "tcp_bad_flags",
	 .want_caplen = 40,
	 .want_comment = "tcp_bad_flags"},
	/* odd length, no comment */
	{.family = 6, .payload = 21, .want_caplen = 81},
	/* longer than the snaplen: cut to it; an empty comment is none */
	{.family = 4, .payload = 160, .comment = "", .want_caplen = SNAPLEN},
	/* a header-only copy of a long packet, odd; UTF-8 in the comment */
	{.family = 6,
	 .payload = 1000,
	 .caplen = 63,
	 .origlen = 1060,
	 .comment = "out_of_window: seq \xe2\x89\xa0 window \xe2\x80\x94 \xc3\xbc",
	 .want_caplen = 63,
	 .want_comment = "out_of_window: seq \xe2\x89\xa0 window \xe2\x80\x94 \xc3\xbc"},
	/* more captured than the packet has: cut to origlen */
	{.family = 4,
	 .payload = 5,
	 .caplen = 45,
	 .origlen = 42,
	 .comment = "caplen > origlen",
	 .want_caplen = 42,
	 .want_comment = "caplen > origlen"},
};

static const struct pcapng_header_params header = {
	.userappl = "tcpfw 0.1.0",
	.linktype = PCAPNG_LINKTYPE_RAW,
	.snaplen = SNAPLEN,
	.if_name = "nfqueue:0-3",
	.if_description = "packets tcpfwd dropped",
};

static uint64_t ts_of(unsigned i)
{
	return TS_START + i * 1500000ull + i; /* 1.5 s apart, microseconds distinct */
}

static struct pcapng_packet_params params_of(const struct sample *s, unsigned i)
{
	return (struct pcapng_packet_params){
		.ts_us = ts_of(i),
		.data = s->bytes,
		.caplen = s->caplen ? s->caplen : (uint32_t)s->len,
		.origlen = s->origlen ? s->origlen : (uint32_t)s->len,
		.snaplen = SNAPLEN,
		.comment = s->comment,
	};
}

static uint32_t origlen_of(const struct sample *s)
{
	return s->origlen ? s->origlen : (uint32_t)s->len;
}

/* The sample capture: header, then every packet; sets *len. */
static uint8_t *capture(size_t *len)
{
	size_t need = pcapng_header(NULL, 0, &header);
	uint8_t *buf;

	for (unsigned i = 0; i < N_PKTS; i++) {
		struct sample *s = &samples[i];
		struct pktbuild b;

		pktbuild_init(&b, s->family);
		b.flags = i == 0 ? TCP_FLAG_SYN : TCP_FLAG_ACK;
		b.payload_len = s->payload;
		s->len = pktbuild_write(&b, s->bytes, sizeof(s->bytes));
		assert_true(s->len > 0);
		struct pcapng_packet_params p = params_of(s, i);
		need += pcapng_packet(NULL, 0, &p);
	}
	buf = malloc(need);
	assert_non_null(buf);
	*len = pcapng_header(buf, need, &header);
	for (unsigned i = 0; i < N_PKTS; i++) {
		struct pcapng_packet_params p = params_of(&samples[i], i);
		size_t n = pcapng_packet(buf + *len, need - *len, &p);

		assert_true(n > 0 && n % 4 == 0);
		*len += n;
	}
	assert_int_equal(*len, need);
	return buf;
}

/* The capture as a file in $TMPDIR; the caller unlinks path. */
static void capture_file(char *path, size_t size)
{
	const char *dir = getenv("TMPDIR");
	size_t len;
	uint8_t *buf = capture(&len);

	snprintf(path, size, "%s/test_pcapng.XXXXXX", dir && *dir ? dir : P_tmpdir);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(buf);
}

static void test_libpcap_reads(void **state)
{
	char path[512], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;

	(void)state;
	capture_file(path, sizeof(path));
	pcap_t *p = pcap_open_offline(path, err);
	unlink(path); /* p keeps it open */
	if (!p)
		fail_msg("pcap_open_offline: %s", err);
	assert_int_equal(pcap_datalink(p), DLT_RAW);
	assert_int_equal(pcap_snapshot(p), SNAPLEN);
	for (unsigned i = 0; i < N_PKTS; i++) {
		const struct sample *s = &samples[i];
		int r = pcap_next_ex(p, &h, &data);

		if (r != 1)
			fail_msg("packet %u: pcap_next_ex %d: %s", i, r, pcap_geterr(p));
		assert_int_equal(h->caplen, s->want_caplen);
		assert_int_equal(h->len, origlen_of(s));
		assert_int_equal(h->ts.tv_sec, ts_of(i) / 1000000);
		assert_int_equal(h->ts.tv_usec, ts_of(i) % 1000000);
		assert_memory_equal(data, s->bytes, s->want_caplen);
	}
	assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
}

static void expect_string_option(const struct pcapng_walk_block *b, uint16_t code, const char *want)
{
	uint16_t n;
	const uint8_t *v = pcapng_walk_option(b, code, &n);

	if (!want) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(v, want, n);
}

static void next_block(const uint8_t *buf, size_t len, size_t *off, struct pcapng_walk_block *b,
		       uint32_t type)
{
	const char *why = NULL;
	int r = pcapng_walk_next(buf, len, off, b, &why);

	if (r != 1)
		fail_msg("block at %zu: %s", *off, r ? why : "missing");
	assert_int_equal(b->type, type);
}

/* Padding after odd data is zeros: nothing of the caller's memory leaks into the file. */
static void expect_zero_pad(const struct pcapng_walk_block *b)
{
	for (uint32_t k = b->caplen; k % 4; k++)
		assert_int_equal(b->data[k], 0);
}

static void test_blocks(void **state)
{
	struct pcapng_walk_block b;
	const char *why;
	size_t len, off = 0;
	uint8_t *buf = capture(&len);
	uint16_t n;

	(void)state;
	next_block(buf, len, &off, &b, PCAPNG_WALK_SHB);
	assert_int_equal(b.body[4] | b.body[5] << 8, 1); /* version 1.0 */
	assert_memory_equal(b.body + 8, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	expect_string_option(&b, 4, "tcpfw 0.1.0");

	next_block(buf, len, &off, &b, PCAPNG_WALK_IDB);
	assert_int_equal(b.linktype, 101);
	assert_int_equal(b.snaplen, SNAPLEN);
	expect_string_option(&b, 2, "nfqueue:0-3");
	expect_string_option(&b, 3, "packets tcpfwd dropped");
	const uint8_t *tsresol = pcapng_walk_option(&b, 9, &n);
	assert_non_null(tsresol);
	assert_int_equal(n, 1);
	assert_int_equal(*tsresol, 6);

	for (unsigned i = 0; i < N_PKTS; i++) {
		const struct sample *s = &samples[i];

		next_block(buf, len, &off, &b, PCAPNG_WALK_EPB);
		assert_int_equal(b.body[0] | b.body[1] | b.body[2] | b.body[3],
				 0); /* interface 0 */
		assert_int_equal(b.ts, ts_of(i));
		assert_int_equal(b.caplen, s->want_caplen);
		assert_int_equal(b.origlen, origlen_of(s));
		assert_memory_equal(b.data, s->bytes, s->want_caplen);
		expect_zero_pad(&b);
		expect_string_option(&b, 1, s->want_comment);
	}
	assert_int_equal(pcapng_walk_next(buf, len, &off, &b, &why), 0);
	free(buf);
}

/* cap below the need writes nothing; cap at the need writes exactly that many bytes. */
static void test_sizing(void **state)
{
	uint8_t buf[512], canary[512];
	const struct sample *s = &samples[3];
	struct pcapng_packet_params p = params_of(s, 3);

	(void)state;
	memset(canary, 0xa5, sizeof(canary));
	for (unsigned which = 0; which < 2; which++) {
		size_t need = which ? pcapng_packet(NULL, 0, &p) : pcapng_header(NULL, 0, &header);

		assert_true(need > 0 && need % 4 == 0 && need < sizeof(buf));
		memset(buf, 0xa5, sizeof(buf));
		size_t got = which ? pcapng_packet(buf, need - 1, &p)
				   : pcapng_header(buf, need - 1, &header);
		assert_int_equal(got, need);
		assert_memory_equal(buf, canary, sizeof(buf));
		got = which ? pcapng_packet(buf, need, &p) : pcapng_header(buf, need, &header);
		assert_int_equal(got, need);
		assert_memory_not_equal(buf, canary, need);
		assert_memory_equal(buf + need, canary, sizeof(buf) - need);
	}
}

static void test_refused(void **state)
{
	struct pcapng_header_params h = header;
	struct pcapng_packet_params p = params_of(&samples[0], 0);
	uint8_t buf[256], canary[256];

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	memset(canary, 0xa5, sizeof(canary));
	h.snaplen = 0;
	assert_int_equal(pcapng_header(buf, sizeof(buf), &h), 0);
	h.snaplen = PCAPNG_SNAPLEN_MAX + 1;
	assert_int_equal(pcapng_header(buf, sizeof(buf), &h), 0);
	p.snaplen = 0;
	assert_int_equal(pcapng_packet(buf, sizeof(buf), &p), 0);
	p.snaplen = PCAPNG_SNAPLEN_MAX + 1;
	assert_int_equal(pcapng_packet(buf, sizeof(buf), &p), 0);
	p.snaplen = SNAPLEN;
	p.data = NULL;
	assert_int_equal(pcapng_packet(buf, sizeof(buf), &p), 0);
	assert_memory_equal(buf, canary, sizeof(buf));

	/* no data is fine when nothing is captured */
	p.caplen = 0;
	assert_int_equal(pcapng_packet(buf, sizeof(buf), &p), 32 + 4 + 16 + 4);
	h.snaplen = PCAPNG_SNAPLEN_MAX;
	h.userappl = h.if_name = h.if_description = NULL;
	assert_int_equal(pcapng_header(buf, sizeof(buf), &h), 32 + 32);
}

/* The comment option of a packet with comment c, its value in *v. */
static uint16_t comment_len(const char *c, uint8_t *buf, size_t cap, const uint8_t **v)
{
	struct pcapng_packet_params p = {.snaplen = SNAPLEN, .comment = c};
	struct pcapng_walk_block b;
	const char *why;
	size_t off = 0, len = pcapng_packet(buf, cap, &p);
	uint16_t n = 0;

	assert_true(len > 0 && len <= cap);
	assert_int_equal(pcapng_walk_next(buf, len, &off, &b, &why), 1);
	*v = pcapng_walk_option(&b, 1, &n);
	return *v ? n : 0;
}

static void test_comment_cut(void **state)
{
	static char c[PCAPNG_STRING_MAX + 64];
	static uint8_t buf[PCAPNG_STRING_MAX + 128];
	const uint8_t *v;

	(void)state;
	memset(c, 'a', sizeof(c) - 1);
	assert_int_equal(comment_len(c, buf, sizeof(buf), &v), PCAPNG_STRING_MAX);
	/* exactly the maximum is kept whole */
	c[PCAPNG_STRING_MAX] = '\0';
	assert_int_equal(comment_len(c, buf, sizeof(buf), &v), PCAPNG_STRING_MAX);
	/* a character across the limit goes whole, at each place it can straddle it, and is kept
	 * when it ends there: U+2260 (3 bytes), U+1F600 (4 bytes) */
	static const char *const chars[] = {"\xe2\x89\xa0", "\xf0\x9f\x98\x80"};
	for (unsigned k = 0; k < 2; k++) {
		size_t w = strlen(chars[k]);

		for (size_t at = PCAPNG_STRING_MAX - w + 1; at < PCAPNG_STRING_MAX; at++) {
			memset(c, 'a', sizeof(c) - 1);
			memcpy(c + at, chars[k], w);
			assert_int_equal(comment_len(c, buf, sizeof(buf), &v), at);
			assert_int_equal(v[at - 1], 'a');
		}
		memset(c, 'a', sizeof(c) - 1);
		memcpy(c + PCAPNG_STRING_MAX - w, chars[k], w);
		assert_int_equal(comment_len(c, buf, sizeof(buf), &v), PCAPNG_STRING_MAX);
	}
	/* the string ends at its NUL: nothing after it, and never a NUL in the value */
	assert_int_equal(comment_len("ab\0cd", buf, sizeof(buf), &v), 2);
	assert_memory_equal(v, "ab", 2);
}

/* tshark shows each packet's comment as frame.comment, an empty line for none. */
static void test_tshark(void **state)
{
	char path[512], cmd[700], out[4096];
	size_t n;

	(void)state;
	if (access(TSHARK, X_OK) != 0)
		skip();
	capture_file(path, sizeof(path));
	snprintf(cmd, sizeof(cmd), TSHARK " -n -r '%s' -T fields -e frame.comment 2>/dev/null",
		 path);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	int status = pclose(f);
	unlink(path);
	assert_int_equal(status, 0);

	char *line = out;
	for (unsigned i = 0; i < N_PKTS; i++) {
		const char *want = samples[i].want_comment ? samples[i].want_comment : "";
		char *end = strchr(line, '\n');

		if (!end)
			fail_msg("tshark printed %u lines, want %u", i, N_PKTS);
		*end = '\0';
		if (strcmp(line, want))
			fail_msg("packet %u: tshark shows \"%s\", want \"%s\"", i, line, want);
		line = end + 1;
	}
	assert_string_equal(line, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libpcap_reads), cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_sizing),	      cmocka_unit_test(test_refused),
		cmocka_unit_test(test_comment_cut),   cmocka_unit_test(test_tshark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
