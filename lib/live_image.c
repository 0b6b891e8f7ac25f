// SPDX-License-Identifier: GPL-2.0-or-later
#include "live_image.h"

#include <errno.h>
#include <string.h>

#include "engine.h"
#include "util.h"

#define LIVE_IMAGE_ENGINES 4096 /* offset of the first engine image header */

static const uint8_t live_magic[8] = {'T', 'C', 'P', 'F', 'W', 'L', 'I', 'V'};

struct live_header {
	uint8_t magic[8];
	uint32_t version;
	uint32_t queue_num;
	uint32_t queue_count;
	uint32_t zero;
	uint64_t size;
	uint8_t boot_id[16];
	uint8_t reserved[16];
};

_Static_assert(sizeof(struct live_header) == LIVE_IMAGE_HEADER_SIZE, "live header size");
_Static_assert(LIVE_IMAGE_ENGINES + 64 * ENGINE_IMAGE_HEADER_SIZE <= LIVE_IMAGE_ALIGN,
	       "64 queues' engine headers fit before the first pool");

static size_t pool_span(const struct config *cfg)
{
	size_t pool = engine_image_pool_size(cfg);

	return (pool + LIVE_IMAGE_ALIGN - 1) & ~(size_t)(LIVE_IMAGE_ALIGN - 1);
}

size_t live_image_size(const struct config *cfg)
{
	size_t span = pool_span(cfg), size;

	if (!engine_image_pool_size(cfg) ||
	    __builtin_mul_overflow(span, (size_t)cfg->queue.count, &size) ||
	    __builtin_add_overflow(size, (size_t)LIVE_IMAGE_ALIGN, &size))
		return 0;
	return size;
}

size_t live_image_engine_offset(unsigned i)
{
	return LIVE_IMAGE_ENGINES + (size_t)i * ENGINE_IMAGE_HEADER_SIZE;
}

size_t live_image_pool_offset(const struct config *cfg, unsigned i)
{
	return LIVE_IMAGE_ALIGN + (size_t)i * pool_span(cfg);
}

void live_image_init(void *buf, const struct config *cfg, const uint8_t boot_id[16])
{
	struct live_header *h = buf;

	memset(h->magic, 0, sizeof(h->magic));
	compiler_barrier();
	*h = (struct live_header){
		.version = LIVE_IMAGE_VERSION,
		.queue_num = cfg->queue.num,
		.queue_count = cfg->queue.count,
		.size = live_image_size(cfg),
	};
	memcpy(h->boot_id, boot_id, sizeof(h->boot_id));
	compiler_barrier();
	memcpy(h->magic, live_magic, sizeof(h->magic));
}

int live_image_check(const void *buf, size_t len, const struct config *cfg,
		     const uint8_t boot_id[16], uint64_t now_ms)
{
	const struct live_header *h = buf;

	if (len < LIVE_IMAGE_ALIGN || memcmp(h->magic, live_magic, sizeof(h->magic)) != 0)
		return len < LIVE_IMAGE_HEADER_SIZE ? -EBADMSG : -ENODATA;
	if (h->version != LIVE_IMAGE_VERSION)
		return -EPROTO;
	if (memcmp(h->boot_id, boot_id, sizeof(h->boot_id)) != 0)
		return -ESTALE;
	if (h->queue_num != cfg->queue.num || h->queue_count != cfg->queue.count)
		return -ERANGE;
	if (h->size != len)
		return -EBADMSG;
	if (h->size != live_image_size(cfg))
		return -ERANGE;
	for (unsigned i = 0; i < cfg->queue.count; i++) {
		int r = engine_image_check((const uint8_t *)buf + live_image_engine_offset(i), cfg,
					   now_ms);
		if (r < 0)
			return r;
	}
	return 0;
}

const char *live_image_strerror(int err)
{
	switch (err) {
	case -ENODATA:
		return "it was never completed";
	case -EPROTO:
		return "another version of tcpfwd made it";
	case -ERANGE:
		return "it was made for another queue range or table size";
	case -ESTALE:
		return "it was made before the last reboot";
	case -ETIME:
		return "its clock is ahead of this boot's";
	case -EBADMSG:
		return "its size does not match its header";
	default:
		return "it is damaged";
	}
}
