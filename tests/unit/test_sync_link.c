// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sync_link, directed cases: the sender's ring and the receiver's reorder buffer, one rule per
 * case (wrap around 2^32 and the skip of 0, a full ring, forged ACKs, reorder, duplicates,
 * gaps). The randomized runs over a lossy link are in test_sync_link_sim.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_link.h"

static struct sync_tx *tx_make(unsigned capacity, size_t max_len)
{
	struct sync_tx *t = NULL;

	assert_int_equal(sync_tx_new(capacity, max_len, &t), 0);
	assert_non_null(t);
	return t;
}

static struct sync_rx *rx_make(unsigned window, size_t max_len)
{
	struct sync_rx *r = NULL;

	assert_int_equal(sync_rx_new(window, max_len, &r), 0);
	assert_non_null(r);
	return r;
}

/* Pushes the one-byte payload b at now_ms and checks it got seq. */
static void push_byte(struct sync_tx *t, uint8_t b, uint64_t now_ms, uint32_t seq)
{
	assert_int_equal(sync_tx_push(t, &b, 1, now_ms), seq);
}

static void assert_held(const struct sync_tx *t, uint32_t seq, uint8_t b)
{
	size_t len = 0;
	const uint8_t *p = sync_tx_get(t, seq, &len);

	assert_non_null(p);
	assert_int_equal(len, 1);
	assert_int_equal(p[0], b);
}

static void test_new_rejects_bad_sizes(void **state)
{
	static char untouched;
	struct sync_tx *t = (struct sync_tx *)&untouched;
	struct sync_rx *r = (struct sync_rx *)&untouched;

	(void)state;
	assert_int_equal(sync_tx_new(0, 16, &t), -EINVAL);
	assert_int_equal(sync_tx_new(SYNC_LINK_MAX_SLOTS + 1, 16, &t), -EINVAL);
	assert_int_equal(sync_tx_new(4, SIZE_MAX, &t), -EINVAL);
	assert_ptr_equal(t, &untouched); /* *ret written only on success */
	assert_int_equal(sync_rx_new(0, 16, &r), -EINVAL);
	assert_int_equal(sync_rx_new(SYNC_LINK_MAX_SLOTS + 1, 16, &r), -EINVAL);
	assert_ptr_equal(r, &untouched);
	sync_tx_free(NULL);
	sync_rx_free(NULL);

	t = tx_make(1, 0); /* empty payloads only */
	assert_int_equal(sync_tx_push(t, NULL, 0, 0), 1);
	sync_tx_free(t);
}

static void test_tx_push_copies_and_counts(void **state)
{
	struct sync_tx *t = tx_make(4, 8);
	uint8_t buf[8] = "abcdefg";
	size_t len = 0;

	(void)state;
	assert_int_equal(sync_tx_next_seq(t), 1);
	assert_int_equal(sync_tx_room(t), 4);
	assert_int_equal(sync_tx_push(t, buf, 8, 10), 1);
	assert_int_equal(sync_tx_push(t, buf, 3, 11), 2);
	memset(buf, 'x', sizeof(buf));
	assert_memory_equal(sync_tx_get(t, 1, &len), "abcdefg", 8);
	assert_int_equal(len, 8);
	assert_memory_equal(sync_tx_get(t, 2, &len), "abc", 3);
	assert_int_equal(len, 3);
	assert_null(sync_tx_get(t, 3, &len)); /* never pushed */
	assert_null(sync_tx_get(t, 0, &len));
	assert_int_equal(sync_tx_inflight(t), 2);
	assert_int_equal(sync_tx_room(t), 2);
	assert_int_equal(sync_tx_next_seq(t), 3);
	/* over max_len: refused, nothing stored, the seq not used */
	assert_int_equal(sync_tx_push(t, buf, 9, 12), 0);
	assert_int_equal(sync_tx_next_seq(t), 3);
	assert_int_equal(sync_tx_inflight(t), 2);
	sync_tx_free(t);
}

static void test_tx_full_ring(void **state)
{
	struct sync_tx *t = tx_make(3, 1);

	(void)state;
	for (uint32_t s = 1; s <= 3; s++)
		push_byte(t, (uint8_t)s, s, s);
	assert_int_equal(sync_tx_room(t), 0);
	assert_int_equal(sync_tx_push(t, (const uint8_t *)"z", 1, 9), 0);
	assert_int_equal(sync_tx_next_seq(t), 4);
	for (uint32_t s = 1; s <= 3; s++)
		assert_held(t, s, (uint8_t)s);
	/* one acked: one slot again, reused without touching the others */
	assert_int_equal(sync_tx_ack(t, 2, 20, NULL), 1);
	push_byte(t, 4, 21, 4);
	assert_int_equal(sync_tx_push(t, (const uint8_t *)"z", 1, 22), 0);
	assert_null(sync_tx_get(t, 1, NULL));
	for (uint32_t s = 2; s <= 4; s++)
		assert_held(t, s, (uint8_t)s);
	sync_tx_free(t);
}

static void test_tx_ack_cumulative_and_lag(void **state)
{
	struct sync_tx *t = tx_make(8, 1);
	uint64_t lag = 12345;

	(void)state;
	push_byte(t, 1, 100, 1);
	push_byte(t, 2, 110, 2);
	push_byte(t, 3, 130, 3);
	assert_int_equal(sync_tx_age_ms(t, 150), 50);
	assert_int_equal(sync_tx_ack(t, 3, 150, &lag), 2);
	assert_int_equal(lag, 40); /* the newest freed, seq 2, was pushed at 110 */
	assert_int_equal(sync_tx_inflight(t), 1);
	assert_int_equal(sync_tx_age_ms(t, 150), 20);
	assert_null(sync_tx_get(t, 2, NULL));
	assert_held(t, 3, 3);
	assert_int_equal(sync_tx_ack(t, 4, 125, &lag), 1);
	assert_int_equal(lag, 0); /* the clock went back: no negative lag */
	assert_int_equal(sync_tx_inflight(t), 0);
	assert_int_equal(sync_tx_age_ms(t, 1000), 0);
	sync_tx_free(t);
}

static void test_tx_forged_acks_change_nothing(void **state)
{
	const uint32_t bad[] = {0, 11, 10, 9, 1, 15, 16, 1000, 10 + (1u << 31), 10 - (1u << 31)};
	struct sync_tx *t = tx_make(8, 1);
	uint64_t lag = 777;

	(void)state;
	sync_tx_reset(t, 10);
	push_byte(t, 1, 0, 10);
	push_byte(t, 2, 0, 11);
	push_byte(t, 3, 0, 12);
	push_byte(t, 4, 0, 13);
	assert_int_equal(sync_tx_ack(t, 11, 5, &lag), 1); /* 10 acked: in flight 11 .. 13 */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lag = 777;
		assert_int_equal(sync_tx_ack(t, bad[i], 5, &lag), 0);
		assert_int_equal(lag, 777);
		assert_int_equal(sync_tx_inflight(t), 3);
		assert_int_equal(sync_tx_next_seq(t), 14);
	}
	assert_held(t, 11, 2);
	assert_held(t, 13, 4);
	assert_int_equal(sync_tx_ack(t, 14, 5, NULL), 3); /* next seq itself: everything */
	assert_int_equal(sync_tx_ack(t, 14, 5, NULL), 0); /* again: stale */
	sync_tx_free(t);
}

static void test_tx_wraps_and_skips_zero(void **state)
{
	struct sync_tx *t = tx_make(4, 1);
	uint64_t lag = 0;

	(void)state;
	sync_tx_reset(t, 0);
	assert_int_equal(sync_tx_next_seq(t), 1);
	sync_tx_reset(t, UINT32_MAX - 1);
	push_byte(t, 1, 0, UINT32_MAX - 1);
	push_byte(t, 2, 1, UINT32_MAX);
	push_byte(t, 3, 2, 1); /* 0 skipped */
	push_byte(t, 4, 3, 2);
	assert_held(t, UINT32_MAX, 2);
	assert_held(t, 1, 3);
	assert_null(sync_tx_get(t, 0, NULL));
	assert_int_equal(sync_tx_ack(t, 0, 10, &lag), 0); /* 0 is never a next seq */
	assert_int_equal(sync_tx_ack(t, 1, 10, &lag), 2);
	assert_int_equal(lag, 9);
	assert_int_equal(sync_tx_ack(t, UINT32_MAX, 10, NULL), 0); /* behind now */
	assert_int_equal(sync_tx_ack(t, 3, 10, &lag), 2);
	assert_int_equal(lag, 7);
	assert_int_equal(sync_tx_inflight(t), 0);
	sync_tx_free(t);
}

static void test_tx_due_oldest_first(void **state)
{
	struct sync_tx *t = tx_make(8, 1);
	uint32_t out[8];

	(void)state;
	push_byte(t, 1, 0, 1);
	push_byte(t, 2, 10, 2);
	push_byte(t, 3, 20, 3);
	assert_int_equal(sync_tx_due(t, 99, 100, out, 8), 0);
	assert_int_equal(sync_tx_due(t, 100, 100, out, 8), 1); /* exactly rto: due */
	assert_int_equal(out[0], 1);
	sync_tx_sent(t, 1, 100);
	assert_int_equal(sync_tx_due(t, 120, 100, out, 8), 2);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[1], 3);
	assert_int_equal(sync_tx_due(t, 120, 100, out, 1), 1); /* max */
	assert_int_equal(out[0], 2);
	assert_int_equal(sync_tx_due(t, 200, 100, out, 8), 3); /* oldest first, not by sent time */
	assert_int_equal(out[0], 1);
	assert_int_equal(out[2], 3);
	sync_tx_sent(t, 9, 200); /* not held: ignored */
	sync_tx_sent(t, 2, 300);
	assert_int_equal(sync_tx_due(t, 15, 10, out, 8), 0); /* clock before the sends */
	assert_int_equal(sync_tx_ack(t, 4, 300, NULL), 3);
	assert_int_equal(sync_tx_due(t, 9999, 100, out, 8), 0);
	sync_tx_free(t);
}

static void test_rx_in_order_not_copied(void **state)
{
	struct sync_rx *r = rx_make(4, 4);
	uint8_t big[64] = {0};

	(void)state;
	assert_int_equal(sync_rx_next(r), 1);
	assert_int_equal(sync_rx_offer(r, 1, (const uint8_t *)"a", 1), SYNC_RX_DELIVER);
	assert_null(sync_rx_pop(r, NULL));
	/* delivered in place, so no max_len applies */
	assert_int_equal(sync_rx_offer(r, 2, big, sizeof(big)), SYNC_RX_DELIVER);
	assert_int_equal(sync_rx_next(r), 3);
	/* but one that would have to be kept cannot be */
	assert_int_equal(sync_rx_offer(r, 4, big, sizeof(big)), SYNC_RX_BEYOND);
	assert_int_equal(sync_rx_offer(r, 0, big, 1), SYNC_RX_BEYOND);
	assert_int_equal(sync_rx_next(r), 3);
	sync_rx_reset(r, 0);
	assert_int_equal(sync_rx_next(r), 1);
	sync_rx_free(r);
}

static void assert_pop(struct sync_rx *r, const char *want)
{
	size_t len = 0;
	const uint8_t *p = sync_rx_pop(r, &len);

	assert_non_null(p);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(p, want, len);
}

static void assert_gap(const struct sync_rx *r, uint32_t from, uint32_t to)
{
	uint32_t f = 0, t = 0;

	assert_true(sync_rx_gap(r, &f, &t));
	assert_int_equal(f, from);
	assert_int_equal(t, to);
}

static void test_rx_reorder(void **state)
{
	struct sync_rx *r = rx_make(4, 8);
	uint8_t buf[8];

	(void)state;
	memcpy(buf, "three", 6);
	assert_int_equal(sync_rx_offer(r, 3, buf, 5), SYNC_RX_BUFFERED);
	memcpy(buf, "two", 4);
	assert_int_equal(sync_rx_offer(r, 2, buf, 3), SYNC_RX_BUFFERED);
	memset(buf, 'x', sizeof(buf));	   /* the buffered ones are copies */
	assert_null(sync_rx_pop(r, NULL)); /* 1 missing: nothing in order */
	assert_int_equal(sync_rx_offer(r, 1, (const uint8_t *)"one", 3), SYNC_RX_DELIVER);
	assert_pop(r, "two");
	assert_pop(r, "three");
	assert_null(sync_rx_pop(r, NULL));
	assert_int_equal(sync_rx_next(r), 4);
	/* the popped slots take new seqs, up to the window's end */
	assert_int_equal(sync_rx_offer(r, 7, (const uint8_t *)"seven", 5), SYNC_RX_BUFFERED);
	assert_int_equal(sync_rx_offer(r, 8, (const uint8_t *)"eight", 5), SYNC_RX_BUFFERED);
	assert_int_equal(sync_rx_offer(r, 9, (const uint8_t *)"nine", 4), SYNC_RX_BEYOND);
	assert_gap(r, 4, 6);
	sync_rx_free(r);
}

static void test_rx_duplicates_and_beyond(void **state)
{
	struct sync_rx *r = rx_make(3, 1);
	const uint8_t b = 'b';

	(void)state;
	sync_rx_reset(r, 100);
	assert_int_equal(sync_rx_offer(r, 99, &b, 1), SYNC_RX_DUPLICATE);
	assert_int_equal(sync_rx_offer(r, 100 - (1u << 30), &b, 1), SYNC_RX_DUPLICATE);
	assert_int_equal(sync_rx_offer(r, 102, &b, 1), SYNC_RX_BUFFERED);
	assert_int_equal(sync_rx_offer(r, 102, &b, 1), SYNC_RX_DUPLICATE);
	assert_int_equal(sync_rx_offer(r, 103, &b, 1), SYNC_RX_BUFFERED); /* window: 3 ahead */
	assert_int_equal(sync_rx_offer(r, 104, &b, 1), SYNC_RX_BEYOND);
	assert_int_equal(sync_rx_offer(r, 100 + (1u << 30), &b, 1), SYNC_RX_BEYOND);
	assert_int_equal(sync_rx_offer(r, 100, &b, 1), SYNC_RX_DELIVER);
	assert_int_equal(sync_rx_offer(r, 100, &b, 1), SYNC_RX_DUPLICATE);
	/* 101 is still missing: 102 and 103 wait, and 104 is now in the window */
	assert_int_equal(sync_rx_offer(r, 104, &b, 1), SYNC_RX_BUFFERED);
	assert_int_equal(sync_rx_offer(r, 101, &b, 1), SYNC_RX_DELIVER);
	/* 102 waits for its pop: offered again it is a duplicate, and 105 shares its slot */
	assert_int_equal(sync_rx_offer(r, 102, &b, 1), SYNC_RX_DUPLICATE);
	assert_int_equal(sync_rx_offer(r, 105, &b, 1), SYNC_RX_BEYOND);
	for (unsigned i = 0; i < 3; i++)
		assert_non_null(sync_rx_pop(r, NULL));
	assert_null(sync_rx_pop(r, NULL));
	assert_int_equal(sync_rx_next(r), 105);
	assert_int_equal(sync_rx_offer(r, 104, &b, 1), SYNC_RX_DUPLICATE);
	sync_rx_free(r);
}

static void test_rx_gap_and_tail(void **state)
{
	struct sync_rx *r = rx_make(8, 1);
	const uint8_t b = 'b';
	uint32_t f, t;

	(void)state;
	assert_false(sync_rx_gap(r, &f, &t));
	sync_rx_note_tail(r, 1); /* nothing sent yet */
	assert_false(sync_rx_gap(r, &f, &t));
	assert_int_equal(sync_rx_offer(r, 4, &b, 1), SYNC_RX_BUFFERED);
	assert_gap(r, 1, 3);
	assert_int_equal(sync_rx_offer(r, 6, &b, 1), SYNC_RX_BUFFERED);
	assert_gap(r, 1, 3); /* the first hole */
	assert_int_equal(sync_rx_offer(r, 1, &b, 1), SYNC_RX_DELIVER);
	assert_gap(r, 2, 3);
	assert_int_equal(sync_rx_offer(r, 2, &b, 1), SYNC_RX_DELIVER);
	assert_int_equal(sync_rx_offer(r, 3, &b, 1), SYNC_RX_DELIVER);
	/* 4 waits for its pop and is not missing: 5 is */
	assert_gap(r, 5, 5);
	assert_non_null(sync_rx_pop(r, NULL));
	assert_null(sync_rx_pop(r, NULL));
	assert_gap(r, 5, 5);
	assert_int_equal(sync_rx_offer(r, 5, &b, 1), SYNC_RX_DELIVER);
	assert_non_null(sync_rx_pop(r, NULL));
	assert_false(sync_rx_gap(r, &f, &t));
	/* a lost tail: only the sender's ALIVE shows it, up to what the window can take */
	sync_rx_note_tail(r, 10);
	assert_gap(r, 7, 9);
	sync_rx_note_tail(r, 9); /* stale */
	assert_gap(r, 7, 9);
	sync_rx_note_tail(r, 0);
	assert_gap(r, 7, 9);
	sync_rx_note_tail(r, 100);
	assert_gap(r, 7, 15);
	assert_int_equal(sync_rx_offer(r, 9, &b, 1), SYNC_RX_BUFFERED);
	assert_gap(r, 7, 8);
	sync_rx_reset(r, 50);
	assert_false(sync_rx_gap(r, &f, &t)); /* the tail is forgotten too */
	sync_rx_free(r);
}

static void test_rx_wraps_and_skips_zero(void **state)
{
	struct sync_rx *r = rx_make(4, 1);
	const uint8_t b = 'b';

	(void)state;
	sync_rx_reset(r, UINT32_MAX - 1);
	assert_int_equal(sync_rx_offer(r, 2, &b, 1), SYNC_RX_BUFFERED); /* 3 ahead: 0 skipped */
	assert_int_equal(sync_rx_offer(r, 4, &b, 1), SYNC_RX_BEYOND);	/* 5 ahead */
	assert_gap(r, UINT32_MAX - 1, 1);
	assert_int_equal(sync_rx_offer(r, 1, &b, 1), SYNC_RX_BUFFERED);
	assert_gap(r, UINT32_MAX - 1, UINT32_MAX);
	assert_int_equal(sync_rx_offer(r, UINT32_MAX - 1, &b, 1), SYNC_RX_DELIVER);
	assert_gap(r, UINT32_MAX, UINT32_MAX);
	assert_int_equal(sync_rx_offer(r, UINT32_MAX, &b, 1), SYNC_RX_DELIVER);
	assert_non_null(sync_rx_pop(r, NULL));
	assert_non_null(sync_rx_pop(r, NULL));
	assert_null(sync_rx_pop(r, NULL));
	assert_int_equal(sync_rx_next(r), 3);
	assert_int_equal(sync_rx_offer(r, UINT32_MAX, &b, 1), SYNC_RX_DUPLICATE);
	assert_int_equal(sync_rx_offer(r, 0, &b, 1), SYNC_RX_BEYOND);

	sync_rx_reset(r, UINT32_MAX);
	sync_rx_note_tail(r, 3);
	assert_gap(r, UINT32_MAX, 2);
	sync_rx_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_bad_sizes),
		cmocka_unit_test(test_tx_push_copies_and_counts),
		cmocka_unit_test(test_tx_full_ring),
		cmocka_unit_test(test_tx_ack_cumulative_and_lag),
		cmocka_unit_test(test_tx_forged_acks_change_nothing),
		cmocka_unit_test(test_tx_wraps_and_skips_zero),
		cmocka_unit_test(test_tx_due_oldest_first),
		cmocka_unit_test(test_rx_in_order_not_copied),
		cmocka_unit_test(test_rx_reorder),
		cmocka_unit_test(test_rx_duplicates_and_beyond),
		cmocka_unit_test(test_rx_gap_and_tail),
		cmocka_unit_test(test_rx_wraps_and_skips_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
