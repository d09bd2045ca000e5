#!/usr/bin/env bash
# A consumer short of fds (issue 19): remorad under `ulimit -n 1024` with
# ~1,100 idle connections to its helper socket (any process of our uid may
# open them). It once spun at 100 % CPU, took EMFILE on /proc for "thread
# dead", kept 1,241 of 8,000 events with "0 lost" and named pid 0. Now: a
# connection without HELLO is closed after a few seconds and at most 256
# are held, so every event of an app is kept, none under pid 0, the
# consumer does not spin, and it records again once the connections close.
. "$(dirname "$0")/lib.sh"
idle=$5
printf '#!/bin/sh\nulimit -n 1024\nexec "%s" "$@"\n' "$remorad" >"$T/remorad-1024"
chmod +x "$T/remorad-1024"
remorad=$T/remorad-1024
export REMORA_DAEMON=$remorad
start_remorad
[ "$(awk '/Max open files/ {print $4}' "/proc/$rd/limits")" = 1024 ] ||
    fail "remorad's fd limit: $(grep 'open files' "/proc/$rd/limits")"

"$idle" "$REMORA_SOCKET" 1100 "$T/idle-stop" >"$T/idle.out" 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q '^open' "$T/idle.out" && break; sleep 0.05; done
grep -q '^open 1100' "$T/idle.out" || fail "idle connections: $(cat "$T/idle.out")"

"$remora" create s1 -o "$T/t1" >/dev/null || fail "create"
"$remora" enable-event 'burst:*' >/dev/null || fail "enable-event"
"$remora" start >/dev/null || fail "start"

cpu() { awk '{print $14 + $15}' "/proc/$rd/stat"; }  # utime + stime, in ticks
c0=$(cpu) t0=$(date +%s%N)
"$app" emit 8000 >"$T/a.out" || fail "app: $(cat "$T/a.out")"
a=$(sed -n 's/^pid //p' "$T/a.out")
written() { "$remora" status s1 | sed -n 's/.*events written: \([0-9]*\),.*/\1/p'; }
for _ in $(seq 150); do [ "$(written)" = 8000 ] && break; sleep 0.1; done
c1=$(cpu) t1=$(date +%s%N)
# generous: a spinning consumer burns all of the wall time
ticks=$(( (t1 - t0) / 10000000 ))
[ $((c1 - c0)) -lt $((ticks / 2 + 20)) ] || fail "remorad used $((c1 - c0)) of $ticks ticks"
"$remora" stop >"$T/stop.out" || fail "stop"
grep -q "Tracing stopped for session s1: 8000 events written, 0 lost" "$T/stop.out" ||
    fail "stop summary: $(cat "$T/stop.out")"
read_trace "$T/t1"
[ "$(grep -c "burst:item: { pid = $a, tid = $a," "$T/bt.out")" = 8000 ] ||
    fail "events of pid $a: $(grep -c "burst:item" "$T/bt.out") in the trace"
grep -q "pid = 0," "$T/bt.out" && fail "events under pid 0"

# the idle connections close: the consumer records as before
touch "$T/idle-stop"
sleep 0.3
"$remora" create s2 -o "$T/t2" >/dev/null || fail "create s2"
"$remora" enable-event -s s2 'burst:*' >/dev/null || fail "enable-event s2"
"$remora" start s2 >/dev/null || fail "start s2"
"$app" emit 100 >"$T/b.out" || fail "app b"
b=$(sed -n 's/^pid //p' "$T/b.out")
for _ in $(seq 100); do
    "$remora" status s2 | grep -q 'events written: 100,' && break
    sleep 0.1
done
"$remora" stop s2 >"$T/stop2.out"
grep -q "100 events written, 0 lost" "$T/stop2.out" || fail "after recovery: $(cat "$T/stop2.out")"
read_trace "$T/t2"
[ "$(grep -c "burst:item: { pid = $b, tid = $b," "$T/bt.out")" = 100 ] || fail "trace after recovery"
echo PASS
