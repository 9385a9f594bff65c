// SPDX-License-Identifier: GPL-2.0
/*
 * The board model driven from user space, before (and independently of)
 * the kernel driver: registers through the sysfs resource files, DMA into
 * a hugetlb page whose physical address comes from /proc/self/pagemap.
 * Needs root and no IOMMU translation (bus address = physical address).
 *
 * It proves the model's DMA paths, the engine inside QEMU (bit-identical
 * to the same engine run here in the guest), back-pressure, drop mode,
 * errors, routing and fault injection.  The board used is the first one
 * with fault injection (x-fault-injection=on), else the first one.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "snn_hw.h"
#include "model_ref.h"

#define HUGE_SZ		(2u << 20)
#define OFF_IMG		0x000000	/* image area, 1 MiB */
#define OFF_RING(c, d)	(0x100000 + 0x40000 * (c) + 0x20000 * (d))
#define OFF_WB(c, d)	(0x1ff000 + 0x100 * (c) + 0x40 * (d))
#define RING_MAX	(0x20000 / 8)

struct board {
	char path[300];
	volatile uint8_t *regs;
	volatile uint8_t *db;
	size_t db_len;
	uint8_t *mem;
	uint64_t pa;
	unsigned int clusters, cores, neurons, axons;
	int fault;
};

static uint32_t rd(struct board *b, uint32_t off)
{
	return *(volatile uint32_t *)(b->regs + off);
}

static void wr(struct board *b, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(b->regs + off) = v;
}

static uint32_t crd(struct board *b, unsigned int c, uint32_t off)
{
	return rd(b, SNN_CLUSTER_BASE(c) + off);
}

static void cwr(struct board *b, unsigned int c, uint32_t off, uint32_t v)
{
	wr(b, SNN_CLUSTER_BASE(c) + off, v);
}

static uint64_t cnt(struct board *b, unsigned int c, unsigned int i)
{
	uint32_t hi, lo;

	do {
		hi = crd(b, c, SNN_CL_CNT(i) + 4);
		lo = crd(b, c, SNN_CL_CNT(i));
	} while (hi != crd(b, c, SNN_CL_CNT(i) + 4));
	return (uint64_t)hi << 32 | lo;
}

static void db(struct board *b, unsigned int c, uint32_t off, uint32_t v)
{
	__sync_synchronize();
	*(volatile uint32_t *)(b->db + SNN_DB_PAGE_SIZE * c + off) = v;
}

static int sysfs_u32(const char *dir, const char *name, unsigned int *v)
{
	char p[512], buf[64];
	FILE *f;
	int ok;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "r");
	if (!f)
		return -1;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	*v = strtoul(buf, NULL, 0);
	return 0;
}

static void *map_res(const char *dir, int n, size_t *len)
{
	char p[512];
	struct stat st;
	void *m;
	off_t sz;
	int fd;

	snprintf(p, sizeof(p), "%s/resource%d", dir, n);
	fd = open(p, O_RDWR | O_SYNC);
	if (fd < 0)
		return NULL;
	/* sysfs files cannot seek to their end: their size is in stat */
	if (fstat(fd, &st) || !st.st_size) {
		close(fd);
		return NULL;
	}
	sz = st.st_size;
	m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	if (len)
		*len = sz;
	return m;
}

/* Memory decoding and bus mastering on, as a driver would. */
static int pci_enable(const char *dir)
{
	char p[512];
	uint16_t cmd;
	int fd, ret = -1;

	snprintf(p, sizeof(p), "%s/config", dir);
	fd = open(p, O_RDWR);
	if (fd < 0)
		return -1;
	if (pread(fd, &cmd, 2, 4) == 2) {
		cmd |= 0x6;
		if (pwrite(fd, &cmd, 2, 4) == 2)
			ret = 0;
	}
	close(fd);
	return ret;
}

static uint64_t virt_to_phys(void *v)
{
	uint64_t e = 0;
	long pg = sysconf(_SC_PAGESIZE);
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, 8, ((uintptr_t)v / pg) * 8) != 8)
		e = 0;
	close(fd);
	if (!(e >> 63) || !(e & ((1ull << 55) - 1)))
		return 0;
	return (e & ((1ull << 55) - 1)) * pg + ((uintptr_t)v % pg);
}

static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "# board_open: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", strerror(errno));
	va_end(ap);
	return -1;
}

static int board_open(struct board *b)
{
	struct dirent *de;
	DIR *d = opendir("/sys/bus/pci/devices");
	char first[300] = "";
	FILE *f;

	if (!d)
		return -1;
	b->path[0] = 0;
	while ((de = readdir(d))) {
		char dir[300];
		unsigned int ven, dev;
		volatile uint8_t *r;

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s",
			 de->d_name);
		if (sysfs_u32(dir, "vendor", &ven) ||
		    sysfs_u32(dir, "device", &dev) ||
		    ven != SNN_PCI_VENDOR_ID || dev != SNN_PCI_DEVICE_ID)
			continue;
		if (!first[0])
			snprintf(first, sizeof(first), "%s", dir);
		if (pci_enable(dir))
			continue;
		r = map_res(dir, 0, NULL);
		if (!r)
			continue;
		if (*(volatile uint32_t *)(r + SNN_REG_FEATURES) &
		    SNN_FEAT_FAULT_INJECT)
			snprintf(b->path, sizeof(b->path), "%s", dir);
		munmap((void *)r, SNN_REGS_SIZE);
		if (b->path[0])
			break;
	}
	closedir(d);
	if (!b->path[0])
		snprintf(b->path, sizeof(b->path), "%s", first);
	if (!b->path[0])
		return fail("no snn PCI device (%04x:%04x) in sysfs",
			    SNN_PCI_VENDOR_ID, SNN_PCI_DEVICE_ID);
	if (pci_enable(b->path))
		return fail("%s: cannot enable memory/bus master", b->path);
	b->regs = map_res(b->path, SNN_BAR_REGS, NULL);
	b->db = map_res(b->path, SNN_BAR_DOORBELL, &b->db_len);
	if (!b->regs || !b->db)
		return fail("%s: cannot map resource0/2", b->path);
	b->clusters = rd(b, SNN_REG_N_CLUSTERS);
	b->cores = rd(b, SNN_REG_CORES);
	b->neurons = rd(b, SNN_REG_NEURONS);
	b->axons = rd(b, SNN_REG_AXONS);
	b->fault = !!(rd(b, SNN_REG_FEATURES) & SNN_FEAT_FAULT_INJECT);

	f = fopen("/proc/sys/vm/nr_hugepages", "w");
	if (f) {
		fputs("8\n", f);
		fclose(f);
	}
	b->mem = mmap(NULL, HUGE_SZ, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE,
		      -1, 0);
	if (b->mem == MAP_FAILED) {
		b->mem = NULL;
		return fail("no 2 MiB hugetlb page");
	}
	memset(b->mem, 0, HUGE_SZ);
	if (mlock(b->mem, HUGE_SZ))
		return fail("mlock failed");
	b->pa = virt_to_phys(b->mem);
	return b->pa ? 0 : fail("no physical address in /proc/self/pagemap");
}

static void board_close(struct board *b)
{
	if (b->regs)
		munmap((void *)b->regs, SNN_REGS_SIZE);
	if (b->db)
		munmap((void *)b->db, b->db_len);
	if (b->mem)
		munmap(b->mem, HUGE_SZ);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* Poll until (status & mask) == want; 0 or -1 on a 10 s timeout. */
static int wait_status(struct board *b, unsigned int c, uint32_t mask,
		       uint32_t want)
{
	uint64_t end = now_ms() + 10000;

	while ((crd(b, c, SNN_CL_STATUS) & mask) != want) {
		if (now_ms() > end)
			return -1;
		usleep(200);
	}
	return 0;
}

static int reset_cluster(struct board *b, unsigned int c)
{
	cwr(b, c, SNN_CL_CTRL, SNN_CL_CTRL_RESET);
	return wait_status(b, c, SNN_CL_ST_RESETTING, 0);
}

/* DMA the image into cluster c; returns 0 or the SNN_E_* code. */
static uint32_t load(struct board *b, unsigned int c, const void *img,
		     size_t len)
{
	memcpy(b->mem + OFF_IMG, img, len);
	__sync_synchronize();
	cwr(b, c, SNN_CL_LOAD_ADDR_LO, (uint32_t)(b->pa + OFF_IMG));
	cwr(b, c, SNN_CL_LOAD_ADDR_HI, (b->pa + OFF_IMG) >> 32);
	cwr(b, c, SNN_CL_LOAD_LEN, len);
	cwr(b, c, SNN_CL_LOAD_CMD, SNN_CL_LOAD_START);
	if (wait_status(b, c, SNN_CL_ST_LOADING, 0))
		return 0xdead;
	if (crd(b, c, SNN_CL_STATUS) & SNN_CL_ST_ERROR)
		return crd(b, c, SNN_CL_ERROR);
	return (crd(b, c, SNN_CL_STATUS) & SNN_CL_ST_LOADED) ? 0 : 0xbad;
}

static uint64_t *ring(struct board *b, unsigned int c, int out)
{
	return (uint64_t *)(b->mem + OFF_RING(c, out));
}

static uint32_t wbval(struct board *b, unsigned int c, int out)
{
	__sync_synchronize();
	return *(volatile uint32_t *)(b->mem + OFF_WB(c, out));
}

static void setup_queue(struct board *b, unsigned int c, int out,
			unsigned int log2)
{
	uint32_t base = out ? SNN_CL_OUTQ(0) : SNN_CL_INQ(0);
	uint64_t rpa = b->pa + OFF_RING(c, out), wpa = b->pa + OFF_WB(c, out);

	*(volatile uint32_t *)(b->mem + OFF_WB(c, out)) = 0;
	cwr(b, c, base + SNN_Q_BASE_LO, (uint32_t)rpa);
	cwr(b, c, base + SNN_Q_BASE_HI, rpa >> 32);
	cwr(b, c, base + SNN_Q_WB_LO, (uint32_t)wpa);
	cwr(b, c, base + SNN_Q_WB_HI, wpa >> 32);
	cwr(b, c, base + SNN_Q_SIZE_LOG2, log2);
	cwr(b, c, base + SNN_Q_CTRL, SNN_Q_CTRL_ENABLE);
}

FIXTURE(model) {
	struct board b;
};

FIXTURE_SETUP(model)
{
	unsigned int c;

	memset(&self->b, 0, sizeof(self->b));
	/* root, a hugetlb page and no IOMMU translation are needed */
	ASSERT_EQ(0, board_open(&self->b));
	for (c = 0; c < self->b.clusters; c++)
		ASSERT_EQ(0, reset_cluster(&self->b, c));
}

FIXTURE_TEARDOWN(model)
{
	board_close(&self->b);
}

/* Load, feed, run, drain: the board's spikes equal the engine's. */
TEST_F(model, run_matches_engine)
{
	struct board *b = &self->b;
	const unsigned int steps = 60, nin = 600;
	static uint64_t in[600], want[RING_MAX];
	size_t len, nwant, i;
	uint32_t tail;
	void *img = model_ref_net(1, 2, 64, 64, &len);

	ASSERT_NE(NULL, img);
	model_ref_input(in, nin, steps, 2, 64);
	nwant = model_ref_spikes(img, len, in, nin, steps, want, RING_MAX);
	ASSERT_NE((size_t)-1, nwant);
	ASSERT_GT(nwant, 100);
	TH_LOG("%zu output spikes expected", nwant);

	ASSERT_EQ(0, load(b, 0, img, len));
	setup_queue(b, 0, 0, 12);
	setup_queue(b, 0, 1, 14);
	memcpy(ring(b, 0, 0), in, sizeof(in));
	db(b, 0, SNN_DB_INQ(0), nin);
	cwr(b, 0, SNN_CL_RUN, steps);
	ASSERT_EQ(0, wait_status(b, 0, SNN_CL_ST_RUNNING, 0));
	ASSERT_EQ(0, crd(b, 0, SNN_CL_STATUS) & SNN_CL_ST_ERROR);
	EXPECT_EQ(steps, crd(b, 0, SNN_CL_TIMESTEP));
	EXPECT_EQ(nin, wbval(b, 0, 0));
	tail = wbval(b, 0, 1);
	ASSERT_EQ(nwant, tail);
	for (i = 0; i < nwant; i++)
		if (ring(b, 0, 1)[i] != want[i])
			break;
	EXPECT_EQ(nwant, i) {
		TH_LOG("first difference at event %zu: board %#llx engine %#llx",
		       i, (unsigned long long)ring(b, 0, 1)[i],
		       (unsigned long long)want[i]);
	}
	EXPECT_EQ(steps, cnt(b, 0, SNN_CNT_TIMESTEPS));
	EXPECT_EQ(nin, cnt(b, 0, SNN_CNT_IN_EVENTS));
	EXPECT_EQ(nwant, cnt(b, 0, SNN_CNT_OUT_EVENTS));
	EXPECT_EQ(nwant, cnt(b, 0, SNN_CNT_SPIKES));
	EXPECT_EQ(0, cnt(b, 0, SNN_CNT_DROPS));
	EXPECT_EQ(0, cnt(b, 0, SNN_CNT_LATE));
	EXPECT_LT(0, cnt(b, 0, SNN_CNT_SYN_OPS));
	EXPECT_NE(0, crd(b, 0, SNN_CL_IRQ_STATUS) & SNN_CL_IRQ_RUN_DONE);
	free(img);
}

/* A 2-entry output ring: the cluster stalls, nothing is lost. */
TEST_F(model, full_output_queue_backpressure)
{
	struct board *b = &self->b;
	const unsigned int steps = 20, nin = 200;
	static uint64_t in[200], want[RING_MAX], got[RING_MAX];
	size_t len, nwant, ngot = 0;
	uint32_t head = 0, stalls_seen = 0;
	uint64_t end = now_ms() + 20000;
	void *img = model_ref_net(2, 1, 32, 32, &len);

	model_ref_input(in, nin, steps, 1, 32);
	nwant = model_ref_spikes(img, len, in, nin, steps, want, RING_MAX);
	ASSERT_GT(nwant, 8);
	ASSERT_EQ(0, load(b, 0, img, len));
	setup_queue(b, 0, 0, 8);
	setup_queue(b, 0, 1, 1);
	memcpy(ring(b, 0, 0), in, sizeof(in));
	db(b, 0, SNN_DB_INQ(0), nin);
	cwr(b, 0, SNN_CL_RUN, steps);
	while (ngot < nwant && now_ms() < end) {
		uint32_t tail = wbval(b, 0, 1);

		if (crd(b, 0, SNN_CL_STATUS) & SNN_CL_ST_STALLED)
			stalls_seen++;
		if (tail == head) {
			usleep(500);
			continue;
		}
		while (head != tail && ngot < RING_MAX)
			got[ngot++] = ring(b, 0, 1)[head++ & 1];
		db(b, 0, SNN_DB_OUTQ(0), head);
	}
	ASSERT_EQ(0, wait_status(b, 0, SNN_CL_ST_RUNNING, 0));
	ASSERT_EQ(nwant, ngot);
	EXPECT_EQ(0, memcmp(got, want, nwant * 8));
	EXPECT_LT(0, cnt(b, 0, SNN_CNT_STALLS));
	EXPECT_EQ(0, cnt(b, 0, SNN_CNT_DROPS));
	TH_LOG("%zu events through a 2-entry ring, %llu stalls (%u seen)",
	       ngot, (unsigned long long)cnt(b, 0, SNN_CNT_STALLS),
	       stalls_seen);
	free(img);
}

/* OUT_DROP mode: a full ring drops, and every drop is counted. */
TEST_F(model, drop_mode_counts_every_drop)
{
	struct board *b = &self->b;
	const unsigned int steps = 20, nin = 200;
	static uint64_t in[200], want[RING_MAX];
	size_t len, nwant;
	void *img = model_ref_net(2, 1, 32, 32, &len);

	model_ref_input(in, nin, steps, 1, 32);
	nwant = model_ref_spikes(img, len, in, nin, steps, want, RING_MAX);
	ASSERT_EQ(0, load(b, 0, img, len));
	cwr(b, 0, SNN_CL_CONFIG, SNN_CL_CFG_OUT_DROP);
	setup_queue(b, 0, 0, 8);
	setup_queue(b, 0, 1, 2);
	memcpy(ring(b, 0, 0), in, sizeof(in));
	db(b, 0, SNN_DB_INQ(0), nin);
	cwr(b, 0, SNN_CL_RUN, steps);
	ASSERT_EQ(0, wait_status(b, 0, SNN_CL_ST_RUNNING, 0));
	EXPECT_EQ(4, cnt(b, 0, SNN_CNT_OUT_EVENTS));
	EXPECT_EQ(nwant - 4, cnt(b, 0, SNN_CNT_DROPS));
	EXPECT_EQ(0, memcmp(ring(b, 0, 1), want, 4 * 8));
	free(img);
}

/* A bad image is refused with the offset of the bad field. */
TEST_F(model, bad_image_names_field)
{
	struct board *b = &self->b;
	struct snn_img_writer *w = snn_img_writer_new(1, 16, 16);
	size_t len;
	void *img;

	snn_img_add_profile(w, 0, 0, 10, 0, 0);
	snn_img_add_neuron(w, 0, 3, 0, 0, 0, 0);
	snn_img_add_synapse(w, 0, 1, 4, 10);	/* neuron 4 does not exist */
	img = snn_img_writer_build(w, &len);
	snn_img_writer_free(w);
	EXPECT_EQ(SNN_E_IMG_UNDEFINED, load(b, 0, img, len));
	/* header 64 + profile 16 + neuron 8; the synapse's neuron at +4 */
	EXPECT_EQ(64 + 16 + 8 + SNN_IMG_S_NEURON,
		  crd(b, 0, SNN_CL_ERROR_INFO));
	EXPECT_EQ(0, crd(b, 0, SNN_CL_STATUS) & SNN_CL_ST_LOADED);
	EXPECT_NE(0, rd(b, SNN_REG_ERR_STATUS) & SNN_ERR_CLUSTER(0));
	wr(b, SNN_REG_ERR_STATUS, SNN_ERR_CLUSTER(0));
	ASSERT_EQ(0, reset_cluster(b, 0));
	EXPECT_EQ(0, crd(b, 0, SNN_CL_STATUS) & SNN_CL_ST_ERROR);
	free(img);
}

/* An input event with a nonzero payload stops the run: nothing dropped. */
TEST_F(model, bad_event_is_an_error)
{
	struct board *b = &self->b;
	size_t len;
	void *img = model_ref_net(3, 1, 16, 16, &len);

	ASSERT_EQ(0, load(b, 0, img, len));
	setup_queue(b, 0, 0, 4);
	setup_queue(b, 0, 1, 10);
	ring(b, 0, 0)[0] = SNN_EV_MAKE(0, 0, 1);
	ring(b, 0, 0)[1] = SNN_EV_MAKE(1, 0, 2) | (1ull << 56);
	db(b, 0, SNN_DB_INQ(0), 2);
	cwr(b, 0, SNN_CL_RUN, 5);
	ASSERT_EQ(0, wait_status(b, 0, SNN_CL_ST_ERROR, SNN_CL_ST_ERROR));
	EXPECT_EQ(SNN_E_BAD_EVENT, crd(b, 0, SNN_CL_ERROR));
	EXPECT_EQ(1, crd(b, 0, SNN_CL_ERROR_INFO));	/* queue 0, slot 1 */
	EXPECT_EQ(1, crd(b, 0, SNN_CL_TIMESTEP));
	EXPECT_EQ(0, crd(b, 0, SNN_CL_STATUS) & SNN_CL_ST_RUNNING);
	free(img);
}

/* Input tagged t is applied at t; spikes at t reach fan-out at t + 1. */
TEST_F(model, timestep_semantics)
{
	struct board *b = &self->b;
	struct snn_img_writer *w = snn_img_writer_new(1, 4, 4);
	size_t len;
	void *img;

	/* du=4095: u = a_in << 6; vth 0: any positive v fires */
	snn_img_add_profile(w, 4095, 4095, 0, 0, 0);
	snn_img_add_neuron(w, 0, 0, 0, SNN_NEURON_OUT, 0, 0);
	snn_img_add_neuron(w, 0, 1, 0, SNN_NEURON_OUT, 0, 0);
	snn_img_add_synapse(w, 0, 0, 0, 1);	/* axon 0 -> neuron 0 */
	snn_img_add_synapse(w, 0, 1, 1, 1);	/* axon 1 -> neuron 1 */
	snn_img_add_fanout(w, 0, 0, 0, 1);	/* neuron 0 -> axon 1 */
	img = snn_img_writer_build(w, &len);
	snn_img_writer_free(w);
	ASSERT_EQ(0, load(b, 0, img, len));
	setup_queue(b, 0, 0, 4);
	setup_queue(b, 0, 1, 4);
	ring(b, 0, 0)[0] = SNN_EV_MAKE(3, 0, 0);
	db(b, 0, SNN_DB_INQ(0), 1);
	cwr(b, 0, SNN_CL_RUN, 8);
	ASSERT_EQ(0, wait_status(b, 0, SNN_CL_ST_RUNNING, 0));
	ASSERT_EQ(2, wbval(b, 0, 1));
	EXPECT_EQ(SNN_EV_MAKE(3, 0, 0), ring(b, 0, 1)[0]);
	EXPECT_EQ(SNN_EV_MAKE(4, 0, 1), ring(b, 0, 1)[1]);
	free(img);
}

/* A route adds its delay: fired at t on cluster 0, applied at t+1+delay. */
TEST_F(model, route_between_clusters)
{
	struct board *b = &self->b;
	struct snn_img_writer *w;
	uint32_t delay, mask, r = 0;
	size_t len;
	void *img;

	if (!rd(b, SNN_REG_N_ROUTERS) || b->clusters < 2)
		SKIP(return, "board has no router");
	mask = rd(b, SNN_ROUTER_BASE(0) + SNN_RT_CLUSTERS);
	if ((mask & 3) != 3)
		SKIP(return, "router 0 does not connect clusters 0 and 1");
	delay = rd(b, SNN_ROUTER_BASE(r) + SNN_RT_DELAY);

	w = snn_img_writer_new(1, 4, 4);
	snn_img_add_profile(w, 4095, 4095, 0, 0, 0);
	snn_img_add_neuron(w, 0, 2, 0, SNN_NEURON_OUT, 0, 0);
	snn_img_add_synapse(w, 0, 0, 2, 1);
	img = snn_img_writer_build(w, &len);
	snn_img_writer_free(w);
	ASSERT_EQ(0, load(b, 0, img, len));
	ASSERT_EQ(0, load(b, 1, img, len));
	setup_queue(b, 0, 0, 4);
	setup_queue(b, 0, 1, 4);
	setup_queue(b, 1, 0, 4);
	setup_queue(b, 1, 1, 4);

	wr(b, SNN_ROUTER_BASE(r) + SNN_RT_SRC, SNN_RT_ADDR(0, 0, 2));
	wr(b, SNN_ROUTER_BASE(r) + SNN_RT_DST, SNN_RT_ADDR(1, 0, 0));
	wr(b, SNN_ROUTER_BASE(r) + SNN_RT_CMD, SNN_RT_CMD_ADD);
	ASSERT_EQ(SNN_E_NONE, rd(b, SNN_ROUTER_BASE(r) + SNN_RT_CMD_STATUS));
	wr(b, SNN_ROUTER_BASE(r) + SNN_RT_CMD, SNN_RT_CMD_ADD);
	EXPECT_EQ(SNN_E_RT_EXISTS,
		  rd(b, SNN_ROUTER_BASE(r) + SNN_RT_CMD_STATUS));
	EXPECT_EQ(1, rd(b, SNN_ROUTER_BASE(r) + SNN_RT_COUNT));

	ring(b, 0, 0)[0] = SNN_EV_MAKE(2, 0, 0);
	db(b, 0, SNN_DB_INQ(0), 1);
	cwr(b, 0, SNN_CL_RUN, 10);
	ASSERT_EQ(0, wait_status(b, 0, SNN_CL_ST_RUNNING, 0));
	cwr(b, 1, SNN_CL_RUN, 10);
	ASSERT_EQ(0, wait_status(b, 1, SNN_CL_ST_RUNNING, 0));
	ASSERT_EQ(1, wbval(b, 0, 1));
	EXPECT_EQ(SNN_EV_MAKE(2, 0, 2), ring(b, 0, 1)[0]);
	ASSERT_EQ(1, wbval(b, 1, 1));
	EXPECT_EQ(SNN_EV_MAKE(2 + 1 + delay, 0, 2), ring(b, 1, 1)[0]);
	EXPECT_EQ(1, cnt(b, 0, SNN_CNT_ROUTED_OUT));
	EXPECT_EQ(1, cnt(b, 1, SNN_CNT_ROUTED_IN));
	EXPECT_EQ(0, cnt(b, 1, SNN_CNT_LATE));

	wr(b, SNN_ROUTER_BASE(r) + SNN_RT_CMD, SNN_RT_CMD_DEL);
	EXPECT_EQ(SNN_E_NONE, rd(b, SNN_ROUTER_BASE(r) + SNN_RT_CMD_STATUS));
	wr(b, SNN_ROUTER_BASE(r) + SNN_RT_CMD, SNN_RT_CMD_DEL);
	EXPECT_EQ(SNN_E_RT_NOENT,
		  rd(b, SNN_ROUTER_BASE(r) + SNN_RT_CMD_STATUS));
	wr(b, SNN_ROUTER_BASE(r) + SNN_RT_SRC, SNN_RT_ADDR(0, 200, 2));
	wr(b, SNN_ROUTER_BASE(r) + SNN_RT_CMD, SNN_RT_CMD_ADD);
	EXPECT_EQ(SNN_E_RT_RANGE,
		  rd(b, SNN_ROUTER_BASE(r) + SNN_RT_CMD_STATUS));
	free(img);
}

/* A hung cluster is recovered by its reset; its neighbour runs on. */
TEST_F(model, hang_recovered_by_reset)
{
	struct board *b = &self->b;
	size_t len;
	void *img = model_ref_net(4, 1, 16, 16, &len);
	uint32_t t0;

	if (!b->fault || b->clusters < 2)
		SKIP(return, "needs x-fault-injection=on and 2 clusters");
	ASSERT_EQ(0, load(b, 0, img, len));
	ASSERT_EQ(0, load(b, 1, img, len));
	setup_queue(b, 0, 1, 12);
	setup_queue(b, 1, 1, 12);
	wr(b, SNN_REG_FAULT_HANG, 1u << 0);
	cwr(b, 0, SNN_CL_RUN, 5);
	cwr(b, 1, SNN_CL_RUN, 5);
	ASSERT_EQ(0, wait_status(b, 1, SNN_CL_ST_RUNNING, 0));
	t0 = crd(b, 0, SNN_CL_TIMESTEP);
	usleep(200000);
	EXPECT_EQ(t0, crd(b, 0, SNN_CL_TIMESTEP));
	EXPECT_NE(0, crd(b, 0, SNN_CL_STATUS) & SNN_CL_ST_RUNNING);
	EXPECT_EQ(5, crd(b, 1, SNN_CL_TIMESTEP));
	cwr(b, 0, SNN_CL_CTRL, SNN_CL_CTRL_RESET_STATE);
	ASSERT_EQ(0, wait_status(b, 0, SNN_CL_ST_RESETTING, 0));
	EXPECT_EQ(0, crd(b, 0, SNN_CL_STATUS) & SNN_CL_ST_RUNNING);
	EXPECT_NE(0, crd(b, 0, SNN_CL_STATUS) & SNN_CL_ST_LOADED);
	cwr(b, 0, SNN_CL_RUN, 3);
	ASSERT_EQ(0, wait_status(b, 0, SNN_CL_ST_RUNNING, 0));
	EXPECT_EQ(3, crd(b, 0, SNN_CL_TIMESTEP));
	EXPECT_EQ(5, crd(b, 1, SNN_CL_TIMESTEP));
	free(img);
}

/* An injected DMA failure is reported with its address. */
TEST_F(model, dma_error_reported)
{
	struct board *b = &self->b;
	size_t len;
	void *img = model_ref_net(5, 1, 16, 16, &len);
	uint64_t a;

	if (!b->fault)
		SKIP(return, "needs x-fault-injection=on");
	wr(b, SNN_REG_ERR_STATUS, ~0u);
	wr(b, SNN_REG_FAULT_DMA, (0u << 16) | 1);
	EXPECT_EQ(SNN_E_DMA, load(b, 0, img, len));
	EXPECT_NE(0, rd(b, SNN_REG_ERR_STATUS) & SNN_ERR_DMA);
	a = rd(b, SNN_REG_ERR_ADDR_LO) |
	    (uint64_t)rd(b, SNN_REG_ERR_ADDR_HI) << 32;
	EXPECT_EQ(b->pa + OFF_IMG, a);
	ASSERT_EQ(0, reset_cluster(b, 0));
	EXPECT_EQ(0, load(b, 0, img, len));
	free(img);
}

/* ---- scatter-gather loads (SNN_FEAT_LOAD_SG, docs/hardware.md 6.10) ---- */

#define OFF_SG_LIST	0x0f0000	/* list area (64 KiB) in the image area */
#define SG_CHUNK	4096

struct sgent {
	uint64_t addr;
	uint32_t len, flags;
};

/*
 * Scatter img over the image area in SG_CHUNK pieces placed last first,
 * describe them in order in e[]; returns the number of entries.
 */
static unsigned int sg_scatter(struct board *b, const void *img, size_t len,
			       struct sgent *e)
{
	unsigned int n = (len + SG_CHUNK - 1) / SG_CHUNK, i;

	for (i = 0; i < n; i++) {
		size_t off = OFF_IMG + (size_t)(n - 1 - i) * SG_CHUNK;
		size_t l = len - (size_t)i * SG_CHUNK;

		if (l > SG_CHUNK)
			l = SG_CHUNK;
		memcpy(b->mem + off, (const uint8_t *)img + i * SG_CHUNK, l);
		e[i].addr = b->pa + off;
		e[i].len = l;
		e[i].flags = 0;
	}
	return n;
}

/* Write the list (little-endian, like the x86 guest) and start the load. */
static uint32_t load_sg(struct board *b, unsigned int c, const struct sgent *e,
			unsigned int n, uint64_t list_off, uint32_t len)
{
	uint8_t *l = b->mem + OFF_SG_LIST;
	uint64_t list = b->pa + OFF_SG_LIST + list_off;
	unsigned int i;

	for (i = 0; i < n && i < 4096; i++) {
		memcpy(l + 16 * i + SNN_SG_D_ADDR, &e[i].addr, 8);
		memcpy(l + 16 * i + SNN_SG_D_LEN, &e[i].len, 4);
		memcpy(l + 16 * i + SNN_SG_D_FLAGS, &e[i].flags, 4);
	}
	__sync_synchronize();
	cwr(b, c, SNN_CL_LOAD_ADDR_LO, (uint32_t)list);
	cwr(b, c, SNN_CL_LOAD_ADDR_HI, list >> 32);
	cwr(b, c, SNN_CL_LOAD_LEN, len);
	cwr(b, c, SNN_CL_LOAD_SG_N, n);
	cwr(b, c, SNN_CL_LOAD_CMD, SNN_CL_LOAD_START | SNN_CL_LOAD_SG);
	if (wait_status(b, c, SNN_CL_ST_LOADING, 0))
		return 0xdead;
	if (crd(b, c, SNN_CL_STATUS) & SNN_CL_ST_ERROR)
		return crd(b, c, SNN_CL_ERROR);
	return (crd(b, c, SNN_CL_STATUS) & SNN_CL_ST_LOADED) ? 0 : 0xbad;
}

/* An image in scattered pages runs exactly like the engine says. */
TEST_F(model, sg_load_runs)
{
	struct board *b = &self->b;
	const unsigned int steps = 40, nin = 400;
	static uint64_t in[400], want[RING_MAX];
	static struct sgent e[64];
	size_t len, nwant, i;
	unsigned int n;
	void *img = model_ref_net(11, 4, 64, 64, &len);

	if (!(rd(b, SNN_REG_FEATURES) & SNN_FEAT_LOAD_SG))
		SKIP(free(img); return, "board without SNN_FEAT_LOAD_SG");
	ASSERT_NE(NULL, img);
	ASSERT_LT(3 * SG_CHUNK, len);
	model_ref_input(in, nin, steps, 4, 64);
	nwant = model_ref_spikes(img, len, in, nin, steps, want, RING_MAX);
	ASSERT_NE((size_t)-1, nwant);
	n = sg_scatter(b, img, len, e);
	TH_LOG("%zu byte image in %u chunks, %zu spikes expected", len, n,
	       nwant);
	ASSERT_EQ(0, load_sg(b, 0, e, n, 0, len));
	EXPECT_EQ(n, crd(b, 0, SNN_CL_LOAD_SG_N));
	setup_queue(b, 0, 0, 12);
	setup_queue(b, 0, 1, 14);
	memcpy(ring(b, 0, 0), in, sizeof(in));
	db(b, 0, SNN_DB_INQ(0), nin);
	cwr(b, 0, SNN_CL_RUN, steps);
	ASSERT_EQ(0, wait_status(b, 0, SNN_CL_ST_RUNNING, 0));
	ASSERT_EQ(0, crd(b, 0, SNN_CL_STATUS) & SNN_CL_ST_ERROR);
	ASSERT_EQ(nwant, wbval(b, 0, 1));
	for (i = 0; i < nwant; i++)
		if (ring(b, 0, 1)[i] != want[i])
			break;
	EXPECT_EQ(nwant, i);
	/* one entry for the whole image is a contiguous load */
	ASSERT_EQ(0, reset_cluster(b, 0));
	memcpy(b->mem + OFF_IMG, img, len);
	e[0].addr = b->pa + OFF_IMG;
	e[0].len = len;
	EXPECT_EQ(0, load_sg(b, 0, e, 1, 0, len));
	free(img);
}

/* Every check of the list, with the code and info hardware.md names. */
TEST_F(model, sg_bad_lists)
{
	struct board *b = &self->b;
	static struct sgent good[64], e[64];
	size_t len;
	unsigned int n, k;
	void *img = model_ref_net(12, 4, 64, 64, &len);
	struct {
		const char *what;
		unsigned int entry;	/* entry to change */
		int field;		/* 0 addr, 1 len, 2 flags, -1 none */
		uint64_t val;
		int dn;			/* change of the entry count */
		uint64_t list_off;
		uint32_t code, info;	/* info ~0: 16 * entry + field */
	} c[] = {
		{ "no entries", 0, -1, 0, -1000, 0, SNN_E_LOAD_SG,
		  SNN_SG_INFO_COUNT },
		{ "too many entries", 0, -1, 0, SNN_SG_MAX_ENTRIES, 0,
		  SNN_E_LOAD_SG, SNN_SG_INFO_COUNT },
		{ "list misaligned", 0, -1, 0, 0, 8, SNN_E_LOAD_SG,
		  SNN_SG_INFO_LIST_ALIGN },
		{ "chunk misaligned", 1, 0, 0x800, 0, 0, SNN_E_LOAD_SG, ~0u },
		{ "empty chunk", 0, 1, 0, 0, 0, SNN_E_LOAD_SG, ~0u },
		{ "odd middle chunk", 1, 1, SG_CHUNK - 8, 0, 0, SNN_E_LOAD_SG,
		  ~0u },
		{ "flags", 2, 2, 1, 0, 0, SNN_E_LOAD_SG, ~0u },
		{ "longer than LOAD_LEN", 3, 1, SG_CHUNK, 0, 0, SNN_E_LOAD_SG,
		  ~0u },
		{ "shorter than LOAD_LEN", 0, -1, 0, -1, 0, SNN_E_LOAD_SG,
		  16 * 3 },
		{ "chunk not in memory", 1, 0, 0xf00000000000ull, 0, 0,
		  SNN_E_DMA, 0 },
	};

	if (!(rd(b, SNN_REG_FEATURES) & SNN_FEAT_LOAD_SG))
		SKIP(free(img); return, "board without SNN_FEAT_LOAD_SG");
	n = sg_scatter(b, img, len, good);
	ASSERT_EQ(4, n);
	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		unsigned int m = c[k].dn <= -(int)n ? 0 : n + c[k].dn;
		uint32_t info = c[k].info;

		memcpy(e, good, sizeof(e));
		if (c[k].field == 0 && c[k].val < SG_CHUNK)
			e[c[k].entry].addr += c[k].val;
		else if (c[k].field == 0)
			e[c[k].entry].addr = c[k].val;
		else if (c[k].field == 1)
			e[c[k].entry].len = c[k].val;
		else if (c[k].field == 2)
			e[c[k].entry].flags = c[k].val;
		if (info == ~0u)
			info = 16 * c[k].entry +
			       (c[k].field == 0 ? SNN_SG_D_ADDR :
				c[k].field == 1 ? SNN_SG_D_LEN :
				SNN_SG_D_FLAGS);
		wr(b, SNN_REG_ERR_STATUS, ~0u);
		EXPECT_EQ(c[k].code, load_sg(b, 0, e, m, c[k].list_off, len))
			TH_LOG("%s", c[k].what);
		EXPECT_EQ(info, crd(b, 0, SNN_CL_ERROR_INFO))
			TH_LOG("%s", c[k].what);
		EXPECT_EQ(0, crd(b, 0, SNN_CL_STATUS) & SNN_CL_ST_LOADING);
		if (c[k].code == SNN_E_DMA) {
			uint64_t a = rd(b, SNN_REG_ERR_ADDR_LO) |
				     (uint64_t)rd(b, SNN_REG_ERR_ADDR_HI) << 32;

			EXPECT_NE(0, rd(b, SNN_REG_ERR_STATUS) & SNN_ERR_DMA);
			EXPECT_EQ(c[k].val, a) TH_LOG("%s", c[k].what);
		}
		/* an accepted LOAD_CMD leaves the error state */
		EXPECT_EQ(0, load_sg(b, 0, good, n, 0, len))
			TH_LOG("good list after: %s", c[k].what);
	}
	/* an injected DMA fault: the list read is the first transfer */
	if (b->fault) {
		wr(b, SNN_REG_ERR_STATUS, ~0u);
		wr(b, SNN_REG_FAULT_DMA, (0u << 16) | 1);
		EXPECT_EQ(SNN_E_DMA, load_sg(b, 0, good, n, 0, len));
		EXPECT_EQ(b->pa + OFF_SG_LIST,
			  rd(b, SNN_REG_ERR_ADDR_LO) |
			  (uint64_t)rd(b, SNN_REG_ERR_ADDR_HI) << 32);
		EXPECT_EQ(0, load_sg(b, 0, good, n, 0, len));
	}
	/* the contiguous mode is unchanged next to it */
	EXPECT_EQ(0, load(b, 0, img, len));
	free(img);
}

/* All-ones reads, as after surprise removal, then back to normal. */
TEST_F(model, all_ones_reads)
{
	struct board *b = &self->b;

	if (!b->fault)
		SKIP(return, "needs x-fault-injection=on");
	wr(b, SNN_REG_FAULT_ALLONES, 3);
	EXPECT_EQ(0xffffffffu, rd(b, SNN_REG_MAGIC));
	EXPECT_EQ(0xffffffffu, rd(b, SNN_REG_N_CLUSTERS));
	EXPECT_EQ(0xffffffffu, crd(b, 0, SNN_CL_STATUS));
	EXPECT_EQ(SNN_MAGIC, rd(b, SNN_REG_MAGIC));
}

/* Board reset clears every cluster and every route. */
TEST_F(model, board_reset)
{
	struct board *b = &self->b;
	size_t len;
	void *img = model_ref_net(6, 1, 16, 16, &len);
	uint64_t end = now_ms() + 10000;

	ASSERT_EQ(0, load(b, 0, img, len));
	if (rd(b, SNN_REG_N_ROUTERS)) {
		wr(b, SNN_ROUTER_BASE(0) + SNN_RT_SRC, SNN_RT_ADDR(0, 0, 1));
		wr(b, SNN_ROUTER_BASE(0) + SNN_RT_DST, SNN_RT_ADDR(0, 0, 1));
		wr(b, SNN_ROUTER_BASE(0) + SNN_RT_CMD, SNN_RT_CMD_ADD);
		EXPECT_EQ(1, rd(b, SNN_ROUTER_BASE(0) + SNN_RT_COUNT));
	}
	wr(b, SNN_REG_BOARD_CTRL, SNN_BOARD_CTRL_RESET);
	while (!(rd(b, SNN_REG_BOARD_STATUS) & SNN_BOARD_STATUS_READY) &&
	       now_ms() < end)
		usleep(200);
	ASSERT_NE(0, rd(b, SNN_REG_BOARD_STATUS) & SNN_BOARD_STATUS_READY);
	EXPECT_EQ(0, crd(b, 0, SNN_CL_STATUS));
	if (rd(b, SNN_REG_N_ROUTERS))
		EXPECT_EQ(0, rd(b, SNN_ROUTER_BASE(0) + SNN_RT_COUNT));
	free(img);
}

TEST_HARNESS_MAIN
