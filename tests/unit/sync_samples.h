/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync_samples - a valid message of each sync_proto type, varied by an index: what
 * test_sync_proto round-trips and make_seeds writes into the sync_proto seeds. Every message
 * it makes passes sync_writer_add() in a payload of its class (reliable or control); its
 * values cross the seq wrap for i near 16 (NACK, ACK, ALIVE).
 */
#ifndef TCPFW_SYNC_SAMPLES_H
#define TCPFW_SYNC_SAMPLES_H

#include <stdint.h>

#include "sync_proto.h"

/* Message i of type (a known enum sync_msg_type), zeroed where its body does not reach. */
struct sync_msg sync_sample(uint8_t type, unsigned i);

#endif /* TCPFW_SYNC_SAMPLES_H */
