/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The neuron engine (engine/, plain C with no QEMU dependency) compiled as
 * part of QEMU: QEMU wants qemu/osdep.h first in every translation unit.
 */
#include "qemu/osdep.h"
#include "engine/snn_engine.c"
