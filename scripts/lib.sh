# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the snndev scripts.  Source it, do not run it:
#
#   . "$(dirname "$0")/lib.sh"
#
# Environment understood by every script:
#   B              build output directory          (default: <repo>/build)
#   SNNDEV_CACHE   cache shared between checkouts  (default: /var/cache/snndev,
#                  or ~/.cache/snndev when that is not writable)
#   SNNDEV_REFRESH =1: refresh apt lists and re-resolve "latest" versions
#                  (Debian kernel ABI, QEMU source version) instead of
#                  reusing what the cache pinned on its first run.

# shellcheck shell=bash

SNN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${B:-$SNN_ROOT/build}
case "$B" in /*) ;; *) B=$PWD/$B ;; esac

msg()  { printf '==> %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Wall-clock timing: t0=$(now); ...; msg "done in $(since "$t0")"
now()   { date +%s.%N; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'; }

# --- cache directory ----------------------------------------------------
snn_cache_init() {
	if [ -z "${SNNDEV_CACHE:-}" ]; then
		SNNDEV_CACHE=/var/cache/snndev
		if ! mkdir -p "$SNNDEV_CACHE" 2>/dev/null || [ ! -w "$SNNDEV_CACHE" ]; then
			SNNDEV_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/snndev
			info "/var/cache/snndev is not writable, using $SNNDEV_CACHE"
		fi
	fi
	mkdir -p "$SNNDEV_CACHE" || die "cannot create cache directory $SNNDEV_CACHE"
	[ -w "$SNNDEV_CACHE" ] || die "cache directory $SNNDEV_CACHE is not writable (set SNNDEV_CACHE)"
	export SNNDEV_CACHE B
}

# Run "$@" holding an exclusive lock on file $1 (so two checkouts sharing a
# cache do not fill the same directory at once).
with_lock() {
	local lock=$1; shift
	mkdir -p "$(dirname "$lock")"
	(
		flock 9 || die "cannot lock $lock"
		"$@"
	) 9>"$lock"
}

# Privilege for system changes (package installs).
as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $* (run as root or install sudo)"
	fi
}

# --- private apt configuration -------------------------------------------
#
# We never touch the system's apt configuration.  A private tree under
# $SNNDEV_CACHE/apt/<suite>/ holds its own sources list, package lists and
# package cache; its sources reuse the mirror URI that the system's own
# sources name, so no host name is ever written into this repository.

# Print the Debian archive URI from the system sources.  $1 = "main"
# (the archive proper) or "security" (the security archive).
apt_mirror_uri() {
	local want=${1:-main}
	python3 - "$want" <<'EOF'
import glob, re, sys
want = sys.argv[1]
cands = []   # (uri, suites)

def add(uri, suites):
    uri = uri.rstrip('/')
    if not re.match(r'^(https?|file|ftp)://', uri):
        return
    cands.append((uri, suites))

files = ['/etc/apt/sources.list'] + sorted(glob.glob('/etc/apt/sources.list.d/*.list'))
for f in files:
    try:
        lines = open(f).read().splitlines()
    except OSError:
        continue
    for l in lines:
        l = l.split('#', 1)[0].strip()
        m = re.match(r'^deb(-src)?\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)', l)
        if m:
            add(m.group(3), [m.group(4)])
for f in sorted(glob.glob('/etc/apt/sources.list.d/*.sources')):
    try:
        text = open(f).read()
    except OSError:
        continue
    for stanza in re.split(r'\n\s*\n', text):
        fields, key = {}, None
        for l in stanza.splitlines():
            if l.startswith('#'):
                continue
            if l[:1] in (' ', '\t') and key:
                fields[key] += ' ' + l.strip()
                continue
            if ':' in l:
                key, val = l.split(':', 1)
                key = key.strip().lower()
                fields[key] = val.strip()
        if fields.get('enabled', 'yes').lower() == 'no':
            continue
        if 'deb' not in fields.get('types', '').split() and \
           'deb-src' not in fields.get('types', '').split():
            continue
        for uri in fields.get('uris', '').split():
            add(uri, fields.get('suites', '').split())

def is_sec(uri, suites):
    return any(s.endswith('-security') or s.endswith('/updates') for s in suites)

def looks_debian(uri, suites):
    known = ('bookworm', 'trixie', 'forky', 'sid', 'unstable', 'testing',
             'stable', 'bullseye', 'oldstable', 'experimental')
    return any(s.split('-')[0].split('/')[0] in known for s in suites)

for uri, suites in cands:
    if not looks_debian(uri, suites):
        continue
    if (want == 'security') == is_sec(uri, suites):
        print(uri)
        sys.exit(0)
sys.exit(1)
EOF
}

# apt_private_init SUITE [SUITE...]
# Prepare (and on first use, update) a private apt tree for the suites and
# set APT_DIR and the APT_OPTS array for apt_get/apt_cache.  Each suite gets
# deb and deb-src lines, component main.
apt_private_init() {
	[ $# -ge 1 ] || die "apt_private_init: no suite"
	local key suite uri sec_uri src
	key=$(printf '%s+' "$@"); key=${key%+}
	APT_DIR=$SNNDEV_CACHE/apt/$key
	mkdir -p "$APT_DIR"/etc/sources.list.d "$APT_DIR"/etc/preferences.d \
		"$APT_DIR"/lists/partial "$APT_DIR"/cache/archives/partial

	uri=$(apt_mirror_uri main) ||
		die "no Debian archive URI in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources"
	src=$(mktemp)
	for suite in "$@"; do
		case "$suite" in
		*-security)
			sec_uri=$(apt_mirror_uri security) ||
				die "suite $suite requested, but the system sources name no security archive"
			printf 'deb %s %s main\ndeb-src %s %s main\n' \
				"$sec_uri" "$suite" "$sec_uri" "$suite" >>"$src" ;;
		*)
			printf 'deb %s %s main\ndeb-src %s %s main\n' \
				"$uri" "$suite" "$uri" "$suite" >>"$src" ;;
		esac
	done
	local changed=0
	if ! cmp -s "$src" "$APT_DIR/etc/sources.list"; then
		mv "$src" "$APT_DIR/etc/sources.list"
		changed=1
	else
		rm -f "$src"
	fi

	APT_OPTS=(
		-o "Dir::Etc::SourceList=$APT_DIR/etc/sources.list"
		-o "Dir::Etc::SourceParts=$APT_DIR/etc/sources.list.d"
		-o "Dir::Etc::PreferencesParts=$APT_DIR/etc/preferences.d"
		-o "Dir::Etc::Preferences=$APT_DIR/etc/preferences"
		-o "Dir::State::Lists=$APT_DIR/lists"
		-o "Dir::Cache=$APT_DIR/cache"
		-o "Dir::Cache::Archives=$APT_DIR/cache/archives"
		-o "APT::Architecture=amd64"
		-o "APT::Get::List-Cleanup=true"
		-o "Acquire::Languages=none"
		-o "quiet=1"
	)
	# apt drops to the _apt user for downloads; it cannot write to a
	# root-owned private tree, so do not sandbox (we only download).
	if [ "$(id -u)" = 0 ]; then
		APT_OPTS+=(-o "APT::Sandbox::User=root")
	fi

	if [ "$changed" = 1 ] || [ "${SNNDEV_REFRESH:-0}" = 1 ] ||
	   [ ! -e "$APT_DIR/lists/.updated" ]; then
		msg "apt: updating private package lists for $key"
		apt-get "${APT_OPTS[@]}" update >&2 ||
			die "apt-get update (private config $APT_DIR) failed"
		touch "$APT_DIR/lists/.updated"
	fi
}

apt_get()   { apt-get "${APT_OPTS[@]}" "$@"; }
apt_cache() { apt-cache "${APT_OPTS[@]}" "$@"; }

# apt_download DIR PKG[=VER]...: download .debs into DIR (skip ones present).
apt_download() {
	local dir=$1; shift
	mkdir -p "$dir"
	(cd "$dir" && apt-get "${APT_OPTS[@]}" download "$@" >&2) ||
		die "apt-get download $* failed"
}

# sha256 of a list of files/directories (contents and relative names).
tree_hash() {
	local p
	for p in "$@"; do
		if [ -d "$p" ]; then
			(cd "$p" && find . -type f ! -name '*.o' ! -name '*~' ! -name '.*' -print0 |
				LC_ALL=C sort -z | xargs -0r sha256sum) | sed "s|  \./|  $(basename "$p")/|"
		elif [ -e "$p" ]; then
			printf '%s  %s\n' "$(sha256sum <"$p" | cut -d' ' -f1)" "$(basename "$p")"
		else
			printf 'missing  %s\n' "$p"
		fi
	done | sha256sum | cut -d' ' -f1
}
