#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tcpfwctl metrics: Prometheus text that promtool accepts and whose values are those of
# `tcpfwctl -j stats`.
#   - Traffic first: HTTP requests over IPv4 and IPv6 (accepted), and three bare ACKs crafted
#     for connections that do not exist (dropped as new_not_syn), so that the counters are not
#     all zero.
#   - `tcpfwctl metrics | promtool check metrics` exits 0 and prints no lint problem.
#   - With traffic stopped, the verdict, reason, state, table and queue values in the text equal
#     the same counters from `tcpfwctl -j stats`, read right after.

. "$(dirname "$0")/lib.sh"

PORT=8080

netns_require curl
command -v promtool >/dev/null || skip "needs promtool (Debian package prometheus)"
netns_setup bypass
write_conf "$TMP/tcpfwd.conf" pickup=false level=info
tcpfwd_start_ctl "$TMP/tcpfwd.conf"
www_start $PORT 1

for fam in 4 6; do
	code=$(nsx "$NS_C" curl -s -"$fam" --max-time 10 -o /dev/null -w '%{http_code}' \
		"http://$(url_host $fam):$PORT/small.txt")
	expect_eq "IPv$fam request through tcpfwd" "$code" 200
done
for i in 1 2 3; do
	craft_send "$(addrs 4),sport=$((41000 + i)),dport=$PORT,flags=A,seq=$((1000 * i)),ack=1"
done
dropped() { [ "$(stat_get verdicts.drop)" -ge 3 ] 2>/dev/null; }
wait_for 5 dropped || fail "tcpfwd did not count the 3 crafted drops: $(stat_get verdicts.drop)"

ctl metrics >"$TMP/metrics.prom" || fail "tcpfwctl metrics failed"
ctl -j stats >"$TMP/stats.json" || fail "tcpfwctl -j stats failed"
if out=$(promtool check metrics <"$TMP/metrics.prom" 2>&1); then
	[ -z "$out" ] && pass "promtool check metrics: clean ($(grep -c '^# TYPE' "$TMP/metrics.prom") families)" ||
		fail "promtool check metrics: $out"
else
	fail "promtool check metrics rejects the text: $out"
fi

# metric NAME [LABEL VALUE]: the sample's value in the text
metric() {
	if [ $# = 1 ]; then
		awk -v n="$1" '$1 == n { print $2 }' "$TMP/metrics.prom"
	else
		awk -v n="$1{$2=\"$3\"}" '$1 == n { print $2 }' "$TMP/metrics.prom"
	fi
}
js() { stats_val "$TMP/stats.json" "$1"; }

expect_eq "verdicts accept: metrics = stats" "$(metric tcpfw_verdicts_total verdict accept)" "$(js verdicts.accept)"
expect_eq "verdicts drop: metrics = stats" "$(metric tcpfw_verdicts_total verdict drop)" "$(js verdicts.drop)"
expect_ge "drops counted" "$(metric tcpfw_verdicts_total verdict drop)" 3
for r in ok new_not_syn; do
	expect_eq "reason $r: metrics = stats" "$(metric tcpfw_reasons_total reason $r)" "$(js reasons.$r)"
done
expect_eq "TIME_WAIT flows: metrics = stats" "$(metric tcpfw_flows state TIME_WAIT)" "$(js states.TIME_WAIT)"
expect_eq "table entries: metrics = stats" "$(metric tcpfw_table_entries)" "$(js flows)"
expect_eq "table capacity: metrics = stats" "$(metric tcpfw_table_capacity)" "$(js max_flows)"
expect_eq "flows created: metrics = stats" "$(metric tcpfw_flows_created_total)" "$(js created)"
expect_eq "packets: metrics = stats" "$(metric tcpfw_packets_total)" "$(js packets)"

[ $RET = 0 ] || dump_debug
exit $RET
