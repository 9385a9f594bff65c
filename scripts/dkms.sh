#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# snn.ko with DKMS, from a checkout (`make dkms-install`, `make
# dkms-remove`; README: "Installing the driver on a node (DKMS)").
#
#   scripts/dkms.sh install [KERNELRELEASE]
#       copy the module sources and dkms.conf to /usr/src/snn-<version>/,
#       register them (dkms add), then build and install snn.ko for
#       KERNELRELEASE (default: the running kernel).  DKMS builds it again
#       for every kernel installed later (AUTOINSTALL).  A copy already
#       registered from a checkout (any version) is removed first, so
#       this can be re-run after changing the sources.
#   scripts/dkms.sh remove
#       unregister every version of snn from DKMS (dkms remove --all:
#       uninstalled from every kernel) and delete the /usr/src copies made
#       by this script.
#   scripts/dkms.sh stage [MARK]
#       only copy the sources to /usr/src/snn-<version>/ (what install
#       does before dkms add); MARK names an extra marker file to leave
#       there (scripts/check-dkms.sh marks its own copy).
#   scripts/dkms.sh version
#       print the version in dkms.conf (checked against the driver's).
#
# A /usr/src/snn-<version> this script made holds .snndev-checkout; one
# without it (e.g. from a distribution package, or owned by dpkg) is never
# deleted or replaced.  Needs root (re-runs itself with sudo).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module-lib.sh"

CONF=$SNN_SRC/dkms.conf
NAME=snn
MARK=.snndev-checkout

dkms_version() {
	local v d
	[ -f "$CONF" ] || die "no $CONF"
	v=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$CONF")
	[ -n "$v" ] || die "$CONF: no PACKAGE_VERSION"
	d=$(sed -n 's/^#define[[:space:]]*SNN_DRV_VERSION[[:space:]]*"\(.*\)"/\1/p' \
		"$SNN_SRC/driver/snn_core.h" 2>/dev/null || true)
	[ -z "$d" ] || [ "$d" = "$v" ] ||
		die "dkms.conf says PACKAGE_VERSION=$v, driver/snn_core.h says SNN_DRV_VERSION $d: make them equal"
	echo "$v"
}

need_dkms() {
	command -v dkms >/dev/null 2>&1 || [ -x /usr/sbin/dkms ] ||
		die "dkms is not installed (Debian: apt-get install dkms)"
	PATH=$PATH:/usr/sbin:/sbin
}

# Versions of snn registered with DKMS, one a line.
registered() {
	dkms status -m "$NAME" 2>/dev/null |
		sed -n "s|^$NAME[/,] *\([^,:]*\)[,:].*|\1|p" | sort -u
}

# May this script delete /usr/src/snn-$1?
ours() {
	local d=/usr/src/$NAME-$1
	[ -e "$d" ] || return 0
	[ -f "$d/$MARK" ] || return 1
	! dpkg -S "$d" >/dev/null 2>&1
}

remove_all() {
	local v d
	need_dkms
	for v in $(registered); do
		ours "$v" || die "$NAME/$v is registered with DKMS from /usr/src/$NAME-$v, which was not made by this script (a package?): remove it the way it was installed"
	done
	for v in $(registered); do
		msg "dkms remove $NAME/$v --all"
		dkms remove "$NAME/$v" --all >&2 ||
			die "dkms remove $NAME/$v --all failed"
	done
	for d in /usr/src/"$NAME"-*; do
		[ -d "$d" ] || continue
		v=${d#/usr/src/"$NAME"-}
		if ours "$v"; then
			rm -rf "$d"
			info "removed $d"
		fi
	done
	# a failed `dkms add` can leave a tree with no registered version
	if [ -d "/var/lib/dkms/$NAME" ] && [ -z "$(registered)" ]; then
		for d in /var/lib/dkms/"$NAME"/*; do
			[ -L "$d/source" ] && [ ! -e "$d/source" ] && rm -rf "$d"
		done
		rmdir "/var/lib/dkms/$NAME" 2>/dev/null || true
	fi
}

stage() {
	local v dst extra=${1:-}
	v=$(dkms_version)
	dst=/usr/src/$NAME-$v
	ours "$v" || die "$dst exists and was not made by this script (a package?): not replacing it"
	snn_module_have_driver || die "no driver sources in $SNN_SRC"
	rm -rf "$dst"
	snn_module_sync "$dst"
	cp "$CONF" "$dst/dkms.conf"
	{
		echo "snn.ko sources copied by scripts/dkms.sh from $SNN_SRC"
		git -C "$SNN_SRC" describe --always --dirty 2>/dev/null || true
	} >"$dst/$MARK"
	[ -z "$extra" ] || : >"$dst/$extra"
	info "sources: $dst"
	echo "$dst"
}

[ $# -ge 1 ] || die "usage: dkms.sh install [KERNELRELEASE] | remove | stage [MARK] | version"
cmd=$1
shift
case "$cmd" in
version)
	dkms_version
	exit 0 ;;
install | remove | stage) ;;
*) die "unknown command '$cmd'" ;;
esac
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "dkms.sh $cmd needs root"
	exec sudo B="$B" SNN_SRC="$SNN_SRC" "$0" "$cmd" "$@"
fi

case "$cmd" in
stage)
	stage "${1:-}" >/dev/null ;;
remove)
	remove_all
	msg "snn is not registered with DKMS any more" ;;
install)
	kver=${1:-$(uname -r)}
	need_dkms
	v=$(dkms_version)
	remove_all
	stage >/dev/null
	msg "dkms add $NAME/$v"
	dkms add "$NAME/$v" >&2 || die "dkms add failed"
	[ -e "/lib/modules/$kver/build/include" ] ||
		warn "no headers for $kver (/lib/modules/$kver/build): install linux-headers-$kver"
	msg "dkms install $NAME/$v -k $kver"
	set +e
	dkms install "$NAME/$v" -k "$kver" >&2
	rc=$?
	set -e
	case "$rc" in
	0) ;;
	77) warn "$kver is not a kernel snn supports (BUILD_EXCLUSIVE in dkms.conf): registered, not built"
	    exit 0 ;;
	*) die "dkms install failed (status $rc; the build log is under /var/lib/dkms/$NAME/$v/build/)" ;;
	esac
	modinfo -k "$kver" -F filename "$NAME" >&2 || true
	msg "snn $v installed for $kver; DKMS rebuilds it for new kernels (modprobe snn to load it)"
	;;
esac
