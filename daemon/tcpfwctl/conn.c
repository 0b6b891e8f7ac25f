// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"

#define READ_CHUNK 65536

int conn_open(struct conn *c, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->deadline_ms = -1;
	c->out_fd = -1;
	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	while (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int conn_send(struct conn *c, const char *msg, size_t len)
{
	ssize_t w;

	while (len) {
		w = send(c->fd, msg, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		msg += w;
		len -= (size_t)w;
	}
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t conn_now_ms(void)
{
	return now_ms();
}

void conn_set_deadline(struct conn *c, int64_t deadline_ms)
{
	c->deadline_ms = deadline_ms;
}

static bool stopped(const struct conn *c)
{
	return c->stop && *c->stop;
}

/* Waits for input until the deadline: 1 readable, -ETIMEDOUT, -EINTR on a stop signal. */
static int conn_wait(struct conn *c)
{
	/* a pipe's write end reports POLLERR once its reader is gone; no event needs asking */
	struct pollfd pfd[2] = {{.fd = c->fd, .events = POLLIN}, {.fd = c->out_fd}};
	int64_t left;
	int n;

	for (;;) {
		left = c->deadline_ms < 0 ? -1 : c->deadline_ms - now_ms();
		if (c->deadline_ms >= 0 && left <= 0)
			return -ETIMEDOUT;
		n = poll(pfd, c->out_fd >= 0 ? 2 : 1,
			 left < 0	? -1
			 : left > 60000 ? 60000
					: (int)left);
		if (n > 0 && pfd[1].revents & (POLLERR | POLLHUP))
			return -EPIPE;
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -errno;
		if (stopped(c))
			return -EINTR;
	}
}

/* Room for more input: the unread bytes move to the front, the buffer doubles when full. */
static int conn_make_room(struct conn *c)
{
	size_t cap;
	char *p;

	if (c->off) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->scanned -= c->off;
		c->off = 0;
	}
	if (c->len < c->cap)
		return 0;
	if (c->cap > CONN_MAX_MESSAGE) /* holds CONN_MAX_MESSAGE + 1 bytes and no NUL */
		return -EMSGSIZE;
	cap = c->cap ? c->cap * 2 : READ_CHUNK;
	cap = cap > CONN_MAX_MESSAGE + 1 ? CONN_MAX_MESSAGE + 1 : cap;
	p = realloc(c->buf, cap);
	if (!p)
		return -ENOMEM;
	c->buf = p;
	c->cap = cap;
	return 0;
}

/* Reads more bytes: 1, 0 at end of stream, or a negative errno. */
static int conn_fill(struct conn *c)
{
	ssize_t n;
	int ret;

	ret = conn_make_room(c);
	if (ret)
		return ret;
	do {
		ret = conn_wait(c);
		if (ret < 0)
			return ret;
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	} while (n < 0 && errno == EINTR && !stopped(c));
	if (n < 0)
		return stopped(c) ? -EINTR : -errno;
	c->len += (size_t)n;
	return n > 0;
}

int conn_next(struct conn *c, char **msg, size_t *len)
{
	char *nul;
	int ret;

	for (;;) {
		nul = c->len > c->scanned ? memchr(c->buf + c->scanned, '\0', c->len - c->scanned)
					  : NULL;
		if (nul) {
			*msg = c->buf + c->off;
			*len = (size_t)(nul - *msg);
			c->off = c->scanned = (size_t)(nul - c->buf) + 1;
			return 1;
		}
		c->scanned = c->len;
		ret = conn_fill(c);
		if (ret <= 0)
			return ret;
	}
}

void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->off = c->scanned = c->len = c->cap = 0;
}
