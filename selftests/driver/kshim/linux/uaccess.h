/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim of <linux/uaccess.h>: everything is in ../kshim.h. */
#include "../kshim.h"
