#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_tcpfwctl.sh TCPFWCTL - the bash completion of completion/tcpfwctl, driven the way bash
# drives it (COMP_LINE, COMP_POINT, COMP_WORDS split at bash's word breaks), with the given
# tcpfwctl first on PATH: once in a plain bash, once with bash-completion loaded when it is
# installed. Also holds tcpfwctl --help and --complete to the same commands and options, so
# the help text cannot list an option the completion lacks. No root, no daemon. Run by make unit.

set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ctl=$(cd "$(dirname "${1:?usage: test_tcpfwctl.sh TCPFWCTL}")" && pwd)/$(basename "$1")
[ -x "$ctl" ] || { echo "completion: $ctl is not executable" >&2; exit 1; }

# The cases, in the shell that runs them: LINE|EXPECTED, where EXPECTED is the replies sorted
# and joined by spaces; "~WORD" means "WORD is among the replies". The cursor is at the end.
run_cases() {
	local ctl=$1 completion=$2 line want got fails=0 n=0
	# a directory with tcpfwctl alone, so that the completion runs the binary under test
	local bin
	bin=$(mktemp -d)
	ln -s "$ctl" "$bin/tcpfwctl"
	PATH=$bin:$PATH
	# shellcheck source=/dev/null
	. "$completion"
	while IFS='|' read -r line want; do
		[ -z "$line" ] && continue
		n=$((n + 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		# bash's split: blanks, and = and : as words of their own
		local split=${line//=/ = }
		split=${split//:/ : }
		read -r -a COMP_WORDS <<<"$split"
		[[ $line == *[[:blank:]] ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		_tcpfwctl
		got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
		if [[ $want == "~"* ]]; then
			[[ " $got " == *" ${want#\~} "* ]] && continue
		elif [ "$got" = "$want" ]; then
			continue
		fi
		echo "completion: '$line<TAB>': got '$got', want '$want'" >&2
		fails=$((fails + 1))
	done
	rm -rf "$bin"
	echo "$n $fails"
}

cases=$(cat <<'EOF'
tcpfwctl li|list
tcpfwctl s|set-param stats status sync
tcpfwctl sy|sync
tcpfwctl sync --q|--quiet
tcpfwctl help sy|sync
tcpfwctl |~get-param
tcpfwctl --jso|--json
tcpfwctl list --s|--socket --sport --src --state
tcpfwctl list --state E|ESTABLISHED
tcpfwctl --state est|ESTABLISHED
tcpfwctl list --state SYN_S|SYN_SENT SYN_SENT2
tcpfwctl list --state=TIME|TIME_WAIT
tcpfwctl list --state ESTABLISHED,TI|ESTABLISHED,TIME_WAIT
tcpfwctl -L --state CLOSE|CLOSE CLOSE_WAIT
tcpfwctl list -f ipv|ipv4 ipv6
tcpfwctl trace --reason seq_o|seq_over_window seq_overshoot
tcpfwctl capture --reason=rst_out|rst_out_of_window
tcpfwctl trace --drops --reason new_not_syn,bad_f|new_not_syn,bad_flags
tcpfwctl watch -o t|timestamp
tcpfwctl watch -o extended,t|extended,timestamp
tcpfwctl list -s 192.0.2.1 |
tcpfwctl list --sport |
tcpfwctl help set|set-param
tcpfwctl get-param queue.n|queue.num
tcpfwctl get-param control.|control.admin_group control.group control.idle_timeout control.max_clients control.max_request control.socket
tcpfwctl set-param tcp.time_wait.p|tcp.time_wait.policy
tcpfwctl set-param tcp.time|~tcp.time_wait.duration
tcpfwctl set-param tcp.time_|tcp.time_wait.adaptive_end tcp.time_wait.adaptive_start tcp.time_wait.duration tcp.time_wait.minimum tcp.time_wait.policy tcp.time_wait.shortened
tcpfwctl set-param queue.|
tcpfwctl set-param tcp.time_wait.policy s|shorten
tcpfwctl set-param tcp.time_wait.policy=e|enforce
tcpfwctl set-param tcp.pickup |false true
tcpfwctl set-param logging.level w|warning
tcpfwctl set-param tcp.timeouts.established |
tcpfwctl --socket /nonexistent/x.sock set-param tcp.pi|tcp.pickup
tcpfwctl -j set-param tcp.window_check f|false
EOF
)

total=0 failed=0
shells=plain
[ -r /usr/share/bash-completion/bash_completion ] && shells="plain bash-completion"
for shell in $shells; do
	if [ "$shell" = plain ]; then
		res=$(bash -c "$(declare -f run_cases); run_cases \"\$1\" \"\$2\" <<<\"\$3\"" _ \
			"$ctl" "$top/completion/tcpfwctl" "$cases")
	else
		res=$(bash -c ". /usr/share/bash-completion/bash_completion; $(declare -f run_cases); \
			run_cases \"\$1\" \"\$2\" <<<\"\$3\"" _ "$ctl" "$top/completion/tcpfwctl" "$cases")
	fi
	read -r n f <<<"$res"
	[ -n "${n:-}" ] || { echo "completion: the $shell run printed no result" >&2; n=0 f=1; }
	echo "completion: $shell bash: $((n - f)) of $n cases pass"
	total=$((total + n))
	failed=$((failed + f))
done

# --help and --complete: the same commands, the same long options
help=$("$ctl" --help)
want=$(printf '%s\n' "$help" | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\).*/\1/p' | sort)
got=$("$ctl" --complete commands | sort)
if [ "$want" != "$got" ]; then
	echo "completion: commands differ from --help:" $want "/" $got >&2
	failed=$((failed + 1))
fi
want=$(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u)
got=$("$ctl" --complete options | sort -u)
if [ "$want" != "$got" ]; then
	echo "completion: long options differ from --help: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')" >&2
	failed=$((failed + 1))
fi
total=$((total + 2))
"$ctl" --complete nope >/dev/null 2>&1 && { echo "completion: --complete nope exits 0" >&2; failed=$((failed + 1)); }

echo "completion: $((total - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
