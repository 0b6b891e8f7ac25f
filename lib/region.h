/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * region - zeroed memory for large arrays that are touched at random, one or two lines at a
 * time (the flow pool, the hash buckets, per-flow counters).
 *
 * With 4 KiB pages nearly every such access also misses the TLB (a 1M-flow pool spans 32768
 * pages), so a region of 2 MiB or more is mapped 2 MiB-aligned and offered to transparent huge
 * pages (MADV_HUGEPAGE works even when THP is "madvise" only; where THP is off it is a harmless
 * no-op). Smaller ones come from calloc. Pages are backed only when first touched either way, so
 * an idle region costs nothing.
 */
#ifndef TCPFW_REGION_H
#define TCPFW_REGION_H

#include <stddef.h>

struct region {
	void *base; /* what calloc or mmap returned */
	size_t len; /* mapped length; 0 for calloc */
};

/* Returns `bytes` zeroed bytes (at least 8-aligned; 2 MiB-aligned when large), or NULL. *r
 * records how to free them. */
void *region_alloc(struct region *r, size_t bytes);

/* Frees what region_alloc() returned and empties *r; an empty region is a no-op. */
void region_free(struct region *r);

#endif /* TCPFW_REGION_H */
