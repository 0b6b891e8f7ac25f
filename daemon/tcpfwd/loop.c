// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_MAX_SOURCES 1024

struct loop_source {
	int fd;
	bool owned;	/* the loop created it (signalfd, timerfd) and closes it */
	bool free_arg;	/* arg is the loop's own allocation (a timer's closure) */
	loop_fd_fn *fn; /* NULL once removed: freed after the current batch */
	void *arg;
};

struct loop {
	int epoll_fd;
	bool quit;
	loop_signal_fn *signal_fn;
	void *signal_arg;
	struct loop_source *sources[LOOP_MAX_SOURCES];
	struct loop_source *dead[LOOP_MAX_SOURCES]; /* removed during a batch */
	size_t n_dead;
};

static void source_free(struct loop_source *s)
{
	if (s->owned)
		close(s->fd);
	if (s->free_arg)
		free(s->arg);
	free(s);
}

static void reap(struct loop *l)
{
	for (size_t i = 0; i < l->n_dead; i++)
		source_free(l->dead[i]);
	l->n_dead = 0;
}

int loop_new(struct loop **ret)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epoll_fd == -1) {
		int r = -errno;
		free(l);
		return r;
	}
	*ret = l;
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	reap(l);
	for (size_t i = 0; i < LOOP_MAX_SOURCES; i++)
		if (l->sources[i])
			source_free(l->sources[i]);
	close(l->epoll_fd);
	free(l);
}

static int add_source(struct loop *l, int fd, bool owned, bool free_arg, uint32_t events,
		      loop_fd_fn *fn, void *arg)
{
	size_t slot = 0;

	while (slot < LOOP_MAX_SOURCES && l->sources[slot])
		slot++;
	if (slot == LOOP_MAX_SOURCES)
		return -EMFILE;
	struct loop_source *s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	*s = (struct loop_source){
		.fd = fd, .owned = owned, .free_arg = free_arg, .fn = fn, .arg = arg};
	struct epoll_event ev = {.events = events, .data.ptr = s};
	if (epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		int r = -errno;
		free(s);
		return r;
	}
	l->sources[slot] = s;
	return 0;
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn *fn, void *arg)
{
	return add_source(l, fd, false, false, events, fn, arg);
}

int loop_modify_fd(struct loop *l, int fd, uint32_t events)
{
	for (size_t i = 0; i < LOOP_MAX_SOURCES; i++) {
		struct loop_source *s = l->sources[i];
		if (!s || s->fd != fd)
			continue;
		struct epoll_event ev = {.events = events, .data.ptr = s};
		return epoll_ctl(l->epoll_fd, EPOLL_CTL_MOD, fd, &ev) == -1 ? -errno : 0;
	}
	return -ENOENT;
}

int loop_remove_fd(struct loop *l, int fd)
{
	for (size_t i = 0; i < LOOP_MAX_SOURCES; i++) {
		struct loop_source *s = l->sources[i];
		if (!s || s->fd != fd)
			continue;
		if (epoll_ctl(l->epoll_fd, EPOLL_CTL_DEL, fd, NULL) == -1)
			return -errno;
		s->fn = NULL; /* the current batch may still hold a pointer to it */
		l->dead[l->n_dead++] = s;
		l->sources[i] = NULL;
		return 0;
	}
	return -ENOENT;
}

static void on_signalfd(void *arg, int fd, uint32_t events)
{
	struct loop *l = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si))
		l->signal_fn(l->signal_arg, (int)si.ssi_signo);
}

int loop_set_signals(struct loop *l, const int *signals, size_t n, loop_signal_fn *fn, void *arg)
{
	sigset_t mask;
	int fd, r;

	sigemptyset(&mask);
	for (size_t i = 0; i < n; i++)
		sigaddset(&mask, signals[i]);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		return -errno;
	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1)
		return -errno;
	l->signal_fn = fn;
	l->signal_arg = arg;
	r = add_source(l, fd, true, false, EPOLLIN, on_signalfd, l);
	if (r < 0)
		close(fd);
	return r;
}

struct loop_timer {
	loop_timer_fn *fn;
	void *arg;
};

static void on_timerfd(void *arg, int fd, uint32_t events)
{
	struct loop_timer *t = arg;
	uint64_t expirations;

	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) == sizeof(expirations))
		t->fn(t->arg);
}

int loop_add_timer(struct loop *l, uint64_t interval_ms, loop_timer_fn *fn, void *arg)
{
	struct itimerspec its = {
		.it_interval = {.tv_sec = (time_t)(interval_ms / 1000),
				.tv_nsec = (long)(interval_ms % 1000) * 1000000},
	};
	struct loop_timer *t;
	int fd, r;

	its.it_value = its.it_interval;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd == -1)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL) == -1) {
		r = -errno;
		close(fd);
		return r;
	}
	t = malloc(sizeof(*t));
	if (!t) {
		close(fd);
		return -ENOMEM;
	}
	*t = (struct loop_timer){.fn = fn, .arg = arg};
	r = add_source(l, fd, true, true, EPOLLIN, on_timerfd, t);
	if (r < 0) {
		close(fd);
		free(t);
	}
	return r;
}

int loop_run(struct loop *l)
{
	struct epoll_event ev[16];

	while (!l->quit) {
		int n = epoll_wait(l->epoll_fd, ev, 16, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->quit; i++) {
			struct loop_source *s = ev[i].data.ptr;
			if (s->fn)
				s->fn(s->arg, s->fd, ev[i].events);
		}
		reap(l);
	}
	return 0;
}

void loop_quit(struct loop *l)
{
	l->quit = true;
}
