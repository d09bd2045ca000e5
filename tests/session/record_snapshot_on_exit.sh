#!/usr/bin/env bash
# `remora record --snapshot-on-exit`: the one-shot flight recorder. The
# embedded consumer keeps the newest packets in memory, writes nothing while
# the command runs, and writes one snapshot directory DIR/snapshot-1-*
# when it ends. Proves, with babeltrace2 (exact counts, every index, in
# order, no warning):
# 1. an app SIGKILLed after committing N events: all N are in the snapshot,
#    and record exits 137 like the app;
# 2. more data than the ring holds: the newest events without a hole, the
#    older ones reported overwritten (not lost: no events_discarded);
# 3. bad input: --snapshot-on-exit with --overwrite is refused (status 2).
. "$(dirname "$0")/lib.sh"

items() { # DIR FIRST LAST
    read_trace "$1"
    grep "burst:item" "$T/bt.out" | sed -E 's/.*\{ i = ([0-9]+),.*/\1/' >"$T/ids"
    seq "$2" "$3" | cmp -s - "$T/ids" ||
        fail "$1: expected burst:item $2..$3 in order, got $(wc -l <"$T/ids") from $(head -1 "$T/ids") to $(tail -1 "$T/ids")"
}

# --- 1. SIGKILLed app ---
N=5000
# Made here: the background shell may not have opened it when sed first reads.
: >"$T/rec.out"
"$remora" record --snapshot-on-exit -o "$T/rec" -- "$app" burst $N "$T/go" "$T/stop" \
    >"$T/rec.out" 2>"$T/rec.err" &
rec=$!
pids+=("$rec")
a=
for _ in $(seq 200); do a=$(sed -n 's/^pid //p' "$T/rec.out"); [ -n "$a" ] && break; sleep 0.05; done
[ -n "$a" ] || fail "the app did not start: $(cat "$T/rec.err")"
touch "$T/go"
for _ in $(seq 200); do grep -q "burst done" "$T/rec.out" && break; sleep 0.05; done
grep -q "burst done" "$T/rec.out" || fail "the app did not finish its burst"
sleep 0.3
[ -z "$(ls -A "$T/rec")" ] || fail "written before the command ended: $(ls -A "$T/rec")"
kill -9 "$a"
st=0
wait "$rec" || st=$?
[ "$st" = 137 ] || fail "record exited $st, the app was SIGKILLed (137): $(cat "$T/rec.err")"
path=$(sed -n 's/^remora: snapshot written to \(.*\): [0-9]* events.*/\1/p' "$T/rec.err")
case "$path" in "$T"/rec/snapshot-1-[0-9]*-[0-9]*) ;; *) fail "snapshot path '$path': $(cat "$T/rec.err")" ;; esac
grep -q "snapshot written to $path: $N events, 1 process tree" "$T/rec.err" || fail "$(cat "$T/rec.err")"
[ "$(ls "$T/rec")" = "$(basename "$path")" ] || fail "more than the snapshot in $T/rec: $(ls "$T/rec")"
[ -d "$path/sess_app-$a" ] || fail "no trace of pid $a in $path: $(ls "$path")"
items "$path" 0 $((N - 1))

# --- 2. a 512K arena, 40,000 events: the newest kept ---
N=40000
touch "$T/stop2"
"$remora" record --snapshot-on-exit --buffer-size 512K -o "$T/small" -- \
    "$app" burst $N "$T/go" "$T/stop2" >"$T/small.out" 2>"$T/small.err" ||
    fail "record: $(cat "$T/small.err")"
path=$(sed -n 's/^remora: snapshot written to \(.*\): [0-9]* events.*/\1/p' "$T/small.err")
n=$(sed -n 's/^remora: snapshot written to .*: \([0-9]*\) events.*/\1/p' "$T/small.err")
[ -n "$n" ] && [ "$n" -gt 1000 ] && [ "$n" -lt $N ] || fail "kept $n of $N: $(cat "$T/small.err")"
grep -q "$((N - n)) older events were overwritten" "$T/small.err" || fail "$(cat "$T/small.err")"
items "$path" $((N - n)) $((N - 1))

# --- 3. bad input ---
st=0
"$remora" record --snapshot-on-exit --overwrite -o "$T/bad" -- true 2>"$T/bad.err" || st=$?
[ "$st" = 2 ] && grep -q "excludes --overwrite" "$T/bad.err" || fail "status $st: $(cat "$T/bad.err")"
[ ! -e "$T/bad" ] || fail "a refused record made $T/bad"
echo PASS
