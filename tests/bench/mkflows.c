// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkflows - writes a snapshot of N established flows, made by real handshakes through the
 * engine, for measurements that need a full table in a running tcpfwd (it restores the file at
 * start). Usage: mkflows N QUEUE FILE. The addresses are from the benchmark range 198.18.0.0/15
 * and never carry traffic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/pktbuild.h"
#include "engine.h"
#include "snapshot.h"

static void feed(struct engine *e, struct pktbuild *b, uint8_t flags, uint32_t seq, uint32_t ack)
{
	uint8_t buf[128];
	struct engine_result r;

	b->flags = flags;
	b->seq = seq;
	b->ack = ack;
	size_t len = pktbuild_write(b, buf, sizeof(buf));
	engine_process(e, buf, len, len, 1000, &r);
	if (r.verdict != ENGINE_ACCEPT) {
		fprintf(stderr, "mkflows: handshake segment dropped: %s\n", reason_name(r.reason));
		exit(1);
	}
}

static void handshake(struct engine *e, uint32_t i)
{
	struct pktbuild c, s;
	uint32_t isn_c = 1000 + i, isn_s = 7000000 + i;

	pktbuild_init(&c, 4);
	c.saddr[0] = 198;
	c.saddr[1] = (uint8_t)(18 + (i >> 24 & 1));
	c.saddr[2] = (uint8_t)(i >> 16);
	c.saddr[3] = (uint8_t)(i >> 8);
	c.sport = (uint16_t)(1024 + (i & 0xff));
	c.dport = 443;
	s = c;
	memcpy(s.saddr, c.daddr, 16);
	memcpy(s.daddr, c.saddr, 16);
	s.sport = c.dport;
	s.dport = c.sport;
	feed(e, &c, TCP_FLAG_SYN, isn_c, 0);
	feed(e, &s, TCP_FLAG_SYN | TCP_FLAG_ACK, isn_s, isn_c + 1);
	feed(e, &c, TCP_FLAG_ACK, isn_c + 1, isn_s + 1);
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct engine *e;
	struct engine_params ep = {.config = &cfg};

	if (argc != 4) {
		fprintf(stderr, "usage: mkflows N QUEUE FILE\n");
		return 2;
	}
	uint32_t n = (uint32_t)strtoul(argv[1], NULL, 10);
	uint16_t queue = (uint16_t)strtoul(argv[2], NULL, 10);
	config_defaults(&cfg);
	cfg.table.max_flows = n + n / 4 + 1;
	if (engine_new(&ep, 1000, &e) < 0)
		return 1;
	for (uint32_t i = 0; i < n; i++)
		handshake(e, i);

	FILE *f = fopen(argv[3], "wb");
	if (!f)
		return 1;
	struct snapshot_writer w;
	uint8_t head[SNAPSHOT_HEADER_SIZE], rec[SNAPSHOT_RECORD_SIZE], tail[SNAPSHOT_TRAILER_SIZE];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snapshot_write_header(&w, (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000,
			      head);
	fwrite(head, 1, sizeof(head), f);
	uint32_t cursor = 0;
	do {
		struct engine_flow_record recs[256];
		unsigned k = engine_export(e, &cursor, UINT32_MAX, recs, 256, 1000);
		for (unsigned j = 0; j < k; j++) {
			struct snapshot_record r = {.queue = queue, .flow = recs[j]};
			snapshot_write_record(&w, &r, rec);
			fwrite(rec, 1, sizeof(rec), f);
		}
	} while (cursor);
	snapshot_write_trailer(&w, tail);
	fwrite(tail, 1, sizeof(tail), f);
	if (fclose(f) != 0)
		return 1;
	printf("mkflows: %u flows written to %s\n", n, argv[3]);
	engine_free(e);
	return 0;
}
