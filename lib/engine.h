/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine - the firewall core: packet bytes and the time in, a verdict and a reason out.
 *
 * One engine is one shard of the flow table, owned by one thread (one NFQUEUE queue); nothing
 * in it locks. It composes the parser, the tracker, the flow table and the timer wheel: it finds
 * or creates the flow, runs the tracker, arms the flow's timer, keeps counters, and reports flow
 * events (new, state change, destroy with its cause) through a callback. Nothing allocates after
 * engine_new(). Time is a monotonic millisecond count supplied by the caller.
 *
 * Verdicts: the tracker's INVALID drops, ACCEPT and IGNORE pass. Bytes that are not a TCP
 * segment pass (the ruleset queues only TCP); malformed bytes and IP fragments drop, since a
 * fragment reaching the queue means defragmentation did not happen and it cannot be tracked.
 *
 * Accounting (table.accounting, conntrack's acct): packets and bytes each way per flow, in an
 * array of 32 bytes per flow beside the table, so that a flow stays 128 bytes and an engine
 * without it pays one branch per packet. A segment counts against its flow when it passes; a
 * dropped one does not, as conntrack counts only what its hook lets through.
 */
#ifndef TCPFW_ENGINE_H
#define TCPFW_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "flow_names.h"
#include "reason.h"
#include "tcp_track.h"

/* A copy of one flow, oriented as its initiator (ORIGINAL) saw it. */
struct engine_flow_info {
	uint32_t id;	/* table slot; stable while the flow lives */
	uint8_t family; /* 4 or 6 */
	uint8_t state;	/* enum tcp_track_state */
	bool assured;
	uint8_t src[16]; /* initiator; IPv4 in the first 4 bytes */
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	uint64_t expires_ms; /* when its timer fires, on the caller's clock */
	/* table.accounting: what passed each way since the flow was created (or accounting was
	 * switched on); valid only with has_counters */
	bool has_counters;
	uint64_t packets[2]; /* by enum tcp_track_dir: ORIGINAL, REPLY */
	uint64_t bytes[2];   /* IP packet lengths, headers included, as conntrack's acct */
};

struct engine_event {
	uint8_t type;		      /* enum engine_event_type */
	uint8_t cause;		      /* enum engine_cause, with DESTROY */
	uint8_t old_state;	      /* with STATE */
	struct engine_flow_info flow; /* state is the new one */
};

/* Called synchronously from inside engine calls; must not call back into the engine. */
typedef void engine_event_fn(const struct engine_event *ev, void *arg);

/* What engine_new() found in an image it resumed. */
struct engine_resume_stats {
	uint32_t flows;	  /* taken over */
	uint32_t torn;	  /* the one flow a dying process was changing, dropped */
	uint32_t invalid; /* entries no engine could have written, dropped */
	uint32_t expired; /* timers that ran out (while nobody ran them, or firing), dropped */
};

struct engine_params {
	const struct config *config; /* copied; tcp and table sections are used */
	uint8_t hash_key[16];	     /* SipHash key for the flow table; caller's randomness */
	engine_event_fn *on_event;   /* may be NULL */
	void *event_arg;
	/*
	 * A table that outlives the process (see "live state" below). NULL: the flows live in
	 * the engine's own memory. Otherwise the caller's memory, normally a shared mapping of a
	 * file: image is ENGINE_IMAGE_HEADER_SIZE bytes, 8-aligned, and image_pool
	 * engine_image_pool_size() bytes, 64-aligned, both kept for the engine's life.
	 */
	void *image;
	void *image_pool;
	bool resume; /* take over what the image holds, else start it empty */
	struct engine_resume_stats *resumed; /* filled on resume; may be NULL */
};

struct engine_result {
	uint8_t verdict; /* enum engine_verdict */
	uint8_t reason;	 /* enum reason */
	uint8_t state;	 /* the flow's state after the segment; NONE if no flow */
};

struct engine_counters {
	uint64_t verdicts[_ENGINE_VERDICT_MAX];
	uint64_t reasons[_REASON_MAX]; /* every segment counts under exactly one reason */
	uint64_t flows_created;
	uint64_t flows_destroyed[_ENGINE_CAUSE_MAX];
	uint32_t states[_TCP_TRACK_STATE_MAX]; /* flows now in each state */
	uint32_t flows;			       /* flows now in the table */
	uint32_t max_flows;
};

/* A flow filter, conntrack style; zero fields match anything. Addresses match the initiator's
 * view: src is the ORIGINAL source. With has_src, the first src_plen bits of src must match
 * (32 or more for IPv4, 128 for IPv6: the whole address; 0: any); set family with it. */
struct engine_filter {
	uint8_t family; /* 0, 4 or 6 */
	bool has_src;
	bool has_dst;
	uint8_t src_plen; /* with has_src: a zeroed one matches every address */
	uint8_t dst_plen;
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	uint32_t state_mask; /* bit (1 << state); 0 = any */
};

struct engine;

/*
 * Creates an engine with room for config->table.max_flows flows. Returns 0 and sets *ret, or
 * -EINVAL (bad parameters) or -ENOMEM; on resume also engine_image_check()'s errors. The engine
 * copies the config; the caller keeps its own. now_ms starts the timer wheel, unless a resumed
 * image says when it started.
 */
int engine_new(const struct engine_params *params, uint64_t now_ms, struct engine **ret);

/* Frees the engine and its flows without events. NULL is a no-op. */
void engine_free(struct engine *e);

/*
 * Judges one IP packet: `buf` holds cap_len bytes of a packet pkt_len bytes long (a header-only
 * copy is fine). Creates, updates or removes its flow, arms its timer, counts, and fills *res.
 * Events for this packet are delivered before it returns. Never allocates.
 */
void engine_process(struct engine *e, const uint8_t *buf, size_t cap_len, size_t pkt_len,
		    uint64_t now_ms, struct engine_result *res);

/* One packet of a batch: as engine_process() takes it, plus what the kernel says of it. */
struct engine_packet {
	const uint8_t *buf;
	size_t cap_len;
	size_t pkt_len;
	uint32_t flags; /* ENGINE_PKT_* */
};

/*
 * Nobody verified the TCP checksum (NFQUEUE's NFQA_SKB_CSUM_NOTVERIFIED): the engine checks it
 * when the whole segment was copied, and drops a wrong one (tcp_bad_checksum) before it can
 * touch a flow, as conntrack does with nf_conntrack_checksum. Without the flag the sum was
 * verified already, or is not final yet (a local sender's CHECKSUM_PARTIAL).
 */
#define ENGINE_PKT_CSUM_UNVERIFIED 0x1

/* engine_process_batch() works through its packets in chunks of this many. */
#define ENGINE_BATCH_MAX 64

/*
 * Judges n packets (any n; 32 to 64 hides memory latency best), with the same effect as calling
 * engine_process() on each in order: the same verdicts, reasons, counters, flows and events, in
 * the same order. res has n entries; res[i] answers pkts[i]. Both arrays, and the bytes they point
 * to, are borrowed for the call only. Faster on large tables: it parses and hashes a chunk first
 * and prefetches its buckets and flows before tracking any of them. Never allocates.
 */
void engine_process_batch(struct engine *e, const struct engine_packet *pkts, unsigned n,
			  uint64_t now_ms, struct engine_result *res);

/* ---- tracing: what the engine saw of each packet ---- */

/*
 * One judged packet, for `tcpfwctl trace` and `capture`. `flow` says whom it concerns, oriented
 * as the initiator: the flow after the packet, or, when it has none (a refused first segment,
 * a flow the packet removed), the packet's own tuple with its sender as src and state NONE.
 * peer[] is the tracker as the segment found it, so the window bounds it was checked against
 * follow from it (tcp_window_bounds(&peer[dir], &peer[!dir])).
 */
struct engine_trace {
	struct engine_result res;
	const uint8_t *buf; /* the packet's bytes, borrowed for the callback */
	uint32_t cap_len;
	uint32_t pkt_len;
	bool has_segment;  /* parsed as TCP: seg is valid */
	bool has_flow;	   /* the packet found a flow: dir, old_state and peer are valid */
	uint8_t dir;	   /* enum tcp_track_dir of the sender */
	uint8_t old_state; /* enum tcp_track_state; NONE without a flow */
	struct packet seg; /* its addresses point into buf */
	struct tcp_track_peer peer[2]; /* by direction, before the segment */
	struct engine_flow_info flow;
};

/* Called for each packet, after its verdict and events; must not call back into the engine. */
typedef void engine_trace_fn(const struct engine_trace *t, void *arg);

/*
 * Starts (fn != NULL) or stops tracing. While nobody traces, the packet path pays one
 * predictable branch; while tracing, each packet costs a second lookup and this copy. Tracing
 * takes every flow back from the fast path and hands none over, so that every segment is seen.
 */
void engine_set_trace(struct engine *e, engine_trace_fn *fn, void *arg);

/*
 * Expires flows whose time has come, at most `budget` units of timer work per call (see
 * timer_wheel_advance). Returns the number of flows destroyed. engine_expire_behind() says
 * whether due flows remain.
 */
unsigned engine_expire(struct engine *e, uint64_t now_ms, unsigned budget);
bool engine_expire_behind(const struct engine *e, uint64_t now_ms);

/*
 * Swaps in a new configuration's tcp section (timeouts, policies, pickup, window checks) and
 * table.accounting. The table size cannot change while flows live: returns -EBUSY, with nothing
 * changed, when table.max_flows or table.buckets differ; -ENOMEM, with nothing changed, when
 * the counters of accounting switched on cannot be allocated; 0 otherwise. Switched on, every
 * flow's counters start at zero; switched off, they are freed. Existing flows keep their timers
 * until engine_retime() walks them or their next segment arrives.
 */
int engine_reconfigure(struct engine *e, const struct config *config);

/* The configuration in force. */
const struct config *engine_config(const struct engine *e);

/*
 * Walks up to `budget` table slots from *cursor (start at 0), re-arming each flow's timer
 * under the current timeouts as if they had applied since its last refresh. Returns true and
 * sets *cursor to 0 when the walk is complete.
 */
bool engine_retime(struct engine *e, uint32_t *cursor, unsigned budget, uint64_t now_ms);

/*
 * Makes every synchronised flow re-learn its windows from the next segment each way
 * (tcp_track_forget_windows), for when packets may have passed unseen: with fail-open, while
 * the daemon stalled or its socket overflowed. O(1): each flow does it when its next packet
 * comes (one table walk every 32 calls keeps them in step). Returns the number of flows.
 */
unsigned engine_forget_windows(struct engine *e);

/*
 * Lists flows matching f (NULL: all), resuming at *cursor (start at 0). Scans at most
 * `budget` table slots and fills at most `max` entries of out. Returns the number filled;
 * *cursor is 0 once the whole table has been walked. With out == NULL it only counts the
 * matches (max is then ignored).
 */
unsigned engine_list(const struct engine *e, const struct engine_filter *f, uint32_t *cursor,
		     unsigned budget, struct engine_flow_info *out, unsigned max);

/*
 * Called by engine_kill() for each flow it is about to remove, with a copy of the flow and of
 * its tracker (both borrowed for the call). Returns true to have the flow removed, false to
 * keep it and end the call there: *cursor then names it, so the next call starts with it (one
 * that refuses the first flow of a call makes no progress). Must not call into the engine.
 */
typedef bool engine_kill_fn(const struct engine_flow_info *flow, const struct tcp_track *track,
			    void *arg);

/*
 * Removes flows matching f (NULL: all) with a DESTROY event of `cause` (KILLED or FLUSHED),
 * scanning at most `budget` slots from *cursor. With fn, asks fn(flow, track, arg) first about
 * each; NULL removes them all at no extra cost. Returns how many were removed; *cursor is 0
 * once the walk is complete.
 */
unsigned engine_kill(struct engine *e, const struct engine_filter *f, enum engine_cause cause,
		     uint32_t *cursor, unsigned budget, engine_kill_fn *fn, void *arg);

/*
 * Looks one flow up by its tuple as seen from either side (src/sport -> dst/dport). Returns
 * true and fills *out when it exists. O(1).
 */
bool engine_get(const struct engine *e, uint8_t family, const uint8_t *src, uint16_t sport,
		const uint8_t *dst, uint16_t dport, struct engine_flow_info *out);

/* ---- state across restarts ---- */

/* One flow as a restart carries it: enough to recreate it exactly, but for its accounting
 * counters, which start at zero in the importing engine. */
struct engine_flow_record {
	uint8_t family; /* 4 or 6 */
	uint8_t orig;	/* which endpoint of addr/port is the initiator */
	uint8_t tclass; /* enum tcp_track_timeout of its armed timer */
	uint8_t addr[2][16];
	uint16_t port[2];
	uint64_t remaining_ms; /* time left on its timer */
	struct tcp_track track;
};

/*
 * Copies up to `max` flows into out, resuming at *cursor (start at 0) and scanning at most
 * `budget` slots. Returns how many; *cursor is 0 once the table has been walked.
 */
unsigned engine_export(const struct engine *e, uint32_t *cursor, unsigned budget,
		       struct engine_flow_record *out, unsigned max, uint64_t now_ms);

/*
 * Recreates a flow from a record, its timer armed for the time it had left. Returns 0,
 * -EINVAL (the record is inconsistent: bad family, state, direction or option values),
 * -EEXIST (the tuple is already tracked) or -ENOSPC (the table is full). No event is sent.
 */
int engine_import(struct engine *e, const struct engine_flow_record *rec, uint64_t now_ms);

/* ---- replication: what changed, and the peer's records ---- */

/*
 * With change tracking on (engine_sync_enable), every flow a judged packet creates or changes is
 * marked (one byte a flow beside the table, and a list of marked ids: 5 bytes a flow in all);
 * the packet path pays one predictable branch when it is off. A marked flow is "owned": this
 * engine made its latest change. engine_sync_changes() hands the marked flows out; the owner
 * sends them to the peer. The peer's records come back through engine_sync_apply() and
 * engine_sync_remove(), which mark nothing, so nothing echoes. The marks are not in the live
 * image: after a restart no flow is owned, so the peer's bulk transfer overrides what the image
 * held. Flows the peer removes leave with cause ENGINE_CAUSE_PEER.
 */
#define ENGINE_SYNC_MOVING 0x01 /* more changes are pending: the windows may be behind */
#define ENGINE_SYNC_OWNED  0x02 /* the sender made the flow's latest change itself */
#define ENGINE_SYNC_BULK   0x04 /* part of a full-table transfer */

/* Receives one flow as a record (borrowed for the call) with ENGINE_SYNC_* flags; must not
 * call into the engine. */
typedef void engine_record_fn(const struct engine_flow_record *rec, unsigned flags, void *arg);

/* Turns change tracking on (idempotent). 0 or -ENOMEM. */
int engine_sync_enable(struct engine *e);

/*
 * Hands out changed flows. settle false: the flows first marked since the last call, and the
 * flows whose state changed, with ENGINE_SYNC_MOVING (call it after every batch); settle true:
 * every flow marked since the last settle, without MOVING, and clears the marks (call it every
 * update delay). Flows removed meanwhile are skipped (their DESTROY event said so). Every record
 * carries ENGINE_SYNC_OWNED. Returns how many records fn got.
 */
unsigned engine_sync_changes(struct engine *e, bool settle, uint64_t now_ms, engine_record_fn *fn,
			     void *arg);

/*
 * A bulk transfer's walk: every flow from *cursor, at most `budget` slots and `max` flows per
 * call, with ENGINE_SYNC_BULK, ENGINE_SYNC_OWNED for an owned flow, and ENGINE_SYNC_MOVING for
 * one marked since the last settle (its further changes wait for the settle). Returns how
 * many; *cursor is 0 once the table has been walked.
 */
unsigned engine_sync_export(const struct engine *e, uint32_t *cursor, unsigned budget, unsigned max,
			    uint64_t now_ms, engine_record_fn *fn, void *arg);

/*
 * Applies a peer's record with its ENGINE_SYNC_* flags. An update creates or replaces the flow
 * (for a flow held here: unless this copy has seen more of both sides, when the record is
 * stale and skipped; and where each has seen more of one side, the union is kept, re-learns its
 * windows, and counts as changed here, so that it goes back to the peer);
 * a bulk record that is OWNED does so unless this engine owns the flow; one that is not only
 * replaces a flow held here and not owned, unless `complete` is false (this table may lack what
 * the peer holds: everything is taken). A MOVING record's windows are re-learned from the next
 * segments (tcp_track_forget_windows). The timer gets the record's time left plus grace_ms, so
 * the owner's refresh arrives before it runs out. The flow is no longer owned here, and counts
 * as refreshed for engine_sync_bulk_end(). Returns 1 applied, 0 skipped by the rules above,
 * -EINVAL (an inconsistent record, as engine_import) or -ENOSPC (the table is full).
 */
int engine_sync_apply(struct engine *e, const struct engine_flow_record *rec, unsigned flags,
		      bool complete, uint64_t grace_ms, uint64_t now_ms);

/* Removes the flow with this tuple (either orientation) with cause PEER. 0 or -ENOENT. */
int engine_sync_remove(struct engine *e, uint8_t family, const uint8_t *src, uint16_t sport,
		       const uint8_t *dst, uint16_t dport);

/* A peer's bulk transfer begins: no flow counts as refreshed. */
void engine_sync_bulk_begin(struct engine *e);

/*
 * After the peer's bulk transfer ended: removes (cause PEER) the flows neither owned here nor
 * refreshed since engine_sync_bulk_begin(), walking at most `budget` slots from *cursor (start
 * at 0; 0 again when done). Returns how many it removed.
 */
unsigned engine_sync_bulk_end(struct engine *e, uint32_t *cursor, unsigned budget);

/* How many flows this engine owns. O(flows). */
uint32_t engine_sync_owned(const struct engine *e);

/* ---- live state: a table that outlives the process ---- */

/*
 * With an image, every flow, its timer's expiry and the table's high-water mark are written in
 * place, in the caller's memory, as the packet path goes: nothing is copied or flushed, and a
 * process that dies leaves its table there for the next one. The image records when the wheel's
 * tick 0 was on the caller's monotonic clock, so expiries stay absolute and the time nobody ran
 * counts against every flow. Before changing a flow the engine names it in the image's header
 * (one store), and clears the name after: a process killed in the middle leaves at most that one
 * flow half-written, and a resume drops it. Resuming checks the rest as untrusted input: every
 * entry's key, orientation, state and options must be ones an engine could have written, or it
 * is dropped; so is any flow whose time ran out. Kept flows re-learn their windows from their
 * next segments, as after a fail-open bypass, since packets may have passed unseen; the wheel
 * and the hash chains are rebuilt (under a new hash key), and the counters start again. The
 * per-flow accounting counters live in the engine's own memory, not in the image: after a
 * resume they start at zero.
 */
#define ENGINE_IMAGE_HEADER_SIZE 64

/* Bytes of flow pool an image for cfg needs; 0 when cfg's table is out of range. */
size_t engine_image_pool_size(const struct config *cfg);

/*
 * Whether image holds the header of an engine with cfg's table, made on this clock: 0, or
 * -ENODATA (never completed: no magic), -EPROTO (another layout: another tcpfwd version),
 * -ERANGE (another table size) or -ETIME (made in the future: another boot's clock). The
 * resume in engine_new() checks the same.
 */
int engine_image_check(const void *image, const struct config *cfg, uint64_t now_ms);

/*
 * Checks the engine's invariants: every flow in the table is found by its key, holds a valid
 * state and an armed timer, and the per-state counts add up to the table's count. O(flows).
 * Returns NULL, or a short description of the first violation.
 */
const char *engine_check(const struct engine *e);

/* A snapshot of the counters. */
void engine_get_counters(const struct engine *e, struct engine_counters *out);

/*
 * The in-kernel fast path (lib/fastpath_map.h, engine_fastpath.c). The caller loads the program
 * and maps its slots and dirty bitmap; the engine then hands ESTABLISHED flows over as their
 * segments pass, takes them back when one reaches it, and removes them with the flow. The ops
 * add and remove one direction's tuple in the program's hash (a syscall each): key_add returns
 * 0 or -errno.
 */
struct fastpath_key;
struct fastpath_slot;

struct engine_fastpath_ops {
	int (*key_add)(void *ctx, const struct fastpath_key *k, uint32_t slot, uint8_t dir);
	void (*key_del)(void *ctx, const struct fastpath_key *k);
};

struct engine_fastpath_counters {
	uint64_t handovers; /* flows given to the program (again) */
	uint64_t imports;   /* times the program's changes were copied into the table */
	uint64_t reclaims;  /* a FAST flow's segment reached the queue without returning it */
	uint64_t full;	    /* a flow stayed here: no slot free, or its tuple not added */
	uint32_t flows;	    /* flows that have a slot now */
};

/* Starts handing flows over: n slots at `slots`, a bit per slot at `dirty`. 0, -EINVAL (already
 * on, n = 0) or -ENOMEM. */
int engine_fastpath_enable(struct engine *e, struct fastpath_slot *slots, uint64_t *dirty,
			   uint32_t n, const struct engine_fastpath_ops *ops, void *ctx);

/* Takes every flow back with what the program changed, removes their tuples, and stops. */
void engine_fastpath_disable(struct engine *e);

/* Copies what the program changed since the last call into the table (windows, counters,
 * timers, replication marks; a timer never from later than now_ms). Returns the flows it
 * copied. */
unsigned engine_fastpath_harvest(struct engine *e, uint64_t now_ms);

void engine_fastpath_counters(const struct engine *e, struct engine_fastpath_counters *out);

/* True when the flow matches the filter. */
bool engine_filter_match(const struct engine_filter *f, const struct engine_flow_info *flow);

/* Bytes allocated for flows (table, pool, timers, counters), for the bytes-per-flow report. */
size_t engine_memory(const struct engine *e);

#endif /* TCPFW_ENGINE_H */
