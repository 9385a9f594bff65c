#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (a vm-run.py --test):
#
#   vm-unbind.sh PCI-ADDRESS...
#
# Unbinds each device from the driver that has it, if any, so that the
# tests that drive the boards from user space (selftests/model/) can map
# their BARs (sysfs refuses while a driver holds the regions) and do not
# fight snn.ko for them.  Exercises the driver's remove path too: the
# runner fails the run on any oops or warning it prints.  vm-bind.sh
# gives the devices back.  Exit status 0 when none of the devices has a
# driver any more.
rc=0
for dev in "$@"; do
	d=/sys/bus/pci/devices/$dev
	if [ ! -e "$d" ]; then
		echo "# $dev: no such PCI device"
		rc=1
		continue
	fi
	if [ ! -e "$d/driver" ]; then
		echo "# $dev: no driver bound"
		continue
	fi
	drv=$(basename "$(readlink "$d/driver")")
	echo "$dev" > "$d/driver/unbind"
	if [ -e "$d/driver" ]; then
		echo "# $dev: still bound to $drv after unbind"
		rc=1
	else
		echo "# $dev: unbound from $drv"
	fi
done
exit $rc
