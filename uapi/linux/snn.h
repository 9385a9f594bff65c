/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * snndev: the user-space interface of the neuromorphic board driver.
 *
 * Nodes: /dev/snnX is board X's control node; /dev/snnX.Y is unit Y of the
 * board: Y < clusters is a neuron-core cluster, the following ones are its
 * routing units.  docs/uapi.md documents every ioctl; docs/hardware.md the
 * board semantics behind them (timesteps, events, queues).
 *
 * Every ioctl takes a pointer to a struct whose size is encoded in the
 * command (_IOC_SIZE).  The driver accepts any size from the one the ioctl
 * had when it was introduced up to the newest: it copies in what the caller
 * passed and treats the rest as zero (bytes beyond what it knows must be
 * zero, else -E2BIG), and copies out only what the caller's struct holds.
 * Flags the driver does not know and reserved fields must be zero, else
 * -EINVAL.  All structs use fixed-width types with explicit padding, user
 * pointers are __u64, so 32-bit processes use the same layout.
 */
#ifndef _UAPI_LINUX_SNN_H
#define _UAPI_LINUX_SNN_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SNN_ABI_MAJOR		1	/* incompatible changes */
#define SNN_ABI_MINOR		1	/* additions */

#define SNN_IOC_MAGIC		0xC5

/* ---- SNN_IOC_INFO: any node ------------------------------------------ */

#define SNN_NODE_BOARD		1
#define SNN_NODE_CLUSTER	2
#define SNN_NODE_ROUTER		3

#define SNN_TRANSPORT_PCI	1
#define SNN_TRANSPORT_USB	2

#define SNN_CAP_MAPPED_DOORBELL	(1ULL << 0)	/* SNN_MMAP_DOORBELL */
#define SNN_CAP_ROUTERS		(1ULL << 1)
#define SNN_CAP_OUT_DROP	(1ULL << 2)	/* SNN_CONFIG_OUT_DROP */
#define SNN_CAP_EVENTFD		(1ULL << 3)
#define SNN_CAP_FAULT_INJECT	(1ULL << 4)	/* test board */
#define SNN_CAP_LOAD_SG		(1ULL << 5)	/* images > 4 MiB load */

struct snn_info {
	__u32 abi_major;	/* SNN_ABI_MAJOR of the driver */
	__u32 abi_minor;
	__u64 caps;		/* SNN_CAP_* */
	__u32 node_type;	/* SNN_NODE_* */
	__u32 board;		/* X of /dev/snnX[.Y] */
	__u32 unit;		/* Y, or 0xffffffff for the board node */
	__u32 transport;	/* SNN_TRANSPORT_* */
	__u32 board_id;		/* vendor's board id */
	__u32 revision;		/* hardware revision */
	__u32 hw_version;	/* register interface: major << 16 | minor */
	__u32 clusters;
	__u32 routers;
	__u32 cores;		/* per cluster */
	__u32 neurons;		/* per core */
	__u32 axons;		/* input axons per core */
	__u32 synapses;		/* synapse entries per core */
	__u32 fanout;		/* fan-out entries per core */
	__u32 profiles;		/* neuron profiles per cluster */
	__u32 in_queues;	/* per cluster */
	__u32 out_queues;	/* per cluster */
	__u32 max_queue_log2;	/* deepest queue: 1 << max_queue_log2 */
	__u32 route_entries;	/* per routing unit */
	__u32 route_delay;	/* timesteps a route adds */
	__u32 route_fifo;
	__u32 rated_eps;	/* rated input events/s per cluster */
	__u32 rated_sps;	/* rated output spikes/s per cluster */
	__u32 unit_clusters;	/* mask: a routing unit's clusters, or a
				 * cluster node's own bit
				 */
	char driver_version[32];
	char bus_id[32];	/* "0000:01:00.0" or the USB path */
	__u64 reserved[4];
};

/* ---- SNN_IOC_LOAD: cluster node --------------------------------------- */

/* One neuron profile: the CUBA LIF parameters (docs/hardware.md 7). */
struct snn_profile {
	__u16 du;		/* 0..4095 */
	__u16 dv;		/* 0..4095 */
	__u32 vth;		/* 0..131071 */
	__s16 bias_mant;	/* -4096..4095 */
	__s8 bias_exp;		/* -7..7 */
	__u8 reserved0;
	__u32 reserved1;
};

#define SNN_NEURON_OUT		(1U << 0)	/* spikes go to queue outq */
#define SNN_NEURON_BIAS		(1U << 1)	/* bias_mant overrides */

struct snn_neuron {
	__u8 core;
	__u8 profile;
	__u16 index;		/* < neurons_per_core */
	__u8 flags;		/* SNN_NEURON_* */
	__u8 outq;		/* output queue if SNN_NEURON_OUT, else 0 */
	__s16 bias_mant;	/* if SNN_NEURON_BIAS, else 0 */
};

/* Input axon -> neuron of the same core. */
struct snn_synapse {
	__u8 core;
	__u8 reserved0;
	__u16 axon;
	__u16 neuron;
	__s8 weight;
	__u8 reserved1;
};

/* Neuron -> input axon of a core of the same cluster, one timestep later. */
struct snn_fanout {
	__u8 src_core;
	__u8 dst_core;
	__u16 src_neuron;
	__u16 dst_axon;
	__u16 reserved;
};

/* Where a rejected load went wrong (snn_load.err_section). */
#define SNN_SEC_HEADER		1	/* the counts of struct snn_load */
#define SNN_SEC_PROFILE		2
#define SNN_SEC_NEURON		3
#define SNN_SEC_SYNAPSE		4
#define SNN_SEC_FANOUT		5

/* Which field (snn_load.err_field). */
#define SNN_FIELD_FLAGS		1
#define SNN_FIELD_N_CORES	2
#define SNN_FIELD_NEURONS_PER_CORE 3
#define SNN_FIELD_AXONS_PER_CORE 4
#define SNN_FIELD_N_PROFILES	5
#define SNN_FIELD_N_NEURONS	6
#define SNN_FIELD_N_SYNAPSES	7
#define SNN_FIELD_N_FANOUT	8
#define SNN_FIELD_DU		9
#define SNN_FIELD_DV		10
#define SNN_FIELD_VTH		11
#define SNN_FIELD_BIAS_MANT	12
#define SNN_FIELD_BIAS_EXP	13
#define SNN_FIELD_RESERVED	14
#define SNN_FIELD_CORE		15
#define SNN_FIELD_PROFILE	16
#define SNN_FIELD_INDEX		17
#define SNN_FIELD_OUTQ		18
#define SNN_FIELD_AXON		19
#define SNN_FIELD_NEURON	20
#define SNN_FIELD_SRC_CORE	21
#define SNN_FIELD_DST_CORE	22
#define SNN_FIELD_SRC_NEURON	23
#define SNN_FIELD_DST_AXON	24
#define SNN_FIELD_POINTER	25	/* an array pointer faulted */

/*
 * Replaces the cluster's network; neuron state and the timestep start at 0.
 * On -EINVAL (a bad value) or -ENOSPC (over capacity) the err_* fields say
 * which entry of which array and which field, and err_limit the largest
 * value that would have been accepted (or the capacity exceeded).
 */
struct snn_load {
	__u32 flags;		/* 0 */
	__u32 n_cores;		/* cores the network uses */
	__u32 neurons_per_core;	/* id stride of the network, <= info.neurons */
	__u32 axons_per_core;	/* id stride, <= info.axons */
	__u32 n_profiles;
	__u32 n_neurons;
	__u32 n_synapses;
	__u32 n_fanout;
	__u64 profiles;		/* struct snn_profile[n_profiles] */
	__u64 neurons;		/* struct snn_neuron[n_neurons] */
	__u64 synapses;		/* struct snn_synapse[n_synapses] */
	__u64 fanout;		/* struct snn_fanout[n_fanout] */
	__u32 err_section;	/* out: SNN_SEC_* */
	__u32 err_index;	/* out: entry within the section */
	__u32 err_field;	/* out: SNN_FIELD_* */
	__u32 err_limit;	/* out */
	__u64 reserved[2];
};

/* ---- Spike queues: cluster node --------------------------------------- */

/*
 * A queue is a ring of 8-byte events in DMA memory that the process maps
 * with mmap(SNN_MMAP_QUEUE(dir, index)).  The mapping starts with one page
 * of control: the device's index (HEAD of an input queue, TAIL of an
 * output queue) as a little-endian __u32 at wb_offset; the entries follow
 * at ring_offset.  The process owns the other index and hands it to the
 * device with SNN_IOC_DOORBELL or by writing it to the mapped doorbell page
 * (SNN_MMAP_DOORBELL): the producer index of input queue q at
 * SNN_DOORBELL_IN(q), the consumer index of output queue q at
 * SNN_DOORBELL_OUT(q), as 32-bit writes.  Indices are free-running __u32.
 *
 * Event layout (little-endian __u64): bits 0..31 timestep, 32..47 axon
 * (input) or neuron (output) index, 48..55 core, 56..63 payload (0).
 */
#define SNN_EVENT_SIZE		8
#define SNN_EVENT(ts, core, idx)					\
	((__u64)(__u32)(ts) | ((__u64)(__u16)(idx) << 32) |		\
	 ((__u64)(__u8)(core) << 48))
#define SNN_EVENT_TIMESTEP(e)	((__u32)(e))
#define SNN_EVENT_INDEX(e)	((__u16)((e) >> 32))
#define SNN_EVENT_CORE(e)	((__u8)((e) >> 48))

#define SNN_QUEUE_IN		0
#define SNN_QUEUE_OUT		1

#define SNN_MMAP_DOORBELL	0ULL
#define SNN_DOORBELL_MAP_SIZE	0x10000	/* map exactly this much */
#define SNN_MMAP_QUEUE(dir, index) \
	((1ULL + (dir) * 8 + (index)) << 24)	/* 16 MiB apart */
#define SNN_DOORBELL_IN(q)	(4 * (q))
#define SNN_DOORBELL_OUT(q)	(0x40 + 4 * (q))

struct snn_queue_create {
	__u32 dir;		/* SNN_QUEUE_IN or SNN_QUEUE_OUT */
	__u32 index;		/* < in_queues / out_queues */
	__u32 depth_log2;	/* 1..max_queue_log2 */
	__u32 flags;		/* 0 */
	__u64 mmap_offset;	/* out: SNN_MMAP_QUEUE(dir, index) */
	__u64 mmap_size;	/* out: length to map */
	__u32 ring_offset;	/* out: entries start here in the mapping */
	__u32 wb_offset;	/* out: the device's index */
	__u32 entries;		/* out: 1 << depth_log2 */
	__u32 reserved;
};

struct snn_queue_id {
	__u32 dir;
	__u32 index;
};

struct snn_doorbell {
	__u32 dir;
	__u32 index;
	__u32 value;		/* producer (in) or consumer (out) index */
	__u32 reserved;
};

/* ---- Running: cluster node ------------------------------------------- */

/*
 * Reset the neuron state and the timestep (as SNN_IOC_RESET with
 * SNN_RESET_STATE) before the first timestep; queued input is kept.  The
 * cluster must be idle (-EBUSY otherwise).  ABI 1.1.
 */
#define SNN_RUN_RESET_STATE	(1U << 0)

struct snn_run {
	__u32 steps;		/* >= 1 */
	__u32 flags;		/* SNN_RUN_* */
};

/*
 * Also return when an output queue holds events the process has not yet
 * handed back with its consumer doorbell.
 */
#define SNN_WAIT_OUTPUT		(1U << 0)

#define SNN_STATE_IDLE		0
#define SNN_STATE_RUNNING	1
#define SNN_STATE_STALLED	2	/* an output queue is full */
#define SNN_STATE_ERROR		3
#define SNN_STATE_HUNG		4

/*
 * Wait until the run finished (or, with SNN_WAIT_OUTPUT, until an output
 * queue holds events), at most timeout_ns (< 0: no limit; 0: just report).
 * 0 when done; -ETIMEDOUT; -EIO if the cluster stopped with an error (see
 * error/error_info, docs/hardware.md 8); -ENODEV after unplug or reset.
 */
struct snn_wait {
	__s64 timeout_ns;
	__u32 flags;		/* SNN_WAIT_* */
	__u32 state;		/* out: SNN_STATE_* */
	__u32 timestep;		/* out: next timestep to run */
	__u32 remaining;	/* out: timesteps still to run */
	__u32 error;		/* out: device error code, 0 if none */
	__u32 error_info;	/* out */
};

struct snn_counters {
	__u64 timesteps;
	__u64 in_events;
	__u64 spikes;
	__u64 out_events;
	__u64 syn_ops;
	__u64 neuron_updates;
	__u64 stalls;
	__u64 drops;
	__u64 late;
	__u64 routed_out;
	__u64 routed_in;
	__u64 ain_saturations;
	__u64 reserved[4];
};

/*
 * Without SNN_RESET_STATE the whole cluster is reset: network unloaded,
 * counters cleared, configuration (SNN_CONFIG_*) back to 0; the file's
 * queues stay mapped and are programmed again with both indices at 0.
 * SNN_RESET_STATE resets neuron state and the timestep only.
 */
#define SNN_RESET_STATE		(1U << 0)

struct snn_reset {
	__u32 flags;		/* 0: the whole cluster, or SNN_RESET_STATE */
	__u32 reserved;
};

#define SNN_CONFIG_OUT_DROP	(1U << 0)	/* full queue: drop, count */

struct snn_config {
	__u32 flags;		/* SNN_CONFIG_* */
	__u32 reserved;
};

#define SNN_NOTIFY_RUN_DONE	(1U << 0)
#define SNN_NOTIFY_OUTPUT	(1U << 1)
#define SNN_NOTIFY_ERROR	(1U << 2)

struct snn_eventfd {
	__s32 fd;		/* eventfd, or -1 to stop */
	__u32 events;		/* SNN_NOTIFY_* */
};

/*
 * poll(): EPOLLIN when an output queue holds unconsumed events, or when a
 * run has finished and SNN_IOC_WAIT has not yet observed it; EPOLLOUT when
 * an input queue has space; EPOLLPRI when the cluster is in error or hung;
 * EPOLLERR | EPOLLHUP after unplug or board reset.
 */

/* ---- Routing: routing-unit node --------------------------------------- */

/*
 * src_fd and dst_fd are the caller's open fds of two clusters of the same
 * board that this routing unit connects: holding them proves ownership.
 */
struct snn_route {
	__s32 src_fd;
	__s32 dst_fd;
	__u32 src_core;
	__u32 src_neuron;
	__u32 dst_core;
	__u32 dst_axon;
	__u32 flags;		/* 0 */
	__u32 reserved;
};

/* ---- Commands --------------------------------------------------------- */

#define SNN_IOC_INFO		_IOR(SNN_IOC_MAGIC, 0x00, struct snn_info)
#define SNN_IOC_LOAD		_IOWR(SNN_IOC_MAGIC, 0x01, struct snn_load)
#define SNN_IOC_QUEUE_CREATE	_IOWR(SNN_IOC_MAGIC, 0x02, struct snn_queue_create)
#define SNN_IOC_QUEUE_DESTROY	_IOW(SNN_IOC_MAGIC, 0x03, struct snn_queue_id)
#define SNN_IOC_DOORBELL	_IOW(SNN_IOC_MAGIC, 0x04, struct snn_doorbell)
#define SNN_IOC_RUN		_IOW(SNN_IOC_MAGIC, 0x05, struct snn_run)
#define SNN_IOC_WAIT		_IOWR(SNN_IOC_MAGIC, 0x06, struct snn_wait)
#define SNN_IOC_COUNTERS	_IOR(SNN_IOC_MAGIC, 0x07, struct snn_counters)
#define SNN_IOC_RESET		_IOW(SNN_IOC_MAGIC, 0x08, struct snn_reset)
#define SNN_IOC_CONFIG		_IOW(SNN_IOC_MAGIC, 0x09, struct snn_config)
#define SNN_IOC_EVENTFD		_IOW(SNN_IOC_MAGIC, 0x0a, struct snn_eventfd)
#define SNN_IOC_ROUTE_ADD	_IOW(SNN_IOC_MAGIC, 0x10, struct snn_route)
#define SNN_IOC_ROUTE_DEL	_IOW(SNN_IOC_MAGIC, 0x11, struct snn_route)
#define SNN_IOC_BOARD_RESET	_IOW(SNN_IOC_MAGIC, 0x20, struct snn_reset)

#endif /* _UAPI_LINUX_SNN_H */
