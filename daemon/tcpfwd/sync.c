// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replication: the session and the datagrams. docs/sync.md is the specification; the comments
 * here say how this file follows it. Everything runs on the worker's thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "seq.h"
#include "sync_internal.h"

/* ---- setup ---- */

static int read_key(const char *path, uint8_t key[CRYPTO_KEY_SIZE])
{
	uint8_t buf[SYNC_KEY_FILE_MAX];
	struct stat sb;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd == -1)
		return log_errno(CONFIG_LOG_ERR, -errno, "sync: key file %s", path);
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		log_msg(CONFIG_LOG_ERR, "sync: key file %s is not a regular file", path);
		return -EINVAL;
	}
	if (sb.st_mode & S_IROTH) {
		close(fd);
		log_msg(CONFIG_LOG_ERR,
			"sync: key file %s is readable by others (mode %04o): chmod o-r it", path,
			(unsigned)(sb.st_mode & 07777));
		return -EPERM;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return log_errno(CONFIG_LOG_ERR, -errno, "sync: reading key file %s", path);
	int r = crypto_key_parse(buf, (size_t)n, key);
	memset(buf, 0, sizeof(buf));
	if (r < 0)
		log_msg(CONFIG_LOG_ERR,
			"sync: key file %s holds no key: 32 bytes, or 64 hex digits, are expected",
			path);
	return r;
}

static int parse_addr(const char *text, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static int open_socket(struct sync *s, const struct config *cfg)
{
	struct sockaddr_storage local;
	socklen_t local_len;
	int one = 1;

	if (parse_addr(cfg->sync.peer, cfg->sync.port, &s->peer, &s->peer_len) < 0)
		return -EINVAL; /* config_parse checked it */
	if (cfg->sync.local[0]) {
		if (parse_addr(cfg->sync.local, cfg->sync.port, &local, &local_len) < 0)
			return -EINVAL;
		if (local.ss_family != s->peer.ss_family) {
			log_msg(CONFIG_LOG_ERR, "sync: local %s and peer %s are of two families",
				cfg->sync.local, cfg->sync.peer);
			return -EINVAL;
		}
	} else {
		local = (struct sockaddr_storage){.ss_family = s->peer.ss_family};
		local_len = s->peer_len;
		((struct sockaddr_in *)&local)->sin_port = htons(cfg->sync.port); /* same offset */
	}
	s->fd = socket(s->peer.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd == -1)
		return log_errno(CONFIG_LOG_ERR, -errno, "sync: socket");
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* room for a whole window of a bulk transfer: a small buffer drops what the ring holds
	 * and turns a transfer into retransmissions (FORCE: CAP_NET_ADMIN, past rmem_max) */
	int buf = SYNC_SOCKET_BUFFER;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) == -1)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) == -1)
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (cfg->sync.interface[0] &&
	    setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, cfg->sync.interface,
		       (socklen_t)strlen(cfg->sync.interface)) == -1)
		return log_errno(CONFIG_LOG_ERR, -errno, "sync: binding to interface %s",
				 cfg->sync.interface);
	if (bind(s->fd, (struct sockaddr *)&local, local_len) == -1)
		return log_errno(CONFIG_LOG_ERR, -errno, "sync: binding %s port %u",
				 cfg->sync.local[0] ? cfg->sync.local : "*", cfg->sync.port);
	return 0;
}

static void new_self(struct sync *s)
{
	if (getrandom(s->self, sizeof(s->self), 0) != (ssize_t)sizeof(s->self))
		abort(); /* the kernel's CSPRNG cannot fail once seeded; nothing is safe without it
			  */
	s->counter = 0;
}

int sync_new(const struct config *cfg, struct sync **ret)
{
	struct sync *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->delay_ms = cfg->sync.update_delay_ms;
	s->timeout_ms = cfg->sync.timeout_ms;
	snprintf(s->peer_text, sizeof(s->peer_text), "%s", cfg->sync.peer);
	r = crypto_init();
	if (r < 0) {
		log_msg(CONFIG_LOG_ERR, "sync: libsodium cannot start");
		goto fail;
	}
	r = read_key(cfg->sync.key_file, s->psk);
	if (r < 0)
		goto fail;
	crypto_hello_key(s->psk, s->hello_key);
	r = sync_tx_new(SYNC_RING, SYNC_PAYLOAD_MAX, &s->tx);
	if (r == 0)
		r = sync_rx_new(SYNC_WINDOW, SYNC_PAYLOAD_MAX, &s->rx);
	if (r < 0) {
		log_errno(CONFIG_LOG_ERR, r, "sync: buffers");
		goto fail;
	}
	r = open_socket(s, cfg);
	if (r < 0)
		goto fail;
	new_self(s);
	*ret = s;
	return 0;
fail:
	sync_free(s);
	return r;
}

void sync_free(struct sync *s)
{
	if (!s)
		return;
	if (s->fd != -1)
		close(s->fd);
	sync_tx_free(s->tx);
	sync_rx_free(s->rx);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

int sync_fd(const struct sync *s)
{
	return s->fd;
}

/* ---- sending ---- */

void sync_send(struct sync *s, uint8_t kind, const uint8_t *payload, size_t len)
{
	struct sync_header h = {.kind = kind, .counter = ++s->counter};

	memcpy(h.sender, s->self, sizeof(h.sender));
	size_t n = sync_seal(s->dgram, &h, payload, len,
			     kind == SYNC_KIND_HELLO ? s->hello_key : s->tx_key);
	if (sendto(s->fd, s->dgram, n, 0, (struct sockaddr *)&s->peer, s->peer_len) == -1) {
		/* a full socket buffer or a link down: retransmission covers reliable data */
		return;
	}
	s->st.sent++;
}

/* A HELLO echoing `echo` (NULL: nothing heard yet). */
static void send_hello_to(struct sync *s, const uint8_t *echo)
{
	struct sync_hello h = {0};
	uint8_t p[SYNC_HELLO_SIZE];

	if (echo)
		memcpy(h.echo, echo, sizeof(h.echo));
	sync_hello_put(&h, p);
	sync_send(s, SYNC_KIND_HELLO, p, sizeof(p));
	s->last_hello_ms = s->now_ms;
}

static void send_hello(struct sync *s)
{
	send_hello_to(s, s->peer_known ? s->peer_nonce : NULL);
}

/* One control datagram: an ACK, a NACK and an ALIVE as they are due. */
/* nack: report the first gap, if there is one. */
static void send_control(struct sync *s, bool alive, bool nack, bool bulk_request)
{
	struct sync_writer w;
	uint8_t p[SYNC_PAYLOAD_MAX];
	uint32_t from, to;

	sync_writer_init(&w, p, 0);
	if (s->ack_due) {
		sync_writer_add(
			&w, &(struct sync_msg){.type = SYNC_MSG_ACK, .next = sync_rx_next(s->rx)});
		s->ack_due = false;
		s->ack_pending = 0;
	}
	if (nack && sync_rx_gap(s->rx, &from, &to)) {
		sync_writer_add(&w, &(struct sync_msg){.type = SYNC_MSG_NACK,
						       .nack = {.from = from, .to = to}});
		s->last_nack_ms = s->now_ms;
	}
	if (alive) {
		uint8_t status = (s->complete ? SYNC_ALIVE_COMPLETE : 0) |
				 (s->tx_bulk_active ? SYNC_ALIVE_BULK : 0);
		sync_writer_add(&w, &(struct sync_msg){.type = SYNC_MSG_ALIVE,
						       .flags = status,
						       .next = sync_tx_next_seq(s->tx)});
		s->last_alive_ms = s->now_ms;
	}
	if (bulk_request) {
		sync_writer_add(&w, &(struct sync_msg){.type = SYNC_MSG_BULK_REQUEST,
						       .bulk.id = s->bulk_ask_id});
		s->last_ask_ms = s->now_ms;
	}
	if (w.count)
		sync_send(s, SYNC_KIND_DATA, p, sync_writer_finish(&w));
}

static void resend(struct sync *s, uint32_t seq)
{
	size_t len;
	const uint8_t *p = sync_tx_get(s->tx, seq, &len);

	if (!p)
		return;
	sync_send(s, SYNC_KIND_DATA, p, len);
	sync_tx_sent(s->tx, seq, s->now_ms);
	s->st.retransmitted++;
}

/* ---- the session ---- */

static void session_up(struct sync *s)
{
	crypto_session_key(s->psk, s->self, s->peer_nonce, s->tx_key);
	crypto_session_key(s->psk, s->peer_nonce, s->self, s->rx_key);
	sync_replay_reset(&s->replay);
	sync_tx_reset(s->tx, 1);
	sync_rx_reset(s->rx, 1);
	s->up = true;
	s->w_open = false;
	s->ack_due = false;
	s->ack_pending = 0;
	s->gap_since_ms = 0;
	s->bulk_seen = s->bulk_done = false;
	s->bulk_ask_id = (uint32_t)s->st.sessions + 1; /* any non-zero: one request a session */
	s->tx_bulk_asked = s->tx_bulk_active = false;
	s->was_in_sync = false;
	s->last_heard_ms = s->now_ms;
	s->last_settle_ms = s->now_ms;
	s->st.sessions++;
	struct log_fields f = {0};
	log_fields_add(&f, "TCPFW_PEER=%s", s->peer_text);
	log_fields_add(&f, "TCPFW_SESSIONS=%llu", (unsigned long long)s->st.sessions);
	log_struct(CONFIG_LOG_NOTICE, LOG_ID_SYNC_UP, &f,
		   "sync: session with %s up; asking for its table", s->peer_text);
	send_control(s, true, false, true);
}

static bool in_sync(const struct sync *s)
{
	return s->up && s->complete && s->bulk_done &&
	       (!s->gap_since_ms || s->now_ms - s->gap_since_ms < SYNC_GAP_STALE_MS);
}

static void session_down(struct sync *s, const char *why)
{
	s->was_in_sync = in_sync(s);
	s->up = false;
	s->w_open = false;
	s->tx_bulk_active = false;
	explicit_bzero(s->tx_key, sizeof(s->tx_key));
	explicit_bzero(s->rx_key, sizeof(s->rx_key));
	new_self(s); /* nothing of this session authenticates in the next */
	struct log_fields f = {0};
	log_fields_add(&f, "TCPFW_PEER=%s", s->peer_text);
	log_fields_add(&f, "TCPFW_CAUSE=%s", why);
	log_fields_add(&f, "TCPFW_IN_SYNC=%d", s->was_in_sync);
	log_struct(CONFIG_LOG_WARNING, LOG_ID_SYNC_DOWN, &f, "sync: session with %s down: %s%s",
		   s->peer_text, why,
		   s->was_in_sync ? "; this table keeps the peer's last state" : "");
}

/*
 * The handshake (docs/sync.md "Session"): a session starts when the peer echoes our current
 * nonce, which proves it heard this incarnation of us; replayed HELLOs echo an older one.
 */
static void on_hello(struct sync *s, const uint8_t *sender, const struct sync_hello *h)
{
	bool echoes_us = memcmp(h->echo, s->self, sizeof(s->self)) == 0;

	if (memcmp(sender, s->self, CRYPTO_NONCE_SIZE) == 0)
		return; /* our own HELLO, reflected: it must not bring a session up */
	if (s->up) {
		if (memcmp(sender, s->peer_nonce, CRYPTO_NONCE_SIZE) == 0) {
			if (!echoes_us) /* it has not verified us yet */
				send_hello(s);
			return;
		}
		/*
		 * Another nonce: the peer restarted, or a replay. Only a HELLO echoing our current
		 * nonce proves a live newcomer (no earlier incarnation of the peer ever saw it), so
		 * answer with it, rate-limited, and switch when the echo comes back.
		 */
		if (!echoes_us) {
			if (s->now_ms - s->last_hello_ms >= SYNC_NEWCOMER_MS)
				send_hello_to(s, sender);
			if (s->now_ms - s->last_heard_ms < s->timeout_ms)
				return; /* a live session is not given up for a HELLO */
		}
		/* a new self: no datagram of the old session, or echoing its nonce, counts */
		session_down(s, "the peer restarted");
		memcpy(s->peer_nonce, sender, CRYPTO_NONCE_SIZE);
		s->peer_known = true;
		send_hello(s);
		return;
	}
	memcpy(s->peer_nonce, sender, CRYPTO_NONCE_SIZE);
	s->peer_known = true;
	if (echoes_us)
		session_up(s);
	send_hello(s);
}

/* ---- receiving ---- */

void sync_drop(struct sync *s, enum ctl_sync_drop why)
{
	s->st.dropped[why]++;
}

static void on_control(struct sync *s, const uint8_t *p, size_t len)
{
	struct sync_reader rd;
	struct sync_msg m;
	uint64_t lag;

	sync_reader_init(&rd, p, len);
	while (sync_reader_next(&rd, &m) == 1) {
		switch (m.type) {
		case SYNC_MSG_ACK:
			if (sync_tx_ack(s->tx, m.next, s->now_ms, &lag)) {
				s->st.lag_ms = lag;
				if (lag > s->st.lag_max_ms)
					s->st.lag_max_ms = lag;
			}
			break;
		case SYNC_MSG_NACK:
			for (uint32_t q = m.nack.from, n = 0;
			     n < SYNC_RESEND_MAX && seq_le(q, m.nack.to); q++, n++)
				resend(s, q);
			break;
		case SYNC_MSG_BULK_REQUEST:
			sync_bulk_start(s, m.bulk.id);
			break;
		case SYNC_MSG_ALIVE:
			sync_rx_note_tail(s->rx, m.next);
			s->peer_complete = m.flags & SYNC_ALIVE_COMPLETE;
			break;
		}
	}
}

static void on_reliable(struct sync *s, uint32_t seq, const uint8_t *p, size_t len)
{
	enum sync_rx_result r = sync_rx_offer(s->rx, seq, p, len);
	const uint8_t *next;
	size_t next_len;

	if (!s->ack_due)
		s->ack_since_ms = s->now_ms;
	s->ack_due = true;
	/* a duplicate: our last ACK may be lost, and the sender is retransmitting */
	s->ack_pending = r == SYNC_RX_DUPLICATE ? SYNC_ACK_EVERY : s->ack_pending + 1;
	if (r != SYNC_RX_DELIVER)
		return;
	sync_apply(s, p, len);
	while ((next = sync_rx_pop(s->rx, &next_len)))
		sync_apply(s, next, next_len);
}

static void on_data(struct sync *s, const struct sync_header *h, const uint8_t *buf, size_t n)
{
	size_t len;
	uint32_t seq;

	if (!s->up || memcmp(h->sender, s->peer_nonce, CRYPTO_NONCE_SIZE) != 0)
		return sync_drop(s, CTL_SYNC_DROP_NO_SESSION);
	if (!sync_replay_fresh(&s->replay, h->counter))
		return sync_drop(s, CTL_SYNC_DROP_REPLAYED);
	if (sync_open(buf, n, h, s->rx_key, s->plain, &len) < 0)
		return sync_drop(s, CTL_SYNC_DROP_BAD_AUTH);
	sync_replay_accept(&s->replay, h->counter);
	s->last_heard_ms = s->now_ms;
	s->st.received++;
	if (sync_payload_check(s->plain, len, &seq) < 0)
		return sync_drop(s, CTL_SYNC_DROP_MALFORMED);
	if (seq == 0)
		on_control(s, s->plain, len);
	else
		on_reliable(s, seq, s->plain, len);
}

static bool from_peer(const struct sync *s, const struct sockaddr_storage *src)
{
	if (src->ss_family != s->peer.ss_family)
		return false;
	if (src->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)src, *b = (const void *)&s->peer;
		return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
	}
	const struct sockaddr_in6 *a = (const void *)src, *b = (const void *)&s->peer;
	return !memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) &&
	       a->sin6_port == b->sin6_port;
}

static void on_datagram(struct sync *s, const uint8_t *buf, size_t n)
{
	struct sync_header h;
	struct sync_hello hello;
	size_t len;

	if (sync_header_get(buf, n, &h) < 0)
		return sync_drop(s, CTL_SYNC_DROP_MALFORMED);
	if (h.kind == SYNC_KIND_DATA)
		return on_data(s, &h, buf, n);
	if (sync_open(buf, n, &h, s->hello_key, s->plain, &len) < 0)
		return sync_drop(s, CTL_SYNC_DROP_BAD_AUTH);
	if (sync_hello_get(s->plain, len, &hello) < 0)
		return sync_drop(s, CTL_SYNC_DROP_MALFORMED);
	s->st.received++;
	if (!s->up)
		s->last_heard_ms = s->now_ms;
	s->st.heard = true;
	on_hello(s, h.sender, &hello);
}

void sync_receive(struct sync *s, uint64_t now_ms)
{
	struct mmsghdr mm[SYNC_RECV_VEC];
	struct iovec iov[SYNC_RECV_VEC];
	struct sockaddr_storage src[SYNC_RECV_VEC];

	s->now_ms = now_ms;
	/* one call reads what is there: a read that finds nothing costs a system call too */
	for (unsigned got = 0; got < SYNC_RECV_BATCH;) {
		for (unsigned i = 0; i < SYNC_RECV_VEC; i++) {
			iov[i] = (struct iovec){.iov_base = s->in[i], .iov_len = sizeof(s->in[i])};
			mm[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &src[i],
							     .msg_namelen = sizeof(src[i]),
							     .msg_iov = &iov[i],
							     .msg_iovlen = 1}};
		}
		int n = recvmmsg(s->fd, mm, SYNC_RECV_VEC, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break; /* EAGAIN, or an ICMP error of an earlier send: nothing to read */
		for (int i = 0; i < n; i++) {
			if (!from_peer(s, &src[i]))
				sync_drop(s, CTL_SYNC_DROP_BAD_SOURCE);
			else if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) /* over SYNC_DATAGRAM_MAX */
				sync_drop(s, CTL_SYNC_DROP_MALFORMED);
			else
				on_datagram(s, s->in[i], mm[i].msg_len);
		}
		got += (unsigned)n;
		if (n < SYNC_RECV_VEC)
			break;
	}
	/* the peer's records may have freed or taken flows: the gap bookkeeping follows */
	uint32_t from, to;
	if (!sync_rx_gap(s->rx, &from, &to))
		s->gap_since_ms = 0;
	else if (!s->gap_since_ms)
		s->gap_since_ms = now_ms;
}

/* ---- the turn ---- */

int sync_attach(struct sync *s, struct engine *e, uint64_t now_ms)
{
	int r = engine_sync_enable(e);

	if (r < 0)
		return log_errno(CONFIG_LOG_ERR, r, "sync: change tracking");
	s->e = e;
	s->now_ms = now_ms;
	send_hello(s);
	return 0;
}

void sync_turn(struct sync *s, uint64_t now_ms)
{
	uint32_t due[SYNC_RESEND_MAX];

	s->now_ms = now_ms;
	if (!s->up) {
		engine_sync_changes(s->e, true, now_ms, sync_queue_record,
				    s); /* keeps marks bounded */
		if (now_ms - s->last_hello_ms >= SYNC_HELLO_MS)
			send_hello(s);
		return;
	}
	if (now_ms - s->last_heard_ms >= s->timeout_ms) {
		session_down(s, "the peer fell silent");
		return;
	}
	engine_sync_changes(s->e, false, now_ms, sync_queue_record, s);
	if (now_ms - s->last_settle_ms >= s->delay_ms) {
		engine_sync_changes(s->e, true, now_ms, sync_queue_record, s);
		s->last_settle_ms = now_ms;
	}
	sync_bulk_step(s);
	sync_flush(s);
	if (!sync_tx_room(s->tx)) {
		session_down(s, "it stopped acknowledging");
		return;
	}
	unsigned n = sync_tx_due(s->tx, now_ms, SYNC_RTO_MS, due, SYNC_RESEND_MAX);
	for (unsigned i = 0; i < n; i++)
		resend(s, due[i]);
	bool ask = !s->bulk_seen && now_ms - s->last_ask_ms >= SYNC_BULK_ASK_MS;
	uint32_t from, to;
	bool nack = sync_rx_gap(s->rx, &from, &to) && now_ms - s->last_nack_ms >= SYNC_NACK_MS;
	bool alive = now_ms - s->last_alive_ms >= SYNC_ALIVE_MS;
	/* ACKs are delayed a little, as TCP's are: one for many datagrams halves the traffic */
	bool ack = s->ack_due && (s->ack_pending >= SYNC_ACK_EVERY ||
				  now_ms - s->ack_since_ms >= SYNC_ACK_DELAY_MS);
	if (ack || nack || ask || alive)
		send_control(s, alive, nack, ask);
}

static uint64_t until(uint64_t now, uint64_t last, uint64_t every)
{
	return now - last >= every ? 0 : every - (now - last);
}

uint64_t sync_next_ms(const struct sync *s, uint64_t now_ms)
{
	if (!s->up)
		return until(now_ms, s->last_hello_ms, SYNC_HELLO_MS);
	uint64_t t = until(now_ms, s->last_alive_ms, SYNC_ALIVE_MS);
	uint64_t settle = until(now_ms, s->last_settle_ms, s->delay_ms);

	if (settle < t)
		t = settle;
	if (sync_tx_inflight(s->tx) && SYNC_RTO_MS / 2 < t)
		t = SYNC_RTO_MS / 2;
	if (s->ack_due && until(now_ms, s->ack_since_ms, SYNC_ACK_DELAY_MS) < t)
		t = until(now_ms, s->ack_since_ms, SYNC_ACK_DELAY_MS);
	if (s->tx_bulk_active)
		t = 0;
	return t;
}

void sync_status(const struct sync *s, uint64_t now_ms, struct ctl_sync *out)
{
	*out = s->st;
	snprintf(out->peer, sizeof(out->peer), "%s", s->peer_text);
	out->complete = s->complete;
	out->peer_complete = s->up && s->peer_complete;
	out->last_heard_ms = now_ms - s->last_heard_ms;
	out->inflight = sync_tx_inflight(s->tx);
	if (s->up)
		out->state = in_sync(s) ? CTL_SYNC_IN_SYNC : CTL_SYNC_RESYNC;
	else
		out->state =
			s->was_in_sync && s->complete ? CTL_SYNC_PEER_LOST : CTL_SYNC_CONNECTING;
}
