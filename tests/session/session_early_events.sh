#!/usr/bin/env bash
# A program started while a session runs, emitting at once and exiting
# before its helper could connect (issue 19): its first events once left
# "0 events written, 0 lost". The stub writes every event until a consumer
# first writes the enable table; the consumer keeps what the session
# selects and drops the rest (not wanted, so not lost).
. "$(dirname "$0")/lib.sh"
"$remora" create s1 -o "$T/t1" >/dev/null || fail "create"
rd=$(remorad_pid) # started by create: stopped by lib.sh's cleanup
"$remora" enable-event 'burst:*' >/dev/null || fail "enable-event"
"$remora" start >/dev/null || fail "start"
"$app" emit 10 >"$T/a.out" || fail "app: $(cat "$T/a.out")"
a=$(sed -n 's/^pid //p' "$T/a.out")
for _ in $(seq 200); do # up to 20 s: a loaded machine connects late
    "$remora" status s1 | grep -q 'events written: 10,' && break
    sleep 0.1
done
"$remora" stop >"$T/stop.out" || fail "stop"
grep -q "Tracing stopped for session s1: 10 events written, 0 lost" "$T/stop.out" ||
    fail "stop summary: $(cat "$T/stop.out")"
read_trace "$T/t1"
[ "$(grep -c "burst:item: { pid = $a, tid = $a," "$T/bt.out")" = 10 ] ||
    fail "events of pid $a in the trace: $(cat "$T/bt.out")"
for i in $(seq 0 9); do grep -q "{ i = $i, pad" "$T/bt.out" || fail "event i = $i missing"; done

# a session that selects none of them: nothing written, nothing lost
"$remora" create s2 -o "$T/t2" >/dev/null || fail "create s2"
"$remora" enable-event -s s2 'sess:*' >/dev/null || fail "enable-event s2"
"$remora" start s2 >/dev/null || fail "start s2"
"$app" emit 10 >"$T/b.out" || fail "app b"
sleep 1.5
"$remora" stop s2 >"$T/stop2.out" || fail "stop s2"
grep -q "0 events written, 0 lost" "$T/stop2.out" || fail "unselected: $(cat "$T/stop2.out")"
echo PASS
