/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * live - the live flow table file, <state.runtime_directory>/flows.live: the engines' flows in a
 * shared mapping of a tmpfs file, so that they outlive the process (lib/live_image.h has the
 * layout, engine.h "live state" how the engines write it).
 *
 * At start the file the last process left is resumed when its header fits this configuration
 * and this boot; one that does not is set aside as flows.live.bad with one log line. A new table
 * is made as flows.live.new, with its memory reserved (fallocate), so that a full tmpfs fails
 * here and not with SIGBUS on the packet path; live_commit() renames it into place once the
 * engines are set up. The file is removed only after a clean stop saved the snapshot.
 */
#ifndef TCPFW_LIVE_H
#define TCPFW_LIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct live;

/*
 * Maps the previous table if it can be resumed (*resume true), or a new empty one, holding the
 * runtime directory locked (flock) for the process's life. Returns 0 and *ret; -EBUSY (logged)
 * when another process holds it, so this one must not start; or another -errno (logged): the
 * daemon then runs on private memory, and a crash loses the flows.
 */
int live_open(const struct config *cfg, struct live **ret, bool *resume);

/* Queue i's (0 .. queue.count - 1) engine image header and flow pool. */
void *live_engine_image(struct live *l, unsigned i);
void *live_engine_pool(struct live *l, unsigned i);

/* The file's path, for log lines. */
const char *live_path(const struct live *l);

/* Makes a new table the one the next start finds. Returns 0 or -errno (logged). */
int live_commit(struct live *l);

/*
 * Puts the table aside as flows.live.bad (with `why` in one log line) and unmaps it: for a table
 * the engines refused after all. NULL is a no-op.
 */
void live_discard(struct live *l, const char *why);

/* Unmaps the table; with remove, deletes the file too (after a clean stop's snapshot). */
void live_close(struct live *l, bool remove);

/*
 * For a daemon that ran without its live table: after a clean stop's snapshot, deletes any
 * flows.live an earlier process left, so that it cannot win over the newer snapshot.
 */
void live_remove_stale(const struct config *cfg);

#endif /* TCPFW_LIVE_H */
