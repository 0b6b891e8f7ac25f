// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sync_link, randomized: a sender and a receiver over a simulated link that loses, duplicates
 * and reorders datagrams and ACKs, many runs; every payload must arrive exactly once, in order
 * and byte for byte, and the sender's ring must drain. The seed comes from TCPFW_SEED (run k
 * uses seed + k) and is printed, and on failure with the run's own seed and the time. The
 * directed cases are in test_sync_link.c.
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

#include "seq.h"
#include "sync_link.h"

/*
 * The simulation: a sender and a receiver joined by two lossy links, driven by a fake clock in
 * steps of 1 ms, with the protocol of the replication design: DATA retransmitted on NACK and on
 * RTO, a cumulative ACK after every step with data, NACK(from, to) for a gap when it appears
 * and again every RTO, ALIVE with the sender's next seq so that a lost tail shows.
 */
#define SIM_MAX_LEN   48
#define SIM_LINK_MAX  2048
#define SIM_RTO_MS    100
#define SIM_ALIVE_MS  20
#define SIM_STEPS_MAX 2000000u
#define SIM_PAYLOADS  2000u
#define SIM_RUNS      32u
#define SIM_SEED      0x5e9c11e4ull

enum sim_kind { SIM_DATA, SIM_ACK, SIM_NACK, SIM_ALIVE };

struct sim_dgram {
	uint64_t at_ms; /* when it arrives */
	enum sim_kind kind;
	uint32_t a, b; /* DATA: seq; ACK, ALIVE: next seq; NACK: from, to */
	size_t len;
	uint8_t data[SIM_MAX_LEN];
};

struct sim_link {
	struct sim_dgram q[SIM_LINK_MAX];
	unsigned n;
	unsigned loss_pct, dup_pct, jitter_ms;
	uint64_t sent, lost;
};

struct sim {
	uint64_t seed, rng, now_ms; /* the run's own seed: TCPFW_SEED=seed replays it first */
	struct sync_tx *tx;
	struct sync_rx *rx;
	struct sim_link down, up; /* DATA and ALIVE; ACK and NACK */
	unsigned total, pushed, acked, delivered;
	uint32_t tx_seq, rx_seq; /* the seq the next push gets, the seq the next delivery has */
	uint32_t nack_from, nack_to;
	uint64_t nack_ms;
	uint64_t results[SYNC_RX_BEYOND + 1];
	uint64_t full, resent, max_lag_ms;
};

#define SIM_CHECK(m, cond)                                                                         \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail_msg("TCPFW_SEED=%#" PRIx64 " at %" PRIu64 " ms: %s", (m)->seed,       \
				 (m)->now_ms, #cond);                                              \
	} while (0)

static uint64_t sim_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned sim_below(struct sim *m, unsigned n)
{
	return (unsigned)(sim_rand(&m->rng) % n);
}

static uint32_t sim_succ(uint32_t seq)
{
	return seq + 1 ? seq + 1 : 1;
}

/* Payload number k of the run: its length and bytes depend on the seed and k alone. */
static size_t sim_payload(const struct sim *m, unsigned k, uint8_t *out)
{
	uint64_t h = m->seed * 7919 + k;
	size_t len = 1 + sim_rand(&h) % SIM_MAX_LEN;

	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)sim_rand(&h);
	return len;
}

static void sim_send(struct sim *m, struct sim_link *l, const struct sim_dgram *d)
{
	unsigned copies = 1 + (sim_below(m, 100) < l->dup_pct);

	l->sent++;
	if (sim_below(m, 100) < l->loss_pct) {
		l->lost++;
		return;
	}
	while (copies--) {
		struct sim_dgram *q;

		if (l->n == SIM_LINK_MAX) {
			l->lost++; /* the link's queue overflows */
			break;
		}
		q = &l->q[l->n++];
		*q = *d;
		/* mostly jitter within a few ms; now and then one far behind the others */
		q->at_ms = m->now_ms + 1 + sim_below(m, l->jitter_ms);
		if (sim_below(m, 50) == 0)
			q->at_ms += sim_below(m, 3 * SIM_RTO_MS);
	}
}

/* Takes one datagram that has arrived by now into d; false when none has. */
static bool sim_recv(struct sim *m, struct sim_link *l, struct sim_dgram *d)
{
	for (unsigned i = 0; i < l->n; i++) {
		if (l->q[i].at_ms > m->now_ms)
			continue;
		*d = l->q[i];
		l->q[i] = l->q[--l->n];
		return true;
	}
	return false;
}

static void sim_send_data(struct sim *m, uint32_t seq)
{
	struct sim_dgram d = {.kind = SIM_DATA, .a = seq};
	const uint8_t *p = sync_tx_get(m->tx, seq, &d.len);

	SIM_CHECK(m, p && d.len <= SIM_MAX_LEN);
	memcpy(d.data, p, d.len);
	sim_send(m, &m->down, &d);
	sync_tx_sent(m->tx, seq, m->now_ms);
}

static void sim_control(struct sim *m, struct sim_link *l, enum sim_kind kind, uint32_t a,
			uint32_t b)
{
	struct sim_dgram d = {.kind = kind, .a = a, .b = b};

	sim_send(m, l, &d);
}

static void sim_tx_check(struct sim *m)
{
	SIM_CHECK(m, sync_tx_inflight(m->tx) == m->pushed - m->acked);
	SIM_CHECK(m, sync_tx_next_seq(m->tx) == m->tx_seq);
}

static void sim_sender(struct sim *m)
{
	unsigned burst = sim_below(m, 5);
	struct sim_dgram d;
	uint32_t due[16];
	unsigned n;

	while (sim_recv(m, &m->up, &d)) {
		uint64_t lag = 0;

		if (d.kind == SIM_ACK) {
			m->acked += sync_tx_ack(m->tx, d.a, m->now_ms, &lag);
			m->max_lag_ms = lag > m->max_lag_ms ? lag : m->max_lag_ms;
			continue;
		}
		/* a NACK: resend whatever of from .. to is still held */
		for (uint32_t s = d.a, i = 0; i < SYNC_LINK_MAX_SLOTS; s = sim_succ(s), i++) {
			if (sync_tx_get(m->tx, s, NULL)) {
				sim_send_data(m, s);
				m->resent++;
			}
			if (s == d.b)
				break;
		}
	}
	sim_tx_check(m);
	for (; burst && m->pushed < m->total; burst--) {
		uint8_t buf[SIM_MAX_LEN];
		size_t len = sim_payload(m, m->pushed, buf);
		uint32_t seq = sync_tx_push(m->tx, buf, len, m->now_ms);

		if (!seq) {
			SIM_CHECK(m, sync_tx_room(m->tx) == 0);
			m->full++;
			break;
		}
		SIM_CHECK(m, seq == m->tx_seq);
		m->tx_seq = sim_succ(seq);
		m->pushed++;
		sim_send_data(m, seq);
	}
	n = sync_tx_due(m->tx, m->now_ms, SIM_RTO_MS, due, 16);
	for (unsigned i = 0; i < n; i++) {
		SIM_CHECK(m, i == 0 || seq_lt(due[i - 1], due[i])); /* oldest first */
		sim_send_data(m, due[i]);
		m->resent++;
	}
	if (m->now_ms % SIM_ALIVE_MS == 0)
		sim_control(m, &m->down, SIM_ALIVE, sync_tx_next_seq(m->tx), 0);
	sim_tx_check(m);
}

/* One payload handed to the receiver's user: the next one, byte for byte. */
static void sim_deliver(struct sim *m, const uint8_t *p, size_t len)
{
	uint8_t want[SIM_MAX_LEN];
	size_t want_len = sim_payload(m, m->delivered, want);

	SIM_CHECK(m, m->delivered < m->pushed);
	SIM_CHECK(m, len == want_len && memcmp(p, want, len) == 0);
	SIM_CHECK(m, sync_rx_next(m->rx) == sim_succ(m->rx_seq));
	m->rx_seq = sync_rx_next(m->rx);
	m->delivered++;
}

static void sim_receiver(struct sim *m)
{
	bool data = false;
	struct sim_dgram d;
	uint32_t from, to;

	while (sim_recv(m, &m->down, &d)) {
		enum sync_rx_result r;
		const uint8_t *p;
		size_t len;

		if (d.kind == SIM_ALIVE) {
			sync_rx_note_tail(m->rx, d.a);
			continue;
		}
		data = true;
		SIM_CHECK(m, sync_rx_next(m->rx) == m->rx_seq);
		r = sync_rx_offer(m->rx, d.a, d.data, d.len);
		SIM_CHECK(m, (unsigned)r <= SYNC_RX_BEYOND);
		if ((unsigned)r <= SYNC_RX_BEYOND)
			m->results[r]++;
		if (r != SYNC_RX_DELIVER)
			continue;
		SIM_CHECK(m, d.a == m->rx_seq);
		sim_deliver(m, d.data, d.len);
		while ((p = sync_rx_pop(m->rx, &len)))
			sim_deliver(m, p, len);
	}
	if (data)
		sim_control(m, &m->up, SIM_ACK, sync_rx_next(m->rx), 0);
	if (!sync_rx_gap(m->rx, &from, &to))
		return;
	SIM_CHECK(m, from == sync_rx_next(m->rx));
	if (from != m->nack_from || to != m->nack_to || m->now_ms - m->nack_ms >= SIM_RTO_MS) {
		sim_control(m, &m->up, SIM_NACK, from, to);
		m->nack_from = from;
		m->nack_to = to;
		m->nack_ms = m->now_ms;
	}
}

static void sim_run(struct sim *m)
{
	/* half the runs cross the wrap of 2^32 */
	uint32_t first = sim_below(m, 2) ? UINT32_MAX - sim_below(m, 3000) : 1 + sim_below(m, 1000);
	unsigned capacity = 8 + sim_below(m, 120), window = 4 + sim_below(m, 60);

	m->total = SIM_PAYLOADS;
	m->down.loss_pct = 5 + sim_below(m, 26);
	m->up.loss_pct = 5 + sim_below(m, 26);
	m->down.dup_pct = m->up.dup_pct = sim_below(m, 10);
	m->down.jitter_ms = m->up.jitter_ms = 1 + sim_below(m, 20);
	assert_int_equal(sync_tx_new(capacity, SIM_MAX_LEN, &m->tx), 0);
	assert_int_equal(sync_rx_new(window, SIM_MAX_LEN, &m->rx), 0);
	sync_tx_reset(m->tx, first);
	sync_rx_reset(m->rx, first);
	m->tx_seq = m->rx_seq = first;
	for (m->now_ms = 1;; m->now_ms++) {
		SIM_CHECK(m, m->now_ms < SIM_STEPS_MAX);
		sim_sender(m);
		sim_receiver(m);
		if (m->delivered == m->total && sync_tx_inflight(m->tx) == 0)
			break;
	}
	/* every payload delivered exactly once, and the ring drained */
	SIM_CHECK(m, m->pushed == m->total && m->acked == m->total);
	SIM_CHECK(m, sync_tx_room(m->tx) == capacity);
	SIM_CHECK(m, sync_rx_next(m->rx) == m->tx_seq);
	SIM_CHECK(m, !sync_rx_pop(m->rx, NULL));
	sync_tx_free(m->tx);
	sync_rx_free(m->rx);
}

static uint64_t sim_seed(void)
{
	const char *s = getenv("TCPFW_SEED");

	return s && *s ? strtoull(s, NULL, 0) : SIM_SEED;
}

static void test_sim_lossy_link(void **state)
{
	struct sim *m = test_calloc(1, sizeof(*m));
	uint64_t results[SYNC_RX_BEYOND + 1] = {0}, lost = 0, sent = 0, full = 0, resent = 0;
	uint64_t ms = 0, lag = 0, seed = sim_seed();

	(void)state;
	print_message("sync_link simulation: TCPFW_SEED=%#" PRIx64 " and the %u after it\n", seed,
		      SIM_RUNS - 1);
	for (unsigned run = 0; run < SIM_RUNS; run++) {
		memset(m, 0, sizeof(*m));
		m->seed = m->rng = seed + run;
		sim_run(m);
		for (unsigned i = 0; i <= SYNC_RX_BEYOND; i++)
			results[i] += m->results[i];
		lost += m->down.lost + m->up.lost;
		sent += m->down.sent + m->up.sent;
		full += m->full;
		resent += m->resent;
		ms += m->now_ms;
		lag = m->max_lag_ms > lag ? m->max_lag_ms : lag;
	}
	print_message("sync_link simulation: %u payloads in %u runs over %" PRIu64
		      " simulated ms; %" PRIu64 " of %" PRIu64 " datagrams lost, %" PRIu64
		      " payloads resent, the ring full %" PRIu64 " times, lag at most %" PRIu64
		      " ms; offers: %" PRIu64 " in order, %" PRIu64 " buffered, %" PRIu64
		      " duplicate, %" PRIu64 " beyond the window\n",
		      SIM_RUNS * SIM_PAYLOADS, SIM_RUNS, ms, lost, sent, resent, full, lag,
		      results[SYNC_RX_DELIVER], results[SYNC_RX_BUFFERED],
		      results[SYNC_RX_DUPLICATE], results[SYNC_RX_BEYOND]);
	/* the runs reached every rule */
	for (unsigned i = 0; i <= SYNC_RX_BEYOND; i++)
		assert_true(results[i] > 0);
	assert_true(full > 0);
	test_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_lossy_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
