# SPDX-License-Identifier: GPL-2.0
#
# tools/digits: the digits workload (tools/digits/README.md).  Included by
# the top-level Makefile.  Debian's python3 with python3-numpy and
# python3-sklearn (scripts/packages.txt, make deps).
#
#   make digits-train    retrain; rewrites tools/digits/{digits,hidden,
#                        output}.snni, routes.txt, test-set.txt (the same
#                        bytes: git diff shows nothing)
#   make digits-verify   every held-out image through snn-sim, single
#                        cluster and split, against the script's mirror

DIGITS_PY	:= /usr/bin/python3 tools/digits/train.py

.PHONY: digits-train digits-verify

digits-train:
	@$(DIGITS_PY)

digits-verify: $(B)/host/snn-sim
	@$(DIGITS_PY) --verify --snn-sim $(B)/host/snn-sim
