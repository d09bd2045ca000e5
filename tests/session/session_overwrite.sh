#!/usr/bin/env bash
# create --overwrite: a flight recorder. remorad keeps draining the arena
# but holds each trace's newest packets in memory (as much as the arena
# holds) and writes them at stop: the newest records are in the trace, the
# oldest are not, and what was dropped is counted (status, events_discarded).
. "$(dirname "$0")/lib.sh"
start_remorad
N=40000
# 512 KiB arena, so the ring holds about 8000 of the 40000 records.
REMORA_BUFFER_SIZE=512K start_app a burst $N "$T/go" "$T/stop"
wait_listed "$a"
"$remora" create fr -o "$T/fr" --overwrite | grep -q "overwrite mode" || fail "create --overwrite"
"$remora" enable-event 'burst:*' >/dev/null
"$remora" start >/dev/null
touch "$T/go"
for _ in $(seq 200); do grep -q "burst done" "$T/a.out" && break; sleep 0.1; done
grep -q "burst done" "$T/a.out" || fail "the app did not finish its burst"
sleep 0.3
st=$("$remora" status fr)
grep -q "events written: 0," <<<"$st" || fail "a flight recorder wrote before stop: $st"
grep -q "held in memory until stop: [1-9]" <<<"$st" || fail "nothing held in memory: $st"
"$remora" stop >/dev/null
st=$("$remora" status fr)
grep -q "lost: [1-9]" <<<"$st" || fail "no loss reported: $st"
read_trace "$T/fr" allow-discarded
grep -q "discarded" "$T/bt.err" || fail "babeltrace2 reports no discarded events: $(cat "$T/bt.err")"
items=$(grep -c "burst:item" "$T/bt.out" || true)
[ "$items" -gt 1000 ] && [ "$items" -lt $N ] || fail "$items records kept of $N"
grep -q "{ i = $((N - 1)), " "$T/bt.out" || fail "the newest record ($((N - 1))) is missing: $(grep burst:item "$T/bt.out" | tail -2), $(cat "$T/bt.err")"
grep -q "{ i = 0, " "$T/bt.out" && fail "the oldest record is still there"
# what is kept is the newest, without holes
ids=$(grep "burst:item" "$T/bt.out" | sed -E 's/.*\{ i = ([0-9]+),.*/\1/' | sort -n)
first=$(head -1 <<<"$ids")
[ $((N - first)) = "$items" ] || fail "kept $items records from $first to $((N - 1)): holes"
"$remora" destroy >/dev/null
echo PASS
