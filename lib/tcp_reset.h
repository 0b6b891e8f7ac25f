/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcp_reset - the RSTs that end a tracked connection at both endpoints, as raw IP bytes.
 *
 * For `tcpfwctl kill --reset`: from a flow's tracker, each endpoint X gets an RST|ACK that
 * appears to come from its peer Y, with numbers X accepts. A receiver honours an RST only at
 * its RCV.NXT exactly (RFC 5961 3.2; Linux tcp_validate_incoming(): an in-window RST at another
 * number earns a challenge ACK, one outside the window is dropped), so everything rests on what
 * the tracker knows of X's RCV.NXT. The rules, by the tracker's state:
 *
 * - ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, SYN_RECV, SYN_SENT2: to each X,
 *   seq = peer[X].maxack, the highest ACK X sent, when TCP_TRACK_PEER_MAXACK says X sent one;
 *   else peer[Y].end, Y's SND.NXT (X has not acknowledged anything yet: the initiator in
 *   SYN_RECV, either side in SYN_SENT2, a side a picked-up flow has not seen). ack =
 *   peer[X].end, all X sent; a synchronised receiver does not look at it, and it acknowledges
 *   X's SYN, which a side still in SYN-SENT (its SYN/ACK in flight, or a simultaneous open)
 *   requires instead (RFC 9293 3.10.7.3). When Y has sent past X's last ACK (data or a FIN
 *   in flight, an ACK not seen yet) X's RCV.NXT is anywhere from maxack to peer[Y].end, so a
 *   second RST at peer[Y].end follows the first: whichever is exact resets X, the other
 *   meets a closed socket or earns a challenge ACK (Linux also resets at the highest SACK
 *   edge, and at RCV.NXT - 1 once it holds the FIN: tcp_reset_check()). A responder
 *   in SYN_RECV is a request socket, which takes any in-window RST (tcp_check_req()).
 * - SYN_SENT (only the initiator's SYN seen): the initiator alone, seq = 0 and ack =
 *   peer[ORIGINAL].end (ISN + 1, or past its SYN's data): in SYN-SENT an RST counts only if
 *   it acknowledges the SYN, whatever its seq (RFC 9293 3.10.7.3, RFC 5961 3.2), and this is
 *   the form a closed port sends. The responder, if the SYN reached it, holds a request
 *   socket whose SYN/ACKs no longer pass the firewall; it gives up on its own.
 * - TIME_WAIT and CLOSE: none. In TIME_WAIT the side that closed last is CLOSED and the other
 *   holds TIME-WAIT, which protects the next incarnation (RFC 1337, as this firewall enforces
 *   it); after an RST both are closed.
 *
 * Window scaling does not matter: an RST carries no data and is judged by its seq alone. A
 * flow restored after a restart (TCP_TRACK_F_RELEARN_*) has numbers stale by an unknown
 * amount until its next segments: its RSTs may then earn only challenge ACKs.
 *
 * The packets have no IP or TCP options, window 0, TTL (hop limit) 64, IPv4 DF and id 0, and
 * correct IPv4 header and TCP checksums. Nothing here allocates.
 */
#ifndef TCPFW_TCP_RESET_H
#define TCPFW_TCP_RESET_H

#include <stddef.h>
#include <stdint.h>

#include "tcp_track.h"

#define TCP_RESET_MAX	  4  /* RSTs per flow: at most two to each endpoint */
#define TCP_RESET_PKT_MAX 60 /* bytes of the largest: IPv6 header 40 + TCP header 20 */

/* One RST: to whom, and its numbers (in the sender's, Y's, sequence space for seq). */
struct tcp_reset_seg {
	uint8_t to; /* enum tcp_track_dir: the endpoint that receives it */
	uint32_t seq;
	uint32_t ack;
};

/* The flow's endpoints, indexed by enum tcp_track_dir (ORIGINAL is the initiator). */
struct tcp_reset_tuple {
	uint8_t family;	     /* 4 or 6 */
	uint8_t addr[2][16]; /* IPv4 in the first 4 bytes */
	uint16_t port[2];    /* host byte order */
};

/*
 * The RSTs that end the connection t tracks, per the rules above, in the order to send them.
 * Fills out and returns how many (0 .. TCP_RESET_MAX).
 */
unsigned tcp_reset_plan(const struct tcp_track *t, struct tcp_reset_seg out[TCP_RESET_MAX]);

/*
 * Writes seg as an IP packet from tu's endpoint !seg->to to its endpoint seg->to into buf
 * (cap bytes). Returns its length (40 for IPv4, 60 for IPv6), or 0 when tu's family is neither
 * or cap is too small.
 */
size_t tcp_reset_build(const struct tcp_reset_tuple *tu, const struct tcp_reset_seg *seg,
		       uint8_t *buf, size_t cap);

#endif /* TCPFW_TCP_RESET_H */
