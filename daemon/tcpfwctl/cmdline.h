/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdline - tcpfwctl's command line: the command table, the options (getopt_long, with
 * conntrack's spellings), their checks, --help, and the request they make. main.c holds the
 * exchange with the daemon. Every function that rejects the command line prints why and
 * returns RC_USAGE.
 */
#ifndef TCPFWCTL_CMDLINE_H
#define TCPFWCTL_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl_proto.h"
#include "output.h"

#ifndef TCPFW_VERSION
#define TCPFW_VERSION "0.1"
#endif

#define DEFAULT_SOCKET "/run/tcpfwd/control.sock"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum rc {
	RC_OK = 0,
	RC_FAILED = 1,	    /* the daemon answered with an error, or the exchange broke */
	RC_USAGE = 2,	    /* bad command line */
	RC_UNREACHABLE = 3, /* no daemon listening, or no access to its socket */
};

#define CMD_FILTER  0x01 /* takes the flow filter */
#define CMD_TUPLE   0x02 /* takes one flow's addresses and ports */
#define CMD_MORE    0x04 /* replies continue: "more":true */
#define CMD_METRICS 0x08 /* Stats.Get printed as Prometheus text */
#define CMD_RESET   0x10 /* takes --reset */
#define CMD_SYNC    0x20 /* Daemon.Status's replication; exits 1 unless it can take over */

struct cmd {
	const char *name;
	int method; /* enum ctl_method; -1: answered locally */
	unsigned min_args;
	unsigned max_args;
	unsigned flags;
	const char *args;
	const char *help;
};

struct opts {
	struct out_opts out;
	struct ctl_filter filter;
	bool has_filter; /* any filter option */
	bool has_tuple;	 /* -s, -d, --sport or --dport */
	bool has_state;
	bool has_watch; /* -c or --duration */
	bool reset;	/* --reset: kill and flush send RSTs to both endpoints */
	const char *socket;
	unsigned long watch_count; /* 0: no limit */
	int64_t duration_ms;	   /* watch --duration; -1: none */
	int64_t reply_ms;	   /* --timeout: the longest wait for a reply; -1: none */
	const char *alias;	   /* the command a conntrack option (-L ...) named */
	bool drops;		   /* trace --drops */
	bool all;		   /* capture --all */
	const char *write_path;	   /* capture -w FILE; "-" is stdout */
	uint64_t reasons;	   /* trace, capture --reason: bit (1 << enum reason) */
};

/* How long tcpfwctl waits for each reply by default: a stopped daemon must not hang it. */
#define REPLY_TIMEOUT_MS 5000

/* Prints "tcpfwctl: " and the message, then the short usage, to stderr; returns RC_USAGE. */
__attribute__((format(printf, 1, 2))) int usage_error(const char *fmt, ...);

/* Prints --help to stdout. */
void help(void);

/* The command named name, or NULL. */
const struct cmd *find_cmd(const char *name);

/* Parses the options into *o: 0, RC_USAGE, or -1 when one was answered here (-V, -h). */
int parse_opts(int argc, char *argv[], struct opts *o);

/* Commands whose replies go on until they are stopped (watch, trace, capture). */
bool is_stream(const struct cmd *c);

/* The options fit command c: 0, else RC_USAGE. */
int check_opts(const struct cmd *c, const struct opts *o);

/* Fills *req for command c from the options and the nargs arguments: 0, else RC_USAGE. */
int build_request(const struct cmd *c, struct opts *o, char **args, unsigned nargs,
		  struct ctl_request *req);

/*
 * tcpfwctl --complete WHAT [NAME]: the words the bash completion (completion/tcpfwctl) offers,
 * one a line, taken from the tables the parser itself uses, so the two cannot drift. Local: no
 * daemon is asked. Not in --help; tcpfwctl(8) mentions it. WHAT is commands, options (every long
 * option), arg-options (the options that take a value, long and short), states, reasons,
 * families,
 * outputs, params (every get-param name), settable (the set-param names) or values NAME (the
 * words a parameter's value can be; nothing for numbers and paths). RC_OK or RC_USAGE.
 */
int complete(const char *what, const char *name);

/* Drops conntrack's "-p tcp" from the command line; another protocol is RC_USAGE. */
int drop_protocol(int *argc, char *argv[]);

#endif /* TCPFWCTL_CMDLINE_H */
