# SPDX-License-Identifier: GPL-2.0
#
# selftests/lib/: VM tests of libsnndev against the real driver and of
# snnctl, included by the top-level Makefile after selftests/selftests.mk
# (whose GUEST_TEST_TARGETS already lists selftests/lib/*_test).  They link
# the static libsnndev ($(LIBSNNDEV_A): no libudev, it reads
# /sys/class/snn itself), so they run in the busybox guest like the other
# tests.  snnctl itself runs there dynamically linked, from the tree that
# `make install DESTDIR=... PREFIX=/usr` makes (scripts/check-vm.sh).
#
# This rule is more specific than selftests.mk's $(B)/selftests/% (a
# shorter stem), so make takes it for these programs.

LIBTEST_HDRS	:= $(wildcard selftests/lib/*.h) libsnndev/snndev.h

$(B)/selftests/lib/%: selftests/lib/%.c $(LIBSNNDEV_A) $(LIBTEST_HDRS) \
		      $(GUEST_HDRS) | $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CPPFLAGS) -Iselftests/lib -Ilibsnndev \
		$(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< $(LIBSNNDEV_A) -lpthread
