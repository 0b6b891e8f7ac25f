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

#include "crypto.h"
#include "log.h"
#include "seq.h"
#include "sync.h"
#include "sync_link.h"
#include "sync_proto.h"

#define SYNC_HELLO_MS	  1000 /* HELLO while down */
#define SYNC_ALIVE_MS	  200  /* ALIVE while up: the tail the peer may have lost */
#define SYNC_BULK_ASK_MS  1000 /* BULK_REQUEST until the peer's BULK_START arrives */
#define SYNC_NACK_MS	  50   /* a gap is reported again this often */
#define SYNC_RTO_MS	  100  /* unacknowledged datagrams go again after this */
#define SYNC_RING	  4096 /* datagrams kept for retransmission: about 6 MiB */
#define SYNC_WINDOW	  1024 /* datagrams buffered ahead of a gap */
#define SYNC_RECV_BATCH	  256  /* datagrams read per sync_receive() */
#define SYNC_RESEND_MAX	  256  /* datagrams resent per NACK or timeout */
#define SYNC_BULK_BUDGET  2048 /* table slots a bulk walk takes per turn: about 1 ms */
#define SYNC_GAP_STALE_MS 1000 /* a gap older than this: not in sync */
#define SYNC_KEY_FILE_MAX 256

struct sync {
	struct engine *e;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char peer_text[CONFIG_ADDR_MAX];
	uint64_t delay_ms;
	uint64_t timeout_ms;

	uint8_t psk[CRYPTO_KEY_SIZE];
	uint8_t hello_key[CRYPTO_KEY_SIZE];
	uint8_t tx_key[CRYPTO_KEY_SIZE];
	uint8_t rx_key[CRYPTO_KEY_SIZE];
	uint8_t self[CRYPTO_NONCE_SIZE];       /* our session nonce, new after every down */
	uint8_t peer_nonce[CRYPTO_NONCE_SIZE]; /* the peer's, as last heard */
	bool peer_known;
	uint64_t counter; /* our datagram counter under self */
	struct sync_replay replay;

	bool up;
	bool was_in_sync; /* in sync when the session went down: peer_lost */
	bool complete;	  /* the table holds all it should (docs/sync.md "complete") */
	bool peer_complete;
	struct sync_tx *tx;
	struct sync_rx *rx;
	bool ack_due;
	uint64_t gap_since_ms; /* 0: no gap */

	/* the bulk transfer we receive in this session */
	bool bulk_seen; /* its BULK_START arrived: stop asking */
	bool bulk_done; /* its BULK_END arrived */
	uint32_t rx_bulk_id;
	bool rx_bulk_complete; /* the sender's table was complete: it may remove ours */
	uint64_t rx_bulk_start_ms;
	uint64_t rx_bulk_flows;
	/* the one we send in this session */
	bool tx_bulk_asked;
	bool tx_bulk_active;
	uint32_t tx_bulk_id;
	uint32_t tx_bulk_cursor;
	uint32_t tx_bulk_flows;

	uint64_t now_ms;
	uint64_t last_heard_ms;
	uint64_t last_hello_ms;
	uint64_t last_alive_ms;
	uint64_t last_ask_ms;
	uint64_t last_nack_ms;
	uint64_t last_settle_ms;

	/* the reliable payload being filled */
	struct sync_writer w;
	bool w_open;
	uint8_t out[SYNC_PAYLOAD_MAX];
	uint8_t dgram[SYNC_DATAGRAM_MAX];
	uint8_t in[SYNC_DATAGRAM_MAX];
	uint8_t plain[SYNC_PAYLOAD_MAX];

	struct ctl_sync st; /* counters; state and flags are filled by sync_status() */
};

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

static void send_sealed(struct sync *s, uint8_t kind, const uint8_t *payload, size_t len)
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

static void send_hello(struct sync *s)
{
	struct sync_hello h = {0};
	uint8_t p[SYNC_HELLO_SIZE];

	if (s->peer_known)
		memcpy(h.echo, s->peer_nonce, sizeof(h.echo));
	sync_hello_put(&h, p);
	send_sealed(s, SYNC_KIND_HELLO, p, sizeof(p));
	s->last_hello_ms = s->now_ms;
}

/* Sends the reliable payload being filled, and keeps it for retransmission. */
static void flush_reliable(struct sync *s)
{
	if (!s->w_open)
		return;
	s->w_open = false;
	size_t len = sync_writer_finish(&s->w);
	uint32_t seq = sync_tx_push(s->tx, s->out, len, s->now_ms);
	if (!seq)
		return; /* the ring is full: sync_turn() ends the session */
	send_sealed(s, SYNC_KIND_DATA, s->out, len);
	sync_tx_sent(s->tx, seq, s->now_ms);
}

/* Appends a table message to the reliable stream; nothing is kept while no session is up. */
static void queue_msg(struct sync *s, const struct sync_msg *m)
{
	if (!s->up || !sync_tx_room(s->tx))
		return;
	if (s->w_open && !sync_writer_fits(&s->w, sync_msg_body_size(m->type)))
		flush_reliable(s);
	if (!s->w_open) {
		if (!sync_tx_room(s->tx))
			return;
		sync_writer_init(&s->w, s->out, sync_tx_next_seq(s->tx));
		s->w_open = true;
	}
	if (sync_writer_add(&s->w, m) == 0 &&
	    (m->type == SYNC_MSG_FLOW || m->type == SYNC_MSG_DESTROY))
		s->st.records_sent++;
}

static void queue_record(const struct engine_flow_record *rec, unsigned flags, void *arg)
{
	struct sync_msg m = {.type = SYNC_MSG_FLOW, .flags = (uint8_t)flags, .flow = *rec};

	_Static_assert(ENGINE_SYNC_MOVING == SYNC_FLOW_MOVING &&
			       ENGINE_SYNC_OWNED == SYNC_FLOW_OWNED &&
			       ENGINE_SYNC_BULK == SYNC_FLOW_BULK,
		       "the engine's record flags travel as they are");
	queue_msg(arg, &m);
}

void sync_on_event(struct sync *s, const struct engine_event *ev)
{
	struct sync_msg m = {.type = SYNC_MSG_DESTROY};

	/* expiry: each box runs its own timers; peer: it came from there */
	if (ev->type != ENGINE_EVENT_DESTROY || ev->cause == ENGINE_CAUSE_TIMEOUT ||
	    ev->cause == ENGINE_CAUSE_PEER)
		return;
	m.key.family = ev->flow.family;
	memcpy(m.key.src, ev->flow.src, sizeof(m.key.src));
	memcpy(m.key.dst, ev->flow.dst, sizeof(m.key.dst));
	m.key.sport = ev->flow.sport;
	m.key.dport = ev->flow.dport;
	queue_msg(s, &m);
}

/* One control datagram: an ACK, a NACK and an ALIVE as they are due. */
static void send_control(struct sync *s, bool alive, bool bulk_request)
{
	struct sync_writer w;
	uint8_t p[SYNC_PAYLOAD_MAX];
	uint32_t from, to;

	sync_writer_init(&w, p, 0);
	if (s->ack_due) {
		sync_writer_add(
			&w, &(struct sync_msg){.type = SYNC_MSG_ACK, .next = sync_rx_next(s->rx)});
		s->ack_due = false;
	}
	if (sync_rx_gap(s->rx, &from, &to) && s->now_ms - s->last_nack_ms >= SYNC_NACK_MS) {
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
		sync_writer_add(&w, &(struct sync_msg){.type = SYNC_MSG_BULK_REQUEST});
		s->last_ask_ms = s->now_ms;
	}
	if (w.count)
		send_sealed(s, SYNC_KIND_DATA, p, sync_writer_finish(&w));
}

static void resend(struct sync *s, uint32_t seq)
{
	size_t len;
	const uint8_t *p = sync_tx_get(s->tx, seq, &len);

	if (!p)
		return;
	send_sealed(s, SYNC_KIND_DATA, p, len);
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
	s->gap_since_ms = 0;
	s->bulk_seen = s->bulk_done = false;
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
	send_control(s, true, true);
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

	if (s->up) {
		if (memcmp(sender, s->peer_nonce, CRYPTO_NONCE_SIZE) == 0) {
			if (!echoes_us) /* it has not verified us yet */
				send_hello(s);
			return;
		}
		if (s->now_ms - s->last_heard_ms < s->timeout_ms)
			return; /* a live session is not given up for a HELLO */
		session_down(s, "the peer restarted");
	}
	memcpy(s->peer_nonce, sender, CRYPTO_NONCE_SIZE);
	s->peer_known = true;
	if (echoes_us)
		session_up(s);
	send_hello(s);
}

/* ---- receiving ---- */

static void drop(struct sync *s, enum ctl_sync_drop why)
{
	s->st.dropped[why]++;
}

static void bulk_end(struct sync *s, uint32_t id, uint64_t now_ms)
{
	uint32_t cursor = 0;
	unsigned removed = 0;

	if (!s->bulk_seen || id != s->rx_bulk_id)
		return;
	/*
	 * Only a complete table says what no longer exists. Two incomplete ones (both restarted)
	 * have exchanged all they hold: their union is the best there is, and removes nothing.
	 */
	if (s->rx_bulk_complete)
		do /* one walk: a few ms for a million slots, once per session */
			removed += engine_sync_bulk_end(s->e, &cursor, UINT32_MAX);
		while (cursor);
	s->bulk_done = true;
	s->complete = true;
	s->st.bulks_received++;
	s->st.bulk_last_ms = now_ms - s->rx_bulk_start_ms;
	s->st.bulk_last_flows = s->rx_bulk_flows;
	struct log_fields f = {0};
	log_fields_add(&f, "TCPFW_PEER=%s", s->peer_text);
	log_fields_add(&f, "TCPFW_FLOWS=%llu", (unsigned long long)s->rx_bulk_flows);
	log_fields_add(&f, "TCPFW_DURATION_MS=%llu", (unsigned long long)s->st.bulk_last_ms);
	log_fields_add(&f, "TCPFW_REMOVED=%u", removed);
	log_struct(CONFIG_LOG_NOTICE, LOG_ID_SYNC_IN_SYNC, &f,
		   "sync: in sync with %s: its table of %llu flows took %llu ms; %u stale flows "
		   "removed",
		   s->peer_text, (unsigned long long)s->rx_bulk_flows,
		   (unsigned long long)s->st.bulk_last_ms, removed);
}

static void apply_flow(struct sync *s, const struct sync_msg *m)
{
	int r = engine_sync_apply(s->e, &m->flow, m->flags, s->complete, 2 * s->delay_ms,
				  s->now_ms);

	if (m->flags & SYNC_FLOW_BULK)
		s->rx_bulk_flows++;
	if (r == 1)
		s->st.records_applied++;
	else if (r == -EINVAL)
		drop(s, CTL_SYNC_DROP_BAD_RECORD);
	else if (r == -ENOSPC)
		drop(s, CTL_SYNC_DROP_TABLE_FULL);
}

/* A reliable payload, in order. */
static void apply_payload(struct sync *s, const uint8_t *p, size_t len)
{
	struct sync_reader rd;
	struct sync_msg m;

	sync_reader_init(&rd, p, len);
	while (sync_reader_next(&rd, &m) == 1) {
		switch (m.type) {
		case SYNC_MSG_FLOW:
			apply_flow(s, &m);
			break;
		case SYNC_MSG_DESTROY:
			if (engine_sync_remove(s->e, m.key.family, m.key.src, m.key.sport,
					       m.key.dst, m.key.dport) == 0)
				s->st.records_applied++;
			break;
		case SYNC_MSG_BULK_START:
			engine_sync_bulk_begin(s->e);
			s->bulk_seen = true;
			s->bulk_done = false;
			s->rx_bulk_id = m.bulk.id;
			s->rx_bulk_complete = m.flags & SYNC_BULK_COMPLETE;
			s->rx_bulk_start_ms = s->now_ms;
			s->rx_bulk_flows = 0;
			break;
		case SYNC_MSG_BULK_END:
			bulk_end(s, m.bulk.id, s->now_ms);
			break;
		}
	}
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
			if (!s->tx_bulk_asked) { /* one per session: later asks crossed our START */
				s->tx_bulk_asked = s->tx_bulk_active = true;
				s->tx_bulk_cursor = 0;
				s->tx_bulk_flows = 0;
				queue_msg(s, &(struct sync_msg){
						     .type = SYNC_MSG_BULK_START,
						     .flags = s->complete ? SYNC_BULK_COMPLETE : 0,
						     .bulk.id = ++s->tx_bulk_id});
			}
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

	s->ack_due = true;
	if (r != SYNC_RX_DELIVER)
		return;
	apply_payload(s, p, len);
	while ((next = sync_rx_pop(s->rx, &next_len)))
		apply_payload(s, next, next_len);
}

static void on_data(struct sync *s, const struct sync_header *h, size_t n)
{
	size_t len;
	uint32_t seq;

	if (!s->up || memcmp(h->sender, s->peer_nonce, CRYPTO_NONCE_SIZE) != 0)
		return drop(s, CTL_SYNC_DROP_NO_SESSION);
	if (!sync_replay_fresh(&s->replay, h->counter))
		return drop(s, CTL_SYNC_DROP_REPLAYED);
	if (sync_open(s->in, n, h, s->rx_key, s->plain, &len) < 0)
		return drop(s, CTL_SYNC_DROP_BAD_AUTH);
	sync_replay_accept(&s->replay, h->counter);
	s->last_heard_ms = s->now_ms;
	s->st.received++;
	if (sync_payload_check(s->plain, len, &seq) < 0)
		return drop(s, CTL_SYNC_DROP_MALFORMED);
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

static void on_datagram(struct sync *s, size_t n)
{
	struct sync_header h;
	struct sync_hello hello;
	size_t len;

	if (sync_header_get(s->in, n, &h) < 0)
		return drop(s, CTL_SYNC_DROP_MALFORMED);
	if (h.kind == SYNC_KIND_DATA)
		return on_data(s, &h, n);
	if (sync_open(s->in, n, &h, s->hello_key, s->plain, &len) < 0)
		return drop(s, CTL_SYNC_DROP_BAD_AUTH);
	if (sync_hello_get(s->plain, len, &hello) < 0)
		return drop(s, CTL_SYNC_DROP_MALFORMED);
	s->st.received++;
	if (!s->up)
		s->last_heard_ms = s->now_ms;
	s->st.heard = true;
	on_hello(s, h.sender, &hello);
}

void sync_receive(struct sync *s, uint64_t now_ms)
{
	s->now_ms = now_ms;
	for (unsigned i = 0; i < SYNC_RECV_BATCH; i++) {
		struct sockaddr_storage src;
		socklen_t src_len = sizeof(src);
		ssize_t n = recvfrom(s->fd, s->in, sizeof(s->in), MSG_TRUNC,
				     (struct sockaddr *)&src, &src_len);

		if (n < 0)
			break; /* EAGAIN, or an ICMP error of an earlier send: nothing to read */
		if (!from_peer(s, &src)) {
			drop(s, CTL_SYNC_DROP_BAD_SOURCE);
			continue;
		}
		if ((size_t)n > sizeof(s->in)) {
			drop(s, CTL_SYNC_DROP_MALFORMED);
			continue;
		}
		on_datagram(s, (size_t)n);
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

static void bulk_step(struct sync *s)
{
	/* at most half the ring, so that updates and retransmissions keep room */
	unsigned room = sync_tx_room(s->tx);

	if (!s->tx_bulk_active || room < SYNC_RING / 2)
		return;
	unsigned max = (room - SYNC_RING / 2) * (SYNC_PAYLOAD_MAX / (FLOW_RECORD_SIZE + 8));
	s->tx_bulk_flows += engine_sync_export(s->e, &s->tx_bulk_cursor, SYNC_BULK_BUDGET, max,
					       s->now_ms, queue_record, s);
	if (s->tx_bulk_cursor)
		return;
	queue_msg(s, &(struct sync_msg){.type = SYNC_MSG_BULK_END,
					.bulk = {.id = s->tx_bulk_id, .flows = s->tx_bulk_flows}});
	s->tx_bulk_active = false;
	s->st.bulks_sent++;
}

void sync_turn(struct sync *s, uint64_t now_ms)
{
	uint32_t due[SYNC_RESEND_MAX];

	s->now_ms = now_ms;
	if (!s->up) {
		engine_sync_changes(s->e, true, now_ms, queue_record, s); /* keeps marks bounded */
		if (now_ms - s->last_hello_ms >= SYNC_HELLO_MS)
			send_hello(s);
		return;
	}
	if (now_ms - s->last_heard_ms >= s->timeout_ms) {
		session_down(s, "the peer fell silent");
		return;
	}
	engine_sync_changes(s->e, false, now_ms, queue_record, s);
	if (now_ms - s->last_settle_ms >= s->delay_ms) {
		engine_sync_changes(s->e, true, now_ms, queue_record, s);
		s->last_settle_ms = now_ms;
	}
	bulk_step(s);
	flush_reliable(s);
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
	if (s->ack_due || nack || ask || now_ms - s->last_alive_ms >= SYNC_ALIVE_MS)
		send_control(s, now_ms - s->last_alive_ms >= SYNC_ALIVE_MS, ask);
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
	if (s->tx_bulk_active || s->ack_due)
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
