// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * live_image: where each queue's engine header and pool lie, and which files a start may resume.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "live_image.h"

#define NOW 1000000

static const uint8_t boot[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static struct config cfg_of(unsigned count, uint32_t max_flows)
{
	struct config c;

	config_defaults(&c);
	c.queue.num = 10;
	c.queue.count = count;
	c.table.max_flows = max_flows;
	return c;
}

/* A whole image as a start would find it: the file header, and every engine's. */
static uint8_t *made(const struct config *c, size_t *len)
{
	*len = live_image_size(c);
	uint8_t *buf = aligned_alloc(4096, *len); /* as a mapping is: pools need 64 */

	assert_non_null(buf);
	memset(buf, 0, *len);
	live_image_init(buf, c, boot);
	for (unsigned i = 0; i < c->queue.count; i++) {
		struct engine_params p = {
			.config = c,
			.image = buf + live_image_engine_offset(i),
			.image_pool = buf + live_image_pool_offset(c, i),
		};
		struct engine *e;

		assert_int_equal(engine_new(&p, NOW, &e), 0);
		engine_free(e);
	}
	return buf;
}

static void test_layout(void **state)
{
	struct config c = cfg_of(3, 100000);
	size_t pool = engine_image_pool_size(&c);

	(void)state;
	assert_int_equal(pool, 100000 * 128);
	/* the pools lie on 2 MiB boundaries, one after the other, none overlapping */
	for (unsigned i = 0; i < 3; i++) {
		size_t at = live_image_pool_offset(&c, i);

		assert_int_equal(at % LIVE_IMAGE_ALIGN, 0);
		assert_true(live_image_engine_offset(i) + ENGINE_IMAGE_HEADER_SIZE <=
			    LIVE_IMAGE_ALIGN);
		if (i)
			assert_true(at >= live_image_pool_offset(&c, i - 1) + pool);
		assert_true(at + pool <= live_image_size(&c));
	}
	assert_true(live_image_engine_offset(63) + ENGINE_IMAGE_HEADER_SIZE <= LIVE_IMAGE_ALIGN);
	c.table.max_flows = 0;
	assert_int_equal(live_image_size(&c), 0);
}

static void test_check(void **state)
{
	struct config c = cfg_of(2, 1000), other;
	uint8_t other_boot[16] = {9};
	size_t len;
	uint8_t *buf = made(&c, &len);

	(void)state;
	assert_int_equal(live_image_check(buf, len, &c, boot, NOW), 0);
	assert_int_equal(live_image_check(buf, len, &c, other_boot, NOW), -ESTALE);
	assert_int_equal(live_image_check(buf, len, &c, boot, NOW - 1), -ETIME);
	assert_int_equal(live_image_check(buf, len - 4096, &c, boot, NOW), -EBADMSG);
	assert_int_equal(live_image_check(buf, 32, &c, boot, NOW), -EBADMSG);
	other = c;
	other.queue.num = 11;
	assert_int_equal(live_image_check(buf, len, &other, boot, NOW), -ERANGE);
	other = c;
	other.queue.count = 1;
	assert_int_equal(live_image_check(buf, len, &other, boot, NOW), -ERANGE);
	other = c;
	other.table.max_flows = 999;
	assert_int_equal(live_image_check(buf, len, &other, boot, NOW), -ERANGE);

	/* the second engine's header never written: the image was never completed */
	memset(buf + live_image_engine_offset(1), 0, ENGINE_IMAGE_HEADER_SIZE);
	assert_int_equal(live_image_check(buf, len, &c, boot, NOW), -ENODATA);
	buf[8] ^= 1; /* the version */
	assert_int_equal(live_image_check(buf, len, &c, boot, NOW), -EPROTO);
	buf[0] = 0;
	assert_int_equal(live_image_check(buf, len, &c, boot, NOW), -ENODATA);
	assert_string_equal(live_image_strerror(-EIO), "it is damaged");
	assert_string_equal(live_image_strerror(-ESTALE), "it was made before the last reboot");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
