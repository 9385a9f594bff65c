/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snndev board core: everything of the emulated neuromorphic board that
 * does not depend on the transport (registers, clusters and their worker
 * threads, routing units, fault injection).  The PCIe device (snn_pci.c)
 * wraps it with BARs, MSI-X and PCI DMA; the USB device (snn_usb.c) with
 * vendor requests, bulk frames and device memory.
 */
#ifndef HW_SNN_BOARD_H
#define HW_SNN_BOARD_H

#include "exec/memattrs.h"
#include "exec/hwaddr.h"

typedef struct SnnBoardConf {
    uint32_t clusters;
    uint32_t cores;
    uint32_t neurons;
    uint32_t axons;
    uint32_t synapses;
    uint32_t fanout;
    uint32_t profiles;
    uint32_t routers;
    uint32_t rmask[4];
    uint32_t in_queues;
    uint32_t out_queues;
    uint32_t queue_log2;
    uint32_t route_entries;
    uint32_t route_delay;
    uint32_t route_fifo;
    uint32_t board_id;
    uint32_t revision;
    uint32_t rated_eps;
    uint32_t rated_sps;
    bool fault_injection;
    bool load_sg;
    bool run_fresh;
} SnnBoardConf;

typedef struct SnnBoardOps {
    /* Called from cluster worker threads, without the BQL. */
    MemTxResult (*dma_read)(void *opaque, uint64_t addr, void *buf,
                            uint64_t len);
    MemTxResult (*dma_write)(void *opaque, uint64_t addr, const void *buf,
                             uint64_t len);
    /* Called with the BQL held: send interrupt message @vector. */
    void (*notify)(void *opaque, unsigned vector);
    /*
     * Optional (NULL for PCIe).  Called from a cluster worker with no lock
     * held, after @n events were written to output queue @q of cluster @c
     * and then the queue's write-back: @ev is what was written to the ring
     * (@n little-endian 64-bit events, oldest first), @tail the queue's
     * tail index after them.  Always before the interrupts of the same
     * timestep are raised.
     */
    void (*output)(void *opaque, unsigned c, unsigned q, const void *ev,
                   uint32_t n, uint32_t tail);
    /*
     * Optional (NULL for PCIe).  Called from cluster @c's worker with the
     * cluster's lock held when its TIMESTEP changes in a way the host must
     * learn in order with the output: @timestep is the new TIMESTEP after
     * a timestep that wrote output (after that timestep's output() calls,
     * before its interrupts), or 0 when TIMESTEP goes back to 0 (reset,
     * load, a fresh run).  It must not take a cluster lock.
     */
    void (*timestep)(void *opaque, unsigned c, uint32_t timestep);
} SnnBoardOps;

typedef struct SnnBoard SnnBoard;

/*
 * The board's properties; the transport chooses the defaults of clusters and
 * routers (snn-pci: 4 and 2, snn-usb: 2 and 1).
 */
#define DEFINE_SNN_BOARD_PROPERTIES_DEF(_s, _f, _clusters, _routers)         \
    DEFINE_PROP_UINT32("clusters", _s, _f.clusters, _clusters),              \
    DEFINE_PROP_UINT32("cores", _s, _f.cores, 8),                            \
    DEFINE_PROP_UINT32("neurons", _s, _f.neurons, 1024),                     \
    DEFINE_PROP_UINT32("axons", _s, _f.axons, 4096),                         \
    DEFINE_PROP_UINT32("synapses", _s, _f.synapses, 65536),                  \
    DEFINE_PROP_UINT32("fanout", _s, _f.fanout, 4096),                       \
    DEFINE_PROP_UINT32("profiles", _s, _f.profiles, 64),                     \
    DEFINE_PROP_UINT32("routers", _s, _f.routers, _routers),                 \
    DEFINE_PROP_UINT32("rmask0", _s, _f.rmask[0], 0),                        \
    DEFINE_PROP_UINT32("rmask1", _s, _f.rmask[1], 0),                        \
    DEFINE_PROP_UINT32("rmask2", _s, _f.rmask[2], 0),                        \
    DEFINE_PROP_UINT32("rmask3", _s, _f.rmask[3], 0),                        \
    DEFINE_PROP_UINT32("in-queues", _s, _f.in_queues, 4),                    \
    DEFINE_PROP_UINT32("out-queues", _s, _f.out_queues, 4),                  \
    DEFINE_PROP_UINT32("queue-log2", _s, _f.queue_log2, 16),                 \
    DEFINE_PROP_UINT32("route-entries", _s, _f.route_entries, 16384),        \
    DEFINE_PROP_UINT32("route-delay", _s, _f.route_delay, 1),                \
    DEFINE_PROP_UINT32("route-fifo", _s, _f.route_fifo, 65536),              \
    DEFINE_PROP_UINT32("board-id", _s, _f.board_id, 1),                      \
    DEFINE_PROP_UINT32("revision", _s, _f.revision, 1),                      \
    DEFINE_PROP_UINT32("rated-eps", _s, _f.rated_eps, 50000000),             \
    DEFINE_PROP_UINT32("rated-sps", _s, _f.rated_sps, 20000000),             \
    DEFINE_PROP_BOOL("x-fault-injection", _s, _f.fault_injection, false), \
    DEFINE_PROP_BOOL("load-sg", _s, _f.load_sg, true),                   \
    DEFINE_PROP_BOOL("run-fresh", _s, _f.run_fresh, true)

#define DEFINE_SNN_BOARD_PROPERTIES(_s, _f)                                  \
    DEFINE_SNN_BOARD_PROPERTIES_DEF(_s, _f, 4, 2)

/* Checks and completes @conf (auto router masks); false and @errp if bad. */
bool snn_board_conf_check(SnnBoardConf *conf, Error **errp);
SnnBoard *snn_board_new(const SnnBoardConf *conf, const SnnBoardOps *ops,
                        void *opaque, const char *name);
void snn_board_free(SnnBoard *b);
/* Number of interrupt vectors: one per cluster plus the error vector. */
unsigned snn_board_nr_vectors(const SnnBoardConf *conf);

/* Register file (BAR0) and doorbell pages (BAR2); called with the BQL. */
uint64_t snn_board_reg_read(SnnBoard *b, hwaddr addr, unsigned size);
/*
 * @n consecutive 32-bit reads from @addr into @out (le32 each), as one
 * transaction: a pending SNN_REG_FAULT_ALLONES count makes all of them
 * all-ones and is decremented once.
 */
void snn_board_reg_read_block(SnnBoard *b, hwaddr addr, unsigned n,
                              uint8_t *out);
void snn_board_reg_write(SnnBoard *b, hwaddr addr, uint64_t val,
                         unsigned size);
void snn_board_db_write(SnnBoard *b, hwaddr addr, uint64_t val,
                        unsigned size);
/* Synchronous full reset (device reset); BQL held. */
void snn_board_reset(SnnBoard *b);
/* No board or cluster reset in progress (BOARD_STATUS.READY); any thread. */
bool snn_board_ready(SnnBoard *b);
/*
 * The ring of input queue @q of cluster @c as latched when it was enabled:
 * false if there is no such queue or it is disabled.  BQL held.
 */
bool snn_board_inq_ring(SnnBoard *b, unsigned c, unsigned q, uint64_t *base,
                        uint32_t *log2);

#endif
