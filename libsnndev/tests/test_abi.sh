#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Checks of the built libsnndev (TAP): the soname, that the exported
# symbols are exactly the functions of snndev.h, all in the version node of
# libsnndev.map; that the static archive needs no libudev; that snndev.h
# stands alone (C99, C++); and make install-lib/uninstall-lib with DESTDIR,
# PREFIX and LIBDIR, and a program built with pkg-config against the
# installed library, shared and static.
#
# Runs from the top directory (scripts/run-host-tests.sh does); B is the
# build directory.  LIBSNNDEV_MAKE overrides the make command (tests).
set -u
top=$PWD
B=${B:-$top/build}
lib=$B/libsnndev/libsnndev.so.1.0.0
arch=$B/libsnndev/libsnndev.a
make_cmd=${LIBSNNDEV_MAKE:-make}
work=$(mktemp -d /tmp/test-libsnndev-abi-XXXXXX)
trap 'rm -rf "$work"' EXIT

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
check() {	# check NAME CMD...: ok if CMD succeeds (its output as comments)
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /' | tail -n 30
		not_ok "$name"
	fi
}
run_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $make_cmd -s --no-print-directory \
		B="$B" "$@"
}

echo "TAP version 13"

# The functions of snndev.h (not the static inline helpers).
header_funcs() {
	python3 - "$top/libsnndev/snndev.h" <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
s = re.sub(r'static inline[^{]*\{.*?\n\}', '', s, flags=re.S)
s = re.sub(r'/\*.*?\*/', '', s, flags=re.S)
print('\n'.join(sorted(set(re.findall(r'\b(snndev_\w+)\s*\(', s)))))
EOF
}

soname() {
	readelf -d "$lib" | grep -q 'Library soname: \[libsnndev.so.1\]'
}
check "soname libsnndev.so.1" soname

exports() {
	local h m e
	h=$(header_funcs)
	m=$(sed -n 's/^[[:space:]]*\(snndev_[a-z0-9_]*\);.*/\1/p' \
		"$top/libsnndev/libsnndev.map" | sort)
	e=$(nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sort)
	[ "$h" = "$m" ] || { echo "snndev.h and libsnndev.map differ:"; diff <(echo "$h") <(echo "$m"); return 1; }
	# every export is versioned LIBSNNDEV_1.0 and is a header function
	[ "$(echo "$e" | sed 's/@@LIBSNNDEV_1\.0$//')" = "$h" ] ||
		{ echo "exports differ from snndev.h:"; diff <(echo "$h") <(echo "$e"); return 1; }
	[ "$(echo "$e" | grep -vc '@@LIBSNNDEV_1\.0$')" = 0 ]
}
check "exports are exactly snndev.h's $(header_funcs | wc -l) functions, version LIBSNNDEV_1.0" exports

no_udev_in_archive() {
	! nm "$arch" | grep -q 'udev_'
}
check "libsnndev.a does not use libudev" no_udev_in_archive

header_alone() {
	printf '#include <snndev.h>\nint main(void) { return snndev_event_core(snndev_event(1, 2, 3)) != 2; }\n' >"$work/h.c"
	cc -std=c99 -pedantic -Wall -Wextra -Werror -I"$top/libsnndev" \
		-fsyntax-only "$work/h.c" &&
	c++ -x c++ -Wall -Wextra -Werror -I"$top/libsnndev" -fsyntax-only \
		"$work/h.c"
}
check "snndev.h compiles alone (C99 -pedantic, C++)" header_alone

install_destdir() {
	local d=$work/destdir
	run_make install-lib DESTDIR="$d" PREFIX=/usr || return 1
	[ -f "$d/usr/lib/libsnndev.so.1.0.0" ] &&
	[ "$(readlink "$d/usr/lib/libsnndev.so.1")" = libsnndev.so.1.0.0 ] &&
	[ "$(readlink "$d/usr/lib/libsnndev.so")" = libsnndev.so.1 ] &&
	[ -f "$d/usr/lib/libsnndev.a" ] &&
	cmp -s "$d/usr/include/snndev.h" "$top/libsnndev/snndev.h" &&
	grep -qx 'prefix=/usr' "$d/usr/lib/pkgconfig/libsnndev.pc" &&
	grep -qx 'libdir=/usr/lib' "$d/usr/lib/pkgconfig/libsnndev.pc" &&
	grep -qx 'Version: 0.1.0' "$d/usr/lib/pkgconfig/libsnndev.pc" || return 1
	run_make uninstall-lib DESTDIR="$d" PREFIX=/usr || return 1
	[ -z "$(find "$d" -type f -o -type l)" ] || { find "$d"; return 1; }
}
check "make install-lib / uninstall-lib with DESTDIR and PREFIX" install_destdir

install_libdir() {
	local d=$work/libdir
	run_make install-lib DESTDIR="$d" PREFIX=/opt/snn LIBDIR=/opt/snn/lib64 \
		INCLUDEDIR=/opt/snn/inc PKGCONFIGDIR=/opt/snn/pc || return 1
	[ -f "$d/opt/snn/lib64/libsnndev.so.1.0.0" ] &&
	[ -f "$d/opt/snn/inc/snndev.h" ] &&
	grep -qx 'libdir=/opt/snn/lib64' "$d/opt/snn/pc/libsnndev.pc" &&
	grep -qx 'includedir=/opt/snn/inc' "$d/opt/snn/pc/libsnndev.pc"
}
check "make install-lib with LIBDIR, INCLUDEDIR, PKGCONFIGDIR" install_libdir

use_installed() {
	local p=$work/pfx pc
	run_make install-lib PREFIX="$p" || return 1
	cat >"$work/prog.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <snndev.h>

int main(void)
{
	struct snndev_net *net, *back;
	struct snndev_profile p = { .vth = 10 };
	struct snndev_neuron n = { .flags = SNNDEV_NEURON_OUT };
	void *buf;
	size_t len;

	if (strcmp(snndev_version(), "0.1.0") || snndev_net_new(&net) ||
	    snndev_net_add_part(net, 1, 1, 1) ||
	    snndev_net_add_profiles(net, 0, &p, 1) ||
	    snndev_net_add_neurons(net, 0, &n, 1) ||
	    snndev_net_write_mem(net, &buf, &len) ||
	    snndev_net_read_mem(buf, len, &back)) {
		fprintf(stderr, "%s\n", snndev_errmsg());
		return 1;
	}
	printf("%zu\n", len);
	free(buf);
	snndev_net_free(back);
	snndev_net_free(net);
	return 0;
}
EOF
	pc="env PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config"
	# shellcheck disable=SC2046
	cc -Wall -Werror $($pc --cflags libsnndev) -o "$work/prog" "$work/prog.c" \
		$($pc --libs libsnndev) || return 1
	[ "$(LD_LIBRARY_PATH=$p/lib "$work/prog")" = 136 ] || return 1
	ldd "$work/prog" | grep -q "$p/lib/libsnndev.so.1" ||
		LD_LIBRARY_PATH=$p/lib ldd "$work/prog" | grep -q "$p/lib/libsnndev.so.1" || return 1
	# statically, without libudev
	cc -Wall -Werror $($pc --cflags libsnndev) -o "$work/prog-static" \
		"$work/prog.c" "$p/lib/libsnndev.a" -pthread || return 1
	[ "$("$work/prog-static")" = 136 ]
}
check "a program built with pkg-config runs against the installed library (shared and static)" use_installed

echo "1..$n"
[ "$failed" = 0 ]
