#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ha_conntrackd.sh primary|backup|fault CONF LOG - keepalived's notify script for the
# conntrackd baseline of test_ha.sh, the steps of conntrackd's primary-backup.sh (in its
# examples/sync) with the configuration CONF of this box; each step and its exit status go to
# LOG instead of syslog. It starts no conntrackd: the test runs and watches that itself.

state=$1 conf=$2 log=$3

step() {
	conntrackd -C "$conf" "$@" >>"$log" 2>&1
	echo "$(date +%s.%N) $state: conntrackd $* -> $?" >>"$log"
}

case $state in
primary)
	step -c # commit the external cache into the kernel table
	step -f # flush the internal and the external caches
	step -R # resynchronise the internal cache with the kernel table
	step -B # send a bulk update to the backup
	;;
backup)
	step -t # shorten the kernel's timers to remove the zombie entries
	step -n # ask the master for a resynchronisation
	;;
fault)
	step -t
	;;
*)
	echo "usage: ha_conntrackd.sh primary|backup|fault CONF LOG" >&2
	exit 1
	;;
esac
exit 0
