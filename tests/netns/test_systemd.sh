#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The shipped unit under a real systemd as PID 1: a throwaway container (systemd-nspawn -b) on
# the host's /usr, read-only, with its own /etc and /var in $TMP and the test's fw namespace as
# its network. Its /etc holds the shipped tcpfwd.service (only the paths of the binaries and of
# the helper tcpfw-ruleset changed: they sit in /opt/tcpfw), the shipped sysusers snippet,
# tcpfwd.conf and tcpfw-iptables.sh, and no drop-in.
#   - The unit's ExecStartPre loads the ruleset itself: nft table inet tcpfw where the kernel
#     has the nft `queue` expression, else (as on a kernel with CONFIG_NFT_QUEUE off) the same
#     queue through tcpfw-iptables.sh, and says so in the journal. systemctl reload loads it
#     again without a second rule, and with TCPFWD_REMOVE_TABLE_ON_STOP=yes a clean stop
#     removes it.
#   - At boot the unit starts, hardened as shipped, and tracks a byte-checked stream and an echo
#     session over IPv4 and IPv6 (fail-open and pickup off, as shipped; logging.log_invalid on).
#     Its ready message is a native journal entry with its MESSAGE_ID and TCPFW_* fields.
#   - SIGKILL, then SIGABRT (systemctl kill): Restart=on-failure brings tcpfwd back (NRestarts
#     rises), /run/tcpfwd/flows.live outlived the process (RuntimeDirectoryPreserve=restart),
#     and the journal says the flows were resumed with the table check passed (the resume
#     MESSAGE_ID, TCPFW_FLOWS). The connections go on, and the new process drops nothing.
#   - tcpfwd-metrics.service, hardened as shipped, writes node_exporter's tcpfwd.prom, which
#     promtool accepts.
#   - An ACK of a connection nobody opened (stray_ack.py, a raw socket): the drop MESSAGE_ID
#     with TCPFW_REASON=new_not_syn, the segment's addresses, ports, flags, seq and ack.
#   - systemctl stop, then start: the snapshot in /var/lib/tcpfwd carries the flows instead,
#     /run/tcpfwd is gone in between, and the connections go on again. The journal has the
#     stopping, saved and restored MESSAGE_IDs.

. "$(dirname "$0")/lib.sh"

ECHO_PORT=7000
SRC_PORT=8000
RATE=$((128 * 1024))

netns_require
container_setup
ipt=false
[[ $QUEUE_METHOD == iptables* ]] && ipt=true

# ---- the container's root ----

ROOT=$TMP/root
container_root "$ROOT"
mkdir -p "$ROOT/opt/tcpfw" "$ROOT/etc/sysusers.d" "$ROOT/etc/tcpfwd" \
	"$ROOT/etc/systemd/system/multi-user.target.wants" "$ROOT/etc/systemd/system/tcpfwd.service.d"
cp "$TOP/systemd/tcpfwd.sysusers" "$ROOT/etc/sysusers.d/tcpfwd.conf"
cp "$TOP/conf/tcpfwd.conf" "$TOP/conf/tcpfw-iptables.sh" "$ROOT/etc/tcpfwd/"
# drops are logged only with log_invalid
sed -i 's/^\([[:space:]]*log_invalid[[:space:]]*=[[:space:]]*\)false;/\1true;/' "$ROOT/etc/tcpfwd/tcpfwd.conf"
grep -Eq '^[[:space:]]*log_invalid[[:space:]]*=[[:space:]]*true;' "$ROOT/etc/tcpfwd/tcpfwd.conf" ||
	die "could not turn logging.log_invalid on in the shipped tcpfwd.conf"
cp "$TCPFWD" "$TCPFWCTL" "$ROOT/opt/tcpfw/"
# the paths as `make install SBINDIR=/opt/tcpfw LIBEXECDIR=/opt/tcpfw` rewrites them
opt_paths() {
	sed -e 's|/usr/sbin/tcpfwd|/opt/tcpfw/tcpfwd|g' -e 's|/usr/sbin/tcpfwctl|/opt/tcpfw/tcpfwctl|g' \
		-e 's|/usr/lib/tcpfw/|/opt/tcpfw/|g' "$@"
}
for u in tcpfwd.service tcpfwd-metrics.service tcpfwd-metrics.timer; do
	opt_paths "$TOP/systemd/$u" >"$ROOT/etc/systemd/system/$u"
done
opt_paths "$TOP/systemd/tcpfw-ruleset" >"$ROOT/opt/tcpfw/tcpfw-ruleset"
chmod 0755 "$ROOT/opt/tcpfw/tcpfw-ruleset"
mkdir -p "$ROOT/var/lib/prometheus/node-exporter" # as prometheus-node-exporter makes it
ln -s ../tcpfwd.service "$ROOT/etc/systemd/system/multi-user.target.wants/tcpfwd.service"
$ipt && info "no nft queue here: the shipped unit must fall back to tcpfw-iptables.sh itself"

# ---- boot ----

container_boot "$ROOT" --bind-ro=/usr

unit_prop() { inside systemctl show -P "$1" tcpfwd.service 2>/dev/null; }
active() { [ "$(unit_prop ActiveState)" = active ] && [ "$(unit_prop SubState)" = running ]; }
wait_for 20 active || die "tcpfwd.service not running: $(inside systemctl status tcpfwd --no-pager 2>&1 | tail -n 8)"
pass "tcpfwd.service started at boot, as shipped (pid $(unit_prop MainPID) in the container)"

cctl() { inside /opt/tcpfw/tcpfwctl "$@"; }
cstats() { cctl -j stats >"$TMP/c.json" 2>/dev/null && $CTL_JSON get "$TMP/c.json" "$1"; }
journal_has() { inside journalctl -q -u tcpfwd.service --no-pager 2>/dev/null | grep -Eq -- "$1"; }
# msgid KIND: the MESSAGE_ID log.h defines as LOG_ID_<KIND>
msgid() { sed -nE "s/^#define LOG_ID_$1[[:space:]]+\"([0-9a-f]{32})\".*/\1/p" "$TOP/daemon/tcpfwd/log.h"; }
# entry KIND [MATCH...]: the newest journal entry of tcpfwd.service with that MESSAGE_ID, as
# JSON in $ENTRY; false when there is none
entry() {
	local id
	id=$(msgid "$1") && [ -n "$id" ] || die "no LOG_ID_$1 in log.h"
	shift
	ENTRY=$(inside journalctl -q -o json -n 1 --no-pager _SYSTEMD_UNIT=tcpfwd.service \
		"MESSAGE_ID=$id" "$@" 2>/dev/null)
	[ -n "$ENTRY" ]
}
field() { jq -r --arg f "$1" '.[$f] // "-"' <<<"$ENTRY"; } # NAME: a field of $ENTRY
# expect_fields WHAT NAME=VALUE...: each field of $ENTRY has that value
expect_fields() {
	local what=$1 kv got bad=""
	shift
	for kv; do
		got=$(field "${kv%%=*}")
		[ "$got" = "${kv#*=}" ] || bad="$bad ${kv%%=*}=$got (not ${kv#*=})"
	done
	[ -z "$bad" ] && pass "$what: $*" || fail "$what:$bad; entry: $ENTRY"
}

if wait_for 5 entry READY "_PID=$(unit_prop MainPID)"; then
	expect_fields "ready: a native journal entry" PRIORITY=6 SYSLOG_IDENTIFIER=tcpfwd \
		TCPFW_QUEUE_FIRST=0 TCPFW_TIME_WAIT=enforce "TCPFW_VERSION=$("$TCPFWD" --version | cut -d ' ' -f 2)"
	[[ $(field MESSAGE) == "ready: queues 0-"*" bound, up to "*" flows each, TIME_WAIT enforce" ]] &&
		pass "ready: MESSAGE reads as before: $(field MESSAGE)" || fail "ready: MESSAGE $(field MESSAGE)"
else
	fail "no ready entry with MESSAGE_ID=$(msgid READY): $(inside journalctl -q -u tcpfwd.service -o cat --no-pager | tail -n 3)"
fi

# ---- the ruleset the unit loaded ----

# queue_rules: the rules that queue TCP in the fw namespace, whichever way they were loaded
queue_rules() {
	{
		nsx "$NS_F" nft list table inet tcpfw 2>/dev/null | grep -c 'queue'
		nsx "$NS_F" iptables -w -t security -S TCPFW 2>/dev/null | grep -c NFQUEUE
		nsx "$NS_F" ip6tables -w -t security -S TCPFW 2>/dev/null | grep -c NFQUEUE
	} | tr '\n' ' '
}
if $ipt; then
	want_rules="0 1 1 "
	if journal_has 'tcpfw-ruleset: the kernel has no nft queue expression: iptables -j NFQUEUE, queues 0:0, bypass yes'; then
		pass "ExecStartPre: no nft queue here, the unit loaded tcpfw-iptables.sh and said so"
	else
		fail "ExecStartPre: no fallback message: $(inside journalctl -q -u tcpfwd.service -o cat --no-pager | head -n 5 | tr '\n' ' ')"
	fi
else
	want_rules="1 0 0 "
fi
expect_eq "ExecStartPre: queue rules (nft table, iptables, ip6tables)" "$(queue_rules)" "$want_rules"
if inside systemctl reload tcpfwd.service; then
	pass "systemctl reload: the ruleset loaded again and tcpfwctl reload passed"
else
	fail "systemctl reload failed: $(inside journalctl -q -u tcpfwd.service -o cat --no-pager | tail -n 3 | tr '\n' ' ')"
fi
expect_eq "after systemctl reload: queue rules, none twice" "$(queue_rules)" "$want_rules"

# ---- traffic ----

bg_start "$NS_S" "$TMP/echo-server.log" "$PY" "$NETNS_DIR/tcp_server.py" echo $ECHO_PORT
bg_start "$NS_S" "$TMP/source.log" "$PY" "$NETNS_DIR/traffic.py" source $SRC_PORT $RATE
wait_listen "$NS_S" $ECHO_PORT
wait_listen "$NS_S" $SRC_PORT
for fam in 4 6; do
	bg_start "$NS_C" "$TMP/sink-$fam.err" "$PY" "$NETNS_DIR/traffic.py" sink \
		"$(server_addr $fam)" $SRC_PORT "$TMP/sink-$fam.log"
	bg_start "$NS_C" "$TMP/echo-$fam.err" "$PY" "$NETNS_DIR/traffic.py" echo \
		"$(server_addr $fam)" $ECHO_PORT "$TMP/echo-$fam.log" 60
done

tracked() { [ "$(cstats states.ESTABLISHED)" -ge 4 ] 2>/dev/null; }

for fam in 4 6; do
	wait_for 10 streamed_above 0 "$TMP/sink-$fam.log" && wait_for 10 echoes_ge "$TMP/echo-$fam.log" 1 ||
		die "IPv$fam traffic did not start through tcpfwd"
done
moving "under the unit" $((RATE / 4)) "$TMP"/sink-?.log "$TMP"/echo-?.log
wait_for 5 tracked || fail "tcpfwd does not track the 4 connections: $(cat "$TMP/c.json")"

# ---- crashes: Restart=on-failure ----

restarts=$(unit_prop NRestarts)
for sig in KILL ABRT; do
	old=$(unit_prop MainPID)
	inside systemctl kill --signal="SIG$sig" tcpfwd.service
	restarted() { [ "$(unit_prop NRestarts)" -gt "$restarts" ] && active && [ "$(unit_prop MainPID)" != "$old" ]; }
	if wait_for 15 restarted; then
		pass "SIG$sig: Restart=on-failure brought tcpfwd back (NRestarts $(unit_prop NRestarts))"
	else
		fail "SIG$sig: tcpfwd not restarted: $(inside systemctl status tcpfwd --no-pager 2>&1 | tail -n 5)"
	fi
	restarts=$(unit_prop NRestarts)
	inside test -f /run/tcpfwd/flows.live && pass "SIG$sig: /run/tcpfwd/flows.live outlived the process" ||
		fail "SIG$sig: no /run/tcpfwd/flows.live after the restart"
	line="" n=0
	if wait_for 5 entry RESUMED "_PID=$(unit_prop MainPID)"; then
		line=$(field MESSAGE)
		n=$(field TCPFW_FLOWS)
	fi
	if [[ $line == *"table check passed"* ]] && [ "$n" -ge 4 ] 2>/dev/null &&
		[[ $line == "state: resumed $n flows from $(field TCPFW_PATH) "* ]]; then
		pass "SIG$sig: the state was found (MESSAGE_ID, TCPFW_FLOWS=$n): $line"
	else
		fail "SIG$sig: no resume entry in the new process's journal: '$line' ($ENTRY)"
	fi
	moving "after SIG$sig" $((RATE / 4)) "$TMP"/sink-?.log "$TMP"/echo-?.log
	expect_eq "SIG$sig: drops by the restarted tcpfwd" "$(cstats verdicts.drop)" 0
done

# ---- node_exporter's textfile: tcpfwd-metrics.service ----

prom=$ROOT/var/lib/prometheus/node-exporter/tcpfwd.prom
if inside systemctl start tcpfwd-metrics.service && [ -s "$prom" ]; then
	if command -v promtool >/dev/null; then
		out=$(promtool check metrics <"$prom" 2>&1) && [ -z "$out" ] &&
			pass "tcpfwd-metrics.service wrote tcpfwd.prom, and promtool accepts it" ||
			fail "tcpfwd.prom: promtool: $out"
	else
		pass "tcpfwd-metrics.service wrote tcpfwd.prom ($(grep -c '^# TYPE' "$prom") families)"
	fi
else
	fail "tcpfwd-metrics.service: $(inside systemctl status tcpfwd-metrics.service --no-pager 2>&1 | tail -n 5)"
fi

# ---- a dropped segment in the journal ----

pid=$(unit_prop MainPID)
sport=$((20000 + RANDOM % 10000))
nsx "$NS_C" "$PY" "$NETNS_DIR/stray_ack.py" "$C4" "$S4" $sport $ECHO_PORT 1000 5000 ||
	die "stray_ack.py failed"
if wait_for 5 entry DROP "_PID=$pid" "TCPFW_SPORT=$sport"; then
	expect_fields "drop: an entry with the drop MESSAGE_ID" PRIORITY=6 TCPFW_QUEUE=0 \
		TCPFW_REASON=new_not_syn "TCPFW_SRC=$C4" "TCPFW_SPORT=$sport" "TCPFW_DST=$S4" \
		"TCPFW_DPORT=$ECHO_PORT" TCPFW_FLAGS=0x10 TCPFW_SEQ=1000 TCPFW_ACK=5000 TCPFW_LEN=0
	[[ $(field MESSAGE) == "queue 0: drop new_not_syn "*" $C4:$sport -> $S4:$ECHO_PORT flags 0x10 seq 1000 ack 5000 len 0" ]] &&
		pass "drop: MESSAGE reads as before: $(field MESSAGE)" || fail "drop: MESSAGE $(field MESSAGE)"
	[ "$(field TCPFW_STATE)" != - ] && pass "drop: TCPFW_STATE=$(field TCPFW_STATE)" ||
		fail "drop: no TCPFW_STATE"
else
	fail "no drop entry for $C4:$sport: $(inside journalctl -q -u tcpfwd.service -o cat --no-pager | tail -n 3)"
fi

# ---- a clean stop and start: the snapshot ----

inside systemctl stop tcpfwd.service
if wait_for 5 entry STOPPING "_PID=$pid"; then
	expect_fields "stop: the stopping entry" TCPFW_SIGNAL=15
else
	fail "stop: no stopping entry"
fi
if wait_for 5 entry SAVED "_PID=$pid" && [ "$(field TCPFW_FLOWS)" -ge 4 ] 2>/dev/null; then
	pass "stop: the saved entry, TCPFW_FLOWS=$(field TCPFW_FLOWS)"
else
	fail "stop: no saved entry: $ENTRY"
fi
inside test -e /run/tcpfwd && fail "stop: /run/tcpfwd still there" ||
	pass "stop: /run/tcpfwd removed with the live table"
inside test -s /var/lib/tcpfwd/flows.snapshot && pass "stop: /var/lib/tcpfwd/flows.snapshot written" ||
	fail "stop: no snapshot"
inside systemctl start tcpfwd.service
wait_for 20 active || fail "start after stop: not running"
line=""
wait_for 5 entry RESTORED "_PID=$(unit_prop MainPID)" && [ "$(field TCPFW_FLOWS)" -ge 4 ] 2>/dev/null &&
	line=$(field MESSAGE)
[[ $line == "state: restored $(field TCPFW_FLOWS) flows"* ]] &&
	pass "start after stop (MESSAGE_ID, TCPFW_FLOWS): $line" || fail "start after stop: nothing restored: $ENTRY"
moving "after stop and start" $((RATE / 4)) "$TMP"/sink-?.log "$TMP"/echo-?.log
bad=$(grep -h '^error' "$TMP"/sink-?.log "$TMP"/echo-?.log 2>/dev/null | head -n 1)
[ -z "$bad" ] && pass "no client error" || fail "client error: $bad"

# ---- TCPFWD_REMOVE_TABLE_ON_STOP=yes: a clean stop removes the ruleset ----

expect_eq "the ruleset kept across stop and start" "$(queue_rules)" "$want_rules"
mkdir -p "$ROOT/etc/systemd/system/tcpfwd.service.d"
printf '[Service]\nEnvironment=TCPFWD_REMOVE_TABLE_ON_STOP=yes\n' \
	>"$ROOT/etc/systemd/system/tcpfwd.service.d/remove.conf"
inside systemctl daemon-reload
inside systemctl stop tcpfwd.service
expect_eq "TCPFWD_REMOVE_TABLE_ON_STOP=yes: queue rules after a clean stop" "$(queue_rules)" "0 0 0 "

container_poweroff

[ $RET = 0 ] || dump_debug
exit $RET
