#!/usr/bin/env bash
# Garbage at every door (garbage_doors.c): random bytes, truncated and
# huge messages, wrong fds (pipe, /dev/zero, a regular file, small,
# unsealed and truncated memfds, 200 fds at once) thrown at the helper
# socket of a running `remora record`, and at remorad's helper and control
# sockets. Each consumer must live on, hold no more fds than before
# (/proc/PID/fd), and then trace a real app completely into a trace
# babeltrace2 reads without a warning.
. "$(dirname "$0")/lib.sh"
doors=$5
N=2000

nfds() { ls "/proc/$1/fd" | wc -l; }
# no_leak PID BEFORE WHAT: the fd count falls back to BEFORE (connections
# are closed as the consumer gets to them)
no_leak() {
    local now
    for _ in $(seq 40); do
        now=$(nfds "$1")
        [ "$now" -le "$2" ] && return 0
        sleep 0.05
    done
    fail "$3: $now fds after the garbage, $2 before: $(ls -l "/proc/$1/fd")"
}
# burst_ok DIR WHAT: N burst:item records, 0..N-1
burst_ok() {
    read_trace "$1"
    [ "$(grep -c ' burst:item: ' "$T/bt.out")" = $N ] || fail "$2: $(grep -c ' burst:item: ' "$T/bt.out") of $N records"
    grep ' burst:item: ' "$T/bt.out" | sed -E 's/.*\{ i = ([0-9]+),.*/\1/' | sort -n | cmp -s - <(seq 0 $((N - 1))) ||
        fail "$2: records are not 0..$((N - 1))"
}

# 1. remora record: the app starts (and connects) once $T/gate is opened;
# sh's read waits without starting a traced process (a sleep would be one).
touch "$T/stop" "$T/go"
mkfifo "$T/gate"
"$remora" record -o "$T/rec" -- sh -c 'read -r _ <"$1"; exec "$2" burst "$3" "$4" "$5"' \
    sh "$T/gate" "$app" $N "$T/go" "$T/stop" >"$T/rec.out" 2>"$T/rec.err" &
rec=$!
sock=
for _ in $(seq 100); do
    sock=$(ls -d /tmp/remora-rec-"$rec"-*/sock 2>/dev/null | head -1 || true)
    [ -S "$sock" ] && break
    sleep 0.05
done
[ -S "$sock" ] || fail "no socket of remora record (pid $rec) in /tmp/remora-rec-$rec-*"
# sh is traced too (libremora is preloaded): count after its helper has
# connected (its trace directory is open), or it looks like a leak
for _ in $(seq 100); do
    ls -l "/proc/$rec/fd" | grep -q "$T/rec/sh-" && break
    sleep 0.05
done
before=$(nfds "$rec")
"$doors" helper "$sock" >"$T/doors.out" 2>&1 || fail "garbage_doors helper (record): $(cat "$T/doors.out")"
kill -0 "$rec" 2>/dev/null || fail "remora record died of the garbage: $(cat "$T/rec.err")"
no_leak "$rec" "$before" "remora record"
echo go >"$T/gate"
st=0
wait "$rec" || st=$?
[ "$st" = 0 ] || fail "remora record exited $st: $(cat "$T/rec.err")"
grep -q "burst done" "$T/rec.out" || fail "the app's output: $(cat "$T/rec.out")"
grep -q "remora: $N events recorded, 0 lost" "$T/rec.err" || fail "record's summary: $(cat "$T/rec.err")"
burst_ok "$T/rec" "remora record"
rm -f "$T/go" "$T/stop"
echo "remora record: $(cat "$T/doors.out") bad messages, no fd leaked, then $N of $N events"

# 2. remorad: its helper socket and its control socket.
start_remorad
before=$(nfds "$rd")
"$doors" helper "$REMORA_SOCKET" >"$T/doors.out" 2>&1 || fail "garbage_doors helper (remorad): $(cat "$T/doors.out")"
"$doors" ctl "$T/remorad.ctl" >>"$T/doors.out" 2>&1 || fail "garbage_doors ctl: $(cat "$T/doors.out")"
kill -0 "$rd" 2>/dev/null || fail "remorad died of the garbage"
no_leak "$rd" "$before" "remorad"
"$remora" create g -o "$T/g" >/dev/null
"$remora" enable-event 'burst:*' >/dev/null
"$remora" start >/dev/null
start_app a burst $N "$T/go" "$T/stop"
wait_listed "$a"
touch "$T/go"
for _ in $(seq 200); do grep -q "burst done" "$T/a.out" && break; sleep 0.1; done
grep -q "burst done" "$T/a.out" || fail "the app did not finish its burst"
"$remora" stop >/dev/null
touch "$T/stop"
wait "$a" || fail "the app exited $?"
burst_ok "$T/g" "remorad"
"$remora" destroy >/dev/null
echo "remorad: $(awk '{ n += $2 } END { print "sent", n }' "$T/doors.out") bad messages, no fd leaked, then $N of $N events"
echo PASS
