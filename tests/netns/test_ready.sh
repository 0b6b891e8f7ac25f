#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sd_notify protocol, against a NOTIFY_SOCKET listener (notify_listen.py) in the fw namespace:
#   - READY=1 only once queue 0 is bound: the listener reads nfnetlink_queue the moment
#     READY=1 arrives;
#   - WATCHDOG=1 pings with WATCHDOG_USEC=2 s, at least every 2 s; none while the process is
#     stopped (SIGSTOP), again after SIGCONT;
#   - STOPPING=1 on SIGTERM, then a clean exit that unbinds the queue.
# And the log's form, which follows where stderr goes:
#   - by hand (here with a JOURNAL_STREAM that names another file): every line starts with the
#     local time, ISO 8601 with milliseconds and the offset, then the level;
#   - JOURNAL_STREAM naming stderr but no journald socket: the <N> prefixes journald reads.

. "$(dirname "$0")/lib.sh"

WD_USEC=2000000

netns_require
netns_setup bypass
write_conf "$TMP/tcpfwd.conf" level=info
TCPFWD_ENV="WATCHDOG_USEC=$WD_USEC JOURNAL_STREAM=$(stat -c %d:%i "$TMP/tcpfwd.conf")"
t0=$(date +%s)
tcpfwd_start

ready=$(grep -m1 ' READY=1' "$TMP/notify.log")
case $ready in
*queue_bound=yes) pass "READY=1 arrived with queue 0 already bound" ;;
*) fail "READY=1 before the queue was bound: '$ready'" ;;
esac
expect_eq "READY=1 notifications at startup" "$(notify_count ' READY=1')" 1
check "tcpfwd logged that it is ready" file_has "$TMP/tcpfwd.log" 'tcpfwd: .*ready'

wd_count() { notify_count ' WATCHDOG=1$'; }
wd_above() { [ "$(wd_count)" -gt "$1" ]; }

info "watchdog pings (WATCHDOG_USEC=$WD_USEC)"
if wait_for 6 wd_above 2; then
	pass "WATCHDOG=1 pings arrive ($(wd_count) so far)"
	# the largest gap between two pings must stay below the watchdog interval
	gap=$(awk '/ WATCHDOG=1$/ { if (p) { g = $1 - p; if (g > m) m = g } p = $1 } END { printf "%.0f", m * 1000 }' \
		"$TMP/notify.log")
	if [ "$gap" -lt $((WD_USEC / 1000)) ]; then
		pass "largest gap between pings ${gap} ms < $((WD_USEC / 1000)) ms"
	else
		fail "largest gap between pings ${gap} ms, the watchdog would fire at $((WD_USEC / 1000)) ms"
	fi
else
	fail "WATCHDOG=1 pings: $(wd_count) in 6 s, expected 3 or more"
fi

info "SIGSTOP: pings must stop"
kill -STOP "$TCPFWD_PID"
is_stopped() { [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d ' ' -f 1)" = T ]; }
wait_for 2 is_stopped "$TCPFWD_PID" || fail "tcpfwd did not stop"
# observation windows, not synchronisation: let a ping sent just before the stop be
# logged, then nothing may arrive for 3 s
sleep 0.3
n_stopped=$(wd_count)
sleep 3
expect_eq "WATCHDOG=1 pings while stopped for 3 s" $(($(wd_count) - n_stopped)) 0
kill -CONT "$TCPFWD_PID"
if wait_for 3 wd_above "$(wd_count)"; then
	pass "pings resume after SIGCONT"
else
	fail "no WATCHDOG=1 within 3 s of SIGCONT"
fi

info "SIGTERM: STOPPING=1, exit, queue unbound"
pid=$TCPFWD_PID
kill -TERM "$pid"
if wait_for 10 notify_has ' STOPPING=1'; then
	pass "STOPPING=1 notified"
else
	fail "no STOPPING=1 after SIGTERM: $(awk '{ print $2 }' "$TMP/notify.log" | tail -n 3 | tr '\n' ' ')"
fi
if wait_for 10 eval "! alive $pid"; then
	wait "$pid"
	expect_eq "tcpfwd exit status after SIGTERM" $? 0
else
	fail "tcpfwd still running 10 s after SIGTERM"
fi
TCPFWD_PID=""
if wait_for 5 eval "! queue_bound 0"; then
	pass "queue 0 unbound after exit"
else
	fail "queue 0 still bound after tcpfwd exited"
fi

info "the log by hand: a timestamp and the level on every line"
STAMP='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}'
LEVEL='(emerg|alert|crit|err|warning|notice|info|debug)'
lines=$(wc -l <"$TMP/tcpfwd.log")
bad=$(grep -Evm1 "^$STAMP $LEVEL tcpfwd: " "$TMP/tcpfwd.log")
if [ "$lines" -ge 3 ] && [ -z "$bad" ]; then
	pass "all $lines lines start with a timestamp and the level: $(head -n 1 "$TMP/tcpfwd.log")"
else
	fail "$lines lines, one without a timestamp and level: '$bad'"
fi
ready=$(grep -Em1 "^$STAMP info tcpfwd: ready: " "$TMP/tcpfwd.log")
stamp=$(date -d "${ready%% *}" +%s 2>/dev/null || echo 0)
if [ "$stamp" -ge "$t0" ] && [ "$stamp" -le "$(date +%s)" ]; then
	pass "the ready line's time is the wall clock's (${ready%% *})"
else
	fail "the ready line's time ${ready%% *} is not between the start and now"
fi

if [ -S /run/systemd/journal/socket ]; then
	info "a journald runs here: the <N> fallback is not checked"
else
	info "JOURNAL_STREAM names stderr, no journald socket: <N> prefixes"
	TCPFWD_ENV="JOURNAL_STREAM=$(stat -c %d:%i "$TMP/tcpfwd.log")"
	tcpfwd_start
	tcpfwd_term "with JOURNAL_STREAM"
	bad=$(tcpfwd_new_log | grep -Evm1 '^<[0-7]>tcpfwd: ')
	if tcpfwd_new_log | grep -q '^<6>tcpfwd: ready: ' && [ -z "$bad" ]; then
		pass "every line has a <N> prefix and no timestamp ($(tcpfwd_new_log | wc -l) lines)"
	else
		fail "not the stream's form: '${bad:-no <6>tcpfwd: ready: line}'"
	fi
fi

[ $RET = 0 ] || dump_debug
exit $RET
