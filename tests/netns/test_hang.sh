#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A HUNG tcpfwd: SIGSTOP for STOP_S seconds while traffic flows, then SIGCONT.
# test_fail_policy.sh covers a daemon that is gone (SIGKILL, SIGTERM). A stopped one keeps its
# queue bound, so the kernel holds packets for it until the queue (maxlen) or the netlink
# socket (rcvbuf) is full, and then decides alone:
#
#   full first          fail_open = true (rule with bypass)     fail_open = false (no bypass)
#   a/c queue (maxlen)  a. accepted, no id taken: counted       c. dropped: queue_dropped
#                          nowhere
#   b/d socket (rcvbuf) b. id taken, message dropped (sk_drops)  d. id taken, message dropped
#                          and the packet accepted: a gap in       (sk_drops) and the packet
#                          the ids tcpfwd receives                 dropped: user_dropped
#
# rcvbuf is 65536 (the minimum; the kernel doubles it) and a message of copy_range 128 takes
# about 832 bytes of it, so the socket holds ~157: maxlen 64 fills the queue first (a, c),
# maxlen 1024 the socket (b, d). Each case runs a fresh tcpfwd with an IPv4 stream (paced,
# every byte checked) and an IPv6 echo connection (a round trip every 100 ms) held across the
# hang, and opens BURST_N new IPv4 connections at once during it.
#
# While tcpfwd is stopped (read from the kernel: /proc/PID/net and a counter in front of the
# queue rule; the stopped daemon cannot answer), every case checks that the right thing
# filled (held = maxlen, no socket drop / held < maxlen, socket drops), that ids taken = newly
# held + socket drops, and:
#   fail-open: no queue_dropped or user_dropped; the held connections keep going; every burst
#     connection but those with a held packet connects; (a) over 100 packets passed without
#     an id, which nothing counts;
#   fail-closed: packets that met the queue = ids + queue_dropped, exactly; (c) queue_dropped
#     rose, (d) user_dropped = sk_drops; no echo, no stream byte, no burst connection.
# After SIGCONT, every case: the same tcpfwd (pid, uptime) runs on, the queue drains, the
# control socket answers, new IPv4 and IPv6 connections succeed and tcpfwd tracks them
# (ASSURED), and `tcpfwctl -j stats` shows the overrun: queue_dropped and user_dropped rise as
# the kernel's, packets_seen - packets rises by the socket's drops (the ids tcpfwd never got:
# tcpfwd's own `lost` counter rises by the same), enobufs stays 0 (NETLINK_NO_ENOBUFS), and
# `relearned` rises with fail-open only.
#   fail-closed: the held connections resume, with no drop, and stay ESTABLISHED;
#   fail-open: the held connections go on with no drop, although tcpfwd missed what passed
#     while it was stopped: the worker notices the stall (or the gap in packet ids), judges
#     the backlog, then makes its flows re-learn their windows, and logs that it did.
# The figures (packets during the stop, counters before and after, recovery times) are
# printed as "[test_hang] X: ..." lines.
#
# A stopped tcpfwd gets SIGCONT before anything else happens to it: the EXIT trap sends it
# first (lib.sh's cleanup sends SIGCONT too), and nothing calls tcpfwctl while it is stopped.

. "$(dirname "$0")/lib.sh"

STREAM_PORT=7000 # traffic.py source: the held IPv4 stream
ECHO_PORT=7001 # tcp_server.py echo: the held IPv6 echo connection
LSN_PORT=7002 # traffic.py listen: the burst and the new connections
RATE=524288 # stream bytes/s
STOP_S=2.5 # how long tcpfwd stays stopped
BURST_N=300 # connections opened at once during the stop (more than the socket holds)
Q_MAXLEN=64 # queue full first: 64 messages take ~53 KB of the 128 KB socket
S_MAXLEN=1024 # socket full first: ~157 messages fill it
RCVBUF=65536

LOG=$TMP/tcpfwd.log
TRAFFIC=("$PY" "$NETNS_DIR/traffic.py")

STOPPED="" # the pid of a tcpfwd we stopped and not yet continued
hang_resume() {
	[ -n "$STOPPED" ] && kill -CONT "$STOPPED" 2>/dev/null
	STOPPED=""
}
trap 'hang_resume; cleanup' EXIT
die_stopped() { # die, but let tcpfwd go on first (dump_debug asks it for stats)
	hang_resume
	die "$@"
}

netns_require
netns_setup bypass

# every forwarded TCP packet, counted before the queue rule (priority filter - 10), whatever
# queue method lib.sh chose: "packets that met the queue" (with the fast path on, but those
# it accepted in the kernel, which pass before the queue rule)
fp_skip=""
fastpath_on && fp_skip="meta mark & $FASTPATH_MARK != $FASTPATH_MARK"
nsx "$NS_F" nft -f - <<-EOF || die "counting table in $NS_F"
	table inet hang_count {
		chain forward {
			type filter hook forward priority filter - 10; policy accept;
			meta l4proto tcp $fp_skip counter
		}
	}
EOF
fwd_packets() {
	nsx "$NS_F" nft list chain inet hang_count forward |
		awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# kq_raw: queue 0 in /proc/net/netfilter/nfnetlink_queue (id_sequence, queue_total,
# queue_dropped, user_dropped) and its netlink socket in /proc/net/netlink (Rmem, Drops =
# sk_drops), matched by port id, as "ID TOTAL QDROP UDROP RMEM SKDROPS"; "none" when nobody
# is bound. Read through /proc/PID/net of tcpfwd (running or stopped): the fw namespace's.
kq_raw() {
	awk '
		FILENAME ~ /nfnetlink_queue$/ && $1 == 0 { pid = $2; t = $3; qd = $6; ud = $7; id = $8 }
		FILENAME ~ /netlink$/ && $2 == 12 { rmem[$3] = $5; drops[$3] = $9 }
		END {
			if (pid == "" || !(pid in rmem)) print "none"
			else print id, t, qd, ud, rmem[pid], drops[pid]
		}' "/proc/$TCPFWD_PID/net/netfilter/nfnetlink_queue" "/proc/$TCPFWD_PID/net/netlink" 2>/dev/null ||
		echo none
}
# kq_snap [stable]: "FWD ID TOTAL QDROP UDROP RMEM SKDROPS stable|unstable", FWD being the
# packet counter. With "stable", tries for a reading during which the kernel's queue counters
# did not move while the packet counter was read: then every packet the counter saw is in
# them too (fail-closed: nothing else can happen to a packet). Fail-open accepts packets
# without touching them, so there it reads once.
kq_snap() {
	local a b c
	for _ in $(seq 25); do
		a=$(kq_raw)
		c=$(fwd_packets)
		[ "${1:-}" = stable ] || { echo "$c $a unstable"; return; }
		b=$(kq_raw)
		if [ "$a" = "$b" ]; then
			echo "$c $a stable"
			return
		fi
		sleep 0.02
	done
	echo "$c $b unstable"
}
uints() { # N WORDS...: the first N words are unsigned integers
	local n=$1 w
	shift
	[ $# -ge "$n" ] || return 1
	for w in "${@:1:$n}"; do
		case $w in '' | *[!0-9]*) return 1 ;; esac
	done
}
proc_state() { sed -E 's/.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null; }

# the counters of `tcpfwctl -j stats` compared before and after a hang (queues.0 is queue 0,
# the only one: queue.count = 1)
HANG_STATS="packets enobufs created verdicts.accept verdicts.drop queues.0.waiting
	queues.0.queue_dropped queues.0.user_dropped queues.0.packets_seen lost relearned"

# ---- tcpfwd ----

# hang_start FAIL_OPEN MAXLEN: (re)starts tcpfwd, empty table, with that queue configuration
hang_start() {
	local conf=$TMP/hang.conf
	tcpfwd_stop
	rm -f "$TMP/flows.snapshot"
	write_conf "$conf" fail_open="$1" maxlen="$2" rcvbuf=$RCVBUF max_flows=4096 pickup=false \
		level=info log_invalid=true rate_limit=0
	tcpfwd_start_ctl "$conf"
}

# ---- traffic ----

bg_start "$NS_S" "$TMP/source.log" "${TRAFFIC[@]}" source $STREAM_PORT $RATE
bg_start "$NS_S" "$TMP/echo-server.log" "$PY" "$NETNS_DIR/tcp_server.py" echo $ECHO_PORT
bg_start "$NS_S" "$TMP/listen.log" "${TRAFFIC[@]}" listen $LSN_PORT
for p in $STREAM_PORT $ECHO_PORT $LSN_PORT; do wait_listen "$NS_S" $p; done

sunk() { local n; n=$(awk '$1 == "bytes" { n = $2 } END { print n + 0 }' "$1" 2>/dev/null); echo "${n:-0}"; }
sunk_ge() { [ "$(sunk "$1")" -ge "$2" ]; }
# first_after LOG KIND T: wall time (s.ms) of the first KIND line stamped after T, or empty
first_after() {
	awk -v k="$2" -v t="$3" '$1 == k && $NF + 0 > t + 0 { print $NF; exit }' "$1"
}
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
# held_drops FROM_LINE SRC SPORT DST DPORT: drops tcpfwd logged, from that line of its log on,
# for a tuple in either direction
held_drops() {
	tail -n +"$1" "$LOG" |
		grep -E "drop [a-z_]+ .*(\[?$2\]?:$3 -> \[?$4\]?:$5|\[?$4\]?:$5 -> \[?$2\]?:$3) "
}
new_conn() { # 4|6 -> "connected C of 1 in MS ms ports P"
	local dst=$S4
	[ "$1" = 6 ] && dst=$S6
	nsx "$NS_C" "${TRAFFIC[@]}" burst "$dst" $LSN_PORT 1 3
}

# ---- one case ----

# hang_case CASE FAIL_OPEN MAXLEN queue|socket (what is expected to fill first)
hang_case() {
	local c=$1 fo=$2 maxlen=$3 path=$4 t_case=$EPOCHREALTIME
	local pid sk ek sp ep fs4 fs6 up0 up1 k0 k1 k2 n1 n2 b1 b2 t_stop t_cont burst bc snap=""
	local f0 qd0 ud0 skd0 f1 id1 tot1 qd1 skd1 st1
	local f2 id2 tot2 qd2 ud2 rm2 skd2 st2 held dfwd dids dsk dqd slack

	info "$c. fail_open=$fo, maxlen=$maxlen, rcvbuf=$RCVBUF: the $path fills while tcpfwd is stopped"
	hang_start "$fo" "$maxlen"
	pid=$TCPFWD_PID
	expect_eq "$c: queue.maxlen in force" "$(ctl get-param queue.maxlen 2>&1)" "queue.maxlen = $maxlen"
	expect_eq "$c: queue.fail_open in force" "$(ctl get-param queue.fail_open 2>&1)" "queue.fail_open = $fo"

	bg_start "$NS_C" "$TMP/$c.sink.err" "${TRAFFIC[@]}" sink "$S4" $STREAM_PORT "$TMP/$c.sink"
	sk=$BG_PID
	bg_start "$NS_C" "$TMP/$c.echo.err" "${TRAFFIC[@]}" echo "$S6" $ECHO_PORT "$TMP/$c.echo"
	ek=$BG_PID
	wait_for 10 echoes_ge "$TMP/$c.echo" 5 || die "$c: echo client: $(tail -n 1 "$TMP/$c.echo" 2>/dev/null)"
	wait_for 10 sunk_ge "$TMP/$c.sink" $((RATE / 4)) || die "$c: stream: $(tail -n 1 "$TMP/$c.sink" 2>/dev/null)"
	sp=$(sed -n 's/^port //p' "$TMP/$c.sink")
	ep=$(sed -n 's/^port //p' "$TMP/$c.echo")
	{ read -r fs4 _; read -r fs6 _; } <<<"$(flow_info "$C4" "$sp" "$S4" $STREAM_PORT "$C6" "$ep" "$S6" $ECHO_PORT)"
	expect_eq "$c: held IPv4 stream's flow before the stop" "$fs4" ESTABLISHED
	expect_eq "$c: held IPv6 echo's flow before the stop" "$fs6" ESTABLISHED
	ctl -j stats >"$TMP/$c.before" 2>&1 || die "$c: tcpfwctl -j stats: $(cat "$TMP/$c.before")"
	ctl_answers || die "$c: tcpfwctl -j status"
	read -r _ up0 <<<"$($CTL_JSON value "$TMP/status.json" pid uptime)"

	# ---- the hang ----
	k0=$(kq_snap)
	kill -STOP "$pid" || die "$c: cannot SIGSTOP tcpfwd"
	STOPPED=$pid
	t_stop=$EPOCHREALTIME
	wait_for 2 eval '[ "$(proc_state $pid)" = T ]' || die_stopped "$c: tcpfwd not stopped: state $(proc_state "$pid")"
	[ "$fo" = false ] && snap=stable
	sleep 0.3 # what was already past the queue arrives
	k1=$(kq_snap $snap)
	n1=$(echoes "$TMP/$c.echo") b1=$(sunk "$TMP/$c.sink")
	burst=$(nsx "$NS_C" "${TRAFFIC[@]}" burst "$S4" $LSN_PORT $BURST_N 1)
	bc=$(awk '{ print $2 }' <<<"$burst")
	sleep "$(awk -v s="$STOP_S" -v t0="$t_stop" -v n="$EPOCHREALTIME" 'BEGIN { d = s - (n - t0); print (d > 0 ? d : 0) }')"
	k2=$(kq_snap $snap)
	n2=$(echoes "$TMP/$c.echo") b2=$(sunk "$TMP/$c.sink")
	[ "$(proc_state "$pid")" = T ] || fail "$c: tcpfwd did not stay stopped (state $(proc_state "$pid"))"
	local cont_line # before SIGCONT: tcpfwd logs at once
	cont_line=$(($(wc -l <"$LOG") + 1))
	t_cont=$EPOCHREALTIME
	kill -CONT "$pid"
	STOPPED=""

	read -r f0 _ _ qd0 ud0 _ skd0 _ <<<"$k0"
	read -r f1 id1 tot1 qd1 _ _ skd1 st1 <<<"$k1"
	read -r f2 id2 tot2 qd2 ud2 rm2 skd2 st2 <<<"$k2"
	uints 7 $k0 && uints 7 $k1 && uints 7 $k2 && uints 1 "$bc" ||
		die "$c: unreadable kernel counters or burst ('$k0' / '$k1' / '$k2' / '$burst')"
	held=$tot2
	dfwd=$((f2 - f1)) dids=$((id2 - id1)) dsk=$((skd2 - skd1)) dqd=$((qd2 - qd1))
	info "$c: during the $STOP_S s stop: $((f2 - f0)) TCP packets met the queue ($dfwd after the first 0.3 s, $dids of them took an id)"
	info "$c:   held at the end $held (maxlen $maxlen; $rm2 bytes in the socket, $((held ? rm2 / held : 0)) a message); queue_dropped +$((qd2 - qd0)), user_dropped +$((ud2 - ud0)), socket sk_drops +$((skd2 - skd0))"
	info "$c:   held echo +$((n2 - n1)) round trips, held stream +$((b2 - b1)) bytes; burst: $burst"

	# ---- what the kernel did with the packets ----
	if [ $path = queue ]; then
		expect_eq "$c: queue full: packets held at the end of the stop = maxlen" "$held" "$maxlen"
		expect_eq "$c: queue full: socket drops (sk_drops) during the stop" "$dsk" 0
	elif [ "$held" -lt "$maxlen" ] && [ "$dsk" -gt 0 ]; then
		pass "$c: socket full: $held held (< maxlen $maxlen), $dsk messages dropped by the socket"
	else
		fail "$c: socket full expected: $held held (maxlen $maxlen), sk_drops +$dsk"
	fi
	# every id is a packet held or a message the socket dropped (fail-open reads are not
	# atomic while packets flow: a few may fall between the two files)
	slack=0
	[ "$st1 $st2" = "stable stable" ] || slack=3
	if [ $((dids - (tot2 - tot1) - dsk)) -ge -$slack ] && [ $((dids - (tot2 - tot1) - dsk)) -le $slack ]; then
		pass "$c: ids taken during the stop ($dids) = newly held ($((tot2 - tot1))) + socket drops ($dsk)"
	else
		fail "$c: ids taken during the stop ($dids) != newly held ($((tot2 - tot1))) + socket drops ($dsk)"
	fi
	if [ "$fo" = true ]; then
		expect_eq "$c: fail-open: queue_dropped during the stop" "$((qd2 - qd0))" 0
		expect_eq "$c: fail-open: user_dropped during the stop" "$((ud2 - ud0))" 0
		if [ $path = queue ]; then
			# accepted without an id: nothing in the kernel or in tcpfwd counts these
			expect_ge "$c: fail-open, queue full: packets accepted without an id (counted nowhere)" $((dfwd - dids)) 100
		fi
		expect_ge "$c: held IPv6 echo went on during the stop (round trips)" $((n2 - n1)) 5
		expect_ge "$c: held IPv4 stream went on during the stop (bytes)" $((b2 - b1)) $((RATE / 2))
		# a connection is blocked only while one of its handshake packets is held
		expect_ge "$c: burst connections during the stop (all but the $held held packets)" "$bc" $((BURST_N - held))
	else
		if [ "$st1 $st2" = "stable stable" ]; then
			expect_eq "$c: fail-closed: packets = ids + queue_dropped (exact)" "$dfwd" $((dids + dqd))
		else
			fail "$c: fail-closed: the kernel's queue counters kept moving while tcpfwd was stopped ($k1 / $k2)"
		fi
		if [ $path = queue ]; then
			expect_ge "$c: fail-closed, queue full: queue_dropped during the stop" "$dqd" 1
			expect_eq "$c: fail-closed, queue full: user_dropped during the stop" "$((ud2 - ud0))" 0
		else
			expect_eq "$c: fail-closed, socket full: user_dropped = sk_drops" "$((ud2 - ud0))" "$((skd2 - skd0))"
			expect_eq "$c: fail-closed, socket full: queue_dropped during the stop" "$((qd2 - qd0))" 0
		fi
		if fastpath_on; then
			# handed to the fast path, they go on, judged in the kernel; what needs
			# tcpfwd (the burst's handshakes) waits
			expect_ge "$c: held IPv6 echo went on in the fast path (round trips)" $((n2 - n1)) 5
			expect_ge "$c: held IPv4 stream went on in the fast path (bytes)" $((b2 - b1)) $((RATE / 2))
		else
			expect_eq "$c: held IPv6 echo paused during the stop (round trips)" $((n2 - n1)) 0
			expect_eq "$c: held IPv4 stream paused during the stop (bytes)" $((b2 - b1)) 0
		fi
		expect_eq "$c: burst connections during the stop" "$bc" 0
	fi

	# ---- recovery ----
	local r_drain=never r_ctl=never r_echo r_stream t_echo t_stream line new4="" fam src dst port
	local state4 assured4 state6 assured6 held_wait=8 ok_held=1 hd
	if wait_for 5 eval '[ "$(kq_raw | awk "{ print \$2 }")" = 0 ]'; then
		r_drain=$(ms_between "$t_cont" "$EPOCHREALTIME")
		pass "$c: the queue drained after SIGCONT ($r_drain ms)"
	else
		fail "$c: the queue still holds packets 5 s after SIGCONT: $(kq_raw)"
	fi
	if wait_for 5 ctl_answers; then
		r_ctl=$(ms_between "$t_cont" "$EPOCHREALTIME")
	else
		fail "$c: the control socket does not answer after SIGCONT"
	fi
	check "$c: tcpfwd alive after SIGCONT" alive "$pid"
	read -r line up1 <<<"$($CTL_JSON value "$TMP/status.json" pid uptime)"
	expect_eq "$c: tcpfwd's pid (tcpfwctl status) after SIGCONT" "$line" "$pid"
	if awk -v a="$up0" -v b="$up1" -v s="$STOP_S" 'BEGIN {
		ok = a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b >= a + s; exit !ok }'; then
		pass "$c: uptime went on across the hang ($up0 -> $up1 s): not restarted"
	else
		fail "$c: uptime '$up0' -> '$up1' s across a $STOP_S s hang"
	fi
	# both at once
	new_conn 4 >"$TMP/$c.new4" &
	local w4=$!
	new_conn 6 >"$TMP/$c.new6"
	wait $w4
	new4="$(sed 's/^connected //' "$TMP/$c.new4"), done $(ms_between "$t_cont" "$EPOCHREALTIME") ms after SIGCONT"
	local tuples=()
	for fam in 4 6; do
		line=$(cat "$TMP/$c.new$fam")
		read -r _ bc _ _ _ _ _ _ port <<<"$line"
		expect_eq "$c: new IPv$fam connection after SIGCONT ($line)" "$bc" 1
		src=$C4 dst=$S4
		[ $fam = 6 ] && src=$C6 dst=$S6
		tuples+=("$src" "${port:-0}" "$dst" "$LSN_PORT")
	done
	{ read -r state4 _ _ assured4; read -r state6 _ _ assured6; } <<<"$(flow_info "${tuples[@]}")"
	expect_eq "$c: tcpfwd tracked the new IPv4 connection ($state4)" "$assured4" assured
	expect_eq "$c: tcpfwd tracked the new IPv6 connection ($state6)" "$assured6" assured

	wait_for $held_wait eval 'echoes_ge "$TMP/$c.echo" $((n2 + 5)) && sunk_ge "$TMP/$c.sink" $((b2 + RATE / 2))' ||
		ok_held=0
	t_echo=$(first_after "$TMP/$c.echo" echo "$t_cont")
	t_stream=$(first_after "$TMP/$c.sink" bytes "$t_cont")
	r_echo=${t_echo:+$(ms_between "$t_cont" "$t_echo") ms}
	r_stream=${t_stream:+$(ms_between "$t_cont" "$t_stream") ms}
	{ held_drops "$cont_line" "$C4" "$sp" "$S4" $STREAM_PORT
	  held_drops "$cont_line" "$C6" "$ep" "$S6" $ECHO_PORT; } >"$TMP/$c.held_drops"
	hd=$(grep -c . "$TMP/$c.held_drops")
	info "$c: recovery after SIGCONT: queue drained in $r_drain ms, control socket answered in $r_ctl ms, new IPv4 connection: $new4"
	info "$c:   held echo's first round trip after ${r_echo:-never}, held stream's first bytes after ${r_stream:-never}; echo +$(($(echoes "$TMP/$c.echo") - n2)), stream +$(($(sunk "$TMP/$c.sink") - b2)) bytes by now; drops logged on them: $hd"
	if [ $ok_held = 1 ] && [ "$hd" = 0 ]; then
		pass "$c: held connections resumed after SIGCONT, no drop"
	else
		fail "$c: held connections after SIGCONT: echo $(tail -n 1 "$TMP/$c.echo"), stream $(tail -n 1 "$TMP/$c.sink"), $hd drops logged on them: $(head -n 2 "$TMP/$c.held_drops" | grep -Eo 'drop .*' | tr '\n' ' ')"
	fi
	if [ "$fo" = true ]; then
		check "$c: tcpfwd logged that its flows re-learn their windows" \
			sh -c 'tail -n +"$1" "$2" | grep -q "packets may have bypassed tcpfwd .* flows re-learn their windows"' \
			- "$cont_line" "$LOG"
	fi
	if [ "$fo" = false ]; then
		{ read -r fs4 _; read -r fs6 _; } <<<"$(flow_info "$C4" "$sp" "$S4" $STREAM_PORT "$C6" "$ep" "$S6" $ECHO_PORT)"
		expect_eq "$c: held IPv4 stream's flow at the end" "$fs4" ESTABLISHED
		expect_eq "$c: held IPv6 echo's flow at the end" "$fs6" ESTABLISHED
	fi

	# ---- counters ----
	local bs as rose bp be bcr ba bd bw bqd bud bseen ap ae acr aa ad aw aqd aud aseen qd3 ud3 skd3 gap
	ctl -j stats >"$TMP/$c.after" 2>&1 || fail "$c: tcpfwctl -j stats after SIGCONT: $(cat "$TMP/$c.after")"
	# the kernel's own counters, read just after: from before the stop to now
	read -r _ _ qd3 ud3 _ skd3 <<<"$(kq_raw)"
	bs=$($CTL_JSON value "$TMP/$c.before" $HANG_STATS)
	as=$($CTL_JSON value "$TMP/$c.after" $HANG_STATS)
	rose=$(reasons_rose "$TMP/$c.before" "$TMP/$c.after")
	if ! uints 11 $bs || ! uints 11 $as || ! uints 1 "$skd3"; then
		fail "$c: no counters to compare: stats '$bs' -> '$as', sk_drops '$skd3'"
	else
		read -r bp be bcr ba bd bw bqd bud bseen blost brel <<<"$bs"
		read -r ap ae acr aa ad aw aqd aud aseen alost arel <<<"$as"
		info "$c: tcpfwctl -j stats before -> after: packets $bp -> $ap, packets_seen $bseen -> $aseen, queue_dropped $bqd -> $aqd, user_dropped $bud -> $aud, enobufs $be -> $ae, waiting $bw -> $aw"
		info "$c:   created $bcr -> $acr, accept $ba -> $aa, drop $bd -> $ad (reasons that rose: ${rose:-none}); the socket's sk_drops $skd0 -> $skd3 (/proc/net/netlink)"
		expect_eq "$c: enobufs (NETLINK_NO_ENOBUFS: never reported)" "$((ae - be))" 0
		expect_eq "$c: stats: queue_dropped rose as the kernel's" "$((aqd - bqd))" "$((qd3 - qd0))"
		expect_eq "$c: stats: user_dropped rose as the kernel's" "$((aud - bud))" "$((ud3 - ud0))"
		# the ids tcpfwd never received are the messages the socket dropped, and tcpfwd
		# counts them itself as `lost`. tcpfwd reads its packet count before the kernel's
		# file, so a packet or a few in flight at either reading move the difference either
		# way.
		gap=$(((aseen - ap) - (bseen - bp)))
		if [ "$gap" -ge $((skd3 - skd0 - bw - 5)) ] && [ "$gap" -le $((skd3 - skd0 + aw + 5)) ]; then
			pass "$c: stats: packets_seen - packets rose by $gap: the socket's drops ($((skd3 - skd0)))"
		else
			fail "$c: stats: packets_seen - packets rose by $gap, the socket dropped $((skd3 - skd0)) messages"
		fi
		expect_eq "$c: stats: lost rose by the socket's drops" "$((alost - blost))" "$((skd3 - skd0))"
		if [ "$fo" = true ]; then
			expect_ge "$c: stats: relearned rose (flows re-learned their windows)" $((arel - brel)) 1
		else
			expect_eq "$c: stats: relearned (fail-closed: nothing passed unseen)" $((arel - brel)) 0
		fi
		# what must rise
		case $fo/$path in
		true/queue) # nor does packets_seen - packets (checked above against sk_drops = 0)
			expect_eq "$c: stats: queue_dropped + user_dropped rose by (a fail-open queue-full accept is counted nowhere)" \
				$((aqd - bqd + aud - bud)) 0 ;;
		true/socket) expect_ge "$c: stats: packets_seen outran packets" "$gap" 1 ;;
		false/queue) expect_ge "$c: stats: queue_dropped rose" $((aqd - bqd)) 1 ;;
		false/socket) expect_ge "$c: stats: user_dropped rose" $((aud - bud)) 1
			expect_ge "$c: stats: packets_seen outran packets" "$gap" 1 ;;
		esac
		expect_ge "$c: tcpfwd passed packets after SIGCONT (accept)" $((aa - ba)) 1
	fi

	stop_pid "$sk"
	stop_pid "$ek"
	info "$c: case done in $(ms_between "$t_case" "$EPOCHREALTIME") ms"
}

# ================= fail-open: the rule with bypass =================
hang_case a true $Q_MAXLEN queue
hang_case b true $S_MAXLEN socket

# ================= fail-closed: the rule without bypass =================
tcpfwd_stop
queue_rule nobypass
hang_case c false $Q_MAXLEN queue
hang_case d false $S_MAXLEN socket

[ $RET = 0 ] || dump_debug
exit $RET
