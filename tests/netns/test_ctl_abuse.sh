#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Abuse of the control socket, against a live tcpfwd that forwards traffic meanwhile
# (test_control.sh covers the normal paths; the clients here are ctl_abuse.py):
#   - malformed input: an oversized message (and one of exactly control.max_request bytes,
#     which is served), bytes that are not JSON, JSON that is not the call object, members and
#     parameters of the wrong type, unknown and missing methods, NUL bytes, invalid UTF-8 ...
#     each gets the error ctl_proto.h defines for it (name, and the parameter it names), and a
#     well-formed call on a new connection is answered after each one;
#   - slow clients: a silent client, and one that goes silent after its first byte, are closed
#     control.idle_timeout after their last byte (within idle_timeout + 1 s, not before);
#     "slowloris" clients that send one byte every idle_timeout/4 are cut off too (a call must
#     arrive whole within min(idle_timeout, 5 s) of its first byte), and a client that
#     pipelines calls without ever reading the replies must not make tcpfwd's memory grow by
#     more than READER_MB (tcpfwd stops reading it at 64 KiB of unread replies); afterwards
#     tcpfwd answers again;
#   - 1,000 connections at once: tcpfwd keeps at most control.max_clients, answers the others
#     io.tcpfw.Busy and closes them within a second, its fd count (/proc/PID/fd) stays below
#     its baseline + max_clients, the kept idle ones are closed after idle_timeout, and
#     `tcpfwctl stats` works afterwards;
#   - forwarding never suffers: a small request/response echo crosses the firewall every few
#     ms on one connection for the whole test; the median and p99 round trip are printed per
#     phase (before the abuse, and during each), no round trip may take 1 s or more (a stall,
#     or a retransmission after a drop), the connection closes cleanly, and tcpfwd drops
#     nothing (verdicts.drop, the kernel queue's drop counters) with the queue rule in
#     nobypass mode and queue.fail_open off, so that a daemon in trouble could not hide;
#   - identity comes only from SO_PEERCRED: a member of control.group (not of admin_group),
#     through the socket as tcpfwd creates it, calls kill, flush, set-param and reload while
#     claiming root in every way a call can ("uid":0, "user":"root", "admin":true ... at the
#     top level and in parameters, a client socket bound to a ";uid=0;" path, SCM_CREDENTIALS):
#     every call is refused (io.tcpfw.PermissionDenied, or InvalidParameter naming the claimed
#     member, which the schema rejects before the permission check), the refusals are
#     logged with the member's uid, and the flow table, the parameters and the configuration
#     (made different on disk, so a reload would show) are unchanged. 20,000 refused calls in
#     one stream must not cost 20,000 log lines (refusals are rate-limited, 10 a second). A uid outside the group cannot even connect (EACCES), and
#     through a 0666 socket gets only PermissionDenied.
# The figures (latency per phase, fds, timings) are printed as "[test_ctl_abuse] ..." lines.

. "$(dirname "$0")/lib.sh"

P_ECHO=5701
ECHO_MS=5          # one echo round trip every ECHO_MS
BASELINE_RTT=400   # round trips before the abuse starts (about 2 s)
MAX_RTT_MS=1000    # a round trip this long is a stall
IDLE_S=2           # control.idle_timeout
MAX_CLIENTS=32     # control.max_clients
MAX_REQUEST=4096   # control.max_request (reliability target 26: 4 KiB)
N_FLOOD=1000
READER_S=2         # a client pipelines calls without reading their replies this long ...
READER_MB=8        # ... and tcpfwd's memory may grow by this much meanwhile
N_LOGFLOOD=20000   # refused calls of a member in one stream ...
MAX_LOG_LINES=100  # ... and the log lines they may cost (accept refusals: 10 a second)
SHORT_S=20         # tcp.time_wait.shortened in the running configuration
G_READ=tcpfwab$$
G_ADMIN=tcpfwaa$$

# another make may be replacing the binaries this very moment
wait_for 30 eval '[ -x "$TCPFWD" ] && [ -x "$TCPFWCTL" ]' || true
netns_require setpriv groupadd groupdel stat
netns_setup nobypass

# ---- identities, as test_control.sh: throwaway groups, uids and a gid that name nobody ----

# The other uids get through $TMP to the socket's directory, to our own copy of tcpfwctl (a
# rebuild of build/ during the test cannot take it away) and to a copy of the helper.
users_setup "$G_READ" "$G_ADMIN"
TCPFWCTL=$CTLBIN
install -m 0644 "$NETNS_DIR/ctl_abuse.py" "$TMP/bin/ctl_abuse.py"
ABUSE=$TMP/bin/ctl_abuse.py
mkdir -m 0700 "$TMP/spoof"
chown "$UID_MEMBER" "$TMP/spoof"

# tcpfwd creates the socket's directory (0750, group control.group) and the socket (0660)
CTL_SOCK=$TMP/run/ctl.sock
conf=$TMP/tcpfwd.conf
write_conf "$conf" level=info fail_open=false policy=shorten shortened=$SHORT_S \
	group="$G_READ" admin_group="$G_ADMIN"
limits="max_clients = $MAX_CLIENTS; max_request = $MAX_REQUEST; idle_timeout = $IDLE_S;"
sed -i "s|^\(control = {.*\) };\$|\1 $limits };|" "$conf"
grep -q "idle_timeout = $IDLE_S; };\$" "$conf" || die "cannot add the control limits to $conf"
tcpfwd_start "$conf"
for kv in max_clients=$MAX_CLIENTS max_request=$MAX_REQUEST idle_timeout=$IDLE_S; do
	expect_eq "tcpfwd runs with control.${kv%%=*}" "$(ctl get-param "control.${kv%%=*}" 2>&1)" \
		"control.${kv%%=*} = ${kv#*=}"
done

# abuse CMD...: runs a ctl_abuse.py command; its "ok"/"bad"/"xfail"/"xpass" lines are checks,
# "info" lines figures, "count NAME N" sets COUNT_NAME; anything else (a traceback) fails.
abuse() {
	local line t
	while IFS= read -r line; do
		case $line in
		"ok "*) pass "${line#ok }" ;;
		"bad "*) fail "${line#bad }" ;;
		"xfail "*)
			t=${line#xfail }
			xfail "${t%%|*}" "${t#*|}"
			;;
		"xpass "*) xpass "${line#xpass }" ;;
		"info "*) info "${line#info }" ;;
		"count "*)
			t=${line#count }
			printf -v "COUNT_${t%% *}" '%s' "${t#* }"
			;;
		"exit 0") ;;
		*) fail "ctl_abuse.py: $line" ;;
		esac
	done < <("$@" 2>&1; echo "exit $?")
}

# ---- the echo across the firewall, for the whole test ----

rtt_count() { wc -l <"$TMP/rtt.txt" 2>/dev/null || echo 0; }
rtt_above() { [ "$(rtt_count)" -gt "$1" ]; }

PHASE=""
PHASE_T0=""
phase_begin() {
	PHASE=$1
	PHASE_T0=$EPOCHREALTIME
	info "---- phase $1 (echo round trips so far: $(rtt_count))"
}
phase_end() {
	echo "$PHASE $PHASE_T0 $EPOCHREALTIME" >>"$TMP/phases"
	check "tcpfwd still running after phase $PHASE" tcpfwd_alive
}

bg_start "$NS_S" "$TMP/echo-server.log" "$PY" "$NETNS_DIR/tcp_server.py" echo $P_ECHO
wait_listen "$NS_S" $P_ECHO
tcpfwd_stats >"$TMP/stats.before" || die "no stats from tcpfwd"
bg_start "$NS_C" "$TMP/echo.log" "$PY" "$ABUSE" echo "$S4" $P_ECHO "$TMP/rtt.txt" \
	"$TMP/echo.stop" $ECHO_MS
echo_pid=$BG_PID
wait_for 5 file_has "$TMP/echo.log" '^connected from port [0-9]+$' ||
	die "echo client: $(cat "$TMP/echo.log")"
echo_sport=$(sed -n 's/^connected from port //p' "$TMP/echo.log")

phase_begin baseline
wait_for 20 rtt_above $BASELINE_RTT || die "echo: only $(rtt_count) round trips in 20 s"
phase_end

# ======== malformed messages ========

phase_begin malformed
abuse "$PY" "$ABUSE" malformed "$CTL_SOCK" $MAX_REQUEST
phase_end

# ======== 1,000 clients at once ========

phase_begin flood
abuse "$PY" "$ABUSE" many "$CTL_SOCK" $N_FLOOD $MAX_CLIENTS $IDLE_S "$TCPFWD_PID"
phase_end
check "tcpfwctl stats works after the flood" tcpfwd_stats >/dev/null

# ======== slow clients ========

phase_begin slow
abuse "$PY" "$ABUSE" slow "$CTL_SOCK" $IDLE_S $MAX_CLIENTS
phase_end
check "tcpfwctl stats works after the slow clients" tcpfwd_stats >/dev/null

phase_begin nonreader
abuse "$PY" "$ABUSE" reader "$CTL_SOCK" "$TCPFWD_PID" $READER_S $READER_MB
phase_end

# ======== identity: a control.group member claims to be root ========

# flow_set: every flow in the table as SRC:SPORT-DST:DPORT/ID/STATE, sorted, on one line
flow_set() {
	ctl -j list | "$PY" -c '
import json, sys
print(" ".join(sorted("%s:%s-%s:%s/%s/%s" % (f["src"], f["sport"], f["dst"], f["dport"], f["id"],
                                               f["state"]) for f in json.load(sys.stdin))))'
}
refusals_of() { # UID: tcpfwd's log lines about refused calls of UID
	grep -c "control: uid $1 (pid [0-9]*) may not call" "$TMP/tcpfwd.log"
}
refusals_held() { # the sum of tcpfwd's "N refusals not logged" lines so far
	sed -n 's/.*control: \([0-9]*\) refusals not logged.*/\1/p' "$TMP/tcpfwd.log" |
		awk '{ n += $1 } END { print n + 0 }'
}

phase_begin identity
flows_before=$(flow_set)
echo_flow=$(flow_info "$C4" "$echo_sport" "$S4" $P_ECHO)
case $echo_flow in
"ESTABLISHED "*) pass "the echo connection is tracked: $echo_flow" ;;
*) fail "the echo connection ($C4:$echo_sport) in the table: '$echo_flow'" ;;
esac
tcpfwd_stats >"$TMP/stats.id0" || die "no stats from tcpfwd"
# a reload would now change the TIME_WAIT hold: the refused reloads must not
sed -i "s/shortened = $SHORT_S;/shortened = $((SHORT_S + 7));/" "$conf"
denied0=$(refusals_of "$UID_MEMBER")
COUNT_denied=-1
abuse run_as "$UID_MEMBER" "$GID_NONE" "$GID_READ" "$PY" "$ABUSE" identity "$CTL_SOCK" \
	"$TMP/spoof" "$echo_sport"
sed -i "s/shortened = $((SHORT_S + 7));/shortened = $SHORT_S;/" "$conf"
tcpfwd_stats >"$TMP/stats.id1" || die "no stats from tcpfwd"
flows_after=$(flow_set)
expect_eq "flow table (tuple/id/state) unchanged by the member's calls" "$flows_after" \
	"$flows_before"
expect_eq "echo flow unchanged (state id assured)" \
	"$(flow_info "$C4" "$echo_sport" "$S4" $P_ECHO | cut -d ' ' -f 1,2,4)" \
	"$(echo "$echo_flow" | cut -d ' ' -f 1,2,4)"
for k in destroyed.killed destroyed.flushed; do
	expect_eq "$k after the member's calls" \
		"$(stats_delta "$TMP/stats.id0" "$TMP/stats.id1" $k)" 0
done
expect_eq "TIME_WAIT hold (no set-param, no reload)" \
	"$(ctl get-param tcp.time_wait.shortened 2>&1)" "tcp.time_wait.shortened = $SHORT_S"
expect_eq "-j status overridden" "$(ctl -j status | "$PY" -c \
	'import json, sys; print(json.load(sys.stdin)["overridden"])')" "[]"
check "no reload, kill or flush in tcpfwd's log" \
	eval "! grep -E 'control: uid [0-9]+ (asked for a reload|killed|flushed)' '$TMP/tcpfwd.log'"
denied1=$(refusals_of "$UID_MEMBER")
if [ "$COUNT_denied" -gt 0 ] && [ $((denied1 - denied0)) -ge 1 ] &&
	[ $((denied1 - denied0)) -le "$COUNT_denied" ]; then
	pass "the refusals are logged with the member's uid from SO_PEERCRED" \
		"($((denied1 - denied0)) lines, $COUNT_denied refusals)"
else
	fail "PermissionDenied replies $COUNT_denied," \
		"log lines for uid $UID_MEMBER $((denied1 - denied0))"
fi
# refusals at accept are rate-limited in the log; refused calls of a member should be too,
# with the number held back written once the limiter's second is over
COUNT_flood=-1
held0=$(refusals_held)
abuse run_as "$UID_MEMBER" "$GID_NONE" "$GID_READ" "$PY" "$ABUSE" logflood "$CTL_SOCK" $N_LOGFLOOD
logged=$(($(refusals_of "$UID_MEMBER") - denied1))
sleep 1.2
held=$(($(refusals_held) - held0))
expect_ge "refused calls the log held back are counted in it, 1.2 s after ($held + $logged lines)" \
	$((held + logged)) $N_LOGFLOOD
info "log flood: $COUNT_flood refused calls, $logged log lines," \
	"log file now $(stat -c %s "$TMP/tcpfwd.log") bytes"
what="$N_LOGFLOOD refused calls of a member left $logged log lines"
if [ "$COUNT_flood" = $N_LOGFLOOD ] && [ "$logged" -le $MAX_LOG_LINES ]; then
	pass "$what (at most $MAX_LOG_LINES)"
else
	fail "log flood: $COUNT_flood of $N_LOGFLOOD refused, $logged log lines (at most $MAX_LOG_LINES)"
fi

# a uid outside control.group: the file system stops it, then tcpfwd itself
abuse run_as "$UID_OTHER" "$GID_NONE" - "$PY" "$ABUSE" refused "$CTL_SOCK" eacces
chmod 0755 "$TMP/run"
chmod 0666 "$CTL_SOCK"
refused0=$(grep -c "control: refused uid $UID_OTHER " "$TMP/tcpfwd.log")
abuse run_as "$UID_OTHER" "$GID_NONE" - "$PY" "$ABUSE" refused "$CTL_SOCK" daemon
expect_eq "tcpfwd logged the refusal of uid $UID_OTHER" \
	"$(($(grep -c "control: refused uid $UID_OTHER " "$TMP/tcpfwd.log") - refused0))" 1
chmod 0660 "$CTL_SOCK"
chmod 0750 "$TMP/run"
phase_end

# ======== the echo: never stalled, nothing dropped ========

touch "$TMP/echo.stop"
if wait_for 10 eval "! alive $echo_pid"; then
	wait "$echo_pid"
	rc=$?
	if [ $rc = 0 ]; then
		pass "echo connection ran through every phase and closed cleanly:" \
			"$(tail -n 1 "$TMP/echo.log")"
	else
		fail "echo client exit $rc: $(tr '\n' ' ' <"$TMP/echo.log")"
	fi
else
	fail "echo client did not stop"
fi
abuse "$PY" "$ABUSE" latency "$TMP/rtt.txt" "$TMP/phases" $MAX_RTT_MS
tcpfwd_stats >"$TMP/stats.after" || die "no stats from tcpfwd"
B=$TMP/stats.before A=$TMP/stats.after
expect_eq "verdicts.drop during the test" "$(stats_delta "$B" "$A" verdicts.drop)" 0
expect_eq "reasons other than ok that rose" "$(reasons_rose "$B" "$A")" ""
expect_ge "verdicts.accept rose by at least the echo's messages" \
	"$(accepted_delta "$B" "$A")" "$(rtt_count)"
queue_drops() { # STATS_FILE: queue_dropped + user_dropped of the kernel's queue 0
	"$PY" -c 'import json, sys; q = json.load(open(sys.argv[1]))["queues"][0]
print(q["queue_dropped"] + q["user_dropped"])' "$1"
}
expect_eq "kernel queue drops (queue_dropped + user_dropped) during the test" \
	"$(($(queue_drops "$A") - $(queue_drops "$B")))" 0
if wait_for 5 flow_state_is TIME_WAIT "$C4" "$echo_sport" "$S4" $P_ECHO; then
	pass "the echo flow ended in TIME_WAIT (tcpfwd followed it to the end)"
else
	fail "echo flow after the close: '$(flow_state "$C4" "$echo_sport" "$S4" $P_ECHO)'"
fi
check "tcpfwd still running (same pid)" tcpfwd_alive
[ $RET = 0 ] || dump_debug
exit $RET
