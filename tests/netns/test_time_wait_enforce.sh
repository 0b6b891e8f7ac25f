#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# TIME_WAIT under policy "enforce", IPv4 and IPv6. After a clean close (client first, so the
# flow reaches TIME_WAIT in tcpfwd):
#   - a RST into TIME_WAIT is dropped and never reaches the server (RFC 1337, time_wait_rst);
#   - a SYN reusing the 4-tuple with a LOWER sequence number does not reopen the flow
#     (RFC 6191); the client holds TIME-WAIT, so its old SYN is a duplicate and is dropped
#     (time_wait_dup_syn, never reaches the server; the flow stays TIME_WAIT);
#   - a SYN with a HIGHER sequence number reopens it (SYN_SENT, destroyed.reopen).
# The crafted SYNs carry no timestamp option, so RFC 6191 falls back to sequence numbers.

. "$(dirname "$0")/lib.sh"

PORT=5201
SPORT4=41204 SPORT6=41206

netns_require
require_scapy
netns_setup bypass
write_conf "$TMP/tcpfwd.conf" policy=enforce duration=120
tcpfwd_start
# crafted (marked) segments are counted and dropped at the server: it never answers them
server_counter_setup $BARRIER_PORT $PORT
bg_start "$NS_S" "$TMP/server.log" "$PY" "$NETNS_DIR/tcp_server.py" eof $PORT
wait_listen "$NS_S" $PORT
# The client kernel answers unexpected segments on the 4-tuple with RSTs; keep them out.
# craft.py sends below the netfilter hooks, so this does not touch the crafted RSTs.
nsx "$NS_C" nft -f - <<-EOF || die "client RST filter"
	table inet quiet {
		chain output {
			type filter hook output priority filter; policy accept;
			tcp sport { $SPORT4, $SPORT6 } tcp flags rst counter drop
		}
	}
EOF

delta_now() { # KEY: from $TMP/s.before to fresh stats
	tcpfwd_stats >"$TMP/s.after" || die "no stats from tcpfwd"
	stats_delta "$TMP/s.before" "$TMP/s.after" "$1"
}

for fam in 4 6; do
	sport=$SPORT4
	[ $fam = 4 ] || sport=$SPORT6
	cli=$(client_addr $fam) srv=$(server_addr $fam)
	tuple="$cli $sport $srv $PORT"
	info "IPv$fam: clean close of $cli:$sport -> $srv:$PORT, client first"
	nsx "$NS_C" "$PY" "$NETNS_DIR/craft.py" conn c0 "$FW_MAC" "$cli" "$srv" $sport $PORT close \
		"$TMP/unused" >"$TMP/close$fam.out" 2>&1
	cli_nxt=$(sed -n 's/.*cli_nxt=\([0-9]*\).*/\1/p' "$TMP/close$fam.out")
	if ! grep -q "^close ok=yes" "$TMP/close$fam.out" || [ -z "$cli_nxt" ]; then
		fail "IPv$fam: clean close did not complete: $(tr '\n' ' ' <"$TMP/close$fam.out")"
		continue
	fi
	if wait_for 5 flow_state_is TIME_WAIT $tuple; then
		pass "IPv$fam: flow in TIME_WAIT after the clean close"
	else
		fail "IPv$fam: flow state '$(flow_state $tuple)' after the clean close, expected TIME_WAIT"
		continue
	fi

	info "IPv$fam: RST into TIME_WAIT (seq $cli_nxt, exactly the next sequence number)"
	tcpfwd_stats >"$TMP/s.before" || die "no stats from tcpfwd"
	a0=$(arrivals v$fam $PORT)
	craft_send_barrier $fam "$(addrs $fam),sport=$sport,dport=$PORT,flags=R,seq=$cli_nxt"
	expect_eq "IPv$fam: reasons.time_wait_rst rose by" "$(delta_now reasons.time_wait_rst)" 1
	expect_eq "IPv$fam: RST arrivals at the server" $(($(arrivals v$fam $PORT) - a0)) 0
	expect_eq "IPv$fam: flow state after the RST" "$(flow_state $tuple)" TIME_WAIT

	old=$(((cli_nxt - 100000) & 0xffffffff))
	info "IPv$fam: SYN reusing the tuple with an older sequence number ($old)"
	tcpfwd_stats >"$TMP/s.before" || die "no stats from tcpfwd"
	a0=$(arrivals v$fam $PORT)
	craft_send_barrier $fam "$(addrs $fam),sport=$sport,dport=$PORT,flags=S,seq=$old,win=64240"
	expect_eq "IPv$fam: reasons.time_wait_dup_syn rose by" "$(delta_now reasons.time_wait_dup_syn)" 1
	expect_eq "IPv$fam: destroyed.reopen rose by" "$(delta_now destroyed.reopen)" 0
	expect_eq "IPv$fam: flow state after the old SYN" "$(flow_state $tuple)" TIME_WAIT
	expect_eq "IPv$fam: old SYN arrivals at the server" $(($(arrivals v$fam $PORT) - a0)) 0

	new=$(((cli_nxt + 100000) & 0xffffffff))
	info "IPv$fam: SYN reusing the tuple with a newer sequence number ($new)"
	tcpfwd_stats >"$TMP/s.before" || die "no stats from tcpfwd"
	a0=$(arrivals v$fam $PORT)
	craft_send_barrier $fam "$(addrs $fam),sport=$sport,dport=$PORT,flags=S,seq=$new,win=64240"
	expect_eq "IPv$fam: destroyed.reopen rose by" "$(delta_now destroyed.reopen)" 1
	expect_eq "IPv$fam: flow state after the new SYN" "$(flow_state $tuple)" SYN_SENT
	expect_eq "IPv$fam: new SYN arrivals at the server" $(($(arrivals v$fam $PORT) - a0)) 1
done

check "tcpfwd still running" tcpfwd_alive
[ $RET = 0 ] || dump_debug
exit $RET
