// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_track against tcp_model, differentially. model_conv runs a legitimate conversation per
 * seed between two model endpoints through the tracker, with bogus segments injected (see
 * model_conv.h). Asserted after every segment: when the receiving model discards it, the
 * tracker has not moved (track_cmp_unmoved, and no state change, reopen or destroy in
 * the result); no legitimate segment is INVALID. Also counted and shown once per class, but not
 * failed: segments the receiver discards that the tracker ACCEPTs unchanged (its timer is
 * refreshed) and legitimate segments the receiver accepts that the tracker IGNOREs.
 *
 * Seeds 1..N_SEEDS; TCP_MODEL_SEED=n replays one and prints every disagreement in it. Each
 * class (check, flags, the model's rule, the tracker's verdict and reason) is printed with its
 * first seed, the segment, both sides' numbers and what moved, then summed up at the end. Two
 * small tests first check the model and the comparison on their own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_conv.h"
#include "model_judge.h"
#include "packet.h"
#include "reason.h"
#include "tcp_model.h"
#include "tcp_track.h"
#include "track_cmp.h"

#ifndef N_SEEDS
#define N_SEEDS 20000
#endif
#define MAX_STEPS   3000
#define MAX_CLASSES 96
#define HIST_MAX    24

#define F_SYN TCP_FLAG_SYN
#define F_ACK TCP_FLAG_ACK
#define F_RST TCP_FLAG_RST
#define F_FIN TCP_FLAG_FIN

struct klass {
	char key[256];
	char fields[200]; /* every field seen changed in this class */
	unsigned long count;
	uint64_t seed;
};

/* Disagreements (fails) or observations (notes), by class; the first of each is printed. */
struct classes {
	unsigned n;
	unsigned long lost; /* past MAX_CLASSES */
	struct klass k[MAX_CLASSES];
};

struct hist {
	const char *name[HIST_MAX];
	unsigned long count[HIST_MAX];
};

struct stats {
	struct model_conv_counts n;
	unsigned long legit_discarded, legit_ignored, timer_refresh;
	unsigned long unseen; /* not judged: see judge() */
	struct model_judge j; /* per conversation */
	unsigned long n_diverged;
	struct hist drops; /* why receivers discarded legitimate segments */
	struct classes fails;
	struct classes notes;
	bool verbose;
};

/* ---- classes ---- */

static void hist_add(struct hist *h, const char *name)
{
	unsigned k;

	for (k = 0; k < HIST_MAX && h->name[k] && strcmp(h->name[k], name); k++)
		;
	if (k < HIST_MAX) {
		h->name[k] = name;
		h->count[k]++;
	}
}

static void hist_print(const struct hist *h, const char *what)
{
	for (unsigned k = 0; k < HIST_MAX && h->name[k]; k++)
		print_message("tcp_model:   %7lu %s %s\n", h->count[k], what, h->name[k]);
}

static void flags_str(uint8_t f, char *b)
{
	static const char names[] = "FSRPAU";

	for (int k = 0; k < 6; k++)
		if (f & (1u << k))
			*b++ = names[k];
	*b = '\0';
}

static void print_detail(const struct model_conv *c, const char *what,
			 const struct model_conv_event *e, const char *diff)
{
	const struct packet *p = e->p;
	const struct tcp_model_ep *rcv = e->rcv, *snd = &c->side[e->from].ep;
	char fl[8];

	flags_str(p->flags, fl);
	print_message("tcp_model: seed %" PRIu64 " step %lu: %s\n", c->seed, c->step, what);
	print_message("  segment %s: [%s] seq %u ack %u len %u win %u ts %s%u/%u opts 0x%02x"
		      " sack %u\n",
		      e->from ? "B -> A" : "A -> B", fl, p->seq, p->ack, p->payload_len, p->window,
		      (p->opt.present & PACKET_OPT_TIMESTAMP) ? "" : "(none)", p->opt.tsval,
		      p->opt.tsecr, p->opt.present, p->opt.sack_count);
	print_message("  receiver %s: seq-RCV.NXT %d, end-RCV.WUP %d, RCV.WND %u, ack-SND.UNA %d,"
		      " ack-SND.NXT %d, MAX.WND %u, TS.Recent %u, wscale %u/%u, ts %d sack %d\n",
		      tcp_model_state_name(rcv->state), (int32_t)(p->seq - rcv->rcv_nxt),
		      (int32_t)(p->seq + packet_seg_len(p) - rcv->rcv_wup),
		      tcp_model_rcv_window(rcv), (int32_t)(p->ack - rcv->snd_una),
		      (int32_t)(p->ack - rcv->snd_nxt), rcv->max_window, rcv->ts_recent,
		      rcv->snd_wscale, rcv->rcv_wscale, rcv->ts_on, rcv->sack_ok);
	print_message("  sender now %s: SND.UNA%+d SND.NXT%+d (from seq), RCV.NXT %u\n",
		      tcp_model_state_name(snd->state), (int32_t)(snd->snd_una - p->seq),
		      (int32_t)(snd->snd_nxt - p->seq), snd->rcv_nxt);
	print_message("  model: %s\n  tracker: %s/%s %s->%s\n  changed: %s\n", e->why,
		      tcp_track_verdict_name(e->res->verdict), reason_name(e->res->reason),
		      tcp_track_state_name(e->res->old_state),
		      tcp_track_state_name(e->res->new_state), diff[0] ? diff : "-");
}

/* Adds the field names of a diff ("orig.end 1->2; state X->Y; ") to a class's list, once
 * each and without the peer prefix: "end,state,". */
static void add_names(char *names, size_t len, const char *diff)
{
	char name[48];

	while (*diff) {
		size_t n = strcspn(diff, " ;");
		const char *dot = memchr(diff, '.', n);
		const char *from = dot && strncmp(diff, "result", 6) ? dot + 1 : diff;

		n -= (size_t)(from - diff);
		snprintf(name, sizeof(name), "%.*s,", (int)n, from);
		if (!strstr(names, name) && strlen(names) + strlen(name) < len)
			strcat(names, name);
		diff = strchr(diff, ';');
		if (!diff)
			break;
		diff += 1 + (diff[1] == ' ');
	}
}

static void record(const struct model_conv *c, struct classes *cl, const char *what,
		   const struct model_conv_event *e, const char *diff)
{
	struct stats *st = c->ctx;
	char key[256], fl[8];
	unsigned k;

	flags_str(e->p->flags & (F_SYN | F_ACK | F_RST | F_FIN), fl);
	snprintf(key, sizeof(key), "%s | [%s]%s | model: %s | tracker %s/%s", what, fl,
		 e->p->payload_len ? "+data" : "", e->why, tcp_track_verdict_name(e->res->verdict),
		 reason_name(e->res->reason));
	for (k = 0; k < cl->n && strcmp(cl->k[k].key, key); k++)
		;
	if (k == MAX_CLASSES) {
		cl->lost++;
		return;
	}
	if (k == cl->n) {
		cl->n++;
		snprintf(cl->k[k].key, sizeof(cl->k[k].key), "%s", key);
		cl->k[k].seed = c->seed;
	}
	if (cl->k[k].count++ == 0 || st->verbose)
		print_detail(c, what, e, diff);
	add_names(cl->k[k].fields, sizeof(cl->k[k].fields), diff);
}

/* The judge model_conv calls after every segment: model_judge's verdict, counted and shown. */
static void judge(struct model_conv *c, const struct model_conv_event *e)
{
	struct stats *st = c->ctx;
	char diff[1024];
	bool fresh;

	switch (model_judge(&st->j, c, e, diff, sizeof(diff), &fresh)) {
	case MODEL_JUDGE_LEGIT_INVALID:
		record(c, &st->fails, "legitimate segment INVALID", e, "");
		c->stop = true; /* the endpoints and the tracker no longer see the same segments */
		return;
	case MODEL_JUDGE_UNSEEN:
		st->unseen++;
		st->n_diverged += fresh;
		return;
	case MODEL_JUDGE_MOVED:
		record(c, &st->fails,
		       e->legit ? "discarded legitimate segment moved the tracker"
				: "discarded injection moved the tracker",
		       e, diff);
		c->t = *e->before; /* go on as if it had not moved, to find the next class */
		break;
	case MODEL_JUDGE_FINE:
		if (e->verdict == TCP_MODEL_ACCEPT && e->legit &&
		    e->res->verdict == TCP_TRACK_IGNORE) {
			st->legit_ignored++;
			record(c, &st->notes, "note: accepted by the receiver, tracker IGNORE", e,
			       "");
		} else if (e->verdict == TCP_MODEL_DISCARD && e->res->verdict == TCP_TRACK_ACCEPT) {
			st->timer_refresh++;
			record(c, &st->notes,
			       "note: discarded by the receiver, tracker ACCEPT (timer)", e, "");
		}
		break;
	}
	if (e->verdict == TCP_MODEL_DISCARD && e->legit) {
		st->legit_discarded++;
		hist_add(&st->drops, e->why);
	}
}

/* ---- the tests ---- */

/* An ESTABLISHED endpoint: RCV.NXT 1000 with 100 bytes of window, SND.UNA 5000, 100 bytes in
 * flight, 1000 bytes acknowledged so far, timestamps with TS.Recent 50, SACK. */
static struct tcp_model_ep est_ep(void)
{
	return (struct tcp_model_ep){.state = TCP_MODEL_ESTABLISHED,
				     .iss = 3999,
				     .snd_una = 5000,
				     .snd_nxt = 5100,
				     .snd_wnd = 1000,
				     .snd_wl1 = 990,
				     .max_window = 1000,
				     .bytes_acked = 1000,
				     .irs = 0,
				     .rcv_nxt = 1000,
				     .rcv_wup = 1000,
				     .rcv_wnd = 100,
				     .ts_recent = 50,
				     .ts_on = true,
				     .sack_ok = true};
}

static struct packet seg(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len, uint32_t ts)
{
	struct packet p = {.family = 4, .flags = flags, .seq = seq, .payload_len = len};

	p.ack = ack;
	p.window = 1000;
	if (ts) {
		p.opt.present = PACKET_OPT_TIMESTAMP;
		p.opt.tsval = ts;
	}
	return p;
}

/* tcp_model_receive on a copy of *ep; returns the verdict, the copy in *after. */
static int judge_on(const struct tcp_model_ep *ep, struct packet p, struct tcp_model_ep *after)
{
	const char *why;

	*after = *ep;
	return tcp_model_receive(after, &p, &why);
}

/* The model's own rules, against numbers worked out by hand from Linux's code. */
static void model_rules(void **state)
{
	const struct tcp_model_ep e = est_ep();
	struct tcp_model_ep a, c;
	struct packet p;

	(void)state;
	/* ACK processing; the window update rule; TS.Recent only at SEQ <= RCV.WUP */
	assert_int_equal(judge_on(&e, seg(F_ACK, 1000, 5050, 0, 51), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(a.snd_una, 5050);
	assert_int_equal(a.ts_recent, 51);
	assert_int_equal(a.bytes_acked, 1050);
	/* tcp_sequence: SEQ may equal RCV.NXT + RCV.WND; the end may not be before RCV.WUP */
	assert_int_equal(judge_on(&e, seg(F_ACK, 1100, 5000, 0, 51), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(judge_on(&e, seg(F_ACK, 1101, 5000, 0, 51), &a), TCP_MODEL_DISCARD);
	assert_int_equal(judge_on(&e, seg(F_ACK, 990, 5000, 10, 51), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(judge_on(&e, seg(F_ACK, 990, 5000, 9, 51), &a), TCP_MODEL_DISCARD);
	assert_int_equal(judge_on(&e, seg(F_ACK, 999, 5000, 0, 51), &a), TCP_MODEL_DISCARD);
	/* PAWS allows one tick; a duplicate ACK that updates nothing is exempt */
	assert_int_equal(judge_on(&e, seg(F_ACK, 1000, 5000, 0, 49), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(judge_on(&e, seg(F_ACK, 1000, 5000, 1, 48), &a), TCP_MODEL_DISCARD);
	assert_int_equal(judge_on(&e, seg(F_ACK, 1000, 5000, 0, 48), &a), TCP_MODEL_DISCARD);
	c = e;
	c.snd_wl1 = 1000;
	assert_int_equal(judge_on(&c, seg(F_ACK, 1000, 5000, 0, 48), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(judge_on(&c, seg(F_ACK | F_RST, 1000, 5000, 0, 1), &a), TCP_MODEL_ACCEPT);
	/* RST: only at RCV.NXT; at RCV.NXT - 1 only after the peer's FIN */
	assert_int_equal(judge_on(&e, seg(F_RST, 1000, 0, 0, 0), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(a.state, TCP_MODEL_CLOSED);
	assert_int_equal(judge_on(&e, seg(F_RST, 1001, 0, 0, 0), &a), TCP_MODEL_DISCARD);
	assert_int_equal(judge_on(&e, seg(F_RST, 999, 0, 0, 0), &a), TCP_MODEL_DISCARD);
	c = e;
	c.state = TCP_MODEL_CLOSE_WAIT;
	assert_int_equal(judge_on(&c, seg(F_RST, 999, 0, 0, 0), &a), TCP_MODEL_ACCEPT);
	/* SYN, ACK of unsent data, ACK older than min(MAX.SND.WND, bytes acked), auth */
	assert_int_equal(judge_on(&e, seg(F_SYN, 1000, 0, 0, 51), &a), TCP_MODEL_DISCARD);
	assert_int_equal(judge_on(&e, seg(F_ACK, 1000, 5101, 0, 51), &a), TCP_MODEL_DISCARD);
	assert_int_equal(judge_on(&e, seg(F_ACK, 1000, 4000, 0, 51), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(a.snd_una, 5000); /* an old ACK moves nothing */
	assert_int_equal(judge_on(&e, seg(F_ACK, 1000, 3999, 0, 51), &a), TCP_MODEL_DISCARD);
	p = seg(F_ACK, 1000, 5000, 0, 51);
	p.opt.present |= PACKET_OPT_MD5;
	assert_int_equal(judge_on(&e, p, &a), TCP_MODEL_DISCARD);
	/* the out-of-order store, then a FIN once in order */
	assert_int_equal(judge_on(&e, seg(F_ACK | F_FIN, 1010, 5000, 10, 51), &a),
			 TCP_MODEL_ACCEPT);
	assert_int_equal(a.rcv_nxt, 1000);
	assert_int_equal(a.n_ooo, 1);
	c = a;
	assert_int_equal(judge_on(&c, seg(F_ACK, 1000, 5000, 10, 51), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(a.rcv_nxt, 1021);
	assert_int_equal(a.state, TCP_MODEL_CLOSE_WAIT);
	/* a zero window takes no data at RCV.NXT, but a bare FIN */
	c = e;
	c.rcv_wnd = 0;
	assert_int_equal(judge_on(&c, seg(F_ACK, 1000, 5000, 1, 51), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(a.rcv_nxt, 1000);
	assert_int_equal(judge_on(&c, seg(F_ACK | F_FIN, 1000, 5000, 0, 51), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(a.state, TCP_MODEL_CLOSE_WAIT);
	/* TIME_WAIT: a bare ACK at RCV.NXT, an RST there, a newer SYN at a listener */
	c = e;
	c.state = TCP_MODEL_TIME_WAIT;
	c.listener = true;
	assert_int_equal(judge_on(&c, seg(F_ACK, 1000, 5000, 0, 51), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(judge_on(&c, seg(F_ACK | F_FIN, 999, 5000, 0, 51), &a), TCP_MODEL_DISCARD);
	assert_int_equal(judge_on(&c, seg(F_RST, 1000, 0, 0, 0), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(judge_on(&c, seg(F_SYN, 900, 0, 0, 50), &a), TCP_MODEL_DISCARD);
	assert_int_equal(judge_on(&c, seg(F_SYN, 900, 0, 0, 51), &a), TCP_MODEL_ACCEPT);
	assert_int_equal(judge_on(&c, seg(F_SYN, 1001, 0, 0, 0), &a), TCP_MODEL_ACCEPT);
}

/* The comparison names every field that moved, and ignores the bookkeeping. */
static void check_unchanged(void **state)
{
	struct tcp_track b = {.state = TCP_TRACK_ESTABLISHED}, a;
	char why[256];

	(void)state;
	a = b;
	a.last_seq = 7;
	a.flags |= TCP_TRACK_F_CHALLENGE;
	assert_true(track_cmp_unmoved(&b, &a, why, sizeof(why)));
	assert_string_equal(why, "");
	a.peer[1].maxend = 9;
	a.state = TCP_TRACK_CLOSE;
	assert_false(track_cmp_unmoved(&b, &a, why, sizeof(why)));
	assert_non_null(strstr(why, "state ESTABLISHED->CLOSE"));
	assert_non_null(strstr(why, "reply.maxend 0->9"));
	assert_false(track_cmp_unmoved(&b, &a, why, 4));
	assert_int_equal(strlen(why), 3);
	/* the retransmission count picks the timer class: not bookkeeping */
	a = b;
	a.retrans = 2;
	assert_false(track_cmp_unmoved(&b, &a, NULL, 0));
}

static unsigned long print_classes(const struct classes *c, const char *what)
{
	unsigned long total = c->lost;

	for (unsigned k = 0; k < c->n; k++) {
		const struct klass *x = &c->k[k];

		print_message("tcp_model: %s %u: %lu x, first seed %" PRIu64 ": %s%s%s\n", what,
			      k + 1, x->count, x->seed, x->key, x->fields[0] ? " | changed " : "",
			      x->fields);
		total += x->count;
	}
	if (c->lost)
		print_message("tcp_model: %lu more in classes past the first %d\n", c->lost,
			      MAX_CLASSES);
	return total;
}

static void differential(void **state)
{
	struct stats *st = calloc(1, sizeof(*st));
	const char *env = getenv("TCP_MODEL_SEED");
	uint64_t first = 1, last = N_SEEDS;
	struct model_conv c;
	unsigned long fails;

	(void)state;
	assert_non_null(st);
	if (env && *env)
		first = last = strtoull(env, NULL, 0);
	st->verbose = first == last;
	print_message("tcp_model: seeds %" PRIu64 "..%" PRIu64 " (TCP_MODEL_SEED=n replays one)\n",
		      first, last);
	for (uint64_t seed = first; seed <= last; seed++) {
		st->j = (struct model_judge){0};
		model_conv_run(&c, seed, NULL, 0, MAX_STEPS, judge, st, &st->n);
	}
	print_message("tcp_model: %lu conversations (%lu closed, %lu aborted), %lu steps\n",
		      st->n.conversations, st->n.closed, st->n.aborted, st->n.steps);
	print_message("tcp_model: %lu legitimate segments: %lu discarded by the receiver, %lu"
		      " accepted but IGNOREd by the tracker\n",
		      st->n.legit, st->legit_discarded, st->legit_ignored);
	hist_print(&st->drops, "discarded:");
	print_message("tcp_model: covered: %lu zero windows, %lu one-byte probes, %lu keep-alives,"
		      " %lu retransmissions, %lu reorderings, %lu with SACK, %lu simultaneous"
		      " closes, %lu wraps of 2^32\n",
		      st->n.zero_win, st->n.probes, st->n.keepalives, st->n.retrans,
		      st->n.reordered, st->n.sack, st->n.simul_close, st->n.wraps);
	print_message("tcp_model: %lu injections: %lu accepted by the receiver (%lu of them INVALID"
		      " at the tracker), %lu discarded\n",
		      st->n.inj, st->n.inj_accepted, st->n.inj_blocked, st->n.inj_discarded);
	print_message("tcp_model: %lu segments not judged: their receiver was not synchronized, or"
		      " was ahead of what the firewall had seen of it\n",
		      st->unseen);
	print_message("tcp_model: %lu conversations judged only up to a divergence the firewall"
		      " could not see\n",
		      st->n_diverged);
	print_message("tcp_model: %lu discarded segments the tracker ACCEPTed without a change"
		      " (timer refreshed)\n",
		      st->timer_refresh);
	print_classes(&st->notes, "note");
	fails = print_classes(&st->fails, "class");
	free(st);
	assert_int_equal(fails, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(model_rules),
		cmocka_unit_test(check_unchanged),
		cmocka_unit_test(differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
