// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: the per-CPU system workqueue is called system_percpu_wq.
 * Linux 6.17, commit 128ea9f6ccfb ("workqueue: Add system_percpu_wq and
 * system_dfl_wq"): system_wq became a deprecated alias ("use
 * system_percpu_wq, this will be removed", 7.x <linux/workqueue.h>) and
 * later kernels warn at run time when work is still queued on it.
 */
#include <linux/workqueue.h>

struct workqueue_struct *snn_probe(void);
struct workqueue_struct *snn_probe(void)
{
	return system_percpu_wq;
}
