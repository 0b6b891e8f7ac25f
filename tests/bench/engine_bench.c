// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine_bench - microbenchmark of engine_process() on pre-built traffic.
 *
 * Every packet is written by pktbuild before any clock is read and stored header-only (as
 * NFQUEUE delivers with a small copy_range: cap_len = headers, pkt_len = the wire length), so the
 * timed loops run nothing but the engine. The fake clock advances PKTS_PER_MS packets per ms; like
 * the daemon, the loop reads it once per BATCH packets and calls engine_expire() between batches.
 *
 * Mixes: churn (handshake, request, two response segments, FIN close, with a bounded number of
 * connections in flight), est (flows set up untimed, then data both ways, each round visiting
 * every flow in a fresh random order), flood (2 x flows spoofed SYNs into a table of `flows`, so
 * the second half runs through early drop). Churn and flood replay their packets on one engine,
 * flushed untimed between passes, after an untimed first pass has faulted its pages in; est uses a
 * fresh engine per run. Bytes per flow are the RSS growth from before engine_new() to a table
 * holding the row's flows, divided by them, next to engine_memory() / flows. Timing figures are
 * reported, never judged; the exit status is non-zero only when the engine dropped legitimate
 * traffic.
 *
 *   engine_bench              full run: 1k, 100k, 1M flows, 5 runs per row
 *   engine_bench --quick      1k and 100k, 3 runs
 *   engine_bench --callgrind [FLOWS]  one fixed run for valgrind --toggle-collect='feed_timed*'
 *   engine_bench --only MIX --flows N --runs N   one row (MIX: churn, est, flood, est6)
 *   --one / --batched   only engine_process() / only engine_process_batch() rows (default both);
 *   --batch N           packets per engine_process_batch() call, 1..64 (default 64); with
 *                       --callgrind, --batched counts the batched path
 *   --cpu-time          time with the thread's CPU clock instead of the wall clock (a shared,
 *                       busy VM deschedules the benchmark; CPU time leaves that out)
 *   --pool K[,K...]     where the flow pool lives: anon (private memory on transparent huge
 *                       pages, the default), memfd (a shared memfd mapping with its memory
 *                       reserved, as tcpfwd maps flows.live on tmpfs: 4 KiB pages unless
 *                       shmem_enabled allows huge ones), hugetlb (a MFD_HUGETLB memfd: needs
 *                       vm.nr_hugepages reserved). With several, every row runs each kind in
 *                       turn, run by run, and prints its throughput relative to the first.
 *   --accounting        every row also with table.accounting on, its runs taking turns with
 *                       the runs without it; then the cost: ns/packet more and the ratio, and
 *                       the engine's bytes per flow both ways. With --callgrind: one run with
 *                       accounting on (compare two runs' Ir/packet).
 */
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench_traffic.h"
#include "engine.h"
#include "util.h"
#include "../unit/pktbuild.h"

#define PKTS_PER_MS   10000 /* fake clock: 10 kpps per ms */
#define BATCH	      64    /* packets per "netlink batch" between expire calls */
#define EXPIRE_BUDGET 256
#define BASE_MS	      1000000
#define CG_FLOWS      100000 /* --callgrind: flows, and one data packet per flow per round */
#define CG_ROUNDS     2
#define MAX_RUNS      16

#if defined(__clang__)
#define NOIPA __attribute__((noinline))
#else
#define NOIPA                                                                                      \
	__attribute__((noipa)) /* no inlining, cloning or merging: callgrind toggles on it         \
				*/
#endif
/* ---- feeding the engine ---- */

static unsigned batch_size = BATCH; /* packets per engine_process_batch() call (--batch) */

struct feed {
	struct engine *e;
	uint64_t pkts; /* fed so far: drives the fake clock */
	bool batch;    /* engine_process_batch(), batch_size at a time, instead of one by one */
};

static inline void feed_loop(struct feed *f, const struct pktset *s)
{
	struct engine_packet pk[BATCH];
	struct engine_result res[BATCH];
	size_t i = 0;

	while (i < s->n) {
		size_t end = s->n - i < BATCH ? s->n : i + BATCH;
		uint64_t now = BASE_MS + f->pkts / PKTS_PER_MS;

		if (f->batch) {
			while (i < end) {
				unsigned m =
					end - i < batch_size ? (unsigned)(end - i) : batch_size;

				for (unsigned k = 0; k < m; k++, i++)
					pk[k] = (struct engine_packet){s->bytes + i * s->stride,
								       s->cap[i], s->len[i], 0};
				engine_process_batch(f->e, pk, m, now, res);
			}
		} else {
			for (; i < end; i++)
				engine_process(f->e, s->bytes + i * s->stride, s->cap[i], s->len[i],
					       now, res);
		}
		f->pkts += BATCH; /* the clock ticks per batch, as the daemon reads it */
		engine_expire(f->e, now, EXPIRE_BUDGET);
	}
}

NOIPA static void feed_setup(struct feed *f, const struct pktset *s)
{
	feed_loop(f, s);
}

NOIPA static void feed_timed(struct feed *f, const struct pktset *s)
{
	feed_loop(f, s);
}

/* --cpu-time: the thread's CPU time, which a busy shared VM inflates less than wall time */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(bench_clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double timed(struct feed *f, const struct pktset *s)
{
	double t0 = now_ns();

	feed_timed(f, s);
	return now_ns() - t0;
}

/* ---- where the pool lives (--pool) ---- */

enum pool_kind { POOL_ANON, POOL_MEMFD, POOL_HUGETLB, _POOL_MAX };
static const char *const pool_names[] = {"anon", "memfd", "hugetlb"};
static enum pool_kind pool_kind; /* of the engines engine_make() makes now */
static bool accounting;		 /* table.accounting of the engines engine_make() makes now */

#define HUGE_2M (2u << 20)

/* The shared mappings of the live engines: at most two are alive at once. */
static struct mapping {
	struct engine *e;
	void *base;
	size_t len;
} mappings[4];

/* A live image as tcpfwd maps it: a header page, then the pool, in one shared memfd. */
static void *image_map(const struct config *cfg, size_t *len)
{
	size_t pool = engine_image_pool_size(cfg);
	unsigned flags = MFD_CLOEXEC;

	*len = HUGE_2M + ((pool + HUGE_2M - 1) & ~(size_t)(HUGE_2M - 1));
	if (pool_kind == POOL_HUGETLB)
		flags |= MFD_HUGETLB;
	int fd = memfd_create("engine_bench", flags);
	if (fd < 0 || ftruncate(fd, (off_t)*len) < 0)
		die("memfd_create/ftruncate failed (hugetlb needs vm.nr_hugepages)");
	if (pool_kind == POOL_MEMFD && posix_fallocate(fd, 0, (off_t)*len) != 0)
		die("posix_fallocate failed");
	void *m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		die("mmap of the memfd failed (hugetlb needs vm.nr_hugepages)");
	(void)madvise((uint8_t *)m + HUGE_2M, *len - HUGE_2M, MADV_HUGEPAGE);
	return m;
}

static struct engine *engine_make(uint32_t max_flows)
{
	struct engine_params p = {.hash_key = "tcpfw-bench-key"};
	struct config cfg;
	struct engine *e;
	void *base = NULL;
	size_t len = 0;

	config_defaults(&cfg);
	cfg.table.max_flows = max_flows;
	cfg.table.accounting = accounting;
	p.config = &cfg;
	if (pool_kind != POOL_ANON) {
		base = image_map(&cfg, &len);
		p.image = base;
		p.image_pool = (uint8_t *)base + HUGE_2M;
	}
	if (engine_new(&p, BASE_MS, &e) < 0)
		die("engine_new failed");
	for (unsigned i = 0; base && i < ARRAY_SIZE(mappings); i++) {
		if (!mappings[i].e) {
			mappings[i] = (struct mapping){e, base, len};
			base = NULL;
		}
	}
	if (base)
		die("too many mapped engines");
	return e;
}

static void engine_unmake(struct engine *e)
{
	engine_free(e);
	for (unsigned i = 0; i < ARRAY_SIZE(mappings); i++) {
		if (mappings[i].e == e) {
			munmap(mappings[i].base, mappings[i].len);
			mappings[i].e = NULL;
		}
	}
}

static void engine_flush(struct engine *e)
{
	uint32_t cursor = 0;

	engine_kill(e, NULL, ENGINE_CAUSE_FLUSHED, &cursor, UINT_MAX, NULL, NULL);
}

static size_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;

	if (!f || fscanf(f, "%*u %lu", &pages) != 1)
		die("cannot read /proc/self/statm");
	fclose(f);
	return pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* ---- one row ---- */

struct result {
	double ns[MAX_RUNS]; /* per-packet time of each run */
	unsigned runs;
	uint64_t pkts;		/* timed packets per run */
	uint64_t flows_created; /* in the timed packets, all runs */
	double total_ns;
	double rss_per_flow, mem_per_flow;
	struct engine_counters c; /* timed packets only, summed over runs */
	uint64_t bad;		  /* legitimate packets dropped (anywhere, untimed included) */
};

static void add_counters(struct result *r, const struct engine_counters *a,
			 const struct engine_counters *b)
{
	for (int i = 0; i < _ENGINE_VERDICT_MAX; i++)
		r->c.verdicts[i] += b->verdicts[i] - a->verdicts[i];
	for (int i = 0; i < _REASON_MAX; i++)
		r->c.reasons[i] += b->reasons[i] - a->reasons[i];
	for (int i = 0; i < _ENGINE_CAUSE_MAX; i++)
		r->c.flows_destroyed[i] += b->flows_destroyed[i] - a->flows_destroyed[i];
	r->flows_created += b->flows_created - a->flows_created;
}

/* Times `reps` passes over s on engine f->e, each after `prep` (untimed) resets the table. */
static void measure(struct result *r, struct feed *f, const struct pktset *s, unsigned reps,
		    void (*prep)(struct engine *))
{
	struct engine_counters a, b;
	double ns = 0;

	for (unsigned k = 0; k < reps; k++) {
		if (prep)
			prep(f->e);
		engine_get_counters(f->e, &a);
		ns += timed(f, s);
		engine_get_counters(f->e, &b);
		add_counters(r, &a, &b);
	}
	r->ns[r->runs++] = ns / ((double)s->n * reps);
	r->total_ns += ns;
}

static void note_rss(struct result *r, struct engine *e, size_t rss0, uint32_t flows)
{
	r->rss_per_flow = (double)(rss_bytes() - rss0) / flows;
	r->mem_per_flow = (double)engine_memory(e) / flows;
}

static uint64_t drops(const struct engine *e)
{
	struct engine_counters c;

	engine_get_counters(e, &c);
	return c.verdicts[ENGINE_DROP];
}

/* Churn and flood: one engine, warmed by an untimed pass, flushed before each timed pass. */
static void run_replay(struct result *r, const struct pktset *s, uint32_t max_flows,
		       uint64_t target, unsigned runs, bool legit, bool batch)
{
	unsigned reps = s->n >= target ? 1 : (unsigned)((target + s->n - 1) / s->n);
	size_t rss0 = rss_bytes();
	struct feed f = {.e = engine_make(max_flows), .batch = batch};
	struct engine_counters c;

	feed_setup(&f, s);
	engine_get_counters(f.e, &c);
	note_rss(r, f.e, rss0, c.flows);
	for (unsigned k = 0; k < runs; k++)
		measure(r, &f, s, reps, engine_flush);
	r->pkts = s->n * reps;
	if (legit)
		r->bad = drops(f.e);
	else
		r->bad = r->c.verdicts[ENGINE_DROP] - r->c.reasons[REASON_TABLE_FULL];
	engine_unmake(f.e);
}

/* Established: a fresh engine per run; the first also gives the bytes per flow. */
static void run_est(struct result *r, uint8_t family, uint32_t n, uint64_t target, unsigned runs,
		    bool batch)
{
	unsigned rounds = target / n < 2 ? 2 : (unsigned)((target / n + 1) & ~1ull);
	struct pktset setup, data;

	gen_est(&setup, &data, family, n, rounds);
	for (unsigned k = 0; k < runs; k++) {
		size_t rss0 = rss_bytes();
		struct feed f = {.e = engine_make(n + n / 4), .batch = batch};

		feed_setup(&f, &setup);
		if (k == 0)
			note_rss(r, f.e, rss0, n);
		measure(r, &f, &data, 1, NULL);
		r->bad += drops(f.e);
		engine_unmake(f.e);
	}
	r->pkts = data.n;
	pktset_free(&setup);
	pktset_free(&data);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void print_header(void)
{
	printf("%-6s %-15s %-4s %8s %9s %7s %8s %8s %8s %11s %9s %9s %10s %9s  %s\n", "mix",
	       "api/pool", "ip", "flows", "pkts/run", "Mpps", "ns/pkt", "min", "max", "newflows/s",
	       "RSS B/fl", "eng B/fl", "accepted", "dropped", "notes");
}

static double median_ns(struct result *r)
{
	qsort(r->ns, r->runs, sizeof(r->ns[0]), cmp_double);
	return r->runs & 1 ? r->ns[r->runs / 2] : (r->ns[r->runs / 2 - 1] + r->ns[r->runs / 2]) / 2;
}

static void print_row(const char *mix, const char *api, uint8_t family, uint32_t flows,
		      struct result *r)
{
	uint64_t acc = r->c.verdicts[ENGINE_ACCEPT], drop = r->c.verdicts[ENGINE_DROP];
	char fl[24] = "-", note[96] = "";
	double med = median_ns(r);

	if (strcmp(mix, "est"))
		snprintf(fl, sizeof(fl), "%.0f", r->flows_created / (r->total_ns / 1e9));
	if (!strcmp(mix, "flood"))
		snprintf(note, sizeof(note), "evicted %" PRIu64 " table_full %" PRIu64 " ",
			 r->c.flows_destroyed[ENGINE_CAUSE_EVICTED],
			 r->c.reasons[REASON_TABLE_FULL]);
	if (r->c.reasons[REASON_OK] != r->c.verdicts[ENGINE_ACCEPT])
		snprintf(note + strlen(note), sizeof(note) - strlen(note),
			 "non-ok accepts %" PRIu64,
			 r->c.verdicts[ENGINE_ACCEPT] - r->c.reasons[REASON_OK]);
	if (r->bad)
		snprintf(note + strlen(note), sizeof(note) - strlen(note),
			 " BAD: %" PRIu64 " legitimate drops", r->bad);
	printf("%-6s %-15s %-4s %8" PRIu32 " %9" PRIu64
	       " %7.2f %8.1f %8.1f %8.1f %11s %9.1f %9.1f %10" PRIu64 " %9" PRIu64 "  %s\n",
	       mix, api, family == 6 ? "v6" : "v4", flows, r->pkts, 1e3 / med, med, r->ns[0],
	       r->ns[r->runs - 1], fl, r->rss_per_flow, r->mem_per_flow, acc, drop, note);
	if (r->bad) {
		for (int i = 0; i < _REASON_MAX; i++)
			if (r->c.reasons[i])
				printf("       reason %-22s %" PRIu64 "\n", reason_name(i),
				       r->c.reasons[i]);
	}
	fflush(stdout);
}

static enum pool_kind pools[_POOL_MAX] = {POOL_ANON}; /* --pool */
static unsigned npools = 1;
static unsigned naccts = 1; /* 2 with --accounting: each pool without, then with it */

/* What accounting costs on one pool: the same row without (r0) and with it (r1). */
static void print_acct_cost(const char *mix, const char *api, uint8_t family, uint32_t n,
			    struct result *r0, struct result *r1)
{
	double off = median_ns(r0), on = median_ns(r1);

	printf("%-6s %-15s %-4s %8" PRIu32 "  accounting: %+.1f ns/pkt (%+.1f%%), throughput "
	       "on/off = %.3f, eng B/fl %.1f -> %.1f\n",
	       mix, api, family == 6 ? "v6" : "v4", n, on - off, (on - off) * 100.0 / off, off / on,
	       r0->mem_per_flow, r1->mem_per_flow);
}

/*
 * One row per API (engine_process() one by one, then engine_process_batch()) and pool kind. With
 * several kinds the runs take turns, a run of each kind after the other, so that a slow spell of
 * the machine weighs on all of them alike; then each kind's throughput relative to the first.
 */
static uint64_t run_row(const char *mix, uint8_t family, uint32_t n, uint64_t target, unsigned runs,
			unsigned apis)
{
	uint64_t bad = 0;
	struct pktset s;

	if (!strcmp(mix, "churn"))
		gen_churn(&s, family, n);
	else if (!strcmp(mix, "flood"))
		gen_flood(&s, 2 * n);
	for (unsigned batch = 0; batch < 2; batch++) {
		/* variant v: pool v % npools, accounting on when v >= npools */
		struct result r[2 * _POOL_MAX] = {0};
		unsigned nv = npools * naccts;
		char api[24];

		if (!(apis & (1u << batch)))
			continue;
		for (unsigned k = 0; k < runs; k++) {
			for (unsigned v = 0; v < nv; v++) {
				pool_kind = pools[v % npools];
				accounting = v >= npools;
				if (!strcmp(mix, "est"))
					run_est(&r[v], family, n, target, 1, batch);
				else if (!strcmp(mix, "churn"))
					run_replay(&r[v], &s, n + n / 4, target, 1, true, batch);
				else
					run_replay(&r[v], &s, n, target, 1, false, batch);
			}
		}
		accounting = false;
		for (unsigned v = 0; v < nv; v++) {
			snprintf(api, sizeof(api), "%s/%s%s", batch ? "batch" : "one",
				 pool_names[pools[v % npools]], v >= npools ? "+acct" : "");
			print_row(mix, api, family, n, &r[v]);
			bad += r[v].bad;
		}
		for (unsigned i = 0; naccts == 2 && i < npools; i++) {
			snprintf(api, sizeof(api), "%s/%s", batch ? "batch" : "one",
				 pool_names[pools[i]]);
			print_acct_cost(mix, api, family, n, &r[i], &r[npools + i]);
		}
		for (unsigned i = 1; i < npools; i++)
			printf("%-6s %-15s %-4s %8" PRIu32 "  throughput %s/%s = %.3f\n", mix,
			       batch ? "batch" : "one", family == 6 ? "v6" : "v4", n,
			       pool_names[pools[i]], pool_names[pools[0]],
			       median_ns(&r[0]) / median_ns(&r[i]));
	}
	if (strcmp(mix, "est"))
		pktset_free(&s);
	return bad;
}

/* A fixed workload for callgrind: only feed_timed's packets are meant to be counted. */
/*
 * A fixed workload for callgrind: only feed_timed's packets are meant to be counted. est (the
 * default): flows set up untimed, then CG_ROUNDS data rounds; churn and flood (--only): one pass
 * untimed on a fresh table, then one timed pass after a flush, as run_replay does.
 */
static int run_callgrind(const char *mix, uint32_t flows, bool batch)
{
	bool est = !mix || !strcmp(mix, "est");
	struct pktset setup, data;
	struct feed f = {.batch = batch};
	uint64_t bad;

	if (est) {
		f.e = engine_make(flows + flows / 4);
		gen_est(&setup, &data, 4, flows, CG_ROUNDS);
		feed_setup(&f, &setup);
	} else if (!strcmp(mix, "churn")) {
		f.e = engine_make(flows + flows / 4);
		gen_churn(&data, 4, flows);
		feed_setup(&f, &data);
		engine_flush(f.e);
	} else {
		f.e = engine_make(flows);
		gen_flood(&data, 2 * flows);
		feed_setup(&f, &data);
		engine_flush(f.e);
	}
	feed_timed(&f, &data);
	bad = est || !strcmp(mix, "churn") ? drops(f.e) : 0;
	printf("callgrind packets: %zu (%s, %u flows, v4, %s%s)\n", data.n, est ? "est" : mix,
	       flows, batch ? "engine_process_batch" : "engine_process",
	       accounting ? ", accounting" : "");
	if (bad)
		printf("BAD: %" PRIu64 " legitimate drops\n", bad);
	engine_unmake(f.e);
	if (est)
		pktset_free(&setup);
	pktset_free(&data);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const char *const mixes[] = {"churn", "est", "flood"};
	static const uint32_t sizes[] = {1000, 100000, 1000000};
	bool quick = false;
	uint64_t bad = 0, target;
	unsigned runs, nsizes, only_runs = 0, apis = 3;
	const char *only_mix = NULL;
	uint32_t only_flows = 0, cg_flows = 0;
	bool callgrind = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			quick = true;
		} else if (!strcmp(argv[i], "--callgrind")) {
			callgrind = true;
			if (i + 1 < argc && argv[i + 1][0] != '-')
				cg_flows = (uint32_t)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--cpu-time")) {
			bench_clock = CLOCK_THREAD_CPUTIME_ID;
		} else if (!strcmp(argv[i], "--accounting")) {
			naccts = 2;
		} else if (!strcmp(argv[i], "--one")) {
			apis = 1;
		} else if (!strcmp(argv[i], "--batched")) {
			apis = 2;
		} else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
			batch_size = (unsigned)strtoul(argv[++i], NULL, 10);
			if (batch_size < 1 || batch_size > BATCH)
				batch_size = BATCH;
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			only_mix = argv[++i]; /* churn, est, est6 or flood */
		} else if (!strcmp(argv[i], "--flows") && i + 1 < argc) {
			only_flows = (uint32_t)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--pool") && i + 1 < argc) {
			char *list = argv[++i], *tok, *save = NULL;

			npools = 0;
			for (tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				unsigned k = 0;

				while (k < _POOL_MAX && strcmp(tok, pool_names[k]))
					k++;
				if (k == _POOL_MAX || npools == _POOL_MAX)
					die("--pool: anon, memfd or hugetlb, at most three");
				pools[npools++] = (enum pool_kind)k;
			}
			if (!npools)
				die("--pool: no kind given");
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			only_runs = (unsigned)strtoul(argv[++i], NULL, 10);
		} else {
			fprintf(stderr,
				"usage: %s [--quick | --callgrind [FLOWS] | [--only MIX] [--flows "
				"N] "
				"[--runs N]] [--one | --batched] [--batch N] [--cpu-time] "
				"[--pool K[,K...]] [--accounting]\n",
				argv[0]);
			return 2;
		}
	}
	if (callgrind) {
		pool_kind = pools[0];
		accounting = naccts == 2;
		return run_callgrind(only_mix, cg_flows ? cg_flows : CG_FLOWS, apis == 2);
	}
	/* A fixed threshold keeps every engine in its own mapping, so RSS deltas are its own. */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	runs = quick ? 3 : 5;
	if (only_runs)
		runs = only_runs < MAX_RUNS ? only_runs : MAX_RUNS;
	nsizes = quick ? 2 : 3;
	target = quick ? 500000 : 2000000;
	printf("engine_bench: median of %u runs, ~%" PRIu64 " timed packets per run, fake clock %d "
	       "pkt/ms, expire every %d packets (budget %d), %s time, batches of %u\n",
	       runs, target, PKTS_PER_MS, BATCH, EXPIRE_BUDGET,
	       bench_clock == CLOCK_MONOTONIC ? "wall" : "thread CPU", batch_size);
	print_header();
	for (unsigned m = 0; m < 3; m++)
		for (unsigned k = 0; k < nsizes; k++) {
			if ((only_mix && strcmp(only_mix, mixes[m])) ||
			    (only_flows && only_flows != sizes[k]))
				continue;
			bad += run_row(mixes[m], 4, sizes[k], target, runs, apis);
		}
	if (!only_mix || !strcmp(only_mix, "est6"))
		bad += run_row("est", 6, only_flows ? only_flows : 100000, target, runs, apis);
	if (bad)
		fprintf(stderr, "engine_bench: %" PRIu64 " legitimate packets dropped\n", bad);
	return bad ? 1 : 0;
}
