#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_sync.sh TCPFWCTL - what tcpfwctl makes of replication, against a fake tcpfwd: a python3
# socket that answers one call with a canned reply (the Status and Stats replies of the
# ctl_proto fuzz seeds, formatted by lib/ctl_proto itself, some with their state changed).
# The sync command's exit status is what keepalived's track_script reads: 0 in_sync and
# peer_lost, 1 any other state or an error, 3 no daemon; -q prints nothing, -j the object.
# Also the status line, the stats section and the metrics (which promtool, when installed, must
# accept). No root. Run by make unit.

set -u
ctl=${1:?usage: test_sync.sh TCPFWCTL}
seeds=$(cd "$(dirname "$0")/../fuzz/corpus/ctl_proto" && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
sock=$tmp/control.sock
passed=0 failed=0

command -v python3 >/dev/null || { echo "tcpfwctl: needs python3 for the fake tcpfwd" >&2; exit 1; }

# serve REPLY_FILE: answers the next call on $sock with the file's text, then goes
serve() {
	rm -f "$sock"
	python3 - "$sock" "$1" <<'EOF' &
import os, socket, sys
srv = socket.socket(socket.AF_UNIX)
srv.bind(sys.argv[1] + ".new")
srv.listen(1)
os.rename(sys.argv[1] + ".new", sys.argv[1])  # there only once it listens
conn, _ = srv.accept()
call = b""
while b"\0" not in call:
    data = conn.recv(65536)
    if not data:
        break
    call += data
with open(sys.argv[2], "rb") as f:
    conn.sendall(f.read().rstrip(b"\n") + b"\0")
conn.close()
EOF
	server=$!
	n=0
	while [ ! -S "$sock" ] && [ $n -lt 500 ]; do
		sleep 0.01
		n=$((n + 1))
	done
}

# run WANT_RC REPLY_FILE ARGS...: tcpfwctl ARGS against a fake tcpfwd answering REPLY_FILE
# ("-": none listening); its standard output in $tmp/out
run() {
	want=$1 reply=$2
	shift 2
	server=
	if [ "$reply" = - ]; then rm -f "$sock"; else serve "$reply"; fi
	"$ctl" --socket "$sock" --timeout 5 "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ -z "$server" ] || wait "$server"
	if [ "$rc" = "$want" ]; then
		passed=$((passed + 1))
		return 0
	fi
	echo "tcpfwctl: '$*' with $(basename "$reply") exits $rc, want $want: $(cat "$tmp/err")" >&2
	failed=$((failed + 1))
	return 1
}

# check DESCRIPTION COMMAND...: counts the case, and lets the next check of a chain run
check() {
	what=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		echo "tcpfwctl: $what: fails; the output was:" >&2
		sed 's/^/  /' "$tmp/out" >&2
		failed=$((failed + 1))
	fi
	return 0
}

has() { grep -qF -- "$1" "$tmp/out"; }
lacks() { ! grep -qF -- "$1" "$tmp/out"; }
empty() { [ ! -s "$tmp/out" ]; }

# the in_sync reply in the other states
for st in connecting resync peer_lost; do
	sed "s/\"in_sync\"/\"$st\"/" "$seeds/reply-status-sync" >"$tmp/status-$st"
done
sync_json=$(sed 's/.*"sync":\({.*}\)}}$/\1/' "$seeds/reply-status-sync")

run 0 "$seeds/reply-status-sync" sync &&
	check "sync: the text" has "state: in_sync" &&
	check "sync: the peer" has "peer: 2001:db8::9" &&
	check "sync: the bulk" has "bulk_last: 850 ms, 120000 flows" &&
	check "sync: the datagrams" has "datagrams: 12000 sent, 11000 received, 17 retransmitted" &&
	check "sync: the drops" has "dropped: replayed 3"
run 0 "$seeds/reply-status-sync" sync -q && check "sync -q prints nothing" empty
run 0 "$seeds/reply-status-sync" -j sync &&
	check "sync -j: the sync object" [ "$(cat "$tmp/out")" = "$sync_json" ]
run 0 "$tmp/status-peer_lost" sync && check "sync: peer_lost" has "state: peer_lost"
run 1 "$tmp/status-resync" sync -q && check "sync -q: resync, nothing printed" empty
run 1 "$tmp/status-connecting" sync && check "sync: connecting" has "state: connecting"
run 1 "$seeds/reply-status" sync &&
	check "sync: disabled, the state alone" [ "$(cat "$tmp/out")" = "state: disabled" ]
run 1 "$seeds/reply-status-older" -q sync && check "sync: a daemon without sync" empty
run 1 "$seeds/reply-error" sync -q
run 3 - sync -q && check "sync -q: no daemon, nothing printed" empty
run 2 - status -q

run 0 "$seeds/reply-status-sync" status &&
	check "status: the sync line" has "sync: in_sync with 2001:db8::9 (lag 3 ms, peer complete)"
run 0 "$tmp/status-connecting" status &&
	check "status: connecting" has "sync: connecting to 2001:db8::9 (last heard 4200 ms ago)"
run 0 "$seeds/reply-status" status && check "status: no sync line when disabled" lacks "sync:"

run 0 "$seeds/reply-stats-sync" stats &&
	check "stats: the sync section" has "Sync" &&
	check "stats: the sync state" has "peer_lost" &&
	check "stats: the drops" has "dropped: replayed" &&
	check "stats: zero drops left out" lacks "dropped: bad_auth"
run 0 "$seeds/reply-stats-sync" stats -o extended &&
	check "stats -o extended: every drop" has "dropped: bad_auth"
run 0 "$seeds/reply-stats" stats && check "stats: no section when disabled" lacks "Sync"

# metrics: replication's families only while it is on, and text promtool accepts (when installed)
lint() {
	command -v promtool >/dev/null || return 0
	out=$(promtool check metrics <"$tmp/out" 2>&1) && [ -z "$out" ] && return 0
	echo "$out" >&2
	return 1
}
run 0 "$seeds/reply-stats-sync" metrics &&
	check "metrics: the state set" has 'tcpfw_sync_state{state="peer_lost"} 1' &&
	check "metrics: the drops" has 'tcpfw_sync_dropped_total{reason="replayed"} 3' &&
	check "metrics: promtool check metrics" lint
run 0 "$seeds/reply-stats" metrics && check "metrics: none when disabled" lacks "tcpfw_sync"

echo "tcpfwctl: sync: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
