# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Sourced by the benchmarks that need a running tcpfwd with a full table: needs root, makes a
# throwaway namespace ($ns) and directory ($dir, tcpfwd's state and runtime directory), a
# snapshot of $1 established flows made by mkflows, and a configuration for a table of $2
# flows; full_table_start runs tcpfwd on them until it is ready ($pid; $ms from exec to ready).
# Everything goes at exit.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$top/build}
bench_name=$(basename "$0" .sh)
if [ "$(id -u)" != 0 ]; then echo "$bench_name: skipped (needs root for a network namespace)"; exit 0; fi
ns=tcpfw-$bench_name-$$
dir=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
ip netns add "$ns"
"$build/tests/bench/mkflows" "$1" 0 "$dir/flows.snapshot" >/dev/null || exit 1
cat >"$dir/tcpfwd.conf" <<EOC
table = { max_flows = $2; };
state = { directory = "$dir"; runtime_directory = "$dir"; };
control = { socket = "$dir/ctl.sock"; };
EOC

full_table_start() {
	local t0 t1
	: >"$dir/log"
	t0=$(date +%s%N)
	ip netns exec "$ns" "$build/tcpfwd" -f -c "$dir/tcpfwd.conf" 2>"$dir/log" &
	pid=$!
	until grep -q ready "$dir/log"; do
		kill -0 "$pid" 2>/dev/null || { echo "$bench_name: tcpfwd died: $(cat "$dir/log")"; exit 1; }
		sleep 0.005
	done
	t1=$(date +%s%N)
	# shellcheck disable=SC2034 # for the benchmark that sources this file
	ms=$(((t1 - t0) / 1000000))
}

rss_mib() { echo $(($(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024)); }
