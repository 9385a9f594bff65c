// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mock snn driver of the libsnndev host tests (mock.h).
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mock.h"

struct mock mock;

static struct snn_info fd_info[MOCK_MAX_FD];
static unsigned char fd_known[MOCK_MAX_FD];

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
int __real_munmap(void *addr, size_t len);
int __wrap_munmap(void *addr, size_t len);
int __real_close(int fd);
int __wrap_close(int fd);

void mock_node(uint32_t type, uint32_t unit)
{
	struct snn_info *in = &mock.info;

	memset(in, 0, sizeof(*in));
	in->abi_major = SNN_ABI_MAJOR;
	in->abi_minor = SNN_ABI_MINOR;
	in->caps = SNN_CAP_MAPPED_DOORBELL | SNN_CAP_ROUTERS |
		   SNN_CAP_OUT_DROP | SNN_CAP_EVENTFD;
	in->node_type = type;
	in->board = 0;
	in->unit = type == SNN_NODE_BOARD ? 0xffffffffu : unit;
	in->transport = SNN_TRANSPORT_PCI;
	in->board_id = 1;
	in->revision = 1;
	in->hw_version = 1 << 16;
	in->clusters = 4;
	in->routers = 2;
	in->cores = 8;
	in->neurons = 1024;
	in->axons = 4096;
	in->synapses = 65536;
	in->fanout = 4096;
	in->profiles = 64;
	in->in_queues = 4;
	in->out_queues = 4;
	in->max_queue_log2 = 16;
	in->route_entries = 16384;
	in->route_delay = 1;
	in->route_fifo = 65536;
	in->rated_eps = 50000000;
	in->rated_sps = 20000000;
	if (type == SNN_NODE_CLUSTER)
		in->unit_clusters = 1u << unit;
	else if (type == SNN_NODE_ROUTER)
		in->unit_clusters = unit == 4 ? 0x3 : 0xc;
	strcpy(in->driver_version, "0.1.0");
	strcpy(in->bus_id, "0000:01:00.0");
}

void mock_reset(void)
{
	unsigned int d, i;

	for (d = 0; d < 2; d++)
		for (i = 0; i < 8; i++)
			if (mock.q[d][i].map)
				__real_munmap(mock.q[d][i].map,
					      mock.q[d][i].qc.mmap_size);
	if (mock.doorbell_page)
		__real_munmap(mock.doorbell_page, SNN_DOORBELL_MAP_SIZE);
	memset(&mock, 0, sizeof(mock));
	memset(fd_known, 0, sizeof(fd_known));
	mock_node(SNN_NODE_CLUSTER, 0);
}

static int is_mock(int fd)
{
	struct stat st;

	if (fd < 0 || fd >= MOCK_MAX_FD || fstat(fd, &st))
		return 0;
	return S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

static struct snn_info *info_of(int fd)
{
	if (!fd_known[fd]) {
		fd_info[fd] = mock.info;
		fd_known[fd] = 1;
	}
	return &fd_info[fd];
}

static int fail(int err)
{
	errno = err < 0 ? -err : err;
	return -1;
}

static int mock_ioctl(int fd, unsigned long req, void *arg)
{
	struct snn_info *in = info_of(fd);
	struct mock_queue *q;

	if (req == SNN_IOC_INFO) {
		memcpy(arg, in, sizeof(*in));
		return 0;
	}
	if (req == SNN_IOC_LOAD) {
		struct snn_load *ld = arg;

		mock.load_in = *ld;
		if (ld->n_profiles <= 64)
			memcpy(mock.profiles, (void *)(uintptr_t)ld->profiles,
			       ld->n_profiles * sizeof(struct snn_profile));
		if (ld->n_neurons <= 64)
			memcpy(mock.neurons, (void *)(uintptr_t)ld->neurons,
			       ld->n_neurons * sizeof(struct snn_neuron));
		if (ld->n_synapses <= 64)
			memcpy(mock.synapses, (void *)(uintptr_t)ld->synapses,
			       ld->n_synapses * sizeof(struct snn_synapse));
		if (ld->n_fanout <= 64)
			memcpy(mock.fanouts, (void *)(uintptr_t)ld->fanout,
			       ld->n_fanout * sizeof(struct snn_fanout));
		ld->err_section = mock.load_err.err_section;
		ld->err_index = mock.load_err.err_index;
		ld->err_field = mock.load_err.err_field;
		ld->err_limit = mock.load_err.err_limit;
		return mock.load_ret ? fail(mock.load_ret) : 0;
	}
	if (req == SNN_IOC_QUEUE_CREATE) {
		struct snn_queue_create *qc = arg;
		uint64_t ring;

		if (mock.qcreate_ret)
			return fail(mock.qcreate_ret);
		if (qc->dir > 1 || qc->index >= 8 || qc->flags ||
		    qc->depth_log2 < 1 || qc->depth_log2 > in->max_queue_log2)
			return fail(EINVAL);
		q = &mock.q[qc->dir][qc->index];
		if (q->created)
			return fail(EEXIST);
		ring = ((8ull << qc->depth_log2) + 4095) & ~4095ull;
		qc->mmap_offset = SNN_MMAP_QUEUE(qc->dir, qc->index);
		qc->mmap_size = 4096 + ring;
		qc->ring_offset = 4096;
		qc->wb_offset = 0;
		qc->entries = 1u << qc->depth_log2;
		q->created = 1;
		q->qc = *qc;
		q->doorbell = 0;
		q->doorbells = 0;
		return 0;
	}
	if (req == SNN_IOC_QUEUE_DESTROY) {
		struct snn_queue_id *id = arg;

		mock.qdestroys++;
		if (mock.qdestroy_ret)
			return fail(mock.qdestroy_ret);
		if (id->dir > 1 || id->index >= 8)
			return fail(EINVAL);
		if (!mock.q[id->dir][id->index].created)
			return fail(ENOENT);
		mock.q[id->dir][id->index].created = 0;
		return 0;
	}
	if (req == SNN_IOC_DOORBELL) {
		struct snn_doorbell *db = arg;

		if (db->dir > 1 || db->index >= 8 || db->reserved)
			return fail(EINVAL);
		q = &mock.q[db->dir][db->index];
		if (!q->created)
			return fail(ENOENT);
		q->doorbell = db->value;
		q->doorbells++;
		return 0;
	}
	if (req == SNN_IOC_RUN) {
		mock.run_in = *(struct snn_run *)arg;
		return mock.run_ret ? fail(mock.run_ret) : 0;
	}
	if (req == SNN_IOC_WAIT) {
		struct snn_wait *w = arg;

		mock.wait_in = *w;
		if (mock.wait_eintr) {
			mock.wait_eintr--;
			return fail(EINTR);
		}
		w->state = mock.wait_out.state;
		w->timestep = mock.wait_out.timestep;
		w->remaining = mock.wait_out.remaining;
		w->error = mock.wait_out.error;
		w->error_info = mock.wait_out.error_info;
		return mock.wait_ret ? fail(mock.wait_ret) : 0;
	}
	if (req == SNN_IOC_COUNTERS) {
		memcpy(arg, &mock.counters, sizeof(mock.counters));
		return 0;
	}
	if (req == SNN_IOC_RESET) {
		mock.reset_in = *(struct snn_reset *)arg;
		return mock.reset_ret ? fail(mock.reset_ret) : 0;
	}
	if (req == SNN_IOC_CONFIG) {
		mock.config_in = *(struct snn_config *)arg;
		return mock.config_ret ? fail(mock.config_ret) : 0;
	}
	if (req == SNN_IOC_EVENTFD) {
		mock.eventfd_in = *(struct snn_eventfd *)arg;
		return mock.eventfd_ret ? fail(mock.eventfd_ret) : 0;
	}
	if (req == SNN_IOC_ROUTE_ADD || req == SNN_IOC_ROUTE_DEL) {
		mock.route_cmd = req;
		mock.route_in = *(struct snn_route *)arg;
		return mock.route_ret ? fail(mock.route_ret) : 0;
	}
	if (req == SNN_IOC_BOARD_RESET)
		return mock.board_reset_ret ? fail(mock.board_reset_ret) : 0;
	return fail(ENOTTY);
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	mock.ioctls++;
	if (mock.eintr) {
		mock.eintr--;
		return fail(EINTR);
	}
	if (mock.eagain) {
		mock.eagain--;
		return fail(EAGAIN);
	}
	if (is_mock(fd))
		return mock_ioctl(fd, req, arg);
	return __real_ioctl(fd, req, arg);
}

static void *anon(size_t len)
{
	return __real_mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	unsigned int d, i;

	if (!is_mock(fd))
		return __real_mmap(addr, len, prot, flags, fd, off);
	if (!(flags & MAP_SHARED)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (off == SNN_MMAP_DOORBELL) {
		if (mock.doorbell_mmap_errno) {
			errno = mock.doorbell_mmap_errno;
			return MAP_FAILED;
		}
		if (len != SNN_DOORBELL_MAP_SIZE) {
			errno = EINVAL;
			return MAP_FAILED;
		}
		mock.doorbell_maps++;
		mock.doorbell_page = anon(len);
		return mock.doorbell_page;
	}
	if (mock.mmap_errno) {
		errno = mock.mmap_errno;
		return MAP_FAILED;
	}
	for (d = 0; d < 2; d++)
		for (i = 0; i < 8; i++) {
			struct mock_queue *q = &mock.q[d][i];

			if (!q->created || q->qc.mmap_offset != (uint64_t)off)
				continue;
			if (len > q->qc.mmap_size) {
				errno = EINVAL;
				return MAP_FAILED;
			}
			q->map = anon(q->qc.mmap_size);
			return q->map;
		}
	errno = ENOENT;
	return MAP_FAILED;
}

int __wrap_munmap(void *addr, size_t len)
{
	unsigned int d, i;

	for (d = 0; d < 2; d++)
		for (i = 0; i < 8; i++)
			if (mock.q[d][i].map == addr)
				mock.q[d][i].map = NULL;
	if (addr == mock.doorbell_page)
		mock.doorbell_page = NULL;
	return __real_munmap(addr, len);
}

int __wrap_close(int fd)
{
	if (fd >= 0 && fd < MOCK_MAX_FD)
		fd_known[fd] = 0;
	return __real_close(fd);
}

void mock_set_dev_index(unsigned int dir, unsigned int q, uint32_t v)
{
	uint32_t *p = (uint32_t *)mock.q[dir][q].map;

	__atomic_store_n(p, htole32(v), __ATOMIC_RELEASE);
}

uint64_t *mock_ring(unsigned int dir, unsigned int q)
{
	return (uint64_t *)(mock.q[dir][q].map + 4096);
}

uint32_t mock_doorbell_page(unsigned int dir, unsigned int q)
{
	const volatile uint32_t *p = (const volatile uint32_t *)mock.doorbell_page;

	return le32toh(p[(dir ? SNN_DOORBELL_OUT(q) : SNN_DOORBELL_IN(q)) / 4]);
}
