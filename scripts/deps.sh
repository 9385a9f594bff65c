#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages listed in scripts/packages.txt that are not
# installed yet.  Runs apt-get update only when something is missing.
# Needs root (or sudo) only then.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

list=$SNN_ROOT/scripts/packages.txt
mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$')

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	msg "deps: all ${#pkgs[@]} packages installed"
	exit 0
fi

msg "deps: installing ${missing[*]}"
t0=$(now)
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -q || warn "apt-get update reported errors; trying to install anyway"
as_root apt-get install -y -q --no-install-recommends "${missing[@]}" ||
	die "could not install: ${missing[*]}"
msg "deps: done in $(since "$t0")"
