// SPDX-License-Identifier: GPL-2.0
/*
 * snn.ko: hot-unplug of a board in use, and plugging it back.
 *
 * A process holds a cluster with mapped queues and doorbell page, a run in
 * progress whose output a child keeps draining through the mappings, a
 * process blocked in WAIT, another cluster, a routing unit with a route and
 * the board node, when the board is unplugged (QMP device_del through the
 * runner's agent: /bin/snn-agent UNPLUG ID).  Afterwards: WAIT returned
 * -ENODEV, every ioctl is -ENODEV, poll says POLLERR|POLLHUP, mmap fails,
 * touching the old mappings raises SIGBUS (children), close works and the
 * nodes are gone.  The kernel log must show no DMA into memory the driver
 * freed (IOMMU faults, "DMA error", and with page_poison=1 on the kernel
 * command line, "pagealloc: memory corruption" once the pages are reused;
 * a deep output queue keeps the device writing while the driver tears
 * down).  Then the board is plugged back (PLUG) and works; and once more
 * with only the board node open, which keeps the old index from being
 * reused.
 *
 *   unplug_test --board @ID@ --id ID --bus ROOTPORT --props 'PROPS'
 *   unplug_test --board board-id=N --id ID --device 'DEVICE' [--cycles N]
 *
 * e.g. --board @snn1@ --id snn1 --bus rp1 --props 'clusters=2,cores=2,...'
 * (the PLUG command is "PLUG snn-pci,id=ID,bus=ROOTPORT,PROPS"), or for a
 * USB board --board board-id=17 --id usb1 --device @usb1:device@ (the
 * board found by its SNN_IOC_INFO board_id, plugged back with its whole
 * -device string).  --cycles: the in-use unplug and replug that many
 * times in a row.
 */
#include "snn_test_lib.h"
#include <sys/eventfd.h>

#include "kselftest_harness.h"

#define RELAY_N		8

/* Run the agent; 0 if it said OK. */
static int agent(const char *cmd)
{
	char line[1024], buf[600];
	FILE *p;
	int st, ok = 0;

	snprintf(line, sizeof(line), "/bin/snn-agent '%s' 2>&1", cmd);
	p = popen(line, "r");
	if (!p)
		return -1;
	while (fgets(buf, sizeof(buf), p)) {
		printf("# agent: %s: %s", cmd, buf);
		if (!strncmp(buf, "OK", 2))
			ok = 1;
	}
	st = pclose(p);
	return ok && WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

/* Wait up to @secs for the board @bus (--board) to (dis)appear. */
static int wait_board(const char *bus, int present, int secs,
		      struct snnt_board *b)
{
	int64_t end = snnt_now_ns() + secs * SNNT_NS;
	struct snnt_board tmp;

	if (!b)
		b = &tmp;
	for (;;) {
		if (!snnt_board_by_bus(bus, b) == !!present)
			return 0;
		if (snnt_now_ns() >= end)
			return -ETIMEDOUT;
		usleep(100000);
	}
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

static const char *const dma_after_free[] = {
	"memory corruption",	/* page_poison: written after free */
	"DMA error",		/* snn: the device's DMA failed */
	"DMAR: DRHD",		/* intel-iommu fault */
	"DMA Write",
	"DMA Read",
	"BUG:",
	"WARNING:",
	NULL,
};

FIXTURE(up) {
	struct snnt_board b;
	char plug[512];
};

FIXTURE_SETUP(up)
{
	ASSERT_TRUE(snnt_opt.board && snnt_opt.id &&
		    (snnt_opt.device || (snnt_opt.bus && snnt_opt.props)))
		TH_LOG("usage: unplug_test --board @ID@ --id ID --bus ROOTPORT --props PROPS, or --board board-id=N --id ID --device DEVICE");
	ASSERT_EQ(0, wait_board(snnt_opt.board, 1, 30, &self->b))
		TH_LOG("no board at %s", snnt_opt.board);
	if (snnt_opt.device)
		snprintf(self->plug, sizeof(self->plug), "PLUG %s",
			 snnt_opt.device);
	else
		snprintf(self->plug, sizeof(self->plug),
			 "PLUG snn-pci,id=%s,bus=%s%s%s", snnt_opt.id,
			 snnt_opt.bus, snnt_opt.props[0] ? "," : "",
			 snnt_opt.props);
}

FIXTURE_TEARDOWN(up)
{
	/* leave the board plugged in for whatever runs next */
	if (wait_board(snnt_opt.board, 1, 0, NULL)) {
		agent(self->plug);
		wait_board(snnt_opt.board, 1, 60, NULL);
	}
}

/* A relay run on a freshly opened cluster of the board at @bus. */
static void board_works(struct __test_metadata *_metadata, const char *bus)
{
	struct snnt_board b;
	struct snnt_queue in, out;
	struct snnt_net net;
	struct snnt_evs got = { 0 };
	uint64_t ev[RELAY_N];
	uint32_t i;
	int fd;

	ASSERT_EQ(0, wait_board(bus, 1, 60, &b)) TH_LOG("board %s did not come back", bus);
	fd = snnt_open(b.index, 0, O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("open snn%d.0: %s", b.index, snnt_errname(fd));
	snnt_relay_net(&net, RELAY_N, 1, 0);
	ASSERT_EQ(0, snnt_load(fd, &net));
	ASSERT_EQ(0, snnt_queue_open(&in, fd, SNN_QUEUE_IN, 0, 4));
	ASSERT_EQ(0, snnt_queue_open(&out, fd, SNN_QUEUE_OUT, 0, 4));
	for (i = 0; i < RELAY_N; i++)
		ev[i] = SNN_EVENT(2 * i, 0, i);
	ASSERT_EQ(RELAY_N, snnt_queue_push(&in, ev, RELAY_N));
	ASSERT_EQ(0, snnt_run(fd, 2 * RELAY_N));
	ASSERT_EQ(0, snnt_collect(fd, &out, 1, &got, 30 * SNNT_NS, NULL));
	ASSERT_EQ(RELAY_N, got.n);
	for (i = 0; i < RELAY_N; i++)
		EXPECT_EQ(ev[i], got.ev[i]);
	snnt_queue_unmap(&in);
	snnt_queue_unmap(&out);
	snnt_evs_free(&got);
	snnt_net_free(&net);
	close(fd);
}

/*
 * A child that keeps draining output queue 0 of @fd through its own
 * mappings (queue and, if any, doorbell page) until they go away.
 */
static pid_t drainer(int fd, const struct snn_queue_create *qc, int have_db)
{
	pid_t pid = fork();
	volatile uint32_t *wb, *db = NULL;
	uint32_t cons = 0;
	uint8_t *m;
	int64_t end;

	if (pid)
		return pid;
	m = mmap(NULL, qc->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 qc->mmap_offset);
	if (m == MAP_FAILED)
		_exit(3);
	wb = (volatile uint32_t *)(m + qc->wb_offset);
	if (have_db) {
		uint8_t *d = mmap(NULL, SNN_DOORBELL_MAP_SIZE, PROT_WRITE, MAP_SHARED, fd,
				  SNN_MMAP_DOORBELL);

		if (d == MAP_FAILED)
			_exit(4);
		db = (volatile uint32_t *)(d + SNN_DOORBELL_OUT(0));
	}
	end = snnt_now_ns() + 200 * SNNT_NS;
	while (snnt_now_ns() < end) {
		uint32_t tail = *wb;

		if (tail != cons) {
			struct snn_doorbell d = { SNN_QUEUE_OUT, 0, tail, 0 };

			cons = tail;
			if (db)
				*db = cons;
			else if (snnt_ioctl(fd, SNN_IOC_DOORBELL, &d))
				_exit(errno == ENODEV ? 7 : 5);
		}
	}
	_exit(6);
}

/* One cycle of unplug_in_use_then_plug_back on the board @b. */
static void unplug_in_use(struct __test_metadata *_metadata,
			  const struct snnt_board *b, const char *plug)
{
	struct snnt_queue in, out;
	struct snnt_toucher t_in, t_db;
	struct snn_eventfd e = { .events = SNN_NOTIFY_RUN_DONE |
					   SNN_NOTIFY_OUTPUT |
					   SNN_NOTIFY_ERROR };
	struct snn_route r = { 0 };
	struct snnt_net net, quiet;
	struct snn_info inf;
	char path[64];
	int fd, fd1, rt = -1, bd, efd, kmsg, st, have_db, hits;
	pid_t waiter, drain;
	void *m;
	uint32_t i;

	have_db = !!(b->info.caps & SNN_CAP_MAPPED_DOORBELL);
	/* neuron 0 fires every timestep: output DMA all the time */
	snnt_relay_net(&net, RELAY_N, 1, 0);
	net.nrn[0].flags |= SNN_NEURON_BIAS;
	net.nrn[0].bias_mant = 1;
	fd = snnt_open(b->index, 0, O_RDWR);
	fd1 = snnt_open(b->index, 1, O_RDWR);
	bd = snnt_open(b->index, -1, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd1);
	ASSERT_LE(0, bd);
	/* cluster 1 takes the routed spikes and reports nothing */
	snnt_relay_net(&quiet, RELAY_N, 0, 0);
	ASSERT_EQ(0, snnt_load(fd, &net));
	ASSERT_EQ(0, snnt_load(fd1, &quiet));
	ASSERT_EQ(0, snnt_queue_open(&in, fd, SNN_QUEUE_IN, 0, 8));
	/*
	 * A deep output queue: after the mappings go (and the drainer with
	 * them) the device still has room to write for a while, so it is
	 * still writing when the driver tears down.
	 */
	ASSERT_EQ(0, snnt_queue_open(&out, fd, SNN_QUEUE_OUT, 0,
				     b->info.max_queue_log2 < 16 ?
				     b->info.max_queue_log2 : 16));
	if (b->info.routers) {
		rt = snnt_open(b->index, snnt_router_unit(b, 0), O_RDWR);
		ASSERT_LE(0, rt);
		r.src_fd = fd;
		r.dst_fd = fd1;
		ASSERT_EQ(0, snnt_ioctl(rt, SNN_IOC_ROUTE_ADD, &r));
	}
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	e.fd = efd;
	ASSERT_EQ(0, snnt_ioctl(fd, SNN_IOC_EVENTFD, &e));
	/* input tagged far ahead: the ring stays in use */
	for (i = 0; i < 200; i++) {
		uint64_t ev = SNN_EVENT(1000000 + i, 0, i % RELAY_N);

		ASSERT_EQ(1, snnt_queue_push(&in, &ev, 1));
	}
	ASSERT_EQ(0, snnt_run(fd, 0x7fffffff));
	ASSERT_EQ(0, snnt_run(fd1, 0x7fffffff));
	drain = drainer(fd, &out.qc, have_db);
	ASSERT_LT(0, drain);
	ASSERT_EQ(0, snnt_toucher_start(&t_in, fd, in.qc.mmap_offset,
					in.qc.mmap_size, 1));
	if (have_db)
		ASSERT_EQ(0, snnt_toucher_start(&t_db, fd, SNN_MMAP_DOORBELL,
						SNN_DOORBELL_MAP_SIZE, 1));
	waiter = fork();
	ASSERT_LE(0, waiter);
	if (!waiter)
		_exit(snnt_wait(fd, -1, 0, NULL) == -ENODEV ? 0 : 1);
	usleep(300000);
	/*
	 * output is flowing, and keeps flowing: 1000 more events while the
	 * drainer frees ring space (within 10 s: a USB board on a debug
	 * kernel is slow, but moves)
	 */
	{
		long long o1 = snnt_sysfs_num(b->index, 0, "counters/out_events");
		long long o2 = o1;
		int64_t t0 = snnt_now_ns();

		for (i = 0; i < 100 && o2 <= o1 + 1000; i++) {
			usleep(100000);
			o2 = snnt_sysfs_num(b->index, 0, "counters/out_events");
		}
		EXPECT_LT(o1 + 1000, o2);
		TH_LOG("%lld output events in %llu ms", o2 - o1,
		       (unsigned long long)((snnt_now_ns() - t0) / 1000000));
	}
	EXPECT_EQ(0, waitpid(drain, &st, WNOHANG));

	kmsg = snnt_kmsg_open();
	snprintf(path, sizeof(path), "UNPLUG %s", snnt_opt.id);
	ASSERT_EQ(0, agent(path));
	EXPECT_EQ(0, wait_board(snnt_opt.board, 0, 10, NULL));

	/* the waiter got -ENODEV, the mappings are dead */
	ASSERT_EQ(waiter, waitpid(waiter, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("blocked WAIT across unplug: %s (1: not -ENODEV)",
		       snnt_status_str(st));
	/*
	 * (without a doorbell page the drainer's DOORBELL ioctl may be the
	 * first to notice: ENODEV, exit status 7)
	 */
	ASSERT_EQ(drain, waitpid(drain, &st, 0));
	EXPECT_TRUE((WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS) ||
		    (!have_db && WIFEXITED(st) && WEXITSTATUS(st) == 7))
		TH_LOG("child draining through the mappings: %s",
		       snnt_status_str(st));
	st = snnt_toucher_finish(&t_in);
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS)
		TH_LOG("input queue mapping after unplug: %s",
		       snnt_status_str(st));
	if (have_db) {
		st = snnt_toucher_finish(&t_db);
		EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS)
			TH_LOG("doorbell mapping after unplug: %s",
			       snnt_status_str(st));
	}
	/* every call on the old files: -ENODEV */
	EXPECT_EQ(-ENODEV, snnt_ioctl(fd, SNN_IOC_INFO, &inf));
	EXPECT_EQ(-ENODEV, snnt_wait(fd, 0, 0, NULL));
	EXPECT_EQ(-ENODEV, snnt_wait(fd, -1, 0, NULL));
	EXPECT_EQ(-ENODEV, snnt_run(fd, 1));
	EXPECT_EQ(-ENODEV, snnt_reset(fd, 0));
	EXPECT_EQ(-ENODEV, snnt_load(fd, &net));
	EXPECT_EQ(-ENODEV, snnt_ioctl(fd, SNN_IOC_COUNTERS, &(struct snn_counters){ 0 }));
	EXPECT_EQ(-ENODEV, snnt_ioctl(fd, SNN_IOC_DOORBELL,
				      &(struct snn_doorbell){ 0 }));
	EXPECT_EQ(-ENODEV, snnt_ioctl(fd, SNN_IOC_QUEUE_DESTROY,
				      &(struct snn_queue_id){ 0 }));
	EXPECT_EQ(-ENODEV, snnt_ioctl(fd1, SNN_IOC_INFO, &inf));
	EXPECT_EQ(-ENODEV, snnt_ioctl(bd, SNN_IOC_INFO, &inf));
	EXPECT_EQ(-ENODEV, snnt_ioctl(bd, SNN_IOC_BOARD_RESET,
				      &(struct snn_reset){ 0 }));
	if (rt >= 0)
		EXPECT_EQ(-ENODEV, snnt_ioctl(rt, SNN_IOC_ROUTE_DEL, &r));
	{
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

		EXPECT_EQ(1, poll(&p, 1, 0));
		EXPECT_EQ(POLLERR | POLLHUP, p.revents & (POLLERR | POLLHUP));
	}
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, in.qc.mmap_offset);
	EXPECT_EQ(MAP_FAILED, m);
	/*
	 * the nodes are gone (a USB board's once the kernel has handled
	 * the disconnect, which may come after the calls above saw ENODEV)
	 */
	snprintf(path, sizeof(path), "/sys/class/snn/snn%d", b->index);
	for (i = 0; i < 100 && !access(path, F_OK); i++)
		usleep(100000);
	EXPECT_EQ(-1, access(path, F_OK));
	snprintf(path, sizeof(path), "/dev/snn%d.0", b->index);
	for (i = 0; i < 100 && !access(path, F_OK); i++)
		usleep(100000);
	EXPECT_EQ(-1, access(path, F_OK));
	/* and closing works */
	snnt_queue_unmap(&in);
	snnt_queue_unmap(&out);
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, close(fd1));
	EXPECT_EQ(0, close(bd));
	if (rt >= 0)
		EXPECT_EQ(0, close(rt));
	close(efd);

	/* no DMA into freed memory, no warnings */
	memory_pressure();
	usleep(200000);
	if (kmsg >= 0) {
		hits = snnt_kmsg_grep(kmsg, dma_after_free);
		EXPECT_EQ(0, hits)
			TH_LOG("the kernel log shows DMA after the driver let go of its memory, or a warning");
		close(kmsg);
	}

	/* plug it back */
	ASSERT_EQ(0, agent(plug));
	board_works(_metadata, snnt_opt.board);
	snnt_net_free(&net);
	snnt_net_free(&quiet);
}

/* --cycles N times (default 1) */
TEST_F_TIMEOUT(up, unplug_in_use_then_plug_back, 1800)
{
	int i, n = snnt_opt.cycles ? atoi(snnt_opt.cycles) : 1;

	ASSERT_LT(0, n) TH_LOG("--cycles %s", snnt_opt.cycles);
	for (i = 0; i < n && _metadata->passed; i++) {
		if (i)
			ASSERT_EQ(0, wait_board(snnt_opt.board, 1, 60, &self->b));
		unplug_in_use(_metadata, &self->b, self->plug);
	}
	TH_LOG("%d cycle%s", i, i == 1 ? "" : "s");
}

TEST_F_TIMEOUT(up, unplug_idle_then_plug_back, 240)
{
	struct snnt_board nb;
	char cmd[128];
	int bd = snnt_open(self->b.index, -1, O_RDONLY);

	ASSERT_LE(0, bd);
	snprintf(cmd, sizeof(cmd), "UNPLUG %s", snnt_opt.id);
	ASSERT_EQ(0, agent(cmd));
	EXPECT_EQ(0, wait_board(snnt_opt.board, 0, 10, NULL));
	EXPECT_EQ(-ENODEV, snnt_ioctl(bd, SNN_IOC_INFO,
				      &(struct snn_info){ 0 }));
	/* back, while a file of the removed board is still open */
	ASSERT_EQ(0, agent(self->plug));
	ASSERT_EQ(0, wait_board(snnt_opt.board, 1, 60, &nb));
	/* the old index is not reused while the old board has files */
	EXPECT_NE(self->b.index, nb.index);
	EXPECT_EQ(-ENODEV, snnt_ioctl(bd, SNN_IOC_INFO,
				      &(struct snn_info){ 0 }));
	EXPECT_EQ(0, close(bd));
	board_works(_metadata, snnt_opt.board);
}

SNNT_MAIN()
