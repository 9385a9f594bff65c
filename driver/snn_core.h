/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snndev driver core: boards, units (/dev/snnX and /dev/snnX.Y), files.
 *
 * The core knows the board's register interface (snn_hw.h) but not the
 * transport: register access, doorbells, queue memory and network loading
 * go through struct snn_transport_ops (snn_pci.c implements it for PCIe,
 * snn_usb.c for USB).
 *
 * Lifetime.  A board is reference counted: the transport holds one
 * reference from probe to remove, every open file one more.  Remove marks
 * the board gone under board->lock (write), so that no ioctl touches the
 * hardware afterwards, zaps every user mapping, stops the device and frees
 * the DMA memory; the struct itself goes with the last reference.
 *
 * Locking.  board->lock (rwsem) is held for reading by every operation
 * that touches the hardware and for writing by remove and board reset.
 * unit->mutex serialises the operations on one cluster or routing unit.
 * Order: board->lock, then unit->mutex.  Nothing sleeps on the device
 * (waits for runs) with either held.
 */
#ifndef SNN_CORE_H
#define SNN_CORE_H

#include <linux/device.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/eventfd.h>
#include <linux/xarray.h>
#include <linux/list.h>
#include <linux/fs.h>
#include <linux/snn.h>

#include "snn_hw.h"

#define SNN_DRV_VERSION		"0.1.0"
#define SNN_MAX_BOARDS		64
#define SNN_UNITS_PER_BOARD	(SNN_MAX_CLUSTERS + SNN_MAX_ROUTERS + 1)

enum snn_health {
	SNN_HEALTH_OK,
	SNN_HEALTH_DEGRADED,	/* board: some unit failed */
	SNN_HEALTH_FAILED,	/* unit hung or in error; board dead */
	SNN_HEALTH_RESETTING,
};

struct snn_board;
struct snn_file;

/* The capability registers, read once at probe. */
struct snn_caps {
	u32 board_id, revision, hw_version, features;
	u32 clusters, cores, neurons, axons, synapses, fanout, profiles;
	u32 routers, in_queues, out_queues, queue_log2;
	u32 route_entries, route_delay, route_fifo;
	u32 rated_eps, rated_sps, syn_mem_bits;
	u32 router_mask[SNN_MAX_ROUTERS];
};

/* DMA memory of one spike queue: a control page, then the entries. */
struct snn_ring {
	void *cpu;
	dma_addr_t dma;
	size_t size;		/* page aligned: what user space maps */
	u32 log2;
	unsigned long id;	/* names it to the mappings made of it */
};

struct snn_transport_ops {
	u32 transport;		/* SNN_TRANSPORT_* */
	u32 (*rd)(struct snn_board *b, u32 off);
	void (*wr)(struct snn_board *b, u32 off, u32 val);
	/* A doorbell write; a transport that moves ring contents may fail. */
	int (*doorbell)(struct snn_board *b, unsigned int cl, u32 off,
			u32 val);
	int (*ring_alloc)(struct snn_board *b, struct snn_ring *r);
	void (*ring_free)(struct snn_board *b, struct snn_ring *r);
	/* Page frame of page @pg of @r, for a user mapping of it. */
	unsigned long (*ring_pfn)(struct snn_board *b, struct snn_ring *r,
				  unsigned long pg);
	/* Page frame of cluster @cl's doorbell page; NULL if not mappable. */
	unsigned long (*doorbell_pfn)(struct snn_board *b, unsigned int cl);
	/* Program queue registers for @r (ring DMA at r->dma + ctrl page). */
	void (*queue_enable)(struct snn_board *b, unsigned int cl, u32 dir,
			     u32 q, struct snn_ring *r);
	void (*queue_disable)(struct snn_board *b, unsigned int cl, u32 dir,
			      u32 q);
	/* Hand a network image to cluster @cl and start the load. */
	int (*load_start)(struct snn_board *b, unsigned int cl,
			  const void *img, size_t len, void **token);
	void (*load_done)(struct snn_board *b, void *token);
	/* Stop all DMA (board reset); the device may already be gone. */
	void (*quiesce)(struct snn_board *b);
	/*
	 * Optional: output the device has written but the host rings do not
	 * show yet (a transport that moves output over its own pipe).  A
	 * finished run counts as running until this is false.
	 */
	bool (*output_in_flight)(struct snn_board *b, unsigned int cl,
				 u32 *timestep);
	/*
	 * Optional: bring the host rings' copies of cluster @cl's device
	 * indices up to date where they only travel with the interrupts
	 * (USB: input consumer indices).  WAIT calls it after reading the
	 * state, so that input consumed before it shows.  May sleep.
	 */
	void (*sync)(struct snn_board *b, unsigned int cl);
	/*
	 * Optional: @on, take one snapshot of cluster @cl's registers and
	 * serve the calling task's reads of them from it until the call
	 * with !@on (or a write to them); for a transport whose register
	 * reads are slow (USB).  The caller holds the unit.  May sleep.
	 */
	void (*snap)(struct snn_board *b, unsigned int cl, bool on);
};

/* A node: the board's control node, a cluster or a routing unit. */
struct snn_unit {
	struct snn_board *board;
	u32 type;		/* SNN_NODE_* */
	u32 index;		/* Y; ~0 for the board node */
	u32 hw;			/* cluster or router number */
	int minor;
	struct device *dev;
	struct inode *inode;	/* address space of its mappings */
	struct mutex mutex;
	struct snn_file *owner;	/* the one open file (cluster, router) */
	wait_queue_head_t wq;
	atomic_t irq_seq;	/* bumped by every interrupt */
	u32 irq_bits;		/* SNN_CL_IRQ_* seen since last look */
	u32 irq_want;		/* on-demand SNN_CL_IRQ_* its owner uses */
	spinlock_t irq_lock;
	enum snn_health health;
	const char *health_why;
	struct delayed_work watchdog;
	u32 wd_timestep;
	unsigned long wd_since;
	struct list_head routes;	/* router: struct snn_route_ent */
	/* queues a stuck cluster may still use: freed after quiesce */
	struct snn_ring *orphans[2][SNN_MAX_QUEUES];
};

/* A route a routing unit holds, so a cluster's routes can be undone. */
struct snn_route_ent {
	struct list_head node;
	u32 src, dst;		/* SNN_RT_ADDR() */
};

struct snn_board {
	struct kref ref;
	struct device *parent;
	const struct snn_transport_ops *ops;
	void *priv;
	int index;		/* X */
	char bus_id[32];
	struct snn_caps caps;
	struct rw_semaphore lock;
	bool gone;		/* removed or dead: -ENODEV */
	u32 gen;		/* board reset generation */
	enum snn_health health;
	struct dentry *debugfs;	/* fault knobs of a test board */
	unsigned int n_units;
	struct snn_unit ctl;
	struct snn_unit units[SNN_MAX_CLUSTERS + SNN_MAX_ROUTERS];
};

/* Per open file of a cluster or routing unit. */
struct snn_file {
	struct snn_unit *unit;
	u32 gen;
	struct snn_ring *rings[2][SNN_MAX_QUEUES];
	unsigned long ring_ids;	/* the last snn_ring.id handed out */
	struct eventfd_ctx *efd;
	u32 efd_events;
	bool run_started;	/* EPOLLIN once it finishes, until WAIT */
};

extern const struct file_operations snn_fops;
extern unsigned int snn_hang_timeout_ms;
extern struct xarray snn_minors;
extern struct mutex snn_minors_lock;

struct snn_board *snn_board_alloc(struct device *parent,
				  const struct snn_transport_ops *ops,
				  void *priv, const char *bus_id);
bool snn_board_hw_reset(struct snn_board *b);
int snn_board_probe_caps(struct snn_board *b);
int snn_board_register(struct snn_board *b);
void snn_board_unregister(struct snn_board *b);
void snn_board_put(struct snn_board *b);
void snn_board_irq_cluster(struct snn_board *b, unsigned int cl);
void snn_board_output_arrived(struct snn_board *b, unsigned int cl,
			      bool events);
void snn_board_irq_error(struct snn_board *b);

/* Offset of queue @q's register block (@dir SNN_QUEUE_IN or _OUT). */
static inline u32 snn_queue_regs(unsigned int cl, u32 dir, u32 q)
{
	return SNN_CLUSTER_BASE(cl) +
	       (dir == SNN_QUEUE_IN ? SNN_CL_INQ(q) : SNN_CL_OUTQ(q));
}

void snn_board_queue_setup(struct snn_board *b, unsigned int cl, u32 dir,
			   u32 q, const struct snn_ring *r);

/* Helpers shared by the core files. */
static inline u32 snn_rd(struct snn_board *b, u32 off)
{
	return b->ops->rd(b, off);
}

static inline void snn_wr(struct snn_board *b, u32 off, u32 val)
{
	b->ops->wr(b, off, val);
}

static inline u32 snn_cl_rd(struct snn_board *b, unsigned int cl, u32 off)
{
	return snn_rd(b, SNN_CLUSTER_BASE(cl) + off);
}

static inline void snn_cl_wr(struct snn_board *b, unsigned int cl, u32 off,
			     u32 val)
{
	snn_wr(b, SNN_CLUSTER_BASE(cl) + off, val);
}

u64 snn_cl_counter(struct snn_board *b, unsigned int cl, unsigned int i);
int snn_cluster_reset_hw(struct snn_board *b, unsigned int cl, bool full);
void snn_unit_irq_init(struct snn_unit *u);
void snn_unit_irq_want(struct snn_unit *u, u32 bits);
void snn_unit_set_health(struct snn_unit *u, enum snn_health h,
			 const char *why);
void snn_unit_zap(struct snn_unit *u);
void snn_file_free_rings(struct snn_file *f);
void snn_file_restore_queues(struct snn_file *f);
bool snn_board_check_alive(struct snn_board *b);
int snn_cl_status(struct snn_board *b, unsigned int cl, u32 *st);
void snn_unit_free_orphans(struct snn_unit *u);
int snn_board_reset(struct snn_board *b);
void snn_board_reset_begin(struct snn_board *b);
void snn_board_reset_end(struct snn_board *b, bool ok);
void snn_watchdog_arm(struct snn_unit *u);

/* snn_usb.c */
int snn_usb_init(void);
void snn_usb_exit(void);

/* snn_pci.c */
int snn_pci_init(void);
void snn_pci_exit(void);

#endif /* SNN_CORE_H */
