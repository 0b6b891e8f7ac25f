#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The in-kernel fast path in the daemon (whatever TCPFW_NETNS_FASTPATH says: it is on here):
#   - downloads through it arrive byte-identical, IPv4 and IPv6, with no segment dropped; the
#     program accepted most of their segments and tcpfwd handed both flows over (stats, the
#     text section and the metrics say so);
#   - a flow in the fast path killed with tcpfwctl leaves the program too: its next segments
#     meet no flow and are dropped (new_not_syn), and no slot stays taken;
#   - where it cannot attach (an interface that does not exist) tcpfwd says why once and
#     runs without it: traffic passes through the queue, stats say "enabled":false.
# Every other netns test runs with the fast path too under TCPFW_NETNS_FASTPATH=1.

. "$(dirname "$0")/lib.sh"

export TCPFW_NETNS_FASTPATH=1
BULK_MB=30
PORT=8080

netns_require curl
netns_setup bypass
write_conf "$TMP/tcpfwd.conf" level=info
tcpfwd_start_ctl
check "tcpfwd says the fast path is on" file_has "$TMP/tcpfwd.log" "fast path on: at the ingress of fc fs"
www_start "$PORT" "$BULK_MB"

# ---- bulk through the fast path ----
tcpfwd_stats >"$TMP/before" || die "no stats from tcpfwd"
for fam in 4 6; do
	rm -f "$TMP/bulk.out"
	code=$(nsx "$NS_C" curl -s -"$fam" --max-time 120 -o "$TMP/bulk.out" -w '%{http_code}' \
		"http://$(url_host $fam):$PORT/blob.bin")
	expect_eq "IPv$fam download status" "$code" 200
	check "IPv$fam ${BULK_MB} MB byte-identical" \
		test "$(sha256sum <"$TMP/bulk.out" 2>/dev/null)" = "$BLOB_SHA256"
done
tcpfwd_stats >"$TMP/after" || die "no stats from tcpfwd"
expect_eq "segments dropped by tcpfwd" "$(stats_delta "$TMP/before" "$TMP/after" verdicts.drop)" 0
# the payload alone is 2 x 30 MiB in at most 64 KiB GSO segments, ACKs besides
expect_ge "segments the fast path accepted" \
	"$(stats_delta "$TMP/before" "$TMP/after" fastpath.accepted)" $((2 * BULK_MB * 16))
expect_ge "flows handed over" "$(stats_delta "$TMP/before" "$TMP/after" fastpath.handovers)" 2
expect_ge "their changes imported into the table" \
	"$(stats_delta "$TMP/before" "$TMP/after" fastpath.imports)" 2
check "tcpfwctl stats has a Fast path section" eval 'ctl stats | grep -q "^Fast path"'
check "tcpfwctl metrics has tcpfw_fastpath_accepted_total" \
	eval 'ctl metrics | grep -Eq "^tcpfw_fastpath_accepted_total [1-9]"'

# ---- kill: a flow in the fast path leaves the program with the table ----
paced=$((PORT + 1))
paced_http_start "$paced" 4 200000
nsx "$NS_C" curl -s -4 --max-time 30 -o "$TMP/paced.out" "http://$S4:$paced/blob.bin" &
curl_pid=$!
BG_PIDS="$BG_PIDS $curl_pid"
fp_flows() { stat_get fastpath.flows; }
wait_for 10 eval '[ "$(fp_flows)" -ge 1 ]' || fail "the paced download never went to the fast path"
tcpfwd_stats >"$TMP/k.before" || die "no stats from tcpfwd"
expect_eq "kill of the paced download's flow" "$(ctl kill --dport $paced 2>&1)" "1 flow killed"
wait_for 10 eval '! alive $curl_pid' || true
tcpfwd_stats >"$TMP/k.after" || die "no stats from tcpfwd"
expect_ge "its next segments met no flow (new_not_syn)" \
	"$(stats_delta "$TMP/k.before" "$TMP/k.after" reasons.new_not_syn)" 1
expect_eq "no slot stays taken" "$(stats_val "$TMP/k.after" fastpath.flows)" 0
check "the killed download did not complete" \
	test "$(stat -c %s "$TMP/paced.out" 2>/dev/null || echo 0)" -lt $((4 * 1024 * 1024))

# ---- without the fast path where the kernel cannot attach it ----
tcpfwd_stop
sed -i 's/interfaces = "fc fs"/interfaces = "fc nosuchif0"/' "$TMP/tcpfwd.conf"
tcpfwd_start_ctl "$TMP/tcpfwd.conf"
check "tcpfwd says why the fast path is off" file_has "$TMP/tcpfwd.log" \
	"fast path off, every packet goes to the queue: no interface nosuchif0"
tcpfwd_stats >"$TMP/off" || die "no stats from tcpfwd"
expect_eq "the stats say it is off" "$($CTL_JSON value "$TMP/off" fastpath.enabled)" false
code=$(nsx "$NS_C" curl -s -4 --max-time 20 -o /dev/null -w '%{http_code}' "http://$S4:$PORT/small.txt")
expect_eq "traffic passes through the queue" "$code" 200

[ $RET = 0 ] || dump_debug
exit $RET
