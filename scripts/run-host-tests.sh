#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run host test programs and count their TAP/KTAP results.
#
#   scripts/run-host-tests.sh BIN...
#
# Each program runs from the top directory with a time limit
# (SNN_HOST_TEST_TIMEOUT, default 600 s); its output goes to
# $B/host-test-logs/<name>.log.  Every "ok"/"not ok" leaf result counts
# ("# SKIP" = skipped).  A program that exits non-zero without reporting a
# failure counts one failure; one that prints no results counts as one test
# (passed if it exits 0).  The last line is "N passed, N failed[, N skipped]";
# the exit status is 0 only if nothing failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TMO=${SNN_HOST_TEST_TIMEOUT:-600}
LOGDIR=$B/host-test-logs
mkdir -p "$LOGDIR"
cd "$SNN_ROOT"

tp=0 tf=0 ts=0
for bin in "$@"; do
	name=$(basename "$bin")
	log=$LOGDIR/$name.log
	if [ ! -x "$bin" ]; then
		echo "FAIL $name: not found or not executable: $bin"
		tf=$((tf + 1))
		continue
	fi
	t0=$(now)
	set +e
	timeout -k 10 "$TMO" "$bin" </dev/null >"$log" 2>&1
	rc=$?
	set -e
	dur=$(since "$t0")
	mapfile -t res < <(python3 "$SNN_ROOT/scripts/ktap.py" --counts "$log")
	read -r p f s <<<"${res[0]}"
	why=
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		why="timed out after ${TMO}s"
		f=$((f + 1))
	elif [ "$rc" -gt 128 ]; then
		why="killed by signal $((rc - 128))"
		f=$((f + 1))
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		why="exit status $rc"
		f=1
	elif [ $((p + f + s)) = 0 ]; then
		why="no TAP results; exit status $rc"
		[ "$rc" = 0 ] && p=1 || f=1
	fi
	counts="$p passed, $f failed"
	[ "$s" != 0 ] && counts="$counts, $s skipped"
	if [ "$f" = 0 ]; then
		echo "ok   $name: $counts ($dur)${why:+ # $why}"
	else
		echo "FAIL $name: $counts ($dur)${why:+ # $why}"
		for n in "${res[@]:1}"; do
			echo "       FAIL $n"
		done
		echo "     --- last lines of $log ---"
		tail -n 40 "$log" | sed 's/^/     | /'
	fi
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done

summary="$tp passed, $tf failed"
[ "$ts" != 0 ] && summary="$summary, $ts skipped"
echo "$summary"
[ "$tf" = 0 ]
