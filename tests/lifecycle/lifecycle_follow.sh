#!/usr/bin/env bash
# `remora view --follow`:
#  - of a session: an event a sleeping producer emits (1.5 s after the
#    previous one) is printed within 5 s (the bound is generous for a
#    loaded machine; the latencies measured are printed, the target is
#    under 1 s); a rotation between two events loses none and repeats none
#    (the first rotation moves the trace into chunk-00000/); destroying
#    the session ends the follower with status 0;
#  - of a `remora record` trace while it runs: its events, then the end of
#    the record run ends the follower;
#  - of a directory that does not exist yet: it waits, then follows the
#    record that makes it, and ends with it; Ctrl-C while it waits;
#  - the status line (events/s, lost, bytes) of `record` and of
#    `view --follow` on a terminal (a pty from script(1)), and none when
#    stderr is not a terminal.
. "$(dirname "$0")/lib.sh"

# wait_line FILE REGEX: until FILE has a line matching REGEX (5 s at most)
wait_line() {
    for _ in $(seq 500); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.01; done
    fail "no line '$2' in $1 within 5 s: $(cat "$1")"
}

"$remora" create f1 -o "$T/f1" >/dev/null 2>&1 || fail "create f1"
"$remora" enable-event 'life:*' >/dev/null && "$remora" start >/dev/null || fail "start f1"
"$sleeper" 3 1500 "$T/stop" >"$T/sl.out" 2>&1 &
sl=$!; pids+=($sl)
"$remora" view --follow f1 >"$T/fol.out" 2>"$T/fol.err" &
fol=$!; pids+=($fol)
lat=()
for i in 0 1 2; do
    wait_line "$T/fol.out" "life:mark i=$i\$"
    arrived=$(date +%s%N)
    wait_line "$T/sl.out" "^mark $i "
    emitted=$(sed -n "s/^mark $i //p" "$T/sl.out")
    lat+=($(( (arrived - emitted) / 1000000 )))
    if [ $i = 0 ]; then
        "$remora" rotate f1 >/dev/null || fail "rotate while following"
    fi
done
echo "follow latency (ms, emit to printed, 10 ms polling): ${lat[*]}"
[ -d "$T/f1/chunk-00000" ] || fail "the rotation made no chunk: $(ls "$T/f1")"
"$remora" destroy f1 >/dev/null
for _ in $(seq 50); do kill -0 $fol 2>/dev/null || break; sleep 0.1; done
kill -0 $fol 2>/dev/null && fail "the follower still runs 5 s after destroy"
wait $fol || fail "the follower exited $?: $(cat "$T/fol.err")"
[ "$(grep -c 'life:mark' "$T/fol.out")" = 3 ] || fail "marks printed: $(cat "$T/fol.out")"
# life:warm, emitted at the app's start, may precede its helper's handover
# (tests/session/session_early_events.sh is about that): at most once
[ "$(grep -c 'life:warm' "$T/fol.out")" -le 1 ] || fail "warm printed twice: $(cat "$T/fol.out")"
grep -q "remora view: $(wc -l <"$T/fol.out") events, 0 lost; the trace is no longer written" "$T/fol.err" ||
    fail "follower summary: $(cat "$T/fol.err")"
touch "$T/stop"
echo "session: 3 marks followed across a rotation, follower ended at destroy"

# across a clear of an unchunked session: the same app's trace written
# again at the same path (sleeper-PID/stream_0) is read too
rm -f "$T/stop"
"$remora" create f2 -o "$T/f2" >/dev/null && "$remora" enable-event 'life:*' >/dev/null &&
    "$remora" start >/dev/null || fail "session f2"
"$sleeper" 3 700 "$T/stop" >"$T/sl4.out" 2>&1 &
pids+=($!)
"$remora" view --follow f2 >"$T/fol4.out" 2>"$T/fol4.err" &
fol=$!; pids+=($fol)
wait_line "$T/fol4.out" "life:mark i=0\$"
"$remora" clear f2 >/dev/null || fail "clear f2"
wait_line "$T/fol4.out" "life:mark i=2\$"
grep -q "life:mark i=1\$" "$T/fol4.out" || fail "mark 1 not followed after the clear: $(cat "$T/fol4.out")"
"$remora" destroy f2 >/dev/null
touch "$T/stop"
wait $fol || fail "the follower of f2 exited $?: $(cat "$T/fol4.err")"
[ "$(grep -c 'life:mark' "$T/fol4.out")" = 3 ] || fail "follow across clear printed: $(cat "$T/fol4.out")"
echo "session: followed across a clear"

rm -f "$T/stop"
"$remora" record -o "$T/rec" -- "$sleeper" 2 800 "$T/stop" >"$T/sl2.out" 2>"$T/rec.err" &
rec=$!; pids+=($rec)
for _ in $(seq 100); do [ -e "$T/rec/.remora-live" ] && break; sleep 0.05; done
"$remora" view --follow "$T/rec" >"$T/fol2.out" 2>"$T/fol2.err" &
fol=$!; pids+=($fol)
wait_line "$T/fol2.out" "life:mark i=1\$"
kill -0 $fol 2>/dev/null || fail "the follower left while record runs: $(cat "$T/fol2.err")"
touch "$T/stop"
wait $rec || fail "record: $(cat "$T/rec.err")"
for _ in $(seq 50); do kill -0 $fol 2>/dev/null || break; sleep 0.1; done
kill -0 $fol 2>/dev/null && fail "the follower still runs 5 s after record ended"
wait $fol || fail "the follower of record exited $?: $(cat "$T/fol2.err")"
[ "$(grep -c 'life:mark' "$T/fol2.out")" = 2 ] && [ "$(grep -c 'life:warm' "$T/fol2.out")" -le 1 ] ||
    fail "record follow printed: $(cat "$T/fol2.out")"
grep -q 'events/s' "$T/rec.err" "$T/fol2.err" && fail "a status line without a terminal"
echo "record: 2 marks followed, follower ended with the record"

# following a directory before anything writes it: the follower waits for
# the record that makes it, prints its events and ends with it
rm -f "$T/stop"
"$remora" view --follow "$T/later" >"$T/fol5.out" 2>"$T/fol5.err" &
fol=$!; pids+=($fol)
wait_line "$T/fol5.err" "waiting for .*later to be written"
sleep 0.3
kill -0 $fol 2>/dev/null || fail "the follower of a missing directory left: $(cat "$T/fol5.err")"
"$remora" record -o "$T/later" -- "$sleeper" 2 300 "$T/stop" >/dev/null 2>"$T/rec5.err" &
rec=$!; pids+=($rec)
wait_line "$T/fol5.out" "life:mark i=1\$"
touch "$T/stop"
wait $rec || fail "record into the awaited directory: $(cat "$T/rec5.err")"
for _ in $(seq 50); do kill -0 $fol 2>/dev/null || break; sleep 0.1; done
kill -0 $fol 2>/dev/null && fail "the follower of a directory made later still runs 5 s after record ended"
wait $fol || fail "the follower of a directory made later exited $?: $(cat "$T/fol5.err")"
[ "$(grep -c 'life:mark' "$T/fol5.out")" = 2 ] || fail "follow of a later directory printed: $(cat "$T/fol5.out")"
# and Ctrl-C while waiting ends it with status 0, saying nothing was read
"$remora" view --follow "$T/never/made" >/dev/null 2>"$T/fol6.err" &
fol=$!; pids+=($fol)
wait_line "$T/fol6.err" "waiting for"
kill -INT $fol
wait $fol || fail "interrupted while waiting: exit $?: $(cat "$T/fol6.err")"
echo "follow of a directory not made yet: waited, followed the record that made it"

# following a record that rotates by size: every event once, none missed
"$remora" record -o "$T/rot" --blocking --rotate-size 68K -- "$ticker" 12000 50 >/dev/null 2>"$T/rec3.err" &
rec=$!; pids+=($rec)
for _ in $(seq 100); do [ -e "$T/rot/.remora-live" ] && break; sleep 0.05; done
"$remora" view --follow "$T/rot" >"$T/fol3.out" 2>"$T/fol3.err" || fail "follow of a rotating record: $(cat "$T/fol3.err")"
wait $rec || fail "record --rotate-size: $(cat "$T/rec3.err")"
ls "$T/rot" | grep -q chunk-00003 || fail "too few chunks to prove anything: $(ls "$T/rot")"
sed -nE 's/.*ticker:tick n=([0-9]+)$/\1/p' "$T/fol3.out" | sort -n >"$T/union.txt"
exactly_seq 0 11999
echo "follow across $(ls "$T/rot" | grep -c chunk-) size rotations: 12000 events, each once"

if command -v script >/dev/null; then
    script -qec "'$remora' record -o '$T/tty' -- '$ticker' 2500 1000" /dev/null >"$T/tty.rec" 2>&1 &
    srec=$!; pids+=($srec)
    for _ in $(seq 100); do [ -e "$T/tty/.remora-live" ] && break; sleep 0.05; done
    script -qec "'$remora' view --follow '$T/tty' >/dev/null" /dev/null >"$T/tty.fol" 2>&1 || true
    wait $srec || true
    tr '\r' '\n' <"$T/tty.rec" | grep -aqE '^.*remora: [0-9]+ events/s, [0-9]+ events, 0 lost, [0-9.]+ MiB written' ||
        fail "no status line from record on a terminal: $(tr '\r' '\n' <"$T/tty.rec" | head -5)"
    tr '\r' '\n' <"$T/tty.fol" | grep -aqE 'remora view: [0-9]+ events/s, [0-9]+ events, 0 lost, [0-9.]+ MiB read' ||
        fail "no status line from view --follow on a terminal: $(tr '\r' '\n' <"$T/tty.fol" | head -5)"
    echo "status lines on a terminal"
fi
echo PASS
