/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * make_seeds - what make_seeds.c (the program, and most harnesses' seeds), make_seeds_ctl.c
 * (the ctl_proto seeds), make_seeds_nfq.c (the nfqueue seeds) and make_seeds_sync.c (the
 * sync_proto seeds) share. Both exit(1) with a message on any failure.
 */
#ifndef TCPFW_MAKE_SEEDS_H
#define TCPFW_MAKE_SEEDS_H

#include <stddef.h>
#include <stdint.h>

/* Writes len bytes as the seed <root>/<harness>/<name>. */
void put(const char *harness, const char *name, const void *data, size_t len);

/* The same for a NUL-terminated text, without its NUL. */
void put_str(const char *harness, const char *name, const char *text);

/* A valid IPv4 (family 4) or IPv6 SYN in buf; returns its length. */
size_t syn(uint8_t family, uint8_t *buf);

/* The ctl_proto harness's seeds (make_seeds_ctl.c). */
void ctl_seeds(void);

/* The nfqueue harness's seeds (make_seeds_nfq.c). */
void nfqueue_seeds(void);

/* The sync_proto harness's seeds (make_seeds_sync.c). */
void sync_seeds(void);

#endif /* TCPFW_MAKE_SEEDS_H */
