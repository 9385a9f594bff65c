# SPDX-License-Identifier: GPL-2.0
#
# snndev top-level Makefile: one entry point for everything.
#
#   make            build the host parts (engine, snn-sim, tests)
#   make demo       the main job: build, boot the emulated board, load the
#                   driver, classify digits on it (IMAGES=N: the first N)
#   make run        build, boot the emulated board, show it
#   make check      host unit tests + tests inside a QEMU VM
#   make check-debug    VM tests and loops under a debug kernel (KASAN,
#                       lockdep, kmemleak, fault injection; not in check)
#   make check-kernels  the kernel matrix: snn.ko and the VM selftests on
#                       Debian's 6.1, 6.12 and newest 7.x (not in check;
#                       KERNELS="suite..." for some of them)
#   make fuzz       the ioctl fuzzer in the VM under the debug kernel, 10
#                   minutes (not in check; SNN_FUZZ_SECONDS=, SNN_FUZZ_SEED=)
#   make module     build the driver, snn.ko, for the test VM's kernel
#   make check-style    checkpatch + sparse on the driver and uapi header
#   make check-uapi     uapi struct layout (holes, padding, 32/64-bit)
#   make bench-engine   neuron-engine microbenchmark (not part of check)
#   make bench      the board's performance figures in a VM: queues,
#                   round trips, inference cost, isolation, the engine
#                   (not part of check; docs/performance.md)
#   make install    libsnndev, headers, pkg-config file, snnctl, man page,
#                   bash completion, udev rules (DESTDIR=, PREFIX=/usr/local)
#   make uninstall  remove what make install installed
#   make dkms-install   snn.ko with DKMS from this checkout, rebuilt for
#                       every new kernel (KVER=<release>, default: running)
#   make dkms-remove    remove it from DKMS and every kernel
#
# Outputs go to build/ (B=...); caches shared between checkouts (the QEMU
# build, Debian kernels) go to $(SNNDEV_CACHE), outside the work tree.

B		?= $(CURDIR)/build
SNNDEV_CACHE	?= /var/cache/snndev
CC		?= cc
HOST_CFLAGS	?= -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -std=gnu11
export B SNNDEV_CACHE

# Installation (make install): DESTDIR is prepended to every path, and
# everything goes under PREFIX: a package uses PREFIX=/usr, a local build
# the default /usr/local.  udev rules and the sysusers.d file that creates
# the group go where systemd looks for vendor files of that prefix
# (/usr/lib/udev/rules.d, /usr/local/lib/udev/rules.d: systemd >= 247
# reads both); for an older udev with PREFIX=/usr/local, pass
# UDEVRULESDIR=/etc/udev/rules.d SYSUSERSDIR=/etc/sysusers.d.
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
UDEVRULESDIR	?= $(PREFIX)/lib/udev/rules.d
SYSUSERSDIR	?= $(PREFIX)/lib/sysusers.d

.PHONY: all host run check check-host check-vm check-debug bench-engine \
	deps qemu kernel debug-kernel module check-style check-uapi clean help \
	install uninstall check-kernels dkms-install dkms-remove fuzz

all: host

help:
	@sed -n '3,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

include qemu-model/engine/engine.mk
include libsnndev/libsnndev.mk
include tools/tools.mk
include tools/digits/digits.mk
include tools/bench/bench.mk
include udev/udev.mk
include selftests/selftests.mk
include selftests/lib/lib.mk

host: $(ENGINE_HOST_TARGETS) $(LIB_HOST_TARGETS) $(TOOLS_HOST_TARGETS)

deps:
	@scripts/deps.sh

qemu: deps
	@scripts/build-qemu.sh

kernel: deps
	@scripts/get-kernel.sh

run:
	@scripts/run.sh

check:
	@scripts/check.sh

check-host: $(ENGINE_TEST_TARGETS) $(HOST_TEST_TARGETS)
	@scripts/run-host-tests.sh $(ENGINE_TEST_TARGETS) $(HOST_TEST_TARGETS)

check-vm: $(GUEST_TEST_TARGETS)
	@scripts/check-vm.sh

# the debug kernel alone ($(B)/kernel-debug; snn.ko for it:
# make module KERNEL=$(B)/kernel-debug)
debug-kernel: deps
	@scripts/build-debug-kernel.sh

check-debug: $(GUEST_TEST_TARGETS)
	@scripts/check-debug.sh

# the kernel matrix (scripts/check-kernels.sh; KERNELS: Debian suites)
check-kernels: $(GUEST_TEST_TARGETS)
	@scripts/check-kernels.sh $(KERNELS)

# the ioctl fuzzer, long (scripts/fuzz.sh; docs/testing.md): SNN_FUZZ_SECONDS
# (600), SNN_FUZZ_CALLS, SNN_FUZZ_SEED, SNN_FUZZ_ARGS, SNN_FUZZ_KERNEL
fuzz: $(B)/selftests/fuzz/ioctl_fuzz_test
	@scripts/fuzz.sh

# DKMS from a checkout (README: "Installing the driver on a node (DKMS)")
dkms-install:
	@scripts/dkms.sh install $(KVER)

dkms-remove:
	@scripts/dkms.sh remove

# snn.ko for $(B)/kernel (KERNEL=$(B)/kernel-<suite> or a kernel build
# directory for another): $(B)/module/snn.ko, $(B)/module/<release>/snn.ko
module:
	@scripts/build-module.sh $(KERNEL)

check-style:
	@scripts/check-style.sh

check-uapi:
	@scripts/check-uapi-layout.sh

install: install-lib install-tools install-udev

uninstall: uninstall-lib uninstall-tools uninstall-udev

clean:
	rm -rf $(B)
