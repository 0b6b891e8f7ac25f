// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The BPF object (bpf/fastpath.bpf.c, compiled by clang -target bpf), built into tcpfwd so that
 * the program it loads is always the one it was built with. The Makefile passes its path.
 */
#include <stddef.h>
#include <stdint.h>

#include "fastpath_blob.h"

__asm__(".section .rodata\n"
	".balign 8\n"
	".global fastpath_blob_start\n"
	"fastpath_blob_start:\n"
	".incbin \"" TCPFW_FASTPATH_OBJ "\"\n"
	".global fastpath_blob_end\n"
	"fastpath_blob_end:\n"
	".previous\n");

extern const unsigned char fastpath_blob_end[];

size_t fastpath_blob_size(void)
{
	/* two symbols of one section, compared as addresses */
	return (size_t)((uintptr_t)fastpath_blob_end - (uintptr_t)fastpath_blob_start);
}
