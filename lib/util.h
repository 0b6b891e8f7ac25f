/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util - lib-wide macros only: array sizes, container_of, branch hints. No functions, no state.
 */
#ifndef TCPFW_UTIL_H
#define TCPFW_UTIL_H

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* table[i] from a designated-initializer name table, or "unknown" when i is out of range. */
#define NAME_OR_UNKNOWN(table, i)                                                                  \
	((unsigned)(i) < ARRAY_SIZE(table) && (table)[i] ? (table)[i] : "unknown")

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
/* keeps a rarely taken path out of its caller, so that it costs the common one nothing */
#define noinline __attribute__((noinline))

/*
 * Keeps the compiler from moving memory accesses across it. Enough to order a thread's own
 * stores as seen after the thread dies (a signal stops it between two instructions), which is
 * all a table that outlives the process needs; it orders nothing between threads.
 */
#define compiler_barrier() __asm__ __volatile__("" ::: "memory")

#endif /* TCPFW_UTIL_H */
