# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libsnndev: included by the top-level Makefile.
#   LIB_HOST_TARGETS   what `make` builds (the shared library, ...)
#   HOST_TEST_TARGETS  += the library's host tests (make check-host)
LIB_HOST_TARGETS :=
