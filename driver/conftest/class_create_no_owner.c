// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: class_create() takes only the class name.
 * Linux 6.4, commit 1aaba11da9aa ("driver core: class: remove module * from
 * class_create()").  Before, class_create(owner, name) was a two-argument
 * macro, so the one-argument call below does not even preprocess.
 */
#include <linux/device.h>

struct class *snn_probe(void);
struct class *snn_probe(void)
{
	return class_create("snn_probe");
}
