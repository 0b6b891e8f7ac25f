#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# check_docs.sh FACTS_BIN - fails when docs/ no longer says what the code does. FACTS_BIN
# (tests/docs/doc_facts.c) prints the facts from libtcpfw.a; this script looks for each in
# the document that must hold it:
#   docs/tracking.md          every state and reason, the transition table line for line, one
#                             comment line per cell (and no stale one), every deviation and
#                             rule row, and an entry for every numbered case the tracker's unit
#                             tests name (case_NN_*)
#   docs/control-protocol.md  every method with its role, every error and destroy cause, every
#                             replication state and drop reason, and every example message,
#                             byte for byte, as a line "    -> CALL" or "    <- REPLY"
#   docs/sync.md              every message type of the replication protocol with its number,
#                             class and body size
# Run from the top of the tree (make check-docs does).
set -u
facts_bin=${1:?usage: check_docs.sh FACTS_BIN}
track=docs/tracking.md
ctl=docs/control-protocol.md
sync=docs/sync.md
facts=$(mktemp)
trap 'rm -f "$facts" "$facts.cells" "$facts.doc"' EXIT
"$facts_bin" > "$facts" || { echo "check-docs: $facts_bin failed" >&2; exit 1; }
fail=0

lacks() {
	echo "check-docs: $1 lacks $2" >&2
	fail=1
}

# has FILE TEXT: TEXT appears in FILE; line FILE TEXT: a whole line of FILE is TEXT
has() { grep -qF -- "$2" "$1" || lacks "$1" "$2"; }
line() { grep -qxF -- "$2" "$1" || lacks "$1" "the line: $2"; }

while IFS= read -r f; do
	kind=${f%% *}
	rest=${f#* }
	case $kind in
	state) has "$track" "\`$rest\`" ;;
	reason) has "$track" "| \`$rest\` |" ;;
	method) has "$ctl" "| \`${rest% *}\` | ${rest##* } |" ;;
	error | cause | sync_state | sync_drop) has "$ctl" "\`$rest\`" ;;
	syncmsg) has "$sync" "$rest" ;;
	row) line "$track" "${rest#* }" ;;
	deviation) has "$track" "$rest" ;;
	rule) has "$track" "$rest" ;;
	json)
		case $rest in
		'{"method"'*) line "$ctl" "    -> $rest" ;;
		*) line "$ctl" "    <- $rest" ;;
		esac
		;;
	esac
done < "$facts"

# The cell comments: in a block headed "DIR CLASS", lines "  sXX -> sYY  (reason) words",
# the reason in parentheses exactly when the segment is dropped or ignored.
grep '^cell ' "$facts" | sort > "$facts.cells"
awk '
	/^(ORIGINAL|REPLY) (syn|synack|fin|ack|rst)$/ { head = $0; next }
	/^```/ { head = "" }
	head != "" && /^  s[A-Z0-9][A-Z0-9] -> s/ {
		reason = "-"
		if ($4 ~ /^\(.*\)$/) reason = substr($4, 2, length($4) - 2)
		print "cell " head " " $1 " " $3 " " reason
	}
' "$track" | sort > "$facts.doc"
if ! cmp -s "$facts.cells" "$facts.doc"; then
	echo "check-docs: $track: cell comments differ from the tracker (< code, > document):" >&2
	diff "$facts.cells" "$facts.doc" | grep '^[<>]' >&2
	fail=1
fi

# Every numbered case of the tracker's unit tests has its entry: a line starting "N. ".
for n in $(sed -n 's/^static void case_0*\([0-9][0-9]*\)[a-z]*_.*/\1/p' \
	tests/unit/test_tcp_track_cases.c tests/unit/test_tcp_track_reuse.c | sort -un); do
	grep -q "^$n\. " "$track" || lacks "$track" "an entry for case $n"
done

[ $fail = 0 ] || exit 1
echo "check-docs: $(wc -l < "$facts") facts found in docs/"
