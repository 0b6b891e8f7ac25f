// SPDX-License-Identifier: GPL-2.0-or-later
/* The engine tests' harness: see engine_fixture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "engine_fixture.h"
#include "pktbuild.h"
#include "util.h"

static void on_event(const struct engine_event *ev, void *arg)
{
	struct events *events = arg;

	if (events->n < ARRAY_SIZE(events->ev))
		events->ev[events->n] = *ev;
	events->n++;
}

uint8_t hash_key_byte = 0x5a;

struct fixture *fx_new(const struct config *cfg)
{
	struct fixture *fx = test_calloc(1, sizeof(*fx));
	struct engine_params params = {.on_event = on_event};

	fx->cfg = *cfg;
	fx->now = 1000 * SEC;
	params.config = &fx->cfg;
	params.event_arg = &fx->events;
	memset(params.hash_key, hash_key_byte, sizeof(params.hash_key));
	assert_int_equal(engine_new(&params, fx->now, &fx->e), 0);
	return fx;
}

void fx_free(struct fixture *fx)
{
	engine_free(fx->e);
	test_free(fx);
}

struct config small_config(uint32_t max_flows)
{
	struct config cfg;

	config_defaults(&cfg);
	cfg.table.max_flows = max_flows;
	return cfg;
}

struct conn conn_make(uint8_t family, uint16_t cport)
{
	return (struct conn){.family = family, .cport = cport, .next = {1000000, 3000000000u}};
}

/* Writes one segment of c in direction dir to buf; returns its length and sets *seq. */
size_t write_seg(struct conn *c, int dir, uint8_t flags, uint32_t payload, uint32_t seq_override,
		 uint8_t *buf, size_t cap, uint32_t *seq)
{
	struct pktbuild b;

	pktbuild_init(&b, c->family);
	if (dir == S2C) {
		uint8_t tmp[16];
		memcpy(tmp, b.saddr, 16);
		memcpy(b.saddr, b.daddr, 16);
		memcpy(b.daddr, tmp, 16);
		b.sport = 80;
		b.dport = c->cport;
	} else {
		b.sport = c->cport;
		b.dport = 80;
	}
	b.flags = flags;
	b.seq = seq_override ? seq_override : c->next[dir];
	b.ack = (flags & TCP_FLAG_ACK) ? c->next[!dir] : 0;
	b.payload_len = payload;
	b.window = 65535;
	if (c->ts) {
		b.ts = true;
		b.tsval = ++c->tsval[dir];
	}
	size_t len = pktbuild_write(&b, buf, cap);
	assert_true(len > 0);
	*seq = b.seq;
	return len;
}

/* Sends one segment of c in direction dir; returns the engine's result. */
struct engine_result send_seg(struct fixture *fx, struct conn *c, int dir, uint8_t flags,
			      uint32_t payload, uint32_t seq_override)
{
	struct engine_result res;
	uint8_t buf[2048];
	uint32_t seq;
	size_t len = write_seg(c, dir, flags, payload, seq_override, buf, sizeof(buf), &seq);

	/* a header-only copy, as NFQUEUE with a small copy range delivers it */
	size_t cap = len - payload;
	fx->last_len = len;
	engine_process(fx->e, buf, cap, len, fx->now, &res);
	if (!seq_override && res.verdict == ENGINE_ACCEPT)
		c->next[dir] = seq + payload + !!(flags & TCP_FLAG_SYN) + !!(flags & TCP_FLAG_FIN);
	return res;
}

struct engine_result seg(struct fixture *fx, struct conn *c, int dir, uint8_t flags,
			 uint32_t payload)
{
	return send_seg(fx, c, dir, flags, payload, 0);
}

void expect(struct engine_result r, uint8_t verdict, uint8_t reason, uint8_t state)
{
	assert_int_equal(r.verdict, verdict);
	assert_string_equal(reason_name(r.reason), reason_name(reason));
	assert_string_equal(tcp_track_state_name(r.state), tcp_track_state_name(state));
}

void handshake(struct fixture *fx, struct conn *c)
{
	expect(seg(fx, c, C2S, SYN, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_SENT);
	expect(seg(fx, c, S2C, SYN | ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_SYN_RECV);
	expect(seg(fx, c, C2S, ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_ESTABLISHED);
}

void close_to_time_wait(struct fixture *fx, struct conn *c)
{
	expect(seg(fx, c, C2S, FIN | ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_FIN_WAIT);
	expect(seg(fx, c, S2C, ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_CLOSE_WAIT);
	expect(seg(fx, c, S2C, FIN | ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_LAST_ACK);
	expect(seg(fx, c, C2S, ACK, 0), ENGINE_ACCEPT, REASON_OK, TCP_TRACK_TIME_WAIT);
}

struct engine_counters counters(struct fixture *fx)
{
	struct engine_counters ctr;

	engine_get_counters(fx->e, &ctr);
	return ctr;
}

/* The single flow's info (the test makes sure there is exactly one matching). */
struct engine_flow_info the_flow(struct fixture *fx, const struct engine_filter *f)
{
	struct engine_flow_info out[4];
	uint32_t cursor = 0;
	unsigned n = engine_list(fx->e, f, &cursor, UINT32_MAX, out, ARRAY_SIZE(out));

	assert_int_equal(n, 1);
	return out[0];
}

void advance(struct fixture *fx, uint64_t ms)
{
	fx->now += ms;
	engine_expire(fx->e, fx->now, UINT32_MAX);
}
