// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_pcapng - lib/pcapng on parameters read from the input: a header and one packet, each
 * written into a buffer of exactly the size it asked for (ASan sees a byte more), and a buffer
 * one byte short must stay untouched. What it wrote must be a multiple of 4 with both length
 * fields of every block agreeing (tests/unit/pcapng_walk.c), keep the strings as the header
 * promises (a prefix, no NUL, cut at PCAPNG_STRING_MAX only before a whole UTF-8 character),
 * and read back through libpcap (pcap_fopen_offline on fmemopen) with the same linktype,
 * snaplen, timestamp, lengths and bytes.
 *
 * Input, little-endian, zeros past the end:
 *   byte 0      bits 0-1 linktype (ETHERNET, RAW, IPV4, IPV6); bit 2 the string is also
 *               shb_userappl and if_description; bit 3 if_name; bit 4 the data is a 300000-byte
 *               pattern instead of the input's rest; bit 5 data NULL; bit 6 the snaplen as is
 *               (0 and above PCAPNG_SNAPLEN_MAX are refused), else 1 + v % PCAPNG_SNAPLEN_MAX;
 *               bit 7 origlen as is, else caplen + a signed 16-bit delta (at least 0)
 *   1-3 snaplen, 4-11 timestamp (us), 12-14 caplen (mod the data's length + 1), 15-18 origlen
 *   19-20       the string's length, then its bytes (the comment; a NUL in them ends it)
 *   the rest    the packet's data
 */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/pcapng_walk.h"
#include "fuzz_common.h"
#include "pcapng.h"

#define BIG_DATA 300000 /* more than any snaplen */

static const struct {
	uint16_t linktype;
	int dlt;
} links[4] = {{1, DLT_EN10MB}, {PCAPNG_LINKTYPE_RAW, DLT_RAW}, {228, DLT_IPV4}, {229, DLT_IPV6}};

static uint64_t le(struct fuzz_in *f, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)fuzz_u8(f) << (8 * i);
	return v;
}

/* Calls with cap one short of the need (writes nothing) and with the need (exactly that
 * much, into an exact heap buffer). Returns the buffer; *len is the need, 0 when refused. */
static uint8_t *write_exact(const struct pcapng_header_params *h,
			    const struct pcapng_packet_params *p, size_t *len)
{
	size_t need = h ? pcapng_header(NULL, 0, h) : pcapng_packet(NULL, 0, p);
	uint8_t *buf = malloc(need + 1), *canary = malloc(need + 1);

	CHECK(buf && canary);
	memset(buf, 0xa5, need + 1);
	memset(canary, 0xa5, need + 1);
	if (need) {
		CHECK(need % 4 == 0);
		CHECK((h ? pcapng_header(buf, need - 1, h) : pcapng_packet(buf, need - 1, p)) ==
		      need);
		CHECK(memcmp(buf, canary, need) == 0);
	}
	CHECK((h ? pcapng_header(buf, need, h) : pcapng_packet(buf, need, p)) == need);
	CHECK(buf[need] == 0xa5);
	free(canary);
	*len = need;
	return buf;
}

/* The header's promise for a string option: absent for NULL or "", else a prefix without NUL,
 * whole when it fits, else cut at most 3 bytes short and never before a continuation byte. */
static void check_string(const struct pcapng_walk_block *b, uint16_t code, const char *s)
{
	uint16_t n = 0;
	const uint8_t *v = pcapng_walk_option(b, code, &n);
	size_t len = s ? strlen(s) : 0;

	if (!len) {
		CHECK(!v);
		return;
	}
	CHECK(v && n > 0 && n <= PCAPNG_STRING_MAX);
	CHECK(memcmp(v, s, n) == 0);
	if (len <= PCAPNG_STRING_MAX) {
		CHECK(n == len);
		return;
	}
	CHECK(n >= PCAPNG_STRING_MAX - 3);
	CHECK(n == PCAPNG_STRING_MAX - 3 || ((uint8_t)s[n] & 0xc0) != 0x80);
}

static void walk(const uint8_t *file, size_t len, const struct pcapng_header_params *h,
		 const struct pcapng_packet_params *p, uint32_t caplen)
{
	struct pcapng_walk_block b;
	const char *why;
	size_t off = 0;

	CHECK(pcapng_walk_next(file, len, &off, &b, &why) == 1 && b.type == PCAPNG_WALK_SHB);
	check_string(&b, 4, h->userappl);
	CHECK(pcapng_walk_next(file, len, &off, &b, &why) == 1 && b.type == PCAPNG_WALK_IDB);
	CHECK(b.linktype == h->linktype && b.snaplen == h->snaplen);
	check_string(&b, 2, h->if_name);
	check_string(&b, 3, h->if_description);
	CHECK(pcapng_walk_next(file, len, &off, &b, &why) == 1 && b.type == PCAPNG_WALK_EPB);
	CHECK(b.ts == p->ts_us && b.caplen == caplen && b.origlen == p->origlen);
	CHECK(caplen == 0 || memcmp(b.data, p->data, caplen) == 0);
	for (uint32_t k = caplen; k % 4; k++)
		CHECK(b.data[k] == 0);
	check_string(&b, 1, p->comment);
	CHECK(pcapng_walk_next(file, len, &off, &b, &why) == 0);
}

static void read_back(uint8_t *file, size_t len, int dlt, const struct pcapng_packet_params *p,
		      uint32_t caplen)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *data;
	FILE *f = fmemopen(file, len, "rb");

	CHECK(f);
	pcap_t *pc = pcap_fopen_offline(f, err); /* owns f */
	if (!pc)
		fprintf(stderr, "pcap_fopen_offline: %s\n", err);
	CHECK(pc);
	CHECK(pcap_datalink(pc) == dlt);
	CHECK(pcap_snapshot(pc) == (int)p->snaplen);
	int r = pcap_next_ex(pc, &ph, &data);
	if (r != 1)
		fprintf(stderr, "pcap_next_ex %d: %s\n", r, pcap_geterr(pc));
	CHECK(r == 1);
	CHECK(ph->caplen == caplen && ph->len == p->origlen);
	CHECK((uint64_t)ph->ts.tv_sec == p->ts_us / 1000000 &&
	      (uint64_t)ph->ts.tv_usec == p->ts_us % 1000000);
	CHECK(caplen == 0 || memcmp(data, p->data, caplen) == 0);
	CHECK(pcap_next_ex(pc, &ph, &data) == PCAP_ERROR_BREAK);
	pcap_close(pc);
}

static const uint8_t *big_data(void)
{
	static uint8_t big[BIG_DATA];

	if (!big[1])
		for (size_t i = 0; i < sizeof(big); i++)
			big[i] = (uint8_t)(i * 7 + (i >> 8));
	return big;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in f = {data, size};
	uint8_t mode = fuzz_u8(&f);
	uint32_t snaplen = (uint32_t)le(&f, 3);
	uint64_t ts = le(&f, 8);
	uint32_t caplen = (uint32_t)le(&f, 3), origlen = (uint32_t)le(&f, 4);
	size_t slen = le(&f, 2);

	if (slen > f.n)
		slen = f.n;
	char *str = fuzz_cstr(f.p, slen);
	f.p += slen;
	f.n -= slen;
	uint8_t *own = fuzz_copy(f.p, f.n);
	const uint8_t *bytes = mode & 0x10 ? big_data() : own;
	size_t n_bytes = mode & 0x10 ? BIG_DATA : f.n;

	if (!(mode & 0x40))
		snaplen = 1 + snaplen % PCAPNG_SNAPLEN_MAX;
	caplen %= (uint32_t)n_bytes + 1;
	if (!(mode & 0x80))
		origlen = (uint32_t)((int64_t)caplen + (int16_t)origlen < 0
					     ? 0
					     : (int64_t)caplen + (int16_t)origlen);

	struct pcapng_header_params h = {
		.userappl = mode & 0x04 ? str : NULL,
		.linktype = links[mode & 3].linktype,
		.snaplen = snaplen,
		.if_name = mode & 0x08 ? "nfqueue:0-3" : NULL,
		.if_description = mode & 0x04 ? str : NULL,
	};
	struct pcapng_packet_params p = {
		.ts_us = ts,
		.data = mode & 0x20 ? NULL : bytes,
		.caplen = caplen,
		.origlen = origlen,
		.snaplen = snaplen,
		.comment = str,
	};
	bool refused = snaplen == 0 || snaplen > PCAPNG_SNAPLEN_MAX;
	uint32_t written = caplen < origlen ? caplen : origlen;

	if (written > snaplen)
		written = snaplen;
	size_t hlen, plen;
	uint8_t *hbuf = write_exact(&h, NULL, &hlen);
	uint8_t *pbuf = write_exact(NULL, &p, &plen);

	CHECK((hlen == 0) == refused);
	CHECK((plen == 0) == (refused || (written && !p.data)));
	if (hlen && plen) {
		uint8_t *file = malloc(hlen + plen);

		CHECK(file);
		memcpy(file, hbuf, hlen);
		memcpy(file + hlen, pbuf, plen);
		walk(file, hlen + plen, &h, &p, written);
		read_back(file, hlen + plen, links[mode & 3].dlt, &p, written);
		free(file);
	}
	free(hbuf);
	free(pbuf);
	free(own);
	free(str);
	return 0;
}
