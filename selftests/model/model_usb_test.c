// SPDX-License-Identifier: GPL-2.0
/*
 * The USB board model (snn-usb) driven from user space in the guest,
 * through usbfs (/dev/bus/usb/BBB/DDD ioctls; no libusb), before and
 * independently of any driver: descriptors and speeds, the vendor
 * requests and their errors, device memory, malformed frames, and a real
 * run (image, queues, INPUT frames, RUN, OUTPUT frames, status messages,
 * back-pressure) whose spikes must equal the engine's run here, bit for
 * bit.  docs/hardware.md section 12 is the protocol.
 *
 *   model_usb_test --board high:snn-usb,id=usb0,board-id=16,bus=... \
 *                  --board super:snn-usb,id=usb1,... [--replug usb1]
 *
 * Each --board is SPEED:PROPS, the speed it must have enumerated at
 * (high or super) and the board's QEMU properties (what vm-run.py's
 * @ID:device@ gives).  Boards are told apart by board-id (the serial
 * number is SNN-<board-id>-<n>).  --replug ID: also unplug that board in
 * the middle of a run (QMP device_del through snn-agent: a surprise
 * removal) and plug it back.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/usbdevice_fs.h>
#include <linux/usb/ch9.h>

#include "kselftest_harness.h"
#include "snn_hw.h"
#include "model_ref.h"

#define MAX_BOARDS	4
#define TMO		2000		/* ms, one transfer that must happen */
#define RING_MAX	16384

/* device memory layout of the run tests */
#define DM_IMG		0x000000
#define DM_RING(c, d)	(0x200000 + 0x40000 * (c) + 0x20000 * (d))
#define DM_WB(c, d)	(0x3ff000 + 0x100 * (c) + 0x40 * (d))

struct spec {
	char speed[8];
	char props[512];
	char id[64];
	unsigned int board_id, clusters, routers, in_queues, out_queues;
	unsigned int queue_log2, mem_mib, fault;
};

static struct spec specs[MAX_BOARDS];
static int n_specs;
static const char *replug_id;

struct ub {
	const struct spec *sp;
	char sys[64];			/* /sys/bus/usb/devices/<sys> */
	int fd;
	unsigned int busnum, devnum, speed_mbps, mps;
	uint64_t mem_size;
	uint32_t max_payload;
	/* OUTPUT frames received while waiting for something else */
	uint64_t *got[SNN_MAX_CLUSTERS];
	size_t ngot[SNN_MAX_CLUSTERS];
	uint32_t tail[SNN_MAX_CLUSTERS];	/* arg of the last frame, queue 0 */
	/* STEP frames: the last arg, how many, events received before it */
	uint32_t step[SNN_MAX_CLUSTERS];
	unsigned int nstep[SNN_MAX_CLUSTERS];
	size_t step_at[SNN_MAX_CLUSTERS];
	uint32_t last_seq, vec_seen, seq_errors;
};

/* ---- helpers: sysfs, usbfs ------------------------------------------------ */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static int sys_str(const char *dev, const char *attr, char *buf, size_t len)
{
	char p[300];
	FILE *f;
	int ok;

	snprintf(p, sizeof(p), "/sys/bus/usb/devices/%s/%s", dev, attr);
	f = fopen(p, "r");
	if (!f)
		return -1;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static unsigned long sys_num(const char *dev, const char *attr, int base)
{
	char buf[64];

	if (sys_str(dev, attr, buf, sizeof(buf)))
		return ~0ul;
	return strtoul(buf, NULL, base);
}

/* The sysfs name of the board with @board_id, or -1. */
static int find_board(unsigned int board_id, char *sys, size_t len)
{
	DIR *d = opendir("/sys/bus/usb/devices");
	struct dirent *de;
	char want[32], serial[64];
	int found = -1;

	if (!d)
		return -1;
	snprintf(want, sizeof(want), "SNN-%04x-", board_id);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strchr(de->d_name, ':'))
			continue;
		if (sys_num(de->d_name, "idVendor", 16) != SNNU_VENDOR_ID ||
		    sys_num(de->d_name, "idProduct", 16) != SNNU_PRODUCT_ID)
			continue;
		if (sys_str(de->d_name, "serial", serial, sizeof(serial)) ||
		    strncmp(serial, want, strlen(want)))
			continue;
		snprintf(sys, len, "%.63s", de->d_name);
		found = 0;
		break;
	}
	closedir(d);
	return found;
}

static int ctrl(struct ub *u, int in, uint8_t req, uint16_t val,
		uint16_t idx, void *data, uint16_t len)
{
	struct usbdevfs_ctrltransfer c = {
		.bRequestType = (in ? USB_DIR_IN : USB_DIR_OUT) |
				USB_TYPE_VENDOR | USB_RECIP_DEVICE,
		.bRequest = req, .wValue = val, .wIndex = idx,
		.wLength = len, .timeout = TMO, .data = data,
	};
	int r = ioctl(u->fd, USBDEVFS_CONTROL, &c);

	return r < 0 ? -errno : r;
}

static int rreg(struct ub *u, uint32_t off, uint32_t *v)
{
	uint8_t b[4];
	int r = ctrl(u, 1, SNNU_REQ_READ_REG, off & 0xffff, off >> 16, b, 4);

	if (r == 4)
		*v = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
	return r == 4 ? 0 : r < 0 ? r : -EIO;
}

static uint32_t rd(struct ub *u, uint32_t off)
{
	uint32_t v;

	return rreg(u, off, &v) ? 0xdeadbeef : v;
}

static int wreg(struct ub *u, uint32_t off, uint32_t v)
{
	uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };
	int r = ctrl(u, 0, SNNU_REQ_WRITE_REG, off & 0xffff, off >> 16, b, 4);

	return r == 4 ? 0 : r < 0 ? r : -EIO;
}

static uint32_t crd(struct ub *u, unsigned int c, uint32_t off)
{
	return rd(u, SNN_CLUSTER_BASE(c) + off);
}

static int cwr(struct ub *u, unsigned int c, uint32_t off, uint32_t v)
{
	return wreg(u, SNN_CLUSTER_BASE(c) + off, v);
}

static int doorbell(struct ub *u, unsigned int c, uint16_t off, uint32_t v)
{
	uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };
	int r = ctrl(u, 0, SNNU_REQ_DOORBELL, c, off, b, 4);

	return r == 4 ? 0 : r < 0 ? r : -EIO;
}

static int stats(struct ub *u, uint32_t st[SNNU_STATS_SIZE / 4])
{
	int r = ctrl(u, 1, SNNU_REQ_GET_STATS, 0, 0, st, SNNU_STATS_SIZE);

	return r == SNNU_STATS_SIZE ? 0 : r < 0 ? r : -EIO;
}

static uint32_t stat1(struct ub *u, unsigned int off)
{
	uint32_t st[SNNU_STATS_SIZE / 4];

	return stats(u, st) ? 0xdeadbeef : st[off / 4];
}

static int bulk(struct ub *u, unsigned int ep, void *buf, unsigned int len,
		unsigned int tmo)
{
	struct usbdevfs_bulktransfer b = {
		.ep = ep, .len = len, .timeout = tmo, .data = buf,
	};
	int r = ioctl(u->fd, USBDEVFS_BULK, &b);

	return r < 0 ? -errno : r;
}

static int clear_halt(struct ub *u, unsigned int ep)
{
	return ioctl(u->fd, USBDEVFS_CLEAR_HALT, &ep) ? -errno : 0;
}

static void put_hdr(uint8_t *h, uint16_t type, uint16_t c, uint16_t q,
		    uint16_t flags, uint32_t len, uint64_t arg)
{
	uint32_t magic = SNNU_FRAME_MAGIC;

	memcpy(h + SNNU_HDR_MAGIC, &magic, 4);
	memcpy(h + SNNU_HDR_TYPE, &type, 2);
	memcpy(h + SNNU_HDR_CLUSTER, &c, 2);
	memcpy(h + SNNU_HDR_QUEUE, &q, 2);
	memcpy(h + SNNU_HDR_FLAGS, &flags, 2);
	memcpy(h + SNNU_HDR_LEN, &len, 4);
	memcpy(h + SNNU_HDR_ARG, &arg, 8);
}

/* One frame, one transfer: 0 or -errno (-EPIPE: STALL). */
static int send_frame(struct ub *u, unsigned int ep, uint16_t type,
		      uint16_t c, uint16_t q, uint64_t arg, const void *data,
		      uint32_t len)
{
	static uint8_t buf[SNNU_HDR_SIZE + SNNU_MAX_PAYLOAD];
	int r;

	put_hdr(buf, type, c, q, 0, len, arg);
	if (type == SNNU_T_MEM_READ)
		len = 0;
	memcpy(buf + SNNU_HDR_SIZE, data, len);
	r = bulk(u, ep, buf, SNNU_HDR_SIZE + len, TMO);
	return r < 0 ? r : r == (int)(SNNU_HDR_SIZE + len) ? 0 : -EIO;
}

/* A received frame's header fields (little-endian host). */
struct hdr {
	uint16_t c, q, flags;
	uint32_t len;
	uint64_t arg;
};

static void get_hdr(const uint8_t *f, struct hdr *h)
{
	memcpy(&h->c, f + SNNU_HDR_CLUSTER, 2);
	memcpy(&h->q, f + SNNU_HDR_QUEUE, 2);
	memcpy(&h->flags, f + SNNU_HDR_FLAGS, 2);
	memcpy(&h->len, f + SNNU_HDR_LEN, 4);
	memcpy(&h->arg, f + SNNU_HDR_ARG, 8);
}

/* Store the events of an OUTPUT frame (queue 0 only in these tests). */
static int take_output(struct ub *u, const uint8_t *f, int n)
{
	struct hdr h;
	uint32_t len, tail;
	uint16_t c;
	size_t k;

	get_hdr(f, &h);
	c = h.c;
	len = h.len;
	if (c >= SNN_MAX_CLUSTERS || h.q || SNNU_HDR_SIZE + len != (uint32_t)n ||
	    len % 8)
		return -EBADMSG;
	tail = h.arg;
	/* the tail after the frame's events follows the previous frame's */
	if (tail - u->tail[c] != len / 8)
		return -EBADMSG;
	if (!u->got[c])
		u->got[c] = calloc(RING_MAX, 8);
	if (u->ngot[c] + len / 8 > RING_MAX)
		return -ENOSPC;
	memcpy(u->got[c] + u->ngot[c], f + SNNU_HDR_SIZE, len);
	/* a STEP frame came before every event of a later timestep */
	for (k = 0; k < len / 8; k++)
		if (SNN_EV_TIMESTEP(u->got[c][u->ngot[c] + k]) < u->step[c])
			return -EPROTO;
	u->ngot[c] += len / 8;
	u->tail[c] = tail;
	return 0;
}

/*
 * A STEP frame: the cluster's TIMESTEP, after a timestep that wrote
 * output, or 0.  Every event of the timesteps before it has come before
 * it (take_output() checks the events that come after); events of later
 * timesteps may have come before it too (§12.7).
 */
static int take_step(struct ub *u, const uint8_t *f, int n)
{
	struct hdr h;
	uint64_t arg;
	uint16_t c;

	get_hdr(f, &h);
	c = h.c;
	arg = h.arg;
	if (c >= SNN_MAX_CLUSTERS || h.q || h.flags || h.len ||
	    n != SNNU_HDR_SIZE || arg > UINT32_MAX)
		return -EBADMSG;
	if (arg && arg <= u->step[c])
		return -EPROTO;		/* only 0 goes back */
	u->step[c] = arg;
	u->nstep[c]++;
	u->step_at[c] = u->ngot[c];
	return 0;
}

/*
 * Receive one frame on EP 0x82: its type (OUTPUT and STEP frames are also
 * stored and checked: -EPROTO if they break the ordering of §12.7),
 * -ETIMEDOUT if none came within @tmo ms, or another -errno.
 */
static int recv_frame(struct ub *u, uint8_t *buf, unsigned int tmo)
{
	uint16_t type;
	uint32_t magic;
	int n = bulk(u, SNNU_EP_OUT, buf, SNNU_HDR_SIZE + u->max_payload, tmo);

	if (n < 0)
		return n;
	if (n < SNNU_HDR_SIZE)
		return -EBADMSG;
	memcpy(&magic, buf, 4);
	memcpy(&type, buf + SNNU_HDR_TYPE, 2);
	if (magic != SNNU_FRAME_MAGIC)
		return -EBADMSG;
	if (type == SNNU_T_OUTPUT || type == SNNU_T_STEP) {
		int r = type == SNNU_T_OUTPUT ? take_output(u, buf, n) :
			take_step(u, buf, n);

		if (r)
			return r;
	}
	return type;
}

static uint8_t rxbuf[SNNU_HDR_SIZE + SNNU_MAX_PAYLOAD];

static int mem_write(struct ub *u, uint64_t addr, const void *data,
		     size_t len)
{
	size_t off = 0;

	while (off < len) {
		uint32_t k = len - off > u->max_payload ? u->max_payload :
			     len - off;
		int r = send_frame(u, SNNU_EP_CMD, SNNU_T_MEM_WRITE, 0, 0,
				   addr + off, (const uint8_t *)data + off, k);

		if (r)
			return r;
		off += k;
	}
	return 0;
}

static int mem_read(struct ub *u, uint64_t addr, void *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		uint32_t k = len - off > u->max_payload ? u->max_payload :
			     len - off, got;
		uint64_t a;
		int r = send_frame(u, SNNU_EP_CMD, SNNU_T_MEM_READ, 0, 0,
				   addr + off, NULL, k);

		if (r)
			return r;
		do {
			r = recv_frame(u, rxbuf, TMO);
		} while (r == SNNU_T_OUTPUT || r == SNNU_T_STEP);
		if (r < 0)
			return r;
		memcpy(&got, rxbuf + SNNU_HDR_LEN, 4);
		memcpy(&a, rxbuf + SNNU_HDR_ARG, 8);
		if (r != SNNU_T_MEM_DATA || got != k || a != addr + off)
			return -EBADMSG;
		memcpy((uint8_t *)data + off, rxbuf + SNNU_HDR_SIZE, k);
		off += k;
	}
	return 0;
}

/* One status message within @tmo ms: 0, -ETIMEDOUT or -errno. */
static int status_msg(struct ub *u, uint32_t *vec, unsigned int tmo)
{
	uint32_t m[4];
	int n = bulk(u, SNNU_EP_STATUS, m, sizeof(m), tmo);

	if (n < 0)
		return n;
	if (n != SNNU_STATUS_SIZE || !m[0])
		return -EBADMSG;
	/* seq counts the messages: none may be missing */
	if (m[1] != u->last_seq + 1)
		u->seq_errors++;
	u->last_seq = m[1];
	u->vec_seen |= m[0];
	*vec = m[0];
	return 0;
}

static int board_open(struct ub *u, const struct spec *sp)
{
	struct usbdevfs_disconnect_claim dc = { .interface = 0 };
	uint8_t info[SNNU_INFO_SIZE];
	char path[64];
	int r;

	uint64_t end = now_ms() + 30000;

	memset(u, 0, sizeof(*u));
	u->sp = sp;
	u->fd = -1;
	/* the kernel may still be enumerating it (boot, a replug) */
	while (find_board(sp->board_id, u->sys, sizeof(u->sys))) {
		if (now_ms() > end)
			return -ENODEV;
		usleep(20000);
	}
	/* usbfs's node appears with the device; the interface a bit later */
	while (sys_num(u->sys, "bConfigurationValue", 10) != 1 &&
	       now_ms() < end)
		usleep(20000);
	u->busnum = sys_num(u->sys, "busnum", 10);
	u->devnum = sys_num(u->sys, "devnum", 10);
	u->speed_mbps = sys_num(u->sys, "speed", 10);
	snprintf(path, sizeof(path), "/dev/bus/usb/%03u/%03u", u->busnum,
		 u->devnum);
	u->fd = open(path, O_RDWR);
	if (u->fd < 0)
		return -errno;
	/* claim interface 0, taking it from any driver bound to it */
	if (ioctl(u->fd, USBDEVFS_DISCONNECT_CLAIM, &dc))
		return -errno;
	r = ctrl(u, 1, SNNU_REQ_GET_INFO, 0, 0, info, sizeof(info));
	if (r != SNNU_INFO_SIZE)
		return r < 0 ? r : -EIO;
	memcpy(&u->mem_size, info + SNNU_INFO_MEM_SIZE, 8);
	memcpy(&u->max_payload, info + SNNU_INFO_MAX_PAYLOAD, 4);
	if (u->max_payload > SNNU_MAX_PAYLOAD || u->max_payload < 4096)
		return -ERANGE;
	u->mps = u->speed_mbps >= 5000 ? 1024 : 512;
	return 0;
}

static void board_close(struct ub *u)
{
	struct usbdevfs_ioctl con = {
		.ifno = 0, .ioctl_code = USBDEVFS_CONNECT,
	};
	unsigned int ifno = 0;
	unsigned int c;

	if (u->fd >= 0) {
		ioctl(u->fd, USBDEVFS_RELEASEINTERFACE, &ifno);
		/* let a kernel driver have it again */
		ioctl(u->fd, USBDEVFS_IOCTL, &con);
		close(u->fd);
	}
	u->fd = -1;
	for (c = 0; c < SNN_MAX_CLUSTERS; c++) {
		free(u->got[c]);
		u->got[c] = NULL;
	}
}

static int wait_status(struct ub *u, unsigned int c, uint32_t mask,
		       uint32_t want)
{
	uint64_t end = now_ms() + 20000;

	while ((crd(u, c, SNN_CL_STATUS) & mask) != want) {
		if (now_ms() > end)
			return -1;
		usleep(1000);
	}
	return 0;
}

static int reset_cluster(struct ub *u, unsigned int c)
{
	if (cwr(u, c, SNN_CL_CTRL, SNN_CL_CTRL_RESET))
		return -1;
	return wait_status(u, c, SNN_CL_ST_RESETTING, 0);
}

/* Drain EP 0x82 and EP 0x84 of anything a previous test left. */
static void drain(struct ub *u)
{
	uint32_t m[4];
	unsigned int c;

	while (recv_frame(u, rxbuf, 30) >= 0)
		;
	/* the next message's seq goes on from the last one's */
	while (bulk(u, SNNU_EP_STATUS, m, sizeof(m), 30) == sizeof(m))
		u->last_seq = m[1];
	for (c = 0; c < SNN_MAX_CLUSTERS; c++) {
		u->ngot[c] = 0;
		u->tail[c] = 0;
		u->step[c] = 0;
		u->nstep[c] = 0;
		u->step_at[c] = 0;
	}
	u->vec_seen = 0;
	u->seq_errors = 0;
}

/* Image into device memory, then LOAD_CMD: 0 or the SNN_E_* code. */
static uint32_t load(struct ub *u, unsigned int c, const void *img,
		     size_t len)
{
	if (mem_write(u, DM_IMG, img, len))
		return 0xdead;
	cwr(u, c, SNN_CL_LOAD_ADDR_LO, DM_IMG);
	cwr(u, c, SNN_CL_LOAD_ADDR_HI, 0);
	cwr(u, c, SNN_CL_LOAD_LEN, len);
	cwr(u, c, SNN_CL_LOAD_CMD, SNN_CL_LOAD_START);
	if (wait_status(u, c, SNN_CL_ST_LOADING, 0))
		return 0xdead;
	if (crd(u, c, SNN_CL_STATUS) & SNN_CL_ST_ERROR)
		return crd(u, c, SNN_CL_ERROR);
	return (crd(u, c, SNN_CL_STATUS) & SNN_CL_ST_LOADED) ? 0 : 0xbad;
}

static int setup_queue(struct ub *u, unsigned int c, int out,
		       unsigned int log2)
{
	uint32_t base = out ? SNN_CL_OUTQ(0) : SNN_CL_INQ(0), zero = 0;

	if (mem_write(u, DM_WB(c, out), &zero, 4))
		return -1;
	cwr(u, c, base + SNN_Q_BASE_LO, DM_RING(c, out));
	cwr(u, c, base + SNN_Q_BASE_HI, 0);
	cwr(u, c, base + SNN_Q_WB_LO, DM_WB(c, out));
	cwr(u, c, base + SNN_Q_WB_HI, 0);
	cwr(u, c, base + SNN_Q_SIZE_LOG2, log2);
	cwr(u, c, base + SNN_Q_CTRL, SNN_Q_CTRL_ENABLE);
	return crd(u, c, base + SNN_Q_CTRL) == SNN_Q_CTRL_ENABLE ? 0 : -1;
}

/* INPUT frames of at most @per events each; the producer index follows. */
static int send_input(struct ub *u, unsigned int c, const uint64_t *ev,
		      size_t n, size_t per, uint32_t *prod)
{
	size_t i = 0;

	while (i < n) {
		size_t k = n - i < per ? n - i : per;
		int r = send_frame(u, SNNU_EP_INPUT, SNNU_T_INPUT, c, 0,
				   *prod + k, ev + i, k * 8);

		if (r)
			return r;
		*prod += k;
		i += k;
	}
	return 0;
}

/* ---- the fixture: every board of --board, open ----------------------------- */

/* The last of the @n boards with x-fault-injection=on, or NULL. */
static struct ub *fault_board(struct ub *b, int n)
{
	struct ub *u = NULL;
	int i;

	for (i = 0; i < n; i++)
		if (b[i].sp->fault)
			u = &b[i];
	return u;
}

FIXTURE(usb) {
	struct ub b[MAX_BOARDS];
	int n;
};

FIXTURE_SETUP(usb)
{
	int i;

	memset(self, 0, sizeof(*self));
	ASSERT_LT(0, n_specs) TH_LOG("no --board given");
	for (i = 0; i < n_specs; i++) {
		struct ub *u = &self->b[i];
		unsigned int c;

		ASSERT_EQ(0, board_open(u, &specs[i])) {
			TH_LOG("board-id %#x (%s): cannot open it through usbfs",
			       specs[i].board_id, specs[i].props);
		}
		self->n = i + 1;
		drain(u);
		for (c = 0; c < specs[i].clusters; c++)
			ASSERT_EQ(0, reset_cluster(u, c));
		drain(u);
	}
}

FIXTURE_TEARDOWN(usb)
{
	int i;

	for (i = 0; i < self->n; i++)
		board_close(&self->b[i]);
}

/* ---- identity ------------------------------------------------------------- */

/* Device, configuration, interface, endpoint (and SS companion) descriptors. */
TEST_F(usb, descriptors_and_speed)
{
	char first[64] = "";
	int i;

	for (i = 0; i < self->n; i++) {
		struct ub *u = &self->b[i];
		int super = !strcmp(u->sp->speed, "super");
		uint8_t d[1024];
		char s[128];
		ssize_t n;
		int off, eps = 0, comps = 0;

		TH_LOG("board-id %#x: %s, %u Mb/s", u->sp->board_id, u->sys,
		       u->speed_mbps);
		EXPECT_EQ(super ? 5000 : 480, u->speed_mbps);
		EXPECT_EQ(0x0100, sys_num(u->sys, "bcdDevice", 16));
		ASSERT_EQ(0, sys_str(u->sys, "manufacturer", s, sizeof(s)));
		EXPECT_STREQ(SNNU_MANUFACTURER, s);
		ASSERT_EQ(0, sys_str(u->sys, "product", s, sizeof(s)));
		EXPECT_STREQ(SNNU_PRODUCT, s);
		ASSERT_EQ(0, sys_str(u->sys, "serial", s, sizeof(s)));
		EXPECT_EQ(0, strncmp(s, "SNN-", 4));
		/* the serial numbers of the boards differ */
		if (i) {
			EXPECT_NE(0, strcmp(s, first));
		} else {
			snprintf(first, sizeof(first), "%.63s", s);
		}

		/* usbfs: device descriptor, then the configuration */
		lseek(u->fd, 0, SEEK_SET);
		n = read(u->fd, d, sizeof(d));
		ASSERT_LE(18 + 9, n);
		EXPECT_EQ(USB_DT_DEVICE, d[1]);
		EXPECT_EQ(super ? 0x03 : 0x02, d[3]);	/* bcdUSB hi */
		EXPECT_EQ(SNNU_VENDOR_ID, d[8] | d[9] << 8);
		EXPECT_EQ(SNNU_PRODUCT_ID, d[10] | d[11] << 8);
		EXPECT_EQ(1, d[17]);			/* configurations */
		EXPECT_EQ(USB_DT_CONFIG, d[18 + 1]);
		EXPECT_EQ(1, d[18 + 4]);		/* interfaces */
		for (off = 18 + 9; off + 2 <= n && d[off]; off += d[off]) {
			if (d[off + 1] == USB_DT_INTERFACE) {
				EXPECT_EQ(0, d[off + 2]);
				EXPECT_EQ(4, d[off + 4]);
				EXPECT_EQ(SNNU_CLASS, d[off + 5]);
				EXPECT_EQ(SNNU_SUBCLASS, d[off + 6]);
				EXPECT_EQ(SNNU_PROTOCOL, d[off + 7]);
			} else if (d[off + 1] == USB_DT_ENDPOINT) {
				uint8_t a = d[off + 2], t = d[off + 3] & 3;
				unsigned int mps = d[off + 4] | d[off + 5] << 8;

				eps++;
				if (a == SNNU_EP_STATUS) {
					EXPECT_EQ(USB_ENDPOINT_XFER_INT, t);
					EXPECT_EQ(SNNU_STATUS_MPS, mps);
				} else {
					EXPECT_TRUE(a == SNNU_EP_CMD ||
						    a == SNNU_EP_OUT ||
						    a == SNNU_EP_INPUT);
					EXPECT_EQ(USB_ENDPOINT_XFER_BULK, t);
					EXPECT_EQ(super ? 1024 : 512, mps);
				}
			} else if (d[off + 1] == USB_DT_SS_ENDPOINT_COMP) {
				comps++;
			}
		}
		EXPECT_EQ(4, eps);
		EXPECT_EQ(super ? 4 : 0, comps);
	}
}

/* Registers through READ_REG: the same map as BAR0 of snn-pci. */
TEST_F(usb, identity_registers)
{
	int i;

	for (i = 0; i < self->n; i++) {
		struct ub *u = &self->b[i];
		const struct spec *sp = u->sp;
		uint8_t info[SNNU_INFO_SIZE + 8];
		uint32_t ver;

		EXPECT_EQ(SNN_MAGIC, rd(u, SNN_REG_MAGIC));
		EXPECT_EQ(SNN_IF_VERSION, rd(u, SNN_REG_VERSION));
		EXPECT_EQ(sp->board_id, rd(u, SNN_REG_BOARD_ID));
		EXPECT_EQ(sp->clusters, rd(u, SNN_REG_N_CLUSTERS));
		EXPECT_EQ(sp->routers, rd(u, SNN_REG_N_ROUTERS));
		EXPECT_EQ(sp->in_queues | sp->out_queues << 16,
			  rd(u, SNN_REG_QUEUES));
		EXPECT_EQ(sp->queue_log2, rd(u, SNN_REG_QUEUE_LOG2));
		EXPECT_EQ(SNN_EVENT_SIZE, rd(u, SNN_REG_EVENT_SIZE));
		EXPECT_EQ(!!sp->fault, !!(rd(u, SNN_REG_FEATURES) &
					  SNN_FEAT_FAULT_INJECT));
		EXPECT_EQ(SNN_BOARD_STATUS_READY, rd(u, SNN_REG_BOARD_STATUS));
		/* pages of clusters that do not exist read 0 */
		EXPECT_EQ(0, crd(u, sp->clusters, SNN_CL_STATUS));
		/* GET_INFO; a longer wLength still gets 16 bytes */
		ASSERT_EQ(SNNU_INFO_SIZE, ctrl(u, 1, SNNU_REQ_GET_INFO, 0, 0,
					       info, sizeof(info)));
		memcpy(&ver, info + SNNU_INFO_VERSION, 4);
		EXPECT_EQ(SNNU_PROTO_VERSION, ver);
		EXPECT_EQ((uint64_t)sp->mem_mib << 20, u->mem_size);
		EXPECT_EQ(SNNU_MAX_PAYLOAD, u->max_payload);
	}
}

/*
 * READ_REGS (1.1): consecutive registers in one request, each as READ_REG
 * reads it: the identity block, and a whole cluster's registers (its
 * queue registers set to known values first).
 */
TEST_F(usb, read_regs_block)
{
	static uint8_t blk[SNNU_READ_REGS_MAX];
	struct ub *u = &self->b[0];
	uint32_t base = SNN_CLUSTER_BASE(0), v, k;

	ASSERT_EQ(64, ctrl(u, 1, SNNU_REQ_READ_REGS, 0, 0, blk, 64));
	for (k = 0; k < 16; k++) {
		memcpy(&v, blk + 4 * k, 4);
		EXPECT_EQ(rd(u, 4 * k), v) TH_LOG("register %#x", 4 * k);
	}
	ASSERT_EQ(0, reset_cluster(u, 0));
	ASSERT_EQ(0, cwr(u, 0, SNN_CL_OUTQ(1) + SNN_Q_BASE_LO, 0x12340));
	ASSERT_EQ(0, cwr(u, 0, SNN_CL_INQ(2) + SNN_Q_SIZE_LOG2, 7));
	ASSERT_EQ(SNNU_READ_REGS_MAX,
		  ctrl(u, 1, SNNU_REQ_READ_REGS, base & 0xffff, base >> 16,
		       blk, SNNU_READ_REGS_MAX));
	for (k = 0; k < SNNU_READ_REGS_MAX / 4; k++) {
		if (k * 4 >= SNN_CL_CNT_BASE && k * 4 < SNN_CL_INQ(0))
			continue;	/* counters may move meanwhile */
		memcpy(&v, blk + 4 * k, 4);
		EXPECT_EQ(crd(u, 0, 4 * k), v) TH_LOG("cluster register %#x",
						       4 * k);
	}
	memcpy(&v, blk + SNN_CL_OUTQ(1) + SNN_Q_BASE_LO, 4);
	EXPECT_EQ(0x12340, v);
	memcpy(&v, blk + SNN_CL_INQ(2) + SNN_Q_SIZE_LOG2, 4);
	EXPECT_EQ(7, v);
	ASSERT_EQ(0, reset_cluster(u, 0));
}

/*
 * For SNN_REG_FAULT_ALLONES a READ_REGS is one read: with a count of 2,
 * one whole block reads all-ones, then one READ_REG, then the registers
 * are back.
 */
TEST_F(usb, read_regs_block_all_ones)
{
	static uint8_t blk[256];
	struct ub *u;
	uint32_t v, k;

	u = fault_board(self->b, self->n);
	if (!u)
		SKIP(return, "no board with x-fault-injection=on");
	ASSERT_EQ(0, wreg(u, SNN_REG_FAULT_ALLONES, 2));
	ASSERT_EQ((int)sizeof(blk), ctrl(u, 1, SNNU_REQ_READ_REGS, 0, 0, blk,
				    sizeof(blk)));
	for (k = 0; k < sizeof(blk); k++)
		ASSERT_EQ(0xff, blk[k]) TH_LOG("byte %u of the block", k);
	EXPECT_EQ(0xffffffffu, rd(u, SNN_REG_MAGIC));
	EXPECT_EQ(SNN_MAGIC, rd(u, SNN_REG_MAGIC));
	ASSERT_EQ((int)sizeof(blk), ctrl(u, 1, SNNU_REQ_READ_REGS, 0, 0, blk,
				    sizeof(blk)));
	memcpy(&v, blk + SNN_REG_MAGIC, 4);
	EXPECT_EQ(SNN_MAGIC, v);
}

TEST_F(usb, scratch_register)
{
	int i;

	for (i = 0; i < self->n; i++) {
		struct ub *u = &self->b[i];

		ASSERT_EQ(0, wreg(u, SNN_REG_SCRATCH, 0x5a5a0000 + i));
		EXPECT_EQ(0x5a5a0000 + i, rd(u, SNN_REG_SCRATCH));
		ASSERT_EQ(0, wreg(u, SNN_REG_SCRATCH, 0));
		EXPECT_EQ(0, rd(u, SNN_REG_SCRATCH));
	}
}

/* Every vendor request's errors STALL, are counted, and change nothing. */
TEST_F(usb, control_request_errors)
{
	struct ub *u = &self->b[0];
	unsigned int nc = u->sp->clusters;
	static uint8_t b[SNNU_READ_REGS_MAX + 64];
	uint32_t before = stat1(u, SNNU_ST_CTRL_ERRORS), v;
	struct {
		int in;
		uint8_t req;
		uint16_t val, idx, len;
		uint32_t err;
	} bad[] = {
		{ 1, SNNU_REQ_READ_REG, 2, 0, 4, SNNU_ERR_REG },
		{ 1, SNNU_REQ_READ_REG, 0, 4, 4, SNNU_ERR_REG },  /* 0x40000 */
		{ 1, SNNU_REQ_READ_REG, 0, 0, 2, SNNU_ERR_REQUEST },
		{ 1, SNNU_REQ_READ_REG, 0, 0, 8, SNNU_ERR_REQUEST },
		{ 0, SNNU_REQ_WRITE_REG, 0x51, 0, 4, SNNU_ERR_REG },
		{ 0, SNNU_REQ_WRITE_REG, 0, 0xffff, 4, SNNU_ERR_REG },
		{ 0, SNNU_REQ_WRITE_REG, SNN_REG_SCRATCH, 0, 3,
		  SNNU_ERR_REQUEST },
		{ 0, SNNU_REQ_DOORBELL, nc, SNN_DB_INQ(0), 4,
		  SNNU_ERR_DOORBELL },
		{ 0, SNNU_REQ_DOORBELL, 0, 0x20, 4, SNNU_ERR_DOORBELL },
		{ 0, SNNU_REQ_DOORBELL, 0, 2, 4, SNNU_ERR_DOORBELL },
		{ 0, SNNU_REQ_DOORBELL, 0, SNN_DB_INQ(u->sp->in_queues), 4,
		  SNNU_ERR_DOORBELL },
		{ 0, SNNU_REQ_DOORBELL, 0, SNN_DB_OUTQ(u->sp->out_queues), 4,
		  SNNU_ERR_DOORBELL },
		{ 0, SNNU_REQ_DOORBELL, 0, 0x1000, 4, SNNU_ERR_DOORBELL },
		{ 0, SNNU_REQ_DOORBELL, 0, SNN_DB_INQ(0), 8,
		  SNNU_ERR_REQUEST },
		{ 1, SNNU_REQ_READ_REGS, 0, 0, 6, SNNU_ERR_REQUEST },
		{ 1, SNNU_REQ_READ_REGS, 0, 0, SNNU_READ_REGS_MAX + 4,
		  SNNU_ERR_REQUEST },
		{ 1, SNNU_REQ_READ_REGS, 2, 0, 8, SNNU_ERR_REG },
		{ 1, SNNU_REQ_READ_REGS, 0xfffc, 3, 8, SNNU_ERR_REG },
		{ 0, SNNU_REQ_READ_REGS, 0, 0, 8, SNNU_ERR_REQUEST },
		{ 1, SNNU_REQ_GET_INFO, 0, 0, 8, SNNU_ERR_REQUEST },
		{ 1, SNNU_REQ_GET_STATS, 0, 0, 16, SNNU_ERR_REQUEST },
		{ 1, 0x7f, 0, 0, 4, SNNU_ERR_REQUEST },
		{ 0, SNNU_REQ_READ_REG, 0, 0, 4, SNNU_ERR_REQUEST },
		{ 1, SNNU_REQ_WRITE_REG, 0, 0, 4, SNNU_ERR_REQUEST },
	};
	unsigned int k;

	ASSERT_NE(0xdeadbeef, before);
	ASSERT_EQ(0, wreg(u, SNN_REG_SCRATCH, 0x1234));
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int r = ctrl(u, bad[k].in, bad[k].req, bad[k].val, bad[k].idx,
			     b, bad[k].len);

		EXPECT_EQ(-EPIPE, r) TH_LOG("case %u: request %#x", k,
					    bad[k].req);
		EXPECT_EQ(before + k + 1, stat1(u, SNNU_ST_CTRL_ERRORS));
		EXPECT_EQ(bad[k].err, stat1(u, SNNU_ST_LAST_ERROR)) {
			TH_LOG("case %u: request %#x", k, bad[k].req);
		}
	}
	/* nothing written; the board still answers */
	EXPECT_EQ(0x1234, rd(u, SNN_REG_SCRATCH));
	EXPECT_EQ(SNN_MAGIC, rd(u, SNN_REG_MAGIC));
	ASSERT_EQ(0, rreg(u, SNN_REGS_SIZE - 4, &v));
	EXPECT_EQ(0, v);
	/* a doorbell of a disabled queue is accepted (enabling resets it) */
	EXPECT_EQ(0, doorbell(u, 0, SNN_DB_INQ(0), 5));
	EXPECT_EQ(0, wreg(u, SNN_REG_SCRATCH, 0));
}

/* ---- device memory ---------------------------------------------------------- */

TEST_F(usb, mem_write_read_roundtrip)
{
	int i;

	for (i = 0; i < self->n; i++) {
		struct ub *u = &self->b[i];
		size_t len = 200 * 1024 + 40, k;
		uint8_t *w = malloc(len), *r = malloc(len), z[64];
		uint64_t top = u->mem_size;
		uint32_t err0 = stat1(u, SNNU_ST_FRAME_ERRORS);

		ASSERT_TRUE(w && r);
		for (k = 0; k < len; k++)
			w[k] = k * 7 + i + (k >> 9);
		ASSERT_EQ(0, mem_write(u, 0x10008, w, len));
		ASSERT_EQ(0, mem_read(u, 0x10008, r, len));
		EXPECT_EQ(0, memcmp(w, r, len));
		/* memory nobody wrote reads 0 (and costs no host RAM) */
		ASSERT_EQ(0, mem_read(u, top - 4096 - sizeof(z), z,
				      sizeof(z)));
		for (k = 0; k < sizeof(z); k++)
			ASSERT_EQ(0, z[k]);
		/* the last bytes; an empty read and write */
		ASSERT_EQ(0, mem_write(u, top - 8, w, 8));
		ASSERT_EQ(0, mem_read(u, top - 8, r, 8));
		EXPECT_EQ(0, memcmp(w, r, 8));
		EXPECT_EQ(0, send_frame(u, SNNU_EP_CMD, SNNU_T_MEM_WRITE, 0,
					0, top, NULL, 0));
		/* beyond the end: STALL, counted, then the halt is cleared */
		EXPECT_EQ(-EPIPE, mem_write(u, top - 8, w, 16));
		EXPECT_EQ(0, clear_halt(u, SNNU_EP_CMD));
		EXPECT_EQ(-EPIPE, send_frame(u, SNNU_EP_CMD, SNNU_T_MEM_READ,
					     0, 0, top, NULL, 1));
		EXPECT_EQ(0, clear_halt(u, SNNU_EP_CMD));
		EXPECT_EQ(-EPIPE, send_frame(u, SNNU_EP_CMD, SNNU_T_MEM_READ,
					     0, 0, ~0ull - 3, NULL, 8));
		EXPECT_EQ(0, clear_halt(u, SNNU_EP_CMD));
		EXPECT_EQ(err0 + 3, stat1(u, SNNU_ST_FRAME_ERRORS));
		EXPECT_EQ(SNNU_EP_CMD << 16 | SNNU_ERR_RANGE,
			  stat1(u, SNNU_ST_LAST_ERROR));
		/* still good, and no reply was queued for the bad read */
		ASSERT_EQ(0, mem_read(u, 0x10008, r, 64));
		EXPECT_EQ(0, memcmp(w, r, 64));
		EXPECT_EQ(0, stat1(u, SNNU_ST_IN_PENDING));
		free(w);
		free(r);
	}
}

/* Malformed frames STALL their endpoint and are counted. */
TEST_F(usb, malformed_frames_stall)
{
	struct ub *u = &self->b[0];
	static uint8_t f[SNNU_HDR_SIZE + 256];
	uint32_t n0 = stat1(u, SNNU_ST_FRAME_ERRORS), nerr = 0, v;
	uint64_t ev[8] = { 0 }, ring[4];
	struct {
		unsigned int ep;
		uint16_t type, c, q, flags;
		uint32_t len, send;	/* header len, payload bytes sent */
		uint32_t magic, err;
	} bad[] = {
		{ SNNU_EP_CMD, SNNU_T_MEM_WRITE, 0, 0, 0, 8, 8, 0x12345678,
		  SNNU_ERR_MAGIC },
		{ SNNU_EP_CMD, SNNU_T_INPUT, 0, 0, 0, 8, 8, 0, SNNU_ERR_TYPE },
		{ SNNU_EP_CMD, SNNU_T_OUTPUT, 0, 0, 0, 0, 0, 0, SNNU_ERR_TYPE },
		{ SNNU_EP_CMD, 0x7777, 0, 0, 0, 0, 0, 0, SNNU_ERR_TYPE },
		{ SNNU_EP_CMD, SNNU_T_MEM_WRITE, 1, 0, 0, 8, 8, 0,
		  SNNU_ERR_CLUSTER },
		{ SNNU_EP_CMD, SNNU_T_MEM_WRITE, 0, 1, 0, 8, 8, 0,
		  SNNU_ERR_QUEUE },
		{ SNNU_EP_CMD, SNNU_T_MEM_WRITE, 0, 0, 1, 8, 8, 0,
		  SNNU_ERR_FLAGS },
		{ SNNU_EP_CMD, SNNU_T_MEM_WRITE, 0, 0, 0, SNNU_MAX_PAYLOAD + 8,
		  8, 0, SNNU_ERR_LENGTH },
		{ SNNU_EP_CMD, SNNU_T_MEM_WRITE, 0, 0, 0, 8, 16, 0,
		  SNNU_ERR_LENGTH },		/* longer than its header */
		{ SNNU_EP_CMD, SNNU_T_MEM_WRITE, 0, 0, 0, 100, 40, 0,
		  SNNU_ERR_LENGTH },		/* shorter: ends short */
		{ SNNU_EP_CMD, SNNU_T_MEM_READ, 0, 0, 0, 8, 8, 0,
		  SNNU_ERR_LENGTH },		/* MEM_READ has no payload */
		{ SNNU_EP_CMD, SNNU_T_MEM_READ, 0, 0, 0, SNNU_MAX_PAYLOAD + 1,
		  0, 0, SNNU_ERR_LENGTH },
		{ SNNU_EP_INPUT, SNNU_T_MEM_WRITE, 0, 0, 0, 8, 8, 0,
		  SNNU_ERR_TYPE },
		{ SNNU_EP_INPUT, SNNU_T_INPUT, 16, 0, 0, 8, 8, 0,
		  SNNU_ERR_CLUSTER },
		{ SNNU_EP_INPUT, SNNU_T_INPUT, 0, 8, 0, 8, 8, 0,
		  SNNU_ERR_QUEUE },
		{ SNNU_EP_INPUT, SNNU_T_INPUT, 0, 0, 0, 12, 12, 0,
		  SNNU_ERR_LENGTH },
		{ SNNU_EP_INPUT, SNNU_T_INPUT, 0, 0, 2, 8, 8, 0,
		  SNNU_ERR_FLAGS },
		{ SNNU_EP_INPUT, SNNU_T_INPUT, 0, 0, 0, 8, 8, 0,
		  SNNU_ERR_DISABLED },		/* queue 0 not enabled yet */
	};
	unsigned int k;

	bad[13].c = u->sp->clusters;
	bad[14].q = u->sp->in_queues;
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int r;

		put_hdr(f, bad[k].type, bad[k].c, bad[k].q, bad[k].flags,
			bad[k].len, 0x100);
		if (bad[k].magic)
			memcpy(f, &bad[k].magic, 4);
		memset(f + SNNU_HDR_SIZE, 0xab, bad[k].send);
		r = bulk(u, bad[k].ep, f, SNNU_HDR_SIZE + bad[k].send, TMO);
		EXPECT_EQ(-EPIPE, r) TH_LOG("case %u", k);
		EXPECT_EQ(0, clear_halt(u, bad[k].ep));
		nerr++;
		EXPECT_EQ(n0 + nerr, stat1(u, SNNU_ST_FRAME_ERRORS)) {
			TH_LOG("case %u", k);
		}
		EXPECT_EQ(bad[k].ep << 16 | bad[k].err,
			  stat1(u, SNNU_ST_LAST_ERROR)) TH_LOG("case %u", k);
	}
	/* an INPUT with more events than its ring holds (4 entries) */
	ASSERT_EQ(0, setup_queue(u, 0, 0, 2));
	EXPECT_EQ(-EPIPE, send_frame(u, SNNU_EP_INPUT, SNNU_T_INPUT, 0, 0, 5,
				     ev, 5 * 8));
	EXPECT_EQ(0, clear_halt(u, SNNU_EP_INPUT));
	EXPECT_EQ(SNNU_EP_INPUT << 16 | SNNU_ERR_TOO_MANY,
		  stat1(u, SNNU_ST_LAST_ERROR));
	EXPECT_EQ(0, crd(u, 0, SNN_CL_INQ(0) + SNN_Q_TAIL));
	/* a good one: 3 events wrapping around the ring's end, and 0 events */
	ev[0] = SNN_EV_MAKE(1, 0, 1);
	ev[1] = SNN_EV_MAKE(2, 0, 2);
	ev[2] = SNN_EV_MAKE(3, 0, 3);
	EXPECT_EQ(0, send_frame(u, SNNU_EP_INPUT, SNNU_T_INPUT, 0, 0, 2, ev,
				16));
	EXPECT_EQ(0, send_frame(u, SNNU_EP_INPUT, SNNU_T_INPUT, 0, 0, 5,
				ev, 24));
	EXPECT_EQ(0, send_frame(u, SNNU_EP_INPUT, SNNU_T_INPUT, 0, 0, 5,
				NULL, 0));
	EXPECT_EQ(5, crd(u, 0, SNN_CL_INQ(0) + SNN_Q_TAIL));
	ASSERT_EQ(0, mem_read(u, DM_RING(0, 0), ring, sizeof(ring)));
	/* slots: 0,1 <- first frame; 2,3,0 <- second (index 2..4) */
	EXPECT_EQ(ev[2], ring[0]);
	EXPECT_EQ(ev[1], ring[1]);
	EXPECT_EQ(ev[0], ring[2]);
	EXPECT_EQ(ev[1], ring[3]);
	EXPECT_EQ(n0 + nerr + 1, stat1(u, SNNU_ST_FRAME_ERRORS));
	/* both endpoints work after their halts were cleared */
	v = 0x600dcafe;
	EXPECT_EQ(0, mem_write(u, 0x100, &v, 4));
	v = 0;
	EXPECT_EQ(0, mem_read(u, 0x100, &v, 4));
	EXPECT_EQ(0x600dcafe, v);
	ASSERT_EQ(0, reset_cluster(u, 0));
}

/* ---- runs ------------------------------------------------------------------- */

/*
 * Collect output until the cluster is idle, RUN_DONE was seen in a status
 * message and IRQ_STATUS, and the tail of the frames received equals
 * SNN_Q_TAIL (the way the host knows it has all of a queue's output).
 * With @ack, free ring space by DOORBELL as frames arrive.
 */
static int collect(struct ub *u, unsigned int c, int ack, unsigned int secs,
		   unsigned int *stalls_seen)
{
	uint64_t end = now_ms() + secs * 1000ull;
	uint32_t acked = u->tail[c], vec, done = 0;

	while (now_ms() < end) {
		int r = recv_frame(u, rxbuf, 20);

		if (r == SNNU_T_STEP)
			continue;
		if (r == SNNU_T_OUTPUT) {
			if (ack && u->tail[c] != acked) {
				if (doorbell(u, c, SNN_DB_OUTQ(0), u->tail[c]))
					return -EIO;
				acked = u->tail[c];
			}
			continue;
		}
		if (r >= 0 || (r != -ETIMEDOUT && r != -EAGAIN))
			return r < 0 ? r : -EBADMSG;
		if (stalls_seen &&
		    (crd(u, c, SNN_CL_STATUS) & SNN_CL_ST_STALLED))
			(*stalls_seen)++;
		while (!status_msg(u, &vec, 5))
			;
		if (u->vec_seen & (1u << c)) {
			uint32_t st = crd(u, c, SNN_CL_IRQ_STATUS);

			if (st) {
				cwr(u, c, SNN_CL_IRQ_STATUS, st);
				done |= st & SNN_CL_IRQ_RUN_DONE;
			}
			u->vec_seen &= ~(1u << c);
		}
		if (done && !(crd(u, c, SNN_CL_STATUS) & SNN_CL_ST_RUNNING) &&
		    u->tail[c] == crd(u, c, SNN_CL_OUTQ(0) + SNN_Q_TAIL) &&
		    u->step_at[c] == u->ngot[c])
			return 0;
	}
	return -ETIMEDOUT;
}

static void check_run(struct __test_metadata *_metadata, struct ub *u,
		      unsigned int c, unsigned int seed, unsigned int steps,
		      size_t nin, unsigned int out_log2, int small)
{
	static uint64_t in[1000], want[RING_MAX];
	uint64_t *ring;
	uint32_t wb[2];
	size_t len, nwant, k;
	uint32_t prod = 0;
	unsigned int stalls_seen = 0;
	uint32_t frames0 = stat1(u, SNNU_ST_OUT_FRAMES);
	void *img = model_ref_net(seed, 2, 64, 64, &len);

	ASSERT_NE(NULL, img);
	ASSERT_GE(1000, nin);
	model_ref_input(in, nin, steps, 2, 64);
	nwant = model_ref_spikes(img, len, in, nin, steps, want, RING_MAX);
	ASSERT_NE((size_t)-1, nwant);
	ASSERT_LT(100, nwant);

	ASSERT_EQ(0, load(u, c, img, len));
	ASSERT_EQ(0, setup_queue(u, c, 0, 12));
	ASSERT_EQ(0, setup_queue(u, c, 1, out_log2));
	/* input in frames of 97 events, the producer index in each */
	ASSERT_EQ(0, send_input(u, c, in, nin, 97, &prod));
	EXPECT_EQ(nin, crd(u, c, SNN_CL_INQ(0) + SNN_Q_TAIL));
	ASSERT_EQ(0, cwr(u, c, SNN_CL_RUN, steps));
	ASSERT_EQ(0, collect(u, c, small, 60, small ? &stalls_seen : NULL)) {
		TH_LOG("cluster %u: %zu of %zu events, status %#x, tail %u",
		       c, u->ngot[c], nwant, crd(u, c, SNN_CL_STATUS),
		       crd(u, c, SNN_CL_OUTQ(0) + SNN_Q_TAIL));
	}
	EXPECT_EQ(0, crd(u, c, SNN_CL_STATUS) & SNN_CL_ST_ERROR);
	EXPECT_EQ(steps, crd(u, c, SNN_CL_TIMESTEP));
	ASSERT_EQ(nwant, u->ngot[c]);
	/* the last STEP follows the last timestep that had output */
	EXPECT_EQ(SNN_EV_TIMESTEP(want[nwant - 1]) + 1, u->step[c]);
	EXPECT_LT(0, u->nstep[c]);
	for (k = 0; k < nwant; k++)
		if (u->got[c][k] != want[k])
			break;
	EXPECT_EQ(nwant, k) {
		TH_LOG("first difference at event %zu: board %#llx engine %#llx",
		       k, (unsigned long long)u->got[c][k],
		       (unsigned long long)want[k]);
	}
	/* the WB words in device memory say the same */
	ASSERT_EQ(0, mem_read(u, DM_WB(c, 0), &wb[0], 4));
	ASSERT_EQ(0, mem_read(u, DM_WB(c, 1), &wb[1], 4));
	EXPECT_EQ(nin, wb[0]);
	EXPECT_EQ(nwant, wb[1]);
	if (!small) {
		/* and the ring itself */
		ring = malloc(nwant * 8);
		ASSERT_NE(NULL, ring);
		ASSERT_EQ(0, mem_read(u, DM_RING(c, 1), ring, nwant * 8));
		EXPECT_EQ(0, memcmp(ring, want, nwant * 8));
		free(ring);
	}
	EXPECT_LT(frames0, stat1(u, SNNU_ST_OUT_FRAMES));
	EXPECT_EQ(0, stat1(u, SNNU_ST_OUT_LOST));
	EXPECT_EQ(nin, (uint32_t)crd(u, c, SNN_CL_CNT(SNN_CNT_IN_EVENTS)));
	EXPECT_EQ(nwant, (uint32_t)crd(u, c, SNN_CL_CNT(SNN_CNT_OUT_EVENTS)));
	EXPECT_EQ(0, crd(u, c, SNN_CL_CNT(SNN_CNT_LATE)));
	if (small) {
		EXPECT_LT(0, crd(u, c, SNN_CL_CNT(SNN_CNT_STALLS)));
		TH_LOG("%zu events through a %u-entry ring: %u stalls (%u seen)",
		       nwant, 1u << out_log2,
		       crd(u, c, SNN_CL_CNT(SNN_CNT_STALLS)), stalls_seen);
	} else {
		TH_LOG("board-id %#x cluster %u: %zu spikes equal the engine's, "
		       "%u status messages", u->sp->board_id, c, nwant,
		       u->last_seq);
	}
	free(img);
}

/* Load, INPUT frames, RUN, OUTPUT frames: the engine's spikes, each board. */
TEST_F(usb, run_matches_engine)
{
	int i;

	for (i = 0; i < self->n; i++) {
		struct ub *u = &self->b[i];
		unsigned int c = u->sp->clusters - 1;

		check_run(_metadata, u, c, 1 + i, 60, 600, 14, 0);
		/* status messages: seq 1, 2, ... with none missing */
		EXPECT_LT(0, u->last_seq);
		EXPECT_EQ(0, u->seq_errors);
		ASSERT_EQ(0, reset_cluster(u, c));
	}
}

/* A 2-entry output ring: the cluster stalls until the host's DOORBELL. */
TEST_F(usb, backpressure_small_ring)
{
	struct ub *u = &self->b[self->n - 1];

	check_run(_metadata, u, 0, 7, 20, 200, 1, 1);
	ASSERT_EQ(0, reset_cluster(u, 0));
}

/* Board DMA outside device memory is a DMA error, on the error vector too. */
TEST_F(usb, dma_outside_memory)
{
	struct ub *u = &self->b[0];
	unsigned int nc = u->sp->clusters;
	uint64_t bad = u->mem_size - 32, end = now_ms() + 10000;
	uint32_t vec;

	ASSERT_EQ(0, wreg(u, SNN_REG_ERR_STATUS, ~0u));
	cwr(u, 0, SNN_CL_LOAD_ADDR_LO, (uint32_t)bad);
	cwr(u, 0, SNN_CL_LOAD_ADDR_HI, bad >> 32);
	cwr(u, 0, SNN_CL_LOAD_LEN, 4096);
	cwr(u, 0, SNN_CL_LOAD_CMD, SNN_CL_LOAD_START);
	ASSERT_EQ(0, wait_status(u, 0, SNN_CL_ST_LOADING, 0));
	EXPECT_EQ(SNN_E_DMA, crd(u, 0, SNN_CL_ERROR));
	EXPECT_NE(0, rd(u, SNN_REG_ERR_STATUS) & SNN_ERR_DMA);
	EXPECT_EQ((uint32_t)bad, rd(u, SNN_REG_ERR_ADDR_LO));
	EXPECT_EQ(bad >> 32, rd(u, SNN_REG_ERR_ADDR_HI));
	/* the status message names cluster 0 and the error vector */
	while ((u->vec_seen & (1u | 1u << nc)) != (1u | 1u << nc) &&
	       now_ms() < end)
		status_msg(u, &vec, 100);
	EXPECT_EQ(1u | 1u << nc, u->vec_seen & (1u | 1u << nc));
	EXPECT_NE(0, crd(u, 0, SNN_CL_IRQ_STATUS) & SNN_CL_IRQ_ERROR);
	ASSERT_EQ(0, wreg(u, SNN_REG_ERR_STATUS, ~0u));
	ASSERT_EQ(0, reset_cluster(u, 0));
}

/* A scatter-gather load: the list and its chunks in device memory. */
TEST_F(usb, load_sg_from_device_memory)
{
	struct ub *u = &self->b[0];
	uint8_t list[16 * 16] = { 0 };
	size_t len, off, n = 0;
	uint8_t *img = model_ref_net(11, 2, 64, 64, &len);
	uint64_t at;

	if (!(rd(u, SNN_REG_FEATURES) & SNN_FEAT_LOAD_SG))
		SKIP(return, "board without SNN_FEAT_LOAD_SG");
	ASSERT_GT(len, 4096);
	ASSERT_GE(16, (len + 4095) / 4096);
	/* chunks of 4 KiB, in reverse order from 0x100000 down */
	for (off = 0; off < len; off += 4096, n++) {
		uint32_t l = len - off < 4096 ? len - off : 4096;

		at = 0x100000 - 0x2000 * n;
		ASSERT_EQ(0, mem_write(u, at, img + off, l));
		memcpy(list + 16 * n + SNN_SG_D_ADDR, &at, 8);
		memcpy(list + 16 * n + SNN_SG_D_LEN, &l, 4);
	}
	ASSERT_EQ(0, mem_write(u, 0x180010, list, 16 * n));
	cwr(u, 0, SNN_CL_LOAD_ADDR_LO, 0x180010);
	cwr(u, 0, SNN_CL_LOAD_ADDR_HI, 0);
	cwr(u, 0, SNN_CL_LOAD_LEN, len);
	cwr(u, 0, SNN_CL_LOAD_SG_N, n);
	cwr(u, 0, SNN_CL_LOAD_CMD, SNN_CL_LOAD_START | SNN_CL_LOAD_SG);
	ASSERT_EQ(0, wait_status(u, 0, SNN_CL_ST_LOADING, 0));
	EXPECT_EQ(SNN_E_NONE, crd(u, 0, SNN_CL_ERROR));
	EXPECT_NE(0, crd(u, 0, SNN_CL_STATUS) & SNN_CL_ST_LOADED);
	/* a chunk beyond the end of device memory: a DMA error */
	at = u->mem_size;
	ASSERT_EQ(0, mem_write(u, 0x180010 + 16 * (n - 1) + SNN_SG_D_ADDR,
			       &at, 8));
	cwr(u, 0, SNN_CL_LOAD_CMD, SNN_CL_LOAD_START | SNN_CL_LOAD_SG);
	ASSERT_EQ(0, wait_status(u, 0, SNN_CL_ST_LOADING, 0));
	EXPECT_EQ(SNN_E_DMA, crd(u, 0, SNN_CL_ERROR));
	EXPECT_EQ((uint32_t)at, rd(u, SNN_REG_ERR_ADDR_LO));
	ASSERT_EQ(0, wreg(u, SNN_REG_ERR_STATUS, ~0u));
	ASSERT_EQ(0, reset_cluster(u, 0));
	free(img);
}

/* FAULT_IRQ_LOSS loses status messages as it loses MSI-X messages. */
TEST_F(usb, lost_status_message)
{
	struct ub *u;
	uint32_t vec = 0;
	uint64_t end;

	u = fault_board(self->b, self->n);
	if (!u)
		SKIP(return, "no board with x-fault-injection=on");
	drain(u);
	ASSERT_EQ(0, wreg(u, SNN_REG_FAULT_IRQ_LOSS, 0 << 16 | 1));
	ASSERT_EQ(0, reset_cluster(u, 0));	/* RESET_DONE, message lost */
	EXPECT_EQ(-ETIMEDOUT, status_msg(u, &vec, 300));
	EXPECT_NE(0, crd(u, 0, SNN_CL_IRQ_STATUS) & SNN_CL_IRQ_RESET_DONE);
	cwr(u, 0, SNN_CL_IRQ_STATUS, ~0u);
	ASSERT_EQ(0, reset_cluster(u, 0));	/* this one is sent */
	end = now_ms() + 5000;
	while (!(u->vec_seen & 1) && now_ms() < end)
		status_msg(u, &vec, 100);
	EXPECT_EQ(1, u->vec_seen & 1);
	EXPECT_EQ(0, u->seq_errors);
	cwr(u, 0, SNN_CL_IRQ_STATUS, ~0u);
}

/* A USB reset resets the board as a PCIe FLR does, and zeroes its memory. */
TEST_F(usb, usb_reset_resets_board)
{
	struct ub *u = &self->b[0];
	const struct spec *sp = u->sp;
	struct usbdevfs_disconnect_claim dc = { .interface = 0 };
	uint32_t v = 0x77777777;
	uint64_t end;
	size_t len;
	void *img = model_ref_net(3, 1, 16, 16, &len);

	ASSERT_EQ(0, load(u, 0, img, len));
	ASSERT_EQ(0, wreg(u, SNN_REG_SCRATCH, 0xabcd));
	ASSERT_EQ(0, mem_write(u, 0x8000, &v, 4));
	ASSERT_EQ(0, ioctl(u->fd, USBDEVFS_RESET, 0)) TH_LOG("%s",
							     strerror(errno));
	/* the interface was unbound by the reset: claim it again */
	ioctl(u->fd, USBDEVFS_DISCONNECT_CLAIM, &dc);
	end = now_ms() + 10000;
	while (rd(u, SNN_REG_BOARD_STATUS) != SNN_BOARD_STATUS_READY &&
	       now_ms() < end)
		usleep(1000);
	EXPECT_EQ(SNN_BOARD_STATUS_READY, rd(u, SNN_REG_BOARD_STATUS));
	EXPECT_EQ(0, rd(u, SNN_REG_SCRATCH));
	EXPECT_EQ(0, crd(u, 0, SNN_CL_STATUS) & SNN_CL_ST_LOADED);
	EXPECT_EQ(sp->board_id, rd(u, SNN_REG_BOARD_ID));
	ASSERT_EQ(0, mem_read(u, 0x8000, &v, 4));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, stat1(u, SNNU_ST_FRAME_ERRORS));
	free(img);
}

/*
 * Surprise removal in the middle of a run (QMP device_del: immediate for
 * USB), then the board plugged back: it enumerates again and works.
 */
TEST_F(usb, unplug_during_run_and_replug)
{
	struct ub *u = NULL;
	char cmd[700], line[256], sys[64];
	const struct spec *sp = NULL;
	uint64_t end;
	uint32_t prod = 0;
	size_t len;
	static uint64_t in[400];
	void *img;
	FILE *p;
	int i;

	if (!replug_id)
		SKIP(return, "no --replug");
	for (i = 0; i < self->n; i++)
		if (!strcmp(self->b[i].sp->id, replug_id))
			u = &self->b[i];
	ASSERT_NE(NULL, u) TH_LOG("--replug %s: no such --board", replug_id);
	sp = u->sp;
	img = model_ref_net(5, 2, 64, 64, &len);
	model_ref_input(in, 400, 4000, 2, 64);
	ASSERT_EQ(0, load(u, 0, img, len));
	ASSERT_EQ(0, setup_queue(u, 0, 0, 12));
	ASSERT_EQ(0, setup_queue(u, 0, 1, 1));	/* stalls, undrained */
	ASSERT_EQ(0, send_input(u, 0, in, 400, 100, &prod));
	ASSERT_EQ(0, cwr(u, 0, SNN_CL_RUN, 4000));
	usleep(100 * 1000);
	if (sp->clusters > 1) {
		ASSERT_EQ(0, load(u, 1, img, len));
		ASSERT_EQ(0, cwr(u, 1, SNN_CL_RUN, 1000000));
	}

	snprintf(cmd, sizeof(cmd), "snn-agent 'UNPLUG %s' 2>&1", sp->id);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	line[0] = 0;
	if (!fgets(line, sizeof(line), p))
		line[0] = 0;
	EXPECT_EQ(0, pclose(p)) TH_LOG("%s", line);
	/* the device is gone: usbfs says so, sysfs forgets it */
	end = now_ms() + 10000;
	while (!find_board(sp->board_id, sys, sizeof(sys)) &&
	       now_ms() < end)
		usleep(10000);
	EXPECT_NE(0, find_board(sp->board_id, sys, sizeof(sys)));
	EXPECT_EQ(-ENODEV, rreg(u, SNN_REG_MAGIC, &prod));
	board_close(u);

	snprintf(cmd, sizeof(cmd), "snn-agent 'PLUG %s' 2>&1", sp->props);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	if (!fgets(line, sizeof(line), p))
		line[0] = 0;
	EXPECT_EQ(0, pclose(p)) TH_LOG("%s", line);
	end = now_ms() + 20000;
	while (find_board(sp->board_id, sys, sizeof(sys)) && now_ms() < end)
		usleep(10000);
	usleep(200 * 1000);
	ASSERT_EQ(0, board_open(u, sp));
	EXPECT_EQ(SNN_MAGIC, rd(u, SNN_REG_MAGIC));
	EXPECT_EQ(sp->board_id, rd(u, SNN_REG_BOARD_ID));
	EXPECT_EQ(0, crd(u, 0, SNN_CL_STATUS) & SNN_CL_ST_LOADED);
	/* and it runs */
	check_run(_metadata, u, 0, 9, 20, 200, 12, 0);
	free(img);
}

/* ---- main -------------------------------------------------------------------- */

static unsigned int prop_u(const char *props, const char *key,
			   unsigned int def)
{
	char k[64];
	const char *p = props;
	size_t kl;

	snprintf(k, sizeof(k), "%s=", key);
	kl = strlen(k);
	while (p && *p) {
		if (!strncmp(p, k, kl)) {
			if (!strncmp(p + kl, "on", 2) ||
			    !strncmp(p + kl, "true", 4))
				return 1;
			if (!strncmp(p + kl, "off", 3) ||
			    !strncmp(p + kl, "false", 5))
				return 0;
			return strtoul(p + kl, NULL, 0);
		}
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return def;
}

static int parse_board(const char *arg)
{
	struct spec *sp = &specs[n_specs];
	const char *colon = strchr(arg, ':'), *id;

	if (!colon || n_specs == MAX_BOARDS)
		return -1;
	snprintf(sp->speed, sizeof(sp->speed), "%.*s", (int)(colon - arg),
		 arg);
	if (strcmp(sp->speed, "high") && strcmp(sp->speed, "super"))
		return -1;
	snprintf(sp->props, sizeof(sp->props), "%s", colon + 1);
	id = strstr(sp->props, "id=");
	while (id && id != sp->props && id[-1] != ',')
		id = strstr(id + 1, "id=");
	if (id)
		snprintf(sp->id, sizeof(sp->id), "%.*s",
			 (int)strcspn(id + 3, ","), id + 3);
	sp->board_id = prop_u(sp->props, "board-id", 1);
	sp->clusters = prop_u(sp->props, "clusters", 2);
	sp->routers = prop_u(sp->props, "routers", 1);
	sp->in_queues = prop_u(sp->props, "in-queues", 4);
	sp->out_queues = prop_u(sp->props, "out-queues", 4);
	sp->queue_log2 = prop_u(sp->props, "queue-log2", 16);
	sp->mem_mib = prop_u(sp->props, "mem-mib", 64);
	sp->fault = prop_u(sp->props, "x-fault-injection", 0);
	n_specs++;
	return 0;
}

/* what TEST_HARNESS_MAIN does besides main(): keep the tests in order */
static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: model_usb_test --board SPEED:PROPS... [--replug ID] "
		"[harness options]\n"
		"  SPEED: high or super; PROPS: the board's -device string\n");
}

int main(int argc, char **argv)
{
	int i, out = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--board") && i + 1 < argc) {
			if (parse_board(argv[++i])) {
				usage();
				return 2;
			}
			continue;
		}
		if (!strcmp(argv[i], "--replug") && i + 1 < argc) {
			replug_id = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			return 0;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return test_harness_run(out, argv);
}
