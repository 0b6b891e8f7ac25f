#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# lib.sh - shared code of the tcpfw network-namespace tests. Source it, then call
# netns_setup (topology + queue rule) and tcpfwd_start.
#
#   $NS_C (client)              $NS_F (fw, runs tcpfwd)                 $NS_S (server)
#  +-------------------+      +------------------------------+      +--------------------+
#  | c0                |      | fc                        fs |      |                 s0 |
#  | 192.0.2.2/24      +------+ 192.0.2.1      198.51.100.1  +------+ 198.51.100.2/24    |
#  | 2001:db8:1::2/64  | veth | 2001:db8:1::1  2001:db8:2::1 | veth | 2001:db8:2::2/64   |
#  +-------------------+      |  FORWARD: tcp -> NFQUEUE 0   |      +--------------------+
#                             +------------------------------+
#
# Namespace names carry a per-run prefix (tcpfw-<pid>-<random>-), so parallel runs never meet.
# Every background process goes through bg_start, which records its PID; the EXIT trap kills
# exactly those (and whatever still runs inside our own namespaces), then deletes the
# namespaces and the temporary directory.
#
# Exit codes, as kselftest: 0 pass, 1 fail, 4 skip.

# The variables it sets are for the tests that source it (KSFT_*, RET, BLOB_*, *_PID, GID_*).
# shellcheck disable=SC2034

set -u

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

NETNS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$NETNS_DIR/../.." && pwd)
TCPFWD=${TCPFWD:-$TOP/build/tcpfwd}
TCPFWCTL=${TCPFWCTL:-$TOP/build/tcpfwctl}
# Debian's interpreter: the python3 first on PATH may lack python3-scapy.
PY=/usr/bin/python3
TEST_NAME=$(basename "$0" .sh)

C4=192.0.2.2 F4C=192.0.2.1 F4S=198.51.100.1 S4=198.51.100.2
C6=2001:db8:1::2 F6C=2001:db8:1::1 F6S=2001:db8:2::1 S6=2001:db8:2::2

NS_PREFIX="tcpfw-$$-$RANDOM"
NS_C="$NS_PREFIX-client"
NS_F="$NS_PREFIX-fw"
NS_S="$NS_PREFIX-server"
NS_LIST=""
BG_PIDS=""
TCPFWD_PID=""
QUEUE_METHOD=""
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcpfw-netns.XXXXXX")
# tcpfwd's control socket (control.socket in write_conf); a test may set another path in $TMP
# before it writes its configuration.
CTL_SOCK=$TMP/ctl.sock
RET=0

# ---- reporting ----

info() { echo "[$TEST_NAME] $*"; }
pass() { echo "PASS: $*"; }
# Records a failure and keeps going, so one run shows every broken check.
fail() {
	echo "FAIL: $*"
	RET=$KSFT_FAIL
}
# A check that fails because of a reported, still open bug: XFAIL does not fail the test,
# XPASS says the bug looks fixed (then the check should become a plain one). With
# NETNS_STRICT=1 a known bug fails like any other check.
xfail() { # WHAT BUG
	if [ "${NETNS_STRICT:-0}" = 1 ]; then fail "$1 ($2)"; else echo "XFAIL: $1 (known bug: $2)"; fi
}
xpass() { echo "XPASS: $* (the known bug looks fixed: make this check a plain one)"; }
skip() {
	echo "SKIP: $*"
	exit $KSFT_SKIP
}
# Hard failure: nothing after this can be meaningful.
die() {
	echo "FAIL: $*"
	dump_debug
	exit $KSFT_FAIL
}

# check DESCRIPTION CMD...: PASS or FAIL on the command's status.
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# expect_eq WHAT OBSERVED EXPECTED
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1: observed '$2', expected '$3'"; fi
}

# expect_ge WHAT OBSERVED MIN
expect_ge() {
	if [ "${2:-0}" -ge "$3" ] 2>/dev/null; then
		pass "$1 ($2 >= $3)"
	else
		fail "$1: observed '$2', expected >= $3"
	fi
}

dump_debug() {
	[ -n "$NS_LIST" ] || return 0
	echo "---- debug: ruleset in $NS_F ----"
	{ ip netns exec "$NS_F" iptables -vnL FORWARD; ip netns exec "$NS_F" ip6tables -vnL FORWARD
	  ip netns exec "$NS_F" nft list table inet tcpfw_test; } 2>/dev/null | sed 's/^/  /' | head -n 40
	if [ -f "$TMP/tcpfwd.log" ]; then
		echo "---- debug: tail of tcpfwd log ----"
		tail -n 30 "$TMP/tcpfwd.log" | sed 's/^/  /'
	fi
	if tcpfwd_alive && [ -S "$CTL_SOCK" ]; then
		echo "---- debug: tcpfwctl stats (non-zero) and list ----"
		{ timeout 5 "$TCPFWCTL" --socket "$CTL_SOCK" stats
		  timeout 5 "$TCPFWCTL" --socket "$CTL_SOCK" list; } 2>&1 | head -n 60 | sed 's/^/  /'
	fi
}

# ---- requirements ----

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, nftables)"
}

require_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "needs $t"
	done
}

require_scapy() {
	[ -x "$PY" ] || skip "needs $PY"
	"$PY" -c 'import scapy.all' 2>/dev/null || skip "needs python3-scapy for $PY"
}

# A missing daemon is a failure, not a skip: `make check-netns` builds it first.
require_tcpfwd() {
	[ -x "$TCPFWD" ] || die "$TCPFWD is missing or not executable; run make"
	[ -x "$TCPFWCTL" ] || die "$TCPFWCTL is missing or not executable; run make"
}

# The common preamble of every test.
netns_require() {
	require_root
	require_tools ip nft iptables ip6tables ss timeout sha256sum "$@"
	[ -x "$PY" ] || skip "needs $PY"
	ip netns add "$NS_PREFIX-probe" 2>/dev/null || skip "cannot create network namespaces"
	ip netns del "$NS_PREFIX-probe"
	require_tcpfwd
}

# ---- waiting ----

# wait_for TIMEOUT_S CMD...: polls CMD every 50 ms until it succeeds (0) or TIMEOUT_S
# passes (1). This is the only way tests synchronise with daemons and peers.
wait_for() {
	local timeout=$1
	shift
	local deadline
	deadline=$(awk -v n="$EPOCHREALTIME" -v t="$timeout" 'BEGIN { printf "%.3f", n + t }')
	while :; do
		"$@" && return 0
		awk -v n="$EPOCHREALTIME" -v d="$deadline" 'BEGIN { exit !(n >= d) }' && return 1
		sleep 0.05
	done
}

# now_ms: wall-clock milliseconds, for elapsed-time checks.
now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

listening() { # NS PORT
	ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .
}

wait_listen() { # NS PORT
	wait_for 10 listening "$1" "$2" || die "nothing listens on port $2 in $1"
}

file_has() { # FILE REGEX
	[ -f "$1" ] && grep -Eq -- "$2" "$1"
}

queue_bound() { # NUM: the queue has a listener in the fw namespace
	ip netns exec "$NS_F" cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null |
		awk -v q="$1" '$1 == q { found = 1 } END { exit !found }'
}

# ---- processes ----

# bg_start NS LOGFILE CMD...: runs CMD in namespace NS in the background, records its PID
# in BG_PIDS and in $BG_PID. `ip netns exec` execs CMD, so the PID is CMD's own.
bg_start() {
	local ns=$1 logf=$2
	shift 2
	ip netns exec "$ns" "$@" >"$logf" 2>&1 </dev/null &
	BG_PID=$!
	BG_PIDS="$BG_PIDS $BG_PID"
}

alive() { kill -0 "$1" 2>/dev/null; }

# stop_pid PID [SIGNAL]: signal it, wait up to 10 s, then SIGKILL it.
stop_pid() {
	local pid=$1 sig=${2:-TERM}
	alive "$pid" || return 0
	kill "-$sig" "$pid" 2>/dev/null
	wait_for 10 eval "! alive $pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# cleanup_add CMD...: one more command for cleanup (after the processes and namespaces are
# gone), such as deleting a user or group the test created. Run in order, errors ignored.
CLEANUP_CMDS=()
cleanup_add() {
	CLEANUP_CMDS+=("$(printf '%q ' "$@")")
}

cleanup() {
	local pid ns c
	trap - EXIT INT TERM
	for pid in $BG_PIDS; do
		alive "$pid" && kill -CONT "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
	done
	for pid in $BG_PIDS; do
		wait_for 5 eval "! alive $pid" || kill -KILL "$pid" 2>/dev/null
	done
	# children of the recorded processes (curl, forks of servers) live in our namespaces
	for ns in $NS_LIST; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	for c in "${CLEANUP_CMDS[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
	sanitizer_reports
	if [ -n "${NETNS_KEEP_TMP:-}" ]; then echo "[$TEST_NAME] kept $TMP"; else rm -rf "$TMP"; fi
	[ "$SAN_FAILED" = 0 ] || exit $KSFT_FAIL
}

# A sanitizer build of tcpfwd (make check-tsan: TCPFWD=build-tsan/tcpfwd) reports on stderr,
# into the logs under $TMP: any report there fails the test, whatever the checks said.
SAN_FAILED=0
sanitizer_reports() {
	local f
	for f in $(grep -rlIE '^(WARNING|ERROR): [A-Za-z]+Sanitizer' "$TMP" 2>/dev/null); do
		echo "FAIL: sanitizer report in ${f#"$TMP"/}:"
		grep -E -A 40 '^(WARNING|ERROR): [A-Za-z]+Sanitizer' "$f" | head -n 80 | sed 's/^/  /'
		SAN_FAILED=1
	done
}

on_signal() {
	echo "FAIL: interrupted"
	exit $KSFT_FAIL
}

trap cleanup EXIT
trap on_signal INT TERM

# ---- topology ----

nsx() { # NS CMD...: run in a namespace
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

netns_create() {
	local ns
	for ns in "$NS_C" "$NS_F" "$NS_S"; do
		ip netns add "$ns" || die "ip netns add $ns"
		NS_LIST="$NS_LIST $ns"
		nsx "$ns" ip link set lo up
		# before any link exists, so that link-local addresses skip DAD too
		nsx "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
}

netns_links() {
	ip -n "$NS_F" link add fc type veth peer name c0 netns "$NS_C" || die "veth client"
	ip -n "$NS_F" link add fs type veth peer name s0 netns "$NS_S" || die "veth server"

	ip -n "$NS_C" addr add "$C4/24" dev c0
	ip -n "$NS_C" addr add "$C6/64" dev c0 nodad
	ip -n "$NS_F" addr add "$F4C/24" dev fc
	ip -n "$NS_F" addr add "$F6C/64" dev fc nodad
	ip -n "$NS_F" addr add "$F4S/24" dev fs
	ip -n "$NS_F" addr add "$F6S/64" dev fs nodad
	ip -n "$NS_S" addr add "$S4/24" dev s0
	ip -n "$NS_S" addr add "$S6/64" dev s0 nodad
	local ns
	for ns in "$NS_C:c0" "$NS_F:fc" "$NS_F:fs" "$NS_S:s0"; do
		ip -n "${ns%%:*}" link set "${ns##*:}" up
	done
	ip -n "$NS_C" route add default via "$F4C"
	ip -n "$NS_C" -6 route add default via "$F6C"
	ip -n "$NS_S" route add default via "$F4S"
	ip -n "$NS_S" -6 route add default via "$F6S"
	nsx "$NS_F" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	wait_for 10 netns_addrs_ready || die "IPv6 addresses still tentative"
	# both paths work before any queue rule exists: later failures are the firewall's
	if command -v ping >/dev/null 2>&1; then
		nsx "$NS_C" ping -c 1 -W 2 -q "$S4" >/dev/null || die "no IPv4 route client -> server"
		nsx "$NS_C" ping -c 1 -W 2 -q "$S6" >/dev/null || die "no IPv6 route client -> server"
	fi
}

netns_addrs_ready() {
	local ns
	for ns in "$NS_C" "$NS_F" "$NS_S"; do
		[ -z "$(ip -n "$ns" -6 addr show tentative)" ] || return 1
	done
}

# TCPFW_NETNS_FASTPATH=1 runs every test with tcpfwd's in-kernel fast path on: write_conf
# enables it at the fw's two veths, and queue_rule lets the packets it marks through first.
FASTPATH_MARK=0x10000000
fastpath_on() { [ "${TCPFW_NETNS_FASTPATH:-0}" = 1 ]; }

# queue_rule [bypass|nobypass]: forwarded TCP to NFQUEUE 0 in the fw namespace, in place of
# the rule of an earlier call. Tries the native nft `queue` statement and falls back to xt
# NFQUEUE through iptables-nft (nft_compat) when the kernel lacks CONFIG_NFT_QUEUE. Sets
# QUEUE_METHOD.
queue_rule() {
	local mode=${1:-bypass} nftflag="" xtflag=""
	if [ -n "$QUEUE_METHOD" ]; then
		nsx "$NS_F" nft delete table inet tcpfw_test 2>/dev/null
		nsx "$NS_F" iptables -F FORWARD
		nsx "$NS_F" ip6tables -F FORWARD
	fi
	if [ "$mode" = bypass ]; then
		nftflag=" bypass"
		xtflag="--queue-bypass"
	fi
	local fpnft="" fpmark="# no fast path"
	if fastpath_on; then
		fpnft="meta mark & $FASTPATH_MARK == $FASTPATH_MARK accept"
		fpmark="-m mark --mark $FASTPATH_MARK/$FASTPATH_MARK -j ACCEPT"
	fi
	if nsx "$NS_F" nft -f - 2>"$TMP/nft-queue.err" <<-EOF
		table inet tcpfw_test {
			chain forward {
				type filter hook forward priority filter; policy accept;
				$fpnft
				meta l4proto tcp queue num 0$nftflag
			}
		}
	EOF
	then
		QUEUE_METHOD="nft queue"
	else
		nsx "$NS_F" nft delete table inet tcpfw_test 2>/dev/null
		if fastpath_on; then
			# shellcheck disable=SC2086 # words
			nsx "$NS_F" iptables -A FORWARD $fpmark && nsx "$NS_F" ip6tables -A FORWARD $fpmark ||
				die "iptables fast-path mark rule failed"
		fi
		nsx "$NS_F" iptables -A FORWARD -p tcp -j NFQUEUE --queue-num 0 $xtflag ||
			die "iptables NFQUEUE rule failed"
		nsx "$NS_F" ip6tables -A FORWARD -p tcp -j NFQUEUE --queue-num 0 $xtflag ||
			die "ip6tables NFQUEUE rule failed"
		QUEUE_METHOD="iptables-nft NFQUEUE (nft queue: $(head -n 1 "$TMP/nft-queue.err"))"
	fi
	fastpath_on && QUEUE_METHOD="$QUEUE_METHOD, fast path mark $FASTPATH_MARK accepted first"
	info "queue rule ($mode): $QUEUE_METHOD"
}

# queue_rule_bypass: the queue rule in the fw namespace has bypass
queue_rule_bypass() {
	{ nsx "$NS_F" nft list table inet tcpfw_test 2>/dev/null
	  nsx "$NS_F" iptables -S FORWARD; nsx "$NS_F" ip6tables -S FORWARD; } | grep -q bypass
}

# netns_setup [bypass|nobypass]: namespaces, links, addresses, routes, queue rule.
netns_setup() {
	netns_create
	netns_links
	queue_rule "${1:-bypass}"
	FW_MAC=$(ip -n "$NS_F" -o link show fc | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	[ -n "$FW_MAC" ] || die "cannot read the MAC of fc"
}

# ---- nft probes in the client and server namespaces ----

# server_counter_setup PORT...: an input chain in the server ns that counts and drops marked
# (TTL/hop limit 199 on arrival: crafted with 200, one hop through fw) segments per port. The
# drop keeps the server kernel from answering; the counter is the "did it arrive" oracle.
server_counter_setup() {
	local p rules=""
	for p in "$@"; do
		rules="$rules
			ip ttl 199 tcp dport $p counter drop comment \"v4-$p\"
			ip6 hoplimit 199 tcp dport $p counter drop comment \"v6-$p\""
	done
	nsx "$NS_S" nft -f - <<-EOF || die "server probe table"
		table inet probe {
			chain input {
				type filter hook input priority filter; policy accept;$rules
			}
		}
	EOF
}

# arrivals FAMILY PORT: packets of the marked rule for PORT (v4 or v6) that reached the server
arrivals() {
	nsx "$NS_S" nft list chain inet probe input |
		awk -v c="\"$1-$2\"" '$0 ~ c { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

arrivals_above() { # FAMILY PORT N
	[ "$(arrivals "$1" "$2")" -gt "$3" ]
}

# ---- crafted segments (craft.py) ----

BARRIER_PORT=5199

craft_send() { # SPEC...: segments from the client's veth, in order (see craft.py)
	nsx "$NS_C" "$PY" "$NETNS_DIR/craft.py" send c0 "$FW_MAC" "$@" || die "craft.py send failed"
}

addrs() { # 4|6 -> "src=..,dst=.." client to server
	if [ "$1" = 6 ]; then echo "src=$C6,dst=$S6"; else echo "src=$C4,dst=$S4"; fi
}

client_addr() { if [ "$1" = 6 ]; then echo "$C6"; else echo "$C4"; fi; }
server_addr() { if [ "$1" = 6 ]; then echo "$S6"; else echo "$S4"; fi; }

# A barrier is a valid marked SYN (a new flow each time) sent after a case's segments, in the
# same craft.py run. Once it reached the server (server_counter_setup must include
# BARRIER_PORT), the single queue has given its verdict on everything sent before it. It is
# also the positive control of the arrivals probe.
barrier_n=0
barrier_next() { # 4|6: sets BSPEC (not echoed: a $(...) subshell would lose the count)
	barrier_n=$((barrier_n + 1))
	BSPEC="$(addrs "$1"),sport=$((30000 + barrier_n)),dport=$BARRIER_PORT,flags=S,seq=7"
}
barrier_wait() { # 4|6 COUNT_BEFORE
	wait_for 5 arrivals_above "v$1" $BARRIER_PORT "$2" ||
		die "barrier: a valid marked SYN never reached the server (probe or path broken)"
}
# craft_send_barrier 4|6 SPEC...: sends SPECs then a barrier, and waits for the barrier.
craft_send_barrier() {
	local fam=$1 before
	shift
	before=$(arrivals "v$fam" $BARRIER_PORT)
	barrier_next "$fam"
	craft_send "$@" "$BSPEC"
	barrier_wait "$fam" "$before"
}

# loss_setup PERCENT: random loss in the client and the server namespaces, on output (tcpfwd
# sees a gap, then SACK and the retransmission) and on input (tcpfwd already passed the lost
# segment, then sees it again: a duplicate). GSO is limited to one segment a packet first, so
# that the loss hits single segments as on a wire, not 64 KiB super-packets.
loss_setup() {
	local ns
	ip -n "$NS_C" link set dev c0 gso_max_segs 1 || die "gso_max_segs on c0"
	ip -n "$NS_S" link set dev s0 gso_max_segs 1 || die "gso_max_segs on s0"
	for ns in "$NS_C" "$NS_S"; do
		nsx "$ns" nft -f - <<-EOF || die "loss table in $ns"
			table inet loss {
				chain output {
					type filter hook output priority filter; policy accept;
					numgen random mod 100 < $1 counter drop
				}
				chain input {
					type filter hook input priority filter; policy accept;
					numgen random mod 100 < $1 counter drop
				}
			}
		EOF
	done
}

loss_dropped() { # NS HOOK: packets the loss rule of that hook dropped
	nsx "$1" nft list chain inet loss "$2" |
		awk '/numgen/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# ---- tcpfwd ----

# write_conf FILE [key=value ...]: a test configuration, which tcpfwd --check must accept.
# Keys: fail_open, maxlen, rcvbuf (queue.*), max_flows, pickup, policy, duration, shortened,
# minimum, timeouts (a libconfig fragment for tcp.timeouts), group and admin_group
# (control.*), level, log_invalid and rate_limit (logging.*), accounting (table.*). maxlen,
# rcvbuf, pickup, log_invalid, rate_limit and accounting are left to tcpfwd's defaults unless
# given. control.socket is
# $CTL_SOCK; state.directory and state.runtime_directory are statedir (default $TMP).
write_conf() {
	local file=$1
	shift
	local fail_open=true policy=enforce duration=120 shortened=30 minimum=1 level=debug
	local max_flows=65536 timeouts="" group="" admin_group="" statedir=$TMP kv
	local queue="" table="" tcp="" logging="" # optional settings, each with its leading space
	for kv in "$@"; do
		case $kv in
		fail_open=*) fail_open=${kv#*=} ;;
		maxlen=* | rcvbuf=*) queue="$queue ${kv%%=*} = ${kv#*=};" ;;
		pickup=*) tcp="$tcp ${kv%%=*} = ${kv#*=};" ;;
		accounting=*) table="$table ${kv%%=*} = ${kv#*=};" ;;
		log_invalid=* | rate_limit=*) logging="$logging ${kv%%=*} = ${kv#*=};" ;;
		policy=*) policy=${kv#*=} ;;
		duration=*) duration=${kv#*=} ;;
		shortened=*) shortened=${kv#*=} ;;
		minimum=*) minimum=${kv#*=} ;;
		level=*) level=${kv#*=} ;;
		max_flows=*) max_flows=${kv#*=} ;;
		timeouts=*) timeouts=${kv#*=} ;;
		group=*) group=${kv#*=} ;;
		admin_group=*) admin_group=${kv#*=} ;;
		statedir=*) statedir=${kv#*=} ;;
		*) die "write_conf: unknown key $kv" ;;
		esac
	done
	cat >"$file" <<-EOF
		# generated by tests/netns/lib.sh for $TEST_NAME
		queue = { num = 0; count = 1; fail_open = $fail_open;$queue };
		table = { max_flows = $max_flows;$table };
		tcp = {$tcp
			time_wait = { policy = "$policy"; duration = $duration; shortened = $shortened; minimum = $minimum; };
			timeouts = { $timeouts };
		};
		control = { socket = "$CTL_SOCK"; group = "$group"; admin_group = "$admin_group"; };
		state = { directory = "$statedir"; runtime_directory = "$statedir"; };
		logging = { level = "$level";$logging };
	EOF
	if fastpath_on; then
		echo "fastpath = { enabled = true; interfaces = \"fc fs\"; mark = $FASTPATH_MARK; };" \
			>>"$file"
	fi
	"$TCPFWD" --check -c "$file" >/dev/null || die "tcpfwd --check rejects $file"
}

# tcpfwd_start [CONF]: starts tcpfwd in the fw namespace with a NOTIFY_SOCKET listener and
# waits for READY=1 and the bound queue. Extra environment for tcpfwd: TCPFWD_ENV (words).
TCPFWD_CONF=""
NOTIFY_PID=""
TCPFWD_LOG_MARK=0 # lines in $TMP/tcpfwd.log before the last start
tcpfwd_start() {
	require_tcpfwd
	TCPFWD_CONF=${1:-$TMP/tcpfwd.conf}
	[ -f "$TCPFWD_CONF" ] || write_conf "$TCPFWD_CONF"
	TCPFWD_LOG_MARK=0
	[ -f "$TMP/tcpfwd.log" ] && TCPFWD_LOG_MARK=$(wc -l <"$TMP/tcpfwd.log")
	notify_start
	ip netns exec "$NS_F" env NOTIFY_SOCKET="$TMP/notify.sock" ${TCPFWD_ENV:-} \
		"$TCPFWD" -f -c "$TCPFWD_CONF" >>"$TMP/tcpfwd.log" 2>&1 </dev/null &
	TCPFWD_PID=$!
	BG_PIDS="$BG_PIDS $TCPFWD_PID"
	if ! wait_for 15 notify_has 'READY=1'; then
		alive "$TCPFWD_PID" || die "tcpfwd exited during startup (see log)"
		die "tcpfwd sent no READY=1 within 15 s"
	fi
	wait_for 5 queue_bound 0 || die "READY=1 received but queue 0 is not bound"
	info "tcpfwd running (pid $TCPFWD_PID)"
}

# notify_start: a NOTIFY_SOCKET listener in the fw namespace (so that it can look at the
# namespace's /proc/net/netfilter/nfnetlink_queue when READY=1 arrives).
notify_start() {
	rm -f "$TMP/notify.sock" "$TMP/notify.log"
	bg_start "$NS_F" "$TMP/notify.err" "$PY" "$NETNS_DIR/notify_listen.py" \
		"$TMP/notify.sock" "$TMP/notify.log" 0
	NOTIFY_PID=$BG_PID
	wait_for 5 test -S "$TMP/notify.sock" || die "notify listener did not start"
}

notify_has() { # REGEX
	file_has "$TMP/notify.log" "$1"
}

notify_count() { # REGEX
	grep -Ec -- "$1" "$TMP/notify.log" 2>/dev/null || true
}

tcpfwd_stop() {
	[ -n "$TCPFWD_PID" ] || return 0
	stop_pid "$TCPFWD_PID" TERM
	TCPFWD_PID=""
}

tcpfwd_alive() {
	[ -n "$TCPFWD_PID" ] && alive "$TCPFWD_PID"
}

# tcpfwd_start_ctl [CONF]: tcpfwd_start, then waits for the control socket to answer.
tcpfwd_start_ctl() {
	tcpfwd_start "$@"
	wait_for 5 ctl_answers || die "tcpfwd is ready but its control socket does not answer"
}

# tcpfwd_term WHAT: SIGTERM tcpfwd and wait for its exit (at most 10 s), which must have
# status 0.
tcpfwd_term() {
	local pid=$TCPFWD_PID rc
	kill -TERM "$pid"
	wait_for 10 eval "! alive $pid" || die "$1: tcpfwd still running 10 s after SIGTERM"
	wait "$pid"
	rc=$?
	TCPFWD_PID=""
	expect_eq "$1: tcpfwd exit status after SIGTERM" "$rc" 0
}

# tcpfwd_new_log: what tcpfwd logged since its last start
tcpfwd_new_log() {
	tail -n +$((TCPFWD_LOG_MARK + 1)) "$TMP/tcpfwd.log"
}

# tcpfwd_restored: N of the "restored N flows" tcpfwd logged at its last start, or nothing
tcpfwd_restored() {
	tcpfwd_new_log | sed -nE 's/.*state: restored ([0-9]+) flows.*/\1/p' | head -n 1
}

# tcpfwd_crash SIG [CONF]: kills tcpfwd with SIG, waits for it to die (dies itself after
# 10 s) and starts it again with the same configuration, as a crash and a restart would. RESUMED
# gets the new process's "resumed N flows ..." log line (empty when it resumed nothing),
# RESUMED_N its N (0 without one).
tcpfwd_crash() {
	local sig=$1 pid=$TCPFWD_PID
	kill "-$sig" "$pid"
	wait_for 10 eval "! alive $pid" || die "tcpfwd survived SIG$sig"
	wait "$pid" 2>/dev/null
	TCPFWD_PID=""
	tcpfwd_start "${2:-$TCPFWD_CONF}"
	RESUMED=$(tcpfwd_new_log | grep -Eo 'resumed [0-9]+ flows.*' | head -n 1)
	RESUMED_N=${RESUMED#resumed }
	RESUMED_N=${RESUMED_N%% *}
	[ -n "$RESUMED" ] || RESUMED_N=0
}

# ---- tcpfwctl ----

# ctl ARGS...: tcpfwctl on this test's control socket. It runs in the caller's network
# namespace: an AF_UNIX socket with a path is reached through the file system.
ctl() {
	"$TCPFWCTL" --socket "$CTL_SOCK" "$@"
}

CTL_JSON="$PY $NETNS_DIR/ctl_json.py"

# ctl_answers: tcpfwd answers `tcpfwctl -j status` (the answer is left in $TMP/status.json)
ctl_answers() {
	ctl -j status >"$TMP/status.json" 2>/dev/null
}

# status_val KEY...: values from a fresh `tcpfwctl -j status` (fail_open, pid, uptime ...) on
# one line, booleans as true/false; "error:status" when tcpfwd does not answer.
status_val() {
	ctl_answers && $CTL_JSON value "$TMP/status.json" "$@" || echo "error:status"
}

# tcpfwd_stats: prints tcpfwd's counters, the object of `tcpfwctl -j stats`, on one line;
# fails (with a message on stderr) unless tcpfwd runs and answers with that object.
tcpfwd_stats() {
	local out
	tcpfwd_alive || { echo "FAIL: tcpfwd is not running (stats)" >&2; return 1; }
	if ! out=$(ctl -j stats 2>"$TMP/stats.err"); then
		echo "FAIL: tcpfwctl -j stats: $(cat "$TMP/stats.err")" >&2
		return 1
	fi
	printf '%s\n' "$out" | $CTL_JSON stats-ok || return 1
	printf '%s\n' "$out"
}

# stats_val FILE KEY: a counter from a saved tcpfwd_stats; KEY is a path in the -j stats
# object: verdicts.drop, reasons.new_not_syn, states.TIME_WAIT, destroyed.timeout, created,
# packets. A missing key prints "missing:KEY", which no numeric check accepts.
stats_val() {
	$CTL_JSON get "$1" "$2"
}

# stats_delta BEFORE AFTER KEY: the rise of a counter between two saved tcpfwd_stats.
stats_delta() {
	$CTL_JSON delta "$1" "$2" "$3"
}

# accepted_delta BEFORE AFTER: segments accepted between two saved tcpfwd_stats, those the fast
# path accepted in the kernel (TCPFW_NETNS_FASTPATH=1) included.
accepted_delta() {
	local n
	n=$(stats_delta "$1" "$2" verdicts.accept)
	if fastpath_on; then n=$((n + $(stats_delta "$1" "$2" fastpath.accepted))); fi
	echo "$n"
}

# stat_get KEY: a counter from fresh stats.
stat_get() {
	tcpfwd_stats >"$TMP/stats.get" || { echo "error:stats"; return 1; }
	stats_val "$TMP/stats.get" "$1"
}

# flow_info SRC SPORT DST DPORT [SRC SPORT DST DPORT]...: "STATE ID TIMEOUT assured|-" of the
# flow that SRC:SPORT opened to DST:DPORT (a line a tuple, all from one fresh `tcpfwctl -j
# list`: the whole table, matched here, so that a filter bug cannot hide a flow), NONE when
# tcpfwd does not track it, or ERROR.
flow_info() {
	if ! ctl -j list >"$TMP/list.get" 2>"$TMP/list.err"; then
		echo "FAIL: tcpfwctl -j list: $(cat "$TMP/list.err")" >&2
		echo ERROR
		return 1
	fi
	$CTL_JSON flow "$TMP/list.get" "$@" || { echo ERROR; return 1; }
}

# flow_state SRC SPORT DST DPORT: the flow's state (initiator first), or NONE, or ERROR.
flow_state() {
	local info
	info=$(flow_info "$@")
	echo "${info%% *}"
	[ "$info" != ERROR ]
}

flow_state_is() { # STATE SRC SPORT DST DPORT
	[ "$(flow_state "$2" "$3" "$4" "$5")" = "$1" ]
}

# expect_no_drop WHAT STATS: PASS when the saved tcpfwd_stats STATS count no drop; else FAIL
# with the first drops tcpfwd logged since its last start.
expect_no_drop() {
	local drops
	drops=$(stats_val "$2" verdicts.drop)
	if [ "$drops" = 0 ]; then
		pass "$1 (0)"
	else
		fail "$1: $drops: $(tcpfwd_new_log | grep -m3 ' drop ' | tr '\n' ' ')"
	fi
}

# tw_expiry WHAT T0 HOLD_S MAX_S SRC SPORT DST DPORT: the flow, in TIME_WAIT since T0 (now_ms),
# must be gone within MAX_S seconds from now, and not more than 1 s before HOLD_S seconds
# (a flow gone at once would not be a TIME_WAIT at all; HOLD_S 0: no such bound).
tw_expiry() {
	local what=$1 t0=$2 hold=$3 max=$4 ms
	shift 4
	if ! wait_for "$max" flow_state_is NONE "$@"; then
		fail "$what: flow still '$(flow_state "$@")' after $max s"
		return
	fi
	ms=$(($(now_ms) - t0))
	if [ "$ms" -ge $((hold * 1000 - 1000)) ]; then
		pass "$what: flow expired after $ms ms"
	else
		fail "$what: flow gone after only $ms ms, expected about $hold s"
	fi
}

# reasons_rose BEFORE AFTER: "reasons.x=+N ..." for every reason counter other than ok that
# rose between two saved tcpfwd_stats (names come from tcpfwd, so no list to keep in sync).
reasons_rose() {
	$CTL_JSON rose "$1" "$2"
}

# ---- traffic ----

# http_server_start PORT DIR: python's http.server in the server namespace, dual stack.
http_server_start() {
	bg_start "$NS_S" "$TMP/http-$1.log" "$PY" -m http.server "$1" --bind :: --directory "$2"
	wait_listen "$NS_S" "$1"
}

# make_blob FILE MB: incompressible test data (nobody compresses here, but zeros would hide
# offset bugs that cmp must catch).
make_blob() {
	head -c "$(($2 * 1024 * 1024))" /dev/urandom >"$1"
}

url_host() { # 4|6 -> server address usable in a URL
	if [ "$1" = 6 ]; then echo "[$S6]"; else echo "$S4"; fi
}

# fsize FILE: its size in bytes, 0 when it is missing
fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }

# size_above BYTES FILE: FILE is larger than BYTES
size_above() { [ "$(fsize "$2")" -gt "$1" ]; }

# www_start PORT MB: http_server_start on $TMP/www, which holds blob.bin (MB MiB of
# make_blob, its sha256sum in BLOB_SHA256) and small.txt.
www_start() {
	mkdir -p "$TMP/www"
	make_blob "$TMP/www/blob.bin" "$2"
	printf 'small\n' >"$TMP/www/small.txt"
	BLOB_SHA256=$(sha256sum <"$TMP/www/blob.bin")
	http_server_start "$1" "$TMP/www"
}

# paced_http_start PORT MB RATE: traffic.py's paced HTTP server in the server namespace; GET
# /blob.bin sends $TMP/blob.bin (MB MiB of make_blob, BLOB_BYTES long, its sha256sum in
# BLOB_SHA256) at RATE bytes/s.
paced_http_start() {
	make_blob "$TMP/blob.bin" "$2"
	BLOB_BYTES=$(($2 * 1024 * 1024))
	BLOB_SHA256=$(sha256sum <"$TMP/blob.bin")
	bg_start "$NS_S" "$TMP/paced-$1.log" "$PY" "$NETNS_DIR/traffic.py" http "$1" "$TMP/blob.bin" "$3"
	wait_listen "$NS_S" "$1"
}

# download_start FAM PORT OUT MAXTIME [CURL_ARG...]: curl of /blob.bin from the server's PORT
# into OUT, in the client namespace and in the background (DL_PID); OUT.curl gets "HTTP_STATUS
# LOCAL_PORT" when it ends.
download_start() {
	local fam=$1 port=$2 out=$3 maxtime=$4
	shift 4
	rm -f "$out"
	bg_start "$NS_C" "$out.curl" curl -s -"$fam" --max-time "$maxtime" "$@" -o "$out" \
		-w '%{http_code} %{local_port}\n' "http://$(url_host "$fam"):$port/blob.bin"
	DL_PID=$BG_PID
}

# download_done WHAT PID OUT SHA256: waits for download_start's curl (PID); PASS when it
# exited 0 with HTTP status 200 and OUT has that sha256sum.
download_done() {
	local what=$1 pid=$2 out=$3 want=$4 rc code got
	wait "$pid"
	rc=$?
	read -r code _ <"$out.curl"
	got=$(sha256sum <"$out")
	if [ $rc = 0 ] && [ "${code:-}" = 200 ] && [ "$got" = "$want" ]; then
		pass "$what complete and byte-identical"
	else
		fail "$what: curl exit $rc, status '${code:-}', $(fsize "$out") bytes, sha256 ${got%% *} != ${want%% *}"
	fi
}

# client_port PORT FAM [EXCEPT]: the client's local port of its single established connection
# to PORT (but for the one from local port EXCEPT); fails unless there is exactly one
client_port() {
	local ports
	ports=$(nsx "$NS_C" ss -Htn -"$2" state established "( dport = :$1 )" |
		awk -v except="${3:-0}" '{ n = split($3, a, ":"); if (a[n] != except) print a[n] }')
	[ "$(echo "$ports" | grep -c .)" = 1 ] || return 1
	echo "$ports"
}

# streamed LOG: the bytes a traffic.py sink has received (its last "bytes N" line), 0 before any
streamed() {
	local n
	n=$(sed -n 's/^bytes \([0-9]*\) .*/\1/p' "$1" 2>/dev/null | tail -n 1)
	echo "${n:-0}"
}

# streamed_above BYTES LOG: the sink of LOG has received more than BYTES
streamed_above() { [ "$(streamed "$2")" -gt "$1" ]; }

# moving WHAT BYTES LOG...: PASS when, within 10 s each, every traffic.py sink LOG receives
# BYTES more and every echo LOG (a name with "echo" in it) 5 more round trips; else FAIL.
moving() {
	local what=$1 step=$2 f n
	shift 2
	for f in "$@"; do
		if [[ $(basename "$f") == *echo* ]]; then
			n=$(echoes "$f")
			wait_for 10 echoes_ge "$f" $((n + 5)) ||
				{ fail "$what: $(basename "$f") stalled at $n round trips"; return; }
		else
			n=$(streamed "$f")
			wait_for 10 streamed_above $((n + step)) "$f" ||
				{ fail "$what: $(basename "$f") stalled at $n bytes"; return; }
		fi
	done
	pass "$what: streams and echo sessions move on"
}

# spoofed_replies_setup: for floods from spoofed 192.0.2.0/24 and 203.0.113.0/24 hosts: the
# server answers with SYN cookies only (no request sockets, no SYN/ACK retransmissions), and fw
# routes the answers back to the client side (the /25s are more specific than the connected
# /24), so it never ARPs for hosts that do not exist and its reverse-path check is content.
spoofed_replies_setup() {
	ip -n "$NS_F" route add 203.0.113.0/24 via "$C4" dev fc || die "route 203.0.113.0/24 in fw"
	ip -n "$NS_F" route add 192.0.2.0/25 via "$C4" dev fc || die "route 192.0.2.0/25 in fw"
	ip -n "$NS_F" route add 192.0.2.128/25 via "$C4" dev fc || die "route 192.0.2.128/25 in fw"
	nsx "$NS_S" sysctl -qw net.ipv4.tcp_syncookies=2 || die "tcp_syncookies in the server namespace"
}

# echoes LOG: round trips in the LOG of a traffic.py echo client
echoes() {
	local n
	n=$(grep -c '^echo ' "$1" 2>/dev/null)
	echo "${n:-0}"
}

# echoes_ge LOG N: at least N round trips in LOG
echoes_ge() { [ "$(echoes "$1")" -ge "$2" ]; }

# ---- other users (the control socket's access rules) ----

# unused_id passwd|group FROM: the first id from FROM that names no user (group)
unused_id() {
	local id=$2
	while getent "$1" "$id" >/dev/null; do id=$((id + 1)); done
	echo "$id"
}

# users_setup READ_GROUP ADMIN_GROUP: two throwaway groups (deleted by cleanup) with gids
# GID_READ and GID_ADMIN, uids that name nobody (UID_MEMBER, UID_OTHER, UID_ADMIN) and a gid
# that names no group (GID_NONE). They get through $TMP (0711) and may run programs from
# $TMP/bin (0755), where tcpfwctl is copied: CTLBIN (a rebuild of build/ cannot take it away).
users_setup() {
	groupadd "$1" || die "groupadd $1"
	cleanup_add groupdel "$1"
	groupadd "$2" || die "groupadd $2"
	cleanup_add groupdel "$2"
	GID_READ=$(getent group "$1" | cut -d: -f3)
	GID_ADMIN=$(getent group "$2" | cut -d: -f3)
	UID_MEMBER=$(unused_id passwd 61000)
	UID_OTHER=$(unused_id passwd $((UID_MEMBER + 1)))
	UID_ADMIN=$(unused_id passwd $((UID_OTHER + 1)))
	GID_NONE=$(unused_id group 61000)
	chmod 0711 "$TMP"
	mkdir -m 0755 "$TMP/bin"
	CTLBIN=$TMP/bin/tcpfwctl
	install -m 0755 "$TCPFWCTL" "$CTLBIN" || die "cannot copy $TCPFWCTL"
}

# run_as UID GID GROUPS CMD...: CMD with that identity; GROUPS: supplementary gids, "-" for none
run_as() {
	local uid=$1 gid=$2 groups=$3
	shift 3
	if [ "$groups" = - ]; then
		setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
	else
		setpriv --reuid="$uid" --regid="$gid" --groups="$groups" "$@"
	fi
}

# ---- a throwaway container with systemd as PID 1 (test_systemd.sh, test_package.sh) ----

# container_setup: skips without systemd-nspawn or systemd; the topology with no queue rule of
# the test's, since the unit in the container loads its own ($QUEUE_METHOD says which kind
# works here).
container_setup() {
	command -v systemd-nspawn >/dev/null || skip "needs systemd-nspawn (systemd-container)"
	[ -x /lib/systemd/systemd ] || skip "needs systemd"
	netns_setup bypass
	nsx "$NS_F" nft delete table inet tcpfw_test 2>/dev/null
	nsx "$NS_F" iptables -F FORWARD
	nsx "$NS_F" ip6tables -F FORWARD
}

# container_root DIR: a root for systemd-nspawn whose /usr comes from the host (container_boot's
# --bind-ro= or --overlay=): the merged-/usr links, os-release, the alternatives (Debian's
# iptables is one), root alone in passwd and group, an empty machine-id, /etc/systemd/system.
container_root() {
	local root=$1 d
	mkdir -p "$root"/{usr,etc/systemd/system,var,run,tmp,proc,sys,dev,root}
	for d in bin sbin lib lib64; do
		if [ -L "/$d" ]; then ln -s "usr/$d" "$root/$d"; fi
	done
	cp /usr/lib/os-release "$root/etc/os-release"
	cp -a /etc/alternatives "$root/etc/"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\n' >"$root/etc/group"
	printf 'root:*:19000:0:99999:7:::\n' >"$root/etc/shadow"
	printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' >"$root/etc/nsswitch.conf"
	: >"$root/etc/machine-id"
}

# the container's PID 1: nspawn's child that runs systemd (an intermediate child comes first)
container_leader() {
	local c
	LEADER=""
	for c in $(pgrep -P "$NSPAWN_PID"); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ] && LEADER=$c
	done
	[ -n "$LEADER" ]
}
inside() { nsenter -t "$LEADER" -a "$@"; } # CMD...: run in the container
container_booted() { [[ $(inside systemctl is-system-running 2>/dev/null) == @(running|degraded) ]]; }

# container_boot DIR NSPAWN_OPTION...: boots systemd in DIR, with the fw namespace as its network
# and CAP_NET_ADMIN, and waits until it has finished booting (log: $TMP/nspawn.log).
container_boot() {
	local root=$1
	shift
	systemd-nspawn -q -D "$root" "$@" --network-namespace-path="/run/netns/$NS_F" \
		--capability=CAP_NET_ADMIN --register=no --keep-unit -b --console=passive \
		--machine="tcpfw-test-$$" >"$TMP/nspawn.log" 2>&1 </dev/null &
	NSPAWN_PID=$!
	BG_PIDS="$BG_PIDS $NSPAWN_PID"
	wait_for 10 container_leader || die "the container did not start: $(tail -n 3 "$TMP/nspawn.log")"
	wait_for 60 container_booted ||
		die "the container did not finish booting: $(inside systemctl --failed --no-pager 2>&1 | head -n 5)"
	info "systemd is PID 1 in the container (host pid $LEADER)"
}

container_poweroff() {
	inside systemctl poweroff --no-block >/dev/null 2>&1
	wait_for 20 eval "! alive $NSPAWN_PID" || info "the container did not power off in 20 s"
}
