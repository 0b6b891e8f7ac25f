// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config_assert.h"

char config_err[CONFIG_ERROR_MAX];

int config_assert_parse(const char *text, struct config *c)
{
	memset(config_err, 'x', sizeof(config_err));
	return config_parse(text, "t.conf", c, config_err, sizeof(config_err));
}

void assert_ok(const char *text, struct config *c)
{
	if (config_assert_parse(text, c) != 0)
		fail_msg("unexpected error for <%s>: %s", text, config_err);
}

void assert_error(const char *text, unsigned int line, const char *want)
{
	struct config c;
	char prefix[32];

	if (config_assert_parse(text, &c) != -EINVAL)
		fail_msg("accepted: <%s>", text);
	snprintf(prefix, sizeof(prefix), "t.conf:%u: ", line);
	if (strncmp(config_err, prefix, strlen(prefix)) != 0 || !strstr(config_err, want) ||
	    strchr(config_err, '\n'))
		fail_msg("for <%s>\n  got:  %s\n  want: %s...%s", text, config_err, prefix, want);
}
