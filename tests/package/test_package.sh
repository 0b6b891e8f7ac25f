#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The package of `make deb` under a real systemd as PID 1: test_systemd.sh's throwaway container
# (systemd-nspawn -b, the test's fw namespace as its network), but with the host's /usr as the
# lower layer of an overlay and a copy of the host's dpkg database, so that `dpkg -i` runs
# inside it, maintainer scripts and triggers included, and changes nothing on the host.
# Skips (4) when build/deb holds no package.
#   - dpkg -i: the tcpfwd user and directories exist, the catalog is compiled, and neither unit
#     is enabled or started (README.Debian)
#   - systemctl enable --now tcpfwd: the packaged unit, as shipped (plus, on a kernel without
#     nft queue, the drop-in tcpfw-iptables.sh documents), runs and tracks an echo session
#   - dpkg -i again (postinst's upgrade path): tcpfwd is restarted, restores its flows from the
#     snapshot, and the session goes on
#   - dpkg -r: the service stops, and the queue rules are gone from the fw namespace
#   - dpkg --purge: nothing of the package is left in the container but the tcpfwd user

. "$(dirname "$0")/../netns/lib.sh"

ECHO_PORT=7000

netns_require
deb=$(ls "$TOP"/build/deb/tcpfw_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || skip "no package: run make deb"
container_setup

# ---- the container's root: /usr an overlay on the host's, its own /etc and /var ----

ROOT=$TMP/root
[ -L /lib ] || skip "needs a merged /usr (/lib a link to usr/lib) for the overlay"
container_root "$ROOT"
mkdir -p "$ROOT/var/lib" "$TMP/usr-upper"
cp -a /etc/dpkg "$ROOT/etc/"
cp -a /var/lib/dpkg "$ROOT/var/lib/"
# the host's overrides name groups this /etc lacks, and dpkg refuses to run with those
: >"$ROOT/var/lib/dpkg/statoverride"
cp "$deb" "$ROOT/root/tcpfw.deb"

container_boot "$ROOT" --overlay="/usr:$TMP/usr-upper:/usr"

unit_prop() { inside systemctl show -P "$1" tcpfwd.service 2>/dev/null; }
active() { [ "$(unit_prop ActiveState)" = active ] && [ "$(unit_prop SubState)" = running ]; }
cstats() { inside tcpfwctl -j stats >"$TMP/c.json" 2>/dev/null && $CTL_JSON get "$TMP/c.json" "$1"; }
msgid() { sed -nE "s/^#define LOG_ID_$1[[:space:]]+\"([0-9a-f]{32})\".*/\1/p" "$TOP/daemon/tcpfwd/log.h"; }
# logged KIND PID: tcpfwd's process PID wrote the journal entry with that MESSAGE_ID
logged() {
	[ -n "$(inside journalctl -q -o cat -n 1 --no-pager _SYSTEMD_UNIT=tcpfwd.service \
		"MESSAGE_ID=$(msgid "$1")" "_PID=$2" 2>/dev/null)" ]
}

# ---- dpkg -i ----

# A policy-rc.d that denies (container images ship one that exits 101) would keep the
# maintainer scripts from starting, restarting or stopping anything, and the checks below
# would pass for the wrong reason: take it away in the overlay, as on a real machine.
if inside test -e /usr/sbin/policy-rc.d; then
	inside rm -f /usr/sbin/policy-rc.d
	info "the host's /usr/sbin/policy-rc.d is hidden in the container's overlay"
fi

if out=$(inside env DEBIAN_FRONTEND=noninteractive dpkg -i /root/tcpfw.deb 2>&1); then
	pass "dpkg -i under systemd"
else
	die "dpkg -i in the container: $out"
fi
check "the tcpfwd user" inside getent passwd tcpfwd
check "/var/lib/tcpfwd and /run/tcpfwd (tmpfiles.d)" inside test -d /var/lib/tcpfwd -a -d /run/tcpfwd
check "the journal catalog has tcpfwd's messages (systemd's trigger ran)" \
	sh -c "nsenter -t $LEADER -a journalctl --list-catalog 2>/dev/null | grep -q ' tcpfw: '"
for u in tcpfwd.service tcpfwd-metrics.timer; do
	expect_eq "$u after install: enabled?" "$(inside systemctl is-enabled "$u" 2>/dev/null)" disabled
	expect_eq "$u after install: active?" "$(inside systemctl is-active "$u" 2>/dev/null)" inactive
done

# ---- enable and start the packaged unit ----

# no drop-in for a kernel without nft's queue expression: the packaged unit's tcpfw-ruleset
# falls back to tcpfw-iptables.sh itself
inside systemctl daemon-reload
inside systemctl enable --now tcpfwd.service >/dev/null 2>&1
wait_for 20 active || die "tcpfwd.service not running: $(inside systemctl status tcpfwd --no-pager 2>&1 | tail -n 8)"
pid=$(unit_prop MainPID)
pass "systemctl enable --now: the packaged tcpfwd.service runs (pid $pid in the container)"
wait_for 5 logged READY "$pid" && pass "its ready entry is in the journal" || fail "no ready entry"

bg_start "$NS_S" "$TMP/echo-server.log" "$PY" "$NETNS_DIR/tcp_server.py" echo $ECHO_PORT
wait_listen "$NS_S" $ECHO_PORT
bg_start "$NS_C" "$TMP/echo.err" "$PY" "$NETNS_DIR/traffic.py" echo "$S4" $ECHO_PORT "$TMP/echo.log" 60
wait_for 10 echoes_ge "$TMP/echo.log" 1 || die "the echo session did not start through tcpfwd"
tracked() { [ "$(cstats states.ESTABLISHED)" -ge 1 ] 2>/dev/null; }
wait_for 5 tracked && pass "tcpfwctl in the container: the session is tracked" ||
	fail "the session is not tracked: $(cat "$TMP/c.json")"

# ---- upgrade path: dpkg -i again restarts a running tcpfwd, which keeps its flows ----

if out=$(inside env DEBIAN_FRONTEND=noninteractive dpkg -i /root/tcpfw.deb 2>&1); then
	pass "dpkg -i again (configure from the installed version)"
else
	fail "reinstall: $out"
fi
restarted() { active && [ "$(unit_prop MainPID)" != "$pid" ]; }
if wait_for 20 restarted; then
	pass "the reinstall restarted tcpfwd (pid $pid -> $(unit_prop MainPID))"
else
	fail "tcpfwd not restarted by the reinstall: $(unit_prop ActiveState) pid $(unit_prop MainPID)"
fi
wait_for 5 logged RESTORED "$(unit_prop MainPID)" && pass "the new tcpfwd restored its flows from the snapshot" ||
	fail "no restored entry after the restart"
n=$(echoes "$TMP/echo.log")
wait_for 10 echoes_ge "$TMP/echo.log" $((n + 2)) && pass "the echo session goes on" ||
	fail "the echo session stalled after the restart"
expect_eq "drops by the restarted tcpfwd" "$(cstats verdicts.drop)" 0

# ---- remove and purge ----

rules() { { nsx "$NS_F" nft list tables; nsx "$NS_F" iptables-save; nsx "$NS_F" ip6tables-save; } 2>/dev/null |
	grep -E 'inet tcpfw$|NFQUEUE' | tr '\n' ' '; }
check "before remove: the unit's queue rules are loaded" [ -n "$(rules)" ]
if out=$(inside dpkg -r tcpfw 2>&1); then pass "dpkg -r tcpfw"; else fail "dpkg -r: $out"; fi
expect_eq "after remove: tcpfwd.service" "$(inside systemctl is-active tcpfwd.service 2>/dev/null)" inactive
expect_eq "after remove: queue rules in the fw namespace" "$(rules)" ""
if out=$(inside dpkg --purge tcpfw 2>&1); then pass "dpkg --purge tcpfw"; else fail "dpkg --purge: $out"; fi
for p in /etc/tcpfwd /var/lib/tcpfwd /run/tcpfwd /usr/sbin/tcpfwd /lib/systemd/system/tcpfwd.service; do
	check "after purge: no $p" inside test ! -e "$p"
done
left=$(inside find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
	-name '*tcpfwd*' ! -path '*/tcpfwd.service.d*' 2>/dev/null | tr '\n' ' ')
expect_eq "after purge: unit links and state" "$left" ""
check "after purge: the tcpfwd user stays (Debian's usual policy)" inside getent passwd tcpfwd

container_poweroff

[ $RET = 0 ] || dump_debug
exit $RET
