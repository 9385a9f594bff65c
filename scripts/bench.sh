#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the performance figures of docs/performance.md.  Not part
# of `make check`: it measures and reports, it asserts nothing.
#
# Builds what is missing (Debian packages, libsnndev, the benchmark
# program tools/bench/snn-bench.c, the engine benchmark, QEMU with the
# board model, Debian's kernel, snn.ko), runs the engine benchmark on the
# host (e), then boots one VM with a PCIe board and a USB board (each 4
# clusters, queues of up to 2^18 events) and runs snn-bench in it, first
# on the PCIe board, then on the USB board: (a) events/s through the
# queues, (b) run-and-wait round trip, (c) inference cost against input
# activity, with the QEMU process's host CPU time from the VM runner's
# agent, (d) four processes on four clusters.  Prints a table with the
# targets (PASS or MISS; the PCIe board's, the USB board's figures beside
# them for information), writes $B/bench/bench.json and the plots
# $B/bench/perf-c.png and perf-d.png (PCIe), perf-c-usb.png and
# perf-d-usb.png (USB).
#
# Exit status 0 when the benchmarks ran (whatever the figures), non-zero
# when they could not run.
#
# Environment:
#   SNN_BENCH_SMP     guest CPUs (default 4: one per benchmark process
#                     of (d); the host's cores are what they are)
#   SNN_BENCH_ROUNDS  repetitions of (a), (c), (d) (default 3)
#   SNN_BENCH_ARGS    more snn-bench options (tools/bench/snn-bench.c),
#                     for both runs
#   SNN_BENCH_USB     0: no USB board, the PCIe run alone (default 1)
#   SNN_BENCH_USB_ARGS  snn-bench options of the USB run only, before
#                     SNN_BENCH_ARGS (default: "--single-events 4000
#                     --images 100 --pace-ms 200", below)
#   SNN_MODULE        load this snn.ko instead of building one
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init
cd "$SNN_ROOT"
T0=$(now)
SMP=${SNN_BENCH_SMP:-4}
ROUNDS=${SNN_BENCH_ROUNDS:-3}
[[ "$SMP" =~ ^[1-9][0-9]*$ ]] || die "SNN_BENCH_SMP: '$SMP' is not a CPU count"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] && [ "$ROUNDS" -le 16 ] ||
	die "SNN_BENCH_ROUNDS: '$ROUNDS' is not a number 1..16"
USB=${SNN_BENCH_USB:-1}
[[ "$USB" =~ ^[01]$ ]] || die "SNN_BENCH_USB: '$USB' is not 0 or 1"
OUT=$B/bench
LOAD0=$(cut -d" " -f1-3 /proc/loadavg)
mkdir -p "$OUT"

msg "bench: Debian packages..."
scripts/deps.sh
msg "bench: building libsnndev, snn-bench, bench-engine..."
make -s --no-print-directory host "$B/tools/snn-bench-static" \
	"$B/host/bench-engine"
msg "bench: QEMU with the board model..."
scripts/build-qemu.sh
msg "bench: Debian's kernel..."
scripts/get-kernel.sh
KO=${SNN_MODULE:-$B/module/snn.ko}
if [ -n "${SNN_MODULE:-}" ]; then
	[ -f "$KO" ] || die "SNN_MODULE: no $KO"
else
	msg "bench: snn.ko..."
	scripts/build-module.sh >"$OUT/module.log" 2>&1 ||
		die "snn.ko did not build: see $OUT/module.log"
fi

# (e) on the host, before the VM: nothing else of ours runs meanwhile
msg "bench: (e) the neuron engine on the host (make bench-engine)..."
"$B/host/bench-engine" | tee "$OUT/engine.txt"

# (a) to (d) in one VM.  queue-log2=18: one inference of (c) at 100 %
# activity is 131072 input events, queued before its run.  The USB board
# (hardware.md section 12) is the same board behind a USB 3 port of an
# xHCI controller: 4 clusters for the four processes of (d), and 256 MiB
# of board memory, which holds its queue rings (2 MiB for 2^18 events)
# and the networks.  The PCIe run comes first, on its own, with the USB
# board idle; the USB run then waits for the board (the hub driver
# enumerates it in the background) and runs the same four phases.  Every
# USB transfer costs milliseconds here (docs/performance.md), so the USB
# run does less of what costs one transfer per item: (a) 4000 events one
# per doorbell instead of 40000, (d) 100 images per process instead of 600
# and, as an image takes tens of milliseconds, paced at one per 200 ms
# instead of 5 (at 5 ms "paced" would be back to back).
usb_default="--single-events 4000 --images 100 --pace-ms 200"
usb_args=${SNN_BENCH_USB_ARGS-$usb_default}
bench="$B/tools/snn-bench-static --agent /dev/ttyS2 --rounds $ROUNDS"
devs=(--device snn-pci,id=snn0,queue-log2=18)
tests=(--test "$bench --transport pci ${SNN_BENCH_ARGS:-}")
timeout=1500
boards="1 board"
if [ "$USB" = 1 ]; then
	devs+=(--device snn-usb,id=usb0,speed=super,clusters=4,queue-log2=18,mem-mib=256)
	tests+=(--test "scripts/vm-wait-boards.sh 2 60")
	tests+=(--test "$bench --transport usb $usb_args ${SNN_BENCH_ARGS:-}")
	timeout=5000
	boards="a PCIe and a USB board"
fi
msg "bench: (a)-(d) in the VM (TCG, $SMP guest CPUs, $boards, 4 clusters each)..."
vmlog=$OUT/vm
rm -rf "$vmlog"
/usr/bin/python3 scripts/vm-run.py --log "$vmlog" --timeout "$timeout" \
	--test-timeout 2400 --smp "$SMP" --tsc-reliable \
	"${devs[@]}" --module "$KO" \
	--file tools/digits/digits.snnet:/digits/digits.snnet \
	--file tools/digits/test-set.txt:/digits/test-set.txt \
	"${tests[@]}" \
	>"$OUT/vm.log" 2>&1 || warn "the VM run reported a failure: see $OUT/vm.log"
grep -E '^\s+snn-bench: ' "$vmlog/ktap.log" | sed 's/^ *//' >&2 || true

host_cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
/usr/bin/python3 scripts/bench-report.py --ktap "$vmlog/ktap.log" \
	--engine "$OUT/engine.txt" --out "$OUT" --usb "$USB" \
	--meta "host=$(nproc) CPUs ($host_cpu)" \
	--meta "accel=QEMU TCG, no KVM" --meta "guest_cpus=$SMP" \
	--meta "usb_board=$([ "$USB" = 1 ] && echo "snn-usb, super speed, clusters=4, queue-log2=18, mem-mib=256" || echo none)" \
	--meta "load_before=$LOAD0" --meta "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" \
	--meta "date=$(date -u +%Y-%m-%dT%H:%MZ)" ||
	die "the benchmarks did not all run: see $OUT/vm.log and $vmlog/console.log"
plots="$OUT/perf-c.png, $OUT/perf-d.png"
[ "$USB" = 0 ] || plots+=", $OUT/perf-c-usb.png, $OUT/perf-d-usb.png"
msg "bench: $OUT/bench.json, $plots; done in $(since "$T0")"
