#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A Debian chroot with a newer toolchain than the host's, for building
# snn.ko against kernels whose headers need it (trixie-backports' 7.x
# headers are built with gcc 14 and their kbuild tools need trixie's
# glibc; bookworm has gcc 12).  Made with debootstrap on first use and
# cached; commands run in it inside a private mount namespace, so no
# mount outlives them, even when they fail.
#
#   scripts/chroot.sh SUITE                  make (or check) the chroot
#   scripts/chroot.sh SUITE CMD [ARG...]     run CMD in it
#   scripts/chroot.sh --for-cc CC            print the suite whose default
#                                            compiler CC is ("gcc-14",
#                                            "x86_64-linux-gnu-gcc-14")
#
# The chroot: $SNNDEV_CACHE/chroot/<suite>, Debian minbase plus the
# packages below (a C toolchain, kmod, pahole and the libraries of the
# kernel's kbuild tools).  Its mirror is the one the system's own apt
# sources name (lib.sh: apt_mirror_uri), never a host name of ours.  A
# change to the package list makes a new one; SNNDEV_REFRESH=1 upgrades
# its packages.
#
# CMD runs as root with the environment cleared (PATH, HOME, LC_ALL, TERM
# and the variables named in $SNN_CHROOT_ENV kept), in the current
# directory.  These directories are bind-mounted at the same paths, so
# paths on the command line mean the same inside: the repository, $B, the
# kernels cache ($SNNDEV_CACHE/kernels), the current directory and
# anything in $SNN_CHROOT_BIND (space-separated).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Debian's default gcc per suite: the chroot for a kernel built with
# gcc-N.  (bookworm: 12, the host itself.)
suite_for_cc() {
	local v
	v=$(sed -n 's/^\(.*-\)\{0,1\}gcc-\([0-9][0-9]*\)$/\2/p' <<<"${1##*/}")
	case "$v" in
	12) echo bookworm ;;
	14) echo trixie ;;
	'') return 1 ;;
	*) echo sid ;;
	esac
}

if [ "${1:-}" = --for-cc ]; then
	[ $# = 2 ] || die "usage: chroot.sh --for-cc CC"
	suite_for_cc "$2" || die "cannot tell the gcc version of '$2'"
	exit 0
fi

[ $# -ge 1 ] || die "usage: chroot.sh SUITE [CMD [ARG...]]"
SUITE=$1
shift
case "$SUITE" in
*[!a-z0-9-]* | '') die "bad suite name '$SUITE'" ;;
esac
[ "$(id -u)" = 0 ] || die "chroot.sh needs root (debootstrap, chroot, mount)"
snn_cache_init

# build-essential: make, libc6-dev and the suite's gcc (the kernel's CC,
# e.g. x86_64-linux-gnu-gcc-14, comes with it); kmod: modinfo; pahole:
# BTF for modules; libelf, libssl, zlib: what linux-kbuild's tools link.
PKGS="build-essential kmod pahole libelf1t64 libssl3t64 zlib1g"
[ "$SUITE" != bookworm ] || PKGS="build-essential kmod dwarves libelf1 libssl3 zlib1g"

ROOT=$SNNDEV_CACHE/chroot/$SUITE
STAMP=$ROOT/.snndev-complete
want=$(printf 'suite=%s\npackages=%s\n' "$SUITE" "$PKGS")

make_chroot() {
	if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
		[ "${SNNDEV_REFRESH:-0}" = 1 ] || return 0
		msg "chroot $SUITE: upgrading its packages (SNNDEV_REFRESH=1)"
		in_chroot apt-get -q update >&2
		in_chroot env DEBIAN_FRONTEND=noninteractive \
			apt-get -q -y --no-install-recommends dist-upgrade >&2
		return 0
	fi
	command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] ||
		die "debootstrap is not installed (scripts/deps.sh installs it)"
	local uri t0 tmp
	uri=$(apt_mirror_uri main) ||
		die "no Debian archive URI in the system's apt sources"
	t0=$(now)
	msg "chroot $SUITE: debootstrap from $uri (first use; a few minutes)..."
	tmp=$SNNDEV_CACHE/chroot/.new-$SUITE
	rm -rf "$tmp" "$ROOT"
	mkdir -p "$tmp"
	PATH=$PATH:/usr/sbin:/sbin debootstrap --variant=minbase \
		--include="${PKGS// /,}" "$SUITE" "$tmp" "$uri" >&2 ||
		die "debootstrap $SUITE failed (log: $tmp/debootstrap/debootstrap.log)"
	# apt in the chroot: no recommends, no documentation
	printf 'APT::Install-Recommends "false";\n' >"$tmp/etc/apt/apt.conf.d/90snndev"
	rm -rf "$tmp/var/cache/apt/archives/"*.deb
	printf '%s\n' "$want" >"$tmp/.snndev-complete"
	mv "$tmp" "$ROOT"
	msg "chroot $SUITE ready: $ROOT ($(du -sh "$ROOT" | cut -f1), $(since "$t0"))"
}

# in_chroot CMD...: CMD in the chroot, in a private mount namespace.
in_chroot() {
	local want_binds=("$SNN_ROOT" "$B" "$SNNDEV_CACHE/kernels" "$PWD") binds=() d e
	# shellcheck disable=SC2206  # a space-separated list by design
	[ -z "${SNN_CHROOT_BIND:-}" ] || want_binds+=($SNN_CHROOT_BIND)
	for d in "${want_binds[@]}"; do
		for e in "${binds[@]}"; do
			[ "$d" != "$e" ] || continue 2
		done
		binds+=("$d")
	done
	local envs=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		    HOME=/root LC_ALL=C.UTF-8 TERM="${TERM:-dumb}") v
	for v in ${SNN_CHROOT_ENV:-}; do
		[ -z "${!v+x}" ] || envs+=("$v=${!v}")
	done
	mkdir -p "$B" "$SNNDEV_CACHE/kernels"
	for d in "${binds[@]}"; do
		[ -d "$d" ] || die "chroot.sh: cannot bind $d: not a directory"
	done
	# The script below gets: the chroot, the directory to start in, the
	# number of binds, the binds, the environment count, the environment,
	# then the command.
	unshare --mount --propagation private bash -euc '
		root=$1 cwd=$2 nb=$3; shift 3
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mount --rbind /sys "$root/sys"
		mount -t tmpfs tmpfs "$root/tmp"
		i=0
		while [ "$i" -lt "$nb" ]; do
			d=$(readlink -f "$1"); shift
			mkdir -p "$root$d"
			mount --rbind "$d" "$root$d"
			i=$((i + 1))
		done
		ne=$1; shift
		envs=()
		i=0
		while [ "$i" -lt "$ne" ]; do envs+=("$1"); shift; i=$((i + 1)); done
		cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
		exec chroot "$root" /usr/bin/env -i "${envs[@]}" \
			/bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
	' snn-chroot "$ROOT" "$PWD" "${#binds[@]}" "${binds[@]}" \
		"${#envs[@]}" "${envs[@]}" "$@"
}

with_lock "$SNNDEV_CACHE/chroot/$SUITE.lock" make_chroot
[ $# = 0 ] || in_chroot "$@"
