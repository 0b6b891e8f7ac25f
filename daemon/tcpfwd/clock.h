/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clock - the daemon's time: CLOCK_MONOTONIC in milliseconds, as the core expects; the wall
 * clock only to show when something happened. */
#ifndef TCPFW_CLOCK_H
#define TCPFW_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline uint64_t clock_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The wall clock, for what operators read (timestamps), never for timing. */
static inline uint64_t clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A moment on the monotonic clock (at most now_ms) on the wall clock. */
static inline uint64_t clock_wall_at(uint64_t mono_ms, uint64_t now_ms)
{
	uint64_t wall = clock_wall_ms(), ago = now_ms > mono_ms ? now_ms - mono_ms : 0;

	return wall > ago ? wall - ago : 0;
}

#endif /* TCPFW_CLOCK_H */
