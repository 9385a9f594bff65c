// SPDX-License-Identifier: GPL-2.0
/*
 * libsnndev against the real driver (snn.ko on the QEMU boards).
 *
 * The enumeration against sysfs; finding and opening nodes every way the
 * API offers; ownership (-EBUSY); networks built with the network API and
 * read from a network file, loaded, run with queues (events in, spikes
 * out, back-pressure on a full output queue, the copying and zero-copy
 * queue calls); wait, eventfd, counters (the unit's and sysfs's); resets;
 * device errors and their messages; routes between clusters; and a board
 * reset that makes the open units stale.
 *
 *   lib_test [--ref DIR]     DIR/net.snnet: the reference network (/ref)
 *
 * Boards: the first board found for most tests, the fault-injection board
 * (or the last one) for the board reset.
 */
#include "libtest.h"

#include "kselftest_harness.h"

/* ---- helpers ------------------------------------------------------------------------ */

/*
 * docs/uapi.md's example: neuron 0 fires on any input to axon 0; its
 * fan-out reaches axon 1 one timestep later, where neuron 1 (OUT, queue
 * outq) fires.
 */
static struct snndev_net *tiny_net(unsigned int outq)
{
	struct snndev_profile p = { .du = 4095, .dv = 4095, .vth = 50 };
	struct snndev_neuron n[2] = {
		{ .core = 0, .profile = 0, .index = 0 },
		{ .core = 0, .profile = 0, .index = 1,
		  .flags = SNNDEV_NEURON_OUT, .outq = (uint8_t)outq },
	};
	struct snndev_synapse s[2] = {
		{ .core = 0, .axon = 0, .neuron = 0, .weight = 100 },
		{ .core = 0, .axon = 1, .neuron = 1, .weight = 100 },
	};
	struct snndev_fanout f = { .src_core = 0, .src_neuron = 0,
				   .dst_core = 0, .dst_axon = 1 };
	struct snndev_net *net;

	if (snndev_net_new(&net))
		return NULL;
	if (snndev_net_add_part(net, 1, 2, 2) != 0 ||
	    snndev_net_add_profiles(net, 0, &p, 1) < 0 ||
	    snndev_net_add_neurons(net, 0, n, 2) < 0 ||
	    snndev_net_add_synapses(net, 0, s, 2) < 0 ||
	    snndev_net_add_fanouts(net, 0, &f, 1) < 0) {
		printf("# tiny_net: %s\n", snndev_errmsg());
		snndev_net_free(net);
		return NULL;
	}
	return net;
}

/*
 * N OUT neurons on one core that fire at every timestep (bias above the
 * threshold, no memory): N output events per timestep.
 */
static struct snndev_net *busy_net(unsigned int n_neurons)
{
	struct snndev_profile p = { .du = 4095, .dv = 4095, .vth = 10,
				    .bias_mant = 1000, .bias_exp = 0 };
	struct snndev_net *net;
	unsigned int i;

	if (snndev_net_new(&net))
		return NULL;
	if (snndev_net_add_part(net, 1, n_neurons, 1) != 0 ||
	    snndev_net_add_profiles(net, 0, &p, 1) < 0)
		goto fail;
	for (i = 0; i < n_neurons; i++) {
		struct snndev_neuron x = { .core = 0, .index = (uint16_t)i,
					   .flags = SNNDEV_NEURON_OUT };

		if (snndev_net_add_neurons(net, 0, &x, 1) < 0)
			goto fail;
	}
	return net;
fail:
	printf("# busy_net: %s\n", snndev_errmsg());
	snndev_net_free(net);
	return NULL;
}

/* Wait until the run is over (idle); 0 or the wait's error. */
static int wait_idle(struct snndev_unit *u, struct snndev_status *st)
{
	return snndev_unit_wait(u, 20000, 0, st);
}

/* ---- the enumeration ---------------------------------------------------------------- */

TEST(enum_matches_sysfs)
{
	static const struct { enum snndev_prop p; const char *attr; } props[] = {
		{ SNNDEV_PROP_CLUSTERS, "clusters" },
		{ SNNDEV_PROP_ROUTERS, "routers" },
		{ SNNDEV_PROP_BOARD_ID, "board_id" },
		{ SNNDEV_PROP_REVISION, "revision" },
		{ SNNDEV_PROP_CORES, "cores" },
		{ SNNDEV_PROP_NEURONS_PER_CORE, "neurons_per_core" },
		{ SNNDEV_PROP_AXONS_PER_CORE, "axons_per_core" },
		{ SNNDEV_PROP_SYNAPSES_PER_CORE, "synapses_per_core" },
		{ SNNDEV_PROP_IN_QUEUES, "in_queues" },
		{ SNNDEV_PROP_OUT_QUEUES, "out_queues" },
		{ SNNDEV_PROP_MAX_QUEUE_DEPTH, "max_queue_depth" },
		{ SNNDEV_PROP_RATED_EVENTS_PER_SEC, "rated_events_per_sec" },
		{ SNNDEV_PROP_RATED_SPIKES_PER_SEC, "rated_spikes_per_sec" },
		{ SNNDEV_PROP_ROUTE_CAPACITY, "route_capacity" },
		{ SNNDEV_PROP_ROUTE_DELAY, "route_delay" },
	};
	char names[256][32], buf[64], dev[64], bus[64];
	struct snndev_enum *e;
	int n = lt_sysfs_names(names, 256), i, checked = 0;
	size_t k;

	ASSERT_GT(n, 0) TH_LOG("no /sys/class/snn entries: is snn.ko loaded?");
	ASSERT_EQ(0, snndev_enum_new(&e)) TH_LOG("%s", snndev_errmsg());
	ASSERT_EQ((size_t)n, snndev_enum_count(e));
	for (k = 0; k < snndev_enum_count(e); k++) {
		const struct snndev_node *x = snndev_enum_node(e, k);
		const struct snndev_node *prev = k ? snndev_enum_node(e, k - 1) : NULL;
		char name[32];
		int unit = snndev_node_unit(x);

		if (unit < 0)
			snprintf(name, sizeof(name), "snn%u", snndev_node_board(x));
		else
			snprintf(name, sizeof(name), "snn%u.%d",
				 snndev_node_board(x), unit);
		/* sorted: by board, the board node first, then by unit */
		if (prev) {
			EXPECT_TRUE(snndev_node_board(prev) < snndev_node_board(x) ||
				    (snndev_node_board(prev) == snndev_node_board(x) &&
				     snndev_node_unit(prev) < unit));
		}
		snprintf(dev, sizeof(dev), "/dev/%s", name);
		EXPECT_STREQ(dev, snndev_node_devnode(x));
		ASSERT_EQ(0, lt_sysfs(name, "type", buf, sizeof(buf)));
		EXPECT_STREQ(buf, snndev_node_type(x) == SNNDEV_NODE_BOARD ? "board" :
			     snndev_node_type(x) == SNNDEV_NODE_CLUSTER ? "cluster" :
			     "router");
		EXPECT_EQ(lt_sysfs_num(name, "board"), (long long)snndev_node_board(x));
		if (unit >= 0)
			EXPECT_EQ(lt_sysfs_num(name, "unit"), unit);
		ASSERT_EQ(0, lt_bus_of(name, bus, sizeof(bus)));
		EXPECT_STREQ(bus, snndev_node_bus_id(x));
		EXPECT_NE(NULL, strstr(snndev_node_syspath(x), name));
		for (i = 0; i < (int)(sizeof(props) / sizeof(props[0])); i++) {
			uint64_t v;
			long long s = lt_sysfs_num(name, props[i].attr);

			if (snndev_node_prop(x, props[i].p, &v))
				continue;	/* not a property of this type */
			if (s < 0) {
				/* the board's rated rates: sum; others absent */
				continue;
			}
			EXPECT_EQ((uint64_t)s, v) TH_LOG("%s: %s", name,
							 props[i].attr);
			checked++;
		}
		if (snndev_node_type(x) == SNNDEV_NODE_ROUTER) {
			uint64_t mask = 0;
			char want[64] = "", *p = want;
			int c;

			ASSERT_EQ(0, snndev_node_prop(x, SNNDEV_PROP_CONNECTS, &mask));
			for (c = 0; c < 64; c++)
				if (mask & (1ULL << c))
					p += sprintf(p, "%s%d", p == want ? "" : " ", c);
			ASSERT_EQ(0, lt_sysfs(name, "connects", buf, sizeof(buf)));
			EXPECT_STREQ(buf, want);
		}
		/* CORES is not a property of a routing unit */
		if (snndev_node_type(x) == SNNDEV_NODE_ROUTER) {
			uint64_t v;

			EXPECT_EQ(-ENOENT, snndev_node_prop(x, SNNDEV_PROP_CORES, &v));
		}
	}
	EXPECT_GT(checked, n);
	snndev_enum_free(e);
}

TEST(enum_find_by_index_and_bus)
{
	struct lt_board b[16];
	struct snndev_enum *e;
	const struct snndev_node *x;
	int n = lt_boards(b, 16);

	ASSERT_GT(n, 0);
	ASSERT_EQ(0, snndev_enum_new(&e));
	x = snndev_enum_find(e, b[0].index, -1);
	ASSERT_NE(NULL, x);
	EXPECT_EQ(SNNDEV_NODE_BOARD, snndev_node_type(x));
	x = snndev_enum_find(e, b[0].index, 1);
	ASSERT_NE(NULL, x);
	EXPECT_EQ(1, snndev_node_unit(x));
	x = snndev_enum_find_bus(e, b[0].bus, 0);
	ASSERT_NE(NULL, x);
	EXPECT_EQ(b[0].index, snndev_node_board(x));
	EXPECT_EQ(0, snndev_node_unit(x));
	x = snndev_enum_find_bus(e, b[0].bus, b[0].clusters);	/* a router */
	if (b[0].routers) {
		ASSERT_NE(NULL, x);
		EXPECT_EQ(SNNDEV_NODE_ROUTER, snndev_node_type(x));
	}
	EXPECT_EQ(NULL, snndev_enum_find(e, 63, -1));
	EXPECT_NE(0, strlen(snndev_errmsg())) TH_LOG("no message for a missing board");
	EXPECT_EQ(NULL, snndev_enum_find(e, b[0].index, 200));
	EXPECT_EQ(NULL, snndev_enum_find_bus(e, "0000:77:00.0", -1));
	snndev_enum_free(e);
}

TEST(live_values_and_busy)
{
	struct snndev_enum *e;
	const struct snndev_node *c;
	struct snndev_unit *u;
	uint64_t v[SNNDEV_CNT_COUNT], w[SNNDEV_CNT_COUNT];
	struct lt_board b[16];
	char buf[32];
	int i;

	ASSERT_GT(lt_boards(b, 16), 0);
	ASSERT_EQ(0, snndev_enum_new(&e));
	c = snndev_enum_find(e, b[0].index, 0);
	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, snndev_node_health(c, buf, sizeof(buf)));
	EXPECT_STREQ("ok", buf);
	ASSERT_EQ(0, snndev_node_state(c, buf, sizeof(buf)));
	EXPECT_STREQ("idle", buf);
	EXPECT_EQ(0, snndev_node_busy(c));
	ASSERT_EQ(0, snndev_unit_open_node(c, &u)) TH_LOG("%s", snndev_errmsg());
	EXPECT_EQ(1, snndev_node_busy(c));
	ASSERT_EQ(SNNDEV_CNT_COUNT, snndev_node_counters(c, v, SNNDEV_CNT_COUNT));
	ASSERT_EQ(SNNDEV_CNT_COUNT, snndev_unit_counters(u, w, SNNDEV_CNT_COUNT));
	for (i = 0; i < SNNDEV_CNT_COUNT; i++) {
		char attr[64];

		EXPECT_EQ(v[i], w[i]) TH_LOG("counter %s", snndev_counter_name(i));
		snprintf(attr, sizeof(attr), "counters/%s", snndev_counter_name(i));
		snprintf(buf, sizeof(buf), "snn%u.0", b[0].index);
		EXPECT_EQ((long long)v[i], lt_sysfs_num(buf, attr))
			TH_LOG("counter %s has no sysfs file of that name",
			       snndev_counter_name(i));
	}
	snndev_unit_close(u);
	EXPECT_EQ(0, snndev_node_busy(c));
	snndev_enum_free(e);
}

/* ---- opening ---------------------------------------------------------------------------- */

TEST(open_every_way_and_ownership)
{
	struct snndev_unit *u, *u2, *bd, *bd2;
	struct lt_board b[16];
	char path[64];
	uint64_t v;
	int ret;

	ASSERT_GT(lt_boards(b, 16), 0);
	EXPECT_STREQ("0.1.0", snndev_version());
	EXPECT_EQ(1, snndev_abi_major());

	snprintf(path, sizeof(path), "/dev/snn%u.1", b[0].index);
	ASSERT_EQ(0, snndev_unit_open(path, &u)) TH_LOG("%s", snndev_errmsg());
	EXPECT_EQ(SNNDEV_NODE_CLUSTER, snndev_unit_type(u));
	EXPECT_STREQ(path, snndev_unit_devnode(u));
	EXPECT_STREQ(b[0].bus, snndev_unit_bus_id(u));
	EXPECT_STREQ("0.1.0", snndev_unit_driver_version(u));
	ASSERT_EQ(0, snndev_unit_prop(u, SNNDEV_PROP_UNIT, &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, snndev_unit_prop(u, SNNDEV_PROP_CORES, &v));
	EXPECT_EQ(b[0].cores, v);
	EXPECT_GE(snndev_unit_fd(u), 0);

	/* a cluster has one owner */
	ret = snndev_unit_open_index(b[0].index, 1, &u2);
	EXPECT_EQ(-EBUSY, ret);
	EXPECT_NE(NULL, strstr(snndev_errmsg(), path)) TH_LOG("message: %s", snndev_errmsg());
	ret = snndev_unit_open_bus(b[0].bus, 1, &u2);
	EXPECT_EQ(-EBUSY, ret);
	snndev_unit_close(u);

	ASSERT_EQ(0, snndev_unit_open_bus(b[0].bus, 1, &u2)) TH_LOG("%s", snndev_errmsg());
	ASSERT_EQ(0, snndev_unit_prop(u2, SNNDEV_PROP_BOARD, &v));
	EXPECT_EQ(b[0].index, v);
	snndev_unit_close(u2);

	/* the board node: any number of times */
	ASSERT_EQ(0, snndev_unit_open_index(b[0].index, -1, &bd));
	ASSERT_EQ(0, snndev_unit_open_index(b[0].index, -1, &bd2));
	EXPECT_EQ(SNNDEV_NODE_BOARD, snndev_unit_type(bd));
	EXPECT_TRUE(snndev_unit_caps(bd) & SNNDEV_CAP_EVENTFD);
	if (b[0].routers)
		EXPECT_TRUE(snndev_unit_caps(bd) & SNNDEV_CAP_ROUTERS);
	snndev_unit_close(bd2);
	snndev_unit_close(bd);

	ret = snndev_unit_open("/dev/snn63.0", &u);
	EXPECT_NE(0, ret);
	EXPECT_NE(NULL, strstr(snndev_errmsg(), "/dev/snn63.0"))
		TH_LOG("message: %s", snndev_errmsg());
}

/* ---- running ---------------------------------------------------------------------------- */

struct one {
	struct lt_board b;
	struct snndev_unit *u;
	struct snndev_net *net;
};

FIXTURE(one) {
	struct one o;
};

FIXTURE_SETUP(one)
{
	struct lt_board b[16];

	memset(&self->o, 0, sizeof(self->o));
	ASSERT_GT(lt_boards(b, 16), 0);
	self->o.b = b[0];
	ASSERT_EQ(0, snndev_unit_open_index(b[0].index, 0, &self->o.u))
		TH_LOG("%s", snndev_errmsg());
}

FIXTURE_TEARDOWN(one)
{
	if (self->o.u)
		snndev_unit_close(self->o.u);
	snndev_net_free(self->o.net);
}

TEST_F(one, tiny_network_event_in_spike_out)
{
	struct snndev_queue *in, *out;
	struct snndev_status st;
	uint64_t ev = snndev_event(0, 0, 0), got[8], c[SNNDEV_CNT_COUNT];

	self->o.net = tiny_net(0);
	ASSERT_NE(NULL, self->o.net);
	ASSERT_EQ(0, snndev_unit_load(self->o.u, self->o.net, 0))
		TH_LOG("%s", snndev_unit_errmsg(self->o.u));
	ASSERT_EQ(0, snndev_queue_create(self->o.u, SNNDEV_IN, 0, 4, &in));
	ASSERT_EQ(0, snndev_queue_create(self->o.u, SNNDEV_OUT, 0, 4, &out));
	EXPECT_EQ(16, snndev_queue_entries(in));
	ASSERT_EQ(1, snndev_queue_push(in, &ev, 1));
	EXPECT_EQ(1, snndev_queue_pending(in));
	ASSERT_EQ(0, snndev_unit_run(self->o.u, 3));
	ASSERT_EQ(0, wait_idle(self->o.u, &st)) TH_LOG("%s", snndev_unit_errmsg(self->o.u));
	EXPECT_EQ(SNNDEV_STATE_IDLE, st.state);
	EXPECT_EQ(3, st.timestep);
	EXPECT_EQ(0, st.remaining);
	EXPECT_EQ(0, snndev_queue_pending(in));
	ASSERT_EQ(1, snndev_queue_pull(out, got, 8));
	EXPECT_EQ(1, snndev_event_timestep(got[0]));
	EXPECT_EQ(0, snndev_event_core(got[0]));
	EXPECT_EQ(1, snndev_event_index(got[0]));
	EXPECT_EQ(0, snndev_queue_pull(out, got, 8));
	ASSERT_EQ(SNNDEV_CNT_COUNT, snndev_unit_counters(self->o.u, c, SNNDEV_CNT_COUNT));
	EXPECT_EQ(3, c[SNNDEV_CNT_TIMESTEPS]);
	EXPECT_EQ(1, c[SNNDEV_CNT_IN_EVENTS]);
	EXPECT_EQ(2, c[SNNDEV_CNT_SPIKES]);
	EXPECT_EQ(1, c[SNNDEV_CNT_OUT_EVENTS]);
	snndev_queue_destroy(in);
	snndev_queue_destroy(out);
}

TEST_F(one, zero_copy_queue_calls)
{
	struct snndev_queue *in, *out;
	struct snndev_status st;
	const uint64_t *ev;
	uint64_t *slots;
	size_t n, total = 0;
	int t;

	self->o.net = tiny_net(0);
	ASSERT_NE(NULL, self->o.net);
	ASSERT_EQ(0, snndev_unit_load(self->o.u, self->o.net, 0));
	ASSERT_EQ(0, snndev_queue_create(self->o.u, SNNDEV_IN, 0, 3, &in));
	ASSERT_EQ(0, snndev_queue_create(self->o.u, SNNDEV_OUT, 0, 3, &out));
	/* one event at each of timesteps 0..5: prepare, write, commit, flush */
	n = snndev_queue_prepare(in, &slots, 6);
	ASSERT_EQ(6, n);
	for (t = 0; t < 6; t++)
		slots[t] = snndev_event(t, 0, 0);
	snndev_queue_commit(in, 6);
	EXPECT_EQ(0, snndev_queue_flush(in));
	/* 8 entries: 2 more fit, contiguous up to the ring's end */
	n = snndev_queue_prepare(in, &slots, 8);
	EXPECT_EQ(2, n);
	ASSERT_EQ(0, snndev_unit_run(self->o.u, 8));
	ASSERT_EQ(0, wait_idle(self->o.u, &st));
	/* neuron 1 fires one timestep after each input: 1..6 */
	while ((n = snndev_queue_peek(out, &ev)) > 0) {
		size_t i;

		for (i = 0; i < n; i++)
			EXPECT_EQ(total + i + 1, snndev_event_timestep(ev[i]));
		total += n;
		EXPECT_EQ(0, snndev_queue_release(out, n));
	}
	EXPECT_EQ(6, total);
	snndev_queue_destroy(in);
	snndev_queue_destroy(out);
}

TEST_F_TIMEOUT(one, full_output_queue_stalls_nothing_lost, 120)
{
	struct snndev_queue *out;
	struct snndev_status st;
	uint64_t ev[64], c[SNNDEV_CNT_COUNT];
	const unsigned int N = 10, STEPS = 20;
	size_t total = 0;
	double t0 = lt_now();
	long n;
	int ret;

	self->o.net = busy_net(N);
	ASSERT_NE(NULL, self->o.net);
	ASSERT_EQ(0, snndev_unit_load(self->o.u, self->o.net, 0))
		TH_LOG("%s", snndev_unit_errmsg(self->o.u));
	/* 4 entries for 10 spikes a timestep: the cluster stalls */
	ASSERT_EQ(0, snndev_queue_create(self->o.u, SNNDEV_OUT, 0, 2, &out));
	ASSERT_EQ(0, snndev_unit_run(self->o.u, STEPS));
	for (;;) {
		ret = snndev_unit_wait(self->o.u, 1000, SNNDEV_WAIT_OUTPUT, &st);
		ASSERT_TRUE(ret == 0 || ret == -ETIMEDOUT)
			TH_LOG("%s", snndev_unit_errmsg(self->o.u));
		while ((n = snndev_queue_pull(out, ev, 64)) > 0) {
			long i;

			for (i = 0; i < n; i++) {
				/* in order: timestep, then neuron */
				EXPECT_EQ(total / N, snndev_event_timestep(ev[i]));
				EXPECT_EQ(total % N, snndev_event_index(ev[i]));
				total++;
			}
		}
		ASSERT_GE(n, 0);
		if (st.state == SNNDEV_STATE_IDLE && st.timestep == STEPS &&
		    !snndev_queue_pending(out))
			break;
		ASSERT_LT(lt_now() - t0, 100);
	}
	EXPECT_EQ(N * STEPS, total);
	ASSERT_EQ(SNNDEV_CNT_COUNT, snndev_unit_counters(self->o.u, c, SNNDEV_CNT_COUNT));
	EXPECT_GT(c[SNNDEV_CNT_STALLS], 0);
	EXPECT_EQ(0, c[SNNDEV_CNT_DROPS]);
	EXPECT_EQ(N * STEPS, c[SNNDEV_CNT_OUT_EVENTS]);
	snndev_queue_destroy(out);
}

TEST_F(one, out_drop_config_drops_and_counts)
{
	struct snndev_queue *out;
	struct snndev_status st;
	uint64_t c[SNNDEV_CNT_COUNT], ev[64];

	self->o.net = busy_net(10);
	ASSERT_NE(NULL, self->o.net);
	ASSERT_EQ(0, snndev_unit_load(self->o.u, self->o.net, 0));
	ASSERT_EQ(0, snndev_queue_create(self->o.u, SNNDEV_OUT, 0, 2, &out));
	ASSERT_EQ(0, snndev_unit_config(self->o.u, SNNDEV_CONFIG_OUT_DROP))
		TH_LOG("%s", snndev_unit_errmsg(self->o.u));
	ASSERT_EQ(0, snndev_unit_run(self->o.u, 5));
	ASSERT_EQ(0, wait_idle(self->o.u, &st));
	ASSERT_EQ(SNNDEV_CNT_COUNT, snndev_unit_counters(self->o.u, c, SNNDEV_CNT_COUNT));
	EXPECT_EQ(4, c[SNNDEV_CNT_OUT_EVENTS]);
	EXPECT_EQ(46, c[SNNDEV_CNT_DROPS]);
	EXPECT_EQ(4, snndev_queue_pull(out, ev, 64));
	snndev_queue_destroy(out);
}

TEST_F(one, wait_timeout_eventfd_and_resets)
{
	struct snndev_status st;
	struct pollfd p;
	uint64_t cnt;
	int efd, ret;

	self->o.net = tiny_net(0);
	ASSERT_NE(NULL, self->o.net);
	/* no network: -ENODATA, and the message says so */
	ret = snndev_unit_run(self->o.u, 1);
	EXPECT_EQ(-ENODATA, ret);
	EXPECT_NE(0, strlen(snndev_unit_errmsg(self->o.u)));
	ASSERT_EQ(0, snndev_unit_load(self->o.u, self->o.net, 0));

	efd = snndev_unit_eventfd(self->o.u, SNNDEV_NOTIFY_RUN_DONE);
	ASSERT_GE(efd, 0) TH_LOG("%s", snndev_unit_errmsg(self->o.u));
	/* a long run: the wait times out while it runs */
	ASSERT_EQ(0, snndev_unit_run(self->o.u, 4000000000u));
	ret = snndev_unit_wait(self->o.u, 10, 0, &st);
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_EQ(SNNDEV_STATE_RUNNING, st.state);
	EXPECT_GT(st.remaining, 0);
	/* a state reset stops it and keeps the network */
	ASSERT_EQ(0, snndev_unit_reset(self->o.u, SNNDEV_RESET_STATE))
		TH_LOG("%s", snndev_unit_errmsg(self->o.u));
	ASSERT_EQ(0, snndev_unit_wait(self->o.u, 0, 0, &st));
	EXPECT_EQ(0, st.timestep);
	ASSERT_EQ(0, snndev_unit_run(self->o.u, 2));
	ASSERT_EQ(0, wait_idle(self->o.u, &st));
	p.fd = efd;
	p.events = POLLIN;
	ASSERT_EQ(1, poll(&p, 1, 5000)) TH_LOG("eventfd not signalled by the run's end");
	ASSERT_EQ(sizeof(cnt), read(efd, &cnt, sizeof(cnt)));
	EXPECT_GE(cnt, 1);
	/* a full reset drops the network */
	ASSERT_EQ(0, snndev_unit_reset(self->o.u, 0));
	EXPECT_EQ(-ENODATA, snndev_unit_run(self->o.u, 1));
}

TEST_F(one, load_errors_name_the_field)
{
	struct snndev_net *big;
	struct snndev_profile p = { .du = 1, .dv = 1, .vth = 1 };
	int ret;

	/* a part with more cores than the cluster has */
	ASSERT_EQ(0, snndev_net_new(&big));
	ASSERT_EQ(0, snndev_net_add_part(big, self->o.b.cores + 1, 4, 4));
	ASSERT_LE(0, snndev_net_add_profiles(big, 0, &p, 1));
	ret = snndev_unit_load(self->o.u, big, 0);
	EXPECT_EQ(-ENOSPC, ret);
	printf("# message: %s\n", snndev_unit_errmsg(self->o.u));
	EXPECT_NE(NULL, strstr(snndev_unit_errmsg(self->o.u), "cores"));
	/* a part that does not exist */
	EXPECT_EQ(-EINVAL, snndev_unit_load(self->o.u, big, 1));
	snndev_net_free(big);
}

TEST_F(one, device_error_reported)
{
	struct snndev_queue *in;
	struct snndev_status st;
	uint64_t ev = snndev_event(0, 0, 7);	/* axon 7 of a 2-axon core */
	int ret;

	self->o.net = tiny_net(0);
	ASSERT_NE(NULL, self->o.net);
	ASSERT_EQ(0, snndev_unit_load(self->o.u, self->o.net, 0));
	ASSERT_EQ(0, snndev_queue_create(self->o.u, SNNDEV_IN, 0, 2, &in));
	ASSERT_EQ(1, snndev_queue_push(in, &ev, 1));
	ASSERT_EQ(0, snndev_unit_run(self->o.u, 2));
	ret = wait_idle(self->o.u, &st);
	EXPECT_EQ(-EIO, ret);
	EXPECT_EQ(SNNDEV_STATE_ERROR, st.state);
	EXPECT_NE(0, st.error);
	printf("# message: %s\n", snndev_unit_errmsg(self->o.u));
	EXPECT_NE(NULL, strstr(snndev_unit_errmsg(self->o.u), "error"));
	EXPECT_EQ(-EIO, snndev_unit_run(self->o.u, 1));
	/* a load clears the error (the bad event stays queued: drop it) */
	snndev_queue_destroy(in);
	ASSERT_EQ(0, snndev_unit_load(self->o.u, self->o.net, 0));
	EXPECT_EQ(0, snndev_unit_run(self->o.u, 1));
	EXPECT_EQ(0, wait_idle(self->o.u, &st)) TH_LOG("%s", snndev_unit_errmsg(self->o.u));
}

TEST_F(one, reference_network_file_loads)
{
	char path[256];
	struct snndev_net *net;
	unsigned int cores, npc, apc;
	size_t np, nn, ns, nf;

	snprintf(path, sizeof(path), "%s/net.snnet", lt_opt.ref);
	if (access(path, R_OK))
		SKIP(return, "%s: not there (check-vm.sh makes it)", path);
	ASSERT_EQ(0, snndev_net_read_file(path, &net)) TH_LOG("%s", snndev_errmsg());
	ASSERT_EQ(1, snndev_net_num_parts(net));
	ASSERT_EQ(0, snndev_net_part_info(net, 0, &cores, &npc, &apc, &np, &nn,
					  &ns, &nf));
	EXPECT_GT(nn, 0);
	EXPECT_EQ(0, snndev_unit_load(self->o.u, net, 0))
		TH_LOG("%s", snndev_unit_errmsg(self->o.u));
	snndev_net_free(net);
}

/* ---- routes ------------------------------------------------------------------------------ */

/* part 0: neuron 0 fires on axon 0 (OUT q0); part 1: neuron 0 fires on axon 0 (OUT q0) */
static struct snndev_net *relay_net(void)
{
	struct snndev_profile p = { .du = 4095, .dv = 4095, .vth = 50 };
	struct snndev_neuron n = { .core = 0, .index = 0, .flags = SNNDEV_NEURON_OUT };
	struct snndev_synapse s = { .core = 0, .axon = 0, .neuron = 0, .weight = 100 };
	struct snndev_route r = { .src_part = 0, .dst_part = 1 };
	struct snndev_net *net;
	int k;

	if (snndev_net_new(&net))
		return NULL;
	for (k = 0; k < 2; k++) {
		if (snndev_net_add_part(net, 1, 1, 1) != k ||
		    snndev_net_add_profiles(net, k, &p, 1) < 0 ||
		    snndev_net_add_neurons(net, k, &n, 1) < 0 ||
		    snndev_net_add_synapses(net, k, &s, 1) < 0)
			goto fail;
	}
	if (snndev_net_add_routes(net, &r, 1) < 0)
		goto fail;
	return net;
fail:
	printf("# relay_net: %s\n", snndev_errmsg());
	snndev_net_free(net);
	return NULL;
}

TEST_F_TIMEOUT(one, route_carries_a_spike_to_another_cluster, 60)
{
	struct snndev_unit *u1, *rt, *u2 = NULL;
	struct snndev_queue *in, *o0, *o1;
	struct snndev_status st;
	struct snndev_net *net = relay_net();
	uint64_t ev = snndev_event(0, 0, 0), got[4], delay = 0, mask = 0;
	unsigned int r;
	int ret;

	ASSERT_NE(NULL, net);
	if (!self->o.b.routers || self->o.b.clusters < 2)
		SKIP(return, "the board has no routing unit or one cluster");
	ASSERT_EQ(0, snndev_unit_open_index(self->o.b.index, 1, &u1));
	/* the routing unit connecting clusters 0 and 1 */
	for (r = 0; r < self->o.b.routers; r++) {
		ASSERT_EQ(0, snndev_unit_open_index(self->o.b.index,
						    self->o.b.clusters + r, &rt));
		ASSERT_EQ(0, snndev_unit_prop(rt, SNNDEV_PROP_CONNECTS, &mask));
		if ((mask & 3) == 3)
			break;
		snndev_unit_close(rt);
		rt = NULL;
	}
	ASSERT_NE(NULL, rt);
	ASSERT_EQ(0, snndev_unit_prop(rt, SNNDEV_PROP_ROUTE_DELAY, &delay));
	ASSERT_EQ(0, snndev_unit_load(self->o.u, net, 0));
	ASSERT_EQ(0, snndev_unit_load(u1, net, 1));
	ASSERT_EQ(0, snndev_route_add(rt, self->o.u, 0, 0, u1, 0, 0))
		TH_LOG("%s", snndev_unit_errmsg(rt));
	/* the same route again: -EEXIST */
	EXPECT_EQ(-EEXIST, snndev_route_add(rt, self->o.u, 0, 0, u1, 0, 0));
	/* a cluster this routing unit does not connect: -EXDEV */
	for (r = 0; r < self->o.b.clusters; r++) {
		if (mask & (1ULL << r))
			continue;
		if (!snndev_unit_open_index(self->o.b.index, r, &u2))
			break;
	}
	if (u2) {
		ret = snndev_route_add(rt, self->o.u, 0, 0, u2, 0, 0);
		EXPECT_EQ(-EXDEV, ret);
		printf("# message: %s\n", snndev_unit_errmsg(rt));
		snndev_unit_close(u2);
	}

	ASSERT_EQ(0, snndev_queue_create(self->o.u, SNNDEV_IN, 0, 2, &in));
	ASSERT_EQ(0, snndev_queue_create(self->o.u, SNNDEV_OUT, 0, 2, &o0));
	ASSERT_EQ(0, snndev_queue_create(u1, SNNDEV_OUT, 0, 2, &o1));
	ASSERT_EQ(1, snndev_queue_push(in, &ev, 1));
	/* lockstep, 1 + delay timesteps at a time (docs/hardware.md 9.5) */
	for (r = 0; r < 3; r++) {
		ASSERT_EQ(0, snndev_unit_run(self->o.u, 1 + delay));
		ASSERT_EQ(0, snndev_unit_run(u1, 1 + delay));
		ASSERT_EQ(0, wait_idle(self->o.u, &st));
		ASSERT_EQ(0, wait_idle(u1, &st));
	}
	ASSERT_EQ(1, snndev_queue_pull(o0, got, 4));
	EXPECT_EQ(0, snndev_event_timestep(got[0]));
	ASSERT_EQ(1, snndev_queue_pull(o1, got, 4));
	EXPECT_EQ(1 + delay, snndev_event_timestep(got[0]));

	/* deleted, the route carries nothing */
	ASSERT_EQ(0, snndev_route_del(rt, self->o.u, 0, 0, u1, 0, 0));
	EXPECT_EQ(-ENOENT, snndev_route_del(rt, self->o.u, 0, 0, u1, 0, 0));
	ASSERT_EQ(1, snndev_queue_push(in, &(uint64_t){ snndev_event(3 * (1 + delay), 0, 0) }, 1));
	ASSERT_EQ(0, snndev_unit_run(self->o.u, 2 + delay));
	ASSERT_EQ(0, snndev_unit_run(u1, 2 + delay));
	ASSERT_EQ(0, wait_idle(self->o.u, &st));
	ASSERT_EQ(0, wait_idle(u1, &st));
	EXPECT_EQ(1, snndev_queue_pull(o0, got, 4));
	EXPECT_EQ(0, snndev_queue_pull(o1, got, 4));

	snndev_queue_destroy(in);
	snndev_queue_destroy(o0);
	snndev_queue_destroy(o1);
	snndev_unit_close(rt);
	snndev_unit_close(u1);
	snndev_net_free(net);
}

/* ---- board reset ---------------------------------------------------------------------------- */

TEST_F_TIMEOUT(one, board_reset_makes_units_stale, 60)
{
	struct lt_board fb;
	struct snndev_unit *bd, *c, *c2;
	struct snndev_status st;
	char name[32], buf[32];
	int ret;

	if (lt_fault_board(&fb)) {
		struct lt_board b[16];
		int n = lt_boards(b, 16);

		fb = b[n - 1];
	}
	/* not the fixture's board if there is another one */
	if (fb.index == self->o.b.index) {
		snndev_unit_close(self->o.u);
		self->o.u = NULL;
	}
	ASSERT_EQ(0, snndev_unit_open_index(fb.index, -1, &bd));
	ASSERT_EQ(0, snndev_unit_open_index(fb.index, 0, &c));
	self->o.net = tiny_net(0);
	ASSERT_EQ(0, snndev_unit_load(c, self->o.net, 0));
	ASSERT_EQ(0, snndev_unit_board_reset(bd)) TH_LOG("%s", snndev_unit_errmsg(bd));
	ret = snndev_unit_run(c, 1);
	EXPECT_EQ(-ENODEV, ret);
	printf("# message: %s\n", snndev_unit_errmsg(c));
	EXPECT_EQ(-ENODEV, snndev_unit_wait(c, 0, 0, &st));
	/* the board node itself is stale too */
	EXPECT_EQ(-ENODEV, snndev_unit_board_reset(bd));
	snprintf(name, sizeof(name), "snn%u", fb.index);
	ASSERT_EQ(0, lt_sysfs(name, "health", buf, sizeof(buf)));
	EXPECT_STREQ("ok", buf);
	/* the cluster is free for a new owner while the old file is open */
	ASSERT_EQ(0, snndev_unit_open_index(fb.index, 0, &c2))
		TH_LOG("%s", snndev_errmsg());
	EXPECT_EQ(0, snndev_unit_load(c2, self->o.net, 0));
	snndev_unit_close(c2);
	snndev_unit_close(c);
	snndev_unit_close(bd);
}

LT_MAIN()
