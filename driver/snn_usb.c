// SPDX-License-Identifier: GPL-2.0
/*
 * snndev USB transport (docs/hardware.md section 12).
 *
 * The board is the same as on PCIe; only the way to it differs:
 *
 *  - registers: vendor control requests READ_REG and WRITE_REG (they
 *    sleep, so this transport calls the core's interrupt handling from a
 *    work item, never from atomic context).  WAIT and poll read a
 *    cluster's registers with one READ_REGS (protocol 1.1, snn_usb_snap);
 *  - memory: the board has its own.  Queue rings and network images live
 *    in device memory at addresses this file allocates (a gen_pool), and
 *    the rings user space maps are host copies of them:
 *      input:  SNN_IOC_DOORBELL sends the events between the producer
 *              index last sent and the new one in an INPUT frame on the
 *              input endpoint; the device writes them into its ring and
 *              takes the new producer index as its doorbell.  The host
 *              ring's consumer index is refreshed from the device's HEAD
 *              register whenever the cluster interrupts;
 *      output: the device sends every event it writes into an output
 *              ring in an OUTPUT frame on the output endpoint; the
 *              completion copies them into the host ring and publishes
 *              the new tail index.  The consumer doorbell is a DOORBELL
 *              control request;
 *  - interrupts: messages on the status endpoint name the vectors that
 *    fired; a work item handles them as the PCIe transport's MSI-X
 *    handler does;
 *  - no doorbell page to map: SNN_CAP_MAPPED_DOORBELL is not offered.
 *
 * A run's RUN_DONE can overtake its last OUTPUT frames (two pipes), so
 * output_in_flight() compares each output ring's received tail with the
 * device's TAIL register, and the core reports the run finished only
 * when they agree.  Until then WAIT's timestep is the last STEP frame's
 * (protocol 1.1): STEP frames travel in order with the output, so the
 * host rings hold every event of the timesteps before it.
 */
#include <linux/module.h>
#include <linux/usb.h>
#include <linux/genalloc.h>
#include <linux/vmalloc.h>
#include <linux/slab.h>
#include <linux/mm.h>

#include "snn_core.h"
#include "snn_compat.h"

#define SNN_USB_TIMEOUT_MS	2000
#define SNN_USB_RX_URBS		2
/* device memory below this is never handed out (gen_pool uses 0 as "none") */
#define SNN_USB_MEM_START	0x1000
#define SNN_USB_MEM_ORDER	12	/* allocation granule: 4 KiB */

struct snn_usb_in {
	struct snn_ring *r;
	u32 sent;		/* producer index the device has */
};

/*
 * A cluster's registers 0 .. SNN_USB_SNAP_SIZE - 1 read in one READ_REGS
 * (protocol 1.1), for the task that asked: WAIT and poll read a dozen of
 * them, and each READ_REG is a control transfer.
 */
#define SNN_USB_SNAP_SIZE	(SNN_CL_OUTQ(SNN_MAX_QUEUES))

struct snn_usb_snap {
	struct task_struct *owner;	/* the task the copy is for, or NULL */
	__le32 regs[SNN_USB_SNAP_SIZE / 4];
};

struct snn_usb {
	struct usb_device *udev;
	struct usb_interface *intf;
	struct snn_board *board;
	u64 mem_size;
	u32 max_payload;
	struct gen_pool *pool;

	/* one INPUT or MEM_WRITE frame at a time, from tx_buf */
	struct mutex tx_lock;
	void *tx_buf;

	/* the queues' host rings; out[] is read by the RX completion */
	spinlock_t qlock;
	struct snn_usb_in in[SNN_MAX_CLUSTERS][SNN_MAX_QUEUES];
	bool read_regs;		/* the device has READ_REGS (1.1) */
	struct snn_usb_snap snap[SNN_MAX_CLUSTERS];
	struct snn_ring *out[SNN_MAX_CLUSTERS][SNN_MAX_QUEUES];
	/*
	 * Each cluster's TIMESTEP as of the last STEP frame: all its output
	 * of the timesteps before it is in the host rings (qlock to write)
	 */
	u32 step[SNN_MAX_CLUSTERS];

	struct urb *rx[SNN_USB_RX_URBS];
	struct urb *st;
	atomic_t vectors;	/* fired, not yet handled by irq_work */
	struct work_struct irq_work;
	bool stopping;		/* no URB is resubmitted */
	char name[32];
};

struct snn_usb_load {
	unsigned long addr;
	size_t len;
};

/* ---- registers ------------------------------------------------------------ */

/* The snapshot of cluster @cl's register @reg, if current has one. */
static struct snn_usb_snap *snn_usb_snap_of(struct snn_usb *p, u32 off,
					    u32 *reg)
{
	unsigned int cl;

	if (off < SNN_CLUSTER_BASE(0) ||
	    off >= SNN_CLUSTER_BASE(p->board->caps.clusters))
		return NULL;
	cl = (off - SNN_CLUSTER_BASE(0)) / 0x1000;
	*reg = off - SNN_CLUSTER_BASE(cl);
	if (*reg >= SNN_USB_SNAP_SIZE || READ_ONCE(p->snap[cl].owner) != current)
		return NULL;
	return &p->snap[cl];
}

/*
 * What a failed transfer means to the caller: the errors of a device that
 * is gone or does not answer (unplugged, its port or controller down, no
 * handshake before the timeout) are -ENODEV, as for a PCIe board that
 * reads all-ones (docs/uapi.md 9.4); a STALL or a short transfer from a
 * device that answers is -EIO; -ENOMEM stays.
 */
static int snn_usb_xfer_err(int ret)
{
	switch (ret) {
	case 0:
	case -ENOMEM:
		return ret;
	case -ENODEV:
	case -ESHUTDOWN:
	case -EPROTO:
	case -EILSEQ:
	case -ETIME:
	case -ETIMEDOUT:
	case -ENOENT:
	case -ECONNRESET:
		return -ENODEV;
	default:
		return -EIO;
	}
}

static u32 snn_usb_rd(struct snn_board *b, u32 off)
{
	struct snn_usb *p = b->priv;
	u32 reg;
	struct snn_usb_snap *sn = snn_usb_snap_of(p, off, &reg);
	__le32 v;

	/* all-ones (a glitch, or the device gone): ask the device again */
	if (sn && sn->regs[reg / 4] != cpu_to_le32(~0u))
		return le32_to_cpu(sn->regs[reg / 4]);

	if (usb_control_msg_recv(p->udev, 0, SNNU_REQ_READ_REG,
				 USB_DIR_IN | USB_TYPE_VENDOR | USB_RECIP_DEVICE,
				 off & 0xffff, off >> 16, &v, sizeof(v),
				 SNN_USB_TIMEOUT_MS, GFP_KERNEL))
		return ~0u;	/* as a PCIe read of a removed device */
	return le32_to_cpu(v);
}

static int snn_usb_ctrl_out(struct snn_usb *p, u8 req, u16 value, u16 index,
			    u32 val)
{
	__le32 v = cpu_to_le32(val);

	return snn_usb_xfer_err(usb_control_msg_send(p->udev, 0, req,
						     USB_DIR_OUT | USB_TYPE_VENDOR |
						     USB_RECIP_DEVICE, value, index,
						     &v, sizeof(v),
						     SNN_USB_TIMEOUT_MS,
						     GFP_KERNEL));
}

/*
 * A write that sets cluster TIMESTEPs back to 0 (reset, load, fresh run):
 * forget their last STEP, so that output of the new timeline still on
 * its way is not taken as complete up to the old one.  The device's
 * STEP frame of 0 says the same, in order with the output.
 */
static void snn_usb_timeline(struct snn_usb *p, u32 off, u32 val)
{
	struct snn_board *b = p->board;
	unsigned long flags;
	unsigned int cl, first = 0, last = 0;
	u32 reg;

	if (off == SNN_REG_BOARD_CTRL && (val & SNN_BOARD_CTRL_RESET)) {
		last = b->caps.clusters;
	} else if (off >= SNN_CLUSTER_BASE(0) &&
		   off < SNN_CLUSTER_BASE(b->caps.clusters)) {
		first = (off - SNN_CLUSTER_BASE(0)) / 0x1000;
		reg = off - SNN_CLUSTER_BASE(first);
		if (reg == SNN_CL_RUN_FRESH || reg == SNN_CL_LOAD_CMD ||
		    (reg == SNN_CL_CTRL &&
		     (val & (SNN_CL_CTRL_RESET_STATE | SNN_CL_CTRL_RESET))))
			last = first + 1;
	}
	spin_lock_irqsave(&p->qlock, flags);
	for (cl = first; cl < last; cl++)
		WRITE_ONCE(p->step[cl], 0);
	spin_unlock_irqrestore(&p->qlock, flags);
}

static void snn_usb_wr(struct snn_board *b, u32 off, u32 val)
{
	u32 reg;
	struct snn_usb_snap *sn = snn_usb_snap_of(b->priv, off, &reg);

	/* a write may change what the snapshot says: read afresh */
	if (sn)
		WRITE_ONCE(sn->owner, NULL);
	snn_usb_timeline(b->priv, off, val);
	/* a failed write shows as all-ones reads, like a removed device */
	snn_usb_ctrl_out(b->priv, SNNU_REQ_WRITE_REG, off & 0xffff,
			 off >> 16, val);
}

/* ---- frames --------------------------------------------------------------- */

static void snn_usb_hdr(void *buf, u16 type, u16 cl, u16 q, u32 len, u64 arg)
{
	u8 *h = buf;

	put_unaligned_le32(SNNU_FRAME_MAGIC, h + SNNU_HDR_MAGIC);
	put_unaligned_le16(type, h + SNNU_HDR_TYPE);
	put_unaligned_le16(cl, h + SNNU_HDR_CLUSTER);
	put_unaligned_le16(q, h + SNNU_HDR_QUEUE);
	put_unaligned_le16(0, h + SNNU_HDR_FLAGS);
	put_unaligned_le32(len, h + SNNU_HDR_LEN);
	put_unaligned_le64(arg, h + SNNU_HDR_ARG);
}

/* Send the frame in tx_buf (header and @len bytes); tx_lock held. */
static int snn_usb_send(struct snn_usb *p, u8 ep, u32 len)
{
	int done, ret;

	ret = usb_bulk_msg(p->udev, usb_sndbulkpipe(p->udev, ep), p->tx_buf,
			   SNNU_HDR_SIZE + len, &done, SNN_USB_TIMEOUT_MS);
	if (!ret && done != SNNU_HDR_SIZE + len)
		ret = -EIO;
	return snn_usb_xfer_err(ret);
}

/* Copy @len bytes into device memory at @addr, in MEM_WRITE frames. */
static int snn_usb_mem_write(struct snn_usb *p, u64 addr, const void *src,
			     size_t len)
{
	int ret = 0;

	mutex_lock(&p->tx_lock);
	while (len && !ret) {
		u32 n = min_t(size_t, len, p->max_payload);

		snn_usb_hdr(p->tx_buf, SNNU_T_MEM_WRITE, 0, 0, n, addr);
		memcpy(p->tx_buf + SNNU_HDR_SIZE, src, n);
		ret = snn_usb_send(p, SNNU_EP_CMD, n);
		addr += n;
		src += n;
		len -= n;
	}
	mutex_unlock(&p->tx_lock);
	return ret;
}

/*
 * Input producer doorbell @val of cluster @cl, queue @q: send the events
 * from the producer index the device has up to @val.  An index that is
 * not ahead by at most the ring's size goes on alone, for the device to
 * report as a queue error (SNN_E_QUEUE), as a PCIe board would.
 */
static int snn_usb_input(struct snn_usb *p, unsigned int cl, unsigned int q,
			 u32 val)
{
	struct snn_usb_in *in = &p->in[cl][q];
	struct snn_ring *r;
	u32 n, k, mask, slot, chunk, per = p->max_payload / SNN_EVENT_SIZE;
	const __le64 *ring;
	__le64 *dst;
	int ret = 0;

	mutex_lock(&p->tx_lock);
	r = in->r;
	if (!r) {
		mutex_unlock(&p->tx_lock);
		return -ENOENT;
	}
	mask = (1u << r->log2) - 1;
	ring = r->cpu + PAGE_SIZE;
	n = val - in->sent;
	if (n > mask + 1) {
		snn_usb_hdr(p->tx_buf, SNNU_T_INPUT, cl, q, 0, val);
		ret = snn_usb_send(p, SNNU_EP_INPUT, 0);
		if (!ret)
			in->sent = val;
		goto out;
	}
	do {
		chunk = min(n, per);
		dst = p->tx_buf + SNNU_HDR_SIZE;
		for (k = 0; k < chunk; k++) {
			slot = (in->sent + k) & mask;
			dst[k] = READ_ONCE(ring[slot]);
		}
		snn_usb_hdr(p->tx_buf, SNNU_T_INPUT, cl, q,
			    chunk * SNN_EVENT_SIZE, in->sent + chunk);
		ret = snn_usb_send(p, SNNU_EP_INPUT,
				   chunk * SNN_EVENT_SIZE);
		if (ret)
			break;
		in->sent += chunk;
		n -= chunk;
	} while (n);
out:
	mutex_unlock(&p->tx_lock);
	return ret;
}

static int snn_usb_doorbell(struct snn_board *b, unsigned int cl, u32 off,
			    u32 val)
{
	struct snn_usb *p = b->priv;

	if (off < SNN_DB_OUTQ(0))
		return snn_usb_input(p, cl, off / 4, val);
	return snn_usb_ctrl_out(p, SNNU_REQ_DOORBELL, cl, off, val);
}

/* ---- queue memory ---------------------------------------------------------- */

static int snn_usb_ring_alloc(struct snn_board *b, struct snn_ring *r)
{
	struct snn_usb *p = b->priv;
	unsigned long addr;

	r->cpu = vmalloc_user(r->size);
	if (!r->cpu)
		return -ENOMEM;
	addr = gen_pool_alloc(p->pool, r->size);
	if (!addr) {
		vfree(r->cpu);
		r->cpu = NULL;
		return -ENOMEM;	/* device memory is full */
	}
	r->dma = addr;	/* the device's address of it */
	return 0;
}

/*
 * The core frees rings after queue_disable(), and also without it once a
 * full reset or removal has stopped the cluster (release, board reset):
 * forget every reference to @r before its memory goes.
 */
static void snn_usb_ring_forget(struct snn_usb *p, struct snn_ring *r)
{
	unsigned int cl, q;

	mutex_lock(&p->tx_lock);
	for (cl = 0; cl < SNN_MAX_CLUSTERS; cl++)
		for (q = 0; q < SNN_MAX_QUEUES; q++)
			if (p->in[cl][q].r == r)
				p->in[cl][q].r = NULL;
	mutex_unlock(&p->tx_lock);
	spin_lock_irq(&p->qlock);
	for (cl = 0; cl < SNN_MAX_CLUSTERS; cl++)
		for (q = 0; q < SNN_MAX_QUEUES; q++)
			if (p->out[cl][q] == r)
				p->out[cl][q] = NULL;
	spin_unlock_irq(&p->qlock);
}

static void snn_usb_ring_free(struct snn_board *b, struct snn_ring *r)
{
	struct snn_usb *p = b->priv;

	snn_usb_ring_forget(p, r);
	gen_pool_free(p->pool, r->dma, r->size);
	vfree(r->cpu);
	r->cpu = NULL;
}

static unsigned long snn_usb_ring_pfn(struct snn_board *b, struct snn_ring *r,
				      unsigned long pg)
{
	return vmalloc_to_pfn(r->cpu + (pg << PAGE_SHIFT));
}

static void snn_usb_queue_enable(struct snn_board *b, unsigned int cl,
				 u32 dir, u32 q, struct snn_ring *r)
{
	struct snn_usb *p = b->priv;

	snn_board_queue_setup(b, cl, dir, q, r);
	if (dir == SNN_QUEUE_IN) {
		mutex_lock(&p->tx_lock);
		p->in[cl][q].r = r;
		p->in[cl][q].sent = 0;
		mutex_unlock(&p->tx_lock);
	} else {
		spin_lock_irq(&p->qlock);
		p->out[cl][q] = r;
		spin_unlock_irq(&p->qlock);
	}
	snn_usb_wr(b, snn_queue_regs(cl, dir, q) + SNN_Q_CTRL,
		   SNN_Q_CTRL_ENABLE);
}

static void snn_usb_queue_disable(struct snn_board *b, unsigned int cl,
				  u32 dir, u32 q)
{
	struct snn_usb *p = b->priv;

	snn_usb_wr(b, snn_queue_regs(cl, dir, q) + SNN_Q_CTRL, 0);
	if (dir == SNN_QUEUE_IN) {
		mutex_lock(&p->tx_lock);
		p->in[cl][q].r = NULL;
		mutex_unlock(&p->tx_lock);
	} else {
		spin_lock_irq(&p->qlock);
		p->out[cl][q] = NULL;
		spin_unlock_irq(&p->qlock);
	}
}

/* ---- loading ---------------------------------------------------------------- */

static int snn_usb_load_start(struct snn_board *b, unsigned int cl,
			      const void *img, size_t len, void **token)
{
	struct snn_usb *p = b->priv;
	struct snn_usb_load *l = kzalloc(sizeof(*l), GFP_KERNEL);
	int ret;

	if (!l)
		return -ENOMEM;
	l->len = len;
	l->addr = gen_pool_alloc(p->pool, len);
	if (!l->addr) {
		kfree(l);
		return -ENOMEM;	/* bigger than the free device memory */
	}
	ret = snn_usb_mem_write(p, l->addr, img, len);
	if (ret) {
		gen_pool_free(p->pool, l->addr, l->len);
		kfree(l);
		return ret;
	}
	/* the image is in device memory: always the contiguous load */
	snn_cl_wr(b, cl, SNN_CL_LOAD_ADDR_LO, lower_32_bits((u64)l->addr));
	snn_cl_wr(b, cl, SNN_CL_LOAD_ADDR_HI, upper_32_bits((u64)l->addr));
	snn_cl_wr(b, cl, SNN_CL_LOAD_LEN, len);
	snn_cl_wr(b, cl, SNN_CL_LOAD_CMD, SNN_CL_LOAD_START);
	*token = l;
	return 0;
}

static void snn_usb_load_done(struct snn_board *b, void *token)
{
	struct snn_usb *p = b->priv;
	struct snn_usb_load *l = token;

	gen_pool_free(p->pool, l->addr, l->len);
	kfree(l);
}

/* ---- output ---------------------------------------------------------------- */

/*
 * Did the device write output that has not reached its host ring yet?
 * Then lower *@timestep (the cluster's TIMESTEP, read before) to the
 * last STEP frame's: the timesteps whose output the host has whole.
 */
static bool snn_usb_output_in_flight(struct snn_board *b, unsigned int cl,
				     u32 *timestep)
{
	struct snn_usb *p = b->priv;
	unsigned int q;
	u32 step = READ_ONCE(p->step[cl]);

	for (q = 0; q < b->caps.out_queues; q++) {
		struct snn_ring *r;
		u32 got, tail, size = 0;

		spin_lock_irq(&p->qlock);
		r = p->out[cl][q];
		if (r) {
			got = le32_to_cpu(READ_ONCE(*(__le32 *)r->cpu));
			size = 1u << r->log2;
		}
		spin_unlock_irq(&p->qlock);
		if (!size)
			continue;
		tail = snn_usb_rd(b, SNN_CLUSTER_BASE(cl) + SNN_CL_OUTQ(q) +
				  SNN_Q_TAIL);
		/*
		 * In flight: the device is ahead by at most a ring.  Anything
		 * else (a device that was reset, or gone: all-ones) is not
		 * output that will still come.
		 */
		if (tail != ~0u && tail != got && tail - got <= size) {
			if (timestep && step < *timestep)
				*timestep = step;
			return true;
		}
	}
	return false;
}

/* A STEP frame: the host rings have the cluster's output before arg. */
static void snn_usb_step(struct snn_usb *p, const u8 *f)
{
	struct snn_board *b = p->board;
	u16 cl = get_unaligned_le16(f + SNNU_HDR_CLUSTER);
	unsigned long flags;

	if (cl >= b->caps.clusters) {
		dev_err_ratelimited(&p->intf->dev,
				    "malformed STEP frame (cluster %u)\n", cl);
		return;
	}
	spin_lock_irqsave(&p->qlock, flags);
	WRITE_ONCE(p->step[cl], (u32)get_unaligned_le64(f + SNNU_HDR_ARG));
	spin_unlock_irqrestore(&p->qlock, flags);
	snn_board_output_arrived(b, cl, false);
}

/* An OUTPUT frame: its events into the host ring, then the new tail. */
static void snn_usb_output(struct snn_usb *p, const u8 *f, u32 len)
{
	struct snn_board *b = p->board;
	u16 cl = get_unaligned_le16(f + SNNU_HDR_CLUSTER);
	u16 q = get_unaligned_le16(f + SNNU_HDR_QUEUE);
	u32 tail = get_unaligned_le64(f + SNNU_HDR_ARG), n, k, mask;
	const u8 *ev = f + SNNU_HDR_SIZE;
	unsigned long flags;
	struct snn_ring *r;
	__le64 *ring;

	if (cl >= b->caps.clusters || q >= b->caps.out_queues ||
	    len % SNN_EVENT_SIZE) {
		dev_err_ratelimited(&p->intf->dev,
				    "malformed OUTPUT frame (cluster %u queue %u, %u bytes)\n",
				    cl, q, len);
		return;
	}
	n = len / SNN_EVENT_SIZE;
	spin_lock_irqsave(&p->qlock, flags);
	r = p->out[cl][q];
	if (r && n <= (1u << r->log2)) {
		mask = (1u << r->log2) - 1;
		ring = r->cpu + PAGE_SIZE;
		for (k = 0; k < n; k++)
			ring[(tail - n + k) & mask] =
				cpu_to_le64(get_unaligned_le64(ev + 8 * k));
		/* the events before the index that publishes them */
		smp_store_release((__le32 *)r->cpu, cpu_to_le32(tail));
	}
	spin_unlock_irqrestore(&p->qlock, flags);
	if (r)
		snn_board_output_arrived(b, cl, n > 0);
}

/*
 * An endpoint URB's completion status: 0 to take it, -ENODEV when it was
 * killed or the device is gone (not to be submitted again), -EIO after
 * reporting any other error (submitted again).
 */
static int snn_usb_urb_status(struct snn_usb *p, struct urb *urb,
			      const char *ep)
{
	switch (urb->status) {
	case 0:
		return 0;
	case -ENOENT:
	case -ECONNRESET:
	case -ESHUTDOWN:
	case -ENODEV:
		return -ENODEV;
	default:
		dev_err_ratelimited(&p->intf->dev, "%s endpoint: %d\n", ep,
				    urb->status);
		return -EIO;
	}
}

static void snn_usb_rx_done(struct urb *urb)
{
	struct snn_usb *p = urb->context;
	const u8 *f = urb->transfer_buffer;
	int ret = snn_usb_urb_status(p, urb, "output");
	u32 len;

	if (ret == -ENODEV)
		return;
	if (ret)
		goto again;
	if (urb->actual_length < SNNU_HDR_SIZE ||
	    get_unaligned_le32(f + SNNU_HDR_MAGIC) != SNNU_FRAME_MAGIC) {
		dev_err_ratelimited(&p->intf->dev, "malformed frame (%u bytes)\n",
				    urb->actual_length);
		goto again;
	}
	len = get_unaligned_le32(f + SNNU_HDR_LEN);
	if (len > urb->actual_length - SNNU_HDR_SIZE) {
		dev_err_ratelimited(&p->intf->dev, "truncated frame (%u of %u bytes)\n",
				    urb->actual_length - SNNU_HDR_SIZE, len);
		goto again;
	}
	switch (get_unaligned_le16(f + SNNU_HDR_TYPE)) {
	case SNNU_T_OUTPUT:
		snn_usb_output(p, f, len);
		break;
	case SNNU_T_STEP:
		snn_usb_step(p, f);
		break;
	default:
		/* MEM_DATA: this driver sends no MEM_READ */
		break;
	}
again:
	if (!READ_ONCE(p->stopping))
		usb_submit_urb(urb, GFP_ATOMIC);
}

/* ---- interrupts -------------------------------------------------------------- */

static void snn_usb_st_done(struct urb *urb)
{
	struct snn_usb *p = urb->context;
	const u8 *m = urb->transfer_buffer;
	int ret = snn_usb_urb_status(p, urb, "status");

	if (ret == -ENODEV)
		return;
	if (ret)
		goto again;
	if (urb->actual_length >= SNNU_STATUS_SIZE) {
		atomic_or(get_unaligned_le32(m + SNNU_STATUS_VECTORS),
			  &p->vectors);
		schedule_work(&p->irq_work);
	}
again:
	if (!READ_ONCE(p->stopping))
		usb_submit_urb(urb, GFP_ATOMIC);
}

/* The device's consumer indices of cluster @cl's input queues, to the host. */
static void snn_usb_sync_input(struct snn_usb *p, unsigned int cl)
{
	struct snn_board *b = p->board;
	unsigned int q;

	for (q = 0; q < b->caps.in_queues; q++) {
		struct snn_ring *r;
		u32 head;

		mutex_lock(&p->tx_lock);
		r = p->in[cl][q].r;
		/* only a queue with events the host has not seen consumed */
		if (r && le32_to_cpu(READ_ONCE(*(__le32 *)r->cpu)) !=
			 p->in[cl][q].sent) {
			head = snn_usb_rd(b, SNN_CLUSTER_BASE(cl) +
					  SNN_CL_INQ(q) + SNN_Q_HEAD);
			if (head != ~0u) {
				/* pairs with user space's acquire of it */
				smp_store_release((__le32 *)p->in[cl][q].r->cpu,
						  cpu_to_le32(head));
			}
		}
		mutex_unlock(&p->tx_lock);
	}
}

static void snn_usb_irq_work(struct work_struct *work)
{
	struct snn_usb *p = container_of(work, struct snn_usb, irq_work);
	struct snn_board *b = p->board;
	unsigned long v = atomic_xchg(&p->vectors, 0);
	unsigned int i;

	/*
	 * The error vector first: when both come in one status message, a
	 * DMA error is logged before the waiters of the cluster it stopped
	 * wake up and see SNN_E_DMA.
	 */
	if (test_bit(b->caps.clusters, &v))
		snn_board_irq_error(b);
	for_each_set_bit(i, &v, b->caps.clusters) {
		snn_usb_sync_input(p, i);
		snn_board_irq_cluster(b, i);
	}
}

/*
 * The ops' snap: @on, read cluster @cl's registers in one READ_REGS and
 * let the calling task's reads of them come from that copy until it
 * says !@on or writes one of them.  Without READ_REGS, or if it fails,
 * every read goes to the device as before.
 */
static void snn_usb_snap(struct snn_board *b, unsigned int cl, bool on)
{
	struct snn_usb *p = b->priv;
	struct snn_usb_snap *sn = &p->snap[cl];
	u32 base = SNN_CLUSTER_BASE(cl);

	WRITE_ONCE(sn->owner, NULL);
	if (!on || !p->read_regs)
		return;
	if (!usb_control_msg_recv(p->udev, 0, SNNU_REQ_READ_REGS,
				  USB_DIR_IN | USB_TYPE_VENDOR |
				  USB_RECIP_DEVICE, base & 0xffff, base >> 16,
				  sn->regs, sizeof(sn->regs),
				  SNN_USB_TIMEOUT_MS, GFP_KERNEL))
		WRITE_ONCE(sn->owner, current);
}

/* The ops' sync: WAIT is about to report cluster @cl's state. */
static void snn_usb_sync(struct snn_board *b, unsigned int cl)
{
	snn_usb_sync_input(b->priv, cl);
}

/* ---- life cycle ---------------------------------------------------------------- */

static void snn_usb_stop(struct snn_usb *p)
{
	unsigned int i;

	WRITE_ONCE(p->stopping, true);
	usb_kill_urb(p->st);
	for (i = 0; i < SNN_USB_RX_URBS; i++)
		usb_kill_urb(p->rx[i]);
	cancel_work_sync(&p->irq_work);
}

static void snn_usb_quiesce(struct snn_board *b)
{
	struct snn_usb *p = b->priv;

	/* no more output into the host rings, then stop the device */
	snn_usb_stop(p);
	snn_board_hw_reset(b);
}

static const struct snn_transport_ops snn_usb_ops = {
	.transport = SNN_TRANSPORT_USB,
	.rd = snn_usb_rd,
	.wr = snn_usb_wr,
	.doorbell = snn_usb_doorbell,
	.ring_alloc = snn_usb_ring_alloc,
	.ring_free = snn_usb_ring_free,
	.ring_pfn = snn_usb_ring_pfn,
	.queue_enable = snn_usb_queue_enable,
	.queue_disable = snn_usb_queue_disable,
	.sync = snn_usb_sync,
	.snap = snn_usb_snap,
	.load_start = snn_usb_load_start,
	.load_done = snn_usb_load_done,
	.quiesce = snn_usb_quiesce,
	.output_in_flight = snn_usb_output_in_flight,
};

static int snn_usb_get_info(struct snn_usb *p)
{
	u8 info[SNNU_INFO_SIZE];
	u32 ver;
	int ret;

	ret = usb_control_msg_recv(p->udev, 0, SNNU_REQ_GET_INFO,
				   USB_DIR_IN | USB_TYPE_VENDOR |
				   USB_RECIP_DEVICE, 0, 0, info, sizeof(info),
				   SNN_USB_TIMEOUT_MS, GFP_KERNEL);
	if (ret) {
		dev_err(&p->intf->dev, "GET_INFO failed: %d\n", ret);
		return ret;
	}
	ver = get_unaligned_le32(info + SNNU_INFO_VERSION);
	p->mem_size = get_unaligned_le64(info + SNNU_INFO_MEM_SIZE);
	p->max_payload = get_unaligned_le32(info + SNNU_INFO_MAX_PAYLOAD);
	if ((ver >> 16) != (SNNU_PROTO_VERSION >> 16)) {
		dev_err(&p->intf->dev, "USB protocol %u.%u, this driver speaks %u.x\n",
			ver >> 16, ver & 0xffff, SNNU_PROTO_VERSION >> 16);
		return -ENODEV;
	}
	/* at least a page of device memory beyond the reserved start */
	if (p->mem_size < SNN_USB_MEM_START + PAGE_SIZE ||
	    p->max_payload < SNN_EVENT_SIZE) {
		dev_err(&p->intf->dev, "implausible GET_INFO: %llu bytes of memory, frames of %u bytes\n",
			p->mem_size, p->max_payload);
		return -ENODEV;
	}
	p->read_regs = (ver & 0xffff) >= 1;
	/* frames carry whole events, and this driver's buffer is bounded */
	p->max_payload = min_t(u32, p->max_payload, SZ_64K);
	p->max_payload -= p->max_payload % SNN_EVENT_SIZE;
	return 0;
}

static int snn_usb_setup_urbs(struct snn_usb *p, u8 interval)
{
	size_t rx_len = SNNU_HDR_SIZE + SZ_64K;
	unsigned int i;

	for (i = 0; i < SNN_USB_RX_URBS; i++) {
		void *buf = kmalloc(rx_len, GFP_KERNEL);

		p->rx[i] = usb_alloc_urb(0, GFP_KERNEL);
		if (!p->rx[i] || !buf) {
			kfree(buf);
			return -ENOMEM;
		}
		usb_fill_bulk_urb(p->rx[i], p->udev,
				  usb_rcvbulkpipe(p->udev, SNNU_EP_OUT),
				  buf, rx_len, snn_usb_rx_done, p);
		p->rx[i]->transfer_flags |= URB_FREE_BUFFER;
	}
	p->st = usb_alloc_urb(0, GFP_KERNEL);
	if (!p->st)
		return -ENOMEM;
	usb_fill_int_urb(p->st, p->udev,
			 usb_rcvintpipe(p->udev, SNNU_EP_STATUS),
			 kmalloc(SNNU_STATUS_SIZE, GFP_KERNEL),
			 SNNU_STATUS_SIZE, snn_usb_st_done, p, interval);
	p->st->transfer_flags |= URB_FREE_BUFFER;
	if (!p->st->transfer_buffer)
		return -ENOMEM;
	return 0;
}

static int snn_usb_start_urbs(struct snn_usb *p)
{
	unsigned int i;
	int ret;

	for (i = 0; i < SNN_USB_RX_URBS; i++) {
		ret = usb_submit_urb(p->rx[i], GFP_KERNEL);
		if (ret)
			return ret;
	}
	return usb_submit_urb(p->st, GFP_KERNEL);
}

static void snn_usb_free(struct snn_usb *p)
{
	unsigned int i;

	for (i = 0; i < SNN_USB_RX_URBS; i++)
		usb_free_urb(p->rx[i]);
	usb_free_urb(p->st);
	/* gen_pool_destroy() BUG()s on memory still allocated: never risk it */
	if (p->pool && gen_pool_avail(p->pool) == gen_pool_size(p->pool))
		gen_pool_destroy(p->pool);
	else if (p->pool)
		dev_err(&p->intf->dev, "device memory still in use at removal: its bookkeeping is leaked\n");
	kfree(p->tx_buf);
	usb_put_dev(p->udev);
	kfree(p);
}

/*
 * The four endpoints the protocol names, each of its type; the status
 * endpoint's descriptor into *@st (for its interval).
 */
static int snn_usb_check_eps(struct usb_interface *intf,
			     struct usb_endpoint_descriptor **st)
{
	struct usb_host_interface *alt = intf->cur_altsetting;
	unsigned int i, found = 0;

	for (i = 0; i < alt->desc.bNumEndpoints; i++) {
		struct usb_endpoint_descriptor *e = &alt->endpoint[i].desc;

		switch (e->bEndpointAddress) {
		case SNNU_EP_CMD:
		case SNNU_EP_INPUT:
			if (usb_endpoint_is_bulk_out(e))
				found |= BIT(e->bEndpointAddress & 0xf);
			break;
		case SNNU_EP_OUT:
			if (usb_endpoint_is_bulk_in(e))
				found |= BIT(e->bEndpointAddress & 0xf);
			break;
		case SNNU_EP_STATUS:
			if (usb_endpoint_is_int_in(e) &&
			    usb_endpoint_maxp(e) >= SNNU_STATUS_SIZE) {
				found |= BIT(e->bEndpointAddress & 0xf);
				*st = e;
			}
			break;
		}
	}
	return found == (BIT(SNNU_EP_CMD & 0xf) |
			 BIT(SNNU_EP_OUT & 0xf) |
			 BIT(SNNU_EP_INPUT & 0xf) |
			 BIT(SNNU_EP_STATUS & 0xf)) ? 0 : -ENODEV;
}

static int snn_usb_probe(struct usb_interface *intf,
			 const struct usb_device_id *id)
{
	struct usb_endpoint_descriptor *st = NULL;
	struct device *dev = &intf->dev;
	struct snn_usb *p;
	int ret;

	if (snn_usb_check_eps(intf, &st)) {
		dev_err(dev, "unexpected endpoints (docs/hardware.md section 12)\n");
		return -ENODEV;
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->udev = usb_get_dev(interface_to_usbdev(intf));
	p->intf = intf;
	mutex_init(&p->tx_lock);
	spin_lock_init(&p->qlock);
	INIT_WORK(&p->irq_work, snn_usb_irq_work);
	ret = snn_usb_get_info(p);
	if (ret)
		goto err_free;
	ret = -ENOMEM;
	p->tx_buf = kmalloc(SNNU_HDR_SIZE + p->max_payload, GFP_KERNEL);
	p->pool = gen_pool_create(SNN_USB_MEM_ORDER, -1);
	if (!p->tx_buf || !p->pool)
		goto err_free;
	ret = gen_pool_add(p->pool, SNN_USB_MEM_START,
			   p->mem_size - SNN_USB_MEM_START, -1);
	if (ret)
		goto err_free;
	ret = snn_usb_setup_urbs(p, st->bInterval);
	if (ret)
		goto err_free;

	p->board = snn_board_alloc(dev, &snn_usb_ops, p, dev_name(dev));
	if (!p->board) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (!snn_board_hw_reset(p->board)) {
		dev_err(dev, "board does not answer or does not come out of reset\n");
		ret = -ENODEV;
		goto err_board;
	}
	ret = snn_board_probe_caps(p->board);
	if (ret)
		goto err_board;
	ret = snn_usb_start_urbs(p);
	if (ret)
		goto err_urbs;
	usb_set_intfdata(intf, p);
	ret = snn_board_register(p->board);
	if (ret)
		goto err_intf;
	return 0;

err_intf:
	usb_set_intfdata(intf, NULL);
err_urbs:
	snn_usb_stop(p);
err_board:
	snn_board_put(p->board);
err_free:
	snn_usb_free(p);
	return ret;
}

static void snn_usb_disconnect(struct usb_interface *intf)
{
	struct snn_usb *p = usb_get_intfdata(intf);

	/* stops the URBs and the device, then frees the queue memory */
	snn_board_unregister(p->board);
	usb_set_intfdata(intf, NULL);
	snn_board_put(p->board);
	snn_usb_free(p);
}

static const struct usb_device_id snn_usb_ids[] = {
	{ USB_DEVICE_AND_INTERFACE_INFO(SNNU_VENDOR_ID, SNNU_PRODUCT_ID,
					SNNU_CLASS, SNNU_SUBCLASS,
					SNNU_PROTOCOL) },
	{ }
};
MODULE_DEVICE_TABLE(usb, snn_usb_ids);

static struct usb_driver snn_usb_driver = {
	.name = "snn",
	.id_table = snn_usb_ids,
	.probe = snn_usb_probe,
	.disconnect = snn_usb_disconnect,
};

int snn_usb_init(void)
{
	return usb_register(&snn_usb_driver);
}

void snn_usb_exit(void)
{
	usb_deregister(&snn_usb_driver);
}
