// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: struct class .devnode() takes a const struct device *.
 * Linux 6.2 (driver core: "make struct class.devnode() take a const *").
 * A type comparison, so the answer does not depend on whether the compiler
 * only warns about incompatible pointer types.
 */
#include <linux/device.h>

char *snn_probe(const struct device *dev, umode_t *mode);

static_assert(__builtin_types_compatible_p(typeof(*((struct class *)0)->devnode),
					   typeof(snn_probe)));
