/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A mock of the snn driver for host tests, linked with
 * -Wl,--wrap=ioctl,--wrap=mmap,--wrap=munmap,--wrap=close: every file
 * that refers to /dev/null (also through a symlink such as tmp/snn0.1)
 * is an snn node whose SNN_IOC_INFO is mock.info as it was at the node's
 * first ioctl.  The ioctls record their arguments and return what the
 * test set; queue and doorbell mappings are anonymous memory the test
 * reads and writes as the device would.  Also injects EINTR/EAGAIN into
 * any ioctl.
 */
#ifndef SNNDEV_MOCK_H
#define SNNDEV_MOCK_H

#include <stddef.h>
#include <stdint.h>
#include <linux/snn.h>

#define MOCK_MAX_FD	1024

struct mock_queue {
	int created;
	struct snn_queue_create qc;
	uint8_t *map;			/* the process's mapping, if any */
	uint32_t doorbell;		/* last SNN_IOC_DOORBELL value */
	int doorbells;			/* SNN_IOC_DOORBELL calls */
};

struct mock {
	struct snn_info info;		/* for nodes opened from now on */
	int eintr, eagain;		/* fail the next ioctls with these */
	int ioctls;			/* every ioctl through the wrapper */

	int load_ret;
	struct snn_load load_err;	/* err_* returned with load_ret */
	struct snn_load load_in;
	struct snn_profile profiles[64];
	struct snn_neuron neurons[64];
	struct snn_synapse synapses[64];
	struct snn_fanout fanouts[64];

	int run_ret;
	struct snn_run run_in;
	int wait_ret, wait_eintr;
	struct snn_wait wait_in, wait_out;
	struct snn_counters counters;
	int reset_ret;
	struct snn_reset reset_in;
	int config_ret;
	struct snn_config config_in;
	int eventfd_ret;
	struct snn_eventfd eventfd_in;
	int route_ret;
	unsigned long route_cmd;
	struct snn_route route_in;
	int board_reset_ret;
	int qcreate_ret, qdestroy_ret, qdestroys;
	int mmap_errno;			/* fail queue mmaps with this */
	int doorbell_mmap_errno;	/* fail the doorbell mmap */

	struct mock_queue q[2][8];
	uint8_t *doorbell_page;
	int doorbell_maps;
};

extern struct mock mock;

/* Everything back to a default cluster 0 of board 0 (4 clusters, ...). */
void mock_reset(void);
/* mock.info as a node of the default board: SNN_NODE_*, unit Y. */
void mock_node(uint32_t type, uint32_t unit);
/* The control page word of a queue (the device's index) and its ring. */
void mock_set_dev_index(unsigned int dir, unsigned int q, uint32_t v);
uint64_t *mock_ring(unsigned int dir, unsigned int q);
/* The last value in the mapped doorbell page for a queue. */
uint32_t mock_doorbell_page(unsigned int dir, unsigned int q);

#endif /* SNNDEV_MOCK_H */
