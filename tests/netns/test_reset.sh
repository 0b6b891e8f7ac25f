#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# kill --reset and flush --reset end idle connections at both endpoints at once:
#   - control: a plain kill removes the flow but leaves both sockets as they were (the test
#     can fail: without the RSTs nothing happens to them);
#   - kill --reset (IPv4), -D --reset (IPv6): tcpfwd sends each endpoint an RST that seems
#     to come from its peer; both sockets end with ECONNRESET and leave `ss`, and an input
#     counter in each endpoint's namespace saw an RST for that connection;
#   - a half-closed flow (the client sent its FIN: the client in FIN-WAIT-2, the server in
#     CLOSE-WAIT) ends the same way;
#   - with an output chain that queues the firewall's own TCP to tcpfwd, as tcpfw.nft's
#     commented one does, the RSTs pass it by their mark (0x7466): flush --reset -j ends an
#     IPv4 and an IPv6 connection and says how many RSTs it sent.

. "$(dirname "$0")/lib.sh"

PORT=5701
SP_PLAIN=41001 SP_V4=41002 SP_V6=41003 SP_FIN=41004 SP_F4=41005 SP_F6=41006

netns_require
netns_setup bypass
write_conf "$TMP/tcpfwd.conf" level=info
tcpfwd_start_ctl "$TMP/tcpfwd.conf"

bg_start "$NS_S" "$TMP/server.log" "$PY" "$NETNS_DIR/reset_peer.py" server $PORT
wait_listen "$NS_S" $PORT

# An input chain in each endpoint's namespace counts the RSTs that arrive, per client port.
for ns in "$NS_C" "$NS_S"; do
	nsx "$ns" nft add table inet rstprobe &&
		nsx "$ns" nft add chain inet rstprobe input \
			'{ type filter hook input priority filter; policy accept; }' ||
		die "RST probe table in $ns"
done
rst_probe() { # SPORT: a counter of RSTs to the client's port, and from it at the server
	nsx "$NS_C" nft add rule inet rstprobe input tcp dport "$1" \
		'tcp flags & rst == rst' counter comment "\"p$1\"" &&
		nsx "$NS_S" nft add rule inet rstprobe input tcp sport "$1" \
			'tcp flags & rst == rst' counter comment "\"p$1\"" ||
		die "RST probe rule for port $1"
}
rsts_seen() { # NS SPORT
	nsx "$1" nft list chain inet rstprobe input |
		awk -v c="\"p$2\"" '$0 ~ c { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# sockets NS SPORT: TCP sockets of the client port in NS (the client's or the server's end)
sockets() {
	nsx "$1" ss -Htan "( sport = :$2 or dport = :$2 )" | grep -vc LISTEN
}
both_gone() { [ "$(sockets "$NS_C" "$1")" = 0 ] && [ "$(sockets "$NS_S" "$1")" = 0 ]; }

plain_open() { [ "$(sockets "$NS_C" $SP_PLAIN)" = 1 ] && [ "$(sockets "$NS_S" $SP_PLAIN)" = 1 ]; }

# open_conn 4|6 SPORT [fin STATE]: an idle connection from the client, tracked by tcpfwd
open_conn() {
	local fam=$1 sport=$2 dst
	dst=$(server_addr "$fam")
	rst_probe "$sport"
	bg_start "$NS_C" "$TMP/client-$sport.log" "$PY" "$NETNS_DIR/reset_peer.py" client \
		"$dst" $PORT "$sport" ${3:-}
	wait_for 5 file_has "$TMP/client-$sport.log" '^client connected' ||
		die "client $sport did not connect: $(cat "$TMP/client-$sport.log")"
	wait_for 5 flow_state_is "${4:-ESTABLISHED}" "$(client_addr "$fam")" "$sport" "$dst" $PORT ||
		die "flow of client port $sport not ${4:-ESTABLISHED}:" \
			"$(flow_state "$(client_addr "$fam")" "$sport" "$dst" $PORT)"
}

# expect_reset WHAT SPORT SERVER_ERRNO: both ends saw the RST and their sockets are gone
expect_reset() {
	local what=$1 sport=$2 serr=$3
	check "$what: both sockets gone within 2 s" wait_for 2 both_gone "$sport"
	check "$what: the client's socket ended with ECONNRESET" \
		wait_for 2 file_has "$TMP/client-$sport.log" '^client ended ECONNRESET$'
	check "$what: the server's socket ended with $serr" \
		wait_for 2 file_has "$TMP/server.log" "^server $sport ended $serr\$"
	expect_ge "$what: RSTs that reached the client" "$(rsts_seen "$NS_C" "$sport")" 1
	expect_ge "$what: RSTs that reached the server" "$(rsts_seen "$NS_S" "$sport")" 1
}

# ======== control: kill without --reset ========

info "kill without --reset: the flow goes, the sockets stay"
open_conn 4 $SP_PLAIN
ctl kill --sport $SP_PLAIN >"$TMP/kill-plain.out" 2>&1
expect_eq "kill --sport $SP_PLAIN" "$(cat "$TMP/kill-plain.out")" "1 flow killed"
if wait_for 1.5 eval '! plain_open'; then
	fail "without --reset a socket closed: $(nsx "$NS_C" ss -tan; nsx "$NS_S" ss -tan)"
else
	pass "without --reset both sockets stay open (1.5 s)"
fi
expect_eq "without --reset no RST reached the client" "$(rsts_seen "$NS_C" $SP_PLAIN)" 0
expect_eq "without --reset no RST reached the server" "$(rsts_seen "$NS_S" $SP_PLAIN)" 0

# ======== kill --reset, IPv4 and IPv6 ========

info "kill --reset (IPv4)"
open_conn 4 $SP_V4
ctl kill --reset --sport $SP_V4 >"$TMP/kill-v4.out" 2>&1
expect_eq "kill --reset --sport $SP_V4" "$(cat "$TMP/kill-v4.out")" "1 flow killed, 2 RSTs sent"
expect_reset "IPv4 kill --reset" $SP_V4 ECONNRESET

info "-D --reset (IPv6)"
open_conn 6 $SP_V6
ctl -D -f ipv6 --sport $SP_V6 --reset >"$TMP/kill-v6.out" 2>&1
expect_eq "-D -f ipv6 --sport $SP_V6 --reset" "$(cat "$TMP/kill-v6.out")" \
	"1 flow killed, 2 RSTs sent"
expect_reset "IPv6 kill --reset" $SP_V6 ECONNRESET

# ======== the RSTs pass an output chain that queues the firewall's own TCP ========

info "an output chain queues the fw namespace's own TCP, except tcpfwd's RSTs (mark 0x7466)"
if [ "$QUEUE_METHOD" = "nft queue" ]; then
	nsx "$NS_F" nft -f - <<-EOF || die "output chain"
		table inet tcpfw_test {
			chain output {
				type filter hook output priority filter + 10; policy accept;
				oif "lo" accept
				meta mark 0x7466 counter accept
				meta l4proto tcp queue num 0 bypass
			}
		}
	EOF
else # the same through xt NFQUEUE, as tcpfw-iptables.sh would do it
	for ipt in iptables ip6tables; do
		nsx "$NS_F" $ipt -A OUTPUT -o lo -j ACCEPT &&
			nsx "$NS_F" $ipt -A OUTPUT -m mark --mark 0x7466 -j ACCEPT &&
			nsx "$NS_F" $ipt -A OUTPUT -p tcp -j NFQUEUE --queue-num 0 --queue-bypass ||
			die "$ipt output rules"
	done
fi
marked() { # RSTs the output chain let by on their mark
	if [ "$QUEUE_METHOD" = "nft queue" ]; then
		nsx "$NS_F" nft list chain inet tcpfw_test output |
			awk '/mark/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
	else
		nsx "$NS_F" iptables -vnxL OUTPUT | awk '/mark match/ { n += $1 } END { print n + 0 }'
		nsx "$NS_F" ip6tables -vnxL OUTPUT | awk '/mark match/ { n += $1 } END { print n + 0 }'
	fi | awk '{ n += $1 } END { print n + 0 }'
}

# ======== a half-closed flow ========

info "kill --reset of a half-closed flow (client FIN-WAIT-2, server CLOSE-WAIT)"
open_conn 4 $SP_FIN fin CLOSE_WAIT
ctl kill --reset --sport $SP_FIN >"$TMP/kill-fin.out" 2>&1
expect_eq "kill --reset --sport $SP_FIN" "$(cat "$TMP/kill-fin.out")" \
	"1 flow killed, 2 RSTs sent"
# Linux reports an RST in CLOSE-WAIT as EPIPE (tcp_reset)
expect_reset "half-closed kill --reset" $SP_FIN EPIPE

# ======== flush --reset ========

info "flush --reset -j: one IPv4 and one IPv6 connection"
open_conn 4 $SP_F4
open_conn 6 $SP_F6
ctl -F --reset -j >"$TMP/flush.json" 2>"$TMP/flush.err"
expect_eq "flush --reset -j exit status" $? 0
expect_eq "flush --reset -j" "$(cat "$TMP/flush.json")" \
	'{"count":2,"reset":4,"reset_failed":0}'
expect_reset "IPv4 flush --reset" $SP_F4 ECONNRESET
expect_reset "IPv6 flush --reset" $SP_F6 ECONNRESET
expect_eq "flows left" "$(ctl count)" 0
expect_eq "RSTs the output chain let by on their mark" "$(marked)" 6
# the control connection is untouched: the plain kill left it open at both ends
check "the plainly killed connection is still open" plain_open

exit $RET
