// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The live image: a table that outlives the process. Round trips through an image, the header
 * checks, the torn flow, garbage pools, and processes killed at random moments, whose images
 * must resume into exactly what a replay says they held.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "pktbuild.h"
#include "util.h"

#define T0	     5000000ull /* the fake monotonic clock at the first step */
#define STEP_MS	     5
#define EXPIRE_EVERY 64
#define CONNS	     64
#define MAX_FLOWS    48 /* fewer than CONNS: the table fills and evicts */
#define PKT_MAX	     256

/* ---- an image in shared memory, as the daemon maps one ---- */

struct image {
	uint8_t *mem;
	size_t len;
	void *hdr;
	void *pool;
};

static struct config live_config(void)
{
	struct config cfg;

	config_defaults(&cfg);
	cfg.table.max_flows = MAX_FLOWS;
	return cfg;
}

static struct image image_new(const struct config *cfg)
{
	struct image im;

	im.len = 4096 + engine_image_pool_size(cfg);
	im.mem = mmap(NULL, im.len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(im.mem != MAP_FAILED);
	im.hdr = im.mem;
	im.pool = im.mem + 4096;
	return im;
}

static void image_free(struct image *im)
{
	munmap(im->mem, im->len);
}

static struct engine *engine_on(const struct config *cfg, struct image *im, bool resume,
				uint64_t now, struct engine_resume_stats *st, int *err)
{
	struct engine_params p = {
		.config = cfg,
		.hash_key = {7, 1, 2, 3},
		.image = im ? im->hdr : NULL,
		.image_pool = im ? im->pool : NULL,
		.resume = resume,
		.resumed = st,
	};
	struct engine *e = NULL;
	int r = engine_new(&p, now, &e);

	if (err)
		*err = r;
	else
		assert_int_equal(r, 0);
	return e;
}

/* ---- deterministic traffic: many conversations, some junk ---- */

struct gconn {
	uint16_t cport;
	uint8_t family;
	uint8_t phase;
	uint32_t next[2];
};

struct gen {
	uint64_t rng;
	struct gconn c[CONNS];
	uint16_t ports;
};

static uint32_t rnd(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return (uint32_t)(g->rng >> 16);
}

static void gen_init(struct gen *g, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->rng = seed * 0x9e3779b97f4a7c15ull + 1;
	for (unsigned i = 0; i < CONNS; i++) {
		g->c[i].cport = (uint16_t)(20000 + i);
		g->c[i].family = i % 3 ? 4 : 6;
	}
	g->ports = 20000 + CONNS;
}

/* The next segment of a random conversation, now and then a forged or broken one. */
static size_t gen_next(struct gen *g, uint8_t *buf)
{
	struct gconn *c = &g->c[rnd(g) % CONNS];
	struct pktbuild b;
	int dir = 0;

	pktbuild_init(&b, c->family);
	b.sport = c->cport;
	b.dport = 80;
	if (rnd(g) % 16 == 0) { /* junk: random flags and numbers, either way */
		dir = rnd(g) & 1;
		b.flags = (uint8_t)rnd(g);
		b.seq = c->next[dir] + (rnd(g) % 3 ? rnd(g) % 4096 : rnd(g));
		b.ack = c->next[!dir] + rnd(g) % 64;
		b.payload_len = rnd(g) % 3 ? 0 : 10;
	} else {
		switch (c->phase) {
		case 0:
			c->next[0] = rnd(g);
			c->next[1] = rnd(g);
			b.flags = TCP_FLAG_SYN;
			b.seq = c->next[0]++;
			b.mss = 1460;
			b.wscale = 7;
			b.sack_perm = true;
			c->phase = 1;
			break;
		case 1:
			dir = 1;
			b.flags = TCP_FLAG_SYN | TCP_FLAG_ACK;
			b.seq = c->next[1]++;
			b.ack = c->next[0];
			b.mss = 1460;
			b.wscale = 7;
			b.sack_perm = true;
			c->phase = 2;
			break;
		case 9:
		case 10:
			dir = c->phase == 10;
			b.flags = TCP_FLAG_FIN | TCP_FLAG_ACK;
			b.seq = c->next[dir]++;
			b.ack = c->next[!dir];
			c->phase++;
			break;
		case 11:
			b.flags = TCP_FLAG_ACK;
			b.seq = c->next[0];
			b.ack = c->next[1];
			c->phase = 0;
			if (rnd(g) % 2) /* port reuse half the time, a new port otherwise */
				c->cport = g->ports++;
			break;
		default:
			dir = rnd(g) & 1;
			b.flags = TCP_FLAG_ACK;
			b.payload_len = 1 + rnd(g) % 200;
			b.seq = c->next[dir];
			b.ack = c->next[!dir];
			c->next[dir] += b.payload_len;
			c->phase++;
		}
	}
	b.window = 512;
	if (dir) { /* the server's side: swap the endpoints */
		struct pktbuild d;

		pktbuild_init(&d, c->family);
		memcpy(b.saddr, d.daddr, sizeof(b.saddr));
		memcpy(b.daddr, d.saddr, sizeof(b.daddr));
		b.sport = 80;
		b.dport = c->cport;
	}
	return pktbuild_write(&b, buf, PKT_MAX);
}

/* Runs steps [from, to) of seed's traffic: each expires (every EXPIRE_EVERY) and judges one. */
static void run_steps(struct engine *e, struct gen *g, uint64_t from, uint64_t to,
		      volatile uint64_t *progress)
{
	uint8_t buf[PKT_MAX];
	struct engine_result res;

	for (uint64_t i = from; i < to; i++) {
		size_t len = gen_next(g, buf);
		uint64_t now = T0 + i * STEP_MS;

		if (progress) {
			*progress = i;
			compiler_barrier();
		}
		if (i % EXPIRE_EVERY == 0)
			engine_expire(e, now, UINT32_MAX);
		engine_process(e, buf, len, len, now, &res);
	}
}

/* ---- comparing tables ---- */

struct flows {
	unsigned n;
	struct engine_flow_record r[MAX_FLOWS];
};

static void export_all(const struct engine *e, uint64_t now, bool forget, struct flows *out)
{
	uint32_t cursor = 0;

	out->n = engine_export(e, &cursor, UINT32_MAX, out->r, MAX_FLOWS, now);
	assert_int_equal(cursor, 0);
	if (forget) /* what a resume does to every flow */
		for (unsigned i = 0; i < out->n; i++)
			tcp_track_forget_windows(&out->r[i].track);
}

static bool same_tuple(const struct engine_flow_record *a, const struct engine_flow_record *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0 &&
	       a->port[0] == b->port[0] && a->port[1] == b->port[1];
}

static bool same_flow(const struct engine_flow_record *a, const struct engine_flow_record *b)
{
	return same_tuple(a, b) && a->orig == b->orig && a->tclass == b->tclass &&
	       a->remaining_ms == b->remaining_ms &&
	       memcmp(&a->track, &b->track, sizeof(a->track)) == 0;
}

static const struct engine_flow_record *find(const struct flows *f,
					     const struct engine_flow_record *r, bool exact)
{
	for (unsigned i = 0; i < f->n; i++)
		if (exact ? same_flow(&f->r[i], r) : same_tuple(&f->r[i], r))
			return &f->r[i];
	return NULL;
}

/* The table replayed to step `steps` (not included), as a resume at time `now` shows it. */
static void replay(uint64_t seed, uint64_t steps, uint64_t now, struct flows *out)
{
	struct config cfg = live_config();
	struct engine *e = engine_on(&cfg, NULL, false, T0, NULL, NULL);
	struct gen g;

	gen_init(&g, seed);
	run_steps(e, &g, 0, steps, NULL);
	export_all(e, now, true, out);
	engine_free(e);
}

/* ---- tests ---- */

/* A fresh image that has carried `steps` steps of seed's traffic; g goes on from there. */
static struct engine *filled(const struct config *cfg, struct image *im, struct gen *g,
			     uint64_t seed, uint64_t steps)
{
	struct engine *e = engine_on(cfg, im, false, T0, NULL, NULL);

	gen_init(g, seed);
	run_steps(e, g, 0, steps, NULL);
	return e;
}

/* Resumes im at now; every flow resumed must be one of expect, exactly. */
static struct engine *resume_subset(const struct config *cfg, struct image *im, uint64_t now,
				    const struct flows *expect, struct engine_resume_stats *st,
				    struct flows *got)
{
	struct engine *e = engine_on(cfg, im, true, now, st, NULL);

	assert_null(engine_check(e));
	export_all(e, now, false, got);
	for (unsigned i = 0; i < got->n; i++)
		assert_non_null(find(expect, &got->r[i], true));
	return e;
}

static void test_resume_round_trip(void **state)
{
	struct config cfg = live_config();
	struct image im = image_new(&cfg);
	struct engine_resume_stats st;
	struct flows before, after;
	struct gen g;

	(void)state;
	struct engine *e = filled(&cfg, &im, &g, 1, 3000);
	uint64_t now = T0 + 3000 * STEP_MS;
	export_all(e, now, true, &before);
	assert_true(before.n > 10);
	engine_free(e); /* the image stays: this is the process going away */

	e = resume_subset(&cfg, &im, now, &before, &st, &after);
	assert_int_equal(st.flows, before.n);
	assert_int_equal(st.torn + st.invalid + st.expired, 0);
	assert_int_equal(after.n, before.n);

	/* the resumed engine goes on judging traffic, and a second resume still agrees */
	run_steps(e, &g, 3000, 6000, NULL);
	now = T0 + 6000 * STEP_MS;
	export_all(e, now, true, &before);
	engine_free(e);
	e = resume_subset(&cfg, &im, now, &before, &st, &after);
	assert_int_equal(after.n, before.n);
	engine_free(e);
	image_free(&im);
}

static void test_downtime_counts(void **state)
{
	struct config cfg = live_config();
	struct image im = image_new(&cfg);
	struct engine_resume_stats st;
	struct flows before, after;
	struct gen g;

	(void)state;
	struct engine *e = filled(&cfg, &im, &g, 2, 2000);
	uint64_t now = T0 + 2000 * STEP_MS, later = now + 100 * 1000;
	export_all(e, later, true, &before);
	engine_free(e);

	/* 100 s down: every timer lost 100 s, and those shorter than that ran out */
	e = resume_subset(&cfg, &im, later, &before, &st, &after);
	unsigned live = 0;
	for (unsigned i = 0; i < before.n; i++)
		live += before.r[i].remaining_ms > 0;
	assert_true(live < before.n); /* the test must expire some */
	assert_int_equal(st.flows, live);
	assert_int_equal(st.expired, before.n - live);
	for (unsigned i = 0; i < before.n; i++)
		if (before.r[i].remaining_ms > 0)
			assert_non_null(find(&after, &before.r[i], true));
	engine_free(e);
	image_free(&im);
}

static void test_header_checks(void **state)
{
	struct config cfg = live_config(), other = cfg;
	struct image im = image_new(&cfg);
	uint8_t *h = im.hdr;
	int err;

	(void)state;
	/* never written */
	assert_int_equal(engine_image_check(h, &cfg, T0), -ENODATA);
	assert_null(engine_on(&cfg, &im, true, T0, NULL, &err));
	assert_int_equal(err, -ENODATA);

	engine_free(engine_on(&cfg, &im, false, T0, NULL, NULL));
	assert_int_equal(engine_image_check(h, &cfg, T0), 0);
	assert_int_equal(engine_image_check(h, &cfg, T0 - 1), -ETIME); /* another boot's clock */
	other.table.max_flows = MAX_FLOWS + 1;
	assert_int_equal(engine_image_check(h, &other, T0), -ERANGE);
	other = cfg;
	other.table.buckets = 1024;
	assert_int_equal(engine_image_check(h, &other, T0), -ERANGE);
	h[8] ^= 1; /* the layout word: another build */
	assert_int_equal(engine_image_check(h, &cfg, T0), -EPROTO);
	assert_null(engine_on(&cfg, &im, true, T0, NULL, &err));
	assert_int_equal(err, -EPROTO);
	h[8] ^= 1;
	h[0] = 0; /* a header whose write was cut short */
	assert_int_equal(engine_image_check(h, &cfg, T0), -ENODATA);
	image_free(&im);
}

static void test_torn_flow_dropped(void **state)
{
	struct config cfg = live_config();
	struct image im = image_new(&cfg);
	struct engine_resume_stats st;
	struct flows before, after;
	struct gen g;

	(void)state;
	struct engine *e = filled(&cfg, &im, &g, 3, 1000);
	uint64_t now = T0 + 1000 * STEP_MS;
	export_all(e, now, true, &before);
	struct engine_flow_info info;
	uint32_t cursor = 0;
	assert_int_equal(engine_list(e, NULL, &cursor, UINT32_MAX, &info, 1), 1);
	engine_free(e);

	/* the header names flow info.id as being changed when the process died */
	uint32_t busy = info.id;
	memcpy((uint8_t *)im.hdr + 36, &busy, sizeof(busy));
	e = resume_subset(&cfg, &im, now, &before, &st, &after);
	assert_int_equal(st.torn, 1);
	assert_int_equal(st.flows, before.n - 1);
	struct engine_flow_info gone;
	assert_false(engine_get(e, info.family, info.src, info.sport, info.dst, info.dport, &gone));
	engine_free(e);
	image_free(&im);
}

/* Whatever the pool holds, a resume keeps only what passes and leaves a sound engine. */
static void test_garbage_pool(void **state)
{
	struct config cfg = live_config();
	struct image im = image_new(&cfg);
	struct engine_resume_stats st;
	struct gen g;

	(void)state;
	engine_free(filled(&cfg, &im, &g, 4, 1000));
	size_t pool = engine_image_pool_size(&cfg);
	uint8_t *p = im.pool;
	srand(11);
	for (int round = 0; round < 200; round++) {
		for (int k = 0; k < 64; k++) /* flip random bytes, or smear a run of them */
			p[(size_t)rand() % pool] = (uint8_t)rand();
		if (round % 50 == 49)
			for (size_t i = 0; i < pool; i++)
				p[i] = (uint8_t)rand();
		struct engine *e = engine_on(&cfg, &im, true, T0 + 1000 * STEP_MS, &st, NULL);
		assert_null(engine_check(e));
		assert_true(st.flows <= MAX_FLOWS);
		/* it still judges traffic */
		run_steps(e, &g, 1000 + round * 10, 1010 + round * 10, NULL);
		assert_null(engine_check(e));
		engine_free(e);
	}
	image_free(&im);
}

/*
 * A child process runs the traffic on a shared image and is killed at a random moment. Step k
 * was in progress: steps before k were complete. Every flow the resume keeps must be the flow
 * exactly as a replay to step k or to step k + 1 has it (a flow the step did not touch is the
 * same in both), and every live flow both replays agree on must be kept: so a half-written flow
 * is never trusted, and nothing else is lost. TCPFW_KILL_ROUNDS sets the number of kills.
 */
static void test_killed_at_random(void **state)
{
	struct config cfg = live_config();
	struct image im = image_new(&cfg);
	volatile uint64_t *progress =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned rounds =
		getenv("TCPFW_KILL_ROUNDS") ? (unsigned)atoi(getenv("TCPFW_KILL_ROUNDS")) : 150;
	unsigned torn = 0, kept = 0, lost_unchanged = 0;

	(void)state;
	assert_true(progress != MAP_FAILED);
	srand((unsigned)time(NULL));
	for (unsigned round = 0; round < rounds; round++) {
		uint64_t seed = 100 + round;

		memset(im.mem, 0, im.len);
		*progress = 0;
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct config c = live_config();
			struct engine *e = engine_on(&c, &im, false, T0, NULL, NULL);
			struct gen g;

			gen_init(&g, seed);
			run_steps(e, &g, 0, UINT32_MAX, progress);
			_exit(0);
		}
		struct timespec ts = {0, 200000 + (long)(rand() % 20000) * 1000};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));

		uint64_t k = *progress, now = T0 + k * STEP_MS;
		struct engine_resume_stats st;
		struct flows a, b, got;

		if (engine_image_check(im.hdr, &cfg, now) == -ENODATA)
			continue; /* killed before the image was made */
		struct engine *e = engine_on(&cfg, &im, true, now, &st, NULL);
		assert_null(engine_check(e));
		assert_int_equal(st.invalid, 0);
		export_all(e, now, false, &got);
		replay(seed, k, now, &a);
		replay(seed, k + 1, now, &b);
		for (unsigned i = 0; i < got.n; i++) {
			if (!find(&a, &got.r[i], true) && !find(&b, &got.r[i], true))
				fail_msg(
					"round %u step %llu: a resumed flow matches neither replay",
					round, (unsigned long long)k);
		}
		unsigned lost = 0;
		for (unsigned i = 0; i < a.n; i++) /* (one due but not yet reaped goes on resume) */
			lost += a.r[i].remaining_ms && find(&b, &a.r[i], true) &&
				!find(&got, &a.r[i], true);
		/* the torn flow's bytes may have been written back unchanged: only it may go */
		if (lost > st.torn)
			fail_msg("round %u step %llu: %u flows the step did not change are lost",
				 round, (unsigned long long)k, lost);
		lost_unchanged += lost;
		torn += st.torn;
		kept += st.flows;
		engine_free(e);
	}
	print_message("%u kills: %u flows resumed, %u torn flows dropped (%u of them unchanged)\n",
		      rounds, kept, torn, lost_unchanged);
	munmap((void *)progress, 4096);
	image_free(&im);
}

/*
 * A resume killed in its turn: the header named a torn flow, and whatever moment the second
 * death comes, the next resume must still drop it. The torn flow here holds another tuple, as a
 * half-written key could, so keeping it shows as a flow nobody made.
 */
static void test_killed_during_resume(void **state)
{
	struct config cfg;
	const uint32_t n = 1u << 17;
	struct engine_flow_record r = {.family = 4, .tclass = 0, .remaining_ms = 3600 * 1000};
	uint8_t poison_src[4] = {203, 0, 113, 9}, dst[4] = {10, 0, 0, 1};
	struct engine_flow_info info;
	unsigned killed = 0;

	(void)state;
	config_defaults(&cfg);
	cfg.table.max_flows = n;
	struct image im = image_new(&cfg);
	srand((unsigned)time(NULL));
	for (int round = 0; round < 8; round++) {
		memset(im.mem, 0, im.len);
		struct engine *e = engine_on(&cfg, &im, false, T0, NULL, NULL);
		r.track.state = TCP_TRACK_ESTABLISHED;
		for (uint32_t i = 0; i < n; i++) { /* 10.0.0.1:80 <- 198.18.x.y:40000 */
			memset(r.addr, 0, sizeof(r.addr));
			memcpy(r.addr[0], dst, 4);
			uint32_t a = 0xc6120000u + i;
			uint8_t src[4] = {a >> 24, a >> 16, a >> 8, a};
			memcpy(r.addr[1], src, 4);
			r.port[0] = 80;
			r.port[1] = 40000;
			r.orig = 1;
			assert_int_equal(engine_import(e, &r, T0), 0);
		}
		engine_free(e);
		/* the last flow was being written: it holds another tuple, and the header says so
		 */
		uint32_t torn = n - 1;
		uint8_t *key = (uint8_t *)im.pool + (size_t)torn * 128;
		memcpy(key + 16, poison_src, 4); /* endpoint 1's address */
		memcpy((uint8_t *)im.hdr + 36, &torn, sizeof(torn));

		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			engine_on(&cfg, &im, true, T0 + 1000, NULL, NULL);
			_exit(0);
		}
		struct timespec ts = {0, (1 + rand() % 60) * 1000000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		killed += WIFSIGNALED(status);

		e = engine_on(&cfg, &im, true, T0 + 2000, NULL, NULL);
		assert_null(engine_check(e));
		if (engine_get(e, 4, poison_src, 40000, dst, 80, &info))
			fail_msg("round %d: the torn flow was trusted after a resume died", round);
		engine_free(e);
	}
	print_message("%u of 8 resumes killed before they ended\n", killed);
	image_free(&im);
}

static void test_private_engine_unchanged(void **state)
{
	struct config cfg = live_config();
	struct engine_params p = {.config = &cfg, .image = (void *)8}; /* a header without pool */
	struct engine *e;

	(void)state;
	assert_int_equal(engine_new(&p, T0, &e), -EINVAL);
	e = engine_on(&cfg, NULL, true, T0, NULL, NULL); /* resume without an image: empty */
	assert_null(engine_check(e));
	engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resume_round_trip),
		cmocka_unit_test(test_downtime_counts),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_torn_flow_dropped),
		cmocka_unit_test(test_garbage_pool),
		cmocka_unit_test(test_killed_at_random),
		cmocka_unit_test(test_killed_during_resume),
		cmocka_unit_test(test_private_engine_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
