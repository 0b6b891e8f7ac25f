#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# How long does listing a full table hold a worker? tcpfwd starts in a throwaway namespace with
# a snapshot of N established flows (made by mkflows), then `tcpfwctl list` walks them all. The
# daemon measures every control call on the worker thread; the longest is the longest time
# packets of that queue waited. Reports figures; never fails on timing. Needs root.
set -u
N=${TCPFW_LIST_FLOWS:-1000000}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
if [ "$(id -u)" != 0 ]; then echo "list_stall: skipped (needs root for a network namespace)"; exit 0; fi
ns=tcpfw-stall-$$
dir=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
ip netns add "$ns"
"$build/tests/bench/mkflows" "$N" 0 "$dir/flows.snapshot" >/dev/null || exit 1
cat > "$dir/tcpfwd.conf" <<EOC
table = { max_flows = $((N + N / 4)); };
state = { directory = "$dir"; };
control = { socket = "$dir/ctl.sock"; };
EOC
ip netns exec "$ns" "$build/tcpfwd" -f -c "$dir/tcpfwd.conf" 2>"$dir/log" &
pid=$!
for _ in $(seq 300); do grep -q ready "$dir/log" && break; sleep 0.1; done
ctl() { "$build/tcpfwctl" --socket "$dir/ctl.sock" "$@"; }
flows=$(ctl count)
t0=$(date +%s%N)
listed=$(ctl -H list | wc -l)
t1=$(date +%s%N)
pause=$(ctl -j stats | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["control_pause_max_us"])')
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo "list_stall: $flows flows restored, $listed listed in $(((t1 - t0) / 1000000)) ms;" \
	"longest worker pause ${pause} us; daemon RSS $((rss / 1024)) MiB"
