// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine_live - an engine's life: the live image header (what makes a table outlive the
 * process), engine_new and engine_free, the resume of a table a dead process left, and
 * engine_check, the consistency walk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

/*
 * The header of a live image. Its layout word changes whenever struct engine_flow or the
 * packing does (the asserts in engine_internal.h) or ENGINE_IMAGE_VERSION is bumped, so that a
 * resume never reads flows another build wrote differently.
 */
#define ENGINE_IMAGE_VERSION 1
#define ENGINE_IMAGE_LAYOUT                                                                        \
	((uint32_t)ENGINE_IMAGE_VERSION << 24 | (uint32_t)TRACK_PACKED << 16 |                     \
	 (uint32_t)sizeof(struct engine_flow) << 8 | FLOW_TABLE_HEADER_SIZE)

static const uint8_t engine_image_magic[8] = {'T', 'C', 'P', 'F', 'W', 'E', 'N', 'G'};

/* ---- life cycle and reporting ---- */

static void table_params(const struct config *cfg, struct flow_table_params *tp)
{
	*tp = (struct flow_table_params){
		.max_flows = cfg->table.max_flows,
		.buckets = cfg->table.buckets,
		.value_size = sizeof(struct engine_flow),
	};
}

size_t engine_image_pool_size(const struct config *cfg)
{
	struct flow_table_params tp;

	table_params(cfg, &tp);
	return flow_table_pool_size(&tp);
}

int engine_image_check(const void *image, const struct config *cfg, uint64_t now_ms)
{
	const struct engine_image *img = image;

	if (memcmp(img->magic, engine_image_magic, sizeof(img->magic)) != 0)
		return -ENODATA;
	if (img->layout != ENGINE_IMAGE_LAYOUT || img->tick_ms != ENGINE_TICK_MS)
		return -EPROTO;
	if (img->max_flows != cfg->table.max_flows || img->buckets != cfg->table.buckets)
		return -ERANGE;
	if (img->base_ms > now_ms)
		return -ETIME;
	return 0;
}

/* Starts an empty image; the magic goes last, so a header cut short reads as never made. */
static void image_init(struct engine_image *img, const struct config *cfg, uint64_t now_ms)
{
	memset(img->magic, 0, sizeof(img->magic));
	compiler_barrier();
	*img = (struct engine_image){
		.layout = ENGINE_IMAGE_LAYOUT,
		.max_flows = cfg->table.max_flows,
		.buckets = cfg->table.buckets,
		.tick_ms = ENGINE_TICK_MS,
		.base_ms = now_ms,
		.hwm = 0,
		.busy = FLOW_TABLE_NONE,
	};
	compiler_barrier();
	memcpy(img->magic, engine_image_magic, sizeof(img->magic));
}

/* ---- resume ---- */

struct resume_ctx {
	struct engine *e;
	uint64_t now_ms;
	struct engine_resume_stats st;
};

/*
 * Judges one entry of a resumed image, and readies the ones it keeps (the table drops the
 * rest). Each is busy while it is looked at: a process that dies here too leaves the next
 * resume the same choice.
 */
static bool resume_keep(uint32_t id, const struct flow_key *k, void *value, void *arg)
{
	struct resume_ctx *c = arg;
	struct engine *e = c->e;
	struct engine_flow *f = value;
	struct tcp_track t;

	(void)k;
	flow_busy(e, id);
	uint64_t expiry = timer_wheel_take_stored(e->wheel, id);
	track_load(f, &t);
	if (!engine_track_valid(&t) || f->tclass >= _TCP_TRACK_TIMEOUT_MAX ||
	    f->tclass == TCP_TRACK_TIMEOUT_KEEP) {
		c->st.invalid++;
		return false;
	}
	/* no timer: it fired, and the flow was on its way out when the process died */
	if (expiry <= c->now_ms) {
		c->st.expired++;
		return false;
	}
	/* no timer runs longer than its class allows now: a bad expiry cannot pin a flow */
	uint64_t longest = c->now_ms + engine_timeout_ms(e, &e->cfg, t.state, f->tclass);
	if (expiry > longest)
		expiry = longest;
	tcp_track_forget_windows(&t);
	track_store(f, &t);
	f->gen = e->gen;
	timer_wheel_schedule(e->wheel, id, expiry);
	e->ctr.states[t.state]++;
	c->st.flows++;
	return true;
}

static int resume(struct engine *e, uint64_t now_ms, struct engine_resume_stats *out)
{
	struct resume_ctx c = {.e = e, .now_ms = now_ms};

	/*
	 * The torn flow goes first, while the header still names it: the rebuild names each flow
	 * it looks at in turn, so a resume that dies too would leave no trace of it otherwise.
	 */
	c.st.torn = flow_table_discard(e->table, e->img->busy);
	/* the wheel reads stored expiries against its horizon: bring it to the present */
	timer_wheel_advance(e->wheel, now_ms, 1, engine_expire_one, e);
	flow_table_rebuild(e->table, e->img->hwm, resume_keep, &c);
	flow_done(e);
	e->ctr.flows_created = c.st.flows;
	if (out)
		*out = c.st;
	return 0;
}

int engine_new(const struct engine_params *params, uint64_t now_ms, struct engine **ret)
{
	const struct config *cfg = params->config;
	struct engine *e;
	int r;

	if (!cfg || !cfg->table.max_flows || (params->image && !params->image_pool) ||
	    ((uintptr_t)params->image % 8))
		return -EINVAL;
	if (params->image && params->resume) {
		r = engine_image_check(params->image, cfg, now_ms);
		if (r < 0)
			return r;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cfg = e->prev_cfg = *cfg;
	e->on_event = params->on_event;
	e->event_arg = params->event_arg;
	engine_set_tcp_params(e);
	e->img = params->image ? params->image : &e->own_img;
	if (!params->image || !params->resume)
		image_init(e->img, cfg, now_ms);

	struct flow_table_params tp;
	table_params(cfg, &tp);
	tp.pool = params->image_pool;
	memcpy(tp.hash_key, params->hash_key, sizeof(tp.hash_key));
	r = flow_table_new(&tp, &e->table);
	if (r < 0)
		goto fail;
	/* each flow's timer node lives in its table value, next to its key and tracker */
	struct timer_wheel_params wp = {
		.capacity = cfg->table.max_flows,
		.tick_ms = ENGINE_TICK_MS,
		.slots = ENGINE_WHEEL_SLOTS,
		.nodes = (uint8_t *)flow_table_value(e->table, 0) +
			 offsetof(struct engine_flow, timer),
		.node_stride = flow_table_stride(e->table),
	};
	r = timer_wheel_new(&wp, e->img->base_ms, &e->wheel);
	if (r < 0)
		goto fail;
	r = engine_acct_new(cfg, &e->acct_mem, &e->acct);
	if (r < 0)
		goto fail;
	e->ctr.max_flows = cfg->table.max_flows;
	if (params->image && params->resume)
		resume(e, now_ms, params->resumed);
	*ret = e;
	return 0;
fail:
	engine_free(e);
	return r;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	timer_wheel_free(e->wheel);
	flow_table_free(e->table);
	region_free(&e->acct_mem);
	engine_sync_free(e->sync);
	engine_fp_free(e->fp);
	free(e);
}

/* Flows engine_check() hashes and prefetches ahead of looking them up. */
#define ENGINE_CHECK_CHUNK 32

/* One used flow: found by its key (hash given), valid, armed; counted in states. */
static const char *check_flow(const struct engine *e, uint32_t id, uint32_t hash, uint32_t *states)
{
	const struct engine_flow *f = flow_table_value_const(e->table, id);
	struct tcp_track t;

	if (flow_table_lookup(e->table, flow_table_key(e->table, id), hash) != id)
		return "a flow is not found by its key";
	track_load(f, &t);
	if (!engine_track_valid(&t))
		return "a flow holds an invalid tracker state";
	if (!timer_wheel_is_armed(e->wheel, id))
		return "a flow has no timer";
	states[t.state]++;
	return NULL;
}

const char *engine_check(const struct engine *e)
{
	uint32_t cap = flow_table_capacity(e->table), n = 0;
	uint32_t states[_TCP_TRACK_STATE_MAX] = {0};
	uint32_t ids[ENGINE_CHECK_CHUNK], hashes[ENGINE_CHECK_CHUNK];
	uint32_t id = flow_table_next(e->table, 0);

	/* in chunks, as the batch path does, so that the lookups' misses overlap */
	while (id != FLOW_TABLE_NONE && id < cap) {
		unsigned m = 0;

		for (; m < ENGINE_CHECK_CHUNK && id != FLOW_TABLE_NONE;
		     id = flow_table_next(e->table, id + 1)) {
			ids[m] = id;
			hashes[m] = flow_table_hash(e->table, flow_table_key(e->table, id));
			flow_table_prefetch_bucket(e->table, hashes[m++]);
		}
		for (unsigned i = 0; i < m; i++)
			flow_table_prefetch_entry(e->table, hashes[i]);
		for (unsigned i = 0; i < m; i++) {
			const char *why = check_flow(e, ids[i], hashes[i], states);
			if (why)
				return why;
		}
		n += m;
	}
	if (n != flow_table_count(e->table) || n != timer_wheel_armed_count(e->wheel))
		return "the table's count, the flows and the armed timers disagree";
	if (memcmp(states, e->ctr.states, sizeof(states)) != 0)
		return "the per-state counts disagree with the flows";
	return NULL;
}
