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
# The server paces the downloads (paced_http.py: 2 MiB/s, small send buffer, no catch-up
# after a stall) and curl reads at full speed, so the size of curl's output file is what has
# crossed the firewall. (curl --limit-rate cannot pace this: curl 7.88 reads ~10 MB in a burst,
# then sleeps for seconds to keep its average.)
# Counters and flows come from `tcpfwctl -j stats` / `-j list`, read here with $PY.

. "$(dirname "$0")/lib.sh"

PORT=8080
MB=12
RATE=$((2 * 1024 * 1024)) # bytes/s: about 6 s a download
STOP_AT=$((1024 * 1024))  # bytes each download has when tcpfwd is stopped
MAXT_B=12                 # curl --max-time of the download that must stall (b)

FWCTL=${TCPFWCTL:-$TOP/build/tcpfwctl}
SOCK=$TMP/ctl.sock
CTL_SOCK=$SOCK # for lib.sh's dump_debug
STATE_DIR=$TMP/state
SNAP=$STATE_DIR/flows.snapshot
LOG=$TMP/tcpfwd.log

netns_require curl
[ -x "$FWCTL" ] || die "$FWCTL is missing or not executable; run make"
netns_setup nobypass

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
elif cmd == "get":  # FILE DOTTED.KEY
    cur = load(sys.argv[2])
    for part in sys.argv[3].split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
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
    if hits and len(sys.argv) > 7:  # and the timer, in ms
        print(round(hits[0]["timeout"] * 1000))
EOF
jpy() { "$PY" "$TMP/j.py" "$@"; }
fw() { "$FWCTL" --socket "$SOCK" "$@"; }
fw_stats() { # FILE: `tcpfwctl -j stats` into FILE; fails unless it is the documented object
	fw -j stats >"$1" 2>"$TMP/fwctl.err" && jpy stats-ok "$1" 2>>"$TMP/fwctl.err"
}
fstate() { # SRC SPORT DST DPORT: the flow's state from a fresh `-j list`, NONE or ERROR
	fw -j list >"$TMP/list.json" 2>"$TMP/fwctl.err" && jpy flow "$TMP/list.json" "$@" ||
		echo ERROR
}
fstate_is() { [ "$(fstate "$2" "$3" "$4" "$5")" = "$1" ]; }
ftimer() { # SRC SPORT DST DPORT: "STATE TIMEOUT_MS" from a fresh `-j list`
	fw -j list >"$TMP/list.json" 2>"$TMP/fwctl.err" &&
		jpy flow "$TMP/list.json" "$@" timer | tr '\n' ' ' || echo ERROR
}

# ---- configuration, daemon ----

mkdir -p "$STATE_DIR"
conf=$TMP/restart.conf
cat >"$conf" <<EOF
# $TEST_NAME: fail-closed, pickup off
queue = { num = 0; count = 1; fail_open = false; };
table = { max_flows = 4096; };
tcp = { pickup = false; };
control = { socket = "$SOCK"; };
state = { directory = "$STATE_DIR"; };
logging = { level = "info"; log_invalid = true; rate_limit = 0; };
EOF
"$TCPFWD" --check -c "$conf" >/dev/null || die "tcpfwd --check rejects $conf"

rule_bypass() { # the ruleset in the fw namespace queues with bypass
	{ nsx "$NS_F" nft list table inet tcpfw_test 2>/dev/null
	  nsx "$NS_F" iptables -S FORWARD; nsx "$NS_F" ip6tables -S FORWARD; } | grep -q bypass
}
if rule_bypass; then fail "the queue rule has bypass; this test needs it without"; fi

ctl_answers() { fw status >/dev/null 2>&1; }
log_mark=0
# start: tcpfwd with $conf; waits for READY=1, the bound queue and an answering control socket
start() {
	log_mark=0
	[ -f "$LOG" ] && log_mark=$(wc -l <"$LOG")
	tcpfwd_start "$conf"
	wait_for 5 ctl_answers || die "tcpfwd is ready but its control socket does not answer"
}
new_log() { tail -n +$((log_mark + 1)) "$LOG"; } # what tcpfwd logged since the last start

# term WHAT: SIGTERM tcpfwd and wait for its exit; checks exit status 0 and the snapshot
term() {
	local what=$1 pid=$TCPFWD_PID rc
	kill -TERM "$pid"
	wait_for 10 eval "! alive $pid" || die "$what: tcpfwd still running 10 s after SIGTERM"
	wait "$pid"
	rc=$?
	TCPFWD_PID=""
	expect_eq "$what: tcpfwd exit status after SIGTERM" "$rc" 0
	if test -s "$SNAP"; then
		pass "$what: flows.snapshot written ($(stat -c %s "$SNAP") bytes; log: $(new_log | grep -Eo 'saved [0-9]+ flows'))"
	else
		fail "$what: no $SNAP after a clean stop; log: $(new_log | tail -n 3 | tr '\n' ' ')"
	fi
}

IDLE_LPORT=0
# client_port PORT FAM: the client's local port of its single established connection to PORT
# (the idle connection aside)
client_port() {
	local ports
	ports=$(nsx "$NS_C" ss -Htn -"$2" state established "( dport = :$1 )" |
		awk -v idle=$IDLE_LPORT '{ n = split($3, a, ":"); if (a[n] != idle) print a[n] }')
	[ "$(echo "$ports" | grep -c .)" = 1 ] || return 1
	echo "$ports"
}
fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }
size_above() { [ "$(fsize "$2")" -gt "$1" ]; }

# ---- traffic ----

make_blob "$TMP/blob.bin" $MB
TOTAL=$((MB * 1024 * 1024))
want=$(sha256sum <"$TMP/blob.bin")
bg_start "$NS_S" "$TMP/server.log" "$PY" "$NETNS_DIR/paced_http.py" $PORT "$TMP/blob.bin" $RATE
wait_listen "$NS_S" $PORT

download() { # FAM OUT MAXTIME: a paced background download; sets DL_PID
	rm -f "$2"
	bg_start "$NS_C" "$2.curl" curl -s -"$1" --max-time "$3" -o "$2" \
		-w '%{http_code} %{size_download}\n' "http://$(url_host "$1"):$PORT/blob.bin"
	DL_PID=$BG_PID
}

start

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
download 4 "$TMP/a4.out" 40
pid4=$DL_PID
download 6 "$TMP/a6.out" 40
pid6=$DL_PID
wait_for 10 size_above $STOP_AT "$TMP/a4.out" || die "a: IPv4 download did not start"
wait_for 10 size_above $STOP_AT "$TMP/a6.out" || die "a: IPv6 download did not start"
lp4=$(client_port $PORT 4) || die "a: cannot find the IPv4 download's connection"
lp6=$(client_port $PORT 6) || die "a: cannot find the IPv6 download's connection"
t4="$C4 $lp4 $S4 $PORT"
t6="$C6 $lp6 $S6 $PORT"
expect_eq "a: IPv4 download's flow before the stop" "$(fstate $t4)" ESTABLISHED
expect_eq "a: IPv6 download's flow before the stop" "$(fstate $t6)" ESTABLISHED
fw_stats "$TMP/a.before" || die "a: no stats from tcpfwd"
expect_eq "a: drops before the stop" "$(jpy get "$TMP/a.before" verdicts.drop)" 0
read -r ist0 itm0 <<<"$(ftimer $ti)"
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
start
r4=$(fsize "$TMP/a4.out") r6=$(fsize "$TMP/a6.out")
read -r ist1 itm1 <<<"$(ftimer $ti)"
it1=$(now_ms)
restored=$(new_log | sed -nE 's/.*state: restored ([0-9]+) flows.*/\1/p' | head -n 1)
expect_ge "a: 'restored N flows' logged at start" "${restored:-none}" 3
if [ -e "$SNAP" ]; then fail "a: $SNAP still there after the restore"; else pass "a: the restored snapshot was removed"; fi
# right after the start: the restored flows (a SYN-less segment could not have created them)
expect_eq "a: IPv4 download's flow after the restart" "$(fstate $t4)" ESTABLISHED
expect_eq "a: IPv6 download's flow after the restart" "$(fstate $t6)" ESTABLISHED
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

for fam in 4 6; do
	eval "pid=\$pid$fam"
	wait "$pid"
	rc=$?
	read -r code size <"$TMP/a$fam.out.curl"
	got=$(sha256sum <"$TMP/a$fam.out")
	if [ $rc = 0 ] && [ "${code:-}" = 200 ] && [ "$got" = "$want" ]; then
		pass "a: IPv$fam download across the restart complete and byte-identical"
	else
		fail "a: IPv$fam download across the restart: curl exit $rc, status '${code:-}', $(fsize "$TMP/a$fam.out") bytes, sha256 ${got%% *} != ${want%% *}"
	fi
done
fw_stats "$TMP/a.after" || die "a: no stats from tcpfwd"
drops=$(jpy get "$TMP/a.after" verdicts.drop)
if [ "$drops" = 0 ]; then
	pass "a: drops by the restarted tcpfwd (0)"
else
	fail "a: the restarted tcpfwd dropped $drops segments: $(new_log | grep -m3 ' drop ' | tr '\n' ' ')"
fi
# with 64 KiB GSO packets at most; the transfer did go through the daemon
expect_ge "a: segments accepted by the restarted tcpfwd" \
	"$(jpy get "$TMP/a.after" verdicts.accept)" $(((2 * TOTAL - r4 - r6) / 65536))
# the restored flows go on tracking: both close into TIME_WAIT
check "a: IPv4 restored flow reached TIME_WAIT after the download" wait_for 5 fstate_is TIME_WAIT $t4
check "a: IPv6 restored flow reached TIME_WAIT after the download" wait_for 5 fstate_is TIME_WAIT $t6

# ================= b. restart without the snapshot =================
info "b. IPv4 download, SIGTERM midway, flows.snapshot deleted, restart"
download 4 "$TMP/b.out" $MAXT_B
pidb=$DL_PID
wait_for 10 size_above $STOP_AT "$TMP/b.out" || die "b: download did not start"
lpb=$(client_port $PORT 4) || die "b: cannot find the download's connection"
tb="$C4 $lpb $S4 $PORT"
expect_eq "b: download's flow before the stop" "$(fstate $tb)" ESTABLISHED
term "b"
rm -f "$SNAP"
check "b: download still running at the stop" alive $pidb
start
if new_log | grep -Eq 'state: restored [1-9]'; then
	fail "b: flows restored without a snapshot: $(new_log | grep -m1 'restored')"
else
	pass "b: nothing restored"
fi
expect_eq "b: download's flow after the restart" "$(fstate $tb)" NONE
# control: a new connection passes the restarted tcpfwd
code=$(nsx "$NS_C" curl -s -4 --max-time 5 -o "$TMP/small.out" -w '%{http_code}' "http://$S4:$PORT/small.txt")
expect_eq "b: a new connection after the restart" "${code:-none}" 200

# the download's segments (retransmissions) are dropped as new_not_syn
nns_logged() {
	new_log | grep -Eq "drop new_not_syn .*($S4:$PORT -> $C4:$lpb|$C4:$lpb -> $S4:$PORT) "
}
if wait_for 8 nns_logged; then
	pass "b: the download's segments dropped as new_not_syn: $(new_log | grep -E -m1 "drop new_not_syn .*:$lpb")"
else
	fail "b: no new_not_syn drop logged for $tb; log: $(new_log | tail -n 3 | tr '\n' ' ')"
fi
fw_stats "$TMP/b.after" || die "b: no stats from tcpfwd"
nns=$(jpy get "$TMP/b.after" reasons.new_not_syn)
drops=$(jpy get "$TMP/b.after" verdicts.drop)
expect_ge "b: reasons.new_not_syn" "$nns" 1
expect_eq "b: every drop is new_not_syn (verdicts.drop)" "$drops" "$nns"
expect_eq "b: download's flow not created by its mid-stream segments (pickup off)" "$(fstate $tb)" NONE

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
