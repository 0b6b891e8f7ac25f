/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_proto_cases - helpers shared by the ctl_proto tests (test_ctl_proto.c and
 * test_ctl_proto_reject.c: calls and errors, test_ctl_proto_reply.c and
 * test_ctl_proto_reply_reject.c: replies and tcpfwctl -j). Builders return sample values, the heap
 * ones (stats, status) owned by the caller; the checks fail the running cmocka test. The file
 * is linked into every unit test binary, hence the ctlcase_ prefix on every name.
 */
#ifndef TCPFW_CTL_PROTO_CASES_H
#define TCPFW_CTL_PROTO_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

/* Address text of the family (4 or 6) -> out, zero-padded to 16 bytes; asserts it parses. */
void ctlcase_addr(uint8_t family, const char *text, uint8_t out[16]);

/* An assured ESTABLISHED flow src:40000 -> dst:80 on queue 3, 431999.9 s left, with this id. */
struct ctl_flow ctlcase_flow(uint8_t family, const char *src, const char *dst, uint32_t id);

/* Asserts every field of a equals b's. */
void ctlcase_assert_flow_equal(const struct ctl_flow *a, const struct ctl_flow *b);

/* Replication in `state` with peer 192.0.2.9, heard, and a distinct value in every counter;
 * with CTL_SYNC_DISABLED all zero. */
struct ctl_sync ctlcase_sync(uint8_t state);

/* Stats with n_queues queues (at most 64), replication in sync, and a distinct value in every
 * counter (free()). */
struct ctl_stats *ctlcase_stats(unsigned n_queues);

/* Status of queues 10-13 with two overridden parameters, replication in sync (free()). */
struct ctl_status *ctlcase_status(void);

/*
 * Formats in, parses the text back into *out as a reply to in->method and asserts the common
 * part (method, error, message, parameter, continues) survived; the caller compares the result
 * and frees out's members. Returns the text (free()).
 */
char *ctlcase_roundtrip_reply(const struct ctl_reply *in, struct ctl_reply *out);

/* Asserts ctl_reply_parse() refuses text as a reply to m with -EINVAL. */
void ctlcase_assert_reply_rejected(enum ctl_method m, const char *text);

/* ---- calls ---- */

#define CTLCASE_MAX_MESSAGE   CTL_PROTO_MAX_MESSAGE_DEFAULT
#define CTLCASE_INVALID_JSON  "io.tcpfw.InvalidJson"
#define CTLCASE_TOO_LARGE     "io.tcpfw.MessageTooLarge"
#define CTLCASE_NO_METHOD     "org.varlink.service.MethodNotFound"
#define CTLCASE_INVALID_PARAM "org.varlink.service.InvalidParameter"

/* The error reply of the last ctlcase_parse_req() or rejection check. */
extern struct ctl_reply ctlcase_err;

/* ctl_request_parse() of text (at most CTLCASE_MAX_MESSAGE), its error in ctlcase_err. */
int ctlcase_parse_req(const char *text, struct ctl_request *req);

/* The request text parses to; fails the test, with the error, if it does not. */
struct ctl_request ctlcase_parse_ok(const char *text);

/* text is refused with the error name and parameter, a one-line message, *req untouched. */
void ctlcase_assert_rejected_len(const char *text, size_t len, const char *name, const char *param);
void ctlcase_assert_rejected(const char *text, const char *name, const char *param);

/* A call of method with the parameters object text is refused as naming param. */
void ctlcase_assert_bad_param(const char *method, const char *params, const char *param);

/* Asserts every field of a equals b's. */
void ctlcase_assert_filter_equal(const struct ctl_filter *a, const struct ctl_filter *b);
void ctlcase_assert_request_equal(const struct ctl_request *a, const struct ctl_request *b);

/* format -> parse gives the request back; returns the text (free()). */
char *ctlcase_roundtrip_req(const struct ctl_request *in);

#endif /* TCPFW_CTL_PROTO_CASES_H */
