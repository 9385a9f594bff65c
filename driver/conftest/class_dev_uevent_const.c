// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: struct class .dev_uevent() takes a const struct device *.
 * Linux 6.2 (driver core: "make struct class.dev_uevent() take a const *").
 * A type comparison, so the answer does not depend on whether the compiler
 * only warns about incompatible pointer types.
 */
#include <linux/device.h>

int snn_probe(const struct device *dev, struct kobj_uevent_env *env);

static_assert(__builtin_types_compatible_p(typeof(*((struct class *)0)->dev_uevent),
					   typeof(snn_probe)));
