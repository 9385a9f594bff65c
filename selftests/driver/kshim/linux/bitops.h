/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim of <linux/bitops.h>: everything is in ../kshim.h. */
#include "../kshim.h"
