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
# The server paces the download (paced_http.py: 2 MiB/s, small send buffer, no catch-up
# after a stall) and curl reads at full speed, so the size of curl's output file is what has
# crossed the firewall. (curl --limit-rate cannot pace this: curl 7.88 reads ~10 MB in a burst,
# then sleeps for seconds to keep its average.) Counters and flows come from
# `tcpfwctl -j stats` / `-j list` / `-j status`, read here with $PY.

. "$(dirname "$0")/lib.sh"

PORT=8080
ECHO_PORT=9000
MB=12
RATE=$((2 * 1024 * 1024)) # bytes/s: about 6 s
STOP_AT=$((1024 * 1024))  # bytes the download has when tcpfwd is killed

FWCTL=${TCPFWCTL:-$TOP/build/tcpfwctl}
SOCK=$TMP/ctl.sock
CTL_SOCK=$SOCK # for lib.sh's dump_debug
STATE_DIR=$TMP/state
SNAP=$STATE_DIR/flows.snapshot
LOG=$TMP/tcpfwd.log

netns_require curl
[ -x "$FWCTL" ] || die "$FWCTL is missing or not executable; run make"
netns_setup bypass

# ---- tcpfwctl, read with python (independent of lib.sh's stat helpers) ----

cat >"$TMP/j.py" <<'EOF'
import ipaddress, json, sys
def load(p):
    with open(p) as f:
        return json.load(f)
cmd = sys.argv[1]
if cmd == "stats-ok":
    o = load(sys.argv[2])
    v = o.get("verdicts") if isinstance(o, dict) else None
    ok = (isinstance(v, dict) and all(type(v.get(k)) is int for k in ("accept", "drop"))
          and isinstance(o.get("reasons"), dict))
    sys.exit(0 if ok else 1)
elif cmd == "get":  # FILE DOTTED.KEY: an integer or a boolean (as true/false)
    cur = load(sys.argv[2])
    for part in sys.argv[3].split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    if type(cur) is bool:
        print("true" if cur else "false")
    else:
        print(cur if type(cur) is int else "missing:" + sys.argv[3])
elif cmd == "flow":  # FILE SRC SPORT DST DPORT -> STATE | NONE
    src, sport, dst, dport = sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
    ip = ipaddress.ip_address
    hits = [f for f in load(sys.argv[2])
            if ip(f["src"]) == ip(src) and f["sport"] == sport
            and ip(f["dst"]) == ip(dst) and f["dport"] == dport]
    if len(hits) > 1:
        sys.exit("two flows with one tuple")
    print(hits[0]["state"] if hits else "NONE")
EOF
jpy() { "$PY" "$TMP/j.py" "$@"; }
fw() { "$FWCTL" --socket "$SOCK" "$@"; }
fw_stats() { # FILE
	fw -j stats >"$1" 2>"$TMP/fwctl.err" && jpy stats-ok "$1" 2>>"$TMP/fwctl.err"
}
fw_status() { # KEY: from a fresh `tcpfwctl -j status`
	fw -j status >"$TMP/status.json" 2>"$TMP/fwctl.err" && jpy get "$TMP/status.json" "$1" ||
		echo "error:status"
}
fstate() { # SRC SPORT DST DPORT: the flow's state, NONE or ERROR
	fw -j list >"$TMP/list.json" 2>"$TMP/fwctl.err" && jpy flow "$TMP/list.json" "$@" ||
		echo ERROR
}

# ---- helper processes: an echo server and a client that keeps one connection busy ----

cat >"$TMP/echo_server.py" <<'EOF'
import signal, socket, sys, threading
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
ls.bind(("::", int(sys.argv[1])))
ls.listen(16)
def serve(c):
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
# echo_client.py HOST PORT LOG: one connection, a numbered line every 100 ms, each echo checked;
# LOG gets "port N", then "echo I" per round trip, or "error ..." and exit 1. Waits up to 30 s
# for an echo, so a firewall outage shows as a pause, not an error.
cat >"$TMP/echo_client.py" <<'EOF'
import signal, socket, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
host, port, log = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "w", buffering=1)
try:
    s = socket.create_connection((host, port), timeout=5)
    log.write("port %d\n" % s.getsockname()[1])
    s.settimeout(30)
    i = 0
    while True:
        msg = b"ping %08d\n" % i
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            c = s.recv(len(msg) - len(got))
            if not c:
                raise EOFError("connection closed by the peer")
            got += c
        if got != msg:
            raise ValueError("echo %r for %r" % (got, msg))
        log.write("echo %d\n" % i)
        i += 1
        time.sleep(0.1)
except Exception as e:
    log.write("error %s\n" % e)
    sys.exit(1)
EOF
echoes() { local n; n=$(grep -c '^echo ' "$1" 2>/dev/null); echo "${n:-0}"; }
echoes_ge() { [ "$(echoes "$1")" -ge "$2" ]; }

# ---- daemon ----

mkdir -p "$STATE_DIR"
conf=$TMP/fail.conf
write_fw_conf() { # true|false
	cat >"$conf" <<-EOF
		# $TEST_NAME: fail_open = $1, pickup off
		queue = { num = 0; count = 1; fail_open = $1; };
		table = { max_flows = 4096; };
		tcp = { pickup = false; };
		control = { socket = "$SOCK"; };
		state = { directory = "$STATE_DIR"; };
		logging = { level = "info"; log_invalid = true; rate_limit = 0; };
	EOF
	"$TCPFWD" --check -c "$conf" >/dev/null || die "tcpfwd --check rejects $conf"
}

rule_bypass() { # the ruleset in the fw namespace queues with bypass
	{ nsx "$NS_F" nft list table inet tcpfw_test 2>/dev/null
	  nsx "$NS_F" iptables -S FORWARD; nsx "$NS_F" ip6tables -S FORWARD; } | grep -q bypass
}

# set_rule bypass|nobypass: replaces the queue rule (lib.sh's queue_rule only adds one)
set_rule() {
	nsx "$NS_F" nft delete table inet tcpfw_test 2>/dev/null
	nsx "$NS_F" iptables -F FORWARD
	nsx "$NS_F" ip6tables -F FORWARD
	queue_rule "$1"
}

ctl_answers() { fw status >/dev/null 2>&1; }
log_mark=0
start() {
	log_mark=0
	[ -f "$LOG" ] && log_mark=$(wc -l <"$LOG")
	tcpfwd_start "$conf"
	wait_for 5 ctl_answers || die "tcpfwd is ready but its control socket does not answer"
}
new_log() { tail -n +$((log_mark + 1)) "$LOG"; } # what tcpfwd logged since the last start
# term WHAT: SIGTERM tcpfwd, wait for its exit, check the exit status 0
term() {
	local pid=$TCPFWD_PID rc
	kill -TERM "$pid"
	wait_for 10 eval "! alive $pid" || die "$1: tcpfwd still running 10 s after SIGTERM"
	wait "$pid"
	rc=$?
	TCPFWD_PID=""
	expect_eq "$1: tcpfwd exit status after SIGTERM" "$rc" 0
}
unbound() { ! queue_bound 0; }

fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }
size_above() { [ "$(fsize "$2")" -gt "$1" ]; }
client_port() { # PORT FAM: local port of the client's single established connection to PORT
	local ports
	ports=$(nsx "$NS_C" ss -Htn -"$2" state established "( dport = :$1 )" |
		awk '{ n = split($3, a, ":"); print a[n] }')
	[ "$(echo "$ports" | grep -c .)" = 1 ] || return 1
	echo "$ports"
}
# new_conn FAM [MAXTIME]: HTTP status of a fresh request (000 when it failed), then curl's exit
# status
new_conn() {
	local code rc
	code=$(nsx "$NS_C" curl -s -"$1" --max-time "${2:-10}" -o /dev/null -w '%{http_code}' \
		"http://$(url_host "$1"):$PORT/small.txt")
	rc=$?
	echo "${code:-000} $rc"
}

make_blob "$TMP/blob.bin" $MB
TOTAL=$((MB * 1024 * 1024))
want=$(sha256sum <"$TMP/blob.bin")
bg_start "$NS_S" "$TMP/server.log" "$PY" "$NETNS_DIR/paced_http.py" $PORT "$TMP/blob.bin" $RATE
wait_listen "$NS_S" $PORT

# ================= a. fail-open: SIGKILL, bypass =================
info "a. fail-open: $MB MiB download at $((RATE >> 20)) MiB/s, SIGKILL tcpfwd midway"
check "a: the queue rule has bypass" rule_bypass
write_fw_conf true
start
expect_eq "a: tcpfwctl status fail_open" "$(fw_status fail_open)" true

rm -f "$TMP/a.out"
bg_start "$NS_C" "$TMP/a.curl" curl -s -4 --max-time 40 -o "$TMP/a.out" \
	-w '%{http_code}\n' "http://$S4:$PORT/blob.bin"
dl=$BG_PID
wait_for 10 size_above $STOP_AT "$TMP/a.out" || die "a: download did not start"
lp=$(client_port $PORT 4) || die "a: cannot find the download's connection"
tup="$C4 $lp $S4 $PORT"
# the download goes through tcpfwd before the crash (bypass would hide a daemon that is not there)
expect_eq "a: download's flow in tcpfwd before the kill" "$(fstate $tup)" ESTABLISHED
fw_stats "$TMP/a.before" || die "a: no stats from tcpfwd"
expect_eq "a: drops before the kill" "$(jpy get "$TMP/a.before" verdicts.drop)" 0

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
wait "$dl"
rc=$?
read -r code <"$TMP/a.curl"
got=$(sha256sum <"$TMP/a.out")
if [ $rc = 0 ] && [ "${code:-}" = 200 ] && [ "$got" = "$want" ]; then
	pass "a: download complete and byte-identical"
else
	fail "a: download: curl exit $rc, status '${code:-}', $(fsize "$TMP/a.out") bytes, sha256 ${got%% *} != ${want%% *}"
fi
check "a: still nobody bound to queue 0 when the download completed" unbound

info "a: tcpfwd started again after the crash (stale control socket left: $([ -S "$SOCK" ] && echo yes || echo no))"
start
if new_log | grep -Eq 'state: restored [1-9]'; then
	fail "a: flows restored after a crash: $(new_log | grep -m1 restored)"
else
	pass "a: nothing restored after the crash"
fi
read -r code crc <<<"$(new_conn 4)"
expect_eq "a: new connection through the restarted tcpfwd (HTTP status)" "$code" 200
fw_stats "$TMP/a.after" || die "a: no stats from tcpfwd"
expect_ge "a: flows created by the restarted tcpfwd" "$(jpy get "$TMP/a.after" created)" 1
expect_eq "a: drops by the restarted tcpfwd" "$(jpy get "$TMP/a.after" verdicts.drop)" 0

# ================= b. fail-closed: SIGTERM, no bypass =================
info "b. fail-closed: held connections and new ones across a stop and a start"
term "b (switching to fail-closed)"
rm -f "$SNAP" # begin b with an empty table
set_rule nobypass
if rule_bypass; then fail "b: the queue rule still has bypass"; else pass "b: the queue rule has no bypass"; fi
write_fw_conf false
start
expect_eq "b: tcpfwctl status fail_open" "$(fw_status fail_open)" false

bg_start "$NS_S" "$TMP/echo-server.log" "$PY" "$TMP/echo_server.py" $ECHO_PORT
wait_listen "$NS_S" $ECHO_PORT
bg_start "$NS_C" "$TMP/echo4.err" "$PY" "$TMP/echo_client.py" "$S4" $ECHO_PORT "$TMP/echo4.log"
ec4=$BG_PID
bg_start "$NS_C" "$TMP/echo6.err" "$PY" "$TMP/echo_client.py" "$S6" $ECHO_PORT "$TMP/echo6.log"
ec6=$BG_PID
wait_for 10 echoes_ge "$TMP/echo4.log" 5 || die "b: IPv4 echo client: $(tail -n 1 "$TMP/echo4.log" 2>/dev/null)"
wait_for 10 echoes_ge "$TMP/echo6.log" 5 || die "b: IPv6 echo client: $(tail -n 1 "$TMP/echo6.log" 2>/dev/null)"
p4=$(sed -n 's/^port //p' "$TMP/echo4.log")
p6=$(sed -n 's/^port //p' "$TMP/echo6.log")
e4="$C4 $p4 $S4 $ECHO_PORT"
e6="$C6 $p6 $S6 $ECHO_PORT"
expect_eq "b: IPv4 held connection's flow before the stop" "$(fstate $e4)" ESTABLISHED
expect_eq "b: IPv6 held connection's flow before the stop" "$(fstate $e6)" ESTABLISHED

term "b"
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
	eval "grew=\$((m$fam - n$fam))"
	if [ "$grew" -le 1 ]; then
		pass "b: IPv$fam held connection paused while tcpfwd is down ($grew echoes in $down_ms ms)"
	else
		fail "b: IPv$fam held connection got $grew echoes in $down_ms ms with tcpfwd down and no bypass"
	fi
done
check "b: still nobody bound to queue 0" unbound

start
restored=$(new_log | sed -nE 's/.*state: restored ([0-9]+) flows.*/\1/p' | head -n 1)
expect_ge "b: 'restored N flows' logged at start" "${restored:-none}" 2
expect_eq "b: IPv4 held connection's flow after the restart" "$(fstate $e4)" ESTABLISHED
expect_eq "b: IPv6 held connection's flow after the restart" "$(fstate $e6)" ESTABLISHED
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
expect_eq "b: IPv4 held connection's flow at the end" "$(fstate $e4)" ESTABLISHED
fw_stats "$TMP/b.after" || die "b: no stats from tcpfwd"
drops=$(jpy get "$TMP/b.after" verdicts.drop)
if [ "$drops" = 0 ]; then
	pass "b: drops by the restarted tcpfwd (0)"
else
	fail "b: the restarted tcpfwd dropped $drops segments: $(new_log | grep -m3 ' drop ' | tr '\n' ' ')"
fi
stop_pid $ec4
stop_pid $ec6

# ================= c. fail-open across a clean restart =================
info "c. fail-open: a held connection across SIGTERM and a restart, bypass while down"
term "c (switching to fail-open)"
rm -f "$SNAP" # begin c with an empty table
set_rule bypass
check "c: the queue rule has bypass" rule_bypass
write_fw_conf true
start
bg_start "$NS_C" "$TMP/echoc.err" "$PY" "$TMP/echo_client.py" "$S4" $ECHO_PORT "$TMP/echoc.log"
ecc=$BG_PID
wait_for 10 echoes_ge "$TMP/echoc.log" 5 || die "c: echo client: $(tail -n 1 "$TMP/echoc.log" 2>/dev/null)"
pc=$(sed -n 's/^port //p' "$TMP/echoc.log")
ec="$C4 $pc $S4 $ECHO_PORT"
expect_eq "c: held connection's flow before the stop" "$(fstate $ec)" ESTABLISHED
term "c"
check "c: flows.snapshot saved at the stop" test -s "$SNAP"
n=$(echoes "$TMP/echoc.log")
if wait_for 3 echoes_ge "$TMP/echoc.log" $((n + 3)); then
	pass "c: held connection keeps going while tcpfwd is down (bypass)"
else
	fail "c: held connection stalled while tcpfwd is down with bypass: $(tail -n 1 "$TMP/echoc.log")"
fi
start
restored=$(new_log | sed -nE 's/.*state: restored ([0-9]+) flows.*/\1/p' | head -n 1)
expect_ge "c: 'restored N flows' logged at start" "${restored:-none}" 1
m=$(echoes "$TMP/echoc.log")
stale_drop() { # a window drop of the held connection's segments
	new_log | grep -Eq "drop (ack|seq)_over_window .*($C4:$pc -> $S4:$ECHO_PORT|$S4:$ECHO_PORT -> $C4:$pc) "
}
if wait_for 4 echoes_ge "$TMP/echoc.log" $((m + 5)); then
	drops=$(fw -j stats 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["verdicts"]["drop"])')
	if [ "$drops" = 0 ]; then
		pass "c: held connection resumed after the restart, nothing dropped"
	else
		fail "c: held connection resumed, but tcpfwd dropped $drops segments: $(new_log | grep -m3 ' drop ' | tr '\n' ' ')"
	fi
elif stale_drop; then
	fail "c: restored flow is stale after traffic bypassed tcpfwd: $(new_log | grep -Eo -m1 'drop (ack|seq)_over_window .*')"
else
	fail "c: held connection: $(($(echoes "$TMP/echoc.log") - m)) echoes in 4 s after the restart, no window drop logged; $(tail -n 1 "$TMP/echoc.log")"
fi
stop_pid $ecc

[ $RET = 0 ] || dump_debug
exit $RET
