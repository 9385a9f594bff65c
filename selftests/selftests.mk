# SPDX-License-Identifier: GPL-2.0
#
# Guest test programs, included by the top-level Makefile (which sets B and
# CC; paths are relative to the top directory).  They run inside the test VM
# from a busybox initramfs, so they are linked statically.
#
#   selftests/<dir>/<name>_test.c  -> $(B)/selftests/<dir>/<name>_test  (tests)
#   GUEST_TOOL_SRCS                -> $(B)/selftests/<dir>/<name>       (helpers)
#
# A program that needs more C files than its own names them in
# GUEST_EXTRA_SRCS_<name> (e.g. the neuron engine, to compute expected
# results inside the guest).
#
# Tests use the kernel's kselftest_harness.h (KTAP output), taken from
# Debian's linux-source package by scripts/get-linux-source.sh into
# $(B)/ksft/ (never copied into this repository).

GUEST_CC	?= $(CC)
# (-Wno-sign-compare: kselftest_harness.h's EXPECT_*() compare mixed types)
GUEST_CFLAGS	?= -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
		   -std=gnu11
GUEST_CPPFLAGS	:= -Idriver -Iuapi -Iqemu-model/engine -Iqemu-model -I$(B)/ksft
GUEST_LDFLAGS	?= -static

KSFT_HDRS	:= $(B)/ksft/kselftest_harness.h $(B)/ksft/kselftest.h

GUEST_TEST_SRCS	:= $(sort $(filter-out %_host_test.c,$(wildcard selftests/*/*_test.c)))
GUEST_TOOL_SRCS	:= selftests/model/snn_probe.c selftests/driver/bench.c
GUEST_TEST_TARGETS := $(patsubst selftests/%.c,$(B)/selftests/%,$(GUEST_TEST_SRCS))
GUEST_TOOL_TARGETS := $(patsubst selftests/%.c,$(B)/selftests/%,$(GUEST_TOOL_SRCS))
GUEST_HDRS	:= $(wildcard selftests/*/*.h) driver/snn_hw.h \
		   $(wildcard uapi/linux/*.h) $(wildcard qemu-model/engine/*.h)

GUEST_ENGINE_SRCS := qemu-model/engine/snn_engine.c qemu-model/engine/snn_img_write.c
GUEST_EXTRA_SRCS_model_dma_test := $(GUEST_ENGINE_SRCS)
GUEST_EXTRA_SRCS_model_usb_test := $(GUEST_ENGINE_SRCS)
GUEST_EXTRA_SRCS_load_sg_test := $(GUEST_ENGINE_SRCS)

.PHONY: guest-tests ksft
guest-tests: $(GUEST_TEST_TARGETS) $(GUEST_TOOL_TARGETS)

$(KSFT_HDRS):
	@scripts/get-linux-source.sh

ksft: $(KSFT_HDRS)

# (secondary expansion: the extra sources of each program are prerequisites)
.SECONDEXPANSION:
$(B)/selftests/%: selftests/%.c $$(GUEST_EXTRA_SRCS_$$(notdir $$*)) \
		  $(GUEST_HDRS) | $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CPPFLAGS) -I$(<D) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) \
		-o $@ $< $(GUEST_EXTRA_SRCS_$(notdir $*))

# Host test of the driver's network-load validation (driver/snn_load.c
# compiled in user space over a small kernel shim), checked against the
# engine's image loader.
LOAD_TEST_SRCS := selftests/driver/load_host_test.c \
		  selftests/driver/kshim/kshim.c driver/snn_load.c \
		  $(ENGINE_DIR)/snn_engine.c $(ENGINE_DIR)/snn_img_write.c
LOAD_TEST_HDRS := driver/snn_load.h driver/snn_hw.h uapi/linux/snn.h \
		  $(wildcard selftests/driver/kshim/*.h \
			     selftests/driver/kshim/*/*.h) $(ENGINE_HDRS)

$(B)/host/test-load: $(LOAD_TEST_SRCS) $(LOAD_TEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -O1 $(ENGINE_SAN) -Iselftests/driver/kshim \
		-Idriver -Iuapi -I$(ENGINE_DIR) -o $@ $(LOAD_TEST_SRCS)

HOST_TEST_TARGETS += $(B)/host/test-load
