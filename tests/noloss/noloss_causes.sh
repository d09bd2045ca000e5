#!/usr/bin/env bash
# Losses of two causes in one trace, said per stream by cause (issue 19):
# 7 records of 1 MiB reserved through the ABI ("record too large"), then
# 2,000 event types with a catalog of 1,000 entries (the app's own events
# take 9: 1,009 types find no entry, "catalog full"). The summary's "lost by
# cause" line, `remora view`'s lines per stream and the trace's
# discarded_* fields name the same counts; babeltrace2 reads the trace
# without a warning but "Tracer discarded", and its total is the same.
source "$(dirname "$0")/lib.sh"

run c REMORA_EVENT_MAX=1000 -- causes 2000 7
check c
[ "$lost" = 1016 ] || fail "c: $lost lost, not 1016: $(cat "$out/c.err")"
[ "$causes" = "7 record too large, 1009 catalog full" ] || fail "c: causes '$causes'"
[ "$(count c ' many:t[0-9]+:')" = 991 ] || fail "c: $(count c ' many:t[0-9]+:') types kept"
[ "$(count c ' app:mark:')" = 4 ] || fail "c: marks"

# remora view: the same counts, per stream, by cause
"$remora" view "$out/c.t" >"$out/c.view" 2>"$out/c.verr" || fail "view: $(cat "$out/c.verr")"
[ "$(grep -c ' many:t[0-9]*' "$out/c.view")" = 991 ] || fail "view: events"
grep -q "^remora view: .* 1016 lost, " "$out/c.verr" || fail "view summary: $(cat "$out/c.verr")"
sed -n 's/^remora view: .*\/stream_[0-9]*: [0-9]* lost: //p' "$out/c.verr" >"$out/c.by"
[ -s "$out/c.by" ] || fail "view: no stream line: $(cat "$out/c.verr")"
sum() { grep -o "[0-9]* $1" "$out/c.by" | awk '{s+=$1} END {print s+0}'; }
[ "$(sum 'catalog full')" = 1009 ] || fail "view: catalog full $(sum 'catalog full'): $(cat "$out/c.verr")"
[ "$(sum 'record too large')" = 7 ] || fail "view: too large $(sum 'record too large'): $(cat "$out/c.verr")"
! grep -q 'cause unknown\|buffer full' "$out/c.by" || fail "view: other causes: $(cat "$out/c.verr")"
# each "-- N events lost (...)" line: its causes add up to N
while read -r line; do
	n=$(sed -n 's/.* -- \([0-9]*\) events lost (.*/\1/p' <<<"$line")
	by=$(sed -n 's/.* events lost (\(.*\))$/\1/p' <<<"$line" | grep -o '[0-9][0-9]* [a-z]' | awk '{s+=$1} END {print s+0}')
	[ -n "$n" ] && [ "$by" = "$n" ] || fail "view: '$line'"
done < <(grep ' -- ' "$out/c.view")
echo PASS
