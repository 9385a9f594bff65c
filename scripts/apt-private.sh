#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run apt-get or apt-cache with snndev's private apt configuration
# ($SNNDEV_CACHE/apt/<suites>/: own sources, lists and cache; the mirror URI
# is the one the system's own sources name).  The system's apt setup is
# never touched.
#
#   scripts/apt-private.sh SUITE[+SUITE...] apt-get|apt-cache ARGS...
#
# e.g.  scripts/apt-private.sh bookworm-backports apt-cache policy linux-image-amd64
#       scripts/apt-private.sh bookworm apt-get source --download-only qemu
# Downloads land in the current directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init

[ $# -ge 2 ] || die "usage: $0 SUITE[+SUITE...] apt-get|apt-cache ARGS..."
IFS=+ read -r -a suites <<<"$1"
tool=$2
shift 2
apt_private_init "${suites[@]}"
case "$tool" in
apt-get)   exec apt-get "${APT_OPTS[@]}" "$@" ;;
apt-cache) exec apt-cache "${APT_OPTS[@]}" "$@" ;;
*)         die "tool must be apt-get or apt-cache, not $tool" ;;
esac
