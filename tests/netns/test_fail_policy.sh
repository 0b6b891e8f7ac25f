#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What passes while tcpfwd is not running, pickup off (tcp.pickup = false):
#   a. fail-open: queue.fail_open = true and the NFQUEUE rule WITH bypass. tcpfwd is killed
#      (SIGKILL) during a paced IPv4 download: nobody is bound to the queue, the crash
#      saved no flows.snapshot, the download keeps flowing and completes byte-identical while
#      the daemon is down, and new IPv4 and IPv6 connections succeed. tcpfwd then starts again
#      over its crash leftovers (a stale control socket) and tracks new connections.
#   b. fail-closed: queue.fail_open = false and the rule WITHOUT bypass. With tcpfwd stopped
#      (SIGTERM: it saves its flows) new IPv4 and IPv6 connections time out and two held
#      connections (IPv4, IPv6 echo round trips every 100 ms) get no echo; started again,
#      tcpfwd restores their flows (ESTABLISHED), new connections work, the held connections
#      resume without error and nothing is dropped.
#   c. fail-open across a clean restart (the shipped defaults: fail_open = true, bypass, and
#      `systemctl restart` sends SIGTERM): an IPv4 held connection keeps its echoes going while
#      tcpfwd is down (bypass), and must go on after the restart, whose restored flow missed
#      what passed meanwhile: restored flows re-learn their windows from the next segment each
#      way (tcp_track_forget_windows), so nothing is dropped.
# The server paces the download (traffic.py http: 2 MiB/s, small send buffer, no catch-up
# after a stall) and curl reads at full speed, so the size of curl's output file is what has
# crossed the firewall. (curl --limit-rate cannot pace this: curl 7.88 reads ~10 MB in a burst,
# then sleeps for seconds to keep its average.) The held connections are traffic.py echo
# clients of tcp_server.py echo. Counters and flows come from `tcpfwctl -j stats` / `-j list` /
# `-j status`, read with ctl_json.py (lib.sh).

. "$(dirname "$0")/lib.sh"

PORT=8080
ECHO_PORT=9000
MB=12
RATE=$((2 * 1024 * 1024)) # bytes/s: about 6 s
STOP_AT=$((1024 * 1024))  # bytes the download has when tcpfwd is killed

SNAP=$TMP/flows.snapshot

netns_require curl
netns_setup bypass

# ---- daemon ----

conf=$TMP/fail.conf
write_fw_conf() { # true|false: fail_open, pickup off
	write_conf "$conf" fail_open="$1" max_flows=4096 pickup=false level=info log_invalid=true \
		rate_limit=0
}
unbound() { ! queue_bound 0; }

# new_conn FAM [MAXTIME]: HTTP status of a fresh request (000 when it failed), then curl's exit
# status
new_conn() {
	local code rc
	code=$(nsx "$NS_C" curl -s -"$1" --max-time "${2:-10}" -o /dev/null -w '%{http_code}' \
		"http://$(url_host "$1"):$PORT/small.txt")
	rc=$?
	echo "${code:-000} $rc"
}

paced_http_start $PORT $MB $RATE
TOTAL=$BLOB_BYTES
# the held connections (b, c): each waits up to 30 s for an echo, so an outage shows as a pause
ECHO_CLIENT=("$PY" "$NETNS_DIR/traffic.py" echo)
bg_start "$NS_S" "$TMP/echo-server.log" "$PY" "$NETNS_DIR/tcp_server.py" echo $ECHO_PORT
wait_listen "$NS_S" $ECHO_PORT

# ================= a. fail-open: SIGKILL, bypass =================
info "a. fail-open: $MB MiB download at $((RATE >> 20)) MiB/s, SIGKILL tcpfwd midway"
check "a: the queue rule has bypass" queue_rule_bypass
write_fw_conf true
tcpfwd_start_ctl "$conf"
expect_eq "a: tcpfwctl status fail_open" "$(status_val fail_open)" true

download_start 4 $PORT "$TMP/a.out" 40
dl=$DL_PID
wait_for 10 size_above $STOP_AT "$TMP/a.out" || die "a: download did not start"
lp=$(client_port $PORT 4) || die "a: cannot find the download's connection"
tup="$C4 $lp $S4 $PORT"
# the download goes through tcpfwd before the crash (bypass would hide a daemon that is not there)
expect_eq "a: download's flow in tcpfwd before the kill" "$(flow_state $tup)" ESTABLISHED
tcpfwd_stats >"$TMP/a.before" || die "a: no stats from tcpfwd"
expect_eq "a: drops before the kill" "$(stats_val "$TMP/a.before" verdicts.drop)" 0

pid=$TCPFWD_PID
kill -KILL "$pid"
{ wait "$pid"; } 2>/dev/null # no "Killed" line from bash
rc=$?
TCPFWD_PID=""
expect_eq "a: tcpfwd exit status after SIGKILL (128 + 9)" "$rc" 137
check "a: nobody bound to queue 0 after the kill" wait_for 5 unbound
if [ -e "$SNAP" ]; then fail "a: a crash left $SNAP"; else pass "a: the crash saved no flows.snapshot"; fi
s0=$(fsize "$TMP/a.out")
if alive $dl && [ "$s0" -lt $((TOTAL - 2 * RATE)) ]; then
	pass "a: download midway at the kill ($s0 of $TOTAL bytes)"
else
	fail "a: download not midway at the kill ($s0 of $TOTAL bytes): the case proves nothing"
fi
# a second's worth arrives: segments cross the fw with no daemon
if wait_for 5 size_above $((s0 + RATE)) "$TMP/a.out"; then
	pass "a: bytes keep arriving while tcpfwd is down ($s0 -> $(fsize "$TMP/a.out"))"
else
	fail "a: download stalled with tcpfwd down and bypass: $s0 -> $(fsize "$TMP/a.out") bytes"
fi
for fam in 4 6; do
	read -r code crc <<<"$(new_conn $fam)"
	expect_eq "a: new IPv$fam connection while tcpfwd is down (HTTP status)" "$code" 200
done
download_done "a: download" "$dl" "$TMP/a.out" "$BLOB_SHA256"
check "a: still nobody bound to queue 0 when the download completed" unbound

info "a: tcpfwd started again after the crash (stale control socket left: $([ -S "$CTL_SOCK" ] && echo yes || echo no))"
tcpfwd_start_ctl "$conf"
if tcpfwd_new_log | grep -Eq 'state: restored [1-9]'; then
	fail "a: flows restored after a crash: $(tcpfwd_new_log | grep -m1 restored)"
else
	pass "a: nothing restored after the crash"
fi
read -r code crc <<<"$(new_conn 4)"
expect_eq "a: new connection through the restarted tcpfwd (HTTP status)" "$code" 200
tcpfwd_stats >"$TMP/a.after" || die "a: no stats from tcpfwd"
expect_ge "a: flows created by the restarted tcpfwd" "$(stats_val "$TMP/a.after" created)" 1
expect_eq "a: drops by the restarted tcpfwd" "$(stats_val "$TMP/a.after" verdicts.drop)" 0

# ================= b. fail-closed: SIGTERM, no bypass =================
info "b. fail-closed: held connections and new ones across a stop and a start"
tcpfwd_term "b (switching to fail-closed)"
rm -f "$SNAP" # begin b with an empty table
queue_rule nobypass
if queue_rule_bypass; then fail "b: the queue rule still has bypass"; else pass "b: the queue rule has no bypass"; fi
write_fw_conf false
tcpfwd_start_ctl "$conf"
expect_eq "b: tcpfwctl status fail_open" "$(status_val fail_open)" false

bg_start "$NS_C" "$TMP/echo4.err" "${ECHO_CLIENT[@]}" "$S4" $ECHO_PORT "$TMP/echo4.log" 30
ec4=$BG_PID
bg_start "$NS_C" "$TMP/echo6.err" "${ECHO_CLIENT[@]}" "$S6" $ECHO_PORT "$TMP/echo6.log" 30
ec6=$BG_PID
wait_for 10 echoes_ge "$TMP/echo4.log" 5 || die "b: IPv4 echo client: $(tail -n 1 "$TMP/echo4.log" 2>/dev/null)"
wait_for 10 echoes_ge "$TMP/echo6.log" 5 || die "b: IPv6 echo client: $(tail -n 1 "$TMP/echo6.log" 2>/dev/null)"
p4=$(sed -n 's/^port //p' "$TMP/echo4.log")
p6=$(sed -n 's/^port //p' "$TMP/echo6.log")
e4="$C4 $p4 $S4 $ECHO_PORT"
e6="$C6 $p6 $S6 $ECHO_PORT"
expect_eq "b: IPv4 held connection's flow before the stop" "$(flow_state $e4)" ESTABLISHED
expect_eq "b: IPv6 held connection's flow before the stop" "$(flow_state $e6)" ESTABLISHED

tcpfwd_term "b"
check "b: flows.snapshot saved at the stop" test -s "$SNAP"
check "b: nobody bound to queue 0 after the stop" wait_for 5 unbound
n4=$(echoes "$TMP/echo4.log") n6=$(echoes "$TMP/echo6.log")
t0=$(now_ms)
# both families at once; each waits up to 2 s
new_conn 4 2 >"$TMP/down4" &
w4=$!
new_conn 6 2 >"$TMP/down6" &
w6=$!
wait $w4 $w6
for fam in 4 6; do
	read -r code crc <"$TMP/down$fam"
	if [ "$code" != 200 ] && [ "$crc" != 0 ]; then
		pass "b: new IPv$fam connection blocked while tcpfwd is down (curl exit $crc, status $code)"
	else
		fail "b: new IPv$fam connection while tcpfwd is down: curl exit $crc, status $code"
	fi
done
m4=$(echoes "$TMP/echo4.log") m6=$(echoes "$TMP/echo6.log")
down_ms=$(($(now_ms) - t0))
# at most one round trip, in flight across the stop
for fam in 4 6; do
	if [ $fam = 4 ]; then grew=$((m4 - n4)); else grew=$((m6 - n6)); fi
	if [ "$grew" -le 1 ]; then
		pass "b: IPv$fam held connection paused while tcpfwd is down ($grew echoes in $down_ms ms)"
	else
		fail "b: IPv$fam held connection got $grew echoes in $down_ms ms with tcpfwd down and no bypass"
	fi
done
check "b: still nobody bound to queue 0" unbound

tcpfwd_start_ctl "$conf"
restored=$(tcpfwd_restored)
expect_ge "b: 'restored N flows' logged at start" "${restored:-none}" 2
expect_eq "b: IPv4 held connection's flow after the restart" "$(flow_state $e4)" ESTABLISHED
expect_eq "b: IPv6 held connection's flow after the restart" "$(flow_state $e6)" ESTABLISHED
for fam in 4 6; do
	read -r code crc <<<"$(new_conn $fam)"
	expect_eq "b: new IPv$fam connection after the restart (HTTP status)" "$code" 200
done
t0=$(now_ms)
if wait_for 15 echoes_ge "$TMP/echo4.log" $((m4 + 5)); then
	pass "b: IPv4 held connection resumed ($(($(now_ms) - t0)) ms after the new connections)"
else
	fail "b: IPv4 held connection: $(($(echoes "$TMP/echo4.log") - m4)) echoes in 15 s after the restart; $(tail -n 1 "$TMP/echo4.log")"
fi
if wait_for 15 echoes_ge "$TMP/echo6.log" $((m6 + 5)); then
	pass "b: IPv6 held connection resumed"
else
	fail "b: IPv6 held connection: $(($(echoes "$TMP/echo6.log") - m6)) echoes in 15 s after the restart; $(tail -n 1 "$TMP/echo6.log")"
fi
for fam in 4 6; do
	if grep -q '^error' "$TMP/echo$fam.log"; then
		fail "b: IPv$fam echo client: $(grep -m1 '^error' "$TMP/echo$fam.log")"
	fi
done
check "b: IPv4 echo client still running" alive $ec4
check "b: IPv6 echo client still running" alive $ec6
expect_eq "b: IPv4 held connection's flow at the end" "$(flow_state $e4)" ESTABLISHED
tcpfwd_stats >"$TMP/b.after" || die "b: no stats from tcpfwd"
expect_no_drop "b: drops by the restarted tcpfwd" "$TMP/b.after"
stop_pid $ec4
stop_pid $ec6

# ================= c. fail-open across a clean restart =================
info "c. fail-open: a held connection across SIGTERM and a restart, bypass while down"
tcpfwd_term "c (switching to fail-open)"
rm -f "$SNAP" # begin c with an empty table
queue_rule bypass
check "c: the queue rule has bypass" queue_rule_bypass
write_fw_conf true
tcpfwd_start_ctl "$conf"
bg_start "$NS_C" "$TMP/echoc.err" "${ECHO_CLIENT[@]}" "$S4" $ECHO_PORT "$TMP/echoc.log" 30
ecc=$BG_PID
wait_for 10 echoes_ge "$TMP/echoc.log" 5 || die "c: echo client: $(tail -n 1 "$TMP/echoc.log" 2>/dev/null)"
pc=$(sed -n 's/^port //p' "$TMP/echoc.log")
ec="$C4 $pc $S4 $ECHO_PORT"
expect_eq "c: held connection's flow before the stop" "$(flow_state $ec)" ESTABLISHED
tcpfwd_term "c"
check "c: flows.snapshot saved at the stop" test -s "$SNAP"
n=$(echoes "$TMP/echoc.log")
if wait_for 3 echoes_ge "$TMP/echoc.log" $((n + 3)); then
	pass "c: held connection keeps going while tcpfwd is down (bypass)"
else
	fail "c: held connection stalled while tcpfwd is down with bypass: $(tail -n 1 "$TMP/echoc.log")"
fi
tcpfwd_start_ctl "$conf"
restored=$(tcpfwd_restored)
expect_ge "c: 'restored N flows' logged at start" "${restored:-none}" 1
m=$(echoes "$TMP/echoc.log")
stale_drop() { # a window drop of the held connection's segments
	tcpfwd_new_log | grep -Eq "drop (ack|seq)_over_window .*($C4:$pc -> $S4:$ECHO_PORT|$S4:$ECHO_PORT -> $C4:$pc) "
}
if wait_for 4 echoes_ge "$TMP/echoc.log" $((m + 5)); then
	drops=$(stat_get verdicts.drop)
	if [ "$drops" = 0 ]; then
		pass "c: held connection resumed after the restart, nothing dropped"
	else
		fail "c: held connection resumed, but tcpfwd dropped $drops segments: $(tcpfwd_new_log | grep -m3 ' drop ' | tr '\n' ' ')"
	fi
elif stale_drop; then
	fail "c: restored flow is stale after traffic bypassed tcpfwd: $(tcpfwd_new_log | grep -Eo -m1 'drop (ack|seq)_over_window .*')"
else
	fail "c: held connection: $(($(echoes "$TMP/echoc.log") - m)) echoes in 4 s after the restart, no window drop logged; $(tail -n 1 "$TMP/echoc.log")"
fi
stop_pid $ecc

[ $RET = 0 ] || dump_debug
exit $RET
