#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What tcpfwd says about where its configuration came from:
#   1. without -c and without /etc/tcpfwd/tcpfwd.conf it runs on the built-in defaults, logs
#      so, and `tcpfwctl status` (text and -j) says "(built-in defaults)", not a file it never
#      read. It runs in a private mount namespace over empty /run, /var/lib and /etc/tcpfwd
#      (tmpfs), so the host's files are neither read nor touched;
#   2. with -c FILE, status names FILE.
# and what it does with state.directory (the flow snapshot) at start:
#   3. missing, with its parent there: made, 0750 (in 1, /var/lib/tcpfwd on an empty /var/lib),
#      and the snapshot is saved there at the stop;
#   4. missing and its parent too, a file, or on a read-only file system: tcpfwd exits 1 at
#      start, before it binds a queue, with an error naming state.directory and the path.

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
	"$tcpfwd" -f >"$out/tcpfwd.log" 2>&1 </dev/null &
	pid=$!
	i=0
	until "$tcpfwctl" -j status >"$out/status.json" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] && kill -0 $pid 2>/dev/null || { echo "tcpfwd did not answer" >&2; break; }
		sleep 0.1
	done
	"$tcpfwctl" status >"$out/status.txt" 2>&1
	stat -c %a /var/lib/tcpfwd >"$out/mode" 2>&1
	kill -TERM $pid
	wait $pid
	echo $? >"$out/rc"
	ls /var/lib/tcpfwd >"$out/saved"
' sh "$DEF" "$TCPFWD" "$TCPFWCTL" || fail "the private mount namespace failed (exit $?)"

check "tcpfwd logged that it runs on the built-in defaults" \
	grep -q "/etc/tcpfwd/tcpfwd.conf not found, using the built-in defaults" "$DEF/tcpfwd.log"
expect_eq "-j status config without a file" \
	"$($CTL_JSON value "$DEF/status.json" config 2>/dev/null)" "(built-in defaults)"
check "status says 'config: (built-in defaults)'" grep -qxF "config: (built-in defaults)" \
	"$DEF/status.txt"
expect_eq "tcpfwd exit status after SIGTERM" "$(cat "$DEF/rc" 2>/dev/null)" 0
expect_eq "the missing /var/lib/tcpfwd made, mode" "$(cat "$DEF/mode")" 750
check "the snapshot saved in it at the stop" grep -qx flows.snapshot "$DEF/saved"

# ---- 2. -c FILE ----

info "tcpfwd -f -c FILE"
write_conf "$TMP/tcpfwd.conf"
tcpfwd_start_ctl "$TMP/tcpfwd.conf"
expect_eq "-j status config with -c" "$(status_val config)" "$TMP/tcpfwd.conf"
tcpfwd_term "with -c"

# ---- 3. and 4. state.directory ----

info "state.directory missing, its parent there"
write_conf "$TMP/made.conf" statedir="$TMP/made"
tcpfwd_start_ctl "$TMP/made.conf"
expect_eq "state.directory made, mode" "$(stat -c %a "$TMP/made" 2>&1)" 750
tcpfwd_term "state.directory made at start"
check "the snapshot saved in the directory made at start" test -f "$TMP/made/flows.snapshot"

# bad_statedir WHAT DIR [MOUNT]: tcpfwd with state.directory DIR (the runtime directory stays
# in $TMP) must exit 1 at start, naming the key and DIR, and bind no queue. MOUNT: a read-only
# tmpfs mounted on DIR in a mount namespace of tcpfwd's own.
bad_statedir() {
	local what=$1 dir=$2 ro=${3:-} conf=$TMP/bad.conf rc
	write_conf "$conf"
	sed -i "s|^\(.*state = { directory = \)\"[^\"]*\"|\1\"$dir\"|" "$conf"
	grep -qF "directory = \"$dir\"" "$conf" || die "$what: could not write $conf"
	"$TCPFWD" --check -c "$conf" >/dev/null || die "$what: tcpfwd --check rejects $conf"
	# shellcheck disable=SC2016 # expanded by the inner shell
	timeout 30 ip netns exec "$NS_F" unshare -m --propagation private sh -c '
		if [ -n "$3" ]; then mount -t tmpfs -o ro tmpfs "$3" || exit 99; fi
		exec "$1" -f -c "$2"' sh "$TCPFWD" "$conf" "$ro" >"$TMP/bad.log" 2>&1 </dev/null
	rc=$?
	expect_eq "$what: tcpfwd exit status at start" "$rc" 1
	if grep -q "state.directory $dir: " "$TMP/bad.log"; then
		pass "$what: $(grep -m1 "state.directory" "$TMP/bad.log" | sed 's/^.*tcpfwd: //')"
	else
		fail "$what: no error naming state.directory $dir: $(tr '\n' ' ' <"$TMP/bad.log")"
	fi
	if grep -q "ready: " "$TMP/bad.log"; then fail "$what: tcpfwd got ready"; fi
}

bad_statedir "parent missing" "$TMP/none/state"
touch "$TMP/a-file"
bad_statedir "a file" "$TMP/a-file"
mkdir -p "$TMP/ro"
bad_statedir "read-only file system" "$TMP/ro" "$TMP/ro"

[ $RET = 0 ] || { cat "$DEF/tcpfwd.log" "$DEF/status.txt"; dump_debug; }
exit $RET
