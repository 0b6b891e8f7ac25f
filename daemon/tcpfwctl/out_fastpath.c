// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What tcpfwctl prints about the in-kernel fast path (see output.h): the Fast path section of
 * stats. Nothing for a daemon whose fast path is off.
 */
#include <inttypes.h>
#include <stdio.h>

#include "output.h"

#define FP_NUM "  %-28s %" PRIu64 "\n"

void out_fastpath_stats(const struct out_opts *o, const struct ctl_fastpath *f)
{
	char label[64];

	if (!f->enabled)
		return;
	puts("Fast path");
	printf(FP_NUM, "flows handed over now", (uint64_t)f->flows);
	printf(FP_NUM, "segments accepted in kernel", f->accepted);
	printf(FP_NUM, "segments of flows held here", f->queued);
	printf(FP_NUM, "handovers", f->handovers);
	printf(FP_NUM, "imports into the table", f->imports);
	for (unsigned i = 0; i < _CTL_FP_RET_MAX; i++) {
		if (!f->returned[i] && !o->extended)
			continue;
		snprintf(label, sizeof(label), "returned: %s", ctl_fastpath_return_name(i));
		printf(FP_NUM, label, f->returned[i]);
	}
	if (o->extended || f->busy || f->unparsed || f->reclaims || f->full) {
		printf(FP_NUM, "slot busy, queued", f->busy);
		printf(FP_NUM, "not parsed, queued", f->unparsed);
		printf(FP_NUM, "taken back unreturned", f->reclaims);
		printf(FP_NUM, "kept back (full)", f->full);
	}
}
