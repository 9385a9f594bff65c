// SPDX-License-Identifier: GPL-2.0
/*
 * snndev driver core: the snn class, board and unit registration, sysfs,
 * health, interrupts, hang detection and resets.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/idr.h>
#include <linux/xarray.h>
#include <linux/cdev.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/debugfs.h>

#include "snn_core.h"
#include "snn_compat.h"

#define SNN_FS_MAGIC		0x534e4e46	/* "SNNF" */
#define SNN_MAX_MINORS		(SNN_MAX_BOARDS * SNN_UNITS_PER_BOARD)

unsigned int snn_hang_timeout_ms = 5000;
module_param_named(hang_timeout_ms, snn_hang_timeout_ms, uint, 0644);
MODULE_PARM_DESC(hang_timeout_ms,
		 "a running cluster whose timestep does not advance for this long is reported hung (default 5000)");

static dev_t snn_devt;
static struct dentry *snn_debugfs;
static struct cdev snn_cdev;
static struct class *snn_class;
static struct vfsmount *snn_mnt;
static DEFINE_IDA(snn_board_ida);
static DEFINE_IDA(snn_minor_ida);
DEFINE_XARRAY(snn_minors);	/* minor -> struct snn_unit */
DEFINE_MUTEX(snn_minors_lock);	/* lookups vs. removal, see snn_cdev.c */

static const char * const snn_health_names[] = {
	[SNN_HEALTH_OK] = "ok",
	[SNN_HEALTH_DEGRADED] = "degraded",
	[SNN_HEALTH_FAILED] = "failed",
	[SNN_HEALTH_RESETTING] = "resetting",
};

/* ---- pseudo filesystem: one address space per unit --------------------- */

static int snn_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, SNN_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: the superblock of our own kern_mount() would hold a reference
 * on the module (sget_fc() takes one on its fs type's owner) and rmmod
 * could never succeed.  Nothing outlives the module: open files pin it
 * through snn_fops.owner, every unit inode is put before snn_exit() and
 * kern_unmount() there tears the superblock down synchronously.
 */
static struct file_system_type snn_fs_type = {
	.name = "snn_fs",
	.init_fs_context = snn_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/* Tear down every user mapping of the unit's queues and doorbells. */
void snn_unit_zap(struct snn_unit *u)
{
	if (u->inode)
		unmap_mapping_range(u->inode->i_mapping, 0, 0, 1);
}

/* ---- hardware helpers --------------------------------------------------- */

/* A device that reads all-ones from its magic register has gone away. */
bool snn_board_check_alive(struct snn_board *b)
{
	return snn_rd(b, SNN_REG_MAGIC) == SNN_MAGIC;
}

/*
 * Read a cluster's status; -ENODEV if the device has gone (all-ones reads
 * and a dead magic register, as after surprise removal).
 */
int snn_cl_status(struct snn_board *b, unsigned int cl, u32 *st)
{
	int tries;

	/* bits 31:7 are reserved: all-ones is never a real status */
	for (tries = 0; tries < 3; tries++) {
		*st = snn_cl_rd(b, cl, SNN_CL_STATUS);
		if (*st != ~0u)
			return 0;
		if (!snn_board_check_alive(b)) {
			b->health = SNN_HEALTH_FAILED;
			if (b->ctl.health != SNN_HEALTH_FAILED)
				snn_unit_set_health(&b->ctl, SNN_HEALTH_FAILED,
						    "not responding");
			return -ENODEV;
		}
	}
	return -EIO;	/* answers, but not with a status */
}

u64 snn_cl_counter(struct snn_board *b, unsigned int cl, unsigned int i)
{
	u32 hi, lo, hi2;
	int tries = 3;

	do {
		hi = snn_cl_rd(b, cl, SNN_CL_CNT(i) + 4);
		lo = snn_cl_rd(b, cl, SNN_CL_CNT(i));
		hi2 = snn_cl_rd(b, cl, SNN_CL_CNT(i) + 4);
	} while (hi != hi2 && --tries);
	return (u64)hi2 << 32 | lo;
}

/*
 * Interrupt moderation.  The device raises OUTPUT and INPUT after every
 * timestep that writes output or consumes input, and LOAD_DONE and
 * RESET_DONE after commands that the driver polls for.  Nothing needs
 * the last two, and a program that only runs and waits needs none of the
 * per-timestep ones: each would cost it an interrupt and a wake-up per
 * timestep.  So a cluster's OUTPUT and INPUT stay masked until its owner
 * asks for them (poll for EPOLLIN or EPOLLOUT, SNN_WAIT_OUTPUT, an eventfd
 * for SNN_NOTIFY_OUTPUT), and then stay unmasked until the cluster
 * changes hands.  RUN_DONE, ERROR and STALL are never masked.  A masked
 * event still latches in IRQ_STATUS; the waiters re-check the state
 * after unmasking, so nothing is missed.
 */
#define SNN_CL_IRQ_ON_DEMAND	(SNN_CL_IRQ_OUTPUT | SNN_CL_IRQ_INPUT)
#define SNN_CL_IRQ_UNUSED	(SNN_CL_IRQ_LOAD_DONE | SNN_CL_IRQ_RESET_DONE)

static void snn_unit_irq_write(struct snn_unit *u)
{
	snn_cl_wr(u->board, u->hw, SNN_CL_IRQ_MASK,
		  SNN_CL_IRQ_UNUSED | (SNN_CL_IRQ_ON_DEMAND & ~u->irq_want));
}

/* A cluster gets a new owner: u->mutex held. */
void snn_unit_irq_init(struct snn_unit *u)
{
	u->irq_want = 0;
	snn_unit_irq_write(u);
}

/* The owner waits for @bits (SNN_CL_IRQ_ON_DEMAND): u->mutex held. */
void snn_unit_irq_want(struct snn_unit *u, u32 bits)
{
	bits &= SNN_CL_IRQ_ON_DEMAND;
	if ((u->irq_want & bits) == bits)
		return;
	u->irq_want |= bits;
	snn_unit_irq_write(u);
}

/*
 * Reset one cluster and wait for it (the device resets between timesteps,
 * so this takes at most one timestep).  Caller holds board->lock.
 */
int snn_cluster_reset_hw(struct snn_board *b, unsigned int cl, bool full)
{
	unsigned long end = jiffies + msecs_to_jiffies(5000);
	u32 st;

	snn_cl_wr(b, cl, SNN_CL_CTRL,
		  full ? SNN_CL_CTRL_RESET : SNN_CL_CTRL_RESET_STATE);
	for (;;) {
		st = snn_cl_rd(b, cl, SNN_CL_STATUS);
		if (st == ~0u && !snn_board_check_alive(b))
			return -ENODEV;
		if (!(st & SNN_CL_ST_RESETTING))
			break;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(100, 200);
	}
	snn_cl_wr(b, cl, SNN_CL_IRQ_STATUS, ~0u);
	snn_wr(b, SNN_REG_ERR_STATUS, SNN_ERR_CLUSTER(cl));
	snn_unit_irq_write(&b->units[cl]);	/* a full reset unmasks all */
	return 0;
}

/* ---- health ------------------------------------------------------------- */

static enum snn_health snn_board_worst(struct snn_board *b)
{
	unsigned int i;

	if (b->gone || b->health == SNN_HEALTH_FAILED)
		return SNN_HEALTH_FAILED;
	if (b->health == SNN_HEALTH_RESETTING)
		return SNN_HEALTH_RESETTING;
	for (i = 0; i < b->caps.clusters; i++)
		if (b->units[i].health != SNN_HEALTH_OK)
			return SNN_HEALTH_DEGRADED;
	return SNN_HEALTH_OK;
}

static void snn_uevent_health(struct snn_unit *u, enum snn_health h,
			      const char *why)
{
	char health[32], reason[64];
	char *envp[3];

	if (!u->dev)
		return;
	envp[0] = health;
	envp[1] = reason;
	envp[2] = NULL;
	snprintf(health, sizeof(health), "SNN_HEALTH=%s", snn_health_names[h]);
	snprintf(reason, sizeof(reason), "SNN_REASON=%s", why ? why : "");
	kobject_uevent_env(&u->dev->kobj, KOBJ_CHANGE, envp);
}

/* Set a unit's health; a change raises a uevent on it and on the board. */
void snn_unit_set_health(struct snn_unit *u, enum snn_health h,
			 const char *why)
{
	struct snn_board *b = u->board;
	enum snn_health old_board = b->ctl.health, new_board;

	if (u->health != h) {
		u->health = h;
		u->health_why = why;
		snn_uevent_health(u, h, why);
	}
	if (u == &b->ctl)
		return;
	new_board = snn_board_worst(b);
	if (new_board != old_board) {
		b->ctl.health = new_board;
		snn_uevent_health(&b->ctl, new_board, why);
	}
}

/* ---- interrupts ---------------------------------------------------------- */

/*
 * A cluster's interrupt: from the PCIe transport's hard interrupt handler,
 * from the USB transport's work item (its register reads sleep).
 */
void snn_board_irq_cluster(struct snn_board *b, unsigned int cl)
{
	struct snn_unit *u = &b->units[cl];
	struct snn_file *f;
	unsigned long flags;
	u32 bits;

	bits = snn_cl_rd(b, cl, SNN_CL_IRQ_STATUS);
	if (!bits || bits == ~0u)
		return;
	snn_cl_wr(b, cl, SNN_CL_IRQ_STATUS, bits);
	spin_lock_irqsave(&u->irq_lock, flags);
	u->irq_bits |= bits;
	f = u->owner;
	if (f && f->efd) {
		u32 ev = 0;

		if (bits & SNN_CL_IRQ_RUN_DONE)
			ev |= SNN_NOTIFY_RUN_DONE;
		if (bits & (SNN_CL_IRQ_OUTPUT | SNN_CL_IRQ_STALL))
			ev |= SNN_NOTIFY_OUTPUT;
		if (bits & SNN_CL_IRQ_ERROR)
			ev |= SNN_NOTIFY_ERROR;
		if (ev & f->efd_events)
			snn_eventfd_signal(f->efd);
	}
	spin_unlock_irqrestore(&u->irq_lock, flags);
	atomic_inc(&u->irq_seq);
	wake_up_all(&u->wq);
}

/*
 * A transport that moves output over its own pipe (USB) has news for
 * cluster @cl: new events in a host ring (@events), or only a new
 * timestep whose output is all in (a STEP frame).  Wake the waiters; for
 * new events also signal an eventfd for SNN_NOTIFY_OUTPUT, since the
 * interrupt that announced them may have come before them.  A STEP
 * frame alone is not output: it comes after loads and resets too.  Any
 * context.
 */
void snn_board_output_arrived(struct snn_board *b, unsigned int cl,
			      bool events)
{
	struct snn_unit *u = &b->units[cl];
	unsigned long flags;
	struct snn_file *f;

	if (events) {
		spin_lock_irqsave(&u->irq_lock, flags);
		f = u->owner;
		if (f && f->efd && (f->efd_events & SNN_NOTIFY_OUTPUT))
			snn_eventfd_signal(f->efd);
		spin_unlock_irqrestore(&u->irq_lock, flags);
	}
	atomic_inc(&u->irq_seq);
	wake_up_all(&u->wq);
}

/*
 * For a transport's queue_enable: program queue @q of cluster @cl for ring
 * @r (the events from the ring's second page, the write-back in its
 * first), disabled; the transport enables it when it is ready for it.
 */
void snn_board_queue_setup(struct snn_board *b, unsigned int cl, u32 dir,
			   u32 q, const struct snn_ring *r)
{
	u32 base = snn_queue_regs(cl, dir, q);
	u64 ring = (u64)r->dma + PAGE_SIZE;

	snn_wr(b, base + SNN_Q_CTRL, 0);
	snn_wr(b, base + SNN_Q_BASE_LO, lower_32_bits(ring));
	snn_wr(b, base + SNN_Q_BASE_HI, upper_32_bits(ring));
	snn_wr(b, base + SNN_Q_WB_LO, lower_32_bits((u64)r->dma));
	snn_wr(b, base + SNN_Q_WB_HI, upper_32_bits((u64)r->dma));
	snn_wr(b, base + SNN_Q_SIZE_LOG2, r->log2);
}

void snn_board_irq_error(struct snn_board *b)
{
	u32 err = snn_rd(b, SNN_REG_ERR_STATUS);
	unsigned int c;

	if (!err || err == ~0u)
		return;
	snn_wr(b, SNN_REG_ERR_STATUS, err);
	if (err & SNN_ERR_DMA)
		dev_err_ratelimited(b->parent,
				    "DMA error at %#llx\n",
				    (u64)snn_rd(b, SNN_REG_ERR_ADDR_HI) << 32 |
				    snn_rd(b, SNN_REG_ERR_ADDR_LO));
	for (c = 0; c < b->caps.clusters; c++) {
		if (err & SNN_ERR_CLUSTER(c)) {
			atomic_inc(&b->units[c].irq_seq);
			wake_up_all(&b->units[c].wq);
		}
	}
}

/* ---- hang detection ------------------------------------------------------- */

static void snn_watchdog(struct work_struct *work)
{
	struct snn_unit *u = container_of(to_delayed_work(work),
					  struct snn_unit, watchdog);
	struct snn_board *b = u->board;
	bool again = false;
	u32 st, ts;

	down_read(&b->lock);
	if (b->gone)
		goto out;
	st = snn_cl_rd(b, u->hw, SNN_CL_STATUS);
	ts = snn_cl_rd(b, u->hw, SNN_CL_TIMESTEP);
	if (st == ~0u && !snn_board_check_alive(b)) {
		dev_err(b->parent, "board stopped responding\n");
		b->health = SNN_HEALTH_FAILED;
		snn_unit_set_health(&b->ctl, SNN_HEALTH_FAILED,
				    "not responding");
		goto out;
	}
	if (!(st & SNN_CL_ST_RUNNING))
		goto out;
	again = true;
	if (ts != u->wd_timestep ||
	    (st & (SNN_CL_ST_STALLED | SNN_CL_ST_ROUTE_WAIT))) {
		/* progress, or waiting for the host: not hung */
		u->wd_timestep = ts;
		u->wd_since = jiffies;
	} else if (time_after(jiffies, u->wd_since +
			      msecs_to_jiffies(snn_hang_timeout_ms)) &&
		   u->health == SNN_HEALTH_OK) {
		dev_err(b->parent,
			"cluster %u hung at timestep %u; reset it to recover\n",
			u->hw, ts);
		snn_unit_set_health(u, SNN_HEALTH_FAILED, "hung");
		spin_lock_irq(&u->irq_lock);
		if (u->owner && u->owner->efd &&
		    (u->owner->efd_events & SNN_NOTIFY_ERROR))
			snn_eventfd_signal(u->owner->efd);
		spin_unlock_irq(&u->irq_lock);
		atomic_inc(&u->irq_seq);
		wake_up_all(&u->wq);
		again = false;
	}
out:
	up_read(&b->lock);
	if (again)
		schedule_delayed_work(&u->watchdog,
				      msecs_to_jiffies(clamp(snn_hang_timeout_ms / 4,
							     10U, 1000U)));
}

/* Called when a run starts. */
void snn_watchdog_arm(struct snn_unit *u)
{
	u->wd_timestep = snn_cl_rd(u->board, u->hw, SNN_CL_TIMESTEP);
	u->wd_since = jiffies;
	mod_delayed_work(snn_system_wq, &u->watchdog,
			 msecs_to_jiffies(clamp(snn_hang_timeout_ms / 4,
						10U, 1000U)));
}

/* ---- sysfs ------------------------------------------------------------- */

static struct snn_unit *snn_dev_unit(struct device *dev)
{
	return dev_get_drvdata(dev);
}

#define SNN_CAP_ATTR(_name, _expr)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct snn_unit *u = snn_dev_unit(dev);				\
	const struct snn_caps *c __maybe_unused = &u->board->caps;	\
									\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(_expr));	\
}									\
static DEVICE_ATTR_RO(_name)

static const char * const snn_type_names[] = {
	[SNN_NODE_BOARD] = "board",
	[SNN_NODE_CLUSTER] = "cluster",
	[SNN_NODE_ROUTER] = "router",
};

static ssize_t type_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", snn_type_names[snn_dev_unit(dev)->type]);
}
static DEVICE_ATTR_RO(type);

static ssize_t health_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct snn_unit *u = snn_dev_unit(dev);

	return sysfs_emit(buf, "%s\n", snn_health_names[u->health]);
}
static DEVICE_ATTR_RO(health);

static ssize_t transport_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct snn_unit *u = snn_dev_unit(dev);

	return sysfs_emit(buf, "%s\n",
			  u->board->ops->transport == SNN_TRANSPORT_USB ?
			  "usb" : "pci");
}
static DEVICE_ATTR_RO(transport);

static ssize_t bus_id_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", snn_dev_unit(dev)->board->bus_id);
}
static DEVICE_ATTR_RO(bus_id);

SNN_CAP_ATTR(board, u->board->index);
SNN_CAP_ATTR(unit, u->index);
SNN_CAP_ATTR(board_id, c->board_id);
SNN_CAP_ATTR(revision, c->revision);
SNN_CAP_ATTR(clusters, c->clusters);
SNN_CAP_ATTR(routers, c->routers);
SNN_CAP_ATTR(cluster, u->hw);
SNN_CAP_ATTR(router, u->hw);
SNN_CAP_ATTR(cores, c->cores);
SNN_CAP_ATTR(neurons_per_core, c->neurons);
SNN_CAP_ATTR(axons_per_core, c->axons);
SNN_CAP_ATTR(synapses_per_core, c->synapses);
SNN_CAP_ATTR(neurons, (u64)c->cores * c->neurons);
SNN_CAP_ATTR(synapse_capacity, (u64)c->cores * c->synapses);
SNN_CAP_ATTR(in_queues, c->in_queues);
SNN_CAP_ATTR(out_queues, c->out_queues);
SNN_CAP_ATTR(max_queue_depth, 1ull << c->queue_log2);
SNN_CAP_ATTR(route_capacity, c->route_entries);
SNN_CAP_ATTR(route_delay, c->route_delay);

/* Rated capacity: per cluster on a cluster node, summed on the board. */
SNN_CAP_ATTR(rated_events_per_sec,
	     (u64)c->rated_eps * (u->type == SNN_NODE_BOARD ? c->clusters : 1));
SNN_CAP_ATTR(rated_spikes_per_sec,
	     (u64)c->rated_sps * (u->type == SNN_NODE_BOARD ? c->clusters : 1));

static ssize_t connects_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct snn_unit *u = snn_dev_unit(dev);
	u32 mask = u->board->caps.router_mask[u->hw];
	int len = 0;
	unsigned int c;

	for (c = 0; c < u->board->caps.clusters; c++)
		if (mask & BIT(c))
			len += sysfs_emit_at(buf, len, "%s%u", len ? " " : "",
					     c);
	return len + sysfs_emit_at(buf, len, "\n");
}
static DEVICE_ATTR_RO(connects);

static ssize_t busy_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct snn_unit *u = snn_dev_unit(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(u->owner) ? 1 : 0);
}
static DEVICE_ATTR_RO(busy);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct snn_unit *u = snn_dev_unit(dev);
	struct snn_board *b = u->board;
	const char *s;
	u32 st;

	down_read(&b->lock);
	if (b->gone) {
		up_read(&b->lock);
		return -ENODEV;
	}
	st = snn_cl_rd(b, u->hw, SNN_CL_STATUS);
	up_read(&b->lock);
	if (u->health == SNN_HEALTH_FAILED && u->health_why &&
	    !strcmp(u->health_why, "hung"))
		s = "hung";
	else if (st & SNN_CL_ST_ERROR)
		s = "error";
	else if (st & SNN_CL_ST_RESETTING)
		s = "resetting";
	else if (st & SNN_CL_ST_LOADING)
		s = "loading";
	else if (st & (SNN_CL_ST_STALLED | SNN_CL_ST_ROUTE_WAIT))
		s = "stalled";
	else if (st & SNN_CL_ST_RUNNING)
		s = "running";
	else if (st & SNN_CL_ST_LOADED)
		s = "loaded";
	else
		s = "idle";
	return sysfs_emit(buf, "%s\n", s);
}
static DEVICE_ATTR_RO(state);

static ssize_t snn_counter_show(struct device *dev, char *buf, unsigned int i)
{
	struct snn_unit *u = snn_dev_unit(dev);
	struct snn_board *b = u->board;
	u64 v;

	down_read(&b->lock);
	if (b->gone) {
		up_read(&b->lock);
		return -ENODEV;
	}
	v = snn_cl_counter(b, u->hw, i);
	up_read(&b->lock);
	return sysfs_emit(buf, "%llu\n", v);
}

#define SNN_COUNTER_ATTR(_name, _idx)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return snn_counter_show(dev, buf, _idx);			\
}									\
static DEVICE_ATTR_RO(_name)

SNN_COUNTER_ATTR(timesteps, SNN_CNT_TIMESTEPS);
SNN_COUNTER_ATTR(in_events, SNN_CNT_IN_EVENTS);
SNN_COUNTER_ATTR(spikes, SNN_CNT_SPIKES);
SNN_COUNTER_ATTR(out_events, SNN_CNT_OUT_EVENTS);
SNN_COUNTER_ATTR(syn_ops, SNN_CNT_SYN_OPS);
SNN_COUNTER_ATTR(neuron_updates, SNN_CNT_NEURON_UPDATES);
SNN_COUNTER_ATTR(stalls, SNN_CNT_STALLS);
SNN_COUNTER_ATTR(drops, SNN_CNT_DROPS);
SNN_COUNTER_ATTR(late_events, SNN_CNT_LATE);
SNN_COUNTER_ATTR(routed_out, SNN_CNT_ROUTED_OUT);
SNN_COUNTER_ATTR(routed_in, SNN_CNT_ROUTED_IN);
SNN_COUNTER_ATTR(ain_saturations, SNN_CNT_AIN_SAT);

static ssize_t routes_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct snn_unit *u = snn_dev_unit(dev);
	struct snn_board *b = u->board;
	u32 v;

	down_read(&b->lock);
	if (b->gone) {
		up_read(&b->lock);
		return -ENODEV;
	}
	v = snn_rd(b, SNN_ROUTER_BASE(u->hw) + SNN_RT_COUNT);
	up_read(&b->lock);
	return sysfs_emit(buf, "%u\n", v);
}
static DEVICE_ATTR_RO(routes);

static struct attribute *snn_board_attrs[] = {
	&dev_attr_type.attr, &dev_attr_board.attr, &dev_attr_bus_id.attr,
	&dev_attr_board_id.attr,
	&dev_attr_revision.attr, &dev_attr_transport.attr,
	&dev_attr_clusters.attr, &dev_attr_routers.attr,
	&dev_attr_health.attr, &dev_attr_rated_events_per_sec.attr,
	&dev_attr_rated_spikes_per_sec.attr, NULL,
};

static const struct attribute_group snn_board_group = {
	.attrs = snn_board_attrs,
};

static const struct attribute_group *snn_board_groups[] = {
	&snn_board_group, NULL,
};

static struct attribute *snn_cluster_attrs[] = {
	&dev_attr_type.attr, &dev_attr_board.attr, &dev_attr_bus_id.attr,
	&dev_attr_unit.attr,
	&dev_attr_cluster.attr, &dev_attr_cores.attr,
	&dev_attr_neurons_per_core.attr, &dev_attr_axons_per_core.attr,
	&dev_attr_synapses_per_core.attr, &dev_attr_neurons.attr,
	&dev_attr_synapse_capacity.attr, &dev_attr_in_queues.attr,
	&dev_attr_out_queues.attr, &dev_attr_max_queue_depth.attr,
	&dev_attr_rated_events_per_sec.attr,
	&dev_attr_rated_spikes_per_sec.attr, &dev_attr_health.attr,
	&dev_attr_state.attr, &dev_attr_busy.attr, NULL,
};

static const struct attribute_group snn_cluster_group = {
	.attrs = snn_cluster_attrs,
};

static struct attribute *snn_counter_attrs[] = {
	&dev_attr_timesteps.attr, &dev_attr_in_events.attr,
	&dev_attr_spikes.attr, &dev_attr_out_events.attr,
	&dev_attr_syn_ops.attr, &dev_attr_neuron_updates.attr,
	&dev_attr_stalls.attr, &dev_attr_drops.attr,
	&dev_attr_late_events.attr, &dev_attr_routed_out.attr,
	&dev_attr_routed_in.attr, &dev_attr_ain_saturations.attr, NULL,
};

static const struct attribute_group snn_counter_group = {
	.name = "counters",
	.attrs = snn_counter_attrs,
};

static const struct attribute_group *snn_cluster_groups[] = {
	&snn_cluster_group, &snn_counter_group, NULL,
};

static struct attribute *snn_router_attrs[] = {
	&dev_attr_type.attr, &dev_attr_board.attr, &dev_attr_bus_id.attr,
	&dev_attr_unit.attr,
	&dev_attr_router.attr, &dev_attr_connects.attr,
	&dev_attr_route_capacity.attr, &dev_attr_route_delay.attr,
	&dev_attr_routes.attr, &dev_attr_health.attr, &dev_attr_busy.attr,
	NULL,
};

static const struct attribute_group snn_router_group = {
	.attrs = snn_router_attrs,
};

static const struct attribute_group *snn_router_groups[] = {
	&snn_router_group, NULL,
};

/* ---- debugfs: fault injection on test boards (like netdevsim) ---------- */

struct snn_fault_knob {
	const char *name;
	u32 reg;
};

static const struct snn_fault_knob snn_fault_knobs[] = {
	{ "fault_hang", SNN_REG_FAULT_HANG },		/* cluster mask */
	{ "fault_dma", SNN_REG_FAULT_DMA },		/* cluster << 16 | n */
	{ "fault_allones", SNN_REG_FAULT_ALLONES },	/* next n reads */
	{ "fault_irq_loss", SNN_REG_FAULT_IRQ_LOSS },	/* vector << 16 | n */
};

static ssize_t snn_fault_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct snn_board *b = file->private_data;
	const struct snn_fault_knob *k = NULL;
	unsigned int i;
	u32 val;
	int ret;

	for (i = 0; i < ARRAY_SIZE(snn_fault_knobs); i++)
		if (!strcmp(file->f_path.dentry->d_name.name,
			    snn_fault_knobs[i].name))
			k = &snn_fault_knobs[i];
	if (!k)
		return -EINVAL;
	ret = kstrtou32_from_user(ubuf, len, 0, &val);
	if (ret)
		return ret;
	down_read(&b->lock);
	if (b->gone) {
		up_read(&b->lock);
		return -ENODEV;
	}
	snn_wr(b, k->reg, val);
	up_read(&b->lock);
	return len;
}

static const struct file_operations snn_fault_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = snn_fault_write,
	.llseek = SNN_NO_LLSEEK,
};

static void snn_debugfs_add(struct snn_board *b)
{
	char name[16];
	unsigned int i;

	if (!(b->caps.features & SNN_FEAT_FAULT_INJECT) || !snn_debugfs)
		return;
	snprintf(name, sizeof(name), "snn%d", b->index);
	b->debugfs = debugfs_create_dir(name, snn_debugfs);
	for (i = 0; i < ARRAY_SIZE(snn_fault_knobs); i++)
		debugfs_create_file(snn_fault_knobs[i].name, 0200, b->debugfs,
				    b, &snn_fault_fops);
}

/* ---- boards -------------------------------------------------------------- */

static void snn_read_caps(struct snn_board *b)
{
	struct snn_caps *c = &b->caps;
	unsigned int r;
	u32 q;

	c->board_id = snn_rd(b, SNN_REG_BOARD_ID);
	c->revision = snn_rd(b, SNN_REG_REVISION);
	c->hw_version = snn_rd(b, SNN_REG_VERSION);
	c->features = snn_rd(b, SNN_REG_FEATURES);
	c->clusters = snn_rd(b, SNN_REG_N_CLUSTERS);
	c->cores = snn_rd(b, SNN_REG_CORES);
	c->neurons = snn_rd(b, SNN_REG_NEURONS);
	c->axons = snn_rd(b, SNN_REG_AXONS);
	c->synapses = snn_rd(b, SNN_REG_SYNAPSES);
	c->fanout = snn_rd(b, SNN_REG_FANOUT);
	c->profiles = snn_rd(b, SNN_REG_PROFILES);
	c->routers = snn_rd(b, SNN_REG_N_ROUTERS);
	q = snn_rd(b, SNN_REG_QUEUES);
	c->in_queues = SNN_QUEUES_IN(q);
	c->out_queues = SNN_QUEUES_OUT(q);
	c->queue_log2 = snn_rd(b, SNN_REG_QUEUE_LOG2);
	c->route_entries = snn_rd(b, SNN_REG_ROUTE_ENTRIES);
	c->route_delay = snn_rd(b, SNN_REG_ROUTE_DELAY);
	c->route_fifo = snn_rd(b, SNN_REG_ROUTE_FIFO);
	c->rated_eps = snn_rd(b, SNN_REG_RATED_EPS);
	c->rated_sps = snn_rd(b, SNN_REG_RATED_SPS);
	c->syn_mem_bits = snn_rd(b, SNN_REG_SYN_MEM_BITS);
	for (r = 0; r < SNN_MAX_ROUTERS && r < c->routers; r++)
		c->router_mask[r] = snn_rd(b, SNN_REG_ROUTER_CLUSTERS(r));
}

/* Refuse a board whose capabilities this driver cannot serve. */
static int snn_check_caps(struct snn_board *b)
{
	const struct snn_caps *c = &b->caps;
	u32 magic = snn_rd(b, SNN_REG_MAGIC);

	if (magic != SNN_MAGIC) {
		dev_err(b->parent, "bad magic %#x (expected %#x)\n", magic,
			SNN_MAGIC);
		return -ENODEV;
	}
	if (SNN_VERSION_MAJOR(c->hw_version) !=
	    SNN_VERSION_MAJOR(SNN_IF_VERSION)) {
		dev_err(b->parent,
			"register interface %u.%u is not supported by this driver (%u.x): upgrade snndev\n",
			SNN_VERSION_MAJOR(c->hw_version),
			SNN_VERSION_MINOR(c->hw_version),
			SNN_VERSION_MAJOR(SNN_IF_VERSION));
		return -ENODEV;
	}
	if (!c->clusters || c->clusters > SNN_MAX_CLUSTERS ||
	    c->routers > SNN_MAX_ROUTERS || !c->cores ||
	    c->cores > SNN_MAX_CORES || !c->neurons || !c->axons ||
	    !c->in_queues || c->in_queues > SNN_MAX_QUEUES ||
	    !c->out_queues || c->out_queues > SNN_MAX_QUEUES ||
	    c->queue_log2 < SNN_MIN_QUEUE_LOG2 ||
	    c->queue_log2 > SNN_MAX_QUEUE_LOG2 ||
	    snn_rd(b, SNN_REG_EVENT_SIZE) != SNN_EVENT_SIZE) {
		dev_err(b->parent, "capability registers out of range\n");
		return -ENODEV;
	}
	return 0;
}

struct snn_board *snn_board_alloc(struct device *parent,
				  const struct snn_transport_ops *ops,
				  void *priv, const char *bus_id)
{
	struct snn_board *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return NULL;
	kref_init(&b->ref);
	b->parent = get_device(parent);
	b->ops = ops;
	b->priv = priv;
	b->index = -1;
	strscpy(b->bus_id, bus_id, sizeof(b->bus_id));
	init_rwsem(&b->lock);
	return b;
}

static void snn_unit_free(struct snn_unit *u)
{
	struct snn_route_ent *e, *tmp;

	list_for_each_entry_safe(e, tmp, &u->routes, node) {
		list_del(&e->node);
		kfree(e);
	}
	if (u->inode)
		iput(u->inode);
	u->inode = NULL;
}

static void snn_board_release(struct kref *ref)
{
	struct snn_board *b = container_of(ref, struct snn_board, ref);
	unsigned int i;

	for (i = 0; i < b->n_units; i++)
		snn_unit_free(&b->units[i]);
	snn_unit_free(&b->ctl);
	if (b->index >= 0)
		ida_free(&snn_board_ida, b->index);
	put_device(b->parent);
	kfree(b);
}

void snn_board_put(struct snn_board *b)
{
	kref_put(&b->ref, snn_board_release);
}

static struct lock_class_key snn_cluster_mutex_key;
static struct lock_class_key snn_router_mutex_key;

static int snn_unit_init(struct snn_board *b, struct snn_unit *u, u32 type,
			 u32 index, u32 hw)
{
	u->board = b;
	u->type = type;
	u->index = index;
	u->hw = hw;
	u->minor = -1;
	mutex_init(&u->mutex);
	/*
	 * Lock order: (a page fault's mmap_lock,) board->lock, then a
	 * cluster's mutex, then a routing unit's (releasing a cluster drops
	 * its routes).  One class per unit type tells lockdep so.  Nothing
	 * touches user memory under these locks.
	 */
	if (type == SNN_NODE_ROUTER)
		lockdep_set_class(&u->mutex, &snn_router_mutex_key);
	else if (type == SNN_NODE_CLUSTER)
		lockdep_set_class(&u->mutex, &snn_cluster_mutex_key);
	init_waitqueue_head(&u->wq);
	spin_lock_init(&u->irq_lock);
	INIT_DELAYED_WORK(&u->watchdog, snn_watchdog);
	INIT_LIST_HEAD(&u->routes);
	u->inode = alloc_anon_inode(snn_mnt->mnt_sb);
	if (IS_ERR(u->inode)) {
		int ret = PTR_ERR(u->inode);

		u->inode = NULL;
		return ret;
	}
	return 0;
}

static int snn_unit_add(struct snn_unit *u)
{
	struct snn_board *b = u->board;
	const struct attribute_group **groups;
	int minor, ret;

	minor = ida_alloc_max(&snn_minor_ida, SNN_MAX_MINORS - 1, GFP_KERNEL);
	if (minor < 0)
		return minor;
	u->minor = minor;
	mutex_lock(&snn_minors_lock);
	ret = xa_err(xa_store(&snn_minors, minor, u, GFP_KERNEL));
	mutex_unlock(&snn_minors_lock);
	if (ret)
		return ret;

	if (u->type == SNN_NODE_BOARD)
		groups = snn_board_groups;
	else if (u->type == SNN_NODE_CLUSTER)
		groups = snn_cluster_groups;
	else
		groups = snn_router_groups;
	if (u->type == SNN_NODE_BOARD)
		u->dev = device_create_with_groups(snn_class, b->parent,
						   MKDEV(MAJOR(snn_devt), minor),
						   u, groups, "snn%d",
						   b->index);
	else
		u->dev = device_create_with_groups(snn_class, b->parent,
						   MKDEV(MAJOR(snn_devt), minor),
						   u, groups, "snn%d.%u",
						   b->index, u->index);
	if (IS_ERR(u->dev)) {
		ret = PTR_ERR(u->dev);
		u->dev = NULL;
		return ret;
	}
	return 0;
}

static void snn_unit_del(struct snn_unit *u)
{
	if (u->dev)
		device_destroy(snn_class, MKDEV(MAJOR(snn_devt), u->minor));
	u->dev = NULL;
	if (u->minor >= 0) {
		mutex_lock(&snn_minors_lock);
		xa_erase(&snn_minors, u->minor);
		mutex_unlock(&snn_minors_lock);
		ida_free(&snn_minor_ida, u->minor);
	}
	u->minor = -1;
}

/*
 * Bring the board to its power-on state (SNN_BOARD_CTRL_RESET, then up to
 * 5000 polls for READY: about a second on PCIe, a few over USB, where
 * each read is a control transfer); false if it does not answer.  For probe,
 * quiesce and a transport's own resets: nothing of the core is touched.
 */
bool snn_board_hw_reset(struct snn_board *b)
{
	int i;

	if (snn_rd(b, SNN_REG_MAGIC) != SNN_MAGIC)
		return false;
	snn_wr(b, SNN_REG_BOARD_CTRL, SNN_BOARD_CTRL_RESET);
	for (i = 0; i < 5000; i++) {
		u32 st = snn_rd(b, SNN_REG_BOARD_STATUS);

		if (st == ~0u)
			return false;
		if (st & SNN_BOARD_STATUS_READY)
			return true;
		usleep_range(100, 200);
	}
	return false;
}

/*
 * Read and check the board's capabilities and set up its units, before the
 * transport enables interrupts (the handlers use the units).
 */
int snn_board_probe_caps(struct snn_board *b)
{
	const struct snn_caps *c = &b->caps;
	unsigned int i;
	int ret;

	snn_read_caps(b);
	ret = snn_check_caps(b);
	if (ret)
		return ret;
	ret = snn_unit_init(b, &b->ctl, SNN_NODE_BOARD, ~0u, 0);
	for (i = 0; !ret && i < c->clusters + c->routers; i++) {
		bool cl = i < c->clusters;

		ret = snn_unit_init(b, &b->units[i],
				    cl ? SNN_NODE_CLUSTER : SNN_NODE_ROUTER, i,
				    cl ? i : i - c->clusters);
		b->n_units = i + 1;
	}
	return ret;
}

/* Create the board's nodes: from here on user space can open them. */
int snn_board_register(struct snn_board *b)
{
	const struct snn_caps *c = &b->caps;
	unsigned int i;
	int ret;

	ret = ida_alloc_max(&snn_board_ida, SNN_MAX_BOARDS - 1, GFP_KERNEL);
	if (ret < 0)
		return ret;
	b->index = ret;
	ret = snn_unit_add(&b->ctl);
	for (i = 0; !ret && i < b->n_units; i++)
		ret = snn_unit_add(&b->units[i]);
	if (ret) {
		snn_board_unregister(b);
		return ret;
	}
	snn_debugfs_add(b);
	dev_info(b->parent,
		 "snn%d: board %u rev %u, %u clusters x %u cores x %u neurons, %u routing units\n",
		 b->index, c->board_id, c->revision, c->clusters, c->cores,
		 c->neurons, c->routers);
	return 0;
}

/*
 * Remove: from now on nothing touches the hardware; user mappings are
 * zapped and queue memory freed.  Open files keep the struct alive and get
 * -ENODEV.  The transport frees its interrupts after this returns.
 */
void snn_board_unregister(struct snn_board *b)
{
	unsigned int i;

	debugfs_remove_recursive(b->debugfs);
	b->debugfs = NULL;
	down_write(&b->lock);
	b->gone = true;
	up_write(&b->lock);

	for (i = 0; i < b->n_units; i++) {
		struct snn_unit *u = &b->units[i];

		atomic_inc(&u->irq_seq);
		wake_up_all(&u->wq);
		cancel_delayed_work_sync(&u->watchdog);
		snn_unit_zap(u);
	}
	/* the device must stop all DMA before its memory is freed */
	b->ops->quiesce(b);
	for (i = 0; i < b->n_units; i++) {
		struct snn_unit *u = &b->units[i];

		mutex_lock(&u->mutex);
		if (u->owner)
			snn_file_free_rings(u->owner);
		snn_unit_free_orphans(u);
		mutex_unlock(&u->mutex);
	}
	b->ctl.health = SNN_HEALTH_FAILED;
	snn_uevent_health(&b->ctl, SNN_HEALTH_FAILED, "removed");
	for (i = 0; i < b->n_units; i++)
		snn_unit_del(&b->units[i]);
	snn_unit_del(&b->ctl);
}

/*
 * Board reset, in two halves so that the transport can put a function
 * level reset in between (PCI reset_prepare/reset_done).  Files opened
 * before it get -ENODEV until reopened; their mappings are zapped and
 * their queues freed once the device has stopped.
 */
void snn_board_reset_begin(struct snn_board *b)
{
	unsigned int i;

	down_write(&b->lock);
	b->health = SNN_HEALTH_RESETTING;
	snn_unit_set_health(&b->ctl, SNN_HEALTH_RESETTING, "board reset");
	b->gen++;
	for (i = 0; i < b->n_units; i++) {
		snn_unit_zap(&b->units[i]);
		cancel_delayed_work(&b->units[i].watchdog);
	}
}

/* @ok: the device came out of reset; else it is left failed. */
void snn_board_reset_end(struct snn_board *b, bool ok)
{
	unsigned int i;

	for (i = 0; i < b->n_units; i++) {
		struct snn_unit *u = &b->units[i];
		struct snn_route_ent *e, *tmp;

		atomic_inc(&u->irq_seq);
		wake_up_all(&u->wq);
		if (!ok)
			continue;
		/* the board reset cleared the routing units' tables */
		list_for_each_entry_safe(e, tmp, &u->routes, node) {
			list_del(&e->node);
			kfree(e);
		}
		mutex_lock(&u->mutex);
		if (u->owner)
			snn_file_free_rings(u->owner);
		snn_unit_free_orphans(u);
		spin_lock_irq(&u->irq_lock);
		u->owner = NULL;	/* a stale file lost the unit */
		u->irq_bits = 0;
		spin_unlock_irq(&u->irq_lock);
		mutex_unlock(&u->mutex);
		snn_unit_set_health(u, SNN_HEALTH_OK, "board reset");
	}
	b->health = ok ? SNN_HEALTH_OK : SNN_HEALTH_FAILED;
	snn_unit_set_health(&b->ctl, ok ? snn_board_worst(b) :
			    SNN_HEALTH_FAILED, "board reset");
	up_write(&b->lock);
}

/* SNN_IOC_BOARD_RESET; also the way back for a board that answers again. */
int snn_board_reset(struct snn_board *b)
{
	unsigned long end = jiffies + msecs_to_jiffies(5000);
	int ret = 0;

	down_read(&b->lock);
	ret = b->gone ? -ENODEV : 0;
	up_read(&b->lock);
	if (ret)
		return ret;
	snn_board_reset_begin(b);
	if (b->gone || !snn_board_check_alive(b)) {
		ret = b->gone ? -ENODEV : -EIO;
		goto out;
	}
	snn_wr(b, SNN_REG_BOARD_CTRL, SNN_BOARD_CTRL_RESET);
	while (!(snn_rd(b, SNN_REG_BOARD_STATUS) & SNN_BOARD_STATUS_READY)) {
		if (time_after(jiffies, end)) {
			ret = -ETIMEDOUT;
			goto out;
		}
		usleep_range(100, 200);
	}
out:
	snn_board_reset_end(b, !ret);
	return ret;
}

/* ---- module ---------------------------------------------------------------- */

static char *snn_devnode(SNN_DEVNODE_CONST struct device *dev, umode_t *mode)
{
	/* root only by default; udev rules grant the snn group access */
	if (mode)
		*mode = 0600;
	return NULL;
}

static int __init snn_init(void)
{
	int ret;

	snn_mnt = kern_mount(&snn_fs_type);
	if (IS_ERR(snn_mnt))
		return PTR_ERR(snn_mnt);
	snn_debugfs = debugfs_create_dir("snn", NULL);
	ret = alloc_chrdev_region(&snn_devt, 0, SNN_MAX_MINORS, "snn");
	if (ret)
		goto err_mnt;
	cdev_init(&snn_cdev, &snn_fops);
	snn_cdev.owner = THIS_MODULE;
	ret = cdev_add(&snn_cdev, snn_devt, SNN_MAX_MINORS);
	if (ret)
		goto err_region;
	snn_class = snn_class_create("snn");
	if (IS_ERR(snn_class)) {
		ret = PTR_ERR(snn_class);
		goto err_cdev;
	}
	snn_class->devnode = snn_devnode;
	ret = snn_pci_init();
	if (ret)
		goto err_class;
	ret = snn_usb_init();
	if (ret)
		goto err_pci;
	return 0;

err_pci:
	snn_pci_exit();
err_class:
	class_destroy(snn_class);
err_cdev:
	cdev_del(&snn_cdev);
err_region:
	unregister_chrdev_region(snn_devt, SNN_MAX_MINORS);
err_mnt:
	debugfs_remove_recursive(snn_debugfs);
	kern_unmount(snn_mnt);
	return ret;
}

static void __exit snn_exit(void)
{
	snn_usb_exit();
	snn_pci_exit();
	debugfs_remove_recursive(snn_debugfs);
	class_destroy(snn_class);
	cdev_del(&snn_cdev);
	unregister_chrdev_region(snn_devt, SNN_MAX_MINORS);
	kern_unmount(snn_mnt);
	ida_destroy(&snn_board_ida);
	ida_destroy(&snn_minor_ida);
}

module_init(snn_init);
module_exit(snn_exit);

MODULE_DESCRIPTION("snndev neuromorphic accelerator boards");
MODULE_AUTHOR("snndev developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(SNN_DRV_VERSION);
