#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tcpfw-iptables.sh - tcpfw's ruleset for kernels whose nftables has no `queue` expression
# (CONFIG_NFT_QUEUE off: `nft -f /etc/tcpfwd/tcpfw.nft` fails with "Could not process rule: No
# such file or directory"). It does what tcpfw.nft does with the xt NFQUEUE target through
# iptables/ip6tables (iptables-nft on Debian 12). Installed as /etc/tcpfwd/tcpfw-iptables.sh.
#
#   tcpfw-iptables.sh start    create or refresh the rules (idempotent)
#   tcpfw-iptables.sh stop     remove them
#   tcpfw-iptables.sh status   print them
#
# The rules live in a chain of their own, TCPFW, in the `security` table, jumped to from its
# FORWARD chain. That chain runs after the filter table (priority 150 with iptables-nft, 50
# with legacy iptables), like tcpfw.nft's `priority filter + 10`: an ACCEPT in filter/FORWARD
# (Docker's, ufw's, an ESTABLISHED rule) does not skip it, and a packet tcpfwd accepts does not
# skip the rest of filter/FORWARD. `start` replaces the rules of TCPFW in one iptables-restore
# transaction and adds the jump once; neither touches a base chain, so no queued packet is lost.
#
# tcpfwd.service needs no drop-in for it: its helper, /usr/lib/tcpfw/tcpfw-ruleset, runs
# `tcpfw-iptables.sh start` with TCPFW_QUEUES and TCPFW_BYPASS taken from tcpfwd.conf when the
# kernel has no nft queue expression, and `stop` for `tcpfw-ruleset remove`.
set -eu

# The two settings that must agree with /etc/tcpfwd/tcpfwd.conf (see tcpfw.nft):
# queue.num .. queue.num + queue.count - 1, as FIRST:LAST (0:3 for count = 4)
QUEUES=${TCPFW_QUEUES:-0:0}
# yes for queue.fail_open = true (pass traffic while tcpfwd is down), no for false (drop it)
BYPASS=${TCPFW_BYPASS:-yes}
# fastpath.mark as hex (0x10000000) when fastpath.enabled = true, else empty: packets the fast
# path accepted in the kernel carry it, and pass before the queue rule
FASTPATH_MARK=${TCPFW_FASTPATH_MARK:-}

IPTABLES=${IPTABLES:-iptables}
IP6TABLES=${IP6TABLES:-ip6tables}
TABLE=security
CHAIN=TCPFW

die() {
	echo "tcpfw-iptables.sh: $*" >&2
	exit 1
}

first=${QUEUES%%:*}
last=${QUEUES##*:}
case "$first$last" in
'' | *[!0-9]*) die "TCPFW_QUEUES must be FIRST:LAST or N, not '$QUEUES'" ;;
esac
[ "$first" -le "$last" ] || die "TCPFW_QUEUES: $first > $last"
# --queue-balance wants FIRST < LAST
if [ "$first" = "$last" ]; then
	target="NFQUEUE --queue-num $first"
else
	target="NFQUEUE --queue-balance $first:$last"
fi
case "$BYPASS" in
yes) target="$target --queue-bypass" ;;
no) ;;
*) die "TCPFW_BYPASS must be yes or no, not '$BYPASS'" ;;
esac
accept=""
case "$FASTPATH_MARK" in
'') ;;
0x[0-9a-fA-F]*) accept="-A $CHAIN -m mark --mark $FASTPATH_MARK/$FASTPATH_MARK -j ACCEPT
" ;;
*) die "TCPFW_FASTPATH_MARK must be a hex mark like 0x10000000, not '$FASTPATH_MARK'" ;;
esac

# IPv6 only where the kernel has it
families() {
	echo "$IPTABLES"
	if [ -d /proc/sys/net/ipv6 ]; then echo "$IP6TABLES"; fi
}

start() {
	for ipt in $(families); do
		# With --noflush, declaring a chain creates it or empties it: the rules of TCPFW are
		# replaced atomically and nothing else is touched.
		printf '*%s\n:%s - [0:0]\n%s-A %s -p tcp -j %s\nCOMMIT\n' \
			"$TABLE" "$CHAIN" "$accept" "$CHAIN" "$target" | "$ipt-restore" --noflush
		"$ipt" -w -t "$TABLE" -C FORWARD -j "$CHAIN" 2>/dev/null ||
			"$ipt" -w -t "$TABLE" -A FORWARD -j "$CHAIN"
	done
}

stop() {
	for ipt in $(families); do
		while "$ipt" -w -t "$TABLE" -D FORWARD -j "$CHAIN" 2>/dev/null; do :; done
		"$ipt" -w -t "$TABLE" -F "$CHAIN" 2>/dev/null || true
		"$ipt" -w -t "$TABLE" -X "$CHAIN" 2>/dev/null || true
	done
}

status() {
	for ipt in $(families); do
		echo "# $ipt -t $TABLE"
		"$ipt" -w -t "$TABLE" -S FORWARD
		"$ipt" -w -t "$TABLE" -S "$CHAIN" 2>/dev/null || echo "# no chain $CHAIN"
	done
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*)
	echo "usage: tcpfw-iptables.sh start|stop|status" >&2
	exit 2
	;;
esac
