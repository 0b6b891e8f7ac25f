// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "ctl_ops.h"
#include "ctl_proto.h"
#include "ctl_server.h"
#include "fastpath.h"
#include "live.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "reset.h"
#include "state.h"
#include "sync.h"
#include "tcpfwd.h"
#include "util.h"
#include "worker.h"

#define TCPFWD_CONFIG_MAX    (1u << 20) /* a config file larger than 1 MiB is a mistake */
#define TCPFWD_STATUS_MS     1000
#define TCPFWD_RETIME_BUDGET 16384 /* table slots re-timed per worker call */

struct tcpfwd {
	struct config cfg;
	char config_path[4096];
	bool config_read; /* false: running on the built-in defaults, config_path was missing */
	struct loop *loop;
	struct worker **workers;
	unsigned n_workers;
	uint64_t watchdog_ms; /* 0: no watchdog */
	uint64_t last_watchdog_ms;
	uint64_t last_status_ms;
	uint64_t start_ms;
	int exit_code;	       /* set when a worker failed */
	bool running;	       /* every queue was bound: a stop saves the flows */
	unsigned n_overridden; /* set-param changes in force until the next reload */
	char overridden[16][64];
	struct ctl_server *ctl;
	struct live *live; /* the live table; NULL: flows in private memory */
	struct reset *reset;
	struct sync *sync;   /* replication, with sync.enabled; driven by worker 0 */
	struct fastpath *fp; /* the in-kernel fast path, with fastpath.enabled; worker 0's */
};

/* ---- configuration ---- */

/* Reads a whole file of at most TCPFWD_CONFIG_MAX bytes into a NUL-terminated buffer. */
static int read_text(const char *path, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t len = 0;
	char *buf;
	int r = 0;

	if (fd == -1)
		return -errno;
	buf = malloc(TCPFWD_CONFIG_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, TCPFWD_CONFIG_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > TCPFWD_CONFIG_MAX) {
			r = -EFBIG;
			break;
		}
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

int tcpfwd_load_config(const char *path, struct config *cfg, char *err, size_t err_len)
{
	char *text = NULL;
	size_t len = 0;
	int r = read_text(path, &text, &len);

	if (r < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(-r));
		return r;
	}
	if (strlen(text) != len) {
		free(text);
		snprintf(err, err_len, "%s: not a text file", path);
		return -EINVAL;
	}
	r = config_parse(text, path, cfg, err, err_len);
	free(text);
	return r;
}

/* ---- reload ---- */

struct retime_call {
	const struct config *cfg;
	uint32_t cursor;
	bool done;
	int result;
};

static void call_reconfigure(struct engine *e, void *arg)
{
	struct retime_call *c = arg;

	c->result = engine_reconfigure(e, c->cfg);
}

static void call_retime(struct engine *e, void *arg)
{
	struct retime_call *c = arg;

	c->done = engine_retime(e, &c->cursor, TCPFWD_RETIME_BUDGET, clock_now_ms());
}

/* Hands a validated configuration to every worker and re-times its flows, chunk by chunk. */
static void apply(struct tcpfwd *d, const struct config *next)
{
	for (unsigned i = 0; i < d->n_workers; i++) {
		struct retime_call c = {.cfg = next};

		if (worker_call(d->workers[i], call_reconfigure, &c) < 0)
			continue;
		if (c.result < 0) {
			log_err("queue %u keeps its configuration: %s", worker_queue(d->workers[i]),
				strerror(-c.result));
			continue;
		}
		while (!c.done && worker_call(d->workers[i], call_retime, &c) == 0)
			;
	}
	d->cfg = *next;
	log_set_level(d->cfg.logging.level);
}

static int tcpfwd_reload(struct tcpfwd *d, char *err, size_t err_len)
{
	struct log_fields f = {0};
	struct config next;
	int r;

	log_fields_add(&f, "TCPFW_CONFIG=%s", d->config_path);
	/* the manager hears about every reload, rejected ones too, and always gets READY back */
	notify_reloading();
	r = tcpfwd_load_config(d->config_path, &next, err, err_len);
	if (r < 0) {
		log_fields_add(&f, "TCPFW_ERROR=%s", err);
		log_struct(CONFIG_LOG_ERR, LOG_ID_RELOAD_FAILED, &f,
			   "reload failed, keeping the running configuration: %s", err);
		notify_status("reload failed: %s", err);
		notify_ready();
		return r;
	}
	/* the keys set-param may not change keep their running values, with a warning */
	char kept[512];
	if (config_reload_keep(&d->cfg, &next, kept, sizeof(kept)))
		log_warning("reload: %s changed in the file; these take effect only on restart",
			    kept);
	apply(d, &next);
	d->n_overridden = 0;
	d->config_read = true;
	log_struct(CONFIG_LOG_INFO, LOG_ID_RELOADED, &f, "reloaded %s", d->config_path);
	notify_ready();
	return 0;
}

static int tcpfwd_set_param(struct tcpfwd *d, const char *name, const char *value, char *err,
			    size_t err_len)
{
	struct config next = d->cfg;
	int r = config_param_set(&next, name, value, err, err_len);

	if (r < 0)
		return r;
	apply(d, &next);
	log_notice("set-param %s = %s (until the next reload)", name, value);
	for (unsigned i = 0; i < d->n_overridden; i++)
		if (strcmp(d->overridden[i], name) == 0)
			return 0;
	if (d->n_overridden < ARRAY_SIZE(d->overridden))
		snprintf(d->overridden[d->n_overridden++], sizeof(d->overridden[0]), "%s", name);
	return 0;
}

static void reload_on_signal(struct tcpfwd *d)
{
	char err[CONFIG_ERROR_MAX + 64];

	tcpfwd_reload(d, err, sizeof(err));
}

/* ---- stats ---- */

/* The program's counters, summed over CPUs, into the fast path's object. */
static void fastpath_program_stats(struct fastpath *fp, struct ctl_fastpath *out)
{
	uint64_t v[_FASTPATH_STAT_MAX];

	fastpath_stats(fp, v);
	out->accepted = v[FASTPATH_STAT_ACCEPT];
	for (unsigned r = TCP_FAST_FLAGS; r < _TCP_FAST_RESULT_MAX; r++)
		out->returned[CTL_FP_RET_FLAGS + r - TCP_FAST_FLAGS] = v[r];
	out->returned[CTL_FP_RET_CHECKSUM] = v[FASTPATH_STAT_CSUM];
	out->queued = v[FASTPATH_STAT_QUEUED];
	out->busy = v[FASTPATH_STAT_BUSY];
	out->unparsed = v[FASTPATH_STAT_PARSE];
}

static void tcpfwd_stats(struct tcpfwd *d, struct worker_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < d->n_workers; i++) {
		struct worker_stats s;

		worker_get_stats(d->workers[i], &s);
		for (int v = 0; v < _ENGINE_VERDICT_MAX; v++)
			sum->engine.verdicts[v] += s.engine.verdicts[v];
		for (int r = 0; r < _REASON_MAX; r++)
			sum->engine.reasons[r] += s.engine.reasons[r];
		for (int c = 0; c < _ENGINE_CAUSE_MAX; c++)
			sum->engine.flows_destroyed[c] += s.engine.flows_destroyed[c];
		for (int st = 0; st < _TCP_TRACK_STATE_MAX; st++)
			sum->engine.states[st] += s.engine.states[st];
		sum->engine.flows_created += s.engine.flows_created;
		sum->engine.flows += s.engine.flows;
		sum->engine.max_flows += s.engine.max_flows;
		sum->queue.packets += s.queue.packets;
		sum->queue.enobufs += s.queue.enobufs;
		sum->queue.lost += s.queue.lost;
		sum->relearned += s.relearned;
		if (s.sync.state != CTL_SYNC_DISABLED) /* one worker: sync needs one queue */
			sum->sync = s.sync;
		if (s.fastpath.enabled) /* the same */
			sum->fastpath = s.fastpath;
		if (s.pause_max_us > sum->pause_max_us)
			sum->pause_max_us = s.pause_max_us;
	}
	if (d->fp && sum->fastpath.enabled)
		fastpath_program_stats(d->fp, &sum->fastpath);
}

/* ---- the main loop ---- */

static void on_signal(void *arg, int signo)
{
	struct tcpfwd *d = arg;
	struct log_fields f = {0};

	switch (signo) {
	case SIGHUP:
		reload_on_signal(d);
		break;
	default:
		log_fields_add(&f, "TCPFW_SIGNAL=%d", signo);
		log_struct(CONFIG_LOG_INFO, LOG_ID_STOPPING, &f, "stopping on signal %d", signo);
		loop_quit(d->loop);
	}
}

/* Pings the watchdog only while every worker keeps going round its loop. */
static bool workers_alive(struct tcpfwd *d, uint64_t now)
{
	uint64_t stale_ms = d->watchdog_ms > 2000 ? d->watchdog_ms / 2 : 1000;

	for (unsigned i = 0; i < d->n_workers; i++) {
		struct worker_stats s;

		worker_get_stats(d->workers[i], &s);
		if (now - s.heartbeat_ms > stale_ms)
			return false;
	}
	return true;
}

static void on_tick(void *arg)
{
	struct tcpfwd *d = arg;
	uint64_t now = clock_now_ms();
	struct worker_stats s;

	for (unsigned i = 0; i < d->n_workers; i++) {
		struct log_fields f = {0};

		if (!worker_failed(d->workers[i]))
			continue;
		/* a queue nobody serves is worse than a restart: exit and let the manager act */
		log_fields_add(&f, "TCPFW_QUEUE=%u", worker_queue(d->workers[i]));
		log_struct(CONFIG_LOG_ERR, LOG_ID_QUEUE_FAILED, &f,
			   "queue %u stopped serving; exiting so the service restarts",
			   worker_queue(d->workers[i]));
		d->exit_code = -EIO;
		loop_quit(d->loop);
		return;
	}
	if (d->watchdog_ms && now - d->last_watchdog_ms >= d->watchdog_ms / 2 &&
	    workers_alive(d, now)) {
		notify_watchdog();
		d->last_watchdog_ms = now;
	}
	if (now - d->last_status_ms >= TCPFWD_STATUS_MS) {
		d->last_status_ms = now;
		tcpfwd_stats(d, &s);
		notify_status("%u flows, %llu accepted, %llu dropped%s%s", s.engine.flows,
			      (unsigned long long)s.engine.verdicts[ENGINE_ACCEPT],
			      (unsigned long long)s.engine.verdicts[ENGINE_DROP],
			      d->sync ? ", sync " : "",
			      d->sync ? ctl_sync_state_name(s.sync.state) : "");
	}
}

/* ---- start-up: the fast path ---- */

/*
 * Loads the program and attaches it at every interface of fastpath.interfaces, for worker 0.
 * The fast path only saves work, so any failure (an old kernel, no CAP_BPF, a missing
 * interface) is logged once and tcpfwd runs without it.
 */
static void start_fastpath(struct tcpfwd *d)
{
	const struct config *cfg = &d->cfg;
	uint32_t slots = cfg->fastpath.max_flows < cfg->table.max_flows ? cfg->fastpath.max_flows
									: cfg->table.max_flows;
	struct fastpath_opts o = {.slots = slots, .mark = cfg->fastpath.mark};
	char err[256] = "", names[CONFIG_IFLIST_MAX];
	int r = fastpath_open(&o, &d->fp, err, sizeof(err));

	strcpy(names, cfg->fastpath.interfaces);
	for (char *save = NULL, *n = strtok_r(names, " ,", &save); r == 0 && n;
	     n = strtok_r(NULL, " ,", &save))
		r = fastpath_attach(d->fp, n, err, sizeof(err));
	if (r == 0)
		r = worker_set_fastpath(d->workers[0], d->fp, slots);
	if (r < 0) {
		if (!err[0] || r == -ENOMEM)
			snprintf(err, sizeof(err), "%s", strerror(-r));
		log_warning("fast path off, every packet goes to the queue: %s", err);
		fastpath_close(d->fp);
		d->fp = NULL;
		return;
	}
	log_info("fast path on: at the ingress of %s, up to %u flows, mark 0x%x",
		 cfg->fastpath.interfaces, slots, cfg->fastpath.mark);
}

/* ---- start-up: the flow table ---- */

static void free_workers(struct tcpfwd *d)
{
	for (unsigned i = 0; i < d->n_workers; i++)
		worker_free(d->workers[i]);
	d->n_workers = 0;
}

/* Creates the workers, their engines in the live table when there is one. */
static int make_workers(struct tcpfwd *d, bool resume, struct engine_resume_stats *sum)
{
	const struct config *cfg = &d->cfg;

	for (unsigned i = 0; i < cfg->queue.count; i++) {
		struct engine_resume_stats st = {0};
		struct worker_image img = {.resume = resume, .resumed = &st};

		if (d->live) {
			img.image = live_engine_image(d->live, i);
			img.pool = live_engine_pool(d->live, i);
		}
		int r = worker_new(cfg, (uint16_t)(cfg->queue.num + i), d->live ? &img : NULL,
				   &d->workers[i]);
		if (r < 0)
			return r; /* worker_new logged it */
		d->n_workers++;
		sum->flows += st.flows;
		sum->torn += st.torn;
		sum->invalid += st.invalid;
		sum->expired += st.expired;
	}
	return 0;
}

/* The invariants of every resumed engine; NULL when they hold. */
static const char *check_workers(struct tcpfwd *d)
{
	for (unsigned i = 0; i < d->n_workers; i++) {
		const char *why = engine_check(worker_engine(d->workers[i]));
		if (why)
			return why;
	}
	return NULL;
}

/*
 * The flows the last process left: its live table when it can be resumed (a crash, a kill, a
 * restart), else the clean stop's snapshot, restored into a new live table. The snapshot goes
 * once its flows are safe in the live table; a live table that was resumed is newer than any
 * snapshot, so that goes too.
 */
static int start_flows(struct tcpfwd *d)
{
	struct engine_resume_stats st = {0};
	uint64_t t0 = clock_now_ms();
	bool resume = false;
	int r;

	r = live_open(&d->cfg, &d->live, &resume);
	if (r == -EBUSY)
		return r; /* another tcpfwd runs on this table */
	if (r < 0)
		d->live = NULL; /* logged: private memory */
	r = make_workers(d, resume, &st);
	if (r < 0)
		return r;
	if (resume) {
		const char *why = check_workers(d);

		if (!why) {
			unsigned long long ms = clock_now_ms() - t0;
			const char *path = live_path(d->live);
			struct log_fields f = {0};

			log_fields_add(&f, "TCPFW_FLOWS=%u", st.flows);
			log_fields_add(&f, "TCPFW_PATH=%s", path);
			log_fields_add(&f, "TCPFW_DURATION_MS=%llu", ms);
			log_fields_add(&f, "TCPFW_TORN=%u", st.torn);
			log_fields_add(&f, "TCPFW_INVALID=%u", st.invalid);
			log_fields_add(&f, "TCPFW_EXPIRED=%u", st.expired);
			log_struct(CONFIG_LOG_INFO, LOG_ID_RESUMED, &f,
				   "state: resumed %u flows from %s in %llu ms (%u torn, "
				   "%u invalid, %u expired while down dropped); table check passed",
				   st.flows, path, ms, st.torn, st.invalid, st.expired);
			state_remove(&d->cfg);
			return 0;
		}
		/* a resume that left a broken engine is a bug: keep nothing of it */
		free_workers(d);
		live_discard(d->live, why);
		d->live = NULL;
		if (live_open(&d->cfg, &d->live, &resume) < 0)
			d->live = NULL;
		memset(&st, 0, sizeof(st));
		r = make_workers(d, false, &st);
		if (r < 0)
			return r;
	}
	state_restore(&d->cfg, d->workers, d->n_workers);
	if (!d->live || live_commit(d->live) == 0)
		state_remove(&d->cfg);
	return 0;
}

/* ---- the control server's view of the daemon (ctl_ops.h) ---- */

static void tcpfwd_status(struct tcpfwd *d, struct ctl_status *st)
{
	struct worker_stats s;

	memset(st, 0, sizeof(*st));
	snprintf(st->version, sizeof(st->version), "%s", TCPFW_VERSION);
	st->pid = (uint32_t)getpid();
	st->uptime_ms = clock_now_ms() - d->start_ms;
	/* the file in force; none when no file was read yet (the next reload reads config_path) */
	snprintf(st->config_path, sizeof(st->config_path), "%.*s", (int)sizeof(st->config_path) - 1,
		 d->config_read ? d->config_path : TCPFWD_CONFIG_DEFAULTS);
	st->queue_num = d->cfg.queue.num;
	st->queue_count = d->cfg.queue.count;
	st->fail_open = d->cfg.queue.fail_open;
	snprintf(st->tw_policy, sizeof(st->tw_policy), "%s",
		 config_tw_policy_name(d->cfg.tcp.time_wait.policy));
	st->pickup = d->cfg.tcp.pickup;
	tcpfwd_stats(d, &s);
	st->flows = s.engine.flows;
	st->max_flows = s.engine.max_flows;
	st->sync = s.sync;
	st->n_overridden = d->n_overridden;
	for (unsigned i = 0; i < d->n_overridden && i < ARRAY_SIZE(st->overridden); i++)
		snprintf(st->overridden[i], sizeof(st->overridden[i]), "%s", d->overridden[i]);
}

static const struct config *ops_config(void *ctx)
{
	const struct tcpfwd *d = ctx;

	return &d->cfg;
}

static unsigned ops_n_workers(void *ctx)
{
	const struct tcpfwd *d = ctx;

	return d->n_workers;
}

static uint16_t ops_queue(void *ctx, unsigned w)
{
	const struct tcpfwd *d = ctx;

	return worker_queue(d->workers[w]);
}

static int ops_call(void *ctx, unsigned w, worker_fn *fn, void *arg)
{
	const struct tcpfwd *d = ctx;

	return worker_call(d->workers[w], fn, arg);
}

static void ops_watch(void *ctx, unsigned w, bool on)
{
	const struct tcpfwd *d = ctx;

	worker_watch(d->workers[w], on);
}

static unsigned ops_pop_events(void *ctx, unsigned w, struct worker_event *out, unsigned max,
			       uint64_t *lost)
{
	const struct tcpfwd *d = ctx;

	return worker_pop_events(d->workers[w], out, max, lost);
}

static int ops_trace(void *ctx, unsigned w, const struct tap_filter *filters, unsigned n)
{
	const struct tcpfwd *d = ctx;

	return worker_trace(d->workers[w], filters, n);
}

static struct tap *ops_tap(void *ctx, unsigned w)
{
	const struct tcpfwd *d = ctx;

	return worker_tap(d->workers[w]);
}

static struct reset *ops_reset(void *ctx)
{
	const struct tcpfwd *d = ctx;

	return d->reset;
}

/* The stats, status, reload and set_param entries take the context as their struct tcpfwd. */
static void ops_stats(void *ctx, struct worker_stats *sum)
{
	tcpfwd_stats(ctx, sum);
}

static void ops_status(void *ctx, struct ctl_status *st)
{
	tcpfwd_status(ctx, st);
}

static int ops_reload(void *ctx, char *err, size_t err_len)
{
	return tcpfwd_reload(ctx, err, err_len);
}

static int ops_set_param(void *ctx, const char *name, const char *value, char *err, size_t err_len)
{
	return tcpfwd_set_param(ctx, name, value, err, err_len);
}

static const struct ctl_ops tcpfwd_ctl_ops = {
	.config = ops_config,
	.n_workers = ops_n_workers,
	.queue = ops_queue,
	.call = ops_call,
	.watch = ops_watch,
	.pop_events = ops_pop_events,
	.trace = ops_trace,
	.tap = ops_tap,
	.stats = ops_stats,
	.status = ops_status,
	.reload = ops_reload,
	.set_param = ops_set_param,
	.reset = ops_reset,
};

int tcpfwd_new(const struct config *cfg, const char *config_path, bool config_read,
	       struct tcpfwd **ret)
{
	static const int signals[] = {SIGTERM, SIGINT, SIGHUP};
	struct tcpfwd *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return log_errno(CONFIG_LOG_ERR, -ENOMEM, "starting");
	d->cfg = *cfg;
	snprintf(d->config_path, sizeof(d->config_path), "%s", config_path);
	d->config_read = config_read;
	d->watchdog_ms = notify_watchdog_ms();
	signal(SIGPIPE, SIG_IGN);
	r = loop_new(&d->loop);
	if (r < 0)
		goto fail;
	/* before any thread starts, so every thread inherits the blocked mask */
	r = loop_set_signals(d->loop, signals, ARRAY_SIZE(signals), on_signal, d);
	if (r < 0)
		goto fail;
	/* tick often enough for both the status line and a quarter of the watchdog interval */
	uint64_t tick = TCPFWD_STATUS_MS;
	if (d->watchdog_ms && d->watchdog_ms / 4 < tick)
		tick = d->watchdog_ms / 4 ? d->watchdog_ms / 4 : 1;
	r = loop_add_timer(d->loop, tick, on_tick, d);
	if (r < 0)
		goto fail;
	d->workers = calloc(cfg->queue.count, sizeof(*d->workers));
	if (!d->workers) {
		r = -ENOMEM;
		goto fail;
	}
	/* the flows, from the live table or the snapshot, go in before any queue is bound */
	r = state_check_directory(cfg);
	if (r == 0)
		r = start_flows(d);
	if (r < 0) {
		tcpfwd_free(d);
		return r; /* logged */
	}
	if (cfg->sync.enabled) { /* config_parse made sure of one queue */
		r = sync_new(cfg, &d->sync);
		if (r == 0)
			r = worker_set_sync(d->workers[0], d->sync);
		if (r < 0) {
			tcpfwd_free(d);
			return r; /* logged */
		}
	}
	if (cfg->fastpath.enabled) /* config_parse made sure of one queue */
		start_fastpath(d);
	for (unsigned i = 0; i < d->n_workers; i++) {
		r = worker_run(d->workers[i], cfg);
		if (r < 0) {
			tcpfwd_free(d);
			return r; /* worker_run logged it */
		}
	}
	d->running = true;
	r = reset_new(&d->reset);
	if (r < 0) {
		tcpfwd_free(d);
		return r; /* logged */
	}
	r = ctl_server_new(&tcpfwd_ctl_ops, d, d->loop, &d->ctl);
	if (r < 0) {
		tcpfwd_free(d);
		return r; /* ctl_server_new logged it */
	}
	d->start_ms = clock_now_ms();
	*ret = d;
	return 0;
fail:
	tcpfwd_free(d);
	return log_errno(CONFIG_LOG_ERR, r, "setting up the main loop");
}

int tcpfwd_run(struct tcpfwd *d)
{
	unsigned first = d->cfg.queue.num, last = first + d->cfg.queue.count - 1;
	const char *tw = config_tw_policy_name(d->cfg.tcp.time_wait.policy);
	struct log_fields f = {0};

	notify_ready();
	log_fields_add(&f, "TCPFW_QUEUE_FIRST=%u", first);
	log_fields_add(&f, "TCPFW_QUEUE_LAST=%u", last);
	log_fields_add(&f, "TCPFW_MAX_FLOWS=%u", d->cfg.table.max_flows);
	log_fields_add(&f, "TCPFW_TIME_WAIT=%s", tw);
	log_fields_add(&f, "TCPFW_VERSION=%s", TCPFW_VERSION);
	log_struct(CONFIG_LOG_INFO, LOG_ID_READY, &f,
		   "ready: queues %u-%u bound, up to %u flows each, TIME_WAIT %s", first, last,
		   d->cfg.table.max_flows, tw);
	int r = loop_run(d->loop);
	notify_stopping();
	if (r < 0)
		return log_errno(CONFIG_LOG_ERR, r, "main loop");
	return d->exit_code;
}

void tcpfwd_free(struct tcpfwd *d)
{
	if (!d)
		return;
	ctl_server_free(d->ctl);
	reset_free(d->reset);
	for (unsigned i = 0; i < d->n_workers; i++)
		worker_halt(d->workers[i]);
	/* the live table goes only once the snapshot holds its flows */
	bool saved = d->running && state_save(&d->cfg, d->workers, d->n_workers) == 0;
	free_workers(d);
	fastpath_close(d->fp); /* after the workers took their flows back */
	sync_free(d->sync);
	live_close(d->live, saved);
	if (saved && !d->live)
		live_remove_stale(&d->cfg);
	free(d->workers);
	loop_free(d->loop);
	free(d);
}
