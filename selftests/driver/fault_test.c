// SPDX-License-Identifier: GPL-2.0
/*
 * snn.ko under injected hardware faults (test boards: x-fault-injection=on,
 * debugfs /sys/kernel/debug/snn/snnX/fault_*, docs/hardware.md 10):
 *
 *  - a hung cluster (fault_hang) is found by the driver's watchdog
 *    (module parameter hang_timeout_ms, lowered here): WAIT -EIO with
 *    state HUNG, sysfs health "failed", RUN refused, POLLPRI; the other
 *    clusters run on; SNN_IOC_RESET (either kind) recovers it; a stalled
 *    cluster is not hung;
 *  - a DMA error (fault_dma) is -EIO with error SNN_E_DMA, in a run and
 *    in a load; a reset or load recovers;
 *  - all-ones register reads (fault_allones): a glitch is not an error, a
 *    device that reads all-ones is gone (-ENODEV, POLLERR), nothing
 *    crashes and the board works again afterwards;
 *  - lost interrupts (fault_irq_loss) do not hang WAIT.
 *
 * Board: --board BUS, else the first board with fault injection and two
 * clusters.
 */
#include "snn_test_lib.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "kselftest_harness.h"

#define HANG_MS		400
#define RELAY_N		8

FIXTURE(f) {
	struct snnt_board b;
	long old_timeout;
	int cl[2];
	struct snnt_net net;
	struct snnt_queue in[2], out[2];
};

FIXTURE_SETUP(f)
{
	int k;

	self->old_timeout = -1;
	self->cl[0] = self->cl[1] = -1;
	ASSERT_EQ(0, snnt_pick_board(&self->b, 2, SNN_CAP_FAULT_INJECT))
		TH_LOG("no board with fault injection (x-fault-injection=on) and 2 clusters");
	self->old_timeout = snnt_hang_timeout(HANG_MS);
	ASSERT_LE(0, self->old_timeout)
		TH_LOG("/sys/module/snn/parameters/hang_timeout_ms: %s",
		       snnt_errname(self->old_timeout));
	ASSERT_EQ(HANG_MS, snnt_hang_timeout(-1));
	snnt_relay_net(&self->net, RELAY_N, 1, 0);
	for (k = 0; k < 2; k++) {
		self->cl[k] = snnt_open(self->b.index, k, O_RDWR);
		ASSERT_LE(0, self->cl[k]);
		ASSERT_EQ(0, snnt_load(self->cl[k], &self->net));
		ASSERT_EQ(0, snnt_queue_open(&self->in[k], self->cl[k],
					     SNN_QUEUE_IN, 0, 6));
		ASSERT_EQ(0, snnt_queue_open(&self->out[k], self->cl[k],
					     SNN_QUEUE_OUT, 0, 8));
	}
}

FIXTURE_TEARDOWN(f)
{
	int k;

	for (k = 0; k < 2; k++) {
		snnt_queue_unmap(&self->in[k]);
		snnt_queue_unmap(&self->out[k]);
		if (self->cl[k] >= 0)
			close(self->cl[k]);
	}
	snnt_net_free(&self->net);
	if (self->old_timeout >= 0)
		snnt_hang_timeout(self->old_timeout);
}

static int64_t ms_since(int64_t t0)
{
	return (snnt_now_ns() - t0) / 1000000;
}

static void sysfs_is(struct __test_metadata *_metadata, int board, int unit,
		     const char *attr, const char *want)
{
	char buf[64] = "";

	EXPECT_EQ(0, snnt_sysfs(board, unit, attr, buf, sizeof(buf)));
	EXPECT_STREQ(want, buf) TH_LOG("snn%d%s%.0d %s", board,
				       unit < 0 ? "" : ".", unit, attr);
}

/*
 * A relay run on cluster @k: events on axons 0..7 at timesteps
 * t0 .. t0+7, checked to come back as spikes at the same timesteps.
 */
static void relay_ok(struct __test_metadata *_metadata,
		     FIXTURE_DATA(f) *self, int k)
{
	struct snnt_evs got = { 0 };
	struct snn_wait w;
	uint64_t ev[RELAY_N];
	uint32_t t0, i;

	ASSERT_EQ(0, snnt_wait(self->cl[k], 0, 0, &w));
	t0 = w.timestep;
	for (i = 0; i < RELAY_N; i++)
		ev[i] = SNN_EVENT(t0 + i, 0, i);
	ASSERT_EQ(RELAY_N, snnt_queue_push(&self->in[k], ev, RELAY_N));
	ASSERT_EQ(0, snnt_run(self->cl[k], RELAY_N + 2));
	ASSERT_EQ(0, snnt_collect(self->cl[k], &self->out[k], 1, &got,
				  30 * SNNT_NS, &w))
		TH_LOG("cluster %d: state %u error %u", k, w.state, w.error);
	ASSERT_EQ(RELAY_N, got.n);
	for (i = 0; i < RELAY_N; i++)
		EXPECT_EQ(ev[i], got.ev[i]);
	EXPECT_EQ(t0 + RELAY_N + 2, w.timestep);
	snnt_evs_free(&got);
}

/* ---- hangs ------------------------------------------------------------------- */

TEST_F_TIMEOUT(f, hung_cluster_detected_then_reset_recovers, 120)
{
	struct pollfd p = { .fd = self->cl[1], .events = POLLPRI };
	struct snn_eventfd e = { .events = SNN_NOTIFY_ERROR };
	struct pollfd pe = { .events = POLLIN };
	struct snn_wait w;
	uint64_t cnt;
	int64_t t0;
	int ret, kind;

	e.fd = pe.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, e.fd);
	ASSERT_EQ(0, snnt_ioctl(self->cl[1], SNN_IOC_EVENTFD, &e));
	relay_ok(_metadata, self, 1);
	for (kind = 0; kind < 2; kind++) {
		uint32_t reset = kind ? 0 : SNN_RESET_STATE;

		sysfs_is(_metadata, self->b.index, 1, "health", "ok");
		ASSERT_EQ(0, snnt_fault(self->b.index, "fault_hang", 1u << 1));
		t0 = snnt_now_ns();
		ASSERT_EQ(0, snnt_run(self->cl[1], 100));
		/*
		 * Before the watchdog's timeout it is just running (checked
		 * when this WAIT came back early enough to tell).
		 */
		ret = snnt_wait(self->cl[1], 50 * 1000000LL, 0, &w);
		if (ms_since(t0) < HANG_MS - 100) {
			EXPECT_EQ(-ETIMEDOUT, ret);
			EXPECT_EQ(SNN_STATE_RUNNING, w.state);
		}
		ret = snnt_wait(self->cl[1], 30 * SNNT_NS, 0, &w);
		EXPECT_EQ(-EIO, ret) TH_LOG("WAIT on a hung cluster: %s",
					    snnt_errname(ret));
		EXPECT_EQ(SNN_STATE_HUNG, w.state);
		/* not before hang_timeout_ms (less a 100 ms sample) */
		EXPECT_LE(HANG_MS - 100, ms_since(t0));
		EXPECT_GT(10000, ms_since(t0));
		TH_LOG("reset %s: hang reported %lld ms after RUN",
		       kind ? "full" : "state", (long long)ms_since(t0));
		sysfs_is(_metadata, self->b.index, 1, "health", "failed");
		sysfs_is(_metadata, self->b.index, 1, "state", "hung");
		sysfs_is(_metadata, self->b.index, -1, "health", "degraded");
		sysfs_is(_metadata, self->b.index, 0, "health", "ok");
		EXPECT_EQ(-EIO, snnt_wait(self->cl[1], 0, 0, &w));
		EXPECT_EQ(SNN_STATE_HUNG, w.state);
		EXPECT_EQ(-EIO, snnt_run(self->cl[1], 1));
		EXPECT_EQ(1, poll(&p, 1, 0));
		EXPECT_TRUE(p.revents & POLLPRI);
		/* the hang is an error for the eventfd too */
		EXPECT_EQ(1, poll(&pe, 1, 1000))
			TH_LOG("SNN_NOTIFY_ERROR eventfd not signalled for the hang");
		if (read(pe.fd, &cnt, 8) != 8)
			cnt = 0;

		/* the other cluster is not affected */
		relay_ok(_metadata, self, 0);

		/* reset recovers it */
		ASSERT_EQ(0, snnt_reset(self->cl[1], reset));
		sysfs_is(_metadata, self->b.index, 1, "health", "ok");
		sysfs_is(_metadata, self->b.index, -1, "health", "ok");
		ASSERT_EQ(0, snnt_wait(self->cl[1], 0, 0, &w));
		EXPECT_EQ(SNN_STATE_IDLE, w.state);
		EXPECT_EQ(0, w.timestep);
		EXPECT_EQ(0, poll(&p, 1, 0));
		if (kind) {
			/* a full reset unloads and restarts the queues */
			EXPECT_EQ(-ENODATA, snnt_run(self->cl[1], 1));
			ASSERT_EQ(0, snnt_load(self->cl[1], &self->net));
			self->in[1].host = self->out[1].host = 0;
		} else {
			/* the hung run's queue entries are gone */
			self->out[1].host = *self->out[1].wb;
		}
		relay_ok(_metadata, self, 1);
	}
	close(pe.fd);
}

TEST_F(f, stalled_cluster_is_not_hung)
{
	struct snnt_queue small;
	struct snn_queue_id id = { SNN_QUEUE_OUT, 0 };
	struct snnt_evs got = { 0 };
	uint64_t ev[RELAY_N];
	struct snn_wait w;
	int i;

	/* a 2-entry output queue and 8 spikes in one timestep */
	snnt_queue_unmap(&self->out[1]);
	ASSERT_EQ(0, snnt_ioctl(self->cl[1], SNN_IOC_QUEUE_DESTROY, &id));
	ASSERT_EQ(0, snnt_queue_open(&small, self->cl[1], SNN_QUEUE_OUT, 0, 1));
	for (i = 0; i < RELAY_N; i++)
		ev[i] = SNN_EVENT(0, 0, i);
	ASSERT_EQ(RELAY_N, snnt_queue_push(&self->in[1], ev, RELAY_N));
	ASSERT_EQ(0, snnt_run(self->cl[1], 3));
	/* stalled (however slow the host), then for 3 hang timeouts */
	snnt_wait_state(self->cl[1], SNN_STATE_STALLED, 10 * SNNT_NS, &w);
	ASSERT_EQ(SNN_STATE_STALLED, w.state);
	usleep(3 * HANG_MS * 1000);
	EXPECT_EQ(-ETIMEDOUT, snnt_wait(self->cl[1], 0, 0, &w));
	EXPECT_EQ(SNN_STATE_STALLED, w.state);
	sysfs_is(_metadata, self->b.index, 1, "health", "ok");
	sysfs_is(_metadata, self->b.index, 1, "state", "stalled");
	ASSERT_EQ(0, snnt_collect(self->cl[1], &small, 1, &got, 30 * SNNT_NS,
				  &w));
	EXPECT_EQ(RELAY_N, got.n);
	EXPECT_EQ(3, w.timestep);
	snnt_queue_unmap(&small);
	snnt_evs_free(&got);
}

/* ---- DMA errors ------------------------------------------------------------------ */

TEST_F(f, dma_error_in_run_is_eio_snn_e_dma)
{
	const char *const pats[] = { "DMA error", NULL };
	uint64_t ev = SNN_EVENT(2, 0, 3);
	struct pollfd p = { .fd = self->cl[1], .events = POLLPRI };
	struct snn_wait w;
	int kmsg = snnt_kmsg_open(), ret;

	/* the next DMA of cluster 1 (reading the input ring) fails */
	ASSERT_EQ(0, snnt_fault(self->b.index, "fault_dma", 1u << 16 | 1));
	ASSERT_EQ(1, snnt_queue_push(&self->in[1], &ev, 1));
	ASSERT_EQ(0, snnt_run(self->cl[1], 5));
	ret = snnt_wait(self->cl[1], 30 * SNNT_NS, 0, &w);
	EXPECT_EQ(-EIO, ret) TH_LOG("WAIT: %s", snnt_errname(ret));
	EXPECT_EQ(SNN_STATE_ERROR, w.state);
	EXPECT_EQ(SNN_E_DMA, w.error);
	EXPECT_EQ(0, w.error_info);
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLPRI);
	sysfs_is(_metadata, self->b.index, 1, "state", "error");
	if (kmsg >= 0) {
		EXPECT_LE(1, snnt_kmsg_wait(kmsg, pats, 10 * SNNT_NS))
			TH_LOG("the driver did not log the DMA error in 10 s");
		close(kmsg);
	}
	/* the other cluster is fine */
	relay_ok(_metadata, self, 0);
	/* a full reset recovers (queues restart at 0) */
	ASSERT_EQ(0, snnt_reset(self->cl[1], 0));
	ASSERT_EQ(0, snnt_load(self->cl[1], &self->net));
	self->in[1].host = self->out[1].host = 0;
	relay_ok(_metadata, self, 1);
}

TEST_F(f, dma_error_in_output_and_in_load)
{
	uint64_t ev = SNN_EVENT(0, 0, 1);
	struct snn_wait w;
	int ret;

	/* input read fine, the output write fails */
	ASSERT_EQ(1, snnt_queue_push(&self->in[1], &ev, 1));
	ASSERT_EQ(0, snnt_wait(self->cl[1], 0, 0, &w));
	/* read the ring (1 DMA), write back HEAD (1 DMA), then the output */
	ASSERT_EQ(0, snnt_fault(self->b.index, "fault_dma", 1u << 16 | 3));
	ASSERT_EQ(0, snnt_run(self->cl[1], 2));
	ret = snnt_wait(self->cl[1], 30 * SNNT_NS, 0, &w);
	EXPECT_EQ(-EIO, ret);
	EXPECT_EQ(SNN_E_DMA, w.error);

	/* a load whose image cannot be read */
	ASSERT_EQ(0, snnt_fault(self->b.index, "fault_dma", 1u << 16 | 1));
	ret = snnt_load(self->cl[1], &self->net);
	EXPECT_EQ(-EIO, ret) TH_LOG("LOAD with a DMA error: %s",
				    snnt_errname(ret));
	ret = snnt_wait(self->cl[1], 0, 0, &w);
	EXPECT_EQ(-EIO, ret);
	EXPECT_EQ(SNN_STATE_ERROR, w.state);
	EXPECT_EQ(SNN_E_DMA, w.error);
	EXPECT_EQ(-EIO, snnt_run(self->cl[1], 1));
	/* the next load works and clears the error */
	ASSERT_EQ(0, snnt_load(self->cl[1], &self->net));
	ASSERT_EQ(0, snnt_wait(self->cl[1], 0, 0, &w));
	EXPECT_EQ(0, w.error);
	/* (the failed timestep left its input in the ring: start afresh) */
	ASSERT_EQ(0, snnt_reset(self->cl[1], 0));
	ASSERT_EQ(0, snnt_load(self->cl[1], &self->net));
	self->in[1].host = self->out[1].host = 0;
	relay_ok(_metadata, self, 1);
}

/* ---- all-ones reads ------------------------------------------------------------- */

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

/* Use up what is left of a fault_allones window. */
static void allones_drain(int board)
{
	int i;

	for (i = 0; i < 100000; i++) {
		long long v = snnt_sysfs_num(board, 0, "counters/timesteps");

		if (v >= 0 && v < (1ll << 40))
			break;
	}
}

TEST_F(f, all_ones_glitch_is_not_an_error)
{
	struct pollfd p = { .fd = self->cl[1],
			    .events = POLLIN | POLLOUT | POLLPRI };
	struct snn_wait w;
	int ret;

	relay_ok(_metadata, self, 1);
	/* one read returns all-ones: the status read of WAIT */
	ASSERT_EQ(0, snnt_fault(self->b.index, "fault_allones", 1));
	ret = snnt_wait(self->cl[1], 0, 0, &w);
	EXPECT_TRUE(ret == 0 || ret == -ENODEV)
		TH_LOG("WAIT after one all-ones read: %s, state %u error %#x (an idle, healthy cluster)",
		       snnt_errname(ret), w.state, w.error);
	if (ret == -EIO) {
		EXPECT_TRUE(w.error > 0 && w.error < SNN_E_NUM)
			TH_LOG("-EIO must name a device error, got %#x",
			       w.error);
	}
	allones_drain(self->b.index);
	/* the same for poll */
	ASSERT_EQ(0, snnt_fault(self->b.index, "fault_allones", 1));
	ASSERT_LE(0, poll(&p, 1, 0));
	EXPECT_FALSE((p.revents & POLLPRI) && !(p.revents & POLLERR))
		TH_LOG("poll after one all-ones read: revents %#x (POLLPRI: error) on a healthy cluster",
		       p.revents);
	allones_drain(self->b.index);
	/* and RUN */
	ASSERT_EQ(0, snnt_fault(self->b.index, "fault_allones", 1));
	ret = snnt_run(self->cl[1], 1);
	EXPECT_TRUE(ret == 0 || ret == -ENODEV)
		TH_LOG("RUN after one all-ones read: %s", snnt_errname(ret));
	allones_drain(self->b.index);
	snnt_wait(self->cl[1], 10 * SNNT_NS, 0, NULL);
	/* afterwards all is well */
	ASSERT_EQ(0, snnt_wait(self->cl[1], 0, 0, &w));
	EXPECT_EQ(SNN_STATE_IDLE, w.state);
	relay_ok(_metadata, self, 1);
	sysfs_is(_metadata, self->b.index, 1, "health", "ok");
}

TEST_F(f, all_ones_device_reads_as_gone)
{
	struct pollfd p = { .fd = self->cl[1],
			    .events = POLLIN | POLLOUT | POLLPRI };
	struct snn_counters c;
	struct snn_wait w;
	int ret;

	/* long enough that the magic register reads all-ones too */
	ASSERT_EQ(0, snnt_fault(self->b.index, "fault_allones", 200));
	ret = snnt_wait(self->cl[1], 0, 0, &w);
	EXPECT_EQ(-ENODEV, ret)
		TH_LOG("WAIT while the device reads all-ones: %s, state %u error %#x",
		       snnt_errname(ret), w.state, w.error);
	ASSERT_LE(0, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLERR)
		TH_LOG("poll while the device reads all-ones: revents %#x",
		       p.revents);
	/* nothing else breaks */
	snnt_counters(self->cl[1], &c);
	snnt_run(self->cl[1], 1);
	allones_drain(self->b.index);
	/* a board that stopped answering is failed until a board reset */
	sysfs_is(_metadata, self->b.index, -1, "health", "failed");
	ASSERT_EQ(0, board_reset(self->b.index));
	sysfs_is(_metadata, self->b.index, -1, "health", "ok");
	/* the old files are stale now: open afresh, and it all works */
	EXPECT_EQ(-ENODEV, snnt_wait(self->cl[1], 0, 0, &w));
	snnt_queue_unmap(&self->in[1]);
	snnt_queue_unmap(&self->out[1]);
	close(self->cl[1]);
	self->cl[1] = snnt_open(self->b.index, 1, O_RDWR);
	ASSERT_LE(0, self->cl[1]);
	ASSERT_EQ(0, snnt_load(self->cl[1], &self->net));
	ASSERT_EQ(0, snnt_queue_open(&self->in[1], self->cl[1], SNN_QUEUE_IN,
				     0, 6));
	ASSERT_EQ(0, snnt_queue_open(&self->out[1], self->cl[1],
				     SNN_QUEUE_OUT, 0, 8));
	relay_ok(_metadata, self, 1);
}

/* ---- lost interrupts --------------------------------------------------------------- */

TEST_F_TIMEOUT(f, lost_interrupts_do_not_hang_wait, 120)
{
	struct snnt_evs got = { 0 };
	uint64_t ev = SNN_EVENT(3, 0, 5);
	struct snn_wait w;
	int64_t t0;
	int ret;

	/* every message of cluster 1's vector is lost */
	ASSERT_EQ(0, snnt_fault(self->b.index, "fault_irq_loss",
				1u << 16 | 0xffff));
	ASSERT_EQ(0, snnt_run(self->cl[1], 20));
	t0 = snnt_now_ns();
	ret = snnt_wait(self->cl[1], -1, 0, &w);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(20, w.timestep);
	EXPECT_GT(5000, ms_since(t0));
	ASSERT_EQ(0, snnt_run(self->cl[1], 20));
	EXPECT_EQ(0, snnt_wait(self->cl[1], 10 * SNNT_NS, 0, &w));
	EXPECT_EQ(40, w.timestep);
	/* output, with WAIT_OUTPUT */
	ev = SNN_EVENT(45, 0, 5);
	ASSERT_EQ(1, snnt_queue_push(&self->in[1], &ev, 1));
	ASSERT_EQ(0, snnt_run(self->cl[1], 10));
	EXPECT_EQ(0, snnt_collect(self->cl[1], &self->out[1], 1, &got,
				  10 * SNNT_NS, &w));
	ASSERT_EQ(1, got.n);
	EXPECT_EQ(ev, got.ev[0]);
	/* the error vector too: an error is still seen */
	ASSERT_EQ(0, snnt_fault(self->b.index, "fault_irq_loss",
				self->b.info.clusters << 16 | 0xffff));
	ASSERT_EQ(0, snnt_fault(self->b.index, "fault_dma", 1u << 16 | 1));
	ev = SNN_EVENT(60, 0, 1);
	ASSERT_EQ(1, snnt_queue_push(&self->in[1], &ev, 1));
	ASSERT_EQ(0, snnt_run(self->cl[1], 20));
	t0 = snnt_now_ns();
	ret = snnt_wait(self->cl[1], -1, 0, &w);
	EXPECT_EQ(-EIO, ret);
	EXPECT_EQ(SNN_E_DMA, w.error);
	EXPECT_GT(5000, ms_since(t0));
	/* back to normal */
	ASSERT_EQ(0, snnt_fault(self->b.index, "fault_irq_loss", 1u << 16));
	ASSERT_EQ(0, snnt_fault(self->b.index, "fault_irq_loss",
				self->b.info.clusters << 16));
	snnt_evs_free(&got);
}

SNNT_MAIN()
