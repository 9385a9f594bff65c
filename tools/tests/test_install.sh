#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of `make install` and `make uninstall` into a DESTDIR: the
# exact file list for the default PREFIX and for PREFIX=/usr, modes and
# links, a program built against the installed header and pkg-config
# file, the installed snnctl run against the installed library, and an
# uninstall that leaves no file behind.
#
# Run from the top directory (make check-host does); B selects the build
# directory.  Output: TAP.
set -u

ROOT=$(pwd)
B=${B:-$ROOT/build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# a make of its own, not a sub-make of the one running the tests
unset MAKEFLAGS MFLAGS MAKELEVEL

n=0 failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}
diag() {
	sed 's/^/# /' <<<"$1"
}
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# files DIR: every file and link under DIR, relative, sorted
files() {
	(cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort)
}

minst() {
	make -s --no-print-directory -C "$ROOT" B="$B" "$@" >"$T/make.log" 2>&1
}

# ---- default PREFIX (/usr/local) ----------------------------------------------------

D=$T/root
if minst install DESTDIR="$D"; then
	ok "make install DESTDIR=..."
else
	not_ok "make install DESTDIR=..."
	diag "$(cat "$T/make.log")"
fi
cat >"$T/want" <<'EOF'
usr/local/bin/snnctl
usr/local/include/snndev.h
usr/local/lib/libsnndev.a
usr/local/lib/libsnndev.so
usr/local/lib/libsnndev.so.1
usr/local/lib/libsnndev.so.1.0.0
usr/local/lib/pkgconfig/libsnndev.pc
usr/local/lib/sysusers.d/snndev.conf
usr/local/lib/udev/rules.d/60-snndev.rules
usr/local/share/bash-completion/completions/snnctl
usr/local/share/man/man1/snnctl.1
EOF
files "$D" >"$T/got"
if diff -u "$T/want" "$T/got" >"$T/diff"; then
	ok "install: the file list (PREFIX=/usr/local)"
else
	not_ok "install: the file list (PREFIX=/usr/local)"
	diag "$(cat "$T/diff")"
fi
L=$D/usr/local
check "install: nothing outside DESTDIR's prefix" test -z "$(ls "$D" | grep -v '^usr$')"
check "install: snnctl mode 0755" test "$(stat -c %a "$L/bin/snnctl")" = 755
check "install: man page, rules, completion mode 0644" test \
	"$(stat -c %a "$L/share/man/man1/snnctl.1" "$L/lib/udev/rules.d/60-snndev.rules" \
		"$L/share/bash-completion/completions/snnctl" "$L/lib/sysusers.d/snndev.conf" | sort -u)" = 644
check "install: the rules file is the source's" cmp -s udev/60-snndev.rules "$L/lib/udev/rules.d/60-snndev.rules"
check "install: libsnndev.so.1 -> libsnndev.so.1.0.0" test "$(readlink "$L/lib/libsnndev.so.1")" = libsnndev.so.1.0.0
check "install: the installed snnctl has no rpath into the build tree" \
	sh -c "! readelf -d '$L/bin/snnctl' | grep -qiE 'rpath|runpath'"
check "install: snnctl needs libsnndev.so.1" \
	sh -c "readelf -d '$L/bin/snnctl' | grep -q 'NEEDED.*libsnndev.so.1'"

out=$(LD_LIBRARY_PATH=$L/lib "$L/bin/snnctl" --version 2>&1)
check "install: the installed snnctl runs with the installed library" \
	grep -qE '^snnctl [0-9.]+ \(libsnndev [0-9.]+' <<<"$out"

# a program built the way users will: pkg-config and the installed header
cat >"$T/prog.c" <<'EOF'
#include <stdio.h>
#include <snndev.h>
int main(void)
{
	printf("%s %u\n", snndev_version(), snndev_abi_major());
	return 0;
}
EOF
export PKG_CONFIG_SYSROOT_DIR=$D PKG_CONFIG_PATH=$L/lib/pkgconfig PKG_CONFIG_LIBDIR=$L/lib/pkgconfig
if flags=$(pkg-config --cflags --libs libsnndev 2>"$T/pc.err") &&
	cc -o "$T/prog" "$T/prog.c" $flags 2>"$T/cc.err" &&
	out=$(LD_LIBRARY_PATH=$L/lib "$T/prog") && [ -n "$out" ]; then
	ok "install: a program builds with pkg-config libsnndev and runs ($out)"
else
	not_ok "install: a program builds with pkg-config libsnndev and runs"
	diag "flags: ${flags:-}"
	diag "$(cat "$T/pc.err" "$T/cc.err" 2>/dev/null)"
fi
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH PKG_CONFIG_LIBDIR

if minst uninstall DESTDIR="$D"; then
	ok "make uninstall DESTDIR=..."
else
	not_ok "make uninstall DESTDIR=..."
	diag "$(cat "$T/make.log")"
fi
left=$(files "$D")
check "uninstall: no file left" test -z "$left"
[ -z "$left" ] || diag "$left"

# ---- PREFIX=/usr (a distribution package) ------------------------------------------------

D=$T/pkg
minst install DESTDIR="$D" PREFIX=/usr || diag "$(cat "$T/make.log")"
sed 's|^usr/local/|usr/|' "$T/want" >"$T/want-usr"
files "$D" >"$T/got"
if diff -u "$T/want-usr" "$T/got" >"$T/diff"; then
	ok "install: the file list (PREFIX=/usr)"
else
	not_ok "install: the file list (PREFIX=/usr)"
	diag "$(cat "$T/diff")"
fi
check "install: pkg-config file says prefix=/usr" grep -q '^prefix=/usr$' "$D/usr/lib/pkgconfig/libsnndev.pc"
minst uninstall DESTDIR="$D" PREFIX=/usr
check "uninstall: no file left (PREFIX=/usr)" test -z "$(files "$D")"

# ---- directories overridden ------------------------------------------------------------------

D=$T/etc
minst install-udev DESTDIR="$D" UDEVRULESDIR=/etc/udev/rules.d SYSUSERSDIR=/etc/sysusers.d
check "install-udev: UDEVRULESDIR and SYSUSERSDIR honoured" test \
	"$(files "$D" | tr '\n' ' ')" = "etc/sysusers.d/snndev.conf etc/udev/rules.d/60-snndev.rules "

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
