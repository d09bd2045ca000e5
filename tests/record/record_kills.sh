#!/usr/bin/env bash
# The real processes killed mid-run (record_helper_killed.sh has the
# helper's SIGKILL):
# 1. the helper stopped (SIGSTOP) for 0.5 s and continued: the app runs on,
#    exits 0, and every one of its 1500 events is in the trace, in order;
# 2. `remora record` itself (the consumer) SIGKILLed: the app runs on to
#    its end and exits 0; what was written is a readable trace whose ticks
#    are 0..k without a hole; the next `remora record` removes the socket
#    directory the killed one left in /tmp.
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}"
remora=$1 ticker=$2 bt=$3
out=$(mktemp -d /tmp/remora-test-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }  # stderr: also from inside $(...)

# start_wrapped NAME: record runs sh, which runs the ticker (1500 ticks,
# 1 ms apart), writes its pid to NAME.pid and its exit status to NAME.st.
start_wrapped() {
    "$remora" record -o "$out/$1" -- sh -c '"$1" 1500 & echo $! >"$2.pid"; wait $!; echo $? >"$2.st"' \
        sh "$ticker" "$out/$1" >"$out/$1.out" 2>"$out/$1.err" &
    rec=$!
    app= helper=
    for _ in $(seq 1 300); do
        app=$(cat "$out/$1.pid" 2>/dev/null || true)
        [ -n "$app" ] && helper=$(tr -d ' ' <"/proc/$app/task/$app/children" 2>/dev/null || true)
        [ -n "$helper" ] && break
        sleep 0.01
    done
    [ -n "$helper" ] || fail "$1: the app or its helper did not start"
}
ticks_from_0() { # DIR: the ticks are 0..k in order; prints k+1
    "$bt" "$1" >"$out/bt" 2>"$out/bt.err" || fail "babeltrace2 $1: $(cat "$out/bt.err")"
    [ ! -s "$out/bt.err" ] || fail "babeltrace2 warned on $1: $(cat "$out/bt.err")"
    sed -E 's/.*\{ n = ([0-9]+) \}$/\1/' "$out/bt" >"$out/ns"
    local n
    n=$(wc -l <"$out/ns")
    seq 0 $((n - 1)) | cmp -s - "$out/ns" || fail "$1: $n ticks, not 0..$((n - 1)) in order"
    echo "$n"
}

# 1. helper stopped and continued
start_wrapped stop
sleep 0.3
kill -STOP "$helper"
sleep 0.5
kill -CONT "$helper"
wait "$rec" || fail "stop: record exited $?: $(cat "$out/stop.err")"
[ "$(cat "$out/stop.st")" = 0 ] || fail "stop: the app exited $(cat "$out/stop.st")"
grep -q 'remora: 1500 events recorded, 0 lost' "$out/stop.err" || fail "stop: summary: $(cat "$out/stop.err")"
[ "$(ticks_from_0 "$out/stop")" = 1500 ] || fail "stop: not 1500 ticks"

# 2. remora record (the consumer) killed
start_wrapped kill
# killed once its socket directory exists (a slow start, under ASan, took
# longer than a fixed wait)
for _ in $(seq 1 1000); do ls -d /tmp/remora-rec-"$rec"-* >/dev/null 2>&1 && break; sleep 0.01; done
ls -d /tmp/remora-rec-"$rec"-* >/dev/null 2>&1 || fail "kill: record (pid $rec) made no socket directory"
sleep 0.3
kill -KILL "$rec"
wait "$rec" 2>/dev/null || true
for _ in $(seq 1 500); do [ -f "$out/kill.st" ] && break; sleep 0.01; done
[ "$(cat "$out/kill.st" 2>/dev/null)" = 0 ] || fail "kill: the app did not end with status 0 after record's death"
# (not checked that it is still there now: a record another test starts
# meanwhile may already have removed it, as the next one must)
kept=$(ticks_from_0 "$out/kill")
"$remora" record -o "$out/next" -- "$ticker" 10 0 >/dev/null 2>"$out/next.err" || fail "next record: $(cat "$out/next.err")"
! ls -d /tmp/remora-rec-"$rec"-* >/dev/null 2>&1 || fail "the next record left the killed one's socket directory"
echo "helper stopped 0.5 s: 1500 of 1500 kept; record killed: the app exited 0, $kept ticks kept in order, its /tmp directory removed by the next run"
echo PASS
