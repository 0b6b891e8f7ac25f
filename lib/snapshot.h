/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * snapshot - the flow table as a versioned, checksummed byte stream, so a restart or an upgrade
 * loses no connection.
 *
 * Layout, all integers little-endian:
 *   header  (32 bytes): magic "TCPFWSNP", u32 version, u32 record size, u64 wall-clock ms at
 *                       the write, u64 zero
 *   records (128 bytes each): u16 queue, the flow (flow_record.h: tuple, orientation, timer
 *                       class, time left, tracker state, 118 bytes), zeros to 128
 *   trailer (16 bytes): u64 record count, u32 CRC-32C of everything before it, magic "TSNP"
 * Fields are written one by one, never as memory images, so the format does not depend on
 * struct layout or the compiler. The writer streams (the count is only known at the end); the
 * reader checks the whole buffer (sizes, magic, version, checksum) before handing out a record,
 * and checks each record's values, so a damaged or foreign file is refused, never half-read.
 * No I/O here: the daemon owns the file.
 */
#ifndef TCPFW_SNAPSHOT_H
#define TCPFW_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define SNAPSHOT_VERSION      1
#define SNAPSHOT_HEADER_SIZE  32
#define SNAPSHOT_RECORD_SIZE  128
#define SNAPSHOT_TRAILER_SIZE 16

struct snapshot_record {
	uint16_t queue; /* the NFQUEUE queue whose engine held the flow */
	struct engine_flow_record flow;
};

struct snapshot_writer {
	uint32_t crc;
	uint64_t count;
};

/* Starts a stream written at wall-clock time wall_ms (CLOCK_REALTIME, ms). */
void snapshot_write_header(struct snapshot_writer *w, uint64_t wall_ms,
			   uint8_t out[SNAPSHOT_HEADER_SIZE]);

/* Appends one record. */
void snapshot_write_record(struct snapshot_writer *w, const struct snapshot_record *r,
			   uint8_t out[SNAPSHOT_RECORD_SIZE]);

/* Ends the stream. */
void snapshot_write_trailer(struct snapshot_writer *w, uint8_t out[SNAPSHOT_TRAILER_SIZE]);

struct snapshot_info {
	uint64_t wall_ms; /* when it was written */
	uint64_t count;	  /* records */
};

/*
 * Checks a whole snapshot of len bytes. Returns 0 and fills *info, -EPROTONOSUPPORT for a
 * foreign magic or version, or -EBADMSG when it is truncated, padded or corrupt.
 */
int snapshot_check(const uint8_t *buf, size_t len, struct snapshot_info *info);

/* CRC-32C (Castagnoli) of len bytes, continuing from crc (0 to start): the trailer's check. */
uint32_t snapshot_crc32c(uint32_t crc, const uint8_t *p, size_t len);

/*
 * Decodes record i of a snapshot that passed snapshot_check(). Returns 0, or -EINVAL when its
 * values are impossible (engine_import() checks the tracker state further).
 */
int snapshot_read_record(const uint8_t *buf, uint64_t i, struct snapshot_record *out);

#endif /* TCPFW_SNAPSHOT_H */
