/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fastpath_blob - the BPF object built into tcpfwd (fastpath_blob.c). */
#ifndef TCPFW_FASTPATH_BLOB_H
#define TCPFW_FASTPATH_BLOB_H

#include <stddef.h>

extern const unsigned char fastpath_blob_start[];

/* Its length in bytes. */
size_t fastpath_blob_size(void);

#endif /* TCPFW_FASTPATH_BLOB_H */
