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
#   - address prefixes: with flows from both halves of the client's /24 and /64 (a second
#     client address routes to a second server address), -s/-d ADDR/LEN list, count, kill and
#     watch exactly the flows inside the prefix, IPv4 and IPv6; bad lengths, a prefix of the
#     other family and a prefix for get are usage errors (exit 2).

. "$(dirname "$0")/lib.sh"

P_ECHO=5701
P_PFX=5702

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

# watch -o timestamp: conntrack's [seconds.fraction] before each event, the wall clock's
ctl watch -o timestamp -c 1 --duration 10 --dport 81 >"$TMP/ts.out" 2>&1 &
epid=$!
wait_for 5 eval "[ \$(grep -c 'watching flow events' '$TMP/tcpfwd.log') -ge 2 ]"
nsx "$NS_C" "$PY" "$NETNS_DIR/traffic.py" burst "$S4" 81 1 2 >/dev/null
wait "$epid"
expect_eq "watch -o timestamp -c 1 exit status" "$?" 0
stamp=$(sed -nE 's/^\[([0-9]+)\.[0-9]{3}\] \[NEW\] .*/\1/p' "$TMP/ts.out")
if [ -n "$stamp" ] && [ $(($(date +%s) - stamp)) -ge 0 ] && [ $(($(date +%s) - stamp)) -le 15 ]; then
	pass "watch -o timestamp: $(head -n 1 "$TMP/ts.out" | cut -c1-60)"
else
	fail "watch -o timestamp printed: $(cat "$TMP/ts.out")"
fi
ctl list -o timestamp >/dev/null 2>&1
expect_eq "-o timestamp on list: usage error" "$?" 2

# -D and -F: the IPv4 session's flow goes, then everything
out=$(ctl -D -s "$C4" --dport $P_ECHO)
[[ $out == 1* ]] && pass "-D -s $C4 --dport $P_ECHO: $out" || fail "-D: '$out'"
expect_eq "the IPv4 session's flow after -D" "$(flow_state "$C4" "$SPORT4" "$S4" $P_ECHO)" NONE
ctl -F >/dev/null
expect_eq "-C after -F" "$(ctl -C)" 0

# ---- address prefixes ----

# The upper halves of the client's networks: their flows go to a second server address. Each
# server address has a route with its source, or IPv6 may pick the newer address for both.
CB4=192.0.2.130 SB4=198.51.100.3 CB6=2001:db8:1:0:8000::2 SB6=2001:db8:2::3
ip -n "$NS_C" addr add "$CB4/24" dev c0
ip -n "$NS_C" addr add "$CB6/64" dev c0 nodad
ip -n "$NS_S" addr add "$SB4/24" dev s0
ip -n "$NS_S" addr add "$SB6/64" dev s0 nodad
ip -n "$NS_C" route add "$S4/32" via "$F4C" src "$C4"
ip -n "$NS_C" route add "$SB4/32" via "$F4C" src "$CB4"
ip -n "$NS_C" -6 route add "$S6/128" via "$F6C" src "$C6"
ip -n "$NS_C" -6 route add "$SB6/128" via "$F6C" src "$CB6"
bg_start "$NS_S" "$TMP/pfx-server.log" "$PY" "$NETNS_DIR/tcp_server.py" echo $P_PFX
wait_listen "$NS_S" $P_PFX
# idle connections stay ESTABLISHED: 3 from C4, 2 from CB4, 2 from C6, 1 from CB6
set -- "$S4" 3 "$SB4" 2 "$S6" 2 "$SB6" 1
while [ $# -gt 0 ]; do
	bg_start "$NS_C" "$TMP/idle-$1.err" "$PY" "$NETNS_DIR/traffic.py" idle "$1" $P_PFX "$2" \
		"$TMP/idle-$1.log" "$TMP/never" 1
	shift 2
done
for dst in "$S4" "$SB4" "$S6" "$SB6"; do
	wait_for 10 grep -q '^open' "$TMP/idle-$dst.log" ||
		die "idle connections to $dst: $(cat "$TMP/idle-$dst.log" "$TMP/idle-$dst.err")"
done
pc() { ctl count --dport $P_PFX "$@"; }
expect_eq "count --dport $P_PFX (all of them)" "$(pc)" 8
expect_eq "count -s 192.0.2.0/25" "$(pc -s 192.0.2.0/25)" 3
expect_eq "count -s 192.0.2.128/25" "$(pc -s 192.0.2.128/25)" 2
expect_eq "count -s 192.0.2.255/25 (host bits ignored)" "$(pc -s 192.0.2.255/25)" 2
expect_eq "count -s 192.0.2.0/24" "$(pc -s 192.0.2.0/24)" 5
expect_eq "count -s $CB4/32" "$(pc -s $CB4/32)" 2
expect_eq "count -s 0.0.0.0/0 (IPv4 only)" "$(pc -s 0.0.0.0/0)" 5
expect_eq "count -s ::/0 (IPv6 only)" "$(pc -s ::/0)" 3
expect_eq "count -d 198.51.100.0/30" "$(pc -d 198.51.100.0/30)" 5
expect_eq "count -d 198.51.100.3/31 -s 192.0.2.0/25" "$(pc -d 198.51.100.3/31 -s 192.0.2.0/25)" 3
expect_eq "count -s 2001:db8:1::/65" "$(pc -s 2001:db8:1::/65)" 2
expect_eq "count -s 2001:db8:1:0:8000::/65" "$(pc -s 2001:db8:1:0:8000::/65)" 1
expect_eq "count -s [2001:db8:1::]/64" "$(pc -s '[2001:db8:1::]/64')" 3
expect_eq "count -d 2001:db8:2::2/127" "$(pc -d 2001:db8:2::2/127)" 3
expect_eq "-C -s 192.0.2.128/25" "$(ctl -C -s 192.0.2.128/25 --dport $P_PFX)" 2
srcs() { # list -H | srcs: "ADDRxN" per source address
	awk '{ sub(/:[0-9]+$/, "", $3); n[$3]++ } END { for (a in n) print a "x" n[a] }' | sort | xargs
}
json_srcs() { $PY -c 'import json,sys; print(*sorted(f["src"] for f in json.load(sys.stdin)))'; }
expect_eq "list -s 192.0.2.128/25: the sources" "$(ctl list -H -s 192.0.2.128/25 | srcs)" "${CB4}x2"
expect_eq "-L -s 192.0.2.0/25 --dport $P_PFX: the sources" \
	"$(ctl -L -H -s 192.0.2.0/25 --dport $P_PFX | srcs)" "${C4}x3"
expect_eq "list -s 2001:db8:1:0:8000::/65: the sources" \
	"$(ctl list -H -s 2001:db8:1:0:8000::/65 | srcs)" "[$CB6]x1"
expect_eq "list -j -d 198.51.100.3/32: the sources" \
	"$(ctl list -j -d 198.51.100.3/32 | json_srcs)" "$CB4 $CB4"
out=$(ctl kill -s 192.0.2.128/25 --dport $P_PFX)
[[ $out == 2* ]] && pass "kill -s 192.0.2.128/25: $out" || fail "kill -s 192.0.2.128/25: '$out'"
expect_eq "after it, count -s 192.0.2.0/24" "$(pc -s 192.0.2.0/24)" 3
expect_eq "after it, count -s $C4" "$(pc -s $C4)" 3
out=$(ctl -D -s 2001:db8:1:0:8000::/65)
[[ $out == 1* ]] && pass "-D -s 2001:db8:1:0:8000::/65: $out" || fail "-D -s ...:8000::/65: '$out'"
expect_eq "after it, count -f ipv6" "$(pc -f ipv6)" 2
expect_eq "after both, count" "$(pc)" 5

# watch -s PREFIX: a connection from C4 first, then one from CB4; only the second is shown
# shellcheck disable=SC2034 # read by the eval below
n0=$(grep -c 'watching flow events' "$TMP/tcpfwd.log")
ctl watch -c 1 --duration 10 -s 192.0.2.128/25 >"$TMP/w.out" 2>&1 &
wpid=$!
wait_for 5 eval '[ "$(grep -c "watching flow events" "$TMP/tcpfwd.log")" -gt "$n0" ]'
nsx "$NS_C" "$PY" "$NETNS_DIR/traffic.py" burst "$S4" $P_PFX 1 2 >/dev/null
nsx "$NS_C" "$PY" "$NETNS_DIR/traffic.py" burst "$SB4" $P_PFX 1 2 >/dev/null
wait "$wpid"
expect_eq "watch -s 192.0.2.128/25 -c 1: exit status" "$?" 0
grep -q "src=$CB4 " "$TMP/w.out" && pass "watch -s 192.0.2.128/25: $(head -n 1 "$TMP/w.out")" ||
	fail "watch -s 192.0.2.128/25 printed: $(cat "$TMP/w.out")"

# usage errors: exit 2 and a message that names the problem
usage() { # WHAT GREP ARGS...
	local what=$1 re=$2 rc
	shift 2
	ctl "$@" >/dev/null 2>"$TMP/u.err"
	rc=$?
	if [ $rc = 2 ] && grep -q "$re" "$TMP/u.err"; then
		pass "$what: exit 2, $(head -n 1 "$TMP/u.err")"
	else
		fail "$what: exit $rc, $(cat "$TMP/u.err")"
	fi
}
usage "list -s 192.0.2.0/33" "prefix length" list -s 192.0.2.0/33
usage "count -d 2001:db8::/129" "prefix length" count -d 2001:db8::/129
usage "list -s 192.0.2.0/x" "prefix length" list -s 192.0.2.0/x
usage "list -s 192.0.2/24" "not an IPv4 or IPv6 address or prefix" list -s 192.0.2/24
usage "-f ipv6 -s 10.0.0.0/8" "IPv4" list -f ipv6 -s 10.0.0.0/8
usage "get with a prefix" "not a prefix" get 192.0.2.0/24 1 "$S4" 2
usage "-G -s ADDR/31" "not a prefix" -G -s "$C4/31" --sport 1 -d "$S4" --dport 2

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
