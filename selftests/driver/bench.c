// SPDX-License-Identifier: GPL-2.0
/*
 * snn.ko benchmark (not a test: it prints figures and checks nothing about
 * speed; it fails only if the board cannot be used at all).
 *
 *  1. Input events/s into a running cluster through a mapped input queue:
 *     (a) mapped doorbell page, one doorbell store per batch;
 *     (b) mapped doorbell page, one store per event;
 *     (c) SNN_IOC_DOORBELL, one system call per batch;
 *     (d) SNN_IOC_DOORBELL, one system call per event.
 *     An event counts when the device has consumed it (its HEAD in the
 *     control page passed it).  The network has no synapses, so this is
 *     the host interface and the device's input phase, not neuron work.
 *     The events are tagged 0, so the device counts them as late.
 *     Each mode runs 5 times; the median, minimum and maximum are shown.
 *  2. Run-and-wait round trip: SNN_IOC_RUN(1) + SNN_IOC_WAIT, repeated;
 *     min/p50/p99/max/mean.
 *
 *   bench [--board BUS] [--cluster N] [-n EVENTS] [-r ROUNDS] [-b BATCH]
 *
 * Board: --board BUS, else the first board.
 */
#include "snn_test_lib.h"

static uint64_t n_events = 2000000;	/* per batched mode */
static uint64_t n_single = 50000;	/* per one-per-event mode */
static uint32_t batch = 256;
static int rounds = 200;

static void fail(const char *what, int err)
{
	printf("# bench: %s: %s\n", what, snnt_errname(err));
	exit(1);
}

/* Events/s of one mode; doorbell NULL: the ioctl.  -1 on error. */
static double feed(int fd, struct snnt_queue *q, volatile uint32_t *db,
		   uint64_t total, uint32_t per_doorbell)
{
	uint32_t mask = q->qc.entries - 1;
	uint64_t sent = 0;
	int64_t t0, t1;

	q->db = db;
	/* start clean: whatever was queued has been consumed */
	while (*q->wb != q->host)
		;
	t0 = snnt_now_ns();
	while (sent < total) {
		uint32_t space = q->qc.entries - (q->host - *q->wb);
		uint32_t n = space < per_doorbell ? space : per_doorbell;
		uint32_t i;

		if (n > total - sent)
			n = total - sent;
		if (!n)
			continue;	/* full: the device is consuming */
		for (i = 0; i < n; i++)
			q->ring[(q->host + i) & mask] =
				SNN_EVENT(0, 0, (sent + i) & 0xff);
		q->host += n;
		if (db)
			asm volatile("" ::: "memory");	/* x86: stores ordered */
		if (snnt_queue_ring(q))
			return -1;
		sent += n;
	}
	while (*q->wb != q->host)
		;
	t1 = snnt_now_ns();
	return total * 1e9 / (t1 - t0);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define REPS	5

/* One mode, REPS times: median, min and max events/s. */
static void mode(const char *name, int fd, struct snnt_queue *q,
		 volatile uint32_t *db, uint64_t total, uint32_t per_doorbell)
{
	double r[REPS];
	int i;

	for (i = 0; i < REPS; i++) {
		r[i] = feed(fd, q, db, total, per_doorbell);
		if (r[i] < 0)
			fail(name, -EIO);
	}
	qsort(r, REPS, sizeof(r[0]), cmp_dbl);
	printf("# bench: events/s, %s: median %.3f M (min %.3f M, max %.3f M; %d x %llu events)\n",
	       name, r[REPS / 2] / 1e6, r[0] / 1e6, r[REPS - 1] / 1e6, REPS,
	       (unsigned long long)total);
}

int main(int argc, char **argv)
{
	struct snnt_board b;
	struct snnt_net net;
	struct snnt_queue in;
	struct snn_counters c0, c1;
	volatile uint32_t *db = NULL;
	int64_t *rt;
	int cluster = 0, fd, i, ret;
	char name[80];

	argc = snnt_parse_opts(argc, argv);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cluster") && i + 1 < argc)
			cluster = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n_events = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-b") && i + 1 < argc)
			batch = strtoul(argv[++i], NULL, 0);
	}
	if (n_single > n_events)
		n_single = n_events;
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = snnt_pick_board(&b, cluster + 1, 0);
	if (ret)
		fail("no board", ret);
	fd = snnt_open(b.index, cluster, O_RDWR);
	if (fd < 0)
		fail("open cluster", fd);
	printf("# bench: snn%d.%d (%s, board id %u), driver %s\n", b.index,
	       cluster, b.info.bus_id, b.info.board_id,
	       b.info.driver_version);

	/* 1 core, 256 axons, no synapses: input costs only the queue */
	snnt_net_init(&net, 1, 1, 256);
	ret = snnt_load(fd, &net);
	if (ret)
		fail("LOAD", ret);
	ret = snnt_queue_open(&in, fd, SNN_QUEUE_IN, 0,
			      b.info.max_queue_log2 < 16 ?
			      b.info.max_queue_log2 : 16);
	if (ret)
		fail("input queue", ret);
	if (batch > in.qc.entries)
		batch = in.qc.entries;
	if (b.info.caps & SNN_CAP_MAPPED_DOORBELL) {
		void *m = mmap(NULL, SNN_DOORBELL_MAP_SIZE,
			       PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			       SNN_MMAP_DOORBELL);

		if (m == MAP_FAILED)
			fail("doorbell mmap", -errno);
		db = (volatile uint32_t *)m + SNN_DOORBELL_IN(0) / 4;
	}
	snnt_counters(fd, &c0);
	ret = snnt_run(fd, 0x7fffffff);
	if (ret)
		fail("RUN", ret);
	printf("# bench: input queue of %u entries, batches of %u events\n",
	       in.qc.entries, batch);
	if (db) {
		snprintf(name, sizeof(name),
			 "mapped doorbell, 1 store per %u events", batch);
		mode(name, fd, &in, db, n_events, batch);
		mode("mapped doorbell, 1 store per event", fd, &in, db,
		     n_single, 1);
	}
	snprintf(name, sizeof(name), "SNN_IOC_DOORBELL, 1 call per %u events",
		 batch);
	mode(name, fd, &in, NULL, n_events, batch);
	mode("SNN_IOC_DOORBELL, 1 call per event", fd, &in, NULL, n_single, 1);
	snnt_counters(fd, &c1);
	printf("# bench: device consumed %llu events in %llu timesteps (%.1f per timestep)\n",
	       (unsigned long long)(c1.in_events - c0.in_events),
	       (unsigned long long)(c1.timesteps - c0.timesteps),
	       (double)(c1.in_events - c0.in_events) /
	       (c1.timesteps - c0.timesteps ? c1.timesteps - c0.timesteps : 1));
	ret = snnt_reset(fd, SNN_RESET_STATE);
	if (ret)
		fail("RESET", ret);

	/* run-and-wait round trip */
	rt = calloc(rounds, sizeof(*rt));
	for (i = -10; i < rounds; i++) {
		int64_t t0 = snnt_now_ns();

		ret = snnt_run(fd, 1);
		if (!ret)
			ret = snnt_wait(fd, -1, 0, NULL);
		if (ret)
			fail("RUN(1) + WAIT", ret);
		if (i >= 0)
			rt[i] = snnt_now_ns() - t0;
	}
	qsort(rt, rounds, sizeof(*rt), cmp_i64);
	{
		double sum = 0;

		for (i = 0; i < rounds; i++)
			sum += rt[i];
		printf("# bench: RUN(1)+WAIT round trip over %d: min %.1f us, p50 %.1f us, p99 %.1f us, max %.1f us, mean %.1f us\n",
		       rounds, rt[0] / 1e3, rt[rounds / 2] / 1e3,
		       rt[(rounds * 99) / 100 < rounds ?
			  (rounds * 99) / 100 : rounds - 1] / 1e3,
		       rt[rounds - 1] / 1e3, sum / rounds / 1e3);
	}
	free(rt);
	snnt_queue_unmap(&in);
	snnt_net_free(&net);
	close(fd);
	return 0;
}
