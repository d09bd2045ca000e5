#!/usr/bin/env bash
# Signal hog: all signals blocked from a preinit_array entry and a
# priority-101 constructor; 10,000 queued real-time signals from another
# process arrive all, in order, through signalfd + sigwaitinfo (and, in the
# handler variant, a recording SA_SIGINFO handler); the mask is all but
# SIGKILL/SIGSTOP at main (no tracer unblocked anything) and at the end; same output traced and plain; one event per signal in the trace.
. "$(dirname "$0")/lib.sh"
for mode in take handler; do
	plain $mode.pl $mode
	traced $mode.tr $mode
	same $mode.tr $mode.pl
	grep -q '^blocked at main: fffffffffffbfeff$' "$out/$mode.tr.out" || fail "$mode: mask at main: $(cat "$out/$mode.tr.out")"
	grep -q '^received 10000 of 10000, in order: yes, sender exit 0, pending after: none, blocked at end: ' "$out/$mode.tr.out" ||
		fail "$mode: $(cat "$out/$mode.tr.out")"
	btread $mode.tr
	summary $mode.tr 10000 0
	if [ $mode = take ]; then
		expect $mode.tr '\{ via = 0, value = ' 5000
		expect $mode.tr '\{ via = 1, value = ' 5000
	else
		expect $mode.tr '\{ via = 2, value = ' 10000
	fi
	# values 0..9999, each once
	[ "$(sed -E 's/.*value = ([0-9]+) \}$/\1/' "$out/$mode.tr.bt" | sort -n | uniq | wc -l)" = 10000 ] || fail "$mode: values not all distinct"
done
echo PASS
