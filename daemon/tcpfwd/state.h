/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state - the flow table across a restart: saved to <state.directory>/flows.snapshot when the
 * daemon stops cleanly, restored when it starts, before any queue is bound.
 *
 * The file is written to a temporary name (O_NOFOLLOW), synced and renamed into place, so a
 * crash mid-write leaves the previous file or none, never half of one. It carries the wall-clock
 * time of the write, so the time the daemon was down counts against every flow's timer, and
 * flows whose time ran out are not restored. A file that is corrupt, truncated or of another
 * version is set aside as flows.snapshot.bad with one log line, and the daemon starts empty. A
 * restored file is removed (state_remove) once its flows are safe in the live table, so a later
 * crash cannot bring back stale flows.
 */
#ifndef TCPFW_STATE_H
#define TCPFW_STATE_H

#include "config.h"

struct worker;

/*
 * At start: makes state.directory (0750) if it is missing and checks that the snapshot can be
 * written in it, so a wrong directory fails the start rather than the save at the stop.
 * Returns 0 or -errno (logged, naming the key and the path).
 */
int state_check_directory(const struct config *cfg);

/* Saves every worker's flows; the workers must be halted. Returns 0 or -errno (logged). */
int state_save(const struct config *cfg, struct worker *const *workers, unsigned n);

/*
 * Restores saved flows into the workers' engines (not yet running), each into the engine of
 * the queue that held it; flows of queues that no longer exist are dropped. A missing file is
 * not an error. Returns 0, or -errno when a file was there but unusable (logged once).
 */
int state_restore(const struct config *cfg, struct worker *const *workers, unsigned n);

/* Removes the snapshot: its flows were restored, or the live table holds newer ones. */
void state_remove(const struct config *cfg);

#endif /* TCPFW_STATE_H */
