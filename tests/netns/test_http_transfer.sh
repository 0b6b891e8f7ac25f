#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Real HTTP through tcpfwd, IPv4 and IPv6: several short requests and a 50 MB download that
# must arrive byte-identical, with no segment dropped by tcpfwd. Reports the bulk throughput
# and the rate of sequential short connections (figures, not judged).

. "$(dirname "$0")/lib.sh"

BULK_MB=${BULK_MB:-50}
SHORT_N=${SHORT_N:-200}
PORT=8080

netns_require curl
netns_setup bypass
write_conf "$TMP/tcpfwd.conf" level=info
tcpfwd_start

www_start "$PORT" "$BULK_MB"

tcpfwd_stats >"$TMP/before" || die "no stats from tcpfwd"
connects=0

for fam in 4 6; do
	base="http://$(url_host $fam):$PORT"

	info "IPv$fam: 5 short requests"
	# HTTP/1.0 server: each request is its own connection
	codes=$(nsx "$NS_C" curl -s -"$fam" --max-time 20 -o "$TMP/small.out" \
		-w '%{http_code} %{num_connects}\n' "$base/small.txt?[1-5]")
	n_ok=$(echo "$codes" | grep -c '^200 ')
	connects=$((connects + $(echo "$codes" | awk '{ s += $2 } END { print s + 0 }')))
	expect_eq "IPv$fam short requests answered 200" "$n_ok" 5
	check "IPv$fam short response intact" cmp -s "$TMP/small.out" "$TMP/www/small.txt"

	info "IPv$fam: ${BULK_MB} MB download"
	rm -f "$TMP/bulk.out"
	out=$(nsx "$NS_C" curl -s -"$fam" --max-time 120 -o "$TMP/bulk.out" \
		-w '%{http_code} %{size_download} %{speed_download} %{num_connects}' "$base/blob.bin")
	read -r code size speed nc <<<"$out"
	connects=$((connects + ${nc:-0}))
	expect_eq "IPv$fam bulk HTTP status" "$code" 200
	got=$(sha256sum <"$TMP/bulk.out" 2>/dev/null)
	if [ "$got" = "$BLOB_SHA256" ]; then
		pass "IPv$fam bulk ${BULK_MB} MB byte-identical"
	else
		fail "IPv$fam bulk differs: $size bytes received, sha256 ${got%% *} != ${BLOB_SHA256%% *}"
	fi
	mbps=$(awk -v s="${speed:-0}" 'BEGIN { printf "%.1f", s / 1e6 }')
	echo "RESULT: IPv$fam bulk ${BULK_MB} MB through tcpfwd: $mbps MB/s"
done

info "IPv4: $SHORT_N sequential short requests"
t0=$(now_ms)
codes=$(nsx "$NS_C" curl -s -4 --max-time 120 -o /dev/null -w '%{http_code} %{num_connects}\n' \
	"http://$S4:$PORT/small.txt?[1-$SHORT_N]")
t1=$(now_ms)
n_ok=$(echo "$codes" | grep -c '^200 ')
n_conn=$(echo "$codes" | awk '{ s += $2 } END { print s + 0 }')
connects=$((connects + n_conn))
expect_eq "sequential short requests answered 200" "$n_ok" "$SHORT_N"
rate=$(awk -v n="$n_conn" -v ms="$((t1 - t0))" 'BEGIN { printf "%.0f", ms ? n * 1000 / ms : 0 }')
echo "RESULT: $n_conn sequential HTTP connections in $((t1 - t0)) ms: $rate connections/s"

# The traffic really went through tcpfwd (with bypass, a dead daemon would pass everything).
check "tcpfwd still running" tcpfwd_alive
tcpfwd_stats >"$TMP/after" || die "no stats from tcpfwd"
created=$(stats_delta "$TMP/before" "$TMP/after" created)
expect_ge "flows created by tcpfwd for $connects connections" "$created" "$connects"
pkts=$(stats_delta "$TMP/before" "$TMP/after" packets)
if fastpath_on; then # and those its fast path judged in the kernel
	fast=$(stats_delta "$TMP/before" "$TMP/after" fastpath.accepted)
	expect_ge "segments the fast path accepted" "$fast" 1
	pkts=$((pkts + fast))
fi
# at least the 2 x BULK_MB payload in 64 KiB GSO segments, plus 3 packets a connection
expect_ge "packets seen by tcpfwd" "$pkts" $((2 * BULK_MB * 16 + 3 * connects))
drops=$(stats_delta "$TMP/before" "$TMP/after" verdicts.drop)
if [ "$drops" = 0 ]; then
	pass "no segment dropped by tcpfwd (verdicts.drop +0)"
else
	fail "tcpfwd dropped $drops legitimate segments; reasons that rose: $(reasons_rose "$TMP/before" "$TMP/after")"
fi

[ $RET = 0 ] || dump_debug
exit $RET
