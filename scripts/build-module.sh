#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build snn.ko against a kernel's headers (`make module`).
#
#   scripts/build-module.sh [KERNEL]
#
# KERNEL: nothing (Debian bookworm's kernel, $B/kernel from get-kernel.sh,
# fetched if missing), a get-kernel.sh directory ($B/kernel-<suite>), the
# debug kernel ($B/kernel-debug from build-debug-kernel.sh, laid out the
# same way) or a kernel build directory (/lib/modules/<release>/build).
#
# The sources are copied to $B/module/<release>/src/ and built there with
# the kernel's kbuild (which also runs driver/conftest.sh); the log is
# $B/module/<release>/build.log.  Results:
#   $B/module/<release>/snn.ko   always
#   $B/module/snn.ko             for the default kernel (what the VM loads)
# Both are removed first, so a failed build never leaves an old module.
#
# Compiler warnings are shown and fail the build here (not -Werror in
# Kbuild, which would break users' builds on the next compiler).  Output is
# TAP with a final "N passed, N failed" line; exit status 0 only if
# everything passed.  SNN_SRC=DIR builds another tree of the same layout.
#
# A kernel built with a compiler this host does not have (its
# CONFIG_CC_VERSION_TEXT names it, e.g. x86_64-linux-gnu-gcc-14 for
# trixie-backports' 7.x) is built in a Debian chroot that has it
# (scripts/chroot.sh; made with debootstrap on first use, cached).
# SNN_CHROOT=SUITE forces a chroot, SNN_CHROOT=none never uses one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module-lib.sh"
snn_cache_init

T0=$(now)
snn_module_kdir "${1:-}"
W=$B/module/$KREL
SRC=$W/src
LOG=$W/build.log
mkdir -p "$W"
rm -f "$W/snn.ko"
[ "$KDEFAULT" = 1 ] && rm -f "$B/module/snn.ko"

snn_module_have_driver || die "no driver sources (driver/*.c) in $SNN_SRC: nothing to build"
snn_module_sync "$SRC"

# The compiler the kernel was built with, and where we have it.
kcc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\{0,1\}\([^ "]*\).*/\1/p' \
	"$KDIR/include/config/auto.conf" 2>/dev/null | head -n 1 || true)
suite=${SNN_CHROOT:-}
if [ -z "$suite" ] && [ -n "$kcc" ] && ! command -v "$kcc" >/dev/null 2>&1; then
	suite=$("$SNN_ROOT/scripts/chroot.sh" --for-cc "$kcc") ||
		die "the kernel was built with $kcc, which this host does not have"
fi
[ "$suite" != none ] || suite=
run=()
if [ -n "$suite" ]; then
	"$SNN_ROOT/scripts/chroot.sh" "$suite" ||
		die "cannot make the $suite chroot for the kernel's compiler ${kcc:-?}"
	run=(env SNN_CHROOT_BIND="$KDIR $W" "$SNN_ROOT/scripts/chroot.sh" "$suite")
	where="in the $suite chroot"
else
	where="on the host"
fi

msg "building snn.ko for $KREL ($where, ${kcc:-the default compiler})..."
rm -f "$SRC/driver/snn.ko"
jobs=$(nproc 2>/dev/null || echo 2)
set +e
"${run[@]}" make -C "$KDIR" M="$SRC" -j"$jobs" modules 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e
echo "# built $where with ${kcc:-the default compiler}"
KO=$SRC/driver/snn.ko

if [ -f "$SRC/driver/snn_conftest.h" ]; then
	echo "# kernel API probes (driver/conftest.sh) for $KREL:"
	grep -E '^(#define|/\* #undef) SNN_HAVE_' "$SRC/driver/snn_conftest.h" | tap_diag
fi

if [ "$rc" = 0 ] && [ -f "$KO" ]; then
	tap_ok "build snn.ko for $KREL"
else
	tap_fail "build snn.ko for $KREL (make exit status $rc, see $LOG)"
fi

# Any compiler or modpost warning (modpost says "WARNING:").
if grep -qi 'warning:' "$LOG"; then
	tap_fail "no build warnings ($(grep -ci 'warning:' "$LOG") found)"
	grep -i 'warning:' "$LOG" | tap_diag
else
	tap_ok "no build warnings"
fi

# <linux/snn.h> must be this tree's uapi header, not one of the kernel's:
# look at the dependencies kbuild recorded for every object.
shopt -s nullglob
cmds=("$SRC"/driver/.snn_*.o.cmd)
shopt -u nullglob
if [ "${#cmds[@]}" = 0 ]; then
	tap_fail "<linux/snn.h> is uapi/linux/snn.h (no objects were built)"
else
	# (kbuild of 6.13 and later records paths relative to M=)
	bad=$(grep -ho '[^ ]*/linux/snn\.h' "${cmds[@]}" | sort -u |
		while read -r h; do
			case "$h" in /*) ;; *) h=$SRC/$h ;; esac
			[ "$(realpath -m "$h")" = "$(realpath -m "$SRC/uapi/linux/snn.h")" ] ||
				echo "$h"
		done)
	if [ -n "$bad" ]; then
		tap_fail "<linux/snn.h> is uapi/linux/snn.h"
		echo "$bad" | sed 's/^/other snn.h used: /' | tap_diag
	else
		tap_ok "<linux/snn.h> is uapi/linux/snn.h"
	fi
fi

if [ -f "$KO" ]; then
	vermagic=$(/sbin/modinfo -F vermagic "$KO" 2>/dev/null ||
		modinfo -F vermagic "$KO" 2>/dev/null || true)
	if [ "${vermagic%% *}" = "$KREL" ]; then
		tap_ok "vermagic is $KREL"
	else
		tap_fail "vermagic is $KREL (got '$vermagic')"
	fi
	# Installed even with warnings (they fail the check, but the VM tests
	# can still run); never after a failed build.
	if [ "$rc" = 0 ]; then
		cp "$KO" "$W/snn.ko"
		if [ "$KDEFAULT" = 1 ]; then
			cp "$KO" "$B/module/snn.ko"
			info "module: $B/module/snn.ko"
		else
			info "module: $W/snn.ko"
		fi
	fi
fi
msg "snn.ko for $KREL: $(since "$T0")"
tap_done
