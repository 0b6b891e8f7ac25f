/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config_keys - internal to config: the schema table and the checks that config_parse()
 * (config.c, libconfig text files) and config_param_*() (config_param.c, one key at run time)
 * share, so a range, an enum word list or a cross-field rule is written exactly once.
 *
 * Not for use outside lib/config*.c. Messages written by these checks carry no "file:line: "
 * prefix; config_parse() adds it. Every message is one NUL-terminated line, truncated to len.
 */
#ifndef TCPFW_CONFIG_KEYS_H
#define TCPFW_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum config_kind {
	CONFIG_KIND_GROUP,
	CONFIG_KIND_BOOL,
	CONFIG_KIND_INT,       /* stored as is in an unsigned member of 1, 2, 4 or 8 bytes */
	CONFIG_KIND_SECONDS,   /* seconds in the file, milliseconds in a uint64_t member */
	CONFIG_KIND_ENUM,      /* one of `words`, stored as its index in a uint8_t member */
	CONFIG_KIND_PATH,      /* an absolute path that fits the char array */
	CONFIG_KIND_GROUPNAME, /* "" or a group name that fits the char array */
	CONFIG_KIND_ADDRESS,   /* "" or an IPv4 or IPv6 address literal */
	CONFIG_KIND_IFNAME,    /* "" or a network interface name */
	CONFIG_KIND_IFLIST,    /* "" or interface names separated by spaces or commas */
};

/* The kinds stored as a NUL-terminated string in a char array member. */
static inline bool config_kind_is_string(enum config_kind k)
{
	return k == CONFIG_KIND_PATH || k == CONFIG_KIND_GROUPNAME || k == CONFIG_KIND_ADDRESS ||
	       k == CONFIG_KIND_IFNAME || k == CONFIG_KIND_IFLIST;
}

struct config_key {
	const char *name;
	enum config_kind kind;
	size_t offset; /* into struct config; size 0: checked, not stored */
	size_t size;
	long long min;
	long long max;
	const char *note;	      /* appended to a range error */
	const struct config_key *sub; /* GROUP: its keys, ended by a NULL name */
	const char *const *words;     /* ENUM */
	size_t nwords;
	long long def;	     /* default, in the file's units; ENUM: an index */
	const char *def_str; /* PATH, GROUPNAME: default */
};

/* The schema's top level, ended by a NULL name; groups nest through `sub`. */
extern const struct config_key config_root_keys[];

/* Stores v in k's member (1, 2, 4 or 8 bytes; size 0 stores nothing). */
void config_store_uint(struct config *c, const struct config_key *k, unsigned long long v);

/*
 * Range check of INT and SECONDS keys, v in the file's units. Returns 0, or -EINVAL with
 * "'path' is v, allowed range is min..max" in msg.
 */
int config_check_int(const struct config_key *k, const char *path, long long v, char *msg,
		     size_t len);

/* Index of `word` among an ENUM key's words, or -EINVAL with the choices in msg. */
int config_find_word(const struct config_key *k, const char *path, const char *word, char *msg,
		     size_t len);

/*
 * The cross-field rules (queue.num + count, time_wait shortened <= duration, minimum <=
 * shortened, adaptive_end > adaptive_start) on a whole config. Returns 0, or -EINVAL with the
 * message in msg and, in *key and *other, the two dotted keys involved (for a line number).
 */
int config_check_rules(const struct config *c, char *msg, size_t len, const char **key,
		       const char **other);

#endif /* TCPFW_CONFIG_KEYS_H */
