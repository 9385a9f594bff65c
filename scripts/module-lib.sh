# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the scripts that build snn.ko (build-module.sh,
# check-style.sh).  Source it after lib.sh.
#
# The module is never built in the work tree: its sources (the top-level
# Kbuild, driver/ and uapi/) are copied into a directory under $B/module/
# and kbuild runs there, the way DKMS builds its own copy.
#
# Environment:
#   SNN_SRC   the tree to take the module sources from (default: this
#             repository).  Lets the scripts be tried on another driver,
#             e.g. a placeholder with the same layout.

# shellcheck shell=bash

SNN_SRC=${SNN_SRC:-$SNN_ROOT}
case "$SNN_SRC" in /*) ;; *) SNN_SRC=$PWD/$SNN_SRC ;; esac

# Files kbuild generates in driver/ (of an in-tree build): never copied.
snn_module_generated() {
	case "$1" in
	driver/snn_conftest.h | driver/snn_conftest.log | driver/*.mod.c) return 0 ;;
	esac
	return 1
}

# The module's source files, relative to $SNN_SRC, one a line.
snn_module_sources() {
	(
		cd "$SNN_SRC" || exit 1
		shopt -s nullglob
		local f
		for f in Kbuild driver/Kbuild driver/conftest.sh driver/conftest/*.c \
			 driver/*.c driver/*.h uapi/linux/*.h; do
			[ -f "$f" ] || continue
			snn_module_generated "$f" && continue
			echo "$f"
		done
	)
}

# The driver's C sources exist (the module has something to build).
snn_module_have_driver() {
	compgen -G "$SNN_SRC/driver/*.c" >/dev/null
}

# snn_module_sync DEST: make DEST/ hold exactly the module sources.
# Changed files are copied with a fresh mtime (so make rebuilds what
# depends on them even when the new content is older), unchanged ones are
# left alone (so the build stays incremental), removed ones are deleted.
snn_module_sync() {
	local dst=$1 f
	local -A want=()
	mkdir -p "$dst"
	while read -r f; do
		want[$f]=1
		if ! cmp -s "$SNN_SRC/$f" "$dst/$f"; then
			mkdir -p "$dst/$(dirname "$f")"
			cp "$SNN_SRC/$f" "$dst/$f.tmp"
			mv -f "$dst/$f.tmp" "$dst/$f"
		fi
	done < <(snn_module_sources)
	[ -n "${want[driver/Kbuild]:-}" ] || die "no driver/Kbuild in $SNN_SRC"
	(
		cd "$dst" || exit 1
		shopt -s nullglob
		for f in Kbuild driver/Kbuild driver/conftest.sh driver/conftest/*.c \
			 driver/*.c driver/*.h uapi/linux/*.h; do
			snn_module_generated "$f" && continue
			if [ -z "${want[$f]:-}" ]; then
				rm -f "$f" "${f%.c}.o"
			fi
		done
	)
}

# snn_module_kdir [KERNEL]: set KDIR (kernel build directory), KREL (its
# release) and KDEFAULT (1 if it is the default test kernel $B/kernel).
# KERNEL: nothing (the default, fetched with get-kernel.sh if needed), a
# directory made by get-kernel.sh ($B/kernel-<suite>, holding headers/),
# or a kernel build directory itself (/lib/modules/<release>/build).
# shellcheck disable=SC2034  # KDIR, KREL, KDEFAULT: for the caller
snn_module_kdir() {
	local k=${1:-}
	KDEFAULT=0
	if [ -z "$k" ]; then
		if [ ! -f "$B/kernel/headers/Makefile" ]; then
			"$SNN_ROOT/scripts/get-kernel.sh" >&2 || die "cannot fetch the kernel"
		fi
		k=$B/kernel
	fi
	if [ -f "$k/headers/Makefile" ]; then
		KDIR=$(cd "$k/headers" && pwd -P)
	elif [ -f "$k/Makefile" ]; then
		KDIR=$(cd "$k" && pwd -P)
	else
		die "$k: not a kernel build directory nor a get-kernel.sh directory"
	fi
	if [ -e "$B/kernel/headers" ] && [ "$KDIR" = "$(cd "$B/kernel/headers" && pwd -P)" ]; then
		KDEFAULT=1
	fi
	KREL=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$KDIR/include/generated/utsrelease.h" 2>/dev/null || true)
	[ -n "$KREL" ] || die "$KDIR: no include/generated/utsrelease.h (not prepared for modules?)"
}

# TAP helpers: tap_ok DESC / tap_fail DESC / tap_skip DESC REASON, then
# tap_done prints the plan and "N passed, N failed[, N skipped]" and
# returns non-zero on a failure.
TAP_N=0 TAP_PASS=0 TAP_FAIL=0 TAP_SKIP=0
tap_ok()   { TAP_N=$((TAP_N + 1)); TAP_PASS=$((TAP_PASS + 1)); echo "ok $TAP_N - $*"; }
tap_fail() { TAP_N=$((TAP_N + 1)); TAP_FAIL=$((TAP_FAIL + 1)); echo "not ok $TAP_N - $*"; }
tap_skip() { TAP_N=$((TAP_N + 1)); TAP_SKIP=$((TAP_SKIP + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
tap_diag() { sed 's/^/# /'; }
tap_done() {
	local line
	echo "1..$TAP_N"
	line="$TAP_PASS passed, $TAP_FAIL failed"
	[ "$TAP_SKIP" = 0 ] || line="$line, $TAP_SKIP skipped"
	echo "$line"
	[ "$TAP_FAIL" = 0 ]
}
