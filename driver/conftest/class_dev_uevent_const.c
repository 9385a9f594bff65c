// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: struct class .dev_uevent() takes a const struct device *.
 * Linux 6.2 (driver core: "make struct class.dev_uevent() take a const *").
 * A type comparison, so the answer does not depend on whether the compiler
 * only warns about incompatible pointer types.
 */
#include <linux/device.h>

_Static_assert(__builtin_types_compatible_p(
		       typeof(((struct class *)0)->dev_uevent),
		       int (*)(const struct device *, struct kobj_uevent_env *)),
	       "class.dev_uevent takes struct device *");
