# SPDX-License-Identifier: GPL-2.0
#
# tools/ (snnctl): included by the top-level Makefile.
#   TOOLS_HOST_TARGETS  what `make` builds
TOOLS_HOST_TARGETS :=
