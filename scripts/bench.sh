#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the performance figures of docs/performance.md.  Not part
# of `make check`: it measures and reports, it asserts nothing.
#
# Builds what is missing (Debian packages, libsnndev, the benchmark
# program tools/bench/snn-bench.c, the engine benchmark, QEMU with the
# board model, Debian's kernel, snn.ko), runs the engine benchmark on the
# host (e), then boots one VM with one board (4 clusters, queues of up to
# 2^18 events) and runs snn-bench in it: (a) events/s through the mapped
# queues, (b) run-and-wait round trip, (c) inference cost against input
# activity, with the QEMU process's host CPU time from the VM runner's
# agent, (d) four processes on four clusters.  Prints a table with the
# targets (PASS or MISS), writes $B/bench/bench.json and the plots
# $B/bench/perf-c.png and perf-d.png.
#
# Exit status 0 when the benchmarks ran (whatever the figures), non-zero
# when they could not run.
#
# Environment:
#   SNN_BENCH_SMP     guest CPUs (default 4: one per benchmark process
#                     of (d); the host's cores are what they are)
#   SNN_BENCH_ROUNDS  repetitions of (a), (c), (d) (default 3)
#   SNN_BENCH_ARGS    more snn-bench options (tools/bench/snn-bench.c)
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
# activity is 131072 input events, queued before its run.
msg "bench: (a)-(d) in the VM (TCG, $SMP guest CPUs, 1 board, 4 clusters)..."
vmlog=$OUT/vm
rm -rf "$vmlog"
# shellcheck disable=SC2086
/usr/bin/python3 scripts/vm-run.py --log "$vmlog" --timeout 1500 \
	--test-timeout 1400 --smp "$SMP" --tsc-reliable \
	--device snn-pci,id=snn0,queue-log2=18 --module "$KO" \
	--file tools/digits/digits.snnet:/digits/digits.snnet \
	--file tools/digits/test-set.txt:/digits/test-set.txt \
	--test "$B/tools/snn-bench-static --agent /dev/ttyS2 --rounds $ROUNDS ${SNN_BENCH_ARGS:-}" \
	>"$OUT/vm.log" 2>&1 || warn "the VM run reported a failure: see $OUT/vm.log"
grep -E '^\s+snn-bench: ' "$vmlog/ktap.log" | sed 's/^ *//' >&2 || true

host_cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
/usr/bin/python3 scripts/bench-report.py --ktap "$vmlog/ktap.log" \
	--engine "$OUT/engine.txt" --out "$OUT" \
	--meta "host=$(nproc) CPUs ($host_cpu)" \
	--meta "accel=QEMU TCG, no KVM" --meta "guest_cpus=$SMP" \
	--meta "load_before=$LOAD0" --meta "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" \
	--meta "date=$(date -u +%Y-%m-%dT%H:%MZ)" ||
	die "the benchmarks did not all run: see $OUT/vm.log and $vmlog/console.log"
msg "bench: $OUT/bench.json, $OUT/perf-c.png, $OUT/perf-d.png; done in $(since "$T0")"
