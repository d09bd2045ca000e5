#!/usr/bin/env bash
# The server goes down for 5 s in the middle of a run: the consumer keeps
# writing locally without waiting on the network (a 4 MiB buffer, no
# --blocking: a consumer stuck for 5 s would drop events), and once the
# server is back (same port, same store) it resends what was not
# acknowledged and catches up: the collected trace equals the local one.
source "$(dirname "$0")/lib.sh"

one_server a
url=nats://127.0.0.1:$PORT_a
N=400000

# about 8 s: 400 bursts of 1,000 events, 20 ms apart
"$remora" record -o "$T/run" --buffer-size 4M --ship "$url" -- "$app" $N 1000 20000 \
	>"$T/r.out" 2>"$T/r.err" &
rpid=$!
for _ in $(seq 100); do
	[ -n "$(ls "$T/run" 2>/dev/null)" ] && break
	sleep 0.05
done
sleep 1
kill -9 "${NODE_PID[a]}"
wait "${NODE_PID[a]}" 2>/dev/null
down=$(stat -c %s "$T/run"/*/stream_0)
sleep 5
kill -0 "$rpid" 2>/dev/null || fail "the run ended while the server was down: make it longer"
during=$(stat -c %s "$T/run"/*/stream_0)
[ "$during" -gt "$down" ] || fail "the local trace did not grow while the server was down ($down -> $during bytes)"
start_node a
wait_port "$PORT_a"

wait "$rpid" || fail "record exit status $?: $(cat "$T/r.err")"
grep -q "^remora: $N events recorded, 0 lost" "$T/r.err" || fail "record: $(cat "$T/r.err")"
grep -q "lost the connection to NATS" "$T/r.err" || fail "record did not see the server go: $(cat "$T/r.err")"
grep -q "reconnected to" "$T/r.err" || fail "record did not see the server come back: $(cat "$T/r.err")"
grep -q "were not acknowledged by NATS" "$T/r.err" && fail "record: $(cat "$T/r.err")"

"$remora" collect "$url" -o "$T/c" 2>"$T/c.err" || fail "collect: $(cat "$T/c.err")"
host=$(ls "$T/c")
same_tree "$T/run" "$T/c/$host/run"
[ "$(bt_events "$T/c/$host/run")" = $N ] || fail "collected: $(bt_events "$T/c/$host/run") events, not $N"
grep '^remora: shipped' "$T/r.err"
echo PASS
