#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch a Debian kernel (image, modules and the headers to build
# out-of-tree modules against) and expose it under $B.
#
#   scripts/get-kernel.sh [SUITE]     SUITE: bookworm (default),
#                                     bookworm-backports, trixie-backports, sid...
#
# Result (bookworm):       $B/kernel/{vmlinuz,vmlinux,modules,headers,release}
#        (other suites):   $B/kernel-<suite>/...
#   vmlinuz   the kernel image (bzImage)
#   vmlinux   the same kernel decompressed (ELF with a PVH entry note):
#             QEMU boots it directly, which saves the ~5 s the compressed
#             kernel spends decompressing itself under TCG (absent if the
#             kernel has no PVH entry)
#   modules   lib/modules/<release> (the kernel's own modules)
#   headers   build directory for out-of-tree modules (make -C headers M=...)
#   release   the kernel release string (uname -r)
#
# The packages are downloaded through a private apt configuration and
# unpacked with dpkg-deb -x into $SNNDEV_CACHE/kernels/<release>/.  The
# metapackage linux-image-amd64 is resolved to the real package on first
# use and pinned in $SNNDEV_CACHE/kernels/<suite>.release (SNNDEV_REFRESH=1
# re-resolves it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init

SUITE=${1:-bookworm}
FLAVOUR=${SNN_KERNEL_FLAVOUR:-amd64}
T0=$(now)
KDIR=$SNNDEV_CACHE/kernels
mkdir -p "$KDIR"
PIN=$KDIR/$SUITE.release
if [ "$SUITE" = bookworm ]; then
	LINK=$B/kernel
else
	LINK=$B/kernel-$SUITE
fi

# Package field helper: first value of field $2 of package $1 (candidate).
pkg_field() {
	apt_cache show "$1" 2>/dev/null |
		awk -v f="$2:" '$1 == f && !done { sub(/^[^:]*: */, ""); print; done = 1 }'
}

resolve() {
	apt_private_init "$SUITE"
	local meta=linux-image-$FLAVOUR dep
	# The candidate of the metapackage (highest version in the suite).
	dep=$(apt_cache depends "$meta" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ && !done { print $2; done = 1 }')
	[ -n "$dep" ] || die "cannot resolve $meta in $SUITE"
	REL=${dep#linux-image-}
	REL=${REL%-unsigned}
	echo "$REL" >"$PIN"
}

if [ ! -s "$PIN" ] || [ "${SNNDEV_REFRESH:-0}" = 1 ]; then
	resolve
fi
REL=$(cat "$PIN")
DEST=$KDIR/$REL

fetch() {
	if [ -f "$DEST/.complete" ]; then
		# caches unpacked before vmlinux extraction existed
		if [ ! -e "$DEST/boot/vmlinux-$REL" ] && [ ! -e "$DEST/.vmlinux-tried" ]; then
			extract_vmlinux "$DEST/boot/vmlinuz-$REL" "$DEST/boot/vmlinux-$REL"
			touch "$DEST/.vmlinux-tried"
		fi
		[ -f "$DEST/lib/modules/$REL/modules.dep" ] || run_depmod "$DEST"
		return 0
	fi
	msg "fetching Debian kernel $REL ($SUITE)..."
	apt_private_init "$SUITE"
	local img=linux-image-$REL hdr=linux-headers-$REL common kbuild deps
	# the signed image package may not exist (e.g. some backports):
	# fall back to the -unsigned one.
	if ! apt_cache show "$img" >/dev/null 2>&1; then
		img=$img-unsigned
	fi
	deps=$(pkg_field "$hdr" Depends)
	[ -n "$deps" ] || die "no package $hdr in $SUITE"
	common=$(tr ',' '\n' <<<"$deps" | awk '{print $1}' | grep -E '^linux-headers-.*-common' | head -1 || true)
	kbuild=$(tr ',' '\n' <<<"$deps" | awk '{print $1}' | grep -E '^linux-kbuild-' | head -1 || true)
	[ -n "$common" ] || die "cannot find the -common headers package of $hdr (Depends: $deps)"
	[ -n "$kbuild" ] || die "cannot find the linux-kbuild package of $hdr (Depends: $deps)"
	# Since 7.x (trixie-backports, sid) linux-image-<rel> is only a
	# metapackage: the kernel is in linux-binary-<rel>, its modules in
	# linux-modules-<rel>, System.map and the config in linux-base-<rel>
	# (which the headers depend on too).  Take whichever of them the image
	# and the headers depend on.
	local split
	split=$( { pkg_field "$img" Depends; echo ","; pkg_field "$hdr" Depends; } |
		tr ',|' '\n\n' | awk '{print $1}' |
		grep -xE "linux-(binary|modules|base)-$(sed 's/[.+]/\\&/g' <<<"$REL")" |
		sort -u || true)

	# Download exactly the candidate version of each package and unpack
	# exactly that file (the debs directory may hold older ones).
	local debs=$KDIR/debs p v f specs=() files=()
	# shellcheck disable=SC2086  # $split: one package name a word
	for p in "$img" $split "$hdr" "$common" "$kbuild"; do
		v=$(pkg_field "$p" Version)
		[ -n "$v" ] || die "no package $p in $SUITE"
		specs+=("$p=$v")
		files+=("$debs/${p}_${v//:/%3a}_")
	done
	info "packages: ${specs[*]}"
	apt_download "$debs" "${specs[@]}"

	local tmp
	tmp=$(mktemp -d "$KDIR/.unpack.XXXXXX")
	for f in "${files[@]}"; do
		f=$(compgen -G "$f*.deb" | head -1 || true)
		[ -n "$f" ] || die "a downloaded .deb is missing in $debs (${specs[*]})"
		info "unpacking $(basename "$f")"
		dpkg-deb -x "$f" "$tmp"
	done

	# The arch headers' Makefile includes the -common tree by absolute
	# path (/usr/src/linux-headers-...-common): point it at our copy.
	local hmk=$tmp/usr/src/linux-headers-$REL/Makefile
	[ -f "$hmk" ] || die "unexpected headers layout: $hmk missing"
	sed -i "s|/usr/src/linux-headers-|$DEST/usr/src/linux-headers-|g" "$hmk"
	# Any absolute symlink into /usr/src or /usr/lib (scripts, tools,
	# lib/modules/*/build) must point inside the unpacked tree.
	find "$tmp" -type l | while read -r l; do
		local t
		t=$(readlink "$l")
		case "$t" in
		/usr/src/*|/usr/lib/*) ln -sfn "$DEST$t" "$l" ;;
		esac
	done
	# 7.x packages are merged-/usr: the kernel is
	# usr/lib/modules/<rel>/vmlinuz, the modules under usr/lib/modules.
	# Give the tree the layout of the older packages (lib/modules,
	# boot/vmlinuz-<rel>), which the rest of this script, depmod -b and
	# vm-run.py expect.
	if [ ! -e "$tmp/lib" ] && [ -d "$tmp/usr/lib/modules" ]; then
		ln -s usr/lib "$tmp/lib"
	fi
	if [ ! -e "$tmp/boot/vmlinuz-$REL" ] && [ -f "$tmp/usr/lib/modules/$REL/vmlinuz" ]; then
		mkdir -p "$tmp/boot"
		ln -s "../usr/lib/modules/$REL/vmlinuz" "$tmp/boot/vmlinuz-$REL"
	fi
	[ -e "$tmp/boot/vmlinuz-$REL" ] ||
		die "no kernel image (boot/vmlinuz-$REL, usr/lib/modules/$REL/vmlinuz) in ${specs[*]}"
	extract_vmlinux "$tmp/boot/vmlinuz-$REL" "$tmp/boot/vmlinux-$REL"
	run_depmod "$tmp"
	touch "$tmp/.complete"
	rm -rf "$DEST"
	mv "$tmp" "$DEST"
}

# modules.dep etc. (the package leaves them to its postinst), so that
# vm-run.py --kmod NAME can pull a module and its dependencies.
run_depmod() {
	local root=$1
	if command -v depmod >/dev/null 2>&1 || [ -x /sbin/depmod ]; then
		PATH=$PATH:/sbin:/usr/sbin depmod -b "$root" "$REL" ||
			warn "depmod failed for $REL: vm-run.py --kmod will not work"
	else
		warn "depmod (kmod) not installed: vm-run.py --kmod will not work"
	fi
}

# Decompress a bzImage's payload (as the kernel's scripts/extract-vmlinux)
# and keep it only if it is an ELF that QEMU can boot through PVH.
extract_vmlinux() {
	local in=$1 out=$2 magic tool off
	for magic in '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -dcq' '\x1f\x8b\x08:gzip -dc'; do
		tool=${magic#*:}
		for off in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$in" 2>/dev/null | cut -d: -f1 | head -3); do
			tail -c +$((off + 1)) "$in" | $tool >"$out" 2>/dev/null || true
			if [ "$(head -c 4 "$out" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
				# Xen ELF note 0x12 = XEN_ELFNOTE_PHYS32_ENTRY (PVH)
				if readelf -n "$out" 2>/dev/null | grep -q '(0x00000012)'; then
					info "extracted vmlinux ($(du -h "$out" | cut -f1), PVH entry)"
					return 0
				fi
				break 2
			fi
		done
	done
	rm -f "$out"
	info "no PVH-bootable vmlinux in $(basename "$in"); VMs will boot the bzImage"
}

with_lock "$KDIR/.lock" fetch

vmlinuz=$DEST/boot/vmlinuz-$REL
[ -f "$vmlinuz" ] || die "no $vmlinuz in the image package"
mkdir -p "$LINK"
ln -sfn "$vmlinuz" "$LINK/vmlinuz"
if [ -f "$DEST/boot/vmlinux-$REL" ]; then
	ln -sfn "$DEST/boot/vmlinux-$REL" "$LINK/vmlinux"
else
	rm -f "$LINK/vmlinux"
fi
ln -sfn "$DEST/lib/modules/$REL" "$LINK/modules"
ln -sfn "$DEST/usr/src/linux-headers-$REL" "$LINK/headers"
echo "$REL" >"$LINK/release"
msg "kernel $REL ready: $LINK ($(since "$T0"))"
