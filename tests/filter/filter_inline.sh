#!/usr/bin/env bash
# The app's inline prefilter (remora.h, REMORA__PREFILTER) when the filter
# changes mid-run: filter_app cycles ft:req ids 0..999 (path "/a/N");
# the session's filter goes
#   id >= 100 && id < 200 && path == "/a/*"     (slot 1)
#   id >= 500 && id < 600 && path == "/a/*"     (slot 2: same word shape)
#   id >= 300 && id < 400 && path == "/a/*"     (slot 1 again, rewritten)
# with enable-event, 1.5 s apart, without restarting the app. The trace
# (babeltrace2) holds the three ranges in that order, nothing of an older
# range after the first record of the next, and each new range's first
# record at most 1 s after enable-event returned: no prefilter of an
# older program keeps dropping (the consumer filters again, but cannot
# bring back what the app dropped). `remora list` shows the app filter.
. "$(dirname "$0")/../session/lib.sh"

F1='id >= 100 && id < 200 && path == "/a/*"'
F2='id >= 500 && id < 600 && path == "/a/*"'
F3='id >= 300 && id < 400 && path == "/a/*"'
start_app a cycle "$T/stop"
"$remora" create s -o "$T/t" >"$T/create.out" 2>&1 || fail "create: $(cat "$T/create.out")"
wait_listed "$a"
"$remora" enable-event 'ft:req' --filter "$F1" >/dev/null 2>&1 || fail "enable-event F1"
"$remora" start >/dev/null || fail "start"
sleep 1.5
"$remora" list >"$T/list.out" 2>&1
grep -q 'ft:req \[enabled, app filter\]' "$T/list.out" || fail "no app-side filter: $(cat "$T/list.out")"
"$remora" enable-event 'ft:req' --filter "$F2" >/dev/null 2>&1 || fail "enable-event F2"
c2=$(date +%s.%N)
sleep 1.5
"$remora" enable-event 'ft:req' --filter "$F3" >/dev/null 2>&1 || fail "enable-event F3"
c3=$(date +%s.%N)
sleep 1.5
"$remora" list >"$T/list.out" 2>&1
grep -q 'ft:req \[enabled, app filter\]' "$T/list.out" || fail "no app-side filter at the end: $(cat "$T/list.out")"
"$remora" stop >"$T/stop.out" 2>&1 || fail "stop: $(cat "$T/stop.out")"
touch "$T/stop"
read_trace "$T/t"
"$bt" --clock-seconds "$T/t" >"$T/bts.out" 2>/dev/null
# phase of each record: 1, 2, 3 by its id's range; anything else is wrong
awk -v c2="$c2" -v c3="$c3" '
    /ft:req/ {
        match($0, /\{ id = [0-9]+/); id = substr($0, RSTART + 7, RLENGTH - 7) + 0
        ts = $0; sub(/^\[/, "", ts); sub(/\].*/, "", ts)
        ph = id >= 100 && id < 200 ? 1 : id >= 500 && id < 600 ? 2 : id >= 300 && id < 400 ? 3 : 0
        if (!ph) { print "id " id " matches no filter"; bad++; next }
        if (ph < last) { print "id " id " (filter " ph ") after a record of filter " last; bad++ }
        if (ph > last) { first[ph] = ts; last = ph }
        n[ph]++
    }
    END {
        for (p = 1; p <= 3; p++) if (n[p] < 50) { print "filter " p ": " n[p] + 0 " records"; bad++ }
        if (first[2] - c2 > 1.0) { printf "filter 2 first record %.3f s after the change\n", first[2] - c2; bad++ }
        if (first[3] - c3 > 1.0) { printf "filter 3 first record %.3f s after the change\n", first[3] - c3; bad++ }
        printf "%d, %d, %d records; new filters took %.3f and %.3f s\n", n[1], n[2], n[3],
               first[2] - c2, first[3] - c3
        exit bad > 0
    }' "$T/bts.out" >"$T/awk.out" || fail "$(head -5 "$T/awk.out")"
echo "ok: $(tail -1 "$T/awk.out")"
echo PASS
