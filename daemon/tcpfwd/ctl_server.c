// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "ctl_client.h"
#include "ctl_server.h"
#include "fs_acl.h"
#include "log.h"
#include "loop.h"

#define CTL_TICK_MS    50 /* event delivery and idle checks */
#define CTL_MAX_GROUPS 256

/* refusals are logged, but a local client must not be able to flood the log with them */
static struct log_ratelimit refuse_rl, accept_rl;

/* ---- output ---- */

static void client_close(struct ctl_server *s, struct ctl_client *c)
{
	if (c->op == CTL_OP_WATCH)
		ctl_methods_unwatch(s, c);
	if (c->op == CTL_OP_TRACE)
		ctl_trace_stop(s, c);
	loop_remove_fd(s->loop, c->fd);
	close(c->fd);
	s->clients[c->slot] = NULL;
	s->n_clients--;
	free(c->in);
	free(c->out);
	free(c);
}

/* Writes what it can; watches EPOLLOUT while output is pending. Returns false if closed. */
static bool client_flush(struct ctl_server *s, struct ctl_client *c)
{
	while (c->out_len) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == -1) {
			client_close(s, c);
			return false;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	if (!c->out_len && c->closing) {
		client_close(s, c);
		return false;
	}
	/* a running list wants EPOLLOUT even when drained: writable means "next chunk" */
	bool want_out = c->out_len || c->op == CTL_OP_LIST;
	/* a client that does not read its replies gets no more until it does */
	bool want_in = c->out_len < CTL_REPLY_BACKLOG;
	loop_modify_fd(s->loop, c->fd, (want_in ? EPOLLIN : 0) | (want_out ? EPOLLOUT : 0));
	return true;
}

static void client_queue(struct ctl_client *c, const char *text)
{
	size_t len = strlen(text) + 1; /* the NUL frames the message */

	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + len)
			cap *= 2;
		char *p = realloc(c->out, cap);
		if (!p) {
			c->closing = true; /* out of memory: drop this client, not the daemon */
			return;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out_len += len;
}

void ctl_client_reply(struct ctl_server *s, struct ctl_client *c, const struct ctl_reply *r)
{
	char *text = ctl_reply_format(r);

	(void)s;
	if (!text) {
		c->closing = true;
		return;
	}
	client_queue(c, text);
	free(text);
}

void ctl_client_error(struct ctl_server *s, struct ctl_client *c, enum ctl_error e,
		      const char *message)
{
	struct ctl_reply r = {.method = c->req.method, .error = (uint8_t)e};

	snprintf(r.message, sizeof(r.message), "%s", message ? message : "");
	ctl_client_reply(s, c, &r);
}

/* ---- input ---- */

static void handle_request(struct ctl_server *s, struct ctl_client *c, size_t len)
{
	struct ctl_request req;
	struct ctl_reply err = {0};

	if (ctl_request_parse(c->in, len, s->max_request, &req, &err) < 0) {
		ctl_client_reply(s, c, &err);
		return;
	}
	c->req = req;
	ctl_methods_run(s, c, &req);
}

/* Answers the whole requests received, while no stream runs and the client reads replies. */
static void process_input(struct ctl_server *s, struct ctl_client *c)
{
	char *nul;

	while (c->op == CTL_OP_NONE && !c->closing && c->out_len < CTL_REPLY_BACKLOG &&
	       (nul = memchr(c->in, '\0', c->in_len)) != NULL) {
		size_t len = (size_t)(nul - c->in);
		handle_request(s, c, len);
		memmove(c->in, nul + 1, c->in_len - len - 1);
		c->in_len -= len + 1;
		c->request_start_ms = clock_now_ms(); /* what remains is the next request */
	}
}

static void client_read(struct ctl_server *s, struct ctl_client *c)
{
	while (c->out_len < CTL_REPLY_BACKLOG) {
		size_t room = s->max_request + 1 - c->in_len;
		ssize_t n = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			client_close(s, c);
			return;
		}
		c->last_active_ms = clock_now_ms();
		if (!c->in_len)
			c->request_start_ms = c->last_active_ms;
		c->in_len += (size_t)n;
		process_input(s, c);
		if (c->in_len > s->max_request) {
			ctl_client_error(s, c, CTL_ERR_TOO_LARGE,
					 "request larger than control.max_request");
			c->closing = true;
			break;
		}
		if (c->op != CTL_OP_NONE)
			break; /* a stream is running: further input waits (varlink: one call) */
	}
	client_flush(s, c);
}

static void on_client(void *arg, int fd, uint32_t events)
{
	struct ctl_client *c = arg;
	struct ctl_server *s = c->server;

	(void)fd;
	if (events & (EPOLLHUP | EPOLLERR)) {
		client_close(s, c);
		return;
	}
	if (events & EPOLLOUT) {
		if (!client_flush(s, c))
			return;
		/* a streamed list continues only as fast as the client reads it */
		if (c->op == CTL_OP_LIST && !c->out_len && !ctl_methods_list_next(s, c))
			c->op = CTL_OP_NONE;
		/* requests that waited for the client to read its replies */
		process_input(s, c);
		if (!client_flush(s, c))
			return;
	}
	if (events & EPOLLIN)
		client_read(s, c);
}

/* ---- access ---- */

static bool peer_in_group(int fd, const struct ucred *cred, gid_t gid)
{
	gid_t groups[CTL_MAX_GROUPS];
	socklen_t len = sizeof(groups);

	if (gid == (gid_t)-1)
		return false;
	if (cred->gid == gid)
		return true;
	/* the peer's supplementary groups, as the kernel recorded them at connect() */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static enum ctl_role peer_role(struct ctl_server *s, int fd, const struct ucred *cred)
{
	if (cred->uid == 0 || peer_in_group(fd, cred, s->admin_gid))
		return CTL_ROLE_ADMIN;
	if (cred->uid == s->own_uid || peer_in_group(fd, cred, s->read_gid))
		return CTL_ROLE_READ;
	return CTL_ROLE_NONE;
}

/* Says why, then closes: used before a client gets a slot. */
static void refuse(int fd, enum ctl_error e, const char *message)
{
	struct ctl_reply r = {.error = (uint8_t)e};
	char *text;

	snprintf(r.message, sizeof(r.message), "%s", message);
	text = ctl_reply_format(&r);
	if (text && send(fd, text, strlen(text) + 1, MSG_NOSIGNAL | MSG_DONTWAIT) == -1) {
		/* the peer is gone or slow; it is refused either way */
	}
	free(text);
	close(fd);
}

static void on_accept(void *arg, int lfd, uint32_t events)
{
	struct ctl_server *s = arg;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uint32_t suppressed;

	(void)events;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		int err = -errno;
		/* out of descriptors, the connection stays queued and the socket readable: rest
		 * until the next tick rather than spin */
		if (err == -EMFILE || err == -ENFILE || err == -ENOBUFS || err == -ENOMEM) {
			loop_modify_fd(s->loop, lfd, 0);
			s->accept_paused = true;
		}
		if (log_ratelimit_ok(&accept_rl, clock_now_ms(), 1, &suppressed))
			log_errno(CONFIG_LOG_WARNING, err, "control: accept");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		close(fd);
		return;
	}
	enum ctl_role role = peer_role(s, fd, &cred);
	if (role == CTL_ROLE_NONE) {
		if (log_ratelimit_ok(&refuse_rl, clock_now_ms(), 10, &suppressed)) {
			if (suppressed)
				log_warning("control: %u refused connections not logged",
					    suppressed);
			log_warning("control: refused uid %u gid %u (pid %d): not in the socket's "
				    "group",
				    (unsigned)cred.uid, (unsigned)cred.gid, (int)cred.pid);
		}
		refuse(fd, CTL_ERR_PERMISSION_DENIED, "not allowed to use the control socket");
		return;
	}
	if (s->n_clients >= s->max_clients) {
		refuse(fd, CTL_ERR_BUSY, "too many control clients");
		return;
	}
	struct ctl_client *c = calloc(1, sizeof(*c));
	char *in = malloc(s->max_request + 1);
	unsigned slot = 0;
	while (slot < CTL_MAX_CLIENTS && s->clients[slot])
		slot++;
	if (!c || !in || slot == CTL_MAX_CLIENTS) {
		free(c);
		free(in);
		refuse(fd, CTL_ERR_BUSY, "no room for another client");
		return;
	}
	*c = (struct ctl_client){.server = s,
				 .slot = slot,
				 .fd = fd,
				 .role = (uint8_t)role,
				 .uid = cred.uid,
				 .pid = cred.pid,
				 .in = in,
				 .last_active_ms = clock_now_ms()};
	if (loop_add_fd(s->loop, fd, EPOLLIN, on_client, c) < 0) {
		free(c);
		free(in);
		refuse(fd, CTL_ERR_BUSY, "no room for another client");
		return;
	}
	s->clients[slot] = c;
	s->n_clients++;
}

/* ---- timers ---- */

static void on_tick(void *arg)
{
	struct ctl_server *s = arg;
	uint64_t now = clock_now_ms();

	if (s->n_watchers)
		ctl_methods_pump_events(s);
	if (s->n_tracers)
		ctl_trace_pump(s);
	/* the counts the limiters held back, once their second is over */
	uint32_t n = log_ratelimit_flush(&s->call_refuse_rl, now);
	if (n)
		log_warning("control: %u refusals not logged", n);
	n = log_ratelimit_flush(&refuse_rl, now);
	if (n)
		log_warning("control: %u refused connections not logged", n);
	if (s->accept_paused) {
		s->accept_paused = false;
		loop_modify_fd(s->loop, s->listen_fd, EPOLLIN);
	}
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *c = s->clients[i];
		if (!c)
			continue;
		if (c->op == CTL_OP_WATCH) {
			if (c->out_len > CTL_WATCH_BACKLOG) {
				/* drop the backlog: the error must reach the client ahead of it */
				c->out_len = 0;
				ctl_client_error(s, c, CTL_ERR_TOO_SLOW,
						 "watch consumer fell behind");
				c->closing = true;
			}
			client_flush(s, c);
			continue;
		}
		if (c->op == CTL_OP_TRACE) {
			client_flush(s, c);
			continue;
		}
		if (c->op != CTL_OP_NONE)
			continue;
		if (now - c->last_active_ms > s->idle_timeout_ms) {
			log_debug("control: closing idle client uid %u", (unsigned)c->uid);
			client_close(s, c);
		} else if (c->in_len && now - c->request_start_ms > s->request_timeout_ms) {
			/* bytes trickling in keep a client active, but not forever (slowloris) */
			log_debug(
				"control: closing client uid %u: request incomplete after %llu ms",
				(unsigned)c->uid, (unsigned long long)(now - c->request_start_ms));
			client_close(s, c);
		}
	}
}

/* ---- setup ---- */

/*
 * control.admin_group reaches the socket through an ACL entry: a file has one group, and that
 * is control.group. Without ACL support admin_group members must also be in control.group.
 * Returns 0 or -errno.
 */
static int grant_admin(const struct ctl_server *s, const char *path, unsigned perm)
{
	if (s->admin_gid == (gid_t)-1 || s->admin_gid == s->read_gid)
		return 0;
	int r = fs_acl_grant_group(path, s->admin_gid, perm);
	if (r == -EOPNOTSUPP) {
		log_warning(
			"control: %s: no ACLs here, so admin_group members must also be in group",
			path);
		return 0;
	}
	return r;
}

/*
 * The socket's directory, when tcpfwd owns it (made it, or got it from systemd's
 * RuntimeDirectory=): readers must get through it to the socket, so it takes control.group
 * and admin_group may traverse it too. A directory of another owner is left as it is.
 */
static int open_dir(const struct ctl_server *s, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == -1)
		return -errno;
	if (st.st_uid != geteuid())
		return 0;
	if (st.st_gid != s->read_gid && chown(dir, (uid_t)-1, s->read_gid) == -1)
		return -errno;
	return grant_admin(s, dir, 5);
}

static int make_socket(struct ctl_server *s, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	char dir[sizeof(sa.sun_path)];
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) == -1 && errno != EEXIST)
			return -errno;
		int r = open_dir(s, dir);
		if (r < 0)
			return r;
	}
	/* a stale socket from an earlier run; never remove anything that is not a socket */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -errno;
	mode_t old = umask(0117); /* the socket file is born 0660 */
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r == -1 || (s->read_gid != getegid() && chown(path, (uid_t)-1, s->read_gid) == -1) ||
	    chmod(path, 0660) == -1 || listen(fd, 64) == -1)
		r = -errno;
	else
		r = grant_admin(s, path, 6);
	if (r < 0) {
		close(fd);
		return r;
	}
	s->listen_fd = fd;
	snprintf(s->path, sizeof(s->path), "%s", path);
	return 0;
}

static int lookup_group(const char *name, gid_t *gid)
{
	struct group *g;

	if (!name[0])
		return 0;
	g = getgrnam(name);
	if (!g)
		return -ENOENT;
	*gid = g->gr_gid;
	return 0;
}

int ctl_server_new(const struct ctl_ops *ops, void *ctx, struct loop *loop, struct ctl_server **ret)
{
	const struct config *cfg = ops->config(ctx);
	struct ctl_server *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return log_errno(CONFIG_LOG_ERR, -ENOMEM, "control");
	*s = (struct ctl_server){
		.ops = ops,
		.ctx = ctx,
		.loop = loop,
		.listen_fd = -1,
		.read_gid = getegid(),
		.admin_gid = (gid_t)-1,
		.own_uid = geteuid(),
		.max_request = cfg->control.max_request,
		.max_clients = cfg->control.max_clients < CTL_MAX_CLIENTS ? cfg->control.max_clients
									  : CTL_MAX_CLIENTS,
		.idle_timeout_ms = cfg->control.idle_timeout_ms,
		.request_timeout_ms = cfg->control.idle_timeout_ms < CTL_REQUEST_TIMEOUT_MS
					      ? cfg->control.idle_timeout_ms
					      : CTL_REQUEST_TIMEOUT_MS,
	};
	if (lookup_group(cfg->control.group, &s->read_gid) < 0 ||
	    lookup_group(cfg->control.admin_group, &s->admin_gid) < 0) {
		free(s);
		log_err("control: no such group '%s' or '%s'", cfg->control.group,
			cfg->control.admin_group);
		return -ENOENT;
	}
	r = make_socket(s, cfg->control.socket);
	if (r < 0) {
		free(s);
		return log_errno(CONFIG_LOG_ERR, r, "control: socket %s", cfg->control.socket);
	}
	r = loop_add_fd(loop, s->listen_fd, EPOLLIN, on_accept, s);
	if (r == 0)
		r = loop_add_timer(loop, CTL_TICK_MS, on_tick, s);
	if (r < 0) {
		ctl_server_free(s);
		return log_errno(CONFIG_LOG_ERR, r, "control: event loop");
	}
	*ret = s;
	return 0;
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		if (s->clients[i])
			client_close(s, s->clients[i]);
	if (s->listen_fd != -1) {
		loop_remove_fd(s->loop, s->listen_fd);
		close(s->listen_fd);
		unlink(s->path);
	}
	free(s);
}
