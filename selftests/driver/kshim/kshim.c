// SPDX-License-Identifier: GPL-2.0
/*
 * The out-of-line part of the kernel API shim (kshim.h).
 */
#include <stdlib.h>

#include "kshim.h"

struct kshim_stats kshim = { .fail_at = -1 };

#define KSHIM_USER_RANGES	8

static struct {
	uintptr_t start, end;
} user_range[KSHIM_USER_RANGES];
static unsigned int n_user_range;

void kshim_reset(void)
{
	memset(&kshim, 0, sizeof(kshim));
	kshim.fail_at = -1;
}

void kshim_user_clear(void)
{
	n_user_range = 0;
}

void kshim_user_add(const void *p, size_t len)
{
	if (n_user_range == KSHIM_USER_RANGES)
		abort();
	user_range[n_user_range].start = (uintptr_t)p;
	user_range[n_user_range].end = (uintptr_t)p + len;
	n_user_range++;
}

static void *kshim_alloc(size_t size, bool zero)
{
	void *p;

	bool fail = kshim.fail_at >= 0 &&
		    kshim.alloc_calls == (unsigned long)kshim.fail_at;

	kshim.alloc_calls++;
	if (fail)
		return NULL;
	if (size > kshim.max_alloc)
		kshim.max_alloc = size;
	kshim.total_alloc += size;
	/* a real kernel would refuse; the code under test must not ask */
	if (size > ((size_t)1 << 31))
		abort();
	p = zero ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
	if (!p)
		abort();
	if (!zero)
		memset(p, 0xa5, size);	/* uninitialised memory */
	kshim.live++;
	return p;
}

void *kvmalloc(size_t size, gfp_t flags)
{
	(void)flags;
	return kshim_alloc(size, false);
}

void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	(void)flags;
	return kshim_alloc(array_size(n, size), true);
}

void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	(void)flags;
	return kshim_alloc(array_size(n, size), true);
}

void kvfree(const void *p)
{
	if (!p)
		return;
	kshim.live--;
	free((void *)p);
}

void kfree(const void *p)
{
	kvfree(p);
}

size_t kshim_user_readable(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;
	unsigned int i;

	for (i = 0; i < n_user_range; i++)
		if (a >= user_range[i].start && a < user_range[i].end)
			return user_range[i].end - a < n ?
			       user_range[i].end - a : n;
	return 0;
}

unsigned long copy_from_user(void *to, const void __user *from,
			     unsigned long n)
{
	size_t c = kshim_user_readable(from, n);

	kshim.copy_calls++;
	if (c)
		memcpy(to, from, c);
	kshim.copied += c;
	return n - c;
}
