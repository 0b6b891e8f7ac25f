// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "fp_bpf_judge.h"

int fp_bpf_open(struct fastpath **fp, char *err, size_t len)
{
	struct fastpath_opts o = {.slots = 4, .mark = FP_BPF_MARK};

	return fastpath_open(&o, fp, err, len);
}

static void key_of(const struct pktbuild *b, struct fastpath_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = b->family;
	k->sport = (uint16_t)(b->sport >> 8 | b->sport << 8);
	k->dport = (uint16_t)(b->dport >> 8 | b->dport << 8);
	memcpy(k->saddr, b->saddr, b->family == 6 ? 16 : 4);
	memcpy(k->daddr, b->daddr, b->family == 6 ? 16 : 4);
}

static struct fastpath_key keys[2];
static bool have_keys;

void fp_bpf_flow(struct fastpath *fp, const struct fp_flow *f)
{
	struct pktbuild b = f->orig;

	if (have_keys)
		for (int d = 0; d < 2; d++)
			fastpath_key_del(fp, &keys[d]);
	key_of(&b, &keys[0]);
	memcpy(b.saddr, f->orig.daddr, 16);
	memcpy(b.daddr, f->orig.saddr, 16);
	b.sport = f->orig.dport;
	b.dport = f->orig.sport;
	key_of(&b, &keys[1]);
	for (uint8_t d = 0; d < 2; d++)
		fastpath_key_add(fp, &keys[d], 0, d);
	have_keys = true;
}

const char *fp_bpf_judge(struct fastpath *fp, const struct fp_flow *f, const struct fp_segment *s,
			 struct fp_fast_out *out)
{
	struct fastpath_slot *slot = &fastpath_slots(fp)[0];
	static uint8_t frame[14 + sizeof(s->buf)];
	struct __sk_buff ctx = {0};

	memset(slot, 0, sizeof(*slot));
	fastpath_dirty(fp)[0] = 0;
	slot->own = FASTPATH_FAST;
	slot->params.max_retrans = f->params.max_retrans;
	slot->params.liberal = f->params.liberal;
	memcpy(&slot->track, &f->t, sizeof(f->t));
	memset(frame, 0, 14);
	frame[12] = (s->buf[0] >> 4) == 6 ? 0x86 : 0x08;
	frame[13] = (s->buf[0] >> 4) == 6 ? 0xdd : 0x00;
	memcpy(frame + 14, s->buf, s->len);

	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame,
		    .data_size_in = (uint32_t)(14 + s->len), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &ctx, .ctx_size_out = sizeof(ctx));
	if (bpf_prog_test_run_opts(fastpath_prog_fd(fp), &run) < 0)
		return "BPF_PROG_TEST_RUN failed";
	if (run.retval != 0)
		return "the program returned something other than TC_ACT_OK";
	out->accepted = ctx.mark & FP_BPF_MARK;
	memcpy(&out->t, &slot->track, sizeof(out->t));
	out->tclass = slot->tclass;
	if (out->accepted)
		return slot->own == FASTPATH_FAST && slot->gen == 1 && slot->inflight == 0 &&
				       (fastpath_dirty(fp)[0] & 1) && slot->packets[s->dir] == 1 &&
				       slot->bytes[s->dir] == s->len
			       ? NULL
			       : "an accepted segment left the slot inconsistent";
	if (fastpath_dirty(fp)[0])
		return "a deferred segment marked the slot dirty";
	if (slot->own == FASTPATH_USER && slot->inflight == 1 && slot->gen == 0)
		return NULL;
	/* what the program does not parse never reaches the flow */
	if (slot->own == FASTPATH_FAST && slot->inflight == 0 && slot->gen == 0)
		return NULL;
	return "a deferred segment left the slot inconsistent";
}
