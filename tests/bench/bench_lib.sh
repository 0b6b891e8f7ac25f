# SPDX-License-Identifier: GPL-2.0-or-later
# bench_lib.sh - what the network-namespace benchmarks (netns_bench.sh, nflog_cost.sh) share:
# waiting, background processes in namespaces, and a cleanup that stops every process they
# started (waking a stopped one first) and deletes every namespace they made. The caller sets
# TMP, BG_PIDS, NS_LIST and say() before sourcing it.
# shellcheck shell=bash
# shellcheck disable=SC2034 # nft_queue_probe sets QUEUE_NFT and PROBE_ERR for the sourcing script

alive() { kill -0 "$1" 2>/dev/null; }

wait_for() { # SECONDS CMD...: polls CMD every 50 ms
	local deadline
	deadline=$(awk -v n="$EPOCHREALTIME" -v t="$1" 'BEGIN { printf "%.3f", n + t }')
	shift
	while :; do
		"$@" && return 0
		awk -v n="$EPOCHREALTIME" -v d="$deadline" 'BEGIN { exit !(n >= d) }' && return 1
		sleep 0.05
	done
}

cleanup() {
	local pid ns
	trap - EXIT INT TERM
	for pid in $BG_PIDS; do alive "$pid" && kill -CONT "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null; done
	for pid in $BG_PIDS; do wait_for 5 eval "! alive $pid" || kill -KILL "$pid" 2>/dev/null; done
	# children of those (nginx workers, ab) live in our own namespaces
	for ns in $NS_LIST; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'say interrupted; exit 1' INT TERM

die() {
	say "error: $*"
	exit 1
}

nsx() { # NS CMD...
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

bg_start() { # NS LOG CMD...: sets BG_PID (ip netns exec execs CMD: the PID is CMD's)
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
	BG_PID=$!
	BG_PIDS="$BG_PIDS $BG_PID"
}

# nft_queue_probe NS: QUEUE_NFT=1 when NS's kernel has nft's queue expression, else 0 with
# PROBE_ERR holding nft's first line of complaint
nft_queue_probe() {
	QUEUE_NFT=0
	PROBE_ERR=""
	if nsx "$1" nft -f - 2>"$TMP/nft-probe.err" <<-EOF; then
		table ip bench_probe {
			chain forward {
				type filter hook forward priority filter; policy accept;
				meta l4proto tcp queue num 0 bypass
			}
		}
	EOF
		QUEUE_NFT=1
		nsx "$1" nft delete table ip bench_probe
	else
		PROBE_ERR=$(head -n 1 "$TMP/nft-probe.err")
	fi
}
