#!/usr/bin/env bash
# A hostile arena (garbage.c scribbles over its committed records): the app
# is unaffected, remora record finishes, babeltrace2 reads the trace with
# no error (only "discarded" warnings), the damage is reported, and events
# recorded after it into fresh chunks are kept. A scribbled string that is
# still a string passes for a valid one (no reader can tell), so kept
# events are not all intact, and are not checked for it.
. "$(dirname "$0")/lib.sh"
plain pl
traced tr
same tr pl
grep -q "corrupt" "$out/tr.sum" || fail "no damage reported: $(cat "$out/tr.sum")"
btread tr lossy
kept=$(grep -a -c ' garbage:ev: ' "$out/tr.bt" || true)
[ "$kept" -gt 0 ] && [ "$kept" -lt 4000 ] || fail "$kept events kept of 4000 with a scribbled arena"
# Every event in the trace or counted lost: the records of a chunk cut
# short are counted against what the app committed there (issue 19).
read -r events lost < <(kept tr)
[ "$events" = "$kept" ] || fail "babeltrace2 read $kept events, the summary says $events"
[ $((events + lost)) = 4000 ] || fail "$events kept + $lost lost != 4000: $(tr '\n' ' ' <"$out/tr.sum")"
bt_lost=$(sed -n 's/^WARNING: Tracer discarded \([0-9]*\) events\? .*/\1/p' "$out/tr.bterr" | awk '{s+=$1} END {print s+0}')
[ "$bt_lost" = "$lost" ] || fail "babeltrace2 says $bt_lost discarded, the summary $lost lost"
causes=$(sed -n 's/^remora: lost by cause: //p' "$out/tr.sum")
by_cause=$(grep -o '[0-9][0-9]* [a-z]' <<<"$causes" | awk '{s+=$1} END {print s+0}' || true)
[ "$by_cause" = "$lost" ] || fail "causes '$causes' add up to $by_cause, not $lost lost"
[ "$lost" = 0 ] || grep -q 'corrupt chunk' <<<"$causes" || fail "no corrupt chunk among the causes: $causes"
after=$(grep -a -c ' garbage:ev: .*{ phase = 1, k = ' "$out/tr.bt" || true)
[ "$after" -gt 0 ] || fail "no event recorded after the damage was kept"
echo "kept $kept of 4000 ($after after the damage); $(tr '\n' ' ' <"$out/tr.sum")"
echo PASS
