/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config - libconfig text into a validated struct config.
 *
 * struct config is a plain value: fixed-size members, no pointers, so it can be copied, compared
 * and swapped on reload without ownership questions. config_parse() fills every member, from
 * the text or from the default, and rejects unknown keys, wrong types, out-of-range values and
 * unknown enum words with a message of the form "name:line: message". The parser does no I/O:
 * the daemon reads the file and passes the text. Defaults and ranges are documented key by key in
 * conf/tcpfwd.conf and tcpfwd.conf(5). All durations in the file are seconds; here they are ms.
 * config_param_*() read and change one key at run time with the same schema and checks
 * (config_param.c; the shared table is in config_keys.h).
 */
#ifndef TCPFW_CONFIG_H
#define TCPFW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_VERSION	    1
#define CONFIG_PATH_MAX	    108 /* sun_path */
#define CONFIG_NAME_MAX	    33	/* a user or group name, with its NUL */
#define CONFIG_ERROR_MAX    256 /* room for one error message */
#define CONFIG_ADDR_MAX	    46	/* INET6_ADDRSTRLEN */
#define CONFIG_IFNAME_MAX   16	/* IFNAMSIZ */
#define CONFIG_IFLIST_MAX   256 /* a list of interface names */
#define CONFIG_IFLIST_NAMES 16

/* syslog priorities, so the daemon can pass them straight through. */
enum config_log_level {
	CONFIG_LOG_EMERG = 0,
	CONFIG_LOG_ALERT,
	CONFIG_LOG_CRIT,
	CONFIG_LOG_ERR,
	CONFIG_LOG_WARNING,
	CONFIG_LOG_NOTICE,
	CONFIG_LOG_INFO,
	CONFIG_LOG_DEBUG,
	_CONFIG_LOG_MAX
};

enum config_tw_policy {
	CONFIG_TW_ENFORCE = 0, /* same values as enum tcp_track_tw_policy */
	CONFIG_TW_SHORTEN,
	_CONFIG_TW_MAX
};

struct config_timeouts { /* milliseconds; the kernel's nf_conntrack_tcp_timeout_* names */
	uint64_t syn_sent_ms;
	uint64_t syn_recv_ms;
	uint64_t established_ms;
	uint64_t fin_wait_ms;
	uint64_t close_wait_ms;
	uint64_t last_ack_ms;
	uint64_t close_ms;
	uint64_t max_retrans_ms;
	uint64_t unacknowledged_ms;
};

struct config_time_wait {
	uint8_t policy;		    /* enum config_tw_policy */
	uint64_t duration_ms;	    /* enforce: the full hold, 2MSL; default 120 s */
	uint64_t shortened_ms;	    /* shorten: the hold; default 30 s */
	uint64_t minimum_ms;	    /* shorten: the floor adaptive shortening reaches; 1 s */
	uint8_t adaptive_start_pct; /* shorten: table fill where shortening starts; 60 */
	uint8_t adaptive_end_pct;   /* table fill where the minimum is reached; 100 */
};

struct config {
	struct {
		uint16_t num;	     /* first queue number */
		uint16_t count;	     /* queues num .. num + count - 1, one worker each */
		uint32_t maxlen;     /* kernel queue length */
		uint32_t copy_range; /* bytes copied to userspace */
		bool fail_open;	     /* accept when the daemon cannot keep up or is gone */
		uint32_t rcvbuf;     /* netlink receive buffer, bytes */
	} queue;
	struct {
		uint32_t max_flows; /* per queue */
		uint32_t buckets;   /* 0: chosen from max_flows */
		bool accounting;    /* packets and bytes per flow and direction */
	} table;
	struct {
		bool pickup;	   /* mid-stream pickup */
		bool window_check; /* false: window failures pass (be_liberal) */
		uint8_t max_retrans;
		struct config_time_wait time_wait;
		struct config_timeouts timeouts;
	} tcp;
	struct {
		uint8_t level;	     /* enum config_log_level */
		bool log_invalid;    /* log dropped segments (rate-limited) */
		uint32_t rate_limit; /* per-packet messages per second */
	} logging;
	struct {
		char socket[CONFIG_PATH_MAX];
		char group[CONFIG_NAME_MAX];	   /* read-only access; "" = the daemon's group */
		char admin_group[CONFIG_NAME_MAX]; /* full access besides uid 0; "" = none */
		uint32_t max_clients;
		uint32_t max_request; /* bytes */
		uint64_t idle_timeout_ms;
	} control;
	struct {
		char directory[CONFIG_PATH_MAX]; /* where the flow snapshot lives across restarts */
		char runtime_directory[CONFIG_PATH_MAX]; /* the live table, on tmpfs */
	} state;
	struct {
		bool enabled;
		char local[CONFIG_ADDR_MAX];	   /* address bound on the sync link; "" = any */
		char peer[CONFIG_ADDR_MAX];	   /* the other box's sync address */
		uint16_t port;			   /* UDP, both ends */
		char interface[CONFIG_IFNAME_MAX]; /* SO_BINDTODEVICE; "" = none */
		char key_file[CONFIG_PATH_MAX];	   /* the pre-shared key */
		uint32_t update_delay_ms;	   /* longest a window or timer advance waits */
		uint64_t timeout_ms;		   /* silence before the peer counts as gone */
	} sync;
	struct {
		bool enabled;
		char interfaces[CONFIG_IFLIST_MAX]; /* where the program attaches, at ingress */
		uint32_t mark;			    /* bits set on the packets it accepts */
		uint32_t max_flows;		    /* flows it can hold at once */
	} fastpath;
};

/* Fills *c with every default. */
void config_defaults(struct config *c);

/*
 * Parses libconfig `text`; `name` (usually the file path) prefixes error messages. On success
 * returns 0 and fills *c. On failure returns -EINVAL (-ENOMEM if a working copy of the
 * text cannot be allocated), leaves *c untouched and writes one
 * NUL-terminated "name:line: message" into err (err_len bytes, truncated if need be).
 * @include is not supported: the parser does no file I/O.
 */
int config_parse(const char *text, const char *name, struct config *c, char *err, size_t err_len);

/*
 * Run-time parameters (tcpfwctl get-param / set-param). A parameter is a dotted key of the
 * file ("tcp.timeouts.established", "tcp.time_wait.policy") and its value is libconfig value
 * text: an integer ("432000", durations in seconds as in the file), a boolean ("true") or a
 * quoted string ("\"enforce\""). Only keys, never groups, are parameters.
 */
#define CONFIG_PARAM_NAME_MAX  64  /* longest dotted name, with its NUL, and then some */
#define CONFIG_PARAM_VALUE_MAX 256 /* longest value text (an escaped path), with its NUL */

/*
 * Writes the value of the dotted key `name` into out (out_len bytes, NUL-terminated). Returns 0,
 * -ENOENT for an unknown name, or -ENOSPC when out is too small (CONFIG_PARAM_VALUE_MAX always
 * suffices).
 */
int config_param_get(const struct config *c, const char *name, char *out, size_t out_len);

/*
 * Sets one key from libconfig value text, with the type, range and enum checks of config_parse
 * and the same cross-field rules (shortened <= duration ...). Only tcp.*, logging.* and
 * table.accounting may change at run time; the others need a restart. Returns 0, -ENOENT (unknown
 * name), -EPERM (not settable at run time) or -EINVAL (bad value or a broken rule), with a one-line
 * message without a "file:line: " prefix in err (err_len bytes; "" on success). On error *c is
 * unchanged.
 */
int config_param_set(struct config *c, const char *name, const char *value, char *err,
		     size_t err_len);

/* True when config_param_set() may change `name` at run time (a known tcp.* or logging.* key,
 * or table.accounting). */
bool config_param_settable(const char *name);

/*
 * A reload applies exactly the keys config_param_settable() accepts: every other key of `next`
 * (queue.*, control.*, state.*, table.max_flows, table.buckets) is given its value in `running`.
 * Returns how many of those differed; their dotted names, ", "-separated, go into changed (len
 * bytes, NUL-terminated, truncated if need be; may be NULL).
 */
unsigned config_reload_keep(const struct config *running, struct config *next, char *changed,
			    size_t len);

/*
 * Calls fn for every key in schema order (the order of conf/tcpfwd.conf) with its dotted name and
 * its value as config_param_get() writes it. Both strings live only during the call.
 */
void config_param_foreach(const struct config *c,
			  void (*fn)(const char *name, const char *value, void *arg), void *arg);

/*
 * The words a key's value can be, for completion: an enum key's words, "true" and "false" for a
 * boolean. Calls fn for each; returns how many (0 for a number or a path), or -ENOENT for an
 * unknown name.
 */
int config_param_words(const char *name, void (*fn)(const char *word, void *arg), void *arg);

const char *config_tw_policy_name(enum config_tw_policy p);
const char *config_log_level_name(enum config_log_level l);

#endif /* TCPFW_CONFIG_H */
