#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM half of `make check`: build QEMU with the board model, fetch the
# Debian kernel, build the guest tests, boot one VM with two boards of
# different topologies and run the guest tests in it.  The last line is
# "N passed, N failed[, N skipped]"; exit status 0 only if nothing failed.
#
# When the driver exists (driver/*.c) and $B/module/snn.ko was built from
# the current sources (make module; rebuilt here if older than them), the
# VM loads it before the tests.  The model tests drive the boards from user
# space, so the boards are unbound from snn.ko for them and bound again
# afterwards (which tests the driver's remove and probe on the way).
#
# Environment: SNN_VM_TIMEOUT (whole VM, default 1800 s),
# SNN_VM_TEST_TIMEOUT (each test, default 900 s), SNN_VM_ARGS (extra
# vm-run.py arguments).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
snn_cache_init
cd "$SNN_ROOT"

# The boards.  The model tests are told the same property strings, so what
# they check is exactly what was configured.  snn1 differs from the
# defaults in every topology dimension and has fault injection on (for the
# model DMA tests).
SNN0='snn-pci,id=snn0'
SNN1='snn-pci,id=snn1,clusters=2,cores=4,neurons=512,routers=1,board-id=2,x-fault-injection=on'

scripts/build-qemu.sh
scripts/get-kernel.sh
msg "building guest tests..."
make -s --no-print-directory guest-tests

# The driver, when there is one.  A module older than its sources is
# rebuilt (check.sh builds it just before, so this is for `make check-vm`
# alone); one that does not build is not loaded (check.sh counts the
# failed build).
module=()
KO=$B/module/snn.ko
if compgen -G 'driver/*.c' >/dev/null; then
	if [ ! -f "$KO" ] ||
	   [ -n "$(find Kbuild driver uapi -type f -newer "$KO" ! -name '*.o' \
		! -name '.*' ! -name '*.mod*' ! -name '*.ko' ! -name 'snn_conftest.*' \
		-print -quit 2>/dev/null)" ]; then
		msg "snn.ko is missing or older than its sources: building it..."
		scripts/build-module.sh >"$B/check-vm-module.log" 2>&1 ||
			warn "snn.ko did not build cleanly: see $B/check-vm-module.log"
	fi
	if [ -f "$KO" ]; then
		module=(--module "$KO")
	else
		warn "no snn.ko: the VM tests run without the driver"
	fi
fi

T=$B/selftests
tests=()
[ "${#module[@]}" = 0 ] || tests+=(--test "scripts/vm-unbind.sh @snn0@ @snn1@")
tests+=(--test "$T/model/model_test --expect @snn0@ $SNN0 --expect @snn1@ $SNN1")
[ -x "$T/model/model_dma_test" ] && tests+=(--test "$T/model/model_dma_test")
[ "${#module[@]}" = 0 ] || tests+=(--test "scripts/vm-bind.sh snn @snn0@ @snn1@")

msg "booting the test VM (TCG, 2 boards${module:+, snn.ko})..."
# shellcheck disable=SC2086
exec python3 scripts/vm-run.py \
	--timeout "${SNN_VM_TIMEOUT:-1800}" \
	--test-timeout "${SNN_VM_TEST_TIMEOUT:-900}" \
	--device "$SNN0" --device "$SNN1" \
	"${module[@]}" "${tests[@]}" ${SNN_VM_ARGS:-}
