#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM half of `make check`: build QEMU with the board model, fetch the
# Debian kernel, build the guest tests, boot one VM with two PCIe boards of
# different topologies and two USB boards (high and super speed) and run
# the guest tests in it; with the driver, the
# driver's tests again behind an IOMMU, and a short third VM with one board
# without the scatter-gather image load (load-sg=off).  The last line is
# "N passed, N failed[, N skipped]"; exit status 0 only if nothing failed.
#
# When the driver exists (driver/*.c) and $B/module/snn.ko was built from
# the current sources (make module; rebuilt here if older than them), the
# VM loads it before the tests.  The model tests drive the boards from user
# space, so the boards are unbound from snn.ko for them and bound again
# afterwards (which tests the driver's remove and probe on the way).
#
# Environment: SNN_VM_TIMEOUT (whole VM, default 1800 s),
# SNN_VM_TEST_TIMEOUT (each test, default 900 s), SNN_VM_ARGS (extra
# vm-run.py arguments).  For another kernel (scripts/check-debug.sh runs
# the same suite on the debug kernel this way):
#   SNN_KERNEL           the kernel image to boot (vm-run.py --kernel;
#                        default: Debian's, fetched by get-kernel.sh)
#   SNN_MODULE           the snn.ko to load, built for that kernel (not
#                        rebuilt here); with SNN_KERNEL and no SNN_MODULE
#                        the VM runs without the driver
#   SNN_VM_EXTRA_TESTS   more tests for the first VM, after all of its
#                        own, one vm-run.py --test spec ("PATH [args]")
#                        a line
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init
cd "$SNN_ROOT"

# The boards.  The model tests are told the same property strings, so what
# they check is exactly what was configured.  snn1 differs from the
# defaults in every topology dimension and has fault injection on (for the
# model DMA tests).  SNN0_MIN is snn0 without the optional features (a
# vendor's board without SNN_FEAT_LOAD_SG and SNN_FEAT_RUN_FRESH: the
# contiguous image load, and the driver's reset-then-run for
# SNN_RUN_RESET_STATE), for a third, short VM.
SNN0='snn-pci,id=snn0'
SNN1='snn-pci,id=snn1,clusters=2,cores=4,neurons=512,routers=1,board-id=2,x-fault-injection=on'
SNN0_MIN='snn-pci,id=snn0,load-sg=off,run-fresh=off'
# The USB boards (snn-usb, docs/hardware.md section 12) of the first VM,
# on a USB 2 and a USB 3 port of its xHCI controller (vm-run.py's speed=).
# model_usb_test drives them through usbfs with snn.ko unbound from them;
# then the driver tests run on them (--transport usb), and usb1 is
# unplugged and plugged back.  Routing tables of 1024 entries, as a USB
# stick's: ioctl_test fills the table, one ROUTE_ADD (four control
# transfers) at a time.
USB0='snn-usb,id=usb0,speed=high,board-id=16,route-entries=1024'
USB1='snn-usb,id=usb1,speed=super,board-id=17,mem-mib=16,route-entries=1024,x-fault-injection=on'

scripts/build-qemu.sh
kernel=()
if [ -n "${SNN_KERNEL:-}" ]; then
	[ -f "$SNN_KERNEL" ] || die "SNN_KERNEL: no $SNN_KERNEL"
	kernel=(--kernel "$SNN_KERNEL")
else
	scripts/get-kernel.sh
fi
msg "building guest tests..."
make -s --no-print-directory guest-tests

# The driver, when there is one.  A module older than its sources is
# rebuilt (check.sh builds it just before, so this is for `make check-vm`
# alone); one that does not build is not loaded (check.sh counts the
# failed build).
module=()
KO=$B/module/snn.ko
if [ -n "${SNN_MODULE:-}" ]; then
	[ -f "$SNN_MODULE" ] || die "SNN_MODULE: no $SNN_MODULE"
	module=(--module "$SNN_MODULE")
elif [ -n "${SNN_KERNEL:-}" ]; then
	warn "SNN_KERNEL without SNN_MODULE: the VM tests run without the driver"
elif compgen -G 'driver/*.c' >/dev/null; then
	if [ ! -f "$KO" ] ||
	   [ -n "$(find Kbuild driver uapi -type f -newer "$KO" ! -name '*.o' \
		! -name '.*' ! -name '*.mod*' ! -name '*.ko' ! -name 'snn_conftest.*' \
		-print -quit 2>/dev/null)" ]; then
		msg "snn.ko is missing or older than its sources: building it..."
		scripts/build-module.sh >"$B/check-vm-module.log" 2>&1 ||
			warn "snn.ko did not build cleanly: see $B/check-vm-module.log"
	fi
	if [ -f "$KO" ]; then
		module=(--module "$KO")
	else
		warn "no snn.ko: the VM tests run without the driver"
	fi
fi

T=$B/selftests
tests=()
[ "${#module[@]}" = 0 ] || tests+=(--test "scripts/vm-unbind.sh @snn0@ @snn1@")
tests+=(--test "$T/model/model_test --expect @snn0@ $SNN0 --expect @snn1@ $SNN1")
[ -x "$T/model/model_dma_test" ] && tests+=(--test "$T/model/model_dma_test")
tests+=(--test "$T/model/model_usb_test --board high:@usb0:device@ --board super:@usb1:device@ --replug usb1")
[ "${#module[@]}" = 0 ] || tests+=(--test "scripts/vm-bind.sh snn @snn0@ @snn1@")
# The driver's selftests (selftests/driver/): the reference spikes come
# from the host's snn-sim; reset_test stays last.
dtests=()
utests=()
files=()
reffiles=()
if [ "${#module[@]}" != 0 ]; then
	REF=$B/selftests/driver/ref
	selftests/driver/gen-reference.sh "$REF" >/dev/null
	for f in net.txt in.txt expected.txt; do
		reffiles+=(--file "$REF/$f:/ref/$f")
	done
	files+=("${reffiles[@]}")
	# on the PCIe boards; the same tests on the USB boards come last
	dtests+=(--test "$T/driver/ioctl_test --transport pci")
	dtests+=(--test "$T/driver/queue_test --transport pci")
	dtests+=(--test "$T/driver/run_test --ref /ref --transport pci")
	dtests+=(--test "$T/driver/route_test --transport pci")
	dtests+=(--test "$T/driver/fault_test --transport pci")
	dtests+=(--test "$T/driver/load_sg_test --transport pci")
	dtests+=(--test "$T/driver/unplug_test --board @snn1@ --id snn1 --bus rp1 --props ${SNN1#snn-pci,id=snn1,}")
	# libsnndev against the driver, snnctl, and the udev rules under the
	# real systemd-udevd (selftests/lib/): snnctl and the shared library
	# run as `make install` lays them out, dynamically linked (vm-run.py
	# --tree, --dyn); net.snnet is the reference network as a network file
	VMROOT=$B/vm-root
	rm -rf "$VMROOT"
	make -s --no-print-directory install DESTDIR="$VMROOT" PREFIX=/usr >/dev/null
	LD_LIBRARY_PATH=$VMROOT/usr/lib "$VMROOT/usr/bin/snnctl" convert \
		"$REF/net.txt" "$REF/net.snnet"
	files+=(--file "$REF/net.snnet:/ref/net.snnet" --tree "$VMROOT"
		--dyn "$VMROOT/usr/bin/snnctl:/usr/bin/snnctl"
		--group snn:990:snnuser --user snnuser:1001:1001
		--user outsider:1002:1002)
	if command -v udevadm >/dev/null; then
		files+=(--dyn "$(command -v udevadm):/usr/bin/udevadm")
	else
		warn "no udevadm (Debian package udev): udev_test skips"
	fi
	dtests+=(--test "$T/lib/lib_test --transport pci")
	dtests+=(--test "$T/lib/snnctl_test --transport pci")
	dtests+=(--test "$T/lib/udev_test --transport pci")
	# The digits workload (tools/digits/, selftests/lib/digits_test.c):
	# the classifier (static), the network files, and snn-sim's output
	# spikes for the first 40 held-out images (train.py --reference).
	# --full: also the accuracy on all of them (a few seconds).
	make -s --no-print-directory DIGITS_REF_IMAGES=40 \
		"$B/tools/digits-classify-static" digits-ref
	for f in digits.snnet digits-split.snnet test-set.txt; do
		files+=(--file "tools/digits/$f:/digits/$f")
	done
	files+=(--file "$B/tools/digits-classify-static:/digits/digits-classify"
		--file "$B/digits/ref-40/expected.txt:/digits/expected.txt"
		--file "$B/digits/ref-40/classes.txt:/digits/classes.txt")
	dtests+=(--test "$T/lib/digits_test --full --transport pci")
	dtests+=(--test "$T/driver/reset_test --transport pci")
	# the transport-neutral driver tests again on the USB boards (only the
	# first VM has them; --transport usb finds none elsewhere)
	utests=(--test "scripts/vm-wait-boards.sh 4")
	for t in driver/ioctl_test driver/queue_test "driver/run_test --ref /ref" \
		 driver/route_test driver/fault_test driver/load_sg_test \
		 lib/lib_test \
		 lib/snnctl_test lib/udev_test "lib/digits_test --full"; do
		utests+=(--test "$T/$t --transport usb")
	done
	# surprise removal of usb1 in use, and back (found by its board-id)
	utests+=(--test "$T/driver/unplug_test --board board-id=17 --id usb1 --device @usb1:device@ --cycles ${SNN_USB_UNPLUG_CYCLES:-3}")
	utests+=(--test "$T/driver/reset_test --transport usb")
fi
xtests=()
while IFS= read -r t; do
	[ -z "${t//[[:space:]]/}" ] || xtests+=(--test "$t")
done <<<"${SNN_VM_EXTRA_TESTS:-}"

# vm RUN-NAME ARGS...: one VM with the boards in $devs; its counts are
# added to the totals.
tp=0 tf=0 ts=0 rc=0
devs=(--device "$SNN0" --device "$SNN1" --device "$USB0" --device "$USB1")
vm() {
	local name=$1 log last
	shift
	log=$B/check-vm-$name.log
	msg "booting the test VM: $name (TCG, $(( ${#devs[@]} / 2 )) board(s)${module:+, snn.ko})..."
	# shellcheck disable=SC2086
	python3 scripts/vm-run.py \
		--timeout "${SNN_VM_TIMEOUT:-1800}" \
		--test-timeout "${SNN_VM_TEST_TIMEOUT:-900}" \
		"${devs[@]}" --append page_poison=1 \
		"${kernel[@]}" "${module[@]}" "$@" ${SNN_VM_ARGS:-} 2>&1 |
		tee "$log" || rc=1
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
	if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		tp=$((tp + BASH_REMATCH[1])) tf=$((tf + BASH_REMATCH[2]))
		ts=$((ts + ${BASH_REMATCH[4]:-0}))
	else
		tf=$((tf + 1))
	fi
}

vm plain "${tests[@]}" "${files[@]}" "${dtests[@]}" "${utests[@]}" \
	"${xtests[@]}"
if [ "${#dtests[@]}" != 0 ]; then
	# all DMA goes through the DMA API: the same suite behind an IOMMU
	devs=(--device "$SNN0" --device "$SNN1")
	vm iommu --iommu "${files[@]}" "${dtests[@]}"
	# a board without the optional features
	devs=(--device "$SNN0_MIN")
	vm minimal --test "scripts/vm-unbind.sh @snn0@" \
		--test "$T/model/model_test --expect @snn0@ $SNN0_MIN" \
		--test "scripts/vm-bind.sh snn @snn0@" \
		"${reffiles[@]}" \
		--test "$T/driver/load_sg_test --props ${SNN0_MIN#snn-pci,id=snn0,}" \
		--test "$T/driver/run_test --ref /ref"
fi
[ "$tf" = 0 ] || rc=1
echo
if [ "$ts" != 0 ]; then
	echo "$tp passed, $tf failed, $ts skipped"
else
	echo "$tp passed, $tf failed"
fi
exit "$rc"
