// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of libsnndev's device side, without a device: units, loads,
 * runs, waits, queues and routes against a mock driver (mock.h: the
 * "device nodes" are symlinks to /dev/null), enumeration against a fake
 * sysfs tree (SNNDEV_SYSFS_ROOT), messages, the ioctl helper's restarts.
 *
 * Built twice: test-libsnndev-dev with the library's objects under ASan
 * and UBSan (the udev build), test-libsnndev-static with libsnndev.a
 * (-DTEST_STATIC: the static archive, whose enumeration reads sysfs).
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snndev_internal.h"
#include "mock.h"
#include "tap.h"

static char tmp[64];		/* the test's directory */
static char want[1024];

static const char *node(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmp, name);
	return buf[k];
}

static const char *fmt(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(want, sizeof(want), f, ap);
	va_end(ap);
	return want;
}

static void put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(s, f) < 0 || fclose(f)) {
		perror(path);
		exit(2);
	}
}

static struct snndev_unit *open_as(const char *name, uint32_t type,
				   uint32_t unit)
{
	struct snndev_unit *u = NULL;

	mock_node(type, unit);
	if (snndev_unit_open(node(name), &u))
		printf("# open %s: %s\n", name, snndev_errmsg());
	return u;
}

static struct snndev_net *small_net(void)
{
	static const struct snndev_profile p = { .du = 4095, .dv = 4095,
						 .vth = 50 };
	static const struct snndev_neuron n[2] = {
		{ .core = 0, .index = 0 },
		{ .core = 0, .index = 1, .flags = SNNDEV_NEURON_OUT, .outq = 1 },
	};
	static const struct snndev_synapse s[2] = {
		{ .core = 0, .axon = 0, .neuron = 0, .weight = 100 },
		{ .core = 0, .axon = 1, .neuron = 1, .weight = 100 },
	};
	static const struct snndev_fanout f = { .dst_axon = 1 };
	struct snndev_net *net;

	snndev_net_new(&net);
	snndev_net_add_part(net, 1, 2, 2);
	snndev_net_add_profiles(net, 0, &p, 1);
	snndev_net_add_neurons(net, 0, n, 2);
	snndev_net_add_synapses(net, 0, s, 2);
	snndev_net_add_fanouts(net, 0, &f, 1);
	return net;
}

/* ---- Names, messages, the ioctl helper --------------------------------------- */

static void test_names(void)
{
	static const char *const counters[] = {
		"timesteps", "in_events", "spikes", "out_events", "syn_ops",
		"neuron_updates", "stalls", "drops", "late_events",
		"routed_out", "routed_in", "ain_saturations",
	};
	unsigned int i, j;

	CHECK_STR(snndev_version(), "0.1.0");
	CHECK_EQ(snndev_abi_major(), SNN_ABI_MAJOR);
	CHECK_EQ(snndev_abi_minor(), SNN_ABI_MINOR);
	CHECK_EQ(SNNDEV_API_VERSION, 0x000100);
	for (i = 0; i < SNNDEV_CNT_COUNT; i++)
		CHECK_STR(snndev_counter_name(i), counters[i]);
	CHECK(snndev_counter_name(SNNDEV_CNT_COUNT) == NULL);
	for (i = 0; i < SNNDEV_PROP_COUNT; i++) {
		CHECK(snndev_prop_name(i) != NULL);
		for (j = 0; j < i; j++)
			CHECK(strcmp(snndev_prop_name(i), snndev_prop_name(j)));
	}
	CHECK_STR(snndev_prop_name(SNNDEV_PROP_NEURONS_PER_CORE),
		  "neurons_per_core");
	CHECK(snndev_prop_name(SNNDEV_PROP_COUNT) == NULL);
	CHECK(snndev_prop_name((enum snndev_prop)-1) == NULL);
	/* the public constants mirror the uapi's */
	CHECK_EQ(SNNDEV_CAP_MAPPED_DOORBELL, SNN_CAP_MAPPED_DOORBELL);
	CHECK_EQ(SNNDEV_CAP_ROUTERS, SNN_CAP_ROUTERS);
	CHECK_EQ(SNNDEV_CAP_OUT_DROP, SNN_CAP_OUT_DROP);
	CHECK_EQ(SNNDEV_CAP_EVENTFD, SNN_CAP_EVENTFD);
	CHECK_EQ(SNNDEV_CAP_FAULT_INJECT, SNN_CAP_FAULT_INJECT);
	CHECK_EQ(SNNDEV_CAP_LOAD_SG, SNN_CAP_LOAD_SG);
	CHECK_EQ(SNNDEV_NODE_CLUSTER, SNN_NODE_CLUSTER);
	CHECK_EQ(SNNDEV_TRANSPORT_USB, SNN_TRANSPORT_USB);
	CHECK_EQ(SNNDEV_STATE_HUNG, SNN_STATE_HUNG);
	CHECK_EQ(SNNDEV_NOTIFY_ERROR, SNN_NOTIFY_ERROR);
	CHECK_EQ(SNNDEV_NEURON_BIAS, SNN_NEURON_BIAS);
	CHECK_EQ(snndev_event(7, 3, 513), SNN_EVENT(7, 3, 513));
	CHECK_EQ(snndev_event_timestep(SNN_EVENT(0xfffffffe, 255, 65535)),
		 0xfffffffe);
	CHECK_EQ(snndev_event_core(SNN_EVENT(1, 255, 65535)), 255);
	CHECK_EQ(snndev_event_index(SNN_EVENT(1, 255, 65535)), 65535);
}

static void *other_thread(void *arg)
{
	struct snndev_net *net;

	(void)arg;
	if (strcmp(snndev_errmsg(), ""))
		return "not empty in a new thread";
	snndev_net_new(&net);
	snndev_net_add_part(net, 0, 1, 1);
	snndev_net_free(net);
	return (void *)snndev_errmsg();
}

static void test_errmsg_threads(void)
{
	struct snndev_net *net;
	pthread_t t;
	void *r;

	snndev_net_new(&net);
	CHECK_EQ(snndev_net_add_part(net, 1, 0, 1), -EINVAL);
	CHECK_EQ(pthread_create(&t, NULL, other_thread, NULL), 0);
	pthread_join(t, &r);
	/* each thread has its own message */
	CHECK_STR(r, "snndev_net_add_part: field 'n_cores' is 0, must be 1..256");
	CHECK_STR(snndev_errmsg(),
		  "snndev_net_add_part: field 'neurons_per_core' is 0, must be 1..65535");
	snndev_net_free(net);
}

static void test_ioctl_retry(void)
{
	int p[2], n = -1, calls;

	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(write(p[1], "hello", 5), 5);
	mock.eintr = 3;
	mock.eagain = 2;
	calls = mock.ioctls;
	CHECK_EQ(snndev_ioctl(p[0], FIONREAD, &n), 0);
	CHECK_EQ(n, 5);
	CHECK_EQ(mock.ioctls - calls, 6);	/* 5 restarts */
	CHECK_EQ(snndev_ioctl(-1, FIONREAD, &n), -EBADF);
	CHECK_EQ(snndev_ioctl(p[0], SNN_IOC_INFO, &n), -ENOTTY);
	close(p[0]);
	close(p[1]);
}

/* ---- Opening ----------------------------------------------------------------------- */

static void test_open_errors(void)
{
	struct snndev_unit *u = (void *)1;
	struct snn_info in;

	CHECK_ERR(snndev_unit_open(node("missing"), &u), -ENOENT,
		  fmt("%s: No such file or directory (ENOENT)", node("missing")));
	CHECK(u == NULL);
	CHECK_ERR(snndev_unit_open(node("file"), &u), -ENOTTY,
		  fmt("%s: not an snn node: SNN_IOC_INFO failed (ENOTTY)",
		      node("file")));
	CHECK_ERR(snndev_unit_open(NULL, &u), -EINVAL,
		  "snndev_unit_open: devnode or out is NULL");

	/* the ABI check */
	mock_node(SNN_NODE_CLUSTER, 0);
	mock.info.abi_major = 0;
	mock.info.abi_minor = 3;
	CHECK_ERR(snndev_unit_open(node("snn0.0"), &u), -EPROTO,
		  fmt("%s: the snn driver speaks ABI 0.3, older than libsnndev 0.1.0 needs (ABI 1.0 or a later 1.x): upgrade the snn kernel module (snn.ko) to ABI 1",
		      node("snn0.0")));
	mock.info.abi_major = 2;
	mock.info.abi_minor = 0;
	CHECK_ERR(snndev_unit_open(node("snn0.0"), &u), -EPROTO,
		  fmt("%s: the snn driver speaks ABI 2.0, newer than libsnndev 0.1.0 supports (ABI 1.x): upgrade libsnndev to a version for ABI 2",
		      node("snn0.0")));
	mock_node(SNN_NODE_CLUSTER, 0);
	mock.info.abi_minor = 7;	/* newer minor: fine */
	CHECK_EQ(snndev_unit_open(node("snn0.0"), &u), 0);
	snndev_unit_close(u);
	mock.info.node_type = 9;
	CHECK_ERR(snndev_unit_open(node("snn0.0"), &u), -EPROTO,
		  fmt("%s: the snn driver reports node type 9, which libsnndev 0.1.0 does not know: upgrade libsnndev",
		      node("snn0.0")));
	/* the minor check, directly (the library needs 1.0 today) */
	memset(&in, 0, sizeof(in));
	in.abi_major = 1;
	in.node_type = SNN_NODE_BOARD;
	CHECK_EQ(snndev__abi_check(&in, "x"), 0);
	mock_node(SNN_NODE_CLUSTER, 0);
}

static void test_unit_props(void)
{
	static const struct {
		uint32_t type, unit;
		enum snndev_prop p;
		int ret;
		uint64_t v;
	} c[] = {
		{ SNN_NODE_CLUSTER, 2, SNNDEV_PROP_UNIT, 0, 2 },
		{ SNN_NODE_CLUSTER, 2, SNNDEV_PROP_CORES, 0, 8 },
		{ SNN_NODE_CLUSTER, 2, SNNDEV_PROP_MAX_QUEUE_DEPTH, 0, 65536 },
		{ SNN_NODE_CLUSTER, 2, SNNDEV_PROP_RATED_EVENTS_PER_SEC, 0, 50000000 },
		{ SNN_NODE_CLUSTER, 2, SNNDEV_PROP_CONNECTS, -ENOENT, 0 },
		{ SNN_NODE_CLUSTER, 2, SNNDEV_PROP_CLUSTERS, 0, 4 },
		{ SNN_NODE_BOARD, 0, SNNDEV_PROP_UNIT, -ENOENT, 0 },
		{ SNN_NODE_BOARD, 0, SNNDEV_PROP_RATED_SPIKES_PER_SEC, 0, 80000000 },
		{ SNN_NODE_BOARD, 0, SNNDEV_PROP_CORES, 0, 8 },
		{ SNN_NODE_BOARD, 0, SNNDEV_PROP_ROUTE_DELAY, -ENOENT, 0 },
		{ SNN_NODE_ROUTER, 5, SNNDEV_PROP_CONNECTS, 0, 0xc },
		{ SNN_NODE_ROUTER, 5, SNNDEV_PROP_ROUTE_CAPACITY, 0, 16384 },
		{ SNN_NODE_ROUTER, 5, SNNDEV_PROP_CORES, -ENOENT, 0 },
		{ SNN_NODE_ROUTER, 5, SNNDEV_PROP_TRANSPORT, 0, SNNDEV_TRANSPORT_PCI },
		{ SNN_NODE_ROUTER, 5, SNNDEV_PROP_NODE_TYPE, 0, SNNDEV_NODE_ROUTER },
	};
	struct snndev_unit *u;
	unsigned int i;
	uint64_t v;

	for (i = 0; i < SNNDEV_ARRAY_SIZE(c); i++) {
		u = open_as("snn0.0", c[i].type, c[i].unit);
		if (!u) {
			tap_cur_failed = 1;
			continue;
		}
		v = 0;
		CHECK_EQ(snndev_unit_prop(u, c[i].p, &v), c[i].ret);
		CHECK_EQ(v, c[i].v);
		snndev_unit_close(u);
	}
	u = open_as("snn0.4", SNN_NODE_ROUTER, 4);
	CHECK_ERR(snndev_unit_prop(u, SNNDEV_PROP_CORES, &v), -ENOENT,
		  fmt("%s: a routing unit has no property 'cores'", node("snn0.4")));
	CHECK_ERR(snndev_unit_prop(u, SNNDEV_PROP_COUNT, &v), -EINVAL,
		  "snndev_unit_prop: bad argument");
	CHECK_EQ(snndev_unit_type(u), SNNDEV_NODE_ROUTER);
	CHECK_STR(snndev_unit_driver_version(u), "0.1.0");
	CHECK_STR(snndev_unit_bus_id(u), "0000:01:00.0");
	CHECK_STR(snndev_unit_devnode(u), node("snn0.4"));
	CHECK(snndev_unit_fd(u) >= 0);
	CHECK_EQ(snndev_unit_caps(u), SNNDEV_CAP_MAPPED_DOORBELL |
		 SNNDEV_CAP_ROUTERS | SNNDEV_CAP_OUT_DROP | SNNDEV_CAP_EVENTFD);
	CHECK_STR(snndev_unit_errmsg(u), "");
	snndev_unit_close(u);
}

/* ---- Load, run, wait ------------------------------------------------------------------- */

static void test_load(void)
{
	struct snndev_net *net = small_net();
	struct snndev_unit *u = open_as("snn0.1", SNN_NODE_CLUSTER, 1), *r;

	CHECK(u);
	if (!u)
		return;
	CHECK_EQ(snndev_unit_load(u, net, 0), 0);
	CHECK_EQ(mock.load_in.n_cores, 1);
	CHECK_EQ(mock.load_in.neurons_per_core, 2);
	CHECK_EQ(mock.load_in.axons_per_core, 2);
	CHECK_EQ(mock.load_in.n_profiles, 1);
	CHECK_EQ(mock.load_in.n_neurons, 2);
	CHECK_EQ(mock.load_in.n_synapses, 2);
	CHECK_EQ(mock.load_in.n_fanout, 1);
	CHECK_EQ(mock.load_in.flags, 0);
	CHECK_EQ(mock.load_in.reserved[0] | mock.load_in.reserved[1], 0);
	CHECK_EQ(mock.profiles[0].vth, 50);
	CHECK_EQ(mock.neurons[1].flags, SNN_NEURON_OUT);
	CHECK_EQ(mock.neurons[1].outq, 1);
	CHECK_EQ(mock.synapses[1].weight, 100);
	CHECK_EQ(mock.fanouts[0].dst_axon, 1);

	CHECK_ERR(snndev_unit_load(u, net, 1), -EINVAL,
		  "snndev_unit_load: part 1 does not exist (the network has 1 part)");
	CHECK_STR(snndev_unit_errmsg(u), snndev_errmsg());

	/* the driver's err_* become a message */
	mock.load_ret = -EINVAL;
	mock.load_err.err_section = SNN_SEC_NEURON;
	mock.load_err.err_index = 1;
	mock.load_err.err_field = SNN_FIELD_OUTQ;
	mock.load_err.err_limit = 0;
	CHECK_ERR(snndev_unit_load(u, net, 0), -EINVAL,
		  fmt("%s: loading part 0: neuron 1: field 'outq' is 1: out of range, an undefined reference or a duplicate (EINVAL)",
		      node("snn0.1")));
	mock.load_err.err_limit = 3;
	CHECK_ERR(snndev_unit_load(u, net, 0), -EINVAL,
		  fmt("%s: loading part 0: neuron 1: field 'outq' is 1, largest allowed 3 (EINVAL)",
		      node("snn0.1")));
	mock.load_ret = -ENOSPC;
	mock.load_err.err_section = SNN_SEC_HEADER;
	mock.load_err.err_index = 0;
	mock.load_err.err_field = SNN_FIELD_N_CORES;
	mock.load_err.err_limit = 0;
	CHECK_ERR(snndev_unit_load(u, net, 0), -ENOSPC,
		  fmt("%s: loading part 0: header: field 'n_cores' is 1, more than the cluster's capacity of 0 (ENOSPC)",
		      node("snn0.1")));
	mock.load_err.err_section = SNN_SEC_SYNAPSE;
	mock.load_err.err_index = 1;
	mock.load_err.err_field = SNN_FIELD_CORE;
	mock.load_err.err_limit = 1;
	CHECK_ERR(snndev_unit_load(u, net, 0), -ENOSPC,
		  fmt("%s: loading part 0: synapse 1: its core 0 has more synapse entries than the cluster's capacity of 1 per core (ENOSPC)",
		      node("snn0.1")));
	mock.load_err.err_section = SNN_SEC_FANOUT;
	mock.load_err.err_index = 0;
	mock.load_err.err_field = SNN_FIELD_SRC_CORE;
	mock.load_err.err_limit = 0;
	CHECK_ERR(snndev_unit_load(u, net, 0), -ENOSPC,
		  fmt("%s: loading part 0: fan-out 0: its core 0 has more fan-out entries than the cluster's capacity of 0 per core (ENOSPC)",
		      node("snn0.1")));
	mock.load_ret = -EFAULT;
	mock.load_err.err_section = SNN_SEC_PROFILE;
	mock.load_err.err_field = SNN_FIELD_POINTER;
	CHECK_ERR(snndev_unit_load(u, net, 0), -EFAULT,
		  fmt("%s: loading part 0: profile 0: the profile array could not be read (EFAULT)",
		      node("snn0.1")));
	mock.load_err = (struct snn_load){ 0 };
	mock.load_ret = -EBUSY;
	CHECK_ERR(snndev_unit_load(u, net, 0), -EBUSY,
		  fmt("%s: loading part 0: the cluster is running, stalled, hung or loading: wait for the run to end or reset the cluster (EBUSY)",
		      node("snn0.1")));
	mock.load_ret = -ENODEV;
	CHECK_ERR(snndev_unit_load(u, net, 0), -ENODEV,
		  fmt("%s: SNN_IOC_LOAD: the board was reset or removed, or does not answer: close the unit and open it again (ENODEV)",
		      node("snn0.1")));
	mock.load_ret = -ENOMEM;
	CHECK_EQ(snndev_unit_load(u, net, 0), -ENOMEM);
	CHECK(strstr(snndev_errmsg(), "loading part 0: the kernel has no memory for the network image"));
	mock.load_ret = -ETIMEDOUT;
	CHECK_EQ(snndev_unit_load(u, net, 0), -ETIMEDOUT);
	CHECK(strstr(snndev_errmsg(), "did not finish within 30 s"));
	/* EIO: the device's reason comes from a WAIT that does not block */
	mock.load_ret = -EIO;
	mock.wait_ret = -EIO;
	mock.wait_out = (struct snn_wait){ .state = SNN_STATE_ERROR,
					   .error = 9 };
	CHECK_ERR(snndev_unit_load(u, net, 0), -EIO,
		  fmt("%s: loading part 0: the device refused the network with device error 9 (SNN_E_DMA, info 0x0): a DMA transfer of the cluster failed; the cluster is in the error state with no network (EIO)",
		      node("snn0.1")));
	CHECK_EQ(mock.wait_in.timeout_ns, 0);
	mock.wait_out = (struct snn_wait){ .state = SNN_STATE_ERROR,
					   .error = 20, .error_info = 0x28 };
	CHECK_EQ(snndev_unit_load(u, net, 0), -EIO);
	CHECK(strstr(snndev_errmsg(), "device error 20 (SNN_E_LOAD_SG, info 0x28): bad scatter-gather list for the image (byte 0x28 of the list)"));
	mock.wait_out.error_info = 0x80000001u;
	CHECK_EQ(snndev_unit_load(u, net, 0), -EIO);
	CHECK(strstr(snndev_errmsg(), "(SNN_E_LOAD_SG, info 0x80000001): bad scatter-gather list for the image (entry count)"));
	mock.wait_ret = -ENODEV;
	CHECK_ERR(snndev_unit_load(u, net, 0), -EIO,
		  fmt("%s: loading part 0: the device refused the network; the cluster is in the error state with no network (EIO)",
		      node("snn0.1")));
	mock.wait_ret = 0;
	mock.wait_out = (struct snn_wait){ 0 };
	mock.load_ret = 0;

	r = open_as("snn0.4", SNN_NODE_ROUTER, 4);
	CHECK_ERR(snndev_unit_load(r, net, 0), -EINVAL,
		  fmt("snndev_unit_load: %s: a routing unit, not a cluster",
		      node("snn0.4")));
	snndev_unit_close(r);
	snndev_unit_close(u);
	snndev_net_free(net);
}

static void test_load_msg(void)
{
	struct snndev_net *net = small_net();
	struct snn_load ld = { 0 };
	char buf[300];

	ld.n_cores = 9;
	ld.err_section = SNN_SEC_HEADER;
	ld.err_field = SNN_FIELD_N_CORES;
	ld.err_limit = 8;
	snndev__load_msg(&net->parts[0], &ld, -ENOSPC, buf, sizeof(buf));
	CHECK_STR(buf, "header: field 'n_cores' is 9, more than the cluster's capacity of 8 (ENOSPC)");
	ld.err_section = SNN_SEC_PROFILE;
	ld.err_field = SNN_FIELD_VTH;
	ld.err_limit = 131071;
	snndev__load_msg(&net->parts[0], &ld, -EINVAL, buf, sizeof(buf));
	CHECK_STR(buf, "profile 0: field 'vth' is 50, largest allowed 131071 (EINVAL)");
	ld.err_index = 99;		/* not one of ours: no value */
	snndev__load_msg(&net->parts[0], &ld, -EINVAL, buf, sizeof(buf));
	CHECK_STR(buf, "profile 99: field 'vth', largest allowed 131071 (EINVAL)");
	ld.err_section = SNN_SEC_SYNAPSE;
	ld.err_index = 0;
	ld.err_field = SNN_FIELD_RESERVED;
	ld.err_limit = 0;
	snndev__load_msg(&net->parts[0], &ld, -EINVAL, buf, sizeof(buf));
	CHECK_STR(buf, "synapse 0: field 'reserved', must be 0 (EINVAL)");
	snndev_net_free(net);
}

static void test_run_wait(void)
{
	struct snndev_unit *u = open_as("snn0.1", SNN_NODE_CLUSTER, 1);
	struct snndev_status st;

	CHECK(u);
	if (!u)
		return;
	CHECK_EQ(snndev_unit_run(u, 3), 0);
	CHECK_EQ(mock.run_in.steps, 3);
	CHECK_EQ(mock.run_in.flags, 0);
	CHECK_ERR(snndev_unit_run(u, 0), -EINVAL,
		  fmt("%s: run: steps is 0, must be at least 1", node("snn0.1")));
	mock.run_ret = -ENODATA;
	CHECK_ERR(snndev_unit_run(u, 1), -ENODATA,
		  fmt("%s: run: no network is loaded (ENODATA)", node("snn0.1")));
	mock.run_ret = -EIO;
	CHECK_ERR(snndev_unit_run(u, 1), -EIO,
		  fmt("%s: run: the cluster is in the error state or hung: snndev_unit_wait() says why; reset it or load a network again (EIO)",
		      node("snn0.1")));
	mock.run_ret = -EOVERFLOW;
	CHECK_ERR(snndev_unit_run(u, 5), -EOVERFLOW,
		  fmt("%s: run: the remaining timesteps plus 5 would exceed 2^32-1 (EOVERFLOW)",
		      node("snn0.1")));
	mock.run_ret = 0;

	/* SNNDEV_RUN_RESET_STATE: one RUN with the flag (ABI 1.1) */
	mock.reset_in = (struct snn_reset){ .flags = 0xdead };
	CHECK_EQ(snndev_unit_run_flags(u, 18, SNNDEV_RUN_RESET_STATE), 0);
	CHECK_EQ(mock.run_in.steps, 18);
	CHECK_EQ(mock.run_in.flags, SNN_RUN_RESET_STATE);
	CHECK_EQ(mock.reset_in.flags, 0xdead);	/* no SNN_IOC_RESET */
	CHECK_EQ(snndev_unit_run_flags(u, 2, 0), 0);
	CHECK_EQ(mock.run_in.flags, 0);
	CHECK_ERR(snndev_unit_run_flags(u, 2, 6), -EINVAL,
		  fmt("%s: run: unknown flags 0x6", node("snn0.1")));
	CHECK_ERR(snndev_unit_run_flags(NULL, 2, 0), -EINVAL,
		  "snndev_unit_run_flags: u is NULL");
	mock.run_ret = -EBUSY;
	CHECK_ERR(snndev_unit_run_flags(u, 1, SNNDEV_RUN_RESET_STATE), -EBUSY,
		  fmt("%s: run: SNNDEV_RUN_RESET_STATE needs an idle cluster, and it is still running or a load or reset is in progress (EBUSY)",
		      node("snn0.1")));
	mock.run_ret = 0;
	snndev_unit_close(u);
	/* a driver of ABI 1.0: SNN_IOC_RESET, then a plain RUN */
	mock_node(SNN_NODE_CLUSTER, 1);
	mock.info.abi_minor = 0;
	u = NULL;
	CHECK_EQ(snndev_unit_open(node("snn0.1"), &u), 0);
	if (!u)
		return;
	CHECK_EQ(snndev_unit_run_flags(u, 7, SNNDEV_RUN_RESET_STATE), 0);
	CHECK_EQ(mock.reset_in.flags, SNN_RESET_STATE);
	CHECK_EQ(mock.run_in.steps, 7);
	CHECK_EQ(mock.run_in.flags, 0);
	mock.reset_in = (struct snn_reset){ .flags = 0xdead };
	mock.reset_ret = -EIO;
	mock.run_in.steps = 0;
	CHECK(snndev_unit_run_flags(u, 7, SNNDEV_RUN_RESET_STATE) == -EIO);
	CHECK_EQ(mock.reset_in.flags, SNN_RESET_STATE);
	CHECK_EQ(mock.run_in.steps, 0);	/* no RUN after a failed reset */
	mock.reset_ret = 0;

	mock.wait_out = (struct snn_wait){ .state = SNN_STATE_IDLE,
					   .timestep = 3 };
	CHECK_EQ(snndev_unit_wait(u, -1, 0, &st), 0);
	CHECK_EQ(mock.wait_in.timeout_ns, -1);
	CHECK_EQ(mock.wait_in.flags, 0);
	CHECK_EQ(st.state, SNNDEV_STATE_IDLE);
	CHECK_EQ(st.timestep, 3);
	CHECK_EQ(snndev_unit_wait(u, 0, SNNDEV_WAIT_OUTPUT, NULL), 0);
	CHECK_EQ(mock.wait_in.timeout_ns, 0);
	CHECK_EQ(mock.wait_in.flags, SNN_WAIT_OUTPUT);
	CHECK_EQ(snndev_unit_wait(u, 250, 0, NULL), 0);
	CHECK(mock.wait_in.timeout_ns > 200000000 &&
	      mock.wait_in.timeout_ns <= 250000000);
	/* interrupted waits restart with the time left */
	mock.wait_eintr = 2;
	CHECK_EQ(snndev_unit_wait(u, 1000, 0, NULL), 0);
	CHECK_EQ(mock.wait_eintr, 0);
	CHECK(mock.wait_in.timeout_ns > 0 &&
	      mock.wait_in.timeout_ns <= 1000000000);
	CHECK_ERR(snndev_unit_wait(u, 0, 2, NULL), -EINVAL,
		  fmt("%s: wait: unknown flags 0x2", node("snn0.1")));

	mock.wait_ret = -ETIMEDOUT;
	mock.wait_out = (struct snn_wait){ .state = SNN_STATE_RUNNING,
					   .timestep = 17, .remaining = 4 };
	CHECK_ERR(snndev_unit_wait(u, 10, 0, &st), -ETIMEDOUT,
		  fmt("%s: wait: timed out after 10 ms at timestep 17 with 4 timesteps to run (ETIMEDOUT)",
		      node("snn0.1")));
	CHECK_EQ(st.state, SNNDEV_STATE_RUNNING);
	CHECK_EQ(st.remaining, 4);
	mock.wait_ret = -EIO;
	mock.wait_out = (struct snn_wait){ .state = SNN_STATE_ERROR,
					   .timestep = 5, .error = 11,
					   .error_info = 0x81 };
	CHECK_ERR(snndev_unit_wait(u, 10, 0, &st), -EIO,
		  fmt("%s: the cluster stopped at timestep 5 with device error 11 (SNN_E_QUEUE, info 0x81): bad doorbell value (or queue setup) on output queue 1; reset it or load again (EIO)",
		      node("snn0.1")));
	CHECK_EQ(st.state, SNNDEV_STATE_ERROR);
	CHECK_EQ(st.error, 11);
	CHECK_EQ(st.error_info, 0x81);
	mock.wait_out = (struct snn_wait){ .state = SNN_STATE_ERROR,
					   .error = 10,
					   .error_info = 2u << 24 | 77 };
	CHECK_EQ(snndev_unit_wait(u, 10, 0, &st), -EIO);
	CHECK(strstr(snndev_errmsg(), "(SNN_E_BAD_EVENT, info 0x200004d): bad input event in input queue 2 at ring index 77"));
	mock.wait_out = (struct snn_wait){ .state = SNN_STATE_HUNG,
					   .timestep = 9 };
	CHECK_ERR(snndev_unit_wait(u, 10, 0, &st), -EIO,
		  fmt("%s: the cluster hung at timestep 9 (the driver's hang watchdog): reset it to recover (EIO)",
		      node("snn0.1")));
	CHECK_EQ(st.state, SNNDEV_STATE_HUNG);
	mock.wait_ret = -ENODEV;
	CHECK_ERR(snndev_unit_wait(u, 10, 0, &st), -ENODEV,
		  fmt("%s: SNN_IOC_WAIT: the board was reset or removed, or does not answer: close the unit and open it again (ENODEV)",
		      node("snn0.1")));
	mock.wait_ret = 0;
	snndev_unit_close(u);
}

static void test_eventfd_counters_config(void)
{
	struct snndev_unit *u = open_as("snn0.1", SNN_NODE_CLUSTER, 1), *b;
	uint64_t v[16];
	unsigned int i;
	int fd;

	CHECK(u);
	if (!u)
		return;
	fd = snndev_unit_eventfd(u, SNNDEV_NOTIFY_RUN_DONE | SNNDEV_NOTIFY_ERROR);
	CHECK(fd >= 0);
	CHECK_EQ(mock.eventfd_in.fd, fd);
	CHECK_EQ(mock.eventfd_in.events, SNN_NOTIFY_RUN_DONE | SNN_NOTIFY_ERROR);
	CHECK_EQ(snndev_unit_eventfd(u, SNNDEV_NOTIFY_OUTPUT), fd);
	CHECK_EQ(mock.eventfd_in.events, SNN_NOTIFY_OUTPUT);
	CHECK_EQ(snndev_unit_eventfd(u, 0), 0);
	CHECK_EQ(mock.eventfd_in.fd, -1);
	CHECK_EQ(mock.eventfd_in.events, 0);
	CHECK(fcntl(fd, F_GETFD) < 0);		/* closed */
	CHECK_ERR(snndev_unit_eventfd(u, 8), -EINVAL,
		  fmt("%s: eventfd: unknown events 0x8", node("snn0.1")));

	for (i = 0; i < 12; i++)
		((__u64 *)&mock.counters)[i] = 100 + i;
	CHECK_EQ(snndev_unit_counters(u, v, 16), 12);
	CHECK_EQ(v[SNNDEV_CNT_TIMESTEPS], 100);
	CHECK_EQ(v[SNNDEV_CNT_LATE_EVENTS], 108);
	CHECK_EQ(v[SNNDEV_CNT_AIN_SATURATIONS], 111);
	v[3] = 0;
	CHECK_EQ(snndev_unit_counters(u, v, 3), 3);
	CHECK_EQ(v[3], 0);

	CHECK_EQ(snndev_unit_config(u, SNNDEV_CONFIG_OUT_DROP), 0);
	CHECK_EQ(mock.config_in.flags, SNN_CONFIG_OUT_DROP);
	mock.config_ret = -EOPNOTSUPP;
	CHECK_ERR(snndev_unit_config(u, SNNDEV_CONFIG_OUT_DROP), -EOPNOTSUPP,
		  fmt("%s: config: the board cannot drop output events (no SNNDEV_CAP_OUT_DROP) (EOPNOTSUPP)",
		      node("snn0.1")));
	CHECK_ERR(snndev_unit_reset(u, 4), -EINVAL,
		  fmt("%s: reset: unknown flags 0x4", node("snn0.1")));
	CHECK_EQ(snndev_unit_reset(u, SNNDEV_RESET_STATE), 0);
	CHECK_EQ(mock.reset_in.flags, SNN_RESET_STATE);
	mock.reset_ret = -ETIMEDOUT;
	CHECK_ERR(snndev_unit_reset(u, 0), -ETIMEDOUT,
		  fmt("%s: reset: the cluster did not finish its reset within 5 s: reset the board (ETIMEDOUT)",
		      node("snn0.1")));
	mock.reset_ret = 0;
	CHECK_ERR(snndev_unit_board_reset(u), -EINVAL,
		  fmt("snndev_unit_board_reset: %s: a cluster, not a board control node",
		      node("snn0.1")));
	snndev_unit_close(u);

	b = open_as("snn0", SNN_NODE_BOARD, 0);
	CHECK_EQ(snndev_unit_board_reset(b), 0);
	mock.board_reset_ret = -ENODEV;
	CHECK_ERR(snndev_unit_board_reset(b), -ENODEV,
		  fmt("%s: board reset: this file of the board node is stale (opened before an earlier board reset) or the board is gone: open the board node again (ENODEV)",
		      node("snn0")));
	mock.board_reset_ret = 0;
	CHECK_ERR(snndev_unit_counters(b, v, 1), -EINVAL,
		  fmt("snndev_unit_counters: %s: a board control node, not a cluster",
		      node("snn0")));
	snndev_unit_close(b);

	mock_node(SNN_NODE_CLUSTER, 1);
	mock.info.caps &= ~SNN_CAP_EVENTFD;
	CHECK_EQ(snndev_unit_open(node("snn0.1"), &u), 0);
	CHECK_ERR(snndev_unit_eventfd(u, 1), -EOPNOTSUPP,
		  fmt("%s: the snn driver does not offer eventfd notification (no SNN_CAP_EVENTFD): upgrade the snn kernel module (snn.ko)",
		      node("snn0.1")));
	snndev_unit_close(u);
}

/* ---- Queues ------------------------------------------------------------------------------ */

static void test_queue_in(int mapped)
{
	struct snndev_unit *u;
	struct snndev_queue *q;
	uint64_t ev[40], *slots;
	size_t n, i;

	mock_reset();
	mock_node(SNN_NODE_CLUSTER, 1);
	if (!mapped)
		mock.info.caps &= ~SNN_CAP_MAPPED_DOORBELL;
	CHECK_EQ(snndev_unit_open(node("snn0.1"), &u), 0);
	if (!u)
		return;
	CHECK_EQ(snndev_queue_create(u, SNNDEV_IN, 2, 4, &q), 0);
	CHECK(q && mock.q[0][2].map);
	if (!q || !mock.q[0][2].map)
		return;
	CHECK_EQ(mock.doorbell_maps, mapped ? 1 : 0);
	CHECK_EQ(snndev_queue_entries(q), 16);
	CHECK_EQ(snndev_queue_pending(q), 0);
	for (i = 0; i < 40; i++)
		ev[i] = snndev_event((uint32_t)i, 1, (unsigned int)i);

	/* 16 fit, then the queue is full */
	CHECK_EQ(snndev_queue_push(q, ev, 20), 16);
	CHECK_EQ(snndev_queue_pending(q), 16);
	if (mapped) {
		CHECK_EQ(mock_doorbell_page(0, 2), 16);
		CHECK_EQ(mock.q[0][2].doorbells, 0);
	} else {
		CHECK_EQ(mock.q[0][2].doorbell, 16);
		CHECK_EQ(mock.q[0][2].doorbells, 1);
	}
	CHECK_EQ(le64toh(mock_ring(0, 2)[5]), ev[5]);
	CHECK_EQ(snndev_queue_prepare(q, &slots, 10), 0);
	CHECK_EQ(snndev_queue_push(q, ev, 1), 0);

	/* the device consumes 10: 10 contiguous slots at the ring's start */
	mock_set_dev_index(0, 2, 10);
	CHECK_EQ(snndev_queue_pending(q), 6);
	n = snndev_queue_prepare(q, &slots, 100);
	CHECK_EQ(n, 10);
	CHECK(slots == mock_ring(0, 2));
	for (i = 0; i < 4; i++)
		slots[i] = htole64(ev[20 + i]);
	snndev_queue_commit(q, 4);
	snndev_queue_commit(q, 4);		/* (no prepare: nothing) */
	CHECK_EQ(snndev_queue_pending(q), 10);
	CHECK_EQ(snndev_queue_flush(q), 0);
	CHECK_EQ(mapped ? mock_doorbell_page(0, 2) : mock.q[0][2].doorbell, 20);
	/* a flush without news rings nothing */
	if (!mapped) {
		CHECK_EQ(snndev_queue_flush(q), 0);
		CHECK_EQ(mock.q[0][2].doorbells, 2);
	}
	/* wrap: producer at 20 (slot 4); device at 20: 12 to the ring's end */
	mock_set_dev_index(0, 2, 20);
	CHECK_EQ(snndev_queue_prepare(q, &slots, 100), 12);
	CHECK(slots == mock_ring(0, 2) + 4);
	CHECK_EQ(snndev_queue_push(q, ev, 16), 16);	/* across the end */
	CHECK_EQ(le64toh(mock_ring(0, 2)[3]), ev[15]);
	CHECK_EQ(mapped ? mock_doorbell_page(0, 2) : mock.q[0][2].doorbell, 36);

	/* free-running indices across 2^32 */
	CHECK_EQ(snndev_unit_reset(u, 0), 0);		/* full: indices 0 */
	mock_set_dev_index(0, 2, 0);
	CHECK_EQ(snndev_queue_pending(q), 0);
	CHECK_EQ(snndev_queue_push(q, ev, 3), 3);
	CHECK_EQ(mapped ? mock_doorbell_page(0, 2) : mock.q[0][2].doorbell, 3);
	snndev_queue_destroy(q);
	CHECK_EQ(mock.q[0][2].created, 0);
	CHECK(mock.q[0][2].map == NULL);
	snndev_unit_close(u);
	CHECK(mock.doorbell_page == NULL);
}

static void test_queue_in_mapped(void)
{
	test_queue_in(1);
}

static void test_queue_in_ioctl(void)
{
	test_queue_in(0);
}

static void test_queue_out(void)
{
	struct snndev_unit *u;
	struct snndev_queue *q;
	const uint64_t *e;
	uint64_t out[40];
	size_t i;

	mock_reset();
	mock_node(SNN_NODE_CLUSTER, 1);
	CHECK_EQ(snndev_unit_open(node("snn0.1"), &u), 0);
	CHECK_EQ(snndev_queue_create(u, SNNDEV_OUT, 3, 3, &q), 0);
	if (!q || !mock.q[1][3].map)
		return;
	CHECK_EQ(snndev_queue_peek(q, &e), 0);
	CHECK_EQ(snndev_queue_pull(q, out, 40), 0);
	/* the device writes 5 events, then TAIL */
	for (i = 0; i < 8; i++)
		mock_ring(1, 3)[i] = htole64(snndev_event((uint32_t)i, 0,
							  (unsigned int)(100 + i)));
	mock_set_dev_index(1, 3, 5);
	CHECK_EQ(snndev_queue_pending(q), 5);
	CHECK_EQ(snndev_queue_peek(q, &e), 5);
	CHECK_EQ(snndev_event_index(le64toh(e[4])), 104);
	CHECK_ERR(snndev_queue_release(q, 6), -EINVAL,
		  "snndev_queue_release: output queue 3: 6 events released, but only 5 are ready");
	CHECK_EQ(snndev_queue_release(q, 2), 0);
	CHECK_EQ(mock_doorbell_page(1, 3), 2);
	CHECK_EQ(snndev_queue_pending(q), 3);
	/* the device adds positions 5..9 (ring 5, 6, 7, 0, 1): TAIL 10, full */
	mock_ring(1, 3)[0] = htole64(snndev_event(8, 0, 108));
	mock_ring(1, 3)[1] = htole64(snndev_event(9, 0, 109));
	mock_set_dev_index(1, 3, 10);
	CHECK_EQ(snndev_queue_pending(q), 8);
	CHECK_EQ(snndev_queue_peek(q, &e), 6);	/* to the ring's end */
	CHECK(e == mock_ring(1, 3) + 2);
	CHECK_EQ(snndev_queue_pull(q, out, 40), 8);
	for (i = 0; i < 8; i++)
		CHECK_EQ(snndev_event_index(out[i]), 102 + i);
	CHECK_EQ(snndev_event_timestep(out[7]), 9);
	CHECK_EQ(mock_doorbell_page(1, 3), 10);
	CHECK_EQ(snndev_queue_pending(q), 0);
	CHECK_ERR(snndev_queue_flush(q), -EINVAL,
		  "snndev_queue_flush: output queue 3: flush is for input queues");
	CHECK_ERR(snndev_queue_push(q, out, 1), -EINVAL,
		  "snndev_queue_push: output queue 3: push is for input queues");
	/* a device index that makes no sense never yields more than entries */
	mock_set_dev_index(1, 3, 10 + 1000);
	CHECK_EQ(snndev_queue_pending(q), 8);
	snndev_unit_close(u);		/* destroys the queue */
	CHECK(mock.q[1][3].map == NULL);
}

static void test_queue_errors(void)
{
	struct snndev_unit *u, *r;
	struct snndev_queue *q = (void *)1, *q2;

	mock_reset();
	r = open_as("snn0.4", SNN_NODE_ROUTER, 4);
	CHECK_ERR(snndev_queue_create(r, SNNDEV_IN, 0, 4, &q), -EINVAL,
		  fmt("snndev_queue_create: %s is not a cluster", node("snn0.4")));
	CHECK(q == NULL);
	snndev_unit_close(r);
	u = open_as("snn0.1", SNN_NODE_CLUSTER, 1);
	CHECK_ERR(snndev_queue_create(u, SNNDEV_IN, 4, 4, &q), -EINVAL,
		  "snndev_queue_create: input queue 4: the cluster has 4 input queues (0..3)");
	CHECK_ERR(snndev_queue_create(u, SNNDEV_OUT, 0, 17, &q), -EINVAL,
		  "snndev_queue_create: depth_log2 is 17, must be 1..16");
	CHECK_ERR(snndev_queue_create(u, SNNDEV_OUT, 0, 0, &q), -EINVAL,
		  "snndev_queue_create: depth_log2 is 0, must be 1..16");
	CHECK_ERR(snndev_queue_create(u, 2, 0, 1, &q), -EINVAL,
		  "snndev_queue_create: dir is 2, must be SNNDEV_IN or SNNDEV_OUT");
	CHECK_EQ(snndev_queue_create(u, SNNDEV_OUT, 0, 1, &q), 0);
	CHECK_ERR(snndev_queue_create(u, SNNDEV_OUT, 0, 1, &q2), -EEXIST,
		  "snndev_queue_create: output queue 0 exists already");
	/* a failed mmap destroys the queue again */
	mock.mmap_errno = ENOMEM;
	CHECK_ERR(snndev_queue_create(u, SNNDEV_IN, 1, 2, &q2), -ENOMEM,
		  fmt("%s: mmap of input queue 1: Cannot allocate memory (ENOMEM)",
		      node("snn0.1")));
	CHECK_EQ(mock.q[0][1].created, 0);
	mock.mmap_errno = 0;
	/* the driver refuses to destroy a queue of a running cluster */
	mock.qdestroy_ret = -EBUSY;
	snndev_queue_destroy(q);
	CHECK_STR(snndev_unit_errmsg(u),
		  fmt("%s: SNN_IOC_QUEUE_DESTROY of output queue 0: the cluster is running or loading (EBUSY); the queue stays created until the unit is closed",
		      node("snn0.1")));
	mock.qdestroy_ret = 0;
	snndev_unit_close(u);

	/* without a doorbell mapping (the driver refuses it): the ioctl */
	mock_reset();
	mock.doorbell_mmap_errno = ENODEV;
	u = open_as("snn0.1", SNN_NODE_CLUSTER, 1);
	CHECK_EQ(snndev_queue_create(u, SNNDEV_IN, 0, 2, &q), 0);
	CHECK_EQ(snndev_queue_push(q, (uint64_t[]){ 1 }, 1), 1);
	CHECK_EQ(mock.q[0][0].doorbell, 1);
	snndev_unit_close(u);

	/* SNNDEV_NO_MAPPED_DOORBELL: the ioctl although the page could map */
	mock_reset();
	setenv("SNNDEV_NO_MAPPED_DOORBELL", "1", 1);
	u = open_as("snn0.1", SNN_NODE_CLUSTER, 1);
	CHECK_EQ(snndev_queue_create(u, SNNDEV_IN, 0, 2, &q), 0);
	CHECK_EQ(snndev_queue_push(q, (uint64_t[]){ 1, 2 }, 2), 2);
	CHECK_EQ(mock.doorbell_maps, 0);
	CHECK_EQ(mock.q[0][0].doorbell, 2);
	snndev_unit_close(u);
	unsetenv("SNNDEV_NO_MAPPED_DOORBELL");
	mock_reset();
}

/* Two threads on two queues of one unit while a third waits. */
struct qthread {
	struct snndev_queue *q;
	long n;
};

static void *push_thread(void *arg)
{
	struct qthread *t = arg;
	uint64_t e = 0;
	int i;

	for (i = 0; i < 1000; i++)
		t->n += snndev_queue_push(t->q, &e, 1);
	return NULL;
}

static void test_queue_threads(void)
{
	struct snndev_unit *u = open_as("snn0.1", SNN_NODE_CLUSTER, 1);
	struct qthread t[2];
	pthread_t th[2];
	int i;

	for (i = 0; i < 2; i++) {
		t[i].n = 0;
		CHECK_EQ(snndev_queue_create(u, SNNDEV_IN, (unsigned int)i, 10,
					     &t[i].q), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, push_thread, &t[i]);
	for (i = 0; i < 100; i++)
		snndev_unit_wait(u, 0, 0, NULL);
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(t[i].n, 1000);
		CHECK_EQ(mock_doorbell_page(0, (unsigned int)i), 1000);
	}
	snndev_unit_close(u);
	mock_reset();
}

/* ---- Routes ------------------------------------------------------------------------------ */

static void test_routes(void)
{
	struct snndev_unit *rt, *c0, *c1, *c2, *o;

	mock_reset();
	rt = open_as("snn0.4", SNN_NODE_ROUTER, 4);
	c0 = open_as("snn0.0", SNN_NODE_CLUSTER, 0);
	c1 = open_as("snn0.1", SNN_NODE_CLUSTER, 1);
	c2 = open_as("snn0.2", SNN_NODE_CLUSTER, 2);
	mock_node(SNN_NODE_CLUSTER, 0);
	strcpy(mock.info.bus_id, "0000:02:00.0");
	mock.info.board = 1;
	CHECK_EQ(snndev_unit_open(node("snn1.0"), &o), 0);
	if (!rt || !c0 || !c1 || !c2 || !o)
		return;

	CHECK_EQ(snndev_route_add(rt, c0, 7, 1023, c1, 0, 4095), 0);
	CHECK_EQ(mock.route_cmd, SNN_IOC_ROUTE_ADD);
	CHECK_EQ(mock.route_in.src_fd, snndev_unit_fd(c0));
	CHECK_EQ(mock.route_in.dst_fd, snndev_unit_fd(c1));
	CHECK_EQ(mock.route_in.src_core, 7);
	CHECK_EQ(mock.route_in.src_neuron, 1023);
	CHECK_EQ(mock.route_in.dst_core, 0);
	CHECK_EQ(mock.route_in.dst_axon, 4095);
	CHECK_EQ(mock.route_in.flags | mock.route_in.reserved, 0);
	CHECK_EQ(snndev_route_del(rt, c0, 7, 1023, c1, 0, 4095), 0);
	CHECK_EQ(mock.route_cmd, SNN_IOC_ROUTE_DEL);
	CHECK_EQ(snndev_route_add(rt, c1, 0, 0, c1, 0, 0), 0);	/* same cluster */

	CHECK_ERR(snndev_route_add(rt, c0, 0, 0, c2, 0, 0), -EXDEV,
		  fmt("snndev_route_add: routing unit %s does not connect cluster 2 (%s); it connects clusters 0 1 (EXDEV)",
		      node("snn0.4"), node("snn0.2")));
	CHECK_ERR(snndev_route_add(rt, c0, 8, 0, c1, 0, 0), -EINVAL,
		  "snndev_route_add: src_core is 8, must be < 8 (cores per cluster)");
	CHECK_ERR(snndev_route_add(rt, c0, 0, 1024, c1, 0, 0), -EINVAL,
		  "snndev_route_add: src_neuron is 1024, must be < 1024 (neurons per core)");
	CHECK_ERR(snndev_route_add(rt, c0, 0, 0, c1, 9, 0), -EINVAL,
		  "snndev_route_add: dst_core is 9, must be < 8 (cores per cluster)");
	CHECK_ERR(snndev_route_add(rt, c0, 0, 0, c1, 0, 4096), -EINVAL,
		  "snndev_route_add: dst_axon is 4096, must be < 4096 (axons per core)");
	CHECK_ERR(snndev_route_add(c0, c0, 0, 0, c1, 0, 0), -EINVAL,
		  fmt("snndev_route_add: %s: a cluster, not a routing unit",
		      node("snn0.0")));
	CHECK_ERR(snndev_route_add(rt, rt, 0, 0, c1, 0, 0), -EINVAL,
		  fmt("snndev_route_add: the source and destination must be clusters (%s is a routing unit, %s is a cluster)",
		      node("snn0.4"), node("snn0.1")));
	CHECK_ERR(snndev_route_add(rt, o, 0, 0, c1, 0, 0), -EINVAL,
		  fmt("snndev_route_add: %s and %s must be clusters of the board of %s (board 0)",
		      node("snn1.0"), node("snn0.1"), node("snn0.4")));
	mock.route_ret = -ENOSPC;
	CHECK_ERR(snndev_route_add(rt, c0, 0, 0, c1, 0, 0), -ENOSPC,
		  fmt("snndev_route_add: the route table of %s is full (16384 entries) (ENOSPC)",
		      node("snn0.4")));
	mock.route_ret = -EEXIST;
	CHECK_ERR(snndev_route_add(rt, c0, 1, 2, c1, 3, 4), -EEXIST,
		  fmt("snndev_route_add: %s: the route %s core 1 neuron 2 -> %s core 3 axon 4 exists (EEXIST)",
		      node("snn0.4"), node("snn0.0"), node("snn0.1")));
	mock.route_ret = -ENOENT;
	CHECK_ERR(snndev_route_del(rt, c0, 1, 2, c1, 3, 4), -ENOENT,
		  fmt("snndev_route_del: %s: no route %s core 1 neuron 2 -> %s core 3 axon 4 (ENOENT)",
		      node("snn0.4"), node("snn0.0"), node("snn0.1")));
	mock.route_ret = 0;
	CHECK_STR(snndev_unit_errmsg(rt), snndev_errmsg());
	snndev_unit_close(o);
	snndev_unit_close(c2);
	snndev_unit_close(c1);
	snndev_unit_close(c0);
	snndev_unit_close(rt);
}

/* ---- Enumeration (fake sysfs) ------------------------------------------------------------ */

static void mkattrs(const char *name, const char *devname, const char *attrs)
{
	char dir[512], path[600], line[256];
	const char *p = attrs, *nl;

	snprintf(dir, sizeof(dir), "%s/sys/class/snn/%s", tmp, name);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/counters", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/uevent", dir);
	snprintf(line, sizeof(line), "MAJOR=240\nMINOR=1\nDEVNAME=%s\n",
		 devname);
	put(path, line);
	/* "name=value;name=value" */
	while (*p) {
		const char *eq = strchr(p, '=');

		nl = strchr(p, ';');
		if (!nl)
			nl = p + strlen(p);
		snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(eq - p), p);
		snprintf(line, sizeof(line), "%.*s\n", (int)(nl - eq - 1),
			 eq + 1);
		put(path, line);
		p = *nl ? nl + 1 : nl;
	}
}

static void make_sysfs(void)
{
	static const char *const cnt[] = {
		"timesteps", "in_events", "spikes", "out_events", "syn_ops",
		"neuron_updates", "stalls", "drops", "late_events",
		"routed_out", "routed_in", "ain_saturations",
	};
	char path[512], attrs[1024], name[32];
	unsigned int y, i;

	snprintf(path, sizeof(path), "%s/sys", tmp);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/class", tmp);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/class/snn", tmp);
	mkdir(path, 0755);
	mkattrs("snn0", "snn0",
		"type=board;board=0;bus_id=0000:01:00.0;board_id=1;revision=3;transport=pci;clusters=4;routers=2;health=ok;rated_events_per_sec=200000000;rated_spikes_per_sec=80000000");
	for (y = 0; y < 4; y++) {
		snprintf(name, sizeof(name), "snn0.%u", y);
		snprintf(attrs, sizeof(attrs),
			 "type=cluster;board=0;unit=%u;bus_id=0000:01:00.0;cluster=%u;cores=8;neurons_per_core=1024;axons_per_core=4096;synapses_per_core=65536;neurons=8192;synapse_capacity=524288;in_queues=4;out_queues=4;max_queue_depth=65536;rated_events_per_sec=50000000;rated_spikes_per_sec=20000000;health=ok;state=idle;busy=0",
			 y, y);
		mkattrs(name, name, attrs);
		for (i = 0; i < 12; i++) {
			snprintf(path, sizeof(path),
				 "%s/sys/class/snn/%s/counters/%s", tmp, name,
				 cnt[i]);
			snprintf(attrs, sizeof(attrs), "%u\n", y * 1000 + i);
			put(path, attrs);
		}
	}
	mkattrs("snn0.5", "snn0.5",
		"type=router;board=0;unit=5;bus_id=0000:01:00.0;router=1;connects=2 3;route_capacity=16384;route_delay=1;routes=0;health=ok;busy=1");
	mkattrs("snn0.4", "snn0.4",
		"type=router;board=0;unit=4;bus_id=0000:01:00.0;router=0;connects=0 1;route_capacity=16384;route_delay=1;routes=0;health=ok;busy=0");
	mkattrs("snn1", "null",
		"type=board;board=1;bus_id=0000:02:00.0;board_id=7;revision=1;transport=usb;clusters=1;routers=0;health=degraded;rated_events_per_sec=1000;rated_spikes_per_sec=500");
	mkattrs("snn1.0", "null",
		"type=cluster;board=1;unit=0;bus_id=0000:02:00.0;cluster=0;cores=2;neurons_per_core=16;axons_per_core=16;synapses_per_core=64;in_queues=1;out_queues=2;max_queue_depth=1024;rated_events_per_sec=1000;rated_spikes_per_sec=500;health=ok;state=running;busy=0");
	/* not nodes: an unknown type, a directory without attributes */
	mkattrs("snnX", "snnX", "type=gizmo;board=0");
	snprintf(path, sizeof(path), "%s/sys/class/snn/broken", tmp);
	mkdir(path, 0755);
}

static void test_enum(void)
{
	static const char *const order[] = {
		"snn0", "snn0.0", "snn0.1", "snn0.2", "snn0.3", "snn0.4",
		"snn0.5", "snn1", "snn1.0",
	};
	const struct snndev_node *n;
	struct snndev_enum *e;
	char path[300];
	uint64_t v;
	size_t i;

	snprintf(path, sizeof(path), "%s/sys", tmp);
	setenv("SNNDEV_SYSFS_ROOT", path, 1);
	CHECK_EQ(snndev_enum_new(&e), 0);
	if (!e)
		return;
	CHECK_EQ(snndev_enum_count(e), 9);
	for (i = 0; i < snndev_enum_count(e) && i < 9; i++) {
		char dev[64], sys[300];

		n = snndev_enum_node(e, i);
		snprintf(dev, sizeof(dev), "/dev/%s",
			 i >= 7 ? "null" : order[i]);
		snprintf(sys, sizeof(sys), "%s/sys/class/snn/%s", tmp,
			 order[i]);
		CHECK_STR(snndev_node_devnode(n), dev);
		CHECK_STR(snndev_node_syspath(n), sys);
	}
	CHECK(snndev_enum_node(e, 9) == NULL);
	CHECK_STR(snndev_errmsg(), "snndev_enum_node: no node 9 (the enumeration has 9)");

	n = snndev_enum_node(e, 0);
	CHECK_EQ(snndev_node_type(n), SNNDEV_NODE_BOARD);
	CHECK_EQ(snndev_node_board(n), 0);
	CHECK_EQ(snndev_node_unit(n), -1);
	CHECK_STR(snndev_node_bus_id(n), "0000:01:00.0");
	CHECK_EQ(snndev_node_prop(n, SNNDEV_PROP_REVISION, &v), 0);
	CHECK_EQ(v, 3);
	CHECK_EQ(snndev_node_prop(n, SNNDEV_PROP_RATED_EVENTS_PER_SEC, &v), 0);
	CHECK_EQ(v, 200000000);
	CHECK_EQ(snndev_node_prop(n, SNNDEV_PROP_CORES, &v), 0);	/* from cluster 0 */
	CHECK_EQ(v, 8);
	CHECK_EQ(snndev_node_prop(n, SNNDEV_PROP_TRANSPORT, &v), 0);
	CHECK_EQ(v, SNNDEV_TRANSPORT_PCI);
	CHECK_ERR(snndev_node_prop(n, SNNDEV_PROP_UNIT, &v), -ENOENT,
		  "/dev/snn0: a board has no property 'unit'");

	n = snndev_enum_find(e, 0, 2);
	CHECK(n == snndev_enum_node(e, 3));
	CHECK_EQ(snndev_node_type(n), SNNDEV_NODE_CLUSTER);
	CHECK_EQ(snndev_node_unit(n), 2);
	CHECK_EQ(snndev_node_prop(n, SNNDEV_PROP_CLUSTERS, &v), 0);	/* from the board */
	CHECK_EQ(v, 4);
	CHECK_EQ(snndev_node_prop(n, SNNDEV_PROP_SYNAPSES_PER_CORE, &v), 0);
	CHECK_EQ(v, 65536);
	CHECK_EQ(snndev_node_prop(n, SNNDEV_PROP_RATED_SPIKES_PER_SEC, &v), 0);
	CHECK_EQ(v, 20000000);
	CHECK_ERR(snndev_node_prop(n, SNNDEV_PROP_ROUTE_DELAY, &v), -ENOENT,
		  "/dev/snn0.2: a cluster has no property 'route_delay'");

	n = snndev_enum_find(e, 0, 5);
	CHECK_EQ(snndev_node_type(n), SNNDEV_NODE_ROUTER);
	CHECK_EQ(snndev_node_prop(n, SNNDEV_PROP_CONNECTS, &v), 0);
	CHECK_EQ(v, 0xc);
	CHECK_EQ(snndev_node_prop(n, SNNDEV_PROP_ROUTE_CAPACITY, &v), 0);
	CHECK_EQ(v, 16384);
	CHECK_EQ(snndev_node_prop(n, SNNDEV_PROP_BOARD_ID, &v), 0);
	CHECK_EQ(v, 1);

	n = snndev_enum_find_bus(e, "0000:02:00.0", -1);
	CHECK(n == snndev_enum_node(e, 7));
	CHECK_EQ(snndev_node_prop(n, SNNDEV_PROP_TRANSPORT, &v), 0);
	CHECK_EQ(v, SNNDEV_TRANSPORT_USB);
	CHECK_EQ(snndev_node_prop(n, SNNDEV_PROP_OUT_QUEUES, &v), 0);
	CHECK_EQ(v, 2);
	CHECK(snndev_enum_find_bus(e, "0000:02:00.0", 0) ==
	      snndev_enum_node(e, 8));

	CHECK(snndev_enum_find(e, 7, 0) == NULL);
	CHECK_STR(snndev_errmsg(), "no snn board 7");
	CHECK(snndev_enum_find(e, 0, 9) == NULL);
	CHECK_STR(snndev_errmsg(),
		  "board 0 (0000:01:00.0) has no unit 9: it has 4 clusters and 2 routing units");
	CHECK(snndev_enum_find_bus(e, "0000:99:00.0", 0) == NULL);
	CHECK_STR(snndev_errmsg(), "no snn board at 0000:99:00.0");
	snndev_enum_free(e);

	/* no class directory: no boards, no error */
	setenv("SNNDEV_SYSFS_ROOT", tmp, 1);
	CHECK_EQ(snndev_enum_new(&e), 0);
	CHECK_EQ(snndev_enum_count(e), 0);
	snndev_enum_free(e);
	unsetenv("SNNDEV_SYSFS_ROOT");
	/* the real system (udev, or /sys in the static build) */
	CHECK_EQ(snndev_enum_new(&e), 0);
	printf("# this host has %zu snn nodes\n", snndev_enum_count(e));
	snndev_enum_free(e);
}

static void test_enum_live(void)
{
	const struct snndev_node *n, *r, *b;
	struct snndev_enum *e;
	char path[400], buf[32];
	uint64_t v[16];

	snprintf(path, sizeof(path), "%s/sys", tmp);
	setenv("SNNDEV_SYSFS_ROOT", path, 1);
	CHECK_EQ(snndev_enum_new(&e), 0);
	unsetenv("SNNDEV_SYSFS_ROOT");
	if (!e)
		return;
	n = snndev_enum_find(e, 0, 1);
	r = snndev_enum_find(e, 0, 5);
	b = snndev_enum_find(e, 1, -1);
	CHECK_EQ(snndev_node_health(n, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "ok");
	CHECK_EQ(snndev_node_health(b, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "degraded");
	CHECK_EQ(snndev_node_state(n, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "idle");
	snprintf(path, sizeof(path), "%s/sys/class/snn/snn0.1/state", tmp);
	put(path, "running\n");
	CHECK_EQ(snndev_node_state(n, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "running");
	CHECK_ERR(snndev_node_state(n, buf, 5), -ERANGE,
		  "/dev/snn0.1: state \"running\" does not fit 5 bytes");
	CHECK_ERR(snndev_node_state(r, buf, sizeof(buf)), -ENOENT,
		  "/dev/snn0.5: a routing unit has no state (clusters only)");
	CHECK_EQ(snndev_node_busy(n), 0);
	CHECK_EQ(snndev_node_busy(r), 1);
	CHECK_ERR(snndev_node_busy(b), -ENOENT,
		  "/dev/null: a board node is never busy (units only)");
	CHECK_EQ(snndev_node_counters(n, v, 16), 12);
	CHECK_EQ(v[0], 1000);
	CHECK_EQ(v[11], 1011);
	snprintf(path, sizeof(path), "%s/sys/class/snn/snn0.1/counters/spikes",
		 tmp);
	put(path, "18446744073709551615\n");
	CHECK_EQ(snndev_node_counters(n, v, 3), 3);
	CHECK_EQ(v[2], UINT64_MAX);
	put(path, "12x\n");
	CHECK_ERR(snndev_node_counters(n, v, 3), -EINVAL,
		  "/dev/snn0.1: counters/spikes is \"12x\", not a number");
	CHECK_ERR(snndev_node_counters(r, v, 3), -ENOENT,
		  "/dev/snn0.5: a routing unit has no counters (clusters only)");
	/* the board goes away */
	snprintf(path, sizeof(path), "rm -rf '%s/sys/class/snn/snn0.1'", tmp);
	CHECK_EQ(system(path), 0);
	CHECK_ERR(snndev_node_health(n, buf, sizeof(buf)), -ENODEV,
		  "/dev/snn0.1: the board is gone");
	CHECK_ERR(snndev_node_counters(n, v, 3), -ENODEV,
		  "/dev/snn0.1: the board is gone");
	snndev_enum_free(e);
}

static void test_open_index(void)
{
	struct snndev_unit *u = NULL;
	char path[300];

	snprintf(path, sizeof(path), "%s/sys", tmp);
	setenv("SNNDEV_SYSFS_ROOT", path, 1);
	mock_node(SNN_NODE_CLUSTER, 0);
	/* board 1's nodes are /dev/null: the mock */
	CHECK_EQ(snndev_unit_open_index(1, 0, &u), 0);
	CHECK(u && !strcmp(snndev_unit_devnode(u), "/dev/null"));
	snndev_unit_close(u);
	CHECK_EQ(snndev_unit_open_bus("0000:02:00.0", -1, &u), 0);
	snndev_unit_close(u);
	CHECK_ERR(snndev_unit_open_index(5, 0, &u), -ENODEV, "no snn board 5");
	CHECK(u == NULL);
	CHECK_ERR(snndev_unit_open_bus("0000:02:00.0", 3, &u), -ENODEV,
		  "board 1 (0000:02:00.0) has no unit 3: it has 1 clusters and 0 routing units");
	unsetenv("SNNDEV_SYSFS_ROOT");
}

int main(void)
{
	static const char *const nodes[] = {
		"snn0", "snn0.0", "snn0.1", "snn0.2", "snn0.4", "snn1.0",
	};
	char cmd[200];
	unsigned int i;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	strcpy(tmp, "/tmp/test-libsnndev-dev-XXXXXX");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 2;
	}
	for (i = 0; i < SNNDEV_ARRAY_SIZE(nodes); i++)
		if (symlink("/dev/null", node(nodes[i]))) {
			perror("symlink");
			return 2;
		}
	put(node("file"), "not a device\n");
	make_sysfs();
	mock_reset();

	printf("TAP version 13\n");
#ifdef TEST_STATIC
	printf("# libsnndev.a (no libudev)\n");
#endif
	RUN(test_names);
	RUN(test_errmsg_threads);
	RUN(test_ioctl_retry);
	RUN(test_open_errors);
	RUN(test_unit_props);
	RUN(test_load);
	RUN(test_load_msg);
	RUN(test_run_wait);
	RUN(test_eventfd_counters_config);
	RUN(test_queue_in_mapped);
	RUN(test_queue_in_ioctl);
	RUN(test_queue_out);
	RUN(test_queue_errors);
	RUN(test_queue_threads);
	RUN(test_routes);
	RUN(test_enum);
	RUN(test_enum_live);
	RUN(test_open_index);
	ret = tap_done();
	mock_reset();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd))
		ret = 1;
	return ret;
}
