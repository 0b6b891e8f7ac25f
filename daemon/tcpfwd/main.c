// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcpfwd - userspace stateful TCP firewall daemon: command line, configuration check, start-up.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tcpfwd.h"

#define DEFAULT_CONFIG "/etc/tcpfwd/tcpfwd.conf"

static const struct option options[] = {
	{"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, 't'},
	{"foreground", no_argument, NULL, 'f'},	  {"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},	  {0},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: tcpfwd [-f] [-c FILE]\n"
		     "       tcpfwd --check [-c FILE]\n"
		     "Stateful TCP firewall: judges the packets nftables sends to NFQUEUE.\n\n"
		     "  -c, --config FILE  configuration file (default " DEFAULT_CONFIG ")\n"
		     "  -t, --check        validate the configuration and exit (0 valid, 1 not)\n"
		     "  -f, --foreground   stay in the foreground (use this under systemd)\n"
		     "  -V, --version      print the version and exit\n"
		     "  -h, --help         print this help and exit\n");
}

/*
 * Without -f tcpfwd detaches the traditional way, but only once it is ready: the parent waits
 * on a pipe and exits with the child's start-up result, so an init script sees bind failures.
 */
static int detach(int *ready_fd)
{
	int fds[2];
	pid_t pid;
	char result = 1;

	if (pipe(fds) == -1)
		return -errno;
	pid = fork();
	if (pid == -1)
		return -errno;
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &result, 1) != 1)
			result = 1;
		_exit(result);
	}
	close(fds[0]);
	if (setsid() == -1)
		return -errno;
	*ready_fd = fds[1];
	return 0;
}

static void report_start(int ready_fd, char result)
{
	if (ready_fd == -1)
		return;
	if (write(ready_fd, &result, 1) != 1) {
		/* the parent is gone; nothing to tell */
	}
	close(ready_fd);
}

int main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG;
	bool check = false, foreground = false, explicit_path = false;
	char err[CONFIG_ERROR_MAX + 64];
	struct config cfg;
	struct tcpfwd *d;
	int opt, r, ready_fd = -1;

	while ((opt = getopt_long(argc, argv, "c:tfVh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			explicit_path = true;
			break;
		case 't':
			check = true;
			break;
		case 'f':
			foreground = true;
			break;
		case 'V':
			printf("tcpfwd %s\n", TCPFW_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tcpfwd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	r = tcpfwd_load_config(path, &cfg, err, sizeof(err));
	if (r == -ENOENT && !explicit_path && !check) {
		config_defaults(&cfg); /* no file at the default place: run on the defaults */
		log_notice("%s not found, using the built-in defaults", path);
	} else if (r < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_FAILURE;
	}
	if (check) {
		printf("%s: configuration OK\n", path);
		return EXIT_SUCCESS;
	}
	log_set_level(cfg.logging.level);
	if (!foreground) {
		r = detach(&ready_fd);
		if (r < 0) {
			log_errno(CONFIG_LOG_ERR, r, "detaching");
			return EXIT_FAILURE;
		}
	}
	r = tcpfwd_new(&cfg, path, &d);
	if (r < 0) {
		report_start(ready_fd, 1);
		return EXIT_FAILURE;
	}
	report_start(ready_fd, 0);
	r = tcpfwd_run(d);
	tcpfwd_free(d);
	log_info("stopped");
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
