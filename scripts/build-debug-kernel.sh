#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel of `make check-debug`: Debian bookworm's
# linux-source-6.1 with KASAN, lockdep, kmemleak, UBSAN, fault injection
# and the rest of scripts/debug-kernel.config, trimmed to what our q35 TCG
# test VM needs.
#
#   scripts/build-debug-kernel.sh      -> $B/kernel-debug/
#
# Result, laid out like get-kernel.sh's so that build-module.sh and
# vm-run.py take it as they are:
#   $B/kernel-debug/vmlinuz    the kernel, a bzImage (vm-run.py --kernel).
#                              No PVH vmlinux: a KASAN kernel cannot boot
#                              through PVH (its entry code runs instrumented
#                              before the shadow memory exists)
#   $B/kernel-debug/headers    the kernel build tree, for external modules
#                              (scripts/build-module.sh $B/kernel-debug)
#   $B/kernel-debug/release    uname -r
#   $B/kernel-debug/config     the final .config
#
# Caching, all under $SNNDEV_CACHE:
#   debs/linux-source-6.1_<ver>_all.deb   the package (shared with
#                              get-linux-source.sh: downloaded once)
#   linux-source-<ver>/        the unpacked source tree (once, ~1.3 GB)
#   debug-kernel-<hash>/       the build (O= tree, kept for module builds)
#                              keyed by sha256 of the config fragment, this
#                              script, the source version, the base config
#                              and the compiler; a hit costs a symlink.  An
#                              interrupted build resumes in the same tree.
#                              Builds unused for two weeks are deleted.
#
# The configuration: `make tinyconfig`, then scripts/debug-kernel.config
# merged with merge_config.sh and `make olddefconfig`.  (Not the kernel's
# kvm_guest.config: its network stack, virtio, 9p and SCSI are nothing
# our VM uses, and every object costs more to build under KASAN.)  Every option the fragment sets is checked in the
# final .config; one that Kconfig dropped (an unmet dependency) fails the
# build.  SNN_DEBUG_KERNEL_BASE=defconfig starts from x86_64_defconfig
# instead (bigger, slower to build; kept to compare).
#
# The build runs under nice -n 19 (it shares the machine with other work),
# with SNN_DEBUG_KERNEL_JOBS (default: nproc) jobs.  SNNDEV_REFRESH=1
# re-resolves the newest linux-source-6.1 in bookworm.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init

T_ALL=$(now)
SUITE=bookworm
PKG=linux-source-6.1
FRAG=$SNN_ROOT/scripts/debug-kernel.config
BASE=${SNN_DEBUG_KERNEL_BASE:-tiny}
JOBS=${SNN_DEBUG_KERNEL_JOBS:-$(nproc 2>/dev/null || echo 2)}
LINK=$B/kernel-debug
# what building a kernel needs beyond scripts/packages.txt (objtool: libelf)
NEED_PKGS=(bc libelf-dev libssl-dev flex bison)

[ -f "$FRAG" ] || die "$FRAG is missing"
case "$BASE" in tiny|defconfig) ;; *) die "SNN_DEBUG_KERNEL_BASE: tiny or defconfig, not '$BASE'" ;; esac

# ---- build dependencies (installed like deps.sh does) ---------------------
missing=()
for p in "${NEED_PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" != 0 ]; then
	msg "installing kernel build dependencies: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -q || warn "apt-get update reported errors; trying to install anyway"
	as_root apt-get install -y -q --no-install-recommends "${missing[@]}" ||
		die "could not install: ${missing[*]}"
fi

# ---- which source version (get-linux-source.sh's pin when it has one) ----
PIN=$SNNDEV_CACHE/linux-source-files/version
VER_FILE=$SNNDEV_CACHE/debug-kernel-source.version
if [ "${SNNDEV_REFRESH:-0}" = 1 ] || [ ! -s "$VER_FILE" ]; then
	if [ "${SNNDEV_REFRESH:-0}" != 1 ] && [ -s "$PIN" ]; then
		cp "$PIN" "$VER_FILE"
	else
		apt_private_init "$SUITE"
		v=$(apt_cache policy "$PKG" | awk '$1 == "Candidate:" { print $2 }')
		[ -n "$v" ] && [ "$v" != "(none)" ] || die "no $PKG in $SUITE"
		echo "$v" >"$VER_FILE"
	fi
fi
VER=$(cat "$VER_FILE")
SRC=$SNNDEV_CACHE/linux-source-$VER

fetch_source() {
	[ -f "$SRC/.complete" ] && return 0
	local debs=$SNNDEV_CACHE/debs deb t0 tmp
	deb=$(ls -1 "$debs/${PKG}_${VER}_"*.deb 2>/dev/null | head -1 || true)
	if [ -z "$deb" ]; then
		msg "downloading $PKG $VER (~139 MB, once)..."
		apt_private_init "$SUITE"
		apt_download "$debs" "$PKG=$VER"
		deb=$(ls -1 "$debs/${PKG}_${VER}_"*.deb | head -1)
	fi
	msg "unpacking the kernel source from $(basename "$deb") (once)..."
	t0=$(now)
	tmp=$(mktemp -d "$SNNDEV_CACHE/linux-source.tmp.XXXXXX")
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$PKG.tar.xz" |
		xz -dc -T0 | tar -x -C "$tmp" ||
		die "unpacking $deb failed"
	[ -f "$tmp/$PKG/Makefile" ] || die "unexpected layout of $deb: no $PKG/Makefile"
	touch "$tmp/$PKG/.complete"
	rm -rf "$SRC"
	mv "$tmp/$PKG" "$SRC"
	rm -rf "$tmp"
	info "source ready in $(since "$t0"): $SRC"
}
with_lock "$SNNDEV_CACHE/linux-source.lock" fetch_source

# ---- cache key --------------------------------------------------------------
SELF_HASH=$(sha256sum <"${BASH_SOURCE[0]}" | cut -d' ' -f1)
FRAG_HASH=$(sha256sum <"$FRAG" | cut -d' ' -f1)
CC_VER=$(gcc --version | head -1)
KEY=$(printf 'fragment %s\nscript %s\nsource %s\nbase %s\ncc %s\n' \
	"$FRAG_HASH" "$SELF_HASH" "$VER" "$BASE" "$CC_VER" | sha256sum | cut -d' ' -f1)
OUT=$SNNDEV_CACHE/debug-kernel-${KEY:0:16}
O=$OUT/build

# ---- configuration ----------------------------------------------------------
# check_config: every CONFIG_ line of the fragment holds in $O/.config.
# (merge_config.sh only warns when Kconfig overrides a requested value.)
check_config() {
	local bad=0 line opt want have
	while IFS= read -r line; do
		if [[ "$line" =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			opt=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
		elif [[ "$line" =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set ]]; then
			opt=${BASH_REMATCH[1]} want=n
		else
			continue
		fi
		have=$(grep -E "^$opt=" "$O/.config" | cut -d= -f2- || true)
		[ -n "$have" ] || have=n
		if [ "$have" != "$want" ]; then
			printf 'ERROR: %s: the fragment wants %s, the .config has %s\n' \
				"$opt" "$want" "$have" >&2
			bad=1
		fi
	done <"$FRAG"
	return "$bad"
}

configure() {
	local t0 log=$OUT/config.log
	t0=$(now)
	msg "configuring ($BASE + scripts/debug-kernel.config)..."
	mkdir -p "$O"
	{
		if [ "$BASE" = tiny ]; then
			# (ARCH=x86_64: the 64-bit defaults, e.g. FRAME_WARN)
			make -C "$SRC" O="$O" ARCH=x86_64 tinyconfig
			"$SRC/scripts/kconfig/merge_config.sh" -m -O "$O" "$O/.config" "$FRAG"
		else
			make -C "$SRC" O="$O" x86_64_defconfig
			"$SRC/scripts/kconfig/merge_config.sh" -m -O "$O" "$O/.config" "$FRAG"
		fi
		make -C "$SRC" O="$O" olddefconfig
	} >"$log" 2>&1 || { tail -30 "$log" >&2; die "configuration failed (see $log)"; }
	if ! check_config; then
		grep -A3 -i 'warning\|Value requested' "$log" | head -60 >&2 || true
		die "the final .config lacks options of $FRAG (unmet dependencies?): see $log"
	fi
	info "configured in $(since "$t0"): all $(grep -cE '^(CONFIG_|# CONFIG_.* is not set)' "$FRAG") fragment options hold"
}

build() {
	if [ -f "$OUT/.complete" ]; then
		return 0
	fi
	local t0 log=$OUT/build.log rel
	t0=$(now)
	mkdir -p "$OUT"
	# a fresh tree, or one an interrupted run left: (re)configure; make
	# then resumes where it stopped
	configure
	msg "building the debug kernel $VER ($BASE, $JOBS jobs, nice 19; log $log)..."
	if ! nice -n 19 make -C "$SRC" O="$O" -j"$JOBS" all >"$log" 2>&1; then
		tail -40 "$log" >&2
		die "the debug kernel did not build (see $log)"
	fi
	rel=$(cat "$O/include/config/kernel.release")
	[ -f "$O/arch/x86/boot/bzImage" ] || die "no $O/arch/x86/boot/bzImage"
	# keep only what booting and building external modules need: the
	# objects of the tree (~all of its size) go, the host tools in
	# scripts/ and tools/objtool, the headers, .config, Module.symvers,
	# the bzImage and vmlinux (its symbols, for decoding stack traces)
	# stay
	find "$O" -name '*.o' ! -path "$O/scripts/*" ! -path "$O/tools/*" -delete
	find "$O" -name '*.a' ! -path "$O/scripts/*" ! -path "$O/tools/*" -delete
	rm -f "$O/vmlinux.a" "$O/.tmp_vmlinux"* "$O/arch/x86/boot/compressed/vmlinux"*
	echo "$rel" >"$OUT/release"
	cp "$O/.config" "$OUT/config"
	{
		echo "source $PKG $VER ($SRC)"
		echo "base $BASE"
		echo "fragment $FRAG_HASH"
		echo "script $SELF_HASH"
		echo "cc $CC_VER"
		echo "release $rel"
		echo "build_seconds $(since "$t0")"
	} >"$OUT/manifest"
	touch "$OUT/.complete"
	msg "debug kernel $rel built in $(since "$t0") (tree $(du -sh "$OUT" | cut -f1))"
}
with_lock "$OUT.lock" build

REL=$(cat "$OUT/release")
# builds unused for two weeks go (each use touches its directory)
touch "$OUT"
find "$SNNDEV_CACHE" -maxdepth 1 -mtime +14 \
	\( -name 'debug-kernel-????????????????' -o -name 'debug-kernel-????????????????.lock' \) \
	! -path "$OUT" ! -path "$OUT.lock" -exec rm -rf {} + 2>/dev/null || true
mkdir -p "$LINK"
rm -f "$LINK/vmlinux"
ln -sfn "$O/arch/x86/boot/bzImage" "$LINK/vmlinuz"
ln -sfn "$O" "$LINK/headers"
ln -sfn "$OUT/config" "$LINK/config"
echo "$REL" >"$LINK/release"
msg "debug kernel $REL ready: $LINK ($(since "$T_ALL"))"
