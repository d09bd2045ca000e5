#!/usr/bin/env bash
# create --blocking: while the session is started, a thread whose buffer is
# full waits for remorad instead of dropping. A flat-out burst 16 times the
# app's 256 KiB arena loses events in a plain session and none in a
# blocking one; both count exactly what they kept and lost.
. "$(dirname "$0")/lib.sh"
start_remorad
N=200000
"$remora" create bl -o "$T/x" --blocking=0 >"$T/e.out" 2>&1 && fail "--blocking=0 accepted"
grep -q "bad --blocking '0'" "$T/e.out" || fail "--blocking=0: $(cat "$T/e.out")"
"$remora" create bl -o "$T/x" --overwrite --blocking >"$T/e.out" 2>&1 && fail "--overwrite --blocking accepted"

# run NAME CREATE-OPTS...: a session NAME, a flat burst of N, stopped and read
run() {
    local name=$1; shift
    rm -f "$T/go" "$T/stop"
    REMORA_BUFFER_SIZE=256K start_app pa flat $N "$T/go" "$T/stop"
    wait_listed "$pa"
    "$remora" create "$name" -o "$T/$name" "$@" >"$T/$name.create"
    "$remora" enable-event -s "$name" 'burst:*' >/dev/null
    "$remora" start "$name" >/dev/null
    sleep 0.2 # the enable table reaches the arena (drains every few ms)
    touch "$T/go"
    for _ in $(seq 300); do grep -q "burst done" "$T/pa.out" && break; sleep 0.1; done
    grep -q "burst done" "$T/pa.out" || fail "$name: the app did not finish its burst"
    "$remora" stop "$name" >/dev/null
    touch "$T/stop"
    st=$("$remora" status "$name")
    written=$(sed -n 's/.*events written: \([0-9]*\),.*/\1/p' <<<"$st")
    lost=$(sed -n 's/.*lost: \([0-9]*\).*/\1/p' <<<"$st" | head -1)
    [ -n "$written" ] && [ -n "$lost" ] || fail "$name: status: $st"
    [ $((written + lost)) = $N ] || fail "$name: $written written + $lost lost != $N: $st"
    "$remora" destroy "$name" >/dev/null
}
run plain
[ "$lost" -gt 0 ] || fail "a flat burst of $N into 256 KiB lost nothing without --blocking"
plain_lost=$lost
run bl --blocking
grep -q "blocking mode" "$T/bl.create" || fail "create --blocking: $(cat "$T/bl.create")"
[ "$lost" = 0 ] || fail "blocking session lost $lost of $N"
read_trace "$T/bl"
[ "$(grep -c 'burst:item' "$T/bt.out")" = $N ] || fail "blocking: $(grep -c 'burst:item' "$T/bt.out") of $N in the trace"
echo "plain session lost $plain_lost of $N, blocking session none"
echo PASS
