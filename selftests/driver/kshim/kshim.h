/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel API to compile driver/snn_load.c in user space
 * for selftests/driver/load_host_test.c.  The linux/ headers next to this
 * file stand in for the kernel's (all but <linux/types.h> simply include
 * this file); <linux/errno.h> and <linux/ioctl.h> are the system's uapi
 * ones.
 *
 * Allocations can be made to fail and are counted; copy_from_user() reads
 * only from ranges registered with kshim_user_add(), like user memory with
 * holes, and copies the readable prefix as the kernel's does.
 */
#ifndef KSHIM_H
#define KSHIM_H

#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

#define __user
#define __force
#define GFP_KERNEL		0u
#define GFP_KERNEL_ACCOUNT	0u

#ifndef U32_MAX
#define U32_MAX			((u32)~0U)
#endif

#undef static_assert
#define __static_assert(expr, msg, ...) _Static_assert(expr, msg)
#define static_assert(expr, ...) __static_assert(expr, ##__VA_ARGS__, #expr)

#define min_t(type, a, b) \
	((type)(a) < (type)(b) ? (type)(a) : (type)(b))

#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)

static inline size_t array_size(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

#define BITS_PER_LONG		(8 * (int)sizeof(long))
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)

static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return (addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}

static inline bool __test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	unsigned long mask = 1UL << (nr % BITS_PER_LONG);
	bool old = addr[nr / BITS_PER_LONG] & mask;

	addr[nr / BITS_PER_LONG] |= mask;
	return old;
}

#define u64_to_user_ptr(x)	((void __user *)(uintptr_t)(x))

/* What the code under test did; kshim_reset() clears it. */
struct kshim_stats {
	unsigned long alloc_calls;	/* allocation requests */
	unsigned long live;		/* allocated and not yet freed */
	size_t max_alloc;		/* largest request, bytes */
	size_t total_alloc;		/* sum of requests, bytes */
	long fail_at;			/* fail request #fail_at (0-based) */
	unsigned long copy_calls;	/* copy_from_user() calls */
	unsigned long long copied;	/* bytes copied from "user" */
	unsigned long resched;		/* cond_resched() calls */
};

extern struct kshim_stats kshim;

/* Stats to 0, fail_at to -1. */
void kshim_reset(void);
/* No user memory is readable; then make [p, p + len) readable. */
void kshim_user_clear(void);
void kshim_user_add(const void *p, size_t len);
/* How many of the n bytes at p copy_from_user() would copy. */
size_t kshim_user_readable(const void *p, size_t n);

void *kvmalloc(size_t size, gfp_t flags);
void *kvcalloc(size_t n, size_t size, gfp_t flags);
void *kcalloc(size_t n, size_t size, gfp_t flags);
void kvfree(const void *p);
void kfree(const void *p);
unsigned long copy_from_user(void *to, const void __user *from,
			     unsigned long n);

static inline void cond_resched(void)
{
	kshim.resched++;
}

#endif /* KSHIM_H */
