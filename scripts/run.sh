#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make run`: the main job.  Installs what is missing, builds QEMU with the
# snn board model, fetches the Debian kernel, boots a VM with the emulated
# boards and prints the topology of each board as read from inside the
# guest (capability registers, through sysfs; see selftests/model/snn_probe.c).
#
#   scripts/run.sh [DEVICE...]    DEVICE: -device string for a board, e.g.
#                                 'snn-pci,id=snn0,clusters=8' (default: two
#                                 boards, the defaults and a smaller one)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init
cd "$SNN_ROOT"
T0=$(now)

devices=("$@")
if [ ${#devices[@]} -eq 0 ]; then
	devices=('snn-pci,id=snn0'
		 'snn-pci,id=snn1,clusters=2,cores=4,neurons=512,routers=1,board-id=2')
fi

scripts/deps.sh
msg "building host tools..."
make -s --no-print-directory host
scripts/build-qemu.sh
scripts/get-kernel.sh
msg "building the guest probe..."
make -s --no-print-directory "$B/selftests/model/snn_probe"

args=()
for d in "${devices[@]}"; do args+=(--device "$d"); done
msg "booting the VM with ${#devices[@]} board(s) (TCG)..."
log=$B/run.log
set +e
python3 scripts/vm-run.py --quiet --show-output --timeout 600 \
	"${args[@]}" --test "$B/selftests/model/snn_probe" >"$log" 2>&1
rc=$?
set -e
if [ "$rc" != 0 ]; then
	cat "$log"
	die "the VM run failed (log: $log)"
fi
echo
echo "Boards (QEMU -device):"
for d in "${devices[@]}"; do echo "  $d"; done
echo
echo "Seen from inside the guest (capability registers via sysfs resource0):"
sed -n 's/^     | //p' "$log"
echo
grep '^boot to first test' "$log" || true
msg "done in $(since "$T0")"
