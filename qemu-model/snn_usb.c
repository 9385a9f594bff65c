/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snn-usb: the snndev neuromorphic board as a USB device.
 *
 *   -device qemu-xhci,id=xhci,p2=8,p3=4
 *   -device snn-usb,id=usb0,bus=xhci.0,port=1[,mem-mib=64,clusters=2,...]
 *
 * The same board core as snn-pci (snn_board.c), behind a vendor-specific
 * interface (docs/hardware.md section 12; the SNNU_ constants of snn_hw.h):
 *
 *   control   READ_REG / WRITE_REG (the register map of BAR0), DOORBELL
 *             (the doorbell pages of BAR2), GET_INFO, GET_STATS
 *   EP 0x01   bulk OUT: MEM_WRITE, MEM_READ frames (device memory)
 *   EP 0x82   bulk IN: OUTPUT frames (what the clusters wrote into their
 *             output rings), MEM_DATA replies
 *   EP 0x03   bulk OUT: INPUT frames (events into an input ring + doorbell)
 *   EP 0x84   interrupt IN: status messages, one bit per interrupt vector
 *             (replaces MSI-X)
 *
 * The board's DMA goes to the device's own memory (mem-mib MiB, an
 * anonymous mapping: host RAM is used only for what the host writes).
 *
 * Threads.  USB callbacks run with the BQL.  Cluster workers (no BQL) do
 * DMA into device memory and hand every chunk of output events to
 * snn_usb_output(), which queues OUTPUT frames under out_lock and kicks
 * the IN endpoint through a bottom half.  Interrupts arrive in
 * snn_usb_notify() with the BQL (the board's own bottom half).
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include "qemu/module.h"
#include "qemu/units.h"
#include "qemu/main-loop.h"
#include "qemu/bswap.h"
#include "qemu/log.h"
#include "qemu/madvise.h"
#include "qemu/queue.h"
#include "qemu/thread.h"
#include "qapi/error.h"
#include "hw/qdev-properties.h"
#include "hw/usb.h"
#include "hw/usb/desc.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "snn_board.h"
#include "snn_hw.h"


#define TYPE_SNN_USB "snn-usb"
OBJECT_DECLARE_SIMPLE_TYPE(SnnUsbState, SNN_USB)

#define SNN_USB_MEM_MIB_MAX     4096
#define SNN_USB_FRAME_MAX       (SNNU_HDR_SIZE + SNNU_MAX_PAYLOAD)

/* ---- descriptors --------------------------------------------------------- */

enum {
    STR_MANUFACTURER = 1,
    STR_PRODUCT,
    STR_SERIALNUMBER,
};

static const USBDescStrings snn_usb_strings = {
    [STR_MANUFACTURER] = SNNU_MANUFACTURER,
    [STR_PRODUCT] = SNNU_PRODUCT,
    [STR_SERIALNUMBER] = "SNN",
};

#define SNN_USB_EPS(_bulk, _burst, _int_interval) (USBDescEndpoint[]) {    \
    {                                                                       \
        .bEndpointAddress = SNNU_EP_CMD,                                    \
        .bmAttributes = USB_ENDPOINT_XFER_BULK,                             \
        .wMaxPacketSize = _bulk,                                            \
        .bMaxBurst = _burst,                                                \
    }, {                                                                    \
        .bEndpointAddress = SNNU_EP_OUT,                                    \
        .bmAttributes = USB_ENDPOINT_XFER_BULK,                             \
        .wMaxPacketSize = _bulk,                                            \
        .bMaxBurst = _burst,                                                \
    }, {                                                                    \
        .bEndpointAddress = SNNU_EP_INPUT,                                  \
        .bmAttributes = USB_ENDPOINT_XFER_BULK,                             \
        .wMaxPacketSize = _bulk,                                            \
        .bMaxBurst = _burst,                                                \
    }, {                                                                    \
        .bEndpointAddress = SNNU_EP_STATUS,                                 \
        .bmAttributes = USB_ENDPOINT_XFER_INT,                              \
        .wMaxPacketSize = SNNU_STATUS_MPS,                                  \
        .bInterval = _int_interval,                                         \
        .wBytesPerInterval = SNNU_STATUS_MPS,                               \
    },                                                                      \
}

#define SNN_USB_IFACE(_eps) {                                               \
    .bInterfaceNumber = 0,                                                  \
    .bNumEndpoints = 4,                                                     \
    .bInterfaceClass = SNNU_CLASS,                                          \
    .bInterfaceSubClass = SNNU_SUBCLASS,                                    \
    .bInterfaceProtocol = SNNU_PROTOCOL,                                    \
    .eps = _eps,                                                            \
}

/* full speed: bulk 64; interrupt every 1 ms */
static const USBDescIface snn_usb_iface_full =
    SNN_USB_IFACE(SNN_USB_EPS(64, 0, 1));
/* high speed: bulk 512; interrupt every microframe (bInterval 1) */
static const USBDescIface snn_usb_iface_high =
    SNN_USB_IFACE(SNN_USB_EPS(512, 0, 1));
/* super speed: bulk 1024, bursts of 16; companions from the fields above */
static const USBDescIface snn_usb_iface_super =
    SNN_USB_IFACE(SNN_USB_EPS(1024, 15, 1));

#define SNN_USB_DEVICE(_bcd, _mps0, _power, _iface) {                       \
    .bcdUSB = _bcd,                                                         \
    .bMaxPacketSize0 = _mps0,                                               \
    .bNumConfigurations = 1,                                                \
    .confs = (USBDescConfig[]) {                                            \
        {                                                                   \
            .bNumInterfaces = 1,                                            \
            .bConfigurationValue = 1,                                       \
            .bmAttributes = USB_CFG_ATT_ONE,                                \
            .bMaxPower = _power,                                            \
            .nif = 1,                                                       \
            .ifs = _iface,                                                  \
        },                                                                  \
    },                                                                      \
}

static const USBDescDevice snn_usb_dev_full =
    SNN_USB_DEVICE(0x0200, 64, 250, &snn_usb_iface_full);
static const USBDescDevice snn_usb_dev_high =
    SNN_USB_DEVICE(0x0200, 64, 250, &snn_usb_iface_high);
/* bMaxPacketSize0 9 = 512 bytes; bMaxPower in 8 mA units (896 mA) */
static const USBDescDevice snn_usb_dev_super =
    SNN_USB_DEVICE(0x0300, 9, 112, &snn_usb_iface_super);

static const USBDesc snn_usb_desc = {
    .id = {
        .idVendor = SNNU_VENDOR_ID,
        .idProduct = SNNU_PRODUCT_ID,
        .bcdDevice = SNNU_BCD_DEVICE,
        .iManufacturer = STR_MANUFACTURER,
        .iProduct = STR_PRODUCT,
        .iSerialNumber = STR_SERIALNUMBER,
    },
    .full = &snn_usb_dev_full,
    .high = &snn_usb_dev_high,
    .super = &snn_usb_dev_super,
    .str = snn_usb_strings,
};

/* ---- state --------------------------------------------------------------- */

/* A bulk OUT frame being reassembled from packets. */
typedef struct SnnUsbRx {
    uint8_t *buf;               /* SNN_USB_FRAME_MAX bytes */
    uint32_t len;
} SnnUsbRx;

/* A frame waiting to be sent on EP 0x82. */
typedef struct SnnUsbFrame {
    QSIMPLEQ_ENTRY(SnnUsbFrame) next;
    uint8_t *buf;
    uint32_t len, cap;
    uint32_t off;               /* bytes already sent */
} SnnUsbFrame;

struct SnnUsbState {
    USBDevice parent_obj;

    SnnBoardConf conf;
    uint32_t mem_mib;

    SnnBoard *board;
    uint8_t *mem;               /* device memory */
    uint64_t mem_size;
    bool gone;                  /* being unrealized */

    USBEndpoint *ep_out;        /* EP 0x82 */
    USBEndpoint *ep_status;     /* EP 0x84 */
    SnnUsbRx rx_cmd, rx_input;  /* BQL */

    /* status endpoint, BQL */
    uint32_t status_vec;
    uint32_t status_seq;

    /* EP 0x82 frames; filled by workers and the BQL side */
    QemuMutex out_lock;
    QSIMPLEQ_HEAD(, SnnUsbFrame) out_q;     /* out_lock */
    SnnUsbFrame *out_prev;      /* out_lock: the frame before the last */
    uint64_t out_bytes;         /* out_lock: bytes queued, headers too */
    uint64_t out_cap;           /* most OUTPUT bytes queued at once */
    uint32_t out_nframes;       /* out_lock */
    bool discard;               /* out_lock: USB reset, board not ready */
    QEMUBH *out_bh;

    /* GET_STATS counters */
    uint32_t st_frame_errors, st_ctrl_errors, st_last_error;   /* BQL */
    uint32_t st_status_msgs;                                    /* BQL */
    uint32_t st_out_frames, st_out_events, st_out_lost;        /* out_lock */
};

static unsigned snn_usb_instances;

/* ---- device memory: the board's DMA target ------------------------------- */

static bool snn_usb_mem_ok(SnnUsbState *s, uint64_t addr, uint64_t len)
{
    return addr <= s->mem_size && len <= s->mem_size - addr;
}

/* Called from cluster workers, no lock held. */
static MemTxResult snn_usb_dma_read(void *opaque, uint64_t addr, void *buf,
                                    uint64_t len)
{
    SnnUsbState *s = opaque;

    if (!snn_usb_mem_ok(s, addr, len)) {
        return MEMTX_DECODE_ERROR;
    }
    memcpy(buf, s->mem + addr, len);
    return MEMTX_OK;
}

static MemTxResult snn_usb_dma_write(void *opaque, uint64_t addr,
                                     const void *buf, uint64_t len)
{
    SnnUsbState *s = opaque;

    if (!snn_usb_mem_ok(s, addr, len)) {
        return MEMTX_DECODE_ERROR;
    }
    memcpy(s->mem + addr, buf, len);
    return MEMTX_OK;
}

/* ---- EP 0x82: frames to the host ----------------------------------------- */

static SnnUsbFrame *snn_usb_frame_new(uint16_t type, uint16_t cluster,
                                      uint16_t queue, uint32_t cap)
{
    SnnUsbFrame *f = g_new0(SnnUsbFrame, 1);

    f->cap = cap;
    f->buf = g_malloc0(cap);
    f->len = SNNU_HDR_SIZE;
    stl_le_p(f->buf + SNNU_HDR_MAGIC, SNNU_FRAME_MAGIC);
    stw_le_p(f->buf + SNNU_HDR_TYPE, type);
    stw_le_p(f->buf + SNNU_HDR_CLUSTER, cluster);
    stw_le_p(f->buf + SNNU_HDR_QUEUE, queue);
    return f;
}

static void snn_usb_frame_free(SnnUsbFrame *f)
{
    g_free(f->buf);
    g_free(f);
}

/* out_lock held */
static void snn_usb_queue_frame(SnnUsbState *s, SnnUsbFrame *f)
{
    s->out_prev = QSIMPLEQ_LAST(&s->out_q, SnnUsbFrame, next);
    QSIMPLEQ_INSERT_TAIL(&s->out_q, f, next);
    s->out_nframes++;
}

/* out_lock held */
static void snn_usb_flush_frames(SnnUsbState *s)
{
    SnnUsbFrame *f;

    while ((f = QSIMPLEQ_FIRST(&s->out_q))) {
        QSIMPLEQ_REMOVE_HEAD(&s->out_q, next);
        snn_usb_frame_free(f);
    }
    s->out_prev = NULL;
    s->out_nframes = 0;
    s->out_bytes = 0;
}

static void snn_usb_out_bh(void *opaque)
{
    SnnUsbState *s = opaque;

    if (!s->gone && s->parent_obj.attached) {
        usb_wakeup(s->ep_out, 0);
    }
}

/*
 * With out_lock: whether output from the board goes out.  After a USB
 * reset (discard) the output of the old timeline is not wanted, until the
 * board is ready again.
 */
static bool snn_usb_out_wanted(SnnUsbState *s)
{
    if (s->discard) {
        if (!snn_board_ready(s->board)) {
            return false;
        }
        s->discard = false;
    }
    return true;
}

/* Whether @f is a frame of @type for cluster @c that has not started out. */
static bool snn_usb_frame_open(const SnnUsbFrame *f, unsigned type,
                               unsigned c)
{
    return f && !f->off && lduw_le_p(f->buf + SNNU_HDR_TYPE) == type &&
           lduw_le_p(f->buf + SNNU_HDR_CLUSTER) == c;
}

/*
 * The OUTPUT frame that events of queue @q of cluster @c can be appended
 * to, or NULL: the last frame, or the one before a last STEP frame of the
 * same cluster (then the STEP frame, which says "all output before its
 * timestep is in the frames before me", stays true, and is brought up to
 * date by the next snn_usb_timestep()), if it has not started to go out,
 * is of that queue and has room.  So a host that falls behind gets few
 * large frames, not an OUTPUT and a STEP frame per timestep.
 */
static SnnUsbFrame *snn_usb_open_output(SnnUsbState *s, unsigned c,
                                        unsigned q)
{
    SnnUsbFrame *f = QSIMPLEQ_LAST(&s->out_q, SnnUsbFrame, next);

    if (snn_usb_frame_open(f, SNNU_T_STEP, c)) {
        f = s->out_prev;
    }
    if (!snn_usb_frame_open(f, SNNU_T_OUTPUT, c) ||
        f->len == SNN_USB_FRAME_MAX ||
        lduw_le_p(f->buf + SNNU_HDR_QUEUE) != q) {
        return NULL;
    }
    return f;
}

/*
 * SnnBoardOps.output: a worker wrote @n events to output queue @q of
 * cluster @c (and its write-back).  Queue them as OUTPUT frames: appended
 * to an open frame of the same queue (snn_usb_open_output()), else in new
 * frames.
 */
static void snn_usb_output(void *opaque, unsigned c, unsigned q,
                           const void *ev, uint32_t n, uint32_t tail)
{
    SnnUsbState *s = opaque;
    const uint8_t *src = ev;
    uint32_t i = 0;

    qemu_mutex_lock(&s->out_lock);
    if (!snn_usb_out_wanted(s)) {
        qemu_mutex_unlock(&s->out_lock);
        return;
    }
    while (i < n) {
        SnnUsbFrame *f = snn_usb_open_output(s, c, q);
        uint32_t k;

        k = MIN(n - i, (SNN_USB_FRAME_MAX - (f ? f->len : SNNU_HDR_SIZE)) /
                       SNN_EVENT_SIZE);
        if (s->out_bytes + SNNU_HDR_SIZE + (uint64_t)k * SNN_EVENT_SIZE >
            s->out_cap) {
            /* the host freed ring space without taking the frames */
            s->st_out_lost += n - i;
            qemu_log_mask(LOG_GUEST_ERROR,
                          "%s: cluster %u queue %u: %u output events lost: "
                          "%" PRIu64 " bytes of frames not taken\n",
                          TYPE_SNN_USB, c, q, n - i, s->out_bytes);
            break;
        }
        if (!f) {
            f = snn_usb_frame_new(SNNU_T_OUTPUT, c, q, SNNU_HDR_SIZE +
                                  MAX(k, 256u) * SNN_EVENT_SIZE);
            snn_usb_queue_frame(s, f);
            s->out_bytes += SNNU_HDR_SIZE;
            s->st_out_frames++;
        }
        if (f->len + k * SNN_EVENT_SIZE > f->cap) {
            f->cap = MIN(SNN_USB_FRAME_MAX,
                         MAX(f->cap * 2, f->len + k * SNN_EVENT_SIZE));
            f->buf = g_realloc(f->buf, f->cap);
        }
        memcpy(f->buf + f->len, src + (size_t)i * SNN_EVENT_SIZE,
               (size_t)k * SNN_EVENT_SIZE);
        f->len += k * SNN_EVENT_SIZE;
        s->out_bytes += k * SNN_EVENT_SIZE;
        s->st_out_events += k;
        i += k;
        stl_le_p(f->buf + SNNU_HDR_LEN, f->len - SNNU_HDR_SIZE);
        /* the tail index after the frame's last event */
        stq_le_p(f->buf + SNNU_HDR_ARG, (uint32_t)(tail - (n - i)));
    }
    qemu_mutex_unlock(&s->out_lock);
    qemu_bh_schedule(s->out_bh);
}

/*
 * SnnBoardOps.timestep: cluster @c's TIMESTEP is now @timestep, after a
 * timestep that wrote output or back to 0.  A STEP frame tells the host,
 * in order with the OUTPUT frames: every event of the cluster's timesteps
 * before @timestep is in an OUTPUT frame queued before it.  A STEP of the
 * same cluster that has not started to go out is updated instead, so they
 * add at most one frame per OUTPUT frame.
 */
static void snn_usb_timestep(void *opaque, unsigned c, uint32_t timestep)
{
    SnnUsbState *s = opaque;
    SnnUsbFrame *f;

    qemu_mutex_lock(&s->out_lock);
    if (!snn_usb_out_wanted(s)) {
        qemu_mutex_unlock(&s->out_lock);
        return;
    }
    f = QSIMPLEQ_LAST(&s->out_q, SnnUsbFrame, next);
    if (!snn_usb_frame_open(f, SNNU_T_STEP, c)) {
        if (s->out_bytes + SNNU_HDR_SIZE > s->out_cap) {
            s->st_out_lost++;
            qemu_log_mask(LOG_GUEST_ERROR,
                          "%s: cluster %u: STEP %u lost: %" PRIu64
                          " bytes of frames not taken\n",
                          TYPE_SNN_USB, c, timestep, s->out_bytes);
            qemu_mutex_unlock(&s->out_lock);
            return;
        }
        f = snn_usb_frame_new(SNNU_T_STEP, c, 0, SNNU_HDR_SIZE);
        snn_usb_queue_frame(s, f);
        s->out_bytes += SNNU_HDR_SIZE;
    }
    stq_le_p(f->buf + SNNU_HDR_ARG, timestep);
    qemu_mutex_unlock(&s->out_lock);
    qemu_bh_schedule(s->out_bh);
}

/* IN on EP 0x82: the next frame, or what is left of it; NAK if none. */
static void snn_usb_in_frames(SnnUsbState *s, USBPacket *p)
{
    SnnUsbFrame *f;
    size_t n;

    qemu_mutex_lock(&s->out_lock);
    f = QSIMPLEQ_FIRST(&s->out_q);
    if (!f) {
        qemu_mutex_unlock(&s->out_lock);
        p->status = USB_RET_NAK;
        return;
    }
    n = MIN(f->len - f->off, usb_packet_size(p));
    usb_packet_copy(p, f->buf + f->off, n);
    f->off += n;
    if (f->off == f->len) {
        QSIMPLEQ_REMOVE_HEAD(&s->out_q, next);
        if (s->out_prev == f) {
            s->out_prev = NULL;
        }
        s->out_nframes--;
        s->out_bytes -= f->len;
        snn_usb_frame_free(f);
    }
    qemu_mutex_unlock(&s->out_lock);
}

/* ---- EP 0x84: status messages (the interrupt vectors) -------------------- */

/* SnnBoardOps.notify, BQL held: interrupt vector @v fired. */
static void snn_usb_notify(void *opaque, unsigned v)
{
    SnnUsbState *s = opaque;

    if (s->gone) {
        return;
    }
    s->status_vec |= 1u << v;
    if (s->parent_obj.attached) {
        usb_wakeup(s->ep_status, 0);
    }
}

static void snn_usb_in_status(SnnUsbState *s, USBPacket *p)
{
    uint8_t m[SNNU_STATUS_SIZE] = { 0 };

    if (!s->status_vec) {
        p->status = USB_RET_NAK;
        return;
    }
    stl_le_p(m + SNNU_STATUS_VECTORS, s->status_vec);
    stl_le_p(m + SNNU_STATUS_SEQ, ++s->status_seq);
    usb_packet_copy(p, m, MIN(sizeof(m), usb_packet_size(p)));
    s->status_vec = 0;
    s->st_status_msgs++;
}

/* ---- bulk OUT frames ---------------------------------------------------- */

static const char *const snn_usb_err_names[] = {
    [SNNU_ERR_NONE] = "no error",
    [SNNU_ERR_MAGIC] = "bad magic",
    [SNNU_ERR_TYPE] = "bad type",
    [SNNU_ERR_CLUSTER] = "bad cluster",
    [SNNU_ERR_QUEUE] = "bad queue",
    [SNNU_ERR_FLAGS] = "flags not 0",
    [SNNU_ERR_LENGTH] = "bad length",
    [SNNU_ERR_RANGE] = "address range outside device memory",
    [SNNU_ERR_DISABLED] = "input queue disabled",
    [SNNU_ERR_TOO_MANY] = "more events than the ring holds",
    [SNNU_ERR_REQUEST] = "bad vendor request",
    [SNNU_ERR_REG] = "bad register offset",
    [SNNU_ERR_DOORBELL] = "bad doorbell",
};

/* BQL: count and log a protocol error on endpoint @ep (0: control). */
static void snn_usb_proto_error(SnnUsbState *s, uint8_t ep, uint32_t err)
{
    if (ep) {
        s->st_frame_errors++;
    } else {
        s->st_ctrl_errors++;
    }
    s->st_last_error = (uint32_t)ep << 16 | err;
    qemu_log_mask(LOG_GUEST_ERROR, "%s: %s 0x%02x: %s: STALL\n", TYPE_SNN_USB,
                  ep ? "endpoint" : "control request", ep,
                  err < ARRAY_SIZE(snn_usb_err_names) ?
                  snn_usb_err_names[err] : "?");
}

/*
 * Checks the header of a frame received on @ep.  Returns 0 and the frame's
 * transfer length in *total, or an SNNU_ERR_* code.
 */
static uint32_t snn_usb_check_hdr(SnnUsbState *s, uint8_t ep,
                                  const uint8_t *h, uint32_t *total)
{
    uint16_t type = lduw_le_p(h + SNNU_HDR_TYPE);
    uint16_t c = lduw_le_p(h + SNNU_HDR_CLUSTER);
    uint16_t q = lduw_le_p(h + SNNU_HDR_QUEUE);
    uint32_t len = ldl_le_p(h + SNNU_HDR_LEN);

    if (ldl_le_p(h + SNNU_HDR_MAGIC) != SNNU_FRAME_MAGIC) {
        return SNNU_ERR_MAGIC;
    }
    if (ep == SNNU_EP_CMD ?
        (type != SNNU_T_MEM_WRITE && type != SNNU_T_MEM_READ) :
        type != SNNU_T_INPUT) {
        return SNNU_ERR_TYPE;
    }
    if (type == SNNU_T_INPUT ? c >= s->conf.clusters : c != 0) {
        return SNNU_ERR_CLUSTER;
    }
    if (type == SNNU_T_INPUT ? q >= s->conf.in_queues : q != 0) {
        return SNNU_ERR_QUEUE;
    }
    if (lduw_le_p(h + SNNU_HDR_FLAGS)) {
        return SNNU_ERR_FLAGS;
    }
    if (len > SNNU_MAX_PAYLOAD ||
        (type == SNNU_T_INPUT && len % SNN_EVENT_SIZE)) {
        return SNNU_ERR_LENGTH;
    }
    *total = SNNU_HDR_SIZE + (type == SNNU_T_MEM_READ ? 0 : len);
    return SNNU_ERR_NONE;
}

/* A whole INPUT frame: events into the ring, then the doorbell. */
static uint32_t snn_usb_input(SnnUsbState *s, const uint8_t *h)
{
    unsigned c = lduw_le_p(h + SNNU_HDR_CLUSTER);
    unsigned q = lduw_le_p(h + SNNU_HDR_QUEUE);
    uint32_t n = ldl_le_p(h + SNNU_HDR_LEN) / SNN_EVENT_SIZE;
    uint32_t prod = ldq_le_p(h + SNNU_HDR_ARG);
    uint32_t log2, size, slot, n1;
    uint64_t base;

    if (!snn_board_inq_ring(s->board, c, q, &base, &log2)) {
        return SNNU_ERR_DISABLED;
    }
    size = 1u << log2;
    if (n > size) {
        return SNNU_ERR_TOO_MANY;
    }
    /* slots prod - n .. prod - 1, wrapping at the end of the ring */
    slot = (prod - n) & (size - 1);
    n1 = MIN(n, size - slot);
    if ((n1 && !snn_usb_mem_ok(s, base + 8ull * slot, 8ull * n1)) ||
        (n > n1 && !snn_usb_mem_ok(s, base, 8ull * (n - n1)))) {
        return SNNU_ERR_RANGE;
    }
    memcpy(s->mem + base + 8ull * slot, h + SNNU_HDR_SIZE, 8ull * n1);
    memcpy(s->mem + base, h + SNNU_HDR_SIZE + 8ull * n1, 8ull * (n - n1));
    snn_board_db_write(s->board, (hwaddr)c * SNN_DB_PAGE_SIZE +
                       SNN_DB_INQ(q), prod, 4);
    return SNNU_ERR_NONE;
}

/* A whole frame with a good header: carry it out. */
static uint32_t snn_usb_do_frame(SnnUsbState *s, const uint8_t *h)
{
    uint16_t type = lduw_le_p(h + SNNU_HDR_TYPE);
    uint32_t len = ldl_le_p(h + SNNU_HDR_LEN);
    uint64_t addr = ldq_le_p(h + SNNU_HDR_ARG);
    SnnUsbFrame *f;

    switch (type) {
    case SNNU_T_MEM_WRITE:
        if (!snn_usb_mem_ok(s, addr, len)) {
            return SNNU_ERR_RANGE;
        }
        memcpy(s->mem + addr, h + SNNU_HDR_SIZE, len);
        return SNNU_ERR_NONE;
    case SNNU_T_MEM_READ:
        if (!snn_usb_mem_ok(s, addr, len)) {
            return SNNU_ERR_RANGE;
        }
        f = snn_usb_frame_new(SNNU_T_MEM_DATA, 0, 0, SNNU_HDR_SIZE + len);
        stl_le_p(f->buf + SNNU_HDR_LEN, len);
        stq_le_p(f->buf + SNNU_HDR_ARG, addr);
        memcpy(f->buf + SNNU_HDR_SIZE, s->mem + addr, len);
        f->len += len;
        qemu_mutex_lock(&s->out_lock);
        snn_usb_queue_frame(s, f);
        s->out_bytes += f->len;
        qemu_mutex_unlock(&s->out_lock);
        /* not usb_wakeup() here: that could re-enter the controller */
        qemu_bh_schedule(s->out_bh);
        return SNNU_ERR_NONE;
    case SNNU_T_INPUT:
        return snn_usb_input(s, h);
    }
    return SNNU_ERR_TYPE;
}

/*
 * OUT on EP 0x01 or 0x03: a frame may come in many packets.  It ends at
 * the length its header gives; a short packet before that, bytes after
 * it or a bad frame STALL the endpoint (the partial frame is dropped).
 */
static void snn_usb_rx(SnnUsbState *s, USBPacket *p, SnnUsbRx *rx,
                       uint8_t ep)
{
    size_t n = usb_packet_size(p);
    int mps = MAX(p->ep->max_packet_size, 1);
    bool last = !n || n % mps;
    uint32_t err, total = 0;

    if (!n && !rx->len) {
        return;         /* a zero-length packet between frames */
    }
    if (n > SNN_USB_FRAME_MAX - rx->len) {
        err = SNNU_ERR_LENGTH;
        goto stall;
    }
    usb_packet_copy(p, rx->buf + rx->len, n);
    rx->len += n;
    if (rx->len < SNNU_HDR_SIZE) {
        if (last) {
            err = SNNU_ERR_LENGTH;
            goto stall;
        }
        return;
    }
    err = snn_usb_check_hdr(s, ep, rx->buf, &total);
    if (err) {
        goto stall;
    }
    if (rx->len < total) {
        if (last) {
            err = SNNU_ERR_LENGTH;
            goto stall;
        }
        return;
    }
    if (rx->len > total) {
        err = SNNU_ERR_LENGTH;
        goto stall;
    }
    rx->len = 0;
    err = snn_usb_do_frame(s, rx->buf);
    if (!err) {
        return;
    }
stall:
    rx->len = 0;
    snn_usb_proto_error(s, ep, err);
    p->status = USB_RET_STALL;
}

static void snn_usb_handle_data(USBDevice *dev, USBPacket *p)
{
    SnnUsbState *s = SNN_USB(dev);
    uint8_t ep = p->ep->nr | (p->pid == USB_TOKEN_IN ? USB_DIR_IN : 0);

    switch (ep) {
    case SNNU_EP_CMD:
        snn_usb_rx(s, p, &s->rx_cmd, ep);
        break;
    case SNNU_EP_INPUT:
        snn_usb_rx(s, p, &s->rx_input, ep);
        break;
    case SNNU_EP_OUT:
        snn_usb_in_frames(s, p);
        break;
    case SNNU_EP_STATUS:
        snn_usb_in_status(s, p);
        break;
    default:
        p->status = USB_RET_STALL;
        break;
    }
}

/* ---- control requests --------------------------------------------------- */

static uint32_t snn_usb_vendor(SnnUsbState *s, USBPacket *p, int request,
                               int value, int index, int length,
                               uint8_t *data)
{
    uint32_t off = (uint32_t)value | (uint32_t)index << 16;
    unsigned q;

    switch (request) {
    case VendorDeviceRequest | SNNU_REQ_READ_REG:
    case VendorDeviceOutRequest | SNNU_REQ_WRITE_REG:
        if (length != 4) {
            return SNNU_ERR_REQUEST;
        }
        if ((off & 3) || off >= SNN_REGS_SIZE) {
            return SNNU_ERR_REG;
        }
        if (request & (USB_DIR_IN << 8)) {
            stl_le_p(data, snn_board_reg_read(s->board, off, 4));
            p->actual_length = 4;
        } else {
            snn_board_reg_write(s->board, off, ldl_le_p(data), 4);
        }
        return SNNU_ERR_NONE;
    case VendorDeviceRequest | SNNU_REQ_READ_REGS:
        /* registers off .. off + length - 4, in address order */
        if (length < 4 || length > SNNU_READ_REGS_MAX || (length & 3)) {
            return SNNU_ERR_REQUEST;
        }
        if ((off & 3) || off >= SNN_REGS_SIZE ||
            length > SNN_REGS_SIZE - off) {
            return SNNU_ERR_REG;
        }
        snn_board_reg_read_block(s->board, off, length / 4, data);
        p->actual_length = length;
        return SNNU_ERR_NONE;
    case VendorDeviceOutRequest | SNNU_REQ_DOORBELL:
        if (length != 4) {
            return SNNU_ERR_REQUEST;
        }
        off = index;
        if (value >= s->conf.clusters || (off & 3)) {
            return SNNU_ERR_DOORBELL;
        }
        if (off >= SNN_DB_OUTQ(0)) {
            q = (off - SNN_DB_OUTQ(0)) / 4;
            if (q >= s->conf.out_queues) {
                return SNNU_ERR_DOORBELL;
            }
        } else if (off / 4 >= s->conf.in_queues) {
            return SNNU_ERR_DOORBELL;
        }
        snn_board_db_write(s->board, (hwaddr)value * SNN_DB_PAGE_SIZE + off,
                           ldl_le_p(data), 4);
        return SNNU_ERR_NONE;
    case VendorDeviceRequest | SNNU_REQ_GET_INFO:
        if (length < SNNU_INFO_SIZE) {
            return SNNU_ERR_REQUEST;
        }
        memset(data, 0, SNNU_INFO_SIZE);
        stl_le_p(data + SNNU_INFO_VERSION, SNNU_PROTO_VERSION);
        stq_le_p(data + SNNU_INFO_MEM_SIZE, s->mem_size);
        stl_le_p(data + SNNU_INFO_MAX_PAYLOAD, SNNU_MAX_PAYLOAD);
        p->actual_length = SNNU_INFO_SIZE;
        return SNNU_ERR_NONE;
    case VendorDeviceRequest | SNNU_REQ_GET_STATS:
        if (length < SNNU_STATS_SIZE) {
            return SNNU_ERR_REQUEST;
        }
        stl_le_p(data + SNNU_ST_FRAME_ERRORS, s->st_frame_errors);
        stl_le_p(data + SNNU_ST_CTRL_ERRORS, s->st_ctrl_errors);
        stl_le_p(data + SNNU_ST_LAST_ERROR, s->st_last_error);
        stl_le_p(data + SNNU_ST_STATUS_MSGS, s->st_status_msgs);
        qemu_mutex_lock(&s->out_lock);
        stl_le_p(data + SNNU_ST_OUT_FRAMES, s->st_out_frames);
        stl_le_p(data + SNNU_ST_OUT_EVENTS, s->st_out_events);
        stl_le_p(data + SNNU_ST_OUT_LOST, s->st_out_lost);
        stl_le_p(data + SNNU_ST_IN_PENDING, s->out_nframes);
        qemu_mutex_unlock(&s->out_lock);
        p->actual_length = SNNU_STATS_SIZE;
        return SNNU_ERR_NONE;
    }
    return SNNU_ERR_REQUEST;
}

static void snn_usb_handle_control(USBDevice *dev, USBPacket *p,
                                   int request, int value, int index,
                                   int length, uint8_t *data)
{
    SnnUsbState *s = SNN_USB(dev);
    uint32_t err;

    if (usb_desc_handle_control(dev, p, request, value, index, length,
                                data) >= 0) {
        return;
    }
    if (request == (EndpointOutRequest | USB_REQ_CLEAR_FEATURE)) {
        /* ENDPOINT_HALT: the host recovers from a STALL; start afresh */
        if ((index & 0xff) == SNNU_EP_CMD) {
            s->rx_cmd.len = 0;
        } else if ((index & 0xff) == SNNU_EP_INPUT) {
            s->rx_input.len = 0;
        }
        return;
    }
    err = snn_usb_vendor(s, p, request, value, index, length, data);
    if (err) {
        snn_usb_proto_error(s, 0, err);
        p->status = USB_RET_STALL;
    }
}

/* ---- life cycle ---------------------------------------------------------- */

static const SnnBoardOps snn_usb_board_ops = {
    .dma_read = snn_usb_dma_read,
    .dma_write = snn_usb_dma_write,
    .notify = snn_usb_notify,
    .output = snn_usb_output,
    .timestep = snn_usb_timestep,
};

/* USB reset: the board as after a PCIe FLR, device memory zero. */
static void snn_usb_handle_reset(USBDevice *dev)
{
    SnnUsbState *s = SNN_USB(dev);

    if (!s->board) {
        return;
    }
    /*
     * Request the board reset first: until it is done, output that the
     * workers still hand over belongs to the old timeline (discard).
     */
    snn_board_reset(s->board);
    qemu_mutex_lock(&s->out_lock);
    s->discard = true;
    snn_usb_flush_frames(s);
    s->st_out_frames = s->st_out_events = s->st_out_lost = 0;
    qemu_mutex_unlock(&s->out_lock);
    s->rx_cmd.len = s->rx_input.len = 0;
    s->status_vec = 0;
    s->status_seq = 0;
    s->st_frame_errors = s->st_ctrl_errors = s->st_last_error = 0;
    s->st_status_msgs = 0;
    /* zero, and give the host RAM back */
    qemu_madvise(s->mem, s->mem_size, QEMU_MADV_DONTNEED);
}

static void snn_usb_realize(USBDevice *dev, Error **errp)
{
    SnnUsbState *s = SNN_USB(dev);
    g_autofree char *name = NULL;
    g_autofree char *serial = NULL;
    void *m;

    if (!snn_board_conf_check(&s->conf, errp)) {
        return;
    }
    if (s->mem_mib < 1 || s->mem_mib > SNN_USB_MEM_MIB_MAX) {
        error_setg(errp, "mem-mib=%u: must be 1..%u", s->mem_mib,
                   SNN_USB_MEM_MIB_MAX);
        return;
    }
    s->mem_size = (uint64_t)s->mem_mib * MiB;
    /* reserved, not committed: pages appear as the host writes them */
    m = mmap(NULL, s->mem_size, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        error_setg_errno(errp, errno, "snn-usb: cannot map %u MiB of "
                         "device memory", s->mem_mib);
        return;
    }
    s->mem = m;

    usb_desc_init(dev);
    if (dev->serial) {
        usb_desc_set_string(dev, STR_SERIALNUMBER, dev->serial);
    } else {
        serial = g_strdup_printf("SNN-%04x-%u", s->conf.board_id,
                                 snn_usb_instances);
        usb_desc_set_string(dev, STR_SERIALNUMBER, serial);
    }
    snn_usb_instances++;
    s->ep_out = usb_ep_get(dev, USB_TOKEN_IN, SNNU_EP_OUT & 0xf);
    s->ep_status = usb_ep_get(dev, USB_TOKEN_IN, SNNU_EP_STATUS & 0xf);
    s->rx_cmd.buf = g_malloc(SNN_USB_FRAME_MAX);
    s->rx_input.buf = g_malloc(SNN_USB_FRAME_MAX);

    qemu_mutex_init(&s->out_lock);
    QSIMPLEQ_INIT(&s->out_q);
    /*
     * Every output ring full, at worst one OUTPUT and one STEP frame per
     * event (queues that alternate, one event a timestep)
     */
    s->out_cap = (uint64_t)s->conf.clusters * s->conf.out_queues *
                 ((uint64_t)(SNN_EVENT_SIZE + 2 * SNNU_HDR_SIZE) <<
                  s->conf.queue_log2);
    s->out_bh = qemu_bh_new(snn_usb_out_bh, s);

    name = g_strdup_printf("snn-usb[%s]", DEVICE(dev)->id ?
                           DEVICE(dev)->id : "");
    s->board = snn_board_new(&s->conf, &snn_usb_board_ops, s, name);
}

/* Also the surprise removal (device_del): stop the workers, free it all. */
static void snn_usb_unrealize(USBDevice *dev)
{
    SnnUsbState *s = SNN_USB(dev);

    s->gone = true;
    snn_board_free(s->board);       /* joins the workers */
    s->board = NULL;
    qemu_bh_delete(s->out_bh);
    s->out_bh = NULL;
    snn_usb_flush_frames(s);
    qemu_mutex_destroy(&s->out_lock);
    g_free(s->rx_cmd.buf);
    g_free(s->rx_input.buf);
    s->rx_cmd.buf = s->rx_input.buf = NULL;
    munmap(s->mem, s->mem_size);
    s->mem = NULL;
}

static const VMStateDescription vmstate_snn_usb = {
    .name = TYPE_SNN_USB,
    .unmigratable = 1,
};

static Property snn_usb_properties[] = {
    DEFINE_SNN_BOARD_PROPERTIES_DEF(SnnUsbState, conf, 2, 1),
    DEFINE_PROP_UINT32("mem-mib", SnnUsbState, mem_mib, 64),
    DEFINE_PROP_END_OF_LIST(),
};

static void snn_usb_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    USBDeviceClass *uc = USB_DEVICE_CLASS(klass);

    uc->realize = snn_usb_realize;
    uc->unrealize = snn_usb_unrealize;
    uc->product_desc = "snndev board (USB)";
    uc->usb_desc = &snn_usb_desc;
    uc->handle_attach = usb_desc_attach;
    uc->handle_reset = snn_usb_handle_reset;
    uc->handle_control = snn_usb_handle_control;
    uc->handle_data = snn_usb_handle_data;
    dc->desc = "snndev neuromorphic accelerator board, USB (emulated)";
    dc->vmsd = &vmstate_snn_usb;
    device_class_set_props(dc, snn_usb_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo snn_usb_info = {
    .name = TYPE_SNN_USB,
    .parent = TYPE_USB_DEVICE,
    .instance_size = sizeof(SnnUsbState),
    .class_init = snn_usb_class_init,
};

static void snn_usb_register_types(void)
{
    type_register_static(&snn_usb_info);
}

type_init(snn_usb_register_types)
