// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcpfwctl - the control client of tcpfwd: one call over the control socket per run.
 *
 * This file is the exchange: connect, send the request, read and print the replies, stop a stream
 * on a signal, a count or a duration. The command line (the command table that drives parsing,
 * dispatch and --help) is cmdline.c. A call is one NUL-terminated JSON request; replies are read
 * as they arrive, so a list of a million flows or an endless watch needs memory for one reply,
 * never for the whole answer.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "cmdline.h"
#include "conn.h"
#include "ctl_proto.h"
#include "output.h"
#include "trace.h"

static volatile sig_atomic_t stop_requested;

static int connect_daemon(struct conn *conn, const char *path)
{
	int err = -conn_open(conn, path);

	if (!err)
		return RC_OK;
	if (err == EACCES || err == EPERM)
		fprintf(stderr,
			"tcpfwctl: cannot reach tcpfwd at %s: permission denied (run as root or as "
			"a member of the socket's group)\n",
			path);
	else
		fprintf(stderr, "tcpfwctl: cannot reach tcpfwd at %s: %s%s\n", path, strerror(err),
			err == ENOENT || err == ECONNREFUSED ? " (is tcpfwd running?)" : "");
	conn_close(conn);
	return RC_UNREACHABLE;
}

static const char *error_hint(enum ctl_error e)
{
	switch (e) {
	case CTL_ERR_PERMISSION_DENIED:
		return "this command needs root or membership of control.admin_group";
	case CTL_ERR_NO_SUCH_FLOW:
		return "no flow has these addresses and ports";
	case CTL_ERR_NO_SUCH_PARAM:
		return "no such parameter";
	case CTL_ERR_METHOD_NOT_FOUND:
		return "tcpfwd does not know this command (an older version?)";
	case CTL_ERR_TOO_SLOW:
		return "events came faster than they were read; the watch was ended";
	case CTL_ERR_BUSY:
		return "too many clients; try again";
	case CTL_ERR_RELOAD_FAILED:
		return "the configuration was not applied; the previous one stays";
	default:
		return "request failed";
	}
}

static void print_error(const struct ctl_reply *r)
{
	const char *name = ctl_error_name(r->error);
	const char *dot = name ? strrchr(name, '.') : NULL;
	int n_msg = (int)strnlen(r->message, sizeof(r->message));
	int n_par = (int)strnlen(r->parameter, sizeof(r->parameter));

	fprintf(stderr, "tcpfwctl: %s: ", dot ? dot + 1 : name ? name : "error");
	if (!n_msg)
		fprintf(stderr, "%s%s%.*s\n", error_hint(r->error), n_par ? ": " : "", n_par,
			r->parameter);
	else if (n_par && !memmem(r->message, (size_t)n_msg, r->parameter, (size_t)n_par))
		fprintf(stderr, "%.*s (parameter %.*s)\n", n_msg, r->message, n_par, r->parameter);
	else
		fprintf(stderr, "%.*s\n", n_msg, r->message);
}

static int show(const struct cmd *c, const struct opts *o, const struct ctl_reply *r,
		struct out_list *list, struct trace_out *trace)
{
	switch (c->method) {
	case CTL_PACKETS_TRACE:
	case CTL_PACKETS_CAPTURE:
		return trace_reply(trace, r);
	case CTL_FLOWS_LIST:
		return out_list_chunk(&o->out, list, r);
	case CTL_FLOWS_GET:
		return out_flow(&o->out, r);
	case CTL_FLOWS_COUNT:
		return out_count(&o->out, r, NULL);
	case CTL_FLOWS_KILL:
	case CTL_FLOWS_FLUSH:
		return out_count(&o->out, r, "killed");
	case CTL_EVENTS_WATCH:
		return out_event(&o->out, r);
	case CTL_STATS_GET:
		return c->flags & CMD_METRICS ? out_metrics(r) : out_stats(&o->out, r);
	case CTL_DAEMON_STATUS:
		return c->flags & CMD_SYNC ? out_sync(&o->out, r) : out_status(&o->out, r);
	case CTL_PARAMS_GET:
		return out_params(&o->out, r);
	case CTL_DAEMON_VERSION:
		return out_version(&o->out, r, TCPFW_VERSION);
	default:
		return out_empty(&o->out, r);
	}
}

/* Why the stream ended before its last reply; a watch may end by its own limits. */
static int stream_end(const struct cmd *c, const char *path, int err)
{
	if (is_stream(c) && (err == -ETIMEDOUT || err == -EINTR || err == -EPIPE))
		return RC_OK;
	if (err == 0)
		fprintf(stderr, "tcpfwctl: tcpfwd at %s closed the connection\n", path);
	else if (err == -EMSGSIZE)
		fprintf(stderr, "tcpfwctl: reply from tcpfwd larger than %u bytes\n",
			CONN_MAX_MESSAGE);
	else
		fprintf(stderr, "tcpfwctl: reading from tcpfwd at %s: %s\n", path, strerror(-err));
	return RC_FAILED;
}

/* A tcpfwd older than prefixes refuses "src":"10.0.0.0/8" as not an address: say why. */
static void prefix_hint(const struct opts *o, const struct ctl_reply *r)
{
	const struct ctl_filter *f = &o->filter;
	unsigned full = f->family == 4 ? 32 : 128;
	bool src = !strcmp(r->parameter, "src"), dst = !strcmp(r->parameter, "dst");

	if (r->error == CTL_ERR_INVALID_PARAMETER && ((src && f->has_src && f->src_plen != full) ||
						      (dst && f->has_dst && f->dst_plen != full)))
		fprintf(stderr, "tcpfwctl: this tcpfwd may predate address prefixes; "
				"give one address, or upgrade it\n");
}

/* Handles one reply; returns -1 to read the next one, else the exit code. */
static int one_reply(const struct cmd *c, const struct opts *o, const char *msg, size_t len,
		     struct out_list *list, struct trace_out *trace, unsigned long *events)
{
	struct ctl_reply r;
	int rc = RC_OK;

	memset(&r, 0, sizeof(r));
	if (ctl_reply_parse(msg, len, (enum ctl_method)c->method, &r)) {
		fprintf(stderr, "tcpfwctl: malformed reply from tcpfwd\n");
		ctl_reply_free_members(&r);
		return RC_FAILED;
	}
	if (r.error != CTL_OK) {
		print_error(&r);
		prefix_hint(o, &r);
		rc = RC_FAILED;
	} else if ((rc = show(c, o, &r, list, trace))) {
		if (rc == -EIO)
			fprintf(stderr, "tcpfwctl: writing %s: %s\n", o->write_path,
				strerror(errno));
		else
			fprintf(stderr, "tcpfwctl: out of memory\n");
		rc = RC_FAILED;
	} else if (r.has_reset && r.reset_failed) {
		fprintf(stderr, "tcpfwctl: %" PRIu64 " RSTs could not be sent (see tcpfwd's log)\n",
			r.reset_failed);
		rc = RC_FAILED;
	} else if ((c->flags & CMD_SYNC) && !(r.status && out_sync_serving(&r.status->sync))) {
		rc = RC_FAILED; /* not a table to take over with: keepalived lowers our priority */
	} else if (r.continues && !ferror(stdout)) {
		rc = -1;
		/* -c counts events and packets, not a trace's start or loss reports */
		bool counted = c->method == CTL_EVENTS_WATCH || r.trace_kind == CTL_TRACE_PACKET;
		if (is_stream(c) && counted && o->watch_count && ++*events >= o->watch_count)
			rc = RC_OK;
	}
	ctl_reply_free_members(&r);
	return rc;
}

/* Sends the call, with its NUL: the frame's end. */
static int send_request(const struct cmd *c, struct conn *conn, const char *path,
			const struct ctl_request *req)
{
	char *text = ctl_request_format(req);
	int ret;

	if (!text && (c->method == CTL_PARAMS_GET || c->method == CTL_PARAMS_SET))
		return usage_error("'%s' is not a valid parameter name or value", req->param.name);
	if (!text) {
		fprintf(stderr, "tcpfwctl: out of memory\n");
		return RC_FAILED;
	}
	ret = conn_send(conn, text, strlen(text) + 1);
	free(text);
	/* tcpfwd answers a refused client and closes at once, which can break our send: its
	 * reply (PermissionDenied, Busy) is still waiting to be read */
	if (ret == -EPIPE || ret == -ECONNRESET)
		return RC_OK;
	if (ret) {
		fprintf(stderr, "tcpfwctl: sending to tcpfwd at %s: %s\n", path, strerror(-ret));
		return RC_FAILED;
	}
	return RC_OK;
}

static int exchange(const struct cmd *c, const struct opts *o, const char *path, struct conn *conn,
		    const struct ctl_request *req, struct trace_out *trace)
{
	struct out_list list = {0};
	unsigned long events = 0;
	char *msg;
	size_t len;
	int ret, rc;

	rc = send_request(c, conn, path, req);
	if (rc)
		return rc;
	bool watch = is_stream(c), answered = false;
	int64_t end = o->duration_ms >= 0 ? conn_now_ms() + o->duration_ms : -1;

	conn->stop = &stop_requested;
	/* a reader of stdout that went away ends the stream (watch | head -1) */
	if (watch && (!trace->file || trace->file == stdout))
		conn->out_fd = STDOUT_FILENO;
	for (rc = -1; rc < 0;) {
		/* every reply is due within the reply timeout, but a watch's events come when
		 * they come: once the watch is answered, only its --duration ends it */
		int64_t due =
			o->reply_ms >= 0 && !(watch && answered) ? conn_now_ms() + o->reply_ms : -1;
		bool reply_due = due >= 0 && (end < 0 || due < end);

		conn_set_deadline(conn, reply_due ? due : end);
		ret = conn_next(conn, &msg, &len);
		if (ret == -ETIMEDOUT && reply_due) {
			fprintf(stderr, "tcpfwctl: tcpfwd at %s did not answer within %.1f s\n",
				path, (double)o->reply_ms / 1000);
			rc = RC_UNREACHABLE;
		} else if (ret <= 0) {
			rc = stream_end(c, path, ret);
		} else {
			answered = true;
			rc = one_reply(c, o, msg, len, &list, trace, &events);
		}
	}
	if (c->method == CTL_FLOWS_LIST && (rc == RC_OK || list.started))
		out_list_end(&o->out, &list);
	return rc;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* A watch ends cleanly on ^C or SIGTERM: poll() returns EINTR, no SA_RESTART. */
static void catch_stop_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Whether stdout is a pipe whose reader is gone: the write end then reports POLLERR. */
static bool reader_gone(void)
{
	struct pollfd p = {.fd = STDOUT_FILENO};

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

static int flush_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return RC_OK;
	/* a reader that stopped early (| head) had what it wanted: not a failure */
	if (errno == EPIPE || reader_gone())
		return RC_OK;
	fprintf(stderr, "tcpfwctl: write error: %s\n", strerror(errno));
	return RC_FAILED;
}

/* capture -w FILE: created (or truncated) before the call, so a bad path fails at once */
static int open_capture(const struct opts *o, struct trace_out *t)
{
	if (!o->write_path)
		return RC_OK;
	if (!strcmp(o->write_path, "-")) {
		t->file = stdout;
		return RC_OK;
	}
	t->file = fopen(o->write_path, "wb");
	if (!t->file) {
		fprintf(stderr, "tcpfwctl: cannot write %s: %s\n", o->write_path, strerror(errno));
		return RC_FAILED;
	}
	return RC_OK;
}

static int run(const struct cmd *c, struct opts *o, char **args, unsigned nargs)
{
	struct ctl_request req;
	const char *path = o->socket;
	struct conn conn;
	int rc;

	memset(&req, 0, sizeof(req));
	rc = build_request(c, o, args, nargs, &req);
	if (rc)
		return rc;
	if (!path)
		path = getenv("TCPFWD_SOCKET");
	if (!path || !*path)
		path = DEFAULT_SOCKET;
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return usage_error("socket path too long: %s", path);
	rc = connect_daemon(&conn, path);
	if (rc)
		return rc;
	if (is_stream(c))
		catch_stop_signals();
	struct trace_out trace = {.opts = &o->out, .path = o->write_path, .queues = "nfqueue"};
	rc = open_capture(o, &trace);
	if (!rc)
		rc = exchange(c, o, path, &conn, &req, &trace);
	conn_close(&conn);
	if (c->method == CTL_PACKETS_TRACE || c->method == CTL_PACKETS_CAPTURE)
		trace_summary(&trace);
	if (trace.file && trace.file != stdout && fclose(trace.file) && !rc) {
		fprintf(stderr, "tcpfwctl: writing %s: %s\n", o->write_path, strerror(errno));
		rc = RC_FAILED;
	}
	return rc;
}

int main(int argc, char *argv[])
{
	struct opts o = {.duration_ms = -1, .reply_ms = REPLY_TIMEOUT_MS};
	const struct cmd *c;
	unsigned nargs;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (argc >= 3 && argc <= 4 && !strcmp(argv[1], "--complete")) {
		rc = complete(argv[2], argc == 4 ? argv[3] : NULL);
		return rc ? rc : flush_stdout();
	}
	rc = drop_protocol(&argc, argv);
	if (rc)
		return rc;
	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? flush_stdout() : rc;
	if (o.alias) { /* conntrack style: the option named the command, the rest are arguments */
		optind--;
		c = find_cmd(o.alias);
	} else {
		if (optind >= argc)
			return usage_error("no command given");
		c = find_cmd(argv[optind]);
		if (!c)
			return usage_error("unknown command '%s'", argv[optind]);
	}
	nargs = (unsigned)(argc - optind - 1);
	if (nargs < c->min_args || nargs > c->max_args)
		return usage_error("wrong number of arguments; usage: tcpfwctl %s%s%s", c->name,
				   *c->args ? " " : "", c->args);
	rc = check_opts(c, &o);
	if (rc)
		return rc;
	if (c->method < 0) {
		const struct cmd *about = nargs ? find_cmd(argv[optind + 1]) : NULL;

		if (nargs && !about)
			return usage_error("unknown command '%s'", argv[optind + 1]);
		if (about)
			printf("Usage: tcpfwctl [OPTIONS] %s%s%s\n%s\n", about->name,
			       *about->args ? " " : "", about->args, about->help);
		else
			help();
		return flush_stdout();
	}
	rc = run(c, &o, argv + optind + 1, nargs);
	return flush_stdout() && !rc ? RC_FAILED : rc;
}
