/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * live_image - the layout of the live flow table file (flows.live): a header, then one engine
 * image (engine.h, "live state") per queue. Pure: the daemon maps the file; this module says
 * where each part lies and whether a file found at start fits this configuration and this boot.
 *
 * Layout, in the machine's own byte order (the file never leaves the machine, nor the boot):
 *   0      file header, 64 bytes: magic "TCPFWLIV" (written last), u32 version, u32 queue
 *          num, u32 queue count, u32 zero, u64 file size, 16-byte boot id, zeros
 *   4096   the engines' image headers, ENGINE_IMAGE_HEADER_SIZE bytes per queue in queue order
 *   2 MiB  the flow pools, one per queue, each on a 2 MiB boundary, so that huge pages can back
 *          them where shared memory gets them
 * The daemon reserves the whole file's memory when it makes it (see daemon/tcpfwd/live.h).
 */
#ifndef TCPFW_LIVE_IMAGE_H
#define TCPFW_LIVE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define LIVE_IMAGE_VERSION     1
#define LIVE_IMAGE_ALIGN       (UINT32_C(2) << 20)
#define LIVE_IMAGE_HEADER_SIZE 64

/* The file's size for cfg (its queue count and table), or 0 when cfg's table is out of range. */
size_t live_image_size(const struct config *cfg);

/* Where queue i's (0 .. queue.count - 1) engine image header and flow pool start. */
size_t live_image_engine_offset(unsigned i);
size_t live_image_pool_offset(const struct config *cfg, unsigned i);

/*
 * Writes the file header of a new image for cfg, made in the boot boot_id, into the first
 * LIVE_IMAGE_HEADER_SIZE bytes of buf; the magic goes last. The engines write their own.
 */
void live_image_init(void *buf, const struct config *cfg, const uint8_t boot_id[16]);

/*
 * Whether the len bytes at buf are an image a daemon with cfg can resume in boot boot_id at
 * now_ms (its monotonic clock): 0, or -ENODATA (never completed), -EPROTO (another version
 * or layout), -ERANGE (another queue range or table size), -ESTALE (another boot), -ETIME (a
 * clock that went back), -EBADMSG (a size that does not match).
 */
int live_image_check(const void *buf, size_t len, const struct config *cfg,
		     const uint8_t boot_id[16], uint64_t now_ms);

/* Why live_image_check() refused an image, in words for a log line. */
const char *live_image_strerror(int err);

#endif /* TCPFW_LIVE_IMAGE_H */
