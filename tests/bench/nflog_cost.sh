#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# nflog_cost.sh - what it would cost tcpfwd to have the kernel NFLOG the packets it drops.
#
# Userspace cannot put a packet into an NFLOG group (nfnetlink_log only goes kernel ->
# userspace). The one way is the verdict: NF_REPEAT with a packet mark (NFQA_MARK, one
# NFQNL_MSG_VERDICT per packet, which splits tcpfwd's batched verdict runs) instead of NF_DROP,
# and a ruleset whose queue chain, before its queue rule, logs marked packets to an NFLOG group
# and drops them (NF_REPEAT runs only the base chain that queued the packet again, so the rules
# must sit in that chain). This script measures that against plain NF_DROP with the NFQUEUE
# floor (build/tests/bench/floor, tcpfwd's own nfqueue module, no engine), in network namespaces
# client / fw / server (the topology of netns_bench.sh):
#
#   drop     floor -d drop: NF_DROP, batched; the ruleset is the queue rule alone
#   mark     floor -d mark:MARK; ruleset: mark -> log group G, mark -> drop, queue rule;
#            nobody listens on group G (the kernel then skips building the log message)
#   mark+l   the same with a listener on group G: `tcpdump -i nflog:G -w /dev/null` (libpcap's
#            nflog reader: copy mode packet, one netlink message per logged packet)
#
# Loads, all TCP (the ruleset queues TCP only), every queued packet refused unless said:
#   backlog  floor stopped while hping3 --flood fills its queue (16384 packets; fail-open lets
#            the rest past), then resumed and timed until the queue is empty: full batches, so
#            its CPU per packet is the consumer's capacity (pps here is coarse: 50 ms polling)
#   flood    hping3 --flood SYNs to a port the server drops: as many as the client can send
#   paced    hping3 -i uPACE SYNs: the same offered rate for every mode
#   mix      accepted small segments (iperf3 -l 64 -M 88, GSO off, as netns_bench's pps) plus
#            paced SYNs to the refused port, with floor -p: a drop share of about 1%
#
# For each run: packets/s queued to the consumer (Δid_sequence of the queue), the consumer's CPU
# per packet (schedstat on-CPU time; its verdict sendmsg also runs, in the kernel, the repeated
# chain, the log and the drop), the listener's CPU per packet, and packets the queue itself
# dropped or let past (queue_dropped + queue_user_dropped; fail-open accepts those), and the
# share of refused packets the listener received. Medians over the rounds, modes interleaved.
# Last, with the mark rules missing, how often one SYN answered with NF_REPEAT is queued again
# in one second: the loop a ruleset without the mark rule makes.
#
# Reports figures and never fails on timing. Needs root, hping3 (installed when missing), tcpdump
# and iperf3. Environment: TCPFW_NFLOG_ROUNDS (3), TCPFW_NFLOG_SECS (4), TCPFW_NFLOG_PACE
# (microseconds between paced SYNs, 50), TCPFW_NFLOG_MIX_PACE (1000), TCPFW_NFLOG_LOADS (a
# subset of the loads), BUILD.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
FLOOR=$build/tests/bench/floor
ROUNDS=${TCPFW_NFLOG_ROUNDS:-3}
SECS=${TCPFW_NFLOG_SECS:-4}
PACE=${TCPFW_NFLOG_PACE:-50}
MIX_PACE=${TCPFW_NFLOG_MIX_PACE:-1000}
BACKLOG=16384 # queue length for the backlog load
MARK=0x7cf00001 # what tcpfwd would reserve
GROUP=7
PORT=9 # the refused port: the server's input chain drops it, so no RST comes back

C4=192.0.2.2 F4C=192.0.2.1 F4S=198.51.100.1 S4=198.51.100.2

say() { echo "nflog_cost: $*"; }

if [ "$(id -u)" != 0 ]; then
	say "skipped (needs root for network namespaces)"
	exit 0
fi
[ -x "$FLOOR" ] || { say "skipped: $FLOOR not built (make bench builds it)"; exit 0; }
have() { command -v "$1" >/dev/null 2>&1; }
if ! have hping3; then
	say "installing hping3"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends hping3; } >/dev/null 2>&1
fi
for t in hping3 tcpdump iperf3 iptables nft; do
	have "$t" || { say "skipped: $t missing"; exit 0; }
done

# ---- processes and cleanup: only what this script started ----
PFX="tcpfwn-$$-$RANDOM"
NS_C=$PFX-client NS_F=$PFX-fw NS_S=$PFX-server
NS_LIST=""
BG_PIDS=""
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcpfw-nflog.XXXXXX")

. "$(dirname "$0")/bench_lib.sh"

forget() { # PID: gone, so cleanup never signals a reused PID
	BG_PIDS=" ${BG_PIDS# } "
	BG_PIDS=${BG_PIDS/ $1 / }
}

stop_pid() { # PID [SIGNAL]: SIGNAL (TERM), up to 5 s, then KILL
	alive "$1" || { forget "$1"; return 0; }
	kill -CONT "$1" 2>/dev/null
	kill "-${2:-TERM}" "$1" 2>/dev/null
	wait_for 5 eval "! alive $1" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	forget "$1"
	return 0
}

# ---- topology ----
for ns in "$NS_C" "$NS_F" "$NS_S"; do
	ip netns add "$ns" || die "ip netns add $ns"
	NS_LIST="$NS_LIST $ns"
	ip -n "$ns" link set lo up
done
ip -n "$NS_F" link add fc type veth peer name c0 netns "$NS_C" || die "veth client"
ip -n "$NS_F" link add fs type veth peer name s0 netns "$NS_S" || die "veth server"
ip -n "$NS_C" addr add "$C4/24" dev c0
ip -n "$NS_F" addr add "$F4C/24" dev fc
ip -n "$NS_F" addr add "$F4S/24" dev fs
ip -n "$NS_S" addr add "$S4/24" dev s0
for l in "$NS_C:c0" "$NS_F:fc" "$NS_F:fs" "$NS_S:s0"; do ip -n "${l%%:*}" link set "${l##*:}" up; done
ip -n "$NS_C" route add default via "$F4C"
ip -n "$NS_S" route add default via "$F4S"
nsx "$NS_F" sysctl -qw net.ipv4.ip_forward=1
path_ok() { nsx "$NS_C" timeout 2 bash -c "exec 3<>/dev/tcp/$S4/$PORT" 2>&1 | grep -q refused; }
wait_for 5 path_ok || die "no route client -> server"
# SYNs that get past (fail-open) must not draw RSTs, which would be queued too
nsx "$NS_S" nft -f - <<-EOF || die "server input table"
	table ip sink {
		chain input {
			type filter hook input priority filter; policy accept;
			tcp dport $PORT counter drop
		}
	}
EOF
bg_start "$NS_S" "$TMP/iperf3-s.log" iperf3 -s -B "$S4" -p 5201
listening() { nsx "$NS_S" ss -Hltn "sport = :$1" | grep -q .; }
wait_for 10 listening 5201 || die "iperf3 -s"

# ---- rulesets: nft where the kernel has `queue`, else iptables-nft (its NFLOG and mark are
# native nft log and meta mark; only NFQUEUE goes through nft_compat) ----
nft_queue_probe "$NS_F"
if [ "$QUEUE_NFT" = 1 ]; then
	RULES_HOW="nft"
else
	RULES_HOW="iptables-nft (nft queue: $PROBE_ERR)"
fi

rules_set() { # plain | marklog | loop (the queue rule alone, for the loop demonstration)
	local t
	for t in $(nsx "$NS_F" nft list tables 2>/dev/null | awk '{ print $2 ":" $3 }'); do
		nsx "$NS_F" nft delete table "${t%%:*}" "${t#*:}"
	done
	if [ $QUEUE_NFT = 1 ]; then
		local marklog=""
		[ "$1" != marklog ] || marklog="meta mark $MARK counter log prefix \"tcpfw invalid\" group $GROUP drop"
		nsx "$NS_F" nft -f - <<-EOF
			table ip fw {
				chain forward {
					type filter hook forward priority filter; policy accept;
					$marklog
					meta l4proto tcp queue num 0 bypass
				}
			}
		EOF
	else
		if [ "$1" = marklog ]; then
			nsx "$NS_F" iptables -A FORWARD -m mark --mark "$MARK" -j NFLOG \
				--nflog-group "$GROUP" --nflog-prefix "tcpfw invalid"
			nsx "$NS_F" iptables -A FORWARD -m mark --mark "$MARK" -j DROP
		fi
		nsx "$NS_F" iptables -A FORWARD -p tcp -j NFQUEUE --queue-num 0 --queue-bypass
	fi
}

# ---- counters, read through an idle process in the fw namespace (no ip netns exec) ----
bg_start "$NS_F" /dev/null sleep 100000
FWNET=/proc/$BG_PID/net
queue_line() { awk '$1 == 0' "$FWNET/netfilter/nfnetlink_queue" 2>/dev/null; }
queue_bound() { queue_line | awk '$2 != 0 { ok = 1 } END { exit !ok }'; }
queue_total() { queue_line | awk '{ print $3 }'; } # packets awaiting a verdict
queue_empty() { [ "$(queue_total)" = 0 ]; }
nflog_bound() { awk -v g="$GROUP" '$1 == g { ok = 1 } END { exit !ok }' "$FWNET/netfilter/nfnetlink_log" 2>/dev/null; }
oncpu_ns() { # PID...: on-CPU nanoseconds of every thread
	local p f fields s=0
	for p in "$@"; do
		for f in /proc/"$p"/task/*/schedstat; do
			read -r -a fields 2>/dev/null <"$f" && s=$((s + fields[0]))
		done
	done
	echo "$s"
}
busy_jiffies() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $5 + $6 + $9; exit }' /proc/stat; }
# snap: "time id_sequence queue_drops consumer_ns listener_ns busy idle"
snap() {
	local t=$EPOCHREALTIME q c l=0
	q=$(queue_line)
	c=$(oncpu_ns "$CONS_PID")
	[ -z "$LISTEN_PID" ] || l=$(oncpu_ns "$LISTEN_PID")
	echo "$t $(echo "$q" | awk '{ print $8, $6 + $7 }') $c $l $(busy_jiffies)"
}

# ---- one run ----
CONS_PID=""
LISTEN_PID=""
cons_start() { # MODE [-p PORT]
	local mode=$1 args=()
	shift
	case $mode in
	drop) rules_set plain; args=(-d drop) ;;
	mark | mark+l) rules_set marklog; args=(-d "mark:$MARK") ;;
	loop) rules_set loop; args=(-d "mark:$MARK") ;;
	esac
	rm -f "$TMP/tcpdump.log"
	bg_start "$NS_F" "$TMP/floor.log" "$FLOOR" -q 0 "${args[@]}" "$@"
	CONS_PID=$BG_PID
	wait_for 10 queue_bound || die "floor did not bind: $(tail -n 3 "$TMP/floor.log")"
	LISTEN_PID=""
	if [ "$mode" = mark+l ]; then
		# a 64 MiB buffer (-B), so that the backlog load's burst fits
		bg_start "$NS_F" "$TMP/tcpdump.log" tcpdump -B 65536 -i "nflog:$GROUP" -w /dev/null
		LISTEN_PID=$BG_PID
		wait_for 10 nflog_bound || die "tcpdump did not bind nflog:$GROUP: $(tail -n 3 "$TMP/tcpdump.log")"
	fi
}
cons_stop() {
	stop_pid "$CONS_PID"
	[ -z "$LISTEN_PID" ] || stop_pid "$LISTEN_PID" INT # it prints "N packets captured"
	LISTEN_PID=""
	CONS_PID=""
}

# result LOAD MODE S0 S1 [PACKETS]: one line to $TMP/results: "LOAD MODE pps cons_ns_per_pkt
# listen_ns_per_pkt machine_ns_per_pkt queue_drops_per_s busy_cpus refused_share
# verdict_msgs_per_pkt logged_share", the last three from floor's counters of the whole run
# ("floor: queue 0 packets P ... verdict_msgs V ... refused R") and tcpdump's. PACKETS: those
# handled between the snaps, when not Δid_sequence.
result() {
	local fl cap
	fl=$(grep '^floor: queue' "$TMP/floor.log")
	cap=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$TMP/tcpdump.log" 2>/dev/null)
	awk -v l="$1" -v m="$2" -v a="$3" -v b="$4" -v k="${5:-}" -v fl="$fl" -v cap="${cap:--1}" \
		-v ncpu="$(nproc)" 'BEGIN {
		split(a, x, " "); split(b, y, " "); dt = y[1] - x[1]; n = k != "" ? k : y[2] - x[2]
		if (n <= 0) n = 1
		jt = (y[6] - x[6]) + (y[7] - x[7]); if (jt <= 0) jt = 1
		nf = split(fl, f, " "); for (i = 2; i < nf; i += 2) c[f[i]] = f[i + 1]
		p = c["packets"] ? c["packets"] : 1
		busy = ncpu * (y[6] - x[6]) / jt
		printf "%s %s %.0f %.0f %.0f %.0f %.0f %.2f %.4f %.3f %s\n", l, m, n / dt,
			(y[4] - x[4]) / n, (y[5] - x[5]) / n, busy * dt * 1e9 / n, (y[3] - x[3]) / dt, busy,
			c["refused"] / p, c["verdict_msgs"] / p,
			cap < 0 ? "-" : sprintf("%.3f", c["refused"] ? cap / c["refused"] : 0)
	}' >>"$TMP/results"
}

# backlog: floor stopped while a flood fills its queue (up to BACKLOG packets; fail-open lets the
# rest past), then resumed: it drains with full batches, so CPU per packet is its capacity
run_backlog() { # MODE
	local s0 s1 k
	cons_start "$1" -m "$BACKLOG" -r 67108864
	kill -STOP "$CONS_PID"
	bg_start "$NS_C" "$TMP/hping3.log" hping3 -q -S -p "$PORT" --flood "$S4"
	sleep 1
	stop_pid "$BG_PID" INT
	sleep 0.2
	k=$(queue_total)
	s0=$(snap)
	kill -CONT "$CONS_PID"
	wait_for 20 queue_empty || say "backlog $1: the queue did not drain"
	s1=$(snap)
	cons_stop
	result backlog "$1" "$s0" "$s1" "$k"
}

run() { # LOAD MODE
	local load=$1 mode=$2 s0 s1 hp ip=""
	if [ "$load" = backlog ]; then
		run_backlog "$mode"
		return
	fi
	if [ "$load" = mix ]; then cons_start "$mode" -p "$PORT"; else cons_start "$mode"; fi
	case $load in
	flood) bg_start "$NS_C" "$TMP/hping3.log" hping3 -q -S -p "$PORT" --flood "$S4" ;;
	paced) bg_start "$NS_C" "$TMP/hping3.log" hping3 -q -S -p "$PORT" -i "u$PACE" "$S4" ;;
	mix)
		ip -n "$NS_C" link set dev c0 gso_max_segs 1
		ip -n "$NS_S" link set dev s0 gso_max_segs 1
		nsx "$NS_C" iperf3 -c "$S4" -p 5201 -t $((SECS + 2)) -N -l 64 -M 88 >"$TMP/iperf3.out" 2>&1 &
		ip=$!
		bg_start "$NS_C" "$TMP/hping3.log" hping3 -q -S -p "$PORT" -i "u$MIX_PACE" "$S4"
		;;
	esac
	hp=$BG_PID
	sleep 1
	s0=$(snap)
	sleep "$SECS"
	s1=$(snap)
	stop_pid "$hp" INT
	[ -z "$ip" ] || wait "$ip" || say "mix: iperf3 failed: $(tail -n 2 "$TMP/iperf3.out")"
	if [ "$load" = mix ]; then
		ip -n "$NS_C" link set dev c0 gso_max_segs 65535
		ip -n "$NS_S" link set dev s0 gso_max_segs 65535
	fi
	cons_stop
	result "$load" "$mode" "$s0" "$s1"
}

say "rules: $RULES_HOW; $ROUNDS rounds of ${SECS} s per run; $(nproc) CPUs"
MODES="drop mark mark+l"
LOADS=${TCPFW_NFLOG_LOADS:-backlog flood paced mix} # a subset, for investigating
for ((r = 1; r <= ROUNDS; r++)); do
	for load in $LOADS; do
		for mode in $MODES; do run "$load" "$mode"; done
	done
	say "round $r done"
done

# ---- the loop a ruleset without the mark rule makes: one SYN, NF_REPEAT with the mark ----
cons_start loop
nsx "$NS_C" timeout 3 hping3 -q -S -p "$PORT" -c 1 "$S4" >/dev/null 2>&1 &
sleep 0.5
s0=$(snap)
sleep 1
s1=$(snap)
wait $!
cons_stop
LOOP=$(awk -v a="$s0" -v b="$s1" 'BEGIN { split(a, x, " "); split(b, y, " "); dt = y[1] - x[1]
	printf "%.0f times per second; floor on CPU %.0f%% of the time", (y[2] - x[2]) / dt, (y[4] - x[4]) / dt / 1e7 }')

# ---- report ----
echo
echo "nflog_cost: medians of $ROUNDS rounds (${SECS} s each), each column its own. pps: packets"
echo "queued to the consumer per second; cons/listen ns: on-CPU time per queued packet of floor /"
echo "of tcpdump -i nflog:$GROUP (it includes softirq work that interrupted them); mach_ns: busy time"
echo "of the whole machine (sender and forwarding included) per queued packet; qdrop/s: packets the"
echo "queue dropped or let past (fail-open); busy: CPUs busy of $(nproc); refused: share of packets"
echo "floor refused; vmsg/pkt: verdict messages per packet (1: no batching left)"
fmt='%-7s %-7s %8s %8s %9s %8s %8s %5s %8s %8s %7s\n'
printf "$fmt" load mode pps cons_ns listen_ns mach_ns qdrop/s busy refused vmsg/pkt logged
for load in $LOADS; do
	for mode in $MODES; do
		for col in 3 4 5 6 7 8 9 10 11; do
			awk -v l="$load" -v m="$mode" -v c=$col '$1 == l && $2 == m { print $c }' \
				"$TMP/results" | sort -g | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "nan" }'
		done | xargs printf "$fmt" "$load" "$mode"
	done
done
echo "per run:"
sed 's/^/  /' "$TMP/results"
echo "loop: with the mark rules missing, one SYN answered NF_REPEAT+mark was queued $LOOP"
