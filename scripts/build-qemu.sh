#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build qemu-system-x86_64 (Debian bookworm's QEMU 7.2 source package, with
# Debian's patches) with the snndev board model compiled in as hw/snn/.
#
#   scripts/build-qemu.sh            -> $B/qemu/qemu-system-x86_64
#
# Caching, all under $SNNDEV_CACHE:
#   qemu-src-<ver>/     pristine unpacked source (downloaded once)
#   qemu-work/          the one build tree (src + build); a model change
#                       only re-syncs hw/snn and re-runs ninja (incremental)
#   qemu-<hash>/        finished binaries, keyed by sha256 of (qemu-model/,
#                       driver/snn_hw.h, QEMU version, this script): a hit
#                       costs nothing but a symlink
#
# Environment: SNN_MODEL_DIR (default qemu-model/) builds another model
# directory instead (used to test this script with a placeholder model);
# SNNDEV_REFRESH=1 re-resolves the newest bookworm QEMU source version.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init

T_ALL=$(now)
MODEL_DIR=${SNN_MODEL_DIR:-$SNN_ROOT/qemu-model}
HW_H=$SNN_ROOT/driver/snn_hw.h
SUITE=bookworm
JOBS=$(nproc 2>/dev/null || echo 2)
OUT_LINK=$B/qemu/qemu-system-x86_64

[ -f "$MODEL_DIR/meson.build" ] || die "$MODEL_DIR/meson.build is missing: no QEMU board model to build yet"
[ -f "$MODEL_DIR/Kconfig" ]     || die "$MODEL_DIR/Kconfig is missing"
[ -f "$HW_H" ]                  || die "$HW_H is missing"

# ---- which QEMU source version (pinned in the cache on first use) --------
VER_FILE=$SNNDEV_CACHE/qemu-src.version
if [ ! -s "$VER_FILE" ] || [ "${SNNDEV_REFRESH:-0}" = 1 ]; then
	apt_private_init "$SUITE"
	best=
	for v in $(apt_cache showsrc --only-source qemu 2>/dev/null | awk '/^Version:/ { print $2 }'); do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
	done
	[ -n "$best" ] || die "no qemu source package in $SUITE (is deb-src reachable?)"
	case "$best" in 1:7.2*) ;; *) warn "expected QEMU 7.2, $SUITE has $best" ;; esac
	echo "$best" >"$VER_FILE"
fi
QEMU_VER=$(cat "$VER_FILE")
QEMU_DIRVER=${QEMU_VER#*:}			# no epoch colon in paths
SRC=$SNNDEV_CACHE/qemu-src-$QEMU_DIRVER

fetch_source() {
	[ -f "$SRC/.complete" ] && return 0
	msg "fetching QEMU $QEMU_VER source (Debian $SUITE, ~24 MB)..."
	local t0 tmp
	t0=$(now)
	apt_private_init "$SUITE"
	tmp=$(mktemp -d "$SNNDEV_CACHE/qemu-src.tmp.XXXXXX")
	(cd "$tmp" && apt_get source --download-only "qemu=$QEMU_VER" 2>&1 | grep -v -e NOTICE -e salsa -e '^Please use' -e '^git clone' -e '^to retrieve' >&2) ||
		die "apt-get source qemu=$QEMU_VER failed"
	msg "unpacking and applying Debian patches (dpkg-source -x)..."
	(cd "$tmp" && dpkg-source -x ./*.dsc src >dpkg-source.log 2>&1) || {
		tail -20 "$tmp/dpkg-source.log" >&2
		die "dpkg-source -x failed"
	}
	touch "$tmp/src/.complete"
	rm -rf "$SRC"
	mv "$tmp/src" "$SRC"
	rm -rf "$tmp"
	info "source ready in $(since "$t0"): $SRC"
}

# ---- cache key ------------------------------------------------------------
SELF_HASH=$(sha256sum <"${BASH_SOURCE[0]}" | cut -d' ' -f1)
MODEL_HASH=$(tree_hash "$MODEL_DIR" "$HW_H")
KEY=$(printf 'model %s\nqemu %s\nscript %s\n' "$MODEL_HASH" "$QEMU_VER" "$SELF_HASH" |
	sha256sum | cut -d' ' -f1)
BASE_KEY=$(printf 'qemu %s\nscript %s\n' "$QEMU_VER" "$SELF_HASH" | sha256sum | cut -d' ' -f1)
OUT=$SNNDEV_CACHE/qemu-${KEY:0:16}

link_result() {
	mkdir -p "$(dirname "$OUT_LINK")"
	ln -sfn "$OUT/qemu-system-x86_64" "$OUT_LINK"
}

if [ -x "$OUT/qemu-system-x86_64" ]; then
	link_result
	msg "QEMU: cache hit (${KEY:0:16}) -> $OUT_LINK ($(since "$T_ALL"))"
	exit 0
fi

WORK=$SNNDEV_CACHE/qemu-work

# Copy the model into the QEMU tree's hw/snn.  Checksum-based, without
# preserving times: only files whose contents changed get a new mtime, so
# ninja rebuilds exactly what changed (also when going back to an older
# version of a file).
sync_model() {
	mkdir -p "$WORK/src/hw/snn"
	rsync -rc --delete --exclude='*.o' --exclude='.*' --exclude='*~' \
		"$MODEL_DIR/" "$HW_H" "$WORK/src/hw/snn/"
}

configure_work() {
	local t0
	t0=$(now)
	msg "preparing QEMU build tree $WORK..."
	rm -rf "$WORK"
	mkdir -p "$WORK"
	cp -a "$SRC" "$WORK/src"
	rm -f "$WORK/src/.complete"
	sync_model
	grep -q "^subdir('snn')" "$WORK/src/hw/meson.build" ||
		echo "subdir('snn')" >>"$WORK/src/hw/meson.build"
	grep -q '^source snn/Kconfig' "$WORK/src/hw/Kconfig" ||
		echo 'source snn/Kconfig' >>"$WORK/src/hw/Kconfig"
	msg "configuring QEMU (x86_64-softmmu, TCG+KVM, no default features)..."
	mkdir -p "$WORK/build"
	# -iquote hw/snn: snn_hw.h (from driver/) sits in hw/snn, and the
	# engine sources in hw/snn/engine include it as "snn_hw.h", just as
	# the host build does with -Idriver.
	(cd "$WORK/build" && ../src/configure \
		--extra-cflags="-iquote $WORK/src/hw/snn" \
		--target-list=x86_64-softmmu \
		--without-default-features \
		--enable-kvm --enable-tcg \
		--disable-docs \
		--enable-fdt=system \
		--disable-install-blobs \
		>configure.log 2>&1) || {
		tail -30 "$WORK/build/configure.log" >&2
		rm -f "$WORK/.base-key"
		die "QEMU configure failed (full log: $WORK/build/configure.log)"
	}
	echo "$BASE_KEY" >"$WORK/.base-key"
	info "configured in $(since "$t0")"
}

build() {
	local t0 cold=0
	# another checkout may have built the same key while we waited
	[ -x "$OUT/qemu-system-x86_64" ] && return 0
	fetch_source
	if [ ! -f "$WORK/.base-key" ] || [ "$(cat "$WORK/.base-key")" != "$BASE_KEY" ] ||
	   [ ! -f "$WORK/build/build.ninja" ]; then
		cold=1
		configure_work
	else
		msg "QEMU: model changed, incremental rebuild in $WORK"
		sync_model
	fi
	t0=$(now)
	if [ "$cold" = 1 ]; then
		msg "building QEMU (first time, ~3 min on 2 cores)..."
	else
		msg "building QEMU (incremental)..."
	fi
	ninja -C "$WORK/build" -j"$JOBS" qemu-system-x86_64 >"$WORK/build/ninja.log" 2>&1 || {
		grep -E 'error|Error|FAILED' -A3 "$WORK/build/ninja.log" | head -60 >&2 || true
		tail -20 "$WORK/build/ninja.log" >&2
		die "QEMU build failed (full log: $WORK/build/ninja.log)"
	}
	info "ninja done in $(since "$t0")"

	# --without-default-features must not have dropped the boards (the
	# PCIe one and the USB one).
	local cfg=$WORK/build/x86_64-softmmu-config-devices.h sym dev
	for sym in CONFIG_SNN_PCI CONFIG_SNN_USB; do
		grep -q "^#define $sym 1" "$cfg" ||
			die "$sym is not enabled in $cfg (check qemu-model/Kconfig)"
	done
	local bin=$WORK/build/qemu-system-x86_64
	for dev in snn-pci snn-usb; do
		"$bin" -nodefaults -machine none -device help 2>/dev/null | grep -q "\"$dev\"" ||
			die "the built QEMU does not list device $dev (-device help)"
	done

	rm -rf "$OUT.tmp"
	mkdir -p "$OUT.tmp"
	cp "$bin" "$OUT.tmp/qemu-system-x86_64"
	{
		echo "qemu $QEMU_VER"
		echo "model $MODEL_DIR ($MODEL_HASH)"
		echo "script $SELF_HASH"
		echo "built $(date -u +%FT%TZ)"
	} >"$OUT.tmp/manifest"
	rm -rf "$OUT"
	mv "$OUT.tmp" "$OUT"

	# keep the newest few binaries
	ls -1dt "$SNNDEV_CACHE"/qemu-[0-9a-f]*[0-9a-f] 2>/dev/null | tail -n +9 |
		while read -r old; do rm -rf "$old"; done
}

with_lock "$SNNDEV_CACHE/qemu-work.lock" build
link_result
msg "QEMU ready: $OUT_LINK ($(since "$T_ALL") total)"
