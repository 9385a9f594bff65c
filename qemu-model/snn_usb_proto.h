/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wire protocol of the snndev board's USB transport, version 1.0
 * (docs/hardware.md section 12): identity, endpoints, vendor requests,
 * bulk frames and status messages.  Plain C, no QEMU dependency: the QEMU
 * device (snn_usb.c) and the in-guest tests (selftests/model/) include it.
 * The registers behind READ_REG and WRITE_REG are those of snn_hw.h.
 */
#ifndef SNN_USB_PROTO_H
#define SNN_USB_PROTO_H

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

#define SNNU_PROTO_VERSION      0x00010000

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

/* status message on SNNU_EP_STATUS (16 bytes) */
#define SNNU_STATUS_SIZE        16
#define SNNU_STATUS_VECTORS     0       /* le32: bit v = vector v fired */
#define SNNU_STATUS_SEQ         4       /* le32: 1, 2, 3, ... since USB reset */

#endif
