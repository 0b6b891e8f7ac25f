#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# check_tcpfwctl.sh BINARY OBJECT...: fails when the client BINARY holds a global symbol that
# one of the lib/ OBJECTs defines (the engine, tracker, table, wheel, snapshot ... that tcpfwctl
# must not link), calls into a daemon-only library (libsodium, libmnl, libnetfilter_queue,
# libsystemd), or needs one of those libraries at run time. libconfig is allowed: tcpfwctl
# links the configuration schema to complete parameter names and values.
set -u
bin=$1
shift
[ -f "$bin" ] || { echo "check-tcpfwctl: $bin not built" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

nm -g --defined-only "$@" | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/denied"
nm "$bin" | awk '{ print $NF }' | sed 's/@.*//' | sort -u >"$tmp/held"
bad=$(comm -12 "$tmp/denied" "$tmp/held")
ext=$(grep -E '^(crypto_|sodium_|randombytes_|mnl_|nfq_|nfnl_|sd_)' \
	"$tmp/held")
# and by name, so that a core function moved into a leaf object is still caught
named=$(grep -E '^(engine_|flow_table_|flow_key_|timer_wheel_|tcp_track_(new|packet|resync)|snapshot_|live_image_)' \
	"$tmp/held")
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
libs=$(printf '%s\n' "$needed" | grep -E '^lib(sodium|mnl|netfilter_queue|nfnetlink|systemd)\.')

fail=0
if [ -n "$bad" ]; then
	echo "check-tcpfwctl: $bin holds core symbols:" $bad >&2
	fail=1
fi
if [ -n "$named" ]; then
	echo "check-tcpfwctl: $bin holds engine, table, wheel or tracker functions:" $named >&2
	fail=1
fi
if [ -n "$ext" ]; then
	echo "check-tcpfwctl: $bin calls daemon libraries:" $ext >&2
	fail=1
fi
if [ -n "$libs" ]; then
	echo "check-tcpfwctl: $bin needs" $libs >&2
	fail=1
fi
[ $fail = 0 ] || exit 1
echo "check-tcpfwctl: $bin holds none of the $(wc -l <"$tmp/denied") symbols of $# core objects;" \
	"it needs" $needed
