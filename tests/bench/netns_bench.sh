#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# netns_bench.sh - tcpfwd against its floor and the kernel, through real forwarding in network
# namespaces (client / fw / server over two veth pairs, the topology of tests/netns/lib.sh).
#
# Configurations, run in the same invocation and interleaved round by round:
#   none    plain forwarding, no rule
#   kct     kernel conntrack: `ct state invalid drop` in the fw's forward chain
#   floor   build/tests/bench/floor: accept-all over tcpfwd's own nfqueue module, one queue
#   tcpfwd  build/tcpfwd with the default configuration (one queue)
#   sync    tcpfwd replicating its table (sync.enabled) to a standby tcpfwd in a fourth
#           namespace over a veth sync link: the cost of replication on the active box
#   fastpath  tcpfwd with its in-kernel fast path (a fastpath group: interfaces fc and fs, mark
#           0x10000000) and a rule that accepts packets carrying that mark bit before the queue
#           rule; run only when `tcpfwd --check` accepts that configuration, else skipped with a
#           line saying so. Reports how many packets the mark rule accepted.
# Workloads: bulk TCP (iperf3, 1 stream), new connections per second (ab, one connection per
# request, against nginx), small-segment packets per second (iperf3 -l 64 with MSS 88 and GSO
# limited to one segment, counted by the kernel: Δid_sequence of the queue where every packet
# is queued, Δrx_packets of the fw's two interfaces where not: none, kct, fastpath), and round
# trips (build/tests/bench/echo_lat: 64-byte requests at 500/s over one connection, p50, p99
# and max in µs), alone and again beside one bulk iperf3 stream.
# Then tcpfwd with 1 queue against 2 queues (--queue-balance 0:1), connections and bulk spread
# over extra client addresses, since the balance hash takes only the address pair.
# Throughput on 2 CPUs shared by clients, servers, forwarding and the consumer is noisy, so each
# queued run also reports the consumer's CPU per packet (all threads, from schedstat) and its
# packets per wakeup: those compare floor and tcpfwd even when neither is the bottleneck.
#
# Reports medians, then the goals against the measured medians, each "met" or "not met" ("n/a"
# when a configuration did not run): with the fast path, bulk and small segments at least 0.9x
# kct's and the round trips' p50 and p99 (alone) at most 1.5x kct's; tcpfwd without it, round
# trips' p50 and p99 at most the floor's and CPU per packet at most 1.03x the floor's. Never
# fails on timing. Needs root; installs ab and nginx when missing (skips the connection
# workloads when that fails, the round trips when echo_lat is not built). Environment:
# TCPFW_BENCH_ROUNDS (3), TCPFW_BENCH_SECS (seconds per workload, round-trip runs included, 3;
# bulk and the round trips beside bulk take one more), TCPFW_BENCH_CONFIGS (none kct floor
# tcpfwd sync fastpath) and TCPFW_BENCH_MQ (1 2) (subsets, for investigating), BUILD.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
TCPFWD=$build/tcpfwd
FLOOR=$build/tests/bench/floor
ECHO_LAT=$build/tests/bench/echo_lat
ROUNDS=${TCPFW_BENCH_ROUNDS:-3}
SECS=${TCPFW_BENCH_SECS:-3}   # connection, small-segment and round-trip workloads
SECS_BULK=$((SECS + 1))       # bulk measures this long after 1 s omitted
TCPFWCTL=$build/tcpfwctl
CONFIGS=${TCPFW_BENCH_CONFIGS:-none kct floor tcpfwd sync fastpath} # a subset, for investigating
MQ=${TCPFW_BENCH_MQ-1 2}                                          # "" skips the multi-queue part
CONN_C=32      # ab concurrency: enough to keep one queue busy, few enough for 2 cores
ECHO_RATE=500  # echo_lat requests per second
ECHO_PORT=5300 # echo_lat's server
# the fast path's group in tcpfwd.conf, and the mark bit its kernel part sets on packets it passes
FP_MARK=0x10000000
FP_GROUP="fastpath = { enabled = true; interfaces = \"fc fs\"; mark = $FP_MARK; };"

C4=192.0.2.2 F4C=192.0.2.1 F4S=198.51.100.1 S4=198.51.100.2
EXTRA_N=16 # extra client addresses 203.0.113.10.. for the multi-queue runs

say() { echo "netns_bench: $*"; }

if [ "$(id -u)" != 0 ]; then
	say "skipped (needs root for network namespaces)"
	exit 0
fi
for f in "$TCPFWD" "$FLOOR"; do
	[ -x "$f" ] || { say "skipped: $f not built (make bench builds it)"; exit 0; }
done

# ---- packages: ab and nginx are not in the Makefile's DEB_TEST ----
missing=""
for p in apache2-utils:ab nginx-light:nginx iperf3:iperf3 curl:curl; do
	command -v "${p#*:}" >/dev/null 2>&1 || missing="$missing ${p%%:*}"
done
if [ -n "$missing" ]; then
	say "installing$missing"
	# Debian starts nginx.service on install; a policy-rc.d that says no keeps a system-wide
	# nginx from appearing (only when there is none already, and removed right after).
	policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d &&
			policy=/usr/sbin/policy-rc.d
	fi
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $missing; } >/dev/null 2>&1 ||
		say "apt-get install$missing failed; workloads without their tool are skipped"
	[ -n "$policy" ] && rm -f "$policy"
fi
have() { command -v "$1" >/dev/null 2>&1; }
have iperf3 || { say "skipped: iperf3 missing"; exit 0; }

# ---- processes and cleanup: only what this script started ----
PFX="tcpfwb-$$-$RANDOM"
NS_C=$PFX-client NS_F=$PFX-fw NS_S=$PFX-server NS_P=$PFX-peer
NS_LIST=""
BG_PIDS=""
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcpfw-bench.XXXXXX")
chmod 0755 "$TMP" # nginx's workers run as nobody

. "$(dirname "$0")/bench_lib.sh"

stop_pid() { # PID: TERM, up to 5 s, then KILL
	alive "$1" || return 0
	kill -TERM "$1" 2>/dev/null
	wait_for 5 eval "! alive $1" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

listening() { nsx "$NS_S" ss -Hltn "sport = :$1" | grep -q .; }

# ---- topology ----
for ns in "$NS_C" "$NS_F" "$NS_S" "$NS_P"; do
	ip netns add "$ns" || die "ip netns add $ns"
	NS_LIST="$NS_LIST $ns"
	ip -n "$ns" link set lo up
done
ip -n "$NS_F" link add fc type veth peer name c0 netns "$NS_C" || die "veth client"
ip -n "$NS_F" link add fs type veth peer name s0 netns "$NS_S" || die "veth server"
ip -n "$NS_F" link add fp type veth peer name p0 netns "$NS_P" || die "veth sync link"
ip -n "$NS_F" addr add 10.255.0.1/30 dev fp
ip -n "$NS_P" addr add 10.255.0.2/30 dev p0
ip -n "$NS_F" link set fp up
ip -n "$NS_P" link set p0 up
head -c 32 /dev/urandom >"$TMP/sync.key" && chmod 0600 "$TMP/sync.key"
ip -n "$NS_C" addr add "$C4/24" dev c0
ip -n "$NS_F" addr add "$F4C/24" dev fc
ip -n "$NS_F" addr add "$F4S/24" dev fs
ip -n "$NS_S" addr add "$S4/24" dev s0
EXTRA=""
for i in $(seq 10 $((9 + EXTRA_N))); do
	ip -n "$NS_C" addr add "203.0.113.$i/32" dev c0
	EXTRA="$EXTRA 203.0.113.$i"
done
for l in "$NS_C:c0" "$NS_F:fc" "$NS_F:fs" "$NS_S:s0"; do ip -n "${l%%:*}" link set "${l##*:}" up; done
ip -n "$NS_C" route add default via "$F4C"
ip -n "$NS_S" route add default via "$F4S"
ip -n "$NS_F" route add 203.0.113.0/24 via "$C4" dev fc
nsx "$NS_F" sysctl -qw net.ipv4.ip_forward=1
# many short connections from one address: reuse ports the client no longer holds
nsx "$NS_C" sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
nsx "$NS_S" sysctl -qw net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=4096
# a RST from a closed port proves the path both ways (ping may not be installed)
path_ok() { nsx "$NS_C" timeout 2 bash -c "exec 3<>/dev/tcp/$S4/9" 2>&1 | grep -q refused; }
wait_for 5 path_ok || die "no route client -> server"

# ---- servers ----
mkdir -p "$TMP/www" "$TMP/nginx"
head -c 512 /dev/urandom | base64 >"$TMP/www/index.html" # a small page
NGINX_PID=""
if have nginx; then
	cat >"$TMP/nginx.conf" <<-EOF
		worker_processes 2;
		daemon off;
		pid $TMP/nginx.pid;
		error_log $TMP/nginx-error.log warn;
		events { worker_connections 4096; }
		http {
			access_log off;
			client_body_temp_path $TMP/nginx/body;
			proxy_temp_path $TMP/nginx/proxy;
			fastcgi_temp_path $TMP/nginx/fastcgi;
			uwsgi_temp_path $TMP/nginx/uwsgi;
			scgi_temp_path $TMP/nginx/scgi;
			server {
				listen $S4:80 backlog=4096;
				root $TMP/www;
			}
		}
	EOF
	bg_start "$NS_S" "$TMP/nginx.log" nginx -p "$TMP/nginx" -e "$TMP/nginx-error.log" \
		-c "$TMP/nginx.conf"
	NGINX_PID=$BG_PID
	wait_for 10 listening 80 || { say "nginx did not start: $(tail -n 3 "$TMP"/nginx*.log)"; NGINX_PID=""; }
fi
CONN_TOOL=""
if [ -n "$NGINX_PID" ] && have ab; then
	CONN_TOOL=ab
else
	say "connection-rate workloads skipped: needs ab (apache2-utils) and nginx"
fi
for port in 5201 5211 5212 5213 5214; do
	bg_start "$NS_S" "$TMP/iperf3-$port.log" iperf3 -s -B "$S4" -p "$port"
done
for port in 5201 5211 5212 5213 5214; do wait_for 10 listening "$port" || die "iperf3 -s :$port"; done
ECHO_OK=""
if [ -x "$ECHO_LAT" ]; then
	bg_start "$NS_S" "$TMP/echo_lat.log" "$ECHO_LAT" -s -b "$S4" -p "$ECHO_PORT"
	wait_for 10 listening "$ECHO_PORT" || die "echo_lat -s: $(tail -n 3 "$TMP/echo_lat.log")"
	ECHO_OK=1
else
	say "round-trip workloads skipped: $ECHO_LAT not built (make bench builds it)"
fi

# ---- queue rules: nft queue where the kernel has it, else iptables-nft -j NFQUEUE ----
nft_queue_probe "$NS_F"
if [ "$QUEUE_NFT" = 1 ]; then
	QUEUE_METHOD="nft queue"
else
	QUEUE_METHOD="iptables-nft -j NFQUEUE --queue-bypass (nft queue: $PROBE_ERR)"
fi

rule_add() { # none | kct | q1 | q2
	case $1 in
	none) ;;
	kct)
		nsx "$NS_F" nft -f - <<-EOF
			table ip bench_kct {
				chain forward {
					type filter hook forward priority filter; policy accept;
					ct state invalid counter drop
				}
			}
		EOF
		;;
	q1 | q2)
		local nq=${1#q} nums=0
		[ "$nq" = 1 ] || nums=0-$((nq - 1))
		if [ $QUEUE_NFT = 1 ]; then
			nsx "$NS_F" nft -f - <<-EOF
				table ip bench_q {
					chain forward {
						type filter hook forward priority filter; policy accept;
						meta l4proto tcp queue num $nums bypass
					}
				}
			EOF
		elif [ "$nq" = 1 ]; then
			nsx "$NS_F" iptables -A FORWARD -p tcp -j NFQUEUE --queue-num 0 --queue-bypass
		else
			nsx "$NS_F" iptables -A FORWARD -p tcp -j NFQUEUE --queue-balance 0:$((nq - 1)) \
				--queue-bypass
		fi
		;;
	esac
}

# Removes every table, so the forward hook is unregistered (and conntrack with it) between runs.
rule_del() {
	local t
	for t in $(nsx "$NS_F" nft list tables 2>/dev/null | awk '{ print $2 ":" $3 }'); do
		nsx "$NS_F" nft delete table "${t%%:*}" "${t#*:}"
	done
}

# fp_rule add|count|del: the fastpath configuration's rule, in the queue rule's chain and before
# it: accept what carries the mark bit FP_MARK (the fast path's kernel part passed it). count
# prints the packets it accepted.
fp_rule() {
	local m=(-m mark --mark "$FP_MARK/$FP_MARK" -j ACCEPT) pos h
	if [ "$QUEUE_NFT" = 1 ]; then
		case $1 in
		add) # insert: at the top of the chain, before the queue rule
			nsx "$NS_F" nft insert rule ip bench_q forward meta mark and "$FP_MARK" == "$FP_MARK" \
				counter accept comment '"fastpath"'
			;;
		count)
			nsx "$NS_F" nft list chain ip bench_q forward |
				awk '/"fastpath"/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
			;;
		del)
			h=$(nsx "$NS_F" nft -a list chain ip bench_q forward | awk '/"fastpath"/ { print $NF }')
			[ -z "$h" ] || nsx "$NS_F" nft delete rule ip bench_q forward handle "$h"
			;;
		esac
		return
	fi
	case $1 in
	add)
		pos=$(nsx "$NS_F" iptables -nL FORWARD --line-numbers | awk '$2 == "NFQUEUE" { print $1; exit }')
		nsx "$NS_F" iptables -I FORWARD "${pos:-1}" "${m[@]}"
		;;
	count) nsx "$NS_F" iptables -nvxL FORWARD | awk '$3 == "ACCEPT" && /mark match/ { print $1; exit }' ;;
	del) nsx "$NS_F" iptables -D FORWARD "${m[@]}" ;;
	esac
}

# ---- counters ----
# An idle process in the fw namespace: /proc/PID/net/ is that namespace's view, so every counter
# is read by bash builtins within microseconds, with no `ip netns exec`, whose tens to hundreds
# of milliseconds (on a busy machine) would skew the interface counters against the queue's.
bg_start "$NS_F" /dev/null sleep 100000
ANCHOR=$BG_PID
FWNET=/proc/$ANCHOR/net

queue_line() { # NUM: the /proc line of the queue, or nothing
	awk -v q="$1" '$1 == q' "$FWNET/netfilter/nfnetlink_queue" 2>/dev/null
}
queue_bound() { # NUM: a process holds it (peer_portid != 0)
	queue_line "$1" | awk '$2 != 0 { ok = 1 } END { exit !ok }'
}
# qcount NUM: "id_sequence dropped", dropped = queue_dropped + queue_user_dropped (with fail-open
# those packets were accepted without the consumer, so they must stay 0 for a fair figure)
qcount() {
	queue_line "$1" | awk '{ print $8, $6 + $7 }'
}
# cpu_jiffies: "busy softirq idle" of the whole machine (steal and iowait count as idle here:
# nobody of ours ran)
cpu_jiffies() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $8, $5 + $6 + $9; exit }' /proc/stat
}

# snap: "time rx cons_ns busy softirq idle wakeups q0_id q0_drop [q1_id q1_drop]" for the
# current run ($CUR_NQ queues). rx: packets the fw received on fc and fs. cons_ns: on-CPU
# nanoseconds of every consumer thread, which include the forwarding their verdict sendmsg runs
# (nf_reinject -> okfn), the same for floor and tcpfwd. wakeups: the consumer threads' voluntary
# context switches, one per sleep in poll/epoll_wait, so packets per wakeup is the batch size.
# Everything is read first, then parsed.
snap() {
	local t=$EPOCHREALTIME dev q=() st f l sched=() status=() p
	mapfile -t dev <"$FWNET/dev"
	mapfile -t q 2>/dev/null <"$FWNET/netfilter/nfnetlink_queue"
	mapfile -t st </proc/stat
	for p in $CONS_PIDS; do
		for f in /proc/"$p"/task/*; do
			read -r -a l 2>/dev/null <"$f/schedstat" && sched+=("${l[0]}")
			mapfile -t -O "${#status[@]}" status 2>/dev/null <"$f/status"
		done
	done
	{
		echo "T $t"
		printf 'D %s\n' "${dev[@]}"
		printf 'Q %s\n' "${q[@]}"
		printf 'S %s\n' "${st[0]}"
		printf 'N %s\n' "${sched[@]}"
		printf 'W %s\n' "${status[@]}"
	} | awk -v nq="$CUR_NQ" '
	$1 == "T" { t = $2 }
	$1 == "D" { sub(/:/, " "); if ($2 == "fc" || $2 == "fs") rx += $4 }
	$1 == "Q" { id[$2] = $9; drop[$2] = $7 + $8 }
	$1 == "S" { busy = $3 + $4 + $5 + $8 + $9; soft = $9; idle = $6 + $7 + $10 }
	$1 == "N" { ns += $2 }
	$1 == "W" && $2 == "voluntary_ctxt_switches:" { wake += $3 }
	END {
		printf "%s %.0f %.0f %.0f %.0f %.0f %.0f", t, rx, ns, busy, soft, idle, wake
		for (i = 0; i < nq; i++) printf " %.0f %.0f", id[i], drop[i]
		printf "\n"
	}'
}

fw_rx() { snap | cut -d ' ' -f 2; } # packets the fw received on fc and fs so far

# ---- consumers ----
CONS_PIDS=""
CONS_PEER=""
CONS_KIND=""
CONS_TAG=""
# proc_cpu_s PID: user + system CPU seconds of a process so far
proc_cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
		"/proc/$1/stat" 2>/dev/null
}
# The shipped defaults, except where files go (no state restored, no /run socket), with a sync
# group when SYNC (its addresses) is not empty and the fast path's group when FASTPATH is 1.
tcpfwd_conf() { # TAG NQUEUES SYNC [FASTPATH]
	mkdir -p "$TMP/state-$1"
	cat >"$TMP/tcpfwd-$1.conf" <<-EOF
		queue = { count = $2; };
		state = { directory = "$TMP/state-$1"; runtime_directory = "$TMP/state-$1"; };
		control = { socket = "$TMP/ctl-$1.sock"; };
	EOF
	[ -z "$3" ] || echo "sync = { enabled = true; key_file = \"$TMP/sync.key\"; $3 };" \
		>>"$TMP/tcpfwd-$1.conf"
	[ "${4:-0}" = 0 ] || echo "$FP_GROUP" >>"$TMP/tcpfwd-$1.conf"
}
cons_start() { # floor|tcpfwd|sync|fastpath NQUEUES TAG
	local kind=$1 nq=$2 tag=$3 q
	CONS_KIND=$kind
	CONS_TAG=$tag
	CONS_PIDS=""
	case $kind in
	floor)
		for ((q = 0; q < nq; q++)); do
			bg_start "$NS_F" "$TMP/floor-$tag-$q.log" "$FLOOR" -q "$q"
			CONS_PIDS="$CONS_PIDS $BG_PID"
		done
		;;
	tcpfwd | fastpath)
		tcpfwd_conf "$tag" "$nq" "" "$([ "$kind" = fastpath ] && echo 1)"
		bg_start "$NS_F" "$TMP/tcpfwd-$tag.log" "$TCPFWD" -f -c "$TMP/tcpfwd-$tag.conf"
		CONS_PIDS=$BG_PID
		CONS_KIND=tcpfwd
		;;
	sync)
		# the standby first, so that the active's first session finds it
		tcpfwd_conf "$tag-peer" 1 "local = \"10.255.0.2\"; peer = \"10.255.0.1\";"
		bg_start "$NS_P" "$TMP/tcpfwd-$tag-peer.log" "$TCPFWD" -f -c "$TMP/tcpfwd-$tag-peer.conf"
		CONS_PEER=$BG_PID # another box's CPU: not in CONS_PIDS, whose CPU is measured
		tcpfwd_conf "$tag" 1 "local = \"10.255.0.1\"; peer = \"10.255.0.2\";"
		bg_start "$NS_F" "$TMP/tcpfwd-$tag.log" "$TCPFWD" -f -c "$TMP/tcpfwd-$tag.conf"
		CONS_PIDS=$BG_PID
		CONS_KIND=tcpfwd # its counters and drops are read as tcpfwd's
		wait_for 15 "$TCPFWCTL" --socket "$TMP/ctl-$tag-peer.sock" sync -q ||
			note "$tag: the standby was not in sync after 15 s"
		;;
	esac
	for ((q = 0; q < nq; q++)); do
		wait_for 15 queue_bound "$q" ||
			die "$kind did not bind queue $q: $(tail -n 3 "$TMP"/*"$tag"*.log)"
	done
}
cons_alive() {
	local p
	for p in $CONS_PIDS; do alive "$p" || return 1; done
	return 0
}
# tcpfwd must have accepted the benchmark's legitimate traffic, or its figures mean less
tcpfwd_drops() {
	"$TCPFWCTL" --socket "$TMP/ctl-$CONS_TAG.sock" -j stats 2>/dev/null | /usr/bin/python3 -c '
import json, sys
o = json.load(sys.stdin)
d = o["verdicts"]["drop"]
if d:
    r = " ".join("%s=%d" % (k, v) for k, v in sorted(o["reasons"].items()) if k != "ok" and v)
    print("dropped %d, accepted %d; reasons other than ok: %s" % (d, o["verdicts"]["accept"], r))' 2>/dev/null
}
cons_stop() {
	local p d
	if [ "$CONS_KIND" = tcpfwd ] && [ -x "$TCPFWCTL" ]; then
		d=$(tcpfwd_drops)
		[ -z "$d" ] || note "tcpfwd $CONS_TAG: $d"
	fi
	# the standby's CPU: another box's in a real pair, this machine's here
	[ -z "$CONS_PEER" ] || echo "  $CONS_TAG: the standby tcpfwd used $(proc_cpu_s "$CONS_PEER") s" \
		"of CPU, the active $(proc_cpu_s "$CONS_PIDS") s, over the whole run" >>"$TMP/detail"
	for p in $CONS_PIDS $CONS_PEER; do
		stop_pid "$p"
		BG_PIDS=" ${BG_PIDS# } "
		BG_PIDS=${BG_PIDS/ $p / } # gone: cleanup must never signal a reused PID
	done
	# the floor's own counters of the whole run (syscalls per packet: the batching)
	[ "$CONS_KIND" != floor ] ||
		sed -n "s/^floor: queue/  $CONS_TAG: queue/p" "$TMP"/floor-"$CONS_TAG"-*.log >>"$TMP/detail"
	CONS_PIDS=""
	CONS_PEER=""
	CONS_KIND=""
}

# ---- workloads: each prints one value (or "nan"); anomalies go to $TMP/notes ----
note() { echo "$*" >>"$TMP/notes"; }

# rate S0 S1 WORKLOAD: packets per second between two snaps, from the queue counters when the
# run queues every packet, else (no queue, or the fast path passing packets by) from the fw's
# interfaces. Records the consumer's CPU per queued packet and the batch size in $TMP/results
# (not for the fast path, whose consumer sees only some packets), and notes packets that
# fail-open let past the consumer, and a dead consumer.
rate() {
	awk -v a="$1" -v b="$2" -v nq="$CUR_NQ" -v wl="$3" -v cfg="$CUR_CFG" -v tag="$CUR_TAG" \
		-v byif="$([ "$CUR_CFG" = fastpath ] && echo 1)" \
		-v dead="$(cons_alive || echo 1)" -v side="$TMP/results" -v detail="$TMP/detail" -v ncpu="$NCPU" \
		-v notes="$TMP/notes" '
	BEGIN {
		split(a, x, " "); split(b, y, " "); dt = y[1] - x[1]
		ifr = (y[2] - x[2]) / dt
		jt = (y[4] - x[4]) + (y[6] - x[6])
		if (jt <= 0) jt = 1
		mach = sprintf("machine busy %.2f of %d CPUs (softirq %.2f)", ncpu * (y[4] - x[4]) / jt,
			ncpu, ncpu * (y[5] - x[5]) / jt)
		if (nq == 0) {
			printf "%.0f\n", ifr
			printf "%-7s %-13s fw interfaces %.0f packets/s; %s\n", wl, tag, ifr, mach >> detail
			exit
		}
		for (q = 0; q < nq; q++) {
			n += y[8 + 2 * q] - x[8 + 2 * q]; d += y[9 + 2 * q] - x[9 + 2 * q]
			per = per sprintf("%s%.0f", q ? "/" : "", y[8 + 2 * q] - x[8 + 2 * q])
		}
		w = y[7] - x[7]
		printf "%.0f\n", byif ? ifr : n / dt
		if (n > 0 && !byif) printf "usp|%s|%s %.3f\n", wl, cfg, (y[3] - x[3]) / 1000 / n >> side
		if (w > 0 && !byif) printf "ppw|%s|%s %.2f\n", wl, cfg, n / w >> side
		if (d > 0) printf "%s %s: %.0f packets passed a full queue (fail-open)\n", wl, tag, d >> notes
		if (dead) printf "%s %s: the consumer died\n", wl, tag >> notes
		printf "%-7s %-13s queued %s packets, %.0f/s; fw interfaces %.0f/s; consumer %.2f CPU, %.0f wakeups/s; %s\n",
			wl, tag, per, n / dt, ifr, (y[3] - x[3]) / 1e9 / dt, w / dt, mach >> detail
	}'
}

# bulk: iperf3, one stream, Gbit/s received (the first second omitted)
w_bulk() {
	local s0 s1 out=$TMP/bulk-$CUR_TAG.json
	s0=$(snap)
	nsx "$NS_C" iperf3 -c "$S4" -p 5201 -t "$SECS_BULK" -O 1 -J >"$out" 2>&1
	s1=$(snap)
	rate "$s0" "$s1" bulk >/dev/null
	/usr/bin/python3 -c 'import json,sys; print("%.3f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' \
		"$out" 2>/dev/null || { note "bulk $CUR_TAG: iperf3 failed: $(head -c 300 "$out")"; echo nan; }
}

# bulk4: one iperf3 stream from each address of $MQ_BULK_ADDRS (ports 5211 up), summed; a
# second shorter than bulk, to keep the whole run near 4 minutes
w_bulk_multi() {
	local s0 s1 i=0 a pids="" sum
	rm -f "$TMP"/bulkm-*.json
	s0=$(snap)
	for a in $MQ_BULK_ADDRS; do
		nsx "$NS_C" iperf3 -c "$S4" -B "$a" -p $((5211 + i)) -t "$SECS" -O 1 -J \
			>"$TMP/bulkm-$i.json" 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	for a in $pids; do wait "$a"; done
	s1=$(snap)
	rate "$s0" "$s1" bulk4 >/dev/null
	sum=$(/usr/bin/python3 -c 'import json,sys
print("%.3f" % (sum(json.load(open(f))["end"]["sum_received"]["bits_per_second"] for f in sys.argv[1:]) / 1e9))' \
		"$TMP"/bulkm-*.json 2>/dev/null) || {
		note "bulk4 $CUR_TAG: an iperf3 failed"
		sum=nan
	}
	echo "$sum"
}

# conn WORKLOAD ADDR...: one ab per source address, CONN_C connections in flight in all, one
# connection per request (no -k); the sum of their requests per second
w_conn() {
	local wl=$1 s0 s1 a n c sum pids=""
	shift
	n=$#
	c=$(((CONN_C + n - 1) / n))
	rm -f "$TMP"/ab-*.out
	s0=$(snap)
	for a in "$@"; do
		nsx "$NS_C" ab -q -B "$a" -t "$SECS" -n 10000000 -c "$c" -s 5 "http://$S4/index.html" \
			>"$TMP/ab-$a.out" 2>&1 &
		pids="$pids $!"
	done
	for a in $pids; do wait "$a"; done
	s1=$(snap)
	rate "$s0" "$s1" "$wl" >/dev/null
	sum=$(awk '/^Requests per second:/ { s += $4; n++ }
		/^(Failed requests|Non-2xx responses):/ && $3 > 0 { bad += $3 }
		END { if (n) printf "%.0f %d %d\n", s, n, bad }' "$TMP"/ab-*.out)
	set -- $sum
	if [ $# -lt 3 ] || [ "$2" != "$n" ]; then
		note "$wl $CUR_TAG: ab failed: $(tail -q -n 2 "$TMP"/ab-*.out | head -c 300)"
		echo nan
		return
	fi
	[ "$3" = 0 ] || note "$wl $CUR_TAG: $3 failed or non-2xx requests"
	echo "$1"
}

# pps: small segments, one per packet (GSO off on both senders), counted by the kernel
w_pps() {
	local s0 s1 pid
	ip -n "$NS_C" link set dev c0 gso_max_segs 1
	ip -n "$NS_S" link set dev s0 gso_max_segs 1
	nsx "$NS_C" iperf3 -c "$S4" -p 5201 -t $((SECS + 1)) -N -l 64 -M 88 >"$TMP/pps.out" 2>&1 &
	pid=$!
	sleep 1 # past the handshake and slow start
	s0=$(snap)
	sleep "$SECS"
	s1=$(snap)
	wait "$pid" || note "pps $CUR_TAG: iperf3 failed: $(tail -n 2 "$TMP/pps.out")"
	ip -n "$NS_C" link set dev c0 gso_max_segs 65535
	ip -n "$NS_S" link set dev s0 gso_max_segs 65535
	rate "$s0" "$s1" pps
}

# echo WORKLOAD: echo_lat's round trips for SECS s, "P50 P99 MAX" in µs, or nothing
w_echo() {
	local s0 s1 out v
	s0=$(snap)
	out=$(nsx "$NS_C" "$ECHO_LAT" -p "$ECHO_PORT" -r "$ECHO_RATE" -t "$SECS" "$S4" 2>&1)
	s1=$(snap)
	rate "$s0" "$s1" "$1" >/dev/null
	v=$(sed -n 's/^echo_lat: count=[0-9]* p50_us=\([0-9.]*\) p99_us=\([0-9.]*\) max_us=\([0-9.]*\)$/\1 \2 \3/p' \
		<<<"$out")
	[ -n "$v" ] || note "$1 $CUR_TAG: echo_lat failed: $(head -c 300 <<<"$out")"
	echo "$v"
}

# echobulk: the round trips again, beside one bulk iperf3 stream started a second earlier
w_echobulk() {
	local pid
	nsx "$NS_C" iperf3 -c "$S4" -p 5201 -t $((SECS + 1)) >"$TMP/echobulk.out" 2>&1 &
	pid=$!
	sleep 1 # past the handshake and slow start
	w_echo echobulk
	wait "$pid" || note "echobulk $CUR_TAG: iperf3 failed: $(tail -n 2 "$TMP/echobulk.out")"
}

# ---- results: "WORKLOAD|CONFIG VALUE" lines in $TMP/results, in the order measured ----
rec() { echo "$1|$2 ${3:-nan}" >>"$TMP/results"; } # WORKLOAD CONFIG VALUE
rec_echo() { # PREFIX "P50 P99 MAX": PREFIX50, PREFIX99 and PREFIXmax of CUR_CFG
	local p=$1
	set -- $2
	rec "${p}50" "$CUR_CFG" "${1:-}"
	rec "${p}99" "$CUR_CFG" "${2:-}"
	rec "${p}max" "$CUR_CFG" "${3:-}"
}

FOREIGN=0 # runs during which network namespaces of other users had processes
busy_foreign_ns() { # fails when a namespace not ours has a process (someone else's test)
	local ns
	for ns in $(ip netns list | awk -v p="$PFX-" 'index($1, p) != 1 { print $1 }'); do
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || return 1
	done
	return 0
}
RUNS=0
run_begin() { # CONFIG TAG NQUEUES
	CUR_CFG=$1 CUR_TAG=$2 CUR_NQ=$3 T0=$EPOCHREALTIME
	RUNS=$((RUNS + 1))
	busy_foreign_ns || FOREIGN=$((FOREIGN + 1))
	rule_del
}
run_end() {
	cons_alive || note "$CUR_TAG: the consumer died during the run"
	rule_del
	cons_stop
	say "$CUR_TAG done ($(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s)"
}

run_config() { # ROUND CONFIG
	local cfg=$2 nq=0 inv rx0
	[ "$cfg" = none ] || [ "$cfg" = kct ] || nq=1
	run_begin "$cfg" "$cfg-$1" "$nq"
	case $cfg in
	none) ;;
	kct) rule_add kct ;;
	*)
		cons_start "$cfg" 1 "$CUR_TAG"
		rule_add q1
		if [ "$cfg" = fastpath ]; then
			fp_rule add || note "$CUR_TAG: the mark rule could not be added"
			rx0=$(fw_rx)
		fi
		;;
	esac
	rec bulk "$cfg" "$(w_bulk)"
	[ -z "$CONN_TOOL" ] || rec conn "$cfg" "$(w_conn conn "$C4")"
	rec pps "$cfg" "$(w_pps)"
	if [ -n "$ECHO_OK" ]; then
		rec_echo echo "$(w_echo echo)"
		rec_echo echob "$(w_echobulk)"
	fi
	if [ "$cfg" = kct ]; then
		inv=$(nsx "$NS_F" nft list table ip bench_kct |
			awk '{ for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }')
		[ "${inv:-0}" = 0 ] || note "$CUR_TAG: ct state invalid dropped $inv packets"
	fi
	if [ "$cfg" = fastpath ]; then
		# what the mark rule accepted, out of what the fw received on fc and fs, in the whole run
		rec fpmark "$cfg" "$(fp_rule count)"
		rec fprx "$cfg" "$(($(fw_rx) - rx0))"
		fp_rule del
	fi
	run_end
}

run_mq() { # ROUND NQUEUES
	run_begin "tcpfwd-$2q" "tcpfwd-$2q-$1" "$2"
	cons_start tcpfwd "$2" "$CUR_TAG"
	rule_add "q$2"
	[ -z "$CONN_TOOL" ] || rec mqconn "$CUR_CFG" "$(w_conn mqconn $EXTRA)"
	rec mqbulk "$CUR_CFG" "$(w_bulk_multi)"
	run_end
}

# Which queue does each extra address hash to? One connection each through two floors; then
# the multi-queue bulk uses two addresses per queue (as far as the hash allows), so that the
# 2-queue run can spread its four streams. The hash seed is fixed until reboot.
calibrate() {
	local a q0="" q1="" line
	rule_del
	cons_start floor 2 calib
	rule_add q2
	# One process for all addresses: a connection to a closed port from each, the queues'
	# counters read before and after (the SYN is queued, the server's RST ends it at once).
	while read -r a line; do
		case $line in
		0) q0="$q0 $a" ;;
		1) q1="$q1 $a" ;;
		esac
	done < <(nsx "$NS_C" /usr/bin/python3 - "$FWNET/netfilter/nfnetlink_queue" "$S4" $EXTRA <<-'EOF'
		import socket, sys
		def ids():
		    with open(sys.argv[1]) as f:
		        return {l.split()[0]: l.split()[7] for l in f}
		for a in sys.argv[3:]:
		    before = ids()
		    s = socket.socket()
		    s.settimeout(2)
		    try:
		        s.bind((a, 0))
		        s.connect((sys.argv[2], 9))
		    except OSError:
		        pass
		    s.close()
		    after = ids()
		    print(a, next((q for q in sorted(after) if after[q] != before.get(q)), "-"))
	EOF
	)
	rule_del
	cons_stop
	set -- $q0
	MQ_BULK_ADDRS="${1:-} ${2:-}"
	set -- $q1
	MQ_BULK_ADDRS="$MQ_BULK_ADDRS ${1:-} ${2:-}"
	MQ_BULK_ADDRS=$(echo $MQ_BULK_ADDRS)
	set -- $q0
	local n0=$#
	set -- $q1
	CALIB="extra addresses by queue: $n0 on queue 0, $# on queue 1; bulk streams from $MQ_BULK_ADDRS"
	# fill up to four streams when the hash put (nearly) everything on one queue
	set -- $MQ_BULK_ADDRS
	if [ $# -lt 4 ]; then
		for a in $EXTRA; do
			[ $# -ge 4 ] && break
			case " $* " in *" $a "*) ;; *) set -- "$@" "$a" ;; esac
		done
		MQ_BULK_ADDRS="$*"
	fi
}

# ---- run ----
CUR_CFG="" CUR_TAG="" CUR_NQ=0
echo "== netns_bench: tcpfwd vs its NFQUEUE floor vs the kernel, through veth forwarding =="
echo "machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
	"kernel $(uname -r)"
echo "queue rule: $QUEUE_METHOD"
echo "rounds: $ROUNDS, configurations interleaved in each; medians"
echo "tools: $(iperf3 --version 2>&1 | awk 'NR == 1 { print $1, $2 }'), $(ab -V 2>&1 |
	awk 'NR == 1 { print "ab", $5 }'), $(have nginx && nginx -v 2>&1 | sed 's/.*: //')"
echo "workloads (client ns -> $S4 through the fw ns):"
echo "  bulk  iperf3 -c $S4 -t $SECS_BULK -O 1: Gbit/s received"
echo "  conn  ab -B $C4 -t $SECS -c $CONN_C http://$S4/index.html: nginx, a" \
	"$(stat -c %s "$TMP/www/index.html")-byte page, one connection per request"
echo "  pps   iperf3 -c $S4 -N -l 64 -M 88 with gso_max_segs 1 on c0 and s0, ${SECS} s after 1 s:" \
	"Δid_sequence of the queue (floor, tcpfwd, sync), Δrx_packets of fw's fc + fs (none, kct, fastpath)"
[ -z "$ECHO_OK" ] ||
	echo "  echo  echo_lat -r $ECHO_RATE -t $SECS $S4: 64-byte round trips over one connection, µs;" \
		"alone, then beside one iperf3 -c $S4 stream started 1 s before"
FP_SKIP=""
case " $CONFIGS " in
*" fastpath "*)
	tcpfwd_conf fastpath-check 1 "" 1
	if ! err=$("$TCPFWD" --check -c "$TMP/tcpfwd-fastpath-check.conf" 2>&1); then
		FP_SKIP=1
		CONFIGS=$(echo " $CONFIGS " | sed 's/ fastpath / /')
		echo "fastpath: skipped, tcpfwd --check refuses its configuration:" \
			"$(head -n 1 <<<"${err//$TMP\//}")"
	fi
	;;
esac
# Nothing of ours runs yet: whatever keeps the CPUs busy now will also compete with the runs.
NCPU=$(nproc)
j0=$(cpu_jiffies)
sleep 1
j1=$(cpu_jiffies)
IDLE_BEFORE=$(awk -v a="$j0" -v b="$j1" -v n="$NCPU" 'BEGIN { split(a, x); split(b, y)
	t = y[1] - x[1] + y[3] - x[3]; printf "%.2f", (t > 0 ? n * (y[3] - x[3]) / t : n) }')
echo "before the runs: $IDLE_BEFORE of $NCPU CPUs idle, load average $(cut -d ' ' -f 1-3 /proc/loadavg)"
T_START=$EPOCHREALTIME
[ -z "$MQ" ] || calibrate
for ((r = 1; r <= ROUNDS; r++)); do
	for cfg in $CONFIGS; do run_config "$r" "$cfg"; done
done
for ((r = 1; r <= ROUNDS; r++)); do
	for nq in $MQ; do run_mq "$r" "$nq"; done
done
T_END=$EPOCHREALTIME

# One awk renders every table: medians, ratios, and each run's raw value.
awk -v rounds="$ROUNDS" -v conn="$CONN_TOOL" -v mq="$MQ" -v calib="${CALIB:-}" -v echo="$ECHO_OK" \
	-v fpskip="$FP_SKIP" -v fpmark="$FP_MARK" \
	-v extra="$EXTRA_N client addresses 203.0.113.10-$((9 + EXTRA_N))" \
	-v mqcmd="conn: one ab per address, $(((CONN_C + EXTRA_N - 1) / EXTRA_N)) connections each; bulk4: one iperf3 -t $SECS -O 1 from each of the 4 addresses" '
{
	if (!($1 in cnt)) { cnt[$1] = 0; order[++nk] = $1 }
	raw[$1] = raw[$1] " " $2
	if ($2 ~ /^[0-9.]+$/) val[$1, ++cnt[$1]] = $2 + 0
}
function med(k,   m, i, j, t, a) {
	m = cnt[k]
	if (!m) return "nan"
	for (i = 1; i <= m; i++) a[i] = val[k, i]
	for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	lo[k] = a[1]; hi[k] = a[m]
	return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
function f(v, s, d) { return v == "nan" ? "-" : sprintf("%." d "f", v / s) }
function r(a, b) { return a != "nan" && b != "nan" && a > 0 && b > 0 ? sprintf("%.2f", a / b) : "-" }
# line(LABEL, WL, S, D, CFGS, RATIOS): the medians of WL for each configuration of CFGS, then
# each ratio "a/b" of RATIOS; a LABEL of "workload" prints the header instead
function line(label, wl, s, d, cfgs, ratios,   c, q, x, n, i, o, v) {
	o = sprintf("%-26s", label)
	n = split(cfgs, c, " ")
	for (i = 1; i <= n; i++) {
		v[c[i]] = med(wl "|" c[i])
		o = o sprintf(" %9s", label == "workload" ? c[i] : f(v[c[i]], s, d))
	}
	n = split(ratios, q, " ")
	for (i = 1; i <= n; i++) {
		split(q[i], x, "/")
		o = o sprintf(" %" (length(q[i]) < 8 ? 9 : length(q[i]) + 1) "s",
			label == "workload" ? q[i] : r(v[x[1]], v[x[2]]))
	}
	print o
}
function row(label, wl, s, d) { line(label, wl, s, d, "none kct floor tcpfwd", "tcpfwd/floor tcpfwd/kct") }
function fprow(label, wl, s, d) { line(label, wl, s, d, "kct tcpfwd fastpath", "fastpath/kct fastpath/tcpfwd") }
# the round trips in µs, alone (echo50, echo99, echomax) and beside bulk (echob...), as rows
# of the table ROWFN prints (row, fprow or syncrow)
function echorow(rowfn, label, wl) {
	if (rowfn == "row") row(label, wl, 1, 0)
	else if (rowfn == "fprow") fprow(label, wl, 1, 0)
	else syncrow(label, wl, 1, 0, "")
}
function echorows(rowfn,   b, w, t) {
	print "round trips (µs; lower is better, so a ratio above 1 is slower):"
	for (b = 0; b < 2; b++) {
		w = b ? "echob" : "echo"
		t = b ? " beside bulk" : ""
		echorow(rowfn, "  p50" t, w "50")
		echorow(rowfn, "  p99" t, w "99")
		echorow(rowfn, "  max" t, w "max")
	}
}
function syncrow(label, wl, s, d, cpu,   a, b) {
	a = med(wl "|tcpfwd"); b = med(wl "|sync")
	printf "%-26s %9s %9s %11s %14s %14s\n", label, f(a, s, d), f(b, s, d), r(b, a),
		f(med("usp|" cpu "|tcpfwd"), 1, 2), f(med("usp|" cpu "|sync"), 1, 2)
}
# goal(LABEL, WL, A, B, OP, LIM, S, D, UNIT): the median of WL for A against LIM times that for
# B (OP is ">=" or "<="), met or not
function goal(label, wl, a, b, op, lim, s, d, unit,   x, y, q, why) {
	x = med(wl "|" a); y = med(wl "|" b)
	if (x == "nan" || y == "nan" || y <= 0) {
		why = "no " (x == "nan" ? a : b) " figure"
		printf "  %-44s n/a (%s)\n", label, a == "fastpath" && fpskip != "" ? "fastpath skipped" : why
		return
	}
	q = x / y
	printf "  %-44s %s %s vs %s %s %s = %.2fx: %s\n", label, a, f(x, s, d), b, f(y, s, d), unit, q,
		(op == ">=" ? q >= lim : q <= lim) ? "met" : "not met"
}
function cpurow(wl,   a, b) {
	a = med("usp|" wl "|floor"); b = med("usp|" wl "|tcpfwd")
	printf "%-26s %9s %9s %12s %13s %9s %9s\n", wl, f(a, 1, 2), f(b, 1, 2),
		a == "nan" || b == "nan" ? "-" : sprintf("%+.2f", b - a), r(b, a),
		f(med("ppw|" wl "|floor"), 1, 1), f(med("ppw|" wl "|tcpfwd"), 1, 1)
}
function mqrow(label, k, d,   a, b) {
	a = med(k "|tcpfwd-1q"); b = med(k "|tcpfwd-2q")
	printf "%-34s %10s %10s %8s\n", label, f(a, 1, d), f(b, 1, d), r(b, a)
}
END {
	printf "\n== medians of %d rounds ==\n", rounds
	row("workload")
	row("bulk 1 stream (Gbit/s)", "bulk", 1, 2)
	if (conn != "") row("new connections (conn/s)", "conn", 1, 0)
	row("small segments (kpps)", "pps", 1000, 1)
	if (echo != "") echorows("row")
	if (med("bulk|sync") != "nan") {
		print "\nreplication: tcpfwd with sync.enabled (a standby tcpfwd on a veth sync link) vs without"
		printf "%-26s %9s %9s %11s %14s %14s\n", "workload", "tcpfwd", "+sync", "sync/tcpfwd", "µs/pkt tcpfwd", "µs/pkt +sync"
		syncrow("bulk 1 stream (Gbit/s)", "bulk", 1, 2, "bulk")
		if (conn != "") syncrow("new connections (conn/s)", "conn", 1, 0, "conn")
		syncrow("small segments (kpps)", "pps", 1000, 1, "pps")
		if (echo != "") echorows("syncrow")
	}
	if (med("bulk|fastpath") != "nan") {
		print "\nfast path: tcpfwd with fastpath.enabled (packets marked " fpmark " accepted before the queue rule)"
		fprow("workload")
		fprow("bulk 1 stream (Gbit/s)", "bulk", 1, 2)
		if (conn != "") fprow("new connections (conn/s)", "conn", 1, 0)
		fprow("small segments (kpps)", "pps", 1000, 1)
		if (echo != "") echorows("fprow")
		a = med("fpmark|fastpath"); b = med("fprx|fastpath")
		printf "accepted by the mark rule in a run (median): %s packets of the %s the fw received (%s%%)\n",
			f(a, 1, 0), f(b, 1, 0), a == "nan" || b == "nan" || b <= 0 ? "-" : sprintf("%.1f", 100 * a / b)
	}
	print "\nconsumer CPU per queued packet (µs of all its threads, including the forwarding and the"
	print "receiver softirq work that its verdict sendmsg runs) and packets per wakeup (ppw, batch size):"
	printf "%-26s %9s %9s %12s %13s %9s %9s\n", "workload", "floor", "tcpfwd", "tcpfwd-floor", "tcpfwd/floor", "ppw floor", "ppw tcpfwd"
	cpurow("bulk")
	if (conn != "") cpurow("conn")
	cpurow("pps")
	if (echo != "") cpurow("echo")
	if (mq != "") {
		print "\n== multi-queue: tcpfwd, queue.count 1 (--queue-num 0) vs 2 (--queue-balance 0:1) =="
		print extra "; " calib
		print mqcmd
		printf "%-34s %10s %10s %8s\n", "workload", "1 queue", "2 queues", "2q/1q"
		if (conn != "") mqrow("new connections (conn/s)", "mqconn", 0)
		mqrow("bulk 4 streams (Gbit/s)", "mqbulk", 2)
		if (conn != "") mqrow("  CPU per packet, conn (µs)", "usp|mqconn", 2)
		mqrow("  CPU per packet, bulk4 (µs)", "usp|bulk4", 2)
		if (conn != "") mqrow("  packets per wakeup, conn", "ppw|mqconn", 1)
		mqrow("  packets per wakeup, bulk4", "ppw|bulk4", 1)
	}
	print "\n== goals (figures only: met or not, the exit status never depends on them) =="
	goal("fast path: bulk >= 0.9x kct", "bulk", "fastpath", "kct", ">=", 0.9, 1, 2, "Gbit/s")
	goal("fast path: small segments >= 0.9x kct", "pps", "fastpath", "kct", ">=", 0.9, 1000, 1, "kpps")
	goal("fast path: echo p50 <= 1.5x kct", "echo50", "fastpath", "kct", "<=", 1.5, 1, 0, "µs")
	goal("fast path: echo p99 <= 1.5x kct", "echo99", "fastpath", "kct", "<=", 1.5, 1, 0, "µs")
	goal("tcpfwd: echo p50 <= floor", "echo50", "tcpfwd", "floor", "<=", 1, 1, 0, "µs")
	goal("tcpfwd: echo p99 <= floor", "echo99", "tcpfwd", "floor", "<=", 1, 1, 0, "µs")
	goal("tcpfwd: CPU per packet <= 1.03x floor, bulk", "usp|bulk", "tcpfwd", "floor", "<=", 1.03, 1, 2, "µs")
	if (conn != "")
		goal("tcpfwd: CPU per packet <= 1.03x floor, conn", "usp|conn", "tcpfwd", "floor", "<=", 1.03, 1, 2, "µs")
	goal("tcpfwd: CPU per packet <= 1.03x floor, pps", "usp|pps", "tcpfwd", "floor", "<=", 1.03, 1, 2, "µs")
	print "\n== every run (values in round order; min-max) =="
	for (i = 2; i <= nk; i++) for (j = i; j > 1 && order[j - 1] > order[j]; j--) {
		k = order[j]; order[j] = order[j - 1]; order[j - 1] = k
	}
	for (i = 1; i <= nk; i++) {
		k = order[i]; med(k)
		printf "  %-22s %-36s %s\n", k, substr(raw[k], 2), cnt[k] ? lo[k] "-" hi[k] : "-"
	}
}' "$TMP/results" 2>/dev/null
echo
echo "== counters of every run =="
sed 's/^/  /' "$TMP/detail" 2>/dev/null
echo
if awk -v i="$IDLE_BEFORE" -v n="$NCPU" 'BEGIN { exit !(i < n - 0.2) }'; then
	echo "warning: before the runs only $IDLE_BEFORE of $NCPU CPUs were idle: other work" \
		"competes with every run, so all figures are noisy (run make bench on a quiet machine)"
fi
if [ "$FOREIGN" -gt 0 ]; then
	echo "warning: processes ran in other network namespaces (someone else's tests?) during" \
		"$FOREIGN of $RUNS runs: they share the CPUs, so those figures are noisier"
fi
if [ -s "$TMP/notes" ]; then
	echo "anomalies:"
	sed 's/^/  /' "$TMP/notes"
fi
say "measured for $(awk -v a="$T_START" -v b="$T_END" 'BEGIN { printf "%.0f", b - a }') s"
exit 0
