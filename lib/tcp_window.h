/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcp_window - van Rooij's sequence and window checks on one segment between two peers.
 *
 * "Real Stateful TCP Packet Filtering in IP Filter" (G. van Rooij, 2000), as Linux applies it
 * in tcp_in_window(): a segment must intersect the receiver's window (I), may not acknowledge
 * data the receiver never sent (III), and passes without updates when it is a retransmission
 * older than a window (II) or an ACK older than MAXACKWINDOW (IV). Small overshoots of the right
 * edge are tolerated (Linux 6.1). Windows are scaled by the sender's negotiated shift, except on
 * SYNs (RFC 7323). Used only by tcp_track; it knows peers and segments, not states.
 */
#ifndef TCPFW_TCP_WINDOW_H
#define TCPFW_TCP_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"
#include "tcp_track.h"
#include "tcp_window_rules.h" /* struct tcp_window, and the rules themselves */

/*
 * The bounds a segment from snd to rcv is checked against, from the peers as it finds them:
 * its end must reach seq_min (II: not older than a window), its seq must not pass seq_max (I:
 * the receiver's right edge), its ACK (SACK edges included) must lie in [ack_min, ack_max]
 * (IV, III). With ack_floor, an ACK before ack_floor is older than the receiver's SND.UNA -
 * MAX.SND.WND (RFC 5961 5.2). A bound on a side not yet seen (maxwin 0) is meaningless:
 * that side learns from the segment. For the checks and for `tcpfwctl trace`.
 */
struct tcp_window_bounds {
	uint32_t seq_min;
	uint32_t seq_max;
	uint32_t ack_min;
	uint32_t ack_max;
	uint32_t ack_floor;
	bool has_ack_floor;
};

void tcp_window_bounds(const struct tcp_track_peer *snd, const struct tcp_track_peer *rcv,
		       struct tcp_window_bounds *b);

/* The ACK a segment carries in effect; a segment without one is treated as perfect. SACK
 * blocks count only when the receiver offered SACK in its SYN (RFC 2018). */
void tcp_window_ack(const struct tcp_track_peer *rcv, const struct packet *p, struct tcp_window *w);

/*
 * Sets up a sender seen for the first time without a SYN (mid-stream pickup, or its first
 * segment after the other side's SYN) from the segment occupying [p->seq, end).
 */
void tcp_window_init_sender(struct tcp_track_peer *snd, struct tcp_track_peer *rcv,
			    const struct packet *p, uint32_t end, const struct tcp_window *w);

/*
 * Checks a segment from snd to rcv occupying [p->seq, end). Fills w: ACCEPT, IGNORE with
 * REASON_SEQ_UNDER_WINDOW / REASON_ACK_UNDER_WINDOW / REASON_SEQ_OVERSHOOT, or INVALID with
 * REASON_SEQ_OVER_WINDOW / REASON_ACK_OVER_WINDOW / REASON_SACK_OVER_WINDOW. With `liberal`,
 * every failure is an ACCEPT. Changes nothing but a first-seen sender's initialisation.
 */
void tcp_window_check(struct tcp_track_peer *snd, struct tcp_track_peer *rcv,
		      const struct packet *p, uint32_t end, bool liberal, struct tcp_window *w);

/* Applies an accepted segment to both peers: ends, windows, ACKs, FIN acks, timestamps. */
void tcp_window_commit(struct tcp_track_peer *snd, struct tcp_track_peer *rcv,
		       const struct packet *p, uint32_t end, const struct tcp_window *w);

#endif /* TCPFW_TCP_WINDOW_H */
