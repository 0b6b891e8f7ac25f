// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replication's daemon side (daemon/tcpfwd/sync.c) against a peer the test plays by hand over
 * loopback UDP: tcpfwd's sync on 127.0.0.2, the hand-made peer on 127.0.0.1, both on one port.
 * The test reads the protocol with lib/sync_proto and lib/crypto only, so what is checked is
 * the bytes on the wire: the handshake, a bulk transfer and updates applied to the engine,
 * loss and reordering, and forged, replayed, malformed and foreign datagrams counted and
 * dropped without touching the table. No threads; the clock is the test's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto.h"
#include "engine_fixture.h"
#include "sync.h"
#include "sync_proto.h"

#define PORT 47469

static const uint8_t psk[CRYPTO_KEY_SIZE] = {
	1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

/* The peer the test plays. */
struct peer {
	int fd;
	uint8_t self[CRYPTO_NONCE_SIZE];
	uint8_t them[CRYPTO_NONCE_SIZE]; /* tcpfwd's session nonce */
	uint64_t counter;
	uint8_t tx[CRYPTO_KEY_SIZE], rx[CRYPTO_KEY_SIZE], hello[CRYPTO_KEY_SIZE];
	uint32_t seq;			 /* the next reliable seq */
	uint32_t ask_id;		 /* the id of the BULK_REQUEST tcpfwd sent */
	uint8_t last[SYNC_DATAGRAM_MAX]; /* the last datagram sent, for replays */
	size_t last_len;
};

struct world {
	char dir[64];
	struct config cfg;
	struct fixture *fx; /* tcpfwd's engine */
	struct sync *s;
	struct peer p;
	uint64_t now;
};

static int udp_socket(const char *addr)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_pton(AF_INET, addr, &a.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void send_to_tcpfwd(int fd, const uint8_t *buf, size_t len)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT)};

	inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
	assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof(a)), (ssize_t)len);
}

static void peer_send(struct peer *p, uint8_t kind, const uint8_t *payload, size_t len)
{
	struct sync_header h = {.kind = kind, .counter = ++p->counter};

	memcpy(h.sender, p->self, sizeof(h.sender));
	p->last_len =
		sync_seal(p->last, &h, payload, len, kind == SYNC_KIND_HELLO ? p->hello : p->tx);
	send_to_tcpfwd(p->fd, p->last, p->last_len);
}

/* Reads one datagram from tcpfwd, opened; returns its kind, or 0 when none is waiting. */
static int peer_recv(struct peer *p, uint8_t *payload, size_t *len)
{
	uint8_t buf[SYNC_DATAGRAM_MAX];
	struct sync_header h;
	struct pollfd pfd = {.fd = p->fd, .events = POLLIN};

	if (poll(&pfd, 1, 50) <= 0)
		return 0;
	ssize_t n = recv(p->fd, buf, sizeof(buf), 0);
	assert_true(n > 0);
	assert_int_equal(sync_header_get(buf, (size_t)n, &h), 0);
	if (h.kind == SYNC_KIND_HELLO) {
		memcpy(p->them, h.sender, sizeof(p->them));
		assert_int_equal(sync_open(buf, (size_t)n, &h, p->hello, payload, len), 0);
	} else {
		assert_memory_equal(h.sender, p->them, sizeof(p->them));
		assert_int_equal(sync_open(buf, (size_t)n, &h, p->rx, payload, len), 0);
	}
	return h.kind;
}

static void pump(struct world *w, unsigned turns)
{
	for (unsigned i = 0; i < turns; i++) {
		w->now += 10;
		sync_receive(w->s, w->now);
		sync_turn(w->s, w->now);
	}
}

static struct ctl_sync status(struct world *w)
{
	struct ctl_sync st;

	sync_status(w->s, w->now, &st);
	return st;
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	char key_path[CONFIG_PATH_MAX];

	assert_non_null(w);
	snprintf(w->dir, sizeof(w->dir), "/tmp/tcpfw-test-sync.XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(key_path, sizeof(key_path), "%s/sync.key", w->dir);
	int fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, psk, sizeof(psk)), sizeof(psk));
	close(fd);

	w->cfg = small_config(64);
	w->cfg.sync.enabled = true;
	snprintf(w->cfg.sync.local, sizeof(w->cfg.sync.local), "127.0.0.2");
	snprintf(w->cfg.sync.peer, sizeof(w->cfg.sync.peer), "127.0.0.1");
	w->cfg.sync.port = PORT;
	snprintf(w->cfg.sync.key_file, sizeof(w->cfg.sync.key_file), "%s", key_path);
	w->cfg.sync.update_delay_ms = 100;
	w->cfg.sync.timeout_ms = 3000;
	w->fx = fx_new(&w->cfg);
	w->now = 1000000;

	assert_int_equal(crypto_init(), 0);
	w->p.fd = udp_socket("127.0.0.1");
	memset(w->p.self, 0x77, sizeof(w->p.self));
	crypto_hello_key(psk, w->p.hello);
	w->p.seq = 1;
	assert_int_equal(sync_new(&w->cfg, &w->s), 0);
	assert_int_equal(sync_attach(w->s, w->fx->e, w->now), 0);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	char path[128];

	sync_free(w->s);
	fx_free(w->fx);
	close(w->p.fd);
	snprintf(path, sizeof(path), "%s/sync.key", w->dir);
	unlink(path);
	rmdir(w->dir);
	free(w);
	return 0;
}

/* Reads what tcpfwd sent until a datagram of `kind` holding a message of `type` arrives. */
static bool expect_msg(struct world *w, int kind, uint8_t type, struct sync_msg *out)
{
	uint8_t payload[SYNC_PAYLOAD_MAX];
	size_t len;

	for (int tries = 0; tries < 200; tries++) {
		int k = peer_recv(&w->p, payload, &len);
		if (!k) {
			pump(w, 1);
			continue;
		}
		if (k != kind)
			continue;
		if (k == SYNC_KIND_HELLO)
			return true;
		uint32_t seq;
		assert_int_equal(sync_payload_check(payload, len, &seq), 0);
		struct sync_reader rd;
		struct sync_msg m;
		sync_reader_init(&rd, payload, len);
		while (sync_reader_next(&rd, &m) == 1)
			if (m.type == type) {
				if (out)
					*out = m;
				return true;
			}
	}
	return false;
}

/* The handshake, from the peer's side: HELLO echoing tcpfwd's nonce brings the session up. */
static void handshake_with(struct world *w)
{
	struct sync_hello h = {0};
	uint8_t buf[SYNC_HELLO_SIZE];

	assert_true(expect_msg(w, SYNC_KIND_HELLO, 0, NULL)); /* learns tcpfwd's nonce */
	memcpy(h.echo, w->p.them, sizeof(h.echo));
	crypto_session_key(psk, w->p.self, w->p.them, w->p.tx);
	crypto_session_key(psk, w->p.them, w->p.self, w->p.rx);
	sync_hello_put(&h, buf);
	peer_send(&w->p, SYNC_KIND_HELLO, buf, sizeof(buf));
	pump(w, 1);
	assert_int_equal(status(w).state, CTL_SYNC_RESYNC);
	struct sync_msg ask;
	assert_true(expect_msg(w, SYNC_KIND_DATA, SYNC_MSG_BULK_REQUEST, &ask));
	assert_int_not_equal(ask.bulk.id, 0);
	w->p.ask_id = ask.bulk.id;
}

static void send_reliable(struct world *w, const struct sync_msg *msgs, unsigned n, uint32_t seq)
{
	uint8_t p[SYNC_PAYLOAD_MAX];
	struct sync_writer wr;

	sync_writer_init(&wr, p, seq);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(sync_writer_add(&wr, &msgs[i]), 0);
	peer_send(&w->p, SYNC_KIND_DATA, p, sync_writer_finish(&wr));
}

/* A flow as the peer's engine would send it: a handshake through a scratch engine. */
static struct engine_flow_record peer_flow(uint16_t cport)
{
	struct config cfg = small_config(8);
	struct fixture *fx = fx_new(&cfg);
	struct conn c = conn_make(4, cport);
	struct engine_flow_record r;
	uint32_t cursor = 0;

	handshake(fx, &c);
	assert_int_equal(engine_export(fx->e, &cursor, 8, &r, 1, fx->now), 1);
	fx_free(fx);
	return r;
}

static void bulk_of(struct world *w, const struct engine_flow_record *recs, unsigned n)
{
	struct sync_msg m[8];
	unsigned k = 0;

	m[k++] = (struct sync_msg){
		.type = SYNC_MSG_BULK_START, .flags = SYNC_BULK_COMPLETE, .bulk.id = w->p.ask_id};
	for (unsigned i = 0; i < n; i++)
		m[k++] = (struct sync_msg){.type = SYNC_MSG_FLOW,
					   .flags = SYNC_FLOW_BULK | SYNC_FLOW_OWNED,
					   .flow = recs[i]};
	m[k++] = (struct sync_msg){.type = SYNC_MSG_BULK_END,
				   .bulk = {.id = w->p.ask_id, .flows = n}};
	send_reliable(w, m, k, w->p.seq++);
	pump(w, 2);
}

static void test_handshake_bulk_in_sync(void **state)
{
	struct world *w = *state;
	struct engine_flow_record r[2] = {peer_flow(6000), peer_flow(6001)};

	assert_int_equal(status(w).state, CTL_SYNC_CONNECTING);
	handshake_with(w);
	bulk_of(w, r, 2);
	struct ctl_sync st = status(w);
	assert_int_equal(st.state, CTL_SYNC_IN_SYNC);
	assert_true(st.complete);
	assert_int_equal(st.bulks_received, 1);
	assert_int_equal(st.bulk_last_flows, 2);
	assert_int_equal(counters(w->fx).flows, 2);
	/* every reliable datagram is acknowledged */
	struct sync_msg ack;
	assert_true(expect_msg(w, SYNC_KIND_DATA, SYNC_MSG_ACK, &ack));
	assert_int_equal(ack.next, w->p.seq);
}

static void test_updates_and_removal(void **state)
{
	struct world *w = *state;
	struct engine_flow_record r = peer_flow(6002);

	handshake_with(w);
	bulk_of(w, NULL, 0);
	struct sync_msg m = {.type = SYNC_MSG_FLOW, .flags = SYNC_FLOW_OWNED, .flow = r};
	send_reliable(w, &m, 1, w->p.seq++);
	pump(w, 2);
	assert_int_equal(counters(w->fx).flows, 1);
	uint32_t cursor = 0;
	struct engine_flow_record got;
	assert_int_equal(engine_export(w->fx->e, &cursor, 64, &got, 1, w->now), 1);
	assert_memory_equal(&got.track, &r.track, sizeof(r.track));

	struct sync_msg d = {.type = SYNC_MSG_DESTROY,
			     .key = {.family = 4, .sport = r.port[0], .dport = r.port[1]}};
	memcpy(d.key.src, r.addr[0], 16);
	memcpy(d.key.dst, r.addr[1], 16);
	send_reliable(w, &d, 1, w->p.seq++);
	pump(w, 2);
	assert_int_equal(counters(w->fx).flows, 0);
	assert_int_equal(counters(w->fx).flows_destroyed[ENGINE_CAUSE_PEER], 1);
}

static void test_reorder_and_loss(void **state)
{
	struct world *w = *state;
	struct engine_flow_record r[3] = {peer_flow(6003), peer_flow(6004), peer_flow(6005)};

	handshake_with(w);
	bulk_of(w, NULL, 0);
	uint32_t first = w->p.seq;
	struct sync_msg m[3];
	for (int i = 0; i < 3; i++)
		m[i] = (struct sync_msg){.type = SYNC_MSG_FLOW, .flow = r[i]};
	send_reliable(w, &m[2], 1, first + 2); /* first + 0 and + 1 "lost" */
	pump(w, 1);
	assert_int_equal(counters(w->fx).flows, 0); /* held back: in order or not at all */
	struct sync_msg nack;
	assert_true(expect_msg(w, SYNC_KIND_DATA, SYNC_MSG_NACK, &nack));
	assert_int_equal(nack.nack.from, first);
	assert_int_equal(nack.nack.to, first + 1);
	send_reliable(w, &m[1], 1, first + 1);
	send_reliable(w, &m[0], 1, first);
	pump(w, 2);
	assert_int_equal(counters(w->fx).flows, 3);
	w->p.seq = first + 3;
}

static void test_hostile_datagrams(void **state)
{
	struct world *w = *state;
	struct engine_flow_record r = peer_flow(6006);

	handshake_with(w);
	bulk_of(w, NULL, 0);
	struct sync_msg m = {.type = SYNC_MSG_FLOW, .flow = r};
	send_reliable(w, &m, 1, w->p.seq++);
	pump(w, 2);
	assert_int_equal(counters(w->fx).flows, 1);
	/* a replay of an authentic datagram: the one that carried the flow */
	uint8_t copy[SYNC_DATAGRAM_MAX];
	size_t copy_len = w->p.last_len;
	memcpy(copy, w->p.last, copy_len);
	send_to_tcpfwd(w->p.fd, copy, copy_len);
	pump(w, 1);
	assert_int_equal(status(w).dropped[CTL_SYNC_DROP_REPLAYED], 1);

	/* under fresh counters (the header's bytes 24..31), so the replay check lets them by:
	 * one bit flipped in the ciphertext, and the counter itself changed (it is authenticated)
	 */
	copy[24] ^= 0x40;
	copy[copy_len - 1] ^= 1;
	send_to_tcpfwd(w->p.fd, copy, copy_len);
	copy[copy_len - 1] ^= 1;
	send_to_tcpfwd(w->p.fd, copy, copy_len);
	copy[24] ^= 0x40;
	copy[8] ^= 1; /* another sender nonce: no session of ours */
	send_to_tcpfwd(w->p.fd, copy, copy_len);
	copy[8] ^= 1;
	pump(w, 1);
	assert_int_equal(status(w).dropped[CTL_SYNC_DROP_BAD_AUTH], 2);
	assert_int_equal(status(w).dropped[CTL_SYNC_DROP_NO_SESSION], 1);

	/* garbage, a short datagram, and a datagram from another address */
	uint8_t junk[64] = "TFSY";
	send_to_tcpfwd(w->p.fd, junk, sizeof(junk));
	send_to_tcpfwd(w->p.fd, junk, 3);
	int other = udp_socket("127.0.0.3");
	send_to_tcpfwd(other, copy, copy_len);
	close(other);
	pump(w, 1);
	struct ctl_sync st = status(w);
	assert_int_equal(st.dropped[CTL_SYNC_DROP_MALFORMED], 2);
	assert_int_equal(st.dropped[CTL_SYNC_DROP_BAD_SOURCE], 1);

	/* a HELLO from another nonce does not end a live session */
	struct sync_hello h = {0};
	uint8_t hb[SYNC_HELLO_SIZE];
	uint8_t keep[CRYPTO_NONCE_SIZE];
	memcpy(keep, w->p.self, sizeof(keep));
	memset(w->p.self, 0x55, sizeof(w->p.self));
	sync_hello_put(&h, hb);
	peer_send(&w->p, SYNC_KIND_HELLO, hb, sizeof(hb));
	memcpy(w->p.self, keep, sizeof(keep));
	pump(w, 1);
	assert_int_equal(status(w).state, CTL_SYNC_IN_SYNC);
	assert_int_equal(status(w).sessions, 1);

	/* nothing above touched the table */
	assert_int_equal(counters(w->fx).flows, 1);
	assert_null(engine_check(w->fx->e));
}

static void test_local_changes_sent(void **state)
{
	struct world *w = *state;
	struct conn c = conn_make(4, 6100);

	handshake_with(w);
	bulk_of(w, NULL, 0);
	/* tcpfwd's bulk to the peer, asked for: its table is empty */
	uint8_t ask[SYNC_PAYLOAD_MAX];
	struct sync_writer wr;
	sync_writer_init(&wr, ask, 0);
	sync_writer_add(&wr, &(struct sync_msg){.type = SYNC_MSG_BULK_REQUEST, .bulk.id = 9});
	peer_send(&w->p, SYNC_KIND_DATA, ask, sync_writer_finish(&wr));
	struct sync_msg m;
	assert_true(expect_msg(w, SYNC_KIND_DATA, SYNC_MSG_BULK_END, &m));
	assert_int_equal(m.bulk.id, 9);
	assert_int_equal(m.bulk.flows, 0);

	seg(w->fx, &c, C2S, SYN, 0); /* a local packet: its flow goes out at the turn's end */
	assert_true(expect_msg(w, SYNC_KIND_DATA, SYNC_MSG_FLOW, &m));
	assert_int_equal(m.flags, SYNC_FLOW_MOVING | SYNC_FLOW_OWNED);
	assert_int_equal(m.flow.track.state, TCP_TRACK_SYN_SENT);
	w->fx->events.n = 0;
	seg(w->fx, &c, S2C, RST | ACK, 0);	       /* removed by a local packet: a DESTROY */
	for (unsigned i = 0; i < w->fx->events.n; i++) /* what the worker's event hook does */
		sync_on_event(w->s, &w->fx->events.ev[i]);
	assert_true(expect_msg(w, SYNC_KIND_DATA, SYNC_MSG_DESTROY, &m));
	assert_int_equal(m.key.sport, 6100);
}

static void test_silence_then_peer_lost(void **state)
{
	struct world *w = *state;

	handshake_with(w);
	bulk_of(w, NULL, 0);
	assert_int_equal(status(w).state, CTL_SYNC_IN_SYNC);
	pump(w, 301); /* 3 s without a word */
	assert_int_equal(status(w).state, CTL_SYNC_PEER_LOST);
	/* the old session's keys no longer open anything: a new HELLO is needed */
	assert_true(expect_msg(w, SYNC_KIND_HELLO, 0, NULL));
}

/* The peer restarts: its new incarnation takes over the session in a few round trips, not
 * after sync.timeout, by echoing the nonce tcpfwd answers it with. */
static void test_peer_restart_rejoins(void **state)
{
	struct world *w = *state;
	struct sync_hello h = {0};
	uint8_t hb[SYNC_HELLO_SIZE];

	handshake_with(w);
	bulk_of(w, NULL, 0);
	uint64_t sessions = status(w).sessions;
	memset(w->p.self, 0x99, sizeof(w->p.self)); /* the new incarnation */
	w->p.counter = 0;
	sync_hello_put(&h, hb);
	peer_send(&w->p, SYNC_KIND_HELLO, hb, sizeof(hb));
	pump(w, 1);
	assert_int_equal(status(w).state, CTL_SYNC_IN_SYNC);  /* not yet: no proof of life */
	assert_true(expect_msg(w, SYNC_KIND_HELLO, 0, NULL)); /* tcpfwd answers with its nonce */
	memcpy(h.echo, w->p.them, sizeof(h.echo)); /* the echo: proof of a live newcomer */
	sync_hello_put(&h, hb);
	peer_send(&w->p, SYNC_KIND_HELLO, hb, sizeof(hb));
	pump(w, 1);
	assert_int_equal(status(w).state, CTL_SYNC_PEER_LOST); /* starts over, new nonce */
	handshake_with(w);
	assert_int_equal(status(w).sessions, sessions + 1);
	w->p.seq = 1;
	bulk_of(w, NULL, 0);
	assert_int_equal(status(w).state, CTL_SYNC_IN_SYNC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_bulk_in_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_updates_and_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reorder_and_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_datagrams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_changes_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silence_then_peer_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_restart_rejoins, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
