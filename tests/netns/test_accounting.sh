#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Per-flow accounting (table.accounting) against what really crossed the firewall. The oracle
# is an nft counter per direction in the fw namespace's forward hook, ahead of the queue: it
# counts every packet of the connection and its skb->len, the numbers conntrack's acct keeps.
# With no drop, tcpfwd's counters must equal them exactly.
#   - off (the default): get -j has no "counters", -o extended no packets=, get no PACKETS;
#   - set-param table.accounting true: the live flow counts from zero, and after 20 more
#     round trips of 1000 bytes each way it holds exactly what passed since the switch,
#     shown the same by get -j, get -o extended (conntrack's two tuples) and get;
#   - a reload that keeps it on keeps the counts;
#   - an IPv6 connection made while it is on: handshake, 20 round trips and the close, all
#     counted (TIME_WAIT flow = nft counters);
#   - a reload that turns it off removes the counters.

. "$(dirname "$0")/lib.sh"

P4=5301 P6=5302
SIZE=1000 ROUNDS=20

netns_require nft
netns_setup bypass
conf=$TMP/tcpfwd.conf
write_conf "$conf" level=info
tcpfwd_start_ctl "$conf"

# the oracle: forward-hook counters ahead of the queue rule (priority filter = 0)
nsx "$NS_F" nft -f - <<-EOF || die "nft counters"
	table inet acct_probe {
		chain forward {
			type filter hook forward priority -10; policy accept;
			tcp dport $P4 counter comment "orig-$P4"
			tcp sport $P4 counter comment "reply-$P4"
			tcp dport $P6 counter comment "orig-$P6"
			tcp sport $P6 counter comment "reply-$P6"
		}
	}
EOF

# nft_counts PORT: "ORIG_PACKETS ORIG_BYTES REPLY_PACKETS REPLY_BYTES" of the oracle
nft_counts() {
	nsx "$NS_F" nft list chain inet acct_probe forward | awk -v p="$1" '
		function get(k) { for (i = 1; i < NF; i++) if ($i == k) return $(i + 1) }
		$0 ~ "\"orig-" p "\"" { op = get("packets"); ob = get("bytes") }
		$0 ~ "\"reply-" p "\"" { rp = get("packets"); rb = get("bytes") }
		END { print op + 0, ob + 0, rp + 0, rb + 0 }'
}

# nft_quiet PORT: the oracle does not move for 300 ms (the last delayed ACK has passed)
nft_quiet() {
	local a
	a=$(nft_counts "$1")
	sleep 0.3
	[ "$a" = "$(nft_counts "$1")" ]
}

# minus "A B C D" "E F G H": the difference, field by field
minus() {
	local -a a b
	read -ra a <<<"$1"
	read -ra b <<<"$2"
	echo $((a[0] - b[0])) $((a[1] - b[1])) $((a[2] - b[2])) $((a[3] - b[3]))
}

# acct SRC SPORT DST DPORT: the flow's counters as tcpfwctl get -j shows them, in the order of
# nft_counts, "none" without "counters", or "error"
acct() {
	ctl -j get "$@" >"$TMP/get.json" 2>"$TMP/get.err" || { echo error; return; }
	"$PY" -c '
import json, sys
c = json.load(open(sys.argv[1])).get("counters")
if c is None:
    print("none")
else:
    o, r = c["original"], c["reply"]
    print(o["packets"], o["bytes"], r["packets"], r["bytes"])' "$TMP/get.json" || echo error
}

acct_is() { # WANT SRC SPORT DST DPORT
	local want=$1
	shift
	[ "$(acct "$@")" = "$want" ]
}

go() { touch "$TMP/go-$1.$2"; }

client_start() { # FAMILY PORT PHASES
	local host
	host=$(server_addr "$1")
	bg_start "$NS_C" "$TMP/client-$2.err" "$PY" "$NETNS_DIR/acct_client.py" "$host" "$2" $SIZE \
		$ROUNDS "$3" "$TMP/client-$2.log" "$TMP/go-$2"
}

phase_done() { # PORT PHASE
	file_has "$TMP/client-$1.log" "^phase $2\$"
}

client_port_of() { sed -n 's/^port //p' "$TMP/client-$1.log"; }

bg_start "$NS_S" "$TMP/echo.log" "$PY" "$NETNS_DIR/tcp_server.py" echo $P4 $P6
wait_listen "$NS_S" $P6

# ---- off ----
client_start 4 $P4 3
wait_for 20 phase_done $P4 1 || die "the IPv4 client did not finish its first phase: $(cat "$TMP/client-$P4.log")"
cp4=$(client_port_of $P4)
tuple4=("$C4" "$cp4" "$S4" "$P4")
expect_eq "accounting off: get -j has no counters" "$(acct "${tuple4[@]}")" none
ctl -o extended get "${tuple4[@]}" >"$TMP/ext-off.txt" 2>&1
check "accounting off: -o extended has the flow" grep -q "sport=$cp4 dport=$P4" "$TMP/ext-off.txt"
check "accounting off: -o extended has no packets=" eval "! grep -q packets= $TMP/ext-off.txt"
ctl get "${tuple4[@]}" >"$TMP/get-off.txt" 2>&1
check "accounting off: get has no PACKETS column" eval "! grep -q PACKETS $TMP/get-off.txt"

# ---- switched on at run time: the live flow counts from zero ----
wait_for 5 nft_quiet $P4 || die "the IPv4 connection does not go quiet"
ctl set-param table.accounting true || die "set-param table.accounting true failed"
base=$(nft_counts $P4)
expect_eq "switched on: the live flow starts at zero" "$(acct "${tuple4[@]}")" "0 0 0 0"
go $P4 1
wait_for 20 phase_done $P4 2 || die "the IPv4 client did not finish its second phase"
wait_for 5 nft_quiet $P4
want=$(minus "$(nft_counts $P4)" "$base")
info "IPv4, since the switch: nft $want, tcpfwd $(acct "${tuple4[@]}")"
if wait_for 5 acct_is "$want" "${tuple4[@]}"; then
	pass "IPv4 counts since the switch equal the forward hook's ($want)"
else
	fail "IPv4 counts: tcpfwd $(acct "${tuple4[@]}"), nft $want"
fi
read -r op ob rp rb <<<"$want"
expect_ge "IPv4: a packet a message each way at least" "$op" $ROUNDS
expect_ge "IPv4: original bytes hold the payload and 40-byte headers" "$ob" \
	$((ROUNDS * SIZE + op * 40))
expect_ge "IPv4: reply bytes hold the echoed payload and headers" "$rb" $((ROUNDS * SIZE + rp * 40))

ctl -o extended get "${tuple4[@]}" >"$TMP/ext-on.txt" 2>&1
check "-o extended: original tuple, then its counters" grep -q \
	"src=$C4 dst=$S4 sport=$cp4 dport=$P4 packets=$op bytes=$ob src=" "$TMP/ext-on.txt"
check "-o extended: reply tuple, then its counters" grep -q \
	"src=$S4 dst=$C4 sport=$P4 dport=$cp4 packets=$rp bytes=$rb" "$TMP/ext-on.txt"
ctl get "${tuple4[@]}" >"$TMP/get-on.txt" 2>&1
check "get: PACKETS and BYTES columns" grep -q "TIMEOUT PACKETS *BYTES FLAGS" "$TMP/get-on.txt"
check "get: original/reply counts" grep -Eq " $op/$rp +$ob/$rb " "$TMP/get-on.txt"

# ---- a reload that keeps it on keeps the counts ----
write_conf "$conf" level=info accounting=true
ctl reload || fail "reload with accounting = true failed"
expect_eq "reload keeping accounting on keeps the counts" "$(acct "${tuple4[@]}")" "$want"

# ---- IPv6, counted from its SYN to its close ----
client_start 6 $P6 1
wait_for 20 phase_done $P6 1 || die "the IPv6 client did not finish: $(cat "$TMP/client-$P6.log")"
cp6=$(client_port_of $P6)
tuple6=("$C6" "$cp6" "$S6" "$P6")
go $P6 1
wait_for 10 file_has "$TMP/client-$P6.log" '^closed$' || fail "the IPv6 client did not close"
wait_for 5 flow_state_is TIME_WAIT "${tuple6[@]}" || fail "the IPv6 flow is not in TIME_WAIT"
wait_for 5 nft_quiet $P6
want6=$(nft_counts $P6)
if wait_for 5 acct_is "$want6" "${tuple6[@]}"; then
	pass "IPv6 counts from SYN to close equal the forward hook's ($want6)"
else
	fail "IPv6 counts: tcpfwd $(acct "${tuple6[@]}"), nft $want6"
fi
read -r op6 ob6 _ <<<"$want6"
expect_ge "IPv6: original bytes hold the payload and 60-byte headers" "$ob6" \
	$((ROUNDS * SIZE + op6 * 60))

tcpfwd_stats >"$TMP/stats.json" || fail "stats"
expect_no_drop "no segment of these connections was dropped" "$TMP/stats.json"

# ---- a reload that turns it off ----
write_conf "$conf" level=info
ctl reload || fail "reload with accounting = false failed"
expect_eq "reload turning accounting off: no counters" "$(acct "${tuple4[@]}")" none
go $P4 2
go $P4 3
wait_for 10 file_has "$TMP/client-$P4.log" '^closed$' || fail "the IPv4 client did not close"

exit $RET
