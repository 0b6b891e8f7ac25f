#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Crafted segments from the client namespace (scapy) must never reach the server, and each
# must raise its own reason counter in tcpfwd: a first segment that is no SYN, flag
# combinations no stack sends, and, on real connections, data beyond the window and RSTs
# with a wrong sequence number before and after a FIN.
#
# Oracle: crafted segments leave with TTL 200; the server counts (and drops) TTL-199
# arrivals per destination port. After each case a barrier (lib.sh) must arrive: it proves the
# probe works and, since one queue keeps order, that the case's segment had its verdict.

. "$(dirname "$0")/lib.sh"

P_ACK=5101 P_SYNACK=5102 P_NULL=5103 P_XMAS=5104 P_SYNFIN=5105
P_DATA=5110 P_RST=5111 P_RSTFIN=5112

netns_require
require_scapy
netns_setup bypass
write_conf "$TMP/tcpfwd.conf"
tcpfwd_start
server_counter_setup $BARRIER_PORT $P_ACK $P_SYNACK $P_NULL $P_XMAS $P_SYNFIN $P_DATA $P_RST $P_RSTFIN

reasons_snapshot() { tcpfwd_stats >"$TMP/r.before" || die "no stats from tcpfwd"; }
reason_delta() { # REASON (from the last reasons_snapshot to fresh stats)
	tcpfwd_stats >"$TMP/r.after" || die "no stats from tcpfwd"
	stats_delta "$TMP/r.before" "$TMP/r.after" "reasons.$1"
}

craft_send_barrier 4
craft_send_barrier 6
pass "marked segments that tcpfwd accepts reach the server (probe works)"
tcpfwd_stats >"$TMP/start" || die "no stats from tcpfwd"

# one_shot NAME REASON PORT FLAGS [SEQ ACK]: one segment of a flow tcpfwd never saw, v4 and v6
one_shot() {
	local name=$1 reason=$2 port=$3 flags=$4 seq=${5:-1000} ack=${6:-0}
	info "$name -> expect $reason"
	reasons_snapshot
	local b4 b6 bspec4
	b4=$(arrivals v4 $BARRIER_PORT)
	b6=$(arrivals v6 $BARRIER_PORT)
	barrier_next 4
	bspec4=$BSPEC
	barrier_next 6
	craft_send "$(addrs 4),sport=$((40000 + port)),dport=$port,flags=$flags,seq=$seq,ack=$ack" \
		"$(addrs 6),sport=$((40000 + port)),dport=$port,flags=$flags,seq=$seq,ack=$ack" \
		"$bspec4" "$BSPEC"
	barrier_wait 4 "$b4"
	barrier_wait 6 "$b6"
	expect_eq "$name: reasons.$reason rose by" "$(reason_delta "$reason")" 2
	expect_eq "$name: IPv4 arrivals at the server" "$(arrivals v4 "$port")" 0
	expect_eq "$name: IPv6 arrivals at the server" "$(arrivals v6 "$port")" 0
}

one_shot "ACK without a prior SYN" new_not_syn $P_ACK A 1000 5000
one_shot "SYN/ACK without a SYN" invalid_new $P_SYNACK SA 1000 5000
one_shot "NULL (no flags)" bad_flags $P_NULL "" 1000 0
one_shot "XMAS (FIN+PSH+URG)" bad_flags $P_XMAS FPU 1000 0
one_shot "SYN+FIN" bad_flags $P_SYNFIN SF 1000 0

# in_conn CASE REASON PORT STATES: a real connection held open by tcp_server.py; craft.py
# injects into it and waits for the release file before proving the connection still works.
bg_start "$NS_S" "$TMP/server.log" "$PY" "$NETNS_DIR/tcp_server.py" hold $P_DATA $P_RST $P_RSTFIN
wait_listen "$NS_S" $P_RSTFIN
in_conn() {
	local c=$1 reason=$2 port=$3 states=$4 sport=$((40000 + $3)) pid st
	info "$c on a real connection -> expect $reason"
	reasons_snapshot
	bg_start "$NS_C" "$TMP/$c.out" "$PY" "$NETNS_DIR/craft.py" conn c0 "$FW_MAC" \
		"$C4" "$S4" $sport "$port" "$c" "$TMP/release-$c"
	pid=$BG_PID
	if ! wait_for 20 file_has "$TMP/$c.out" "^$c injected"; then
		fail "$c: no injection: $(tr '\n' ' ' <"$TMP/$c.out")"
		return
	fi
	craft_send_barrier 4
	expect_eq "$c: reasons.$reason rose by" "$(reason_delta "$reason")" 1
	expect_eq "$c: arrivals at the server" "$(arrivals v4 "$port")" 0
	st=$(flow_state "$C4" $sport "$S4" "$port")
	if [[ " $states " == *" $st "* ]]; then
		pass "$c: flow still tracked as $st"
	else
		fail "$c: flow state '$st', expected one of: $states"
	fi
	touch "$TMP/release-$c"
	wait "$pid"
	check "$c: the connection itself is unharmed ($(grep survived "$TMP/$c.out"))" \
		grep -q "survived=\(yes\|n/a\)" "$TMP/$c.out"
}

in_conn data_over_window seq_over_window $P_DATA ESTABLISHED
in_conn rst_established rst_out_of_window $P_RST ESTABLISHED
in_conn rst_after_fin rst_out_of_window $P_RSTFIN "FIN_WAIT CLOSE_WAIT"

# every crafted segment, and nothing else, was dropped: 5 cases x 2 families + 3
tcpfwd_stats >"$TMP/end" || die "no stats from tcpfwd"
drops=$(stats_delta "$TMP/start" "$TMP/end" verdicts.drop)
expect_eq "segments dropped by tcpfwd in all" "$drops" 13
check "tcpfwd still running" tcpfwd_alive

[ $RET = 0 ] || dump_debug
exit $RET
