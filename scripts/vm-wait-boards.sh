#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (a vm-run.py --test):
#
#   vm-wait-boards.sh N [SECONDS]
#
# Waits until snn.ko has registered N boards (/sys/class/snn/snnX), for
# boards that appear after the tests start: USB boards are enumerated by
# the hub driver in the background.  Exit status 0 once there are N, 1
# after SECONDS (default 30).
n=$1
t=$((${2:-30} * 10))
i=0
while [ "$i" -lt "$t" ]; do
	c=0
	for d in /sys/class/snn/snn*; do
		case "${d##*/}" in
		*.*) ;;
		snn\*) ;;
		*) c=$((c + 1)) ;;
		esac
	done
	if [ "$c" -ge "$n" ]; then
		echo "# $c board(s) after $((i / 10)).$((i % 10)) s"
		exit 0
	fi
	sleep 0.1
	i=$((i + 1))
done
echo "# $c of $n board(s) after ${2:-30} s"
exit 1
