// SPDX-License-Identifier: GPL-2.0
/*
 * snn.ko: files opened before a board reset (SNN_IOC_BOARD_RESET).
 *
 * A process holds a cluster with mapped queues, a mapped doorbell page,
 * an eventfd, a run in progress and a waiter, plus a routing unit with a
 * route, when the board is reset.  Afterwards every ioctl on the old
 * files is -ENODEV, poll reports POLLERR|POLLHUP, the blocked WAIT returns
 * -ENODEV, new mappings fail and the old ones raise SIGBUS (children);
 * closing them works; the nodes can be opened again at once (while the
 * old files are still open) and work; closing the old files later does
 * not disturb the new owners.
 *
 * And a board reset that fails (fault_allones: the device does not answer
 * for a moment): closing the old files must neither free queue memory the
 * never-reset device still writes (checked with page_poison=1 on the
 * kernel command line) nor hand the next owner a cluster that still runs.
 * Run this program last in a VM: under an IOMMU a device write to freed
 * memory can abort the QEMU model.
 *
 * Board: --board BUS, else the first board with two clusters and routing
 * units (the failed reset: the first board with fault injection).
 */
#include "snn_test_lib.h"
#include <sys/eventfd.h>

#include "kselftest_harness.h"

#define RELAY_N		8

FIXTURE(rst) {
	struct snnt_board b;
	struct snnt_net net;
};

FIXTURE_SETUP(rst)
{
	ASSERT_EQ(0, snnt_pick_board(&self->b, 2, SNN_CAP_ROUTERS));
	snnt_relay_net(&self->net, RELAY_N, 1, 0);
}

FIXTURE_TEARDOWN(rst)
{
	snnt_net_free(&self->net);
}

static int board_reset(int board)
{
	struct snn_reset r = { 0 };
	int fd = snnt_open(board, -1, O_RDWR), ret;

	if (fd < 0)
		return fd;
	ret = snnt_ioctl(fd, SNN_IOC_BOARD_RESET, &r);
	close(fd);
	return ret;
}

/* Every ioctl of a cluster file: all must be -ENODEV. */
static void all_ioctls_enodev(struct __test_metadata *_metadata, int fd,
			      const struct snnt_net *net, const char *what)
{
	uint8_t buf[256];
	struct snn_load l;
	static const struct { unsigned long cmd; const char *name; } c[] = {
		{ SNN_IOC_INFO, "INFO" },
		{ SNN_IOC_QUEUE_CREATE, "QUEUE_CREATE" },
		{ SNN_IOC_QUEUE_DESTROY, "QUEUE_DESTROY" },
		{ SNN_IOC_DOORBELL, "DOORBELL" },
		{ SNN_IOC_RUN, "RUN" },
		{ SNN_IOC_WAIT, "WAIT" },
		{ SNN_IOC_COUNTERS, "COUNTERS" },
		{ SNN_IOC_RESET, "RESET" },
		{ SNN_IOC_CONFIG, "CONFIG" },
		{ SNN_IOC_EVENTFD, "EVENTFD" },
	};
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		/* arguments that would be valid on a live file */
		memset(buf, 0, sizeof(buf));
		if (c[i].cmd == SNN_IOC_QUEUE_CREATE)
			((struct snn_queue_create *)buf)->depth_log2 = 3;
		if (c[i].cmd == SNN_IOC_RUN)
			((struct snn_run *)buf)->steps = 1;
		if (c[i].cmd == SNN_IOC_EVENTFD)
			((struct snn_eventfd *)buf)->fd = -1;
		ret = snnt_ioctl(fd, c[i].cmd, buf);
		EXPECT_EQ(-ENODEV, ret) TH_LOG("%s: %s: %s", what, c[i].name,
					       snnt_errname(ret));
	}
	snnt_load_req(net, &l);
	ret = snnt_ioctl(fd, SNN_IOC_LOAD, &l);
	EXPECT_EQ(-ENODEV, ret) TH_LOG("%s: LOAD: %s", what, snnt_errname(ret));
}

static short poll_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

TEST_F_TIMEOUT(rst, old_files_after_board_reset, 120)
{
	struct snnt_queue in, out, in2, out2;
	struct snnt_toucher t_in, t_out, t_db;
	struct snn_route r = { 0 };
	struct snn_eventfd e = { .events = SNN_NOTIFY_RUN_DONE |
					   SNN_NOTIFY_OUTPUT };
	struct snnt_evs got = { 0 };
	struct snn_info inf;
	char h[32] = "";
	int fd, fd1, rt, bd, efd, st, have_db, ru, nfd, nrt;
	uint64_t ev[RELAY_N];
	void *db = MAP_FAILED, *m;
	pid_t waiter;
	uint32_t i;

	fd = snnt_open(self->b.index, 0, O_RDWR);
	fd1 = snnt_open(self->b.index, 1, O_RDWR);
	ru = snnt_router_unit(&self->b, 0);
	rt = snnt_open(self->b.index, ru, O_RDWR);
	bd = snnt_open(self->b.index, -1, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd1);
	ASSERT_LE(0, rt);
	ASSERT_LE(0, bd);
	ASSERT_EQ(0, snnt_load(fd, &self->net));
	ASSERT_EQ(0, snnt_load(fd1, &self->net));
	ASSERT_EQ(0, snnt_queue_open(&in, fd, SNN_QUEUE_IN, 0, 6));
	ASSERT_EQ(0, snnt_queue_open(&out, fd, SNN_QUEUE_OUT, 0, 6));
	have_db = !!(self->b.info.caps & SNN_CAP_MAPPED_DOORBELL);
	if (have_db) {
		db = mmap(NULL, SNN_DOORBELL_MAP_SIZE, PROT_WRITE, MAP_SHARED, fd,
			  SNN_MMAP_DOORBELL);
		ASSERT_NE(MAP_FAILED, db);
	}
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	e.fd = efd;
	ASSERT_EQ(0, snnt_ioctl(fd, SNN_IOC_EVENTFD, &e));
	r.src_fd = fd;
	r.dst_fd = fd1;
	r.src_neuron = 3;
	r.dst_axon = 3;
	ASSERT_EQ(0, snnt_ioctl(rt, SNN_IOC_ROUTE_ADD, &r));
	EXPECT_EQ(1, snnt_sysfs_num(self->b.index, ru, "routes"));
	ASSERT_EQ(0, snnt_run(fd, 0x7fffffff));
	ASSERT_EQ(0, snnt_toucher_start(&t_in, fd, in.qc.mmap_offset,
					in.qc.mmap_size, 1));
	ASSERT_EQ(0, snnt_toucher_start(&t_out, fd, out.qc.mmap_offset,
					out.qc.mmap_size, 0));
	if (have_db)
		ASSERT_EQ(0, snnt_toucher_start(&t_db, fd, SNN_MMAP_DOORBELL,
						SNN_DOORBELL_MAP_SIZE, 0));
	/* a process blocked in WAIT on the running cluster */
	waiter = fork();
	ASSERT_LE(0, waiter);
	if (!waiter)
		_exit(snnt_wait(fd, -1, 0, NULL) == -ENODEV ? 0 : 1);
	usleep(200000);

	/* a reader may not reset the board */
	EXPECT_EQ(-EPERM, snnt_ioctl(bd, SNN_IOC_BOARD_RESET,
				     &(struct snn_reset){ 0 }));
	ASSERT_EQ(0, board_reset(self->b.index));

	/* the waiter was woken with -ENODEV */
	ASSERT_EQ(waiter, waitpid(waiter, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("WAIT across a board reset: %s (exit 1: not -ENODEV)",
		       snnt_status_str(st));
	/* old files: -ENODEV, POLLERR */
	all_ioctls_enodev(_metadata, fd, &self->net, "running cluster");
	all_ioctls_enodev(_metadata, fd1, &self->net, "idle cluster");
	EXPECT_EQ(-ENODEV, snnt_ioctl(rt, SNN_IOC_ROUTE_ADD, &r));
	EXPECT_EQ(-ENODEV, snnt_ioctl(rt, SNN_IOC_INFO, &inf));
	EXPECT_EQ(-ENODEV, snnt_ioctl(bd, SNN_IOC_INFO, &inf));
	EXPECT_EQ(POLLERR | POLLHUP, poll_now(fd) & (POLLERR | POLLHUP))
		TH_LOG("poll: %#x", poll_now(fd));
	EXPECT_EQ(POLLERR | POLLHUP, poll_now(fd1) & (POLLERR | POLLHUP));
	m = mmap(NULL, in.qc.mmap_size, PROT_READ, MAP_SHARED, fd,
		 in.qc.mmap_offset);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(ENODEV, errno);
	/* old mappings: SIGBUS */
	st = snnt_toucher_finish(&t_in);
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS)
		TH_LOG("input queue mapping after reset: %s",
		       snnt_status_str(st));
	st = snnt_toucher_finish(&t_out);
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS)
		TH_LOG("output queue mapping after reset: %s",
		       snnt_status_str(st));
	if (have_db) {
		st = snnt_toucher_finish(&t_db);
		EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS)
			TH_LOG("doorbell mapping after reset: %s",
			       snnt_status_str(st));
	}
	/* the board is healthy and the routes are gone */
	EXPECT_EQ(0, snnt_sysfs_num(self->b.index, ru, "routes"));
	EXPECT_EQ(0, snnt_sysfs(self->b.index, -1, "health", h, sizeof(h)));
	EXPECT_STREQ("ok", h);

	/* the nodes open again while the old files are still open */
	nfd = snnt_open(self->b.index, 0, O_RDWR);
	nrt = snnt_open(self->b.index, ru, O_RDWR);
	ASSERT_LE(0, nfd) TH_LOG("reopen cluster 0: %s",
				 snnt_errname(nfd));
	ASSERT_LE(0, nrt) TH_LOG("reopen router: %s",
				 snnt_errname(nrt));
	ASSERT_EQ(0, snnt_load(nfd, &self->net));
	ASSERT_EQ(0, snnt_queue_open(&in2, nfd, SNN_QUEUE_IN, 0, 6));
	ASSERT_EQ(0, snnt_queue_open(&out2, nfd, SNN_QUEUE_OUT, 0, 6));
	/* the old files go: the new owner must not notice */
	if (db != MAP_FAILED)
		munmap(db, SNN_DOORBELL_MAP_SIZE);
	snnt_queue_unmap(&in);
	snnt_queue_unmap(&out);
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, close(fd1));
	EXPECT_EQ(0, close(rt));
	EXPECT_EQ(0, close(bd));
	close(efd);
	EXPECT_EQ(1, snnt_sysfs_num(self->b.index, 0, "busy"));
	EXPECT_EQ(-EBUSY, snnt_open(self->b.index, 0, O_RDWR));
	for (i = 0; i < RELAY_N; i++)
		ev[i] = SNN_EVENT(i, 0, i);
	ASSERT_EQ(RELAY_N, snnt_queue_push(&in2, ev, RELAY_N));
	ASSERT_EQ(0, snnt_run(nfd, RELAY_N));
	ASSERT_EQ(0, snnt_collect(nfd, &out2, 1, &got, 30 * SNNT_NS,
				  NULL));
	ASSERT_EQ(RELAY_N, got.n);
	for (i = 0; i < RELAY_N; i++)
		EXPECT_EQ(ev[i], got.ev[i]);
	snnt_queue_unmap(&in2);
	snnt_queue_unmap(&out2);
	close(nrt);
	close(nfd);
	snnt_evs_free(&got);
}

/* Make the kernel reuse free pages (and check their poison, if on). */
static void memory_pressure(void)
{
	char line[128];
	long avail = 0;
	FILE *f = fopen("/proc/meminfo", "r");
	pid_t pid;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &avail) == 1)
			break;
	if (f)
		fclose(f);
	if (avail <= 0)
		return;
	pid = fork();
	if (!pid) {
		size_t len = (size_t)avail * 1024 / 10 * 7;
		void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
			       -1, 0);

		_exit(m == MAP_FAILED);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/*
 * A board reset that fails (the device does not answer for a moment:
 * fault_allones) leaves the old files stale but owning their units
 * (uapi.md 4.13), and the device was never reset: its clusters still run
 * and still write into the queues of those files.  Closing such a file
 * must not free memory the device is writing to, and must not hand the
 * next owner a cluster that still runs the old network.  (The memory
 * check needs page_poison=1 on the kernel command line.)
 */
TEST_F_TIMEOUT(rst, close_after_failed_board_reset, 120)
{
	static const char *const pats[] = {
		"memory corruption", "DMA error", "BUG:", "WARNING:", NULL,
	};
	struct snnt_board fb;
	struct snnt_queue out;
	struct snnt_net net;
	struct snn_wait w;
	int fd, kmsg, ret, i;
	char h[32] = "";

	if (snnt_pick_board(&fb, 1, SNN_CAP_FAULT_INJECT))
		SKIP(return, "no board with fault injection");
	/* neuron 0 fires every timestep: output DMA all the time */
	snnt_relay_net(&net, RELAY_N, 1, 0);
	net.nrn[0].flags |= SNN_NEURON_BIAS;
	net.nrn[0].bias_mant = 1;
	fd = snnt_open(fb.index, 0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, snnt_load(fd, &net));
	ASSERT_EQ(0, snnt_queue_open(&out, fd, SNN_QUEUE_OUT, 0,
				     fb.info.max_queue_log2 < 16 ?
				     fb.info.max_queue_log2 : 16));
	snnt_queue_unmap(&out);	/* so that close() releases the file */
	kmsg = snnt_kmsg_open();
	ASSERT_EQ(0, snnt_run(fd, 0x7fffffff));

	/* the device reads all-ones: the board reset fails */
	ASSERT_EQ(0, snnt_fault(fb.index, "fault_allones", 1000));
	ret = board_reset(fb.index);
	/* (at once, while the device still has room in the ring) */
	EXPECT_EQ(-ENODEV, snnt_wait(fd, 0, 0, NULL));
	EXPECT_EQ(-EBUSY, snnt_open(fb.index, 0, O_RDWR));
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(-EIO, ret) TH_LOG("board reset of a silent device: %s",
				    snnt_errname(ret));
	for (i = 0; i < 100000; i++) {
		long long v = snnt_sysfs_num(fb.index, 0, "counters/timesteps");

		if (v >= 0 && v < (1ll << 40))
			break;
	}
	EXPECT_EQ(0, snnt_sysfs(fb.index, -1, "health", h, sizeof(h)));
	EXPECT_STREQ("failed", h);

	/*
	 * Queue memory of another cluster, the same size: it may well get
	 * the pages just freed.  Nothing runs there, so it must stay zero.
	 */
	if (fb.info.clusters > 1) {
		struct snnt_queue q[2 * SNN_MAX_QUEUES];
		int fd1 = snnt_open(fb.index, 1, O_RDWR), n = 0, k;
		uint32_t d, qi;

		ASSERT_LE(0, fd1);
		for (d = 0; d < 2; d++)
			for (qi = 0; qi < (d ? fb.info.out_queues :
					   fb.info.in_queues); qi++)
				ASSERT_EQ(0, snnt_queue_open(&q[n++], fd1, d, qi,
							     fb.info.max_queue_log2 < 16 ?
							     fb.info.max_queue_log2 : 16));
		usleep(200000);
		for (k = 0; k < n; k++) {
			size_t off, bad = 0;

			for (off = 0; off < q[k].qc.mmap_size; off += 8)
				bad += *(volatile uint64_t *)(q[k].map + off) != 0;
			EXPECT_EQ(0, bad)
				TH_LOG("queue %d of an idle cluster: %zu words written by the device",
				       k, bad);
			snnt_queue_unmap(&q[k]);
		}
		close(fd1);
	}
	/* whoever gets the cluster next gets a stopped, empty one */
	fd = snnt_open(fb.index, 0, O_RDWR);
	if (fd >= 0) {
		ret = snnt_wait(fd, 0, 0, &w);
		EXPECT_EQ(0, ret) TH_LOG("cluster after the last owner's close: WAIT %s, state %u, timestep %u",
					 snnt_errname(ret), w.state, w.timestep);
		EXPECT_EQ(SNN_STATE_IDLE, w.state);
		EXPECT_EQ(-ENODATA, snnt_run(fd, 1))
			TH_LOG("the previous owner's network is still loaded");
		close(fd);
	} else {
		EXPECT_EQ(-EBUSY, fd);
	}
	/* and the memory the device was writing to was not reused */
	usleep(100000);
	memory_pressure();
	usleep(100000);
	if (kmsg >= 0) {
		EXPECT_EQ(0, snnt_kmsg_grep(kmsg, pats))
			TH_LOG("queue memory freed while the device still used it");
		close(kmsg);
	}
	/* a board reset that works puts everything right */
	ASSERT_EQ(0, board_reset(fb.index));
	EXPECT_EQ(0, snnt_sysfs(fb.index, -1, "health", h, sizeof(h)));
	EXPECT_STREQ("ok", h);
	fd = snnt_open(fb.index, 0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, snnt_load(fd, &self->net));
	ASSERT_EQ(0, snnt_run(fd, 5));
	EXPECT_EQ(0, snnt_wait(fd, 10 * SNNT_NS, 0, &w));
	EXPECT_EQ(5, w.timestep);
	close(fd);
	snnt_net_free(&net);
}

TEST_F(rst, reset_with_nothing_open_and_twice)
{
	int fd;

	ASSERT_EQ(0, board_reset(self->b.index));
	ASSERT_EQ(0, board_reset(self->b.index));
	fd = snnt_open(self->b.index, 0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, snnt_load(fd, &self->net));
	ASSERT_EQ(0, snnt_run(fd, 10));
	EXPECT_EQ(0, snnt_wait(fd, 10 * SNNT_NS, 0, NULL));
	close(fd);
}

SNNT_MAIN()
