# SPDX-License-Identifier: GPL-2.0
#
# tools/bench: `make bench` (scripts/bench.sh, docs/performance.md).
# Included by the top-level Makefile after libsnndev/libsnndev.mk.
#
#   $(B)/tools/snn-bench-static   the board benchmarks (snn-bench.c) on
#                                 libsnndev.a, for the busybox guest
#   make bench                    build everything, boot one VM, run the
#                                 benchmarks, print the table, write
#                                 $(B)/bench/bench.json and the plots
#                                 (not part of make check)

SNN_BENCH_STATIC := $(B)/tools/snn-bench-static

.PHONY: bench

$(SNN_BENCH_STATIC): tools/bench/snn-bench.c tools/digits/digits_set.h \
		libsnndev/snndev.h $(LIBSNNDEV_A)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(LIBSNNDEV_CFLAGS) -static -o $@ $< \
		$(LIBSNNDEV_STATIC_LDLIBS) -lpthread -lm

bench:
	@scripts/bench.sh
