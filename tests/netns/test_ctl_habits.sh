#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tcpfwctl as a conntrack user types it, and a tcpfwctl that cannot hang.
#   - conntrack's options name the commands: -L -G -E -S -D -F -C give what list, get, watch,
#     stats, kill, flush and count give; -p tcp is accepted, -p udp is a usage error (exit 2).
#   - watch --duration ends a watch with 0; `watch | head -n 1` ends as soon as head has its
#     line and an event follows... or not even that: tcpfwctl sees its reader gone and exits 0.
#   - --timeout: against a SIGSTOPped tcpfwd, `tcpfwctl --timeout 2 status` exits 3 within
#     about 2 s (and the default of 5 s holds too); after SIGCONT the same call answers.

. "$(dirname "$0")/lib.sh"

P_ECHO=5701

netns_require
netns_setup bypass
write_conf "$TMP/tcpfwd.conf" pickup=false level=info
tcpfwd_start_ctl "$TMP/tcpfwd.conf"
bg_start "$NS_S" "$TMP/echo-server.log" "$PY" "$NETNS_DIR/tcp_server.py" echo $P_ECHO
wait_listen "$NS_S" $P_ECHO
for fam in 4 6; do
	bg_start "$NS_C" "$TMP/echo-$fam.err" "$PY" "$NETNS_DIR/traffic.py" echo \
		"$(server_addr $fam)" $P_ECHO "$TMP/echo-$fam.log" 60
done
wait_for 10 echoes_ge "$TMP/echo-4.log" 2 && wait_for 10 echoes_ge "$TMP/echo-6.log" 2 ||
	die "the echo sessions did not start"
SPORT4=$(sed -n 's/^port //p' "$TMP/echo-4.log")

tuples() { awk '{ print $3, $4 }' | sort; }

# ---- the aliases ----

expect_eq "-L lists what list lists" "$(ctl -L -H | tuples)" "$(ctl list -H | tuples)"
expect_eq "-C counts what count counts" "$(ctl -C)" "$(ctl count)"
expect_eq "-L --state ESTABLISHED -p tcp" "$(ctl -L -p tcp -H --state ESTABLISHED | wc -l)" 2
ctl -p udp -L >/dev/null 2>"$TMP/udp.err"
expect_eq "-p udp: usage error" "$?" 2
grep -q "TCP only" "$TMP/udp.err" && pass "-p udp says tcpfwd tracks TCP only" ||
	fail "-p udp: $(cat "$TMP/udp.err")"
expect_eq "-G -s -d --sport --dport" \
	"$(ctl -G -H -s "$C4" --sport "$SPORT4" -d "$S4" --dport $P_ECHO | awk '{ print $2 }')" ESTABLISHED
expect_eq "-S -j has the verdicts stats -j has" \
	"$(ctl -S -j | $CTL_JSON get /dev/stdin verdicts.drop)" "$(ctl stats -j | $CTL_JSON get /dev/stdin verdicts.drop)"
ctl -L list >/dev/null 2>&1
expect_eq "-L with a command too: usage error" "$?" 2

# -E: one event, the new connection's, then exit 0
ctl -E -c 1 --duration 10 --dport 80 >"$TMP/e.out" 2>&1 &
epid=$!
wait_for 5 eval "grep -q 'watching flow events' '$TMP/tcpfwd.log'"
nsx "$NS_C" "$PY" "$NETNS_DIR/traffic.py" burst "$S4" 80 1 2 >/dev/null
wait "$epid"
expect_eq "-E -c 1 exit status" "$?" 0
grep -q '^\[NEW\]' "$TMP/e.out" && pass "-E printed the event: $(head -n 1 "$TMP/e.out")" ||
	fail "-E printed: $(cat "$TMP/e.out")"

# -D and -F: the IPv4 session's flow goes, then everything
out=$(ctl -D -s "$C4" --dport $P_ECHO)
[[ $out == 1* ]] && pass "-D -s $C4 --dport $P_ECHO: $out" || fail "-D: '$out'"
expect_eq "the IPv4 session's flow after -D" "$(flow_state "$C4" "$SPORT4" "$S4" $P_ECHO)" NONE
ctl -F >/dev/null
expect_eq "-C after -F" "$(ctl -C)" 0

# ---- watch: --duration and a reader that goes away ----

t0=$(now_ms)
ctl watch --duration 0.5 >/dev/null
rc=$?
expect_eq "watch --duration 0.5: exit status" "$rc" 0
ms=$(($(now_ms) - t0))
[ "$ms" -ge 450 ] && [ "$ms" -lt 3000 ] && pass "watch --duration 0.5 took $ms ms" ||
	fail "watch --duration 0.5 took $ms ms"
( ctl watch | head -n 1 >"$TMP/head.out"; echo "${PIPESTATUS[0]}" >"$TMP/head.rc" ) &
hpid=$!
sleep 0.5
nsx "$NS_C" "$PY" "$NETNS_DIR/traffic.py" burst "$S4" 80 1 2 >/dev/null
if wait_for 5 test -s "$TMP/head.rc"; then
	expect_eq "watch | head -n 1: tcpfwctl's exit status" "$(cat "$TMP/head.rc")" 0
else
	fail "watch | head -n 1 did not end within 5 s of its first event"
	kill "$hpid" 2>/dev/null
fi

# ---- --timeout against a stopped daemon ----

kill -STOP "$TCPFWD_PID"
for t in 2 default; do
	args=(--timeout "$t")
	[ "$t" = default ] && args=()
	t0=$(now_ms)
	ctl "${args[@]}" status >/dev/null 2>"$TMP/to.err"
	rc=$?
	ms=$(($(now_ms) - t0))
	want=$([ "$t" = default ] && echo 5000 || echo $((t * 1000)))
	expect_eq "--timeout $t against a stopped tcpfwd: exit status" "$rc" 3
	[ "$ms" -ge $((want - 100)) ] && [ "$ms" -le $((want + 1500)) ] &&
		pass "--timeout $t: gave up after $ms ms ($(cat "$TMP/to.err"))" ||
		fail "--timeout $t: gave up after $ms ms, expected about $want"
done
kill -CONT "$TCPFWD_PID"
ctl --timeout 2 status >/dev/null
expect_eq "--timeout 2 status after SIGCONT" "$?" 0

[ $RET = 0 ] || dump_debug
exit $RET
