#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Reload by SIGHUP:
#   1. during a rate-limited download, a config with other timeouts and TIME_WAIT policy
#      "shorten" is applied: the download completes byte-identical, nothing is dropped,
#      RELOADING=1 (with MONOTONIC_USEC=) then READY=1 are notified, and the new policy is in force (the download's
#      own flow, which lived through the reload, leaves TIME_WAIT after ~SHORT_S seconds);
#      the same reload turns logging.log_invalid on: a stray ACK dropped before it is not
#      logged, one dropped after it is; its table.max_flows, which only a restart changes, is
#      named in a warning;
#   2. a config with an error is rejected: the log says file:line, tcpfwd keeps running with
#      the previous configuration (new connections pass, TIME_WAIT is still shortened).

. "$(dirname "$0")/lib.sh"

PORT=8080
MB=16
RATE=4M        # about 4 s of transfer
SHORT_S=2

netns_require curl
netns_setup bypass
conf=$TMP/tcpfwd.conf
write_conf "$conf" policy=enforce level=info
tcpfwd_start "$conf"

www_start $PORT $MB

# stray_drop SPORT: an ACK nobody opened, dropped as new_not_syn (pickup is off)
stray_drop() {
	nsx "$NS_C" "$PY" "$NETNS_DIR/stray_ack.py" "$C4" "$S4" "$1" $PORT 1000 5000 ||
		die "stray_ack.py failed"
}
drop_logged() { grep -q "drop new_not_syn .* $C4:$1 -> " "$TMP/tcpfwd.log"; }
tcpfwd_stats >"$TMP/before" || die "no stats from tcpfwd"
sport_before=$((20000 + RANDOM % 10000))
stray_drop $sport_before

# tw_expires LPORT WHAT: the flow of the finished curl (from local port LPORT) reaches
# TIME_WAIT and then expires within the shortened hold.
tw_expires() {
	local lport=$1 what=$2 tuple
	tuple="$C4 $lport $S4 $PORT"
	if ! wait_for 5 flow_state_is TIME_WAIT $tuple; then
		fail "$what: flow $tuple is '$(flow_state $tuple)', expected TIME_WAIT"
		return
	fi
	tw_expiry "$what: TIME_WAIT shortened ($tuple)" "$(now_ms)" 0 $((SHORT_S + 12)) $tuple
}

info "download of $MB MB at $RATE/s, reload in the middle"
download_start 4 $PORT "$TMP/out" 60 --limit-rate $RATE
curl_pid=$DL_PID
wait_for 10 size_above $((1024 * 1024)) "$TMP/out" || die "download did not start"

write_conf "$conf" policy=shorten shortened=$SHORT_S minimum=1 level=info log_invalid=true \
	max_flows=4096 timeouts="syn_sent = 30; established = 7440; fin_wait = 60; close_wait = 30; last_ack = 20;"
ready_before=$(notify_count '^[0-9.]+ READY=1')
kill -HUP "$TCPFWD_PID"
if wait_for 10 file_has "$TMP/tcpfwd.log" "reloaded "; then
	pass "tcpfwd logged the reload"
else
	fail "no reload line in the log: $(tail -n 3 "$TMP/tcpfwd.log" | tr '\n' ' ')"
fi
# RELOADING=1 and, after it, one more READY=1
if wait_for 5 eval '[ "$(notify_count "^[0-9.]+ READY=1")" -gt '"$ready_before"' ]' &&
	awk '/ RELOADING=1/ { r = NR } / READY=1/ && r && NR > r { ok = 1 } END { exit !ok }' \
		"$TMP/notify.log"; then
	pass "RELOADING=1 then READY=1 notified"
else
	fail "reload notifications: $(awk '{ print $2 }' "$TMP/notify.log" | grep -v '^STATUS' | tr '\n' ' ')"
fi
# RELOADING=1 comes with MONOTONIC_USEC= in the same datagram (same arrival time), on the
# CLOCK_MONOTONIC that the listener's own time stamps use (sd_notify(3), Type=notify-reload)
if awk '/ RELOADING=1$/ { t = $1; getline; if ($1 == t && sub(/^MONOTONIC_USEC=/, "", $2)) {
		d = $2 / 1e6 - t; ok = d > -2 && d < 1 } } END { exit !ok }' "$TMP/notify.log"; then
	pass "RELOADING=1 carries MONOTONIC_USEC= on CLOCK_MONOTONIC"
else
	fail "no MONOTONIC_USEC= with RELOADING=1: $(grep -A1 RELOADING "$TMP/notify.log" | tr '\n' ' ')"
fi
# the point of the case: the reload happened while the transfer was live
check "download still running after the reload" alive "$curl_pid"
check "the reload names the key it could not apply" \
	grep -q "reload: table.max_flows changed in the file; these take effect only on restart" \
	"$TMP/tcpfwd.log"
# logging.log_invalid changes on reload (tcpfwd.conf(5), RELOAD)
sport_after=$((sport_before + 1))
stray_drop $sport_after
if wait_for 5 drop_logged $sport_after; then
	pass "log_invalid switched on by the reload: the drop of :$sport_after is logged"
else
	fail "no drop line for :$sport_after after the reload turned log_invalid on"
fi
if drop_logged $sport_before; then
	fail "the drop of :$sport_before, before the reload (log_invalid off), was logged"
fi

download_done "download across the reload" "$curl_pid" "$TMP/out" "$BLOB_SHA256"
read -r _ lport <"$TMP/out.curl"
[ -n "${lport:-}" ] && tw_expires "$lport" "after the reload"

info "reload with an invalid configuration"
cp "$conf" "$TMP/good.conf"
cat >"$conf" <<-EOF
	# established below RFC 5382's minimum, and TIME_WAIT back to enforce: neither may apply
	tcp = {
		time_wait = { policy = "enforce"; };
		timeouts = { established = 5; };
	};
EOF
if "$TCPFWD" --check -c "$conf" >"$TMP/check.out" 2>&1; then
	fail "tcpfwd --check accepted the broken configuration"
else
	check "tcpfwd --check reports file:line" grep -q "$conf:4:" "$TMP/check.out"
fi
log_lines=$(wc -l <"$TMP/tcpfwd.log")
notify_lines=$(wc -l <"$TMP/notify.log")
kill -HUP "$TCPFWD_PID"
new_log() { tail -n +$((log_lines + 1)) "$TMP/tcpfwd.log" | grep -Eq "$1"; }
if wait_for 10 new_log "$conf:[0-9]+:"; then
	pass "the rejected reload is logged with file:line: $(tail -n +$((log_lines + 1)) "$TMP/tcpfwd.log" | grep -m1 -E "$conf:")"
else
	fail "no file:line error in the log after the bad reload: $(tail -n 3 "$TMP/tcpfwd.log" | tr '\n' ' ')"
fi
check "tcpfwd still running after the rejected reload" tcpfwd_alive
# a failed reload still ends the reload for the service manager: RELOADING=1, then READY=1
new_notify() { tail -n +$((notify_lines + 1)) "$TMP/notify.log" | awk '{ print $2 }' | grep -v '^STATUS='; }
reload_notified() { new_notify | tr '\n' ' ' | grep -q 'RELOADING=1 .*READY=1'; }
if wait_for 5 reload_notified; then
	pass "RELOADING=1 then READY=1 notified for the rejected reload"
else
	fail "rejected reload: notifications after SIGHUP: '$(new_notify | tr '\n' ' ')', expected RELOADING=1 then READY=1"
fi
if new_log "reloaded "; then fail "the broken configuration was reported as reloaded"; fi

tcpfwd_stats >"$TMP/mid" || die "no stats from tcpfwd"
out=$(nsx "$NS_C" curl -s -4 --max-time 10 -o "$TMP/small.out" -w '%{http_code} %{local_port}' \
	"http://$S4:$PORT/small.txt")
read -r code lport <<<"$out"
expect_eq "a new connection after the rejected reload" "${code:-none}" 200
tcpfwd_stats >"$TMP/after" || die "no stats from tcpfwd"
expect_ge "flows created after the rejected reload" \
	"$(stats_delta "$TMP/mid" "$TMP/after" created)" 1
[ -n "${lport:-}" ] && tw_expires "$lport" "after the rejected reload (old configuration kept)"

# the only drops are the two stray ACKs
expect_eq "segments dropped by tcpfwd for legitimate traffic" \
	"$(stats_delta "$TMP/before" "$TMP/after" verdicts.drop)" 2

[ $RET = 0 ] || dump_debug
exit $RET
