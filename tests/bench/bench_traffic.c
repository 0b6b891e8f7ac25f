// SPDX-License-Identifier: GPL-2.0-or-later
/* engine_bench's traffic: see bench_traffic.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_traffic.h"
#include "../unit/pktbuild.h"

#define CHURN_PKTS 10	/* packets per churn connection */
#define CHURN_LIVE 1024 /* churn connections in flight at once */
#define REQ_LEN	   300
#define RESP_LEN   1448

/* ---- pre-built packets ---- */

void die(const char *what)
{
	fprintf(stderr, "engine_bench: %s\n", what);
	exit(2);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("out of memory");
	return p;
}

void pktset_init(struct pktset *s, size_t max, uint8_t family)
{
	s->stride = family == 6 ? 96 : 64;
	s->bytes = xcalloc(max, s->stride);
	s->cap = xcalloc(max, sizeof(*s->cap));
	s->len = xcalloc(max, sizeof(*s->len));
	s->n = 0;
	s->max = max;
}

void pktset_free(struct pktset *s)
{
	free(s->bytes);
	free(s->cap);
	free(s->len);
	memset(s, 0, sizeof(*s));
}

static void pktset_add(struct pktset *s, const struct pktbuild *b)
{
	uint8_t buf[2048];
	size_t len = pktbuild_write(b, buf, sizeof(buf)), off, hdr;

	if (!len || s->n >= s->max)
		die("pktbuild_write failed or packet set full");
	off = pktbuild_tcp_offset(buf);
	hdr = off + (size_t)(buf[off + 12] >> 4) * 4;
	if (hdr > s->stride)
		die("headers longer than the stride");
	memcpy(s->bytes + s->n * s->stride, buf, hdr);
	s->cap[s->n] = (uint16_t)hdr;
	s->len[s->n] = (uint16_t)len;
	s->n++;
}

/* ---- traffic ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull); /* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* One connection: endpoint 0 is the client, 1 the server; seq is each side's next sequence. */
struct conn {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint32_t seq[2];
	uint32_t ts[2];
	uint8_t family;
};

static void put_index(uint8_t *a, uint8_t family, uint32_t prefix, uint32_t i)
{
	memset(a, 0, 16);
	if (family == 4) {
		i += prefix;
	} else {
		a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8, a[5] = (uint8_t)(prefix >> 24);
	}
	uint8_t *p = family == 4 ? a : a + 12;
	p[0] = (uint8_t)(i >> 24), p[1] = (uint8_t)(i >> 16), p[2] = (uint8_t)(i >> 8),
	p[3] = (uint8_t)i;
}

/* Client i: a distinct address (10.0.0.0 + i, or 2001:db8:0:a::i) to one of 16 servers. */
static void conn_init(struct conn *c, uint8_t family, uint32_t prefix, uint32_t i)
{
	memset(c, 0, sizeof(*c));
	c->family = family;
	put_index(c->addr[0], family, prefix, i);
	put_index(c->addr[1], family, 0xc6336400u, 1 + (i & 15)); /* 198.51.100.x */
	c->port[0] = (uint16_t)(32768 + rng() % 28232);
	c->port[1] = 443;
	c->seq[0] = (uint32_t)rng();
	c->seq[1] = (uint32_t)rng();
	c->ts[0] = (uint32_t)rng();
	c->ts[1] = (uint32_t)rng();
}

/* Adds the next segment from endpoint `dir`, Linux-like: timestamps everywhere, full options on
 * SYNs, window 502 << 7 afterwards, ACK of everything the peer sent.
 */
static void conn_send(struct pktset *s, struct conn *c, unsigned dir, uint8_t flags, uint32_t len)
{
	struct pktbuild b;

	pktbuild_init(&b, c->family);
	memcpy(b.saddr, c->addr[dir], 16);
	memcpy(b.daddr, c->addr[!dir], 16);
	b.sport = c->port[dir];
	b.dport = c->port[!dir];
	b.seq = c->seq[dir];
	b.ack = flags & TCP_FLAG_ACK ? c->seq[!dir] : 0;
	b.flags = flags;
	b.payload_len = len;
	b.window = 502;
	b.ts = true;
	b.tsval = ++c->ts[dir];
	b.tsecr = flags == TCP_FLAG_SYN ? 0 : c->ts[!dir];
	if (flags & TCP_FLAG_SYN) {
		b.window = 64240;
		b.mss = 1460;
		b.sack_perm = true;
		b.wscale = 7;
	}
	pktset_add(s, &b);
	c->seq[dir] += len + !!(flags & TCP_FLAG_SYN) + !!(flags & TCP_FLAG_FIN);
}

static void conn_handshake(struct pktset *s, struct conn *c, unsigned step)
{
	static const uint8_t f[3] = {TCP_FLAG_SYN, TCP_FLAG_SYN | TCP_FLAG_ACK, TCP_FLAG_ACK};

	conn_send(s, c, step == 1, f[step], 0);
}

/* Step k (0..CHURN_PKTS-1) of a short connection: handshake, request, response, close. */
static void churn_step(struct pktset *s, struct conn *c, unsigned k)
{
	const uint8_t A = TCP_FLAG_ACK, PA = TCP_FLAG_PSH | TCP_FLAG_ACK, FA = TCP_FLAG_FIN | A;

	switch (k) {
	case 0 ... 2:
		conn_handshake(s, c, k);
		break;
	case 3:
		conn_send(s, c, 0, PA, REQ_LEN);
		break;
	case 4:
		conn_send(s, c, 1, A, RESP_LEN);
		break;
	case 5:
		conn_send(s, c, 1, PA, RESP_LEN);
		break;
	case 7:
		conn_send(s, c, 0, FA, 0);
		break;
	case 8:
		conn_send(s, c, 1, FA, 0);
		break;
	default: /* 6 and 9 */
		conn_send(s, c, 0, A, 0);
		break;
	}
}

/* n connections, at most CHURN_LIVE in flight, the next packet from a random live one. */
void gen_churn(struct pktset *s, uint8_t family, uint32_t n)
{
	uint32_t live = n < CHURN_LIVE ? n : CHURN_LIVE, next = 0;
	struct conn *c = xcalloc(live, sizeof(*c));
	uint8_t *step = xcalloc(live, 1);

	pktset_init(s, (size_t)n * CHURN_PKTS, family);
	for (; next < live; next++)
		conn_init(&c[next], family, 0x0a000000u, next);
	while (live) {
		uint32_t j = (uint32_t)(rng() % live);

		churn_step(s, &c[j], step[j]++);
		if (step[j] < CHURN_PKTS)
			continue;
		if (next < n) {
			conn_init(&c[j], family, 0x0a000000u, next++);
			step[j] = 0;
		} else {
			c[j] = c[--live];
			step[j] = step[live];
		}
	}
	free(c);
	free(step);
}

/* n flows set up in `setup`; then `rounds` rounds in `data`, each a random permutation of the
 * flows, one data segment per flow: client 300 B on even rounds, server 1448 B on odd ones.
 */
void gen_est(struct pktset *setup, struct pktset *data, uint8_t family, uint32_t n, unsigned rounds)
{
	struct conn *c = xcalloc(n, sizeof(*c));
	uint32_t *perm = xcalloc(n, sizeof(*perm));

	pktset_init(setup, (size_t)n * 3, family);
	pktset_init(data, (size_t)n * rounds, family);
	for (uint32_t i = 0; i < n; i++) {
		conn_init(&c[i], family, 0x0a000000u, i);
		for (unsigned k = 0; k < 3; k++)
			conn_handshake(setup, &c[i], k);
		perm[i] = i;
	}
	for (unsigned r = 0; r < rounds; r++) {
		for (uint32_t i = n - 1; i > 0; i--) {
			uint32_t j = (uint32_t)(rng() % (i + 1)), t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		for (uint32_t i = 0; i < n; i++)
			conn_send(data, &c[perm[i]], r & 1, TCP_FLAG_PSH | TCP_FLAG_ACK,
				  r & 1 ? RESP_LEN : REQ_LEN);
	}
	free(c);
	free(perm);
}

/* n SYNs (MSS option only, as flood tools send) from distinct spoofed sources to one server. */
void gen_flood(struct pktset *s, uint32_t n)
{
	pktset_init(s, n, 4);
	for (uint32_t i = 0; i < n; i++) {
		struct pktbuild b;

		pktbuild_init(&b, 4);
		put_index(b.saddr, 4, 0x64400000u, i); /* 100.64.0.0 + i */
		b.sport = (uint16_t)(1024 + rng() % 64512);
		b.dport = 80;
		b.seq = (uint32_t)rng();
		b.ack = 0;
		b.flags = TCP_FLAG_SYN;
		b.window = 512;
		b.mss = 1460;
		pktset_add(s, &b);
	}
}
