// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The man pages against the configuration schema: the keys a reload applies and the groups
 * that wait for a restart, as tcpfwd.conf(5) and tcpfwd(8) list them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct keys {
	size_t n;
	char name[128][CONFIG_PARAM_NAME_MAX];
};

static void collect_key(const char *name, const char *value, void *arg)
{
	struct keys *k = arg;

	(void)value;
	assert_true(k->n < sizeof(k->name) / sizeof(k->name[0]));
	snprintf(k->name[k->n++], sizeof(k->name[0]), "%s", name);
}

/*
 * The man pages list what a reload applies between ".\" reload-keys-begin" and
 * ".\" reload-keys-end", and what waits for a restart between ".\" restart-keys-begin" and
 * ".\" restart-keys-end", as the first argument of .B and .BR lines. The first list must be
 * the settable keys (a group whose every key is settable by its name), the second the groups
 * with a key that is not.
 */
#define MAN_NAMES_MAX 16

static void add_name(char names[][CONFIG_PARAM_NAME_MAX], size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(names[i], name) == 0)
			return;
	assert_true(*n < MAN_NAMES_MAX);
	snprintf(names[(*n)++], CONFIG_PARAM_NAME_MAX, "%s", name);
}

static size_t man_names(const char *page, const char *list, char names[][CONFIG_PARAM_NAME_MAX])
{
	char path[512], line[512], begin[64], end[64];
	bool in = false, seen = false;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/man/%s", TCPFW_SRCDIR, page);
	snprintf(begin, sizeof(begin), ".\\\" %s-begin", list);
	snprintf(end, sizeof(end), ".\\\" %s-end", list);
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: cannot open", path);
	while (fgets(line, sizeof(line), f)) {
		char word[CONFIG_PARAM_NAME_MAX];

		if (strncmp(line, begin, strlen(begin)) == 0) {
			in = seen = true;
			continue;
		}
		if (strncmp(line, end, strlen(end)) == 0)
			break;
		if (in && (strncmp(line, ".B ", 3) == 0 || strncmp(line, ".BR ", 4) == 0) &&
		    sscanf(strchr(line, ' '), " %63[a-z_.]", word) == 1)
			add_name(names, &n, word);
	}
	fclose(f);
	if (!seen)
		fail_msg("%s: no %s list", path, list);
	return n;
}

static bool same_names(char a[][CONFIG_PARAM_NAME_MAX], size_t na, char b[][CONFIG_PARAM_NAME_MAX],
		       size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		bool found = false;

		for (size_t j = 0; j < nb; j++)
			found |= strcmp(a[i], b[j]) == 0;
		if (!found)
			return false;
	}
	return true;
}

static void test_man_reload_keys(void **state)
{
	static const char *const pages[] = {"tcpfwd.conf.5", "tcpfwd.8"};
	char reload[MAN_NAMES_MAX][CONFIG_PARAM_NAME_MAX],
		restart[MAN_NAMES_MAX][CONFIG_PARAM_NAME_MAX];
	size_t n_reload = 0, n_restart = 0;
	struct config c;

	(void)state;
	struct keys *k = calloc(1, sizeof(*k));
	assert_non_null(k);
	config_defaults(&c);
	config_param_foreach(&c, collect_key, k);
	/* from the code: a group by its name when all its keys are settable, else key by key */
	for (size_t i = 1; i < k->n; i++) { /* not version: it has one value */
		const char *name = k->name[i];
		size_t glen = strcspn(name, ".");
		char group[CONFIG_PARAM_NAME_MAX];
		bool all = true;

		snprintf(group, sizeof(group), "%.*s", (int)glen, name);
		for (size_t j = 1; j < k->n; j++)
			if (strncmp(k->name[j], group, glen) == 0 && k->name[j][glen] == '.' &&
			    !config_param_settable(k->name[j]))
				all = false;
		if (config_param_settable(name))
			add_name(reload, &n_reload, all ? group : name);
		else
			add_name(restart, &n_restart, group);
	}
	for (size_t p = 0; p < sizeof(pages) / sizeof(pages[0]); p++) {
		char names[MAN_NAMES_MAX][CONFIG_PARAM_NAME_MAX];
		size_t n = man_names(pages[p], "reload-keys", names);

		if (!same_names(names, n, reload, n_reload)) {
			for (size_t i = 0; i < n_reload; i++)
				print_message("settable: %s\n", reload[i]);
			fail_msg("man/%s: the reload-keys list is not the settable keys", pages[p]);
		}
		n = man_names(pages[p], "restart-keys", names);
		if (!same_names(names, n, restart, n_restart)) {
			for (size_t i = 0; i < n_restart; i++)
				print_message("restart only: %s\n", restart[i]);
			fail_msg("man/%s: the restart-keys list is not the groups of fixed keys",
				 pages[p]);
		}
	}
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_man_reload_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
