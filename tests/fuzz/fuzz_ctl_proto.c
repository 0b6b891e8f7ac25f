// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_ctl_proto - the control socket's untrusted text: the input as a call (ctl_request_parse,
 * the daemon's side) and as a reply to each method (ctl_reply_parse, tcpfwctl's side).
 * Invariants: a call that parses formats (ctl_request_format) into text that parses to an equal
 * call; a refused call yields an error reply that formats and parses back to the same error; a
 * reply that parses formats, and formatting is a fixed point (format(parse(format(r))) ==
 * format(r)); the -j view of a parsed reply exists; nothing leaks (LSan).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "fuzz_common.h"

static bool same_request(const struct ctl_request *a, const struct ctl_request *b)
{
	const struct ctl_filter *x = &a->filter, *y = &b->filter;

	return a->method == b->method && a->more == b->more && a->drops == b->drops &&
	       a->reset == b->reset && x->family == y->family && x->has_src == y->has_src &&
	       x->has_dst == y->has_dst &&
	       (!x->has_src || (memcmp(x->src, y->src, 16) == 0 && x->src_plen == y->src_plen)) &&
	       (!x->has_dst || (memcmp(x->dst, y->dst, 16) == 0 && x->dst_plen == y->dst_plen)) &&
	       x->sport == y->sport && x->dport == y->dport && x->state_mask == y->state_mask &&
	       strcmp(a->param.name, b->param.name) == 0 &&
	       strcmp(a->param.value, b->param.value) == 0;
}

/* The error reply the daemon would send back for a refused call. */
static void check_error_reply(const struct ctl_reply *err)
{
	struct ctl_reply back;

	CHECK(err->error > CTL_OK && err->error < _CTL_ERR_MAX);
	CHECK(err->method < _CTL_METHOD_MAX);
	CHECK(fuzz_terminated(err->message, sizeof(err->message)) && err->message[0]);
	CHECK(fuzz_terminated(err->parameter, sizeof(err->parameter)));
	CHECK(!err->continues && !err->flows && !err->stats && !err->status && !err->params);

	char *text = ctl_reply_format(err);
	CHECK(text);
	CHECK(ctl_reply_parse(text, strlen(text), (enum ctl_method)err->method, &back) == 0);
	CHECK(back.error == err->error);
	CHECK(strcmp(back.message, err->message) == 0);
	CHECK(strcmp(back.parameter, err->parameter) == 0);
	ctl_reply_free_members(&back);
	free(text);
}

static void check_request(const char *msg, size_t len)
{
	struct ctl_request req, again;
	struct ctl_reply err;

	memset(&err, 0, sizeof(err));
	int r = ctl_request_parse(msg, len, CTL_PROTO_MAX_MESSAGE_DEFAULT, &req, &err);
	CHECK(r == 0 || r == -EINVAL);
	if (len > 0) {
		struct ctl_reply big;
		memset(&big, 0, sizeof(big));
		CHECK(ctl_request_parse(msg, len, len - 1, &again, &big) == -EINVAL);
		CHECK(big.error == CTL_ERR_TOO_LARGE);
	}
	if (r) {
		check_error_reply(&err);
		return;
	}
	CHECK(req.method < _CTL_METHOD_MAX);
	CHECK(fuzz_terminated(req.param.name, sizeof(req.param.name)));
	CHECK(fuzz_terminated(req.param.value, sizeof(req.param.value)));
	CHECK(!req.filter.state_mask || !(req.filter.state_mask >> 16));

	char *text = ctl_request_format(&req);
	CHECK(text);
	memset(&err, 0, sizeof(err));
	r = ctl_request_parse(text, strlen(text), CTL_PROTO_MAX_MESSAGE_DEFAULT, &again, &err);
	if (r)
		fprintf(stderr, "fuzz_ctl_proto: formatted call refused (%s: %s): %s\n",
			ctl_error_name((enum ctl_error)err.error), err.message, text);
	CHECK(r == 0);
	CHECK(same_request(&req, &again));
	free(text);
}

static void check_reply(const char *msg, size_t len, enum ctl_method m)
{
	struct ctl_reply rep, again;

	memset(&rep, 0, sizeof(rep));
	int r = ctl_reply_parse(msg, len, m, &rep);
	CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
	if (r) {
		/* *reply untouched and nothing allocated */
		CHECK(!rep.flows && !rep.stats && !rep.status && !rep.params && !rep.trace &&
		      !rep.error);
		return;
	}
	CHECK(rep.method == m && rep.error < _CTL_ERR_MAX);
	CHECK(fuzz_terminated(rep.message, sizeof(rep.message)));
	CHECK(fuzz_terminated(rep.parameter, sizeof(rep.parameter)));
	CHECK(fuzz_terminated(rep.version, sizeof(rep.version)));
	CHECK(!rep.n_flows || rep.flows);
	CHECK(!rep.n_params || rep.params);

	char *t1 = ctl_reply_format(&rep);
	if (!t1)
		fprintf(stderr, "fuzz_ctl_proto: a parsed %s reply does not format\n",
			ctl_method_name(m));
	CHECK(t1);
	memset(&again, 0, sizeof(again));
	r = ctl_reply_parse(t1, strlen(t1), m, &again);
	if (r)
		fprintf(stderr, "fuzz_ctl_proto: formatted %s reply refused: %s\n",
			ctl_method_name(m), t1);
	CHECK(r == 0);
	char *t2 = ctl_reply_format(&again);
	CHECK(t2);
	if (strcmp(t1, t2) != 0)
		fprintf(stderr, "fuzz_ctl_proto: %s reply not a fixed point:\n%s\n%s\n",
			ctl_method_name(m), t1, t2);
	CHECK(strcmp(t1, t2) == 0);

	char *j1 = ctl_reply_result_json(&rep, false), *j2 = ctl_reply_result_json(&rep, true);
	CHECK(j1 && j2);
	free(j1);
	free(j2);
	free(t1);
	free(t2);
	ctl_reply_free_members(&again);
	ctl_reply_free_members(&rep);
	CHECK(!rep.flows && !rep.stats && !rep.status && !rep.params && !rep.trace);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy without a terminator: the parsers take a length. */
	char *msg = fuzz_copy(data, size);

	check_request(msg, size);
	for (unsigned m = 0; m < _CTL_METHOD_MAX; m++)
		check_reply(msg, size, (enum ctl_method)m);
	/* out-of-range methods are refused */
	struct ctl_reply rep;
	memset(&rep, 0, sizeof(rep));
	CHECK(ctl_reply_parse(msg, size, _CTL_METHOD_MAX, &rep) == -EINVAL);
	free(msg);
	return 0;
}
