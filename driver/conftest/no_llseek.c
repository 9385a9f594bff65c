// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: no_llseek still exists.
 * Linux 6.12 removed it tree-wide: a NULL .llseek means the same (since
 * 6.0 no_llseek was already #defined to NULL).
 */
#include <linux/fs.h>

const struct file_operations snn_probe_fops = {
	.llseek = no_llseek,
};
