#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What tcpfwd says about where its configuration came from:
#   1. without -c and without /etc/tcpfwd/tcpfwd.conf it runs on the built-in defaults, logs
#      so, and `tcpfwctl status` (text and -j) says "(built-in defaults)", not a file it never
#      read. It runs in a private mount namespace over empty /run, /var/lib and /etc/tcpfwd
#      (tmpfs), so the host's files are neither read nor touched;
#   2. with -c FILE, status names FILE.

. "$(dirname "$0")/lib.sh"

netns_require unshare mount
netns_setup bypass

# ---- 1. no -c, no default file ----

info "tcpfwd -f without -c, no /etc/tcpfwd/tcpfwd.conf"
DEF=$TMP/defaults
mkdir -p "$DEF"
# shellcheck disable=SC2016 # expanded by the inner shell
timeout 60 ip netns exec "$NS_F" unshare -m --propagation private sh -c '
	set -u
	out=$1 tcpfwd=$2 tcpfwctl=$3
	mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/lib || exit 1
	if [ -e /etc/tcpfwd ]; then mount -t tmpfs tmpfs /etc/tcpfwd || exit 1; fi
	mkdir /var/lib/tcpfwd
	"$tcpfwd" -f >"$out/tcpfwd.log" 2>&1 </dev/null &
	pid=$!
	i=0
	until "$tcpfwctl" -j status >"$out/status.json" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] && kill -0 $pid 2>/dev/null || { echo "tcpfwd did not answer" >&2; break; }
		sleep 0.1
	done
	"$tcpfwctl" status >"$out/status.txt" 2>&1
	kill -TERM $pid
	wait $pid
	echo $? >"$out/rc"
' sh "$DEF" "$TCPFWD" "$TCPFWCTL" || fail "the private mount namespace failed (exit $?)"

check "tcpfwd logged that it runs on the built-in defaults" \
	grep -q "/etc/tcpfwd/tcpfwd.conf not found, using the built-in defaults" "$DEF/tcpfwd.log"
expect_eq "-j status config without a file" \
	"$($CTL_JSON value "$DEF/status.json" config 2>/dev/null)" "(built-in defaults)"
check "status says 'config: (built-in defaults)'" grep -qxF "config: (built-in defaults)" \
	"$DEF/status.txt"
expect_eq "tcpfwd exit status after SIGTERM" "$(cat "$DEF/rc" 2>/dev/null)" 0

# ---- 2. -c FILE ----

info "tcpfwd -f -c FILE"
write_conf "$TMP/tcpfwd.conf"
tcpfwd_start_ctl "$TMP/tcpfwd.conf"
expect_eq "-j status config with -c" "$(status_val config)" "$TMP/tcpfwd.conf"
tcpfwd_term "with -c"

[ $RET = 0 ] || { cat "$DEF/tcpfwd.log" "$DEF/status.txt"; dump_debug; }
exit $RET
