/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsnndev: the user-space library of snndev, a thin layer over the snn
 * driver's ioctls (uapi/linux/snn.h, docs/uapi.md) and its sysfs class
 * (docs/sysfs-abi.md).
 *
 * Objects are opaque and created and destroyed through the library:
 *
 *   struct snndev_enum    a snapshot of the boards and units present
 *                         (udev, class "snn"); its nodes describe them
 *   struct snndev_node    one board (/dev/snnX) or unit (/dev/snnX.Y) of
 *                         an enumeration; owned by the enumeration
 *   struct snndev_unit    an open node: a cluster, a routing unit or a
 *                         board control node
 *   struct snndev_queue   a spike queue of a cluster, mapped zero-copy
 *   struct snndev_net     a network: one part per cluster it occupies and
 *                         the routes between parts; built in memory or
 *                         read from a network file (docs/network-format.md)
 *
 * Errors: functions that can fail return 0 (or a count) on success and a
 * negative errno on failure; never set errno as their result.  Every
 * failure also leaves a message naming what was wrong (which entry, which
 * field, which limit) in snndev_errmsg(), a per-thread buffer valid until
 * the thread's next libsnndev call, and, for functions on a unit, in
 * snndev_unit_errmsg() until that unit's next failure.
 *
 * Thread safety: distinct objects may be used from different threads at
 * the same time.  One struct snndev_unit (and its queues) must not be used
 * by two threads at once without the caller's own locking, except that
 * snndev_unit_wait() and snndev_queue_* on different queues of the unit
 * may run concurrently with one another.  An enumeration and a network are
 * read-only once built: any number of threads may read them.
 *
 * Symbols are versioned (libsnndev.map); the soname is libsnndev.so.1.
 * libsnndev.a, for static programs, is the same library except that it
 * enumerates by reading /sys/class/snn instead of through libudev.
 * docs/libsnndev.md is the guide (errors, threads, the ABI check, the
 * static archive, the environment variables).
 */
#ifndef SNNDEV_H
#define SNNDEV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SNNDEV_API_VERSION	0x000100	/* 0.1.0: major << 16 | minor << 8 | patch */

/* The library's version ("0.1.0") and the driver ABI it speaks ("1.1"). */
const char *snndev_version(void);
unsigned int snndev_abi_major(void);
unsigned int snndev_abi_minor(void);

/* The calling thread's last error message ("" if none). */
const char *snndev_errmsg(void);

/*
 * libdrm-style ioctl: restarts on EINTR and EAGAIN; returns 0 (or the
 * ioctl's non-negative result) or -errno.
 */
int snndev_ioctl(int fd, unsigned long request, void *arg);

/* ---- Properties ---------------------------------------------------------- */

enum snndev_node_type {
	SNNDEV_NODE_BOARD = 1,		/* /dev/snnX */
	SNNDEV_NODE_CLUSTER = 2,	/* /dev/snnX.Y, Y < clusters */
	SNNDEV_NODE_ROUTER = 3,		/* /dev/snnX.Y, Y >= clusters */
};

enum snndev_transport {
	SNNDEV_TRANSPORT_PCI = 1,
	SNNDEV_TRANSPORT_USB = 2,
};

/*
 * Numeric properties of a node or an open unit.  Not every property
 * applies to every node type: a getter returns -ENOENT for one that does
 * not (e.g. CORES of a routing unit).
 */
enum snndev_prop {
	SNNDEV_PROP_BOARD,		/* X */
	SNNDEV_PROP_UNIT,		/* Y (units only) */
	SNNDEV_PROP_NODE_TYPE,		/* enum snndev_node_type */
	SNNDEV_PROP_TRANSPORT,		/* enum snndev_transport */
	SNNDEV_PROP_BOARD_ID,
	SNNDEV_PROP_REVISION,
	SNNDEV_PROP_CLUSTERS,		/* of the board */
	SNNDEV_PROP_ROUTERS,		/* of the board */
	SNNDEV_PROP_CORES,		/* per cluster */
	SNNDEV_PROP_NEURONS_PER_CORE,
	SNNDEV_PROP_AXONS_PER_CORE,
	SNNDEV_PROP_SYNAPSES_PER_CORE,
	SNNDEV_PROP_IN_QUEUES,
	SNNDEV_PROP_OUT_QUEUES,
	SNNDEV_PROP_MAX_QUEUE_DEPTH,	/* entries */
	SNNDEV_PROP_RATED_EVENTS_PER_SEC,	/* board: sum over clusters */
	SNNDEV_PROP_RATED_SPIKES_PER_SEC,
	SNNDEV_PROP_CONNECTS,		/* router: mask of its clusters */
	SNNDEV_PROP_ROUTE_CAPACITY,	/* router */
	SNNDEV_PROP_ROUTE_DELAY,	/* router: timesteps */
	SNNDEV_PROP_COUNT
};

/* "board", "cores", ... (the sysfs attribute name where there is one). */
const char *snndev_prop_name(enum snndev_prop prop);

/* ---- Counters -------------------------------------------------------------- */

enum snndev_counter {
	SNNDEV_CNT_TIMESTEPS,
	SNNDEV_CNT_IN_EVENTS,
	SNNDEV_CNT_SPIKES,
	SNNDEV_CNT_OUT_EVENTS,
	SNNDEV_CNT_SYN_OPS,
	SNNDEV_CNT_NEURON_UPDATES,
	SNNDEV_CNT_STALLS,
	SNNDEV_CNT_DROPS,
	SNNDEV_CNT_LATE_EVENTS,
	SNNDEV_CNT_ROUTED_OUT,
	SNNDEV_CNT_ROUTED_IN,
	SNNDEV_CNT_AIN_SATURATIONS,
	SNNDEV_CNT_COUNT
};

/* "timesteps", ... (the name in /sys/class/snn/snnX.Y/counters/). */
const char *snndev_counter_name(enum snndev_counter c);

/* ---- Enumeration (udev) ---------------------------------------------------- */

struct snndev_enum;
struct snndev_node;

/*
 * Scan the "snn" class.  Nodes are sorted by board, the board node first,
 * then its units by index.  0 boards is not an error.
 */
int snndev_enum_new(struct snndev_enum **out);
void snndev_enum_free(struct snndev_enum *e);

size_t snndev_enum_count(const struct snndev_enum *e);
const struct snndev_node *snndev_enum_node(const struct snndev_enum *e, size_t i);

/* unit < 0: the board node.  NULL (and snndev_errmsg()) if absent. */
const struct snndev_node *snndev_enum_find(const struct snndev_enum *e,
					   unsigned int board, int unit);
/* By the board's bus id: a PCI address "0000:00:03.0" or a USB path. */
const struct snndev_node *snndev_enum_find_bus(const struct snndev_enum *e,
					       const char *bus_id, int unit);

enum snndev_node_type snndev_node_type(const struct snndev_node *n);
unsigned int snndev_node_board(const struct snndev_node *n);
int snndev_node_unit(const struct snndev_node *n);	/* -1 for a board */
const char *snndev_node_devnode(const struct snndev_node *n);	/* /dev/snn0.1 */
const char *snndev_node_syspath(const struct snndev_node *n);
const char *snndev_node_bus_id(const struct snndev_node *n);
int snndev_node_prop(const struct snndev_node *n, enum snndev_prop prop,
		     uint64_t *val);

/*
 * Live values, read from sysfs at each call (no need to open the node:
 * they work while another process owns a cluster).  The strings are
 * copied into buf (size len) and are the sysfs words: health "ok",
 * "degraded", "failed", "resetting"; state "idle", "loaded", "running",
 * "stalled", "loading", "resetting", "error", "hung".  -ENODEV once the
 * board is gone.
 */
int snndev_node_health(const struct snndev_node *n, char *buf, size_t len);
int snndev_node_state(const struct snndev_node *n, char *buf, size_t len);
int snndev_node_busy(const struct snndev_node *n);	/* 0, 1 or -errno */
/* vals[0..n-1] in enum snndev_counter order; clusters only.  Returns how
 * many were filled. */
int snndev_node_counters(const struct snndev_node *n, uint64_t *vals,
			 unsigned int count);

/* ---- Networks -------------------------------------------------------------- */

/* The records of a part; their fields and ranges are docs/hardware.md 7's. */
struct snndev_profile {
	uint16_t du;		/* 0..4095 */
	uint16_t dv;		/* 0..4095 */
	uint32_t vth;		/* 0..131071 */
	int16_t bias_mant;	/* -4096..4095 */
	int8_t bias_exp;	/* -7..7 */
};

#define SNNDEV_NEURON_OUT	(1U << 0)	/* spikes go to queue outq */
#define SNNDEV_NEURON_BIAS	(1U << 1)	/* bias_mant overrides */

struct snndev_neuron {
	uint8_t core;
	uint8_t profile;
	uint16_t index;
	uint8_t flags;		/* SNNDEV_NEURON_* */
	uint8_t outq;
	int16_t bias_mant;
};

struct snndev_synapse {
	uint8_t core;
	uint16_t axon;
	uint16_t neuron;
	int8_t weight;
};

struct snndev_fanout {
	uint8_t src_core;
	uint8_t dst_core;
	uint16_t src_neuron;
	uint16_t dst_axon;
};

/* A spike of neuron (src_core, src_neuron) of part src_part reaches axon
 * (dst_core, dst_axon) of part dst_part through a routing unit. */
struct snndev_route {
	uint16_t src_part;
	uint16_t dst_part;
	uint8_t src_core;
	uint8_t dst_core;
	uint16_t src_neuron;
	uint16_t dst_axon;
};

struct snndev_net;

/* Limits of a network (and of the network file format). */
#define SNNDEV_NET_MAX_PARTS		64
#define SNNDEV_NET_MAX_ROUTES		(1U << 20)
#define SNNDEV_NETFILE_MAX_SIZE		(256U << 20)	/* bytes */
#define SNNDEV_IMAGE_MAX_SIZE		(64U << 20)	/* bytes, one part */

int snndev_net_new(struct snndev_net **out);
void snndev_net_free(struct snndev_net *net);

/* Adds a part (one cluster's network); returns its index or -errno. */
int snndev_net_add_part(struct snndev_net *net, unsigned int n_cores,
			unsigned int neurons_per_core,
			unsigned int axons_per_core);
/*
 * Append records to a part.  Each record is checked against the part's
 * geometry and the field ranges; a bad one is not added and the message
 * names it (its position in the call, the field, the limit).  A call adds
 * all n records or, on failure, none.  References must point backwards:
 * add the profiles before the neurons that use them, and a neuron before
 * its synapses and fan-out (as in the board image).  Checks that depend
 * on the board (cores, output queues, synapses per core) are made at load.
 * 0, -EINVAL (a bad record or argument), -E2BIG (over the format's
 * limits: 256 profiles, 64 MiB per part image), -ENOMEM.
 */
int snndev_net_add_profiles(struct snndev_net *net, unsigned int part,
			    const struct snndev_profile *p, size_t n);
int snndev_net_add_neurons(struct snndev_net *net, unsigned int part,
			   const struct snndev_neuron *p, size_t n);
int snndev_net_add_synapses(struct snndev_net *net, unsigned int part,
			    const struct snndev_synapse *p, size_t n);
int snndev_net_add_fanouts(struct snndev_net *net, unsigned int part,
			   const struct snndev_fanout *p, size_t n);
/* Routes: -EEXIST for one the network (or the call) already has. */
int snndev_net_add_routes(struct snndev_net *net,
			  const struct snndev_route *p, size_t n);

unsigned int snndev_net_num_parts(const struct snndev_net *net);
/* Geometry and record counts of a part; -EINVAL for a bad part. */
int snndev_net_part_info(const struct snndev_net *net, unsigned int part,
			 unsigned int *n_cores, unsigned int *neurons_per_core,
			 unsigned int *axons_per_core, size_t *n_profiles,
			 size_t *n_neurons, size_t *n_synapses,
			 size_t *n_fanouts);
size_t snndev_net_num_routes(const struct snndev_net *net);
const struct snndev_route *snndev_net_routes(const struct snndev_net *net);

/*
 * Network files (docs/network-format.md).  Reading checks every field:
 * on failure (-EINVAL, -E2BIG for a size over the format's limits,
 * -EILSEQ for a checksum mismatch, -errno of I/O) the message names the
 * bad field and its byte offset in the file.
 */
int snndev_net_read_file(const char *path, struct snndev_net **out);
int snndev_net_read_mem(const void *buf, size_t len, struct snndev_net **out);
int snndev_net_write_file(const struct snndev_net *net, const char *path);
/* *buf is malloc()ed; the caller frees it. */
int snndev_net_write_mem(const struct snndev_net *net, void **buf,
			 size_t *len);
/*
 * One part as a board image (the .snni of snn-sim and snn-mkimg,
 * docs/hardware.md): *buf is malloc()ed.
 */
int snndev_net_part_image(const struct snndev_net *net, unsigned int part,
			  void **buf, size_t *len);

/* ---- Units ----------------------------------------------------------------- */

struct snndev_unit;

/*
 * Open a node: a cluster, a routing unit or a board's control node.
 * Checks the driver's ABI (major equal, minor at least the library's):
 * -EPROTO with a message saying which side to upgrade.  A cluster has
 * one owner at a time: -EBUSY if another file holds it.
 */
int snndev_unit_open(const char *devnode, struct snndev_unit **out);
int snndev_unit_open_node(const struct snndev_node *n,
			  struct snndev_unit **out);
/* unit < 0: the board node */
int snndev_unit_open_index(unsigned int board, int unit,
			   struct snndev_unit **out);
int snndev_unit_open_bus(const char *bus_id, int unit,
			 struct snndev_unit **out);
/* Destroys the unit's queues too. */
void snndev_unit_close(struct snndev_unit *u);

/* The unit's last error message ("" if none). */
const char *snndev_unit_errmsg(const struct snndev_unit *u);
/* The file descriptor: pollable (see poll() in docs/uapi.md). */
int snndev_unit_fd(const struct snndev_unit *u);
const char *snndev_unit_devnode(const struct snndev_unit *u);
enum snndev_node_type snndev_unit_type(const struct snndev_unit *u);
int snndev_unit_prop(const struct snndev_unit *u, enum snndev_prop prop,
		     uint64_t *val);
const char *snndev_unit_driver_version(const struct snndev_unit *u);
const char *snndev_unit_bus_id(const struct snndev_unit *u);
uint64_t snndev_unit_caps(const struct snndev_unit *u);	/* SNNDEV_CAP_* */

/* Capability bits (the values of SNN_CAP_* of linux/snn.h). */
#define SNNDEV_CAP_MAPPED_DOORBELL	(1ULL << 0)
#define SNNDEV_CAP_ROUTERS		(1ULL << 1)
#define SNNDEV_CAP_OUT_DROP		(1ULL << 2)
#define SNNDEV_CAP_EVENTFD		(1ULL << 3)
#define SNNDEV_CAP_FAULT_INJECT		(1ULL << 4)
#define SNNDEV_CAP_LOAD_SG		(1ULL << 5)	/* images over 4 MiB load */

/* Cluster: replace the network with part `part` of net. */
int snndev_unit_load(struct snndev_unit *u, const struct snndev_net *net,
		     unsigned int part);

/* Cluster: run `steps` timesteps (returns at once; see wait). */
int snndev_unit_run(struct snndev_unit *u, unsigned int steps);

/*
 * With SNNDEV_RUN_RESET_STATE: first reset the neuron state and the
 * timestep, as snndev_unit_reset(u, SNNDEV_RESET_STATE) does, keeping the
 * input already queued.  One call per inference instead of two, and on
 * boards that do it in hardware one command less.  The cluster must be
 * idle (-EBUSY).  With a driver older than ABI 1.1 the library resets and
 * then runs.
 */
#define SNNDEV_RUN_RESET_STATE	(1U << 0)

/* Cluster: snndev_unit_run() with SNNDEV_RUN_* flags. */
int snndev_unit_run_flags(struct snndev_unit *u, unsigned int steps,
			  unsigned int flags);

enum snndev_state {
	SNNDEV_STATE_IDLE = 0,
	SNNDEV_STATE_RUNNING = 1,
	SNNDEV_STATE_STALLED = 2,
	SNNDEV_STATE_ERROR = 3,
	SNNDEV_STATE_HUNG = 4,
};

struct snndev_status {
	enum snndev_state state;
	uint32_t timestep;	/* next timestep to run */
	uint32_t remaining;	/* timesteps still to run */
	uint32_t error;		/* device error code, 0 if none */
	uint32_t error_info;
};

#define SNNDEV_WAIT_OUTPUT	(1U << 0)	/* also return on output */

/*
 * Cluster: wait for the run to finish (with SNNDEV_WAIT_OUTPUT also for
 * output events), at most timeout_ms (< 0: no limit, 0: poll).  0 when
 * done, -ETIMEDOUT, -EIO on a device error (st and the message say
 * which), -ENODEV after unplug or board reset.  st may be NULL.
 */
int snndev_unit_wait(struct snndev_unit *u, int timeout_ms,
		     unsigned int flags, struct snndev_status *st);

#define SNNDEV_NOTIFY_RUN_DONE	(1U << 0)
#define SNNDEV_NOTIFY_OUTPUT	(1U << 1)
#define SNNDEV_NOTIFY_ERROR	(1U << 2)

/*
 * Cluster: an eventfd signalled on the SNNDEV_NOTIFY_* events, for the
 * caller's own event loop; the unit owns it (closed with the unit).
 * Returns the fd or -errno.  Called again, it changes the events of the
 * same fd; events 0 stops the notification, closes the fd and returns 0.
 */
int snndev_unit_eventfd(struct snndev_unit *u, unsigned int events);

/* Cluster: vals[0..count-1] in enum snndev_counter order; returns how
 * many were filled (at most SNNDEV_CNT_COUNT). */
int snndev_unit_counters(struct snndev_unit *u, uint64_t *vals,
			 unsigned int count);

#define SNNDEV_RESET_STATE	(1U << 0)	/* neuron state and timestep only */

/* Cluster: reset (everything, or SNNDEV_RESET_STATE). */
int snndev_unit_reset(struct snndev_unit *u, unsigned int flags);

#define SNNDEV_CONFIG_OUT_DROP	(1U << 0)	/* full output queue: drop, count */

int snndev_unit_config(struct snndev_unit *u, unsigned int flags);

/* Board control node: reset the whole board (every cluster's file sees
 * -ENODEV afterwards). */
int snndev_unit_board_reset(struct snndev_unit *board);

/*
 * Routing unit: route a spike of neuron (src_core, src_neuron) of cluster
 * src to axon (dst_core, dst_axon) of cluster dst; src and dst are the
 * caller's open clusters that this routing unit connects.
 */
int snndev_route_add(struct snndev_unit *router, struct snndev_unit *src,
		     unsigned int src_core, unsigned int src_neuron,
		     struct snndev_unit *dst, unsigned int dst_core,
		     unsigned int dst_axon);
int snndev_route_del(struct snndev_unit *router, struct snndev_unit *src,
		     unsigned int src_core, unsigned int src_neuron,
		     struct snndev_unit *dst, unsigned int dst_core,
		     unsigned int dst_axon);

/* ---- Queues ---------------------------------------------------------------- */

/*
 * Events are little-endian 64-bit words: bits 0..31 timestep, 32..47 axon
 * (input) or neuron (output) index, 48..55 core.
 */
static inline uint64_t snndev_event(uint32_t timestep, unsigned int core,
				    unsigned int index)
{
	return (uint64_t)timestep | ((uint64_t)(uint16_t)index << 32) |
	       ((uint64_t)(uint8_t)core << 48);
}

static inline uint32_t snndev_event_timestep(uint64_t e)
{
	return (uint32_t)e;
}

static inline unsigned int snndev_event_index(uint64_t e)
{
	return (uint16_t)(e >> 32);
}

static inline unsigned int snndev_event_core(uint64_t e)
{
	return (uint8_t)(e >> 48);
}

enum snndev_dir {
	SNNDEV_IN = 0,
	SNNDEV_OUT = 1,
};

struct snndev_queue;

/*
 * Create and map queue `index` of direction dir on a cluster, with
 * 1 << depth_log2 entries.
 */
int snndev_queue_create(struct snndev_unit *u, enum snndev_dir dir,
			unsigned int index, unsigned int depth_log2,
			struct snndev_queue **out);
/*
 * Unmaps and frees q.  If the driver refuses to destroy the queue (the
 * cluster is running: -EBUSY), snndev_unit_errmsg() says so and the queue
 * stays created until the unit is closed.
 */
void snndev_queue_destroy(struct snndev_queue *q);
size_t snndev_queue_entries(const struct snndev_queue *q);

/*
 * Zero-copy input: snndev_queue_prepare() returns up to `want` free slots
 * that are contiguous in the ring (*slots points at the first); the caller
 * writes events there and snndev_queue_commit()s how many it wrote.  The
 * device sees them after snndev_queue_flush() (one doorbell for a batch).
 * 0 slots means the queue is full: back-pressure, nothing is dropped.
 */
size_t snndev_queue_prepare(struct snndev_queue *q, uint64_t **slots,
			    size_t want);
void snndev_queue_commit(struct snndev_queue *q, size_t n);
int snndev_queue_flush(struct snndev_queue *q);

/*
 * Zero-copy output: snndev_queue_peek() returns the number of contiguous
 * events ready (*events points at the first); snndev_queue_release()
 * hands n of them back to the device (and rings the consumer doorbell).
 */
size_t snndev_queue_peek(struct snndev_queue *q, const uint64_t **events);
int snndev_queue_release(struct snndev_queue *q, size_t n);

/*
 * Copying helpers built on the above.  push: copies up to n events in and
 * flushes; returns how many were taken (less than n when the queue is
 * full).  pull: copies out up to max events and releases them; returns
 * how many.  -errno on failure.
 */
long snndev_queue_push(struct snndev_queue *q, const uint64_t *events,
		       size_t n);
long snndev_queue_pull(struct snndev_queue *q, uint64_t *events, size_t max);

/* Events in the queue not yet taken by the device (in) or the caller (out). */
size_t snndev_queue_pending(struct snndev_queue *q);

#ifdef __cplusplus
}
#endif

#endif /* SNNDEV_H */
