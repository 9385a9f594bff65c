#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel coding style and static checks of the driver (`make check-style`):
#
#   checkpatch.pl --strict --no-tree -f   on driver/*.c, driver/*.h and
#                                         uapi/linux/*.h, one result each
#     (with --root = the kernel headers, for the CamelCase names they
#     define: USB descriptor fields)
#   sparse (kbuild C=2)                   on every driver/*.c, one result each
#
# checkpatch comes from Debian's linux-source package (get-linux-source.sh,
# $B/ksft/; its spelling.txt and const_structs.checkpatch sit next to it,
# which is where it looks), sparse is the Debian package.  The uapi header
# is checked under the name include/uapi/linux/<name>.h, so that checkpatch
# applies its uapi rules (no BIT(), __u32 is right).  driver/snn_hw.h is
# shared with the QEMU model and user-space tests, so BIT() (a kernel
# macro) is not asked for there.
#
# sparse runs through the kernel's kbuild (C=2 checks every file) on a copy
# of the sources in $B/module/<release>/style/; a file fails if sparse
# reports anything located in our sources, or if it does not compile (then
# sparse never saw it).  Reports about the kernel's own headers are shown
# but do not count.
#
# Output: TAP, then "N passed, N failed[, N skipped]"; exit status 0 only
# if nothing failed.  SNN_SRC=DIR checks another tree of the same layout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module-lib.sh"
snn_cache_init
T0=$(now)

CHECKPATCH=$B/ksft/checkpatch.pl
if [ ! -x "$CHECKPATCH" ] || [ ! -f "$B/ksft/spelling.txt" ] ||
   [ ! -f "$B/ksft/const_structs.checkpatch" ]; then
	"$SNN_ROOT/scripts/get-linux-source.sh" >&2 || die "cannot get checkpatch.pl"
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The kernel headers' include/ as checkpatch's --root: in a kernel tree it
# learns the CamelCase names the kernel defines (USB descriptor fields
# such as bInterval) from include/, and --no-tree alone would flag them.
ROOT=()
if snn_module_have_driver; then
	snn_module_kdir "${1:-}"
	common=$(sed -n 's|^include \(.*\)/Makefile$|\1|p' "$KDIR/Makefile" | head -n 1)
	for d in "$KDIR" "$common"; do
		if [ -n "$d" ] && [ -f "$d/include/linux/usb.h" ]; then
			ROOT=(--root="$d")
			break
		fi
	done
fi

# checkpatch_file DESC FILE NAME [OPTS...]: check FILE as if it were NAME
# (a path relative to a kernel tree).
checkpatch_file() {
	local desc=$1 file=$2 name=$3 out rc
	shift 3
	mkdir -p "$TMP/tree/$(dirname "$name")"
	cp "$file" "$TMP/tree/$name"
	set +e
	out=$(cd "$TMP/tree" && "$CHECKPATCH" --strict --no-tree \
		"${ROOT[@]}" --show-types --no-summary --terse "$@" \
		-f "$name" 2>&1)
	rc=$?
	set -e
	rm -f "$TMP/tree/$name"
	if [ "$rc" = 0 ] && [ -z "$out" ]; then
		tap_ok "checkpatch $desc"
	else
		tap_fail "checkpatch $desc"
		printf '%s\n' "$out" | tap_diag
	fi
}

shopt -s nullglob
for f in "$SNN_SRC"/driver/*.c "$SNN_SRC"/driver/*.h; do
	rel=driver/$(basename "$f")
	snn_module_generated "$rel" && continue
	case "$rel" in
	driver/snn_hw.h) checkpatch_file "$rel" "$f" "$rel" --ignore BIT_MACRO ;;
	*)               checkpatch_file "$rel" "$f" "$rel" ;;
	esac
done
for f in "$SNN_SRC"/uapi/linux/*.h; do
	checkpatch_file "uapi/linux/$(basename "$f")" "$f" "include/uapi/linux/$(basename "$f")"
done
shopt -u nullglob

# --- sparse ------------------------------------------------------------
if ! snn_module_have_driver; then
	tap_skip "sparse" "no driver sources"
elif ! command -v sparse >/dev/null 2>&1; then
	tap_fail "sparse (not installed: scripts/deps.sh installs it)"
else
	W=$B/module/$KREL/style
	snn_module_sync "$W"
	# A checker that tags sparse's reports with the file it checked.
	cat >"$TMP/sparse-tag" <<'EOF'
#!/bin/sh
for tu; do :; done
sparse "$@" 2>&1 | sed "s|^|SPARSE[$tu]: |"
EOF
	chmod +x "$TMP/sparse-tag"
	msg "sparse (kbuild C=2) against $KREL..."
	set +e
	make -C "$KDIR" M="$W" -k -j"$(nproc 2>/dev/null || echo 2)" C=2 \
		CHECK="$TMP/sparse-tag" modules >"$W/sparse.log" 2>&1
	rc=$?
	set -e
	for c in "$W"/driver/*.c; do
		[ -f "$c" ] || continue
		rel=driver/$(basename "$c")
		snn_module_generated "$rel" && continue
		ours=$(grep -F "SPARSE[$c]: " "$W/sparse.log" |
			sed "s|^SPARSE\[[^]]*\]: ||" | grep -E "^$W/(driver|uapi)/" |
			sed "s|^$W/||" || true)
		theirs=$(grep -F "SPARSE[$c]: " "$W/sparse.log" |
			sed "s|^SPARSE\[[^]]*\]: ||" | grep -vE "^$W/(driver|uapi)/" || true)
		o=${c%.c}.o
		if [ ! -f "$o" ] || grep -qF "$o] Error" "$W/sparse.log"; then
			tap_fail "sparse $rel (does not compile, see $W/sparse.log)"
			grep -E "^$W/driver/$(basename "$c"):[0-9]+:[0-9]+: error:" "$W/sparse.log" |
				sed "s|^$W/||" | head -n 20 | tap_diag
		elif [ -n "$ours" ]; then
			tap_fail "sparse $rel"
			printf '%s\n' "$ours" | tap_diag
		else
			tap_ok "sparse $rel"
		fi
		if [ -n "$theirs" ]; then
			printf '%s\n' "$theirs" | sed 's/^/(kernel headers, not counted) /' | tap_diag
		fi
	done
	if [ "$rc" != 0 ]; then
		info "the C=2 build failed (exit status $rc): $W/sparse.log"
	fi
fi

msg "style checks: $(since "$T0")"
tap_done
