#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Legitimate traffic under 3 % random loss in the client and the server namespaces, on output
# and on input (see loss_setup), so both directions lose segments before and after tcpfwd:
# retransmissions, duplicates, SACK and holes must all pass tcpfwd. Downloads must be
# byte-identical and tcpfwd must drop nothing.

. "$(dirname "$0")/lib.sh"

MB=${LOSS_MB:-20}
LOSS_PCT=3
PORT=8080

netns_require curl
netns_setup bypass
write_conf "$TMP/tcpfwd.conf" level=info
tcpfwd_start

www_start "$PORT" "$MB"
loss_setup "$LOSS_PCT"
tcpfwd_stats >"$TMP/before" || die "no stats from tcpfwd"

for fam in 4 6; do
	info "IPv$fam: $MB MB with $LOSS_PCT % loss on input and output at both ends"
	rm -f "$TMP/out"
	t0=$(now_ms)
	out=$(nsx "$NS_C" curl -s -"$fam" --max-time 150 -o "$TMP/out" \
		-w '%{http_code} %{size_download}' "http://$(url_host $fam):$PORT/blob.bin")
	secs=$(awk -v ms="$(($(now_ms) - t0))" 'BEGIN { printf "%.1f", ms / 1000 }')
	got=$(sha256sum <"$TMP/out" 2>/dev/null)
	if [ "$got" = "$BLOB_SHA256" ]; then
		pass "IPv$fam $MB MB under loss byte-identical (${secs} s)"
	else
		fail "IPv$fam transfer under loss: curl '$out' after ${secs} s, sha256 ${got%% *} != ${BLOB_SHA256%% *}"
	fi
done

# The loss must have happened, or this test proves nothing.
for ns in "$NS_C" "$NS_S"; do
	for hook in output input; do
		expect_ge "segments lost on ${ns##*-} $hook" "$(loss_dropped "$ns" $hook)" 1
	done
done

check "tcpfwd still running" tcpfwd_alive
tcpfwd_stats >"$TMP/after" || die "no stats from tcpfwd"
d() { stats_delta "$TMP/before" "$TMP/after" "$1"; }
rose=$(reasons_rose "$TMP/before" "$TMP/after")
if [ "$(d verdicts.drop)" = 0 ]; then
	pass "no segment dropped by tcpfwd (verdicts.drop +0)"
else
	fail "tcpfwd dropped $(d verdicts.drop) legitimate segments; reasons that rose: ${rose:-none}"
fi
expect_ge "flows created" "$(d created)" 2
info "tcpfwd saw $(d packets) packets; reasons other than ok: ${rose:-none}"

[ $RET = 0 ] || dump_debug
exit $RET
