// SPDX-License-Identifier: GPL-2.0-or-later
#include "region.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define REGION_HUGE (2u << 20) /* a transparent huge page on x86-64 and arm64 */

void *region_alloc(struct region *r, size_t bytes)
{
	if (bytes < REGION_HUGE) {
		r->len = 0;
		r->base = calloc(1, bytes);
		return r->base;
	}
	size_t len = bytes + REGION_HUGE;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED) {
		r->base = NULL;
		return NULL;
	}
	r->base = m;
	r->len = len;
	uint8_t *start =
		(uint8_t *)(((uintptr_t)m + REGION_HUGE - 1) & ~(uintptr_t)(REGION_HUGE - 1));
	(void)madvise(start, bytes, MADV_HUGEPAGE);
	return start;
}

void region_free(struct region *r)
{
	if (r->len)
		munmap(r->base, r->len);
	else
		free(r->base);
	r->base = NULL;
	r->len = 0;
}
