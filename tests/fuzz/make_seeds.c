// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * make_seeds - writes the seed corpora of tests/fuzz/corpus/<harness>/. Run once, by hand, when a
 * harness's input format changes; the output is checked in:
 *
 *   make build/libtcpfw.a build/tests/unit/pktbuild.o build/tests/unit/sync_samples.o
 *   cc -std=gnu11 -D_GNU_SOURCE -Ilib -o build/make_seeds tests/fuzz/make_seeds.c \
 *      tests/fuzz/make_seeds_ctl.c tests/fuzz/make_seeds_nfq.c tests/fuzz/make_seeds_sync.c \
 *      tests/fuzz/fuzz_common.c tests/fuzz/nfq_build.c \
 *      build/tests/unit/pktbuild.o build/tests/unit/sync_samples.o build/libtcpfw.a \
 *      $(pkg-config --libs libsodium libconfig jansson libmnl)
 *   build/make_seeds tests/fuzz/corpus
 *
 * packet: one seed per row of the parser checklist (docs/robustness.md section 2) that bytes can
 * express. engine: programs in fuzz_engine.c's step format (handshakes, transfers, closes,
 * resets, floods, expiry, operator calls). config: the shipped file and small variants.
 * ctl_proto (make_seeds_ctl.c): every call and every reply kind, formatted by the module
 * itself, and some damage.
 * snapshot: snapshots of real engine states, raw and in the harness's forging mode. pcapng:
 * packets and comments at the writer's edges (clamps, the UTF-8 cut, refusals, the largest
 * snaplen). nfqueue: datagrams as the kernel sends them (IPv4, IPv6, cut copies, batches with
 * ACKs, errors and DONE), truncated or short attributes, and the lengths libmnl misreads.
 * sync_proto (make_seeds_sync.c): datagrams sealed with the harness's keys, payloads of every
 * message type, some damage, and programs for the anti-replay window.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../unit/pktbuild.h"
#include "ctl_proto.h"
#include "engine.h"
#include "fuzz_common.h"
#include "make_seeds.h"
#include "pcapng.h"
#include "snapshot.h"

static const char *root;
static unsigned n_written;

void put(const char *harness, const char *name, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, harness);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", root, harness, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "make_seeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	n_written++;
}

void put_str(const char *harness, const char *name, const char *text)
{
	put(harness, name, text, strlen(text));
}

/* ---- packet ---- */

static uint8_t pbuf[70000];

size_t syn(uint8_t family, uint8_t *buf)
{
	struct pktbuild b;

	pktbuild_init(&b, family);
	b.flags = TCP_FLAG_SYN;
	b.mss = 1460;
	b.wscale = 7;
	b.sack_perm = true;
	b.ts = true;
	b.tsval = 12345;
	return pktbuild_write(&b, buf, sizeof(pbuf));
}

static void packet_seeds(void)
{
	struct pktbuild b;
	size_t len;
	uint8_t opts[40];

	put("packet", "ip4-syn-options", pbuf, syn(4, pbuf));
	put("packet", "ip6-syn-options", pbuf, syn(6, pbuf));

	pktbuild_init(&b, 4);
	b.flags = TCP_FLAG_ACK | TCP_FLAG_PSH;
	b.payload_len = 64;
	b.ts = true;
	put("packet", "ip4-ack-data-ts", pbuf, pktbuild_write(&b, pbuf, sizeof(pbuf)));
	b.ts = false;
	b.sack_count = 4;
	for (int i = 0; i < 4; i++) {
		b.sack[i].left = 3000u + 100u * (unsigned)i;
		b.sack[i].right = 3050u + 100u * (unsigned)i;
	}
	put("packet", "ip4-sack-4", pbuf, pktbuild_write(&b, pbuf, sizeof(pbuf)));
	b.family = 6;
	pktbuild_init(&b, 6);
	b.sack_count = 2;
	b.sack[0].left = 0xfffffff0u;
	b.sack[0].right = 0x10;
	put("packet", "ip6-sack-wrap", pbuf, pktbuild_write(&b, pbuf, sizeof(pbuf)));

	/* 1. short buffers, 2. versions, 3. IHL 0..4 */
	len = syn(4, pbuf);
	put("packet", "ip4-19-bytes", pbuf, 19);
	put("packet", "ip6-39-bytes", (syn(6, pbuf), pbuf), 39);
	len = syn(4, pbuf);
	pbuf[0] = 0x55;
	put("packet", "version-5", pbuf, len);
	pbuf[0] = 0x44;
	put("packet", "ip4-ihl-4", pbuf, len);
	pbuf[0] = 0x4f;
	put("packet", "ip4-ihl-15-past-buffer", pbuf, 40);
	/* 5./6./7. total length below IHL, above the buffer, below it (padding) */
	len = syn(4, pbuf);
	pbuf[2] = 0;
	pbuf[3] = 19;
	put("packet", "ip4-totlen-below-ihl", pbuf, len);
	pbuf[2] = 0x05;
	pbuf[3] = 0xdc;
	put("packet", "ip4-totlen-past-buffer", pbuf, len);
	len = syn(4, pbuf);
	memset(pbuf + len, 0, 6);
	put("packet", "ip4-ethernet-padding", pbuf, len + 6);
	pbuf[2] = pbuf[3] = 0;
	put("packet", "ip4-totlen-0-big-tcp", pbuf, len);
	/* 8. IP options */
	len = syn(4, pbuf);
	memcpy(opts, "\x83\x07\x04\x0a\x00\x00\x01\x01", 8); /* LSRR, then NOP + EOL pad */
	put("packet", "ip4-options-lsrr", pbuf,
	    pktbuild_ip4_push_options(pbuf, len, 70000, opts, 8));
	len = syn(4, pbuf);
	memcpy(opts, "\x44\x00\x05\x00", 4); /* timestamp, length 0 */
	put("packet", "ip4-options-bad-len", pbuf,
	    pktbuild_ip4_push_options(pbuf, len, 70000, opts, 4));
	/* 9.-11. fragments */
	len = syn(4, pbuf);
	pktbuild_ip4_set_frag(pbuf, 0, true);
	put("packet", "ip4-first-fragment", pbuf, len);
	pbuf[2] = 0;
	pbuf[3] = 28;
	pktbuild_ip4_fix_csum(pbuf);
	put("packet", "ip4-tiny-first-fragment", pbuf, 28);
	len = syn(4, pbuf);
	pktbuild_ip4_set_frag(pbuf, 185, false);
	put("packet", "ip4-non-first-fragment", pbuf, len);
	/* 13.-17. IPv6 chains */
	len = syn(6, pbuf);
	len = pktbuild_ip6_push_frag(pbuf, len, 70000, 0, false);
	len = pktbuild_ip6_push_exthdr(pbuf, len, 70000, 43, 24);
	len = pktbuild_ip6_push_exthdr(pbuf, len, 70000, 60, 8);
	len = pktbuild_ip6_push_exthdr(pbuf, len, 70000, 0, 16);
	put("packet", "ip6-chain-hbh-dst-rt-frag", pbuf, len);
	len = syn(6, pbuf);
	len = pktbuild_ip6_push_exthdr(pbuf, len, 70000, 51, 12);
	put("packet", "ip6-ah", pbuf, len);
	len = syn(6, pbuf);
	len = pktbuild_ip6_push_frag(pbuf, len, 70000, 0, true);
	put("packet", "ip6-first-fragment", pbuf, len);
	len = syn(6, pbuf);
	for (int i = 0; i < 9; i++)
		len = pktbuild_ip6_push_exthdr(pbuf, len, 70000, 60, 8);
	put("packet", "ip6-chain-too-long", pbuf, len);
	put("packet", "ip6-chain-cut", pbuf, 40 + 8 * 3 + 4);
	len = syn(6, pbuf);
	pbuf[6] = 59;
	put("packet", "ip6-no-next-header", pbuf, len);
	pbuf[6] = 17;
	put("packet", "ip6-udp", pbuf, len);
	len = syn(6, pbuf);
	pbuf[4] = pbuf[5] = 0;
	put("packet", "ip6-jumbo-zero-length", pbuf, len);
	len = syn(4, pbuf);
	pbuf[9] = 17;
	put("packet", "ip4-udp", pbuf, len);
	/* 18./19. data offset */
	len = syn(4, pbuf);
	pbuf[20 + 12] = 0x40;
	put("packet", "tcp-doff-4", pbuf, len);
	len = syn(4, pbuf);
	pbuf[20 + 12] = 0xf0;
	put("packet", "tcp-doff-15-past-end", pbuf, len);
	put("packet", "tcp-header-cut", (syn(4, pbuf), pbuf), 20 + 18);
	/* 20. option edge cases */
	pktbuild_init(&b, 4);
	b.flags = TCP_FLAG_SYN;
	static const struct {
		const char *name;
		uint8_t opt[12];
	} cases[] = {
		{"opt-eol-middle", {2, 4, 5, 0xb4, 0, 0, 3, 3, 7, 1, 1, 1}},
		{"opt-nop-run", {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3}},
		{"opt-kind-no-length", {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2}},
		{"opt-length-0", {2, 0, 5, 0xb4, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"opt-length-1", {2, 1, 5, 0xb4, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"opt-length-past-end", {1, 1, 1, 1, 1, 1, 1, 1, 8, 10, 0, 0}},
		{"opt-wscale-15", {3, 3, 15, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"opt-wscale-255-dup", {3, 3, 2, 3, 3, 255, 1, 1, 1, 1, 1, 1}},
		{"opt-sack-bad-count", {5, 7, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1}},
		{"opt-ts-wrong-length", {8, 6, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1}},
		{"opt-ts-aligned", {1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 7}},
		{"opt-mss-wrong-length", {2, 3, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		put("packet", cases[i].name, pbuf,
		    pktbuild_write_opts(&b, cases[i].opt, 12, pbuf, sizeof(pbuf)));
	/* 21. flags: null, XMAS, SYN+FIN, SYN+RST */
	static const uint8_t flag_cases[] = {0x00, 0x29, 0x03, 0x06, 0x05, 0x22, 0xff};
	for (size_t i = 0; i < sizeof(flag_cases); i++) {
		char name[32];
		pktbuild_init(&b, i % 2 ? 6 : 4);
		b.flags = flag_cases[i];
		snprintf(name, sizeof(name), "flags-%02x", flag_cases[i]);
		put("packet", name, pbuf, pktbuild_write(&b, pbuf, sizeof(pbuf)));
	}
	/* 24. longer than 64 KiB: only the headers */
	pktbuild_init(&b, 6);
	b.payload_len = 70000 - 100;
	len = pktbuild_write(&b, pbuf, sizeof(pbuf));
	put("packet", "ip6-big-tcp-headers", pbuf, 60);
	/* 25.-28. port 0, window 0, urgent pointer without URG */
	pktbuild_init(&b, 4);
	b.sport = 0;
	b.window = 0;
	len = pktbuild_write(&b, pbuf, sizeof(pbuf));
	pbuf[20 + 18] = 0x12;
	put("packet", "port-0-window-0-urgptr", pbuf, len);
}

/* ---- engine programs (fuzz_engine.c's step format) ---- */

struct prog {
	uint8_t b[4096];
	size_t n;
};

static void P(struct prog *p, uint8_t v)
{
	if (p->n < sizeof(p->b))
		p->b[p->n++] = v;
}

#define SEG_MSS	 0x20
#define SEG_WS	 0x40
#define SEG_FAM6 0x10
#define OB_SACKP 0x01
#define OB_TS	 0x02

/* One segment step: clock exponent e, tuple idx, direction, extra s0 bits, flags, deltas,
 * payload length, window byte, ob byte; wscale and ts delta when asked for. */
static void seg(struct prog *p, unsigned e, unsigned idx, unsigned dir, uint8_t s0x, uint8_t flags,
		int8_t sd, int8_t ad, uint8_t len, uint8_t win, uint8_t ob)
{
	P(p, (uint8_t)(0 | e << 2));
	P(p, (uint8_t)(dir | idx << 1 | s0x));
	P(p, flags);
	P(p, (uint8_t)sd);
	P(p, (uint8_t)ad);
	P(p, len);
	P(p, win);
	P(p, ob);
	if (s0x & SEG_WS)
		P(p, 7);
	if (ob & OB_TS)
		P(p, 3);
	for (unsigned i = 0; i < ((ob >> 2) & 3u); i++)
		P(p, 0);
}

enum { SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04, PSH = 0x08 };

static void handshake(struct prog *p, unsigned idx, uint8_t fam, bool opts)
{
	uint8_t s0x = fam | (opts ? SEG_MSS | SEG_WS : 0);
	uint8_t ob = opts ? OB_SACKP | OB_TS : 0;

	seg(p, 1, idx, 0, s0x, SYN, 0, 0, 0, 0xff, ob);
	seg(p, 1, idx, 1, s0x, SYN | ACK, 0, 0, 0, 0xff, ob);
	seg(p, 1, idx, 0, fam, ACK, 0, 0, 0, 0x40, opts ? OB_TS : 0);
}

static void transfer(struct prog *p, unsigned idx, uint8_t fam, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		seg(p, 2, idx, 0, fam, ACK | PSH, 0, 0, 200, 0x40, 0);
		seg(p, 2, idx, 1, fam, ACK, 0, 0, 0, 0x40, 0);
		seg(p, 2, idx, 1, fam, ACK | PSH, 0, 0, 100, 0x40, 0);
		seg(p, 2, idx, 0, fam, ACK, 0, 0, 0, 0x40, 0);
	}
}

static void close_active(struct prog *p, unsigned idx, uint8_t fam)
{
	seg(p, 3, idx, 0, fam, FIN | ACK, 0, 0, 0, 0x40, 0);
	seg(p, 3, idx, 1, fam, ACK, 0, 0, 0, 0x40, 0);
	seg(p, 3, idx, 1, fam, FIN | ACK, 0, 0, 0, 0x40, 0);
	seg(p, 3, idx, 0, fam, ACK, 0, 0, 0, 0x40, 0);
}

static void expire_full(struct prog *p, unsigned e)
{
	P(p, (uint8_t)(2 | e << 2));
	P(p, 0);
}

static void admin(struct prog *p, uint8_t a, uint8_t x, uint8_t y)
{
	P(p, 3);
	P(p, a);
	if ((a & 3) != 3)
		P(p, x);
	if ((a & 3) == 0)
		P(p, y);
}

static void raw(struct prog *p, const uint8_t *bytes, size_t len)
{
	P(p, 1);
	P(p, (uint8_t)len);
	for (size_t i = 0; i < len; i++)
		P(p, bytes[i]);
}

static void engine_seeds(void)
{
	struct prog p;

	/* a full life: handshake with options, data, active close, TIME_WAIT expiry */
	p.n = 0;
	P(&p, 0x03); /* 64 flows */
	handshake(&p, 0, 0, true);
	transfer(&p, 0, 0, 3);
	close_active(&p, 0, 0);
	admin(&p, 0, 0, 3);
	expire_full(&p, 18);
	put("engine", "life-ip4-options", p.b, p.n);

	p.n = 0;
	P(&p, 0x13); /* shorten TIME_WAIT */
	handshake(&p, 1, SEG_FAM6, true);
	transfer(&p, 1, SEG_FAM6, 2);
	close_active(&p, 1, SEG_FAM6);
	seg(&p, 5, 1, 0, SEG_FAM6 | SEG_MSS, SYN, 100, 0, 0, 0xff, 0); /* reopen from TIME_WAIT */
	seg(&p, 1, 1, 1, SEG_FAM6 | SEG_MSS, SYN | ACK, 0, 0, 0, 0xff, 0);
	put("engine", "life-ip6-shorten-reopen", p.b, p.n);

	/* reset answers a SYN; RST in established; simultaneous open */
	p.n = 0;
	P(&p, 0x01);
	seg(&p, 0, 2, 0, 0, SYN, 0, 0, 0, 0xff, 0);
	seg(&p, 0, 2, 1, 0, RST | ACK, 0, 0, 0, 0, 0);
	handshake(&p, 3, 0, false);
	seg(&p, 1, 3, 1, 0, RST, 0, 0, 0, 0, 0);
	seg(&p, 0, 4, 0, 0, SYN, 0, 0, 0, 0xff, 0);
	seg(&p, 0, 4, 1, 0, SYN, 0, 0, 0, 0xff, 0);
	seg(&p, 0, 4, 0, 0, SYN | ACK, -1, 0, 0, 0xff, 0);
	seg(&p, 0, 4, 1, 0, SYN | ACK, -1, 0, 0, 0xff, 0);
	put("engine", "reset-and-simultaneous-open", p.b, p.n);

	/* a flood of SYNs on 16 tuples into a 4-flow table, then assured flows and more SYNs */
	p.n = 0;
	P(&p, 0x00);
	handshake(&p, 0, 0, false);
	handshake(&p, 1, 0, false);
	transfer(&p, 0, 0, 1);
	transfer(&p, 1, 0, 1);
	for (unsigned i = 0; i < 16; i++)
		seg(&p, 0, i & 7, 0, (i & 8) ? SEG_FAM6 : 0, SYN, 0, 0, 0, 0xff, 0);
	close_active(&p, 0, 0);
	for (unsigned i = 2; i < 8; i++)
		seg(&p, 0, i, 0, SEG_FAM6, SYN, 0, 0, 0, 0xff, 0);
	admin(&p, 0x01, 0, 0); /* kill everything */
	put("engine", "flood-small-table", p.b, p.n);

	/* a 4-flow table full of assured flows: a new SYN finds no victim (table_full), until
	 * one of them closes and becomes evictable */
	p.n = 0;
	P(&p, 0x00);
	for (unsigned i = 0; i < 4; i++)
		handshake(&p, i, 0, false);
	seg(&p, 0, 4, 0, 0, SYN, 0, 0, 0, 0xff, 0);
	seg(&p, 0, 5, 0, SEG_FAM6, SYN, 0, 0, 0, 0xff, 0);
	close_active(&p, 2, 0);
	seg(&p, 0, 4, 0, 0, SYN, 1, 0, 0, 0xff, 0);
	put("engine", "table-full-assured", p.b, p.n);

	/* window trouble: out-of-window data, old ACKs, SACK, zero window, retransmits */
	p.n = 0;
	P(&p, 0x23); /* max_retrans 1 */
	handshake(&p, 5, 0, true);
	seg(&p, 0, 5, 0, 0, ACK, 0, 0, 100, 0x00, 0x40);	 /* big delta */
	seg(&p, 0, 5, 0, 0, ACK | PSH, 100, 0, 200, 0x40, 0xc0); /* far seq, big payload */
	seg(&p, 0, 5, 1, 0, ACK, 0, 50, 0, 0x40, 0x04 | OB_TS);	 /* SACK one block */
	seg(&p, 0, 5, 1, 0, ACK, 0, -100, 0, 0x40, 0x08 | 0x30); /* two blocks */
	seg(&p, 0, 5, 0, 0, ACK | PSH, 0, 0, 50, 0x40, 0);
	seg(&p, 0, 5, 0, 0, ACK | PSH, -50, 0, 50, 0x40, 0); /* retransmit */
	seg(&p, 0, 5, 0, 0, ACK | PSH, -50, 0, 50, 0x40, 0);
	seg(&p, 0, 5, 1, 0, ACK, 0, 0, 0, 0x00, 0); /* zero window */
	seg(&p, 0, 5, 0, 0, ACK, 1, 0, 1, 0x40, 0); /* probe */
	seg(&p, 0, 5, 1, 0, ACK | FIN, 0, 0, 0, 0x40, 0);
	seg(&p, 0, 5, 1, 0, ACK | PSH, 1, 0, 10, 0x40, 0); /* data after FIN */
	put("engine", "window-edges", p.b, p.n);

	/* pickup and loose tracking, with a header-only copy */
	p.n = 0;
	P(&p, 0x0c); /* pickup, no window check */
	seg(&p, 0, 6, 0, 0, ACK | PSH, 0, 0, 100, 0x40, 0);
	seg(&p, 0, 6, 1, 0, ACK, 0, 0, 0, 0x40, 0);
	P(&p, 0x80);
	P(&p, 0x0c);
	P(&p, ACK);
	P(&p, 0);
	P(&p, 0);
	P(&p, 80);
	P(&p, 0x40);
	P(&p, 0);
	seg(&p, 0, 7, 1, SEG_FAM6, FIN | ACK, 0, 0, 0, 0x40, 0);
	put("engine", "pickup-liberal", p.b, p.n);

	/* expiry in steps, reconfiguration and retime, list and kill with filters, export */
	p.n = 0;
	P(&p, 0x02);
	handshake(&p, 0, 0, false);
	seg(&p, 0, 1, 0, 0, SYN, 0, 0, 0, 0xff, 0);
	handshake(&p, 2, SEG_FAM6, false);
	admin(&p, 0x03, 0, 0);	      /* export -> snapshot -> import */
	admin(&p, 0x02 | 0x10, 5, 0); /* reconfigure: shorten, short established */
	admin(&p, 0x34, 0x80, 2);     /* list: ipv4, ESTABLISHED, sport */
	P(&p, 2 | 17 << 2);
	P(&p, 3);
	expire_full(&p, 20);
	admin(&p, 0x01 | 0x20, 0x20, 0);
	expire_full(&p, 31);
	put("engine", "expire-reconfigure-list", p.b, p.n);

	/* raw bytes: a valid SYN, its SYN/ACK, and some junk */
	p.n = 0;
	P(&p, 0x04);
	size_t len = syn(4, pbuf);
	raw(&p, pbuf, len);
	raw(&p, (const uint8_t *)"\x45\x00\x00\x14garbage-after", 18);
	P(&p, 0x81);
	P(&p, 30);
	P(&p, 200);
	for (unsigned i = 0; i < 30; i++)
		P(&p, pbuf[i]);
	len = syn(6, pbuf);
	raw(&p, pbuf, len);
	put("engine", "raw-packets", p.b, p.n);
}

/* ---- config ---- */

static void config_seeds(void)
{
	FILE *f = fopen("conf/tcpfwd.conf", "rb");
	char text[16384];
	size_t len = f ? fread(text, 1, sizeof(text), f) : 0;

	if (f)
		fclose(f);
	if (len)
		put("config", "shipped-tcpfwd.conf", text, len);
	put_str("config", "empty", "");
	put_str("config", "version-only", "version = 1;\n");
	put_str("config", "all-groups",
		"version = 1;\n"
		"queue = { num = 3; count = 2; maxlen = 4096; copy_range = 128; fail_open = false; "
		"rcvbuf = 8388608; };\n"
		"table = { max_flows = 1024; buckets = 4096; };\n"
		"tcp = { pickup = false; window_check = true; max_retrans = 5;\n"
		"  time_wait = { policy = \"shorten\"; duration = 120; shortened = 10; minimum = "
		"1;\n"
		"    adaptive_start = 50; adaptive_end = 90; };\n"
		"  timeouts = { syn_sent = 60; syn_recv = 30; established = 3600; fin_wait = 60;\n"
		"    close_wait = 30; last_ack = 15; close = 5; max_retrans = 120; "
		"unacknowledged = 120; }; };\n"
		"logging = { level = \"debug\"; log_invalid = true; rate_limit = 5; };\n"
		"control = { socket = \"/tmp/x.sock\"; group = \"adm\"; admin_group = \"\"; "
		"max_clients = 8; max_request = 4096; idle_timeout = 30; };\n"
		"state = { directory = \"/var/lib/tcpfwd\"; };\n");
	put_str("config", "unknown-key", "tcp = { pikcup = true; };\n");
	put_str("config", "wrong-type", "table = { max_flows = \"many\"; };\n");
	put_str("config", "out-of-range", "table = { max_flows = 0; };\n");
	put_str("config", "bad-enum", "tcp = { time_wait = { policy = \"forever\"; }; };\n");
	put_str("config", "cross-field",
		"tcp = { time_wait = { duration = 10; shortened = 20; }; };\n");
	put_str("config", "include", "@include \"/etc/passwd\"\n");
	put_str("config", "unterminated-string", "control = { socket = \"/run/x;\n");
	put_str("config", "unterminated-comment", "/* version = 1;\n");
	put_str("config", "huge-integer", "queue = { maxlen = 99999999999999999999; };\n");
	put_str("config", "hex-and-l", "queue = { maxlen = 0x1000; rcvbuf = 100L; };\n");
	put_str("config", "float", "tcp = { timeouts = { established = 1.5; }; };\n");
	put_str("config", "syntax-error", "queue = { num = ; };\n");
	put_str("config", "no-newline", "logging = { level = \"info\"; }");
	put_str("config", "comments-escapes",
		"# hash\n// slashes\n/* block\n */ control = { socket = \"/run/a\\\"b\\\\c\"; "
		"};\n");
	put_str("config", "list-and-array", "queue = ( 1, 2 ); table = [ 1, 2 ];\n");
	put_str("config", "duplicate", "queue = { num = 1; num = 2; };\n");
}
/* ---- snapshot ---- */

/* Writes the segment and feeds it to the engine. */
static void feed(struct engine *e, uint64_t now, const struct pktbuild *b)
{
	struct engine_result res;
	size_t len = pktbuild_write(b, pbuf, sizeof(pbuf));

	engine_process(e, pbuf, len, len, now, &res);
}

static void run_steps(struct engine *e, uint64_t now)
{
	struct pktbuild b;
	uint32_t cseq = 0xfffffff0u, sseq = 0x7ffffff0u;

	/* flow 0: SYN_SENT; flow 1: ESTABLISHED with options; flow 2: TIME_WAIT; flow 3 ipv6 */
	for (unsigned i = 0; i < 4; i++) {
		uint8_t fam = i == 3 ? 6 : 4;

		fuzz_tuple(&b, fam, i, 0);
		b.flags = TCP_FLAG_SYN;
		b.seq = cseq;
		b.ack = 0;
		b.wscale = i == 1 ? 7 : -1;
		b.sack_perm = i == 1;
		b.ts = i == 1;
		b.tsval = 100;
		feed(e, now, &b);
		if (i == 0)
			continue;
		fuzz_tuple(&b, fam, i, 1);
		b.flags = TCP_FLAG_SYN | TCP_FLAG_ACK;
		b.seq = sseq;
		b.ack = cseq + 1;
		b.wscale = i == 1 ? 7 : -1;
		b.sack_perm = i == 1;
		b.ts = i == 1;
		b.tsval = 200;
		b.tsecr = 100;
		feed(e, now, &b);
		fuzz_tuple(&b, fam, i, 0);
		b.flags = TCP_FLAG_ACK;
		b.seq = cseq + 1;
		b.ack = sseq + 1;
		b.ts = i == 1;
		b.tsval = 101;
		b.tsecr = 200;
		feed(e, now, &b);
		if (i != 2)
			continue;
		/* close: FIN from the client, ACK+FIN from the server, last ACK */
		b.flags = TCP_FLAG_FIN | TCP_FLAG_ACK;
		feed(e, now, &b);
		fuzz_tuple(&b, fam, i, 1);
		b.flags = TCP_FLAG_FIN | TCP_FLAG_ACK;
		b.seq = sseq + 1;
		b.ack = cseq + 2;
		feed(e, now, &b);
		fuzz_tuple(&b, fam, i, 0);
		b.flags = TCP_FLAG_ACK;
		b.seq = cseq + 2;
		b.ack = sseq + 2;
		feed(e, now, &b);
	}
}

static void snapshot_seeds(void)
{
	static uint8_t
		snap[SNAPSHOT_HEADER_SIZE + 8 * SNAPSHOT_RECORD_SIZE + SNAPSHOT_TRAILER_SIZE];
	static uint8_t forged[1 + 1 + 16 + 8 * SNAPSHOT_RECORD_SIZE + 64];
	struct engine_flow_record recs[8];
	struct config cfg;
	struct engine *e;
	uint64_t now = FUZZ_CLOCK_START;
	uint32_t cursor = 0;
	unsigned n;

	fuzz_config(&cfg, 64, 0);
	struct engine_params params = {.config = &cfg};
	if (engine_new(&params, now, &e) != 0)
		exit(1);
	run_steps(e, now);
	n = engine_export(e, &cursor, UINT32_MAX, recs, 8, now + 1000);
	engine_free(e);
	if (n != 4) {
		fprintf(stderr, "make_seeds: expected 4 flows, got %u\n", n);
		exit(1);
	}

	size_t len = fuzz_write_snapshot(snap, 1700000001000ull, recs, n);
	/* raw mode: mode byte 0x06 (64 flows), then the file */
	static uint8_t rawseed[1 + sizeof(snap)];
	rawseed[0] = 0x06;
	memcpy(rawseed + 1, snap, len);
	put("snapshot", "raw-4-flows", rawseed, len + 1);
	rawseed[0] = 0x00; /* 2 flows: -ENOSPC */
	put("snapshot", "raw-4-flows-table-2", rawseed, len + 1);
	len = fuzz_write_snapshot(snap, 5, NULL, 0);
	rawseed[0] = 0x02;
	memcpy(rawseed + 1, snap, len);
	put("snapshot", "raw-empty", rawseed, 1 + len);
	put("snapshot", "raw-truncated", rawseed, 1 + SNAPSHOT_HEADER_SIZE + 3);

	/* forging mode: records from the real flows, then a program of packets and expiry */
	for (unsigned variant = 0; variant < 3; variant++) {
		size_t k = 0;
		char name[32];

		forged[k++] =
			(uint8_t)(0x07 | (variant == 1 ? 0x18 : 0) | (variant == 2 ? 0x20 : 0));
		forged[k++] = (uint8_t)n;
		memset(forged + k, 0, 16);
		forged[k] = 0x42;
		k += 16;
		for (unsigned i = 0; i < n; i++) {
			struct snapshot_record sr = {.flow = recs[i]};
			struct snapshot_writer w2 = {0};
			snapshot_write_record(&w2, &sr, forged + k);
			k += SNAPSHOT_RECORD_SIZE;
		}
		/* two bytes that check the forged frame: truncation and bit flip */
		forged[k++] = 5;
		forged[k++] = 77;
		/* packets: sel (flow 1, endpoint 0), flags, deltas, window, length */
		static const uint8_t steps[][7] = {
			{0x04, 0x02, 0x10, 0, 0, 0x40, 10}, /* flow 1 client: data */
			{0x04, 0x03, 0x10, 0, 0, 0x40, 0},  /* server ack */
			{0x00, 0x06, 0x11, 0, 0, 0x40, 0},  /* flow 3 client FIN */
			{0x08, 0x01, 0x02, 0, 0, 0xff, 0},  /* flow 0: SYN again */
			{0x0c, 0x00, 0x04, 0, 0, 0, 0},	    /* flow 2: RST */
		};
		for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			memcpy(forged + k, steps[i], 7);
			k += 7;
		}
		forged[k++] = 0x03;	      /* export round trip */
		forged[k++] = 0x82 | 20 << 2; /* advance 2^19 ms, expire everything due */
		snprintf(name, sizeof(name), "forged-4-flows-%u", variant);
		put("snapshot", name, forged, k);
	}
	/* a forged record with impossible values */
	size_t k = 0;
	forged[k++] = 0x01;
	forged[k++] = 2;
	memset(forged + k, 0xff, 16 + 2 * SNAPSHOT_RECORD_SIZE);
	k += 16 + 2 * SNAPSHOT_RECORD_SIZE;
	put("snapshot", "forged-garbage-records", forged, k);
}

/* Live images (fuzz_snapshot's bit-6 mode): a full table XORed with the input, then steps. */
static void live_seeds(void)
{
	static uint8_t seed[1 + 64 * 128 + 64];
	size_t k;

	/* 8 flows as they were, 10 s down, then expiry and an export round trip */
	memset(seed, 0, sizeof(seed));
	seed[0] = 0x42;
	k = 1 + 8 * 128;
	seed[k++] = 10;
	seed[k++] = 0x03;
	seed[k++] = 0x82 | 20 << 2;
	put("snapshot", "live-8-flows", seed, k);
	/* one flow's state and one key's family flipped, the 64-flow table */
	memset(seed, 0, sizeof(seed));
	seed[0] = 0x46;
	seed[1 + 3 * 128 + 0x79] = 0x0f;
	seed[1 + 5 * 128 + 36] = 0x02;
	k = 1 + 64 * 128;
	seed[k++] = 1;
	seed[k++] = 0x00; /* a packet on the first resumed flow */
	memcpy(seed + k, (const uint8_t[]){0x00, 0x10, 0, 0, 0, 0x40, 0}, 7);
	k += 7;
	put("snapshot", "live-64-flows-flipped", seed, k);
	/* every byte of an 8-flow pool smeared */
	memset(seed, 0xa5, sizeof(seed));
	seed[0] = 0x42;
	put("snapshot", "live-8-garbage", seed, 1 + 8 * 128 + 1);
}

/* ---- pcapng ---- */

/* One input in fuzz_pcapng.c's format: the string, then data as the packet. */
static void pcapng_seed(const char *name, uint8_t mode, uint32_t snaplen, uint32_t caplen,
			uint32_t origlen, const char *str, size_t slen, const uint8_t *data,
			size_t dlen)
{
	static uint8_t seed[4096];
	const uint64_t ts_us = 1700000000123456ull;
	size_t k = 0;

	seed[k++] = mode;
	for (unsigned i = 0; i < 3; i++)
		seed[k++] = (uint8_t)(snaplen >> (8 * i));
	for (unsigned i = 0; i < 8; i++)
		seed[k++] = (uint8_t)(ts_us >> (8 * i));
	for (unsigned i = 0; i < 3; i++)
		seed[k++] = (uint8_t)(caplen >> (8 * i));
	for (unsigned i = 0; i < 4; i++)
		seed[k++] = (uint8_t)(origlen >> (8 * i));
	seed[k++] = (uint8_t)slen;
	seed[k++] = (uint8_t)(slen >> 8);
	memcpy(seed + k, str, slen);
	k += slen;
	memcpy(seed + k, data, dlen);
	put("pcapng", name, seed, k + dlen);
}

/* Modes: bits 0-1 linktype, 2 userappl, 3 if_name, 4 big data, 5 NULL data, 6 raw snaplen,
 * 7 raw origlen. Snaplens here are taken as is (bit 6) unless refused on purpose. */
static void pcapng_seeds(void)
{
	static char lng[1100];
	uint8_t buf[200];
	size_t len4 = syn(4, buf), len6;
	uint8_t v6[200];

	len6 = syn(6, v6);
	pcapng_seed("raw-v4-comment", 0x4d, 65535, (uint32_t)len4, (uint32_t)len4, "tcp_bad_flags",
		    13, buf, len4);
	pcapng_seed("raw-v6-odd-none", 0xc1, 65535, (uint32_t)len6 - 1, 1500, "", 0, v6, len6);
	pcapng_seed("cut-to-snaplen", 0xc1, 40, (uint32_t)len6, (uint32_t)len6, "window", 6, v6,
		    len6);
	pcapng_seed("caplen-over-origlen", 0xc1, 65535, (uint32_t)len4, 20, "short", 5, buf, len4);
	pcapng_seed("nul-in-comment", 0xc0, 65535, 0, 0, "ab\0cd", 5, buf, 0);
	/* UTF-8 characters across the cut: U+2260 (3 bytes) one back, U+1F600 (4 bytes) three */
	memset(lng, 'a', sizeof(lng));
	memcpy(lng + PCAPNG_STRING_MAX - 1, "\xe2\x89\xa0", 3);
	pcapng_seed("long-utf8-3", 0xc5, 65535, 8, 8, lng, sizeof(lng), buf, 8);
	memset(lng, 'a', sizeof(lng));
	memcpy(lng + PCAPNG_STRING_MAX - 3, "\xf0\x9f\x98\x80", 4);
	pcapng_seed("long-utf8-4", 0xc1, 65535, 8, 8, lng, sizeof(lng), buf, 8);
	pcapng_seed("big-snaplen", 0xd1, PCAPNG_SNAPLEN_MAX, PCAPNG_SNAPLEN_MAX, 0x7fffffff, "big",
		    3, buf, 0);
	pcapng_seed("null-data", 0xe1, 65535, 0, 0, "none", 4, buf, 0);
	pcapng_seed("refused-snaplen-0", 0xc1, 0, 0, 0, "", 0, buf, 0);
	pcapng_seed("derived-fields", 0x00, 0, 0, 0, "", 0, buf, len4);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_ROOT (tests/fuzz/corpus)\n", argv[0]);
		return 2;
	}
	root = argv[1];
	mkdir(root, 0755);
	packet_seeds();
	engine_seeds();
	config_seeds();
	ctl_seeds();
	snapshot_seeds();
	live_seeds();
	pcapng_seeds();
	nfqueue_seeds();
	sync_seeds();
	printf("make_seeds: %u files under %s\n", n_written, root);
	return 0;
}
