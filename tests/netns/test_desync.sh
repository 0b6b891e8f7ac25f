#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A bogus segment injected into a live connection must never desynchronise tcpfwd's flow
# state, and tcpfwd must never turn an injection the endpoints survive into a dead
# connection. Each injection runs three times, on connections that differ only in their
# server port, which picks what the fw namespace does with them:
#
#   none       nothing filters: what the endpoints alone do
#   conntrack  kernel conntrack only, `ct state invalid drop` (not queued)
#   tcpfwd     the queue, tcpfwd
#
# (The conntrack rule loads conntrack for the whole fw namespace; without a rule it drops
# nothing, so the other two modes are unaffected.)
#
# Classes: bogus segments (desync.py CLASSES), each from the client and from the server side,
# into a paced HTTP download and into an echo session (traffic.py), IPv4 and IPv6, one
# connection per injection. desync.py learns the live numbers by sniffing the endpoints' veths,
# waits for a quiet moment, injects on the link and sends a barrier after it; with tcpfwd it
# reads the reason counters, the flow's state and tcpfwd's log (log_invalid) around it. tcpfwd
# must count the segment, keep the flow's state and drop none of the connection's own
# segments, and the connection must complete byte-identical (at least whenever the endpoints
# alone survive the injection). The two baselines are reported.
#
# Strategies: published evasion strategies that apply to a header-only tracker (desync.py
# STRATEGIES: Geneva, zapret, SymTCP, INTANG, Ptacek-Newsham), on echo sessions of desync.py's
# own, whose next bytes it knows, so that "duplicates" are exact copies. A table shows, per
# strategy, what the endpoints alone, kernel conntrack and tcpfwd did. Asserted for tcpfwd
# only: it never loses a session the endpoints alone keep, it counts what it can tell is bogus,
# and it passes what an endpoint accepts.
#
# "Expires after the firewall" (low TTL): segments sent with TTL / hop limit 2 leave fw with 1,
# and a prerouting rule at both endpoints drops TTL 1, standing in for the next router (the
# endpoints are one hop from fw, so no TTL could pass fw and still die before them). tcpfwd's
# close timeout is 1 s and strategy sessions pause for 1.5 s, so a flow wrongly closed is gone
# before the session ends.
#
# DESYNC_PACE (seconds between two cases, default 0.05) trades run time for load; DESYNC_KEEP=DIR
# keeps a copy of the run's files (tcpfwd's log, desync.py's answers); DESYNC_ONLY=REGEX runs
# the classes and strategies whose names match it.

. "$(dirname "$0")/lib.sh"

T_START=$(now_ms)
MODES="none conntrack tcpfwd"
declare -A HTTP_PORT=([none]=8081 [conntrack]=8082 [tcpfwd]=8083)
declare -A ECHO_PORT=([none]=7001 [conntrack]=7002 [tcpfwd]=7003)
declare -A BAR_PORT=([none]=7191 [conntrack]=7192 [tcpfwd]=7193)
# every connection lasts about 2 s; a case starts every PACE seconds
BLOB_BYTES=$((192 * 1024)) RATE=$((96 * 1024)) DL_AFTER=49152
ECHO_COUNT=25 ECHO_AFTER=84
PACE=${DESYNC_PACE:-0.05}

netns_require curl mkfifo
require_scapy
netns_setup bypass

# ---- the three modes in the fw namespace ----

PASS_PORTS="${HTTP_PORT[none]},${ECHO_PORT[none]},${BAR_PORT[none]}"
PASS_PORTS="$PASS_PORTS,${HTTP_PORT[conntrack]},${ECHO_PORT[conntrack]},${BAR_PORT[conntrack]}"
CT_PORTS="${HTTP_PORT[conntrack]},${ECHO_PORT[conntrack]},${BAR_PORT[conntrack]}"
# not queued: an accept ahead of lib.sh's queue rule, in its own chain
if [ "$QUEUE_METHOD" = "nft queue" ]; then
	for d in dport sport; do
		nsx "$NS_F" nft insert rule inet tcpfw_test forward meta l4proto tcp \
			th $d "{ $PASS_PORTS }" accept || die "nft accept rule"
	done
else
	for ipt in iptables ip6tables; do
		nsx "$NS_F" $ipt -I FORWARD 1 -p tcp -m multiport --ports "$PASS_PORTS" -j ACCEPT ||
			die "$ipt accept rule"
	done
fi
# conntrack's INVALID dropped for the conntrack ports; nft first, iptables' conntrack match if not
if nsx "$NS_F" nft -f - 2>"$TMP/nft-ct.err" <<-EOF; then
	table inet desync_ct {
		chain forward {
			type filter hook forward priority filter - 1; policy accept;
			meta l4proto tcp th dport { $CT_PORTS } ct state invalid counter drop
			meta l4proto tcp th sport { $CT_PORTS } ct state invalid counter drop
		}
	}
EOF
	CT_METHOD="nft ct state invalid drop"
else
	for ipt in iptables ip6tables; do
		nsx "$NS_F" $ipt -I FORWARD 1 -p tcp -m multiport --ports "$CT_PORTS" \
			-m conntrack --ctstate INVALID -j DROP || die "$ipt conntrack rule"
	done
	CT_METHOD="iptables -m conntrack --ctstate INVALID -j DROP ($(head -n 1 "$TMP/nft-ct.err"))"
fi
info "conntrack baseline: $CT_METHOD"

# At both endpoints: TTL 1 "expires" (see above); barriers are dropped once seen; the server
# holds back the real SYN of a port in @hold (strategies that act before the SYN/ACK).
for ns in "$NS_C" "$NS_S"; do
	nsx "$ns" nft -f - <<-EOF || die "endpoint table in $ns"
		table inet desync_ep {
			set hold { type inet_service; }
			chain pre {
				type filter hook prerouting priority raw; policy accept;
				ip ttl 1 drop
				ip6 hoplimit 1 drop
				tcp dport { ${BAR_PORT[none]}, ${BAR_PORT[conntrack]}, ${BAR_PORT[tcpfwd]} } drop
				tcp sport @hold tcp flags & (syn | ack) == syn ip ttl != 199 drop
				tcp sport @hold tcp flags & (syn | ack) == syn ip6 hoplimit != 199 drop
			}
		}
	EOF
done

write_conf "$TMP/tcpfwd.conf" level=info log_invalid=true rate_limit=0 timeouts="close = 1;"
# the default, said here: a segment longer than it cannot have its checksum verified
COPY_RANGE=128
sed -i "s/^queue = { /queue = { copy_range = $COPY_RANGE; /" "$TMP/tcpfwd.conf"
grep -q "copy_range = $COPY_RANGE;" "$TMP/tcpfwd.conf" || die "cannot set queue.copy_range"
tcpfwd_start_ctl

# ---- servers and the injector ----

head -c "$BLOB_BYTES" /dev/urandom >"$TMP/blob.bin"
BLOB_SHA256=$(sha256sum <"$TMP/blob.bin")
for mode in $MODES; do
	bg_start "$NS_S" "$TMP/http-$mode.log" "$PY" "$NETNS_DIR/traffic.py" http \
		"${HTTP_PORT[$mode]}" "$TMP/blob.bin" "$RATE"
done
bg_start "$NS_S" "$TMP/echo-server.log" "$PY" "$NETNS_DIR/tcp_server.py" echo \
	"${ECHO_PORT[none]}" "${ECHO_PORT[conntrack]}" "${ECHO_PORT[tcpfwd]}"
for mode in $MODES; do
	wait_listen "$NS_S" "${HTTP_PORT[$mode]}"
	wait_listen "$NS_S" "${ECHO_PORT[$mode]}"
done

FW_MAC_S=$(ip -n "$NS_F" -o link show fs | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
mkfifo "$TMP/ds.cmd" || die "mkfifo"
: >"$TMP/ds.out"
bg_start "$NS_C" "$TMP/desync.log" "$PY" "$NETNS_DIR/desync.py" serve --cmd "$TMP/ds.cmd" \
	--out "$TMP/ds.out" --ns-server "$NS_S" --fw-mac-c "$FW_MAC" --fw-mac-s "$FW_MAC_S" \
	--tcpfwctl "$TCPFWCTL" --socket "$CTL_SOCK" --log "$TMP/tcpfwd.log" \
	--addrs "$C4,$S4,$C6,$S6" \
	--barrier "none=${BAR_PORT[none]},conntrack=${BAR_PORT[conntrack]},tcpfwd=${BAR_PORT[tcpfwd]}"
DS_PID=$BG_PID
exec 3<>"$TMP/ds.cmd" # read-write: never blocks, whoever opens first
wait_for 20 file_has "$TMP/ds.out" '^ready$' ||
	die "desync.py did not start: $(tail -n 5 "$TMP/desync.log")"
ds() { echo "$*" >&3; }
ds_wait() { # LINE TIMEOUT: waits for desync.py's answer LINE
	wait_for "$2" file_has "$TMP/ds.out" "^$1\$" ||
		die "desync.py: no '$1' within $2 s: $(tail -n 5 "$TMP/desync.log")"
}

CLASSES=()
for cls in $("$PY" "$NETNS_DIR/desync.py" classes); do
	[[ $cls =~ ${DESYNC_ONLY:-.} ]] && CLASSES+=("$cls")
done
declare -A S_COUNTED S_PASSED S_SOURCE S_WHAT
STRATS=()
while IFS=$'\t' read -r name counted passed source what; do
	[[ $name =~ ${DESYNC_ONLY:-.} ]] || continue
	STRATS+=("$name")
	S_COUNTED[$name]=$counted S_PASSED[$name]=$passed S_SOURCE[$name]=$source
	S_WHAT[$name]=$what
done < <("$PY" "$NETNS_DIR/desync.py" strategies)
if [ $((${#CLASSES[@]} + ${#STRATS[@]})) = 0 ]; then die "no case (desync.py, DESYNC_ONLY)"; fi

# ---- the cases ----

declare -A PID
STRAT_QUEUE=()
for name in "${STRATS[@]}"; do
	for fam in 4 6; do
		for mode in $MODES; do STRAT_QUEUE+=("$name $fam $mode"); done
	done
done
n_strat=0
next_strategy() { # starts the next strategy session, if any is left
	[ $n_strat -lt ${#STRAT_QUEUE[@]} ] || return 0
	local name fam mode
	read -r name fam mode <<<"${STRAT_QUEUE[$n_strat]}"
	n_strat=$((n_strat + 1))
	ds strategy "$name.$fam.$mode" "$mode" "$name" "$fam" "${CLI[$fam]}" "${SRV[$fam]}" \
		"${ECHO_PORT[$mode]}" $((10000 + n_strat))
}

info "${#CLASSES[@]} classes x 2 sides x 2 families x download/echo, and" \
	"${#STRATS[@]} strategies x 2 families, each x $MODES"
declare -A CLI=([4]=$C4 [6]=$C6) SRV=([4]=$S4 [6]=$S6)
n=0
for cls in "${CLASSES[@]}"; do
	for fam in 4 6; do
		for kind in dl echo; do
			for dir in cs sc; do
				for mode in $MODES; do
					id=$cls.$dir.$fam.$kind.$mode
					n=$((n + 1))
					cli=${CLI[$fam]} srv=${SRV[$fam]}
					if [ $kind = dl ]; then
						# a fixed local port (outside the ephemeral range) names the flow
						download_start "$fam" "${HTTP_PORT[$mode]}" "$TMP/$id.dl" 8 \
							--local-port $((20000 + n))
						PID[$id]=$DL_PID
						ds inject "$id" "$mode" "$cls" "$dir" "$fam" "$cli" $((20000 + n)) \
							"$srv" "${HTTP_PORT[$mode]}" s $DL_AFTER
					else
						bg_start "$NS_C" "$TMP/$id.err" "$PY" "$NETNS_DIR/traffic.py" echo \
							"$srv" "${ECHO_PORT[$mode]}" "$TMP/$id.echo" 4 $ECHO_COUNT
						PID[$id]=$BG_PID
						ds inject "$id" "$mode" "$cls" "$dir" "$fam" "$cli" "@$TMP/$id.echo" \
							"$srv" "${ECHO_PORT[$mode]}" c $ECHO_AFTER
					fi
					next_strategy
					sleep "$PACE"
				done
			done
		done
	done
done
while [ $n_strat -lt ${#STRAT_QUEUE[@]} ]; do
	next_strategy
	sleep "$PACE"
done
info "all cases started after $(($(now_ms) - T_START)) ms"

# ---- results ----

# SURV[id]: yes when the class's connection completed (download byte-identical, or every echo
# and a clean close), else what went wrong
declare -A SURV
for id in "${!PID[@]}"; do
	wait "${PID[$id]}"
	rc=$?
	if [[ $id == *.dl.* ]]; then
		code=""
		[ -f "$TMP/$id.dl.curl" ] && read -r code _ <"$TMP/$id.dl.curl"
		got=$(sha256sum <"$TMP/$id.dl" 2>/dev/null)
		if [ $rc = 0 ] && [ "$code" = 200 ] && [ "$got" = "$BLOB_SHA256" ]; then
			SURV[$id]=yes
		else
			SURV[$id]="curl_exit_${rc}_status_${code:-none}_$(fsize "$TMP/$id.dl")_bytes"
		fi
	elif [ $rc = 0 ] && [ "$(echoes "$TMP/$id.echo")" = $ECHO_COUNT ] &&
		grep -q '^closed' "$TMP/$id.echo"; then
		SURV[$id]=yes
	else
		SURV[$id]="$(echoes "$TMP/$id.echo")_echoes_$(grep -m1 '^error' "$TMP/$id.echo" |
			tr ' ' _)"
	fi
done
info "connections done after $(($(now_ms) - T_START)) ms"
ds "done"
ds_wait "done" 60
info "desync.py done after $(($(now_ms) - T_START)) ms"
ds analyse "$TMP/tcpfwd.log"
ds_wait analysed 20
alive "$DS_PID" || fail "desync.py exited early: $(tail -n 3 "$TMP/desync.log")"

declare -A INJ OWN STR
while read -r kind id rest; do
	case $kind in
	inj) INJ[$id]=$rest ;;
	own) OWN[$id]=$rest ;;
	strat) STR[$id]=$rest ;;
	esac
done <"$TMP/ds.out"

# kv RECORD KEY: the value of KEY=... in RECORD, into V (no subshell: hundreds of lookups)
kv() {
	local w
	V=""
	for w in $1; do
		if [[ $w == "$2="* ]]; then
			V=${w#*=}
			return
		fi
	done
}

# verdict RECORD: "passed", "dropped" or, for several segments, e.g. "dropped+passed", into VERD
verdict() {
	local a parts=()
	kv "$1" arrived
	for a in ${V//,/ }; do
		if [ "$a" = 1 ]; then parts+=(passed); else parts+=(dropped); fi
	done
	VERD=$(
		IFS=+
		echo "${parts[*]:-none}"
	)
}

# reason RECORD: why tcpfwd dropped it (its log), else the reasons tcpfwd passes segments for
# that rose meanwhile (see desync.py judged), into REAS; "-" when nothing counted it
reason() {
	kv "$1" injdrop
	REAS=$V
	kv "$1" rose
	if [ "${REAS:--}" = - ]; then
		REAS=${V:--}
	elif [ "$V" != - ] && [ "$V" != "$REAS:+1" ]; then
		REAS="$REAS; rose $V"
	fi
}

side_name() { if [ "$1" = cs ]; then echo "client->server"; else echo "server->client"; fi; }
kind_name() { if [ "$1" = dl ]; then echo download; else echo echo; fi; }

# ---- classes: tcpfwd's assertions ----
info "evaluating after $(($(now_ms) - T_START)) ms"

for cls in "${CLASSES[@]}"; do
	for dir in cs sc; do
		for fam in 4 6; do
			for kind in dl echo; do
				id=$cls.$dir.$fam.$kind.tcpfwd
				what="tcpfwd $cls $(side_name $dir) IPv$fam $(kind_name $kind)"
				rec=${INJ[$id]:-error=no_answer}
				kv "$rec" error
				if [ -n "$V" ]; then
					fail "$what: no injection ($V); connection: ${SURV[$id]}"
					continue
				fi
				verdict "$rec"
				reason "$rec"
				kv "$rec" st0
				st0=$V
				kv "$rec" st1
				st1=$V
				kv "${OWN[$id]:-}" n
				own=${V:-?}
				kv "${OWN[$id]:-}" reasons
				ownr=$V
				bad=""
				# a FIN past a hole is a FIN as far as anyone can tell (the data before
				# it may be on its way): taken, and withdrawn when data overtakes it
				if [ "$cls" != fin_beyond ]; then
					[ "${REAS:--}" != - ] || bad="$bad not counted (no reason rose);"
					[ "$st0" = "$st1" ] || bad="$bad state $st0 -> $st1;"
				fi
				[ "${SURV[$id]}" = yes ] || bad="$bad connection died (${SURV[$id]});"
				[ "$own" = 0 ] || bad="$bad $own of its own segments dropped ($ownr);"
				base=${SURV[$cls.$dir.$fam.$kind.none]}
				[ "$base" != yes ] || [ "${SURV[$id]}" = yes ] ||
					bad="$bad weaker than the endpoints alone, which survive it;"
				if [ -z "$bad" ]; then
					pass "$what: $VERD ($REAS), $st1 kept, completed, no own segment dropped"
				else
					fail "$what: $VERD ($REAS):$bad"
				fi
			done
		done
	done
done
for id in "${!INJ[@]}"; do # the baselines must at least have been injected
	kv "${INJ[$id]}" error
	[[ $id == *.tcpfwd ]] || [ -z "$V" ] || fail "$id: no injection ($V)"
done

# ---- classes: the summary (out of the 4 connections of each row: 2 families x 2 kinds) ----

echo
echo "Classes: what tcpfwd did with the injected segment, and how many of the row's 4"
echo "connections (IPv4, IPv6 x download, echo) survived it in each mode"
printf '%-15s %-7s %-48s %-6s %-12s %-6s\n' class from "tcpfwd verdict (reason)" none \
	"conntrack" tcpfwd
for cls in "${CLASSES[@]}"; do
	for dir in cs sc; do
		declare -A seen=()
		verdicts=""
		declare -A ok=([none]=0 [conntrack]=0 [tcpfwd]=0)
		ctdrop=0
		for fam in 4 6; do
			for kind in dl echo; do
				for mode in $MODES; do
					id=$cls.$dir.$fam.$kind.$mode
					[ "${SURV[$id]}" = yes ] && ok[$mode]=$((${ok[$mode]} + 1))
				done
				verdict "${INJ[$cls.$dir.$fam.$kind.conntrack]:-}"
				[ "$VERD" = dropped ] && ctdrop=$((ctdrop + 1))
				verdict "${INJ[$cls.$dir.$fam.$kind.tcpfwd]:-}"
				reason "${INJ[$cls.$dir.$fam.$kind.tcpfwd]:-}"
				v="$VERD (${REAS:--})"
				if [ -z "${seen[$v]:-}" ]; then
					seen[$v]=1
					verdicts="${verdicts:+$verdicts / }$v"
				fi
			done
		done
		unset seen
		from=client
		[ $dir = sc ] && from=server
		printf '%-15s %-7s %-48s %-6s %-12s %-6s\n' "$cls" "$from" "$verdicts" \
			"${ok[none]}/4" "${ok[conntrack]}/4 (d$ctdrop)" "${ok[tcpfwd]}/4"
		unset ok
	done
done
echo "(conntrack dN: the injected segment was dropped as INVALID on N of the 4 connections)"

# ---- strategies ----

# cell ID: what one mode did with one strategy and family, into CELL
cell() {
	local rec=${STR[$1]:-} surv
	kv "$rec" survived
	surv=died
	[ "$V" = yes ] && surv=survived
	if [[ $1 == *.none ]]; then
		CELL=$surv
		return
	fi
	verdict "$rec"
	CELL="$VERD, $surv"
	if [[ $1 == *.tcpfwd ]]; then # with the reason, and the flow's state right after
		reason "$rec"
		kv "$rec" st1
		if [ "${REAS:--}" = - ]; then
			CELL="$VERD [$V], $surv"
		else
			CELL="$VERD ${REAS%%;*} [$V], $surv"
		fi
	fi
}

for name in "${STRATS[@]}"; do
	for fam in 4 6; do
		id=$name.$fam.tcpfwd
		rec=${STR[$id]:-}
		what="strategy $name IPv$fam"
		if [ -z "$rec" ]; then
			fail "$what: no answer from desync.py"
			continue
		fi
		kv "$rec" survived
		surv=$V
		kv "${STR[$name.$fam.none]:-}" survived
		base=$V
		kv "$rec" note
		note=$V
		verdict "$rec"
		reason "$rec"
		bad="" counted=${S_COUNTED[$name]} cnote=""
		if [ "$counted" = sum ]; then
			kv "$rec" len
			counted=yes
			if [ "${V:-0}" -gt $COPY_RANGE ]; then
				counted=no
				cnote=" (checksum not verifiable: $V bytes > copy_range $COPY_RANGE)"
			fi
		fi
		if [ "$base" = yes ] && [ "$surv" != yes ]; then
			bad="$bad the endpoints alone survive it, with tcpfwd the session died ($note);"
		fi
		if [ "$counted" = yes ] && [ "${REAS:--}" = - ]; then
			bad="$bad not counted (no reason rose);"
		fi
		if [ "${S_PASSED[$name]}" = yes ] && [[ $VERD == *dropped* ]]; then
			bad="$bad dropped, but an endpoint accepts it;"
		fi
		cell "$id"
		c_fw=$CELL
		cell "$name.$fam.none"
		if [ -z "$bad" ]; then
			pass "$what: tcpfwd $c_fw (endpoints alone: $CELL)$cnote"
		else
			fail "$what: tcpfwd $c_fw (endpoints alone: $CELL):$bad"
		fi
	done
done

echo
echo "Evasion strategies (IPv4 and IPv6, one cell when both agree; tcpfwd: [its flow's state"
echo "right after the injection])"
printf '%-20s | %-22s | %-28s | %s\n' strategy "endpoints alone" "kernel conntrack" tcpfwd
for name in "${STRATS[@]}"; do
	cols=()
	for mode in $MODES; do
		cell "$name.4.$mode"
		c4=$CELL
		cell "$name.6.$mode"
		if [ "$c4" = "$CELL" ]; then cols+=("$c4"); else cols+=("v4 $c4; v6 $CELL"); fi
	done
	printf '%-20s | %-22s | %-28s | %s\n' "$name" "${cols[0]}" "${cols[1]}" "${cols[2]}"
done
echo "Sources and segments:"
for name in "${STRATS[@]}"; do
	echo "  $name: ${S_WHAT[$name]} [${S_SOURCE[$name]}]"
done

# ---- the run itself ----

# what the endpoints' kernels discarded themselves (client and server, all three modes)
if command -v nstat >/dev/null; then
	eps=""
	for c in TcpExtTCPMD5Unexpected TcpExtTCPAOKeyNotFound TcpExtPAWSEstab \
		TcpExtTCPChallengeACK; do
		sum=0
		for ns in "$NS_C" "$NS_S"; do
			v=$(nsx "$ns" nstat -asz "$c" | awk -v c="$c" '$1 == c { print $2 }')
			sum=$((sum + ${v:-0}))
		done
		eps="$eps ${c#TcpExt} $sum,"
	done
	info "endpoint counters:${eps%,}"
fi

check "tcpfwd still running" tcpfwd_alive
tcpfwd_stats >"$TMP/end" || die "no stats from tcpfwd"
qd=$(stats_val "$TMP/end" queues.0.queue_dropped)
ud=$(stats_val "$TMP/end" queues.0.user_dropped)
expect_eq "packets the kernel dropped or let bypass, not queued (queue_dropped, user_dropped)" \
	"$qd $ud" "0 0"
info "runtime $(($(now_ms) - T_START)) ms; tcpfwd saw $(stats_val "$TMP/end" packets) packets"
ds quit
# DESYNC_KEEP=DIR: a copy of this run's files (tcpfwd's log, desync.py's answers) for debugging
[ -z "${DESYNC_KEEP:-}" ] || cp -r "$TMP/." "$DESYNC_KEEP/" 2>/dev/null

[ "$RET" = 0 ] || dump_debug
exit "$RET"
