// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * model_conv - the conversation driver (see model_conv.h): how each endpoint builds its
 * segments, the actions it takes and their weights, the network between them, and the
 * injector. Linked into every unit-test binary; only test_tcp_track_model.c calls it.
 */
#include <limits.h>
#include <string.h>

#include "model_conv.h"
#include "packet.h"
#include "seq.h"
#include "tcp_model.h"
#include "tcp_track.h"

#define F_SYN TCP_FLAG_SYN
#define F_ACK TCP_FLAG_ACK
#define F_RST TCP_FLAG_RST
#define F_FIN TCP_FLAG_FIN
#define F_PSH TCP_FLAG_PSH
#define F_URG TCP_FLAG_URG

/* ---- splitmix64 ---- */

static uint64_t rnd(struct model_conv *c)
{
	if (c->src_len) {
		c->rng ^= (uint64_t)*c->src++ << 32;
		c->src_len--;
	}
	uint64_t z = (c->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rn(struct model_conv *c, uint32_t n)
{
	return n ? (uint32_t)(rnd(c) % n) : 0;
}

static bool chance(struct model_conv *c, unsigned pct)
{
	return rn(c, 100) < pct;
}

static uint32_t near(struct model_conv *c, uint32_t x)
{
	return x + rn(c, 7) - 3;
}

/* ---- building segments ---- */

static uint8_t auth_bit(uint8_t auth)
{
	if (auth == TCP_MODEL_AUTH_MD5)
		return PACKET_OPT_MD5;
	return auth == TCP_MODEL_AUTH_AO ? PACKET_OPT_AO : 0;
}

static uint32_t tick(struct model_conv *c, struct model_conv_side *x)
{
	if (chance(c, 30))
		x->ts_clock++;
	if (chance(c, 1))
		x->ts_clock += rn(c, 50); /* idle */
	return x->ts_clock;
}

/* tcp_select_window(): free space in units of the shift; the right edge never moves left. */
static uint16_t select_window(const struct model_conv_side *x)
{
	uint32_t ws = x->ep.rcv_wscale, unit = 1u << ws;
	uint32_t cur = tcp_model_rcv_window(&x->ep);
	uint32_t win = x->rbuf > x->unread ? x->rbuf - x->unread : 0;

	win &= ~(unit - 1);
	if (win < cur)
		win = (cur + unit - 1) & ~(unit - 1);
	/* the field's limit last: a window the field cannot carry must not wrap to a small one */
	if (win > (65535u << ws))
		win = 65535u << ws;
	return (uint16_t)(win >> ws);
}

static struct packet blank(int i, uint8_t flags, uint32_t seq, uint32_t len)
{
	return (struct packet){.family = 4,
			       .flags = flags,
			       .sport = i ? 80 : 40000,
			       .dport = i ? 40000 : 80,
			       .seq = seq,
			       .payload_len = len};
}

/* A segment from side i as its stack builds it: ACK = RCV.NXT, its window, TS, SACK, auth. */
static struct packet mk(struct model_conv *c, int i, uint8_t flags, uint32_t seq, uint32_t len)
{
	struct model_conv_side *x = &c->side[i];
	struct packet p = blank(i, flags, seq, len);

	p.ack = x->ep.rcv_nxt;
	p.window = select_window(x);
	p.opt.present = auth_bit(x->ep.auth);
	if (x->ep.ts_on) {
		p.opt.present |= PACKET_OPT_TIMESTAMP;
		p.opt.tsval = tick(c, x);
		p.opt.tsecr = x->ep.ts_recent;
	}
	if (x->ep.sack_ok && x->ep.n_ooo) {
		unsigned max = x->ep.ts_on ? 3 : 4;

		p.opt.present |= PACKET_OPT_SACK;
		for (unsigned k = 0; k < x->ep.n_ooo && k < max; k++) {
			p.opt.sack[k].left = x->ep.ooo[k].start;
			p.opt.sack[k].right = x->ep.ooo[k].end;
			p.opt.sack_count = (uint8_t)(k + 1);
		}
	}
	return p;
}

/* A SYN (side 0) or SYN/ACK (side 1): the server answers only the options the client sent. */
static struct packet mk_syn(struct model_conv *c, int i)
{
	struct model_conv_side *x = &c->side[i];
	const struct tcp_model_cfg *cfg = &x->cfg, *peer = &c->side[!i].cfg;
	bool server = i == 1;
	struct packet p = blank(i, server ? F_SYN | F_ACK : F_SYN, x->ep.iss, 0);

	p.ack = server ? x->ep.rcv_nxt : 0;
	p.window = (uint16_t)(x->rbuf > 65535 ? 65535 : x->rbuf);
	p.opt.present = PACKET_OPT_MSS | auth_bit(cfg->auth);
	p.opt.mss = x->mss;
	if (cfg->wscale >= 0 && (!server || peer->wscale >= 0)) {
		p.opt.present |= PACKET_OPT_WSCALE;
		p.opt.wscale = (uint8_t)cfg->wscale;
	}
	if (cfg->sack && (!server || peer->sack))
		p.opt.present |= PACKET_OPT_SACK_PERM;
	if (cfg->ts && (!server || peer->ts)) {
		p.opt.present |= PACKET_OPT_TIMESTAMP;
		p.opt.tsval = tick(c, x);
		p.opt.tsecr = server ? x->ep.ts_recent : 0;
	}
	return p;
}

static bool room(const struct model_conv *c, int i)
{
	return c->fl[i].n < MODEL_CONV_FLIGHT_MAX;
}

static void send_seg(struct model_conv *c, int i, const struct packet *p)
{
	c->n->zero_win += !p->window && !(p->flags & F_RST);
	c->n->sack += !!(p->opt.present & PACKET_OPT_SACK);
	tcp_model_sent(&c->side[i].ep, p);
	c->fl[i].seg[c->fl[i].n++] = *p;
}

/* ---- one segment: tracker, receiver, judge ---- */

static enum tcp_model_verdict receive(struct model_conv *c, int i, const struct packet *p,
				      bool legit, struct tcp_track_result *res)
{
	struct model_conv_side *y = &c->side[!i];
	struct tcp_track before = c->t;
	struct tcp_model_ep rcv = y->ep;
	struct model_conv_event e = {.from = i,
				     .legit = legit,
				     .p = p,
				     .before = &before,
				     .rcv = &rcv,
				     .res = res,
				     .why = ""};

	tcp_track_packet(&c->t, p, i ? TCP_TRACK_REPLY : TCP_TRACK_ORIGINAL, &c->par, res);
	e.verdict = tcp_model_receive(&y->ep, p, &e.why);
	c->n->legit += legit;
	c->judge(c, &e);
	if (!legit)
		return e.verdict;
	if (e.verdict == TCP_MODEL_ACCEPT && tcp_model_synchronized(&rcv))
		y->unread += y->ep.rcv_nxt - rcv.rcv_nxt;
	if (rcv.state == TCP_MODEL_SYN_SENT && y->ep.state == TCP_MODEL_ESTABLISHED) {
		struct packet ack = mk(c, !i, F_ACK, y->ep.snd_nxt, 0); /* the third ACK */

		send_seg(c, !i, &ack);
	}
	return e.verdict;
}

/* ---- legitimate actions ---- */

static bool can_talk(const struct model_conv_side *x)
{
	return (x->ep.state == TCP_MODEL_ESTABLISHED || x->ep.state == TCP_MODEL_CLOSE_WAIT) &&
	       !x->ep.fin_sent;
}

static uint32_t wnd_end(const struct tcp_model_ep *ep)
{
	return ep->snd_una + ep->snd_wnd;
}

static uint32_t wnd_avail(const struct tcp_model_ep *ep)
{
	return seq_gt(wnd_end(ep), ep->snd_nxt) ? wnd_end(ep) - ep->snd_nxt : 0;
}

/* tcp_acceptable_seq(): SND.NXT, unless a probe went past the window. */
static uint32_t acceptable_seq(const struct tcp_model_ep *ep)
{
	return seq_gt(ep->snd_nxt, wnd_end(ep)) ? wnd_end(ep) : ep->snd_nxt;
}

static void deliver(struct model_conv *c, int i)
{
	struct model_conv_flight *f = &c->fl[i];
	struct tcp_track_result res;
	struct packet p;

	if (f->n > 1 && chance(c, 10)) { /* reordered before the firewall */
		unsigned k = 1 + rn(c, f->n - 1 < 3 ? f->n - 1 : 3);

		c->n->reordered++;
		p = f->seg[0];
		f->seg[0] = f->seg[k];
		f->seg[k] = p;
	}
	p = f->seg[0];
	memmove(&f->seg[0], &f->seg[1], --f->n * sizeof(f->seg[0]));
	receive(c, i, &p, true, &res);
}

static void send_data(struct model_conv *c, int i)
{
	struct model_conv_side *x = &c->side[i];
	uint32_t avail = wnd_avail(&x->ep), len = 1 + rn(c, x->mss);
	uint8_t flags = F_ACK | (chance(c, 50) ? F_PSH : 0);
	struct packet p;

	len = len < avail ? len : avail;
	len = len < x->to_send ? len : x->to_send;
	if (x->closing && len == x->to_send && avail > len && chance(c, 50))
		flags |= F_FIN;
	p = mk(c, i, flags, x->ep.snd_nxt, len);
	x->to_send -= len;
	send_seg(c, i, &p);
}

static void send_bare(struct model_conv *c, int i, uint8_t flags, uint32_t seq)
{
	struct packet p = mk(c, i, flags, seq, 0);

	send_seg(c, i, &p);
}

/* An unacknowledged segment again: from SND.UNA on a timeout, else from anywhere in flight. */
static void retransmit(struct model_conv *c, int i, bool rto)
{
	struct tcp_model_ep *ep = &c->side[i].ep;
	uint32_t start = rto ? ep->snd_una : ep->snd_una + rn(c, ep->snd_nxt - ep->snd_una);
	uint32_t data_end = ep->fin_sent ? ep->fin_seq : ep->snd_nxt;
	uint32_t len = seq_lt(start, data_end) ? data_end - start : 0;
	uint32_t max = 1 + rn(c, c->side[i].mss);
	uint8_t flags = F_ACK;
	struct packet p;

	len = len < max ? len : max;
	c->n->retrans++;
	if (ep->fin_sent && start + len == ep->fin_seq)
		flags |= F_FIN;
	p = mk(c, i, flags, start, len);
	send_seg(c, i, &p);
}

/* BSD's zero-window probe: one byte of new data past the closed window. */
static void probe_byte(struct model_conv *c, int i)
{
	struct packet p = mk(c, i, F_ACK, c->side[i].ep.snd_nxt, 1);

	c->n->probes++;
	c->side[i].to_send--;
	send_seg(c, i, &p);
}

static void app_close(struct model_conv *c, int i)
{
	struct model_conv_side *x = &c->side[i];

	x->closing = true;
	if (chance(c, 50) && x->to_send > 3000)
		x->to_send = rn(c, 3000);
	if (chance(c, 20) && can_talk(&c->side[!i]))
		c->side[!i].closing = true; /* both close at once */
}

/* ---- injection ---- */

static uint32_t bogus_seq(struct model_conv *c, int i)
{
	const struct tcp_model_ep *x = &c->side[i].ep, *y = &c->side[!i].ep;
	uint32_t win = tcp_model_rcv_window(y);

	switch (rn(c, 8)) {
	case 0:
		return near(c, x->snd_nxt);
	case 1:
		return near(c, y->rcv_nxt);
	case 2:
		return near(c, y->rcv_nxt + win);
	case 3:
		return y->rcv_wup - 1 - rn(c, win + 2000); /* an old duplicate */
	case 4:
		return y->rcv_nxt + rn(c, win + 1);
	case 5:
		return x->snd_una - 1;
	case 6:
		return c->last_inj[!i].ack; /* answers the other side's last injection */
	default:
		return (uint32_t)rnd(c);
	}
}

static uint32_t bogus_ack(struct model_conv *c, int i)
{
	const struct tcp_model_ep *x = &c->side[i].ep, *y = &c->side[!i].ep;
	uint32_t maxw = y->bytes_acked < y->max_window ? (uint32_t)y->bytes_acked : y->max_window;
	const struct packet *prev = &c->last_inj[!i];

	switch (rn(c, 7)) {
	case 0:
		return near(c, y->snd_nxt);
	case 1:
		return near(c, y->snd_una);
	case 2:
		return near(c, y->snd_una - maxw); /* RFC 5961 5.2's edge */
	case 3:
		return y->snd_nxt + 1 + rn(c, 100000);
	case 4:
		return x->rcv_nxt;
	case 5:
		return prev->seq + packet_seg_len(prev);
	default:
		return (uint32_t)rnd(c);
	}
}

static void bogus_opts(struct model_conv *c, int i, struct packet *p)
{
	const struct tcp_model_ep *y = &c->side[!i].ep;
	static const uint8_t auths[] = {0, PACKET_OPT_MD5, PACKET_OPT_AO,
					PACKET_OPT_MD5 | PACKET_OPT_AO};
	static const uint32_t ages[] = {3, 100000};
	uint32_t kind = rn(c, 4);

	p->opt.present = chance(c, 85) ? auth_bit(c->side[i].ep.auth) : auths[rn(c, 4)];
	if (chance(c, 70)) { /* recent, newer, older than TS.Recent, anything */
		p->opt.present |= PACKET_OPT_TIMESTAMP;
		if (kind < 2)
			p->opt.tsval = c->side[i].ts_clock + rn(c, ages[kind]);
		else
			p->opt.tsval =
				kind == 2 ? y->ts_recent - 2 - rn(c, 1000) : (uint32_t)rnd(c);
		p->opt.tsecr = chance(c, 80) ? c->side[!i].ts_clock : (uint32_t)rnd(c);
	}
	if ((p->flags & F_SYN) && chance(c, 60)) {
		p->opt.present |= PACKET_OPT_MSS | PACKET_OPT_SACK_PERM | PACKET_OPT_WSCALE;
		p->opt.mss = 1460;
		p->opt.wscale = (uint8_t)rn(c, 15);
	}
	if ((p->flags & F_ACK) && chance(c, 10)) {
		p->opt.present |= PACKET_OPT_SACK;
		p->opt.sack_count = 1;
		p->opt.sack[0].left = y->snd_una + rn(c, 3000);
		p->opt.sack[0].right = p->opt.sack[0].left + rn(c, 3000);
	}
}

static void inject(struct model_conv *c)
{
	static const uint8_t base[] = {F_SYN,	      F_SYN | F_ACK, F_RST,
				       F_RST | F_ACK, F_FIN | F_ACK, F_ACK};
	int i = (int)rn(c, 2);
	struct model_conv_side *y = &c->side[!i];
	struct tcp_track t0 = c->t;
	struct tcp_model_ep e0 = y->ep;
	struct tcp_track_result res;
	uint8_t flags = base[rn(c, sizeof(base))];
	uint32_t seq, len;
	struct packet p;

	if (!tcp_model_synchronized(&y->ep) && y->ep.state != TCP_MODEL_CLOSED)
		return; /* the handshake's own rules are not refereed */
	/* one draw per statement: C leaves the order of operands and arguments
	 * open, and a seed must replay the same conversation under any compiler */
	if (chance(c, 15))
		flags |= F_URG;
	if (chance(c, 30))
		flags |= F_PSH;
	seq = bogus_seq(c, i);
	len = chance(c, 60) ? 0 : 1 + rn(c, 1460);
	p = blank(i, flags, seq, len);
	p.ack = (flags & F_ACK) ? bogus_ack(c, i) : 0;
	p.window = chance(c, 50) ? select_window(&c->side[i]) : (uint16_t)rnd(c);
	bogus_opts(c, i, &p);
	c->last_inj[i] = p;
	c->n->inj++;
	if (receive(c, i, &p, false, &res) == TCP_MODEL_DISCARD) {
		c->n->inj_discarded++;
		return;
	}
	c->n->inj_accepted++;
	c->n->inj_blocked += res.verdict == TCP_TRACK_INVALID;
	c->t = t0; /* a successful attack on the endpoint itself: out of scope */
	y->ep = e0;
}

/* ---- choosing the next action ---- */

enum act {
	A_DELIVER,
	A_DATA,
	A_FIN,
	A_ACK,
	A_READ,
	A_STALL,
	A_RETRANS,
	A_KEEPALIVE,
	A_PROBE,
	A_CLOSE,
	A_INJECT,
	_A_MAX
};

static unsigned weight(const struct model_conv *c, enum act a, int i)
{
	const struct model_conv_side *x = &c->side[i];
	const struct tcp_model_ep *ep = &x->ep;
	bool alive = tcp_model_synchronized(ep), r = room(c, i);

	switch (a) {
	case A_DELIVER:
		return c->fl[i].n ? 20 + 2 * c->fl[i].n : 0;
	case A_DATA:
		return can_talk(x) && x->to_send && wnd_avail(ep) && r ? 20 : 0;
	case A_FIN: /* a bare FIN at a zero window now and then, as some stacks do */
		if (!x->closing || x->to_send || !can_talk(x) || !r ||
		    seq_gt(ep->snd_nxt, wnd_end(ep)))
			return 0;
		return wnd_avail(ep) ? 10 : 1;
	case A_ACK:
		return alive && r ? 3 + (ep->rcv_nxt != ep->rcv_wup ? 12 : 0) : 0;
	case A_READ:
		return alive && x->reading && x->unread ? 10 : 0;
	case A_STALL:
		return alive ? 1 : 0;
	case A_RETRANS:
		if (!alive || !seq_lt(ep->snd_una, ep->snd_nxt) || !r)
			return 0;
		return c->fl[0].n || c->fl[1].n ? 2 : 25;
	case A_KEEPALIVE:
		return alive && ep->state != TCP_MODEL_TIME_WAIT && r ? 1 : 0;
	case A_PROBE:
		return can_talk(x) && x->to_send && !ep->snd_wnd && ep->snd_nxt == ep->snd_una && r
			       ? 6
			       : 0;
	case A_CLOSE:
		return can_talk(x) && !x->closing ? (x->to_send ? 1 : 3) : 0;
	case A_INJECT:
		return i == 0 ? 4 : 0; /* the injector picks its side itself */
	default:
		return 0;
	}
}

static void act(struct model_conv *c, enum act a, int i)
{
	struct model_conv_side *x = &c->side[i];

	switch (a) {
	case A_DELIVER:
		deliver(c, i);
		break;
	case A_DATA:
		send_data(c, i);
		break;
	case A_FIN:
		send_bare(c, i, F_FIN | F_ACK, x->ep.snd_nxt);
		break;
	case A_ACK:
		send_bare(c, i, F_ACK, acceptable_seq(&x->ep));
		break;
	case A_READ:
		x->unread -= rn(c, x->unread + 1);
		break;
	case A_STALL:
		x->reading = !x->reading;
		break;
	case A_RETRANS:
		retransmit(c, i, !c->fl[0].n && !c->fl[1].n);
		break;
	case A_KEEPALIVE: /* Linux's keep-alive and zero-window probe */
		c->n->keepalives++;
		send_bare(c, i, F_ACK, x->ep.snd_una - 1);
		break;
	case A_PROBE:
		probe_byte(c, i);
		break;
	case A_CLOSE:
		app_close(c, i);
		break;
	default:
		inject(c);
	}
}

/* Picks one weighted action; false when nothing is left to do. */
static bool step(struct model_conv *c)
{
	unsigned w[_A_MAX][2], total = 0, pick;

	for (int a = 0; a < _A_MAX; a++)
		for (int i = 0; i < 2; i++)
			total += w[a][i] = weight(c, (enum act)a, i);
	if (!total)
		return false;
	pick = rn(c, total);
	for (int a = 0; a < _A_MAX; a++)
		for (int i = 0; i < 2; i++) {
			if (pick < w[a][i]) {
				act(c, (enum act)a, i);
				return true;
			}
			pick -= w[a][i];
		}
	return false;
}

/* ---- one conversation ---- */

static void side_init(struct model_conv *c, int i)
{
	static const uint8_t auths[] = {TCP_MODEL_AUTH_MD5, TCP_MODEL_AUTH_AO};
	struct model_conv_side *x = &c->side[i];

	/* field by field: an initializer list's order of evaluation is unspecified */
	memset(&x->cfg, 0, sizeof(x->cfg));
	x->cfg.iss = chance(c, 30) ? UINT32_MAX - rn(c, 100000) : (uint32_t)rnd(c);
	x->cfg.wscale = chance(c, 70) ? (int8_t)rn(c, 15) : -1;
	x->cfg.ts = chance(c, 70);
	x->cfg.sack = chance(c, 70);
	x->cfg.listen = i == 1;
	x->cfg.auth = i ? c->side[0].cfg.auth : (chance(c, 80) ? 0 : auths[rn(c, 2)]);
	tcp_model_init(&x->ep, &x->cfg);
	/* a later SYN to A's port is a new connection too, as at B's listener (RFC 6191) */
	x->ep.listener = true;
	x->ts_clock = chance(c, 20) ? UINT32_MAX - rn(c, 1000) : (uint32_t)rnd(c);
	x->to_send = chance(c, 20) ? 0 : rn(c, 80000);
	x->rbuf = 1024 + rn(c, 200000);
	if (x->cfg.wscale > 0 && x->rbuf < (4u << x->cfg.wscale))
		x->rbuf = 4u << x->cfg.wscale; /* room for at least a few window units */
	x->mss = (uint16_t)(536 + rn(c, 925));
	x->reading = true;
}

static bool finished(const struct model_conv *c)
{
	for (int i = 0; i < 2; i++) {
		uint8_t st = c->side[i].ep.state;

		if (c->fl[i].n || (st != TCP_MODEL_TIME_WAIT && st != TCP_MODEL_CLOSED))
			return false;
	}
	return true;
}

/* An application abort: an RST from a side that has a connection, once the network is idle.
 * It is delivered at once: while it travels, the peer's segments would reach a closed socket
 * and no tracker could know, as the RST has not passed it yet. */
static void abort_conn(struct model_conv *c)
{
	int i = (int)rn(c, 2);

	if (!can_talk(&c->side[i]) || c->fl[0].n || c->fl[1].n)
		return;
	send_bare(c, i, F_RST | F_ACK, acceptable_seq(&c->side[i].ep));
	deliver(c, i);
	c->n->aborted++;
	c->abort_at = ULONG_MAX;
}

/* A's SYN starts the tracker; B answers with one SYN/ACK, sometimes a retransmitted second. */
static bool handshake(struct model_conv *c)
{
	struct packet syn = mk_syn(c, 0);
	struct tcp_track before = c->t;
	struct tcp_track_result res;
	struct model_conv_event e = {
		.legit = true, .p = &syn, .before = &before, .rcv = &c->side[1].ep, .res = &res};

	tcp_model_sent(&c->side[0].ep, &syn);
	tcp_track_new(&c->t, &syn, &c->par, &res);
	e.verdict = tcp_model_receive(&c->side[1].ep, &syn, &e.why);
	c->n->legit++;
	c->judge(c, &e);
	if (c->stop || e.verdict != TCP_MODEL_ACCEPT)
		return false;
	for (int n = chance(c, 10) ? 2 : 1; n > 0; n--) {
		struct packet synack = mk_syn(c, 1);

		send_seg(c, 1, &synack);
	}
	return true;
}

void model_conv_run(struct model_conv *c, uint64_t seed, const uint8_t *src, size_t src_len,
		    unsigned long max_steps,
		    void (*judge)(struct model_conv *c, const struct model_conv_event *e),
		    void *ctx, struct model_conv_counts *n)
{
	*c = (struct model_conv){.rng = seed * 0x2545f4914f6cdd1dull,
				 .seed = seed,
				 .judge = judge,
				 .ctx = ctx,
				 .n = n,
				 .src = src,
				 .src_len = src_len};
	c->par = (struct tcp_track_params){.tw_policy = TCP_TRACK_TW_ENFORCE, .max_retrans = 3};
	side_init(c, 0);
	side_init(c, 1);
	c->abort_at = chance(c, 10) ? rn(c, 600) : ULONG_MAX;
	n->conversations++;
	if (!handshake(c))
		return;
	for (c->step = 0; c->step < max_steps && !c->stop; c->step++) {
		if (finished(c)) {
			for (int k = (int)rn(c, 8); k > 0 && !c->stop; k--)
				inject(c);
			n->closed++;
			n->simul_close += c->side[0].ep.state == TCP_MODEL_TIME_WAIT &&
					  c->side[1].ep.state == TCP_MODEL_TIME_WAIT;
			break;
		}
		if (c->step >= c->abort_at)
			abort_conn(c);
		if (!step(c))
			break;
	}
	n->steps += c->step;
	for (int i = 0; i < 2; i++)
		n->wraps += c->side[i].ep.snd_nxt < c->side[i].ep.iss;
}
