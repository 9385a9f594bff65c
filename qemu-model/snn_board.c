/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snndev board core: registers, neuron-core clusters, routing units.
 *
 * Programming model: docs/hardware.md; register map: snn_hw.h.
 *
 * Threading.  Each cluster has a worker thread that runs network loads,
 * resets and timesteps without the BQL.  MMIO handlers (BQL held) only
 * latch registers under the cluster lock and signal the worker, so a guest
 * register access never waits for the simulation.  Interrupts are raised
 * by setting a bit in b->pending_vec and scheduling a bottom half, which
 * sends the messages under the BQL.
 *
 * Lock order: cluster lock -> router lock, cluster lock -> fifo lock.
 * A worker never holds two cluster locks; it calls the transport's DMA
 * hooks with no lock held (the PCI transport takes the BQL there when a
 * vIOMMU translates DMA).
 */
#include "qemu/osdep.h"
#include "qemu/thread.h"
#include "qemu/main-loop.h"
#include "qemu/atomic.h"
#include "qemu/bswap.h"
#include "qemu/bitops.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "snn_board.h"
#include "snn_hw.h"
#include "engine/snn_engine.h"

#define SNN_QCACHE              256     /* input entries read per DMA */
#define SNN_RESET_STATE         1u
#define SNN_RESET_FULL          2u

typedef struct SnnInQueue {
    /* registers, as written (latched into the fields below on enable) */
    uint64_t reg_base, reg_wb;
    uint32_t reg_log2;
    bool enabled;
    uint64_t base, wb;
    uint32_t log2;
    uint32_t prod;              /* last doorbell value */
    uint32_t head;              /* device consumer index */
    /* worker-owned read cache: entries [cache_idx, cache_idx + cache_n) */
    bool cache_valid;
    uint32_t cache_idx, cache_n;
    uint64_t cache[SNN_QCACHE];
} SnnInQueue;

typedef struct SnnOutQueue {
    uint64_t reg_base, reg_wb;
    uint32_t reg_log2;
    bool enabled;
    uint64_t base, wb;
    uint32_t log2;
    uint32_t tail;              /* device producer index */
    uint32_t host_head;         /* last doorbell value */
} SnnOutQueue;

typedef struct SnnEvBuf {
    uint64_t *ev;
    size_t n, cap;
} SnnEvBuf;

typedef struct SnnCluster {
    SnnBoard *board;
    unsigned idx;
    QemuThread thread;
    bool thread_started;
    QemuMutex lock;
    QemuCond cond;

    /* protected by lock */
    uint32_t status, error, error_info;
    uint32_t irq_status, irq_mask, config;
    uint32_t timestep, remaining;
    uint64_t load_addr;
    uint32_t load_len;
    uint32_t load_sg_n;         /* SNN_CL_LOAD_SG_N */
    bool load_sg;               /* the requested load uses the SG list */
    bool load_req, hung, quit;
    bool fresh;                 /* SNN_CL_RUN_FRESH: reset before the run */
    uint32_t reset_req;
    uint64_t cnt[SNN_CNT_NUM];
    SnnInQueue inq[SNN_MAX_QUEUES];
    SnnOutQueue outq[SNN_MAX_QUEUES];

    uint32_t dma_fail;          /* fault injection, atomic */

    /* worker-owned */
    struct snn_net *net;
    struct snn_engine *eng;
    SnnEvBuf out[SNN_MAX_QUEUES];
    SnnEvBuf routed;            /* dst cluster << 56 | event, see below */
} SnnCluster;

typedef struct SnnRouter {
    QemuMutex lock;
    uint32_t mask;
    uint32_t count;
    uint32_t src, dst, cmd_status;      /* BQL */
    uint64_t routed;
    GHashTable *tbl;            /* src addr -> GArray of dst addr */
} SnnRouter;

typedef struct SnnFifo {
    uint64_t *ev;
    uint32_t head, tail;        /* free running */
} SnnFifo;

struct SnnBoard {
    SnnBoardConf conf;
    const SnnBoardOps *ops;
    void *opaque;
    char *name;
    SnnCluster cl[SNN_MAX_CLUSTERS];
    SnnRouter rt[SNN_MAX_ROUTERS];

    QemuMutex fifo_lock;
    QemuCond fifo_cond;
    SnnFifo *fifo;              /* [dst * clusters + src] */

    QemuMutex err_lock;
    uint32_t err_status;        /* err_lock */
    uint64_t err_addr;          /* err_lock */
    uint32_t err_irq_mask;      /* BQL */
    uint32_t board_resetting;   /* atomic: clusters still resetting */

    uint32_t scratch;           /* BQL */
    uint32_t allones;           /* BQL */
    uint32_t irq_loss[SNN_MAX_CLUSTERS + 1];    /* BQL */

    QEMUBH *bh;
    uint32_t pending_vec;       /* atomic */
};

/* ---- interrupts -------------------------------------------------------- */

static void snn_board_bh(void *opaque)
{
    SnnBoard *b = opaque;
    uint32_t pend = qatomic_xchg(&b->pending_vec, 0);
    unsigned v;

    for (v = 0; v <= b->conf.clusters; v++) {
        if (!(pend & (1u << v))) {
            continue;
        }
        if (b->irq_loss[v]) {
            b->irq_loss[v]--;
            continue;
        }
        b->ops->notify(b->opaque, v);
    }
}

static void snn_kick_vector(SnnBoard *b, unsigned v)
{
    qatomic_or(&b->pending_vec, 1u << v);
    qemu_bh_schedule(b->bh);
}

/* cl->lock held */
static void snn_cl_irq(SnnCluster *cl, uint32_t bits)
{
    cl->irq_status |= bits;
    if (bits & ~cl->irq_mask) {
        snn_kick_vector(cl->board, cl->idx);
    }
}

static void snn_board_err(SnnBoard *b, uint32_t bits, bool has_addr,
                          uint64_t addr)
{
    qemu_mutex_lock(&b->err_lock);
    b->err_status |= bits;
    if (has_addr) {
        b->err_addr = addr;
    }
    qemu_mutex_unlock(&b->err_lock);
    /* err_irq_mask is read racily here; a masked error is still latched */
    if (bits & ~qatomic_read(&b->err_irq_mask)) {
        snn_kick_vector(b, b->conf.clusters);
    }
}

/* cl->lock held: stop the cluster with an error. */
static void snn_cl_error(SnnCluster *cl, uint32_t code, uint32_t info)
{
    cl->status |= SNN_CL_ST_ERROR;
    cl->status &= ~(SNN_CL_ST_RUNNING | SNN_CL_ST_STALLED |
                    SNN_CL_ST_ROUTE_WAIT);
    cl->error = code;
    cl->error_info = info;
    cl->remaining = 0;
    snn_cl_irq(cl, SNN_CL_IRQ_ERROR);
    snn_board_err(cl->board, SNN_ERR_CLUSTER(cl->idx), false, 0);
}

/* ---- DMA --------------------------------------------------------------- */

static bool snn_cl_dma(SnnCluster *cl, bool write, uint64_t addr, void *buf,
                       uint64_t len)
{
    SnnBoard *b = cl->board;
    MemTxResult r;
    uint32_t f = qatomic_read(&cl->dma_fail);

    if (f && qatomic_cmpxchg(&cl->dma_fail, f, f - 1) == f) {
        r = MEMTX_ERROR;
    } else if (write) {
        r = b->ops->dma_write(b->opaque, addr, buf, len);
    } else {
        r = b->ops->dma_read(b->opaque, addr, buf, len);
    }
    if (r != MEMTX_OK) {
        snn_board_err(b, SNN_ERR_DMA, true, addr);
        return false;
    }
    return true;
}

static bool snn_cl_wb(SnnCluster *cl, uint64_t wb, uint32_t idx)
{
    uint8_t v[4];

    stl_le_p(v, idx);
    return snn_cl_dma(cl, true, wb, v, sizeof(v));
}

/* ---- helpers ----------------------------------------------------------- */

static bool snn_evbuf_push(SnnEvBuf *eb, uint64_t ev)
{
    if (eb->n == eb->cap) {
        size_t cap = eb->cap ? eb->cap * 2 : 256;
        uint64_t *p = g_try_renew(uint64_t, eb->ev, cap);

        if (!p) {
            return false;
        }
        eb->ev = p;
        eb->cap = cap;
    }
    eb->ev[eb->n++] = ev;
    return true;
}

static inline bool snn_cl_abort(SnnCluster *cl)
{
    return qatomic_read(&cl->reset_req) || qatomic_read(&cl->quit);
}

static void snn_cl_free_net(SnnCluster *cl)
{
    snn_engine_free(cl->eng);
    cl->eng = NULL;
    snn_net_free(cl->net);
    cl->net = NULL;
}

/* cl->lock held: tell the transport about a new TIMESTEP (SnnBoardOps). */
static void snn_cl_timeline(SnnCluster *cl, uint32_t timestep)
{
    if (cl->board->ops->timestep) {
        cl->board->ops->timestep(cl->board->opaque, cl->idx, timestep);
    }
}

/* ---- reset -------------------------------------------------------------- */

/* Worker, cl->lock held. */
static void snn_cl_do_reset(SnnCluster *cl)
{
    SnnBoard *b = cl->board;
    bool full = cl->reset_req & SNN_RESET_FULL;
    unsigned q, s;

    qatomic_set(&cl->reset_req, 0);
    cl->remaining = 0;
    cl->timestep = 0;
    snn_cl_timeline(cl, 0);
    cl->fresh = false;
    cl->hung = false;
    cl->error = SNN_E_NONE;
    cl->error_info = 0;
    cl->status &= ~(SNN_CL_ST_RUNNING | SNN_CL_ST_STALLED |
                    SNN_CL_ST_ROUTE_WAIT | SNN_CL_ST_ERROR |
                    SNN_CL_ST_LOADING);
    qatomic_set(&cl->dma_fail, 0);
    for (q = 0; q < SNN_MAX_QUEUES; q++) {
        cl->inq[q].cache_valid = false;
    }
    if (full) {
        snn_cl_free_net(cl);
        cl->load_req = false;
        cl->status = 0;
        cl->irq_status = 0;
        cl->irq_mask = 0;
        cl->config = 0;
        cl->load_addr = 0;
        cl->load_len = 0;
        cl->load_sg_n = 0;
        cl->load_sg = false;
        memset(cl->cnt, 0, sizeof(cl->cnt));
        memset(cl->inq, 0, sizeof(cl->inq));
        memset(cl->outq, 0, sizeof(cl->outq));
        qemu_mutex_lock(&b->fifo_lock);
        for (s = 0; s < b->conf.clusters; s++) {
            SnnFifo *f = &b->fifo[cl->idx * b->conf.clusters + s];

            f->head = f->tail = 0;
        }
        qemu_cond_broadcast(&b->fifo_cond);
        qemu_mutex_unlock(&b->fifo_lock);
    } else if (cl->eng) {
        snn_engine_reset(cl->eng);
    }
    cl->status &= ~SNN_CL_ST_RESETTING;
    snn_cl_irq(cl, SNN_CL_IRQ_RESET_DONE);
    qatomic_and(&b->board_resetting, ~(1u << cl->idx));
    /* wake anybody waiting for the reset to finish */
    qemu_cond_broadcast(&cl->cond);
}

/* cl->lock held (BQL or worker).  Asynchronous. */
static void snn_cl_request_reset(SnnCluster *cl, uint32_t how)
{
    SnnBoard *b = cl->board;

    qatomic_or(&cl->reset_req, how);
    cl->status |= SNN_CL_ST_RESETTING;
    qemu_cond_broadcast(&cl->cond);
    qemu_mutex_lock(&b->fifo_lock);
    qemu_cond_broadcast(&b->fifo_cond);
    qemu_mutex_unlock(&b->fifo_lock);
}

/* ---- network load ------------------------------------------------------- */

static void snn_cl_limits(SnnBoard *b, struct snn_limits *lim)
{
    lim->cores = b->conf.cores;
    lim->neurons_per_core = b->conf.neurons;
    lim->axons_per_core = b->conf.axons;
    lim->synapses_per_core = b->conf.synapses;
    lim->fanout_per_core = b->conf.fanout;
    lim->profiles = b->conf.profiles;
    lim->out_queues = b->conf.out_queues;
}

/*
 * Worker, no lock held: fetch a @len byte image into @img through the
 * scatter-gather list of @n entries at @list (docs/hardware.md 6.10).  The
 * whole list is read and checked before any chunk is: a bad list is
 * SNN_E_LOAD_SG with *info the byte offset of the bad field in the list.
 * Returns SNN_E_NONE or the error code.
 */
static uint32_t snn_cl_read_sg(SnnCluster *cl, uint64_t list, uint32_t n,
                               uint8_t *img, uint32_t len, uint32_t *info)
{
    uint64_t sum = 0;
    uint32_t code = SNN_E_NONE, i;
    uint8_t *d;

    /* n <= SNN_SG_MAX_ENTRIES (checked at LOAD_CMD): at most 256 KiB */
    d = g_try_malloc((size_t)n * SNN_SG_DESC_SIZE);
    if (!d) {
        return SNN_E_IMG_CAPACITY;
    }
    if (!snn_cl_dma(cl, false, list, d, (uint64_t)n * SNN_SG_DESC_SIZE)) {
        g_free(d);
        return SNN_E_DMA;
    }
    for (i = 0; i < n && code == SNN_E_NONE; i++) {
        const uint8_t *e = d + (size_t)i * SNN_SG_DESC_SIZE;
        uint64_t a = ldq_le_p(e + SNN_SG_D_ADDR);
        uint32_t l = ldl_le_p(e + SNN_SG_D_LEN);
        uint32_t off = i * SNN_SG_DESC_SIZE;

        code = SNN_E_LOAD_SG;
        if ((a & (SNN_SG_CHUNK_ALIGN - 1)) || (l && a + l - 1 < a)) {
            *info = off + SNN_SG_D_ADDR;
        } else if (!l || (i + 1 < n && (l & (SNN_SG_CHUNK_ALIGN - 1)))) {
            *info = off + SNN_SG_D_LEN;
        } else if (ldl_le_p(e + SNN_SG_D_FLAGS)) {
            *info = off + SNN_SG_D_FLAGS;
        } else if (sum + l > len) {
            *info = off + SNN_SG_D_LEN;
        } else {
            code = SNN_E_NONE;
            sum += l;
        }
    }
    if (code == SNN_E_NONE && sum < len) {
        code = SNN_E_LOAD_SG;
        *info = n * SNN_SG_DESC_SIZE;
    }
    /* the list is good: the chunks, in list order */
    for (i = 0, sum = 0; i < n && code == SNN_E_NONE; i++) {
        const uint8_t *e = d + (size_t)i * SNN_SG_DESC_SIZE;
        uint32_t l = ldl_le_p(e + SNN_SG_D_LEN);

        if (snn_cl_abort(cl)) {
            /* never reported: the caller sees the reset and drops it */
            code = SNN_E_BUSY;
            break;
        }
        if (!snn_cl_dma(cl, false, ldq_le_p(e + SNN_SG_D_ADDR), img + sum,
                        l)) {
            code = SNN_E_DMA;
        }
        sum += l;
    }
    g_free(d);
    return code;
}

/* Worker, cl->lock held on entry and exit. */
static void snn_cl_do_load(SnnCluster *cl)
{
    SnnBoard *b = cl->board;
    uint64_t addr = cl->load_addr;
    uint32_t len = cl->load_len;
    uint32_t sg_n = cl->load_sg_n;
    bool sg = cl->load_sg;
    struct snn_limits lim;
    struct snn_img_error err = { 0 };
    struct snn_net *net = NULL;
    struct snn_engine *eng = NULL;
    uint32_t code = SNN_E_NONE, info = 0;
    void *img;

    cl->load_req = false;
    qemu_mutex_unlock(&cl->lock);

    snn_cl_limits(b, &lim);
    img = g_try_malloc(len);
    if (!img) {
        code = SNN_E_IMG_CAPACITY;
    } else if (sg) {
        code = snn_cl_read_sg(cl, addr, sg_n, img, len, &info);
        if (code == SNN_E_LOAD_SG) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "%s: cluster %u: bad load list: info %#x\n",
                          b->name, cl->idx, info);
        }
    } else if (!snn_cl_dma(cl, false, addr, img, len)) {
        code = SNN_E_DMA;
    }
    if (code == SNN_E_NONE) {
        if (snn_net_load(img, len, &lim, &net, &err)) {
            code = err.code;
            info = err.offset;
            qemu_log_mask(LOG_GUEST_ERROR,
                          "%s: cluster %u: network image: %s\n",
                          b->name, cl->idx, err.msg);
        } else {
            eng = snn_engine_new(net);
            if (!eng) {
                code = SNN_E_IMG_CAPACITY;
            }
        }
    }
    g_free(img);

    qemu_mutex_lock(&cl->lock);
    cl->status &= ~SNN_CL_ST_LOADING;
    if (snn_cl_abort(cl)) {
        /* a reset came in meanwhile: it wins */
        snn_engine_free(eng);
        snn_net_free(net);
        return;
    }
    snn_cl_free_net(cl);
    cl->status &= ~SNN_CL_ST_LOADED;
    cl->timestep = 0;
    snn_cl_timeline(cl, 0);
    if (code != SNN_E_NONE) {
        snn_engine_free(eng);
        snn_net_free(net);
        snn_cl_error(cl, code, info);
        return;
    }
    cl->net = net;
    cl->eng = eng;
    cl->status |= SNN_CL_ST_LOADED;
    snn_cl_irq(cl, SNN_CL_IRQ_LOAD_DONE);
}

/* ---- one timestep -------------------------------------------------------- */

typedef struct SnnStepIn {
    bool enabled;
    uint64_t base, wb;
    uint32_t log2, prod, head;
} SnnStepIn;

/*
 * Input phase for queue @q.  Returns false on error (error set in
 * @code and @info).  Worker, no lock held.
 */
static bool snn_cl_input_queue(SnnCluster *cl, unsigned q, SnnStepIn *sq,
                               uint32_t t, uint64_t *cnt, uint32_t *code,
                               uint32_t *info)
{
    SnnInQueue *iq = &cl->inq[q];
    uint32_t size = 1u << sq->log2, mask = size - 1;
    uint32_t avail = sq->prod - sq->head;
    uint32_t consumed = 0;

    if (avail > size) {
        *code = SNN_E_QUEUE;
        *info = q;
        return false;
    }
    while (avail) {
        uint64_t ev;
        uint32_t ts, core, axon;

        if (!iq->cache_valid || sq->head - iq->cache_idx >= iq->cache_n) {
            uint32_t n = MIN(avail, SNN_QCACHE);
            uint32_t slot = sq->head & mask;

            n = MIN(n, size - slot);
            if (!snn_cl_dma(cl, false, sq->base + 8ull * slot, iq->cache,
                            8ull * n)) {
                *code = SNN_E_DMA;
                *info = 0;
                return false;
            }
            iq->cache_valid = true;
            iq->cache_idx = sq->head;
            iq->cache_n = n;
        }
        ev = ldq_le_p(&iq->cache[sq->head - iq->cache_idx]);
        ts = SNN_EV_TIMESTEP(ev);
        if ((int32_t)(ts - t) > 0) {
            break;
        }
        core = SNN_EV_CORE(ev);
        axon = SNN_EV_INDEX(ev);
        if (SNN_EV_PAYLOAD(ev) || snn_engine_input(cl->eng, core, axon)) {
            *code = SNN_E_BAD_EVENT;
            *info = (q << 24) | (sq->head & 0xffffff);
            return false;
        }
        if (ts != t) {
            cnt[SNN_CNT_LATE]++;
        }
        cnt[SNN_CNT_IN_EVENTS]++;
        sq->head++;
        avail--;
        consumed++;
    }
    if (consumed && !snn_cl_wb(cl, sq->wb, sq->head)) {
        *code = SNN_E_DMA;
        *info = 0;
        return false;
    }
    return true;
}

/* Route FIFOs into this cluster.  Worker, no lock held. */
static bool snn_cl_input_routes(SnnCluster *cl, uint32_t t, uint64_t *cnt,
                                uint32_t *code, uint32_t *info)
{
    SnnBoard *b = cl->board;
    unsigned s, n = b->conf.clusters;
    bool popped = false, ok = true;

    qemu_mutex_lock(&b->fifo_lock);
    for (s = 0; s < n && ok; s++) {
        SnnFifo *f = &b->fifo[cl->idx * n + s];

        while (f->ev && f->head != f->tail) {
            uint64_t ev = f->ev[f->head % b->conf.route_fifo];
            uint32_t ts = SNN_EV_TIMESTEP(ev);

            if ((int32_t)(ts - t) > 0) {
                break;
            }
            if (snn_engine_input(cl->eng, SNN_EV_CORE(ev),
                                 SNN_EV_INDEX(ev))) {
                /* the route names an axon the loaded network lacks */
                *code = SNN_E_BAD_EVENT;
                *info = 0xff000000u | (s << 16) | SNN_EV_INDEX(ev);
                ok = false;
                break;
            }
            if (ts != t) {
                cnt[SNN_CNT_LATE]++;
            }
            cnt[SNN_CNT_ROUTED_IN]++;
            f->head++;
            popped = true;
        }
    }
    if (popped) {
        qemu_cond_broadcast(&b->fifo_cond);
    }
    qemu_mutex_unlock(&b->fifo_lock);
    return ok;
}

/* Push routed events; waits (back-pressure) while a FIFO is full. */
static bool snn_cl_push_routes(SnnCluster *cl, uint64_t *cnt)
{
    SnnBoard *b = cl->board;
    unsigned n = b->conf.clusters;
    size_t i;
    bool waited = false;

    for (i = 0; i < cl->routed.n; i++) {
        uint64_t rec = cl->routed.ev[i];
        unsigned dst = rec >> 56;
        uint64_t ev = rec & ((1ull << 56) - 1);
        SnnFifo *f = &b->fifo[dst * n + cl->idx];

        qemu_mutex_lock(&b->fifo_lock);
        if (!f->ev) {
            f->ev = g_try_new(uint64_t, b->conf.route_fifo);
            if (!f->ev) {
                qemu_mutex_unlock(&b->fifo_lock);
                return false;
            }
        }
        while (f->tail - f->head >= b->conf.route_fifo) {
            if (!waited) {
                waited = true;
                qemu_mutex_unlock(&b->fifo_lock);
                qemu_mutex_lock(&cl->lock);
                cl->status |= SNN_CL_ST_ROUTE_WAIT;
                qemu_mutex_unlock(&cl->lock);
                qemu_mutex_lock(&b->fifo_lock);
                continue;
            }
            if (snn_cl_abort(cl)) {
                qemu_mutex_unlock(&b->fifo_lock);
                return false;
            }
            qemu_cond_wait(&b->fifo_cond, &b->fifo_lock);
        }
        f->ev[f->tail % b->conf.route_fifo] = ev;
        f->tail++;
        qemu_mutex_unlock(&b->fifo_lock);
        cnt[SNN_CNT_ROUTED_OUT]++;
    }
    if (waited) {
        qemu_mutex_lock(&cl->lock);
        cl->status &= ~SNN_CL_ST_ROUTE_WAIT;
        qemu_mutex_unlock(&cl->lock);
    }
    return true;
}

/*
 * Write buffered events to output queue @q.  Stalls while the ring is full
 * unless the cluster is in OUT_DROP mode.  Worker, no lock held.  Returns
 * false on error or abort (*code SNN_E_NONE on abort).
 */
static bool snn_cl_output_queue(SnnCluster *cl, unsigned q, uint64_t *cnt,
                                uint32_t *code, uint32_t *info)
{
    SnnOutQueue *oq = &cl->outq[q];
    SnnEvBuf *eb = &cl->out[q];
    uint64_t base, wb;
    uint32_t log2, size, mask, tail, host_head, cfg;
    size_t i = 0;

    qemu_mutex_lock(&cl->lock);
    base = oq->base;
    wb = oq->wb;
    log2 = oq->log2;
    tail = oq->tail;
    if (!oq->enabled) {
        qemu_mutex_unlock(&cl->lock);
        *code = SNN_E_NO_OUTQ;
        *info = q;
        return false;
    }
    qemu_mutex_unlock(&cl->lock);
    size = 1u << log2;
    mask = size - 1;

    while (i < eb->n) {
        uint32_t space, k, slot, j;
        uint64_t chunk[SNN_QCACHE];

        qemu_mutex_lock(&cl->lock);
        host_head = oq->host_head;
        cfg = cl->config;
        qemu_mutex_unlock(&cl->lock);
        if (snn_cl_abort(cl)) {
            *code = SNN_E_NONE;
            return false;
        }
        if (tail - host_head > size) {
            *code = SNN_E_QUEUE;
            *info = 0x80 | q;
            return false;
        }
        space = size - (tail - host_head);
        if (!space) {
            if (cfg & SNN_CL_CFG_OUT_DROP) {
                cnt[SNN_CNT_DROPS] += eb->n - i;
                break;
            }
            /* back-pressure: stall until the host frees space */
            qemu_mutex_lock(&cl->lock);
            oq->tail = tail;
            cl->status |= SNN_CL_ST_STALLED;
            cl->cnt[SNN_CNT_STALLS]++;
            snn_cl_irq(cl, SNN_CL_IRQ_STALL | SNN_CL_IRQ_OUTPUT);
            while (oq->host_head == host_head && !snn_cl_abort(cl) &&
                   !(cl->config & SNN_CL_CFG_OUT_DROP)) {
                qemu_cond_wait(&cl->cond, &cl->lock);
            }
            cl->status &= ~SNN_CL_ST_STALLED;
            qemu_mutex_unlock(&cl->lock);
            continue;
        }
        slot = tail & mask;
        k = MIN(space, size - slot);
        k = MIN(k, eb->n - i);
        k = MIN(k, SNN_QCACHE);
        for (j = 0; j < k; j++) {
            stq_le_p(&chunk[j], eb->ev[i + j]);
        }
        if (!snn_cl_dma(cl, true, base + 8ull * slot, chunk, 8ull * k)) {
            *code = SNN_E_DMA;
            *info = 0;
            return false;
        }
        tail += k;
        i += k;
        cnt[SNN_CNT_OUT_EVENTS] += k;
        if (!snn_cl_wb(cl, wb, tail)) {
            *code = SNN_E_DMA;
            *info = 0;
            return false;
        }
        qemu_mutex_lock(&cl->lock);
        oq->tail = tail;
        qemu_mutex_unlock(&cl->lock);
        if (cl->board->ops->output) {
            cl->board->ops->output(cl->board->opaque, cl->idx, q, chunk, k,
                                   tail);
        }
    }
    return true;
}

static void snn_cl_route_spikes(SnnCluster *cl, uint32_t t,
                                const struct snn_spike *sp, size_t n)
{
    SnnBoard *b = cl->board;
    unsigned r;
    size_t i;
    uint64_t ts = (uint64_t)(uint32_t)(t + 1 + b->conf.route_delay);

    for (r = 0; r < b->conf.routers; r++) {
        SnnRouter *rt = &b->rt[r];
        uint64_t routed = 0;

        if (!(rt->mask & (1u << cl->idx))) {
            continue;
        }
        qemu_mutex_lock(&rt->lock);
        if (!rt->count) {
            qemu_mutex_unlock(&rt->lock);
            continue;
        }
        for (i = 0; i < n; i++) {
            uint32_t key = SNN_RT_ADDR(cl->idx, sp[i].core, sp[i].neuron);
            GArray *d = g_hash_table_lookup(rt->tbl, GUINT_TO_POINTER(key));
            guint j;

            if (!d) {
                continue;
            }
            for (j = 0; j < d->len; j++) {
                uint32_t a = g_array_index(d, uint32_t, j);
                uint64_t ev = SNN_EV_MAKE(ts, SNN_RT_ADDR_CORE(a),
                                          SNN_RT_ADDR_INDEX(a));

                if (snn_evbuf_push(&cl->routed,
                        ((uint64_t)SNN_RT_ADDR_CLUSTER(a) << 56) | ev)) {
                    routed++;
                }
            }
        }
        rt->routed += routed;
        qemu_mutex_unlock(&rt->lock);
    }
}

/* Worker; cl->lock held on entry and exit. */
static void snn_cl_do_timestep(SnnCluster *cl)
{
    SnnBoard *b = cl->board;
    SnnStepIn sin[SNN_MAX_QUEUES];
    uint64_t cnt[SNN_CNT_NUM] = { 0 };
    struct snn_step_stats st = { 0 };
    const struct snn_spike *sp;
    uint32_t t = cl->timestep;
    uint32_t code = SNN_E_NONE, info = 0;
    bool out_written = false, in_consumed = false;
    unsigned q, nq_in = b->conf.in_queues, nq_out = b->conf.out_queues;
    size_t n, i;

    for (q = 0; q < nq_in; q++) {
        SnnInQueue *iq = &cl->inq[q];

        sin[q].enabled = iq->enabled;
        sin[q].base = iq->base;
        sin[q].wb = iq->wb;
        sin[q].log2 = iq->log2;
        sin[q].prod = iq->prod;
        sin[q].head = iq->head;
    }
    qemu_mutex_unlock(&cl->lock);

    /* 1. input phase */
    for (q = 0; q < nq_in; q++) {
        uint32_t h0 = sin[q].head;

        if (!sin[q].enabled) {
            continue;
        }
        if (!snn_cl_input_queue(cl, q, &sin[q], t, cnt, &code, &info)) {
            goto fail;
        }
        in_consumed |= sin[q].head != h0;
    }
    if (!snn_cl_input_routes(cl, t, cnt, &code, &info)) {
        goto fail;
    }

    /* 2. neuron update */
    snn_engine_step(cl->eng, &st);
    sp = snn_engine_spikes(cl->eng, &n);

    /* 3. output */
    for (q = 0; q < nq_out; q++) {
        cl->out[q].n = 0;
    }
    cl->routed.n = 0;
    for (i = 0; i < n; i++) {
        if (!(sp[i].flags & SNN_NEURON_OUT)) {
            continue;
        }
        if (!snn_evbuf_push(&cl->out[sp[i].outq],
                            SNN_EV_MAKE(t, sp[i].core, sp[i].neuron))) {
            code = SNN_E_IMG_CAPACITY;
            goto fail;
        }
    }
    snn_cl_route_spikes(cl, t, sp, n);
    for (q = 0; q < nq_out; q++) {
        if (!cl->out[q].n) {
            continue;
        }
        if (!snn_cl_output_queue(cl, q, cnt, &code, &info)) {
            goto fail;
        }
        out_written = true;
    }
    if (cl->routed.n && !snn_cl_push_routes(cl, cnt)) {
        goto fail;
    }

    qemu_mutex_lock(&cl->lock);
    for (q = 0; q < nq_in; q++) {
        if (sin[q].enabled && cl->inq[q].enabled) {
            cl->inq[q].head = sin[q].head;
        }
    }
    cnt[SNN_CNT_TIMESTEPS] = 1;
    cnt[SNN_CNT_SYN_OPS] += st.syn_ops;
    cnt[SNN_CNT_NEURON_UPDATES] += st.neuron_updates;
    cnt[SNN_CNT_SPIKES] += st.spikes;
    cnt[SNN_CNT_AIN_SAT] += st.ain_saturations;
    for (i = 0; i < SNN_CNT_NUM; i++) {
        cl->cnt[i] += cnt[i];
    }
    cl->timestep = t + 1;
    if (out_written) {
        snn_cl_timeline(cl, t + 1);
    }
    if (in_consumed) {
        snn_cl_irq(cl, SNN_CL_IRQ_INPUT);
    }
    if (out_written) {
        snn_cl_irq(cl, SNN_CL_IRQ_OUTPUT);
    }
    if (cl->remaining && !--cl->remaining) {
        cl->status &= ~SNN_CL_ST_RUNNING;
        snn_cl_irq(cl, SNN_CL_IRQ_RUN_DONE);
    }
    return;

fail:
    qemu_mutex_lock(&cl->lock);
    if (snn_cl_abort(cl)) {
        /* reset requested: the timestep is abandoned, not an error */
        return;
    }
    for (i = 0; i < SNN_CNT_NUM; i++) {
        cl->cnt[i] += cnt[i];
    }
    /*
     * Input consumed before the error stays consumed: its WB already told
     * the host, and HEAD must say the same (the USB transport reads it)
     */
    for (q = 0; q < nq_in; q++) {
        if (sin[q].enabled && cl->inq[q].enabled) {
            cl->inq[q].head = sin[q].head;
        }
    }
    snn_cl_error(cl, code, info);
}

/*
 * Worker, cl->lock held: the state reset that SNN_CL_RUN_FRESH asks for,
 * done before the run's first timestep.  The same as CTRL.RESET_STATE
 * (neuron state, timestep 0, queued input kept) but without RESETTING
 * and without the RESET_DONE interrupt.
 */
static void snn_cl_fresh_state(SnnCluster *cl)
{
    unsigned q;

    cl->fresh = false;
    cl->timestep = 0;
    snn_cl_timeline(cl, 0);
    for (q = 0; q < SNN_MAX_QUEUES; q++) {
        cl->inq[q].cache_valid = false;
    }
    snn_engine_reset(cl->eng);
}

static void *snn_cl_thread(void *opaque)
{
    SnnCluster *cl = opaque;

    qemu_mutex_lock(&cl->lock);
    while (!cl->quit) {
        if (cl->reset_req) {
            snn_cl_do_reset(cl);
        } else if (cl->load_req) {
            snn_cl_do_load(cl);
        } else if (cl->remaining && cl->eng && !cl->hung &&
                   !(cl->status & SNN_CL_ST_ERROR)) {
            if (cl->fresh) {
                snn_cl_fresh_state(cl);
            }
            snn_cl_do_timestep(cl);
        } else {
            qemu_cond_wait(&cl->cond, &cl->lock);
        }
    }
    qemu_mutex_unlock(&cl->lock);
    return NULL;
}

/* ---- register access ----------------------------------------------------- */

static uint32_t snn_cl_read(SnnCluster *cl, hwaddr off)
{
    SnnBoard *b = cl->board;
    uint32_t v = 0;

    if (off >= SNN_CL_CNT_BASE && off < SNN_CL_CNT(SNN_CNT_NUM)) {
        uint64_t c = cl->cnt[(off - SNN_CL_CNT_BASE) / 8];

        return (off & 4) ? c >> 32 : (uint32_t)c;
    }
    if (off >= SNN_CL_INQ(0) && off < SNN_CL_INQ(b->conf.in_queues)) {
        SnnInQueue *iq = &cl->inq[(off - SNN_CL_INQ(0)) / 0x20];

        switch (off & 0x1f) {
        case SNN_Q_BASE_LO: return iq->reg_base;
        case SNN_Q_BASE_HI: return iq->reg_base >> 32;
        case SNN_Q_WB_LO: return iq->reg_wb;
        case SNN_Q_WB_HI: return iq->reg_wb >> 32;
        case SNN_Q_SIZE_LOG2: return iq->reg_log2;
        case SNN_Q_CTRL: return iq->enabled ? SNN_Q_CTRL_ENABLE : 0;
        case SNN_Q_HEAD: return iq->head;
        case SNN_Q_TAIL: return iq->prod;
        }
        return 0;
    }
    if (off >= SNN_CL_OUTQ(0) && off < SNN_CL_OUTQ(b->conf.out_queues)) {
        SnnOutQueue *oq = &cl->outq[(off - SNN_CL_OUTQ(0)) / 0x20];

        switch (off & 0x1f) {
        case SNN_Q_BASE_LO: return oq->reg_base;
        case SNN_Q_BASE_HI: return oq->reg_base >> 32;
        case SNN_Q_WB_LO: return oq->reg_wb;
        case SNN_Q_WB_HI: return oq->reg_wb >> 32;
        case SNN_Q_SIZE_LOG2: return oq->reg_log2;
        case SNN_Q_CTRL: return oq->enabled ? SNN_Q_CTRL_ENABLE : 0;
        case SNN_Q_HEAD: return oq->host_head;
        case SNN_Q_TAIL: return oq->tail;
        }
        return 0;
    }
    switch (off) {
    case SNN_CL_STATUS:
        v = cl->status;
        break;
    case SNN_CL_ERROR:
        v = cl->error;
        break;
    case SNN_CL_ERROR_INFO:
        v = cl->error_info;
        break;
    case SNN_CL_TIMESTEP:
        v = cl->timestep;
        break;
    case SNN_CL_REMAINING:
        v = cl->remaining;
        break;
    case SNN_CL_IRQ_STATUS:
        v = cl->irq_status;
        break;
    case SNN_CL_IRQ_MASK:
        v = cl->irq_mask;
        break;
    case SNN_CL_CONFIG:
        v = cl->config;
        break;
    case SNN_CL_LOAD_ADDR_LO:
        v = cl->load_addr;
        break;
    case SNN_CL_LOAD_ADDR_HI:
        v = cl->load_addr >> 32;
        break;
    case SNN_CL_LOAD_LEN:
        v = cl->load_len;
        break;
    case SNN_CL_LOAD_SG_N:
        v = cl->load_sg_n;
        break;
    default:
        break;
    }
    return v;
}

static void snn_q_enable(SnnCluster *cl, bool out, unsigned q, bool on)
{
    SnnBoard *b = cl->board;
    uint64_t base = out ? cl->outq[q].reg_base : cl->inq[q].reg_base;
    uint64_t wb = out ? cl->outq[q].reg_wb : cl->inq[q].reg_wb;
    uint32_t log2 = out ? cl->outq[q].reg_log2 : cl->inq[q].reg_log2;

    if (!on) {
        if (out) {
            cl->outq[q].enabled = false;
        } else {
            cl->inq[q].enabled = false;
        }
        return;
    }
    if ((out ? cl->outq[q].enabled : cl->inq[q].enabled)) {
        return;
    }
    if (log2 < SNN_MIN_QUEUE_LOG2 || log2 > b->conf.queue_log2 ||
        (base & 63) || (wb & 63)) {
        snn_cl_error(cl, SNN_E_QUEUE, (out ? 0x80 : 0) | q);
        return;
    }
    if (out) {
        SnnOutQueue *oq = &cl->outq[q];

        oq->base = base;
        oq->wb = wb;
        oq->log2 = log2;
        oq->tail = 0;
        oq->host_head = 0;
        oq->enabled = true;
    } else {
        SnnInQueue *iq = &cl->inq[q];

        iq->base = base;
        iq->wb = wb;
        iq->log2 = log2;
        iq->head = 0;
        iq->prod = 0;
        iq->cache_valid = false;
        iq->enabled = true;
    }
}

static void snn_q_write(SnnCluster *cl, bool out, unsigned q, hwaddr off,
                        uint32_t val)
{
    uint64_t *base = out ? &cl->outq[q].reg_base : &cl->inq[q].reg_base;
    uint64_t *wb = out ? &cl->outq[q].reg_wb : &cl->inq[q].reg_wb;
    uint32_t *log2 = out ? &cl->outq[q].reg_log2 : &cl->inq[q].reg_log2;

    switch (off) {
    case SNN_Q_BASE_LO:
        *base = deposit64(*base, 0, 32, val);
        break;
    case SNN_Q_BASE_HI:
        *base = deposit64(*base, 32, 32, val);
        break;
    case SNN_Q_WB_LO:
        *wb = deposit64(*wb, 0, 32, val);
        break;
    case SNN_Q_WB_HI:
        *wb = deposit64(*wb, 32, 32, val);
        break;
    case SNN_Q_SIZE_LOG2:
        *log2 = val;
        break;
    case SNN_Q_CTRL:
        snn_q_enable(cl, out, q, val & SNN_Q_CTRL_ENABLE);
        break;
    default:
        break;
    }
}

static void snn_cl_write(SnnCluster *cl, hwaddr off, uint32_t val)
{
    SnnBoard *b = cl->board;
    bool busy = cl->status & (SNN_CL_ST_LOADING | SNN_CL_ST_RESETTING);
    bool sg;

    if (off >= SNN_CL_INQ(0) && off < SNN_CL_INQ(b->conf.in_queues)) {
        snn_q_write(cl, false, (off - SNN_CL_INQ(0)) / 0x20, off & 0x1f, val);
        return;
    }
    if (off >= SNN_CL_OUTQ(0) && off < SNN_CL_OUTQ(b->conf.out_queues)) {
        snn_q_write(cl, true, (off - SNN_CL_OUTQ(0)) / 0x20, off & 0x1f, val);
        return;
    }
    switch (off) {
    case SNN_CL_CTRL:
        if (val & SNN_CL_CTRL_RESET) {
            snn_cl_request_reset(cl, SNN_RESET_FULL);
        } else if (val & SNN_CL_CTRL_RESET_STATE) {
            snn_cl_request_reset(cl, SNN_RESET_STATE);
        }
        break;
    case SNN_CL_RUN:
        if (!val || (cl->status & SNN_CL_ST_ERROR)) {
            break;
        }
        if (busy) {
            snn_cl_error(cl, SNN_E_BUSY, 0);
        } else if (!(cl->status & SNN_CL_ST_LOADED)) {
            snn_cl_error(cl, SNN_E_NOT_LOADED, 0);
        } else if (cl->remaining > UINT32_MAX - val) {
            snn_cl_error(cl, SNN_E_RUN_OVERFLOW, 0);
        } else {
            cl->remaining += val;
            cl->status |= SNN_CL_ST_RUNNING;
            qemu_cond_broadcast(&cl->cond);
        }
        break;
    case SNN_CL_RUN_FRESH:
        /* reserved without SNN_FEAT_RUN_FRESH */
        if (!b->conf.run_fresh || !val || (cl->status & SNN_CL_ST_ERROR)) {
            break;
        }
        if (busy || cl->remaining) {
            snn_cl_error(cl, SNN_E_BUSY, 0);
        } else if (!(cl->status & SNN_CL_ST_LOADED)) {
            snn_cl_error(cl, SNN_E_NOT_LOADED, 0);
        } else {
            cl->fresh = true;
            cl->remaining = val;
            cl->status |= SNN_CL_ST_RUNNING;
            qemu_cond_broadcast(&cl->cond);
        }
        break;
    case SNN_CL_IRQ_STATUS:
        cl->irq_status &= ~val;
        break;
    case SNN_CL_IRQ_MASK:
        cl->irq_mask = val;
        if (cl->irq_status & ~val) {
            snn_kick_vector(b, cl->idx);
        }
        break;
    case SNN_CL_CONFIG:
        cl->config = val & SNN_CL_CFG_OUT_DROP;
        /* a stalled cluster re-evaluates: drop mode ends the stall */
        qemu_cond_broadcast(&cl->cond);
        break;
    case SNN_CL_LOAD_ADDR_LO:
        cl->load_addr = deposit64(cl->load_addr, 0, 32, val);
        break;
    case SNN_CL_LOAD_ADDR_HI:
        cl->load_addr = deposit64(cl->load_addr, 32, 32, val);
        break;
    case SNN_CL_LOAD_LEN:
        cl->load_len = val;
        break;
    case SNN_CL_LOAD_SG_N:
        if (b->conf.load_sg) {
            cl->load_sg_n = val;
        }
        break;
    case SNN_CL_LOAD_CMD:
        if (!(val & SNN_CL_LOAD_START)) {
            break;
        }
        /* without SNN_FEAT_LOAD_SG the SG bit is reserved: ignored */
        sg = b->conf.load_sg && (val & SNN_CL_LOAD_SG);
        if (busy || (cl->status & SNN_CL_ST_RUNNING)) {
            snn_cl_error(cl, SNN_E_BUSY, 0);
        } else if (cl->load_len < SNN_IMG_HDR_SIZE) {
            snn_cl_error(cl, SNN_E_IMG_LENGTH, SNN_IMG_HDR_SIZE);
        } else if (cl->load_len > SNN_IMG_MAX_LEN) {
            snn_cl_error(cl, SNN_E_IMG_LENGTH, SNN_IMG_MAX_LEN);
        } else if (sg && (!cl->load_sg_n ||
                          cl->load_sg_n > SNN_SG_MAX_ENTRIES)) {
            snn_cl_error(cl, SNN_E_LOAD_SG, SNN_SG_INFO_COUNT);
        } else if (sg && (cl->load_addr & (SNN_SG_LIST_ALIGN - 1))) {
            snn_cl_error(cl, SNN_E_LOAD_SG, SNN_SG_INFO_LIST_ALIGN);
        } else {
            cl->status &= ~SNN_CL_ST_ERROR;
            cl->error = SNN_E_NONE;
            cl->error_info = 0;
            cl->status |= SNN_CL_ST_LOADING;
            cl->load_sg = sg;
            cl->load_req = true;
            qemu_cond_broadcast(&cl->cond);
        }
        break;
    default:
        break;
    }
}

static bool snn_rt_addr_ok(SnnBoard *b, SnnRouter *rt, uint32_t a,
                           uint32_t limit)
{
    return SNN_RT_ADDR_CLUSTER(a) < b->conf.clusters &&
           (rt->mask & (1u << SNN_RT_ADDR_CLUSTER(a))) &&
           SNN_RT_ADDR_CORE(a) < b->conf.cores &&
           SNN_RT_ADDR_INDEX(a) < limit;
}

/* rt->lock held */
static uint32_t snn_rt_cmd(SnnBoard *b, SnnRouter *rt, uint32_t cmd)
{
    GArray *d;
    guint j;

    switch (cmd) {
    case SNN_RT_CMD_CLEAR:
        g_hash_table_remove_all(rt->tbl);
        rt->count = 0;
        return SNN_E_NONE;
    case SNN_RT_CMD_ADD:
    case SNN_RT_CMD_DEL:
        break;
    default:
        return SNN_E_RT_RANGE;
    }
    if (!snn_rt_addr_ok(b, rt, rt->src, b->conf.neurons) ||
        !snn_rt_addr_ok(b, rt, rt->dst, b->conf.axons)) {
        return SNN_E_RT_RANGE;
    }
    d = g_hash_table_lookup(rt->tbl, GUINT_TO_POINTER(rt->src));
    for (j = 0; d && j < d->len; j++) {
        if (g_array_index(d, uint32_t, j) == rt->dst) {
            break;
        }
    }
    if (cmd == SNN_RT_CMD_DEL) {
        if (!d || j == d->len) {
            return SNN_E_RT_NOENT;
        }
        g_array_remove_index_fast(d, j);
        if (!d->len) {
            g_hash_table_remove(rt->tbl, GUINT_TO_POINTER(rt->src));
        }
        rt->count--;
        return SNN_E_NONE;
    }
    if (d && j < d->len) {
        return SNN_E_RT_EXISTS;
    }
    if (rt->count >= b->conf.route_entries) {
        return SNN_E_RT_FULL;
    }
    if (!d) {
        d = g_array_new(false, false, sizeof(uint32_t));
        g_hash_table_insert(rt->tbl, GUINT_TO_POINTER(rt->src), d);
    }
    g_array_append_val(d, rt->dst);
    rt->count++;
    return SNN_E_NONE;
}

static uint32_t snn_rt_read(SnnBoard *b, SnnRouter *rt, hwaddr off)
{
    switch (off) {
    case SNN_RT_CLUSTERS: return rt->mask;
    case SNN_RT_CAPACITY: return b->conf.route_entries;
    case SNN_RT_COUNT: return rt->count;
    case SNN_RT_DELAY: return b->conf.route_delay;
    case SNN_RT_SRC: return rt->src;
    case SNN_RT_DST: return rt->dst;
    case SNN_RT_CMD_STATUS: return rt->cmd_status;
    case SNN_RT_CNT_ROUTED: return rt->routed;
    case SNN_RT_CNT_ROUTED + 4: return rt->routed >> 32;
    }
    return 0;
}

static void snn_rt_write(SnnBoard *b, SnnRouter *rt, hwaddr off,
                         uint32_t val)
{
    switch (off) {
    case SNN_RT_SRC:
        rt->src = val;
        break;
    case SNN_RT_DST:
        rt->dst = val;
        break;
    case SNN_RT_CMD:
        rt->cmd_status = snn_rt_cmd(b, rt, val);
        if (rt->cmd_status != SNN_E_NONE) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "%s: router command %u failed: error %u\n",
                          b->name, val, rt->cmd_status);
        }
        break;
    default:
        break;
    }
}

static uint32_t snn_global_read(SnnBoard *b, hwaddr off)
{
    const SnnBoardConf *c = &b->conf;
    uint32_t v;

    if (off >= SNN_REG_ROUTER_CLUSTERS(0) &&
        off < SNN_REG_ROUTER_CLUSTERS(c->routers)) {
        return b->rt[(off - SNN_REG_ROUTER_CLUSTERS(0)) / 4].mask;
    }
    switch (off) {
    case SNN_REG_MAGIC: return SNN_MAGIC;
    case SNN_REG_VERSION: return SNN_IF_VERSION;
    case SNN_REG_BOARD_ID: return c->board_id;
    case SNN_REG_REVISION: return c->revision;
    case SNN_REG_N_CLUSTERS: return c->clusters;
    case SNN_REG_CORES: return c->cores;
    case SNN_REG_NEURONS: return c->neurons;
    case SNN_REG_AXONS: return c->axons;
    case SNN_REG_SYNAPSES: return c->synapses;
    case SNN_REG_N_ROUTERS: return c->routers;
    case SNN_REG_QUEUE_LOG2: return c->queue_log2;
    case SNN_REG_QUEUES: return c->in_queues | (c->out_queues << 16);
    case SNN_REG_RATED_EPS: return c->rated_eps;
    case SNN_REG_RATED_SPS: return c->rated_sps;
    case SNN_REG_PROFILES: return c->profiles;
    case SNN_REG_FANOUT: return c->fanout;
    case SNN_REG_ROUTE_ENTRIES: return c->route_entries;
    case SNN_REG_ROUTE_DELAY: return c->route_delay;
    case SNN_REG_EVENT_SIZE: return SNN_EVENT_SIZE;
    case SNN_REG_FEATURES:
        v = SNN_FEAT_DOORBELL_BAR | SNN_FEAT_OUT_DROP;
        if (c->routers) {
            v |= SNN_FEAT_ROUTERS;
        }
        if (c->load_sg) {
            v |= SNN_FEAT_LOAD_SG;
        }
        if (c->run_fresh) {
            v |= SNN_FEAT_RUN_FRESH;
        }
        if (c->fault_injection) {
            v |= SNN_FEAT_FAULT_INJECT;
        }
        return v;
    case SNN_REG_SCRATCH: return b->scratch;
    case SNN_REG_SYN_MEM_BITS: return c->synapses * 24;
    case SNN_REG_ROUTE_FIFO: return c->route_fifo;
    case SNN_REG_BOARD_STATUS:
        return qatomic_read(&b->board_resetting) ?
               SNN_BOARD_STATUS_RESETTING : SNN_BOARD_STATUS_READY;
    case SNN_REG_ERR_STATUS:
        qemu_mutex_lock(&b->err_lock);
        v = b->err_status;
        qemu_mutex_unlock(&b->err_lock);
        return v;
    case SNN_REG_ERR_ADDR_LO:
    case SNN_REG_ERR_ADDR_HI:
        qemu_mutex_lock(&b->err_lock);
        v = off == SNN_REG_ERR_ADDR_LO ? b->err_addr : b->err_addr >> 32;
        qemu_mutex_unlock(&b->err_lock);
        return v;
    case SNN_REG_ERR_IRQ_MASK: return b->err_irq_mask;
    }
    return 0;
}

static void snn_board_start_reset(SnnBoard *b)
{
    unsigned c;
    unsigned r;

    qatomic_or(&b->board_resetting, (1u << b->conf.clusters) - 1);
    for (r = 0; r < b->conf.routers; r++) {
        qemu_mutex_lock(&b->rt[r].lock);
        g_hash_table_remove_all(b->rt[r].tbl);
        b->rt[r].count = 0;
        b->rt[r].routed = 0;
        b->rt[r].src = b->rt[r].dst = b->rt[r].cmd_status = 0;
        qemu_mutex_unlock(&b->rt[r].lock);
    }
    for (c = 0; c < b->conf.clusters; c++) {
        SnnCluster *cl = &b->cl[c];

        qemu_mutex_lock(&cl->lock);
        snn_cl_request_reset(cl, SNN_RESET_FULL);
        qemu_mutex_unlock(&cl->lock);
    }
    qemu_mutex_lock(&b->err_lock);
    b->err_status = 0;
    b->err_addr = 0;
    qemu_mutex_unlock(&b->err_lock);
    b->err_irq_mask = 0;
    b->scratch = 0;
    b->allones = 0;
    memset(b->irq_loss, 0, sizeof(b->irq_loss));
}

static void snn_fault_write(SnnBoard *b, hwaddr off, uint32_t val)
{
    unsigned c;

    if (!b->conf.fault_injection) {
        return;
    }
    switch (off) {
    case SNN_REG_FAULT_HANG:
        for (c = 0; c < b->conf.clusters; c++) {
            if (val & (1u << c)) {
                qemu_mutex_lock(&b->cl[c].lock);
                b->cl[c].hung = true;
                qemu_mutex_unlock(&b->cl[c].lock);
            }
        }
        break;
    case SNN_REG_FAULT_DMA:
        c = val >> 16;
        if (c < b->conf.clusters) {
            qatomic_set(&b->cl[c].dma_fail, val & 0xffff);
        }
        break;
    case SNN_REG_FAULT_ALLONES:
        b->allones = val;
        break;
    case SNN_REG_FAULT_IRQ_LOSS:
        c = val >> 16;
        if (c <= b->conf.clusters) {
            b->irq_loss[c] = val & 0xffff;
        }
        break;
    }
}

static void snn_global_write(SnnBoard *b, hwaddr off, uint32_t val)
{
    switch (off) {
    case SNN_REG_SCRATCH:
        b->scratch = val;
        break;
    case SNN_REG_BOARD_CTRL:
        if (val & SNN_BOARD_CTRL_RESET) {
            snn_board_start_reset(b);
        }
        break;
    case SNN_REG_ERR_STATUS:
        qemu_mutex_lock(&b->err_lock);
        b->err_status &= ~val;
        qemu_mutex_unlock(&b->err_lock);
        break;
    case SNN_REG_ERR_IRQ_MASK:
        qatomic_set(&b->err_irq_mask, val);
        break;
    case SNN_REG_FAULT_HANG:
    case SNN_REG_FAULT_DMA:
    case SNN_REG_FAULT_ALLONES:
    case SNN_REG_FAULT_IRQ_LOSS:
        snn_fault_write(b, off, val);
        break;
    default:
        break;
    }
}

static uint32_t snn_reg_read32(SnnBoard *b, hwaddr addr)
{
    uint32_t v;

    if (addr < SNN_CLUSTER_BASE(0)) {
        return snn_global_read(b, addr);
    }
    if (addr < SNN_CLUSTER_BASE(b->conf.clusters)) {
        SnnCluster *cl = &b->cl[(addr - SNN_CLUSTER_BASE(0)) / 0x1000];

        qemu_mutex_lock(&cl->lock);
        v = snn_cl_read(cl, addr & 0xfff);
        qemu_mutex_unlock(&cl->lock);
        return v;
    }
    if (addr >= SNN_ROUTER_BASE(0) &&
        addr < SNN_ROUTER_BASE(b->conf.routers)) {
        SnnRouter *rt = &b->rt[(addr - SNN_ROUTER_BASE(0)) / 0x1000];

        qemu_mutex_lock(&rt->lock);
        v = snn_rt_read(b, rt, addr & 0xfff);
        qemu_mutex_unlock(&rt->lock);
        return v;
    }
    return 0;
}

uint64_t snn_board_reg_read(SnnBoard *b, hwaddr addr, unsigned size)
{
    uint64_t v;

    if (b->allones) {
        b->allones--;
        return size == 8 ? UINT64_MAX : UINT32_MAX;
    }
    if (size == 8 && addr >= SNN_CLUSTER_BASE(0) &&
        addr < SNN_CLUSTER_BASE(b->conf.clusters) &&
        (addr & 0xfff) >= SNN_CL_CNT_BASE &&
        (addr & 0xfff) < SNN_CL_CNT(SNN_CNT_NUM)) {
        /* one consistent 64-bit counter value */
        SnnCluster *cl = &b->cl[(addr - SNN_CLUSTER_BASE(0)) / 0x1000];

        qemu_mutex_lock(&cl->lock);
        v = cl->cnt[((addr & 0xfff) - SNN_CL_CNT_BASE) / 8];
        qemu_mutex_unlock(&cl->lock);
        return v;
    }
    v = snn_reg_read32(b, addr);
    if (size == 8) {
        v |= (uint64_t)snn_reg_read32(b, addr + 4) << 32;
    }
    return v;
}

void snn_board_reg_read_block(SnnBoard *b, hwaddr addr, unsigned n,
                              uint8_t *out)
{
    unsigned i;

    if (b->allones) {
        b->allones--;
        memset(out, 0xff, 4 * n);
        return;
    }
    for (i = 0; i < n; i++) {
        stl_le_p(out + 4 * i, snn_board_reg_read(b, addr + 4 * i, 4));
    }
}

static void snn_reg_write32(SnnBoard *b, hwaddr addr, uint32_t val)
{
    if (addr < SNN_CLUSTER_BASE(0)) {
        snn_global_write(b, addr, val);
    } else if (addr < SNN_CLUSTER_BASE(b->conf.clusters)) {
        SnnCluster *cl = &b->cl[(addr - SNN_CLUSTER_BASE(0)) / 0x1000];

        qemu_mutex_lock(&cl->lock);
        snn_cl_write(cl, addr & 0xfff, val);
        qemu_mutex_unlock(&cl->lock);
    } else if (addr >= SNN_ROUTER_BASE(0) &&
               addr < SNN_ROUTER_BASE(b->conf.routers)) {
        SnnRouter *rt = &b->rt[(addr - SNN_ROUTER_BASE(0)) / 0x1000];

        qemu_mutex_lock(&rt->lock);
        snn_rt_write(b, rt, addr & 0xfff, val);
        qemu_mutex_unlock(&rt->lock);
    }
}

void snn_board_reg_write(SnnBoard *b, hwaddr addr, uint64_t val,
                         unsigned size)
{
    snn_reg_write32(b, addr, val);
    if (size == 8) {
        snn_reg_write32(b, addr + 4, val >> 32);
    }
}

void snn_board_db_write(SnnBoard *b, hwaddr addr, uint64_t val,
                        unsigned size)
{
    unsigned c = addr / SNN_DB_PAGE_SIZE;
    hwaddr off = addr % SNN_DB_PAGE_SIZE;
    SnnCluster *cl;
    unsigned q;

    if (c >= b->conf.clusters || size != 4) {
        return;
    }
    cl = &b->cl[c];
    qemu_mutex_lock(&cl->lock);
    if (off < SNN_DB_INQ(b->conf.in_queues)) {
        q = off / 4;
        cl->inq[q].prod = val;
    } else if (off >= SNN_DB_OUTQ(0) &&
               off < SNN_DB_OUTQ(b->conf.out_queues)) {
        q = (off - SNN_DB_OUTQ(0)) / 4;
        cl->outq[q].host_head = val;
        qemu_cond_broadcast(&cl->cond);
    }
    qemu_mutex_unlock(&cl->lock);
}

/* ---- life cycle ---------------------------------------------------------- */

unsigned snn_board_nr_vectors(const SnnBoardConf *conf)
{
    return conf->clusters + 1;
}

#define SNN_CHECK(cond, fmt, ...)                                   \
    do {                                                            \
        if (!(cond)) {                                              \
            error_setg(errp, fmt, ##__VA_ARGS__);                   \
            return false;                                           \
        }                                                           \
    } while (0)

bool snn_board_conf_check(SnnBoardConf *c, Error **errp)
{
    unsigned r;

    SNN_CHECK(c->clusters >= 1 && c->clusters <= SNN_MAX_CLUSTERS,
              "clusters=%u: must be 1..%u", c->clusters, SNN_MAX_CLUSTERS);
    SNN_CHECK(c->cores >= 1 && c->cores <= SNN_MAX_CORES,
              "cores=%u: must be 1..%u", c->cores, SNN_MAX_CORES);
    SNN_CHECK(c->neurons >= 1 && c->neurons <= SNN_MAX_NEURONS_PER_CORE,
              "neurons=%u: must be 1..%u", c->neurons,
              SNN_MAX_NEURONS_PER_CORE);
    SNN_CHECK(c->axons >= 1 && c->axons <= SNN_MAX_AXONS_PER_CORE,
              "axons=%u: must be 1..%u", c->axons, SNN_MAX_AXONS_PER_CORE);
    SNN_CHECK(c->synapses >= 1 && c->synapses <= (1u << 24),
              "synapses=%u: must be 1..%u", c->synapses, 1u << 24);
    SNN_CHECK(c->fanout >= 1 && c->fanout <= (1u << 20),
              "fanout=%u: must be 1..%u", c->fanout, 1u << 20);
    SNN_CHECK(c->profiles >= 1 && c->profiles <= SNN_MAX_PROFILES,
              "profiles=%u: must be 1..%u", c->profiles, SNN_MAX_PROFILES);
    SNN_CHECK(c->routers <= SNN_MAX_ROUTERS,
              "routers=%u: must be 0..%u", c->routers, SNN_MAX_ROUTERS);
    SNN_CHECK(c->in_queues >= 1 && c->in_queues <= SNN_MAX_QUEUES,
              "in-queues=%u: must be 1..%u", c->in_queues, SNN_MAX_QUEUES);
    SNN_CHECK(c->out_queues >= 1 && c->out_queues <= SNN_MAX_QUEUES,
              "out-queues=%u: must be 1..%u", c->out_queues, SNN_MAX_QUEUES);
    SNN_CHECK(c->queue_log2 >= SNN_MIN_QUEUE_LOG2 &&
              c->queue_log2 <= SNN_MAX_QUEUE_LOG2,
              "queue-log2=%u: must be %u..%u", c->queue_log2,
              SNN_MIN_QUEUE_LOG2, SNN_MAX_QUEUE_LOG2);
    SNN_CHECK(c->route_entries >= 1 && c->route_entries <= (1u << 20),
              "route-entries=%u: must be 1..%u", c->route_entries, 1u << 20);
    SNN_CHECK(c->route_delay <= 255,
              "route-delay=%u: must be 0..255", c->route_delay);
    SNN_CHECK(c->route_fifo >= 16 && c->route_fifo <= (1u << 24),
              "route-fifo=%u: must be 16..%u", c->route_fifo, 1u << 24);
    for (r = 0; r < SNN_MAX_ROUTERS; r++) {
        uint32_t all = (1u << c->clusters) - 1;

        if (r >= c->routers) {
            SNN_CHECK(!c->rmask[r], "rmask%u set but routers=%u", r,
                      c->routers);
            continue;
        }
        if (!c->rmask[r]) {
            unsigned lo = r * c->clusters / c->routers;
            unsigned hi = (r + 1) * c->clusters / c->routers;

            c->rmask[r] = ((1u << hi) - 1) & ~((1u << lo) - 1);
        }
        SNN_CHECK(!(c->rmask[r] & ~all),
                  "rmask%u=0x%x names clusters beyond clusters=%u", r,
                  c->rmask[r], c->clusters);
        SNN_CHECK(c->rmask[r], "router %u connects no cluster (clusters=%u, "
                  "routers=%u): set rmask%u", r, c->clusters, c->routers, r);
    }
    return true;
}

SnnBoard *snn_board_new(const SnnBoardConf *conf, const SnnBoardOps *ops,
                        void *opaque, const char *name)
{
    SnnBoard *b = g_new0(SnnBoard, 1);
    unsigned c, r;

    b->conf = *conf;
    b->ops = ops;
    b->opaque = opaque;
    b->name = g_strdup(name);
    b->bh = qemu_bh_new(snn_board_bh, b);
    qemu_mutex_init(&b->fifo_lock);
    qemu_cond_init(&b->fifo_cond);
    qemu_mutex_init(&b->err_lock);
    b->fifo = g_new0(SnnFifo, conf->clusters * conf->clusters);
    for (r = 0; r < conf->routers; r++) {
        SnnRouter *rt = &b->rt[r];

        qemu_mutex_init(&rt->lock);
        rt->mask = conf->rmask[r];
        rt->tbl = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                        (GDestroyNotify)g_array_unref);
    }
    for (c = 0; c < conf->clusters; c++) {
        SnnCluster *cl = &b->cl[c];
        char tname[32];

        cl->board = b;
        cl->idx = c;
        qemu_mutex_init(&cl->lock);
        qemu_cond_init(&cl->cond);
        snprintf(tname, sizeof(tname), "snn-cl%u", c);
        qemu_thread_create(&cl->thread, tname, snn_cl_thread, cl,
                           QEMU_THREAD_JOINABLE);
        cl->thread_started = true;
    }
    return b;
}

void snn_board_free(SnnBoard *b)
{
    unsigned c, r, q;

    if (!b) {
        return;
    }
    for (c = 0; c < b->conf.clusters; c++) {
        SnnCluster *cl = &b->cl[c];

        qemu_mutex_lock(&cl->lock);
        qatomic_set(&cl->quit, true);
        qemu_cond_broadcast(&cl->cond);
        qemu_mutex_unlock(&cl->lock);
    }
    qemu_mutex_lock(&b->fifo_lock);
    qemu_cond_broadcast(&b->fifo_cond);
    qemu_mutex_unlock(&b->fifo_lock);
    /*
     * A worker may be inside a DMA that targets MMIO and so needs the
     * BQL: drop it while joining.
     */
    qemu_mutex_unlock_iothread();
    for (c = 0; c < b->conf.clusters; c++) {
        if (b->cl[c].thread_started) {
            qemu_thread_join(&b->cl[c].thread);
        }
    }
    qemu_mutex_lock_iothread();
    for (c = 0; c < b->conf.clusters; c++) {
        SnnCluster *cl = &b->cl[c];

        snn_cl_free_net(cl);
        for (q = 0; q < SNN_MAX_QUEUES; q++) {
            g_free(cl->out[q].ev);
        }
        g_free(cl->routed.ev);
        qemu_cond_destroy(&cl->cond);
        qemu_mutex_destroy(&cl->lock);
    }
    for (r = 0; r < b->conf.routers; r++) {
        g_hash_table_destroy(b->rt[r].tbl);
        qemu_mutex_destroy(&b->rt[r].lock);
    }
    for (c = 0; c < b->conf.clusters * b->conf.clusters; c++) {
        g_free(b->fifo[c].ev);
    }
    g_free(b->fifo);
    qemu_bh_delete(b->bh);
    qemu_cond_destroy(&b->fifo_cond);
    qemu_mutex_destroy(&b->fifo_lock);
    qemu_mutex_destroy(&b->err_lock);
    g_free(b->name);
    g_free(b);
}

void snn_board_reset(SnnBoard *b)
{
    snn_board_start_reset(b);
}

bool snn_board_ready(SnnBoard *b)
{
    unsigned c;

    if (qatomic_read(&b->board_resetting)) {
        return false;
    }
    for (c = 0; c < b->conf.clusters; c++) {
        if (qatomic_read(&b->cl[c].reset_req)) {
            return false;
        }
    }
    return true;
}

bool snn_board_inq_ring(SnnBoard *b, unsigned c, unsigned q, uint64_t *base,
                        uint32_t *log2)
{
    SnnCluster *cl;
    bool on;

    if (c >= b->conf.clusters || q >= b->conf.in_queues) {
        return false;
    }
    cl = &b->cl[c];
    qemu_mutex_lock(&cl->lock);
    on = cl->inq[q].enabled;
    *base = cl->inq[q].base;
    *log2 = cl->inq[q].log2;
    qemu_mutex_unlock(&cl->lock);
    return on;
}
