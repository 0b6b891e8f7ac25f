#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# TIME_WAIT under policy "shorten" (shortened = 3 s, the table nearly empty): after a clean
# close, client first, the flow is in TIME_WAIT, and it expires after about 3 s instead of the
# 120 s of "enforce" (destroyed.timeout rises).

. "$(dirname "$0")/lib.sh"

PORT=5301
SPORT=41301
SHORT_S=3

netns_require socat
netns_setup bypass
write_conf "$TMP/tcpfwd.conf" policy=shorten duration=120 shortened=$SHORT_S minimum=1
tcpfwd_start
bg_start "$NS_S" "$TMP/server.log" "$PY" "$NETNS_DIR/tcp_server.py" eof $PORT
wait_listen "$NS_S" $PORT

tuple="$C4 $SPORT $S4 $PORT"
tcpfwd_stats >"$TMP/before" || die "no stats from tcpfwd"
info "clean close of $C4:$SPORT -> $S4:$PORT, client first"
# socat sends, then closes on EOF: client FIN first, the server's FIN follows
echo hello | nsx "$NS_C" timeout 10 socat -u - "TCP:$S4:$PORT,sourceport=$SPORT" ||
	die "socat client failed"
if ! wait_for 5 flow_state_is TIME_WAIT $tuple; then
	die "flow state '$(flow_state $tuple)' after the clean close, expected TIME_WAIT"
fi
t0=$(now_ms)
pass "flow in TIME_WAIT after the clean close"

# generous upper bound: the wheel's granularity and a loaded machine
tw_expiry "TIME_WAIT (shortened = $SHORT_S s)" "$t0" $SHORT_S $((SHORT_S + 12)) $tuple
tcpfwd_stats >"$TMP/after" || die "no stats from tcpfwd"
expect_eq "destroyed.timeout rose by" \
	"$(stats_delta "$TMP/before" "$TMP/after" destroyed.timeout)" 1
expect_eq "states.TIME_WAIT" "$(stats_val "$TMP/after" states.TIME_WAIT)" 0
check "tcpfwd still running" tcpfwd_alive

[ $RET = 0 ] || dump_debug
exit $RET
