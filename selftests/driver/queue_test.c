// SPDX-License-Identifier: GPL-2.0
/*
 * snn.ko: spike queues and everything that waits for them.
 *
 *  - mmap of queues and of the doorbell page: what maps, what does not
 *    (beyond the ring, wrong offsets, private mappings, doorbell length),
 *    mappings after QUEUE_DESTROY (SIGBUS, in a child), mapping lifetime;
 *  - the data path: events in, spikes out, indices, back-pressure (stall),
 *    OUT_DROP, queue errors reported by WAIT;
 *  - poll/epoll (EPOLLIN on output and when a run is done, EPOLLOUT when an
 *    input queue has space, EPOLLPRI on errors, timeouts);
 *  - SNN_IOC_WAIT with timeout 0, a small timeout, no timeout, signals;
 *  - SNN_IOC_EVENTFD: run done, output, errors, and switching it off.
 *
 * Board: --board BUS, else the first board.
 */
#include "snn_test_lib.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <setjmp.h>

#include "kselftest_harness.h"

#define RELAY_N		8

FIXTURE(q) {
	struct snnt_board b;
	int fd;
	struct snnt_net net;
	long pg;
};

FIXTURE_SETUP(q)
{
	ASSERT_EQ(0, snnt_pick_board(&self->b, 1, 0));
	self->fd = snnt_open(self->b.index, 0, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open snn%d.0: %s", self->b.index,
				      snnt_errname(self->fd));
	self->pg = sysconf(_SC_PAGESIZE);
	/* neuron i fires when axon i gets an event; queue i % 2 */
	snnt_relay_net(&self->net, RELAY_N, 2, 0);
	ASSERT_EQ(0, snnt_load(self->fd, &self->net));
}

FIXTURE_TEARDOWN(q)
{
	snnt_net_free(&self->net);
	close(self->fd);
}

static int64_t ms_since(int64_t t0)
{
	return (snnt_now_ns() - t0) / 1000000;
}

/* ---- mmap ---------------------------------------------------------------------------- */

TEST_F(q, mmap_queue_and_bad_mappings)
{
	struct snnt_queue in;
	struct snn_queue_create *qc = &in.qc;
	void *m;

	ASSERT_EQ(0, snnt_queue_open(&in, self->fd, SNN_QUEUE_IN, 0, 4));
	EXPECT_EQ(0, *in.wb);
	/* a prefix maps too */
	m = mmap(NULL, self->pg, PROT_READ, MAP_SHARED, self->fd,
		 qc->mmap_offset);
	EXPECT_NE(MAP_FAILED, m);
	munmap(m, self->pg);
	/* beyond the ring */
	m = mmap(NULL, qc->mmap_size + self->pg, PROT_READ | PROT_WRITE,
		 MAP_SHARED, self->fd, qc->mmap_offset);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, 16 << 20, PROT_READ, MAP_SHARED, self->fd,
		 qc->mmap_offset);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	/* not at the start of the queue's window */
	m = mmap(NULL, self->pg, PROT_READ, MAP_SHARED, self->fd,
		 qc->mmap_offset + self->pg);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, self->pg, PROT_READ, MAP_SHARED, self->fd,
		 qc->mmap_offset + (8 << 20));
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	/* queues that do not exist */
	m = mmap(NULL, self->pg, PROT_READ, MAP_SHARED, self->fd,
		 SNN_MMAP_QUEUE(SNN_QUEUE_IN, 1));
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(ENOENT, errno);
	m = mmap(NULL, self->pg, PROT_READ, MAP_SHARED, self->fd,
		 SNN_MMAP_QUEUE(SNN_QUEUE_OUT, 0));
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(ENOENT, errno);
	/* ... or cannot */
	m = mmap(NULL, self->pg, PROT_READ, MAP_SHARED, self->fd,
		 SNN_MMAP_QUEUE(SNN_QUEUE_IN, self->b.info.in_queues));
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, self->pg, PROT_READ, MAP_SHARED, self->fd,
		 SNN_MMAP_QUEUE(2, 0));
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, self->pg, PROT_READ, MAP_SHARED, self->fd, 1 << 20);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	/* private mappings of device memory make no sense */
	m = mmap(NULL, qc->mmap_size, PROT_READ, MAP_PRIVATE, self->fd,
		 qc->mmap_offset);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	/* and it cannot grow */
	m = mremap(in.map, qc->mmap_size, qc->mmap_size + self->pg, 0);
	EXPECT_EQ(MAP_FAILED, m);
	m = mremap(in.map, qc->mmap_size, qc->mmap_size + self->pg,
		   MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, m);
	snnt_queue_unmap(&in);
}

TEST_F(q, mmap_doorbell_page)
{
	struct snnt_queue in, out;
	uint64_t ev[3] = { SNN_EVENT(0, 0, 0), SNN_EVENT(1, 0, 2),
			   SNN_EVENT(1, 0, 4) };
	struct snnt_evs got = { 0 };
	volatile uint32_t *db;
	uint64_t more[16];
	void *m;
	size_t i;

	if (!(self->b.info.caps & SNN_CAP_MAPPED_DOORBELL))
		SKIP(return, "no SNN_CAP_MAPPED_DOORBELL");
	/* exactly one 64 KiB doorbell page */
	m = mmap(NULL, self->pg, PROT_WRITE, MAP_SHARED, self->fd,
		 SNN_MMAP_DOORBELL);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, 2 * SNN_DOORBELL_MAP_SIZE, PROT_WRITE, MAP_SHARED, self->fd,
		 SNN_MMAP_DOORBELL);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, SNN_DOORBELL_MAP_SIZE - self->pg, PROT_WRITE, MAP_SHARED, self->fd,
		 SNN_MMAP_DOORBELL);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, SNN_DOORBELL_MAP_SIZE, PROT_WRITE, MAP_PRIVATE, self->fd,
		 SNN_MMAP_DOORBELL);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, SNN_DOORBELL_MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd,
		 SNN_MMAP_DOORBELL);
	ASSERT_NE(MAP_FAILED, m) TH_LOG("doorbell mmap: %s", strerror(errno));
	db = m;

	/* the producer index through the mapped doorbell */
	ASSERT_EQ(0, snnt_queue_open(&in, self->fd, SNN_QUEUE_IN, 0, 4));
	ASSERT_EQ(0, snnt_queue_open(&out, self->fd, SNN_QUEUE_OUT, 0, 4));
	in.db = db + SNN_DOORBELL_IN(0) / 4;
	out.db = db + SNN_DOORBELL_OUT(0) / 4;
	ASSERT_EQ(3, snnt_queue_push(&in, ev, 3));
	ASSERT_EQ(0, snnt_run(self->fd, 3));
	ASSERT_EQ(0, snnt_collect(self->fd, &out, 1, &got, 10 * SNNT_NS, NULL));
	EXPECT_EQ(3, *in.wb);
	/* queue 0 has the even neurons */
	ASSERT_EQ(3, got.n);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(ev[i], got.ev[i]);
	/*
	 * The consumer index reached the device through the mapping: it
	 * can fill the 16-entry queue again without stalling.
	 */
	for (i = 0; i < 16; i++)
		more[i] = SNN_EVENT(3 + i, 0, 0);
	ASSERT_EQ(16, snnt_queue_push(&in, more, 16));
	ASSERT_EQ(0, snnt_run(self->fd, 16));
	ASSERT_EQ(0, snnt_wait(self->fd, 10 * SNNT_NS, 0, NULL));
	EXPECT_EQ(19, *out.wb);
	munmap(m, SNN_DOORBELL_MAP_SIZE);
	snnt_queue_unmap(&in);
	snnt_queue_unmap(&out);
	snnt_evs_free(&got);
}

TEST_F(q, destroy_zaps_mapping_sigbus)
{
	struct snn_queue_create qc = { .dir = SNN_QUEUE_OUT, .index = 1,
				       .depth_log2 = 5 };
	struct snn_queue_id id = { SNN_QUEUE_OUT, 1 };
	struct snnt_toucher t;
	int st;

	ASSERT_EQ(0, snnt_ioctl(self->fd, SNN_IOC_QUEUE_CREATE, &qc));
	ASSERT_EQ(0, snnt_toucher_start(&t, self->fd, qc.mmap_offset,
					qc.mmap_size, 1));
	ASSERT_EQ(0, snnt_ioctl(self->fd, SNN_IOC_QUEUE_DESTROY, &id));
	st = snnt_toucher_finish(&t);
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS)
		TH_LOG("child touching a destroyed queue: %s",
		       snnt_status_str(st));
	/* a new queue maps again, in a child too */
	memset(&qc, 0, sizeof(qc));
	qc.dir = SNN_QUEUE_OUT;
	qc.index = 1;
	qc.depth_log2 = 5;
	ASSERT_EQ(0, snnt_ioctl(self->fd, SNN_IOC_QUEUE_CREATE, &qc));
	ASSERT_EQ(0, snnt_toucher_start(&t, self->fd, qc.mmap_offset,
					qc.mmap_size, 1));
	st = snnt_toucher_finish(&t);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("child touching a live queue: %s", snnt_status_str(st));
}

TEST_F(q, mapping_keeps_file_until_munmap)
{
	struct snnt_queue in;
	int fd2;

	ASSERT_EQ(0, snnt_queue_open(&in, self->fd, SNN_QUEUE_IN, 0, 4));
	/* the mapping holds the file: the cluster stays ours */
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, *in.wb);
	in.ring[0] = 42;
	EXPECT_EQ(42, in.ring[0]);
	fd2 = snnt_open(self->b.index, 0, O_RDWR);
	EXPECT_EQ(-EBUSY, fd2);
	EXPECT_EQ(1, snnt_sysfs_num(self->b.index, 0, "busy"));
	snnt_queue_unmap(&in);
	EXPECT_EQ(0, snnt_sysfs_num(self->b.index, 0, "busy"));
	self->fd = snnt_open(self->b.index, 0, O_RDWR);
	EXPECT_LE(0, self->fd) TH_LOG("open after munmap: %s",
				      snnt_errname(self->fd));
}

/* ---- the data path ---------------------------------------------------------------- */

TEST_F(q, events_in_spikes_out)
{
	struct snnt_queue in, out[2];
	struct snnt_evs got = { 0 }, want = { 0 };
	uint64_t ev[64];
	uint32_t n = 0, t, i;
	struct snn_counters c;
	struct snn_wait w;

	ASSERT_EQ(0, snnt_queue_open(&in, self->fd, SNN_QUEUE_IN, 0, 6));
	ASSERT_EQ(0, snnt_queue_open(&out[0], self->fd, SNN_QUEUE_OUT, 0, 6));
	ASSERT_EQ(0, snnt_queue_open(&out[1], self->fd, SNN_QUEUE_OUT, 1, 6));
	/* timestep t: axons t % 8 and (3 t + 1) % 8 (if different) */
	for (t = 0; t < 20; t++) {
		ev[n++] = SNN_EVENT(t, 0, t % RELAY_N);
		snnt_evs_add(&want, SNN_EVENT(t, 0, t % RELAY_N));
		if ((3 * t + 1) % RELAY_N != t % RELAY_N) {
			ev[n++] = SNN_EVENT(t, 0, (3 * t + 1) % RELAY_N);
			snnt_evs_add(&want, SNN_EVENT(t, 0, (3 * t + 1) % RELAY_N));
		}
	}
	ASSERT_EQ((int)n, snnt_queue_push(&in, ev, n));
	ASSERT_EQ(0, snnt_run(self->fd, 25));
	ASSERT_EQ(0, snnt_collect(self->fd, out, 2, &got, 10 * SNNT_NS, &w));
	EXPECT_EQ(25, w.timestep);
	/* every event consumed: the device's HEAD is our producer index */
	EXPECT_EQ(n, *in.wb);
	/* each queue got its neurons in order */
	EXPECT_EQ(out[0].host, *out[0].wb);
	snnt_evs_sort(&got);
	snnt_evs_sort(&want);
	ASSERT_EQ(want.n, got.n);
	for (i = 0; i < want.n; i++)
		EXPECT_EQ(want.ev[i], got.ev[i]) TH_LOG("event %u", i);
	ASSERT_EQ(0, snnt_counters(self->fd, &c));
	EXPECT_EQ(n, c.in_events);
	EXPECT_EQ(want.n, c.out_events);
	EXPECT_EQ(want.n, c.spikes);
	EXPECT_EQ(0, c.late);
	EXPECT_EQ(0, c.stalls);
	snnt_evs_free(&got);
	snnt_evs_free(&want);
}

TEST_F(q, full_output_queue_stalls_then_drains)
{
	struct snnt_queue in, out[2];
	struct snnt_evs got = { 0 };
	uint64_t ev[RELAY_N];
	struct snn_counters c;
	struct snn_wait w;
	uint32_t i;
	int ret;

	ASSERT_EQ(0, snnt_queue_open(&in, self->fd, SNN_QUEUE_IN, 0, 4));
	ASSERT_EQ(0, snnt_queue_open(&out[0], self->fd, SNN_QUEUE_OUT, 0, 1));
	ASSERT_EQ(0, snnt_queue_open(&out[1], self->fd, SNN_QUEUE_OUT, 1, 1));
	for (i = 0; i < RELAY_N; i++)
		ev[i] = SNN_EVENT(0, 0, i);
	ASSERT_EQ(RELAY_N, snnt_queue_push(&in, ev, RELAY_N));
	ASSERT_EQ(0, snnt_run(self->fd, 2));
	/* 4 spikes per 2-entry queue: the cluster stalls in timestep 0 */
	ret = snnt_wait_state(self->fd, SNN_STATE_STALLED, 2 * SNNT_NS, &w);
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_EQ(SNN_STATE_STALLED, w.state);
	EXPECT_EQ(0, w.timestep);
	EXPECT_EQ(2, w.remaining);
	EXPECT_EQ(2, snnt_queue_avail(&out[0]));
	/* WAIT for output returns at once */
	EXPECT_EQ(0, snnt_wait(self->fd, SNNT_NS, SNN_WAIT_OUTPUT, &w));
	/* draining lets it go on; nothing is lost */
	ASSERT_EQ(0, snnt_collect(self->fd, out, 2, &got, 10 * SNNT_NS, &w));
	EXPECT_EQ(2, w.timestep);
	snnt_evs_sort(&got);
	ASSERT_EQ(RELAY_N, got.n);
	for (i = 0; i < RELAY_N; i++)
		EXPECT_EQ(SNN_EVENT(0, 0, i), got.ev[i]);
	ASSERT_EQ(0, snnt_counters(self->fd, &c));
	EXPECT_LE(1, c.stalls);
	EXPECT_EQ(0, c.drops);
	EXPECT_EQ(RELAY_N, c.out_events);
	snnt_evs_free(&got);
}

TEST_F(q, out_drop_mode_drops_and_counts)
{
	struct snn_config cfg = { .flags = SNN_CONFIG_OUT_DROP };
	struct snnt_queue in, out[2];
	struct snnt_evs got = { 0 };
	uint64_t ev[RELAY_N];
	struct snn_counters c;
	uint32_t i;

	if (!(self->b.info.caps & SNN_CAP_OUT_DROP))
		SKIP(return, "no SNN_CAP_OUT_DROP");
	ASSERT_EQ(0, snnt_ioctl(self->fd, SNN_IOC_CONFIG, &cfg));
	ASSERT_EQ(0, snnt_queue_open(&in, self->fd, SNN_QUEUE_IN, 0, 4));
	ASSERT_EQ(0, snnt_queue_open(&out[0], self->fd, SNN_QUEUE_OUT, 0, 1));
	ASSERT_EQ(0, snnt_queue_open(&out[1], self->fd, SNN_QUEUE_OUT, 1, 1));
	for (i = 0; i < RELAY_N; i++)
		ev[i] = SNN_EVENT(0, 0, i);
	ASSERT_EQ(RELAY_N, snnt_queue_push(&in, ev, RELAY_N));
	ASSERT_EQ(0, snnt_run(self->fd, 3));
	/* no stall: it simply finishes */
	ASSERT_EQ(0, snnt_wait(self->fd, 10 * SNNT_NS, 0, NULL));
	ASSERT_EQ(0, snnt_collect(self->fd, out, 2, &got, 10 * SNNT_NS, NULL));
	snnt_evs_sort(&got);
	/* the first two of each queue, in (core, neuron) order */
	ASSERT_EQ(4, got.n);
	EXPECT_EQ(SNN_EVENT(0, 0, 0), got.ev[0]);
	EXPECT_EQ(SNN_EVENT(0, 0, 1), got.ev[1]);
	EXPECT_EQ(SNN_EVENT(0, 0, 2), got.ev[2]);
	EXPECT_EQ(SNN_EVENT(0, 0, 3), got.ev[3]);
	ASSERT_EQ(0, snnt_counters(self->fd, &c));
	EXPECT_EQ(4, c.drops);
	EXPECT_EQ(4, c.out_events);
	EXPECT_EQ(0, c.stalls);
	EXPECT_EQ(RELAY_N, c.spikes);
	snnt_evs_free(&got);
}

TEST_F(q, queue_errors_reported_by_wait)
{
	struct snnt_queue in, out;
	struct snn_doorbell d = { SNN_QUEUE_IN, 0, 100, 0 };
	uint64_t ev = SNN_EVENT(0, 0, RELAY_N);	/* axon 8 of 8 */
	struct snn_wait w;
	char st[32];
	int ret;

	ASSERT_EQ(0, snnt_queue_open(&in, self->fd, SNN_QUEUE_IN, 0, 4));
	/* 1. a producer index 100 entries ahead of a 16-entry ring */
	ASSERT_EQ(0, snnt_ioctl(self->fd, SNN_IOC_DOORBELL, &d));
	ASSERT_EQ(0, snnt_run(self->fd, 2));
	ret = snnt_wait(self->fd, 10 * SNNT_NS, 0, &w);
	EXPECT_EQ(-EIO, ret);
	EXPECT_EQ(SNN_STATE_ERROR, w.state);
	EXPECT_EQ(SNN_E_QUEUE, w.error);
	EXPECT_EQ(0, w.error_info);
	/* the error stays until a reset or a load; RUN is refused */
	EXPECT_EQ(-EIO, snnt_wait(self->fd, 0, 0, &w));
	EXPECT_EQ(-EIO, snnt_run(self->fd, 1));
	ASSERT_EQ(0, snnt_sysfs(self->b.index, 0, "state", st, sizeof(st)));
	EXPECT_STREQ("error", st);
	ASSERT_EQ(0, snnt_reset(self->fd, 0));
	in.host = 0;
	EXPECT_EQ(0, *in.wb);
	ASSERT_EQ(0, snnt_load(self->fd, &self->net));

	/* 2. an event for an axon the network does not have */
	ASSERT_EQ(0, snnt_queue_open(&out, self->fd, SNN_QUEUE_OUT, 0, 4));
	ASSERT_EQ(1, snnt_queue_push(&in, &ev, 1));
	ASSERT_EQ(0, snnt_run(self->fd, 2));
	EXPECT_EQ(-EIO, snnt_wait(self->fd, 10 * SNNT_NS, 0, &w));
	EXPECT_EQ(SNN_STATE_ERROR, w.state);
	EXPECT_EQ(SNN_E_BAD_EVENT, w.error);
	EXPECT_EQ(0u << 24 | 0, w.error_info);
	/* a load leaves the error state */
	ASSERT_EQ(0, snnt_load(self->fd, &self->net));
	EXPECT_EQ(0, snnt_wait(self->fd, 0, 0, &w));
	EXPECT_EQ(0, w.error);

	/*
	 * 3. an OUT neuron whose queue (1) does not exist.  The bad event
	 * is still at the head of the input queue (the device does not
	 * consume the entries of a failed timestep): a full reset empties
	 * the queues.
	 */
	ASSERT_EQ(0, snnt_reset(self->fd, 0));
	ASSERT_EQ(0, snnt_load(self->fd, &self->net));
	in.host = 0;
	out.host = 0;
	ev = SNN_EVENT(0, 0, 1);
	ASSERT_EQ(1, snnt_queue_push(&in, &ev, 1));
	ASSERT_EQ(0, snnt_run(self->fd, 2));
	EXPECT_EQ(-EIO, snnt_wait(self->fd, 10 * SNNT_NS, 0, &w));
	EXPECT_EQ(SNN_STATE_ERROR, w.state);
	EXPECT_EQ(SNN_E_NO_OUTQ, w.error);
	EXPECT_EQ(1, w.error_info);
	snnt_queue_unmap(&in);
	snnt_queue_unmap(&out);
}

TEST_F(q, full_reset_restarts_queues_at_zero)
{
	struct snnt_queue in, out;
	struct snnt_evs got = { 0 };
	uint64_t ev[2] = { SNN_EVENT(0, 0, 0), SNN_EVENT(0, 0, 2) };

	ASSERT_EQ(0, snnt_queue_open(&in, self->fd, SNN_QUEUE_IN, 0, 3));
	ASSERT_EQ(0, snnt_queue_open(&out, self->fd, SNN_QUEUE_OUT, 0, 3));
	ASSERT_EQ(2, snnt_queue_push(&in, ev, 2));
	ASSERT_EQ(0, snnt_run(self->fd, 1));
	ASSERT_EQ(0, snnt_collect(self->fd, &out, 1, &got, 10 * SNNT_NS, NULL));
	ASSERT_EQ(2, got.n);
	ASSERT_EQ(2, *in.wb);
	/* full reset: queues stay, enabled again with both indices 0 */
	ASSERT_EQ(0, snnt_reset(self->fd, 0));
	EXPECT_EQ(0, *in.wb);
	EXPECT_EQ(0, *out.wb);
	in.host = out.host = 0;
	ASSERT_EQ(0, snnt_load(self->fd, &self->net));
	ASSERT_EQ(2, snnt_queue_push(&in, ev, 2));
	ASSERT_EQ(0, snnt_run(self->fd, 1));
	got.n = 0;
	ASSERT_EQ(0, snnt_collect(self->fd, &out, 1, &got, 10 * SNNT_NS, NULL));
	ASSERT_EQ(2, got.n);
	EXPECT_EQ(SNN_EVENT(0, 0, 0), got.ev[0]);
	EXPECT_EQ(SNN_EVENT(0, 0, 2), got.ev[1]);
	snnt_evs_free(&got);
	snnt_queue_unmap(&in);
	snnt_queue_unmap(&out);
}

/* ---- poll and epoll --------------------------------------------------------------- */

static short poll_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

TEST_F(q, poll_nothing_pending_and_timeout)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN | POLLPRI };
	int64_t t0;

	/* a fresh cluster: no output, no run, no input queue */
	EXPECT_EQ(0, poll_now(self->fd));
	t0 = snnt_now_ns();
	EXPECT_EQ(0, poll(&p, 1, 300));
	EXPECT_LE(290, ms_since(t0));
	EXPECT_GT(3000, ms_since(t0));
}

TEST_F(q, epoll_in_when_run_done)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct snn_wait w;
	int ep = epoll_create1(EPOLL_CLOEXEC), n;
	uint32_t steps = 200000;
	int64_t t0;

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &got, 1, 0));
	ASSERT_EQ(0, snnt_run(self->fd, steps));
	t0 = snnt_now_ns();
	n = epoll_wait(ep, &got, 1, 30000);
	ASSERT_EQ(1, n) TH_LOG("no EPOLLIN within 30 s");
	EXPECT_TRUE(got.events & EPOLLIN);
	/* woken because it is done, not early */
	ASSERT_EQ(0, snnt_wait(self->fd, 0, 0, &w));
	EXPECT_EQ(SNN_STATE_IDLE, w.state);
	EXPECT_EQ(steps, w.timestep);
	TH_LOG("%u timesteps: EPOLLIN after %lld ms", steps,
	       (long long)ms_since(t0));
	/* WAIT has seen the end of the run: EPOLLIN is over */
	EXPECT_EQ(0, epoll_wait(ep, &got, 1, 0));
	EXPECT_EQ(0, poll_now(self->fd) & POLLIN);
	/* the next run ends in EPOLLIN again */
	ASSERT_EQ(0, snnt_run(self->fd, 10));
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, 30000));
	EXPECT_TRUE(got.events & EPOLLIN);
	close(ep);
}

TEST_F(q, epoll_in_when_output_arrives)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct snnt_queue in, out;
	uint64_t e = SNN_EVENT(50000, 0, 2);
	struct snn_wait w;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, snnt_queue_open(&in, self->fd, SNN_QUEUE_IN, 0, 4));
	ASSERT_EQ(0, snnt_queue_open(&out, self->fd, SNN_QUEUE_OUT, 0, 4));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	/* one spike at timestep 50000 of a run that goes on */
	ASSERT_EQ(1, snnt_queue_push(&in, &e, 1));
	ASSERT_EQ(0, snnt_run(self->fd, 0x7fffffff));
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, 30000))
		TH_LOG("no EPOLLIN for output within 30 s");
	EXPECT_TRUE(got.events & EPOLLIN);
	ASSERT_EQ(1, snnt_queue_avail(&out));
	EXPECT_EQ(e, out.ring[0]);
	/* it is still running */
	EXPECT_EQ(-ETIMEDOUT, snnt_wait(self->fd, 0, 0, &w));
	EXPECT_EQ(SNN_STATE_RUNNING, w.state);
	/* consumed: no EPOLLIN any more while it runs */
	ASSERT_EQ(1, snnt_queue_drain(&out, NULL, 1));
	EXPECT_EQ(0, epoll_wait(ep, &got, 1, 100));
	ASSERT_EQ(0, snnt_reset(self->fd, SNN_RESET_STATE));
	close(ep);
	snnt_queue_unmap(&in);
	snnt_queue_unmap(&out);
}

TEST_F(q, epoll_out_when_input_has_space)
{
	struct epoll_event ev = { .events = EPOLLOUT }, got;
	struct snnt_queue in;
	uint64_t e[4];
	int ep = epoll_create1(EPOLL_CLOEXEC), i;

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, snnt_queue_open(&in, self->fd, SNN_QUEUE_IN, 0, 2));
	/* an empty input queue has space */
	EXPECT_TRUE(poll_now(self->fd) & POLLOUT);
	/* a full one has not */
	for (i = 0; i < 4; i++)
		e[i] = SNN_EVENT(1000 + 1000 * i, 0, i);
	ASSERT_EQ(4, snnt_queue_push(&in, e, 4));
	EXPECT_EQ(0, poll_now(self->fd) & POLLOUT);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &got, 1, 100));
	/* the device takes the first at timestep 1000 */
	ASSERT_EQ(0, snnt_run(self->fd, 0x7fffffff));
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, 30000))
		TH_LOG("no EPOLLOUT within 30 s");
	EXPECT_TRUE(got.events & EPOLLOUT);
	EXPECT_LE(1, snnt_queue_space(&in));
	ASSERT_EQ(0, snnt_reset(self->fd, SNN_RESET_STATE));
	close(ep);
	snnt_queue_unmap(&in);
}

TEST_F(q, poll_pri_on_error)
{
	struct snnt_queue in;
	uint64_t e = SNN_EVENT(5000, 0, RELAY_N);	/* bad axon */
	struct pollfd p = { .fd = self->fd, .events = POLLPRI };

	ASSERT_EQ(0, snnt_queue_open(&in, self->fd, SNN_QUEUE_IN, 0, 2));
	EXPECT_EQ(0, poll_now(self->fd) & POLLPRI);
	ASSERT_EQ(1, snnt_queue_push(&in, &e, 1));
	ASSERT_EQ(0, snnt_run(self->fd, 0x7fffffff));
	ASSERT_EQ(1, poll(&p, 1, 30000)) TH_LOG("no POLLPRI within 30 s");
	EXPECT_TRUE(p.revents & POLLPRI);
	EXPECT_EQ(-EIO, snnt_wait(self->fd, 0, 0, NULL));
	ASSERT_EQ(0, snnt_reset(self->fd, 0));
	EXPECT_EQ(0, poll_now(self->fd) & POLLPRI);
	snnt_queue_unmap(&in);
}

/* ---- SNN_IOC_WAIT ------------------------------------------------------------------- */

TEST_F(q, wait_timeouts)
{
	struct snn_wait w;
	int64_t t0;
	int ret;

	/* idle: done at once, whatever the timeout */
	EXPECT_EQ(0, snnt_wait(self->fd, 0, 0, &w));
	EXPECT_EQ(SNN_STATE_IDLE, w.state);
	EXPECT_EQ(0, snnt_wait(self->fd, -1, 0, &w));
	ASSERT_EQ(0, snnt_run(self->fd, 0x7fffffff));
	/* timeout 0: just report */
	t0 = snnt_now_ns();
	EXPECT_EQ(-ETIMEDOUT, snnt_wait(self->fd, 0, 0, &w));
	EXPECT_GT(100, ms_since(t0));
	EXPECT_EQ(SNN_STATE_RUNNING, w.state);
	EXPECT_NE(0, w.remaining);
	/* a small timeout */
	t0 = snnt_now_ns();
	ret = snnt_wait(self->fd, 50 * 1000000LL, 0, &w);
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_LE(50, ms_since(t0));
	EXPECT_GT(2000, ms_since(t0));
	EXPECT_EQ(SNN_STATE_RUNNING, w.state);
	/* 1 ns */
	EXPECT_EQ(-ETIMEDOUT, snnt_wait(self->fd, 1, 0, &w));
	/* with output flag but no output */
	t0 = snnt_now_ns();
	EXPECT_EQ(-ETIMEDOUT, snnt_wait(self->fd, 200 * 1000000LL,
					SNN_WAIT_OUTPUT, &w));
	EXPECT_LE(200, ms_since(t0));
	ASSERT_EQ(0, snnt_reset(self->fd, SNN_RESET_STATE));
	/* a run that ends within the timeout */
	ASSERT_EQ(0, snnt_run(self->fd, 1000));
	EXPECT_EQ(0, snnt_wait(self->fd, 30 * SNNT_NS, 0, &w));
	EXPECT_EQ(1000, w.timestep);
	EXPECT_EQ(0, w.remaining);
}

static void on_alarm(int sig)
{
}

TEST_F(q, wait_interrupted_by_signal)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct snn_wait w;
	int64_t t0;
	int ret;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, snnt_run(self->fd, 0x7fffffff));
	alarm(1);
	t0 = snnt_now_ns();
	ret = snnt_wait(self->fd, -1, 0, &w);
	EXPECT_EQ(-EINTR, ret) TH_LOG("WAIT: %s", snnt_errname(ret));
	EXPECT_GT(10000, ms_since(t0));
	ASSERT_EQ(0, snnt_reset(self->fd, SNN_RESET_STATE));
}

/* ---- SNN_IOC_EVENTFD --------------------------------------------------------------- */

/* The eventfd's count within @ms, 0 if it did not fire. */
static uint64_t efd_read(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v = 0;

	if (poll(&p, 1, ms) != 1)
		return 0;
	if (read(efd, &v, 8) != 8)
		return 0;
	return v;
}

TEST_F(q, eventfd_run_done)
{
	struct snn_eventfd e = { .events = SNN_NOTIFY_RUN_DONE };
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct snn_wait w;

	ASSERT_LE(0, efd);
	e.fd = efd;
	ASSERT_EQ(0, snnt_ioctl(self->fd, SNN_IOC_EVENTFD, &e));
	EXPECT_EQ(0, efd_read(efd, 0));
	ASSERT_EQ(0, snnt_run(self->fd, 20000));
	EXPECT_LE(1, efd_read(efd, 30000)) TH_LOG("eventfd did not fire");
	ASSERT_EQ(0, snnt_wait(self->fd, 0, 0, &w));
	EXPECT_EQ(SNN_STATE_IDLE, w.state);
	EXPECT_EQ(20000, w.timestep);
	/* again */
	ASSERT_EQ(0, snnt_run(self->fd, 5));
	EXPECT_LE(1, efd_read(efd, 30000));
	/* off: no more */
	e.fd = -1;
	e.events = 0;
	ASSERT_EQ(0, snnt_ioctl(self->fd, SNN_IOC_EVENTFD, &e));
	ASSERT_EQ(0, snnt_run(self->fd, 5));
	ASSERT_EQ(0, snnt_wait(self->fd, 10 * SNNT_NS, 0, NULL));
	EXPECT_EQ(0, efd_read(efd, 200));
	close(efd);
}

TEST_F(q, eventfd_output_and_error)
{
	struct snn_eventfd e = { .events = SNN_NOTIFY_OUTPUT };
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct snnt_queue in, out;
	uint64_t ev;

	ASSERT_LE(0, efd);
	e.fd = efd;
	ASSERT_EQ(0, snnt_ioctl(self->fd, SNN_IOC_EVENTFD, &e));
	ASSERT_EQ(0, snnt_queue_open(&in, self->fd, SNN_QUEUE_IN, 0, 4));
	ASSERT_EQ(0, snnt_queue_open(&out, self->fd, SNN_QUEUE_OUT, 0, 4));
	/*
	 * A reset, a load and a run without output: no output notification
	 * (RUN_DONE is not asked for; over USB the STEP frames that follow
	 * the reset and the load are not output either).
	 */
	ASSERT_EQ(0, snnt_reset(self->fd, 0));
	ASSERT_EQ(0, snnt_load(self->fd, &self->net));
	ASSERT_EQ(0, snnt_run(self->fd, 10));
	ASSERT_EQ(0, snnt_wait(self->fd, 10 * SNNT_NS, 0, NULL));
	EXPECT_EQ(0, efd_read(efd, 200));
	/* with output */
	ev = SNN_EVENT(12, 0, 4);
	ASSERT_EQ(1, snnt_queue_push(&in, &ev, 1));
	ASSERT_EQ(0, snnt_run(self->fd, 10));
	EXPECT_LE(1, efd_read(efd, 30000)) TH_LOG("no output notification");
	ASSERT_EQ(0, snnt_wait(self->fd, 10 * SNNT_NS, 0, NULL));
	EXPECT_EQ(1, snnt_queue_avail(&out));
	/* errors */
	e.events = SNN_NOTIFY_ERROR;
	ASSERT_EQ(0, snnt_ioctl(self->fd, SNN_IOC_EVENTFD, &e));
	efd_read(efd, 0);
	ev = SNN_EVENT(25, 0, RELAY_N);	/* bad axon */
	ASSERT_EQ(1, snnt_queue_push(&in, &ev, 1));
	ASSERT_EQ(0, snnt_run(self->fd, 10));
	EXPECT_LE(1, efd_read(efd, 30000)) TH_LOG("no error notification");
	EXPECT_EQ(-EIO, snnt_wait(self->fd, 0, 0, NULL));
	/* the eventfd may be closed while registered */
	close(efd);
	ASSERT_EQ(0, snnt_reset(self->fd, 0));
	ASSERT_EQ(0, snnt_load(self->fd, &self->net));
	ASSERT_EQ(0, snnt_run(self->fd, 3));
	EXPECT_EQ(0, snnt_wait(self->fd, 10 * SNNT_NS, 0, NULL));
	snnt_queue_unmap(&in);
	snnt_queue_unmap(&out);
}

SNNT_MAIN()
