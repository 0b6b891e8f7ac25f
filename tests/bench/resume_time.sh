#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# How long does a start take when the last process crashed with a full table? tcpfwd starts in a
# throwaway namespace with N established flows (a snapshot made by mkflows, restored into its
# live table), is killed with SIGKILL, and is started again with the same command, ROUNDS
# times. Each start's wall time from exec to its "ready" line, the resume time it logs, and its
# RSS once ready are reported. Reports figures; never fails on timing. Needs root.
N=${TCPFW_RESUME_FLOWS:-1000000}
ROUNDS=${TCPFW_RESUME_ROUNDS:-3}
. "$(dirname "$0")/full_table.sh" "$N" "$N"
full_table_start
echo "resume_time: first start $(grep -Eo 'restored [0-9]+ flows' "$dir/log") from the" \
	"snapshot; exec to ready ${ms} ms; RSS $(rss_mib) MiB"
for r in $(seq "$ROUNDS"); do
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	full_table_start
	echo "resume_time: kill $r: $(grep -Eo 'resumed [0-9]+ flows .* in [0-9]+ ms \([^)]*\)' "$dir/log");" \
		"exec to ready ${ms} ms; RSS $(rss_mib) MiB"
done
