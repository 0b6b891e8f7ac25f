#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# How long does listing a full table hold a worker? tcpfwd starts in a throwaway namespace with
# a snapshot of N established flows (made by mkflows), then `tcpfwctl list` walks them all. The
# daemon measures every control call on the worker thread; the longest is the longest time
# packets of that queue waited. Reports figures; never fails on timing. Needs root.
N=${TCPFW_LIST_FLOWS:-1000000}
. "$(dirname "$0")/full_table.sh" "$N" $((N + N / 4))
full_table_start
ctl() { "$build/tcpfwctl" --socket "$dir/ctl.sock" "$@"; }
flows=$(ctl count)
t0=$(date +%s%N)
listed=$(ctl -H list | wc -l)
t1=$(date +%s%N)
pause=$(ctl -j stats | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["control_pause_max_us"])')
echo "list_stall: $flows flows restored, $listed listed in $(((t1 - t0) / 1000000)) ms;" \
	"longest worker pause ${pause} us; daemon RSS $(rss_mib) MiB"
