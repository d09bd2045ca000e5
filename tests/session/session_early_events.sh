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

# an event registered after the consumer attached (a plugin's, a type made
# at run time) and emitted at once: kept too, though the consumer decides
# its enable byte only at its next look at the catalog
"$remora" create s3 -o "$T/t3" >/dev/null || fail "create s3"
"$remora" enable-event -s s3 'late:*' >/dev/null || fail "enable-event s3"
"$remora" start s3 >/dev/null || fail "start s3"
start_app l late 10 "$T/go"
for _ in $(seq 100); do grep -q '^pid ' "$T/l.out" 2>/dev/null && break; sleep 0.05; done
wait_listed "$l"
touch "$T/go"
for _ in $(seq 200); do
    grep -q 'late done' "$T/l.out" && "$remora" status s3 | grep -q 'events written: 10,' && break
    sleep 0.1
done
"$remora" stop s3 >"$T/stop3.out" || fail "stop s3"
grep -q "Tracing stopped for session s3: 10 events written, 0 lost" "$T/stop3.out" ||
    fail "late registration: $(cat "$T/stop3.out")"
read_trace "$T/t3"
[ "$(grep -c "late:item: { pid = $l, tid = $l," "$T/bt.out")" = 10 ] ||
    fail "late events of pid $l in the trace: $(cat "$T/bt.out")"
rm -f "$T/go"

# a session that selects none of them: nothing written, nothing lost
"$remora" create s2 -o "$T/t2" >/dev/null || fail "create s2"
"$remora" enable-event -s s2 'sess:*' >/dev/null || fail "enable-event s2"
"$remora" start s2 >/dev/null || fail "start s2"
"$app" emit 10 >"$T/b.out" || fail "app b"
sleep 1.5
"$remora" stop s2 >"$T/stop2.out" || fail "stop s2"
grep -q "0 events written, 0 lost" "$T/stop2.out" || fail "unselected: $(cat "$T/stop2.out")"
echo PASS
