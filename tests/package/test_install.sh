#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_install.sh - the package of `make deb` (build/deb/tcpfw_*.deb) installed on this machine
# with dpkg -i, reinstalled, removed and purged; what is left at each step. Run by
# `make check-deb` through tests/netns/run.sh; root. Exit codes as kselftest: 0 pass, 1 fail,
# 4 skip.
#
# It changes the machine and puts it back: it skips where tcpfw is installed already or where a
# `make install` left /etc/tcpfwd, /var/lib/tcpfwd or a tcpfwd binary (a purge would delete
# an operator's files), it purges the package at the end whatever happened, and it deletes the
# tcpfwd user and group if it created them. dpkg -r runs in a network namespace of its own, so
# the rules postrm deletes are the test's, never the machine's.
#   - install: binaries, man pages, completion, catalog, conffiles, the tcpfwd user (no login
#     shell), /var/lib/tcpfwd 0750 tcpfwd; the unit installed, not enabled; tcpfwd --check
#     accepts the shipped configuration; the completion runs the installed tcpfwctl
#   - reinstall (the upgrade path of postinst): an edited conffile is kept
#   - remove: the binaries go, the conffiles stay, the queue rules are deleted
#   - purge: nothing of the package is left but the tcpfwd user (Debian's usual policy)

# the reporting helpers (pass, fail, skip, check), $TOP, $TMP and the EXIT trap of the netns tests
. "$(dirname "$0")/../netns/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i)"
command -v dpkg >/dev/null || skip "needs dpkg"
deb=$(ls "$TOP"/build/deb/tcpfw_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || skip "no package: run make deb"
status=$(dpkg-query -W -f='${Status}' tcpfw 2>/dev/null)
[ -z "$status" ] || [ "$status" = "unknown ok not-installed" ] ||
	skip "tcpfw is on this machine already ($status): not touching it"
for p in /etc/tcpfwd /var/lib/tcpfwd /run/tcpfwd /usr/sbin/tcpfwd /usr/local/sbin/tcpfwd; do
	[ -e "$p" ] && skip "$p exists (make install?): a purge could delete it"
done
version=$(dpkg-deb -f "$deb" Version)
user_before=false
getent passwd tcpfwd >/dev/null && user_before=true

restore() {
	if dpkg-query -W -f='${Status}' tcpfw 2>/dev/null | grep -qv not-installed; then
		dpkg --purge tcpfw >/dev/null 2>&1 || echo "[test_install] could not purge tcpfw"
	fi
	if ! $user_before && getent passwd tcpfwd >/dev/null; then
		userdel tcpfwd 2>/dev/null
		getent group tcpfwd >/dev/null && groupdel tcpfwd 2>/dev/null
	fi
}
cleanup_add restore

# ---- install ----

if out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" 2>&1); then
	pass "dpkg -i $(basename "$deb")"
else
	die "dpkg -i: $out"
fi
check "tcpfwd --version is $version" [ "$(/usr/sbin/tcpfwd --version | cut -d ' ' -f 2)" = "$version" ]
check "tcpfwctl --version is $version" [ "$(/usr/sbin/tcpfwctl --version | cut -d ' ' -f 2)" = "$version" ]
check "the binaries are stripped" sh -c '! file -L /usr/sbin/tcpfwd /usr/sbin/tcpfwctl | grep -q "not stripped"'
check "man pages: tcpfwd(8), tcpfwctl(8), tcpfwd.conf(5)" sh -c \
	'man -w tcpfwd >/dev/null && man -w tcpfwctl >/dev/null && man -w 5 tcpfwd.conf >/dev/null'
check "the journal catalog" test -f /usr/lib/systemd/catalog/tcpfwd.catalog
conffiles=$(dpkg-query -W -f='${Conffiles}\n' tcpfw | awk 'NF { print $1 }' | sort | tr '\n' ' ')
check "conffiles: $conffiles" [ "$conffiles" = "/etc/tcpfwd/tcpfw-iptables.sh /etc/tcpfwd/tcpfw.nft /etc/tcpfwd/tcpfwd.conf " ]
check "tcpfwd --check accepts /etc/tcpfwd/tcpfwd.conf" /usr/sbin/tcpfwd --check -c /etc/tcpfwd/tcpfwd.conf
IFS=: read -r _ _ uid _ _ home shell <<<"$(getent passwd tcpfwd)"
check "the tcpfwd user (uid $uid, home $home, shell $shell)" \
	sh -c "[ -n '$uid' ] && [ '$uid' -lt 1000 ] && [ '$home' = /var/lib/tcpfwd ] && case '$shell' in */nologin | */false) true ;; *) false ;; esac"
check "/var/lib/tcpfwd: $(stat -c '%a %U:%G' /var/lib/tcpfwd 2>&1)" \
	[ "$(stat -c '%a %U:%G' /var/lib/tcpfwd 2>/dev/null)" = "750 tcpfwd:tcpfwd" ]
unitdir=$(dirname "$(dpkg -L tcpfw | grep '/tcpfwd.service$')")
check "tcpfwd.service in $unitdir" test -f "$unitdir/tcpfwd.service"
wants=$(find /etc/systemd/system -name 'tcpfwd*' 2>/dev/null)
check "no unit enabled (no link in /etc/systemd/system)" [ -z "$wants" ]
got=$(bash -c '. /usr/share/bash-completion/completions/tcpfwctl; COMP_LINE="tcpfwctl list --state TIME_"
	COMP_POINT=${#COMP_LINE}; COMP_WORDS=(tcpfwctl list --state TIME_); COMP_CWORD=3; _tcpfwctl
	echo "${COMPREPLY[*]}"')
check "the installed completion: 'tcpfwctl list --state TIME_' -> '$got'" [ "$got" = TIME_WAIT ]

# ---- reinstall: postinst's upgrade path; an edited conffile is the operator's ----

echo "# edited by test_install" >>/etc/tcpfwd/tcpfwd.conf
if out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" 2>&1); then
	pass "dpkg -i again (configure from $version)"
else
	fail "reinstall: $out"
fi
check "the edited tcpfwd.conf is kept" grep -q '^# edited by test_install' /etc/tcpfwd/tcpfwd.conf

# ---- remove, in a network namespace with the unit's rules in it ----

dpkg -L tcpfw | sort >"$TMP/files"
: >/var/lib/tcpfwd/flows.snapshot # as a stop of tcpfwd leaves it
cat >"$TMP/remove.sh" <<'EOF'
# both kinds the unit can load: the generated table (or its name, where the kernel lacks nft's
# queue) and the rules of tcpfw-iptables.sh
/usr/sbin/tcpfwd --print-ruleset -c /etc/tcpfwd/tcpfwd.conf | nft -f - 2>/dev/null ||
	nft add table inet tcpfw || exit 9
sh /etc/tcpfwd/tcpfw-iptables.sh start >/dev/null 2>&1 || exit 9
before="$(nft list tables | tr '\n' ' ')/$(iptables-save | grep -c NFQUEUE)"
dpkg -r tcpfw >/dev/null 2>&1 || exit 8
echo "$before -> $(nft list tables | tr '\n' ' ')/$(iptables-save | grep -c NFQUEUE)"
EOF
out=$(unshare -n sh "$TMP/remove.sh" 2>&1)
case $out in
*"inet tcpfw"*"->"*"inet tcpfw"*) fail "dpkg -r left table inet tcpfw: $out" ;;
*"inet tcpfw"*/[1-9]*" -> "*"/0") pass "dpkg -r deleted the queue rules (tables/NFQUEUE rules: $out)" ;;
*) fail "dpkg -r in a namespace: $out" ;;
esac
check "after remove: no binary" sh -c '! [ -e /usr/sbin/tcpfwd ] && ! [ -e /usr/sbin/tcpfwctl ]'
check "after remove: the conffiles stay" test -f /etc/tcpfwd/tcpfwd.conf
check "after remove: the package is in config-files" \
	[ "$(dpkg-query -W -f='${Status}' tcpfw)" = "deinstall ok config-files" ]

# ---- purge ----

if out=$(dpkg --purge tcpfw 2>&1); then pass "dpkg --purge tcpfw"; else fail "purge: $out"; fi
check "after purge: dpkg knows no tcpfw" sh -c '! dpkg-query -W -f="\${Status}" tcpfw 2>/dev/null | grep -q installed'
for p in /etc/tcpfwd /var/lib/tcpfwd /run/tcpfwd; do
	check "after purge: no $p" test ! -e "$p"
done
left=""
while read -r f; do
	[ -d "$f" ] || ! [ -e "$f" ] || left="$left $f"
done <"$TMP/files"
check "after purge: none of the package's files${left:+:$left}" [ -z "$left" ]
left=$(find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
	/var/lib/systemd/deb-systemd-helper-masked -name '*tcpfwd*' 2>/dev/null | tr '\n' ' ')
check "after purge: no unit state${left:+: $left}" [ -z "$left" ]
if getent passwd tcpfwd >/dev/null; then
	pass "after purge: the tcpfwd user stays, as Debian packages leave system users$($user_before || echo ' (the test deletes it)')"
else
	fail "after purge: the tcpfwd user is gone"
fi

exit $RET
