// SPDX-License-Identifier: GPL-2.0
/*
 * snn.ko: a network split over two clusters through a routing unit.
 *
 * A two-layer feed-forward network (layer A: input synapses, bias, leak;
 * layer B: fed only by A, through A's fan-out, no bias) runs once on one
 * cluster (A on core 0, B on core 1, A -> B by fan-out records) and once
 * split: A alone on cluster 0, B alone on cluster 1, every A -> B fan-out
 * record replaced by a route (SNN_IOC_ROUTE_ADD with both cluster fds).
 * Layer A's spikes must be identical; layer B's must be the unsplit ones
 * shifted by the documented extra delay, info.route_delay timesteps
 * (docs/hardware.md 9.3: a fan-out lands at t + 1, a route at
 * t + 1 + route_delay).  Run in lockstep batches of 1 + route_delay
 * timesteps (no late events) and source-first; then with the routes
 * deleted layer B stays silent.
 *
 * Boards: every board with a routing unit that connects clusters 0 and 1
 * (--board BUS: only that one).
 */
#include "snn_test_lib.h"

#include "kselftest_harness.h"

#define NA	48	/* layer A neurons (= input axons) */
#define NB	40	/* layer B neurons */
#define APC	64
#define STEPS	60

struct split {
	struct snnt_net whole, a, b;
	struct snn_route *routes;	/* fds filled in later */
	uint32_t n_routes;
	struct snnt_evs in;
};

static uint32_t rng = 12345;

static uint32_t rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

static void split_build(struct split *s)
{
	static uint8_t used[NA][APC];
	uint32_t i, k, t;

	memset(s, 0, sizeof(*s));
	memset(used, 0, sizeof(used));
	snnt_net_init(&s->whole, 2, 64, APC);
	snnt_net_init(&s->a, 1, 64, APC);
	snnt_net_init(&s->b, 1, 64, APC);
	/* the same profiles everywhere: 0 for A, 1 for B (no bias) */
	snnt_add_profile(&s->whole, 410, 205, 30, 0, 0);
	snnt_add_profile(&s->whole, 1000, 600, 25, 0, 0);
	snnt_add_profile(&s->a, 410, 205, 30, 0, 0);
	snnt_add_profile(&s->b, 410, 205, 30, 0, 0);
	snnt_add_profile(&s->b, 1000, 600, 25, 0, 0);
	for (i = 0; i < NA; i++) {
		int bias = rnd(4) == 0;
		int16_t bm = bias ? 20 + rnd(40) : 0;

		snnt_add_neuron(&s->whole, 0, i, 0,
				SNN_NEURON_OUT | (bias ? SNN_NEURON_BIAS : 0),
				0, bm);
		snnt_add_neuron(&s->a, 0, i, 0,
				SNN_NEURON_OUT | (bias ? SNN_NEURON_BIAS : 0),
				0, bm);
		/* input axon i -> A neuron i (and a neighbour) */
		snnt_add_synapse(&s->whole, 0, i, i, 60 + rnd(60));
		snnt_add_synapse(&s->a, 0, i, i, s->whole.syn[s->whole.n_syn - 1].weight);
		k = rnd(NA);
		snnt_add_synapse(&s->whole, 0, i, k, (int)rnd(80) - 30);
		snnt_add_synapse(&s->a, 0, i, k, s->whole.syn[s->whole.n_syn - 1].weight);
	}
	for (i = 0; i < NB; i++) {
		snnt_add_neuron(&s->whole, 1, i, 1, SNN_NEURON_OUT, 1, 0);
		snnt_add_neuron(&s->b, 0, i, 1, SNN_NEURON_OUT, 1, 0);
	}
	/* B's synapses: axon a -> 2 B neurons */
	for (i = 0; i < APC; i++) {
		for (k = 0; k < 2; k++) {
			uint32_t n = rnd(NB);
			int8_t w = 15 + rnd(70);

			snnt_add_synapse(&s->whole, 1, i, n, w);
			snnt_add_synapse(&s->b, 0, i, n, w);
		}
	}
	/* A -> B: fan-out (whole) or route (split); B -> B fan-out */
	s->routes = calloc(NA * 3, sizeof(*s->routes));
	for (i = 0; i < NA; i++) {
		for (k = 0; k < 3; k++) {
			uint32_t a = rnd(APC);

			if (used[i][a]++)
				continue;	/* one route per (src, dst) */
			snnt_add_fanout(&s->whole, 0, i, 1, a);
			s->routes[s->n_routes].src_core = 0;
			s->routes[s->n_routes].src_neuron = i;
			s->routes[s->n_routes].dst_core = 0;
			s->routes[s->n_routes].dst_axon = a;
			s->n_routes++;
		}
	}
	for (i = 0; i < NB; i += 3) {
		uint32_t a = rnd(APC);

		snnt_add_fanout(&s->whole, 1, i, 1, a);
		snnt_add_fanout(&s->b, 0, i, 0, a);
	}
	/* input on A's axons */
	for (t = 0; t < STEPS - 15; t++)
		for (k = rnd(6); k; k--)
			snnt_evs_add(&s->in, SNN_EVENT(t, 0, rnd(NA)));
	snnt_evs_sort(&s->in);
}

static void split_free(struct split *s)
{
	snnt_net_free(&s->whole);
	snnt_net_free(&s->a);
	snnt_net_free(&s->b);
	snnt_evs_free(&s->in);
	free(s->routes);
}

FIXTURE(rt) {
	struct snnt_board boards[SNNT_MAX_BOARDS];
	int n_boards;
	struct split s;
};

FIXTURE_SETUP(rt)
{
	struct snnt_board b[SNNT_MAX_BOARDS];
	int n = snnt_boards(b, SNNT_MAX_BOARDS), i;

	self->n_boards = 0;
	for (i = 0; i < n; i++) {
		if (snnt_opt.board && strcmp(b[i].info.bus_id, snnt_opt.board))
			continue;
		if (b[i].info.clusters >= 2 && b[i].info.routers &&
		    b[i].info.cores >= 2 && b[i].info.neurons >= 64 &&
		    b[i].info.axons >= APC && b[i].info.out_queues >= 2)
			self->boards[self->n_boards++] = b[i];
	}
	ASSERT_LT(0, self->n_boards) TH_LOG("no board with routing units");
	split_build(&self->s);
}

FIXTURE_TEARDOWN(rt)
{
	split_free(&self->s);
}

/* A routing unit of board @b connecting clusters 0 and 1, or -1. */
static int router_for_01(const struct snnt_board *b)
{
	struct snn_info i;
	uint32_t r;

	for (r = 0; r < b->info.routers; r++) {
		int fd = snnt_open(b->index, snnt_router_unit(b, r), O_RDWR);
		int ok;

		if (fd < 0)
			continue;
		ok = !snnt_ioctl(fd, SNN_IOC_INFO, &i) &&
		     (i.unit_clusters & 3) == 3;
		if (ok)
			return fd;
		close(fd);
	}
	return -1;
}

/* Split the events of @e by core: core 0 -> @a, core 1 -> @b. */
static void by_core(const struct snnt_evs *e, struct snnt_evs *a,
		    struct snnt_evs *b)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		snnt_evs_add(SNN_EVENT_CORE(e->ev[i]) ? b : a, e->ev[i]);
}

/* The unsplit network on cluster 0: spikes of A and of B (core 1). */
static int run_whole(struct __test_metadata *_metadata, int board,
		     struct split *s, struct snnt_evs *a, struct snnt_evs *b)
{
	struct snnt_queue in, out[2];
	struct snnt_evs all = { 0 };
	int fd = snnt_open(board, 0, O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, snnt_load(fd, &s->whole));
	EXPECT_EQ(0, snnt_queue_open(&in, fd, SNN_QUEUE_IN, 0, 10));
	EXPECT_EQ(0, snnt_queue_open(&out[0], fd, SNN_QUEUE_OUT, 0, 10));
	EXPECT_EQ(0, snnt_queue_open(&out[1], fd, SNN_QUEUE_OUT, 1, 10));
	EXPECT_EQ((int)s->in.n, snnt_queue_push(&in, s->in.ev, s->in.n));
	EXPECT_EQ(0, snnt_run(fd, STEPS));
	EXPECT_EQ(0, snnt_collect(fd, out, 2, &all, 30 * SNNT_NS, NULL));
	snnt_evs_sort(&all);
	by_core(&all, a, b);
	snnt_evs_free(&all);
	snnt_queue_unmap(&in);
	snnt_queue_unmap(&out[0]);
	snnt_queue_unmap(&out[1]);
	close(fd);
	return 0;
}

struct split_run {
	int fd[2], rt;
	struct snnt_queue in, out0, out1;
	struct snnt_evs a, b;
};

static void split_setup(struct __test_metadata *_metadata, int board,
			struct split *s, struct split_run *r, int rt,
			int routes)
{
	uint32_t i;

	memset(r, 0, sizeof(*r));
	r->rt = rt;
	r->fd[0] = snnt_open(board, 0, O_RDWR);
	r->fd[1] = snnt_open(board, 1, O_RDWR);
	ASSERT_LE(0, r->fd[0]);
	ASSERT_LE(0, r->fd[1]);
	ASSERT_EQ(0, snnt_load(r->fd[0], &s->a));
	ASSERT_EQ(0, snnt_load(r->fd[1], &s->b));
	ASSERT_EQ(0, snnt_queue_open(&r->in, r->fd[0], SNN_QUEUE_IN, 0, 10));
	ASSERT_EQ(0, snnt_queue_open(&r->out0, r->fd[0], SNN_QUEUE_OUT, 0, 10));
	ASSERT_EQ(0, snnt_queue_open(&r->out1, r->fd[1], SNN_QUEUE_OUT, 1, 10));
	ASSERT_EQ((int)s->in.n, snnt_queue_push(&r->in, s->in.ev, s->in.n));
	for (i = 0; routes && i < s->n_routes; i++) {
		s->routes[i].src_fd = r->fd[0];
		s->routes[i].dst_fd = r->fd[1];
		ASSERT_EQ(0, snnt_ioctl(r->rt, SNN_IOC_ROUTE_ADD,
					&s->routes[i]))
			TH_LOG("route %u", i);
	}
}

static void split_done(struct split_run *r)
{
	snnt_queue_unmap(&r->in);
	snnt_queue_unmap(&r->out0);
	snnt_queue_unmap(&r->out1);
	close(r->fd[0]);
	close(r->fd[1]);
	snnt_evs_free(&r->a);
	snnt_evs_free(&r->b);
}

/* Run A for @steps_a and B for @steps_b timesteps, @k at a time. */
static void split_lockstep(struct __test_metadata *_metadata,
			   struct split_run *r, uint32_t steps_a,
			   uint32_t steps_b, uint32_t k)
{
	uint32_t done_a = 0, done_b = 0;

	while (done_a < steps_a || done_b < steps_b) {
		uint32_t na = steps_a - done_a < k ? steps_a - done_a : k;
		uint32_t nb = steps_b - done_b < k ? steps_b - done_b : k;

		if (na)
			ASSERT_EQ(0, snnt_run(r->fd[0], na));
		if (nb)
			ASSERT_EQ(0, snnt_run(r->fd[1], nb));
		if (na)
			ASSERT_EQ(0, snnt_collect(r->fd[0], &r->out0, 1, &r->a,
						  30 * SNNT_NS, NULL));
		if (nb)
			ASSERT_EQ(0, snnt_collect(r->fd[1], &r->out1, 1, &r->b,
						  30 * SNNT_NS, NULL));
		done_a += na;
		done_b += nb;
	}
	snnt_evs_sort(&r->a);
	snnt_evs_sort(&r->b);
}

/* Routed events made by A's spikes at timestep @t or later. */
static uint64_t routed_after(const struct split *s, const struct snnt_evs *a,
			     uint32_t t)
{
	uint64_t n = 0;
	size_t i, k;

	for (i = 0; i < a->n; i++) {
		if (SNN_EVENT_TIMESTEP(a->ev[i]) < t)
			continue;
		for (k = 0; k < s->n_routes; k++)
			n += s->routes[k].src_neuron == SNN_EVENT_INDEX(a->ev[i]);
	}
	return n;
}

/* Split B spikes must be whole B (core 1) spikes @delay later, on core 0. */
static void check_split(struct __test_metadata *_metadata,
			const struct snnt_evs *wa, const struct snnt_evs *wb,
			const struct snnt_evs *a, const struct snnt_evs *b,
			uint32_t delay, const char *how)
{
	size_t i;

	ASSERT_EQ(wa->n, a->n) TH_LOG("%s: layer A: %zu spikes, unsplit %zu",
				      how, a->n, wa->n);
	for (i = 0; i < a->n; i++)
		ASSERT_EQ(wa->ev[i], a->ev[i]) TH_LOG("%s: A spike %zu", how, i);
	ASSERT_EQ(wb->n, b->n) TH_LOG("%s: layer B: %zu spikes, unsplit %zu",
				      how, b->n, wb->n);
	for (i = 0; i < b->n; i++) {
		uint64_t w = wb->ev[i];
		uint64_t want = SNN_EVENT(SNN_EVENT_TIMESTEP(w) + delay, 0,
					  SNN_EVENT_INDEX(w));

		ASSERT_EQ(want, b->ev[i])
			TH_LOG("%s: B spike %zu: unsplit t=%u n=%u, split t=%u core %u n=%u (delay %u)",
			       how, i, SNN_EVENT_TIMESTEP(w), SNN_EVENT_INDEX(w),
			       SNN_EVENT_TIMESTEP(b->ev[i]),
			       SNN_EVENT_CORE(b->ev[i]),
			       SNN_EVENT_INDEX(b->ev[i]), delay);
	}
}

TEST_F_TIMEOUT(rt, split_network_equals_whole_plus_route_delay, 180)
{
	int k;

	for (k = 0; k < self->n_boards; k++) {
		const struct snnt_board *bd = &self->boards[k];
		uint32_t delay = bd->info.route_delay;
		struct snnt_evs wa = { 0 }, wb = { 0 };
		struct snn_counters c0, c1;
		struct split_run r;
		struct snn_info ri;
		int rt = router_for_01(bd);

		if (rt < 0) {
			TH_LOG("snn%d: no routing unit connects clusters 0 and 1",
			       bd->index);
			continue;
		}
		run_whole(_metadata, bd->index, &self->s, &wa, &wb);
		ASSERT_LT(20, wa.n) TH_LOG("layer A too quiet to mean much");
		ASSERT_LT(20, wb.n) TH_LOG("layer B too quiet to mean much");
		TH_LOG("snn%d: unsplit: %zu A and %zu B spikes; %u routes, delay %u",
		       bd->index, wa.n, wb.n, self->s.n_routes, delay);

		ASSERT_EQ(0, snnt_ioctl(rt, SNN_IOC_INFO, &ri));
		/* lockstep batches of 1 + delay: no event is late */
		split_setup(_metadata, bd->index, &self->s, &r, rt, 1);
		EXPECT_EQ(self->s.n_routes,
			  snnt_sysfs_num(bd->index, ri.unit, "routes"));
		split_lockstep(_metadata, &r, STEPS, STEPS + delay, 1 + delay);
		check_split(_metadata, &wa, &wb, &r.a, &r.b, delay, "lockstep");
		ASSERT_EQ(0, snnt_counters(r.fd[0], &c0));
		ASSERT_EQ(0, snnt_counters(r.fd[1], &c1));
		EXPECT_EQ(0, c1.late);
		EXPECT_LT(0, c0.routed_out);
		/* all but those of A's last timestep (tagged past B's end) */
		EXPECT_EQ(c0.routed_out - routed_after(&self->s, &wa, STEPS - 1),
			  c1.routed_in);
		EXPECT_EQ(0, c1.in_events);
		split_done(&r);

		/* source first, then the destination: the same */
		split_setup(_metadata, bd->index, &self->s, &r, rt, 1);
		split_lockstep(_metadata, &r, STEPS, 0, STEPS);
		split_lockstep(_metadata, &r, 0, STEPS + delay, STEPS + delay);
		check_split(_metadata, &wa, &wb, &r.a, &r.b, delay,
			    "source first");
		ASSERT_EQ(0, snnt_counters(r.fd[1], &c1));
		EXPECT_EQ(0, c1.late);
		split_done(&r);

		/* without routes B hears nothing */
		split_setup(_metadata, bd->index, &self->s, &r, rt, 0);
		split_lockstep(_metadata, &r, STEPS, STEPS + delay, 1 + delay);
		EXPECT_EQ(wa.n, r.a.n);
		EXPECT_EQ(0, r.b.n);
		split_done(&r);

		close(rt);
		snnt_evs_free(&wa);
		snnt_evs_free(&wb);
	}
}

TEST_F(rt, route_del_stops_delivery)
{
	const struct snnt_board *bd = &self->boards[0];
	uint32_t delay = bd->info.route_delay, i;
	struct snnt_evs wa = { 0 }, wb = { 0 };
	struct split_run r;
	struct snn_info ri;
	int rt = router_for_01(bd);

	ASSERT_LE(0, rt);
	ASSERT_EQ(0, snnt_ioctl(rt, SNN_IOC_INFO, &ri));
	run_whole(_metadata, bd->index, &self->s, &wa, &wb);
	split_setup(_metadata, bd->index, &self->s, &r, rt, 1);
	EXPECT_EQ(self->s.n_routes, snnt_sysfs_num(bd->index, ri.unit, "routes"));
	for (i = 0; i < self->s.n_routes; i++)
		ASSERT_EQ(0, snnt_ioctl(rt, SNN_IOC_ROUTE_DEL,
					&self->s.routes[i]));
	EXPECT_EQ(0, snnt_sysfs_num(bd->index, ri.unit, "routes"));
	split_lockstep(_metadata, &r, STEPS, STEPS + delay, 1 + delay);
	EXPECT_EQ(wa.n, r.a.n);
	EXPECT_EQ(0, r.b.n);
	split_done(&r);
	close(rt);
	snnt_evs_free(&wa);
	snnt_evs_free(&wb);
}

SNNT_MAIN()
