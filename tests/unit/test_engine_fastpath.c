// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's data path. First, engine_process_batch() against engine_process(): two engines
 * with the same configuration and
 * hash key are fed the same random traffic, one packet at a time and in batches of random size
 * (1 to more than two chunks), and must agree after every batch on each verdict, reason and
 * state, on every event in order (flow ids and expiry times included), and on all counters; at
 * the end their flow lists must be identical. The traffic is built to hit the hard cases of
 * batching: whole handshakes and closes inside one batch (a flow created by one packet must be
 * found by the next), a table small enough that new flows evict others, RSTs that destroy flows
 * and SYNs that reopen them within a batch, parse failures and non-TCP packets between them.
 * The seed comes from TCPFW_SEED and is printed on failure. Then the 128-byte flow record: what a
 * flow costs in memory, and that every tracker field survives the packing into it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "pktbuild.h"
#include "util.h"

#define NCONN	    40
#define MAX_BATCH   (2 * ENGINE_BATCH_MAX + 7)
#define MAX_EVENTS  (4 * MAX_BATCH)
#define PKT_ROOM    256
#define BATCHES	    1500
#define TABLE_FLOWS 16

struct events {
	unsigned n;
	struct engine_event ev[MAX_EVENTS];
};

struct side {
	struct engine *e;
	struct events events;
	struct engine_result res[MAX_BATCH];
};

/* A scripted connection; the script goes on whatever the engine decides. */
struct tconn {
	uint8_t family;
	uint8_t addr[2][16]; /* client, server */
	uint16_t port[2];
	uint32_t next[2];
	uint32_t tsval[2];
	unsigned phase;
	unsigned data_left;
};

struct trace {
	uint64_t rng, seed;
	uint64_t now;
	unsigned batch; /* index, for failure messages */
	struct tconn c[NCONN];
	unsigned n; /* packets in the batch being built */
	uint8_t bytes[MAX_BATCH][PKT_ROOM];
	struct engine_packet pkts[MAX_BATCH];
};

#define CHECK(t, k, cond)                                                                          \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail_msg("TCPFW_SEED=%" PRIu64 " batch %u packet %d: %s", (t)->seed,       \
				 (t)->batch, (int)(k), #cond);                                     \
	} while (0)

static uint64_t rng(struct trace *t)
{
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ull); /* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(struct trace *t, unsigned n)
{
	return (unsigned)(rng(t) % n);
}

static void on_event(const struct engine_event *ev, void *arg)
{
	struct events *events = arg;

	assert_true(events->n < MAX_EVENTS);
	events->ev[events->n++] = *ev;
}

static struct engine *side_engine(struct side *s, const struct config *cfg)
{
	struct engine_params p = {.config = cfg, .on_event = on_event, .event_arg = &s->events};
	struct engine *e = NULL;

	memset(p.hash_key, 0x3c, sizeof(p.hash_key));
	assert_int_equal(engine_new(&p, 1000000, &e), 0);
	return e;
}

static void conn_init(struct trace *t, struct tconn *c, unsigned i)
{
	memset(c, 0, sizeof(*c));
	c->family = i % 4 == 3 ? 6 : 4;
	for (int s = 0; s < 2; s++) {
		if (c->family == 4) {
			c->addr[s][0] = s ? 198 : 10;
			c->addr[s][1] = s ? 51 : 1;
			c->addr[s][3] = (uint8_t)(s ? 1 + i % 3 : i + 1);
		} else {
			c->addr[s][0] = 0x20, c->addr[s][1] = 0x01, c->addr[s][2] = 0x0d;
			c->addr[s][3] = 0xb8, c->addr[s][15] = (uint8_t)(s ? 1 + i % 3 : i + 1);
		}
	}
	c->port[0] = (uint16_t)(40000 + below(t, 20000));
	c->port[1] = i % 2 ? 443 : 80;
	c->next[0] = (uint32_t)rng(t);
	c->next[1] = (uint32_t)rng(t);
	c->tsval[0] = (uint32_t)rng(t);
	c->tsval[1] = (uint32_t)rng(t);
}

static struct engine_packet *slot(struct trace *t, uint8_t **buf)
{
	assert_true(t->n < MAX_BATCH);
	*buf = t->bytes[t->n];
	return &t->pkts[t->n++];
}

/* One segment of c from side dir (0 client, 1 server); seq_off puts it off its sequence. */
static void emit(struct trace *t, struct tconn *c, unsigned dir, uint8_t flags, uint32_t len,
		 uint32_t seq_off)
{
	struct pktbuild b;
	uint8_t *buf;
	struct engine_packet *p = slot(t, &buf);
	uint8_t full[2048];

	pktbuild_init(&b, c->family);
	memcpy(b.saddr, c->addr[dir], 16);
	memcpy(b.daddr, c->addr[!dir], 16);
	b.sport = c->port[dir];
	b.dport = c->port[!dir];
	b.seq = c->next[dir] + seq_off;
	b.ack = flags & TCP_FLAG_ACK ? c->next[!dir] : 0;
	b.flags = flags;
	b.payload_len = len;
	b.window = 4096;
	b.ts = true;
	b.tsval = ++c->tsval[dir];
	if (flags & TCP_FLAG_SYN) {
		b.mss = 1460;
		b.wscale = 7;
		b.sack_perm = true;
	}
	size_t n = pktbuild_write(&b, full, sizeof(full));
	assert_true(n > len && n - len <= PKT_ROOM);
	memcpy(buf, full, n - len); /* headers only, as a small copy_range delivers */
	*p = (struct engine_packet){.buf = buf, .cap_len = n - len, .pkt_len = n};
	if (!seq_off)
		c->next[dir] += len + !!(flags & TCP_FLAG_SYN) + !!(flags & TCP_FLAG_FIN);
}

/* The connection's next scripted segment. */
static void step(struct trace *t, struct tconn *c)
{
	const uint8_t A = TCP_FLAG_ACK, S = TCP_FLAG_SYN, F = TCP_FLAG_FIN | TCP_FLAG_ACK;

	switch (c->phase) {
	case 0:
		emit(t, c, 0, S, 0, 0);
		c->phase = 1;
		break;
	case 1:
		if (below(t, 8) == 0) { /* refused: RST answering the SYN destroys the flow */
			emit(t, c, 1, TCP_FLAG_RST | A, 0, 0);
			c->next[0] += 100000;
			c->phase = 0;
			break;
		}
		emit(t, c, 1, S | A, 0, 0);
		c->phase = 2;
		break;
	case 2:
		emit(t, c, 0, A, 0, 0);
		c->phase = 3;
		c->data_left = 1 + below(t, 6);
		break;
	case 3:
		if (below(t, 10) == 0) { /* out of window: dropped, state unchanged */
			emit(t, c, below(t, 2), A, 100, 50000000);
		} else if (below(t, 20) == 0) { /* an abort */
			emit(t, c, below(t, 2), TCP_FLAG_RST | A, 0, 0);
			c->next[0] += 100000;
			c->phase = 0;
		} else {
			emit(t, c, below(t, 2), A | TCP_FLAG_PSH, below(t, 1400), 0);
			if (--c->data_left == 0)
				c->phase = 4;
		}
		break;
	case 4:
	case 6:
		emit(t, c, c->phase == 6, F, 0, 0);
		c->phase++;
		break;
	case 5:
	case 7:
		emit(t, c, c->phase == 5, A, 0, 0);
		c->phase++;
		break;
	default: /* TIME_WAIT: a new incarnation with a higher sequence number reopens it */
		c->next[0] += 1000000;
		c->phase = 0;
		step(t, c);
		break;
	}
}

static void junk(struct trace *t)
{
	uint8_t *buf;
	struct engine_packet *p = slot(t, &buf);
	unsigned kind = below(t, 3);

	if (kind == 0) { /* truncated or garbage IP */
		size_t n = 1 + below(t, 40);
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)rng(t);
		buf[0] = below(t, 2) ? 0x45 : 0x60;
		*p = (struct engine_packet){.buf = buf, .cap_len = n, .pkt_len = n};
		return;
	}
	struct pktbuild b;
	pktbuild_init(&b, 4);
	b.saddr[3] = (uint8_t)rng(t);
	b.sport = (uint16_t)(1024 + below(t, 60000));
	b.flags = TCP_FLAG_SYN;
	b.seq = (uint32_t)rng(t);
	b.ack = 0;
	size_t n = pktbuild_write(&b, buf, PKT_ROOM);
	assert_true(n > 0);
	if (kind == 1) { /* UDP: not TCP, passes */
		buf[9] = 17;
		pktbuild_ip4_fix_csum(buf);
	}
	/* else a spoofed SYN: a new flow, or an eviction, or table_full */
	*p = (struct engine_packet){.buf = buf, .cap_len = n, .pkt_len = n};
}

static void build_batch(struct trace *t)
{
	unsigned want = 1 + below(t, MAX_BATCH - 8);

	t->n = 0;
	while (t->n < want) {
		unsigned r = below(t, 100);

		if (r < 8) {
			junk(t);
		} else if (r < 30) { /* a burst of one connection: several packets of a flow */
			struct tconn *c = &t->c[below(t, NCONN)];
			for (unsigned k = 1 + below(t, 6); k && t->n < want; k--)
				step(t, c);
		} else {
			step(t, &t->c[below(t, NCONN)]);
		}
	}
}

static void compare_events(struct trace *t, const struct events *a, const struct events *b)
{
	CHECK(t, -1, a->n == b->n);
	for (unsigned i = 0; i < a->n; i++) {
		const struct engine_event *x = &a->ev[i], *y = &b->ev[i];

		CHECK(t, i,
		      x->type == y->type && x->cause == y->cause && x->old_state == y->old_state);
		CHECK(t, i, x->flow.id == y->flow.id && x->flow.family == y->flow.family);
		CHECK(t, i, x->flow.state == y->flow.state && x->flow.assured == y->flow.assured);
		CHECK(t, i,
		      !memcmp(x->flow.src, y->flow.src, 16) &&
			      !memcmp(x->flow.dst, y->flow.dst, 16));
		CHECK(t, i, x->flow.sport == y->flow.sport && x->flow.dport == y->flow.dport);
		CHECK(t, i, x->flow.expires_ms == y->flow.expires_ms);
	}
}

static void compare_flows(struct trace *t, struct engine *a, struct engine *b)
{
	struct engine_flow_info fa[TABLE_FLOWS + 1], fb[TABLE_FLOWS + 1];
	uint32_t ca = 0, cb = 0;
	unsigned na = engine_list(a, NULL, &ca, UINT32_MAX, fa, TABLE_FLOWS + 1);
	unsigned nb = engine_list(b, NULL, &cb, UINT32_MAX, fb, TABLE_FLOWS + 1);

	CHECK(t, -1, na == nb);
	for (unsigned i = 0; i < na; i++) {
		CHECK(t, i, fa[i].id == fb[i].id && fa[i].state == fb[i].state);
		CHECK(t, i, fa[i].expires_ms == fb[i].expires_ms);
		CHECK(t, i, !memcmp(fa[i].src, fb[i].src, 16) && fa[i].sport == fb[i].sport);
	}
}

static void run(uint64_t seed, unsigned *seen, uint64_t *causes)
{
	struct trace *t = test_calloc(1, sizeof(*t));
	struct side *one = test_calloc(1, sizeof(*one)), *many = test_calloc(1, sizeof(*many));
	struct config cfg;

	config_defaults(&cfg);
	cfg.table.max_flows = TABLE_FLOWS;
	cfg.tcp.timeouts.syn_sent_ms = 3000; /* short enough that flows also time out */
	cfg.tcp.time_wait.duration_ms = 5000;
	t->seed = t->rng = seed;
	t->now = 1000000;
	one->e = side_engine(one, &cfg);
	many->e = side_engine(many, &cfg);
	for (unsigned i = 0; i < NCONN; i++)
		conn_init(t, &t->c[i], i);

	for (t->batch = 0; t->batch < BATCHES; t->batch++) {
		build_batch(t);
		one->events.n = many->events.n = 0;
		for (unsigned i = 0; i < t->n; i++)
			engine_process(one->e, t->pkts[i].buf, t->pkts[i].cap_len,
				       t->pkts[i].pkt_len, t->now, &one->res[i]);
		engine_process_batch(many->e, t->pkts, t->n, t->now, many->res);
		for (unsigned i = 0; i < t->n; i++) {
			CHECK(t, i, one->res[i].verdict == many->res[i].verdict);
			CHECK(t, i, one->res[i].reason == many->res[i].reason);
			CHECK(t, i, one->res[i].state == many->res[i].state);
			seen[one->res[i].reason]++;
		}
		compare_events(t, &one->events, &many->events);

		struct engine_counters ca, cb;
		engine_get_counters(one->e, &ca);
		engine_get_counters(many->e, &cb);
		CHECK(t, -1, !memcmp(&ca, &cb, sizeof(ca)));

		/* the clock: mostly ms, sometimes past SYN and TIME_WAIT timeouts */
		unsigned r = below(t, 100);
		t->now += r < 80 ? below(t, 50) : r < 97 ? below(t, 20000) : 130000;
		one->events.n = many->events.n = 0;
		unsigned budget = below(t, 2) ? 1 + below(t, 64) : 1u << 20;
		CHECK(t, -1,
		      engine_expire(one->e, t->now, budget) ==
			      engine_expire(many->e, t->now, budget));
		compare_events(t, &one->events, &many->events);
	}
	compare_flows(t, one->e, many->e);
	struct engine_counters c;
	engine_get_counters(one->e, &c);
	for (int i = 0; i < _ENGINE_CAUSE_MAX; i++)
		causes[i] += c.flows_destroyed[i];
	engine_free(one->e);
	engine_free(many->e);
	test_free(one);
	test_free(many);
	test_free(t);
}

static uint64_t test_seed(void)
{
	const char *s = getenv("TCPFW_SEED");

	return s && *s ? strtoull(s, NULL, 0) : 0xba7c4ed5eedull;
}

static void test_batch_equals_one_by_one(void **state)
{
	unsigned seen[_REASON_MAX] = {0};
	uint64_t causes[_ENGINE_CAUSE_MAX] = {0};
	uint64_t seed = test_seed();

	(void)state;
	for (unsigned k = 0; k < 4; k++)
		run(seed + k, seen, causes);
	assert_true(causes[ENGINE_CAUSE_EVICTED] > 0);
	assert_true(causes[ENGINE_CAUSE_RESET] > 0);
	assert_true(causes[ENGINE_CAUSE_REOPEN] > 0);
	assert_true(causes[ENGINE_CAUSE_TIMEOUT] > 0);
	/* the traffic reached the cases that matter */
	assert_true(seen[REASON_OK] > 1000);
	assert_true(seen[REASON_TABLE_FULL] > 0);
	assert_true(seen[REASON_NOT_TCP] > 0);
	assert_true(seen[REASON_SEQ_OVER_WINDOW] > 0 || seen[REASON_SEQ_UNDER_WINDOW] > 0);
}

/* A flow that a packet creates is found by the next packets of the same batch. */
static void test_flow_created_in_batch_is_found(void **state)
{
	struct side *s = test_calloc(1, sizeof(*s));
	struct trace *t = test_calloc(1, sizeof(*t));
	struct config cfg;

	(void)state;
	config_defaults(&cfg);
	cfg.table.max_flows = 64;
	s->e = side_engine(s, &cfg);
	t->rng = 1;
	conn_init(t, &t->c[0], 0);
	conn_init(t, &t->c[1], 1);
	for (unsigned k = 0; k < 4; k++) /* SYN, SYN/ACK, ACK, data */
		step(t, &t->c[0]);
	step(t, &t->c[1]);
	step(t, &t->c[1]);
	engine_process_batch(s->e, t->pkts, t->n, 1000000, s->res);
	static const uint8_t want[] = {TCP_TRACK_SYN_SENT,    TCP_TRACK_SYN_RECV,
				       TCP_TRACK_ESTABLISHED, TCP_TRACK_ESTABLISHED,
				       TCP_TRACK_SYN_SENT,    TCP_TRACK_SYN_RECV};
	for (unsigned i = 0; i < t->n; i++) {
		assert_int_equal(s->res[i].verdict, ENGINE_ACCEPT);
		assert_int_equal(s->res[i].state, want[i]);
	}
	struct engine_counters c;
	engine_get_counters(s->e, &c);
	assert_int_equal(c.flows_created, 2);
	assert_int_equal(s->events.n, 2 + 3);			 /* NEW x2, STATE x3 */
	engine_process_batch(s->e, t->pkts, 0, 1000000, s->res); /* empty: nothing */
	engine_get_counters(s->e, &c);
	assert_int_equal(c.verdicts[ENGINE_ACCEPT], 6);
	engine_free(s->e);
	test_free(s);
	test_free(t);
}

/* Per flow: a 128-byte record (key, chain link, timer node, packed tracker) and a bucket. */
static void test_memory_per_flow(void **state)
{
	struct config cfg;
	struct engine_params p = {0};
	struct engine *a, *b;

	(void)state;
	config_defaults(&cfg);
	p.config = &cfg;
	cfg.table.max_flows = 4096;
	assert_int_equal(engine_new(&p, 0, &a), 0);
	cfg.table.max_flows = 8192;
	assert_int_equal(engine_new(&p, 0, &b), 0);
	/* buckets: the power of two >= max_flows, 4 bytes each; the wheel adds only its slots */
	assert_int_equal(engine_memory(b) - engine_memory(a), 4096 * (128 + 4));
	engine_free(a);
	engine_free(b);
}

/* Every field of the tracker, set to a distinct value, comes back out of the table as it went. */
static void test_tracker_survives_packing(void **state)
{
	struct side *s = test_calloc(1, sizeof(*s));
	struct engine_flow_record rec, out[2];
	struct config cfg;
	uint32_t cursor = 0;

	(void)state;
	config_defaults(&cfg);
	cfg.table.max_flows = 8;
	s->e = side_engine(s, &cfg);
	for (unsigned k = 0; k < 2; k++) {
		struct tcp_track *t = &rec.track;
		uint32_t v = 0x01020304u * (k + 1);

		memset(&rec, 0, sizeof(rec));
		rec.family = k ? 6 : 4;
		rec.orig = (uint8_t)k;
		rec.tclass = (uint8_t)(TCP_TRACK_TIMEOUT_UNACK - k);
		rec.addr[0][0] = 10, rec.addr[1][0] = 11; /* canonical: endpoint 0 the lower */
		rec.port[0] = (uint16_t)(1000 + k), rec.port[1] = 2000;
		rec.remaining_ms = 60000;
		for (int d = 0; d < 2; d++) {
			struct tcp_track_peer *pr = &t->peer[d];
			pr->end = v++, pr->maxend = v++, pr->maxwin = v++, pr->maxack = v++;
			pr->isn = v++, pr->tsval = v++;
			pr->wscale = (uint8_t)(7 + d + k), pr->flags = (uint8_t)(0x81 + d + k);
		}
		t->last_seq = v++, t->last_ack = v++, t->last_end = v++;
		t->last_win = (uint16_t)(0xbeef + k);
		t->state = (uint8_t)(TCP_TRACK_ESTABLISHED + k);
		t->retrans = (uint8_t)(5 + k);
		t->last_dir = 1 - k;
		t->last_index = (uint8_t)(TCP_TRACK_IDX_RST - k);
		t->last_ignored = k;
		t->last_opts = (uint8_t)(0x37 + k);
		t->flags = (uint8_t)(0x2b + k);
		assert_int_equal(engine_import(s->e, &rec, 1000000), 0);
		assert_int_equal(engine_export(s->e, &cursor, 8, out, 2, 1000000), k + 1);
		cursor = 0;
		/* both records start zeroed, so padding compares equal too */
		assert_memory_equal(&out[k].track, &rec.track, sizeof(rec.track));
		assert_int_equal(out[k].orig, rec.orig);
		assert_int_equal(out[k].tclass, rec.tclass);
		assert_int_equal(out[k].remaining_ms, 60000);
	}
	engine_free(s->e);
	test_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_equals_one_by_one),
		cmocka_unit_test(test_flow_created_in_batch_is_found),
		cmocka_unit_test(test_memory_per_flow),
		cmocka_unit_test(test_tracker_survives_packing),
	};

	return cmocka_run_group_tests_name("engine_fastpath", tests, NULL, NULL);
}
