// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: the unaligned access helpers live in <linux/unaligned.h>.
 * Linux 6.12 moved them there from <asm/unaligned.h>.  (A probe rather
 * than __has_include, which sparse 0.6.4 does not understand.)
 */
#include <linux/unaligned.h>

u32 snn_probe(const void *p);
u32 snn_probe(const void *p)
{
	return get_unaligned_le32(p);
}
