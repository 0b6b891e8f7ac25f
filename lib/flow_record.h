/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flow_record - one flow (struct engine_flow_record) as FLOW_RECORD_SIZE little-endian bytes,
 * the form both the snapshot file and the sync protocol carry. Fields are written one by one,
 * never as memory images, so the bytes do not depend on struct layout or the compiler. The
 * reader checks what the bytes alone can tell (families, bits that do not fit their fields);
 * engine_import() checks the tracker state further.
 *
 * Layout (118 bytes): family u8, orig u8, tclass u8, addr[2][16], port[2] u16, remaining_ms
 * u64, then the tracker: peer[0] and peer[1] (end, maxend, maxwin, maxack, isn, tsval u32;
 * wscale|auth<<4|hole<<6 u8; flags u8), last_seq, last_ack, last_end u32, last_win u16,
 * state u8, retrans u8, last_dir|last_index<<1|last_ignored<<4|tw_holder<<5|rst_dir<<7 u8,
 * last_opts u8, flags u8.
 */
#ifndef TCPFW_FLOW_RECORD_H
#define TCPFW_FLOW_RECORD_H

#include <stdint.h>

#include "engine.h"

#define FLOW_RECORD_SIZE 118

/* Writes r into out (exactly FLOW_RECORD_SIZE bytes). */
void flow_record_put(const struct engine_flow_record *r, uint8_t out[FLOW_RECORD_SIZE]);

/* Reads FLOW_RECORD_SIZE bytes into *r (all of it overwritten). Returns 0, or -EINVAL when
 * the bytes cannot be a record (a family other than 4 or 6, bits beyond their fields). */
int flow_record_get(const uint8_t in[FLOW_RECORD_SIZE], struct engine_flow_record *r);

#endif /* TCPFW_FLOW_RECORD_H */
