// SPDX-License-Identifier: GPL-2.0
/*
 * snndev character devices: open/release, the ioctls of uapi/linux/snn.h,
 * mmap of spike queues and doorbells, poll.
 */
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/poll.h>
#include <linux/mm.h>
#include <linux/file.h>
#include <linux/sched/signal.h>
#include <linux/ktime.h>
#include <linux/delay.h>

#include "snn_core.h"
#include "snn_compat.h"
#include "snn_load.h"

/* The largest ioctl struct, for the on-stack copy. */
#define SNN_IOC_MAX_SIZE	256

struct snn_ioctl_desc {
	unsigned int cmd;
	u32 nodes;		/* BIT(SNN_NODE_*) it applies to */
	bool copy_on_error;	/* copy the struct out even on failure */
	bool own_locking;	/* fn takes snn_file_lock() itself */
	long (*fn)(struct snn_file *f, void *arg);
};

static bool snn_file_stale(struct snn_file *f)
{
	struct snn_unit *u = f->unit;
	struct snn_board *b = u->board;

	if (b->gone || f->gen != b->gen)
		return true;
	return u->type != SNN_NODE_BOARD && READ_ONCE(u->owner) != f;
}

/* Take board->lock (read) and the unit mutex; -ENODEV if stale. */
static int snn_file_lock(struct snn_file *f)
{
	struct snn_unit *u = f->unit;

	down_read(&u->board->lock);
	if (snn_file_stale(f)) {
		up_read(&u->board->lock);
		return -ENODEV;
	}
	mutex_lock(&u->mutex);
	return 0;
}

static void snn_file_unlock(struct snn_file *f)
{
	mutex_unlock(&f->unit->mutex);
	up_read(&f->unit->board->lock);
}

/* ---- queues ---------------------------------------------------------- */

static u32 snn_ring_dev_index(const struct snn_ring *r)
{
	return le32_to_cpu(READ_ONCE(*(__le32 *)r->cpu));
}

/* Free a set of queues; the device must no longer use them. */
static void snn_rings_free(struct snn_board *b,
			   struct snn_ring *rings[2][SNN_MAX_QUEUES])
{
	unsigned int d, q;

	for (d = 0; d < 2; d++) {
		for (q = 0; q < SNN_MAX_QUEUES; q++) {
			struct snn_ring *r = rings[d][q];

			if (!r)
				continue;
			rings[d][q] = NULL;
			b->ops->ring_free(b, r);
			kfree(r);
		}
	}
}

void snn_file_free_rings(struct snn_file *f)
{
	snn_rings_free(f->unit->board, f->rings);
}

/* Queues kept from a file whose cluster would not stop; device stopped. */
void snn_unit_free_orphans(struct snn_unit *u)
{
	snn_rings_free(u->board, u->orphans);
}

/* The cluster did not stop: keep its queue memory until it does. */
static void snn_file_orphan_rings(struct snn_file *f)
{
	struct snn_unit *u = f->unit;
	unsigned int d, q;

	for (d = 0; d < 2; d++) {
		for (q = 0; q < SNN_MAX_QUEUES; q++) {
			if (!f->rings[d][q])
				continue;
			/* an occupied slot: leak rather than free used memory */
			if (!u->orphans[d][q])
				u->orphans[d][q] = f->rings[d][q];
			f->rings[d][q] = NULL;
		}
	}
}

/* After a full cluster reset: program the queues again, indices at 0. */
void snn_file_restore_queues(struct snn_file *f)
{
	struct snn_board *b = f->unit->board;
	unsigned int d, q;

	for (d = 0; d < 2; d++) {
		for (q = 0; q < SNN_MAX_QUEUES; q++) {
			struct snn_ring *r = f->rings[d][q];

			if (!r)
				continue;
			memset(r->cpu, 0, r->size);
			b->ops->queue_enable(b, f->unit->hw, d, q, r);
		}
	}
}

static int snn_check_queue_id(struct snn_file *f, u32 dir, u32 q)
{
	const struct snn_caps *c = &f->unit->board->caps;

	if (dir > SNN_QUEUE_OUT)
		return -EINVAL;
	if (q >= (dir == SNN_QUEUE_IN ? c->in_queues : c->out_queues))
		return -EINVAL;
	return 0;
}

static long snn_ioc_queue_create(struct snn_file *f, void *arg)
{
	struct snn_queue_create *qc = arg;
	struct snn_board *b = f->unit->board;
	struct snn_ring *r;
	int ret;

	if (qc->flags || qc->reserved)
		return -EINVAL;
	ret = snn_check_queue_id(f, qc->dir, qc->index);
	if (ret)
		return ret;
	if (qc->depth_log2 < SNN_MIN_QUEUE_LOG2 ||
	    qc->depth_log2 > b->caps.queue_log2)
		return -EINVAL;
	if (f->rings[qc->dir][qc->index])
		return -EEXIST;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->log2 = qc->depth_log2;
	r->size = PAGE_SIZE + PAGE_ALIGN((size_t)SNN_EVENT_SIZE << r->log2);
	ret = b->ops->ring_alloc(b, r);
	if (ret) {
		kfree(r);
		return ret;
	}
	memset(r->cpu, 0, r->size);
	r->id = ++f->ring_ids;
	f->rings[qc->dir][qc->index] = r;
	b->ops->queue_enable(b, f->unit->hw, qc->dir, qc->index, r);

	qc->mmap_offset = SNN_MMAP_QUEUE(qc->dir, qc->index);
	qc->mmap_size = r->size;
	qc->ring_offset = PAGE_SIZE;
	qc->wb_offset = 0;
	qc->entries = 1u << r->log2;
	return 0;
}

/* 0 if idle, -EBUSY while running or loading, -ENODEV if gone. */
static int snn_cluster_idle(struct snn_file *f)
{
	u32 st;
	int ret = snn_cl_status(f->unit->board, f->unit->hw, &st);

	if (ret)
		return ret;
	return st & (SNN_CL_ST_RUNNING | SNN_CL_ST_LOADING) ? -EBUSY : 0;
}

static long snn_ioc_queue_destroy(struct snn_file *f, void *arg)
{
	struct snn_queue_id *qi = arg;
	struct snn_unit *u = f->unit;
	struct snn_board *b = u->board;
	struct snn_ring *r;
	int ret;

	ret = snn_check_queue_id(f, qi->dir, qi->index);
	if (ret)
		return ret;
	r = f->rings[qi->dir][qi->index];
	if (!r)
		return -ENOENT;
	ret = snn_cluster_idle(f);
	if (ret)
		return ret;
	b->ops->queue_disable(b, u->hw, qi->dir, qi->index);
	unmap_mapping_range(u->inode->i_mapping,
			    SNN_MMAP_QUEUE(qi->dir, qi->index), r->size, 1);
	f->rings[qi->dir][qi->index] = NULL;
	b->ops->ring_free(b, r);
	kfree(r);
	return 0;
}

static long snn_ioc_doorbell(struct snn_file *f, void *arg)
{
	struct snn_doorbell *d = arg;
	struct snn_board *b = f->unit->board;
	int ret;

	if (d->reserved)
		return -EINVAL;
	ret = snn_check_queue_id(f, d->dir, d->index);
	if (ret)
		return ret;
	if (!f->rings[d->dir][d->index])
		return -ENOENT;
	return b->ops->doorbell(b, f->unit->hw,
				d->dir == SNN_QUEUE_IN ? SNN_DB_INQ(d->index) :
				SNN_DB_OUTQ(d->index), d->value);
}

/* ---- load, run, wait --------------------------------------------------- */

static long snn_ioc_load(struct snn_file *f, void *arg)
{
	struct snn_load *req = arg;
	struct snn_unit *u = f->unit;
	struct snn_board *b = u->board;
	struct snn_load_caps lc = {
		.cores = b->caps.cores, .neurons = b->caps.neurons,
		.axons = b->caps.axons, .synapses = b->caps.synapses,
		.fanout = b->caps.fanout, .profiles = b->caps.profiles,
		.out_queues = b->caps.out_queues,
	};
	unsigned long end;
	void *img, *token;
	size_t len;
	u32 st;
	int ret;

	req->err_section = 0;
	req->err_index = 0;
	req->err_field = 0;
	req->err_limit = 0;
	/* copy and validate before taking locks: user memory may fault */
	ret = snn_load_build(req, &lc, &img, &len);
	if (ret)
		return ret;
	ret = snn_file_lock(f);
	if (ret) {
		kvfree(img);
		return ret;
	}
	ret = snn_cluster_idle(f);
	if (ret) {
		kvfree(img);
		goto unlock;
	}
	ret = b->ops->load_start(b, u->hw, img, len, &token);
	kvfree(img);
	if (ret)
		goto unlock;
	end = jiffies + msecs_to_jiffies(30000);
	for (;;) {
		st = snn_cl_rd(b, u->hw, SNN_CL_STATUS);
		if (st == ~0u && !snn_board_check_alive(b)) {
			ret = -ENODEV;
			break;
		}
		if (!(st & SNN_CL_ST_LOADING))
			break;
		if (time_after(jiffies, end)) {
			ret = -ETIMEDOUT;
			break;
		}
		usleep_range(50, 200);
	}
	if (ret == -ETIMEDOUT) {
		if (snn_cluster_reset_hw(b, u->hw, true)) {
			/* the device may still read the image: keep it */
			dev_err(b->parent,
				"cluster %u: load timed out and reset failed\n",
				u->hw);
			goto unlock;
		}
		snn_file_restore_queues(f);
		f->run_started = false;
	}
	b->ops->load_done(b, token);
	if (ret)
		goto unlock;
	if (st & SNN_CL_ST_ERROR) {
		dev_err(b->parent,
			"cluster %u refused a validated network: error %u at %#x\n",
			u->hw, snn_cl_rd(b, u->hw, SNN_CL_ERROR),
			snn_cl_rd(b, u->hw, SNN_CL_ERROR_INFO));
		ret = -EIO;
		goto unlock;
	}
	f->run_started = false;
unlock:
	snn_file_unlock(f);
	return ret;
}

static long snn_ioc_run(struct snn_file *f, void *arg)
{
	struct snn_run *run = arg;
	struct snn_unit *u = f->unit;
	struct snn_board *b = u->board;
	bool fresh = run->flags & SNN_RUN_RESET_STATE;
	u32 st, rem;
	int ret;

	if ((run->flags & ~SNN_RUN_RESET_STATE) || !run->steps)
		return -EINVAL;
	ret = snn_cl_status(b, u->hw, &st);
	if (ret)
		return ret;
	if (st & SNN_CL_ST_ERROR || u->health == SNN_HEALTH_FAILED)
		return -EIO;
	if (!(st & SNN_CL_ST_LOADED))
		return -ENODATA;
	if (st & (SNN_CL_ST_LOADING | SNN_CL_ST_RESETTING))
		return -EBUSY;
	rem = snn_cl_rd(b, u->hw, SNN_CL_REMAINING);
	if (fresh && (rem || (st & SNN_CL_ST_RUNNING)))
		return -EBUSY;	/* a state reset needs an idle cluster */
	if (rem > U32_MAX - run->steps)
		return -EOVERFLOW;
	if (fresh && !(b->caps.features & SNN_FEAT_RUN_FRESH)) {
		/* a board without the combined command: reset, then run */
		ret = snn_cluster_reset_hw(b, u->hw, false);
		if (ret)
			return ret;
	}
	spin_lock_irq(&u->irq_lock);
	u->irq_bits &= ~SNN_CL_IRQ_RUN_DONE;
	spin_unlock_irq(&u->irq_lock);
	f->run_started = true;
	if (fresh && (b->caps.features & SNN_FEAT_RUN_FRESH))
		snn_cl_wr(b, u->hw, SNN_CL_RUN_FRESH, run->steps);
	else
		snn_cl_wr(b, u->hw, SNN_CL_RUN, run->steps);
	snn_watchdog_arm(u);
	return 0;
}

/*
 * Output the device wrote that is still on its way to the host rings;
 * then *@timestep (if not NULL) is lowered to the timesteps whose output
 * has arrived whole.
 */
static bool snn_output_in_flight(struct snn_board *b, unsigned int cl,
				 u32 *timestep)
{
	return b->ops->output_in_flight &&
	       b->ops->output_in_flight(b, cl, timestep);
}

static bool snn_output_pending(struct snn_file *f)
{
	struct snn_board *b = f->unit->board;
	unsigned int q;

	for (q = 0; q < b->caps.out_queues; q++) {
		struct snn_ring *r = f->rings[SNN_QUEUE_OUT][q];

		if (r && snn_ring_dev_index(r) !=
		    snn_cl_rd(b, f->unit->hw, SNN_CL_OUTQ(q) + SNN_Q_HEAD))
			return true;
	}
	return false;
}

static bool snn_input_space(struct snn_file *f)
{
	struct snn_board *b = f->unit->board;
	unsigned int q;

	for (q = 0; q < b->caps.in_queues; q++) {
		struct snn_ring *r = f->rings[SNN_QUEUE_IN][q];
		u32 prod;

		if (!r)
			continue;
		prod = snn_cl_rd(b, f->unit->hw, SNN_CL_INQ(q) + SNN_Q_TAIL);
		if (prod - snn_ring_dev_index(r) < (1u << r->log2))
			return true;
	}
	return false;
}

/* Let a transport with slow register reads read the cluster's at once. */
static void snn_snap(struct snn_unit *u, bool on)
{
	if (u->board->ops->snap)
		u->board->ops->snap(u->board, u->hw, on);
}

/* Snapshot the cluster's state into @w; -ENODEV if the device has gone. */
static int snn_wait_state(struct snn_file *f, struct snn_wait *w)
{
	struct snn_unit *u = f->unit;
	struct snn_board *b = u->board;
	bool in_flight;
	u32 st;
	int ret = snn_cl_status(b, u->hw, &st);

	if (ret)
		return ret;

	w->timestep = snn_cl_rd(b, u->hw, SNN_CL_TIMESTEP);
	w->remaining = snn_cl_rd(b, u->hw, SNN_CL_REMAINING);
	/* after TIMESTEP: the output of the timesteps before it is counted */
	in_flight = snn_output_in_flight(b, u->hw, &w->timestep);
	if (b->ops->sync)
		b->ops->sync(b, u->hw);
	w->error = 0;
	w->error_info = 0;
	if (u->health == SNN_HEALTH_FAILED) {
		w->state = SNN_STATE_HUNG;
	} else if (st & SNN_CL_ST_ERROR) {
		w->state = SNN_STATE_ERROR;
		w->error = snn_cl_rd(b, u->hw, SNN_CL_ERROR);
		w->error_info = snn_cl_rd(b, u->hw, SNN_CL_ERROR_INFO);
	} else if (st & (SNN_CL_ST_STALLED | SNN_CL_ST_ROUTE_WAIT)) {
		w->state = SNN_STATE_STALLED;
	} else if (in_flight || (st & SNN_CL_ST_RUNNING)) {
		w->state = SNN_STATE_RUNNING;
	} else {
		w->state = SNN_STATE_IDLE;
	}
	return 0;
}

static long snn_ioc_wait(struct snn_file *f, void *arg)
{
	struct snn_wait *w = arg;
	struct snn_unit *u = f->unit;
	ktime_t end = 0;
	bool out;
	int seq;
	long t;

	if (w->flags & ~SNN_WAIT_OUTPUT)
		return -EINVAL;
	if (w->timeout_ns > 0)
		end = ktime_add_ns(ktime_get(), w->timeout_ns);
	/* never sleep with the locks held */
	for (;;) {
		int ret = snn_file_lock(f);

		if (ret)
			return ret;
		if (w->flags & SNN_WAIT_OUTPUT)
			snn_unit_irq_want(u, SNN_CL_IRQ_OUTPUT);
		seq = atomic_read(&u->irq_seq);
		snn_snap(u, true);
		ret = snn_wait_state(f, w);
		out = !ret && (w->flags & SNN_WAIT_OUTPUT) &&
		      snn_output_pending(f);
		snn_snap(u, false);
		if (!ret && w->state == SNN_STATE_IDLE)
			f->run_started = false;	/* completion seen */
		snn_file_unlock(f);
		if (ret)
			return ret;
		if (w->state == SNN_STATE_ERROR || w->state == SNN_STATE_HUNG)
			return -EIO;
		if (w->state == SNN_STATE_IDLE || out)
			return 0;
		if (!w->timeout_ns)
			return -ETIMEDOUT;
		if (w->timeout_ns > 0) {
			s64 left = ktime_to_ns(ktime_sub(end, ktime_get()));

			if (left <= 0)
				return -ETIMEDOUT;
			t = min_t(long, nsecs_to_jiffies(left) + 1, HZ / 10);
		} else {
			t = HZ / 10;	/* re-check: robust to lost IRQs */
		}
		t = wait_event_interruptible_timeout(u->wq,
						     atomic_read(&u->irq_seq) != seq,
						     t);
		if (t < 0)
			return -EINTR;
	}
}

static long snn_ioc_counters(struct snn_file *f, void *arg)
{
	u64 *c = arg;	/* struct snn_counters: SNN_CNT_* order */
	unsigned int i;

	BUILD_BUG_ON(offsetof(struct snn_counters, ain_saturations) !=
		     8 * SNN_CNT_AIN_SAT);
	for (i = 0; i < SNN_CNT_NUM; i++)
		c[i] = snn_cl_counter(f->unit->board, f->unit->hw, i);
	return 0;
}

static void snn_routes_drop_cluster(struct snn_board *b, unsigned int cl);

static long snn_ioc_reset(struct snn_file *f, void *arg)
{
	struct snn_reset *r = arg;
	struct snn_unit *u = f->unit;
	struct snn_board *b = u->board;
	bool full = !(r->flags & SNN_RESET_STATE);
	int ret;

	if ((r->flags & ~SNN_RESET_STATE) || r->reserved)
		return -EINVAL;
	cancel_delayed_work(&u->watchdog);
	ret = snn_cluster_reset_hw(b, u->hw, full);
	if (ret)
		return ret;
	if (full)
		snn_file_restore_queues(f);
	f->run_started = false;
	spin_lock_irq(&u->irq_lock);
	u->irq_bits = 0;
	spin_unlock_irq(&u->irq_lock);
	snn_unit_set_health(u, SNN_HEALTH_OK, "cluster reset");
	return 0;
}

static long snn_ioc_config(struct snn_file *f, void *arg)
{
	struct snn_config *c = arg;
	struct snn_board *b = f->unit->board;

	if ((c->flags & ~SNN_CONFIG_OUT_DROP) || c->reserved)
		return -EINVAL;
	if ((c->flags & SNN_CONFIG_OUT_DROP) &&
	    !(b->caps.features & SNN_FEAT_OUT_DROP))
		return -EOPNOTSUPP;
	snn_cl_wr(b, f->unit->hw, SNN_CL_CONFIG,
		  c->flags & SNN_CONFIG_OUT_DROP ? SNN_CL_CFG_OUT_DROP : 0);
	return 0;
}

static long snn_ioc_eventfd(struct snn_file *f, void *arg)
{
	struct snn_eventfd *e = arg;
	struct snn_unit *u = f->unit;
	struct eventfd_ctx *ctx = NULL, *old;

	if (e->events & ~(SNN_NOTIFY_RUN_DONE | SNN_NOTIFY_OUTPUT |
			  SNN_NOTIFY_ERROR))
		return -EINVAL;
	if (e->fd >= 0) {
		if (!e->events)
			return -EINVAL;
		ctx = eventfd_ctx_fdget(e->fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	} else if (e->fd != -1 || e->events) {
		return -EINVAL;
	}
	if (e->events & SNN_NOTIFY_OUTPUT)
		snn_unit_irq_want(u, SNN_CL_IRQ_OUTPUT);
	spin_lock_irq(&u->irq_lock);
	old = f->efd;
	f->efd = ctx;
	f->efd_events = e->events;
	spin_unlock_irq(&u->irq_lock);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

/* ---- routes -------------------------------------------------------------- */

/* The cluster behind a caller's fd, if it is an owned cluster of @b. */
static int snn_route_cluster(struct snn_board *b, int fd, u32 mask,
			     unsigned int *cl)
{
	struct fd fdt = fdget(fd);
	struct snn_file *of;
	int ret = 0;

	if (!snn_fd_file(fdt))
		return -EBADF;
	if (snn_fd_file(fdt)->f_op != &snn_fops) {
		ret = -EINVAL;
		goto out;
	}
	of = snn_fd_file(fdt)->private_data;
	if (of->unit->board != b || of->unit->type != SNN_NODE_CLUSTER ||
	    snn_file_stale(of)) {
		ret = -EINVAL;
		goto out;
	}
	if (!(mask & BIT(of->unit->hw))) {
		ret = -EXDEV;	/* this routing unit does not reach it */
		goto out;
	}
	*cl = of->unit->hw;
out:
	fdput(fdt);
	return ret;
}

/* Forget a route the hardware deleted (router unit mutex held). */
static void snn_route_untrack(struct snn_unit *u, u32 src, u32 dst)
{
	struct snn_route_ent *e;

	list_for_each_entry(e, &u->routes, node) {
		if (e->src == src && e->dst == dst) {
			list_del(&e->node);
			kfree(e);
			return;
		}
	}
}

static long snn_route_cmd(struct snn_file *f, void *arg, u32 cmd)
{
	struct snn_route *rt = arg;
	struct snn_unit *u = f->unit;
	struct snn_board *b = u->board;
	const struct snn_caps *c = &b->caps;
	u32 base = SNN_ROUTER_BASE(u->hw), mask = c->router_mask[u->hw];
	struct snn_route_ent *e = NULL;
	unsigned int src, dst;
	u32 st;
	int ret;

	if (rt->flags || rt->reserved)
		return -EINVAL;
	ret = snn_route_cluster(b, rt->src_fd, mask, &src);
	if (ret)
		return ret;
	ret = snn_route_cluster(b, rt->dst_fd, mask, &dst);
	if (ret)
		return ret;
	if (rt->src_core >= c->cores || rt->src_neuron >= c->neurons ||
	    rt->dst_core >= c->cores || rt->dst_axon >= c->axons)
		return -EINVAL;
	/* the record first: a route the driver cannot track is never added */
	if (cmd == SNN_RT_CMD_ADD) {
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (!e)
			return -ENOMEM;
	}
	src = SNN_RT_ADDR(src, rt->src_core, rt->src_neuron);
	dst = SNN_RT_ADDR(dst, rt->dst_core, rt->dst_axon);
	snn_wr(b, base + SNN_RT_SRC, src);
	snn_wr(b, base + SNN_RT_DST, dst);
	snn_wr(b, base + SNN_RT_CMD, cmd);
	st = snn_rd(b, base + SNN_RT_CMD_STATUS);
	switch (st) {
	case SNN_E_NONE:
		if (e) {
			e->src = src;
			e->dst = dst;
			list_add_tail(&e->node, &u->routes);
			return 0;
		}
		snn_route_untrack(u, src, dst);
		return 0;
	case SNN_E_RT_FULL:
		ret = -ENOSPC;
		break;
	case SNN_E_RT_EXISTS:
		ret = -EEXIST;
		break;
	case SNN_E_RT_NOENT:
		ret = -ENOENT;
		break;
	case ~0u:
		ret = -ENODEV;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	kfree(e);
	return ret;
}

static long snn_ioc_route_add(struct snn_file *f, void *arg)
{
	return snn_route_cmd(f, arg, SNN_RT_CMD_ADD);
}

static long snn_ioc_route_del(struct snn_file *f, void *arg)
{
	return snn_route_cmd(f, arg, SNN_RT_CMD_DEL);
}

static bool snn_route_has_cluster(const struct snn_route_ent *e,
				  unsigned int cl)
{
	return SNN_RT_ADDR_CLUSTER(e->src) == cl ||
	       SNN_RT_ADDR_CLUSTER(e->dst) == cl;
}

/*
 * A cluster changing hands must not receive or send spikes through routes
 * its previous owner set up: delete every route from or to it.  When that
 * is every route of a routing unit, one CLEAR does it (a full table is
 * thousands of DELs, each three register writes: a USB board's control
 * transfers).  Caller holds board->lock (read) and the cluster's mutex.
 */
static void snn_routes_drop_cluster(struct snn_board *b, unsigned int cl)
{
	unsigned int r;

	for (r = 0; r < b->caps.routers; r++) {
		struct snn_unit *ru = &b->units[b->caps.clusters + r];
		u32 base = SNN_ROUTER_BASE(r);
		struct snn_route_ent *e, *tmp;
		bool all = true;

		if (!(b->caps.router_mask[r] & BIT(cl)))
			continue;
		mutex_lock(&ru->mutex);
		list_for_each_entry(e, &ru->routes, node)
			all = all && snn_route_has_cluster(e, cl);
		if (all && !list_empty(&ru->routes))
			snn_wr(b, base + SNN_RT_CMD, SNN_RT_CMD_CLEAR);
		list_for_each_entry_safe(e, tmp, &ru->routes, node) {
			if (!snn_route_has_cluster(e, cl))
				continue;
			if (!all) {
				snn_wr(b, base + SNN_RT_SRC, e->src);
				snn_wr(b, base + SNN_RT_DST, e->dst);
				snn_wr(b, base + SNN_RT_CMD, SNN_RT_CMD_DEL);
			}
			list_del(&e->node);
			kfree(e);
		}
		mutex_unlock(&ru->mutex);
	}
}

/* ---- board node ------------------------------------------------------------ */

static long snn_ioc_info(struct snn_file *f, void *arg)
{
	struct snn_info *i = arg;
	struct snn_unit *u = f->unit;
	struct snn_board *b = u->board;
	const struct snn_caps *c = &b->caps;

	i->abi_major = SNN_ABI_MAJOR;
	i->abi_minor = SNN_ABI_MINOR;
	i->caps = SNN_CAP_EVENTFD;
	if (b->ops->doorbell_pfn)
		i->caps |= SNN_CAP_MAPPED_DOORBELL;
	if (c->features & SNN_FEAT_ROUTERS)
		i->caps |= SNN_CAP_ROUTERS;
	if (c->features & SNN_FEAT_OUT_DROP)
		i->caps |= SNN_CAP_OUT_DROP;
	if (c->features & SNN_FEAT_FAULT_INJECT)
		i->caps |= SNN_CAP_FAULT_INJECT;
	if (c->features & SNN_FEAT_LOAD_SG)
		i->caps |= SNN_CAP_LOAD_SG;
	i->node_type = u->type;
	i->board = b->index;
	i->unit = u->index;
	i->transport = b->ops->transport;
	i->board_id = c->board_id;
	i->revision = c->revision;
	i->hw_version = c->hw_version;
	i->clusters = c->clusters;
	i->routers = c->routers;
	i->cores = c->cores;
	i->neurons = c->neurons;
	i->axons = c->axons;
	i->synapses = c->synapses;
	i->fanout = c->fanout;
	i->profiles = c->profiles;
	i->in_queues = c->in_queues;
	i->out_queues = c->out_queues;
	i->max_queue_log2 = c->queue_log2;
	i->route_entries = c->route_entries;
	i->route_delay = c->route_delay;
	i->route_fifo = c->route_fifo;
	i->rated_eps = c->rated_eps;
	i->rated_sps = c->rated_sps;
	i->unit_clusters = u->type == SNN_NODE_ROUTER ?
			   c->router_mask[u->hw] :
			   u->type == SNN_NODE_CLUSTER ? BIT(u->hw) : 0;
	strscpy(i->driver_version, SNN_DRV_VERSION, sizeof(i->driver_version));
	strscpy(i->bus_id, b->bus_id, sizeof(i->bus_id));
	return 0;
}

static const struct snn_ioctl_desc snn_ioctls[] = {
	{ SNN_IOC_INFO, BIT(SNN_NODE_BOARD) | BIT(SNN_NODE_CLUSTER) |
	  BIT(SNN_NODE_ROUTER), false, false, snn_ioc_info },
	{ SNN_IOC_LOAD, BIT(SNN_NODE_CLUSTER), true, true, snn_ioc_load },
	{ SNN_IOC_QUEUE_CREATE, BIT(SNN_NODE_CLUSTER), false, false,
	  snn_ioc_queue_create },
	{ SNN_IOC_QUEUE_DESTROY, BIT(SNN_NODE_CLUSTER), false, false,
	  snn_ioc_queue_destroy },
	{ SNN_IOC_DOORBELL, BIT(SNN_NODE_CLUSTER), false, false, snn_ioc_doorbell },
	{ SNN_IOC_RUN, BIT(SNN_NODE_CLUSTER), false, false, snn_ioc_run },
	{ SNN_IOC_WAIT, BIT(SNN_NODE_CLUSTER), true, true, snn_ioc_wait },
	{ SNN_IOC_COUNTERS, BIT(SNN_NODE_CLUSTER), false, false, snn_ioc_counters },
	{ SNN_IOC_RESET, BIT(SNN_NODE_CLUSTER), false, false, snn_ioc_reset },
	{ SNN_IOC_CONFIG, BIT(SNN_NODE_CLUSTER), false, false, snn_ioc_config },
	{ SNN_IOC_EVENTFD, BIT(SNN_NODE_CLUSTER), false, false, snn_ioc_eventfd },
	{ SNN_IOC_ROUTE_ADD, BIT(SNN_NODE_ROUTER), false, false, snn_ioc_route_add },
	{ SNN_IOC_ROUTE_DEL, BIT(SNN_NODE_ROUTER), false, false, snn_ioc_route_del },
	{ SNN_IOC_BOARD_RESET, BIT(SNN_NODE_BOARD), false, false, NULL },
};

static long snn_board_reset_ioctl(struct snn_file *f, void *arg,
				  struct file *filp)
{
	struct snn_reset *r = arg;

	if (r->flags || r->reserved)
		return -EINVAL;
	if (!(filp->f_mode & FMODE_WRITE))
		return -EPERM;
	return snn_board_reset(f->unit->board);
}

static long snn_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct snn_file *f = filp->private_data;
	void __user *uarg = (void __user *)arg;
	const struct snn_ioctl_desc *d = NULL;
	u64 buf[SNN_IOC_MAX_SIZE / 8];
	size_t usize = _IOC_SIZE(cmd), ksize;
	unsigned int i;
	long ret;

	if (_IOC_TYPE(cmd) != SNN_IOC_MAGIC)
		return -ENOTTY;
	for (i = 0; i < ARRAY_SIZE(snn_ioctls); i++) {
		if (_IOC_NR(snn_ioctls[i].cmd) == _IOC_NR(cmd) &&
		    _IOC_DIR(snn_ioctls[i].cmd) == _IOC_DIR(cmd)) {
			d = &snn_ioctls[i];
			break;
		}
	}
	if (!d)
		return -ENOTTY;
	if (!(d->nodes & BIT(f->unit->type)))
		return -ENOTTY;
	ksize = _IOC_SIZE(d->cmd);
	BUILD_BUG_ON(sizeof(struct snn_info) > SNN_IOC_MAX_SIZE);
	/* every struct's first version is its current size */
	if (usize < ksize)
		return -EINVAL;
	memset(buf, 0, sizeof(buf));
	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		ret = copy_struct_from_user(buf, ksize, uarg, usize);
		if (ret)
			return ret;
	}

	if (d->cmd == SNN_IOC_BOARD_RESET) {
		down_read(&f->unit->board->lock);
		ret = snn_file_stale(f) ? -ENODEV : 0;
		up_read(&f->unit->board->lock);
		return ret ? ret : snn_board_reset_ioctl(f, buf, filp);
	}

	if (d->own_locking) {
		ret = d->fn(f, buf);
	} else {
		ret = snn_file_lock(f);
		if (ret)
			return ret;
		ret = d->fn(f, buf);
		snn_file_unlock(f);
	}

	if ((_IOC_DIR(cmd) & _IOC_READ) && (!ret || d->copy_on_error)) {
		if (copy_to_user(uarg, buf, min(usize, ksize)))
			return -EFAULT;
		if (usize > ksize && clear_user(uarg + ksize, usize - ksize))
			return -EFAULT;
	}
	return ret;
}

/* ---- open, release ------------------------------------------------------ */

static int snn_open(struct inode *inode, struct file *filp)
{
	struct snn_unit *u;
	struct snn_board *b;
	struct snn_file *f;
	int ret = 0;

	mutex_lock(&snn_minors_lock);
	u = xa_load(&snn_minors, iminor(inode));
	if (u)
		kref_get(&u->board->ref);
	mutex_unlock(&snn_minors_lock);
	if (!u)
		return -ENODEV;
	b = u->board;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f) {
		snn_board_put(b);
		return -ENOMEM;
	}
	f->unit = u;
	down_read(&b->lock);
	if (b->gone) {
		ret = -ENODEV;
	} else if (u->type != SNN_NODE_BOARD) {
		mutex_lock(&u->mutex);
		if (u->owner) {
			ret = -EBUSY;
		} else {
			spin_lock_irq(&u->irq_lock);
			u->owner = f;
			u->irq_bits = 0;
			spin_unlock_irq(&u->irq_lock);
			if (u->type == SNN_NODE_CLUSTER)
				snn_unit_irq_init(u);
		}
		mutex_unlock(&u->mutex);
	}
	f->gen = b->gen;
	up_read(&b->lock);
	if (ret) {
		kfree(f);
		snn_board_put(b);
		return ret;
	}
	filp->private_data = f;
	filp->f_mapping = u->inode->i_mapping;
	return nonseekable_open(inode, filp);
}

static int snn_release(struct inode *inode, struct file *filp)
{
	struct snn_file *f = filp->private_data;
	struct snn_unit *u = f->unit;
	struct snn_board *b = u->board;

	down_read(&b->lock);
	mutex_lock(&u->mutex);
	if (u->owner == f) {
		if (!b->gone && f->gen == b->gen &&
		    u->type == SNN_NODE_CLUSTER) {
			/* stop all DMA into our queues before freeing them */
			cancel_delayed_work(&u->watchdog);
			snn_routes_drop_cluster(b, u->hw);
			snn_unit_zap(u);
			if (snn_cluster_reset_hw(b, u->hw, true) == -ETIMEDOUT) {
				dev_err(b->parent,
					"cluster %u does not stop; its queues stay allocated until the board resets\n",
					u->hw);
				snn_file_orphan_rings(f);
			} else if (u->health != SNN_HEALTH_OK) {
				snn_unit_set_health(u, SNN_HEALTH_OK,
						    "released");
			}
		} else if (!b->gone && f->gen != b->gen &&
			   u->type == SNN_NODE_CLUSTER) {
			/* a failed board reset: the device was never stopped */
			snn_routes_drop_cluster(b, u->hw);
			if (snn_cluster_reset_hw(b, u->hw, true))
				snn_file_orphan_rings(f);
		}
		snn_file_free_rings(f);
		spin_lock_irq(&u->irq_lock);
		u->owner = NULL;
		spin_unlock_irq(&u->irq_lock);
	}
	mutex_unlock(&u->mutex);
	up_read(&b->lock);
	if (f->efd)
		eventfd_ctx_put(f->efd);
	kfree(f);
	snn_board_put(b);
	return 0;
}

/* ---- mmap, poll ------------------------------------------------------------ */

/*
 * Mappings are filled in on the first fault, never in mmap(): a PTE that
 * mmap() installed would exist before the VMA is linked into the address
 * space's i_mmap tree, so a queue destroy, board reset or unplug running
 * at that moment would miss it in unmap_mapping_range() and leave user
 * space holding freed DMA memory or a dead BAR.  Here the lookup and the
 * PTE insertion happen under the unit lock, which every path that frees a
 * ring or kills the device takes (or excludes through board->lock) before
 * it unmaps, so a PTE is either inserted first and zapped by it, or not
 * inserted at all (SIGBUS).
 *
 * vm_private_data holds the snn_ring.id a queue mapping was made of, so a
 * mapping of a destroyed queue never reaches the ring later created in its
 * place; 0 marks the doorbell mapping.
 */
static vm_fault_t snn_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct snn_file *f = vma->vm_file->private_data;
	struct snn_unit *u = f->unit;
	struct snn_board *b = u->board;
	unsigned long id = (unsigned long)vma->vm_private_data;
	/* a mapping split by munmap() starts inside its queue or doorbell */
	unsigned long pg = vma->vm_pgoff & (SZ_16M / PAGE_SIZE - 1);
	unsigned long idx = (vma->vm_pgoff >> (24 - PAGE_SHIFT)) - 1;
	struct snn_ring *r = NULL;
	vm_fault_t ret = VM_FAULT_NOPAGE;
	unsigned long base, addr;

	if (snn_file_lock(f))
		return VM_FAULT_SIGBUS;
	if (id) {
		r = f->rings[idx / SNN_MAX_QUEUES][idx % SNN_MAX_QUEUES];
		if (!r || r->id != id) {
			ret = VM_FAULT_SIGBUS;
			goto out;
		}
	} else {
		base = b->ops->doorbell_pfn(b, u->hw);
	}
	/* the whole mapping at once: at most a ring's few hundred pages */
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE, pg++) {
		ret = vmf_insert_pfn_prot(vma, addr,
					  r ? b->ops->ring_pfn(b, r, pg) :
					  base + pg, vma->vm_page_prot);
		if (ret != VM_FAULT_NOPAGE)
			break;
	}
out:
	snn_file_unlock(f);
	return ret;
}

static const struct vm_operations_struct snn_vm_ops = {
	.fault = snn_vm_fault,
};

static int snn_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct snn_file *f = filp->private_data;
	struct snn_unit *u = f->unit;
	struct snn_board *b = u->board;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	size_t len = vma->vm_end - vma->vm_start;
	struct snn_ring *r;
	u64 idx;
	int ret;

	if (u->type != SNN_NODE_CLUSTER)
		return -ENODEV;
	/* MAP_SHARED of an O_RDONLY file has VM_MAYSHARE but not VM_SHARED */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	ret = snn_file_lock(f);
	if (ret)
		return ret;
	if (off == SNN_MMAP_DOORBELL) {
		/*
		 * One cluster's page only; a mapping is at least PAGE_SIZE,
		 * so this also refuses kernels whose pages exceed 64 KiB.
		 */
		if (!b->ops->doorbell_pfn)
			ret = -ENODEV;
		else if (len != PAGE_ALIGN(SNN_DOORBELL_MAP_SIZE) ||
			 len > SNN_DB_PAGE_SIZE)
			ret = -EINVAL;
		if (ret)
			goto out;
		snn_vm_flags_set(vma, VM_IO);
		vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
		vma->vm_private_data = NULL;
		goto map;
	}
	idx = (off >> 24) - 1;
	if (off & ((1ull << 24) - 1) || (off >> 24) == 0 ||
	    idx >= 2 * SNN_MAX_QUEUES ||
	    snn_check_queue_id(f, idx / SNN_MAX_QUEUES,
			       idx % SNN_MAX_QUEUES)) {
		ret = -EINVAL;
		goto out;
	}
	r = f->rings[idx / SNN_MAX_QUEUES][idx % SNN_MAX_QUEUES];
	if (!r)
		ret = -ENOENT;
	else if (len > r->size)
		ret = -EINVAL;
	if (ret)
		goto out;
	vma->vm_private_data = (void *)r->id;
map:
	snn_vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTCOPY |
			 VM_DONTDUMP);
	vma->vm_ops = &snn_vm_ops;
out:
	snn_file_unlock(f);
	return ret;
}

static __poll_t snn_poll(struct file *filp, poll_table *wait)
{
	struct snn_file *f = filp->private_data;
	struct snn_unit *u = f->unit;
	__poll_t mask = 0;
	u32 st;

	poll_wait(filp, &u->wq, wait);
	if (snn_file_lock(f))
		return EPOLLERR | EPOLLHUP;
	if (u->type == SNN_NODE_CLUSTER && u->owner == f) {
		__poll_t want = poll_requested_events(wait);

		/* unmasked before the checks below: no event is missed */
		snn_unit_irq_want(u, (want & EPOLLIN ? SNN_CL_IRQ_OUTPUT : 0) |
				  (want & EPOLLOUT ? SNN_CL_IRQ_INPUT : 0));
	}
	if (u->type == SNN_NODE_CLUSTER) {
		snn_snap(u, true);
		if (snn_cl_status(u->board, u->hw, &st)) {
			snn_snap(u, false);
			mask = EPOLLERR | EPOLLHUP;
			goto out;
		}
		if ((st & SNN_CL_ST_ERROR) || u->health == SNN_HEALTH_FAILED)
			mask |= EPOLLPRI;
		if (snn_output_pending(f) ||
		    (f->run_started && !(st & SNN_CL_ST_RUNNING) &&
		     !snn_output_in_flight(u->board, u->hw, NULL)))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (snn_input_space(f))
			mask |= EPOLLOUT | EPOLLWRNORM;
		snn_snap(u, false);
	}
out:
	snn_file_unlock(f);
	return mask;
}

const struct file_operations snn_fops = {
	.owner = THIS_MODULE,
	.open = snn_open,
	.release = snn_release,
	.unlocked_ioctl = snn_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = snn_mmap,
	.poll = snn_poll,
	.llseek = SNN_NO_LLSEEK,
};
