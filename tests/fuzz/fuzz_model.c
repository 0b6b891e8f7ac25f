// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_model - the differential receiver model (tests/model) steered by the fuzzer: the first
 * 8 bytes of the input seed a model_conv conversation (a legitimate exchange between two
 * reference Linux endpoints, with bogus segments injected from either side), and every later
 * byte is mixed into its choices, one a draw. After every segment model_judge's rule must hold:
 * a segment the receiver discards, where the firewall can know the receiver, moves nothing in
 * the tracker, and no legitimate segment is INVALID. Any break aborts with the seed and step.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../model/model_conv.h"
#include "../model/model_judge.h"
#include "fuzz_common.h"

#define MAX_STEPS 2000

static void judge(struct model_conv *c, const struct model_conv_event *e)
{
	struct model_judge *j = c->ctx;
	char diff[512];
	enum model_judge_verdict v = model_judge(j, c, e, diff, sizeof(diff), NULL);

	if (v == MODEL_JUDGE_MOVED || v == MODEL_JUDGE_LEGIT_INVALID) {
		fprintf(stderr,
			"fuzz_model: seed %llu step %lu: %s %s segment, tracker %s/%s%s%s\n",
			(unsigned long long)c->seed, c->step,
			v == MODEL_JUDGE_MOVED ? "discarded" : "INVALID",
			e->legit ? "legitimate" : "injected",
			tcp_track_verdict_name((enum tcp_track_verdict)e->res->verdict),
			reason_name((enum reason)e->res->reason), diff[0] ? ": moved " : "", diff);
		CHECK(!"the tracker broke the receiver model's rule");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model_conv c;
	static struct model_conv_counts n;
	struct model_judge j = {0};
	uint64_t seed = 0;
	size_t k = size < 8 ? size : 8;

	for (size_t i = 0; i < k; i++)
		seed = seed << 8 | data[i];
	model_conv_run(&c, seed, data + k, size - k, MAX_STEPS, judge, &j, &n);
	return 0;
}
