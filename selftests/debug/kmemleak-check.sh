#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the debug-kernel VM as the last test of `make check-debug`
# (a vm-run.py --test):
#
#   kmemleak-check.sh [MODULE]
#
# 1. Scans for leaks with MODULE (default snn) still loaded, so that the
#    backtraces of what it leaked name its functions.
# 2. Unloads MODULE: must succeed, nothing may hold it any more.
# 3. Scans twice, with a pause: kmemleak reports an object only once it
#    is older than 5 s and was found unreferenced, and what the module's
#    exit freed late must not count.
# 4. Prints /sys/kernel/debug/kmemleak and fails on any "unreferenced
#    object".  Addresses inside the unloaded module print as raw
#    addresses: the module's .text range is printed to match them.
# KTAP output; exit status 0 only if all passed (4: no kmemleak, skipped).
mod=${1:-snn}
K=/sys/kernel/debug/kmemleak
echo "KTAP version 1"
echo "1..2"
if [ ! -e $K ]; then
	echo "ok 1 unload_$mod # SKIP no kmemleak in this kernel"
	echo "ok 2 kmemleak # SKIP no kmemleak in this kernel"
	exit 4
fi
scan() {
	t0=$(cut -d' ' -f1 /proc/uptime)
	echo scan > $K
	echo "# kmemleak scan took $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }') s"
}

rc=0
if [ -d /sys/module/"$mod" ]; then
	text=$(cat /sys/module/"$mod"/sections/.text 2>/dev/null)
	size=$(cat /sys/module/"$mod"/coresize 2>/dev/null)
	echo "# $mod: .text at $text, core size $size"
	scan
	if out=$(rmmod "$mod" 2>&1); then
		echo "ok 1 unload_$mod"
	else
		echo "# rmmod $mod: $out"
		echo "not ok 1 unload_$mod"
		rc=1
	fi
else
	echo "ok 1 unload_$mod # SKIP not loaded"
fi
scan
sleep 6
scan
n=$(grep -c 'unreferenced object' $K)
if [ "$n" != 0 ]; then
	echo "# kmemleak: $n unreferenced objects:"
	sed 's/^/# /' $K
	echo "not ok 2 kmemleak # $n unreferenced objects"
	rc=1
else
	echo "ok 2 kmemleak"
fi
exit $rc
