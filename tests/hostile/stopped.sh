#!/usr/bin/env bash
# Stopped producer: `remora record` of an app that is SIGSTOPped for 3 s in
# the middle of its 3,000 events, then SIGCONTed: same output as plain,
# every event in the trace exactly once (seq 0..2999), nothing lost, no
# babeltrace2 warning, and record returns within 2 s of the app's exit.
. "$(dirname "$0")/lib.sh"
plain pl "$out/pl.file"
traced tr "$out/tr.file" &
rec=$!
pid=
for _ in $(seq 1 200); do
	pid=$(cat "$out/tr.file" 2>/dev/null || true)
	[ -n "$pid" ] && break
	sleep 0.02
done
[ -n "$pid" ] || fail "the app never started"
sleep 0.5
# a failed check must not leave the app stopped (record would wait for it)
trap 'set +e; kill -CONT "$pid" 2>/dev/null; rm -rf "$out"' EXIT
kill -STOP "$pid"
# the stop lands a moment after kill(2) returns
for _ in $(seq 1 100); do
	grep -q '^State:.*T (stopped)' "/proc/$pid/status" && break
	sleep 0.01
done
grep -q '^State:.*T (stopped)' "/proc/$pid/status" || fail "app $pid not stopped: $(grep State "/proc/$pid/status")"
sleep 3
kill -CONT "$pid"
wait "$rec"
done_ms=$(date +%s%3N)
exit_ms=$(cat "$out/tr.file")
[ "$exit_ms" != "$pid" ] || fail "the app did not finish"
lag=$((done_ms - exit_ms))
[ "$lag" -le 2000 ] || fail "record returned $lag ms after the app exited"
same tr pl
btread tr
summary tr 3000 0
expect tr ' stp:ev: ' 3000
seqs=$(grep -o 'seq = [0-9]*' "$out/tr.bt" | sed 's/seq = //' | sort -n | uniq | wc -l)
[ "$seqs" = 3000 ] || fail "$seqs distinct events of 3000"
echo "stopped 3 s mid-run: 3000 events kept; record returned $lag ms after the app exited"
echo PASS
