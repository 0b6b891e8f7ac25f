/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flow_names - the engine's enums that reach logs, JSON and the CLI, and their names.
 *
 * A leaf, like tcp_track_names: the control protocol and tcpfwctl name a verdict, an event or
 * the cause of a flow's end without linking the engine. engine.h includes this header.
 */
#ifndef TCPFW_FLOW_NAMES_H
#define TCPFW_FLOW_NAMES_H

enum engine_verdict { ENGINE_ACCEPT = 0, ENGINE_DROP, _ENGINE_VERDICT_MAX };

/* Why a flow left the table. */
enum engine_cause {
	ENGINE_CAUSE_TIMEOUT = 0, /* its timer expired */
	ENGINE_CAUSE_RESET,	  /* an RST answered its only SYN */
	ENGINE_CAUSE_REOPEN,	  /* a SYN started a new incarnation of the tuple */
	ENGINE_CAUSE_EVICTED,	  /* early drop: the table was full */
	ENGINE_CAUSE_KILLED,	  /* the operator killed it */
	ENGINE_CAUSE_FLUSHED,	  /* the operator flushed the table */
	ENGINE_CAUSE_PEER,	  /* the replication peer removed it */
	_ENGINE_CAUSE_MAX
};

enum engine_event_type {
	ENGINE_EVENT_NEW = 0,
	ENGINE_EVENT_STATE,
	ENGINE_EVENT_DESTROY,
	_ENGINE_EVENT_MAX
};

/* Names for logs and the CLI; "unknown" for out-of-range values. */
const char *flow_verdict_name(enum engine_verdict v);
const char *flow_cause_name(enum engine_cause c);
const char *flow_event_name(enum engine_event_type t);

#endif /* TCPFW_FLOW_NAMES_H */
