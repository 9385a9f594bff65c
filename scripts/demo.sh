#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: the main job, end to end, on a fresh Debian 12 machine.
# Installs what is missing (scripts/deps.sh), builds libsnndev, the tools
# and the digits classifier, QEMU with the board model, fetches Debian's
# kernel, builds snn.ko, boots a VM with one emulated board, loads the
# driver and classifies the held-out digits (tools/digits/) on the board
# through libsnndev: on one cluster, then split over two clusters through
# a routing unit.  Prints the results as a table.
#
#   scripts/demo.sh [IMAGES]    IMAGES: only the first N images (default:
#                               all 359 held-out images)
#
# Logs: $B/demo.log (the VM run), $B/demo-module.log (snn.ko), the VM's
# console and KTAP logs in $B/demo-vm/.  SNN_MODULE=PATH loads that snn.ko
# instead of building one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init
cd "$SNN_ROOT"
T0=$(now)
IMAGES=${1:-}
if [ -n "$IMAGES" ] && ! [[ "$IMAGES" =~ ^[1-9][0-9]*$ ]]; then
	die "IMAGES: '$IMAGES' is not a number of images"
fi

step() { msg "[$1/6] $2"; }

step 1 "Debian packages..."
scripts/deps.sh
step 2 "building libsnndev, snnctl and the digits classifier..."
make -s --no-print-directory host "$B/tools/digits-classify-static"
step 3 "QEMU with the board model (about 5 minutes the first time, then cached)..."
scripts/build-qemu.sh
step 4 "Debian's kernel for the VM..."
scripts/get-kernel.sh
KO=${SNN_MODULE:-$B/module/snn.ko}
if [ -n "${SNN_MODULE:-}" ]; then
	step 5 "the driver: $KO (SNN_MODULE)"
	[ -f "$KO" ] || die "SNN_MODULE: no $KO"
else
	step 5 "building the driver, snn.ko..."
	scripts/build-module.sh >"$B/demo-module.log" 2>&1 ||
		die "snn.ko did not build: see $B/demo-module.log"
fi

# The guest gets the classifier, the network files and the test set in
# /digits, and runs tools/digits/demo-guest.sh.
tset=tools/digits/test-set.txt
if [ -n "$IMAGES" ]; then
	# the comment lines, then the first IMAGES images
	tset=$B/demo-test-set.txt
	awk -v n="$IMAGES" '/^#/ { print; next } k < n { print; k++ }' \
		tools/digits/test-set.txt >"$tset"
fi
files=(--file "tools/digits/digits.snnet:/digits/digits.snnet"
       --file "tools/digits/digits-split.snnet:/digits/digits-split.snnet"
       --file "$tset:/digits/test-set.txt"
       --file "$B/tools/digits-classify-static:/digits/digits-classify")

step 6 "booting the VM (TCG: emulated CPU and board), loading snn.ko, classifying..."
vmlog=$B/demo-vm
rm -rf "$vmlog"
log=$B/demo.log
python3 scripts/vm-run.py --log "$vmlog" --timeout 1800 --test-timeout 1700 \
	--tsc-reliable \
	--device snn-pci,id=snn0 --module "$KO" "${files[@]}" \
	--test "tools/digits/demo-guest.sh /digits" >"$log" 2>&1 &
pid=$!
# progress: the guest's output as it comes (the KTAP log of its serial port)
seen=0
follow() {
	local n
	[ -f "$vmlog/ktap.log" ] || return 0
	n=$(wc -l <"$vmlog/ktap.log")
	[ "$n" -gt "$seen" ] || return 0
	sed -n "$((seen + 1)),${n}p" "$vmlog/ktap.log" |
		sed -n -e 's/^ *# SNNDEV-BOOT-DONE.*/    the guest is up/p' \
		       -e 's/^ok [0-9]* insmod_.*/    snn.ko loaded/p' \
		       -e 's/^not ok [0-9]* insmod_.*/    snn.ko did NOT load/p' \
		       -e 's/^ *DEMO-BOARD /    board snn0: /p' \
		       -e 's/^ *DEMO-START single \(.*\)/    classifying on one cluster (\1).../p' \
		       -e 's/^ *DEMO-START split \(.*\)/    classifying on two clusters and a routing unit (\1).../p' \
		       -e 's/^ *\(image [0-9]* of .*\)/      \1/p' \
		       -e 's/^ *digits-classify: /      digits-classify: /p' >&2
	seen=$n
}
while kill -0 "$pid" 2>/dev/null; do
	follow
	sleep 1
done
follow
rc=0
wait "$pid" || rc=$?
if [ "$rc" != 0 ] || ! grep -q 'DEMO-RESULT split' "$vmlog/ktap.log"; then
	tail -n 60 "$log" >&2
	die "the demo failed (VM log: $log; console: $vmlog/console.log)"
fi

# The table, from the two JSON results.
python3 - "$vmlog/ktap.log" <<'EOF'
import json, sys

res = {}
for line in open(sys.argv[1], errors="replace"):
    line = line.strip()
    if line.startswith("DEMO-RESULT "):
        _, kind, js = line.split(" ", 2)
        res[kind] = json.loads(js)
s, p = res["single"], res["split"]
same = sum(a == b for a, b in zip(s["predicted"], p["predicted"]))
n = s["images"]


def row(name, a, b):
    print("  %-28s %16s %26s" % (name, a, b))


print()
print("Digits on the emulated board: %d held-out images, %d timesteps each"
      % (n, s["timesteps_per_image"]))
print()
row("", "one cluster", "two clusters, routed")
row("", ", ".join(c.replace("/dev/", "") for c in s["clusters"]),
    ", ".join(c.replace("/dev/", "") for c in p["clusters"]) + " + "
    + p["router"].replace("/dev/", ""))
row("accuracy", "%.2f %% (%d)" % (s["accuracy"], s["correct"]),
    "%.2f %% (%d)" % (p["accuracy"], p["correct"]))
row("latency p50 (ms per image)", "%.2f" % s["latency_ms"]["p50"],
    "%.2f" % p["latency_ms"]["p50"])
row("latency p99 (ms per image)", "%.2f" % s["latency_ms"]["p99"],
    "%.2f" % p["latency_ms"]["p99"])
row("images/s", "%.1f" % s["images_per_sec"], "%.1f" % p["images_per_sec"])
row("input events/s", "%.0f" % s["events_per_sec"],
    "%.0f" % p["events_per_sec"])
for key, name in (("input_events", "input events per image"),
                  ("hidden_spikes", "hidden spikes per image"),
                  ("output_spikes", "output spikes per image"),
                  ("routed_events", "routed spikes per image")):
    row(name, "%.1f" % (s[key] / n) if key != "routed_events" else "-",
        "%.1f" % (p[key] / n))
print()
print("The split classifies %d of %d images as one cluster does%s."
      % (same, n, "" if same == n else " (DIFFERENT)"))
print("(TCG emulates the CPU and the board in software: the times are the "
      "emulator's, not silicon's.)")
sys.exit(0 if same == n else 1)
EOF
msg "done in $(since "$T0")"
