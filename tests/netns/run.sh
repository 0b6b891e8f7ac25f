#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run.sh [TEST...] - runs the tcpfw network-namespace tests (every tests/netns/test_*.sh, or
# the named ones) with bash, shows each one's output and result, and ends with the summary
# line "netns: N passed, N failed, N skipped". Exit status 1 when any test failed.
# Test exit codes follow kselftest: 0 pass, 4 skip, anything else fail.
# POSIX sh, so that `sh tests/netns/run.sh` works where sh is dash.

here=$(cd "$(dirname "$0")" && pwd)
# one test may take this long before it counts as failed (the suite's budget is 10 minutes)
per_test_timeout=${NETNS_TEST_TIMEOUT:-240}

if [ $# -eq 0 ]; then
	set -- "$here"/test_*.sh
fi

rcfile=$(mktemp "${TMPDIR:-/tmp}/tcpfw-netns-rc.XXXXXX") || exit 1
trap 'rm -f "$rcfile"' EXIT

passed=0 failed=0 skipped=0 failed_names=""
suite_start=$(date +%s)
for t in "$@"; do
	name=$(basename "$t" .sh)
	start=$(date +%s)
	echo "=== $name"
	# --foreground: the test's own traps still run on timeout, so it cleans its namespaces
	{
		timeout --foreground -k 10 "$per_test_timeout" bash "$t" 2>&1
		echo $? >"$rcfile"
	} | sed 's/^/    /'
	rc=$(cat "$rcfile")
	secs=$(($(date +%s) - start))
	case $rc in
	0) result=PASS passed=$((passed + 1)) ;;
	4) result=SKIP skipped=$((skipped + 1)) ;;
	124) result="FAIL (timed out after $per_test_timeout s)" ;;
	*) result="FAIL (exit $rc)" ;;
	esac
	case $result in
	FAIL*) failed=$((failed + 1)) failed_names="$failed_names $name" ;;
	esac
	echo "=== $name: $result (${secs} s)"
done

echo "netns: wall time $(($(date +%s) - suite_start)) s${failed_names:+; failed:$failed_names}"
echo "netns: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
