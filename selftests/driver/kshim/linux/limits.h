/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim of <linux/limits.h>: everything is in ../kshim.h. */
#include "../kshim.h"
