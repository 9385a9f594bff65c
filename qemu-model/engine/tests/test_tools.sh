#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end tests of snn-mkimg and snn-sim (TAP).  Installed next to the
# tools as $(B)/host/test-engine-tools; finds them in its own directory
# (or in $SNN_TOOLS_DIR).

dir=${SNN_TOOLS_DIR:-$(cd "$(dirname "$0")" && pwd)}
MKIMG=$dir/snn-mkimg
SIM=$dir/snn-sim
tmp=$(mktemp -d "${TMPDIR:-/tmp}/snn-tools.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
pass=0
fail=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
		echo "ok $n - $2"
	else
		fail=$((fail + 1))
		echo "not ok $n - $2"
	fi
}

# expect_out NAME EXPECTED-STATUS EXPECTED-STDOUT CMD...: compare both.
expect_out() {
	name=$1 want_rc=$2 want=$3
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	got=$(cat "$tmp/out")
	if [ "$rc" = "$want_rc" ] && [ "$got" = "$want" ]; then
		ok 0 "$name"
	else
		echo "# status $rc (want $want_rc); stdout:"
		sed 's/^/#   /' "$tmp/out"
		echo "# want:"
		printf '%s\n' "$want" | sed 's/^/#   /'
		sed 's/^/# stderr: /' "$tmp/err"
		ok 1 "$name"
	fi
}

# expect_err NAME EXPECTED-STATUS STDERR-SUBSTRING CMD...
expect_err() {
	name=$1 want_rc=$2 want=$3
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = "$want_rc" ] && grep -qF -- "$want" "$tmp/err"; then
		sed 's/^/# /' "$tmp/err"
		ok 0 "$name"
	else
		echo "# status $rc (want $want_rc), stderr lacks '$want':"
		sed 's/^/# stderr: /' "$tmp/err"
		ok 1 "$name"
	fi
}

echo "TAP version 13"
echo "1..19"

# Flat ids: neuron = core * 8 + index, axon = core * 4 + axon.
cat >"$tmp/chain.txt" <<'EOF'
# two cores: 0.1 drives 1.2 through fan-out
geometry 2 8 4
profile 0 4095 4095 0 0 0	# no memory: fires iff a_in > 0
neuron 0 0 0 out		# flat 0, output queue 0
neuron 0 1 0			# flat 1, not reported
neuron 1 2 0 out 1		# flat 10, output queue 1
synapse 0 0 0 1			# axon 0.0 (flat 0) -> 0.0
synapse 0 1 1 1			# axon 0.1 (flat 1) -> 0.1
synapse 1 3 2 1			# axon 1.3 (flat 7) -> 1.2
fanout 0 1 1 3			# 0.1 -> axon 1.3, next timestep
EOF
cat >"$tmp/chain.in" <<'EOF'
# timestep axon
0 0
2 1   # 0.1 fires at 2, 1.2 at 3

EOF

"$MKIMG" "$tmp/chain.txt" "$tmp/chain.snni" 2>"$tmp/err"
rc=$?
sed 's/^/# /' "$tmp/err"
ok $rc "snn-mkimg writes the example"
[ "$(wc -c <"$tmp/chain.snni")" -eq $((64 + 16 + 8 * 7)) ]
ok $? "image has the expected length"

expect_out "default STEPS = last input timestep + 1" 0 "0 0" \
	"$SIM" "$tmp/chain.snni" "$tmp/chain.in"
expect_out "-n 5 shows the fan-out spike at t+1" 0 "0 0
3 10" "$SIM" -n 5 "$tmp/chain.snni" "$tmp/chain.in"
expect_out "--all shows non-OUT neurons" 0 "0 0
2 1
3 10" "$SIM" --all -n 5 "$tmp/chain.snni" "$tmp/chain.in"
expect_out "input from stdin" 0 "0 0
3 10" sh -c "printf '0 0\n2 1\n' | \"$SIM\" -n 4 \"$tmp/chain.snni\" -"
expect_out "empty input runs 0 steps" 0 "" \
	"$SIM" "$tmp/chain.snni" /dev/null
expect_err "--stats totals on stderr" 0 "synaptic ops: 3" \
	"$SIM" --stats -n 5 "$tmp/chain.snni" "$tmp/chain.in"

printf '0 0\n3 1\n2 1\n' >"$tmp/dec.in"
expect_err "decreasing timestep: file:line" 1 "dec.in:3: timestep 2 is before timestep 3 of line 2" \
	"$SIM" "$tmp/chain.snni" "$tmp/dec.in"
printf '0 8\n' >"$tmp/axon.in"
expect_err "axon out of range: file:line" 1 "axon.in:1: axon '8' is not a flat axon id in 0..7" \
	"$SIM" "$tmp/chain.snni" "$tmp/axon.in"
printf '0 1 2\n' >"$tmp/fields.in"
expect_err "extra field" 1 "fields.in:1: expected 'TIMESTEP AXON'" \
	"$SIM" "$tmp/chain.snni" "$tmp/fields.in"
expect_err "missing network file is an I/O error" 2 "No such file" \
	"$SIM" "$tmp/none.snni" "$tmp/chain.in"
expect_err "usage error" 1 "usage:" "$SIM" "$tmp/chain.snni"

cat >"$tmp/undef.txt" <<'EOF'
geometry 1 16 4
profile 0 0 0 10 0 0
neuron 0 3 0

synapse 0 1 9 5
EOF
expect_err "mkimg: loader error names the source line" 1 "undef.txt:5: synapse 0: neuron 9 not defined on core 0" \
	"$MKIMG" "$tmp/undef.txt" "$tmp/undef.snni"
[ ! -e "$tmp/undef.snni" ]
ok $? "mkimg: nothing written on error"

"$MKIMG" --no-check "$tmp/undef.txt" "$tmp/undef.snni" 2>/dev/null
ok $? "mkimg --no-check writes an invalid image"
expect_err "snn-sim rejects it with the error code" 1 "SNN_E_IMG_UNDEFINED at offset 92" \
	"$SIM" "$tmp/undef.snni" /dev/null

printf 'geometry 1 4 4\nprofile 0 0 0 0 0 0\nneuron 0 0 0 bias -5000\n' \
	>"$tmp/range.txt"
expect_err "mkimg: range error at its line" 1 "range.txt:3: neuron 0: bias_mant -5000 outside -4096..4095" \
	"$MKIMG" "$tmp/range.txt" "$tmp/range.snni"

printf 'geometry 9 4 4\n' >"$tmp/big.txt"
expect_err "mkimg --board: limits of the default board" 1 "big.txt:1: header: n_cores 9 exceeds the cluster's 8 cores" \
	"$MKIMG" --board "$tmp/big.txt" "$tmp/big.snni"

echo "# $pass passed, $fail failed"
[ "$fail" = 0 ]
