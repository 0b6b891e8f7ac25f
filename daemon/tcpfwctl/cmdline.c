// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcpfwctl's command line (see cmdline.h): the command table that drives parsing, dispatch and
 * --help, the options and their checks, and the request a command line makes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h> /* isfinite, a macro: no libm */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmdline.h"
#include "config.h"
#include "ctl_proto.h"
#include "reason.h"
#include "tcp_track_names.h"

static const struct cmd cmds[] = {
	{"list", CTL_FLOWS_LIST, 0, 0, CMD_FILTER | CMD_MORE, "[FILTER]",
	 "list flows (like conntrack -L)"},
	{"get", CTL_FLOWS_GET, 0, 4, CMD_TUPLE, "SRC SPORT DST DPORT", "show one flow"},
	{"count", CTL_FLOWS_COUNT, 0, 0, CMD_FILTER, "[FILTER]", "print the number of flows"},
	{"stats", CTL_STATS_GET, 0, 0, 0, "", "verdict, reason, state and queue counters"},
	{"metrics", CTL_STATS_GET, 0, 0, CMD_METRICS, "",
	 "the same counters as Prometheus text (for node_exporter's textfile collector)"},
	{"status", CTL_DAEMON_STATUS, 0, 0, 0, "", "daemon version, uptime and settings"},
	{"sync", CTL_DAEMON_STATUS, 0, 0, CMD_SYNC, "[-q]",
	 "replication state; exit 0 if in_sync or peer_lost (for keepalived)"},
	{"kill", CTL_FLOWS_KILL, 0, 0, CMD_FILTER | CMD_RESET, "FILTER [--reset]",
	 "remove the flows that match"},
	{"flush", CTL_FLOWS_FLUSH, 0, 0, CMD_RESET, "[--reset]", "remove every flow"},
	{"watch", CTL_EVENTS_WATCH, 0, 0, CMD_FILTER | CMD_MORE, "[FILTER] [-c N] [--duration S]",
	 "print flow events as they happen (like conntrack -E)"},
	{"trace", CTL_PACKETS_TRACE, 0, 0, CMD_FILTER | CMD_MORE,
	 "[FILTER] [--drops] [--reason R] [-c N]",
	 "print each packet with its verdict, reason and window bounds"},
	{"capture", CTL_PACKETS_CAPTURE, 0, 0, CMD_FILTER | CMD_MORE,
	 "-w FILE [FILTER] [--all] [--reason R]",
	 "write dropped packets (--all: every one) to a pcapng file, each with its reason"},
	{"get-param", CTL_PARAMS_GET, 0, 1, 0, "[NAME]", "print runtime parameters"},
	{"set-param", CTL_PARAMS_SET, 1, 2, 0, "NAME VALUE",
	 "change a parameter until the next reload"},
	{"reload", CTL_DAEMON_RELOAD, 0, 0, 0, "", "reread and apply the configuration file"},
	{"version", CTL_DAEMON_VERSION, 0, 0, 0, "", "print the client and daemon versions"},
	{"help", -1, 0, 1, 0, "[COMMAND]", "print this help, or one command's"},
};

enum {
	OPT_SPORT = 256,
	OPT_DPORT,
	OPT_STATE,
	OPT_SOCKET,
	OPT_TIMEOUT,
	OPT_DURATION,
	OPT_DROPS,
	OPT_REASON,
	OPT_ALL,
	OPT_RESET,
};

static const struct option long_opts[] = {
	{"src", required_argument, NULL, 's'},
	{"dst", required_argument, NULL, 'd'},
	{"sport", required_argument, NULL, OPT_SPORT},
	{"dport", required_argument, NULL, OPT_DPORT},
	{"state", required_argument, NULL, OPT_STATE},
	{"family", required_argument, NULL, 'f'},
	{"json", no_argument, NULL, 'j'},
	{"pretty", no_argument, NULL, 'p'},
	{"output", required_argument, NULL, 'o'},
	{"no-header", no_argument, NULL, 'H'},
	{"socket", required_argument, NULL, OPT_SOCKET},
	{"count", required_argument, NULL, 'c'},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"drops", no_argument, NULL, OPT_DROPS},
	{"reason", required_argument, NULL, OPT_REASON},
	{"all", no_argument, NULL, OPT_ALL},
	{"write", required_argument, NULL, 'w'},
	{"reset", no_argument, NULL, OPT_RESET},
	{"quiet", no_argument, NULL, 'q'},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},
	{0},
};

/* getopt's short options; a letter followed by ':' takes a value (--complete reads that too) */
static const char short_opts[] = ":s:d:f:jpo:Hc:w:qVhLGESDFC";

static void short_usage(void)
{
	fputs("Usage: tcpfwctl [OPTIONS] COMMAND [ARGS]\n"
	      "Try 'tcpfwctl --help' for more information.\n",
	      stderr);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tcpfwctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	short_usage();
	return RC_USAGE;
}

void help(void)
{
	char left[64];

	puts("Usage: tcpfwctl [OPTIONS] COMMAND [ARGS]\n"
	     "Query and control tcpfwd, the stateful TCP firewall daemon.\n\n"
	     "Commands:");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		snprintf(left, sizeof(left), "%s %s", cmds[i].name, cmds[i].args);
		printf("  %-36s %s\n", left, cmds[i].help);
	}
	fputs("\nFilter (list, count, kill, watch; addresses and ports also for get):\n"
	      "  -s, --src ADDR[/LEN]                 initiator's address or prefix (IPv4/IPv6)\n"
	      "  -d, --dst ADDR[/LEN]                 responder's address or prefix\n"
	      "      --sport PORT                     initiator's port\n"
	      "      --dport PORT                     responder's port\n"
	      "      --state STATE[,STATE...]         any of these states (case-insensitive)\n"
	      "  -f, --family ipv4|ipv6               one address family\n"
	      "\nOptions:\n"
	      "  -j, --json                           JSON output\n"
	      "  -p, --pretty                         indented JSON\n"
	      "  -o, --output extended                conntrack-style lines; stats: every counter\n"
	      "  -o, --output timestamp               watch: each event starts with its time\n"
	      "  -H, --no-header                      no column header\n"
	      "  -c, --count N                        watch, trace, capture: stop after N\n"
	      "      --duration SECONDS               watch, trace, capture: stop after SECONDS\n"
	      "      --drops                          trace: dropped packets only\n"
	      "      --reason REASON[,REASON...]      trace, capture: packets judged with these\n"
	      "      --all                            capture: every packet, not only drops\n"
	      "  -w, --write FILE                     capture: the pcapng file (- for stdout)\n"
	      "  -q, --quiet                          sync: print nothing, exit status only\n"
	      "      --reset                          kill, flush: send both endpoints an RST "
	      "too,\n"
	      "                                       so that their sockets close at once\n"
	      "      --timeout SECONDS                wait at most SECONDS for each reply (default "
	      "5;\n"
	      "                                       0: no limit); a silent tcpfwd exits 3\n"
	      "      --socket PATH                    control socket (default: $TCPFWD_SOCKET, "
	      "else\n"
	      "                                       " DEFAULT_SOCKET ")\n"
	      "  -V, --version                        print the client version\n"
	      "  -h, --help                           print this help\n"
	      "\nconntrack's spellings: -L list, -G get, -E watch, -S stats, -D kill, -F flush,\n"
	      "-C count; -p tcp is accepted (tcpfwd tracks TCP only).\n\nStates:",
	      stdout);
	for (int s = TCP_TRACK_SYN_SENT; s < _TCP_TRACK_STATE_MAX; s++)
		printf(" %s", tcp_track_state_name(s));
	puts("\n\nExit status: 0 ok, 1 the daemon reported an error, 2 usage error,\n"
	     "3 tcpfwd unreachable; sync: 0 in_sync or peer_lost, 1 any other state.\n"
	     "See tcpfwctl(8).");
}

const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/*
 * ADDR or ADDR/LEN (ctl_prefix_parse), IPv6 optionally in brackets: [2001:db8::1],
 * [2001:db8::]/32. Returns the family, -EINVAL or -ERANGE; IPv4 in the first 4 bytes.
 */
static int parse_prefix(const char *s, uint8_t addr[16], uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *end = s[0] == '[' ? strchr(s, ']') : NULL;

	if (end && (end[1] == '\0' || end[1] == '/') && strlen(s) - 1 < sizeof(buf)) {
		memcpy(buf, s + 1, (size_t)(end - s - 1));
		strcpy(buf + (end - s - 1), end + 1);
		s = buf;
	}
	return ctl_prefix_parse(s, addr, plen);
}

static int set_family(struct opts *o, uint8_t family, const char *what)
{
	if (o->filter.family && o->filter.family != family)
		return usage_error("%s is IPv%u, but the family is already IPv%u", what, family,
				   o->filter.family);
	o->filter.family = family;
	return 0;
}

static int opt_addr(struct opts *o, const char *s, bool dst)
{
	int family = parse_prefix(s, dst ? o->filter.dst : o->filter.src,
				  dst ? &o->filter.dst_plen : &o->filter.src_plen);

	if (family == -ERANGE)
		return usage_error("'%s': a prefix length is 0-32 for IPv4, 0-128 for IPv6", s);
	if (family < 0)
		return usage_error("'%s' is not an IPv4 or IPv6 address or prefix (ADDR/LEN)", s);
	*(dst ? &o->filter.has_dst : &o->filter.has_src) = true;
	o->has_tuple = true;
	return set_family(o, (uint8_t)family, s);
}

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || v < 1 || v > 65535)
		return usage_error("'%s' is not a port (1-65535)", s);
	*port = (uint16_t)v;
	return 0;
}

/* --state ESTABLISHED,time-wait: conntrack names, any case, '-' for '_' as ss writes them */
static int opt_states(struct opts *o, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int s, rc = 0;

	if (!copy)
		return usage_error("out of memory");
	for (char *p = copy; *p; p++)
		if (*p == '-')
			*p = '_';
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		s = tcp_track_state_from_name(tok);
		if (s < 0 || s >= 32)
			rc = usage_error("'%s' is not a TCP state (try 'tcpfwctl --help')", tok);
		else
			o->filter.state_mask |= 1u << s;
	}
	if (!rc && !o->filter.state_mask)
		rc = usage_error("--state needs at least one state");
	free(copy);
	return rc;
}

/* --reason seq_over_window,rst_out_of_window: the names stats and trace print, any case */
static int opt_reasons(struct opts *o, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int r, rc = 0;

	if (!copy)
		return usage_error("out of memory");
	for (char *p = copy; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		r = reason_from_name(tok);
		if (r < 0 || r >= 64)
			rc = usage_error(
				"'%s' is not a reason (tcpfwctl stats -o extended lists them)",
				tok);
		else
			o->reasons |= UINT64_C(1) << r;
	}
	if (!rc && !o->reasons)
		rc = usage_error("--reason needs at least one reason");
	free(copy);
	return rc;
}

static int opt_family(struct opts *o, const char *s)
{
	if (!strcasecmp(s, "ipv4") || !strcasecmp(s, "inet") || !strcmp(s, "4"))
		return set_family(o, 4, "the -f option");
	if (!strcasecmp(s, "ipv6") || !strcasecmp(s, "inet6") || !strcmp(s, "6"))
		return set_family(o, 6, "the -f option");
	return usage_error("'%s' is not a family (ipv4 or ipv6)", s);
}

static int opt_count(struct opts *o, const char *s)
{
	char *end;

	errno = 0;
	o->watch_count = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || !o->watch_count)
		return usage_error("'%s' is not a positive count", s);
	o->has_watch = true;
	return 0;
}

/* SECONDS (fractions allowed) into ms, rounded up; zero only when allowed. */
static int parse_seconds(const char *s, bool zero_ok, int64_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v < 0 || (v == 0 && !zero_ok) || v > 1e9)
		return usage_error("'%s' is not a time in seconds", s);
	v *= 1000;
	*ms = (int64_t)v;
	if ((double)*ms < v)
		++*ms;
	return 0;
}

/* -o extended,timestamp: conntrack's comma-separated output formats */
static int opt_output(struct opts *o, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int rc = copy ? 0 : usage_error("out of memory");

	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !rc;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "extended"))
			o->out.extended = true;
		else if (!strcmp(tok, "timestamp"))
			o->out.timestamp = true;
		else
			rc = usage_error("'%s' is not an output format (extended, timestamp)", tok);
	}
	free(copy);
	return rc;
}

/* conntrack's command options: -L list, -G get, -E watch, -S stats, -D kill, -F flush, -C count */
static int opt_alias(struct opts *o, int c)
{
	static const char *const names[][2] = {
		{"L", "list"}, {"G", "get"},   {"E", "watch"}, {"S", "stats"},
		{"D", "kill"}, {"F", "flush"}, {"C", "count"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (names[i][0][0] != c)
			continue;
		if (o->alias && strcmp(o->alias, names[i][1]))
			return usage_error("-%c: one command at a time (%s given)", c, o->alias);
		o->alias = names[i][1];
		return 0;
	}
	return usage_error("unknown option '-%c'", c);
}

/* One option; returns 0, RC_USAGE, or -1 when the run ends here successfully (-h, -V). */
static int parse_opt(struct opts *o, int c, char *arg, char *const argv[])
{
	switch (c) {
	case 's':
	case 'd':
		o->has_filter = true;
		return opt_addr(o, arg, c == 'd');
	case OPT_SPORT:
	case OPT_DPORT:
		o->has_filter = o->has_tuple = true;
		return parse_port(arg, c == OPT_SPORT ? &o->filter.sport : &o->filter.dport);
	case OPT_STATE:
		o->has_filter = o->has_state = true;
		return opt_states(o, arg);
	case 'f':
		o->has_filter = true;
		return opt_family(o, arg);
	case 'j':
		o->out.json = true;
		return 0;
	case 'p':
		o->out.pretty = true;
		return 0;
	case 'H':
		o->out.no_header = true;
		return 0;
	case 'q':
		o->out.quiet = true;
		return 0;
	case 'o':
		return opt_output(o, arg);
	case OPT_REASON:
		return opt_reasons(o, arg);
	case OPT_DROPS:
		o->drops = true;
		return 0;
	case OPT_ALL:
		o->all = true;
		return 0;
	case 'w':
		o->write_path = arg;
		return 0;
	case OPT_SOCKET:
		o->socket = arg;
		return 0;
	case 'c':
		return opt_count(o, arg);
	case OPT_TIMEOUT: /* 0: wait as long as it takes */
		if (parse_seconds(arg, true, &o->reply_ms))
			return RC_USAGE;
		if (!o->reply_ms)
			o->reply_ms = -1;
		return 0;
	case OPT_DURATION:
		o->has_watch = true;
		return parse_seconds(arg, false, &o->duration_ms) ? RC_USAGE : 0;
	case OPT_RESET:
		o->reset = true;
		return 0;
	case 'L':
	case 'G':
	case 'E':
	case 'S':
	case 'D':
	case 'F':
	case 'C':
		return opt_alias(o, c);
	case 'V':
		printf("tcpfwctl %s\n", TCPFW_VERSION);
		return -1;
	case 'h':
		help();
		return -1;
	case ':':
		return usage_error("option '%s' needs an argument", argv[optind - 1]);
	default:
		if (optopt)
			return usage_error("unknown option '-%c'", optopt);
		return usage_error("unknown option '%s'", argv[optind - 1]);
	}
}

/* GNU getopt permutes, so options may come before or after the command. */
int parse_opts(int argc, char *argv[], struct opts *o)
{
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		rc = parse_opt(o, c, optarg, argv);
		if (rc)
			return rc;
	}
	return 0;
}

/* Commands whose replies go on until they are stopped. */
bool is_stream(const struct cmd *c)
{
	return c->method == CTL_EVENTS_WATCH || c->method == CTL_PACKETS_TRACE ||
	       c->method == CTL_PACKETS_CAPTURE;
}

int check_opts(const struct cmd *c, const struct opts *o)
{
	if (o->has_filter && !(c->flags & (CMD_FILTER | CMD_TUPLE)))
		return usage_error("'%s' takes no filter", c->name);
	if (o->has_state && (c->flags & CMD_TUPLE))
		return usage_error("'%s' takes no --state", c->name);
	if (o->has_watch && !is_stream(c))
		return usage_error("-c and --duration apply to 'watch', 'trace' and 'capture'");
	if (o->reasons && c->method != CTL_PACKETS_TRACE && c->method != CTL_PACKETS_CAPTURE)
		return usage_error("--reason applies to 'trace' and 'capture'");
	if (o->drops && c->method != CTL_PACKETS_TRACE)
		return usage_error("--drops applies to 'trace' (capture takes drops unless --all)");
	if ((o->all || o->write_path) && c->method != CTL_PACKETS_CAPTURE)
		return usage_error("--all and -w apply to 'capture' only");
	if (c->method == CTL_PACKETS_CAPTURE && !o->write_path)
		return usage_error("'capture' needs -w FILE (- for stdout)");
	if (o->out.timestamp && c->method != CTL_EVENTS_WATCH)
		return usage_error("-o timestamp applies to 'watch' only");
	if (o->reset && !(c->flags & CMD_RESET))
		return usage_error("--reset applies to 'kill' and 'flush' only");
	if (o->out.quiet && !(c->flags & CMD_SYNC))
		return usage_error("-q applies to 'sync' only");
	return 0;
}

/* get SRC SPORT DST DPORT, or the same with -s --sport -d --dport */
static int build_tuple(struct opts *o, char **args, unsigned nargs)
{
	int rc;

	if (nargs == 4) {
		if (o->has_tuple)
			return usage_error("give the flow as arguments or as options, not both");
		if ((rc = opt_addr(o, args[0], false)) ||
		    (rc = parse_port(args[1], &o->filter.sport)) ||
		    (rc = opt_addr(o, args[2], true)) ||
		    (rc = parse_port(args[3], &o->filter.dport)))
			return rc;
	} else if (nargs) {
		return usage_error("'get' needs SRC SPORT DST DPORT");
	}
	if (!o->filter.has_src || !o->filter.has_dst || !o->filter.sport || !o->filter.dport)
		return usage_error("'get' needs SRC SPORT DST DPORT (or -s, --sport, -d, --dport)");
	if (o->filter.src_plen != o->filter.dst_plen ||
	    o->filter.src_plen != (o->filter.family == 4 ? 32 : 128))
		return usage_error("'get' takes one address each, not a prefix (try 'list -s')");
	return 0;
}

/* The values the protocol carries as they are: true, false, an integer, a quoted string. */
static bool is_scalar(const char *v)
{
	size_t digits = strspn(v + (v[0] == '-'), "0123456789");

	return !strcmp(v, "true") || !strcmp(v, "false") || v[0] == '"' ||
	       (digits && !v[(v[0] == '-') + digits]);
}

/* Anything else is a string: set-param tcp.time_wait.policy shorten */
static int set_value(struct ctl_param *p, const char *v)
{
	size_t o = 0;

	if (is_scalar(v)) {
		o = strlen(v);
		if (o >= sizeof(p->value))
			return usage_error("value too long: %s", v);
		memcpy(p->value, v, o + 1);
		return 0;
	}
	p->value[o++] = '"';
	for (; *v; v++) {
		if (o + 4 > sizeof(p->value)) /* an escaped character, the quote, the NUL */
			return usage_error("value too long");
		if (*v == '"' || *v == '\\')
			p->value[o++] = '\\';
		p->value[o++] = *v;
	}
	p->value[o++] = '"';
	p->value[o] = '\0';
	return 0;
}

static int build_param(const struct cmd *c, struct ctl_param *p, char **args, unsigned nargs)
{
	const char *name = nargs ? args[0] : "", *value = nargs > 1 ? args[1] : NULL;
	const char *eq = strchr(name, '=');
	size_t len = strlen(name);

	if (c->method == CTL_PARAMS_SET && nargs == 1) {
		if (!eq)
			return usage_error("'set-param' needs NAME VALUE (or NAME=VALUE)");
		len = (size_t)(eq - name);
		value = eq + 1;
	}
	if (len >= sizeof(p->name))
		return usage_error("parameter name too long: %s", name);
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.") < len)
		return usage_error(
			"'%.*s' is not a parameter name (such as tcp.timeouts.established)",
			(int)len, name);
	memcpy(p->name, name, len);
	p->name[len] = '\0';
	return value ? set_value(p, value) : 0;
}

int build_request(const struct cmd *c, struct opts *o, char **args, unsigned nargs,
		  struct ctl_request *req)
{
	int rc = 0;

	req->method = (uint8_t)c->method;
	req->more = c->flags & CMD_MORE;
	req->reset = o->reset;
	if (c->flags & CMD_TUPLE)
		rc = build_tuple(o, args, nargs);
	else if (c->method == CTL_FLOWS_KILL && !o->has_filter)
		rc = usage_error(
			"'kill' needs a filter; to remove every flow use 'tcpfwctl flush'");
	else if (c->method == CTL_PARAMS_GET || c->method == CTL_PARAMS_SET)
		rc = build_param(c, &req->param, args, nargs);
	req->filter = o->filter;
	req->drops = c->method == CTL_PACKETS_CAPTURE ? !o->all : o->drops;
	req->reasons = o->reasons;
	return rc;
}

/* Connects, or says why not and returns RC_UNREACHABLE. */

/*
 * conntrack's -p PROTO (--proto): tcpfwd tracks TCP only, so "-p tcp" (or 6) is dropped from the
 * command line and any other protocol is a usage error. A -p followed by anything else stays
 * tcpfwctl's own -p (--pretty).
 */
int drop_protocol(int *argc, char *argv[])
{
	static const char *const others[] = {"udp",  "udplite", "icmp", "icmpv6", "sctp",
					     "dccp", "gre",	"17",	"1",	  "58"};

	for (int i = 1; i + 1 < *argc; i++) {
		bool p = !strcmp(argv[i], "-p") || !strcmp(argv[i], "--proto");
		const char *v = argv[i + 1];

		if (!p)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(others); k++)
			if (!strcasecmp(v, others[k]))
				return usage_error("tcpfwd tracks TCP only, not '%s'", v);
		if (strcasecmp(v, "tcp") && strcmp(v, "6"))
			continue;
		memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 1) * sizeof(*argv));
		*argc -= 2;
		i--;
	}
	return 0;
}

static void print_word(const char *word, void *arg)
{
	(void)arg;
	puts(word);
}

static void print_param(const char *name, const char *value, void *arg)
{
	bool settable_only = *(const bool *)arg;

	(void)value;
	if (!settable_only || config_param_settable(name))
		puts(name);
}

static void print_all(const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		puts(words[i]);
}

int complete(const char *what, const char *name)
{
	static const char *const families[] = {"ipv4", "ipv6"};
	static const char *const outputs[] = {"extended", "timestamp"};
	struct config defaults;
	bool settable_only = !strcmp(what, "settable");

	if (!strcmp(what, "commands")) {
		for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
			puts(cmds[i].name);
	} else if (!strcmp(what, "options") || !strcmp(what, "arg-options")) {
		bool args_only = what[0] == 'a';

		for (const struct option *lo = long_opts; lo->name; lo++)
			if (!args_only || lo->has_arg == required_argument)
				printf("--%s\n", lo->name);
		for (const char *c = short_opts + 1; args_only && *c; c++)
			if (c[1] == ':')
				printf("-%c\n", *c);
	} else if (!strcmp(what, "reasons")) {
		for (int r = 0; r < _REASON_MAX; r++)
			puts(reason_name((enum reason)r));
	} else if (!strcmp(what, "states")) {
		for (int st = TCP_TRACK_SYN_SENT; st < _TCP_TRACK_STATE_MAX; st++)
			puts(tcp_track_state_name(st));
	} else if (!strcmp(what, "families")) {
		print_all(families, ARRAY_SIZE(families));
	} else if (!strcmp(what, "outputs")) {
		print_all(outputs, ARRAY_SIZE(outputs));
	} else if (!strcmp(what, "params") || settable_only) {
		config_defaults(&defaults);
		config_param_foreach(&defaults, print_param, &settable_only);
	} else if (!strcmp(what, "values") && name) {
		if (config_param_words(name, print_word, NULL) < 0)
			return RC_USAGE;
	} else {
		return usage_error("--complete: unknown list '%s'", what);
	}
	return RC_OK;
}
