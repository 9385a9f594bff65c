#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A bounded libFuzzer run of the network file reader (fuzz-netfile, next
# to this script), reported as one TAP result.
#
#   SNN_FUZZ_NETFILE_SECONDS   how long to fuzz (default 60)
#
# The corpus stays in $B/fuzz/netfile between runs (seeded with
# test-libsnndev-net --write-seeds), so each run starts where the last one
# stopped; inputs that crash, leak or take over 10 s go to
# $B/fuzz/netfile-artifacts and fail the test.  Without libFuzzer (no
# clang) the binary is not built and the test is skipped.
set -u
here=$(cd "$(dirname "$0")" && pwd)
B=${B:-$(dirname "$here")}
secs=${SNN_FUZZ_NETFILE_SECONDS:-60}
fuzz=$here/fuzz-netfile
corpus=$B/fuzz/netfile
art=$B/fuzz/netfile-artifacts
log=$B/fuzz/netfile.log

echo "TAP version 13"
echo "1..1"
if [ ! -x "$fuzz" ]; then
	echo "ok 1 - fuzz network files # SKIP no libFuzzer (clang -fsanitize=fuzzer) on this host"
	exit 0
fi
mkdir -p "$corpus" "$art"
if ! "$here/test-libsnndev-net" --write-seeds "$corpus"; then
	echo "not ok 1 - fuzz network files: could not write the seeds"
	exit 1
fi
"$fuzz" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=65536 -print_final_stats=1 -artifact_prefix="$art/" \
	"$corpus" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
files=$(find "$corpus" -type f | wc -l)
if [ "$rc" = 0 ]; then
	echo "ok 1 - fuzz network files: ${runs:-?} inputs in ${secs} s (${rate:-?}/s), ${cov:-cov: ?}, corpus of $files"
	exit 0
fi
tail -n 40 "$log" | sed 's/^/# /'
echo "not ok 1 - fuzz network files: exit status $rc after ${runs:-?} inputs; see $log and $art"
exit 1
