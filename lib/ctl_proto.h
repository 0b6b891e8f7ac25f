/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_proto - the control socket's messages <-> JSON: the one place for the wire format.
 *
 * Varlink style: each message is one JSON object followed by a NUL byte. A call is
 *   {"method":"io.tcpfw.Flows.List","parameters":{...},"more":false}
 * and a reply is {"parameters":{...}} or {"error":"<name>","parameters":{...}}; a reply with
 * "continues":true is followed by more replies to the same call (long lists, watch). The module
 * works on plain view structs, never on engine internals, so the daemon and tcpfwctl share it
 * without sharing anything else. Every parser validates against the method's schema: unknown
 * methods, unknown or wrongly typed parameters, oversized and malformed messages get a named
 * error. All text this module returns is heap-allocated and owned by the caller (free()).
 */
#ifndef TCPFW_CTL_PROTO_H
#define TCPFW_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reason.h"

#define CTL_PROTO_MAX_MESSAGE_DEFAULT 65536 /* control.max_request's default */
#define CTL_PROTO_LIST_CHUNK	      256   /* flows per List reply */

enum ctl_method {
	CTL_FLOWS_LIST = 0,  /* io.tcpfw.Flows.List {filter}        -> {flows:[...]} (continues) */
	CTL_FLOWS_GET,	     /* io.tcpfw.Flows.Get {tuple}          -> {flow:{...}} */
	CTL_FLOWS_COUNT,     /* io.tcpfw.Flows.Count {filter}       -> {count:N} */
	CTL_FLOWS_KILL,	     /* io.tcpfw.Flows.Kill {filter,reset?} -> {killed:N}   admin */
	CTL_FLOWS_FLUSH,     /* io.tcpfw.Flows.Flush {reset?}       -> {flushed:N}  admin */
	CTL_EVENTS_WATCH,    /* io.tcpfw.Events.Watch {filter}      -> {event:{...}} (continues) */
	CTL_STATS_GET,	     /* io.tcpfw.Stats.Get {}               -> {stats...} */
	CTL_PARAMS_GET,	     /* io.tcpfw.Params.Get {name?}         -> {params:{name:value}} */
	CTL_PARAMS_SET,	     /* io.tcpfw.Params.Set {name, value}   -> {}          admin */
	CTL_DAEMON_STATUS,   /* io.tcpfw.Daemon.Status {}           -> {status...} */
	CTL_DAEMON_RELOAD,   /* io.tcpfw.Daemon.Reload {}           -> {}          admin */
	CTL_DAEMON_VERSION,  /* io.tcpfw.Daemon.Version {}          -> {version:"..."} */
	CTL_PACKETS_TRACE,   /* io.tcpfw.Packets.Trace {filter, drops?} -> {snaplen}, then
			      *   {trace:{...}} and {lost:N} (continues) */
	CTL_PACKETS_CAPTURE, /* io.tcpfw.Packets.Capture: as Trace, each trace with its
			      *   packet's bytes                                 admin */
	_CTL_METHOD_MAX
};

enum ctl_error {
	CTL_OK = 0,
	CTL_ERR_INVALID_JSON,	   /* io.tcpfw.InvalidJson: not a JSON object */
	CTL_ERR_TOO_LARGE,	   /* io.tcpfw.MessageTooLarge */
	CTL_ERR_METHOD_NOT_FOUND,  /* org.varlink.service.MethodNotFound */
	CTL_ERR_INVALID_PARAMETER, /* org.varlink.service.InvalidParameter {parameter} */
	CTL_ERR_PERMISSION_DENIED, /* io.tcpfw.PermissionDenied */
	CTL_ERR_NO_SUCH_FLOW,	   /* io.tcpfw.NoSuchFlow */
	CTL_ERR_NO_SUCH_PARAM,	   /* io.tcpfw.NoSuchParameter {parameter} */
	CTL_ERR_RELOAD_FAILED,	   /* io.tcpfw.ReloadFailed {message} */
	CTL_ERR_TOO_SLOW,	   /* io.tcpfw.ConsumerTooSlow: a watch client fell behind */
	CTL_ERR_BUSY,		   /* io.tcpfw.Busy: too many clients */
	CTL_ERR_INTERNAL,	   /* io.tcpfw.InternalError {message} */
	_CTL_ERR_MAX
};

/*
 * Conntrack-style filter; zero fields match anything. src/dst are the initiator's view. With
 * has_src, src_plen leading bits of src count: 32 (IPv4) or 128 (IPv6) is one address, 0 the
 * whole family. Whoever sets has_src sets src_plen too (a zeroed one is /0); likewise dst.
 */
struct ctl_filter {
	uint8_t family;	  /* 0, 4 or 6   JSON "family":"ipv4"|"ipv6" */
	bool has_src;	  /*              "src":"192.0.2.1" or "192.0.2.0/24" */
	bool has_dst;	  /*              "dst":"..." */
	uint8_t src_plen; /*              the "/24"; a full length is written without one */
	uint8_t dst_plen;
	uint8_t src[16]; /* host bits (past the prefix) are zero after ctl_request_parse() */
	uint8_t dst[16];
	uint16_t sport;	     /*              "sport":40000 */
	uint16_t dport;	     /*              "dport":80 */
	uint32_t state_mask; /* 1 << state  "states":["ESTABLISHED",...] (tcp_track names) */
};

/* One flow as operators see it (oriented as the initiator sent its first segment). */
struct ctl_flow {
	uint8_t family;	 /* "family":"ipv4" */
	uint8_t state;	 /* "state":"ESTABLISHED" (enum tcp_track_state value) */
	bool assured;	 /* "assured":true */
	uint8_t src[16]; /* "src", "sport", "dst", "dport" */
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	uint64_t expires_in_ms; /* "timeout": seconds left, as a number with ms precision */
	uint16_t queue;		/* "queue":0 */
	uint32_t id;		/* "id":17 (slot within its queue) */
	/* "counters":{"original":{"packets":N,"bytes":N},"reply":{...}} only with has_counters
	 * (table.accounting on); packets and bytes are indexed 0 original, 1 reply */
	bool has_counters;
	uint64_t packets[2];
	uint64_t bytes[2];
};

struct ctl_event {
	uint8_t type;	       /* "type":"new"|"state"|"destroy" (enum engine_event_type) */
	uint8_t cause;	       /* "cause":"timeout"... with destroy (enum engine_cause) */
	uint8_t old_state;     /* "old_state" with state */
	uint64_t time_ms;      /* "time": monotonic ms when it happened */
	uint64_t timestamp_ms; /* "timestamp": the same moment, wall clock: seconds since the
				* epoch with ms precision (0: absent, from an older daemon) */
	struct ctl_flow flow;
};

#define CTL_TRACE_BYTES_MAX 2048 /* the most of a packet a capture carries */

/* One side of a traced flow, as the segment found it (struct tcp_track_peer). */
struct ctl_trace_peer {
	uint32_t end;	 /* "end": its SND.NXT */
	uint32_t maxend; /* "maxend": the right edge of the window it may send into */
	uint32_t maxwin; /* "maxwin": the largest window it advertised, scaled */
	uint32_t maxack; /* "maxack": the highest ACK it sent, when has_maxack */
	uint8_t wscale;	 /* "wscale" */
	bool has_maxack;
};

/*
 * One packet as the engine judged it. The tuple is the packet's own (src sent it); `state` is
 * its flow's after it, NONE when it has none. With has_flow it found a flow: dir says which
 * side sent it, old_state what the flow was, sender and receiver its two sides as the segment
 * found them, and the bounds it was checked against (tcp_window_bounds).
 */
struct ctl_trace {
	uint64_t time_ms;      /* "time": monotonic ms */
	uint64_t timestamp_ms; /* "timestamp": wall clock, seconds since the epoch */
	uint16_t queue;	       /* "queue" */
	uint8_t verdict;       /* "verdict":"accept"|"drop" */
	uint8_t reason;	       /* "reason":"seq_over_window" */
	uint8_t state;	       /* "state" */
	uint8_t family;	       /* "family"; 0 when the bytes were no TCP segment: no tuple */
	uint8_t src[16];       /* "src", "sport", "dst", "dport" */
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	uint8_t flags; /* "flags":"S." as tcpdump writes them */
	uint16_t win;  /* "win": raw, unscaled */
	uint32_t seq;  /* "seq", "ack", "len" (payload bytes) */
	uint32_t ack;
	uint32_t len;
	bool has_flow;
	uint8_t dir;				/* "dir":"original"|"reply" */
	uint8_t old_state;			/* "old_state" */
	struct ctl_trace_peer sender, receiver; /* "window":{"sender":{...},"receiver":{...}, */
	uint32_t seq_min, seq_max;		/*   "seq_min", "seq_max", "ack_min", "ack_max" */
	uint32_t ack_min, ack_max;		/*   and "ack_floor" (tcp_window_bounds) } */
	uint32_t ack_floor;
	bool has_ack_floor;
	uint32_t pkt_len; /* "pktlen": the packet's length on the wire */
	uint16_t cap_len; /* bytes in `bytes`: "packet":"4500..." (hex), Capture only */
	uint8_t bytes[CTL_TRACE_BYTES_MAX];
};

enum ctl_trace_kind {
	CTL_TRACE_START = 0, /* {"snaplen":N}: the first reply; N bytes of each packet are kept */
	CTL_TRACE_PACKET,    /* {"trace":{...}} */
	CTL_TRACE_LOST,	     /* {"lost":N}: N traces were dropped, not packets (a slow reader) */
};

/* Replication's state, as "sync":{"state":...}. */
enum ctl_sync_state {
	CTL_SYNC_DISABLED = 0, /* "disabled": sync.enabled is false; nothing else is sent */
	CTL_SYNC_CONNECTING,   /* "connecting": no session with the peer (yet) */
	CTL_SYNC_RESYNC,       /* "resync": a session, but this table is not complete yet */
	CTL_SYNC_IN_SYNC,      /* "in_sync": a session, this table complete, nothing missing */
	CTL_SYNC_PEER_LOST,    /* "peer_lost": was in sync, the peer fell silent: ours is the
				* best copy there is */
	_CTL_SYNC_STATE_MAX
};

/* Why a sync datagram or record was dropped: "dropped":{"bad_source":N,...}. */
enum ctl_sync_drop {
	CTL_SYNC_DROP_BAD_SOURCE = 0, /* "bad_source": not from the configured peer */
	CTL_SYNC_DROP_MALFORMED,      /* "malformed": bad header, size or message */
	CTL_SYNC_DROP_BAD_AUTH,	      /* "bad_auth": did not authenticate under the key */
	CTL_SYNC_DROP_REPLAYED,	      /* "replayed": a counter already seen, or too old */
	CTL_SYNC_DROP_NO_SESSION,     /* "no_session": data for a session that is not ours */
	CTL_SYNC_DROP_BAD_RECORD,     /* "bad_record": a flow record the engine refused */
	CTL_SYNC_DROP_TABLE_FULL,     /* "table_full": no room for the peer's flow */
	_CTL_SYNC_DROP_MAX
};

/* Replication, in Daemon.Status and Stats.Get as "sync":{...}. */
struct ctl_sync {
	uint8_t state;		  /* "state": enum ctl_sync_state */
	char peer[46];		  /* "peer": its address */
	bool complete;		  /* "complete": this table holds all it should */
	bool peer_complete;	  /* "peer_complete": the peer says the same of its own */
	bool heard;		  /* the peer was ever heard: "last_heard_ms" is sent */
	uint64_t last_heard_ms;	  /* "last_heard_ms": since its last authentic datagram */
	uint32_t inflight;	  /* "inflight": datagrams sent, not yet acknowledged */
	uint64_t lag_ms;	  /* "lag_ms": the last acknowledged update's send-to-ack time */
	uint64_t lag_max_ms;	  /* "lag_max_ms" */
	uint64_t sessions;	  /* "sessions": sessions started */
	uint64_t sent;		  /* "datagrams_sent" */
	uint64_t received;	  /* "datagrams_received": authentic ones */
	uint64_t retransmitted;	  /* "retransmitted" */
	uint64_t records_sent;	  /* "records_sent": flows and removals */
	uint64_t records_applied; /* "records_applied" */
	uint64_t bulks_sent;	  /* "bulks_sent": full-table transfers */
	uint64_t bulks_received;  /* "bulks_received" */
	uint64_t bulk_last_ms;	  /* "bulk_last_ms": how long the last one received took */
	uint64_t bulk_last_flows; /* "bulk_last_flows": and how many flows it carried */
	uint64_t dropped[_CTL_SYNC_DROP_MAX]; /* "dropped":{...} by enum ctl_sync_drop */
};

/* Why the fast path gave a flow back with a segment: "returned":{"flags":N,...}. */
enum ctl_fastpath_return {
	CTL_FP_RET_FLAGS = 0, /* SYN, FIN or RST, or no ACK */
	CTL_FP_RET_STATE,     /* the flow was not one it may judge */
	CTL_FP_RET_AUTH,      /* TCP-MD5 or TCP-AO option */
	CTL_FP_RET_PAWS,      /* the receiver's PAWS would discard it */
	CTL_FP_RET_STALE,     /* wholly before the receiver's last ACK */
	CTL_FP_RET_WINDOW,    /* the window checks did not accept it */
	CTL_FP_RET_CHECKSUM,  /* a checksum it could not trust */
	_CTL_FP_RET_MAX
};

const char *ctl_fastpath_return_name(unsigned r);

/* The in-kernel fast path: "fastpath":{...} in Stats.Get. {"enabled":false} alone when off. */
struct ctl_fastpath {
	bool enabled;			    /* "enabled" */
	uint32_t flows;			    /* "flows": flows that have a slot now */
	uint64_t accepted;		    /* "accepted": segments the program passed */
	uint64_t returned[_CTL_FP_RET_MAX]; /* "returned":{...}: flows given back, by reason */
	uint64_t queued;		    /* "queued": segments of flows tcpfwd held */
	uint64_t busy;			    /* "busy": the slot stayed locked: to the queue */
	uint64_t unparsed;		    /* "unparsed": not a plain segment: to the queue */
	uint64_t handovers;		    /* "handovers": flows given to the program */
	uint64_t imports;		    /* "imports": its changes copied into the table */
	uint64_t reclaims;		    /* "reclaims": taken back without a return */
	uint64_t full;			    /* "full": flows kept back, no slot or tuple room */
};

struct ctl_stats {
	uint64_t verdict_accept; /* "verdicts":{"accept":N,"drop":N} */
	uint64_t verdict_drop;
	uint64_t reasons[_REASON_MAX]; /* "reasons":{"ok":N,"bad_flags":N,...} every reason */
	uint32_t states[16];	       /* "states":{"SYN_SENT":N,...} index = tcp_track_state */
	uint32_t flows;		       /* "flows":N */
	uint32_t max_flows;	       /* "max_flows":N (all queues) */
	uint64_t created;	       /* "created":N */
	uint64_t destroyed[8];	       /* "destroyed":{"timeout":N,...} index = engine_cause */
	uint64_t packets;	       /* "packets": delivered by the kernel */
	uint64_t enobufs;	       /* "enobufs" */
	uint64_t lost;		       /* "lost": packet ids skipped (the socket overflowed) */
	uint64_t relearned;	       /* "relearned": flows re-learned windows after a bypass */
	uint64_t pause_max_us;	       /* "control_pause_max_us": the longest a worker spent on
					* one control request, packets waiting meanwhile */
	/* per queue, from /proc/net/netfilter/nfnetlink_queue: "queues":[{...}] */
	unsigned n_queues;
	struct ctl_queue_stats {
		uint16_t num;		/* "queue" */
		uint32_t queue_total;	/* "waiting": packets queued now */
		uint64_t queue_dropped; /* "queue_dropped": queue full */
		uint64_t user_dropped;	/* "user_dropped": socket full */
		uint64_t id_sequence;	/* "packets_seen" */
	} queues[64];
	struct ctl_sync sync;	      /* "sync":{...}: replication */
	struct ctl_fastpath fastpath; /* "fastpath":{...} */
};

/* Daemon.Status; its JSON object also starts with "json_schema_version":1. */
struct ctl_status {
	char version[32];      /* "version" */
	uint32_t pid;	       /* "pid" */
	uint64_t uptime_ms;    /* "uptime": seconds */
	char config_path[256]; /* "config" */
	uint16_t queue_num;    /* "queues":"0-3" */
	uint16_t queue_count;
	bool fail_open;		 /* "fail_open" */
	char tw_policy[16];	 /* "time_wait_policy" */
	bool pickup;		 /* "pickup" */
	uint32_t flows;		 /* "flows" */
	uint32_t max_flows;	 /* "max_flows" */
	unsigned n_overridden;	 /* "overridden":["tcp.timeouts.established",...]: set-param */
	char overridden[16][64]; /*   changes in force until the next reload */
	struct ctl_sync sync;	 /* "sync":{...}: replication */
};

/* A parameter is a dotted config key and its value in libconfig syntax ("5", "\"shorten\""). */
struct ctl_param {
	char name[64];
	char value[128];
};

struct ctl_request {
	uint8_t method;		  /* enum ctl_method */
	bool more;		  /* "more":true: the client accepts continued replies */
	struct ctl_filter filter; /* List, Count, Kill, Watch; Get uses family/src/dst/ports */
	struct ctl_param param;	  /* Params.Get (name may be empty: all), Params.Set */
	bool drops;		  /* Trace, Capture: "drops":true, dropped packets only */
	uint64_t reasons;	  /* Trace, Capture: "reasons":["seq_over_window",...], bit
				   * (1 << enum reason): only packets judged with one of them */
	bool reset;		  /* Kill, Flush: "reset":true sends each flow's endpoints an RST */
};

struct ctl_reply {
	uint8_t method;	    /* what the reply answers (the parser needs it) */
	uint8_t error;	    /* enum ctl_error; CTL_OK for a result */
	char message[256];  /* error detail, or "" */
	char parameter[64]; /* the offending parameter with INVALID_PARAMETER etc. */
	bool continues;
	/* the result, by method */
	struct ctl_flow *flows; /* List (n_flows), Get (one) */
	size_t n_flows;
	uint64_t count;		   /* Count, Kill, Flush */
	bool has_reset;		   /* Kill, Flush called with "reset":true: */
	uint64_t reset_sent;	   /*   "reset":N RSTs sent */
	uint64_t reset_failed;	   /*   "reset_failed":N RSTs that could not be sent */
	struct ctl_event event;	   /* Watch */
	struct ctl_stats *stats;   /* Stats.Get */
	struct ctl_status *status; /* Daemon.Status */
	struct ctl_param *params;  /* Params.Get */
	size_t n_params;
	char version[32];	 /* Daemon.Version */
	uint8_t trace_kind;	 /* Trace, Capture: enum ctl_trace_kind */
	uint32_t snaplen;	 /*   START */
	uint64_t lost;		 /*   LOST */
	struct ctl_trace *trace; /*   PACKET */
};

/* The names the JSON uses for an event's type ("new", "state", "destroy") and a destroy
 * cause ("timeout", ...); "unknown" past the last one. */
const char *ctl_event_name(unsigned type);
const char *ctl_cause_name(unsigned cause);

/* The names the JSON uses for a sync state ("in_sync") and a sync drop ("bad_auth");
 * "unknown" past the last one. */
const char *ctl_sync_state_name(unsigned state);
const char *ctl_sync_drop_name(unsigned drop);

/* A traced segment's flags as tcpdump writes them ("S.", "FP.", "-" for none). */
#define CTL_TRACE_FLAGS_LEN 9
const char *ctl_trace_flags_text(uint8_t flags, char out[CTL_TRACE_FLAGS_LEN]);

const char *ctl_method_name(enum ctl_method m);
int ctl_method_from_name(const char *name);   /* -1 if unknown */
bool ctl_method_is_admin(enum ctl_method m);  /* Kill, Flush, Params.Set, Reload */
const char *ctl_error_name(enum ctl_error e); /* "ok" for CTL_OK; never on the wire */

/*
 * An address or a prefix as the filter's "src" and "dst" carry it: "192.0.2.1", "2001:db8::1",
 * "10.0.0.0/8", "2001:db8::/32". LEN is plain decimal (no sign, space or leading zero), 0..32
 * for IPv4 and 0..128 for IPv6; without one the length is the full one. Host bits past the
 * prefix are cleared, not refused: 10.1.2.3/8 is the network 10.0.0.0/8. Returns
 * the family (4 or 6) and writes addr (16 bytes, IPv4 in the first 4) and *plen; or -EINVAL
 * when the part before the '/' is no address, -ERANGE for a bad length, writing nothing.
 */
int ctl_prefix_parse(const char *s, uint8_t addr[16], uint8_t *plen);

/*
 * Parses one call of len bytes (without the NUL). Messages over max_len are refused. On
 * success returns 0 and fills *req. On failure returns -EINVAL, leaves *req alone and
 * overwrites *reply (zeroed, no members to free) with error, message and parameter, and the
 * method when it was known, ready to be formatted back to the client. INVALID_JSON means the
 * text is not one JSON object (syntax, a NUL byte, duplicate keys, an array); any problem with
 * a member ("method", "more", "parameters", an unknown one such as "oneway") or a parameter is
 * INVALID_PARAMETER naming it; a well-formed but unknown method is METHOD_NOT_FOUND.
 */
int ctl_request_parse(const char *msg, size_t len, size_t max_len, struct ctl_request *req,
		      struct ctl_reply *reply);

/*
 * Formats a call as JSON text (no NUL terminator in the count). NULL on allocation failure, or
 * for a request ctl_request_parse() would refuse (an address without family 4 or 6, Get without
 * both addresses, a param value that is not libconfig text: integer, true/false, "string").
 */
char *ctl_request_format(const struct ctl_request *req);

/*
 * Formats a reply (result or error) as JSON text. NULL on allocation failure, or for a reply
 * ctl_reply_parse() would refuse (unknown state or family, Get without exactly one flow, more
 * than 64 queues, ...). Errors never carry "continues". Counters above INT64_MAX saturate.
 */
char *ctl_reply_format(const struct ctl_reply *reply);

/*
 * Parses a reply to a call of `method`. Returns 0, -EINVAL for a malformed reply (wrong types,
 * missing members, unknown top-level members) or -ENOMEM; on failure *reply is untouched and
 * nothing is allocated. Members unknown inside "parameters" are ignored (a newer daemon may add
 * some); an unknown error name becomes CTL_ERR_INTERNAL with the name in message. Fills
 * *reply, allocating flows, stats, status and params as needed; ctl_reply_free_members()
 * releases them.
 */
int ctl_reply_parse(const char *msg, size_t len, enum ctl_method method, struct ctl_reply *reply);
void ctl_reply_free_members(struct ctl_reply *reply);

/*
 * The result of a reply as the JSON tcpfwctl -j prints: List -> an array of flow objects, Get
 * -> one flow object, Stats/Status -> an object, Watch -> one event object (NDJSON, one per
 * line), Count/Kill/Flush -> {"count":N} (Kill/Flush with has_reset add "reset":N and
 * "reset_failed":N), Params.Get -> {name:value,...} with JSON values, Version -> object,
 * Params.Set/Reload -> {}, Trace/Capture -> the trace object, {"lost":N} or {"snaplen":N}
 * (NDJSON); an error reply -> {"error","message","parameter"}.
 * `pretty` indents. NULL on allocation failure or what ctl_reply_format() refuses.
 */
char *ctl_reply_result_json(const struct ctl_reply *reply, bool pretty);

/*
 * The "sync" object of a Status or Stats reply alone, as tcpfwctl sync -j prints it: the state
 * alone when disabled, else every member. `pretty` indents. NULL on allocation failure or for a
 * state past the last.
 */
char *ctl_sync_result_json(const struct ctl_sync *sync, bool pretty);

#endif /* TCPFW_CTL_PROTO_H */
