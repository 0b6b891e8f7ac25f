// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_track_steps - test helpers shared by test_tcp_track_cases.c and test_tcp_track_reuse.c:
 * a struct conv holds one tracker, its parameters, the last result and each side's SND.NXT and
 * TSval; the builders make struct packet segments directly (no bytes, no parser); tx() and
 * first() feed one segment to the tracker, and EXPECT/STEP assert the verdict, reason, state and
 * result flags, reporting the caller's file and line. Conventions: ISNs ISN_C and ISN_S, window
 * scale WS both ways, SYN windows SYN_WIN, later raw windows WIN (SCALED bytes). The assertion
 * macros expand to cmocka calls, so the including file must include <cmocka.h> first.
 */
#ifndef TCPFW_TCP_TRACK_STEPS_H
#define TCPFW_TCP_TRACK_STEPS_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"
#include "tcp_track.h"

#define C   TCP_TRACK_ORIGINAL
#define S   TCP_TRACK_REPLY
#define ACC TCP_TRACK_ACCEPT
#define IGN TCP_TRACK_IGNORE
#define INV TCP_TRACK_INVALID
#define ANY (-1) /* any reason, or (as a state) do not check the state */

#define sSS TCP_TRACK_SYN_SENT
#define sSR TCP_TRACK_SYN_RECV
#define sES TCP_TRACK_ESTABLISHED
#define sFW TCP_TRACK_FIN_WAIT
#define sCW TCP_TRACK_CLOSE_WAIT
#define sLA TCP_TRACK_LAST_ACK
#define sTW TCP_TRACK_TIME_WAIT
#define sCL TCP_TRACK_CLOSE
#define sS2 TCP_TRACK_SYN_SENT2

/* Flags of the result the test expects to be true; all others must be false. */
#define X_REOPEN      0x1
#define X_DESTROY     0x2
#define X_DESTROY_ANY 0x8 /* destroy may be either */

#define ISN_C	1000000u
#define ISN_S	5000000u
#define SYN_WIN 8192 /* a SYN's window is never scaled */
#define WIN	64   /* raw window after the handshake: 8192 bytes with shift 7 */
#define WS	7
#define SCALED	(WIN << WS)

struct conv {
	struct tcp_track t;
	struct tcp_track_params par;
	struct tcp_track_result r;
	uint32_t nxt[2];   /* each side's SND.NXT as the test sent it */
	uint32_t tsval[2]; /* last TSval each side sent */
	bool ts;	   /* stamp every non-RST segment with a timestamp */
};

/* Zeroes v; strict parameters (no pickup, not liberal, TIME_WAIT enforced, max_retrans 3). */
void conv_init(struct conv *v);

/* A segment 40000 -> 80 with the given flags, seq, ack and payload length; window WIN (0 for
 * RST), no options.
 */
struct packet mkseg(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len);

/* A SYN with MSS, SACK-permitted and, if ws >= 0, window scale ws. */
struct packet syn(uint32_t isn, int ws);
struct packet synack(uint32_t isn, uint32_t ack, int ws);

/* Segments from side d at its SND.NXT acknowledging everything the other side sent. */
struct packet ack_of(const struct conv *v, int d);
struct packet dat(struct conv *v, int d, uint32_t len); /* advances nxt[d] by len */
struct packet fin(struct conv *v, int d);		/* advances nxt[d] by 1 */

struct packet rst(uint32_t seq);
struct packet rstack(uint32_t seq, uint32_t ack);
struct packet with_ts(struct packet p, uint32_t tsval);

/* With v->ts: gives p (unless RST or already stamped) side d's next TSval and echoes the
 * other side's.
 */
void stamp(struct conv *v, int d, struct packet *p);

/* A result that a tracker which forgets to fill a field cannot pass for a correct one. */
void poison(struct conv *v);

/* Runs p through the tracker; an INVALID must change nothing, an IGNORE only the memory of
 * the last segment (and the TIME-WAIT challenge bit). */
void tx(struct conv *v, int d, struct packet p);

/* Starts v->t from p (the caller has set nxt), as the engine does for a flow's first segment. */
void first(struct conv *v, struct packet p);

/* Asserts v->r and v->t against the expectation; failures name file:line (the caller's). */
void expect_at(const struct conv *v, int verd, int rsn, int st, unsigned x, const char *file,
	       int line);

#define EXPECTX(v, verd, rsn, st, x) expect_at(v, verd, rsn, st, x, __FILE__, __LINE__)
#define EXPECT(v, verd, rsn, st)     expect_at(v, verd, rsn, st, 0, __FILE__, __LINE__)
#define STEP(v, d, pkt, verd, rsn, st)                                                             \
	do {                                                                                       \
		tx(v, d, pkt);                                                                     \
		EXPECT(v, verd, rsn, st);                                                          \
	} while (0)
#define TO(v, cls) assert_int_equal((v)->r.timeout, TCP_TRACK_TIMEOUT_##cls)
/* "Timer not refreshed": ACCEPT that keeps the timer, or IGNORE. */
#define KEPT(v)                                                                                    \
	assert_true((v)->r.verdict == IGN ||                                                       \
		    ((v)->r.verdict == ACC && (v)->r.timeout == TCP_TRACK_TIMEOUT_KEEP))

/* C SYN, S SYN/ACK, C ACK, window scale ws on both sides (-1: none): ESTABLISHED, assured. */
void open3(struct conv *v, uint32_t isn_c, uint32_t isn_s, int ws);

/* conv_init, then open3 with ISN_C, ISN_S and WS. */
void est(struct conv *v);

/* Side d closes first: FIN, ACK, FIN, ACK; ends in TIME_WAIT. */
void close_by(struct conv *v, int d);

/* After res.reopen: the caller starts a fresh tracker from the SYN, its sender as ORIGINAL. */
void renew(struct conv *v, int d, struct packet p);

/* Finishes a handshake on a tracker in SYN_SENT whose REPLY side starts at isn_s. */
void finish_open(struct conv *v, uint32_t isn_s);

#endif /* TCPFW_TCP_TRACK_STEPS_H */
