#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tcpfwctl trace and capture: every verdict with the numbers behind it.
#   - trace: on a real connection, craft.py injects 100 bytes 512 MiB past the client's next
#     sequence number. `trace --drops --reason seq_over_window -j` shows that segment dropped
#     (and a tracer of other reasons shows nothing) as seq_over_window, with
#     its own seq and the tracker's numbers that condemned it: the sender's end is the
#     client's next sequence number, the receiver's end the server's, and seq lies past
#     seq_max. A plain `trace` of the same flow shows its handshake, accepted, state by state.
#   - capture: `capture -w FILE` holds that drop and nothing else; tshark reads the file and
#     shows the reason in the packet comment, the injected seq in the TCP header and the copy
#     range as the snap length; tcpdump reads it too. `capture --all` holds the handshake.
#   - bounds: a tracer that does not read its stdout while 10 MB pass loses trace lines,
#     told to it as {"lost":N}, while the transfer runs on and tcpfwd loses no packet.

. "$(dirname "$0")/lib.sh"

P_DATA=5110 P_BULK=5120

netns_require
require_scapy
require_tools tshark capinfos tcpdump
netns_setup bypass
write_conf "$TMP/tcpfwd.conf" level=info
tcpfwd_start_ctl "$TMP/tcpfwd.conf"
bg_start "$NS_S" "$TMP/server.log" "$PY" "$NETNS_DIR/tcp_server.py" hold $P_DATA
wait_listen "$NS_S" $P_DATA

tracers_ready() { # N: tcpfwd logged N tracers starting
	[ "$(grep -c ' \(tracing\|capturing\) packets' "$TMP/tcpfwd.log")" -ge "$1" ]
}

# ---- four observers of one connection, then the injection ----

ctl trace --drops --reason seq_over_window -j -c 1 --duration 30 --dport $P_DATA \
	>"$TMP/drop.json" 2>"$TMP/drop.err" &
t_drop=$!
ctl trace --reason new_not_syn,BAD_FLAGS -j --duration 30 --dport $P_DATA >"$TMP/other.json" \
	2>"$TMP/other.err" &
t_other=$!
ctl trace --duration 30 --dport $P_DATA >"$TMP/all.txt" 2>"$TMP/all.err" &
t_all=$!
ctl capture -w "$TMP/drops.pcapng" -c 1 --duration 30 --dport $P_DATA 2>"$TMP/cap.err" &
t_cap=$!
ctl capture --all -w "$TMP/all.pcapng" -c 3 --duration 30 --dport $P_DATA 2>"$TMP/capall.err" &
t_capall=$!
wait_for 10 tracers_ready 5 || die "the tracers did not start: $(cat "$TMP"/*.err)"

sport=$((40000 + P_DATA))
bg_start "$NS_C" "$TMP/inject.out" "$PY" "$NETNS_DIR/craft.py" conn c0 "$FW_MAC" \
	"$C4" "$S4" $sport $P_DATA data_over_window "$TMP/release"
inject=$BG_PID
wait_for 20 file_has "$TMP/inject.out" "injected" ||
	die "no injection: $(tr '\n' ' ' <"$TMP/inject.out")"
line=$(grep injected "$TMP/inject.out")
info "craft.py: $line"
bad_seq=$(sed -nE 's/.* seq=([0-9]+).*/\1/p' <<<"$line")
cli_nxt=$(sed -nE 's/.* cli_nxt=([0-9]+).*/\1/p' <<<"$line")
srv_nxt=$(sed -nE 's/.* srv_nxt=([0-9]+).*/\1/p' <<<"$line")

wait "$t_drop"
expect_eq "trace --drops -c 1: exit status" "$?" 0
wait "$t_cap"
expect_eq "capture -c 1: exit status" "$?" 0
wait "$t_capall"
expect_eq "capture --all -c 3: exit status" "$?" 0
touch "$TMP/release"
wait "$inject"
stop_pid "$t_other" INT
expect_eq "trace --reason new_not_syn,BAD_FLAGS saw none of the connection's packets" \
	"$(wc -l <"$TMP/other.json")" 0

# ---- trace: the numbers ----

trv() { # KEY: a member of the one trace in drop.json (dotted path)
	$CTL_JSON value "$TMP/drop.json" "$1"
}
expect_eq "traced drops" "$(wc -l <"$TMP/drop.json")" 1
expect_eq "verdict" "$(trv verdict)" drop
expect_eq "reason" "$(trv reason)" seq_over_window
expect_eq "seq is the crafted one" "$(trv seq)" "$bad_seq"
expect_eq "len" "$(trv len)" 100
expect_eq "sent by the initiator" "$(trv dir)" original
expect_eq "state before and after" "$(trv old_state) $(trv state)" "ESTABLISHED ESTABLISHED"
expect_eq "sender end = the client's next seq" "$(trv window.sender.end)" "$cli_nxt"
expect_eq "receiver end = the server's next seq" "$(trv window.receiver.end)" "$srv_nxt"
expect_eq "ack_max = the server's end" "$(trv window.ack_max)" "$srv_nxt"
expect_eq "seq_max = the sender's maxend" "$(trv window.seq_max)" "$(trv window.sender.maxend)"
past=$(( (bad_seq - $(trv window.seq_max)) & 0xffffffff ))
check "seq lies past seq_max ($past bytes, under 2^31)" test "$past" -gt 0 -a "$past" -lt $((1 << 31))
check "the text trace shows the handshake, accepted: NONE>SYN_SENT" \
	grep -q "\[S\] seq .*: accept ok NONE>SYN_SENT" "$TMP/all.txt"
check "... SYN_SENT>SYN_RECV, the reply side learning" \
	grep -q "\[S\.\] .*: accept ok SYN_SENT>SYN_RECV reply first-of-side receiver end=" "$TMP/all.txt"
check "... and the drop with its bounds" \
	grep -q "seq $bad_seq .*: drop seq_over_window ESTABLISHED original seq_min=" "$TMP/all.txt"

# ---- capture: what tshark and tcpdump read ----

fields() { # FILE FIELD...
	local f=$1 args=()
	shift
	for x in "$@"; do args+=(-e "$x"); done
	tshark -r "$f" -T fields -E separator=' ' "${args[@]}" 2>/dev/null
}
expect_eq "drops.pcapng: packets" "$(fields "$TMP/drops.pcapng" frame.number | wc -l)" 1
expect_eq "tshark: the seq of the drop" "$(fields "$TMP/drops.pcapng" tcp.seq_raw)" "$bad_seq"
comment=$(fields "$TMP/drops.pcapng" frame.comment)
[[ $comment == "tcpfw: drop seq_over_window ESTABLISHED original"* ]] &&
	pass "tshark shows the reason: ${comment:0:60}..." || fail "frame.comment: '$comment'"
read -r caplen len < <(fields "$TMP/drops.pcapng" frame.cap_len frame.len)
expect_eq "captured bytes = the copy range" "$caplen" 128
expect_eq "the packet's length = the trace's pktlen" "$len" "$(trv pktlen)"
expect_eq "capinfos: snap length = the copy range" \
	"$(capinfos -l "$TMP/drops.pcapng" 2>/dev/null | sed -nE 's/.*(limit|length)[^0-9]*([0-9]+).*/\2/p')" 128
tcpdump -nr "$TMP/drops.pcapng" >"$TMP/tcpdump.out" 2>&1
check "tcpdump reads it: $(head -n 1 "$TMP/tcpdump.out")" grep -q "seq $bad_seq" "$TMP/tcpdump.out"
expect_eq "capture --all: the handshake, accepted" \
	"$(fields "$TMP/all.pcapng" tcp.flags.str frame.comment | awk '{ print $3, $4 }' | tr '\n' ' ')" \
	"accept ok accept ok accept ok "
grep -q "1 packets captured" "$TMP/cap.err" && pass "capture said: $(cat "$TMP/cap.err")" ||
	fail "capture's summary: $(cat "$TMP/cap.err")"

# ---- a tracer that does not read loses traces, the transfer loses nothing ----

stop_pid "$t_all" INT
tcpfwd_stats >"$TMP/s.before" || die "no stats"
bg_start "$NS_S" "$TMP/source.log" "$PY" "$NETNS_DIR/traffic.py" source $P_BULK 20000000
wait_listen "$NS_S" $P_BULK
mkfifo "$TMP/slow.fifo"
ctl trace -j --duration 8 --dport $P_BULK >"$TMP/slow.fifo" 2>"$TMP/slow.err" &
t_slow=$!
exec 7<"$TMP/slow.fifo" # open, and not read until the transfer has run
wait_for 10 tracers_ready 6 || die "the slow tracer did not start"
bg_start "$NS_C" "$TMP/sink.err" "$PY" "$NETNS_DIR/traffic.py" sink "$S4" $P_BULK "$TMP/sink.log"
sleep 6
got=$(awk '$1 == "bytes" { b = $2 } END { print b + 0 }' "$TMP/sink.log")
check "10 MB crossed while the tracer slept ($got bytes)" test "$got" -ge 10000000
timeout 20 cat <&7 >"$TMP/slow.json" &
reader=$!
exec 7<&-
wait "$t_slow"
expect_eq "slow tracer: exit status" "$?" 0
wait "$reader"
lost=$(grep -o '"lost":[0-9]*' "$TMP/slow.json" | cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }')
check "the slow tracer was told it lost $lost traces" test "$lost" -gt 0
tcpfwd_stats >"$TMP/s.after" || die "no stats"
expect_eq "packets lost by tcpfwd meanwhile" "$(stats_delta "$TMP/s.before" "$TMP/s.after" lost)" 0
expect_eq "drops meanwhile" "$(stats_delta "$TMP/s.before" "$TMP/s.after" verdicts.drop)" 0
check "tcpfwd still running" tcpfwd_alive

[ $RET = 0 ] || dump_debug
exit $RET
