/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_proto_cases - helpers shared by the ctl_proto tests (test_ctl_proto.c: calls and errors,
 * test_ctl_proto_reply.c: replies and tcpfwctl -j). Builders return sample values, the heap
 * ones (stats, status) owned by the caller; the checks fail the running cmocka test. The file
 * is linked into every unit test binary, hence the ctlcase_ prefix on every name.
 */
#ifndef TCPFW_CTL_PROTO_CASES_H
#define TCPFW_CTL_PROTO_CASES_H

#include <stdint.h>

#include "ctl_proto.h"

/* Address text of the family (4 or 6) -> out, zero-padded to 16 bytes; asserts it parses. */
void ctlcase_addr(uint8_t family, const char *text, uint8_t out[16]);

/* An assured ESTABLISHED flow src:40000 -> dst:80 on queue 3, 431999.9 s left, with this id. */
struct ctl_flow ctlcase_flow(uint8_t family, const char *src, const char *dst, uint32_t id);

/* Asserts every field of a equals b's. */
void ctlcase_assert_flow_equal(const struct ctl_flow *a, const struct ctl_flow *b);

/* Stats with n_queues queues (at most 64) and a distinct value in every counter (free()). */
struct ctl_stats *ctlcase_stats(unsigned n_queues);

/* Status of queues 10-13 with two overridden parameters (free()). */
struct ctl_status *ctlcase_status(void);

/*
 * Formats in, parses the text back into *out as a reply to in->method and asserts the common
 * part (method, error, message, parameter, continues) survived; the caller compares the result
 * and frees out's members. Returns the text (free()).
 */
char *ctlcase_roundtrip_reply(const struct ctl_reply *in, struct ctl_reply *out);

/* Asserts ctl_reply_parse() refuses text as a reply to m with -EINVAL. */
void ctlcase_assert_reply_rejected(enum ctl_method m, const char *text);

#endif /* TCPFW_CTL_PROTO_CASES_H */
