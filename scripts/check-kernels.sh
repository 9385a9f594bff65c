#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-kernels`: the kernel matrix.  For each Debian kernel: fetch
# it (scripts/get-kernel.sh SUITE), build snn.ko against its headers
# without warnings (scripts/build-module.sh; in a trixie chroot for
# kernels that need gcc 14, scripts/chroot.sh), then run the VM selftests
# of `make check-vm` on it with that module (scripts/check-vm.sh with
# SNN_KERNEL and SNN_MODULE: the whole suite, then the driver tests behind
# an IOMMU).
#
#   scripts/check-kernels.sh [--build-only] [SUITE...]
#
# SUITEs (default: $SNN_KERNELS, else the matrix below):
#   bookworm            Debian 12's kernel, 6.1 (also `make check`'s)
#   bookworm-backports  6.12
#   trixie-backports    the newest kernel Debian ships (7.x), built in a
#                       trixie chroot
# (sid works too, in a sid chroot, when its headers need a newer gcc.)
# --build-only: the module builds only, no VMs (a few minutes, cached).
#
# Prints a table (kernel, build, selftests), then the total line
# "N passed, N failed"; exit status 0 only if every kernel built without
# warnings and passed its selftests.  Logs: $B/check-kernels/<suite>-*.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init
cd "$SNN_ROOT"
T0=$(now)

build_only=0
if [ "${1:-}" = --build-only ]; then
	build_only=1
	shift
fi
if [ $# -gt 0 ]; then
	suites=("$@")
else
	# shellcheck disable=SC2206  # a space-separated list by design
	suites=(${SNN_KERNELS:-bookworm bookworm-backports trixie-backports})
fi
L=$B/check-kernels
mkdir -p "$L"

msg "checking Debian packages..."
scripts/deps.sh

tp=0 tf=0 ts=0
rows=()

# counts LOG: "P F S" from the log's last "N passed, N failed" line, or
# nothing.
counts() {
	local last
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$1" | tail -n 1 || true)
	[[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]] || return 0
	echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[4]:-0}"
}

for s in "${suites[@]}"; do
	if [ "$s" = bookworm ]; then K=$B/kernel; else K=$B/kernel-$s; fi
	msg "==== kernel: $s ===="
	t=$(now)
	if ! scripts/get-kernel.sh "$s" >"$L/$s-fetch.log" 2>&1; then
		tail -n 20 "$L/$s-fetch.log" >&2
		rows+=("$(printf '%-40s %-30s %s' "? ($s)" "no kernel (see $L/$s-fetch.log)" "-")")
		tf=$((tf + 1))
		continue
	fi
	rel=$(cat "$K/release")
	tfetch=$(since "$t")

	# the module
	t=$(now)
	set +e
	scripts/build-module.sh "$K" 2>&1 | tee "$L/$s-module.log"
	rc=${PIPESTATUS[0]}
	set -e
	read -r p f sk <<<"$(counts "$L/$s-module.log")" || true
	p=${p:-0} f=${f:-1} sk=${sk:-0}
	[ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + sk))
	if [ "$f" = 0 ]; then
		build="ok, no warnings ($(since "$t"))"
	else
		build="FAILED: $f of $((p + f)) ($(since "$t"))"
	fi
	KO=$B/module/$rel/snn.ko

	# the VM selftests
	if [ "$build_only" = 1 ]; then
		vmres="not run (--build-only)"
	elif [ ! -f "$KO" ]; then
		vmres="not run: no snn.ko"
		tf=$((tf + 1))
	else
		img=$K/vmlinux
		[ -e "$img" ] || img=$K/vmlinuz
		t=$(now)
		set +e
		SNN_KERNEL=$(readlink -f "$img") SNN_MODULE=$KO \
			scripts/check-vm.sh 2>&1 | tee "$L/$s-vm.log"
		rc=${PIPESTATUS[0]}
		set -e
		c=$(counts "$L/$s-vm.log")
		if [ -n "$c" ]; then
			read -r p f sk <<<"$c"
			[ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
			vmres="$p passed, $f failed"
			[ "$sk" = 0 ] || vmres="$vmres, $sk skipped"
			vmres="$vmres ($(since "$t"))"
		else
			p=0 f=1 sk=0
			vmres="no results, exit status $rc ($(since "$t"))"
		fi
		tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + sk))
	fi
	rows+=("$(printf '%-40s %-30s %s' "$rel ($s)" "$build" "$vmres")")
	info "$s: kernel $rel fetched/cached in $tfetch"
done

echo
echo "==== make check-kernels ($(since "$T0")) ===="
printf '%-40s %-30s %s\n' kernel build selftests
for r in "${rows[@]}"; do echo "$r"; done
line="$tp passed, $tf failed"
[ "$ts" = 0 ] || line="$line, $ts skipped"
echo "$line"
[ "$tf" = 0 ]
