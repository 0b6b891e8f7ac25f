/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn - tcpfwctl's side of the control socket: connect, send one call, read NUL-framed replies.
 *
 * Replies are handed out one at a time from a buffer that grows to the largest reply seen (at
 * most CONN_MAX_MESSAGE bytes) and is reused, so a stream of any length costs one reply's worth
 * of memory. A deadline and a stop flag (set from a signal handler) end a wait early, which is
 * how a daemon that does not answer, `watch --duration` and ^C finish cleanly; so does a reader
 * of our output that went away (`watch | head -1`).
 */
#ifndef TCPFWCTL_CONN_H
#define TCPFWCTL_CONN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define CONN_MAX_MESSAGE (16u << 20) /* bytes in one reply; a List chunk is far smaller */

struct conn {
	int fd;
	char *buf; /* bytes [off, len) are unread; [off, scanned) hold no NUL */
	size_t off, scanned, len, cap;
	int64_t deadline_ms;		   /* CLOCK_MONOTONIC; -1: wait forever */
	const volatile sig_atomic_t *stop; /* may be NULL */
	int out_fd;			   /* -1, or our output: a wait ends when it breaks */
};

/* Connects to the AF_UNIX stream socket at path. Returns 0, or a negative errno. */
int conn_open(struct conn *c, const char *path);

/* Sends len bytes (a call with its NUL). Returns 0, or a negative errno. */
int conn_send(struct conn *c, const char *msg, size_t len);

/*
 * The next reply without its NUL, valid until the next call: returns 1 and sets *msg and *len,
 * 0 when the daemon closed the connection, or a negative errno: -ETIMEDOUT past the deadline,
 * -EINTR when *stop was set, -EPIPE when out_fd's reader went away, -EMSGSIZE for a reply
 * over CONN_MAX_MESSAGE.
 */
int conn_next(struct conn *c, char **msg, size_t *len);

/* The clock deadlines are on: CLOCK_MONOTONIC, in ms. */
int64_t conn_now_ms(void);

/* Ends the waits at deadline_ms (conn_now_ms() time), or never with -1. */
void conn_set_deadline(struct conn *c, int64_t deadline_ms);

/* Closes the socket and frees the buffer. */
void conn_close(struct conn *c);

#endif /* TCPFWCTL_CONN_H */
