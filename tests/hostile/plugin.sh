#!/usr/bin/env bash
# Provider in a plugin: three rounds of dlopen, record 100/200/300 events
# through the plugin's own events (and a remora_printf), dlclose. Same output
# traced and plain (the plugin really unloads both ways); every round's
# plugin events and the program's own marks are in the trace, exactly.
# Extra arguments: the plugin built with and without remora.
. "$(dirname "$0")/lib.sh"
mod=$1 mod_plain=$2
plain pl "$mod_plain"
traced tr "$mod"
same tr pl
[ "$(grep -c 'unloaded after dlclose$' "$out/tr.out")" = 3 ] || fail "output: $(cat "$out/tr.out")"
btread tr
summary tr $((600 + 3 + 9)) 0
for r in 1 2 3; do
	expect tr "plug:hit: .*\\{ round = $r, k = " $((100 * r))
	expect tr "plug:note: .*\\{ round = $r, n = $((100 * r)) \\}" 1
	expect tr "host:mark: .*\\{ round = $r, phase = " 3
done
echo PASS
