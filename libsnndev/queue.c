// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsnndev: spike queues, mapped zero-copy (docs/uapi.md 5 and 6).
 *
 * The mapping of a queue is one control page, whose first word (at
 * wb_offset) is the device's index (HEAD of an input queue, TAIL of an
 * output queue), followed by the ring.  The library keeps the process's
 * index and hands it to the device through the mapped doorbell page when
 * the board offers one (SNN_CAP_MAPPED_DOORBELL) and the architecture's
 * barrier is known, else with SNN_IOC_DOORBELL.  Indices are free-running
 * __u32.  The device's index is read with an acquire load, so the entries
 * it covers are read after it.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "snndev_internal.h"

/*
 * Barriers before the doorbell store (docs/uapi.md 6.4): input, ring
 * stores before the MMIO store; output, ring loads before it.
 */
#if defined(__x86_64__) || defined(__i386__)
#define SNNDEV_MAPPED_DOORBELL	1
#define db_barrier_in()		__asm__ __volatile__("" ::: "memory")
#define db_barrier_out()	__asm__ __volatile__("" ::: "memory")
#elif defined(__aarch64__)
#define SNNDEV_MAPPED_DOORBELL	1
#define db_barrier_in()		__asm__ __volatile__("dmb oshst" ::: "memory")
#define db_barrier_out()	__asm__ __volatile__("dmb osh" ::: "memory")
#else
#define SNNDEV_MAPPED_DOORBELL	0	/* SNN_IOC_DOORBELL: the kernel's wmb() */
#define db_barrier_in()		do { } while (0)
#define db_barrier_out()	do { } while (0)
#endif

struct snndev_queue {
	struct snndev_unit *u;
	unsigned int dir;		/* SNN_QUEUE_IN or SNN_QUEUE_OUT */
	unsigned int index;
	uint32_t entries;
	uint32_t mask;
	uint8_t *map;
	size_t map_size;
	const uint32_t *dev_index;	/* at wb_offset, little-endian */
	uint64_t *ring;
	uint32_t host;			/* producer (in) or consumer (out) */
	uint32_t rung;			/* the last value handed over */
	size_t prepared;		/* slots of the last prepare */
};

static uint32_t dev_index(const struct snndev_queue *q)
{
	return le32toh(__atomic_load_n(q->dev_index, __ATOMIC_ACQUIRE));
}

static const char *dir_name(unsigned int dir)
{
	return dir == SNN_QUEUE_IN ? "input" : "output";
}

/* Hand value to the device. */
static int doorbell(struct snndev_queue *q, uint32_t value)
{
	struct snndev_unit *u = q->u;
	struct snn_doorbell db;
	int ret;

	if (u->doorbell) {
		if (q->dir == SNN_QUEUE_IN) {
			db_barrier_in();
			u->doorbell[SNN_DOORBELL_IN(q->index) / 4] = htole32(value);
		} else {
			db_barrier_out();
			u->doorbell[SNN_DOORBELL_OUT(q->index) / 4] = htole32(value);
		}
		q->rung = value;
		return 0;
	}
	memset(&db, 0, sizeof(db));
	db.dir = q->dir;
	db.index = q->index;
	db.value = value;
	ret = snndev_ioctl(u->fd, SNN_IOC_DOORBELL, &db);
	if (ret)
		return snndev__uerr(u, ret, "%s: doorbell of %s queue %u: %s (%s)",
				    u->devnode, dir_name(q->dir), q->index,
				    ret == -ENODEV ? "the board was reset or removed: close the unit and open it again" :
				    strerror(-ret), snndev__errname(ret));
	q->rung = value;
	return 0;
}

static void map_doorbell(struct snndev_unit *u)
{
	void *p;

	if (u->doorbell_tried)
		return;
	u->doorbell_tried = 1;
	if (!SNNDEV_MAPPED_DOORBELL || !u->writable ||
	    !(u->info.caps & SNN_CAP_MAPPED_DOORBELL) ||
	    secure_getenv("SNNDEV_NO_MAPPED_DOORBELL"))
		return;
	p = mmap(NULL, SNN_DOORBELL_MAP_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED, u->fd, SNN_MMAP_DOORBELL);
	if (p != MAP_FAILED)
		u->doorbell = p;	/* else SNN_IOC_DOORBELL */
}

SNNDEV_EXPORT int snndev_queue_create(struct snndev_unit *u, enum snndev_dir dir,
				      unsigned int index, unsigned int depth_log2,
				      struct snndev_queue **out)
{
	struct snn_queue_create qc;
	struct snn_queue_id id;
	struct snndev_queue *q;
	unsigned int max;
	void *map;
	int ret;

	if (!u || !out)
		return snndev__err(-EINVAL, "snndev_queue_create: u or out is NULL");
	*out = NULL;
	if (u->info.node_type != SNN_NODE_CLUSTER)
		return snndev__uerr(u, -EINVAL, "snndev_queue_create: %s is not a cluster",
				    u->devnode);
	if (dir != SNNDEV_IN && dir != SNNDEV_OUT)
		return snndev__uerr(u, -EINVAL, "snndev_queue_create: dir is %u, must be SNNDEV_IN or SNNDEV_OUT",
				    dir);
	max = dir == SNNDEV_IN ? u->info.in_queues : u->info.out_queues;
	if (max > SNNDEV_MAX_QUEUES)
		max = SNNDEV_MAX_QUEUES;
	if (index >= max)
		return snndev__uerr(u, -EINVAL, "snndev_queue_create: %s queue %u: the cluster has %u %s queues (0..%u)",
				    dir_name(dir), index, max, dir_name(dir),
				    max - 1);
	if (depth_log2 < 1 || depth_log2 > u->info.max_queue_log2 ||
	    depth_log2 > 31)
		return snndev__uerr(u, -EINVAL, "snndev_queue_create: depth_log2 is %u, must be 1..%u",
				    depth_log2, u->info.max_queue_log2);
	if (dir == SNNDEV_IN && !u->writable)
		return snndev__uerr(u, -EACCES, "snndev_queue_create: %s was opened read-only (no write permission): input queues need write access",
				    u->devnode);

	pthread_mutex_lock(&u->lock);
	if (u->queues[dir][index]) {
		pthread_mutex_unlock(&u->lock);
		return snndev__uerr(u, -EEXIST, "snndev_queue_create: %s queue %u exists already",
				    dir_name(dir), index);
	}
	map_doorbell(u);
	memset(&qc, 0, sizeof(qc));
	qc.dir = dir == SNNDEV_IN ? SNN_QUEUE_IN : SNN_QUEUE_OUT;
	qc.index = index;
	qc.depth_log2 = depth_log2;
	ret = snndev_ioctl(u->fd, SNN_IOC_QUEUE_CREATE, &qc);
	if (ret) {
		pthread_mutex_unlock(&u->lock);
		if (ret == -EEXIST)
			return snndev__uerr(u, ret, "%s: %s queue %u exists already (created by another user of this file) (EEXIST)",
					    u->devnode, dir_name(dir), index);
		return snndev__uerr(u, ret, "%s: SNN_IOC_QUEUE_CREATE of %s queue %u: %s (%s)",
				    u->devnode, dir_name(dir), index,
				    ret == -ENODEV ? "the board was reset or removed" :
				    strerror(-ret), snndev__errname(ret));
	}
	id.dir = qc.dir;
	id.index = index;
	if (qc.entries != 1u << depth_log2 ||
	    qc.ring_offset + (uint64_t)qc.entries * SNN_EVENT_SIZE > qc.mmap_size ||
	    qc.wb_offset + 4ull > qc.ring_offset || qc.wb_offset % 4) {
		snndev_ioctl(u->fd, SNN_IOC_QUEUE_DESTROY, &id);
		pthread_mutex_unlock(&u->lock);
		return snndev__uerr(u, -EPROTO, "%s: SNN_IOC_QUEUE_CREATE returned a layout libsnndev does not understand (entries %u, ring at %u, index at %u, size %llu): upgrade libsnndev",
				    u->devnode, qc.entries, qc.ring_offset,
				    qc.wb_offset, (unsigned long long)qc.mmap_size);
	}
	map = mmap(NULL, qc.mmap_size,
		   dir == SNNDEV_IN ? PROT_READ | PROT_WRITE : PROT_READ,
		   MAP_SHARED, u->fd, (off_t)qc.mmap_offset);
	if (map == MAP_FAILED) {
		ret = -errno;
		snndev_ioctl(u->fd, SNN_IOC_QUEUE_DESTROY, &id);
		pthread_mutex_unlock(&u->lock);
		return snndev__uerr(u, ret, "%s: mmap of %s queue %u: %s (%s)",
				    u->devnode, dir_name(dir), index,
				    strerror(-ret), snndev__errname(ret));
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		munmap(map, qc.mmap_size);
		snndev_ioctl(u->fd, SNN_IOC_QUEUE_DESTROY, &id);
		pthread_mutex_unlock(&u->lock);
		return snndev__uerr(u, -ENOMEM, "snndev_queue_create: out of memory");
	}
	q->u = u;
	q->dir = qc.dir;
	q->index = index;
	q->entries = qc.entries;
	q->mask = qc.entries - 1;
	q->map = map;
	q->map_size = qc.mmap_size;
	q->dev_index = (const uint32_t *)(q->map + qc.wb_offset);
	q->ring = (uint64_t *)(q->map + qc.ring_offset);
	u->queues[dir][index] = q;
	pthread_mutex_unlock(&u->lock);
	*out = q;
	return 0;
}

static void queue_unmap(struct snndev_queue *q)
{
	munmap(q->map, q->map_size);
	free(q);
}

SNNDEV_EXPORT void snndev_queue_destroy(struct snndev_queue *q)
{
	struct snndev_unit *u;
	struct snn_queue_id id;
	int ret;

	if (!q)
		return;
	u = q->u;
	id.dir = q->dir;
	id.index = q->index;
	pthread_mutex_lock(&u->lock);
	u->queues[q->dir][q->index] = NULL;
	pthread_mutex_unlock(&u->lock);
	ret = snndev_ioctl(u->fd, SNN_IOC_QUEUE_DESTROY, &id);
	if (ret && ret != -ENODEV)
		snndev__uerr(u, ret, "%s: SNN_IOC_QUEUE_DESTROY of %s queue %u: %s (%s); the queue stays created until the unit is closed",
			     u->devnode, dir_name(q->dir), q->index,
			     ret == -EBUSY ? "the cluster is running or loading" :
			     strerror(-ret), snndev__errname(ret));
	queue_unmap(q);
}

void snndev__queues_free(struct snndev_unit *u)
{
	unsigned int d, i;

	for (d = 0; d < 2; d++)
		for (i = 0; i < SNNDEV_MAX_QUEUES; i++)
			if (u->queues[d][i]) {
				queue_unmap(u->queues[d][i]);
				u->queues[d][i] = NULL;
			}
}

void snndev__queues_reset(struct snndev_unit *u)
{
	unsigned int d, i;

	pthread_mutex_lock(&u->lock);
	for (d = 0; d < 2; d++)
		for (i = 0; i < SNNDEV_MAX_QUEUES; i++)
			if (u->queues[d][i]) {
				u->queues[d][i]->host = 0;
				u->queues[d][i]->rung = 0;
				u->queues[d][i]->prepared = 0;
			}
	pthread_mutex_unlock(&u->lock);
}

SNNDEV_EXPORT size_t snndev_queue_entries(const struct snndev_queue *q)
{
	return q ? q->entries : 0;
}

/* Events between the consumer and the producer, at most entries. */
static uint32_t occupancy(const struct snndev_queue *q, uint32_t dev)
{
	uint32_t n = q->dir == SNN_QUEUE_IN ? q->host - dev : dev - q->host;

	return n > q->entries ? q->entries : n;
}

SNNDEV_EXPORT size_t snndev_queue_prepare(struct snndev_queue *q,
					  uint64_t **slots, size_t want)
{
	uint32_t free_, pos, n;

	if (slots)
		*slots = NULL;
	if (!q || !slots || q->dir != SNN_QUEUE_IN)
		return 0;
	free_ = q->entries - occupancy(q, dev_index(q));
	pos = q->host & q->mask;
	n = q->entries - pos;
	if (n > free_)
		n = free_;
	if (n > want)
		n = (uint32_t)want;
	q->prepared = n;
	*slots = q->ring + pos;
	return n;
}

SNNDEV_EXPORT void snndev_queue_commit(struct snndev_queue *q, size_t n)
{
	if (!q || q->dir != SNN_QUEUE_IN)
		return;
	if (n > q->prepared)
		n = q->prepared;
	q->host += (uint32_t)n;
	q->prepared = 0;
}

SNNDEV_EXPORT int snndev_queue_flush(struct snndev_queue *q)
{
	if (!q)
		return snndev__err(-EINVAL, "snndev_queue_flush: q is NULL");
	if (q->dir != SNN_QUEUE_IN)
		return snndev__uerr(q->u, -EINVAL, "snndev_queue_flush: output queue %u: flush is for input queues",
				    q->index);
	if (q->host == q->rung)
		return 0;
	return doorbell(q, q->host);
}

SNNDEV_EXPORT size_t snndev_queue_peek(struct snndev_queue *q,
				       const uint64_t **events)
{
	uint32_t avail, pos, n;

	if (events)
		*events = NULL;
	if (!q || !events || q->dir != SNN_QUEUE_OUT)
		return 0;
	avail = occupancy(q, dev_index(q));
	pos = q->host & q->mask;
	n = q->entries - pos;
	if (n > avail)
		n = avail;
	*events = q->ring + pos;
	return n;
}

SNNDEV_EXPORT int snndev_queue_release(struct snndev_queue *q, size_t n)
{
	uint32_t avail;

	if (!q)
		return snndev__err(-EINVAL, "snndev_queue_release: q is NULL");
	if (q->dir != SNN_QUEUE_OUT)
		return snndev__uerr(q->u, -EINVAL, "snndev_queue_release: input queue %u: release is for output queues",
				    q->index);
	avail = occupancy(q, dev_index(q));
	if (n > avail)
		return snndev__uerr(q->u, -EINVAL, "snndev_queue_release: output queue %u: %zu events released, but only %u are ready",
				    q->index, n, avail);
	if (!n)
		return 0;
	q->host += (uint32_t)n;
	return doorbell(q, q->host);
}

SNNDEV_EXPORT long snndev_queue_push(struct snndev_queue *q,
				     const uint64_t *events, size_t n)
{
	size_t done = 0, k, i;
	uint64_t *slots;
	int ret;

	if (!q || (n && !events))
		return snndev__err(-EINVAL, "snndev_queue_push: bad argument");
	if (q->dir != SNN_QUEUE_IN)
		return snndev__uerr(q->u, -EINVAL, "snndev_queue_push: output queue %u: push is for input queues",
				    q->index);
	while (done < n) {
		k = snndev_queue_prepare(q, &slots, n - done);
		if (!k)
			break;
		for (i = 0; i < k; i++)
			slots[i] = htole64(events[done + i]);
		snndev_queue_commit(q, k);
		done += k;
	}
	ret = snndev_queue_flush(q);
	return ret ? ret : (long)done;
}

SNNDEV_EXPORT long snndev_queue_pull(struct snndev_queue *q, uint64_t *events,
				     size_t max)
{
	size_t done = 0, k, i;
	const uint64_t *ev;
	int ret;

	if (!q || (max && !events))
		return snndev__err(-EINVAL, "snndev_queue_pull: bad argument");
	if (q->dir != SNN_QUEUE_OUT)
		return snndev__uerr(q->u, -EINVAL, "snndev_queue_pull: input queue %u: pull is for output queues",
				    q->index);
	while (done < max) {
		k = snndev_queue_peek(q, &ev);
		if (k > max - done)
			k = max - done;
		if (!k)
			break;
		for (i = 0; i < k; i++)
			events[done + i] = le64toh(ev[i]);
		q->host += (uint32_t)k;	/* (peek the next chunk) */
		done += k;
	}
	if (!done)
		return 0;
	ret = doorbell(q, q->host);
	return ret ? ret : (long)done;
}

SNNDEV_EXPORT size_t snndev_queue_pending(struct snndev_queue *q)
{
	if (!q)
		return 0;
	return occupancy(q, dev_index(q));
}
