#!/usr/bin/env bash
# closefrom daemon, four ways of closing (close_range, closefrom, a close()
# loop, and all fds including 0-2 then reopened): same fds, same bytes read
# back from its own file, pipe, Unix and TCP sockets, same output, traced and
# plain; every event in the trace with the pid of the process that emitted it.
. "$(dirname "$0")/lib.sh"
for mode in close_range closefrom loop std; do
	mkdir "$out/$mode.td" "$out/$mode.pd"
	traced "$mode.tr" "$mode" "$out/$mode.td"
	plain "$mode.pl" "$mode" "$out/$mode.pd"
	same "$mode.tr" "$mode.pl"
	same_file "$out/$mode.td/data" "$out/$mode.pd/data"
	if [ "$mode" = std ]; then
		same_file "$out/$mode.td/log" "$out/$mode.pd/log"
		log=$out/$mode.td/log
	else
		log=$out/$mode.tr.out
	fi
	for ch in file pipe unix 'unix back' tcp 'tcp back'; do
		grep -q "^$ch: 39880 bytes ok, nothing more\$" "$log" || fail "$mode: verification of $ch: $(cat "$log")"
	done
	[ "$(cat "$out/$mode.pl.st")" = 0 ] || fail "$mode: the plain run exited $(cat "$out/$mode.pl.st")"
	n=$(sed -n 's/^events //p' "$log")
	[ -n "$n" ] || fail "$mode: no event count: $(cat "$log")"
	btread "$mode.tr"
	summary "$mode.tr" "$n" 0
	expect "$mode.tr" ' cf:tick: ' "$n"
	# every event carries the pid of its process (parent and 4 workers)
	bad=$(grep ' cf:tick: ' "$out/$mode.tr.bt" | sed -E 's/.*\{ pid = ([0-9]+), tid.*\{ phase = [0-9], seq = [0-9]+, pid = ([0-9]+) \}$/\1 \2/' |
		awk '$1 != $2' | wc -l)
	[ "$bad" = 0 ] || fail "$mode: $bad events carry another process's pid"
	expect "$mode.tr" 'phase = 3,' 200
	echo "$mode: ok, $n events"
done
echo PASS
