/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A minimal TAP harness for the libsnndev host tests: each test is a
 * function; CHECK*() record failures and the test prints "ok N - name" or
 * "not ok N - name".  tap_done() prints the plan and returns the exit
 * status (1 if anything failed).
 */
#ifndef SNNDEV_TAP_H
#define SNNDEV_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_cur_failed, tap_run, tap_failed_total;

#define CHECK(c)							\
	do {								\
		if (!(c)) {						\
			printf("# %s:%d: check failed: %s\n",		\
			       __FILE__, __LINE__, #c);			\
			tap_cur_failed = 1;				\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long a_ = (long long)(a), b_ = (long long)(b);	\
		if (a_ != b_) {						\
			printf("# %s:%d: %s is %lld, expected %s = %lld\n", \
			       __FILE__, __LINE__, #a, a_, #b, b_);	\
			tap_cur_failed = 1;				\
		}							\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *a_ = (a), *b_ = (b);			\
		if (!a_ || !b_ || strcmp(a_, b_)) {			\
			printf("# %s:%d: %s is\n#   \"%s\"\n# expected\n#   \"%s\"\n", \
			       __FILE__, __LINE__, #a, a_ ? a_ : "(null)", \
			       b_ ? b_ : "(null)");			\
			tap_cur_failed = 1;				\
		}							\
	} while (0)

/* A call that must fail with err and leave exactly msg in snndev_errmsg(). */
#define CHECK_ERR(call, err, msg)					\
	do {								\
		long r_ = (long)(call);					\
		CHECK_EQ(r_, (err));					\
		CHECK_STR(snndev_errmsg(), (msg));			\
	} while (0)

static void tap_report(const char *name)
{
	tap_run++;
	if (tap_cur_failed) {
		tap_failed_total++;
		printf("not ok %d - %s\n", tap_run, name);
	} else {
		printf("ok %d - %s\n", tap_run, name);
	}
	fflush(stdout);
	tap_cur_failed = 0;
}

#define RUN(fn)								\
	do {								\
		fn();							\
		tap_report(#fn);					\
	} while (0)

static int tap_done(void)
{
	printf("1..%d\n", tap_run);
	printf("# %d passed, %d failed\n", tap_run - tap_failed_total,
	       tap_failed_total);
	return tap_failed_total ? 1 : 0;
}

#endif /* SNNDEV_TAP_H */
