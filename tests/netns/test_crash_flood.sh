#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tcpfwd killed while a SYN flood fills its table and every new SYN runs the eviction: the
# restarted process must resume a table that passes the engine's invariant checks, hold no
# more than max_flows, and keep the established connections going.
#
# table.max_flows = 2000, pickup off, fail-open. A byte-checked stream and an echo session
# (traffic.py) cross the firewall, assured. syn_flood.py (see test_syn_flood.sh for the spoofed
# sources and the routes that carry the server's SYN/ACKs back) sends 15,000 SYNs a second for
# up to 6 s. Once the counters show evictions, tcpfwd gets SIGKILL and is started again with the
# same command, three times, 0.7 s apart, while the flood goes on. Each start must log the
# resume with "table check passed" (engine_check: every flow found by its key, valid, armed;
# per-state counts add up) and 0 invalid entries, and resume no more than max_flows; after the
# flood the stream and the echo session move on with no client error, and a new connection
# gets through.

. "$(dirname "$0")/lib.sh"

ECHO_PORT=7000
SRC_PORT=8000
RATE=$((256 * 1024))
MAX_FLOWS=2000
KILLS=3

netns_require
netns_setup bypass

spoofed_replies_setup

conf=$TMP/tcpfwd.conf
write_conf "$conf" max_flows=$MAX_FLOWS pickup=false level=info log_invalid=true rate_limit=5
tcpfwd_start_ctl "$conf"

bg_start "$NS_S" "$TMP/echo-server.log" "$PY" "$NETNS_DIR/tcp_server.py" echo $ECHO_PORT
bg_start "$NS_S" "$TMP/source.log" "$PY" "$NETNS_DIR/traffic.py" source $SRC_PORT $RATE
wait_listen "$NS_S" $ECHO_PORT
wait_listen "$NS_S" $SRC_PORT
bg_start "$NS_C" "$TMP/sink.err" "$PY" "$NETNS_DIR/traffic.py" sink "$S4" $SRC_PORT "$TMP/sink.log"
bg_start "$NS_C" "$TMP/echo.err" "$PY" "$NETNS_DIR/traffic.py" echo "$S4" $ECHO_PORT \
	"$TMP/echo.log" 60

evicting() { [ "$(stat_get destroyed.evicted)" -gt 0 ] 2>/dev/null; }

moving "before the flood" $((RATE / 4)) "$TMP/sink.log" "$TMP/echo.log"

bg_start "$NS_C" "$TMP/flood.log" "$PY" "$NETNS_DIR/syn_flood.py" c0 "$FW_MAC" "$S4" $ECHO_PORT \
	--count 90000 --rate 15000 --secs 6
flood_pid=$BG_PID
wait_for 4 evicting || die "no eviction within 4 s of the flood's start"
pass "the table is full and evicting ($(stat_get flows) flows, $(stat_get destroyed.evicted) evicted)"

for ((i = 1; i <= KILLS; i++)); do
	tcpfwd_crash KILL "$conf"
	if [[ $RESUMED == *"table check passed"* && $RESUMED == *", 0 invalid,"* ]] &&
		[ "$RESUMED_N" -ge 2 ] && [ "$RESUMED_N" -le $MAX_FLOWS ]; then
		pass "kill $i during the flood: $RESUMED"
	else
		fail "kill $i during the flood: '${RESUMED:-$(tcpfwd_new_log | grep -m2 'state:' | tr '\n' ' ')}'"
	fi
	alive "$flood_pid" || info "kill $i: the flood had already ended"
	sleep 0.7
done

wait "$flood_pid"
info "flood: $(cat "$TMP/flood.log")"
expect_ge "flows after the flood (at most max_flows)" $MAX_FLOWS "$(stat_get flows)"
moving "after the flood and $KILLS kills" $((RATE / 4)) "$TMP/sink.log" "$TMP/echo.log"
bad=$(grep -h '^error' "$TMP/sink.log" "$TMP/echo.log" 2>/dev/null | head -n 1)
[ -z "$bad" ] && pass "no client error" || fail "client error: $bad"
out=$(nsx "$NS_C" "$PY" "$NETNS_DIR/traffic.py" burst "$S4" $ECHO_PORT 1 5)
[[ $out == "connected 1 of 1"* ]] && pass "a new connection after the flood" ||
	fail "a new connection after the flood: $out"

[ $RET = 0 ] || dump_debug
exit $RET
