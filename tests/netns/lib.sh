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
	rm -rf "$TMP"
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

# queue_rule [bypass|nobypass]: forwarded TCP to NFQUEUE 0 in the fw namespace. Tries the
# native nft `queue` statement and falls back to xt NFQUEUE through iptables-nft
# (nft_compat) when the kernel lacks CONFIG_NFT_QUEUE. Sets QUEUE_METHOD.
queue_rule() {
	local mode=${1:-bypass} nftflag="" xtflag=""
	if [ "$mode" = bypass ]; then
		nftflag=" bypass"
		xtflag="--queue-bypass"
	fi
	if nsx "$NS_F" nft -f - 2>"$TMP/nft-queue.err" <<-EOF
		table inet tcpfw_test {
			chain forward {
				type filter hook forward priority filter; policy accept;
				meta l4proto tcp queue num 0$nftflag
			}
		}
	EOF
	then
		QUEUE_METHOD="nft queue"
	else
		nsx "$NS_F" nft delete table inet tcpfw_test 2>/dev/null
		nsx "$NS_F" iptables -A FORWARD -p tcp -j NFQUEUE --queue-num 0 $xtflag ||
			die "iptables NFQUEUE rule failed"
		nsx "$NS_F" ip6tables -A FORWARD -p tcp -j NFQUEUE --queue-num 0 $xtflag ||
			die "ip6tables NFQUEUE rule failed"
		QUEUE_METHOD="iptables-nft NFQUEUE (nft queue: $(head -n 1 "$TMP/nft-queue.err"))"
	fi
	info "queue rule ($mode): $QUEUE_METHOD"
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

# write_conf FILE [key=value ...]: a test configuration. Keys: fail_open, policy, duration,
# shortened, minimum, level, max_flows, timeouts (a libconfig fragment for tcp.timeouts),
# group and admin_group (control.*). control.socket is $CTL_SOCK.
write_conf() {
	local file=$1
	shift
	local fail_open=true policy=enforce duration=120 shortened=30 minimum=1 level=debug
	local max_flows=65536 timeouts="" group="" admin_group="" kv
	for kv in "$@"; do
		case $kv in
		fail_open=*) fail_open=${kv#*=} ;;
		policy=*) policy=${kv#*=} ;;
		duration=*) duration=${kv#*=} ;;
		shortened=*) shortened=${kv#*=} ;;
		minimum=*) minimum=${kv#*=} ;;
		level=*) level=${kv#*=} ;;
		max_flows=*) max_flows=${kv#*=} ;;
		timeouts=*) timeouts=${kv#*=} ;;
		group=*) group=${kv#*=} ;;
		admin_group=*) admin_group=${kv#*=} ;;
		*) die "write_conf: unknown key $kv" ;;
		esac
	done
	cat >"$file" <<-EOF
		# generated by tests/netns/lib.sh for $TEST_NAME
		queue = { num = 0; count = 1; fail_open = $fail_open; };
		table = { max_flows = $max_flows; };
		tcp = {
			time_wait = { policy = "$policy"; duration = $duration; shortened = $shortened; minimum = $minimum; };
			timeouts = { $timeouts };
		};
		control = { socket = "$CTL_SOCK"; group = "$group"; admin_group = "$admin_group"; };
		state = { directory = "$TMP"; };
		logging = { level = "$level"; };
	EOF
}

# tcpfwd_start [CONF]: starts tcpfwd in the fw namespace with a NOTIFY_SOCKET listener and
# waits for READY=1 and the bound queue. Extra environment for tcpfwd: TCPFWD_ENV (words).
TCPFWD_CONF=""
NOTIFY_PID=""
tcpfwd_start() {
	require_tcpfwd
	TCPFWD_CONF=${1:-$TMP/tcpfwd.conf}
	[ -f "$TCPFWD_CONF" ] || write_conf "$TCPFWD_CONF"
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

# ---- tcpfwctl ----

# ctl ARGS...: tcpfwctl on this test's control socket. It runs in the caller's network
# namespace: an AF_UNIX socket with a path is reached through the file system.
ctl() {
	"$TCPFWCTL" --socket "$CTL_SOCK" "$@"
}

CTL_JSON="$PY $NETNS_DIR/ctl_json.py"

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

# stat_get KEY: a counter from fresh stats.
stat_get() {
	tcpfwd_stats >"$TMP/stats.get" || { echo "error:stats"; return 1; }
	stats_val "$TMP/stats.get" "$1"
}

# flow_info SRC SPORT DST DPORT: "STATE ID TIMEOUT assured|-" of the flow that SRC:SPORT
# opened to DST:DPORT, from a fresh `tcpfwctl -j list` (the whole table, matched here, so
# that a filter bug cannot hide a flow), NONE when tcpfwd does not track it, or ERROR.
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
