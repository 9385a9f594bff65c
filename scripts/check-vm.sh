#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM half of `make check`: build QEMU with the board model, fetch the
# Debian kernel, build the guest tests, boot one VM with two boards of
# different topologies and run the guest tests in it.  The last line is
# "N passed, N failed[, N skipped]"; exit status 0 only if nothing failed.
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

T=$B/selftests
tests=(--test "$T/model/model_test --expect @snn0@ $SNN0 --expect @snn1@ $SNN1")
[ -x "$T/model/model_dma_test" ] && tests+=(--test "$T/model/model_dma_test")

msg "booting the test VM (TCG, 2 boards)..."
# shellcheck disable=SC2086
exec python3 scripts/vm-run.py \
	--timeout "${SNN_VM_TIMEOUT:-1800}" \
	--test-timeout "${SNN_VM_TEST_TIMEOUT:-900}" \
	--device "$SNN0" --device "$SNN1" \
	"${tests[@]}" ${SNN_VM_ARGS:-}
