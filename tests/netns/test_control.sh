#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The control socket and tcpfwctl against a live tcpfwd:
#   - exit status 3 when tcpfwd cannot be reached, 2 for usage errors, 1 for errors tcpfwd
#     answers; errors never on standard output;
#   - list (text and JSON), get and count show a rate-limited download in ESTABLISHED with
#     its 4-tuple, and the same flow (same id) in TIME_WAIT once it is over;
#   - -j stats, -j status and -j list are JSON with the documented keys and consistent values;
#   - watch streams NEW, UPDATE and DESTROY events of the flows its filter selects, stops
#     after -c N events, and ends with status 0 on SIGTERM;
#   - kill --sport --dport removes exactly the flow it names: its next data segment is dropped
#     as new_not_syn (pickup is off) and the connection stalls, while flows that share only
#     the port or only the source port keep working;
#   - set-param tcp.time_wait.shortened changes the TIME_WAIT hold at once (a flow closed
#     afterwards expires after ~2 s instead of 20 s), get-param and status show it;
#   - access: control.group members may call the read-only methods only, control.admin_group
#     members every method, anybody else is refused by tcpfwd even through a 0666 socket.

. "$(dirname "$0")/lib.sh"

PORT_HTTP=8080
P_ECHO=5601 P_ECHO2=5602 P_WATCH=5603 P_OTHER=5604 P_TW=5605
SP_HTTP=42201
# about 8 s of transfer, with the client's receive buffer kept small: long enough that a loaded
# machine still lists the download while it runs
HTTP_MB=8 HTTP_RATE=1M
SHORT_S=20             # TIME_WAIT hold in the configuration ...
NEW_SHORT_S=2          # ... and after set-param
G_READ=tcpfwtest$$
G_ADMIN=tcpfwadm$$

netns_require curl socat setpriv groupadd groupdel stat
netns_setup bypass

# ---- identities: two throwaway groups, and uids and a gid that name nobody ----

# The other uids get through $TMP to the socket's directory and run tcpfwctl ($CTLBIN) from a
# place they can read, wherever the source tree is.
users_setup "$G_READ" "$G_ADMIN"
info "groups $G_READ ($GID_READ), $G_ADMIN ($GID_ADMIN); uids member $UID_MEMBER," \
	"other $UID_OTHER, admin $UID_ADMIN; primary gid $GID_NONE"

# The socket's directory does not exist yet: tcpfwd creates it (0750, group control.group).
CTL_SOCK=$TMP/run/ctl.sock
conf=$TMP/tcpfwd.conf
write_conf "$conf" level=info policy=shorten shortened=$SHORT_S minimum=1 \
	group="$G_READ" admin_group="$G_ADMIN"
tcpfwd_start "$conf"

bg_start "$NS_S" "$TMP/echo.log" "$PY" "$NETNS_DIR/tcp_server.py" echo $P_ECHO $P_ECHO2
bg_start "$NS_S" "$TMP/eof.log" "$PY" "$NETNS_DIR/tcp_server.py" eof $P_WATCH $P_OTHER $P_TW
# paced by the server too: curl's --limit-rate lets a first burst through, and on a fast path
# (tcpfwd's own, with TCPFW_NETNS_FASTPATH=1) that burst can be the whole file
paced_http_start $PORT_HTTP $HTTP_MB $((1024 * 1024))
wait_listen "$NS_S" $P_ECHO2
wait_listen "$NS_S" $P_TW

# run_rc OUT ERR CMD...: runs CMD with stdout in OUT and stderr in ERR; prints its status
run_rc() {
	local out=$1 err=$2
	shift 2
	"$@" >"$out" 2>"$err" </dev/null
	echo $?
}

oneline() { tr '\n' ' ' <"$1" | cut -c 1-300; }

# pycheck SCRIPT ARGS...: runs a python check that prints "ok MSG" and "bad MSG" lines
pycheck() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok "*) pass "${line#ok }" ;;
		"bad "*) fail "${line#bad }" ;;
		"exit 0") ;;
		*) fail "python check: $line" ;;
		esac
	done < <("$PY" -c "$1" "${@:2}" 2>&1; echo "exit $?")
}

# ======== exit status ========

info "exit status: unreachable (3), usage (2), error answered by tcpfwd (1)"
# exit_case WHAT RC CMD...: status RC and nothing on stdout
exit_case() {
	local what=$1 want=$2 rc
	shift 2
	rc=$(run_rc "$TMP/x.out" "$TMP/x.err" "$@")
	if [ "$rc" = "$want" ] && [ ! -s "$TMP/x.out" ] && [ -s "$TMP/x.err" ]; then
		pass "$what: exit $rc, message on stderr only ($(head -n 1 "$TMP/x.err"))"
	else
		fail "$what: exit $rc (want $want); stdout '$(oneline "$TMP/x.out")' stderr '$(oneline "$TMP/x.err")'"
	fi
}
exit_case "no socket file" 3 "$CTLBIN" --socket "$TMP/absent.sock" status
"$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/stale.sock" ||
	die "cannot make a stale socket"
exit_case "socket nobody listens on" 3 "$CTLBIN" --socket "$TMP/stale.sock" status
exit_case "unknown command (checked before connecting)" 2 "$CTLBIN" --socket "$TMP/absent.sock" frobnicate
exit_case "unknown option" 2 ctl list --frobnicate
exit_case "port out of range" 2 ctl list --sport 70000
exit_case "bad address" 2 ctl list -s 192.0.2.300
exit_case "bad state" 2 ctl list --state LISTEN
exit_case "kill without a filter" 2 ctl kill
exit_case "get with three arguments" 2 ctl get "$C4" 1 "$S4"
exit_case "filter on a command that takes none" 2 ctl stats --sport 5
exit_case "-c on a command other than watch" 2 ctl list -c 1
exit_case "no command" 2 ctl
exit_case "get of a flow that does not exist" 1 ctl get 192.0.2.99 1 198.51.100.99 2
exit_case "set-param of an unknown parameter" 1 ctl set-param tcp.no_such_thing 1
expect_eq "status on the live socket: exit" "$(run_rc "$TMP/x.out" "$TMP/x.err" ctl status)" 0
check "status names tcpfwd's pid" grep -qx "pid: $TCPFWD_PID" "$TMP/x.out"

# ======== list, get, count: a live download, then its TIME_WAIT ========

info "list during a ${HTTP_MB} MB download at $HTTP_RATE/s from $C4:$SP_HTTP"
# Without this the client's kernel takes in the whole file at once, the server closes at once
# (HTTP/1.0), and only curl's reading is slow: the flow would not be ESTABLISHED for long.
nsx "$NS_C" sysctl -qw net.ipv4.tcp_rmem="4096 65536 131072" || die "tcp_rmem in the client"
download_start 4 $PORT_HTTP "$TMP/blob.out" 60 --limit-rate $HTTP_RATE --local-port $SP_HTTP
curl_pid=$DL_PID
wait_for 10 size_above $((256 * 1024)) "$TMP/blob.out" || die "the download did not start"

rc=$(run_rc "$TMP/list.txt" "$TMP/list.err" ctl list)
check "tcpfwctl list exits 0 during the download" [ "$rc" = 0 ]
check "list starts with its header" grep -Eq '^PROTO +STATE +SRC:PORT +DST:PORT +TIMEOUT +FLAGS$' \
	<(head -n 1 "$TMP/list.txt")
row=$(awk -v s="$C4:$SP_HTTP" -v d="$S4:$PORT_HTTP" '$3 == s && $4 == d' "$TMP/list.txt")
read -r proto state _ _ timeout flags <<<"$row"
# TIMEOUT: the established timeout, or the unacknowledged-data one (300 s) while data is in flight
if [ "${proto:-}" = tcp ] && [ "${state:-}" = ESTABLISHED ] && [ "${flags:-}" = "[ASSURED]" ] &&
	[ "${timeout:-0}" -ge 250 ] 2>/dev/null && [ "$timeout" -le 432000 ]; then
	pass "list shows the download: $row"
else
	fail "list: no 'tcp ESTABLISHED $C4:$SP_HTTP $S4:$PORT_HTTP 250..432000 [ASSURED]' row in: $(oneline "$TMP/list.txt")"
fi
check "the download was still running while listed" alive "$curl_pid"

# the JSON array: every flow object has exactly the documented members
LIST_PY='
import ipaddress, json, sys
flows = json.load(open(sys.argv[1]))
src, sport, dst, dport = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
keys = {"id", "queue", "family", "state", "assured", "src", "sport", "dst", "dport", "timeout"}
print(("ok" if isinstance(flows, list) else "bad") + " -j list is a JSON array")
bad = [f for f in flows if set(f) != keys]
print(("bad %r" % bad[:1]) if bad else "ok every flow object has exactly %s" % sorted(keys))
def fam(a):
    return "ipv%d" % ipaddress.ip_address(a).version
bad = [f for f in flows if f.get("family") != fam(f["src"]) or fam(f["src"]) != fam(f["dst"])]
print(("bad family does not match the addresses: %r" % bad[:1]) if bad else
      "ok family matches the addresses of %d flows" % len(flows))
mine = [f for f in flows if f["src"] == src and f["sport"] == sport and f["dst"] == dst
        and f["dport"] == dport]
if len(mine) != 1:
    print("bad the download is %d times in -j list" % len(mine))
    sys.exit()
f = mine[0]
# the wheel rounds an expiry up to its 100 ms tick: the established timeout plus one tick
ok = (f["state"] == "ESTABLISHED" and f["assured"] is True and f["queue"] == 0 and
      f["family"] == "ipv4" and isinstance(f["id"], int) and
      isinstance(f["timeout"], (int, float)) and 250 <= f["timeout"] <= 432000.1)
print(("ok" if ok else "bad") + " -j list: the download is %r" % f)
'
ctl -j list >"$TMP/list.json" 2>"$TMP/list.err" || fail "tcpfwctl -j list: $(oneline "$TMP/list.err")"
pycheck "$LIST_PY" "$TMP/list.json" "$C4" $SP_HTTP "$S4" $PORT_HTTP
read -r _ id_live _ <<<"$($CTL_JSON flow "$TMP/list.json" "$C4" $SP_HTTP "$S4" $PORT_HTTP)"

# get, by arguments and by options, and count with filters
if ctl -j get "$C4" $SP_HTTP "$S4" $PORT_HTTP >"$TMP/get.json" 2>"$TMP/get.err"; then
	got=$("$PY" -c 'import json, sys; f = json.load(open(sys.argv[1])); print(f["state"], f["id"])' \
		"$TMP/get.json" 2>&1)
	expect_eq "-j get of the download: state and id" "$got" "ESTABLISHED $id_live"
else
	fail "tcpfwctl -j get of the download: $(oneline "$TMP/get.err")"
fi
check "get with -s --sport -d --dport finds it too" \
	grep -q "ESTABLISHED *$C4:$SP_HTTP" <(ctl -H get -s "$C4" --sport $SP_HTTP -d "$S4" --dport $PORT_HTTP)
expect_eq "count --sport $SP_HTTP --state established" \
	"$(ctl count --sport $SP_HTTP --state established 2>&1)" 1
expect_eq "count --sport $SP_HTTP --state time-wait,close" \
	"$(ctl count --sport $SP_HTTP --state time-wait,close 2>&1)" 0
expect_eq "-j count -f ipv6 --sport $SP_HTTP" "$(ctl -j count -f ipv6 --sport $SP_HTTP 2>&1)" '{"count":0}'

download_done "download" "$curl_pid" "$TMP/blob.out" "$BLOB_SHA256"
if wait_for 5 flow_state_is TIME_WAIT "$C4" $SP_HTTP "$S4" $PORT_HTTP; then
	read -r _ id_tw tmo _ <<<"$(flow_info "$C4" $SP_HTTP "$S4" $PORT_HTTP)"
	expect_eq "the flow in TIME_WAIT is the download's (id)" "$id_tw" "$id_live"
	# the wheel rounds an expiry up to its next 100 ms tick: one tick of slack
	check "its TIMEOUT is the TIME_WAIT hold (${tmo}s <= $SHORT_S s + one tick)" \
		awk -v t="$tmo" -v m=$SHORT_S 'BEGIN { exit !(t > 0 && t <= m + 0.1) }'
	check "text list shows it in TIME_WAIT" grep -Eq \
		"^tcp +TIME_WAIT +$C4:$SP_HTTP +$S4:$PORT_HTTP +[0-9]+ \[ASSURED\]$" <(ctl list)
else
	fail "after the download the flow is '$(flow_state "$C4" $SP_HTTP "$S4" $PORT_HTTP)', expected TIME_WAIT"
fi

# ======== -j stats, -j status ========

info "-j stats, -j status"
ctl -j stats >"$TMP/stats.json" 2>"$TMP/stats.err" || fail "-j stats: $(oneline "$TMP/stats.err")"
ctl -j list >"$TMP/list2.json" 2>"$TMP/list.err" || fail "-j list: $(oneline "$TMP/list.err")"
# the reason names, from the source of truth
sed -n 's/^[[:space:]]*\[REASON_[A-Z0-9_]*\] = "\([a-z0-9_]*\)",$/\1/p' "$TOP/lib/reason.c" >"$TMP/reasons.txt"
expect_ge "reason names found in lib/reason.c" "$(wc -l <"$TMP/reasons.txt")" 20
STATS_PY='
import json, sys
st = json.load(open(sys.argv[1]))
flows = json.load(open(sys.argv[2]))
names = set(open(sys.argv[3]).read().split())
def chk(cond, msg):
    print(("ok " if cond else "bad ") + msg)
keys = ["verdicts", "reasons", "states", "flows", "created", "destroyed", "enobufs", "queues"]
missing = [k for k in keys if k not in st]
chk(not missing, "-j stats has %s (missing: %s)" % (", ".join(keys), missing or "none"))
if missing:
    sys.exit()
v, r, s, d = st["verdicts"], st["reasons"], st["states"], st["destroyed"]
chk(isinstance(v.get("accept"), int) and isinstance(v.get("drop"), int) and v["accept"] > 0,
    "verdicts: %r" % v)
chk(set(r) == names, "reasons are exactly the %d names of lib/reason.c (extra %s, missing %s)"
    % (len(names), sorted(set(r) - names), sorted(names - set(r))))
chk(sum(r.values()) == v["accept"] + v["drop"],
    "each verdict has one reason: sum of reasons %d == accept + drop %d"
    % (sum(r.values()), v["accept"] + v["drop"]))
want_states = {"SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK",
               "TIME_WAIT", "CLOSE", "SYN_SENT2"}
chk(want_states <= set(s), "states has the conntrack names (missing %s)" % sorted(want_states - set(s)))
chk(sum(s.values()) == st["flows"], "flows per state add up to flows (%d)" % st["flows"])
chk(st["flows"] == len(flows), "flows %d == flows in -j list %d" % (st["flows"], len(flows)))
chk(s.get("TIME_WAIT", 0) == sum(f["state"] == "TIME_WAIT" for f in flows) >= 1,
    "states.TIME_WAIT %s matches -j list" % s.get("TIME_WAIT"))
chk(st["created"] >= 1, "created %r (the download)" % st["created"])
causes = {"timeout", "reset", "reopen", "evicted", "killed", "flushed"}
chk(causes <= set(d), "destroyed has %s: %r" % (sorted(causes), d))
chk(isinstance(st["enobufs"], int), "enobufs %r" % st["enobufs"])
q = st["queues"]
qkeys = {"queue", "waiting", "queue_dropped", "user_dropped", "packets_seen"}
chk(isinstance(q, list) and len(q) == 1 and set(q[0]) == qkeys and q[0]["queue"] == 0
    and q[0]["packets_seen"] >= v["accept"], "queues: %r" % q)
'
pycheck "$STATS_PY" "$TMP/stats.json" "$TMP/list2.json" "$TMP/reasons.txt"

ctl -j status >"$TMP/status.json" 2>"$TMP/status.err" || fail "-j status: $(oneline "$TMP/status.err")"
STATUS_PY='
import json, sys
st = json.load(open(sys.argv[1]))
def chk(cond, msg):
    print(("ok " if cond else "bad ") + msg)
want = {"json_schema_version": 1, "pid": int(sys.argv[2]), "config": sys.argv[3], "queues": "0",
        "fail_open": True, "time_wait_policy": "shorten", "pickup": False, "max_flows": 65536,
        "overridden": []}
for k, w in want.items():
    chk(st.get(k) == w, "-j status %s: %r (want %r)" % (k, st.get(k), w))
chk(isinstance(st.get("version"), str) and st["version"] != "", "-j status version %r" % st.get("version"))
chk(isinstance(st.get("uptime"), (int, float)) and 0 < st["uptime"] < 600, "-j status uptime %r s" % st.get("uptime"))
chk(isinstance(st.get("flows"), int) and st["flows"] >= 1, "-j status flows %r" % st.get("flows"))
'
pycheck "$STATUS_PY" "$TMP/status.json" "$TCPFWD_PID" "$conf"

# ======== watch ========

info "watch: events of a connection to port $P_WATCH, killed in TIME_WAIT"
# watch_start OUT ARGS...: a watcher in the background; stderr in OUT.err; sets WPID
watch_start() {
	local out=$1
	shift
	"$CTLBIN" --socket "$CTL_SOCK" watch "$@" >"$out" 2>"$out.err" </dev/null &
	WPID=$!
	BG_PIDS="$BG_PIDS $WPID"
}
watchers_logged() { echo $(($(grep -c 'watching flow events' "$TMP/tcpfwd.log"))); }
watchers_above() { [ "$(watchers_logged)" -ge "$1" ]; }
n0=$(watchers_logged)
watch_start "$TMP/w.json" -j --dport $P_WATCH --duration 60
wpid_json=$WPID
watch_start "$TMP/w.txt" --duration 60
wpid_txt=$WPID
watch_start "$TMP/w.c2" -j --dport $P_WATCH -c 2 --duration 60
wpid_c2=$WPID
wait_for 5 watchers_above $((n0 + 3)) || fail "tcpfwd logged $(($(watchers_logged) - n0)) of 3 watchers"

SP_OTHER=42301 SP_WATCH=42302
echo other | nsx "$NS_C" timeout 10 socat -u - "TCP:$S4:$P_OTHER,sourceport=$SP_OTHER" ||
	fail "socat to port $P_OTHER"
echo watched | nsx "$NS_C" timeout 10 socat -u - "TCP:$S4:$P_WATCH,sourceport=$SP_WATCH" ||
	fail "socat to port $P_WATCH"
wait_for 5 flow_state_is TIME_WAIT "$C4" $SP_WATCH "$S4" $P_WATCH ||
	fail "flow to port $P_WATCH is '$(flow_state "$C4" $SP_WATCH "$S4" $P_WATCH)', expected TIME_WAIT"
out=$(ctl kill --sport $SP_WATCH --dport $P_WATCH 2>&1)
expect_eq "kill of the TIME_WAIT flow" "$out" "1 flow killed"
if wait_for 5 grep -q '"destroy"' "$TMP/w.json"; then
	pass "the -j watcher got a destroy event"
else
	fail "no destroy event in the -j watcher's output: $(oneline "$TMP/w.json")"
fi
wait_for 5 grep -q "^\[DESTROY\].*sport=$SP_WATCH" "$TMP/w.txt" || true

# -c 2: ends by itself after two events, status 0
if wait_for 5 eval "! alive $wpid_c2"; then
	wait "$wpid_c2"
	expect_eq "watch -c 2 ends by itself: exit" $? 0
	expect_eq "watch -c 2: events printed" "$(wc -l <"$TMP/w.c2")" 2
else
	fail "watch -c 2 still running after its events"
fi
# SIGTERM ends a watch with status 0
for w in "$wpid_json:-j" "$wpid_txt:text"; do
	pid=${w%%:*}
	kill -TERM "$pid"
	if wait_for 5 eval "! alive $pid"; then
		wait "$pid"
		expect_eq "${w#*:} watch ends on SIGTERM: exit" $? 0
	else
		fail "${w#*:} watch still running 5 s after SIGTERM"
	fi
done

if $CTL_JSON events "$TMP/w.json" >"$TMP/w.events" 2>"$TMP/w.events.err"; then
	pass "every line of -j watch is one JSON event object ($(wc -l <"$TMP/w.events") events)"
else
	fail "-j watch output: $(oneline "$TMP/w.events.err")"
fi
# TYPE STATE SRC SPORT DST DPORT ID CAUSE OLD_STATE TIMEOUT TIME
tuple="$C4 $SP_WATCH $S4 $P_WATCH"
expect_eq "first event" "$(head -n 1 "$TMP/w.events" | cut -d ' ' -f 1-6)" "new SYN_SENT $tuple"
expect_eq "last event" "$(tail -n 1 "$TMP/w.events" | cut -d ' ' -f 1-6,8)" "destroy TIME_WAIT $tuple killed"
check "a state event to ESTABLISHED, from SYN_RECV" \
	grep -q "^state ESTABLISHED $tuple [0-9]* - SYN_RECV " "$TMP/w.events"
check "a state event to TIME_WAIT" grep -q "^state TIME_WAIT $tuple " "$TMP/w.events"
expect_eq "events of other flows (filter --dport $P_WATCH)" \
	"$(awk -v t="$tuple" '($3 " " $4 " " $5 " " $6) != t' "$TMP/w.events" | wc -l)" 0
expect_eq "distinct flow ids in the events" "$(cut -d ' ' -f 7 "$TMP/w.events" | sort -u | wc -l)" 1
check "event times never go back" awk 'NR > 1 && $11 < t { exit 1 } { t = $11 }' "$TMP/w.events"
# a state event describes the flow after the change, so its timeout is the new state's
est_tmo=$(awk '$1 == "state" && $2 == "ESTABLISHED" { print $10; exit }' "$TMP/w.events")
if [ -z "$est_tmo" ]; then
	fail "no state event to ESTABLISHED"
else
	check "ESTABLISHED event carries the established timeout ($est_tmo s)" \
		awk -v t="$est_tmo" 'BEGIN { exit !(t > 431000) }'
fi
# the unfiltered text watcher saw both connections
check "text watch: [NEW] of the unfiltered connection to port $P_OTHER" grep -Eq \
	"^\[NEW\] +tcp SYN_SENT src=$C4 dst=$S4 sport=$SP_OTHER dport=$P_OTHER queue=0 id=[0-9]+$" "$TMP/w.txt"
check "text watch: [UPDATE] to ESTABLISHED" grep -Eq \
	"^\[UPDATE\] +tcp ESTABLISHED src=$C4 dst=$S4 sport=$SP_WATCH dport=$P_WATCH \[ASSURED\] old=SYN_RECV queue=0 id=[0-9]+$" \
	"$TMP/w.txt"
check "text watch: [DESTROY] cause=killed" grep -Eq \
	"^\[DESTROY\] tcp TIME_WAIT src=$C4 dst=$S4 sport=$SP_WATCH dport=$P_WATCH \[ASSURED\] cause=killed queue=0 id=[0-9]+$" \
	"$TMP/w.txt"
for f in w.json w.txt w.c2; do
	[ -s "$TMP/$f.err" ] && fail "watcher $f wrote to stderr: $(oneline "$TMP/$f.err")"
done

# ======== kill ========

info "kill: three echo connections, one killed by --sport and --dport"
SP_A=42101 SP_B=42102
# A: v4 A -> ECHO (killed); B: v6 B -> ECHO (same dport); C: v4 A -> ECHO2 (same sport)
bg_start "$NS_C" "$TMP/probe-a.log" "$PY" "$NETNS_DIR/conn_probe.py" "$S4" $P_ECHO $SP_A "$TMP/go-a" 3
pid_a=$BG_PID
bg_start "$NS_C" "$TMP/probe-b.log" "$PY" "$NETNS_DIR/conn_probe.py" "$S6" $P_ECHO $SP_B "$TMP/go-b" 3
pid_b=$BG_PID
bg_start "$NS_C" "$TMP/probe-c.log" "$PY" "$NETNS_DIR/conn_probe.py" "$S4" $P_ECHO2 $SP_A "$TMP/go-c" 3
pid_c=$BG_PID
for p in a b c; do
	wait_for 10 file_has "$TMP/probe-$p.log" '^echo1 ' || die "probe $p: no first echo"
	file_has "$TMP/probe-$p.log" '^echo1 ok' || die "probe $p: $(oneline "$TMP/probe-$p.log")"
done
pass "three connections echo through tcpfwd"
check "text list shows the IPv6 connection in brackets" grep -Eq \
	"^tcp +ESTABLISHED +\[$C6\]:$SP_B +\[$S6\]:$P_ECHO +[0-9]+ \[ASSURED\]$" <(ctl list)

tcpfwd_stats >"$TMP/k.before" || die "no stats from tcpfwd"
out=$(ctl kill --sport $SP_A --dport $P_ECHO 2>&1)
expect_eq "kill --sport $SP_A --dport $P_ECHO" "$out" "1 flow killed"
expect_eq "killed flow in the table" "$(flow_state "$C4" $SP_A "$S4" $P_ECHO)" NONE
expect_eq "same dport, other flow (IPv6)" "$(flow_state "$C6" $SP_B "$S6" $P_ECHO)" ESTABLISHED
expect_eq "same sport, other flow" "$(flow_state "$C4" $SP_A "$S4" $P_ECHO2)" ESTABLISHED
touch "$TMP/go-a" "$TMP/go-b" "$TMP/go-c"
for p in a b c; do
	wait_for 10 file_has "$TMP/probe-$p.log" '^echo2 ' || fail "probe $p: no second result"
done
expect_eq "the killed connection after the kill" "$(grep '^echo2' "$TMP/probe-a.log")" "echo2 timeout"
expect_eq "connection B after the kill" "$(grep '^echo2' "$TMP/probe-b.log")" "echo2 ok"
expect_eq "connection C after the kill" "$(grep '^echo2' "$TMP/probe-c.log")" "echo2 ok"
tcpfwd_stats >"$TMP/k.after" || die "no stats from tcpfwd"
expect_ge "reasons.new_not_syn rose (the killed flow's data and its retransmissions)" \
	"$(stats_delta "$TMP/k.before" "$TMP/k.after" reasons.new_not_syn)" 1
expect_ge "verdicts.drop rose" "$(stats_delta "$TMP/k.before" "$TMP/k.after" verdicts.drop)" 1
expect_eq "destroyed.killed rose by" "$(stats_delta "$TMP/k.before" "$TMP/k.after" destroyed.killed)" 1
expect_eq "the killed flow is not picked up again" "$(flow_state "$C4" $SP_A "$S4" $P_ECHO)" NONE
for pid in $pid_a $pid_b $pid_c; do wait "$pid" 2>/dev/null; done

# ======== set-param ========

info "set-param tcp.time_wait.shortened $NEW_SHORT_S (was $SHORT_S)"
expect_eq "get-param before" "$(ctl get-param tcp.time_wait.shortened 2>&1)" \
	"tcp.time_wait.shortened = $SHORT_S"
rc=$(run_rc "$TMP/sp.out" "$TMP/sp.err" ctl set-param tcp.time_wait.shortened $NEW_SHORT_S)
expect_eq "set-param: exit" "$rc" 0
expect_eq "set-param: output" "$(cat "$TMP/sp.out" "$TMP/sp.err")" ""
expect_eq "get-param after" "$(ctl get-param tcp.time_wait.shortened 2>&1)" \
	"tcp.time_wait.shortened = $NEW_SHORT_S"
expect_eq "-j get-param after" "$(ctl -j get-param tcp.time_wait.shortened 2>&1)" \
	"{\"tcp.time_wait.shortened\":$NEW_SHORT_S}"
check "status: overridden: tcp.time_wait.shortened" grep -qx 'overridden: tcp.time_wait.shortened' \
	<(ctl status)
check "-j status: overridden is [\"tcp.time_wait.shortened\"]" "$PY" -c \
	'import json, sys; sys.exit(json.load(sys.stdin)["overridden"] != ["tcp.time_wait.shortened"])' \
	< <(ctl -j status)
exit_case "set-param with a value that is no number" 1 ctl set-param tcp.time_wait.shortened abc
expect_eq "get-param after the rejected value" "$(ctl get-param tcp.time_wait.shortened 2>&1)" \
	"tcp.time_wait.shortened = $NEW_SHORT_S"

SP_TW=42501
tcpfwd_stats >"$TMP/tw.before" || die "no stats from tcpfwd"
echo bye | nsx "$NS_C" timeout 10 socat -u - "TCP:$S4:$P_TW,sourceport=$SP_TW" || fail "socat to port $P_TW"
if wait_for 5 flow_state_is TIME_WAIT "$C4" $SP_TW "$S4" $P_TW; then
	t0=$(now_ms)
	read -r _ _ tmo _ <<<"$(flow_info "$C4" $SP_TW "$S4" $P_TW)"
	# the wheel fires on 100 ms ticks, rounding an expiry up: one tick of slack
	check "the new TIME_WAIT flow's timeout is ${tmo} s <= $NEW_SHORT_S s + one tick" \
		awk -v t="$tmo" -v m=$NEW_SHORT_S 'BEGIN { exit !(t > 0 && t <= m + 0.1) }'
	# a bound far below the configured 20 s, generous for the wheel and a loaded machine
	tw_expiry "TIME_WAIT of set-param's $NEW_SHORT_S s (configured $SHORT_S s)" "$t0" $NEW_SHORT_S \
		$((NEW_SHORT_S + 6)) "$C4" $SP_TW "$S4" $P_TW
	tcpfwd_stats >"$TMP/tw.after" || die "no stats from tcpfwd"
	expect_ge "destroyed.timeout rose" "$(stats_delta "$TMP/tw.before" "$TMP/tw.after" destroyed.timeout)" 1
else
	fail "flow to port $P_TW is '$(flow_state "$C4" $SP_TW "$S4" $P_TW)', expected TIME_WAIT"
fi

# ======== permissions ========

info "permissions: group $G_READ reads, group $G_ADMIN administers, nobody else"
# a connection to show in the members' listing, held until the end
SP_D=42401
bg_start "$NS_C" "$TMP/probe-d.log" "$PY" "$NETNS_DIR/conn_probe.py" "$S4" $P_ECHO $SP_D "$TMP/go-d"
wait_for 10 file_has "$TMP/probe-d.log" '^echo1 ok' || die "probe d: $(oneline "$TMP/probe-d.log")"

expect_eq "socket directory as tcpfwd created it" "$(stat -c '%a %G' "$TMP/run")" "750 $G_READ"
expect_eq "socket file as tcpfwd created it" "$(stat -c '%a %G' "$CTL_SOCK")" "660 $G_READ"

member() { run_as "$UID_MEMBER" "$GID_NONE" "$GID_READ" "$CTLBIN" --socket "$CTL_SOCK" "$@"; }
member_primary() { run_as "$UID_MEMBER" "$GID_READ" - "$CTLBIN" --socket "$CTL_SOCK" "$@"; }
other() { run_as "$UID_OTHER" "$GID_NONE" - "$CTLBIN" --socket "$CTL_SOCK" "$@"; }
admin() { run_as "$UID_ADMIN" "$GID_NONE" "$GID_ADMIN" "$CTLBIN" --socket "$CTL_SOCK" "$@"; }

rc=$(run_rc "$TMP/m.out" "$TMP/m.err" member list)
if [ "$rc" = 0 ] && grep -Eq "^tcp +ESTABLISHED +$C4:$SP_D +$S4:$P_ECHO " "$TMP/m.out"; then
	pass "member (supplementary group) can list, and sees the flows"
else
	fail "member list: exit $rc, '$(oneline "$TMP/m.out")' '$(oneline "$TMP/m.err")'"
fi
expect_eq "member (primary group) list: exit" "$(run_rc "$TMP/m.out" "$TMP/m.err" member_primary list)" 0
for cmd in stats status count get-param version "get $C4 $SP_D $S4 $P_ECHO" "watch --duration 0.3"; do
	# shellcheck disable=SC2086 # word splitting wanted
	expect_eq "member $cmd: exit" "$(run_rc "$TMP/m.out" "$TMP/m.err" member $cmd)" 0
done
# refused_case WHAT CMD...: exit 1, PermissionDenied on stderr
refused_case() {
	local what=$1 rc
	shift
	rc=$(run_rc "$TMP/r.out" "$TMP/r.err" "$@")
	if [ "$rc" = 1 ] && grep -q PermissionDenied "$TMP/r.err" && [ ! -s "$TMP/r.out" ]; then
		pass "$what: refused ($(head -n 1 "$TMP/r.err"))"
	else
		fail "$what: exit $rc, stdout '$(oneline "$TMP/r.out")' stderr '$(oneline "$TMP/r.err")'"
	fi
}
refused_case "member flush" member flush
refused_case "member kill" member kill --sport $SP_D
refused_case "member set-param" member set-param tcp.time_wait.shortened 5
refused_case "member reload" member reload
expect_eq "the flow after the refused flush and kill" "$(flow_state "$C4" $SP_D "$S4" $P_ECHO)" ESTABLISHED
expect_eq "TIME_WAIT hold after the refused set-param" "$(ctl get-param tcp.time_wait.shortened)" \
	"tcp.time_wait.shortened = $NEW_SHORT_S"
check "tcpfwd logged the refused flush with the member's uid" \
	grep -q "control: uid $UID_MEMBER (pid [0-9]*) may not call" "$TMP/tcpfwd.log"

# control.admin_group alone: the socket and its directory belong to control.group, and an ACL
# entry lets admin_group through (fs_acl.c)
check "admin_group member (not in control.group) lists flows through the socket" \
	test "$(run_rc "$TMP/a.out" "$TMP/a.err" admin list)" = 0
check "the socket has an access ACL" "$PY" -c \
	"import os, sys; os.getxattr(sys.argv[1], 'system.posix_acl_access')" "$CTL_SOCK"

# not in the group: the file system stops it first, then tcpfwd itself
# other_denied WHAT: the other uid's status call ends with exit 3, permission denied
other_denied() {
	local rc
	rc=$(run_rc "$TMP/o.out" "$TMP/o.err" other status)
	if [ "$rc" = 3 ] && grep -qi "permission denied" "$TMP/o.err"; then
		pass "other uid, $1: exit 3, permission denied"
	else
		fail "other uid, $1: exit $rc, '$(oneline "$TMP/o.err")'"
	fi
}
other_denied "socket directory 0750"
chmod 0755 "$TMP/run"
other_denied "socket 0660"
chmod 0666 "$CTL_SOCK"
refusals=$(grep -c "control: refused uid $UID_OTHER " "$TMP/tcpfwd.log")
n_denied=0 n_pipe=0 n_bad=0
for i in 1 2 3 4 5; do
	rc=$(run_rc "$TMP/o.out" "$TMP/o.err" other status)
	if [ "$rc" != 1 ] || [ -s "$TMP/o.out" ]; then
		n_bad=$((n_bad + 1))
		info "other uid, socket 0666, try $i: exit $rc, '$(oneline "$TMP/o.out")' '$(oneline "$TMP/o.err")'"
	elif grep -q PermissionDenied "$TMP/o.err"; then
		n_denied=$((n_denied + 1))
	elif grep -q "Broken pipe\|Connection reset" "$TMP/o.err"; then
		n_pipe=$((n_pipe + 1))
	else
		n_bad=$((n_bad + 1))
		info "other uid, socket 0666, try $i: $(oneline "$TMP/o.err")"
	fi
done
expect_eq "other uid, socket 0666: tries not refused with exit 1 and no output" "$n_bad" 0
expect_eq "other uid, socket 0666: tcpfwctl says PermissionDenied (tries of 5; 'Broken pipe' in $n_pipe)" \
	"$n_denied" 5
expect_eq "refusals of uid $UID_OTHER logged by tcpfwd (SO_PEERCRED)" \
	"$(($(grep -c "control: refused uid $UID_OTHER " "$TMP/tcpfwd.log") - refusals))" 5
# tcpfwd's own answer, without tcpfwctl: an error reply, then the connection closes
RAW_PY='
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
data = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
print(data.decode(errors="replace").replace("\0", "<NUL>"))
'
raw=$(run_as "$UID_OTHER" "$GID_NONE" - "$PY" -c "$RAW_PY" "$CTL_SOCK" 2>&1)
case $raw in
*'"error":"io.tcpfw.PermissionDenied"'*'<NUL>') pass "tcpfwd refuses the other uid itself: $raw" ;;
*) fail "tcpfwd's answer to the other uid: '$raw'" ;;
esac

# control.admin_group: every method, without being in control.group (the socket is 0666 now)
out=$(admin kill --sport 1 2>&1)
expect_eq "admin kill (a filter that matches nothing)" "$out" "0 flows killed"
expect_eq "admin set-param: exit" \
	"$(run_rc "$TMP/a.out" "$TMP/a.err" admin set-param tcp.time_wait.shortened $NEW_SHORT_S)" 0
expect_eq "admin list: exit" "$(run_rc "$TMP/a.out" "$TMP/a.err" admin list)" 0
expect_eq "the flow after the admin's commands" "$(flow_state "$C4" $SP_D "$S4" $P_ECHO)" ESTABLISHED

check "tcpfwd still running" tcpfwd_alive
[ $RET = 0 ] || dump_debug
exit $RET
