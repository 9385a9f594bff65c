#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (a vm-run.py --test):
#
#   vm-bind.sh DRIVER PCI-ADDRESS...
#
# Binds each device to DRIVER (after vm-unbind.sh took it away), which
# probes it again: the driver's probe after a remove is part of the test.
# Exit status 0 when every device ends up bound to DRIVER.
drv=$1
shift
rc=0
if [ ! -d "/sys/bus/pci/drivers/$drv" ]; then
	echo "# no PCI driver $drv loaded"
	exit 1
fi
for dev in "$@"; do
	d=/sys/bus/pci/devices/$dev
	if [ -e "$d/driver" ]; then
		echo "# $dev: already bound to $(basename "$(readlink "$d/driver")")"
	else
		echo "$dev" > "/sys/bus/pci/drivers/$drv/bind"
	fi
	if [ "$(basename "$(readlink "$d/driver" 2>/dev/null)")" = "$drv" ]; then
		echo "# $dev: bound to $drv"
	else
		echo "# $dev: not bound to $drv"
		rc=1
	fi
done
exit $rc
