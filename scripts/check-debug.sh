#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: the driver under a debug kernel (KASAN, lockdep,
# kmemleak, UBSAN, DEBUG_LIST, DMA-API debugging, fault injection; see
# scripts/debug-kernel.config).  Not part of `make check`: about 20
# minutes on a 2-core machine, plus 10-14 minutes the first time for the
# kernel build; CI runs it after `make check` (.ci/run).
#
#   1. the debug kernel (scripts/build-debug-kernel.sh; cached)
#   2. snn.ko against it, without warnings (scripts/build-module.sh)
#   3. the VMs of `make check-vm` on the debug kernel (scripts/check-vm.sh
#      with SNN_KERNEL and SNN_MODULE): the second, behind an IOMMU, as
#      there; the first running, in order:
#        - its whole suite (model and driver tests)
#        - selftests/debug/fault_inject_test: allocation failures in
#          probe, remove, open, load, queue creation, mmap, run, release
#          and board reset (failslab, fail_page_alloc)
#        - selftests/debug/reset_loop_test: board resets with mapped queues
#          and runs in flight
#        - selftests/debug/unplug_loop_test: PCIe hot-unplug and replug,
#          the same
#        - selftests/driver/unplug_test on the USB board usb1: surprise
#          removal with queues mapped and a run in flight, and back
#          ($SNN_DEBUG_USB_CYCLES times, default 20)
#        - $SNN_DEBUG_TESTS, if any (see below)
#        - selftests/debug/module_loop_test: rmmod/insmod with nodes held
#        - selftests/debug/kmemleak-check.sh: unload snn.ko, scan for
#          leaks, fail on any
#      and failing on any KASAN, UBSAN, lockdep, BUG:, WARNING:, Oops,
#      hung-task or Call Trace report in the console (vm-run.py).
# The last line is "N passed, N failed[, N skipped]"; the exit status is
# non-zero if anything failed.
#
# Environment:
#   SNN_DEBUG_CYCLES   cycles of each loop test (default 50)
#   SNN_DEBUG_USB_CYCLES  USB unplug cycles (default 20)
#   SNN_DEBUG_TESTS    more guest tests for the debug VM, one vm-run.py
#                      --test spec ("PATH [args]", @snn0@/@snn1@ for the
#                      boards' PCI addresses) a line; they run after the
#                      loops, before the module loop and the leak scan.
#                      The hook for the ioctl fuzzer (selftests/fuzz/).
#   SNN_DEBUG_BIND_STRIDE, SNN_DEBUG_BIND_OFFSET: see fault_inject_test
#                      below (default 4 and the day of the year modulo 4)
#   SNN_VM_TIMEOUT, SNN_VM_TEST_TIMEOUT, SNN_VM_ARGS: as for check-vm.sh
#                      (defaults here: 3600 s and 1200 s; SNN_VM_ARGS is
#                      added to this lane's own vm-run.py arguments)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init
cd "$SNN_ROOT"
T0=$(now)
mkdir -p "$B"
CYC=${SNN_DEBUG_CYCLES:-50}
UCYC=${SNN_DEBUG_USB_CYCLES:-20}
T=$B/selftests

tp=0 tf=0 ts=0
declare -a summary

# stage NAME LOG CMD...: run a stage, take its counts from its last
# "N passed, N failed" line (as scripts/check.sh does).
stage() {
	local name=$1 log=$2 t0 rc last p f s
	shift 2
	t0=$(now)
	set +e
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1 || true)
	if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
		[ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
	else
		p=0 s=0 f=1
		echo "FAIL $name: no results (exit status $rc), see $log"
	fi
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	summary+=("$(printf '%-7s %4d passed, %d failed, %d skipped  (%s)' "$name" "$p" "$f" "$s" "$(since "$t0")")")
	return "$rc"
}

finish() {
	echo
	echo "==== make check-debug summary ($(since "$T0")) ===="
	for l in "${summary[@]}"; do echo "$l"; done
	line="$tp passed, $tf failed"
	[ "$ts" != 0 ] && line="$line, $ts skipped"
	echo "$line"
	[ "$tf" = 0 ]
}

msg "checking Debian packages..."
scripts/deps.sh

msg "the debug kernel..."
t0=$(now)
if ! scripts/build-debug-kernel.sh; then
	summary+=("kernel  did not build ($(since "$t0"))")
	tf=$((tf + 1))
	finish
	exit 1
fi
summary+=("kernel  $(cat "$B/kernel-debug/release") ready ($(since "$t0"))")
REL=$(cat "$B/kernel-debug/release")

msg "building snn.ko for the debug kernel..."
KO=$B/module/$REL/snn.ko
stage module "$B/check-debug-module.log" scripts/build-module.sh "$B/kernel-debug" || true
if [ ! -f "$KO" ]; then
	finish
	exit 1
fi

# The debug tests, after check-vm.sh's own.  @snn0@ and @snn1@ are the two
# boards of check-vm.sh (snn1: the smaller one, with fault injection).
# fault_inject_test fails every allocation of every path once, but of
# binding and unbinding (hundreds of allocations at ~0.5 s each) every
# SNN_DEBUG_BIND_STRIDE-th only, from an offset that changes daily, so
# that four days of CI cover them all (SNN_DEBUG_BIND_OFFSET=N repeats a
# day's run).
stride=${SNN_DEBUG_BIND_STRIDE:-4}
offset=${SNN_DEBUG_BIND_OFFSET:-$(( 10#$(date +%j) % stride ))}
extra="$T/debug/fault_inject_test --board @snn1@ --bind-stride $stride --bind-offset $offset
$T/debug/reset_loop_test --board @snn0@ --cycles $CYC
$T/debug/unplug_loop_test --board @snn1@ --id snn1 --device @snn1:device@ --cycles $CYC
$T/driver/unplug_test --board board-id=17 --id usb1 --device @usb1:device@ --cycles $UCYC
${SNN_DEBUG_TESTS:-}
$T/fuzz/ioctl_fuzz_test --calls 100000 --seconds 300
$T/debug/module_loop_test --module /modules/$(basename "$KO") --cycles $CYC
selftests/debug/kmemleak-check.sh snn"

# The VM boots the bzImage (a KASAN kernel's vmlinux cannot boot through
# PVH: the PVH entry code runs instrumented before KASAN's shadow exists).
# Hot-plug goes through ACPI (acpiphp), not pciehp: 6.1's pciehp takes
# reset_lock under pci_rescan_remove_lock on every removal, lockdep
# reports that as a possible deadlock at the first unplug and then turns
# itself off for the rest of the VM (and pciehp's 5 s attention-button
# wait would make the unplug loop 4 minutes longer).  The driver sees the
# same removal either way (pci_stop_and_remove_bus_device()).
# Known 6.1 kernel bugs that fault injection reaches, kept out (see
# selftests/debug/fault_inject_test.c): slab caches radix_tree_node,
# vmap_area and page->ptl never fail, and /proc/irq warnings of
# unregister_irq_proc() are ignored.
vmargs="--acpi-hotplug --append slub_debug=FZPUA;-,radix_tree_node,vmap_area,page->ptl"
vmargs="$vmargs --ignore-splat unregister_irq_proc ${SNN_VM_ARGS:-}"
msg "the VM suite and the debug tests on $REL..."
stage vm "$B/check-debug-vm.log" env \
	SNN_KERNEL="$B/kernel-debug/vmlinuz" SNN_MODULE="$KO" \
	SNN_VM_EXTRA_TESTS="$extra" \
	SNN_VM_TIMEOUT="${SNN_VM_TIMEOUT:-3600}" \
	SNN_VM_TEST_TIMEOUT="${SNN_VM_TEST_TIMEOUT:-1200}" \
	SNN_VM_ARGS="$vmargs" \
	scripts/check-vm.sh || true

finish
