// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fastpath.bpf.c - tcpfw's in-kernel fast path: a TC ingress program that judges the in-window
 * data and pure-ACK segments of ESTABLISHED flows tcpfwd has handed to it, with the tracker's
 * own rules (lib/tcp_fast.h over lib/tcp_window_rules.h), and marks what it accepts so that
 * the ruleset lets it through before the queue rule. It never drops: every other packet goes
 * on to the queue untouched, as if the program were not there. lib/fastpath_map.h describes
 * the maps and the protocol by which a flow passes between tcpfwd and the program.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "fastpath_map.h"
#include "packet_options.h"

#define IPPROTO_TCP_NUM	  6
#define FASTPATH_CSUM_MAX 2048 /* longest unverified segment the program sums itself */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2); /* tcpfwd sets it before loading: two per slot */
	__type(key, struct fastpath_key);
	__type(value, struct fastpath_ref);
} fastpath_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* tcpfwd sets it before loading */
	__type(key, __u32);
	__type(value, struct fastpath_slot);
} fastpath_slots SEC(".maps");

/* a bit per slot, set when the program accepts a segment: what tcpfwd's harvest imports */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* tcpfwd sets it before loading: a word per 64 slots */
	__type(key, __u32);
	__type(value, __u64);
} fastpath_dirty SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, _FASTPATH_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} fastpath_stats SEC(".maps");

const volatile struct fastpath_conf conf = {0};

/* the few sk_buff fields the program reads, relocated to the running kernel (CO-RE) */
struct sk_buff___fp {
	union {
		struct {
			__u8 ip_summed : 2;
			__u8 csum_valid : 1;
			__u16 network_header;
			__u16 mac_header;
		} headers;
	};
} __attribute__((preserve_access_index));

extern void *bpf_cast_to_kern_ctx(void *) __ksym;

#define CHECKSUM_UNNECESSARY 1
#define CHECKSUM_PARTIAL     3

static __always_inline void count(__u32 stat)
{
	__u64 *c = bpf_map_lookup_elem(&fastpath_stats, &stat);

	if (c)
		(*c)++;
}

/* The parsed segment and where its TCP header lies. */
struct seg {
	struct packet p;
	struct fastpath_key key;
	__u32 nh;      /* network header offset */
	__u32 tcp_off; /* from the network header */
	__u32 tcp_len; /* header and payload */
};

/* Per-CPU room for what does not fit the program's 512 bytes of stack. */
struct scratch {
	struct seg s;
	__u8 opts[PACKET_OPT_BUF];
	__u8 csum[FASTPATH_CSUM_MAX + 4]; /* a segment the kernel has not verified */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} fastpath_scratch SEC(".maps");

static __always_inline __u32 be32(const __u8 *b)
{
	return (__u32)b[0] << 24 | (__u32)b[1] << 16 | (__u32)b[2] << 8 | b[3];
}

struct opt_walk {
	const __u8 *o;
	__u32 len;
	__u32 i;
	struct packet_options *opt;
};

static long opt_step(__u32 n, void *ctx)
{
	struct opt_walk *w = ctx;

	(void)n;
	return packet_options_step(w->o, w->len, &w->i, w->opt) ? 0 : 1;
}

/*
 * The plain segments only: IPv4 without options or fragmentation, IPv6 with TCP as the first
 * next header, lengths consistent. Anything else goes to tcpfwd's parser. Returns 0 on success.
 */
static __always_inline int parse(struct __sk_buff *skb, __u32 nh, struct seg *s, __u8 *opts)
{
	__u32 pkt_len = skb->len - nh, ip_len;
	__u8 ip[40], th[20];

	if (skb->len <= nh)
		return -1;
	__builtin_memset(&s->key, 0, sizeof(s->key));
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, nh, ip, 20) < 0 || ip[0] != 0x45 ||
		    ip[9] != IPPROTO_TCP_NUM)
			return -1;
		if ((ip[6] & 0x3f) || ip[7]) /* MF or an offset: a fragment */
			return -1;
		ip_len = (__u32)ip[2] << 8 | ip[3];
		s->key.family = 4;
		__builtin_memcpy(s->key.saddr, ip + 12, 4);
		__builtin_memcpy(s->key.daddr, ip + 16, 4);
		s->tcp_off = 20;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, nh, ip, 40) < 0 || (ip[0] >> 4) != 6 ||
		    ip[6] != IPPROTO_TCP_NUM)
			return -1;
		ip_len = ((__u32)ip[4] << 8 | ip[5]) + 40;
		if (ip_len == 40) /* BIG TCP or a jumbogram */
			return -1;
		s->key.family = 6;
		__builtin_memcpy(s->key.saddr, ip + 8, 16);
		__builtin_memcpy(s->key.daddr, ip + 24, 16);
		s->tcp_off = 40;
	} else {
		return -1;
	}
	if (ip_len > pkt_len || ip_len < s->tcp_off + 20)
		return -1;
	if (bpf_skb_load_bytes(skb, nh + s->tcp_off, th, 20) < 0)
		return -1;
	__u32 hlen = (__u32)(th[12] >> 4) * 4;

	s->tcp_len = ip_len - s->tcp_off;
	if (hlen < 20 || hlen > s->tcp_len)
		return -1;

	struct packet *p = &s->p;

	__builtin_memset(p, 0, sizeof(*p));
	p->family = s->key.family;
	p->flags = th[13];
	p->sport = (__u16)(th[0] << 8 | th[1]);
	p->dport = (__u16)(th[2] << 8 | th[3]);
	p->seq = be32(th + 4);
	p->ack = be32(th + 8);
	p->window = (__u16)(th[14] << 8 | th[15]);
	p->payload_len = s->tcp_len - hlen;
	p->tcp_off = s->tcp_off;
	p->tcp_len = s->tcp_len;
	p->ip_len = ip_len;
	__builtin_memcpy(&s->key.sport, th, 2);
	__builtin_memcpy(&s->key.dport, th + 2, 2);

	__u32 olen = hlen - 20;

	if (olen) {
		if (olen > PACKET_OPT_LEN_MAX)
			return -1;
		__builtin_memset(opts, 0, PACKET_OPT_BUF);
		if (bpf_skb_load_bytes(skb, nh + s->tcp_off + 20, opts, olen) < 0)
			return -1;
		struct opt_walk w = {.o = opts, .len = olen, .opt = &p->opt};

		if (!packet_options_aligned_ts(opts, olen, &p->opt))
			bpf_loop(PACKET_OPT_LEN_MAX, opt_step, &w, 0);
	}
	s->nh = nh;
	return 0;
}

/* A one's-complement sum folded to 16 bits. */
static __always_inline __u16 fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)((sum & 0xffff) + (sum >> 16));
}

/*
 * Whether the TCP checksum is known good: verified by the device or the kernel, or written by a
 * local stack still to fill it in (CHECKSUM_PARTIAL), as NFQUEUE tells tcpfwd; else the program
 * sums a short linear segment itself. A bad or unknowable sum goes to tcpfwd, which judges it.
 */
static __always_inline bool csum_ok(struct __sk_buff *ctx, const struct seg *s, __u8 *buf)
{
	struct sk_buff___fp *skb = bpf_cast_to_kern_ctx(ctx);
	__u8 summed = BPF_CORE_READ_BITFIELD(skb, headers.ip_summed);

	if (summed == CHECKSUM_UNNECESSARY || summed == CHECKSUM_PARTIAL ||
	    BPF_CORE_READ_BITFIELD(skb, headers.csum_valid))
		return true;

	__u32 len = s->tcp_len;

	if (len > FASTPATH_CSUM_MAX || len < 20)
		return false;
	if (bpf_skb_load_bytes(ctx, s->nh + s->tcp_off, buf, len) < 0)
		return false;
	/* zero up to the next multiple of 4: bpf_csum_diff sums whole words */
	buf[len] = 0;
	buf[len + 1] = 0;
	buf[len + 2] = 0;
	__u32 words = (len + 3) & ~3u;
	__s64 sum = 0;

	for (__u32 off = 0; off < FASTPATH_CSUM_MAX; off += 512) {
		if (off >= words)
			break;
		__u32 n = words - off;

		if (n > 512)
			n = 512;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)(buf + off), n & 0x3fc, (__u32)sum);
		if (sum < 0)
			return false;
	}
	__u32 pseudo[10] = {0};
	__u32 alen = s->key.family == 6 ? 16 : 4;

	__builtin_memcpy(pseudo, s->key.saddr, 16);
	__builtin_memcpy(pseudo + 4, s->key.daddr, 16);
	pseudo[8] = bpf_htonl(IPPROTO_TCP_NUM);
	pseudo[9] = bpf_htonl(len);
	(void)alen; /* IPv4 addresses are zero past their 4 bytes: they add nothing */
	sum = bpf_csum_diff(NULL, 0, (__be32 *)pseudo, sizeof(pseudo), (__u32)sum);
	return sum >= 0 && fold((__u64)(__u32)sum) == 0xffff;
}

/* Tells tcpfwd's harvest that the slot's flow moved. */
static __always_inline void mark_dirty(__u32 slot)
{
	__u32 w = slot / 64;
	__u64 bit = 1ULL << (slot % 64), *word = bpf_map_lookup_elem(&fastpath_dirty, &w);

	if (word && !(*word & bit)) /* a read first: the line is written once a harvest */
		__sync_fetch_and_or(word, bit);
}

SEC("tc")
int fastpath(struct __sk_buff *ctx)
{
	struct sk_buff___fp *skb = bpf_cast_to_kern_ctx(ctx);
	__u32 zero = 0;
	struct scratch *sc = bpf_map_lookup_elem(&fastpath_scratch, &zero);

	if (!sc)
		return TC_ACT_OK;
	struct seg *s = &sc->s;

	/* TC runs with the data at the link-layer header, if the device has one */
	__u32 nh = (__u32)skb->headers.network_header - skb->headers.mac_header;

	if (parse(ctx, nh & 0xff, s, sc->opts) < 0) {
		count(FASTPATH_STAT_PARSE);
		return TC_ACT_OK;
	}
	struct fastpath_ref *ref = bpf_map_lookup_elem(&fastpath_flows, &s->key);

	if (!ref)
		return TC_ACT_OK; /* not handed over: not the program's business, not counted */
	__u32 idx = ref->slot, dir = ref->dir & 1;
	struct fastpath_slot *slot = bpf_map_lookup_elem(&fastpath_slots, &idx);

	if (!slot)
		return TC_ACT_OK;
	/* summed before the lock is taken, which it holds for as short a time as it can */
	bool sum_ok = csum_ok(ctx, s, sc->csum);
	__u32 r = fastpath_slot_segment(slot, &s->p, (__u8)dir, sum_ok, bpf_ktime_get_ns());

	count(r);
	if (r != FASTPATH_STAT_ACCEPT)
		return TC_ACT_OK;
	ctx->mark |= conf.mark;
	mark_dirty(idx);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
