// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Flows restored after a restart: traffic may have bypassed the firewall meanwhile (fail-open),
 * so tcp_track_forget_windows() makes them re-learn both windows from the next segment each
 * way, and be as strict as ever after that.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tcp_track.h"

static const struct tcp_track_params params = {
	.tw_policy = TCP_TRACK_TW_ENFORCE,
	.max_retrans = 3,
};

struct side {
	uint32_t next;
};

static struct tcp_track_result send_seg(struct tcp_track *t, int dir, uint8_t flags, uint32_t seq,
					uint32_t ack, uint32_t len)
{
	struct packet p = {.family = 4,
			   .flags = flags,
			   .seq = seq,
			   .ack = ack,
			   .window = 1000,
			   .payload_len = len};
	struct tcp_track_result r;

	tcp_track_packet(t, &p, (enum tcp_track_dir)dir, &params, &r);
	return r;
}

/* An established flow with window scale 7 both ways; returns both sides' next sequence. */
static void establish(struct tcp_track *t, struct side *c, struct side *s)
{
	struct packet syn = {.family = 4, .flags = TCP_FLAG_SYN, .seq = 100, .window = 65535};
	struct tcp_track_result r;

	syn.opt.present = PACKET_OPT_WSCALE;
	syn.opt.wscale = 7;
	tcp_track_new(t, &syn, &params, &r);
	assert_int_equal(r.verdict, TCP_TRACK_ACCEPT);
	struct packet synack = syn;
	synack.flags = TCP_FLAG_SYN | TCP_FLAG_ACK;
	synack.seq = 9000;
	synack.ack = 101;
	tcp_track_packet(t, &synack, TCP_TRACK_REPLY, &params, &r);
	assert_int_equal(r.verdict, TCP_TRACK_ACCEPT);
	r = send_seg(t, TCP_TRACK_ORIGINAL, TCP_FLAG_ACK, 101, 9001, 0);
	assert_int_equal(t->state, TCP_TRACK_ESTABLISHED);
	c->next = 101;
	s->next = 9001;
}

static void test_stale_windows_relearned(void **state)
{
	(void)state;
	struct tcp_track t;
	struct side c, s;

	establish(&t, &c, &s);
	/* 50 MB passed both ways while the firewall was down */
	c.next += 50000000;
	s.next += 50000000;
	/* without forgetting, the next segment is far beyond the saved window */
	struct tcp_track stale = t;
	struct tcp_track_result r =
		send_seg(&stale, TCP_TRACK_ORIGINAL, TCP_FLAG_ACK, c.next, s.next, 1000);
	assert_int_equal(r.verdict, TCP_TRACK_INVALID);

	tcp_track_forget_windows(&t);
	r = send_seg(&t, TCP_TRACK_ORIGINAL, TCP_FLAG_ACK, c.next, s.next, 1000);
	assert_int_equal(r.verdict, TCP_TRACK_ACCEPT);
	c.next += 1000;
	r = send_seg(&t, TCP_TRACK_REPLY, TCP_FLAG_ACK, s.next, c.next, 500);
	assert_int_equal(r.verdict, TCP_TRACK_ACCEPT);
	s.next += 500;
	r = send_seg(&t, TCP_TRACK_ORIGINAL, TCP_FLAG_ACK, c.next, s.next, 1000);
	assert_int_equal(r.verdict, TCP_TRACK_ACCEPT);
	c.next += 1000;
	assert_int_equal(t.state, TCP_TRACK_ESTABLISHED);
	assert_int_equal(t.peer[0].wscale, 7); /* the negotiated scale survives */

	/* strict again: data far beyond the re-learned window, and an ACK of unsent data */
	r = send_seg(&t, TCP_TRACK_ORIGINAL, TCP_FLAG_ACK, c.next + 100000000, s.next, 10);
	assert_int_equal(r.verdict, TCP_TRACK_INVALID);
	r = send_seg(&t, TCP_TRACK_ORIGINAL, TCP_FLAG_ACK, c.next, s.next + 5000000, 0);
	assert_int_equal(r.verdict, TCP_TRACK_INVALID);
	assert_int_equal(r.reason, REASON_ACK_OVER_WINDOW);
}

/*
 * The server's next segment after the restart is a retransmission from before what the client
 * has already received (the client's ACKs were lost while the firewall was down), so the
 * server's window is re-learned from an older point than the client's next ACK: that ACK, and
 * its duplicates, must pass (they are what ends the retransmissions), and the flow becomes
 * strict again once each side has sent a segment in step.
 */
static void test_relearn_from_a_retransmission(void **state)
{
	(void)state;
	struct tcp_track t;
	struct side c, s;
	struct tcp_track_result r;

	establish(&t, &c, &s);
	for (int i = 0; i < 3; i++) { /* 3000 bytes the client receives, its ACKs lost */
		r = send_seg(&t, TCP_TRACK_REPLY, TCP_FLAG_ACK, s.next, c.next, 1000);
		assert_int_equal(r.verdict, TCP_TRACK_ACCEPT);
		s.next += 1000;
	}
	tcp_track_forget_windows(&t);
	assert_true(t.flags & TCP_TRACK_F_RELEARN_ORIG);
	assert_true(t.flags & TCP_TRACK_F_RELEARN_REPLY);
	/* the server retransmits its oldest unacknowledged segment */
	r = send_seg(&t, TCP_TRACK_REPLY, TCP_FLAG_ACK, s.next - 3000, c.next, 1000);
	assert_int_equal(r.verdict, TCP_TRACK_ACCEPT);
	assert_false(t.flags & TCP_TRACK_F_RELEARN_REPLY);
	/* the client acks everything it has, twice: beyond the window just re-learned */
	for (int i = 0; i < 2; i++) {
		r = send_seg(&t, TCP_TRACK_ORIGINAL, TCP_FLAG_ACK, c.next, s.next, 0);
		assert_int_equal(r.verdict, TCP_TRACK_ACCEPT);
		assert_true(t.flags & TCP_TRACK_F_RELEARN_ORIG);
	}
	/* the server goes on with new data, the client acks it: both in step, strict again */
	r = send_seg(&t, TCP_TRACK_REPLY, TCP_FLAG_ACK, s.next, c.next, 1000);
	assert_int_equal(r.verdict, TCP_TRACK_ACCEPT);
	s.next += 1000;
	r = send_seg(&t, TCP_TRACK_ORIGINAL, TCP_FLAG_ACK, c.next, s.next, 0);
	assert_int_equal(r.verdict, TCP_TRACK_ACCEPT);
	assert_false(t.flags & (TCP_TRACK_F_RELEARN_ORIG | TCP_TRACK_F_RELEARN_REPLY));
	r = send_seg(&t, TCP_TRACK_ORIGINAL, TCP_FLAG_ACK, c.next, s.next + 5000000, 0);
	assert_int_equal(r.verdict, TCP_TRACK_INVALID);
	assert_int_equal(r.reason, REASON_ACK_OVER_WINDOW);
}

static void test_handshake_flows_stay_exact(void **state)
{
	(void)state;
	struct packet syn = {.family = 4, .flags = TCP_FLAG_SYN, .seq = 100, .window = 65535};
	struct tcp_track t, before;
	struct tcp_track_result r;

	tcp_track_new(&t, &syn, &params, &r);
	before = t;
	tcp_track_forget_windows(&t);
	assert_memory_equal(&t, &before, sizeof(t));
	/* and a SYN/ACK acking something else is still refused */
	struct packet synack = syn;
	synack.flags = TCP_FLAG_SYN | TCP_FLAG_ACK;
	synack.seq = 9000;
	synack.ack = 5000;
	tcp_track_packet(&t, &synack, TCP_TRACK_REPLY, &params, &r);
	assert_int_equal(r.verdict, TCP_TRACK_INVALID);
}

static void test_time_wait_keeps_its_rules(void **state)
{
	(void)state;
	struct tcp_track t;
	struct side c, s;
	struct tcp_track_result r;

	establish(&t, &c, &s);
	send_seg(&t, TCP_TRACK_ORIGINAL, TCP_FLAG_FIN | TCP_FLAG_ACK, c.next, s.next, 0);
	c.next++;
	send_seg(&t, TCP_TRACK_REPLY, TCP_FLAG_FIN | TCP_FLAG_ACK, s.next, c.next, 0);
	s.next++;
	send_seg(&t, TCP_TRACK_ORIGINAL, TCP_FLAG_ACK, c.next, s.next, 0);
	assert_int_equal(t.state, TCP_TRACK_TIME_WAIT);
	tcp_track_forget_windows(&t);
	r = send_seg(&t, TCP_TRACK_REPLY, TCP_FLAG_RST, s.next, 0, 0);
	assert_int_equal(r.verdict, TCP_TRACK_INVALID);
	assert_int_equal(r.reason, REASON_TIME_WAIT_RST);
	r = send_seg(&t, TCP_TRACK_ORIGINAL, TCP_FLAG_ACK, c.next, s.next, 100);
	assert_int_equal(r.verdict, TCP_TRACK_INVALID);
	assert_int_equal(t.state, TCP_TRACK_TIME_WAIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_windows_relearned),
		cmocka_unit_test(test_relearn_from_a_retransmission),
		cmocka_unit_test(test_handshake_flows_stay_exact),
		cmocka_unit_test(test_time_wait_keeps_its_rules),
	};

	return cmocka_run_group_tests_name("tcp_track_restore", tests, NULL, NULL);
}
