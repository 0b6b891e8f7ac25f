#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A crash loses no connection: tcpfwd is killed (SIGKILL, SIGABRT) in the middle of traffic and
# started again with the same command, and it resumes the live table it left in
# state.runtime_directory. Pickup is off (tcp.pickup = false), so a flow the new process did not
# find would show at once: its segments would drop as new_not_syn and its connection stall.
# Twice, fail-closed (no bypass: nothing passes while tcpfwd is down) and fail-open (bypass:
# everything passes unseen while it is down, and the resumed flows re-learn their windows):
#   - over IPv4 and IPv6 each: a paced byte stream (traffic.py source/sink: every byte checked),
#     an interactive echo session (a round trip every 100 ms, every echo checked) and 1,000
#     idle established connections (each checked with a round trip before and after);
#   - a second tcpfwd started on the same table exits 1 at once and touches nothing;
#   - SIGKILL, restart; SIGABRT, restart; then (fail-closed) 10 SIGKILLs in a row, a restart
#     after each, 0.5 to 1.5 s apart;
#   - after each restart: the log says how many flows were resumed (at least the 2,004 of the
#     test) and that the table check passed; the streams and echo sessions move on; every
#     process counts 0 drops before it is killed.
#   - at the end the last process counts every connection ESTABLISHED and 0 drops, every idle
#     connection answers, and no stream or echo session saw an error.

. "$(dirname "$0")/lib.sh"

ECHO_PORT=7000
SRC_PORT=8000
RATE=$((256 * 1024)) # bytes/s per stream
IDLE=1000            # idle connections per family
CONNS=$((2 * IDLE + 4))

netns_require
netns_setup nobypass
ulimit -c 0 # SIGABRT must not leave a core file

bg_start "$NS_S" "$TMP/echo-server.log" "$PY" "$NETNS_DIR/tcp_server.py" echo $ECHO_PORT
bg_start "$NS_S" "$TMP/source.log" "$PY" "$NETNS_DIR/traffic.py" source $SRC_PORT $RATE
wait_listen "$NS_S" $ECHO_PORT
wait_listen "$NS_S" $SRC_PORT

no_client_error() {
	local bad
	bad=$(grep -l '^error' "$DIR"/*.log 2>/dev/null | xargs -r -n1 basename | tr '\n' ' ')
	[ -z "$bad" ] || { fail "$1: client errors in $bad: $(grep -h '^error' "$DIR"/*.log | head -n 2)"; return; }
	pass "$1: no client saw an error"
}

# crash SIG WHAT: checks this process dropped nothing, then tcpfwd_crash; the log must report
# the resume.
crash() {
	local sig=$1 what=$2 drops
	drops=$(stat_get verdicts.drop)
	[ "$drops" = 0 ] ||
		fail "$what: drops before the kill: $drops: $(tcpfwd_new_log | grep -m3 ' drop ' | tr '\n' ' ')"
	tcpfwd_crash "$sig" "$CONF"
	if [ "$RESUMED_N" -ge "$CONNS" ] && [[ $RESUMED == *"table check passed"* ]]; then
		RESUMES="$RESUMES $RESUMED_N"
		info "$what: $RESUMED"
	else
		fail "$what: no resume of >= $CONNS flows with a passing check: '${RESUMED:-$(tcpfwd_new_log | grep -m2 'state:' | tr '\n' ' ')}'"
	fi
}

# phase closed|open
phase() {
	local mode=$1 kills=$2 fam host i
	DIR=$TMP/$mode
	mkdir -p "$DIR"
	RESUMES=""
	info "---- fail-$mode"
	if [ "$mode" = open ]; then queue_rule bypass; else queue_rule nobypass; fi
	CONF=$DIR/tcpfwd.conf
	write_conf "$CONF" fail_open="$([ "$mode" = open ] && echo true || echo false)" \
		pickup=false max_flows=8192 level=info log_invalid=true rate_limit=0 statedir="$DIR"
	tcpfwd_start_ctl "$CONF"

	for fam in 4 6; do
		host=$(server_addr $fam)
		bg_start "$NS_C" "$DIR/sink-$fam.err" "$PY" "$NETNS_DIR/traffic.py" sink "$host" \
			$SRC_PORT "$DIR/sink-$fam.log"
		bg_start "$NS_C" "$DIR/echo-$fam.err" "$PY" "$NETNS_DIR/traffic.py" echo "$host" \
			$ECHO_PORT "$DIR/echo-$fam.log" 60
		bg_start "$NS_C" "$DIR/idle-$fam.err" "$PY" "$NETNS_DIR/traffic.py" idle "$host" \
			$ECHO_PORT $IDLE "$DIR/idle-$fam.log" "$DIR/go" 30
		eval "IDLE_PID_$fam=\$BG_PID"
	done
	for fam in 4 6; do
		wait_for 60 file_has "$DIR/idle-$fam.log" '^open' ||
			die "fail-$mode: IPv$fam idle connections not open: $(cat "$DIR/idle-$fam.log" "$DIR/idle-$fam.err" 2>/dev/null | head -n 3)"
	done
	pass "fail-$mode: $IDLE idle connections open over IPv4 and IPv6 each"
	if [ "$mode" = closed ]; then # a second daemon on the same table must not touch it
		local out rc
		out=$(timeout 10 ip netns exec "$NS_F" "$TCPFWD" -f -c "$CONF" 2>&1 </dev/null)
		rc=$?
		if [ $rc = 1 ] && [[ $out == *"another tcpfwd runs on $DIR"* ]]; then
			pass "fail-$mode: a second tcpfwd on the same table refuses to start"
		else
			fail "fail-$mode: a second tcpfwd on the same table: exit $rc: $out"
		fi
	fi
	moving "fail-$mode: before any kill" $((RATE / 4)) "$DIR"/sink-?.log "$DIR"/echo-?.log

	crash KILL "fail-$mode: SIGKILL"
	moving "fail-$mode: after SIGKILL" $((RATE / 4)) "$DIR"/sink-?.log "$DIR"/echo-?.log
	crash ABRT "fail-$mode: SIGABRT"
	moving "fail-$mode: after SIGABRT" $((RATE / 4)) "$DIR"/sink-?.log "$DIR"/echo-?.log
	for ((i = 1; i <= kills; i++)); do
		sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.5 + r / 32768 }')"
		crash KILL "fail-$mode: kill $i of $kills in a row"
	done
	[ "$kills" = 0 ] || moving "fail-$mode: after $kills kills in a row" $((RATE / 4)) "$DIR"/sink-?.log "$DIR"/echo-?.log
	info "fail-$mode: flows resumed at each start:$RESUMES"

	tcpfwd_stats >"$DIR/stats.json" || fail "fail-$mode: no stats"
	expect_no_drop "fail-$mode: drops by the last tcpfwd" "$DIR/stats.json"
	expect_ge "fail-$mode: ESTABLISHED flows in the last tcpfwd" \
		"$(stats_val "$DIR/stats.json" states.ESTABLISHED)" $CONNS
	touch "$DIR/go"
	for fam in 4 6; do
		local pid
		eval "pid=\$IDLE_PID_$fam"
		wait "$pid"
		expect_eq "fail-$mode: IPv$fam idle connections alive" \
			"$(sed -n 's/^alive \([0-9]*\) of.*/\1/p' "$DIR/idle-$fam.log")" $IDLE
	done
	no_client_error "fail-$mode"
	# the streams and echo sessions end; their flows are left to time out with tcpfwd
	for pid in $(ip netns pids "$NS_C"); do kill -TERM "$pid" 2>/dev/null; done
	tcpfwd_stop
}

phase closed 10
phase open 0
[ $RET = 0 ] || dump_debug
exit $RET
