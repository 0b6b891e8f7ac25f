/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clock - the daemon's one time source: CLOCK_MONOTONIC in milliseconds, as the core expects. */
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

#endif /* TCPFW_CLOCK_H */
