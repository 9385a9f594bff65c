#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The DKMS install, for real (the "dkms" stage of `make check`): against
# the headers of the test VM's Debian kernel ($B/kernel, scripts/
# get-kernel.sh), installed on this machine as a Debian package:
#
#   - dkms.conf: its version is the driver's; BUILD_EXCLUSIVE_KERNEL takes
#     the kernels of the matrix and refuses older and newer ones
#   - linux-headers-<release> installed with apt from the cached .debs
#     (so /lib/modules/<release>/build exists, as on a node)
#   - dkms add, dkms build -k <release> (no compiler warnings),
#     dkms install -k <release>
#   - modinfo -k <release> snn: installed in updates/dkms, vermagic,
#     version, PCI alias (udev loads it for a board), signed with DKMS's
#     MOK key; modprobe -n finds it
#   - a kernel upgrade: uninstalled from that kernel, the headers'
#     postinst hook (/etc/kernel/header_postinst.d/dkms, what apt runs
#     when a new kernel's headers arrive) builds and installs it again
#   - an unsupported kernel: dkms build exits 77 (skipped), not an error
#   - `make dkms-remove` (scripts/dkms.sh remove): unregistered,
#     snn.ko and /usr/src/snn-<version> gone
#
# Output is TAP, the last line "N passed, N failed[, N skipped]".  Needs
# root (everything is skipped without it).  Safe to re-run: a copy left
# registered by an earlier, interrupted run (marked .snndev-check in
# /usr/src/snn-<version>) is removed first; an snn that someone installed
# with DKMS otherwise (make dkms-install, a package) is never touched:
# the tests are skipped instead.  Logs: $B/dkms/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/module-lib.sh"
snn_cache_init
cd "$SNN_ROOT"
PATH=$PATH:/usr/sbin:/sbin
T0=$(now)
L=$B/dkms
mkdir -p "$L"
NAME=snn
CHECK_MARK=.snndev-check

# run LOG CMD...: CMD with its output in $L/LOG; on failure, the log's
# tail as TAP diagnostics.
run() {
	local log=$L/$1 rc
	shift
	echo "\$ $*" >"$log"
	set +e
	"$@" >>"$log" 2>&1
	rc=$?
	set -e
	if [ "$rc" != 0 ]; then
		tail -n 25 "$log" | tap_diag
	fi
	return "$rc"
}

skip_rest() {
	local why=$1 t
	for t in "dkms add" "dkms build" "no build warnings" "dkms install" \
		 "installed for modprobe" "modinfo" "signed" "kernel upgrade" \
		 "unsupported kernel skipped" "make dkms-remove"; do
		tap_skip "$t" "$why"
	done
	tap_done
	exit $?
}

VER=$(scripts/dkms.sh version 2>"$L/version.log") || VER=
if [ -n "$VER" ]; then
	tap_ok "dkms.conf PACKAGE_VERSION $VER is the driver's SNN_DRV_VERSION"
else
	tap_fail "dkms.conf PACKAGE_VERSION is the driver's SNN_DRV_VERSION"
	tap_diag <"$L/version.log"
	VER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
fi

# BUILD_EXCLUSIVE_KERNEL, the way dkms matches it (bash =~).
bad=$(
	# shellcheck disable=SC1091
	. ./dkms.conf
	for r in 6.1.0-50-amd64 6.1.55 6.12.95+deb12-amd64 6.19.3-1 \
		 7.0.0-rc1 7.3.4+deb13-amd64 7.19.1; do
		[[ $r =~ $BUILD_EXCLUSIVE_KERNEL ]] || echo "refuses $r"
	done
	for r in 5.10.0-30-amd64 6.0.12 4.19.0 8.0.0 16.1.0 61.0.0; do
		[[ ! $r =~ $BUILD_EXCLUSIVE_KERNEL ]] || echo "takes $r"
	done
	[ "$AUTOINSTALL" = yes ] || echo "AUTOINSTALL is not yes"
)
if [ -z "$bad" ]; then
	tap_ok "dkms.conf: AUTOINSTALL; BUILD_EXCLUSIVE_KERNEL takes 6.1 to 7.x only"
else
	tap_fail "dkms.conf: AUTOINSTALL; BUILD_EXCLUSIVE_KERNEL takes 6.1 to 7.x only"
	echo "$bad" | tap_diag
fi

if [ "$(id -u)" != 0 ]; then
	tap_skip "linux-headers installed" "needs root"
	skip_rest "needs root"
fi
command -v dkms >/dev/null 2>&1 || die "dkms is not installed (scripts/deps.sh)"

# One DKMS test at a time on this machine (DKMS's tree is global).
exec 8>"$SNNDEV_CACHE/dkms-check.lock"
flock 8

# ---- the headers, as a Debian package -----------------------------------
[ -s "$B/kernel/release" ] || scripts/get-kernel.sh >&2
REL=$(cat "$B/kernel/release")
DEBS=$SNNDEV_CACHE/kernels/debs

# deb_of NAME [VERSION]: the cached .deb of a package (that version, or
# the highest one), empty if none.
deb_of() {
	local f
	if [ -n "${2:-}" ]; then
		f=$DEBS/${1}_${2//:/%3a}_
		compgen -G "$f*.deb" | head -n 1 || true
	else
		compgen -G "$DEBS/${1}_*.deb" | sort -V | tail -n 1 || true
	fi
}

headers_installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "linux-headers-$REL" 2>/dev/null)" = installed ] &&
		[ -e "/lib/modules/$REL/build/include" ]
}

install_headers() {
	local hdr name op ver f files=()
	hdr=$(deb_of "linux-headers-$REL")
	[ -n "$hdr" ] || { echo "no linux-headers-$REL .deb in $DEBS"; return 1; }
	files+=("$hdr")
	# its -common and linux-kbuild packages: the cached ones (the
	# archive may have moved on); the rest (the compiler) from apt.
	while read -r name op ver; do
		case "$name" in linux-headers-* | linux-kbuild-*) ;; *) continue ;; esac
		if [ "$op" = "(=" ]; then
			f=$(deb_of "$name" "${ver%)}")
		else
			f=$(deb_of "$name")
		fi
		[ -n "$f" ] || { echo "no cached .deb for $name $op $ver"; return 1; }
		files+=("$f")
	done < <(dpkg-deb -f "$hdr" Depends | tr ',' '\n' | sed 's/|.*//')
	echo "installing: ${files[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${files[@]}" && return 0
	# stale package lists (the compiler package's version moved)
	apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${files[@]}"
}

if headers_installed; then
	tap_ok "linux-headers-$REL installed (already)"
elif run headers.log install_headers && headers_installed; then
	tap_ok "linux-headers-$REL installed (apt, from the cached .debs)"
else
	tap_fail "linux-headers-$REL installed"
	skip_rest "no headers"
fi

# ---- leftovers of an earlier run ----------------------------------------
registered() {
	dkms status -m "$NAME" 2>/dev/null |
		sed -n "s|^$NAME[/,] *\([^,:]*\)[,:].*|\1|p" | sort -u
}

# Remove every copy an earlier run of this test left; fail if some other
# snn is registered.
cleanup() {
	local v
	for v in $(registered); do
		[ -f "/usr/src/$NAME-$v/$CHECK_MARK" ] || return 1
		dkms remove "$NAME/$v" --all >/dev/null 2>&1 || true
	done
	for v in /usr/src/"$NAME"-*/"$CHECK_MARK"; do
		[ -f "$v" ] && rm -rf "$(dirname "$v")"
	done
	return 0
}

if ! cleanup; then
	other=$(dkms status -m "$NAME" 2>&1 | head -n 3)
	echo "snn is registered with DKMS by something other than this test:" | tap_diag
	echo "$other" | tap_diag
	skip_rest "snn is already installed with DKMS here (make dkms-remove)"
fi
if [ -e "/usr/src/$NAME-$VER" ]; then
	echo "/usr/src/$NAME-$VER exists and is not this test's" | tap_diag
	skip_rest "/usr/src/$NAME-$VER belongs to something else"
fi
trap 'cleanup || true' EXIT

# ---- add, build, install ------------------------------------------------
scripts/dkms.sh stage "$CHECK_MARK" 2>"$L/stage.log" ||
	{ tap_diag <"$L/stage.log"; die "cannot copy the sources to /usr/src/$NAME-$VER"; }

if run add.log dkms add "$NAME/$VER"; then
	tap_ok "dkms add $NAME/$VER"
else
	tap_fail "dkms add $NAME/$VER"
	skip_rest "dkms add failed"
fi

t=$(now)
if run build.log dkms build "$NAME/$VER" -k "$REL"; then
	tap_ok "dkms build $NAME/$VER -k $REL ($(since "$t"))"
else
	tap_fail "dkms build $NAME/$VER -k $REL"
	for f in /var/lib/dkms/"$NAME/$VER"/build/make.log; do
		[ -f "$f" ] && tail -n 30 "$f" | tap_diag
	done
fi
mlog=/var/lib/dkms/$NAME/$VER/$REL/$(uname -m)/log/make.log
if [ -f "$mlog" ] && ! grep -qi 'warning:' "$mlog"; then
	tap_ok "no build warnings (DKMS's make.log)"
else
	tap_fail "no build warnings (DKMS's make.log)"
	[ -f "$mlog" ] && grep -i 'warning:' "$mlog" | tap_diag
fi

if run install.log dkms install "$NAME/$VER" -k "$REL"; then
	tap_ok "dkms install $NAME/$VER -k $REL"
else
	tap_fail "dkms install $NAME/$VER -k $REL"
fi

# ---- the installed module -------------------------------------------------
mi() { modinfo -k "$REL" -F "$1" "$NAME" 2>/dev/null || true; }
file=$(mi filename)
case "$file" in
"/lib/modules/$REL/updates/dkms/$NAME.ko"*)
	if modprobe -n -v -S "$REL" "$NAME" 2>&1 | grep -q "insmod $file"; then
		tap_ok "installed for modprobe: $file"
	else
		tap_fail "installed for modprobe (modprobe -n -S $REL $NAME does not load $file)"
		modprobe -n -v -S "$REL" "$NAME" 2>&1 | tap_diag
	fi ;;
*)
	tap_fail "installed for modprobe: /lib/modules/$REL/updates/dkms/$NAME.ko (modinfo: '${file}')" ;;
esac

vm=$(mi vermagic) v=$(mi version) alias=$(mi alias | grep -c '^pci:' || true)
if [ "${vm%% *}" = "$REL" ] && [ "$v" = "$VER" ] && [ "$alias" -gt 0 ]; then
	tap_ok "modinfo: vermagic $REL, version $VER, $alias PCI alias(es)"
else
	tap_fail "modinfo: vermagic $REL, version $VER, a PCI alias (got '$vm', '$v', $alias)"
fi

# Secure Boot: DKMS signs with its MOK key (/var/lib/dkms/mok.pub,
# generated on first use); the module's signature names that key.
# (a PKCS#7 module signature names its key by issuer and serial number)
signer=$(mi signer) sigkey=$(mi sig_key | tr -d ':\n' | tr '[:lower:]' '[:upper:]')
serial=
if [ -f /var/lib/dkms/mok.pub ]; then
	serial=$(openssl x509 -inform DER -in /var/lib/dkms/mok.pub -noout -serial 2>/dev/null |
		sed 's/^serial=//' | tr '[:lower:]' '[:upper:]')
fi
if [ -n "$signer" ] && [ -n "$serial" ] && [ "$sigkey" = "$serial" ]; then
	tap_ok "signed with DKMS's MOK key (signer '$signer', /var/lib/dkms/mok.pub)"
else
	tap_fail "signed with DKMS's MOK key (signer '$signer', key '$sigkey', mok.pub serial '$serial')"
	grep -iE 'sign' "$L/build.log" | tap_diag || true
fi

# ---- a kernel upgrade -----------------------------------------------------
# Take it off the kernel, uninstalled and unbuilt but still registered
# (as if that kernel were new), then run what apt runs after installing a
# kernel's headers.
t=$(now)
if run upgrade-unbuild.log dkms unbuild "$NAME/$VER" -k "$REL" &&
   dkms status -m "$NAME" -v "$VER" 2>/dev/null | grep -q ': added' &&
   [ -z "$(mi filename)" ] &&
   run upgrade-hook.log /etc/kernel/header_postinst.d/dkms "$REL" &&
   dkms status -m "$NAME" -v "$VER" -k "$REL" 2>/dev/null | grep -q ': installed' &&
   [ -n "$(mi filename)" ]; then
	tap_ok "kernel upgrade: the headers' postinst hook rebuilt and installed it ($(since "$t"))"
else
	tap_fail "kernel upgrade: the headers' postinst hook rebuilt and installed it"
	dkms status -m "$NAME" 2>&1 | tap_diag
fi

# ---- an unsupported kernel ------------------------------------------------
# (the same headers under another release name: dkms must refuse it by
# BUILD_EXCLUSIVE_KERNEL, with status 77, before looking at them)
set +e
dkms build "$NAME/$VER" -k 5.10.0-99-amd64 \
	--kernelsourcedir "/lib/modules/$REL/build" >"$L/exclusive.log" 2>&1
rc=$?
set -e
if [ "$rc" = 77 ] && grep -q BUILD_EXCLUSIVE "$L/exclusive.log"; then
	tap_ok "unsupported kernel skipped: dkms build -k 5.10.0-99-amd64 exits 77"
else
	tap_fail "unsupported kernel skipped: dkms build -k 5.10.0-99-amd64 exits 77 (got $rc)"
	tail -n 10 "$L/exclusive.log" | tap_diag
fi

# ---- make dkms-remove -----------------------------------------------------
if run remove.log scripts/dkms.sh remove && [ -z "$(registered)" ] &&
   [ ! -e "/usr/src/$NAME-$VER" ] && [ -z "$(mi filename)" ] &&
   [ -z "$(compgen -G "/lib/modules/$REL/updates/dkms/$NAME.ko*" || true)" ]; then
	tap_ok "make dkms-remove: unregistered, snn.ko and /usr/src/$NAME-$VER gone"
else
	tap_fail "make dkms-remove: unregistered, snn.ko and /usr/src/$NAME-$VER gone"
	dkms status -m "$NAME" 2>&1 | tap_diag
fi
msg "DKMS test: $(since "$T0")"
tap_done
