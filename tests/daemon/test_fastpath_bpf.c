// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The BPF fast path against the tracker: the program tcpfwd loads, run with BPF_PROG_TEST_RUN
 * on random segments of random established flows (fp_gen.h), must agree with
 * tcp_track_packet() on the same bytes: what it accepts, the flow it leaves, the timer class,
 * and the slot protocol of lib/fastpath_map.h. Needs root (it loads a BPF program); skipped
 * otherwise, and where the kernel refuses the program, unless TCPFW_REQUIRE_BPF=1 (make
 * check sets it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fp_bpf_judge.h"

#define FLOWS	 5000
#define SEGMENTS 30

static struct fastpath *fp;

static int setup(void **state)
{
	char err[256];

	(void)state;
	if (geteuid() != 0)
		return 0;
	int r = fp_bpf_open(&fp, err, sizeof(err));
	const char *need = getenv("TCPFW_REQUIRE_BPF");

	if (r < 0)
		print_error("fastpath: %s\n", err);
	/* a package build may run as root where BPF is not allowed: make check requires it */
	if (r < 0 && !(need && !strcmp(need, "1")))
		return 0;
	return r < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	fastpath_close(fp);
	return 0;
}

static void random_segments_agree(void **state)
{
	uint64_t seed = 0x7466b9f0;
	struct fp_rand r = {fp_xorshift, &seed};
	static struct fp_flow f;
	static struct fp_segment s;
	unsigned accepted = 0, deferred = 0, csum = 0;

	(void)state;
	if (!fp)
		skip();
	for (int i = 0; i < FLOWS; i++) {
		if (!fp_gen_flow(&r, &f))
			continue;
		fp_bpf_flow(fp, &f);
		for (int k = 0; k < SEGMENTS && tcp_fast_eligible(&f.t); k++) {
			struct fp_fast_out out;

			/* past 2048 bytes the program cannot sum an unverified segment itself */
			fp_gen_segment(&r, &f, k % 10 ? 1400 : 3000, &s);
			if (!s.len)
				continue;
			const char *why = fp_bpf_judge(fp, &f, &s, &out);

			if (!why)
				why = fp_compare(&f, &s, &out, true);
			if (why)
				fail_msg("flow %d segment %d: %s", i, k, why);
			accepted += out.accepted;
			deferred += !out.accepted;
			csum += s.bad_sum;
		}
	}
	uint64_t st[_FASTPATH_STAT_MAX];

	fastpath_stats(fp, st);
	print_message("fastpath: %u accepted, %u deferred (%u bad sums); program counted %llu "
		      "accepted, %llu returned for its sum\n",
		      accepted, deferred, csum, (unsigned long long)st[FASTPATH_STAT_ACCEPT],
		      (unsigned long long)st[FASTPATH_STAT_CSUM]);
	assert_true(accepted > 5000);
	assert_int_equal(st[FASTPATH_STAT_ACCEPT], accepted);
	assert_true(st[FASTPATH_STAT_CSUM] >= csum);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_segments_agree),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
