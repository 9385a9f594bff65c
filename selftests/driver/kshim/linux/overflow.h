/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim of <linux/overflow.h>: everything is in ../kshim.h. */
#include "../kshim.h"
