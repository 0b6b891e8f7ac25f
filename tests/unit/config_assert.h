/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_assert - parse-and-check helpers for the configuration tests (test_config*.c). */
#ifndef TCPFW_CONFIG_ASSERT_H
#define TCPFW_CONFIG_ASSERT_H

#include "config.h"

/* The message of the last config_assert_parse(). */
extern char config_err[CONFIG_ERROR_MAX];

/* config_parse() of text as file "t.conf". */
int config_assert_parse(const char *text, struct config *c);

/* Fails unless text parses. */
void assert_ok(const char *text, struct config *c);

/* Fails unless text is rejected with a one-line "t.conf:LINE: ..." containing `want`. */
void assert_error(const char *text, unsigned int line, const char *want);

#endif /* TCPFW_CONFIG_ASSERT_H */
