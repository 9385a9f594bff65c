#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of `make demo` (scripts/demo.sh): runs inside the VM,
# where snn.ko is loaded and the board is /dev/snn0.  Classifies the
# held-out set on one cluster, then split over two clusters through a
# routing unit, with digits-classify --json; the host turns the two
# "DEMO-RESULT" lines into a table.
#
#   demo-guest.sh [DIR]     DIR: digits-classify, the network files and
#                           test-set.txt (default /digits)
D=${1:-/digits}
ls /dev/snn0 >/dev/null 2>&1 || { echo "no /dev/snn0: is snn.ko loaded?"; exit 1; }
echo "DEMO-BOARD $(cat /sys/class/snn/snn0/clusters) clusters, $(cat /sys/class/snn/snn0/routers) routing units: $(ls /sys/class/snn | tr "\n" " ")"
rc=0
for run in "single snn0.0 digits.snnet" "split snn0.0,snn0.1 digits-split.snnet"; do
	set -- $run
	echo "DEMO-START $1 $2"
	if out=$("$D/digits-classify" --progress --json --cluster "$2" \
		"$D/$3" "$D/test-set.txt"); then
		echo "DEMO-RESULT $1 $out"
	else
		echo "DEMO-FAILED $1"
		rc=1
	fi
done
exit $rc
