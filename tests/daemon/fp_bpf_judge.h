/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fp_bpf_judge - runs the fast path's BPF program (as tcpfwd loads it, through fastpath.c) on
 * one segment with BPF_PROG_TEST_RUN, for tests/daemon/test_fastpath_bpf.c and the fuzz
 * harness tests/fuzz/fuzz_fastpath.c. The flow sits in slot 0, handed over.
 */
#ifndef TCPFW_FP_BPF_JUDGE_H
#define TCPFW_FP_BPF_JUDGE_H

#include "fastpath.h"
#include "fp_gen.h"

#define FP_BPF_MARK 0x10000000u

/* Loads the program (0), or -errno with why in err; root only. */
int fp_bpf_open(struct fastpath **fp, char *err, size_t len);

/* Maps the flow's two directions to slot 0, dropping the previous flow's. */
void fp_bpf_flow(struct fastpath *fp, const struct fp_flow *f);

/*
 * Runs s through the program with f handed over in slot 0; fills *out. Returns NULL, or what
 * broke the slot protocol (lib/fastpath_map.h): an accepted segment leaves the slot FAST with
 * gen 1 and the segment counted; any other leaves it USER with one segment in flight.
 */
const char *fp_bpf_judge(struct fastpath *fp, const struct fp_flow *f, const struct fp_segment *s,
			 struct fp_fast_out *out);

#endif /* TCPFW_FP_BPF_JUDGE_H */
