/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loop - the main thread's event loop: epoll over file descriptors, a signalfd and timerfds.
 *
 * Signals arrive as ordinary events, so no handler ever runs code in signal context. Callbacks
 * run one at a time on the loop's thread and must not block. It knows nothing of firewalls.
 */
#ifndef TCPFW_LOOP_H
#define TCPFW_LOOP_H

#include <stddef.h>
#include <stdint.h>

struct loop;

typedef void loop_fd_fn(void *arg, int fd, uint32_t events);
typedef void loop_signal_fn(void *arg, int signo);
typedef void loop_timer_fn(void *arg);

/* Returns 0 and *ret, or -errno. */
int loop_new(struct loop **ret);

/* Closes the loop's own descriptors (not those added with loop_add_fd). NULL is a no-op. */
void loop_free(struct loop *l);

/* Calls fn when fd is ready for `events` (EPOLLIN ...). Returns 0 or -errno. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn *fn, void *arg);

/* Changes the events watched on fd. Returns 0 or -errno. */
int loop_modify_fd(struct loop *l, int fd, uint32_t events);

/* Stops watching fd. Returns 0 or -errno. */
int loop_remove_fd(struct loop *l, int fd);

/*
 * Blocks the given signals in the calling thread (call it before starting other threads, which
 * inherit the mask) and delivers them to fn through a signalfd. Once per loop.
 */
int loop_set_signals(struct loop *l, const int *signals, size_t n, loop_signal_fn *fn, void *arg);

/* Calls fn every interval_ms (a timerfd on CLOCK_MONOTONIC). Returns 0 or -errno. */
int loop_add_timer(struct loop *l, uint64_t interval_ms, loop_timer_fn *fn, void *arg);

/* Runs until loop_quit(). Returns 0, or -errno if epoll fails. */
int loop_run(struct loop *l);

void loop_quit(struct loop *l);

#endif /* TCPFW_LOOP_H */
