#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of digits-classify's command line, without a device: usage
# and argument errors, bad test sets and network files, each with its exit
# status and message; and that with no board it fails opening the cluster
# (the board itself: selftests/lib/digits_test.c in the VM).
#
# Run from the top directory (make check-host does); B selects the build
# directory, CLASSIFY another binary.  Output: TAP.
set -u

ROOT=$(pwd)
B=${B:-$ROOT/build}
CLASSIFY=${CLASSIFY:-$B/tools/digits-classify}
D=$ROOT/tools/digits
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

n=0 failed=0
# expect NAME STATUS STDERR-REGEX ARGS...
expect() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$CLASSIFY" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	n=$((n + 1))
	if [ "$rc" = "$want" ] && grep -qE -- "$re" "$T/err"; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		echo "# digits-classify $*: exit $rc (want $want); stderr:"
		sed 's/^/# /' "$T/err"
		echo "# wanted stderr to match: $re"
	fi
}

# an image line: LABEL and 64 pixels, pixel 0 = $2
line() { printf '%s %s' "$1" "$2"; for _ in $(seq 63); do printf ' 0'; done; echo; }

echo "TAP version 13"
expect "no arguments" 1 "expected NETFILE and TEST_SET"
expect "--images 0" 1 "--images '0' is not a number" -n 0 "$D/digits.snnet" "$D/test-set.txt"
expect "--images -3" 1 "--images '-3' is not a number" -n -3 "$D/digits.snnet" "$D/test-set.txt"
expect "--timeout x" 1 "--timeout 'x' is not a number of seconds" -t x "$D/digits.snnet" "$D/test-set.txt"
expect "unknown option" 1 "Usage: digits-classify" --frob "$D/digits.snnet" "$D/test-set.txt"
"$CLASSIFY" --help >"$T/out" 2>&1
rc=$?
n=$((n + 1))
if [ $rc = 0 ] && grep -q -- '--cluster UNIT' "$T/out"; then echo "ok $n - --help"; else failed=$((failed + 1)); echo "not ok $n - --help"; fi

expect "missing test set" 3 "$T/none.txt: No such file" "$D/digits.snnet" "$T/none.txt"
: >"$T/empty.txt"
expect "empty test set" 3 "$T/empty.txt: no images" "$D/digits.snnet" "$T/empty.txt"
{ echo "# comment"; line 3 0; echo "3 1 2"; } >"$T/short.txt"
expect "short line" 3 "short.txt:3: expected LABEL and 64 pixels, found 3 numbers" "$D/digits.snnet" "$T/short.txt"
{ line 3 17; } >"$T/pixel.txt"
expect "pixel out of range" 3 "pixel.txt:1: pixel 0 is 17, must be 0..16" "$D/digits.snnet" "$T/pixel.txt"
{ line 10 0; } >"$T/label.txt"
expect "label out of range" 3 "label.txt:1: label 10, must be 0..9" "$D/digits.snnet" "$T/label.txt"
{ line 1 0 | sed 's/$/ 5/'; } >"$T/long.txt"
expect "too many numbers" 3 "long.txt:1: more than LABEL and 64 pixels" "$D/digits.snnet" "$T/long.txt"
expect "an image, not a network file" 3 "this is a board image, not a network file" "$D/digits.snni" "$D/test-set.txt"
head -c 100 "$D/digits.snnet" >"$T/cut.snnet"
expect "truncated network file" 3 "cut.snnet: truncated: 100 bytes" "$T/cut.snnet" "$D/test-set.txt"
expect "no such cluster" 2 "cannot open the cluster: /dev/snn99.0" -c snn99.0 "$D/digits.snnet" "$D/test-set.txt"
expect "split needs two clusters" 1 "the network has 2 parts: name 2 clusters" -c snn99.0 "$D/digits-split.snnet" "$D/test-set.txt"

echo "1..$n"
[ "$failed" = 0 ]
