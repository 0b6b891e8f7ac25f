#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Restart of tcpfwd in the middle of live transfers, pickup off (tcp.pickup = false), fail-closed
# (queue.fail_open = false, NFQUEUE rule without bypass: while tcpfwd is down, nothing passes).
#   a. With the snapshot: an IPv4 and an IPv6 download run; tcpfwd gets SIGTERM midway, exits 0
#      and leaves <state.directory>/flows.snapshot; for 2 s nothing arrives; started again with
#      the same configuration it logs "restored N flows" (N >= 3), removes the file, lists both
#      flows ESTABLISHED, both downloads complete byte-identical through it, their flows close
#      into TIME_WAIT and nothing is dropped. An idle connection, open across the restart,
#      shows that the time tcpfwd was down was charged to its flow's timer.
#   b. Without the snapshot (deleted before the start): the download's flow is unknown, its
#      segments are dropped as new_not_syn (logged with its tuple), the download stalls and curl
#      times out, while a new connection passes (so the stall is the missing state, not a dead
#      daemon).
# The server paces the downloads (traffic.py http: 2 MiB/s, small send buffer, no catch-up
# after a stall) and curl reads at full speed, so the size of curl's output file is what has
# crossed the firewall. (curl --limit-rate cannot pace this: curl 7.88 reads ~10 MB in a burst,
# then sleeps for seconds to keep its average.)
# Counters and flows come from `tcpfwctl -j stats` / `-j list`, read with ctl_json.py (lib.sh).

. "$(dirname "$0")/lib.sh"

PORT=8080
MB=12
RATE=$((2 * 1024 * 1024)) # bytes/s: about 6 s a download
STOP_AT=$((1024 * 1024))  # bytes each download has when tcpfwd is stopped
MAXT_B=12                 # curl --max-time of the download that must stall (b)

SNAP=$TMP/flows.snapshot

netns_require curl
netns_setup nobypass
if queue_rule_bypass; then fail "the queue rule has bypass; this test needs it without"; fi

# ---- configuration, daemon ----

conf=$TMP/restart.conf
write_conf "$conf" fail_open=false max_flows=4096 pickup=false level=info log_invalid=true \
	rate_limit=0

# term WHAT: SIGTERM tcpfwd and wait for its exit; checks exit status 0 and the snapshot
term() {
	tcpfwd_term "$1"
	if test -s "$SNAP"; then
		pass "$1: flows.snapshot written ($(stat -c %s "$SNAP") bytes; log: $(tcpfwd_new_log | grep -Eo 'saved [0-9]+ flows'))"
	else
		fail "$1: no $SNAP after a clean stop; log: $(tcpfwd_new_log | tail -n 3 | tr '\n' ' ')"
	fi
}

# timeout_ms SECONDS: a flow's timeout in whole milliseconds
timeout_ms() { awk -v t="$1" 'BEGIN { printf "%d", t * 1000 + 0.5 }'; }

IDLE_LPORT=0 # the idle connection's local port, which client_port passes over

# ---- traffic ----

paced_http_start $PORT $MB $RATE
TOTAL=$BLOB_BYTES

tcpfwd_start_ctl "$conf"

# ================= a. restart with the snapshot =================
info "a. IPv4 and IPv6 downloads of $MB MiB at $((RATE >> 20)) MiB/s, SIGTERM and restart midway"
# an idle connection (the server waits for a request that never comes): no segment re-arms its
# flow's timer across the restart
bg_start "$NS_C" "$TMP/idle.port" "$PY" -c 'import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
print(s.getsockname()[1], flush=True)
time.sleep(3600)' "$S4" $PORT
wait_for 5 test -s "$TMP/idle.port" || die "a: the idle connection did not open"
IDLE_LPORT=$(cat "$TMP/idle.port")
ti="$C4 $IDLE_LPORT $S4 $PORT"
download_start 4 $PORT "$TMP/a4.out" 40
pid4=$DL_PID
download_start 6 $PORT "$TMP/a6.out" 40
pid6=$DL_PID
wait_for 10 size_above $STOP_AT "$TMP/a4.out" || die "a: IPv4 download did not start"
wait_for 10 size_above $STOP_AT "$TMP/a6.out" || die "a: IPv6 download did not start"
lp4=$(client_port $PORT 4 $IDLE_LPORT) || die "a: cannot find the IPv4 download's connection"
lp6=$(client_port $PORT 6 $IDLE_LPORT) || die "a: cannot find the IPv6 download's connection"
t4="$C4 $lp4 $S4 $PORT"
t6="$C6 $lp6 $S6 $PORT"
expect_eq "a: IPv4 download's flow before the stop" "$(flow_state $t4)" ESTABLISHED
expect_eq "a: IPv6 download's flow before the stop" "$(flow_state $t6)" ESTABLISHED
tcpfwd_stats >"$TMP/a.before" || die "a: no stats from tcpfwd"
expect_eq "a: drops before the stop" "$(stats_val "$TMP/a.before" verdicts.drop)" 0
read -r ist0 _ itm0 _ <<<"$(flow_info $ti)"
itm0=$(timeout_ms "$itm0")
it0=$(now_ms)
expect_eq "a: idle connection's flow before the stop" "$ist0" ESTABLISHED

term "a"
s4=$(fsize "$TMP/a4.out") s6=$(fsize "$TMP/a6.out")
if alive $pid4 && alive $pid6 && [ "$s4" -lt $((TOTAL - RATE)) ] && [ "$s6" -lt $((TOTAL - RATE)) ]; then
	pass "a: both downloads midway at the stop (IPv4 $s4, IPv6 $s6 of $TOTAL bytes)"
else
	fail "a: downloads not midway at the stop (IPv4 $s4, IPv6 $s6 of $TOTAL bytes): the case proves nothing"
fi
# fail-closed while down: nothing crosses (a few packets accepted just before the exit may land)
DOWN_S=2
sleep $DOWN_S
g4=$(($(fsize "$TMP/a4.out") - s4)) g6=$(($(fsize "$TMP/a6.out") - s6))
if [ $g4 -le 131072 ] && [ $g6 -le 131072 ]; then
	pass "a: nothing crossed in $DOWN_S s with tcpfwd down (IPv4 +$g4, IPv6 +$g6 bytes)"
else
	fail "a: bytes crossed with tcpfwd down and no bypass: IPv4 +$g4, IPv6 +$g6 in $DOWN_S s"
fi
tcpfwd_start_ctl "$conf"
r4=$(fsize "$TMP/a4.out") r6=$(fsize "$TMP/a6.out")
read -r ist1 _ itm1 _ <<<"$(flow_info $ti)"
itm1=$(timeout_ms "$itm1")
it1=$(now_ms)
restored=$(tcpfwd_restored)
expect_ge "a: 'restored N flows' logged at start" "${restored:-none}" 3
if [ -e "$SNAP" ]; then fail "a: $SNAP still there after the restore"; else pass "a: the restored snapshot was removed"; fi
# right after the start: the restored flows (a SYN-less segment could not have created them)
expect_eq "a: IPv4 download's flow after the restart" "$(flow_state $t4)" ESTABLISHED
expect_eq "a: IPv6 download's flow after the restart" "$(flow_state $t6)" ESTABLISHED
# the idle flow's timer ran on while tcpfwd was down: between the two lists it lost the whole
# wall time, not that minus the >= DOWN_S s of downtime
expect_eq "a: idle connection's flow after the restart" "${ist1:-none}" ESTABLISHED
if [ "$ist0" = ESTABLISHED ] && [ "${ist1:-}" = ESTABLISHED ]; then
	lost=$((itm0 - itm1)) wall=$((it1 - it0))
	if [ $((lost - wall)) -le 600 ] && [ $((wall - lost)) -le 600 ]; then
		pass "a: downtime charged to the idle flow's timer (timer -$lost ms in $wall ms)"
	else
		fail "a: idle flow's timer went from $itm0 to $itm1 ms in $wall ms (with >= $((DOWN_S * 1000)) ms down): downtime not charged"
	fi
fi
# at least 0.5 s of data was still to come when tcpfwd was back: completing means that it
# crossed the restarted tcpfwd
if [ "$r4" -lt $((TOTAL - RATE / 2)) ] && [ "$r6" -lt $((TOTAL - RATE / 2)) ]; then
	pass "a: both downloads still running after the restart (IPv4 $r4, IPv6 $r6 of $TOTAL bytes)"
else
	fail "a: downloads (nearly) over before tcpfwd was back (IPv4 $r4, IPv6 $r6 of $TOTAL bytes)"
fi

download_done "a: IPv4 download across the restart" $pid4 "$TMP/a4.out" "$BLOB_SHA256"
download_done "a: IPv6 download across the restart" $pid6 "$TMP/a6.out" "$BLOB_SHA256"
tcpfwd_stats >"$TMP/a.after" || die "a: no stats from tcpfwd"
expect_no_drop "a: drops by the restarted tcpfwd" "$TMP/a.after"
# with 64 KiB GSO packets at most; the transfer did go through the daemon
a_accepted=$(stats_val "$TMP/a.after" verdicts.accept)
fastpath_on && a_accepted=$((a_accepted + $(stats_val "$TMP/a.after" fastpath.accepted)))
expect_ge "a: segments accepted by the restarted tcpfwd" \
	"$a_accepted" $(((2 * TOTAL - r4 - r6) / 65536))
# the restored flows go on tracking: both close into TIME_WAIT
check "a: IPv4 restored flow reached TIME_WAIT after the download" wait_for 5 flow_state_is TIME_WAIT $t4
check "a: IPv6 restored flow reached TIME_WAIT after the download" wait_for 5 flow_state_is TIME_WAIT $t6

# ================= b. restart without the snapshot =================
info "b. IPv4 download, SIGTERM midway, flows.snapshot deleted, restart"
download_start 4 $PORT "$TMP/b.out" $MAXT_B
pidb=$DL_PID
wait_for 10 size_above $STOP_AT "$TMP/b.out" || die "b: download did not start"
lpb=$(client_port $PORT 4 $IDLE_LPORT) || die "b: cannot find the download's connection"
tb="$C4 $lpb $S4 $PORT"
expect_eq "b: download's flow before the stop" "$(flow_state $tb)" ESTABLISHED
term "b"
rm -f "$SNAP"
check "b: download still running at the stop" alive $pidb
tcpfwd_start_ctl "$conf"
if tcpfwd_new_log | grep -Eq 'state: restored [1-9]'; then
	fail "b: flows restored without a snapshot: $(tcpfwd_new_log | grep -m1 'restored')"
else
	pass "b: nothing restored"
fi
expect_eq "b: download's flow after the restart" "$(flow_state $tb)" NONE
# control: a new connection passes the restarted tcpfwd
code=$(nsx "$NS_C" curl -s -4 --max-time 5 -o "$TMP/small.out" -w '%{http_code}' "http://$S4:$PORT/small.txt")
expect_eq "b: a new connection after the restart" "${code:-none}" 200

# the download's segments (retransmissions) are dropped as new_not_syn
nns_logged() {
	tcpfwd_new_log | grep -Eq "drop new_not_syn .*($S4:$PORT -> $C4:$lpb|$C4:$lpb -> $S4:$PORT) "
}
if wait_for 8 nns_logged; then
	pass "b: the download's segments dropped as new_not_syn: $(tcpfwd_new_log | grep -E -m1 "drop new_not_syn .*:$lpb")"
else
	fail "b: no new_not_syn drop logged for $tb; log: $(tcpfwd_new_log | tail -n 3 | tr '\n' ' ')"
fi
tcpfwd_stats >"$TMP/b.after" || die "b: no stats from tcpfwd"
nns=$(stats_val "$TMP/b.after" reasons.new_not_syn)
drops=$(stats_val "$TMP/b.after" verdicts.drop)
expect_ge "b: reasons.new_not_syn" "$nns" 1
expect_eq "b: every drop is new_not_syn (verdicts.drop)" "$drops" "$nns"
expect_eq "b: download's flow not created by its mid-stream segments (pickup off)" "$(flow_state $tb)" NONE

# stalled: not a byte in 2 s
sz0=$(fsize "$TMP/b.out")
sleep 2
sz1=$(fsize "$TMP/b.out")
expect_eq "b: bytes received in 2 s after the restart (stalled at $sz0)" $((sz1 - sz0)) 0
wait "$pidb"
rc=$?
if [ $rc != 0 ] && [ "$(fsize "$TMP/b.out")" -lt $TOTAL ]; then
	pass "b: download failed (curl exit $rc after --max-time $MAXT_B, $(fsize "$TMP/b.out") of $TOTAL bytes)"
else
	fail "b: download did not stall: curl exit $rc, $(fsize "$TMP/b.out") of $TOTAL bytes"
fi

[ $RET = 0 ] || dump_debug
exit $RET
