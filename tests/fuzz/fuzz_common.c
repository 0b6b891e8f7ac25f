// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_common - helpers shared by the harnesses; see fuzz_common.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/pktbuild.h"
#include "fuzz_common.h"
#include "snapshot.h"

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	abort();
}

uint8_t fuzz_u8(struct fuzz_in *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

void *fuzz_copy(const void *data, size_t size)
{
	void *copy = malloc(size ? size : 1);

	CHECK(copy);
	memcpy(copy, data, size);
	return copy;
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

bool fuzz_terminated(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

void fuzz_tcp_policy(struct config *c, unsigned bits)
{
	c->tcp.pickup = bits & 1;
	c->tcp.window_check = !(bits & 2);
	c->tcp.time_wait.policy = (bits & 4) ? CONFIG_TW_SHORTEN : CONFIG_TW_ENFORCE;
}

void fuzz_config(struct config *c, uint32_t max_flows, unsigned bits)
{
	config_defaults(c);
	c->table.max_flows = max_flows;
	fuzz_tcp_policy(c, bits);
}

uint8_t fuzz_step(struct fuzz_in *f, struct fuzz_engine *fe)
{
	uint8_t c = fuzz_u8(f);
	unsigned e = (c >> 2) & 0x1f;
	uint64_t adv = e ? 1ull << (e - 1) : 0;

	if (fe->now + adv - FUZZ_CLOCK_START <= FUZZ_CLOCK_SPAN)
		fe->now += adv;
	return c;
}

void fuzz_tuple(struct pktbuild *b, uint8_t family, unsigned idx, unsigned dir)
{
	pktbuild_init(b, family);
	b->sport = (uint16_t)(40000 + idx);
	if (dir) {
		uint8_t a[16];

		memcpy(a, b->saddr, 16);
		memcpy(b->saddr, b->daddr, 16);
		memcpy(b->daddr, a, 16);
		b->dport = b->sport;
		b->sport = 80;
	}
}

void fuzz_on_event(const struct engine_event *ev, void *arg)
{
	struct fuzz_engine *fe = arg;

	CHECK(!fe->in_import);
	CHECK(ev->type < _ENGINE_EVENT_MAX);
	CHECK(ev->flow.state > TCP_TRACK_NONE && ev->flow.state < _TCP_TRACK_STATE_MAX);
	CHECK(ev->flow.family == 4 || ev->flow.family == 6);
	switch (ev->type) {
	case ENGINE_EVENT_NEW:
		fe->live++;
		break;
	case ENGINE_EVENT_STATE:
		CHECK(ev->old_state < _TCP_TRACK_STATE_MAX && ev->old_state != ev->flow.state);
		break;
	case ENGINE_EVENT_DESTROY:
		CHECK(ev->cause < _ENGINE_CAUSE_MAX);
		/* DESIGN: assured flows are evicted only once they are closing */
		if (ev->cause == ENGINE_CAUSE_EVICTED)
			CHECK(!ev->flow.assured || (ev->flow.state >= TCP_TRACK_FIN_WAIT &&
						    ev->flow.state <= TCP_TRACK_CLOSE));
		fe->live--;
		break;
	}
}

unsigned fuzz_list_all(const struct engine *e, const struct engine_filter *f,
		       struct engine_flow_info *out, unsigned max, unsigned budget)
{
	uint32_t cursor = 0;
	unsigned n = 0;

	do {
		CHECK(!out || n <= max);
		n += engine_list(e, f, &cursor, budget, out ? out + n : NULL, out ? max - n : 0);
	} while (cursor != 0);
	return n;
}

void fuzz_check_engine(const struct fuzz_engine *fe, unsigned budget)
{
	const struct engine *e = fe->e;
	struct engine_counters c;
	struct engine_flow_info flows[FUZZ_FLOWS_MAX];
	uint64_t sum = 0, destroyed = 0;
	uint32_t states[_TCP_TRACK_STATE_MAX] = {0};

	engine_get_counters(e, &c);
	CHECK(c.max_flows == fe->cfg.table.max_flows);
	CHECK(c.flows <= c.max_flows);
	CHECK(c.states[TCP_TRACK_NONE] == 0);
	for (unsigned s = 0; s < _TCP_TRACK_STATE_MAX; s++)
		sum += c.states[s];
	CHECK(sum == c.flows);
	CHECK(c.verdicts[ENGINE_ACCEPT] + c.verdicts[ENGINE_DROP] == fe->packets);
	sum = 0;
	for (unsigned i = 0; i < _REASON_MAX; i++)
		sum += c.reasons[i];
	CHECK(sum == fe->packets);
	for (unsigned i = 0; i < _ENGINE_CAUSE_MAX; i++)
		destroyed += c.flows_destroyed[i];
	CHECK(c.flows_created - destroyed == c.flows);
	CHECK(fe->live == (int64_t)c.flows);

	unsigned n = fuzz_list_all(e, NULL, flows, FUZZ_FLOWS_MAX, budget);
	CHECK(n == c.flows);
	CHECK(fuzz_list_all(e, NULL, NULL, 0, 7) == n);
	for (unsigned i = 0; i < n; i++) {
		struct engine_flow_info g;

		CHECK(flows[i].state > TCP_TRACK_NONE && flows[i].state < _TCP_TRACK_STATE_MAX);
		CHECK(flows[i].expires_ms != 0); /* every flow has a timer: none can leak */
		states[flows[i].state]++;
		/* engine_get finds it from both sides */
		CHECK(engine_get(e, flows[i].family, flows[i].src, flows[i].sport, flows[i].dst,
				 flows[i].dport, &g));
		CHECK(g.id == flows[i].id && g.state == flows[i].state);
		CHECK(engine_get(e, flows[i].family, flows[i].dst, flows[i].dport, flows[i].src,
				 flows[i].sport, &g));
		CHECK(g.id == flows[i].id && memcmp(g.src, flows[i].src, 16) == 0);
	}
	CHECK(memcmp(states, c.states, sizeof(states)) == 0);
}

void fuzz_expire_all(struct fuzz_engine *fe)
{
	unsigned rounds = 0;

	do {
		engine_expire(fe->e, fe->now, UINT32_MAX);
		CHECK(++rounds < 1000);
	} while (engine_expire_behind(fe->e, fe->now));
}

unsigned fuzz_export_all(const struct engine *e, unsigned budget, struct engine_flow_record *out,
			 uint64_t now, struct engine_counters *c)
{
	uint32_t cursor = 0;
	unsigned n = 0;

	do {
		n += engine_export(e, &cursor, budget, out + n, FUZZ_FLOWS_MAX - n, now);
	} while (cursor != 0);
	engine_get_counters(e, c);
	CHECK(n == c->flows);
	return n;
}

size_t fuzz_write_snapshot(uint8_t *buf, uint64_t wall_ms, const struct engine_flow_record *recs,
			   unsigned n)
{
	struct snapshot_writer w;
	size_t len = SNAPSHOT_HEADER_SIZE;

	snapshot_write_header(&w, wall_ms, buf);
	for (unsigned i = 0; i < n; i++) {
		struct snapshot_record sr = {.queue = (uint16_t)i, .flow = recs[i]};

		snapshot_write_record(&w, &sr, buf + len);
		len += SNAPSHOT_RECORD_SIZE;
	}
	snapshot_write_trailer(&w, buf + len);
	return len + SNAPSHOT_TRAILER_SIZE;
}

const uint8_t fuzz_sync_psk[CRYPTO_KEY_SIZE] = {'f', 'u', 'z', 'z', [31] = 0x5a};
const uint8_t fuzz_sync_peer[CRYPTO_NONCE_SIZE] = {'p', 'e', 'e', 'r', [15] = 1};
const uint8_t fuzz_sync_self[CRYPTO_NONCE_SIZE] = {'s', 'e', 'l', 'f', [15] = 2};
