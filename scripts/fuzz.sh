#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make fuzz`: a long run of the ioctl fuzzer (selftests/fuzz/ioctl_fuzz_test)
# in the test VM, with the four boards of `make check-vm` (two PCIe, two
# USB), under the debug kernel (KASAN, lockdep, UBSAN, kmemleak, ...;
# scripts/build-debug-kernel.sh, about 20 minutes the first time, then
# cached) so that what the fuzzer reaches is also checked.  If the debug kernel cannot be built, it falls back
# to Debian's kernel (say SNN_FUZZ_KERNEL=debug to make that an error).
# docs/testing.md, "The ioctl fuzzer", describes the fuzzer.
#
# The last line is "N passed, N failed[, N skipped]"; the exit status is
# non-zero if an invariant of the fuzzer failed or the console shows a
# kernel report (KASAN, lockdep, BUG:, WARNING:, ...).  The fuzzer's log
# starts with its seed; SNN_FUZZ_SEED=<seed> repeats the run.
#
# Environment:
#   SNN_FUZZ_SECONDS  how long to fuzz (default 600)
#   SNN_FUZZ_CALLS    stop after this many calls instead (SNN_FUZZ_SECONDS,
#                     if also set, is then a time limit)
#   SNN_FUZZ_SEED     the seed (default: a new one each run)
#   SNN_FUZZ_ARGS     more fuzzer options, e.g. "--procs 1 --threads 1
#                     --kill-ms 0" or "--only open,mmap,qdestroy" (see
#                     ioctl_fuzz_test --help)
#   SNN_FUZZ_KERNEL   debug (default: the debug kernel, else Debian's) or
#                     plain (Debian's kernel, the one of `make check`)
#   SNN_VM_ARGS       more vm-run.py arguments (e.g. --smp 4)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init
cd "$SNN_ROOT"

SECS=${SNN_FUZZ_SECONDS:-}
CALLS=${SNN_FUZZ_CALLS:-}
[ -n "$SECS$CALLS" ] || SECS=600
KMODE=${SNN_FUZZ_KERNEL:-}
case "$KMODE" in
'' | debug | plain) ;;
*) die "SNN_FUZZ_KERNEL: debug or plain, not '$KMODE'" ;;
esac

scripts/deps.sh
scripts/build-qemu.sh

# The kernel and its snn.ko.
kernel=()
if [ "$KMODE" != plain ]; then
	msg "the debug kernel..."
	if scripts/build-debug-kernel.sh; then
		REL=$(cat "$B/kernel-debug/release")
		msg "snn.ko for $REL..."
		scripts/build-module.sh "$B/kernel-debug" >"$B/fuzz-module.log" 2>&1 ||
			die "snn.ko did not build for $REL: see $B/fuzz-module.log"
		kernel=(--kernel "$B/kernel-debug/vmlinuz"
			--module "$B/module/$REL/snn.ko")
	elif [ "$KMODE" = debug ]; then
		die "the debug kernel did not build (SNN_FUZZ_KERNEL=debug)"
	else
		warn "the debug kernel did not build: fuzzing on Debian's kernel"
	fi
fi
if [ "${#kernel[@]}" = 0 ]; then
	scripts/get-kernel.sh
	msg "snn.ko for $(cat "$B/kernel/release")..."
	scripts/build-module.sh >"$B/fuzz-module.log" 2>&1 ||
		die "snn.ko did not build: see $B/fuzz-module.log"
	kernel=(--module "$B/module/snn.ko")
fi

msg "building the fuzzer..."
FUZZ=$B/selftests/fuzz/ioctl_fuzz_test
make -s --no-print-directory "$FUZZ"

# The fuzzer's own limits, and the VM's: boot (a few minutes under the
# debug kernel and TCG), workers that take their time to stop, the checks
# at the end.
args="--seconds ${SECS:-0}"
[ -z "$CALLS" ] || args="$args --calls $CALLS"
[ -z "${SNN_FUZZ_SEED:-}" ] || args="$args --seed $SNN_FUZZ_SEED"
args="$args ${SNN_FUZZ_ARGS:-}"
limit=${SECS:-$((CALLS / 50 + 1))}
[ -n "$SECS" ] || limit=$((limit > 3600 ? limit : 3600))

# The boards of scripts/check-vm.sh: the default one, a smaller one that
# differs in every topology dimension, and the two USB boards (the fuzzer
# starts once all four are there: USB boards enumerate in the background).
SNN0='snn-pci,id=snn0'
SNN1='snn-pci,id=snn1,clusters=2,cores=4,neurons=512,routers=1,board-id=2,x-fault-injection=on'
USB0='snn-usb,id=usb0,speed=high,board-id=16,route-entries=1024'
USB1='snn-usb,id=usb1,speed=super,board-id=17,mem-mib=16,route-entries=1024,x-fault-injection=on'

msg "fuzzing in the VM ($args)..."
log=$B/fuzz.log
set +e
# shellcheck disable=SC2086
python3 scripts/vm-run.py \
	--timeout $((limit + 1800)) --test-timeout $((limit + 900)) \
	--device "$SNN0" --device "$SNN1" --device "$USB0" --device "$USB1" \
	--append page_poison=1 "${kernel[@]}" --show-output \
	--test "scripts/vm-wait-boards.sh 4 60" \
	--test "$FUZZ $args" ${SNN_VM_ARGS:-} 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
seed=$(sed -n 's/.*# ioctl_fuzz: seed \([0-9]*\).*/\1/p' "$log" | head -n 1)
[ -z "$seed" ] || info "seed $seed: SNN_FUZZ_SEED=$seed make fuzz repeats it"
info "log: $log"
exit "$rc"
