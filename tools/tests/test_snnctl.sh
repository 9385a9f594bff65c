#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the snnctl command line, without a device: usage and
# argument errors, exit statuses and messages, --json output syntax (parsed
# back with python3), network conversion checked against snn-mkimg and
# snn-sim byte for byte, the man page and the bash completion.
#
# Run from the top directory (make check-host does); B selects the build
# directory, SNNCTL another snnctl binary.  Output: TAP.
set -u

ROOT=$(pwd)
B=${B:-$ROOT/build}
SNNCTL=${SNNCTL:-$B/tools/snnctl}
MKIMG=$B/host/snn-mkimg
SIM=$B/host/snn-sim
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

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

# run [ARGS...]: snnctl's stdout in $T/out, stderr in $T/err, status in $rc
run() {
	"$SNNCTL" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# expect NAME STATUS STDERR-REGEX [ARGS...]
expect() {
	local name=$1 want=$2 re=$3
	shift 3
	run "$@"
	if [ "$rc" = "$want" ] && grep -qE -- "$re" "$T/err"; then
		ok "$name"
	else
		not_ok "$name"
		diag "snnctl $*: exit $rc (want $want); stderr:"
		diag "$(cat "$T/err")"
		diag "wanted stderr to match: $re"
	fi
}

# json_ok NAME: $T/out is exactly one JSON value (python3 parses it)
json_ok() {
	if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" 2>"$T/jerr"; then
		ok "$1"
	else
		not_ok "$1"
		diag "$(cat "$T/out")"
		diag "$(cat "$T/jerr")"
	fi
}

# json_check NAME PYTHON-EXPR: the expression, with d the parsed output, is true
json_check() {
	if python3 -c "import json,sys; d = json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$T/out" 2>"$T/jerr"; then
		ok "$1"
	else
		not_ok "$1"
		diag "$(head -c 2000 "$T/out")"
		diag "$(cat "$T/jerr")"
	fi
}

if [ ! -x "$SNNCTL" ]; then
	echo "1..1"
	echo "not ok 1 - $SNNCTL not built (make)"
	exit 1
fi

# ---- usage and options ----------------------------------------------------------

run
[ "$rc" = 1 ] && grep -q '^Usage: snnctl' "$T/err" && [ ! -s "$T/out" ] &&
	ok "no command: usage on stderr, status 1" ||
	not_ok "no command: usage on stderr, status 1"
run --help
[ "$rc" = 0 ] && grep -q '^Usage: snnctl' "$T/out" &&
	ok "--help: usage on stdout, status 0" || not_ok "--help: usage on stdout, status 0"
run --version
[ "$rc" = 0 ] && grep -qE '^snnctl [0-9.]+ \(libsnndev [0-9.]+, driver ABI [0-9]+\.[0-9]+\)$' "$T/out" &&
	ok "--version" || not_ok "--version"
for c in list info stats top health load run route reset convert show; do
	run "$c" --help
	if [ "$rc" = 0 ] && grep -q "^Usage: snnctl $c " "$T/out"; then
		ok "$c --help"
	else
		not_ok "$c --help"
	fi
	run help "$c"
	[ "$rc" = 0 ] && grep -q "^Usage: snnctl $c " "$T/out" &&
		ok "help $c" || not_ok "help $c"
done
expect "unknown command" 1 "^snnctl: unknown command 'frobnicate'$" frobnicate
expect "help for an unknown command" 1 "unknown command 'frob'" help frob
expect "unknown global option" 1 "^snnctl: unknown option '--frob'$" --frob list
expect "unknown command option names the command's help" 1 "Try 'snnctl list --help'" list --frob
expect "unknown short option" 1 "unknown option '-z'" list -z
expect "option without its value" 1 "option '--steps' needs a value" run snn0.0 net.snnet --steps
expect "list takes no arguments" 1 "unexpected argument 'snn0'" list snn0

# ---- argument checks (before any device is touched) ----------------------------------

expect "run: missing arguments" 1 "run needs UNIT\[,UNIT\.\.\.\] and NETFILE" run snn0.0
expect "run: too many arguments" 1 "too many arguments" run snn0.0 a b
expect "run: --steps not a number" 1 "--steps 'ten' is not a number of timesteps" run snn0.0 net.snnet --steps ten
expect "run: --steps negative" 1 "--steps '-1' is not a number" run snn0.0 net.snnet --steps -1
expect "run: --steps too large" 1 "--steps '4294967296'" run snn0.0 net.snnet --steps 4294967296
expect "run: --queue-log2 0" 1 "--queue-log2 '0' is not a number in 1..31" run snn0.0 net.snnet --queue-log2 0
expect "run: --timeout not a number" 1 "--timeout 'soon'" run snn0.0 net.snnet --timeout soon
expect "run: --json refused" 1 "--json: run writes spikes" --json run snn0.0 net.snnet
expect "run: network and input both stdin" 1 "cannot both come from stdin" run snn0.0 - --in -
expect "top: --interval 0" 1 "--interval '0' is not a number of seconds in 0.01..86400" top --interval 0
expect "top: --interval junk" 1 "--interval '1s'" top --interval 1s
expect "top: --count 0" 1 "--count '0' is not a number of intervals >= 1" top --count 0
expect "load: --part junk" 1 "--part 'x' is not a part number" load snn0.0 net.snnet --part x
expect "load: missing NETFILE" 1 "load needs UNIT" load snn0.0
expect "reset: nothing named" 1 "reset needs a cluster or a board" reset
expect "reset: --json refused" 1 "reset has no output" reset snn0 --json
expect "reset: --state explains why there is none" 1 "--state: a state reset keeps the network, but only for the cluster's owner" reset snn0.1 --state
expect "route: no subcommand" 1 "route needs a subcommand: list or plan" route
expect "route: unknown subcommand" 1 "unknown subcommand 'show'" route show
expect "route add: explains why there is none" 1 "a route lives only while its owner holds both clusters" route add
expect "route plan: missing arguments" 1 "route plan needs NETFILE" route plan net.snnet
expect "convert: missing OUTPUT" 1 "convert needs INPUT and OUTPUT" convert a
expect "convert: bad --format" 1 "--format 'elf': expected 'net' or 'image'" convert a b --format elf
expect "convert: --part with a network file output" 1 "--part selects the part of an image" convert a b.snnet --part 1
expect "show: nothing named" 1 "show needs a NETFILE" show
expect "a name that is no name" 1 "'frob' is not a board or unit name \(snnX, snnX.Y, /dev/snnX.Y, PCI-ADDRESS or PCI-ADDRESS.Y\)" stats frob
expect "a path that is not a node" 1 "/etc/passwd: not an snn device node" stats /etc/passwd

# ---- no boards on this host ----------------------------------------------------------

if compgen -G '/sys/class/snn/snn*' >/dev/null; then
	echo "# snn boards present on this host: skipping the no-board tests"
	for t in list "list --json" info stats health stats-unit run-unit; do
		n=$((n + 1))
		echo "ok $n - no boards: $t # SKIP boards present"
	done
else
	run list
	[ "$rc" = 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ] &&
		ok "no boards: list prints nothing, status 0" ||
		not_ok "no boards: list prints nothing, status 0"
	run --json list
	[ "$rc" = 0 ] && [ "$(cat "$T/out")" = "[]" ] && ok "no boards: list --json is []" ||
		not_ok "no boards: list --json is []"
	expect "no boards: info" 2 "^snnctl: no snn boards are present \(is snn.ko loaded\?\)$" info
	expect "no boards: stats" 2 "no snn boards are present" stats
	expect "no boards: health" 2 "no snn boards are present" health
	expect "no boards: a unit" 2 "^snnctl: snn0.1: no such board: no snn boards are present \(is snn.ko loaded\?\)$" stats snn0.1
	expect "no boards: run names the unit first" 2 "snn0.0: no such board" run snn0.0 /nonexistent.snnet
fi

# ---- networks: convert and show --------------------------------------------------------

cat >"$T/chain.txt" <<'EOF'
geometry 2 8 4
profile 0 4095 4095 0 0 0   # no memory: fires iff a_in > 0
neuron 0 0 0 out            # flat 0
neuron 0 1 0                # flat 1 (not reported)
neuron 1 2 0 out 1          # flat 10
synapse 0 0 0 1
synapse 0 1 1 1
synapse 1 3 2 1
fanout 0 1 1 3
EOF
printf '0 0\n2 1\n' >"$T/chain.in"
run convert "$T/chain.txt" "$T/chain.snnet"
[ "$rc" = 0 ] && [ -s "$T/chain.snnet" ] && ok "convert: description -> network file" ||
	{ not_ok "convert: description -> network file"; diag "$(cat "$T/err")"; }
run convert "$T/chain.snnet" "$T/chain.snni"
"$MKIMG" "$T/chain.txt" "$T/chain-ref.snni"
[ "$rc" = 0 ] && cmp -s "$T/chain.snni" "$T/chain-ref.snni" &&
	ok "convert: network file -> image, identical to snn-mkimg's" ||
	not_ok "convert: network file -> image, identical to snn-mkimg's"
run convert "$T/chain-ref.snni" "$T/chain2.snnet"
[ "$rc" = 0 ] && cmp -s "$T/chain.snnet" "$T/chain2.snnet" &&
	ok "convert: image -> network file, identical to the description's" ||
	not_ok "convert: image -> network file, identical to the description's"
run convert "$T/chain.snnet" - --format image
cmp -s "$T/out" "$T/chain-ref.snni" && ok "convert: --format image to stdout" ||
	not_ok "convert: --format image to stdout"
"$SNNCTL" convert - "$T/chain3.snnet" <"$T/chain.txt" 2>"$T/err"
cmp -s "$T/chain.snnet" "$T/chain3.snnet" && ok "convert: description from stdin" ||
	not_ok "convert: description from stdin"

# the reference network of the driver tests: random, every feature
REF=$T/ref
if selftests/driver/gen-reference.sh "$REF" >/dev/null 2>"$T/gen.log"; then
	"$SNNCTL" convert "$REF/net.txt" "$T/ref.snnet" &&
		"$SNNCTL" convert "$T/ref.snnet" "$T/ref.snni" 2>"$T/err"
	cmp -s "$T/ref.snni" "$REF/net.snni" &&
		ok "convert: the reference network's image is snn-mkimg's" ||
		not_ok "convert: the reference network's image is snn-mkimg's"
	steps=$(sed -n 's/^# snn-sim -n \([0-9]*\).*/\1/p' "$REF/in.txt")
	"$SIM" -n "$steps" "$T/ref.snni" "$REF/in.txt" >"$T/ref.out" 2>/dev/null
	cmp -s "$T/ref.out" "$REF/expected.txt" &&
		ok "convert: snn-sim runs the converted image to the same spikes" ||
		not_ok "convert: snn-sim runs the converted image to the same spikes"
else
	not_ok "gen-reference.sh failed"
	diag "$(cat "$T/gen.log")"
fi

run show "$T/chain.snnet"
[ "$rc" = 0 ] && grep -q "^part 0: 2 cores x 8 neurons x 4 axons; 1 profiles, 3 neurons, 3 synapses, 1 fan-out$" "$T/out" &&
	ok "show: a part's geometry and counts" || { not_ok "show: a part's geometry and counts"; diag "$(cat "$T/out")"; }
run --json show "$T/chain.snnet"
json_check "show --json: parts and routes" \
	'd["format"] == "network file" and len(d["parts"]) == 1 and d["parts"][0]["neurons"] == 3 and d["parts"][0]["axons_per_core"] == 4 and d["routes"] == []'
run show --json "$T/chain.txt"
json_check "show --json after the file; a description" 'd["format"] == "text description"'

cat >"$T/split.txt" <<'EOF'
part 1 4 4
profile 0 4095 4095 0 0 0
neuron 0 0 0
synapse 0 0 0 1
part 1 4 4
profile 0 4095 4095 0 0 0
neuron 0 1 0 out
synapse 0 2 1 1
route 0 0 0 1 0 2
EOF
run convert "$T/split.txt" "$T/split.snnet"
[ "$rc" = 0 ] && ok "convert: two parts and a route" || { not_ok "convert: two parts and a route"; diag "$(cat "$T/err")"; }
run --json show "$T/split.snnet"
json_check "show --json: two parts, one route" \
	'len(d["parts"]) == 2 and d["routes"] == [{"src_part": 0, "src_core": 0, "src_neuron": 0, "dst_part": 1, "dst_core": 0, "dst_axon": 2}]'
run convert "$T/split.snnet" "$T/p1.snni" --part 1
[ "$rc" = 0 ] && [ "$(head -c 4 "$T/p1.snni")" = SNNI ] && ok "convert: --part 1 to an image" ||
	not_ok "convert: --part 1 to an image"
expect "convert: a part that does not exist" 3 "no part 2 \(the network has 2 parts\)" convert "$T/split.snnet" "$T/x.snni" --part 2

printf 'geometry 1 4 4\nprofile 0 1 1 1 0 0\nneuron 0 0 0\nsynapse 0 9 0 1\n' >"$T/bad.txt"
expect "convert: a bad record names file, line, field and limit" 3 \
	"^snnctl: $T/bad.txt:4: field 'axon' is 9, must be < 4" convert "$T/bad.txt" "$T/x.snnet"
printf 'geometry 1 4 4\nneuron 0 0\n' >"$T/bad2.txt"
expect "convert: a malformed line" 3 "bad2.txt:2: expected 'neuron CORE INDEX PROFILE" convert "$T/bad2.txt" "$T/x.snnet"
expect "convert: a missing input is an I/O error" 2 "^snnctl: $T/none.txt: No such file or directory$" convert "$T/none.txt" "$T/x.snnet"
expect "convert: an unwritable output" 2 "/nonexistent/x.snnet: No such file or directory" convert "$T/chain.snnet" /nonexistent/x.snnet
head -c 100 "$T/chain-ref.snni" >"$T/trunc.snni"
expect "convert: a truncated image" 3 "trunc.snni: offset 16: the header's counts" convert "$T/trunc.snni" "$T/x.snnet"
head -c 40 "$T/chain.snnet" >"$T/trunc.snnet"
expect "show: a truncated network file" 3 "^snnctl: $T/trunc.snnet: " show "$T/trunc.snnet"

# ---- man page and bash completion --------------------------------------------------------

if command -v groff >/dev/null; then
	if LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 tools/snnctl.1 2>"$T/groff"; [ ! -s "$T/groff" ]; then
		ok "man page: groff -ww has no warnings"
	else
		not_ok "man page: groff -ww has no warnings"
		diag "$(cat "$T/groff")"
	fi
else
	n=$((n + 1))
	echo "ok $n - man page # SKIP no groff"
fi
for c in list info stats top health load run route reset convert show; do
	grep -q "^\.B snnctl $c\|^\.BR* \"\?$c\|^\.BI \"$c \|^\.BI \"route" tools/snnctl.1 || break
done
[ "$c" = show ] && ok "man page: every command is described" || not_ok "man page: command $c not described"
for s in 0 1 2 3 4; do
	grep -q "^\.B $s$" tools/snnctl.1 || break
done
[ "$s" = 4 ] && ok "man page: exit statuses 0..4 documented" || not_ok "man page: exit status $s undocumented"

# completion: fake sysfs with one board, two clusters and a router
sys=$T/sys
mkdir -p "$sys/snn0" "$sys/snn0.0" "$sys/snn0.1" "$sys/snn0.2"
echo board >"$sys/snn0/type"
echo cluster >"$sys/snn0.0/type"
echo cluster >"$sys/snn0.1/type"
echo router >"$sys/snn0.2/type"
complete_words() {
	# complete_words WORD...: COMPREPLY for the last word, sorted, one line
	bash -c '
		. tools/snnctl.bash-completion
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_snnctl
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	' bash "$@" 2>&1
}
if bash -n tools/snnctl.bash-completion; then
	ok "completion: bash -n"
else
	not_ok "completion: bash -n"
fi
export SNNCTL_SYSFS=$sys
got=$(complete_words snnctl r)
[ "$got" = "reset route run " ] && ok "completion: commands" || { not_ok "completion: commands"; diag "got '$got'"; }
got=$(complete_words snnctl stats "")
[ "$got" = "snn0 snn0.0 snn0.1 " ] && ok "completion: stats takes boards and clusters" ||
	{ not_ok "completion: stats takes boards and clusters"; diag "got '$got'"; }
got=$(complete_words snnctl run snn0.0,)
[ "$got" = "snn0.0,snn0.0 snn0.0,snn0.1 " ] && ok "completion: run's cluster list" ||
	{ not_ok "completion: run's cluster list"; diag "got '$got'"; }
got=$(complete_words snnctl run snn0.0 net.snnet --st)
[ "$got" = "--stats --steps " ] && ok "completion: run's options" ||
	{ not_ok "completion: run's options"; diag "got '$got'"; }
got=$(complete_words snnctl route list "")
[ "$got" = "snn0 snn0.2 " ] && ok "completion: route list takes boards and routers" ||
	{ not_ok "completion: route list takes boards and routers"; diag "got '$got'"; }
got=$(complete_words snnctl convert a b --format "")
[ "$got" = "image net " ] && ok "completion: --format" || { not_ok "completion: --format"; diag "got '$got'"; }
unset SNNCTL_SYSFS

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
