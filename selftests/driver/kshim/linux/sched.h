/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim of <linux/sched.h>: everything is in ../kshim.h. */
#include "../kshim.h"
