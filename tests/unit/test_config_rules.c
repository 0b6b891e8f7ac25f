// SPDX-License-Identifier: GPL-2.0-or-later
/* The rules between keys (lib/config_rules.c): replication and the fast path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config_assert.h"

static void test_sync_rules(void **state)
{
	struct config c;

	(void)state;
	assert_error("sync = {\n enabled = true; };", 2, "'sync.enabled' needs 'sync.peer'");
	assert_error("queue = { count = 2; };\nsync = { enabled = true; peer = \"192.0.2.2\"; };",
		     1, "'sync.enabled' needs 'queue.count' = 1");
	assert_ok("queue = { count = 2; };\nsync = { peer = \"192.0.2.2\"; };", &c);
	assert_ok("sync = { enabled = true; peer = \"192.0.2.2\"; update_delay_ms = 10; };", &c);
	assert_true(c.sync.enabled);
	assert_int_equal(c.sync.update_delay_ms, 10);
	assert_int_equal(c.sync.timeout_ms, 3000);
}

static void test_fastpath_rules(void **state)
{
	struct config c;

	(void)state;
	assert_error("fastpath = {\n enabled = true; };", 2,
		     "'fastpath.enabled' needs 'fastpath.interfaces'");
	assert_error("fastpath = { enabled = true;\n interfaces = \" , \"; };", 2,
		     "'fastpath.enabled' needs 'fastpath.interfaces'");
	assert_error(
		"queue = { count = 2; };\nfastpath = { enabled = true; interfaces = \"e0\"; };", 1,
		"'fastpath.enabled' needs 'queue.count' = 1");
	assert_error("fastpath = { interfaces = \"eth0 a/b\"; };", 1, "interface names separated");
	assert_error("fastpath = { interfaces = \"eth0 abcdefghijklmnop\"; };", 1,
		     "at most 15 characters");
	assert_error("fastpath = { interfaces = \"a b c d e f g h i j k l m n o p q\"; };", 1,
		     "up to 16 interface names");
	assert_error("fastpath = { mark = 0; };", 1, "'fastpath.mark' is 0");
	assert_ok("fastpath = { enabled = true; interfaces = \"eth0, eth1\"; mark = 0x100; };", &c);
	assert_true(c.fastpath.enabled);
	assert_string_equal(c.fastpath.interfaces, "eth0, eth1");
	assert_int_equal(c.fastpath.mark, 0x100);
	assert_int_equal(c.fastpath.max_flows, 262144);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_rules),
		cmocka_unit_test(test_fastpath_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
