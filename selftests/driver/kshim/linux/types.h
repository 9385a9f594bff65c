/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim of <linux/types.h>: the system's uapi one (__u8 ... __le16)
 * plus the kernel's short names.  See ../kshim.h.
 */
#ifndef KSHIM_LINUX_TYPES_H
#define KSHIM_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;
typedef unsigned int gfp_t;

#endif /* KSHIM_LINUX_TYPES_H */
