#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A SYN flood from spoofed sources against a table capped at 10,000 flows, while an established
# download crosses the firewall (docs/robustness.md sections 1.1 and 1.2: a full table must
# cost new flows, never established ones, and nothing may grow without bound).
#
# tcpfwd runs with table.max_flows = 10000, pickup off, log_invalid on, rate_limit 20. The
# server paces a 14 MiB download (2 MiB/s, as in test_fail_policy.sh) to the client; once it
# is under way, syn_flood.py sends FLOOD_COUNT SYNs at FLOOD_RATE a second (bounded by
# FLOOD_SECS too) from the client's veth, as raw frames on an AF_PACKET socket, from random
# hosts of 192.0.2.0/24 (but .0-.2 and .255) and 203.0.113.0/24 with random source ports, to
# the download's server port. Every SYN is a new unassured flow: the table fills, then each new
# SYN evicts an unassured flow near its hash slot (destroyed.evicted) or, when the 8 buckets
# it may search hold none, is dropped (reasons.table_full).
#
# The replies: the server answers every SYN with a SYN/ACK (tcp_syncookies = 2 there: cookies
# always, so no request sockets, no SYN/ACK retransmissions after the flood, no "possible SYN
# flooding" line in the host's kernel log). They cross tcpfwd too (SYN_SENT -> SYN_RECV, or a
# drop when the flow was evicted), then fw routes them back to the client side: 203.0.113.0/24
# and 192.0.2.0/25 + 192.0.2.128/25 (more specific than the connected /24) via the client, so
# fw never ARPs for hosts that do not exist; the client, not those hosts and not forwarding,
# discards them. The same routes keep fw's reverse-path check happy whatever rp_filter says.
#
# Checks:
#   - the download's flow is ESTABLISHED and assured before the flood and still tracked after
#     it (never evicted), nothing is dropped as new_not_syn, the download completes
#     byte-identical, and the flood ended while the download was still under way;
#   - reasons.table_full and destroyed.evicted rise; the table filled (>= 95 % of max_flows in
#     the samples of `tcpfwctl -j stats` taken every 100 ms during the flood) and never held
#     more than max_flows (samples, final counter, and `tcpfwctl -j list` after the flood, which
#     must agree with the counter); tcpfwd judged the flood (flows created + table_full >= 90 %
#     of the SYNs sent: with fail-open, SYNs that find the queue full would pass unjudged);
#   - tcpfwd is still running, and its VmRSS grew less than RSS_BOUND_KB = 4 MiB. The table is
#     allocated at start but its pages are touched as flows first fill them: 10,000 flows of
#     ~128 B plus buckets and timers, ~1.4 MiB. The rest of the bound (~2.6 MiB) is less than
#     60 bytes for each of the 45,000 SYNs: a per-flow or per-packet leak exceeds it;
#   - the log stays quiet: lines written during the flood <= (rate_limit + 1) per started second
#     (+2 windows for the edges), drop lines <= rate_limit per second, the limiter held lines
#     back, and a "drop messages suppressed" summary says so. 1.2 s after the flood, every
#     limiter second has ended and the log should account for every drop (drop lines +
#     suppressed counts = verdicts.drop): the worker writes the last second's count when the
#     second ends, without waiting for another drop. After one more drop (a bare ACK:
#     new_not_syn) the accounting must still be exact;
#   - after the flood, a new connection from the client succeeds, and tcpfwd tracked it.
# The figures (SYNs sent, duration, counters, RSS, log lines) are printed as
# "[test_syn_flood] figures: ...".

. "$(dirname "$0")/lib.sh"

PORT=8080
MB=14
RATE=$((2 * 1024 * 1024)) # bytes/s: the download lasts about 7 s
MAX_FLOWS=10000
RATE_LIMIT=20
FLOOD_COUNT=45000
FLOOD_RATE=15000 # SYNs/s: 3 s for FLOOD_COUNT
FLOOD_SECS=5     # hard stop for the sender
RSS_BOUND_KB=$((4 * 1024))
LOG=$TMP/tcpfwd.log

netns_require curl
netns_setup bypass

# Spoofed hosts' replies go back to the client side (see the header).
spoofed_replies_setup

# a small table, every drop logged within the rate limit
conf=$TMP/tcpfwd.conf
write_conf "$conf" max_flows=$MAX_FLOWS pickup=false level=info log_invalid=true \
	rate_limit=$RATE_LIMIT
tcpfwd_start "$conf"

# ---- helpers ----

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$TCPFWD_PID/status" 2>/dev/null; }
log_lines() { wc -l <"$LOG"; }
# new_log FROM: the log from line FROM + 1 on
new_log() { tail -n +$(($1 + 1)) "$LOG"; }
# log_account FROM: "LINES DROP_LINES SUMMARIES SUPPRESSED" of the log after line FROM
log_account() {
	new_log "$1" | awk '
		/ drop messages suppressed/ { sum++; for (i = 1; i < NF; i++) if ($(i + 1) == "drop") n += $i; next }
		/queue [0-9]+: drop / { drops++ }
		{ lines++ }
		END { printf "%d %d %d %d\n", lines + sum, drops, sum, n }'
}
# sampler DIR: `tcpfwctl -j stats` every 100 ms into DIR/N.json until DIR/stop exists
sampler() {
	local n=0
	while [ ! -e "$1/stop" ]; do
		ctl -j stats >"$1/$n.json" 2>/dev/null || rm -f "$1/$n.json"
		n=$((n + 1))
		sleep 0.1
	done
}
# flows_max DIR: "MAX SAMPLES" of the flows counter over the samples
flows_max() {
	"$PY" - "$1" <<-'EOF'
		import glob, json, sys
		vals = []
		for p in glob.glob(sys.argv[1] + "/*.json"):
		    try:
		        with open(p) as f:
		            v = json.load(f)["flows"]
		    except (OSError, ValueError, KeyError, TypeError):
		        continue
		    if type(v) is int:
		        vals.append(v)
		print(max(vals) if vals else "none", len(vals))
	EOF
}

paced_http_start $PORT $MB $RATE
TOTAL=$BLOB_BYTES

# ---- the download, then the flood ----

info "download: $MB MiB at $((RATE >> 20)) MiB/s from $S4:$PORT"
download_start 4 $PORT "$TMP/dl.out" 40
dl=$DL_PID
wait_for 10 size_above $((512 * 1024)) "$TMP/dl.out" || die "the download did not start"
lp=$(client_port $PORT 4) || die "cannot find the download's connection"
read -r st _ _ as <<<"$(flow_info "$C4" "$lp" "$S4" $PORT)"
expect_eq "the download's flow before the flood" "$st $as" "ESTABLISHED assured"

tcpfwd_stats >"$TMP/before" || die "no stats from tcpfwd"
expect_eq "max_flows in tcpfwd's stats" "$(stats_val "$TMP/before" max_flows)" $MAX_FLOWS
rss0=$(rss_kb)
[ -n "$rss0" ] || die "cannot read VmRSS of tcpfwd (pid $TCPFWD_PID)"
mark=$(log_lines)
mkdir -p "$TMP/samples"
sampler "$TMP/samples" &
sampler_pid=$!
BG_PIDS="$BG_PIDS $sampler_pid"

info "flood: $FLOOD_COUNT SYNs at $FLOOD_RATE/s (at most $FLOOD_SECS s) to $S4:$PORT"
dl_at_start=$(fsize "$TMP/dl.out")
t0=$(now_ms)
flood=$(nsx "$NS_C" "$PY" "$NETNS_DIR/syn_flood.py" c0 "$FW_MAC" "$S4" $PORT \
	--count "$FLOOD_COUNT" --rate "$FLOOD_RATE" --secs $FLOOD_SECS) || die "syn_flood.py: $flood"
flood_ms=$(($(now_ms) - t0))
dl_at_end=$(fsize "$TMP/dl.out")
sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$flood")
info "flood: $flood (wall $flood_ms ms); download at $dl_at_start -> $dl_at_end of $TOTAL bytes"
# the last replies and verdicts, and one more sample of the table
sleep 0.5
touch "$TMP/samples/stop"
wait "$sampler_pid" 2>/dev/null

tcpfwd_stats >"$TMP/after" || die "no stats from tcpfwd after the flood"
rss1=$(rss_kb)
d() { stats_delta "$TMP/before" "$TMP/after" "$1"; }
# the whole table, once: the download's flow and the count (nothing is created meanwhile)
ctl -j list >"$TMP/list.json" 2>"$TMP/list.err" || fail "tcpfwctl -j list: $(cat "$TMP/list.err")"
read -r st _ _ as <<<"$($CTL_JSON flow "$TMP/list.json" "$C4" "$lp" "$S4" $PORT)"
listed=$("$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/list.json" 2>/dev/null)

# ---- the download ----

download_done "download across the flood" "$dl" "$TMP/dl.out" "$BLOB_SHA256"
if [ "$dl_at_end" -lt "$TOTAL" ]; then
	pass "the flood ran while the download was under way ($dl_at_start -> $dl_at_end bytes)"
else
	fail "the download was over before the flood ended ($dl_at_start -> $dl_at_end bytes): the case proves nothing"
fi

# ---- the table ----

# An assured established flow is never evicted (docs/robustness.md section 1.1); evicted, its
# segments would be dropped as new_not_syn (pickup off). Still in the table after the flood (in
# ESTABLISHED, or closing if the download ended since), and assured.
if [ "$st" != NONE ] && [ "$st" != ERROR ] && [ "$as" = assured ]; then
	pass "the download's flow is still tracked after the flood ($st, $as)"
else
	fail "the download's flow after the flood: '$st ${as:-}', expected a tracked assured flow"
fi
expect_eq "segments dropped as new_not_syn during the flood" "$(d reasons.new_not_syn)" 0

expect_ge "SYNs sent (a flood at least three times the table)" "$sent" $((3 * MAX_FLOWS))
table_full=$(d reasons.table_full)
evicted=$(d destroyed.evicted)
created=$(d created)
# Each SYN of a new tuple either creates a flow or is dropped as table_full; fail-open lets
# what finds the queue full pass unjudged, so this shows the flood went through tcpfwd.
judged=$(( ${created:-0} + ${table_full:-0} ))
expect_ge "SYNs tcpfwd judged: flows created + table_full (>= 90 % of the SYNs sent)" "$judged" $((sent * 9 / 10))
expect_ge "reasons.table_full rose" "$table_full" 1
expect_ge "destroyed.evicted rose" "$evicted" 1
read -r fmax nsamples <<<"$(flows_max "$TMP/samples")"
flows_end=$(stats_val "$TMP/after" flows)
info "table: $nsamples samples, max $fmax flows; $flows_end at the end; created +$created"
expect_ge "stats samples taken during the flood" "$nsamples" 5
expect_ge "the flood filled the table (max flows sampled)" "$fmax" $((MAX_FLOWS * 95 / 100))
if [ "$fmax" != none ] && [ "$fmax" -le $MAX_FLOWS ] && [ "$flows_end" -le $MAX_FLOWS ] 2>/dev/null; then
	pass "flows never above max_flows (max sampled $fmax, at the end $flows_end, limit $MAX_FLOWS)"
else
	fail "flows above max_flows: max sampled $fmax, at the end $flows_end, limit $MAX_FLOWS"
fi
expect_eq "flows in tcpfwctl -j list after the flood = the flows counter" "${listed:-error}" "$flows_end"

# ---- the daemon ----

check "tcpfwd still running after the flood" tcpfwd_alive
grow=$(( ${rss1:-0} - rss0 ))
info "VmRSS: $rss0 kB before, ${rss1:-?} kB after (+$grow kB)"
if [ -n "$rss1" ] && [ "$grow" -lt $RSS_BOUND_KB ]; then
	pass "VmRSS growth below $RSS_BOUND_KB kB (+$grow kB)"
else
	fail "VmRSS grew from $rss0 kB to ${rss1:-?} kB: +$grow kB, bound $RSS_BOUND_KB kB"
fi

# ---- the log ----

# Windows of the limiter that the flood could touch: each started second, +2 for the edges.
wins=$(( (flood_ms + 999) / 1000 + 2 ))
drops=$(d verdicts.drop)
read -r lines dlines nsum nsupp <<<"$(log_account "$mark")"
info "log: $lines lines during the flood ($dlines drop lines, $nsum summaries of $nsupp suppressed), $drops segments dropped"
new_log "$mark" | grep -v -e ' drop ' -e 'suppressed' | head -n 5 | sed 's/^/    other log line: /'
if [ "$lines" -le $(( (RATE_LIMIT + 1) * wins )) ]; then
	pass "log lines during the flood: $lines <= $(( (RATE_LIMIT + 1) * wins )) ((rate_limit + 1) x $wins windows)"
else
	fail "log lines during the flood: $lines > $(( (RATE_LIMIT + 1) * wins )) ((rate_limit + 1) x $wins windows)"
fi
if [ "$dlines" -le $((RATE_LIMIT * wins)) ]; then
	pass "drop lines within the rate limit: $dlines <= $((RATE_LIMIT * wins))"
else
	fail "drop lines beyond the rate limit: $dlines > $((RATE_LIMIT * wins))"
fi
expect_ge "the limiter engaged (drops beyond the logged lines)" "$drops" $((dlines + 1))

# The summary of the flood's last second: rate_limit in tcpfwd.conf(5) says the number
# suppressed "is logged when the second ends". 1.2 s after the last drop, every second of the
# limiter has ended, and the worker loop (which turns at least every 100 ms) has written it.
sleep 1.2
pre=$(log_lines)
read -r lines dlines nsum nsupp <<<"$(log_account "$mark")"
if [ $((dlines + nsupp)) = "$drops" ]; then
	pass "the log accounts for every drop 1.2 s after the flood ($dlines lines + $nsupp suppressed)"
else
	fail "the log accounts for every drop 1.2 s after the flood: $dlines lines + $nsupp suppressed != $drops drops"
fi

# One more drop (a bare ACK of no flow: new_not_syn; source port 999, which the flood never
# uses) flushes the limiter's count.
nsx "$NS_C" "$PY" "$NETNS_DIR/syn_flood.py" c0 "$FW_MAC" "$S4" $PORT --flags 0x10 --count 1 \
	--sport 999 >/dev/null || die "syn_flood.py: the bare ACK"
log_grew() { [ "$(log_lines)" -gt "$pre" ]; }
check "the bare ACK after the flood is logged" wait_for 5 log_grew
tcpfwd_stats >"$TMP/flushed" || die "no stats from tcpfwd"
drops=$(stats_delta "$TMP/before" "$TMP/flushed" verdicts.drop)
read -r lines dlines nsum nsupp <<<"$(log_account "$mark")"
late=$(new_log "$pre" | sed -n 's/.*: \([0-9]*\) drop messages suppressed.*/\1/p' | head -n 1)
info "log after one more drop: $lines lines ($dlines drop lines, $nsum summaries of $nsupp suppressed; ${late:-0} of them summarised only now), $drops drops"
expect_ge "'drop messages suppressed' summaries in the log" "$nsum" 1
expect_eq "drop lines + suppressed counts = drops" "$((dlines + nsupp))" "$drops"

# ---- a new connection after the flood ----

body=$(nsx "$NS_C" curl -s -4 --max-time 10 "http://$S4:$PORT/small.txt")
expect_eq "a new connection after the flood (body)" "$body" small
tcpfwd_stats >"$TMP/end" || die "no stats from tcpfwd"
expect_ge "the new connection's flow was created by tcpfwd" "$(stats_delta "$TMP/flushed" "$TMP/end" created)" 1
check "tcpfwd still running at the end" tcpfwd_alive

info "figures: SYNs sent $sent in $flood_ms ms ($flood); judged $judged (created +$created, table_full +$table_full)"
info "figures: evicted +$evicted; flows max $fmax of $MAX_FLOWS; VmRSS $rss0 -> $rss1 kB (+$grow kB)"
info "figures: log $lines lines ($dlines drop lines, $nsum summaries of $nsupp suppressed) for $drops drops"
info "figures: reasons that rose: $(reasons_rose "$TMP/before" "$TMP/end")"

[ $RET = 0 ] || dump_debug
exit $RET
