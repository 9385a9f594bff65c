#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: everything the project tests, in order:
#   1. Debian packages (scripts/deps.sh)
#   2. host build and host unit tests (make check-host)
#   3. style: checkpatch and sparse on the driver and uapi header
#      (make check-style -> scripts/check-style.sh)
#   4. uapi: struct layout of uapi/linux/snn.h (make check-uapi ->
#      scripts/check-uapi-layout.sh)
#   5. module: snn.ko for the VM's kernel (make module ->
#      scripts/build-module.sh), once driver/*.c exist
#   6. dkms: dkms add, build, install of snn against that kernel's
#      headers installed as a Debian package, modinfo, the kernel-upgrade
#      hook, dkms-remove (scripts/check-dkms.sh; needs root)
#   7. QEMU with the board model, the Debian kernel, the guest tests, and
#      the tests inside a VM, with snn.ko loaded if it was built (make
#      check-vm -> scripts/check-vm.sh)
# The last line is the total, "N passed, N failed[, N skipped]"; the exit
# status is non-zero if anything failed or could not be built.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init
cd "$SNN_ROOT"
T0=$(now)
mkdir -p "$B"

tp=0 tf=0 ts=0
declare -a summary

# stage NAME LOG CMD...: run a stage, take its counts from its last line.
stage() {
	local name=$1 log=$2 t0 rc last p f s
	shift 2
	t0=$(now)
	set +e
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	# the last summary line (make may print its own error line after it)
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1 || true)
	if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			f=1		# failed without saying which test
		fi
	else
		p=0 s=0 f=1	# did not get as far as running its tests
		echo "FAIL $name: no results (exit status $rc), see $log"
	fi
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	summary+=("$(printf '%-6s %4d passed, %d failed, %d skipped  (%s)' "$name" "$p" "$f" "$s" "$(since "$t0")")")
}

msg "checking Debian packages..."
scripts/deps.sh

msg "host build and unit tests..."
stage host "$B/check-host.log" make -s --no-print-directory check-host

msg "style checks (checkpatch, sparse)..."
stage style "$B/check-style.log" scripts/check-style.sh

msg "uapi layout checks..."
stage uapi "$B/check-uapi.log" scripts/check-uapi-layout.sh

if compgen -G 'driver/*.c' >/dev/null; then
	msg "building snn.ko..."
	stage module "$B/check-module.log" scripts/build-module.sh
	msg "DKMS install..."
	stage dkms "$B/check-dkms.log" scripts/check-dkms.sh
else
	# (build-module.sh removes a stale module itself when it runs)
	rm -f "$B/module/snn.ko"
	msg "no driver sources (driver/*.c) yet: not building snn.ko"
fi

msg "VM tests..."
stage vm "$B/check-vm.log" make -s --no-print-directory check-vm

echo
echo "==== make check summary ($(since "$T0")) ===="
for l in "${summary[@]}"; do echo "$l"; done
line="$tp passed, $tf failed"
[ "$ts" != 0 ] && line="$line, $ts skipped"
echo "$line"
[ "$tf" = 0 ]
