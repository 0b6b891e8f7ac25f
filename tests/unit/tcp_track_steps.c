// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_track_steps - the conversation helpers for the tcp_track case tests (see
 * tcp_track_steps.h): segment builders, tx()/first() that feed a struct conv's tracker and check
 * that an INVALID changed nothing, expect_at() behind EXPECT/STEP, and the handshake and close
 * sequences the tests share. Linked into every unit-test binary; only the two tcp_track case
 * tests include the header.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "packet.h"
#include "reason.h"
#include "tcp_track.h"
#include "tcp_track_steps.h"
#include "track_cmp.h"

void conv_init(struct conv *v)
{
	memset(v, 0, sizeof(*v));
	v->par = (struct tcp_track_params){.pickup = false,
					   .liberal = false,
					   .tw_policy = TCP_TRACK_TW_ENFORCE,
					   .max_retrans = 3};
	v->tsval[C] = 100000;
	v->tsval[S] = 700000;
}

struct packet mkseg(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	return (struct packet){.family = 4,
			       .flags = flags,
			       .sport = 40000,
			       .dport = 80,
			       .window = (flags & TCP_FLAG_RST) ? 0 : WIN,
			       .seq = seq,
			       .ack = ack,
			       .payload_len = len};
}

/* A SYN with MSS, SACK-permitted and, if ws >= 0, window scale ws. */
struct packet syn(uint32_t isn, int ws)
{
	struct packet p = mkseg(TCP_FLAG_SYN, isn, 0, 0);

	p.window = SYN_WIN;
	p.opt.present = PACKET_OPT_MSS | PACKET_OPT_SACK_PERM;
	p.opt.mss = 1460;
	if (ws >= 0) {
		p.opt.present |= PACKET_OPT_WSCALE;
		p.opt.wscale = (uint8_t)ws;
	}
	return p;
}

struct packet synack(uint32_t isn, uint32_t ack, int ws)
{
	struct packet p = syn(isn, ws);

	p.flags |= TCP_FLAG_ACK;
	p.ack = ack;
	return p;
}

/* Segments from side d at its SND.NXT acknowledging everything the other side sent. */
struct packet ack_of(const struct conv *v, int d)
{
	return mkseg(TCP_FLAG_ACK, v->nxt[d], v->nxt[!d], 0);
}

struct packet dat(struct conv *v, int d, uint32_t len)
{
	struct packet p = mkseg(TCP_FLAG_ACK | TCP_FLAG_PSH, v->nxt[d], v->nxt[!d], len);

	v->nxt[d] += len;
	return p;
}

struct packet fin(struct conv *v, int d)
{
	struct packet p = mkseg(TCP_FLAG_FIN | TCP_FLAG_ACK, v->nxt[d], v->nxt[!d], 0);

	v->nxt[d] += 1;
	return p;
}

struct packet rst(uint32_t seq)
{
	return mkseg(TCP_FLAG_RST, seq, 0, 0);
}

struct packet rstack(uint32_t seq, uint32_t ack)
{
	return mkseg(TCP_FLAG_RST | TCP_FLAG_ACK, seq, ack, 0);
}

struct packet with_ts(struct packet p, uint32_t tsval)
{
	p.opt.present |= PACKET_OPT_TIMESTAMP;
	p.opt.tsval = tsval;
	return p;
}

void stamp(struct conv *v, int d, struct packet *p)
{
	if (!v->ts || (p->opt.present & PACKET_OPT_TIMESTAMP) || (p->flags & TCP_FLAG_RST))
		return;
	v->tsval[d] += 10;
	*p = with_ts(*p, v->tsval[d]);
	p->opt.tsecr = v->tsval[!d];
}

/* A result that a tracker which forgets to fill a field cannot pass for a correct one. */
void poison(struct conv *v)
{
	v->r = (struct tcp_track_result){.verdict = 0xee,
					 .reason = 0xee,
					 .timeout = 0xee,
					 .old_state = 0xee,
					 .new_state = 0xee,
					 .reopen = true,
					 .destroy = true};
}

/*
 * Runs p through the tracker. An INVALID must change nothing at all; an IGNORE nothing but the
 * memory of the last segment (and the TIME-WAIT challenge bit): the tracker's principle.
 */
void tx(struct conv *v, int d, struct packet p)
{
	struct tcp_track before;
	char why[160];

	stamp(v, d, &p);
	poison(v);
	memcpy(&before, &v->t, sizeof(before));
	tcp_track_packet(&v->t, &p, (enum tcp_track_dir)d, &v->par, &v->r);
	if (v->r.verdict == ACC)
		return;
	if (!track_cmp_unmoved(&before, &v->t, why, sizeof(why)))
		fail_msg("%s flags 0x%02x seq %u moved the tracker: %s",
			 tcp_track_verdict_name(v->r.verdict), p.flags, p.seq, why);
	/* an INVALID leaves even the memory of the last segment alone */
	if (v->r.verdict == INV)
		assert_memory_equal(&before, &v->t, sizeof(before));
}

/* Starts v->t from p (the caller has set nxt), as the engine does for a flow's first segment. */
void first(struct conv *v, struct packet p)
{
	stamp(v, C, &p);
	poison(v);
	tcp_track_new(&v->t, &p, &v->par, &v->r);
}

void expect_at(const struct conv *v, int verd, int rsn, int st, unsigned x, const char *file,
	       int line)
{
	const struct tcp_track_result *r = &v->r;
	bool reopen = x & X_REOPEN;
	bool ok = r->verdict == verd && (rsn == ANY || r->reason == rsn) && r->reopen == reopen &&
		  ((x & X_DESTROY_ANY) || r->destroy == !!(x & X_DESTROY)) &&
		  (reopen ? r->new_state == sSS
			  : st == ANY || (v->t.state == st && (verd != ACC || r->new_state == st)));

	if (!ok)
		print_message("line %d: got %s/%s state %s new_state %s reopen %d destroy %d;"
			      " want %s/%s state %s\n",
			      line, tcp_track_verdict_name(r->verdict), reason_name(r->reason),
			      tcp_track_state_name(v->t.state), tcp_track_state_name(r->new_state),
			      r->reopen, r->destroy, tcp_track_verdict_name(verd),
			      rsn == ANY ? "any" : reason_name(rsn),
			      st == ANY ? "any" : tcp_track_state_name(st));
	_assert_true(ok, "result as expected", file, line);
}

/* C SYN, S SYN/ACK, C ACK, window scale ws on both sides (-1: none): ESTABLISHED, assured. */
void open3(struct conv *v, uint32_t isn_c, uint32_t isn_s, int ws)
{
	first(v, syn(isn_c, ws));
	EXPECT(v, ACC, REASON_OK, sSS);
	TO(v, STATE);
	v->nxt[C] = isn_c + 1;
	STEP(v, S, synack(isn_s, v->nxt[C], ws), ACC, REASON_OK, sSR);
	TO(v, STATE);
	assert_false(tcp_track_is_assured(&v->t));
	v->nxt[S] = isn_s + 1;
	STEP(v, C, ack_of(v, C), ACC, REASON_OK, sES);
	TO(v, STATE);
	assert_true(tcp_track_is_assured(&v->t));
}

void est(struct conv *v)
{
	conv_init(v);
	open3(v, ISN_C, ISN_S, WS);
}

/* Side d closes first: FIN, ACK, FIN, ACK; ends in TIME_WAIT. */
void close_by(struct conv *v, int d)
{
	STEP(v, d, fin(v, d), ACC, REASON_OK, sFW);
	STEP(v, !d, ack_of(v, !d), ACC, REASON_OK, sCW);
	TO(v, STATE);
	STEP(v, !d, fin(v, !d), ACC, REASON_OK, sLA);
	STEP(v, d, ack_of(v, d), ACC, REASON_OK, sTW);
	TO(v, STATE);
}

/* After res.reopen: the caller starts a fresh tracker from the SYN, its sender as ORIGINAL. */
void renew(struct conv *v, int d, struct packet p)
{
	if (d == S) {
		uint32_t n = v->nxt[C], ts = v->tsval[C];

		v->nxt[C] = v->nxt[S];
		v->nxt[S] = n;
		v->tsval[C] = v->tsval[S];
		v->tsval[S] = ts;
	}
	if (p.opt.present & PACKET_OPT_TIMESTAMP)
		v->tsval[C] = p.opt.tsval; /* its later segments stamp newer */
	first(v, p);
	EXPECT(v, ACC, REASON_OK, sSS);
	v->nxt[C] = p.seq + packet_seg_len(&p);
}

/* Finishes a handshake on a tracker in SYN_SENT whose REPLY side starts at isn_s. */
void finish_open(struct conv *v, uint32_t isn_s)
{
	STEP(v, S, synack(isn_s, v->nxt[C], WS), ACC, REASON_OK, sSR);
	v->nxt[S] = isn_s + 1;
	STEP(v, C, ack_of(v, C), ACC, REASON_OK, sES);
	assert_true(tcp_track_is_assured(&v->t));
}
