/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snndev board: hardware programming interface (register map, ring and
 * event layout, network image layout).  docs/hardware.md is the prose
 * datasheet for everything defined here.
 *
 * This header is shared by the kernel driver, the QEMU board model and the
 * in-guest model tests, so it holds nothing but integer constants.  All
 * registers are little-endian.  Unless stated otherwise a register is 32
 * bits wide; 64-bit counters may be read with one 64-bit access or as two
 * 32-bit halves (read HI, LO, HI again until HI is stable).
 */
#ifndef SNN_HW_H
#define SNN_HW_H

/* ---- PCI identity ------------------------------------------------------ */
#define SNN_PCI_VENDOR_ID		0x1234	/* QEMU's test-device vendor */
#define SNN_PCI_DEVICE_ID		0x534e	/* "SN" */
#define SNN_PCI_SUBSYS_VENDOR_ID	0x1234
#define SNN_PCI_SUBSYS_ID		0x0001
#define SNN_PCI_CLASS			0x1200	/* processing accelerator */
#define SNN_PCI_REVISION		0x01

#define SNN_BAR_REGS			0	/* control registers */
#define SNN_BAR_DOORBELL		2	/* one doorbell page per cluster */
#define SNN_BAR_MSIX			4	/* MSI-X table and PBA */

#define SNN_REGS_SIZE			0x40000	/* 256 KiB */
#define SNN_DB_PAGE_SIZE		0x10000	/* 64 KiB: safe for any page size */

/* ---- Hard limits of the register interface ----------------------------- */
#define SNN_MAX_CLUSTERS		16
#define SNN_MAX_ROUTERS			4
#define SNN_MAX_QUEUES			8	/* per direction, per cluster */
#define SNN_MAX_CORES			256
#define SNN_MAX_NEURONS_PER_CORE	65535
#define SNN_MAX_AXONS_PER_CORE		65535
#define SNN_MAX_PROFILES		256
#define SNN_MIN_QUEUE_LOG2		1
#define SNN_MAX_QUEUE_LOG2		20
#define SNN_EVENT_SIZE			8

/* ---- Global registers: BAR0 + 0x0000 ----------------------------------- */
#define SNN_REG_MAGIC			0x000	/* RO: SNN_MAGIC */
#define SNN_MAGIC			0x534e4e31	/* "SNN1" */
#define SNN_REG_VERSION			0x004	/* RO: major << 16 | minor */
#define SNN_VERSION_MAJOR(v)		((v) >> 16)
#define SNN_VERSION_MINOR(v)		((v) & 0xffff)
#define SNN_IF_VERSION			0x00010000	/* interface 1.0 */
#define SNN_REG_BOARD_ID		0x008	/* RO: board id */
#define SNN_REG_REVISION		0x00c	/* RO: hardware revision */
#define SNN_REG_N_CLUSTERS		0x010	/* RO */
#define SNN_REG_CORES			0x014	/* RO: cores per cluster */
#define SNN_REG_NEURONS			0x018	/* RO: neurons per core */
#define SNN_REG_AXONS			0x01c	/* RO: input axons per core */
#define SNN_REG_SYNAPSES		0x020	/* RO: synapse entries per core */
#define SNN_REG_N_ROUTERS		0x024	/* RO */
#define SNN_REG_QUEUE_LOG2		0x028	/* RO: log2 of max queue depth */
#define SNN_REG_QUEUES			0x02c	/* RO: in | out << 16 */
#define SNN_QUEUES_IN(v)		((v) & 0xffff)
#define SNN_QUEUES_OUT(v)		((v) >> 16)
#define SNN_REG_RATED_EPS		0x030	/* RO: rated input events/s/cluster */
#define SNN_REG_RATED_SPS		0x034	/* RO: rated spikes/s/cluster */
#define SNN_REG_PROFILES		0x038	/* RO: neuron profiles per cluster */
#define SNN_REG_FANOUT			0x03c	/* RO: fan-out entries per core */
#define SNN_REG_ROUTE_ENTRIES		0x040	/* RO: route entries per router */
#define SNN_REG_ROUTE_DELAY		0x044	/* RO: timesteps a route adds */
#define SNN_REG_EVENT_SIZE		0x048	/* RO: bytes per queue entry */
#define SNN_REG_FEATURES		0x04c	/* RO: SNN_FEAT_* */
#define SNN_FEAT_DOORBELL_BAR		(1u << 0)
#define SNN_FEAT_ROUTERS		(1u << 1)
#define SNN_FEAT_OUT_DROP		(1u << 2)
#define SNN_FEAT_LOAD_SG		(1u << 3)	/* SNN_CL_LOAD_SG */
#define SNN_FEAT_RUN_FRESH		(1u << 4)	/* SNN_CL_RUN_FRESH */
#define SNN_FEAT_FAULT_INJECT		(1u << 31)	/* test boards only */
#define SNN_REG_SCRATCH			0x050	/* RW: no side effect */
#define SNN_REG_SYN_MEM_BITS		0x054	/* RO: synapse memory bits/core */
#define SNN_REG_ROUTE_FIFO		0x058	/* RO: route FIFO entries */

#define SNN_REG_BOARD_CTRL		0x080	/* WO */
#define SNN_BOARD_CTRL_RESET		(1u << 0)
#define SNN_REG_BOARD_STATUS		0x084	/* RO */
#define SNN_BOARD_STATUS_READY		(1u << 0)
#define SNN_BOARD_STATUS_RESETTING	(1u << 1)
#define SNN_REG_ERR_STATUS		0x088	/* RW1C: SNN_ERR_* bits */
#define SNN_ERR_CLUSTER(c)		(1u << (c))	/* c < 16 */
#define SNN_ERR_DMA			(1u << 16)
#define SNN_ERR_ROUTER			(1u << 17)
#define SNN_REG_ERR_ADDR_LO		0x090	/* RO: last faulting DMA address */
#define SNN_REG_ERR_ADDR_HI		0x094
#define SNN_REG_ERR_IRQ_MASK		0x098	/* RW: 1 = masked */

#define SNN_REG_ROUTER_CLUSTERS(r)	(0x100 + 4 * (r))	/* RO: mask */

/* Fault injection (present only with SNN_FEAT_FAULT_INJECT). */
#define SNN_REG_FAULT_HANG		0x200	/* WO: cluster mask to hang */
#define SNN_REG_FAULT_DMA		0x204	/* WO: cluster << 16 | count */
#define SNN_REG_FAULT_ALLONES		0x208	/* WO: next N reads = ~0 */
#define SNN_REG_FAULT_IRQ_LOSS		0x20c	/* WO: vector << 16 | count */

/* ---- Cluster registers: BAR0 + SNN_CLUSTER_BASE(c) --------------------- */
#define SNN_CLUSTER_BASE(c)		(0x1000 + 0x1000 * (c))

#define SNN_CL_STATUS			0x000	/* RO: SNN_CL_ST_* */
#define SNN_CL_ST_LOADED		(1u << 0)
#define SNN_CL_ST_RUNNING		(1u << 1)
#define SNN_CL_ST_STALLED		(1u << 2)	/* output queue full */
#define SNN_CL_ST_ROUTE_WAIT		(1u << 3)	/* route FIFO full */
#define SNN_CL_ST_LOADING		(1u << 4)
#define SNN_CL_ST_RESETTING		(1u << 5)
#define SNN_CL_ST_ERROR			(1u << 6)
#define SNN_CL_ERROR			0x004	/* RO: SNN_E_* of the last error */
#define SNN_CL_ERROR_INFO		0x008	/* RO: detail, see SNN_E_* */
#define SNN_CL_CTRL			0x00c	/* WO */
#define SNN_CL_CTRL_RESET_STATE		(1u << 0)	/* state, timestep */
#define SNN_CL_CTRL_RESET		(1u << 1)	/* everything */
#define SNN_CL_RUN			0x010	/* WO: add N timesteps to run */
#define SNN_CL_TIMESTEP			0x014	/* RO: next timestep to run */
#define SNN_CL_REMAINING		0x018	/* RO: timesteps left to run */
#define SNN_CL_IRQ_STATUS		0x01c	/* RW1C: SNN_CL_IRQ_* */
#define SNN_CL_IRQ_MASK			0x020	/* RW: 1 = masked */
#define SNN_CL_IRQ_RUN_DONE		(1u << 0)
#define SNN_CL_IRQ_OUTPUT		(1u << 1)	/* output written */
#define SNN_CL_IRQ_INPUT		(1u << 2)	/* input consumed */
#define SNN_CL_IRQ_LOAD_DONE		(1u << 3)
#define SNN_CL_IRQ_RESET_DONE		(1u << 4)
#define SNN_CL_IRQ_ERROR		(1u << 5)
#define SNN_CL_IRQ_STALL		(1u << 6)
#define SNN_CL_CONFIG			0x024	/* RW: SNN_CL_CFG_* */
#define SNN_CL_CFG_OUT_DROP		(1u << 0)	/* drop, count, no stall */
#define SNN_CL_LOAD_ADDR_LO		0x030	/* RW: image (or SG list) addr */
#define SNN_CL_LOAD_ADDR_HI		0x034
#define SNN_CL_LOAD_LEN			0x038	/* RW: image length, bytes */
#define SNN_CL_LOAD_CMD			0x03c	/* WO: SNN_CL_LOAD_* */
#define SNN_CL_LOAD_START		(1u << 0)
#define SNN_CL_LOAD_SG			(1u << 1)	/* with START: ADDR = list */
#define SNN_CL_LOAD_SG_N		0x040	/* RW: SG list entries */
#define SNN_CL_RUN_FRESH		0x044	/* WO: reset state, run N */

/*
 * Scatter-gather load list (SNN_FEAT_LOAD_SG): SNN_CL_LOAD_SG_N entries of
 * SNN_SG_DESC_SIZE bytes, little-endian, at SNN_CL_LOAD_ADDR (aligned to
 * SNN_SG_LIST_ALIGN).  Entry i holds bytes [sum of earlier lengths, + len)
 * of the image.  Every entry's address is aligned to SNN_SG_CHUNK_ALIGN;
 * every length is > 0 and, except the last entry's, a multiple of
 * SNN_SG_CHUNK_ALIGN; the lengths add up to SNN_CL_LOAD_LEN.
 */
#define SNN_SG_DESC_SIZE		16
#define SNN_SG_D_ADDR			0	/* u64: bus address of the chunk */
#define SNN_SG_D_LEN			8	/* u32: bytes */
#define SNN_SG_D_FLAGS			12	/* u32: 0 */
#define SNN_SG_MAX_ENTRIES		16384	/* 64 MiB in 4 KiB chunks */
#define SNN_SG_LIST_ALIGN		16
#define SNN_SG_CHUNK_ALIGN		4096
/* SNN_E_LOAD_SG info other than a byte offset in the list: */
#define SNN_SG_INFO_COUNT		0x80000001u	/* bad SNN_CL_LOAD_SG_N */
#define SNN_SG_INFO_LIST_ALIGN		0x80000002u	/* list misaligned */

/* 64-bit counters, cleared by SNN_CL_CTRL_RESET. */
#define SNN_CL_CNT_BASE			0x080
#define SNN_CL_CNT(i)			(SNN_CL_CNT_BASE + 8 * (i))
#define SNN_CNT_TIMESTEPS		0	/* timesteps completed */
#define SNN_CNT_IN_EVENTS		1	/* input events consumed */
#define SNN_CNT_SPIKES			2	/* neuron spikes */
#define SNN_CNT_OUT_EVENTS		3	/* events written to out queues */
#define SNN_CNT_SYN_OPS			4	/* synaptic operations */
#define SNN_CNT_NEURON_UPDATES		5	/* neuron state updates */
#define SNN_CNT_STALLS			6	/* stalls on a full out queue */
#define SNN_CNT_DROPS			7	/* dropped (OUT_DROP mode only) */
#define SNN_CNT_LATE			8	/* input applied after its tag */
#define SNN_CNT_ROUTED_OUT		9	/* spikes sent to routers */
#define SNN_CNT_ROUTED_IN		10	/* events received from routers */
#define SNN_CNT_AIN_SAT			11	/* a_in saturations */
#define SNN_CNT_NUM			12

/* Queue q of each direction: 0x20 bytes of registers. */
#define SNN_CL_INQ(q)			(0x100 + 0x20 * (q))
#define SNN_CL_OUTQ(q)			(0x200 + 0x20 * (q))
#define SNN_Q_BASE_LO			0x00	/* RW: ring entries, 64B aligned */
#define SNN_Q_BASE_HI			0x04
#define SNN_Q_WB_LO			0x08	/* RW: index write-back, 64B al. */
#define SNN_Q_WB_HI			0x0c
#define SNN_Q_SIZE_LOG2			0x10	/* RW: entries = 1 << n */
#define SNN_Q_CTRL			0x14	/* RW: SNN_Q_CTRL_ENABLE */
#define SNN_Q_CTRL_ENABLE		(1u << 0)
#define SNN_Q_HEAD			0x18	/* RO: consumer index */
#define SNN_Q_TAIL			0x1c	/* RO: producer index */

/* ---- Doorbells: BAR2 + SNN_DB_PAGE_SIZE * cluster ---------------------- */
#define SNN_DB_INQ(q)			(0x00 + 4 * (q))	/* = producer */
#define SNN_DB_OUTQ(q)			(0x40 + 4 * (q))	/* = consumer */

/* ---- Router registers: BAR0 + SNN_ROUTER_BASE(r) ----------------------- */
#define SNN_ROUTER_BASE(r)		(0x20000 + 0x1000 * (r))
#define SNN_RT_CLUSTERS			0x000	/* RO: clusters it connects */
#define SNN_RT_CAPACITY			0x004	/* RO: route entries */
#define SNN_RT_COUNT			0x008	/* RO: entries in use */
#define SNN_RT_DELAY			0x00c	/* RO: timesteps it adds */
#define SNN_RT_SRC			0x010	/* RW: SNN_RT_ADDR() */
#define SNN_RT_DST			0x014	/* RW: SNN_RT_ADDR() */
#define SNN_RT_ADDR(cl, core, idx)	(((cl) << 24) | ((core) << 16) | (idx))
#define SNN_RT_ADDR_CLUSTER(a)		(((a) >> 24) & 0xff)
#define SNN_RT_ADDR_CORE(a)		(((a) >> 16) & 0xff)
#define SNN_RT_ADDR_INDEX(a)		((a) & 0xffff)
#define SNN_RT_CMD			0x018	/* WO: SNN_RT_CMD_* */
#define SNN_RT_CMD_ADD			1u
#define SNN_RT_CMD_DEL			2u
#define SNN_RT_CMD_CLEAR		3u
#define SNN_RT_CMD_STATUS		0x01c	/* RO: SNN_E_* of last command */
#define SNN_RT_CNT_ROUTED		0x020	/* 64-bit: spikes forwarded */

/* ---- Error codes (SNN_CL_ERROR, SNN_RT_CMD_STATUS) --------------------- */
#define SNN_E_NONE			0
#define SNN_E_IMG_MAGIC			1	/* info: byte offset */
#define SNN_E_IMG_VERSION		2	/* info: byte offset */
#define SNN_E_IMG_LENGTH		3	/* info: expected length */
#define SNN_E_IMG_RANGE			4	/* info: offset of bad field */
#define SNN_E_IMG_CAPACITY		5	/* info: offset of the entry */
#define SNN_E_IMG_DUPLICATE		6	/* info: offset of the entry */
#define SNN_E_IMG_UNDEFINED		7	/* info: offset of bad field */
#define SNN_E_IMG_RESERVED		8	/* info: offset of bad field */
#define SNN_E_DMA			9	/* info: 0; see ERR_ADDR */
#define SNN_E_BAD_EVENT			10	/* info: queue << 24 | index */
#define SNN_E_QUEUE			11	/* info: queue (bit 7 = out) */
#define SNN_E_NOT_LOADED		12	/* RUN without a network */
#define SNN_E_BUSY			13	/* LOAD while running/loading */
#define SNN_E_RUN_OVERFLOW		14	/* REMAINING would overflow */
#define SNN_E_NO_OUTQ			15	/* info: out queue index */
#define SNN_E_RT_FULL			16
#define SNN_E_RT_EXISTS			17
#define SNN_E_RT_NOENT			18
#define SNN_E_RT_RANGE			19
#define SNN_E_LOAD_SG			20	/* info: offset in the list */
#define SNN_E_NUM			21

/* ---- Queue ring layout in host memory ---------------------------------- */
/*
 * A ring is 1 << SIZE_LOG2 entries of SNN_EVENT_SIZE bytes at BASE.  Indices
 * are free-running 32-bit counters; entry i lives at BASE + 8 * (i & mask).
 * The device writes its own index (HEAD of an input queue, TAIL of an
 * output queue) as a little-endian 32-bit word to WB after each batch.
 */

/* ---- Spike event: 8 bytes, little-endian ------------------------------- */
/*
 *   bits  0..31  timestep
 *   bits 32..47  index: input axon (input queue) or neuron (output queue)
 *   bits 48..55  core within the cluster
 *   bits 56..63  payload: 0 on this revision (binary spikes)
 */
#define SNN_EV_TIMESTEP(e)		((unsigned int)((e) & 0xffffffffu))
#define SNN_EV_INDEX(e)			((unsigned int)(((e) >> 32) & 0xffff))
#define SNN_EV_CORE(e)			((unsigned int)(((e) >> 48) & 0xff))
#define SNN_EV_PAYLOAD(e)		((unsigned int)(((e) >> 56) & 0xff))
#define SNN_EV_MAKE(t, core, idx)					\
	((unsigned long long)(t) |					\
	 ((unsigned long long)(idx) << 32) |				\
	 ((unsigned long long)(core) << 48))

/* ---- Network image (SNN_CL_LOAD_*): little-endian, packed --------------- */
/*
 * header (64 bytes), then n_profiles profile records (16 bytes), then
 * n_neurons neuron records, n_synapses synapse records and n_fanout fan-out
 * records (8 bytes each), with nothing in between and nothing after.
 */
#define SNN_IMG_MAGIC			0x494e4e53	/* "SNNI" */
#define SNN_IMG_VERSION			1
#define SNN_IMG_HDR_SIZE		64
#define SNN_IMG_PROFILE_SIZE		16
#define SNN_IMG_REC_SIZE		8
#define SNN_IMG_MAX_LEN			(64u << 20)	/* largest image */
/* header */
#define SNN_IMG_H_MAGIC			0	/* u32 */
#define SNN_IMG_H_VERSION		4	/* u16 */
#define SNN_IMG_H_HDR_SIZE		6	/* u16: 64 */
#define SNN_IMG_H_N_CORES		8	/* u16 */
#define SNN_IMG_H_NEURONS_PER_CORE	10	/* u16: id stride */
#define SNN_IMG_H_AXONS_PER_CORE	12	/* u16: id stride */
#define SNN_IMG_H_N_PROFILES		14	/* u16 */
#define SNN_IMG_H_N_NEURONS		16	/* u32 */
#define SNN_IMG_H_N_SYNAPSES		20	/* u32 */
#define SNN_IMG_H_N_FANOUT		24	/* u32 */
#define SNN_IMG_H_FLAGS			28	/* u32: 0 */
#define SNN_IMG_H_RESERVED		32	/* 32 bytes of 0 */
/* profile: CUBA LIF parameters */
#define SNN_IMG_P_DU			0	/* u16: 0..4095 */
#define SNN_IMG_P_DV			2	/* u16: 0..4095 */
#define SNN_IMG_P_VTH			4	/* u32: 0..131071 */
#define SNN_IMG_P_BIAS_MANT		8	/* s16: -4096..4095 */
#define SNN_IMG_P_BIAS_EXP		10	/* s8: -7..7 */
#define SNN_IMG_P_RESERVED0		11	/* u8: 0 */
#define SNN_IMG_P_RESERVED1		12	/* u32: 0 */
/* neuron */
#define SNN_IMG_N_CORE			0	/* u8 */
#define SNN_IMG_N_PROFILE		1	/* u8 */
#define SNN_IMG_N_INDEX			2	/* u16 */
#define SNN_IMG_N_FLAGS			4	/* u8: SNN_NEURON_* */
#define SNN_IMG_N_OUTQ			5	/* u8: output queue if OUT */
#define SNN_IMG_N_BIAS_MANT		6	/* s16: used if BIAS */
#define SNN_NEURON_OUT		(1U << 0)	/* report spikes to host */
#define SNN_NEURON_BIAS		(1U << 1)	/* own bias_mant */
#define SNN_NEURON_FLAGS_ALL		(SNN_NEURON_OUT | SNN_NEURON_BIAS)
/* synapse: axon -> neuron of the same core */
#define SNN_IMG_S_CORE			0	/* u8 */
#define SNN_IMG_S_RESERVED0		1	/* u8: 0 */
#define SNN_IMG_S_AXON			2	/* u16 */
#define SNN_IMG_S_NEURON		4	/* u16 */
#define SNN_IMG_S_WEIGHT		6	/* s8 */
#define SNN_IMG_S_RESERVED1		7	/* u8: 0 */
/* fan-out: neuron -> input axon of a core of the same cluster (t + 1) */
#define SNN_IMG_F_SRC_CORE		0	/* u8 */
#define SNN_IMG_F_DST_CORE		1	/* u8 */
#define SNN_IMG_F_SRC_NEURON		2	/* u16 */
#define SNN_IMG_F_DST_AXON		4	/* u16 */
#define SNN_IMG_F_RESERVED		6	/* u16: 0 */

/* LIF field limits (reference: Lava PyLifModelBitAcc) */
#define SNN_LIF_DU_MAX			4095
#define SNN_LIF_DV_MAX			4095
#define SNN_LIF_VTH_MAX			131071
#define SNN_LIF_BIAS_MANT_MIN		(-4096)
#define SNN_LIF_BIAS_MANT_MAX		4095
#define SNN_LIF_BIAS_EXP_MIN		(-7)
#define SNN_LIF_BIAS_EXP_MAX		7

/*
 * ---- The USB transport (docs/hardware.md section 12) -------------------
 * Protocol 1.0: identity, endpoints, vendor requests, bulk frames and
 * status messages.  The registers behind READ_REG and WRITE_REG are the
 * ones above.
 */
#define SNNU_VENDOR_ID          0x1209  /* pid.codes */
#define SNNU_PRODUCT_ID         0x5300
#define SNNU_BCD_DEVICE         0x0100
#define SNNU_CLASS              0xff    /* interface 0: vendor specific */
#define SNNU_SUBCLASS           0x53
#define SNNU_PROTOCOL           0x01
#define SNNU_MANUFACTURER       "snndev"
#define SNNU_PRODUCT            "snndev neuromorphic board (QEMU model)"

/* endpoints */
#define SNNU_EP_CMD             0x01    /* bulk OUT: MEM_WRITE, MEM_READ */
#define SNNU_EP_OUT             0x82    /* bulk IN: OUTPUT, MEM_DATA */
#define SNNU_EP_INPUT           0x03    /* bulk OUT: INPUT */
#define SNNU_EP_STATUS          0x84    /* interrupt IN: status messages */
#define SNNU_STATUS_MPS         16      /* wMaxPacketSize of SNNU_EP_STATUS */

/* vendor control requests, recipient device (bmRequestType 0xc0 / 0x40) */
#define SNNU_REQ_READ_REG       0x01    /* IN 4: wValue 15:0, wIndex 31:16 */
#define SNNU_REQ_WRITE_REG      0x02    /* OUT 4: same addressing, le32 */
#define SNNU_REQ_DOORBELL       0x03    /* OUT 4: wValue cl, wIndex offset */
#define SNNU_REQ_GET_INFO       0x04    /* IN >= 16 */
#define SNNU_REQ_GET_STATS      0x05    /* IN >= 32: transport counters */
#define SNNU_REQ_READ_REGS      0x06    /* IN 4..1024: consecutive regs (1.1) */
#define SNNU_READ_REGS_MAX      1024    /* bytes of one READ_REGS */

/* 1.1: STEP frames, READ_REGS */
#define SNNU_PROTO_VERSION      0x00010001

/* GET_INFO reply (16 bytes) */
#define SNNU_INFO_SIZE          16
#define SNNU_INFO_VERSION       0       /* le32: SNNU_PROTO_VERSION */
#define SNNU_INFO_MEM_SIZE      4       /* le64: device memory bytes */
#define SNNU_INFO_MAX_PAYLOAD   12      /* le32: largest frame payload */

/* GET_STATS reply (32 bytes, le32 each; cleared by a USB reset) */
#define SNNU_STATS_SIZE         32
#define SNNU_ST_FRAME_ERRORS    0       /* malformed bulk frames (STALLed) */
#define SNNU_ST_CTRL_ERRORS     4       /* vendor requests STALLed */
#define SNNU_ST_LAST_ERROR      8       /* ep << 16 | SNNU_ERR_*, last one */
#define SNNU_ST_OUT_FRAMES      12      /* OUTPUT frames queued */
#define SNNU_ST_OUT_EVENTS      16      /* events in them */
#define SNNU_ST_STATUS_MSGS     20      /* status messages sent */
#define SNNU_ST_OUT_LOST        24      /* events not queued (overflow) */
#define SNNU_ST_IN_PENDING      28      /* frames waiting on SNNU_EP_OUT now */

/* SNNU_ST_LAST_ERROR codes (ep 0 = a vendor control request) */
#define SNNU_ERR_NONE           0
#define SNNU_ERR_MAGIC          1       /* magic is not SNNU_FRAME_MAGIC */
#define SNNU_ERR_TYPE           2       /* unknown, or not for this ep */
#define SNNU_ERR_CLUSTER        3       /* no such cluster; MEM_*: not 0 */
#define SNNU_ERR_QUEUE          4       /* no such queue, or not 0 for MEM_* */
#define SNNU_ERR_FLAGS          5       /* flags not 0 */
#define SNNU_ERR_LENGTH         6       /* bad len or transfer length */
#define SNNU_ERR_RANGE          7       /* range outside device memory */
#define SNNU_ERR_DISABLED       8       /* INPUT for a disabled queue */
#define SNNU_ERR_TOO_MANY       9       /* INPUT: more events than the ring */
#define SNNU_ERR_REQUEST        10      /* unknown vendor request or wLength */
#define SNNU_ERR_REG            11      /* unaligned or out-of-range register */
#define SNNU_ERR_DOORBELL       12      /* bad doorbell cluster or offset */

/* bulk frames: one per transfer, a header and len bytes of payload */
#define SNNU_FRAME_MAGIC        0x31554e53      /* "SNU1" */
#define SNNU_HDR_SIZE           24
#define SNNU_HDR_MAGIC          0       /* le32 */
#define SNNU_HDR_TYPE           4       /* le16: SNNU_T_* */
#define SNNU_HDR_CLUSTER        6       /* le16 */
#define SNNU_HDR_QUEUE          8       /* le16 */
#define SNNU_HDR_FLAGS          10      /* le16: 0 */
#define SNNU_HDR_LEN            12      /* le32: payload bytes */
#define SNNU_HDR_ARG            16      /* le64 */
#define SNNU_MAX_PAYLOAD        65536   /* GET_INFO's value of this model */

#define SNNU_T_MEM_WRITE        0x01    /* EP 0x01: arg = address, payload */
#define SNNU_T_MEM_READ         0x02    /* EP 0x01: arg = address, len wanted */
#define SNNU_T_INPUT            0x10    /* EP 0x03: arg = new producer index */
#define SNNU_T_OUTPUT           0x81    /* EP 0x82: arg = tail after them */
#define SNNU_T_MEM_DATA         0x82    /* EP 0x82: reply to MEM_READ */
#define SNNU_T_STEP             0x83    /* EP 0x82: arg = cluster's TIMESTEP */

/* status message on SNNU_EP_STATUS (16 bytes) */
#define SNNU_STATUS_SIZE        16
#define SNNU_STATUS_VECTORS     0       /* le32: bit v = vector v fired */
#define SNNU_STATUS_SEQ         4       /* le32: 1, 2, 3, ... since USB reset */

#endif /* SNN_HW_H */
