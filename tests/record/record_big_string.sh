#!/usr/bin/env bash
# A 1 MiB string field (big_string.c, ten of them between ten small
# events): record exits with the app's status 0, every small event is in
# the trace in order, each big one is kept whole, kept cut to fit a chunk
# with its marker ("...[truncated from 1048576 bytes]"), or counted lost
# (recorded + lost = 20), and babeltrace2 reads the trace with no warning
# but its report of the lost ones (CTF events_discarded).
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}"
remora=$1 app=$2 bt=$3
out=$(mktemp -d /tmp/remora-test-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$remora" record -o "$out/t" -- "$app" >"$out/stdout" 2>"$out/stderr" || fail "record exited $?: $(cat "$out/stderr")"
read -r rec lost < <(sed -n 's/^remora: \([0-9]*\) events recorded, \([0-9]*\) lost.*/\1 \2/p' "$out/stderr")
[ -n "$rec" ] || fail "no summary: $(cat "$out/stderr")"
[ $((rec + lost)) = 20 ] || fail "$rec recorded + $lost lost != 20: $(cat "$out/stderr")"
"$bt" "$out/t" >"$out/bt" 2>"$out/bt.err" || fail "babeltrace2 failed: $(head -c 500 "$out/bt.err")"
disc=$(sed -n 's/.*Tracer discarded \([0-9]*\) events.*/\1/p' "$out/bt.err" | awk '{ n += $1 } END { print n + 0 }')
[ "$disc" = "$lost" ] || fail "babeltrace2 reports $disc discarded, the summary $lost lost"
! grep -v 'Tracer discarded [0-9]* events' "$out/bt.err" | grep -q . || fail "babeltrace2 warned: $(head -c 500 "$out/bt.err")"
grep ' big:tick: ' "$out/bt" | sed -E 's/.*\{ n = ([0-9]+) \}$/\1/' | cmp -s - <(seq 0 9) ||
    fail "the small events are not 0..9 in order"
kept=$(grep -c ' big:str: ' "$out/bt" || true)
[ $((kept + 10)) = "$rec" ] || fail "$kept big events in the trace, summary says $rec recorded"
[ "$kept" = 0 ] ||
    grep ' big:str: ' "$out/bt" | awk '{ whole = match($0, /s = "x*"/) && RLENGTH == 1048582;
        cut = $0 ~ /s = "x+\.\.\.\[truncated from 1048576 bytes\]"/; if (!whole && !cut) bad++ }
        END { exit(bad ? 1 : 0) }' ||
    fail "a kept big string is neither whole nor cut with its marker"
echo "1 MiB strings: $kept kept (whole or cut with a marker), $lost counted lost; 10 of 10 small events"
echo PASS
