#!/usr/bin/env bash
# Rotation and clear of remorad sessions:
#  - `remora rotate` of a session without a schedule: the trace written so
#    far moves into chunk-00000/, later rotations make chunk-00001, ...;
#    each chunk is read alone by babeltrace2 and the ticks of all chunks
#    are one contiguous run, none twice; `status` shows the chunks;
#  - `remora clear` (unchunked and chunked sessions): the events of an app
#    that ran before the clear are gone, those of one after it are all
#    there, and recording goes on;
#  - a restarted remorad keeps a session's rotation schedule.
. "$(dirname "$0")/lib.sh"

start_app a run "$T/stop"
"$remora" create s1 -o "$T/t1" >/dev/null 2>&1 || fail "create s1"
wait_listed "$a"
"$remora" enable-event 'sess:tick' >/dev/null && "$remora" start >/dev/null || fail "start s1"
sleep 0.5
[ -d "$T/t1/sess_app-$a" ] || fail "no unchunked trace before the first rotation: $(ls "$T/t1")"
"$remora" rotate >"$T/rot.out" 2>&1 || fail "rotate: $(cat "$T/rot.out")"
grep -q "^Session s1 rotated: chunk $T/t1/chunk-00000 is complete" "$T/rot.out" || fail "rotate said: $(cat "$T/rot.out")"
[ -d "$T/t1/chunk-00000/sess_app-$a" ] || fail "first rotation did not move the trace: $(ls -R "$T/t1")"
[ -e "$T/t1/sess_app-$a" ] && fail "the trace is both moved and not"
sleep 0.4
"$remora" rotate s1 | grep -q "chunk-00001 is complete" || fail "second rotate"
sleep 0.4
"$remora" status s1 | grep -q "chunks: 2 closed, writing chunk-00002" || fail "status: $("$remora" status s1)"
"$remora" stop >/dev/null
check_chunks "$T/t1" i
[ "$nchunks" = 3 ] || fail "$nchunks chunks, expected 3: $(ls "$T/t1")"
exactly_seq "$(head -1 "$T/union.txt")" "$(tail -1 "$T/union.txt")"
echo "rotate: 3 chunks, $(wc -l <"$T/union.txt") ticks, contiguous"
# a stopped session rotates what it wrote last; then nothing new: says so
"$remora" rotate s1 | grep -q "chunk-00002 is complete" || fail "rotate after stop"
"$remora" rotate s1 | grep -q "nothing written since the last rotation" || fail "rotate with nothing new"
check_chunks "$T/t1" i
[ "$nchunks" = 3 ] || fail "rotations of a stopped session made chunks: $(ls "$T/t1")"
"$remora" destroy s1 >/dev/null

# clear: two sessions, one chunked by a size schedule
for s in c1 c2; do
    extra=(); [ $s = c2 ] && extra=(--rotate-size 128K)
    "$remora" create $s -o "$T/$s" "${extra[@]}" >/dev/null || fail "create $s"
    "$remora" enable-event -s $s 'burst:*' >/dev/null && "$remora" start $s >/dev/null || fail "start $s"
    start_app b burst 1000 "$T/go.$s" "$T/stop"
    wait_listed "$b"
    touch "$T/go.$s"
    for _ in $(seq 100); do grep -q "burst done" "$T/b.out" && break; sleep 0.1; done
    grep -q "burst done" "$T/b.out" || fail "burst of $b did not end"
    # all 1000 written before the clear (a fixed 0.3 s was too short for
    # an ASan build on a loaded machine; events left behind would come
    # out after the clear)
    for _ in $(seq 150); do "$remora" status $s | grep -q 'events written: 1000,' && break; sleep 0.1; done
    [ -n "$(ls "$T/$s")" ] || fail "$s wrote nothing before the clear: $("$remora" status $s)"
    "$remora" clear $s >"$T/clear.out" 2>&1 || fail "clear $s: $(cat "$T/clear.out")"
    grep -q "^Session $s cleared: .* deleted; recording goes on" "$T/clear.out" || fail "clear said: $(cat "$T/clear.out")"
    [ -z "$(ls "$T/$s")" ] || fail "clear left: $(ls -R "$T/$s")"
    start_app c burst 500 "$T/go2.$s" "$T/stop"
    wait_listed "$c"
    touch "$T/go2.$s"
    for _ in $(seq 100); do grep -q "burst done" "$T/c.out" && break; sleep 0.1; done
    "$remora" stop $s >"$T/stop.out" || fail "stop $s"
    grep -q "500 events written, 0 lost" "$T/stop.out" || fail "after clear: $(cat "$T/stop.out")"
    read_trace "$T/$s"
    [ "$(grep -c 'burst:item' "$T/bt.out")" = 500 ] || fail "$s: $(grep -c 'burst:item' "$T/bt.out") events after clear, expected 500"
    grep -q "pid = $b," "$T/bt.out" && fail "$s: events of $b, emitted before the clear, are still there"
    [ "$(sed -nE "s/.*pid = $c,.* i = ([0-9]+),.*/\1/p" "$T/bt.out" | sort -n | uniq | wc -l)" = 500 ] ||
        fail "$s: not each of the 500 later events once"
    if [ $s = c2 ]; then
        ls "$T/c2" | grep -q '^chunk-0000[1-9]$' || fail "chunk numbers after clear: $(ls "$T/c2")"
    fi
    echo "clear $s: only the 500 later events"
done

# the schedule survives a remorad restart
rd=$(remorad_pid)
kill "$rd"; while kill -0 "$rd" 2>/dev/null; do sleep 0.05; done
start_remorad
"$remora" status c2 | grep -q "rotate size 131072" || fail "schedule lost across restart: $("$remora" status c2)"
echo PASS
