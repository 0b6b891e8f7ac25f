/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_client - what ctl_server.c (connections) and ctl_methods.c (the methods) share: one
 * client's state and the server's. Internal to the control server.
 */
#ifndef TCPFW_CTL_CLIENT_H
#define TCPFW_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctl_ops.h"
#include "ctl_proto.h"
#include "log.h"
#include "worker.h"

#define CTL_MAX_CLIENTS	  4096
#define CTL_WATCH_BACKLOG (1u << 20) /* bytes a watcher may fall behind before it is dropped */
/* unsent reply bytes at which a client's further requests wait until it reads */
#define CTL_REPLY_BACKLOG (64u << 10)
/* the longest a request may take to arrive whole, from its first byte (idle_timeout if less) */
#define CTL_REQUEST_TIMEOUT_MS 5000
#define CTL_EVENT_BATCH	       512 /* events taken from a worker at a time */
/* unsent trace bytes past which a tracer loses traces (counted) instead of being dropped */
#define CTL_TRACE_BACKLOG (256u << 10)

enum ctl_role {
	CTL_ROLE_NONE = 0,
	CTL_ROLE_READ,
	CTL_ROLE_ADMIN,
};

enum ctl_op {
	CTL_OP_NONE = 0, /* waiting for a request */
	CTL_OP_LIST,	 /* streaming a list: more chunks as the client reads */
	CTL_OP_WATCH,	 /* receiving events until it hangs up */
	CTL_OP_TRACE,	 /* receiving traced packets until it hangs up */
};

struct ctl_server;

struct ctl_client {
	struct ctl_server *server;
	unsigned slot; /* index in server->clients */
	int fd;
	uint8_t role; /* enum ctl_role */
	uint8_t op;   /* enum ctl_op */
	bool closing; /* close once the output is flushed */
	uid_t uid;
	pid_t pid;
	uint64_t last_active_ms;
	uint64_t request_start_ms; /* when the first byte of the partial request in `in` came */
	char *in;		   /* request bytes, up to control.max_request */
	size_t in_len;
	char *out; /* reply bytes not yet written */
	size_t out_len;
	size_t out_cap;
	struct ctl_request req; /* the request of the running op */
	unsigned list_worker;	/* List progress: which worker, and where in its table */
	uint32_t list_cursor;
	uint64_t trace_lost; /* traces this tracer missed and has not been told of */
};

struct loop;

struct ctl_server {
	const struct ctl_ops *ops; /* the daemon, as ctl_ops.h describes */
	void *ctx;		   /* what ops take */
	struct loop *loop;
	int listen_fd;
	char path[108];
	gid_t read_gid;	 /* the socket's group */
	gid_t admin_gid; /* (gid_t)-1: none */
	uid_t own_uid;
	size_t max_request;
	unsigned max_clients;
	uint64_t idle_timeout_ms;
	uint64_t request_timeout_ms;
	bool accept_paused; /* out of file descriptors: accepting resumes at the next tick */
	unsigned n_clients;
	unsigned n_watchers;
	unsigned n_tracers;
	struct log_ratelimit call_refuse_rl; /* refused calls: logged, but not a flood of them */
	struct ctl_client *clients[CTL_MAX_CLIENTS];
	struct worker_event events[CTL_EVENT_BATCH]; /* scratch for the event pump */
};

/* Formats a reply and queues it for the client (ctl_server.c). */
void ctl_client_reply(struct ctl_server *s, struct ctl_client *c, const struct ctl_reply *r);

/* Replies with an error. */
void ctl_client_error(struct ctl_server *s, struct ctl_client *c, enum ctl_error e,
		      const char *message);

/* Runs a parsed request (ctl_methods.c), or refuses it if the client's role may not call it. */
void ctl_methods_run(struct ctl_server *s, struct ctl_client *c, const struct ctl_request *req);

/* Sends the next chunk of a running List; returns false when the list is complete. */
bool ctl_methods_list_next(struct ctl_server *s, struct ctl_client *c);

/* Moves flow events from the workers to the watching clients. */
void ctl_methods_pump_events(struct ctl_server *s);

/* A watcher hung up or was dropped: stop capturing events if it was the last. */
void ctl_methods_unwatch(struct ctl_server *s, struct ctl_client *c);

/* The flow filter of a request as the engine takes it (ctl_methods.c). */
struct engine_filter to_engine_filter(const struct ctl_filter *f);

/* Packets.Trace and Packets.Capture (ctl_trace.c): starts streaming the client's traces. */
void ctl_trace_start(struct ctl_server *s, struct ctl_client *c);

/* Moves traced packets from the workers to the tracing clients. */
void ctl_trace_pump(struct ctl_server *s);

/* A tracer hung up: its filter leaves the workers. */
void ctl_trace_stop(struct ctl_server *s, struct ctl_client *c);

#endif /* TCPFW_CTL_CLIENT_H */
