/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the packet_parse tests (test_packet.c, test_packet_tcp.c). */
#ifndef TCPFW_PACKET_CASES_H
#define TCPFW_PACKET_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "pktbuild.h"

/* A copy of exactly n bytes on the heap, so ASan flags any read past the buffer. The caller
 * frees it. Fails the running cmocka test if malloc does.
 */
uint8_t *pktcase_dup_exact(const uint8_t *src, size_t n);

/* Every option and a payload: MSS, SACK_PERM+TS, WSCALE, one SACK block (32 option bytes). */
void pktcase_build_full(struct pktbuild *b, uint8_t family);

/* Asserts every field of p equals what b wrote; addresses by content. */
void pktcase_check_fields(const struct pktbuild *b, const struct packet *p);

#endif /* TCPFW_PACKET_CASES_H */
