#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the few files snndev uses from the kernel source tree, taken from
# Debian's linux-source-6.1 package (never copied into this repository):
#
#   kselftest_harness.h, kselftest.h     (tools/testing/selftests)
#   checkpatch.pl, spelling.txt, const_structs.checkpatch   (scripts)
#
# The .deb (~139 MB) is downloaded once into $SNNDEV_CACHE/debs; the files go
# to $SNNDEV_CACHE/linux-source-files/<version>/ and are symlinked into
# $B/ksft/.  Run checkpatch as $B/ksft/checkpatch.pl --no-tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init

T0=$(now)
SUITE=bookworm
PKG=linux-source-6.1
FILES=(
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/kselftest.h
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
)
BASE=$SNNDEV_CACHE/linux-source-files
PIN=$BASE/version
OUT=$B/ksft

have_all() {
	local d=$1 f
	for f in "${FILES[@]}"; do
		[ -f "$d/$(basename "$f")" ] || return 1
	done
}

fetch() {
	if [ -s "$PIN" ] && [ "${SNNDEV_REFRESH:-0}" != 1 ] && have_all "$BASE/$(cat "$PIN")"; then
		return 0
	fi
	apt_private_init "$SUITE"
	local ver debs deb dir tmp
	ver=$(apt_cache policy "$PKG" | awk '$1 == "Candidate:" { print $2 }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no $PKG in $SUITE"
	dir=$BASE/$ver
	if ! have_all "$dir"; then
		debs=$SNNDEV_CACHE/debs
		deb=$(ls -1 "$debs/${PKG}_${ver}_"*.deb 2>/dev/null | head -1 || true)
		if [ -z "$deb" ]; then
			msg "downloading $PKG $ver (~139 MB, once)..."
			apt_download "$debs" "$PKG=$ver"
			deb=$(ls -1 "$debs/${PKG}_${ver}_"*.deb | head -1)
		fi
		msg "extracting ${#FILES[@]} files from $(basename "$deb")..."
		tmp=$(mktemp -d "$BASE.tmp.XXXXXX")
		local members=() f
		for f in "${FILES[@]}"; do members+=("$PKG/$f"); done
		# .deb -> data tar -> usr/src/linux-source-6.1.tar.xz -> members
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO "./usr/src/$PKG.tar.xz" |
			xz -dc -T0 |
			tar -x -C "$tmp" "${members[@]}" ||
			die "extracting from $deb failed"
		mkdir -p "$dir"
		for f in "${FILES[@]}"; do
			install -m 0644 "$tmp/$PKG/$f" "$dir/$(basename "$f")"
		done
		chmod 0755 "$dir/checkpatch.pl"
		rm -rf "$tmp"
	fi
	echo "$ver" >"$PIN"
}

mkdir -p "$BASE"
with_lock "$BASE.lock" fetch
DIR=$BASE/$(cat "$PIN")
mkdir -p "$OUT"
for f in "${FILES[@]}"; do
	ln -sfn "$DIR/$(basename "$f")" "$OUT/$(basename "$f")"
done
msg "kselftest headers and checkpatch ready in $OUT ($(since "$T0"))"
