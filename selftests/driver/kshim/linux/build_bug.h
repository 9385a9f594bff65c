/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim of <linux/build_bug.h>: everything is in ../kshim.h. */
#include "../kshim.h"
