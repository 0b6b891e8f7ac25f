# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# ha_lib.sh - the two-box topology of test_ha.sh, sourced after lib.sh. One topology a run
# (ha_topology LABEL), new namespaces each time, all of them with lib.sh's per-run prefix:
#
#                 bridge ns (br0)                          bridge ns (br0)
#  client ----+--------------------+-- lan [fw1] wan --+--------------------+---- server
#  192.0.2.2  |                    |        | sy       |                    | 198.51.100.2
#             +--------------------+-- lan [fw2] wan --+--------------------+
#                                           | sy
#   fwN: lan 192.0.2.1N, wan 198.51.100.1N, sy 203.0.113.N (a veth between fw1 and fw2)
#   VIPs (VRRP, keepalived): 192.0.2.1 and 198.51.100.1, the client's and the server's gateway
#   the active/active phase's second share: VIPs 192.0.2.3 and 198.51.100.3 (sync group G2), the
#   client's second address 192.0.2.4, the server's 198.51.100.4, routed to each other through them
#
# Each box has a directory $RD/fwN: its keepalived, tcpfwd or conntrackd configuration, pid
# files, sockets and logs. Every process goes through bg_start (lib.sh) and into RUN_PIDS;
# ha_teardown ends a run's processes and deletes its namespaces, lib.sh's cleanup whatever is
# left at exit.

# The variables it sets are for test_ha.sh.
# shellcheck disable=SC2034

HA_VIP_C=192.0.2.1
HA_VIP_S=198.51.100.1
HA_CLIENT=192.0.2.2
HA_SERVER=198.51.100.2
# the active/active phase's second share: its VIPs (sync group G2, fw2 the higher priority), a
# second client and a second server address, routed through them
HA_VIP_C2=192.0.2.3
HA_VIP_S2=198.51.100.3
HA_CLIENT2=192.0.2.4
HA_SERVER2=198.51.100.4
HA_PORT=8080
HA_SYNC_PORT=7469
HA_CT_PORT=3780
declare -a HF        # HF[1], HF[2]: the firewall namespaces
declare -a KA_PID    # keepalived (the parent, run with --dont-fork)
declare -a TF_PID    # tcpfwd
declare -a CT_PID    # conntrackd
declare -a NOTIFY_PIDS
RUN_PIDS=""

# The scripts keepalived runs, where enable_script_security finds no directory that anyone
# but root could write: copies in $TMP/bin (the checkout may belong to a user).
HA_BIN=$TMP/bin
ha_bin() {
	[ ! -d "$HA_BIN" ] || return 0
	mkdir -m 0755 "$HA_BIN" &&
		install -m 0755 "$TCPFWCTL" "$NETNS_DIR/ha_conntrackd.sh" "$HA_BIN/" ||
		die "cannot copy the keepalived scripts to $HA_BIN"
}

lan_addr() { echo "192.0.2.1$1"; }
wan_addr() { echo "198.51.100.1$1"; }
sync_addr() { echo "203.0.113.$1"; }
other() { echo $((3 - $1)); }

# mark NAME: the wall-clock time a step of the fault sequence starts, for ha_load.py report
# (into $MARKS, $RD/marks by default)
mark() {
	echo "$EPOCHREALTIME $*" >>"${MARKS:-$RD/marks}"
	info "$RUN_LABEL: $*"
}

# run_bg NS LOG CMD...: bg_start, and the PID is this run's (ha_teardown ends it)
run_bg() {
	bg_start "$@"
	RUN_PIDS="$RUN_PIDS $BG_PID"
}

# ---- topology ----

ha_ns_add() {
	ip netns add "$1" || die "ip netns add $1"
	NS_LIST="$NS_LIST $1"
	nsx "$1" ip link set lo up
}

# ha_names LABEL: sets HC HBC HF HBS HS, the names of LABEL's namespaces, and prints them
ha_names() {
	local p="$NS_PREFIX-$1"
	HC=$p-c HBC=$p-bc HBS=$p-bs HS=$p-s
	HF[1]=$p-fw1
	HF[2]=$p-fw2
	echo "$HC $HBC ${HF[1]} ${HF[2]} $HBS $HS"
}

# ha_topology LABEL: the namespaces and links above, addresses, routes; sets HC HBC HF HBS HS
# and RD ($TMP/LABEL), RUN_LABEL.
ha_topology() {
	local n ns
	RUN_LABEL=$1
	RD=$TMP/$1
	mkdir -p "$RD/fw1" "$RD/fw2"
	ha_bin
	ha_names "$1" >/dev/null
	for ns in "$HC" "$HBC" "${HF[1]}" "${HF[2]}" "$HBS" "$HS"; do ha_ns_add "$ns"; done
	for ns in "$HBC" "$HBS"; do
		ip -n "$ns" link add br0 type bridge || die "bridge in $ns"
		ip -n "$ns" link set br0 up
	done
	ip -n "$HBC" link add pc type veth peer name c0 netns "$HC" || die "veth client"
	ip -n "$HBS" link add ps type veth peer name s0 netns "$HS" || die "veth server"
	for n in 1 2; do
		ip -n "$HBC" link add "p$n" type veth peer name lan netns "${HF[n]}" || die "veth lan$n"
		ip -n "$HBS" link add "p$n" type veth peer name wan netns "${HF[n]}" || die "veth wan$n"
	done
	ip -n "${HF[1]}" link add sy type veth peer name sy netns "${HF[2]}" || die "veth sync"
	for ns in "$HBC:pc" "$HBC:p1" "$HBC:p2" "$HBS:ps" "$HBS:p1" "$HBS:p2"; do
		ip -n "${ns%%:*}" link set "${ns##*:}" master br0 up || die "bridge port $ns"
	done

	ip -n "$HC" addr add "$HA_CLIENT/24" dev c0
	ip -n "$HC" link set c0 up
	ip -n "$HC" route add default via "$HA_VIP_C"
	ip -n "$HS" addr add "$HA_SERVER/24" dev s0
	ip -n "$HS" link set s0 up
	ip -n "$HS" route add default via "$HA_VIP_S"
	for n in 1 2; do
		ip -n "${HF[n]}" addr add "$(lan_addr "$n")/24" dev lan
		ip -n "${HF[n]}" addr add "$(wan_addr "$n")/24" dev wan
		ip -n "${HF[n]}" addr add "$(sync_addr "$n")/24" dev sy
		for l in lan wan sy; do ip -n "${HF[n]}" link set "$l" up; done
		nsx "${HF[n]}" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.lan.rp_filter=0 \
			net.ipv4.conf.wan.rp_filter=0 || die "sysctls in fw$n"
	done
	for n in 1 2; do
		nsx "$HC" ping -c 1 -W 2 -q "$(lan_addr "$n")" >/dev/null || die "client cannot reach fw$n"
		nsx "$HS" ping -c 1 -W 2 -q "$(wan_addr "$n")" >/dev/null || die "server cannot reach fw$n"
	done
	nsx "${HF[1]}" ping -c 1 -W 2 -q "$(sync_addr 2)" >/dev/null || die "no sync link"
}

# ha_teardown [SIGNAL]: ends the run's processes (SIGNAL, TERM by default, then KILL; then
# whatever still runs in its namespaces: keepalived's VRRP child) and deletes its namespaces.
ha_teardown() {
	local pid ns
	for pid in $RUN_PIDS; do
		alive "$pid" || continue
		kill "-${1:-TERM}" "$pid" 2>/dev/null
		[ "${1:-TERM}" != KILL ] || { wait "$pid"; } 2>/dev/null # not bash's "Killed" line
	done
	for pid in $RUN_PIDS; do
		wait_for 5 eval "! alive $pid" || kill -KILL "$pid" 2>/dev/null
		{ wait "$pid"; } 2>/dev/null
	done
	for ns in "$HC" "$HBC" "${HF[1]}" "${HF[2]}" "$HBS" "$HS"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	RUN_PIDS=""
}

# ---- who is master ----

# The VIPs of sync group G (GROUP 1, the default) or G2 (GROUP 2, the active/active phase)
vip_c() { if [ "${1:-1}" = 2 ]; then echo "$HA_VIP_C2"; else echo "$HA_VIP_C"; fi; }
vip_s() { if [ "${1:-1}" = 2 ]; then echo "$HA_VIP_S2"; else echo "$HA_VIP_S"; fi; }

has_vip() { # N [GROUP]: fwN holds both VIPs of the group
	ip -n "${HF[$1]}" -4 -o addr show dev lan | grep -q " $(vip_c "${2:-1}")/" &&
		ip -n "${HF[$1]}" -4 -o addr show dev wan | grep -q " $(vip_s "${2:-1}")/"
}
has_no_vip() { # N [GROUP]: fwN holds neither VIP of the group (a dead box's links may be gone)
	! ip -n "${HF[$1]}" -4 -o addr show 2>/dev/null |
		grep -Eq " ($(vip_c "${2:-1}")|$(vip_s "${2:-1}"))/"
}
master_is() { has_vip "$1" "${2:-1}" && has_no_vip "$(other "$1")" "${2:-1}"; }

mac_of() { # NS DEV
	ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# neigh_points NS DEV ADDR MAC: the neighbour entry for ADDR is absent or has MAC
neigh_points() {
	local e
	e=$(ip -n "$1" neigh show "$3" dev "$2")
	[ -z "$e" ] || [[ $e == *"lladdr $4 "* ]]
}

# expect_master N WHAT [GROUP]: fwN is still master (of sync group G, or G2) before the next
# step. Else the sequence did not go as planned (a takeover nobody asked for): a failure for the
# tcpfw pair, whose track script decides, a note for the baseline.
expect_master() {
	master_is "$1" "${3:-1}" && return 0
	if [ "$MODE" = tcpfw ]; then
		fail "$RUN_LABEL: $2: fw$1 is no longer master (an unplanned takeover)"
	else
		info "$RUN_LABEL: $2: fw$1 is no longer master (an unplanned takeover)"
	fi
}

# wait_master N WHAT [GROUP]: fwN takes both VIPs of the group within 10 s and the client's and
# the server's neighbour entries for them follow within 3 s (keepalived's gratuitous ARP); else
# a failure of the setup.
wait_master() {
	local n=$1 g=${3:-1} t0 c s
	t0=$(now_ms)
	c=$(vip_c "$g")
	s=$(vip_s "$g")
	wait_for 10 master_is "$n" "$g" || die "$2: fw$n did not become master within 10 s"
	wait_for 3 neigh_points "$HC" c0 "$c" "$(mac_of "${HF[n]}" lan)" ||
		die "$2: the client's neighbour entry for $c is stale: $(ip -n "$HC" neigh show "$c")"
	wait_for 3 neigh_points "$HS" s0 "$s" "$(mac_of "${HF[n]}" wan)" ||
		die "$2: the server's neighbour entry for $s is stale: $(ip -n "$HS" neigh show "$s")"
	info "$RUN_LABEL: fw$n is master$([ "$g" = 1 ] || echo " of G$g") ($(($(now_ms) - t0)) ms)"
}

# ---- keepalived ----

# keepalived_conf N MODE: fw1 priority 150, fw2 100; both VRRP instances in one sync group, so
# that both VIPs move together; VRRPv3, adverts every 200 ms, unicast to the peer. The track
# file $RD/fwN/demote (0 or 1, weight -140) is the operator's graceful switchover: fw1 demoted
# is 10, below fw2 even when fw2 is out of sync. tcpfw: the track script `tcpfwctl sync -q`,
# weight -60: an out-of-sync fw1 (90) does not take over from a live fw2 (100). ct: the sync
# group's notify scripts run ha_conntrackd.sh (conntrackd's primary-backup.sh).
# keepalived_conf N tcpfw aa: also the second sync group G2 of the active/active phase, the VIPs
# $HA_VIP_C2 and $HA_VIP_S2, fw2 the higher priority (150, fw1 100), the same track script.
keepalived_conf() {
	local n=$1 mode=$2 d=$RD/fw$1 prio=$((200 - 50 * $1)) o track="" notify="" g2=""
	o=$(other "$n")
	if [ "${3:-}" = aa ]; then
		g2="vrrp_sync_group G2 {
	group {
		C2
		S2
	}
	track_script {
		insync
	}
}
vrrp_instance C2 {
	state BACKUP
	interface lan
	virtual_router_id 53
	priority $((50 + 50 * n))
	advert_int 0.2
	unicast_src_ip $(lan_addr "$n")
	unicast_peer {
		$(lan_addr "$o")
	}
	virtual_ipaddress {
		$HA_VIP_C2/32 dev lan
	}
}
vrrp_instance S2 {
	state BACKUP
	interface wan
	virtual_router_id 54
	priority $((50 + 50 * n))
	advert_int 0.2
	unicast_src_ip $(wan_addr "$n")
	unicast_peer {
		$(wan_addr "$o")
	}
	virtual_ipaddress {
		$HA_VIP_S2/32 dev wan
	}
}"
	fi
	if [ "$mode" = tcpfw ]; then
		track="vrrp_script insync {
	script \"$HA_BIN/tcpfwctl --socket $d/ctl.sock sync -q\"
	interval 1
	timeout 2
	weight -60
	rise 1
	fall 1
}"
	else
		notify="	notify_master \"$HA_BIN/ha_conntrackd.sh primary $d/conntrackd.conf $d/ha-notify.log\"
	notify_backup \"$HA_BIN/ha_conntrackd.sh backup $d/conntrackd.conf $d/ha-notify.log\"
	notify_fault \"$HA_BIN/ha_conntrackd.sh fault $d/conntrackd.conf $d/ha-notify.log\""
	fi
	cat >"$d/keepalived.conf" <<-EOF
		# generated by tests/netns/ha_lib.sh
		global_defs {
			router_id fw$n
			script_user root
			enable_script_security
			vrrp_version 3
			vrrp_garp_master_delay 1
			vrrp_garp_master_repeat 3
			vrrp_garp_lower_prio_repeat 3
			vrrp_garp_interval 0.001
			vrrp_higher_prio_send_advert true
		}
		track_file demote {
			file "$d/demote"
			weight -140
			init_file 0 overwrite
		}
		$track
		vrrp_sync_group G {
			group {
				C
				S
			}
			track_file {
				demote
			}
		$([ "$mode" = tcpfw ] && printf '\ttrack_script {\n\t\tinsync\n\t}')
		$notify
		}
		vrrp_instance C {
			state BACKUP
			interface lan
			virtual_router_id 51
			priority $prio
			advert_int 0.2
			unicast_src_ip $(lan_addr "$n")
			unicast_peer {
				$(lan_addr "$o")
			}
			virtual_ipaddress {
				$HA_VIP_C/32 dev lan
			}
		}
		vrrp_instance S {
			state BACKUP
			interface wan
			virtual_router_id 52
			priority $prio
			advert_int 0.2
			unicast_src_ip $(wan_addr "$n")
			unicast_peer {
				$(wan_addr "$o")
			}
			virtual_ipaddress {
				$HA_VIP_S/32 dev wan
			}
		}
		$g2
	EOF
	nsx "${HF[n]}" keepalived --config-test --use-file="$d/keepalived.conf" \
		>"$d/keepalived-check.log" 2>&1 ||
		die "keepalived rejects $d/keepalived.conf: $(grep -v '^$' "$d/keepalived-check.log" | head -n 3)"
}

# keepalived_start N MODE [aa]: in the foreground of its bg_start (--dont-fork), VRRP only, its
# own pid files, its log on the console (into $RD/fwN/keepalived.log), no syslog. With aa, a
# new configuration with the second sync group (keepalived_conf), its log in keepalived-aa.log.
keepalived_start() {
	local n=$1 d=$RD/fw$1 log=$RD/fw$1/keepalived.log
	if [ "${3:-}" = aa ]; then
		keepalived_conf "$n" "$2" aa
		log=$d/keepalived-aa.log
	fi
	[ -f "$d/keepalived.conf" ] || keepalived_conf "$n" "$2"
	run_bg "${HF[n]}" "$log" keepalived --dont-fork --vrrp --log-console \
		--no-syslog --log-detail --dont-respawn --use-file="$d/keepalived.conf" \
		--pid="$d/keepalived.pid" --vrrp_pid="$d/vrrp.pid"
	KA_PID[n]=$BG_PID
}

demote() { echo "$2" >"$RD/fw$1/demote"; } # N 0|1

# ---- tcpfwd pair ----

HA_KEY=""
# sync_key: the pre-shared key of both boxes, 32 random bytes, mode 0600
sync_key() {
	HA_KEY=$TMP/sync.key
	[ -f "$HA_KEY" ] && return
	(umask 077 && head -c 32 /dev/urandom >"$HA_KEY") || die "cannot write $HA_KEY"
}

# sync_group N: tcpfwd's sync group for fwN (docs/sync.md: sync needs queue.count = 1)
sync_group() {
	local n=$1
	printf 'sync = { enabled = true; local = "%s"; peer = "%s"; key_file = "%s"; };\n' \
		"$(sync_addr "$n")" "$(sync_addr "$(other "$n")")" "$HA_KEY"
}

# sync_supported: tcpfwd accepts a configuration with a sync group and tcpfwctl knows `sync`
SYNC_WHY=""
sync_supported() {
	local conf=$TMP/sync-probe.conf
	sync_key
	CTL_SOCK=$TMP/probe.sock write_conf "$conf" pickup=false max_flows=1024 level=info
	sync_group 1 >>"$conf"
	if ! "$TCPFWD" --check -c "$conf" >"$TMP/sync-probe.log" 2>&1; then
		SYNC_WHY="tcpfwd --check rejects a sync group: $(head -n 1 "$TMP/sync-probe.log")"
		return 1
	fi
	if ! "$TCPFWCTL" help sync >/dev/null 2>&1; then
		SYNC_WHY="tcpfwctl has no sync command"
		return 1
	fi
}

# tcpfwd_conf N DIR MAX_FLOWS: DIR/tcpfwd.conf, fail-closed, pickup off, with the sync group;
# control socket DIR/ctl.sock, state and runtime directory DIR.
tcpfwd_conf() {
	local n=$1 d=$2
	CTL_SOCK=$d/ctl.sock write_conf "$d/tcpfwd.conf" fail_open=false pickup=false \
		max_flows="$3" level=info log_invalid=true statedir="$d"
	sync_group "$n" >>"$d/tcpfwd.conf"
	"$TCPFWD" --check -c "$d/tcpfwd.conf" >/dev/null || die "tcpfwd --check rejects $d/tcpfwd.conf"
}

queue_bound_in() { # NS
	ip netns exec "$1" cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null |
		awk '$1 == 0 { found = 1 } END { exit !found }'
}

# tcpfwd_box_start N DIR NS: tcpfwd with DIR/tcpfwd.conf in NS, a NOTIFY_SOCKET listener of its
# own; waits for READY=1 and the bound queue.
tcpfwd_box_start() {
	local n=$1 d=$2 ns=$3
	[ -z "${NOTIFY_PIDS[n]:-}" ] || stop_pid "${NOTIFY_PIDS[n]}"
	rm -f "$d/notify.sock" "$d/notify.log"
	run_bg "$ns" "$d/notify.err" "$PY" "$NETNS_DIR/notify_listen.py" "$d/notify.sock" "$d/notify.log"
	NOTIFY_PIDS[n]=$BG_PID
	wait_for 5 test -S "$d/notify.sock" || die "fw$n: the notify listener did not start"
	ip netns exec "$ns" env NOTIFY_SOCKET="$d/notify.sock" "$TCPFWD" -f -c "$d/tcpfwd.conf" \
		>>"$d/tcpfwd.log" 2>&1 </dev/null &
	TF_PID[n]=$!
	BG_PIDS="$BG_PIDS ${TF_PID[n]}"
	RUN_PIDS="$RUN_PIDS ${TF_PID[n]}"
	if ! wait_for 30 file_has "$d/notify.log" 'READY=1'; then
		alive "${TF_PID[n]}" || die "fw$n: tcpfwd exited during startup: $(tail -n 3 "$d/tcpfwd.log")"
		die "fw$n: tcpfwd sent no READY=1 within 30 s"
	fi
	wait_for 5 queue_bound_in "$ns" || die "fw$n: READY=1 but queue 0 is not bound"
}

hctl() { # N ARGS...: tcpfwctl on fwN's control socket
	local n=$1
	shift
	"$TCPFWCTL" --socket "$RD/fw$n/ctl.sock" "$@"
}

# sync_state N: the state in `tcpfwctl -j sync` of fwN (unknown when the answer has none);
# the answer is left in $RD/fwN/sync.json.
sync_state() {
	hctl "$1" -j sync >"$RD/fw$1/sync.json" 2>/dev/null
	"$PY" "$NETNS_DIR/ha_load.py" sync "$RD/fw$1/sync.json" 2>/dev/null | head -n 1
}

# in_sync N: `tcpfwctl sync -q` exits 0 on fwN (in_sync or peer_lost) and its state is not
# peer_lost: right after a sync outage a box is still peer_lost, which -q accepts, while only
# in_sync says that the resync has ended.
in_sync() {
	hctl "$1" sync -q >/dev/null 2>&1 || return 1
	[ "$(sync_state "$1")" != peer_lost ]
}

# wait_sync N WHAT: waits up to 20 s for in_sync on fwN; prints how long it took
wait_sync() {
	local t0 ms
	t0=$(now_ms)
	if ! wait_for 20 in_sync "$1"; then
		fail "$RUN_LABEL: $2: fw$1 not in sync after 20 s (state $(sync_state "$1"))"
		return 1
	fi
	ms=$(($(now_ms) - t0))
	SYNC_MS=$ms
	info "$RUN_LABEL: $2: fw$1 in sync ($ms ms)"
}

# sync_report N WHAT: the replication lag fwN's `tcpfwctl -j sync` shows
sync_report() {
	local out
	hctl "$1" -j sync >"$RD/fw$1/sync.json" 2>"$RD/fw$1/sync.err" ||
		{ info "$RUN_LABEL: $2: fw$1: tcpfwctl -j sync failed: $(head -n 1 "$RD/fw$1/sync.err")"; return; }
	out=$("$PY" "$NETNS_DIR/ha_load.py" sync "$RD/fw$1/sync.json" | tr '\n' ' ')
	info "$RUN_LABEL: $2: fw$1 sync: state $out"
	LAG_REPORT="$LAG_REPORT
  $2, fw$1: state $out"
}

# ---- conntrackd pair (the baseline) ----

# conntrackd_conf N: FTFW over UDP on the sync link; lock file, socket and log in $RD/fwN
conntrackd_conf() {
	local n=$1 d=$RD/fw$1
	cat >"$d/conntrackd.conf" <<-EOF
		# generated by tests/netns/ha_lib.sh, after conntrackd's example sync/ftfw
		Sync {
			Mode FTFW {
				ResendQueueSize 131072
				ACKWindowSize 300
				DisableExternalCache Off
			}
			UDP {
				IPv4_address $(sync_addr "$n")
				IPv4_Destination_Address $(sync_addr "$(other "$n")")
				Port $HA_CT_PORT
				Interface sy
				SndSocketBuffer 1249280
				RcvSocketBuffer 1249280
				Checksum on
			}
		}
		General {
			Systemd off
			HashSize 32768
			HashLimit 131072
			LogFile $d/conntrackd.log
			Syslog off
			LockFile $d/conntrackd.lock
			UNIX {
				Path $d/conntrackd.ctl
			}
			NetlinkBufferSize 2097152
			NetlinkBufferSizeMaxGrowth 8388608
			Filter From Userspace {
				Protocol Accept {
					TCP
				}
				Address Ignore {
					IPv4_address 127.0.0.1
					IPv4_address $HA_VIP_C
					IPv4_address $HA_VIP_S
					IPv4_address $(lan_addr "$n")
					IPv4_address $(wan_addr "$n")
					IPv4_address $(sync_addr "$n")
				}
			}
		}
	EOF
}

conntrackd_start() { # N
	local n=$1 d=$RD/fw$1
	[ -f "$d/conntrackd.conf" ] || conntrackd_conf "$n"
	rm -f "$d/conntrackd.lock"
	run_bg "${HF[n]}" "$d/conntrackd.out" conntrackd -C "$d/conntrackd.conf"
	CT_PID[n]=$BG_PID
	wait_for 5 test -S "$d/conntrackd.ctl" ||
		die "fw$n: conntrackd did not start: $(tail -n 3 "$d/conntrackd.out" "$d/conntrackd.log" 2>/dev/null)"
}

ctd() { # N ARGS...: conntrackd's client on fwN's daemon
	local n=$1
	shift
	nsx "${HF[n]}" conntrackd -C "$RD/fw$n/conntrackd.conf" "$@"
}

# ct_settled N: the standby fwN's external cache holds the established connections of the
# active box's kernel table (within 20: new connections come and go all the time). conntrackd
# has no in-sync state; this is the nearest a script can see.
ct_settled() {
	local n=$1 ext est
	ext=$(ctd "$n" -e 2>/dev/null | grep -c ESTABLISHED)
	est=$(nsx "${HF[$(other "$n")]}" conntrack -L -p tcp --state ESTABLISHED 2>/dev/null | grep -c .)
	[ "$ext" -ge $((est - 20)) ]
}

ct_wait_settled() { # N WHAT
	local t0
	t0=$(now_ms)
	if wait_for 10 ct_settled "$1"; then
		info "$RUN_LABEL: $2: fw$1's external cache has the active's connections ($(($(now_ms) - t0)) ms)"
	else
		info "$RUN_LABEL: $2: fw$1's external cache still lacks connections after 10 s; going on"
	fi
}

# ---- faults ----

# sync_loss on PERCENT | sync_loss off: random loss on the sync link, both directions (an
# ingress chain on each end, so that no sender sees an error, as on a wire)
sync_loss() {
	local n
	for n in 1 2; do
		if [ "$1" = on ]; then
			nsx "${HF[n]}" nft -f - <<-EOF || die "sync loss rule in fw$n"
				table netdev synloss {
					chain in {
						type filter hook ingress device "sy" priority 0; policy accept;
						numgen random mod 100 < $2 counter drop
					}
				}
			EOF
		else
			nsx "${HF[n]}" nft delete table netdev synloss
		fi
	done
}

sync_loss_dropped() { # N: what fwN's loss rule dropped
	nsx "${HF[$1]}" nft list chain netdev synloss in 2>/dev/null |
		awk '/numgen/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
