// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine_filter_match() with address prefixes: every boundary that a word-wise compare can get
 * wrong (/0, /1, /31, /32 for IPv4; /63, /64, /65, /127, /128 for IPv6), host bits past the
 * prefix, lengths past the family's, a family mismatch, and both addresses with the other
 * fields. Then a differential run against a naive bit-by-bit reference: random pairs that
 * differ in one bit, at every length; the seed comes from TCPFW_SEED and is printed on failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "tcp_track.h"

static void addr(uint8_t family, const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, text, out) != 1)
		fail_msg("bad address in the test: %s", text);
}

static struct engine_flow_info flow(uint8_t family, const char *src, const char *dst)
{
	struct engine_flow_info f;

	memset(&f, 0, sizeof(f));
	f.family = family;
	f.state = TCP_TRACK_ESTABLISHED;
	addr(family, src, f.src);
	addr(family, dst, f.dst);
	f.sport = 40000;
	f.dport = 80;
	return f;
}

/* A filter on one address (dst when `dst`), of the family, prefix text/plen. */
static struct engine_filter one(uint8_t family, bool dst, const char *text, uint8_t plen)
{
	struct engine_filter f;

	memset(&f, 0, sizeof(f));
	f.family = family;
	if (dst) {
		f.has_dst = true;
		f.dst_plen = plen;
		addr(family, text, f.dst);
	} else {
		f.has_src = true;
		f.src_plen = plen;
		addr(family, text, f.src);
	}
	return f;
}

static void test_prefix_boundaries(void **state)
{
	static const struct {
		uint8_t family;
		const char *prefix;
		uint8_t plen;
		const char *host;
		bool match;
	} cases[] = {
		{4, "0.0.0.0", 0, "255.255.255.255", true},
		{4, "203.0.113.9", 0, "10.0.0.1", true}, /* /0: host bits ignored */
		{4, "128.0.0.0", 1, "128.0.0.1", true},
		{4, "128.0.0.0", 1, "255.255.255.255", true},
		{4, "128.0.0.0", 1, "127.255.255.255", false},
		{4, "10.0.0.0", 8, "10.255.255.255", true},
		{4, "10.0.0.0", 8, "11.0.0.0", false},
		{4, "10.0.0.0", 8, "9.255.255.255", false},
		{4, "10.1.2.3", 8, "10.9.9.9", true}, /* host bits in the filter */
		{4, "192.0.2.128", 25, "192.0.2.255", true},
		{4, "192.0.2.128", 25, "192.0.2.127", false},
		{4, "192.0.2.2", 31, "192.0.2.3", true},
		{4, "192.0.2.2", 31, "192.0.2.1", false},
		{4, "192.0.2.2", 31, "192.0.2.4", false},
		{4, "192.0.2.2", 32, "192.0.2.2", true},
		{4, "192.0.2.2", 32, "192.0.2.3", false},
		{4, "192.0.2.2", 33, "192.0.2.3", false}, /* past 32: the whole address */
		{4, "192.0.2.2", 128, "192.0.2.2", true},
		{4, "192.0.2.2", 255, "192.0.2.2", true},
		{6, "::", 0, "ffff:ffff::1", true},
		{6, "8000::", 1, "8000::1", true},
		{6, "8000::", 1, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
		{6, "2001:db8::", 32, "2001:db8:ffff::1", true},
		{6, "2001:db8::1", 32, "2001:db8:1::", true},
		{6, "2001:db8::", 32, "2001:db9::", false},
		{6, "2001:db8:1::", 63, "2001:db8:1:1::", true},
		{6, "2001:db8:1::", 63, "2001:db8:1:2::", false},
		{6, "2001:db8:1::", 64, "2001:db8:1:0:ffff:ffff:ffff:ffff", true},
		{6, "2001:db8:1::", 64, "2001:db8:1:1::", false},
		{6, "2001:db8:1::", 65, "2001:db8:1:0:7fff:ffff:ffff:ffff", true},
		{6, "2001:db8:1::", 65, "2001:db8:1:0:8000::", false},
		{6, "2001:db8::2", 127, "2001:db8::3", true},
		{6, "2001:db8::2", 127, "2001:db8::4", false},
		{6, "2001:db8::2", 127, "2001:db8::1", false},
		{6, "2001:db8::2", 128, "2001:db8::2", true},
		{6, "2001:db8::2", 128, "2001:db8::3", false},
		{6, "2001:db8::2", 200, "2001:db8::3", false},
		{6, "2001:db8::2", 200, "2001:db8::2", true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t fam = cases[i].family;
		const char *other = fam == 4 ? "198.51.100.7" : "2001:db8:ffff::7";
		struct engine_flow_info as_src = flow(fam, cases[i].host, other);
		struct engine_flow_info as_dst = flow(fam, other, cases[i].host);
		struct engine_filter s = one(fam, false, cases[i].prefix, cases[i].plen);
		struct engine_filter d = one(fam, true, cases[i].prefix, cases[i].plen);

		if (engine_filter_match(&s, &as_src) != cases[i].match ||
		    engine_filter_match(&d, &as_dst) != cases[i].match)
			fail_msg("%s/%u against %s: want %s", cases[i].prefix, cases[i].plen,
				 cases[i].host, cases[i].match ? "a match" : "none");
	}
}

static void test_prefix_family_and_fields(void **state)
{
	struct engine_flow_info v4 = flow(4, "10.1.1.1", "192.0.2.1");
	struct engine_flow_info v6 = flow(6, "a00::1", "2001:db8::1"); /* starts with 10 too */
	struct engine_filter f;

	(void)state;
	f = one(4, false, "10.0.0.0", 8);
	assert_true(engine_filter_match(&f, &v4));
	assert_false(engine_filter_match(&f, &v6));
	f = one(4, false, "0.0.0.0", 0);
	assert_true(engine_filter_match(&f, &v4));
	assert_false(engine_filter_match(&f, &v6)); /* /0 is the whole family, no more */
	f = one(6, true, "::", 0);
	assert_true(engine_filter_match(&f, &v6));
	assert_false(engine_filter_match(&f, &v4));

	/* both addresses: each must match */
	f = one(4, false, "10.0.0.0", 8);
	f.has_dst = true;
	f.dst_plen = 24;
	addr(4, "192.0.2.0", f.dst);
	assert_true(engine_filter_match(&f, &v4));
	addr(4, "192.0.3.0", f.dst);
	assert_false(engine_filter_match(&f, &v4));
	f.dst_plen = 22;
	assert_true(engine_filter_match(&f, &v4));

	/* the other fields still apply */
	f = one(4, false, "10.0.0.0", 8);
	f.dport = 80;
	f.state_mask = 1u << TCP_TRACK_ESTABLISHED;
	assert_true(engine_filter_match(&f, &v4));
	f.dport = 81;
	assert_false(engine_filter_match(&f, &v4));
	f.dport = 80;
	f.state_mask = 1u << TCP_TRACK_TIME_WAIT;
	assert_false(engine_filter_match(&f, &v4));
}

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* The naive reference: bit by bit, most significant first. */
static bool ref_match(const uint8_t *a, const uint8_t *b, unsigned plen, unsigned abits)
{
	for (unsigned i = 0; i < plen && i < abits; i++)
		if (((a[i / 8] >> (7 - i % 8)) ^ (b[i / 8] >> (7 - i % 8))) & 1)
			return false;
	return true;
}

static void test_prefix_differential(void **state)
{
	const char *env = getenv("TCPFW_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x70726566;

	(void)state;
	rng = seed | 1;
	for (unsigned round = 0; round < 20000; round++) {
		uint8_t fam = round % 2 ? 6 : 4;
		unsigned abits = fam == 4 ? 32 : 128;
		struct engine_flow_info fl;
		struct engine_filter f;

		memset(&fl, 0, sizeof(fl));
		memset(&f, 0, sizeof(f));
		fl.family = f.family = fam;
		f.has_src = true;
		f.src_plen = (uint8_t)(rnd() % (abits + 4));
		for (unsigned i = 0; i < abits / 8; i++)
			fl.src[i] = f.src[i] = (uint8_t)rnd();
		if (rnd() % 8) { /* usually one bit apart, near the prefix's end */
			unsigned bit = (f.src_plen + rnd() % 5 + abits - 2) % abits;

			fl.src[bit / 8] ^= (uint8_t)(0x80 >> bit % 8);
		} else {
			for (unsigned i = 0; i < abits / 8; i++)
				fl.src[i] = (uint8_t)rnd();
		}
		if (engine_filter_match(&f, &fl) != ref_match(f.src, fl.src, f.src_plen, abits))
			fail_msg("IPv%u /%u disagrees with the reference in round %u "
				 "(TCPFW_SEED=%#llx)",
				 fam, f.src_plen, round, (unsigned long long)seed);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_boundaries),
		cmocka_unit_test(test_prefix_family_and_fields),
		cmocka_unit_test(test_prefix_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
