// SPDX-License-Identifier: GPL-2.0
/*
 * snn.ko: every ioctl of uapi/linux/snn.h, its success path and each way it
 * must fail: struct sizes (short -EINVAL; longer with a zero tail accepted,
 * with a nonzero tail -E2BIG), reserved fields and unknown flags, the node
 * types an ioctl belongs to (-ENOTTY), SNN_IOC_LOAD's -EINVAL/-ENOSPC/-EFAULT
 * with err_section/err_index/err_field/err_limit, queue ids and depths,
 * routes' file descriptors.
 *
 * Board: --board BUS, else the first board with two clusters and routing
 * units (the default board of scripts/check-vm.sh).
 */
#include "snn_test_lib.h"
#include <sys/eventfd.h>

#include "kselftest_harness.h"

FIXTURE(ioc) {
	struct snnt_board b, other;
	int have_other;
	int board;		/* /dev/snnX, O_RDWR */
	int cl0, cl1;		/* clusters 0 and 1 */
	int rt;			/* router 0 */
	struct snnt_net net;	/* a small valid network */
};

FIXTURE_SETUP(ioc)
{
	ASSERT_EQ(0, snnt_pick_board(&self->b, 2, SNN_CAP_ROUTERS))
		TH_LOG("no board with 2 clusters and routing units");
	self->have_other = !snnt_other_board(&self->b, &self->other);
	self->board = snnt_open(self->b.index, -1, O_RDWR);
	ASSERT_LE(0, self->board);
	self->cl0 = snnt_open(self->b.index, 0, O_RDWR);
	ASSERT_LE(0, self->cl0) TH_LOG("open cluster 0: %s",
				       snnt_errname(self->cl0));
	self->cl1 = snnt_open(self->b.index, 1, O_RDWR);
	ASSERT_LE(0, self->cl1);
	self->rt = snnt_open(self->b.index, snnt_router_unit(&self->b, 0),
			     O_RDWR);
	ASSERT_LE(0, self->rt);
	snnt_relay_net(&self->net, 8, 1, 0);
}

FIXTURE_TEARDOWN(ioc)
{
	snnt_net_free(&self->net);
	close(self->rt);
	close(self->cl1);
	close(self->cl0);
	close(self->board);
}

/* ---- SNN_IOC_INFO ---------------------------------------------------------- */

static void check_info_common(struct __test_metadata *_metadata,
			      const struct snnt_board *b,
			      const struct snn_info *i)
{
	unsigned int k;

	EXPECT_EQ(SNN_ABI_MAJOR, i->abi_major);
	EXPECT_EQ(SNN_ABI_MINOR, i->abi_minor);
	EXPECT_EQ(b->index, i->board);
	/* every node says its board's transport; USB has no doorbell page */
	EXPECT_EQ(b->info.transport, i->transport);
	EXPECT_TRUE(i->transport == SNN_TRANSPORT_PCI ||
		    i->transport == SNN_TRANSPORT_USB);
	if (snnt_opt.transport)
		EXPECT_STREQ(snnt_opt.transport, snnt_transport_name(i));
	EXPECT_EQ(i->transport == SNN_TRANSPORT_PCI,
		  !!(i->caps & SNN_CAP_MAPPED_DOORBELL));
	EXPECT_EQ(b->info.clusters, i->clusters);
	EXPECT_EQ(b->info.routers, i->routers);
	EXPECT_EQ(b->info.board_id, i->board_id);
	EXPECT_NE(0, i->cores);
	EXPECT_NE(0, i->neurons);
	EXPECT_NE(0, i->in_queues);
	EXPECT_NE(0, i->out_queues);
	EXPECT_LE(1, i->max_queue_log2);
	EXPECT_NE(0, i->driver_version[0]);
	EXPECT_NE(0, i->bus_id[0]);
	for (k = 0; k < 4; k++)
		EXPECT_EQ(0, i->reserved[k]);
	EXPECT_EQ(!!(i->caps & SNN_CAP_ROUTERS), i->routers > 0);
	EXPECT_EQ(0, i->caps & ~(SNN_CAP_MAPPED_DOORBELL | SNN_CAP_ROUTERS |
				 SNN_CAP_OUT_DROP | SNN_CAP_EVENTFD |
				 SNN_CAP_FAULT_INJECT | SNN_CAP_LOAD_SG));
}

TEST_F(ioc, info_board_cluster_router)
{
	struct snn_info i;
	char buf[128], link[256];
	ssize_t n;
	unsigned int r, all = 0;

	memset(&i, 0xa5, sizeof(i));
	ASSERT_EQ(0, snnt_ioctl(self->board, SNN_IOC_INFO, &i));
	check_info_common(_metadata, &self->b, &i);
	EXPECT_EQ(SNN_NODE_BOARD, i.node_type);
	EXPECT_EQ(0xffffffff, i.unit);
	EXPECT_EQ(0, i.unit_clusters);
	/* sysfs agrees */
	EXPECT_EQ(i.clusters, snnt_sysfs_num(self->b.index, -1, "clusters"));
	EXPECT_EQ(i.routers, snnt_sysfs_num(self->b.index, -1, "routers"));
	EXPECT_EQ(i.board_id, snnt_sysfs_num(self->b.index, -1, "board_id"));
	EXPECT_EQ((unsigned long long)i.rated_eps * i.clusters,
		  snnt_sysfs_num(self->b.index, -1, "rated_events_per_sec"));
	ASSERT_EQ(0, snnt_sysfs(self->b.index, -1, "type", buf, sizeof(buf)));
	EXPECT_STREQ("board", buf);
	snprintf(buf, sizeof(buf), "/sys/class/snn/snn%d/device",
		 self->b.index);
	n = readlink(buf, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = 0;
	EXPECT_STREQ(i.bus_id, strrchr(link, '/') + 1);

	memset(&i, 0xa5, sizeof(i));
	ASSERT_EQ(0, snnt_ioctl(self->cl1, SNN_IOC_INFO, &i));
	check_info_common(_metadata, &self->b, &i);
	EXPECT_EQ(SNN_NODE_CLUSTER, i.node_type);
	EXPECT_EQ(1, i.unit);
	EXPECT_EQ(1u << 1, i.unit_clusters);
	EXPECT_EQ(i.cores, snnt_sysfs_num(self->b.index, 1, "cores"));
	EXPECT_EQ(i.neurons,
		  snnt_sysfs_num(self->b.index, 1, "neurons_per_core"));
	EXPECT_EQ(i.axons, snnt_sysfs_num(self->b.index, 1, "axons_per_core"));
	EXPECT_EQ(i.in_queues, snnt_sysfs_num(self->b.index, 1, "in_queues"));
	EXPECT_EQ(i.out_queues,
		  snnt_sysfs_num(self->b.index, 1, "out_queues"));
	EXPECT_EQ(1ull << i.max_queue_log2,
		  snnt_sysfs_num(self->b.index, 1, "max_queue_depth"));
	EXPECT_EQ(1, snnt_sysfs_num(self->b.index, 1, "busy"));

	for (r = 0; r < self->b.info.routers; r++) {
		int fd = r ? snnt_open(self->b.index,
				       snnt_router_unit(&self->b, r), O_RDWR) :
			     self->rt;

		ASSERT_LE(0, fd);
		memset(&i, 0xa5, sizeof(i));
		ASSERT_EQ(0, snnt_ioctl(fd, SNN_IOC_INFO, &i));
		check_info_common(_metadata, &self->b, &i);
		EXPECT_EQ(SNN_NODE_ROUTER, i.node_type);
		EXPECT_EQ(self->b.info.clusters + r, i.unit);
		EXPECT_NE(0, i.unit_clusters);
		EXPECT_EQ(0, i.unit_clusters & ~((1u << i.clusters) - 1));
		all |= i.unit_clusters;
		if (r)
			close(fd);
	}
	EXPECT_NE(0, all);
}

/* ---- struct sizes ------------------------------------------------------------ */

/*
 * One ioctl to call with a valid argument: @prep (optional) sets up the
 * node and fills @arg, @undo (optional) undoes what the call did.
 */
struct ioc_case {
	const char *name;
	unsigned long cmd;
	int node;		/* 0 board, 1 cluster 0, 2 router 0 */
	void (*prep)(FIXTURE_DATA(ioc) *self, void *arg);
	void (*undo)(FIXTURE_DATA(ioc) *self);
};

static void prep_load(FIXTURE_DATA(ioc) *self, void *arg)
{
	snnt_load_req(&self->net, arg);
}

static void prep_qc(FIXTURE_DATA(ioc) *self, void *arg)
{
	struct snn_queue_create *qc = arg;

	qc->dir = SNN_QUEUE_IN;
	qc->index = 0;
	qc->depth_log2 = 4;
}

static void undo_qc(FIXTURE_DATA(ioc) *self)
{
	struct snn_queue_id id = { SNN_QUEUE_IN, 0 };

	ioctl(self->cl0, SNN_IOC_QUEUE_DESTROY, &id);
}

static void prep_qd(FIXTURE_DATA(ioc) *self, void *arg)
{
	struct snn_queue_create qc = { .dir = SNN_QUEUE_IN, .depth_log2 = 4 };
	struct snn_queue_id *id = arg;

	ioctl(self->cl0, SNN_IOC_QUEUE_CREATE, &qc);
	id->dir = SNN_QUEUE_IN;
	id->index = 0;
}

static void prep_db(FIXTURE_DATA(ioc) *self, void *arg)
{
	struct snn_doorbell *d = arg;

	prep_qd(self, arg);
	d->dir = SNN_QUEUE_IN;
	d->index = 0;
	d->value = 0;
}

static void prep_run(FIXTURE_DATA(ioc) *self, void *arg)
{
	struct snn_run *r = arg;

	snnt_load(self->cl0, &self->net);
	r->steps = 1;
}

static void undo_run(FIXTURE_DATA(ioc) *self)
{
	snnt_wait(self->cl0, 10 * SNNT_NS, 0, NULL);
}

static void prep_wait(FIXTURE_DATA(ioc) *self, void *arg)
{
	struct snn_wait *w = arg;

	w->timeout_ns = 0;	/* idle: returns 0 at once */
}

static void prep_reset(FIXTURE_DATA(ioc) *self, void *arg)
{
	struct snn_reset *r = arg;

	r->flags = SNN_RESET_STATE;
}

static void prep_efd(FIXTURE_DATA(ioc) *self, void *arg)
{
	struct snn_eventfd *e = arg;

	e->fd = -1;
	e->events = 0;
}

static void prep_route(FIXTURE_DATA(ioc) *self, void *arg)
{
	struct snn_route *r = arg;

	r->src_fd = self->cl0;
	r->dst_fd = self->cl1;
	r->src_core = 0;
	r->src_neuron = 1;
	r->dst_core = 0;
	r->dst_axon = 2;
}

static void undo_route_add(FIXTURE_DATA(ioc) *self)
{
	struct snn_route r = { 0 };

	prep_route(self, &r);
	ioctl(self->rt, SNN_IOC_ROUTE_DEL, &r);
}

static void prep_route_del(FIXTURE_DATA(ioc) *self, void *arg)
{
	prep_route(self, arg);
	ioctl(self->rt, SNN_IOC_ROUTE_ADD, arg);
}

/* Every ioctl but SNN_IOC_BOARD_RESET (see board_reset_sizes). */
static const struct ioc_case ioc_cases[] = {
	{ "INFO", SNN_IOC_INFO, 1, NULL, NULL },
	{ "LOAD", SNN_IOC_LOAD, 1, prep_load, NULL },
	{ "QUEUE_CREATE", SNN_IOC_QUEUE_CREATE, 1, prep_qc, undo_qc },
	{ "QUEUE_DESTROY", SNN_IOC_QUEUE_DESTROY, 1, prep_qd, NULL },
	{ "DOORBELL", SNN_IOC_DOORBELL, 1, prep_db, undo_qc },
	{ "RUN", SNN_IOC_RUN, 1, prep_run, undo_run },
	{ "WAIT", SNN_IOC_WAIT, 1, prep_wait, NULL },
	{ "COUNTERS", SNN_IOC_COUNTERS, 1, NULL, NULL },
	{ "RESET", SNN_IOC_RESET, 1, prep_reset, NULL },
	{ "CONFIG", SNN_IOC_CONFIG, 1, NULL, NULL },
	{ "EVENTFD", SNN_IOC_EVENTFD, 1, prep_efd, NULL },
	{ "ROUTE_ADD", SNN_IOC_ROUTE_ADD, 2, prep_route, undo_route_add },
	{ "ROUTE_DEL", SNN_IOC_ROUTE_DEL, 2, prep_route_del, NULL },
};

static int ioc_fd(FIXTURE_DATA(ioc) *self, int node)
{
	return node == 0 ? self->board : node == 1 ? self->cl0 : self->rt;
}

#define TAIL	64

/* Call @c with a struct of @size bytes (>= its own), tail filled with @fill. */
static int ioc_call(FIXTURE_DATA(ioc) *self, const struct ioc_case *c,
		    size_t size, uint8_t fill, uint8_t *buf)
{
	size_t ksize = _IOC_SIZE(c->cmd);
	int ret;

	memset(buf, 0, ksize);
	memset(buf + ksize, fill, size > ksize ? size - ksize : 0);
	if (c->prep)
		c->prep(self, buf);
	ret = snnt_ioctl(ioc_fd(self, c->node), SNNT_IOC_RESIZE(c->cmd, size),
			 buf);
	if (c->undo)
		c->undo(self);
	return ret;
}

TEST_F(ioc, every_ioctl_short_struct_einval)
{
	uint8_t buf[512];
	unsigned int k;

	for (k = 0; k < sizeof(ioc_cases) / sizeof(ioc_cases[0]); k++) {
		const struct ioc_case *c = &ioc_cases[k];
		size_t ksize = _IOC_SIZE(c->cmd);
		size_t sizes[] = { 0, 1, 4, ksize - 1 };
		unsigned int s;

		for (s = 0; s < 4; s++) {
			int ret;

			if (sizes[s] >= ksize)
				continue;
			memset(buf, 0, sizeof(buf));
			if (c->prep)
				c->prep(self, buf);
			ret = snnt_ioctl(ioc_fd(self, c->node),
					 SNNT_IOC_RESIZE(c->cmd, sizes[s]), buf);
			EXPECT_EQ(-EINVAL, ret)
				TH_LOG("%s with %zu of %zu bytes: %s", c->name,
				       sizes[s], ksize, snnt_errname(ret));
			if (c->undo)
				c->undo(self);
		}
	}
}

TEST_F(ioc, every_ioctl_exact_and_longer_zero_tail_ok)
{
	uint8_t buf[4096 + 512];
	unsigned int k;

	for (k = 0; k < sizeof(ioc_cases) / sizeof(ioc_cases[0]); k++) {
		const struct ioc_case *c = &ioc_cases[k];
		size_t ksize = _IOC_SIZE(c->cmd);
		size_t sizes[] = { ksize, ksize + 1, ksize + TAIL, 4096 };
		unsigned int s;

		for (s = 0; s < 4; s++) {
			size_t i;
			int ret = ioc_call(self, c, sizes[s], 0, buf);

			EXPECT_EQ(0, ret)
				TH_LOG("%s with %zu of %zu bytes, zero tail: %s",
				       c->name, sizes[s], ksize,
				       snnt_errname(ret));
			/* what the driver does not know stays zero */
			for (i = ksize; i < sizes[s]; i++)
				if (buf[i])
					break;
			EXPECT_EQ(sizes[s], i)
				TH_LOG("%s: tail byte %zu became %#x", c->name,
				       i, buf[i]);
		}
	}
}

TEST_F(ioc, every_ioctl_longer_nonzero_tail)
{
	uint8_t buf[4096 + 512];
	unsigned int k;

	for (k = 0; k < sizeof(ioc_cases) / sizeof(ioc_cases[0]); k++) {
		const struct ioc_case *c = &ioc_cases[k];
		size_t ksize = _IOC_SIZE(c->cmd);
		size_t sizes[] = { ksize + 1, ksize + TAIL, 4096 };
		unsigned int s;

		for (s = 0; s < 3; s++) {
			size_t i;
			int ret = ioc_call(self, c, sizes[s], 0x5a, buf);

			if (_IOC_DIR(c->cmd) & _IOC_WRITE) {
				/* bytes it does not know must be zero */
				EXPECT_EQ(-E2BIG, ret)
					TH_LOG("%s with %zu bytes, nonzero tail: %s",
					       c->name, sizes[s],
					       snnt_errname(ret));
				continue;
			}
			/* read-only: nothing is read; the tail is cleared */
			EXPECT_EQ(0, ret) TH_LOG("%s: %s", c->name,
						 snnt_errname(ret));
			for (i = ksize; i < sizes[s]; i++)
				if (buf[i])
					break;
			EXPECT_EQ(sizes[s], i)
				TH_LOG("%s: tail byte %zu not cleared", c->name,
				       i);
		}
	}
}

TEST_F(ioc, board_reset_sizes_and_checks)
{
	uint8_t buf[256];
	struct snn_reset r = { 0 };
	int ro;

	/* (the successful board reset is in reset_test) */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->board,
				      SNNT_IOC_RESIZE(SNN_IOC_BOARD_RESET, 4),
				      buf));
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->board,
				      SNNT_IOC_RESIZE(SNN_IOC_BOARD_RESET, 0),
				      buf));
	memset(buf + sizeof(r), 1, 8);
	EXPECT_EQ(-E2BIG, snnt_ioctl(self->board,
				     SNNT_IOC_RESIZE(SNN_IOC_BOARD_RESET,
						     sizeof(r) + 8), buf));
	r.flags = SNN_RESET_STATE;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->board, SNN_IOC_BOARD_RESET, &r));
	r.flags = 0x80000000;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->board, SNN_IOC_BOARD_RESET, &r));
	r.flags = 0;
	r.reserved = 1;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->board, SNN_IOC_BOARD_RESET, &r));
	r.reserved = 0;
	ro = snnt_open(self->b.index, -1, O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EPERM, snnt_ioctl(ro, SNN_IOC_BOARD_RESET, &r));
	close(ro);
	/* nothing happened: the cluster is still ours */
	EXPECT_EQ(0, snnt_wait(self->cl0, 0, 0, NULL));
}

/* ---- unknown commands and node types ------------------------------------------ */

TEST_F(ioc, unknown_commands_enotty)
{
	uint8_t buf[256] = { 0 };
	int fds[3] = { self->board, self->cl0, self->rt };
	unsigned long cmds[] = {
		_IOW(SNN_IOC_MAGIC, 0x0b, struct snn_reset),
		_IOWR(SNN_IOC_MAGIC, 0x0f, struct snn_wait),
		_IOW(SNN_IOC_MAGIC, 0x12, struct snn_route),
		_IOW(SNN_IOC_MAGIC, 0x21, struct snn_reset),
		_IOR(SNN_IOC_MAGIC, 0xff, struct snn_info),
		/* right number, wrong direction */
		_IOW(SNN_IOC_MAGIC, 0x00, struct snn_info),
		_IOR(SNN_IOC_MAGIC, 0x01, struct snn_load),
		_IO(SNN_IOC_MAGIC, 0x05),
		_IOWR(SNN_IOC_MAGIC, 0x08, struct snn_reset),
		/* another magic */
		_IOR(SNN_IOC_MAGIC + 1, 0x00, struct snn_info),
		_IOR('T', 0x00, struct snn_info),
		TCGETS,
	};
	unsigned int f, c;

	for (f = 0; f < 3; f++) {
		for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
			int ret = snnt_ioctl(fds[f], cmds[c], buf);

			EXPECT_EQ(-ENOTTY, ret)
				TH_LOG("node %u cmd %#lx: %s", f, cmds[c],
				       snnt_errname(ret));
		}
	}
}

TEST_F(ioc, wrong_node_type_enotty)
{
	uint8_t buf[256] = { 0 };
	static const unsigned long cluster_only[] = {
		SNN_IOC_LOAD, SNN_IOC_QUEUE_CREATE, SNN_IOC_QUEUE_DESTROY,
		SNN_IOC_DOORBELL, SNN_IOC_RUN, SNN_IOC_WAIT, SNN_IOC_COUNTERS,
		SNN_IOC_RESET, SNN_IOC_CONFIG, SNN_IOC_EVENTFD,
	};
	unsigned int c;
	int ret;

	for (c = 0; c < sizeof(cluster_only) / sizeof(cluster_only[0]); c++) {
		ret = snnt_ioctl(self->rt, cluster_only[c], buf);
		EXPECT_EQ(-ENOTTY, ret) TH_LOG("router: cmd %#lx: %s",
					       cluster_only[c],
					       snnt_errname(ret));
		ret = snnt_ioctl(self->board, cluster_only[c], buf);
		EXPECT_EQ(-ENOTTY, ret) TH_LOG("board: cmd %#lx: %s",
					       cluster_only[c],
					       snnt_errname(ret));
	}
	/* LOAD on a router, with a valid request */
	snnt_load_req(&self->net, (struct snn_load *)buf);
	EXPECT_EQ(-ENOTTY, snnt_ioctl(self->rt, SNN_IOC_LOAD, buf));
	/* routes on clusters and the board, with a valid request */
	memset(buf, 0, sizeof(buf));
	prep_route(self, buf);
	EXPECT_EQ(-ENOTTY, snnt_ioctl(self->cl0, SNN_IOC_ROUTE_ADD, buf));
	EXPECT_EQ(-ENOTTY, snnt_ioctl(self->cl0, SNN_IOC_ROUTE_DEL, buf));
	EXPECT_EQ(-ENOTTY, snnt_ioctl(self->board, SNN_IOC_ROUTE_ADD, buf));
	EXPECT_EQ(-ENOTTY, snnt_ioctl(self->board, SNN_IOC_ROUTE_DEL, buf));
	/* board reset on units */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(-ENOTTY, snnt_ioctl(self->cl0, SNN_IOC_BOARD_RESET, buf));
	EXPECT_EQ(-ENOTTY, snnt_ioctl(self->rt, SNN_IOC_BOARD_RESET, buf));
	/* mmap is for clusters only */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, SNN_DOORBELL_MAP_SIZE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, self->board, 0));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, SNN_DOORBELL_MAP_SIZE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, self->rt, 0));
	EXPECT_EQ(ENODEV, errno);
}

TEST_F(ioc, units_are_exclusive_board_node_is_not)
{
	int fd = snnt_open(self->b.index, 0, O_RDWR);
	int bd = snnt_open(self->b.index, -1, O_RDWR);

	EXPECT_EQ(-EBUSY, fd);
	fd = snnt_open(self->b.index, snnt_router_unit(&self->b, 0), O_RDWR);
	EXPECT_EQ(-EBUSY, fd);
	EXPECT_LE(0, bd);
	close(bd);
	close(self->cl1);
	self->cl1 = snnt_open(self->b.index, 1, O_RDWR);
	EXPECT_LE(0, self->cl1) TH_LOG("reopen after close: %s",
				       snnt_errname(self->cl1));
}

TEST_F(ioc, read_write_lseek_and_readonly_clusters)
{
	char buf[8];
	int ro;
	void *m;
	struct snn_queue_create qc = { .dir = SNN_QUEUE_OUT, .depth_log2 = 3 };
	struct snn_info i;

	/* not seekable, no read() or write() */
	EXPECT_EQ(-1, lseek(self->cl0, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, read(self->cl0, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(self->cl0, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->board, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	/* a read-only cluster file may use the ioctls; writable maps need O_RDWR */
	close(self->cl1);
	ro = snnt_open(self->b.index, 1, O_RDONLY);
	self->cl1 = ro;
	ASSERT_LE(0, ro);
	EXPECT_EQ(0, snnt_ioctl(ro, SNN_IOC_INFO, &i));
	EXPECT_EQ(0, snnt_load(ro, &self->net));
	EXPECT_EQ(0, snnt_ioctl(ro, SNN_IOC_QUEUE_CREATE, &qc));
	m = mmap(NULL, qc.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, ro,
		 qc.mmap_offset);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EACCES, errno);
	/* uapi.md 2, 5: "any protection is allowed" for MAP_SHARED */
	m = mmap(NULL, qc.mmap_size, PROT_READ, MAP_SHARED, ro,
		 qc.mmap_offset);
	EXPECT_NE(MAP_FAILED, m)
		TH_LOG("read-only MAP_SHARED of an output queue of an O_RDONLY file: %s",
		       strerror(errno));
	if (m != MAP_FAILED)
		munmap(m, qc.mmap_size);
	EXPECT_EQ(0, snnt_run(ro, 2));
	EXPECT_EQ(0, snnt_wait(ro, 10 * SNNT_NS, 0, NULL));
}

/* ---- SNN_IOC_LOAD ----------------------------------------------------------------- */

/* A valid 2-core network; entry 2 of each array is the one tests break. */
static void load_base(struct snnt_net *n)
{
	snnt_net_init(n, 2, 16, 16);
	snnt_add_profile(n, 410, 205, 50, 3, 2);
	snnt_add_profile(n, 4095, 4095, 0, 0, 0);
	snnt_add_profile(n, 0, 0, 100, -5, -1);
	snnt_add_neuron(n, 0, 0, 0, SNN_NEURON_OUT, 0, 0);
	snnt_add_neuron(n, 0, 1, 1, 0, 0, 0);
	snnt_add_neuron(n, 1, 2, 2, SNN_NEURON_OUT | SNN_NEURON_BIAS, 1, -7);
	snnt_add_neuron(n, 1, 15, 1, SNN_NEURON_BIAS, 0, 4095);
	snnt_add_synapse(n, 0, 0, 0, 20);
	snnt_add_synapse(n, 0, 1, 1, -128);
	snnt_add_synapse(n, 1, 15, 2, 127);
	snnt_add_synapse(n, 1, 3, 15, 1);
	snnt_add_fanout(n, 0, 0, 1, 3);
	snnt_add_fanout(n, 0, 1, 0, 1);
	snnt_add_fanout(n, 1, 2, 0, 0);
	snnt_add_fanout(n, 1, 15, 1, 15);
}

struct load_err {
	int ret;
	uint32_t section, index, field, limit;
};

static struct load_err do_load(int fd, struct snn_load *l)
{
	struct load_err e;

	/* out fields: garbage in must not matter */
	l->err_section = l->err_index = l->err_field = l->err_limit = 0x77;
	e.ret = snnt_ioctl(fd, SNN_IOC_LOAD, l);
	e.section = l->err_section;
	e.index = l->err_index;
	e.field = l->err_field;
	e.limit = l->err_limit;
	return e;
}

#define EXPECT_LOAD(_e, _ret, _sec, _idx, _field, _limit, _what) do {	\
	struct load_err __x = (_e);					\
	EXPECT_TRUE(__x.ret == (_ret) && __x.section == (_sec) &&	\
		    __x.index == (_idx) && __x.field == (_field) &&	\
		    __x.limit == (uint32_t)(_limit))			\
		TH_LOG("%s: got %s section %u index %u field %u limit %u;" \
		       " want %s section %u index %u field %u limit %u", \
		       _what, snnt_errname(__x.ret), __x.section,	\
		       __x.index, __x.field, __x.limit,			\
		       snnt_errname(_ret), (unsigned int)(_sec),	\
		       (unsigned int)(_idx), (unsigned int)(_field),	\
		       (unsigned int)(_limit));				\
} while (0)

TEST_F(ioc, load_success_clears_err)
{
	struct snnt_net n;
	struct snn_load l;
	struct load_err e;
	struct snn_wait w;

	load_base(&n);
	snnt_load_req(&n, &l);
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, 0, 0, 0, 0, 0, "");
	/* a fresh network: timestep 0, idle, runs */
	ASSERT_EQ(0, snnt_wait(self->cl0, 0, 0, &w));
	EXPECT_EQ(SNN_STATE_IDLE, w.state);
	EXPECT_EQ(0, w.timestep);
	snnt_net_free(&n);
	/* the largest geometry the cluster has */
	snnt_net_init(&n, self->b.info.cores, self->b.info.neurons,
		      self->b.info.axons);
	snnt_add_profile(&n, 0, 0, 0, 0, 0);
	snnt_add_neuron(&n, self->b.info.cores - 1, self->b.info.neurons - 1,
			0, 0, 0, 0);
	snnt_add_synapse(&n, self->b.info.cores - 1, self->b.info.axons - 1,
			 self->b.info.neurons - 1, 1);
	snnt_load_req(&n, &l);
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, 0, 0, 0, 0, 0, "");
	/* and an empty one */
	snnt_net_free(&n);
	snnt_net_init(&n, 1, 1, 1);
	snnt_load_req(&n, &l);
	EXPECT_EQ(0, snnt_ioctl(self->cl0, SNN_IOC_LOAD, &l));
	snnt_net_free(&n);
}

TEST_F(ioc, load_header_flags_reserved)
{
	struct snnt_net n;
	struct snn_load l;
	struct load_err e;

	load_base(&n);
	snnt_load_req(&n, &l);
	l.flags = 1;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -EINVAL, SNN_SEC_HEADER, 0, SNN_FIELD_FLAGS, 0, "");
	l.flags = 0x80000000;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -EINVAL, SNN_SEC_HEADER, 0, SNN_FIELD_FLAGS, 0, "");
	l.flags = 0;
	/* "On -EINVAL ... the err_* fields say which field" */
	l.reserved[0] = 1;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -EINVAL, SNN_SEC_HEADER, 0, SNN_FIELD_RESERVED, 0, "");
	l.reserved[0] = 0;
	l.reserved[1] = 1ull << 63;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -EINVAL, SNN_SEC_HEADER, 0, SNN_FIELD_RESERVED, 0, "");
	snnt_net_free(&n);
}

TEST_F(ioc, load_header_capacity)
{
	const struct snn_info *i = &self->b.info;
	struct snnt_net n;
	struct snn_load l;
	struct load_err e;

	load_base(&n);

	snnt_load_req(&n, &l);
	l.n_cores = 0;
	e = do_load(self->cl0, &l);
	EXPECT_EQ(-EINVAL, e.ret);
	EXPECT_EQ(SNN_SEC_HEADER, e.section);
	EXPECT_EQ(SNN_FIELD_N_CORES, e.field);
	EXPECT_EQ(i->cores, e.limit);

	snnt_load_req(&n, &l);
	l.n_cores = i->cores + 1;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -ENOSPC, SNN_SEC_HEADER, 0, SNN_FIELD_N_CORES, i->cores, "");

	snnt_load_req(&n, &l);
	l.neurons_per_core = i->neurons + 1;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, i->neurons < 65535 ? -ENOSPC : -EINVAL, SNN_SEC_HEADER,
		    0, SNN_FIELD_NEURONS_PER_CORE, i->neurons, "");

	snnt_load_req(&n, &l);
	l.neurons_per_core = 0;
	e = do_load(self->cl0, &l);
	EXPECT_EQ(-EINVAL, e.ret);
	EXPECT_EQ(SNN_FIELD_NEURONS_PER_CORE, e.field);

	snnt_load_req(&n, &l);
	l.axons_per_core = i->axons + 1;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, i->axons < 65535 ? -ENOSPC : -EINVAL, SNN_SEC_HEADER, 0,
		    SNN_FIELD_AXONS_PER_CORE, i->axons, "");

	snnt_load_req(&n, &l);
	l.n_profiles = i->profiles + 1;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -ENOSPC, SNN_SEC_HEADER, 0, SNN_FIELD_N_PROFILES,
		    i->profiles, "");

	snnt_load_req(&n, &l);
	l.n_neurons = 2 * 16 + 1;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -ENOSPC, SNN_SEC_HEADER, 0, SNN_FIELD_N_NEURONS, 32, "");

	snnt_load_req(&n, &l);
	l.n_synapses = 2 * i->synapses + 1;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -ENOSPC, SNN_SEC_HEADER, 0, SNN_FIELD_N_SYNAPSES,
		    2 * i->synapses, "");

	snnt_load_req(&n, &l);
	l.n_fanout = 2 * i->fanout + 1;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -ENOSPC, SNN_SEC_HEADER, 0, SNN_FIELD_N_FANOUT,
		    2 * i->fanout, "");

	/* neurons but no profile for them */
	snnt_load_req(&n, &l);
	l.n_profiles = 0;
	e = do_load(self->cl0, &l);
	EXPECT_EQ(-EINVAL, e.ret);
	EXPECT_EQ(SNN_SEC_HEADER, e.section);
	EXPECT_EQ(SNN_FIELD_N_PROFILES, e.field);
	snnt_net_free(&n);
}

TEST_F_TIMEOUT(ioc, load_per_core_capacity, 120)
{
	const struct snn_info *i = &self->b.info;
	struct snnt_net n;
	struct snn_load l;
	struct load_err e;
	uint32_t k;

	if (i->synapses > (1u << 20) || i->fanout > (1u << 20))
		SKIP(return, "per-core capacity too large to fill");
	/* synapses: all on core 1 of 2; the header count is fine */
	snnt_net_init(&n, 2, 4, 4);
	snnt_add_profile(&n, 0, 0, 0, 0, 0);
	snnt_add_neuron(&n, 0, 0, 0, 0, 0, 0);
	snnt_add_neuron(&n, 1, 0, 0, 0, 0, 0);
	for (k = 0; k <= i->synapses; k++)
		snnt_add_synapse(&n, 1, k % 4, 0, 1);
	snnt_load_req(&n, &l);
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -ENOSPC, SNN_SEC_SYNAPSE, i->synapses, SNN_FIELD_CORE,
		    i->synapses, "");
	/* exactly full is fine */
	l.n_synapses--;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, 0, 0, 0, 0, 0, "");
	snnt_net_free(&n);

	/* fan-out per source core */
	snnt_net_init(&n, 2, 4, 4);
	snnt_add_profile(&n, 0, 0, 0, 0, 0);
	snnt_add_neuron(&n, 0, 0, 0, 0, 0, 0);
	snnt_add_neuron(&n, 1, 1, 0, 0, 0, 0);
	snnt_add_fanout(&n, 0, 0, 1, 0);
	for (k = 0; k <= i->fanout; k++)
		snnt_add_fanout(&n, 1, 1, k & 1, k % 4);
	snnt_load_req(&n, &l);
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -ENOSPC, SNN_SEC_FANOUT, i->fanout + 1,
		    SNN_FIELD_SRC_CORE, i->fanout, "");
	l.n_fanout--;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, 0, 0, 0, 0, 0, "");
	snnt_net_free(&n);
}

TEST_F(ioc, load_bad_profile_values)
{
	struct snnt_net n;
	struct snn_load l;
	struct load_err e;

	load_base(&n);
	snnt_load_req(&n, &l);
#define PCASE(_field, _limit, _stmt) do {				\
	struct snn_profile save = n.prof[2];				\
	struct snn_profile *p = &n.prof[2];				\
	_stmt;								\
	e = do_load(self->cl0, &l);					\
	EXPECT_LOAD(e, -EINVAL, SNN_SEC_PROFILE, 2, _field, _limit,	\
		    #_stmt);						\
	n.prof[2] = save;						\
} while (0)
	PCASE(SNN_FIELD_DU, 4095, p->du = 4096);
	PCASE(SNN_FIELD_DU, 4095, p->du = 0xffff);
	PCASE(SNN_FIELD_DV, 4095, p->dv = 4096);
	PCASE(SNN_FIELD_VTH, 131071, p->vth = 131072);
	PCASE(SNN_FIELD_VTH, 131071, p->vth = 0xffffffff);
	PCASE(SNN_FIELD_BIAS_MANT, 4095, p->bias_mant = 4096);
	PCASE(SNN_FIELD_BIAS_MANT, 4095, p->bias_mant = -4097);
	PCASE(SNN_FIELD_BIAS_EXP, 7, p->bias_exp = 8);
	PCASE(SNN_FIELD_BIAS_EXP, 7, p->bias_exp = -8);
	PCASE(SNN_FIELD_RESERVED, 0, p->reserved0 = 1);
	PCASE(SNN_FIELD_RESERVED, 0, p->reserved1 = 0x100);
	/* the first bad field of the entry is the one reported */
	PCASE(SNN_FIELD_DU, 4095, (p->du = 5000, p->vth = 1 << 20));
#undef PCASE
	/* boundaries are accepted */
	n.prof[2].du = 4095;
	n.prof[2].dv = 4095;
	n.prof[2].vth = 131071;
	n.prof[2].bias_mant = -4096;
	n.prof[2].bias_exp = -7;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, 0, 0, 0, 0, 0, "");
	snnt_net_free(&n);
}

TEST_F(ioc, load_bad_neuron_values)
{
	uint32_t outqs = self->b.info.out_queues;
	struct snnt_net n;
	struct snn_load l;
	struct load_err e;

	load_base(&n);
	snnt_load_req(&n, &l);
#define NCASE(_field, _limit, _stmt) do {				\
	struct snn_neuron save = n.nrn[2];				\
	struct snn_neuron *p = &n.nrn[2];				\
	_stmt;								\
	e = do_load(self->cl0, &l);					\
	EXPECT_LOAD(e, -EINVAL, SNN_SEC_NEURON, 2, _field, _limit,	\
		    #_stmt);						\
	n.nrn[2] = save;						\
} while (0)
	NCASE(SNN_FIELD_CORE, 1, p->core = 2);
	NCASE(SNN_FIELD_CORE, 1, p->core = 255);
	NCASE(SNN_FIELD_PROFILE, 2, p->profile = 3);
	NCASE(SNN_FIELD_INDEX, 15, p->index = 16);
	NCASE(SNN_FIELD_FLAGS, SNN_NEURON_OUT | SNN_NEURON_BIAS,
	      p->flags |= 0x4);
	NCASE(SNN_FIELD_FLAGS, SNN_NEURON_OUT | SNN_NEURON_BIAS,
	      p->flags = 0x80);
	NCASE(SNN_FIELD_OUTQ, outqs - 1, p->outq = outqs);
	NCASE(SNN_FIELD_OUTQ, 0, (p->flags = SNN_NEURON_BIAS, p->outq = 1));
	NCASE(SNN_FIELD_BIAS_MANT, 4095, p->bias_mant = 4096);
	NCASE(SNN_FIELD_BIAS_MANT, 4095, p->bias_mant = -4097);
	NCASE(SNN_FIELD_BIAS_MANT, 0, (p->flags = SNN_NEURON_OUT,
				       p->bias_mant = 1));
	/* (core, index) defined twice: the second one is reported */
	NCASE(SNN_FIELD_INDEX, 0, (p->core = 0, p->index = 1));
#undef NCASE
	snnt_net_free(&n);
}

TEST_F(ioc, load_bad_synapse_values)
{
	struct snnt_net n;
	struct snn_load l;
	struct load_err e;

	load_base(&n);
	snnt_load_req(&n, &l);
#define SCASE(_field, _limit, _stmt) do {				\
	struct snn_synapse save = n.syn[2];				\
	struct snn_synapse *p = &n.syn[2];				\
	_stmt;								\
	e = do_load(self->cl0, &l);					\
	EXPECT_LOAD(e, -EINVAL, SNN_SEC_SYNAPSE, 2, _field, _limit,	\
		    #_stmt);						\
	n.syn[2] = save;						\
} while (0)
	SCASE(SNN_FIELD_CORE, 1, p->core = 2);
	SCASE(SNN_FIELD_RESERVED, 0, p->reserved0 = 1);
	SCASE(SNN_FIELD_AXON, 15, p->axon = 16);
	SCASE(SNN_FIELD_NEURON, 15, p->neuron = 16);
	/* neuron 1.3 is in range but not defined */
	SCASE(SNN_FIELD_NEURON, 0, p->neuron = 3);
	SCASE(SNN_FIELD_RESERVED, 0, p->reserved1 = 0x80);
#undef SCASE
	snnt_net_free(&n);
}

TEST_F(ioc, load_bad_fanout_values)
{
	struct snnt_net n;
	struct snn_load l;
	struct load_err e;

	load_base(&n);
	snnt_load_req(&n, &l);
#define FCASE(_field, _limit, _stmt) do {				\
	struct snn_fanout save = n.fo[2];				\
	struct snn_fanout *p = &n.fo[2];				\
	_stmt;								\
	e = do_load(self->cl0, &l);					\
	EXPECT_LOAD(e, -EINVAL, SNN_SEC_FANOUT, 2, _field, _limit,	\
		    #_stmt);						\
	n.fo[2] = save;							\
} while (0)
	FCASE(SNN_FIELD_SRC_CORE, 1, p->src_core = 2);
	FCASE(SNN_FIELD_DST_CORE, 1, p->dst_core = 2);
	FCASE(SNN_FIELD_SRC_NEURON, 15, p->src_neuron = 16);
	FCASE(SNN_FIELD_SRC_NEURON, 0, p->src_neuron = 3);
	FCASE(SNN_FIELD_DST_AXON, 15, p->dst_axon = 16);
	FCASE(SNN_FIELD_RESERVED, 0, p->reserved = 1);
#undef FCASE
	snnt_net_free(&n);
}

TEST_F(ioc, load_bad_pointers_efault)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct snnt_net n;
	struct snn_load l;
	struct load_err e;
	uint8_t *m;
	struct snn_synapse *s;

	load_base(&n);
	snnt_load_req(&n, &l);
	l.neurons = 16;		/* unmapped */
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -EFAULT, SNN_SEC_NEURON, 0, SNN_FIELD_POINTER, 0, "");
	snnt_load_req(&n, &l);
	l.profiles = ~0ull - 7;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -EFAULT, SNN_SEC_PROFILE, 0, SNN_FIELD_POINTER, 0, "");
	snnt_load_req(&n, &l);
	l.fanout = 0;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -EFAULT, SNN_SEC_FANOUT, 0, SNN_FIELD_POINTER, 0, "");

	/* the array ends in a hole after 3 entries: entry 3 is reported */
	m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, munmap(m + pg, pg));
	s = (struct snn_synapse *)(m + pg) - 3;
	memcpy(s, n.syn, 3 * sizeof(*s));
	snnt_load_req(&n, &l);
	l.synapses = (uintptr_t)s;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, -EFAULT, SNN_SEC_SYNAPSE, 3, SNN_FIELD_POINTER, 0, "");
	/* the three that exist load */
	l.n_synapses = 3;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, 0, 0, 0, 0, 0, "");
	/* zero entries need no array */
	l.n_fanout = 0;
	l.fanout = 0;
	e = do_load(self->cl0, &l);
	EXPECT_LOAD(e, 0, 0, 0, 0, 0, "");
	munmap(m, pg);
	snnt_net_free(&n);
}

TEST_F(ioc, load_while_running_ebusy)
{
	struct snn_load l;
	struct snn_wait w;

	ASSERT_EQ(0, snnt_load(self->cl0, &self->net));
	ASSERT_EQ(0, snnt_run(self->cl0, 0x7fffffff));
	snnt_load_req(&self->net, &l);
	EXPECT_EQ(-EBUSY, snnt_ioctl(self->cl0, SNN_IOC_LOAD, &l));
	/* it is still running the old network */
	EXPECT_EQ(-ETIMEDOUT, snnt_wait(self->cl0, 0, 0, &w));
	EXPECT_EQ(SNN_STATE_RUNNING, w.state);
	EXPECT_EQ(0, snnt_reset(self->cl0, 0));
	EXPECT_EQ(0, snnt_ioctl(self->cl0, SNN_IOC_LOAD, &l));
}

/* ---- queues ---------------------------------------------------------------------- */

static int qcreate(int fd, uint32_t dir, uint32_t index, uint32_t log2,
		   struct snn_queue_create *out)
{
	struct snn_queue_create qc = {
		.dir = dir, .index = index, .depth_log2 = log2,
	};
	int ret = snnt_ioctl(fd, SNN_IOC_QUEUE_CREATE, &qc);

	if (out)
		*out = qc;
	return ret;
}

static int qdestroy(int fd, uint32_t dir, uint32_t index)
{
	struct snn_queue_id id = { dir, index };

	return snnt_ioctl(fd, SNN_IOC_QUEUE_DESTROY, &id);
}

TEST_F(ioc, queue_create_results)
{
	const struct snn_info *i = &self->b.info;
	struct snn_queue_create qc;
	uint32_t d, q;
	long pg = sysconf(_SC_PAGESIZE);

	for (d = 0; d < 2; d++) {
		uint32_t nq = d ? i->out_queues : i->in_queues;

		for (q = 0; q < nq; q++) {
			uint32_t log2 = 1 + (q * 3) % i->max_queue_log2;

			ASSERT_EQ(0, qcreate(self->cl0, d, q, log2, &qc));
			EXPECT_EQ(SNN_MMAP_QUEUE(d, q), qc.mmap_offset);
			EXPECT_EQ(1u << log2, qc.entries);
			EXPECT_EQ(0, qc.ring_offset % SNN_EVENT_SIZE);
			EXPECT_LE(qc.wb_offset + 4, qc.ring_offset);
			EXPECT_LE(qc.ring_offset + 8ull * qc.entries,
				  qc.mmap_size);
			EXPECT_EQ(0, qc.mmap_size % pg);
			EXPECT_EQ(0, qc.flags);
			EXPECT_EQ(0, qc.reserved);
		}
	}
	/* the deepest queue */
	ASSERT_EQ(0, qdestroy(self->cl0, SNN_QUEUE_OUT, 0));
	ASSERT_EQ(0, qcreate(self->cl0, SNN_QUEUE_OUT, 0, i->max_queue_log2,
			     &qc));
	EXPECT_EQ(1u << i->max_queue_log2, qc.entries);
	for (d = 0; d < 2; d++)
		for (q = 0; q < (d ? i->out_queues : i->in_queues); q++)
			EXPECT_EQ(0, qdestroy(self->cl0, d, q));
}

TEST_F(ioc, queue_create_bad_args)
{
	const struct snn_info *i = &self->b.info;
	struct snn_queue_create qc;

	EXPECT_EQ(-EINVAL, qcreate(self->cl0, 2, 0, 4, NULL));
	EXPECT_EQ(-EINVAL, qcreate(self->cl0, 0xffffffff, 0, 4, NULL));
	EXPECT_EQ(-EINVAL, qcreate(self->cl0, SNN_QUEUE_IN, i->in_queues, 4,
				   NULL));
	EXPECT_EQ(-EINVAL, qcreate(self->cl0, SNN_QUEUE_OUT, i->out_queues, 4,
				   NULL));
	EXPECT_EQ(-EINVAL, qcreate(self->cl0, SNN_QUEUE_IN, SNN_MAX_QUEUES, 4,
				   NULL));
	EXPECT_EQ(-EINVAL, qcreate(self->cl0, SNN_QUEUE_IN, 0xffffffff, 4,
				   NULL));
	/* depth 1..max_queue_log2 */
	EXPECT_EQ(-EINVAL, qcreate(self->cl0, SNN_QUEUE_IN, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, qcreate(self->cl0, SNN_QUEUE_IN, 0,
				   i->max_queue_log2 + 1, NULL));
	EXPECT_EQ(-EINVAL, qcreate(self->cl0, SNN_QUEUE_IN, 0, 32, NULL));
	EXPECT_EQ(-EINVAL, qcreate(self->cl0, SNN_QUEUE_IN, 0, 0xffffffff,
				   NULL));
	/* flags and reserved */
	memset(&qc, 0, sizeof(qc));
	qc.depth_log2 = 4;
	qc.flags = 1;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_QUEUE_CREATE, &qc));
	qc.flags = 0;
	qc.reserved = 1;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_QUEUE_CREATE, &qc));
	/* nothing was created by any of these */
	EXPECT_EQ(-ENOENT, qdestroy(self->cl0, SNN_QUEUE_IN, 0));
	/* depth 1 works */
	EXPECT_EQ(0, qcreate(self->cl0, SNN_QUEUE_IN, 0, 1, &qc));
	EXPECT_EQ(2, qc.entries);
}

TEST_F(ioc, queue_double_create_destroy_missing)
{
	struct snn_queue_id id = { SNN_QUEUE_IN, 0 };

	EXPECT_EQ(-ENOENT, qdestroy(self->cl0, SNN_QUEUE_IN, 0));
	EXPECT_EQ(-ENOENT, qdestroy(self->cl0, SNN_QUEUE_OUT, 1));
	ASSERT_EQ(0, qcreate(self->cl0, SNN_QUEUE_IN, 0, 4, NULL));
	EXPECT_EQ(-EEXIST, qcreate(self->cl0, SNN_QUEUE_IN, 0, 4, NULL));
	EXPECT_EQ(-EEXIST, qcreate(self->cl0, SNN_QUEUE_IN, 0, 6, NULL));
	/* the other direction with the same index is another queue */
	EXPECT_EQ(0, qcreate(self->cl0, SNN_QUEUE_OUT, 0, 4, NULL));
	/* another cluster has its own */
	EXPECT_EQ(0, qcreate(self->cl1, SNN_QUEUE_IN, 0, 4, NULL));
	EXPECT_EQ(0, qdestroy(self->cl0, SNN_QUEUE_IN, 0));
	EXPECT_EQ(-ENOENT, qdestroy(self->cl0, SNN_QUEUE_IN, 0));
	/* ids out of range */
	id.dir = 2;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_QUEUE_DESTROY, &id));
	id.dir = SNN_QUEUE_OUT;
	id.index = self->b.info.out_queues;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_QUEUE_DESTROY, &id));
	/* and back */
	EXPECT_EQ(0, qcreate(self->cl0, SNN_QUEUE_IN, 0, 4, NULL));
}

TEST_F(ioc, queue_destroy_while_running_ebusy)
{
	ASSERT_EQ(0, snnt_load(self->cl0, &self->net));
	ASSERT_EQ(0, qcreate(self->cl0, SNN_QUEUE_IN, 0, 4, NULL));
	ASSERT_EQ(0, snnt_run(self->cl0, 0x7fffffff));
	EXPECT_EQ(-EBUSY, qdestroy(self->cl0, SNN_QUEUE_IN, 0));
	EXPECT_EQ(0, snnt_reset(self->cl0, SNN_RESET_STATE));
	EXPECT_EQ(0, qdestroy(self->cl0, SNN_QUEUE_IN, 0));
}

TEST_F(ioc, doorbell_bad_args)
{
	struct snn_doorbell d = { SNN_QUEUE_IN, 0, 0, 0 };

	EXPECT_EQ(-ENOENT, snnt_ioctl(self->cl0, SNN_IOC_DOORBELL, &d));
	ASSERT_EQ(0, qcreate(self->cl0, SNN_QUEUE_IN, 0, 4, NULL));
	EXPECT_EQ(0, snnt_ioctl(self->cl0, SNN_IOC_DOORBELL, &d));
	d.reserved = 1;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_DOORBELL, &d));
	d.reserved = 0;
	d.dir = 2;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_DOORBELL, &d));
	d.dir = SNN_QUEUE_IN;
	d.index = self->b.info.in_queues;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_DOORBELL, &d));
	d.dir = SNN_QUEUE_OUT;
	d.index = 0;
	EXPECT_EQ(-ENOENT, snnt_ioctl(self->cl0, SNN_IOC_DOORBELL, &d));
}

/* ---- run, wait, counters, reset, config, eventfd --------------------------------- */

TEST_F(ioc, run_bad_args)
{
	struct snn_run r = { .steps = 1, .flags = 2 };
	struct snn_run fresh = { .steps = 1, .flags = SNN_RUN_RESET_STATE };

	/* nothing loaded */
	EXPECT_EQ(-ENODATA, snnt_run(self->cl0, 1));
	EXPECT_EQ(-ENODATA, snnt_ioctl(self->cl0, SNN_IOC_RUN, &fresh));
	ASSERT_EQ(0, snnt_load(self->cl0, &self->net));
	EXPECT_EQ(-EINVAL, snnt_run(self->cl0, 0));
	/* unknown flags, also with the known one */
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_RUN, &r));
	r.flags = 0x80000000;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_RUN, &r));
	r.flags = SNN_RUN_RESET_STATE | 4;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_RUN, &r));
	fresh.steps = 0;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_RUN, &fresh));
	fresh.steps = 1;
	/* REMAINING would pass 2^32 - 1 (for the next 2^31 timesteps) */
	ASSERT_EQ(0, snnt_run(self->cl0, 0xffff0000));
	/* a state reset needs an idle cluster */
	EXPECT_EQ(-EBUSY, snnt_ioctl(self->cl0, SNN_IOC_RUN, &fresh));
	EXPECT_EQ(-EOVERFLOW, snnt_run(self->cl0, 0x80000000));
	EXPECT_EQ(-EOVERFLOW, snnt_run(self->cl0, 0xffffffff));
	/* adding to a run is fine */
	EXPECT_EQ(0, snnt_run(self->cl0, 1));
	EXPECT_EQ(0, snnt_reset(self->cl0, SNN_RESET_STATE));
	EXPECT_EQ(0, snnt_run(self->cl0, 3));
	EXPECT_EQ(0, snnt_wait(self->cl0, 10 * SNNT_NS, 0, NULL));
	/* idle again: a fresh run of 2^32 - 1 timesteps is fine */
	fresh.steps = 0xffffffff;
	EXPECT_EQ(0, snnt_ioctl(self->cl0, SNN_IOC_RUN, &fresh));
	EXPECT_EQ(0, snnt_reset(self->cl0, SNN_RESET_STATE));
}

TEST_F(ioc, wait_and_counters)
{
	struct snn_counters c;
	struct snn_wait w;
	int k;

	memset(&w, 0, sizeof(w));
	w.flags = 2;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_WAIT, &w));
	w.flags = 0x80000000 | SNN_WAIT_OUTPUT;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_WAIT, &w));
	/* idle, nothing loaded: 0 */
	EXPECT_EQ(0, snnt_wait(self->cl0, 0, 0, &w));
	EXPECT_EQ(SNN_STATE_IDLE, w.state);
	EXPECT_EQ(0, w.error);
	ASSERT_EQ(0, snnt_counters(self->cl0, &c));
	ASSERT_EQ(0, snnt_load(self->cl0, &self->net));
	ASSERT_EQ(0, snnt_run(self->cl0, 5));
	ASSERT_EQ(0, snnt_wait(self->cl0, 10 * SNNT_NS, 0, &w));
	EXPECT_EQ(SNN_STATE_IDLE, w.state);
	EXPECT_EQ(5, w.timestep);
	EXPECT_EQ(0, w.remaining);
	EXPECT_EQ(0, w.error);
	EXPECT_EQ(0, w.error_info);
	ASSERT_EQ(0, snnt_run(self->cl0, 2));
	ASSERT_EQ(0, snnt_wait(self->cl0, -1, 0, &w));
	EXPECT_EQ(7, w.timestep);
	ASSERT_EQ(0, snnt_counters(self->cl0, &c));
	EXPECT_EQ(7, c.timesteps);
	EXPECT_EQ(0, c.in_events);
	EXPECT_EQ(0, c.spikes);
	for (k = 0; k < 4; k++)
		EXPECT_EQ(0, c.reserved[k]);
	EXPECT_EQ(7, snnt_sysfs_num(self->b.index, 0, "counters/timesteps"));
}

TEST_F(ioc, reset_flags_and_effects)
{
	struct snn_reset r = { .flags = 2 };
	struct snn_wait w;

	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_RESET, &r));
	r.flags = 0;
	r.reserved = 1;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_RESET, &r));
	ASSERT_EQ(0, snnt_load(self->cl0, &self->net));
	ASSERT_EQ(0, snnt_run(self->cl0, 4));
	ASSERT_EQ(0, snnt_wait(self->cl0, 10 * SNNT_NS, 0, &w));
	EXPECT_EQ(4, w.timestep);
	/* state only: network kept, timestep 0, counters kept */
	ASSERT_EQ(0, snnt_reset(self->cl0, SNN_RESET_STATE));
	ASSERT_EQ(0, snnt_wait(self->cl0, 0, 0, &w));
	EXPECT_EQ(0, w.timestep);
	EXPECT_EQ(4, snnt_sysfs_num(self->b.index, 0, "counters/timesteps"));
	EXPECT_EQ(0, snnt_run(self->cl0, 1));
	ASSERT_EQ(0, snnt_wait(self->cl0, 10 * SNNT_NS, 0, &w));
	EXPECT_EQ(1, w.timestep);
	/* full: network gone, counters cleared */
	ASSERT_EQ(0, snnt_reset(self->cl0, 0));
	EXPECT_EQ(-ENODATA, snnt_run(self->cl0, 1));
	EXPECT_EQ(0, snnt_sysfs_num(self->b.index, 0, "counters/timesteps"));
	ASSERT_EQ(0, snnt_wait(self->cl0, 0, 0, &w));
	EXPECT_EQ(SNN_STATE_IDLE, w.state);
}

TEST_F(ioc, config_flags)
{
	struct snn_config c = { .flags = 2 };

	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_CONFIG, &c));
	c.flags = 0x80000000;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_CONFIG, &c));
	c.flags = 0;
	c.reserved = 1;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_CONFIG, &c));
	c.reserved = 0;
	EXPECT_EQ(0, snnt_ioctl(self->cl0, SNN_IOC_CONFIG, &c));
	c.flags = SNN_CONFIG_OUT_DROP;
	if (self->b.info.caps & SNN_CAP_OUT_DROP) {
		EXPECT_EQ(0, snnt_ioctl(self->cl0, SNN_IOC_CONFIG, &c));
	} else {
		EXPECT_EQ(-EOPNOTSUPP, snnt_ioctl(self->cl0, SNN_IOC_CONFIG,
						  &c));
	}
}

TEST_F(ioc, eventfd_args)
{
	struct snn_eventfd e;
	int efd = eventfd(0, EFD_CLOEXEC), p[2], nul;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, pipe(p));
	nul = open("/dev/null", O_RDWR);
	ASSERT_LE(0, nul);
	EXPECT_NE(0, self->b.info.caps & SNN_CAP_EVENTFD);

	e.fd = efd;
	e.events = SNN_NOTIFY_RUN_DONE;
	EXPECT_EQ(0, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	e.events = SNN_NOTIFY_RUN_DONE | SNN_NOTIFY_OUTPUT | SNN_NOTIFY_ERROR;
	EXPECT_EQ(0, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	/* unknown events */
	e.events = 1u << 3;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	e.events = 0x80000000 | SNN_NOTIFY_RUN_DONE;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	/* an eventfd with no events */
	e.events = 0;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	/* -1 stops, and takes no events */
	e.fd = -1;
	e.events = SNN_NOTIFY_RUN_DONE;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	e.events = 0;
	EXPECT_EQ(0, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	EXPECT_EQ(0, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	e.fd = -2;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	/* not an eventfd */
	e.events = SNN_NOTIFY_RUN_DONE;
	e.fd = p[0];
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	e.fd = nul;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	e.fd = self->cl1;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	/* not open */
	e.fd = 1000;
	EXPECT_EQ(-EBADF, snnt_ioctl(self->cl0, SNN_IOC_EVENTFD, &e));
	close(nul);
	close(p[0]);
	close(p[1]);
	close(efd);
}

/* ---- routes ------------------------------------------------------------------------ */

static int route(int rt, unsigned long cmd, int src, int dst, uint32_t sc,
		 uint32_t sn, uint32_t dc, uint32_t da)
{
	struct snn_route r = {
		.src_fd = src, .dst_fd = dst, .src_core = sc,
		.src_neuron = sn, .dst_core = dc, .dst_axon = da,
	};

	return snnt_ioctl(rt, cmd, &r);
}

TEST_F(ioc, route_add_del)
{
	const struct snn_info *i = &self->b.info;
	int ru = snnt_router_unit(&self->b, 0);
	long long n0 = snnt_sysfs_num(self->b.index, ru, "routes");

	EXPECT_EQ(0, n0);
	EXPECT_EQ(0, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0, self->cl1,
			   0, 5, 1, 7));
	EXPECT_EQ(-EEXIST, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0,
				 self->cl1, 0, 5, 1, 7));
	/* multicast, reverse direction and same-cluster routes are fine */
	EXPECT_EQ(0, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0, self->cl1,
			   0, 5, 1, 8));
	EXPECT_EQ(0, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl1, self->cl0,
			   i->cores - 1, i->neurons - 1, i->cores - 1,
			   i->axons - 1));
	EXPECT_EQ(0, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0, self->cl0,
			   0, 0, 0, 0));
	EXPECT_EQ(4, snnt_sysfs_num(self->b.index, ru, "routes"));
	EXPECT_EQ(0, route(self->rt, SNN_IOC_ROUTE_DEL, self->cl0, self->cl1,
			   0, 5, 1, 7));
	EXPECT_EQ(-ENOENT, route(self->rt, SNN_IOC_ROUTE_DEL, self->cl0,
				 self->cl1, 0, 5, 1, 7));
	EXPECT_EQ(-ENOENT, route(self->rt, SNN_IOC_ROUTE_DEL, self->cl1,
				 self->cl0, 0, 5, 1, 8));
	EXPECT_EQ(3, snnt_sysfs_num(self->b.index, ru, "routes"));
	/* closing the routing unit keeps its routes */
	close(self->rt);
	self->rt = snnt_open(self->b.index, ru, O_RDWR);
	ASSERT_LE(0, self->rt);
	EXPECT_EQ(3, snnt_sysfs_num(self->b.index, ru, "routes"));
	EXPECT_EQ(-EEXIST, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0,
				 self->cl1, 0, 5, 1, 8));
	/* closing a cluster deletes its routes, and only those: 0 -> 0 stays */
	close(self->cl1);
	self->cl1 = -1;
	EXPECT_EQ(1, snnt_sysfs_num(self->b.index, ru, "routes"));
	EXPECT_EQ(-EEXIST, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0,
				 self->cl0, 0, 0, 0, 0));
	/* every route left is cluster 0's: closing it leaves none */
	EXPECT_EQ(0, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0, self->cl0,
			   0, 1, 0, 2));
	EXPECT_EQ(2, snnt_sysfs_num(self->b.index, ru, "routes"));
	close(self->cl0);
	self->cl0 = snnt_open(self->b.index, 0, O_RDWR);
	ASSERT_LE(0, self->cl0);
	EXPECT_EQ(0, snnt_sysfs_num(self->b.index, ru, "routes"));
	EXPECT_EQ(0, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0, self->cl0,
			   0, 0, 0, 0));
}

TEST_F(ioc, route_bad_values)
{
	const struct snn_info *i = &self->b.info;
	struct snn_route r = {
		.src_fd = self->cl0, .dst_fd = self->cl1,
	};

	r.flags = 1;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->rt, SNN_IOC_ROUTE_ADD, &r));
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->rt, SNN_IOC_ROUTE_DEL, &r));
	r.flags = 0;
	r.reserved = 1;
	EXPECT_EQ(-EINVAL, snnt_ioctl(self->rt, SNN_IOC_ROUTE_ADD, &r));
	r.reserved = 0;
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0,
				 self->cl1, i->cores, 0, 0, 0));
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0,
				 self->cl1, 0, i->neurons, 0, 0));
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0,
				 self->cl1, 0, 0, i->cores, 0));
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0,
				 self->cl1, 0, 0, 0, i->axons));
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0,
				 self->cl1, 0, 0, 0, 0x10000));
	EXPECT_EQ(0, snnt_sysfs_num(self->b.index,
				    snnt_router_unit(&self->b, 0), "routes"));
}

TEST_F(ioc, route_bad_fds)
{
	int nul = open("/dev/null", O_RDWR), ro;
	int fds[2] = { -1, 1000 };
	unsigned int k;

	ASSERT_LE(0, nul);
	for (k = 0; k < 2; k++) {
		EXPECT_EQ(-EBADF, route(self->rt, SNN_IOC_ROUTE_ADD, fds[k],
					self->cl1, 0, 0, 0, 0));
		EXPECT_EQ(-EBADF, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0,
					fds[k], 0, 0, 0, 0));
		EXPECT_EQ(-EBADF, route(self->rt, SNN_IOC_ROUTE_DEL, fds[k],
					self->cl1, 0, 0, 0, 0));
	}
	/* not an snn node */
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_ADD, nul, self->cl1,
				 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0, nul,
				 0, 0, 0, 0));
	/* snn nodes that are not clusters */
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_ADD, self->board,
				 self->cl1, 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0,
				 self->rt, 0, 0, 0, 0));
	ro = snnt_open(self->b.index, -1, O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0, ro,
				 0, 0, 0, 0));
	close(ro);
	close(nul);
	EXPECT_EQ(0, snnt_sysfs_num(self->b.index,
				    snnt_router_unit(&self->b, 0), "routes"));
}

TEST_F(ioc, route_cluster_not_connected_exdev)
{
	struct snn_info ri;
	unsigned int r, c;
	int done = 0;

	for (r = 0; r < self->b.info.routers && !done; r++) {
		int rt = r ? snnt_open(self->b.index,
				       snnt_router_unit(&self->b, r), O_RDWR) :
			     self->rt;
		int in = -1, out = -1;

		ASSERT_LE(0, rt);
		ASSERT_EQ(0, snnt_ioctl(rt, SNN_IOC_INFO, &ri));
		for (c = 0; c < self->b.info.clusters; c++) {
			if ((ri.unit_clusters >> c) & 1)
				in = in < 0 ? (int)c : in;
			else
				out = out < 0 ? (int)c : out;
		}
		if (in >= 0 && out >= 0) {
			int fin = in == 0 ? self->cl0 : in == 1 ? self->cl1 :
				  snnt_open(self->b.index, in, O_RDWR);
			int fout = out == 0 ? self->cl0 : out == 1 ? self->cl1 :
				   snnt_open(self->b.index, out, O_RDWR);

			ASSERT_LE(0, fin);
			ASSERT_LE(0, fout);
			EXPECT_EQ(-EXDEV, route(rt, SNN_IOC_ROUTE_ADD, fin,
						fout, 0, 0, 0, 0))
				TH_LOG("router %u (clusters %#x): %d -> %d", r,
				       ri.unit_clusters, in, out);
			EXPECT_EQ(-EXDEV, route(rt, SNN_IOC_ROUTE_ADD, fout,
						fin, 0, 0, 0, 0));
			EXPECT_EQ(-EXDEV, route(rt, SNN_IOC_ROUTE_DEL, fout,
						fin, 0, 0, 0, 0));
			if (fin > self->cl1)
				close(fin);
			if (fout > self->cl1)
				close(fout);
			done = 1;
		}
		if (rt != self->rt)
			close(rt);
	}
	if (!done)
		SKIP(return, "every routing unit connects every cluster");
}

TEST_F(ioc, route_cluster_of_another_board_einval)
{
	int oc;

	if (!self->have_other)
		SKIP(return, "only one board");
	oc = snnt_open(self->other.index, 0, O_RDWR);
	ASSERT_LE(0, oc) TH_LOG("open snn%d.0: %s", self->other.index,
				snnt_errname(oc));
	/* uapi.md 4.12: "not a cluster of this board": -EINVAL */
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0, oc,
				 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_ADD, oc, self->cl1,
				 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, route(self->rt, SNN_IOC_ROUTE_DEL, oc, oc,
				 0, 0, 0, 0));
	close(oc);
	EXPECT_EQ(0, snnt_sysfs_num(self->b.index,
				    snnt_router_unit(&self->b, 0), "routes"));
}

TEST_F_TIMEOUT(ioc, route_table_full_enospc, 120)
{
	const struct snn_info *i = &self->b.info;
	uint32_t k, cap = i->route_entries;

	if (cap > 65536)
		SKIP(return, "route table of %u entries too large to fill", cap);
	for (k = 0; k < cap; k++) {
		/* (src, dst) pairs must differ */
		int ret = route(self->rt, SNN_IOC_ROUTE_ADD, self->cl0,
				self->cl1, (k / i->neurons) % i->cores,
				k % i->neurons, 0,
				k / (i->neurons * i->cores) % i->axons);

		ASSERT_EQ(0, ret) TH_LOG("route %u of %u: %s", k, cap,
					 snnt_errname(ret));
	}
	EXPECT_EQ(cap, snnt_sysfs_num(self->b.index,
				      snnt_router_unit(&self->b, 0), "routes"));
	EXPECT_EQ(-ENOSPC, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl1,
				 self->cl0, 0, 0, 0, 1));
	/* deleting one makes room for one */
	EXPECT_EQ(0, route(self->rt, SNN_IOC_ROUTE_DEL, self->cl0, self->cl1,
			   0, 0, 0, 0));
	EXPECT_EQ(0, route(self->rt, SNN_IOC_ROUTE_ADD, self->cl1, self->cl0,
			   0, 0, 0, 1));
}

SNNT_MAIN()
