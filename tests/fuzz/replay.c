// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * replay - runs a libFuzzer harness without libFuzzer: every file named on the command line, and
 * every regular file of every directory named there, is fed once to LLVMFuzzerTestOneInput. Linked
 * with one harness and built with the ordinary compiler under ASan+UBSan, it turns the checked-in
 * corpora into a regression test that takes seconds (`make fuzz-replay`). A harness reports a
 * broken invariant by aborting, a sanitizer by exiting non-zero; either fails the replay.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static unsigned long n_files;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *n = realloc(buf, cap);
			if (!n) {
				fprintf(stderr, "replay: %s: out of memory\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = n;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* An exact-size copy, so ASan sees reads past the input as libFuzzer would. */
	uint8_t *exact = fuzz_copy(buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	n_files++;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* In name order, so a failure names the same file on every run. */
static int replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *ent;
	int r = 0;

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((ent = readdir(d))) {
		if (ent->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				r = -1;
				break;
			}
			names = nn;
		}
		size_t len = strlen(dir) + strlen(ent->d_name) + 2;
		names[n] = malloc(len);
		if (!names[n]) {
			r = -1;
			break;
		}
		snprintf(names[n++], len, "%s/%s", dir, ent->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (r == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			r = replay_file(names[i]);
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	int r = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc && r == 0; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			r = -1;
		} else if (S_ISDIR(st.st_mode)) {
			r = replay_dir(argv[i]);
		} else {
			r = replay_file(argv[i]);
		}
	}
	printf("replay: %s: %lu inputs%s\n", argv[0], n_files, r ? ", FAILED" : "");
	return r ? 1 : 0;
}
