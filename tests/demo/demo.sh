#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# demo.sh - tcpfw in one command (`sudo make demo`): three throwaway network namespaces,
# client -- fw -- server, with tcpfwd judging every forwarded TCP segment through a real
# NFQUEUE. It runs real traffic (HTTP requests, a 20 MB download checked byte for byte),
# sends crafted out-of-state segments with scapy and shows that tcpfwd dropped each one with
# its own reason, then shows the operator's view: tcpfwctl trace and capture of those drops,
# list, stats and watch; last, it kills tcpfwd with SIGKILL during an echo session and starts
# it again, and the session goes on.
#
# Only the demo's own output goes to the terminal; setup chatter goes to a log file, whose tail
# is printed if anything fails (the file is then kept). Exit status 0 when every check held,
# 1 otherwise. Everything it creates (namespaces, processes, files) goes away on exit, ^C
# included.
#
# Topology, process bookkeeping and cleanup come from tests/netns/lib.sh (sourced, not
# changed); everything the demo shows about tcpfwd comes from tcpfwctl.

# `sh demo.sh` works too: lib.sh needs bash
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

DEMO_T0=$EPOCHREALTIME
DEMO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The terminal is fd 3; stdout and stderr go to the log from here on, so that whatever
# lib.sh and the tools print lands there.
DEMO_LOG=$(mktemp "${TMPDIR:-/tmp}/tcpfw-demo.XXXXXX.log") || {
	echo "demo: cannot create a log file" >&2
	exit 1
}
exec 3>&1 >>"$DEMO_LOG" 2>&1

. "$DEMO_DIR/../netns/lib.sh"

# Names that say what they are, should anyone look at `ip netns` while it runs.
NS_PREFIX="tcpfw-demo-$$-$RANDOM"
NS_C="$NS_PREFIX-client"
NS_F="$NS_PREFIX-fw"
NS_S="$NS_PREFIX-server"

TCPFWCTL=${TCPFWCTL:-$TOP/build/tcpfwctl}
BULK_MB=${BULK_MB:-20}
HTTP_PORT=8080
P_ACK=5101 P_SYNACK=5102 P_XMAS=5104 P_RST=5111 P_HOLD=5120 P_CLOSED=5130 P_ECHO=5140
WATCH_S=3
DEMO_FAIL=""

# ---- output ----

say() { printf '%s\n' "$*" >&3; echo "demo: $*"; }
row() { printf '   %-42s %s\n' "$1" "$2" >&3; echo "demo: $1: $2"; }
section() { printf '\n== %s\n' "$*" >&3; echo "==== $*"; }
# show CMD...: runs CMD, its output indented on the terminal and copied to the log
show() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	printf '%s\n' "$out" | sed 's/^/   /' >&3
	return $rc
}

elapsed() { awk -v a="$DEMO_T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# fatal MESSAGE: the demo cannot go on; the EXIT trap reports it.
fatal() {
	DEMO_FAIL=$*
	exit 1
}

# lib.sh's die and skip print to the log; a demo that cannot run has failed, it is no skip.
die() {
	echo "FAIL: $*"
	dump_debug
	fatal "$*"
}
skip() { fatal "cannot run here: $*"; }

demo_exit() {
	local rc=$?
	trap - INT TERM
	if [ "$DEMO_FAIL" = interrupted ]; then
		printf '\ninterrupted: cleaning up\n' >&3
		rm -f "$DEMO_LOG"
	elif [ "$rc" != 0 ]; then
		printf '\nFAIL: %s\n' "${DEMO_FAIL:-exit status $rc}" >&3
		if [ -s "$DEMO_LOG" ]; then
			{
				printf -- '---- last lines of %s ----\n' "$DEMO_LOG"
				tail -n 40 "$DEMO_LOG" | sed 's/^/   /'
				printf -- '---- full log kept in %s\n' "$DEMO_LOG"
			} >&3
		else
			rm -f "$DEMO_LOG"
		fi
	fi
	cleanup # lib.sh: our PIDs, our namespaces, $TMP
	[ "$rc" = 0 ] && rm -f "$DEMO_LOG"
	exit "$rc"
}

demo_interrupted() {
	DEMO_FAIL="interrupted"
	exit 130
}

trap demo_exit EXIT
trap demo_interrupted INT TERM

# ---- helpers ----

ctl() { "$TCPFWCTL" --socket "$TMP/ctl.sock" "$@"; }

# stat_json FILE KEY: a counter from a saved `tcpfwctl -j stats`; verdict.accept,
# verdict.drop or a reason name.
stat_json() {
	"$PY" - "$1" "$2" <<-'EOF'
		import json, sys
		s = json.load(open(sys.argv[1]))
		k = sys.argv[2]
		if k.startswith("verdict."):
		    print(s["verdicts"][k[8:]])
		else:
		    print(s["reasons"].get(k, 0))
	EOF
}

snapshot() { # FILE
	ctl -j stats >"$1" || fatal "tcpfwctl stats failed (see log)"
}

delta() { # BEFORE AFTER KEY
	echo $(($(stat_json "$2" "$3") - $(stat_json "$1" "$3")))
}

# ---- preflight ----

printf 'tcpfw demo: a userspace stateful TCP firewall judging real and crafted traffic\n' >&3
printf '   client %s  --  fw (tcpfwd, NFQUEUE 0)  --  server %s\n' "$C4" "$S4" >&3

[ "$(id -u)" = 0 ] || fatal "needs root: run sudo make demo"
netns_require curl
require_scapy
[ -x "$TCPFWCTL" ] || fatal "$TCPFWCTL is missing; run make"

# ---- 1. setup ----

section "Setup"
netns_setup nobypass
info "namespaces: $NS_C $NS_F $NS_S"

cat >"$TMP/tcpfwd.conf" <<EOF
# tcpfw demo configuration (tests/demo/demo.sh)
version = 1;
queue = { num = 0; count = 1; fail_open = false; };
tcp = {
    pickup = false;
    time_wait = { policy = "enforce"; duration = 120; };
};
control = { socket = "$TMP/ctl.sock"; };
state = { directory = "$TMP"; runtime_directory = "$TMP"; };
logging = { level = "info"; };
EOF
cat "$TMP/tcpfwd.conf"
tcpfwd_start "$TMP/tcpfwd.conf"
ctl status || fatal "tcpfwctl cannot reach tcpfwd"
method=${QUEUE_METHOD%% (*}
row "namespaces" "$NS_PREFIX-{client,fw,server}"
row "forwarded TCP in fw" "NFQUEUE 0 via $method, no bypass (fails closed)"
row "tcpfwd" "pid $TCPFWD_PID, pickup off, TIME_WAIT policy enforce (120 s)"
row "control socket" "$TMP/ctl.sock"

# ---- 2. real traffic ----

section "Real traffic through tcpfwd"
mkdir -p "$TMP/www"
make_blob "$TMP/www/bulk.bin" "$BULK_MB"
printf 'hello through tcpfw\n' >"$TMP/www/hello.txt"
want=$(sha256sum <"$TMP/www/bulk.bin")
want=${want%% *}
http_server_start "$HTTP_PORT" "$TMP/www"
snapshot "$TMP/s.traffic0"

ok=0 total=0
for fam in 4 6; do
	# http.server speaks HTTP/1.0: one connection a request, the server closes first
	codes=$(nsx "$NS_C" curl -s -"$fam" --max-time 10 -o /dev/null -w '%{http_code}\n' \
		"http://$(url_host $fam):$HTTP_PORT/hello.txt?[1-2]")
	echo "IPv$fam requests: $codes"
	ok=$((ok + $(grep -c '^200$' <<<"$codes")))
	total=$((total + 2))
done
[ "$ok" = "$total" ] || fatal "only $ok of $total HTTP requests answered 200"
row "$total HTTP GETs (2 over IPv4, 2 over IPv6)" "$ok of $total answered 200"

out=$(nsx "$NS_C" curl -s -4 --max-time 30 -o "$TMP/bulk.out" \
	-w '%{http_code} %{size_download} %{speed_download}' "http://$S4:$HTTP_PORT/bulk.bin")
read -r code size speed <<<"$out"
echo "bulk: $out"
got=$(sha256sum <"$TMP/bulk.out" 2>/dev/null)
got=${got%% *}
[ "$code" = 200 ] || fatal "$BULK_MB MB download: HTTP status '$code'"
[ "$got" = "$want" ] || fatal "$BULK_MB MB download NOT byte-identical: received $size bytes," \
	"$(cmp "$TMP/www/bulk.bin" "$TMP/bulk.out" 2>&1 | head -n 1 |
		sed -e 's/.* differ: \(byte [0-9]*\).*/first difference at \1/' \
			-e 's/.*EOF on .* after \(byte [0-9]*\).*/ends after \1/')"
mbps=$(awk -v s="$speed" 'BEGIN { printf "%.0f", s / 1e6 }')
row "$BULK_MB MB download over IPv4" "byte-identical (sha256 ${got:0:16}...), $mbps MB/s"

# an idle connection that stays open: it is ESTABLISHED in the list below
bg_start "$NS_S" "$TMP/hold.log" "$PY" "$NETNS_DIR/tcp_server.py" hold $P_HOLD
wait_listen "$NS_S" $P_HOLD
bg_start "$NS_C" "$TMP/idle.log" "$PY" -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"an idle session\n")
print("connected", flush=True)
time.sleep(3600)' "$S6" $P_HOLD
wait_for 10 file_has "$TMP/idle.log" '^connected' || fatal "the idle IPv6 connection did not open"
row "idle IPv6 session to port $P_HOLD" "open, held until the end"

snapshot "$TMP/s.traffic1"
legit_drops=$(delta "$TMP/s.traffic0" "$TMP/s.traffic1" verdict.drop)
[ "$legit_drops" = 0 ] || fatal "tcpfwd dropped $legit_drops segments of legitimate traffic"
row "segments of this traffic dropped by tcpfwd" 0

# ---- 3. crafted segments ----

section "Crafted out-of-state segments (scapy, sent from the client namespace)"
# The server counts, then drops, segments that arrive with the crafted TTL (200 - 1 hop): that
# is how we know whether a crafted segment got through.
server_counter_setup $BARRIER_PORT $P_ACK $P_SYNACK $P_XMAS $P_RST
# the operator's view of the same drops: a live trace and a capture file, shown below
tracers=$(grep -c ' \(tracing\|capturing\) packets' "$TMP/tcpfwd.log")
ctl trace --drops -c 4 --duration 60 >"$TMP/trace.out" 2>"$TMP/trace.err" &
trace_pid=$!
ctl capture -w "$TMP/drops.pcapng" -c 4 --duration 60 2>"$TMP/capture.err" &
capture_pid=$!
wait_for 5 eval "[ \$(grep -c ' \(tracing\|capturing\) packets' '$TMP/tcpfwd.log') -ge $((tracers + 2)) ]" ||
	fatal "tcpfwctl trace and capture did not start"
snapshot "$TMP/s.craft0"

flows=$(addrs 4)
craft_send "$flows,sport=$((40000 + P_ACK)),dport=$P_ACK,flags=A,seq=1000,ack=5000" \
	"$flows,sport=$((40000 + P_SYNACK)),dport=$P_SYNACK,flags=SA,seq=1000,ack=5000" \
	"$flows,sport=$((40000 + P_XMAS)),dport=$P_XMAS,flags=FPU,seq=1000"

# a real connection; craft.py injects a RST 512 MiB beyond the client's sequence number, then
# proves the connection still works and closes it (the server closes on EOF: TIME_WAIT)
bg_start "$NS_S" "$TMP/eof.log" "$PY" "$NETNS_DIR/tcp_server.py" eof $P_RST
wait_listen "$NS_S" $P_RST
bg_start "$NS_C" "$TMP/rst.out" "$PY" "$NETNS_DIR/craft.py" conn c0 "$FW_MAC" \
	"$C4" "$S4" $((40000 + P_RST)) $P_RST rst_established "$TMP/release-rst"
rst_pid=$BG_PID
wait_for 20 file_has "$TMP/rst.out" '^rst_established injected' ||
	fatal "no RST injected: $(tr '\n' ' ' <"$TMP/rst.out")"
# a valid SYN after everything: once it reached the server, tcpfwd judged all of the above
craft_send_barrier 4
snapshot "$TMP/s.craft1"

# the live connection must shrug the RST off
touch "$TMP/release-rst"
wait "$rst_pid"
survived=$(sed -n 's/.*survived=\([a-z/]*\).*/\1/p' "$TMP/rst.out")

printf '   %-42s %-18s %-8s %s\n' SEGMENT "DROP REASON" COUNTER "REACHED SERVER" >&3
bad=0
crafted() { # DESCRIPTION REASON PORT
	local d a
	d=$(delta "$TMP/s.craft0" "$TMP/s.craft1" "$2")
	a=$(arrivals v4 "$3")
	printf '   %-42s %-18s %-8s %s\n' "$1" "$2" "+$d" "$([ "$a" = 0 ] && echo no || echo "YES ($a)")" >&3
	[ "$d" = 1 ] && [ "$a" = 0 ] || bad=$((bad + 1))
}
crafted "ACK without a prior SYN" new_not_syn $P_ACK
crafted "SYN/ACK without a SYN" invalid_new $P_SYNACK
crafted "XMAS (FIN+PSH+URG)" bad_flags $P_XMAS
crafted "RST, wrong seq, into a live connection" rst_out_of_window $P_RST
drops=$(delta "$TMP/s.craft0" "$TMP/s.craft1" verdict.drop)
say "   verdict drop +$drops in all; the live connection still carries data after the RST: $survived"
[ "$bad" = 0 ] || fatal "$bad crafted segments were not dropped with their reason"
[ "$drops" = 4 ] || fatal "expected 4 drops for the 4 crafted segments, tcpfwd counted $drops"
[ "$survived" = yes ] || fatal "the connection did not survive the crafted RST"

section "\$ tcpfwctl trace --drops"
say "Why each was dropped, as tcpfwd judged it: the segment, the reason, and where the tracker"
say "had flows, the window bounds the segment missed (the RST's seq lies far past seq_max):"
wait "$trace_pid" || fatal "tcpfwctl trace failed: $(cat "$TMP/trace.err")"
sed 's/^/   /' "$TMP/trace.out" >&3
[ "$(grep -c ': drop ' "$TMP/trace.out")" = 4 ] || fatal "the trace did not show the 4 drops"
wait "$capture_pid" || fatal "tcpfwctl capture failed: $(cat "$TMP/capture.err")"
if command -v tshark >/dev/null; then
	section "\$ tshark -r drops.pcapng -T fields -e ip.src -e tcp.flags.str -e frame.comment"
	say "The same drops from tcpfwctl capture -w drops.pcapng, each with its reason as a comment:"
	tshark -r "$TMP/drops.pcapng" -T fields -e ip.src -e tcp.flags.str -e frame.comment \
		2>/dev/null >"$TMP/tshark.out" || fatal "tshark cannot read the capture"
	cut -c1-120 "$TMP/tshark.out" | sed 's/^/   /' >&3
	[ "$(grep -c 'tcpfw: drop' "$TMP/tshark.out")" = 4 ] ||
		fatal "tshark did not show the 4 drops with their reasons"
fi

# ---- 4-6. the operator's view ----

section "\$ tcpfwctl list --state ESTABLISHED,TIME_WAIT"
say "Flows tcpfwd tracks: the idle session ESTABLISHED; the finished connections in TIME_WAIT, held 120 s (RFC 1337)."
show ctl list --state ESTABLISHED,TIME_WAIT || fatal "tcpfwctl list failed"
n_est=$(ctl -H list --state ESTABLISHED | grep -c .)
n_tw=$(ctl -H list --state TIME_WAIT | grep -c .)
[ "$n_est" -ge 1 ] && [ "$n_tw" -ge 6 ] ||
	fatal "expected >= 1 ESTABLISHED and >= 6 TIME_WAIT flows, tcpfwctl lists $n_est and $n_tw"

section "\$ tcpfwctl stats"
say "Counters since start: the 4 drops are the crafted segments (marked <--); the SYN_SENT flow is the probe SYN."
out=$(ctl stats) || fatal "tcpfwctl stats failed"
echo "$out"
printf '%s\n' "$out" |
	sed -E 's/^(  (new_not_syn|invalid_new|bad_flags|rst_out_of_window) .*)$/\1   <-- crafted/' |
	sed 's/^/   /' >&3

section "\$ tcpfwctl watch --duration $WATCH_S"
say "Live flow events while one HTTP request runs and one connection is refused (closed port $P_CLOSED):"
# shellcheck disable=SC2034 # read by the eval below
watching=$(grep -c 'watching flow events' "$TMP/tcpfwd.log")
"$TCPFWCTL" --socket "$TMP/ctl.sock" watch --duration "$WATCH_S" >"$TMP/watch.out" 2>&1 </dev/null &
watch_pid=$!
BG_PIDS="$BG_PIDS $watch_pid"
wait_for 5 eval '[ "$(grep -c "watching flow events" "$TMP/tcpfwd.log")" -gt "$watching" ]' ||
	fatal "tcpfwd never logged 'watching flow events'"
nsx "$NS_C" curl -s -4 --max-time 5 -o /dev/null "http://$S4:$HTTP_PORT/hello.txt" ||
	fatal "HTTP request during the watch failed"
nsx "$NS_C" curl -s -4 --max-time 5 -o /dev/null "http://$S4:$P_CLOSED/" && fatal "port $P_CLOSED answered"
wait "$watch_pid"
watch_rc=$?
cat "$TMP/watch.out"
sed 's/^/   /' "$TMP/watch.out" | head -n 20 >&3
[ "$watch_rc" = 0 ] || fatal "tcpfwctl watch exited with status $watch_rc"
for ev in NEW UPDATE DESTROY; do
	grep -q "^\[$ev\]" "$TMP/watch.out" || fatal "tcpfwctl watch showed no [$ev] event"
done

# ---- 7. a crash ----

section "\$ kill -9 tcpfwd; tcpfwd -f -c tcpfwd.conf"
say "tcpfwd dies during an echo session; started again, it resumes the table it left in $TMP/flows.live:"
bg_start "$NS_S" "$TMP/echo-server.log" "$PY" "$NETNS_DIR/tcp_server.py" echo $P_ECHO
wait_listen "$NS_S" $P_ECHO
bg_start "$NS_C" "$TMP/echo.err" "$PY" "$NETNS_DIR/traffic.py" echo "$S4" $P_ECHO "$TMP/echo.log" 30
wait_for 10 echoes_ge "$TMP/echo.log" 5 || fatal "the echo session did not start"
before=$(echoes "$TMP/echo.log")
tcpfwd_crash KILL "$TMP/tcpfwd.conf"
[ "$RESUMED_N" -gt 0 ] || fatal "the restarted tcpfwd resumed nothing: $(tcpfwd_new_log | grep -m2 state:)"
say "   tcpfwd: ${RESUMED/ from $TMP\/flows.live/}"
wait_for 10 echoes_ge "$TMP/echo.log" $((before + 10)) || fatal "the echo session stalled after the crash"
row "echo session across the crash" "$(echoes "$TMP/echo.log") round trips, each checked, none lost"
[ "$(ctl -H list --state ESTABLISHED | grep -c .)" -ge 2 ] ||
	fatal "the idle session and the echo session are not ESTABLISHED after the crash"
row "idle IPv6 session" "still ESTABLISHED in the new process's table"
drops=$(ctl -j stats >"$TMP/s.crash" && stat_json "$TMP/s.crash" verdict.drop)
[ "$drops" = 0 ] || fatal "the restarted tcpfwd dropped $drops segments"
row "segments dropped by the new process" 0

printf '\nPASS: tcpfwd passed all real traffic, dropped every crafted segment and lost no connection to a crash (%s s)\n' "$(elapsed)" >&3
exit 0
