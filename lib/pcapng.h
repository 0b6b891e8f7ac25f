/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcapng - writes a capture file that tcpdump and tshark read, each packet with an optional
 * comment (tshark's frame.comment), so that `tcpfwctl capture` can say why a packet was dropped.
 * libpcap 1.10 writes only classic pcap, which has no comments. Pure: it fills the caller's
 * buffer, never allocates and does no I/O.
 *
 * The file (pcapng, draft-ietf-opsawg-pcapng) in the machine's own byte order, as the format
 * allows (readers go by the byte-order magic):
 *   pcapng_header()  Section Header Block (version 1.0, section length -1, shb_userappl), then
 *                    one Interface Description Block (linktype, snaplen, if_name,
 *                    if_description, if_tsresol = microseconds)
 *   pcapng_packet()  one Enhanced Packet Block on that interface (id 0): timestamp, lengths,
 *                    the captured bytes, opt_comment
 * Every block is a multiple of 4 bytes, its total length at both ends.
 *
 * Both return the bytes the block(s) need, and write them only when cap >= that: a call with
 * cap 0 (out may then be NULL) sizes the buffer. 0 means the parameters were refused and
 * nothing was written. A block is never written with a length that contradicts another.
 */
#ifndef TCPFW_PCAPNG_H
#define TCPFW_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#define PCAPNG_LINKTYPE_RAW 101	   /* raw IPv4 or IPv6, told apart by the version nibble */
#define PCAPNG_SNAPLEN_MAX  262144 /* libpcap's limit for most linktypes; it refuses more */
/* The most bytes of any string option: longer strings are cut before a UTF-8 character that
 * would not fit whole. */
#define PCAPNG_STRING_MAX 1024

/* What the file says about itself and its one interface. Strings are NUL-terminated UTF-8,
 * NULL or "" for none, borrowed for the call only. */
struct pcapng_header_params {
	const char *userappl;	    /* shb_userappl: the writing program, e.g. "tcpfw 0.1.0" */
	uint16_t linktype;	    /* LINKTYPE_*, e.g. PCAPNG_LINKTYPE_RAW */
	uint32_t snaplen;	    /* the most bytes kept of a packet: 1 .. PCAPNG_SNAPLEN_MAX */
	const char *if_name;	    /* if_name, e.g. "nfqueue:0-3" */
	const char *if_description; /* if_description */
};

/* One packet. data is borrowed for the call only. */
struct pcapng_packet_params {
	uint64_t ts_us;	     /* wall clock, microseconds since 1970-01-01 UTC */
	const uint8_t *data; /* caplen bytes; may be NULL when caplen is 0 */
	uint32_t caplen;     /* bytes at data */
	uint32_t origlen;    /* the packet's length; caplen is at most this */
	uint32_t snaplen;    /* the header's snaplen; caplen is at most this too */
	const char *comment; /* opt_comment, NUL-terminated UTF-8; NULL or "" for none */
};

/*
 * The Section Header Block and the Interface Description Block for p, into out when cap is
 * enough. Returns the bytes they take, or 0 when p->snaplen is 0 or above PCAPNG_SNAPLEN_MAX.
 */
size_t pcapng_header(uint8_t *out, size_t cap, const struct pcapng_header_params *p);

/*
 * One Enhanced Packet Block for p, into out when cap is enough. The captured length written is
 * the least of caplen, origlen and snaplen: the bytes of data past it are left out, since a
 * reader refuses a packet longer than the snaplen and a capture longer than its packet is not
 * one. A comment is cut to PCAPNG_STRING_MAX bytes (see above).
 * Returns the bytes the block takes, or 0 when snaplen is 0 or above PCAPNG_SNAPLEN_MAX, or
 * data is NULL while the captured length is not 0.
 */
size_t pcapng_packet(uint8_t *out, size_t cap, const struct pcapng_packet_params *p);

#endif /* TCPFW_PCAPNG_H */
