#!/usr/bin/env bash
# A 3-node JetStream cluster on 127.0.0.1: the stream is made with 3
# replicas; a 1,000,000-event run is shipped while the node `record` is
# connected to is SIGKILLed and restarted mid-run. The collected trace
# equals the local one byte for byte and babeltrace2 reads exactly
# 1,000,000 events from it: no event lost or twice.
source "$(dirname "$0")/lib.sh"

cluster n1 n2 n3
for n in n1 n2 n3; do wait_js "$n"; done
urls=nats://127.0.0.1:$PORT_n1,nats://127.0.0.1:$PORT_n2,nats://127.0.0.1:$PORT_n3
N=${SHIP_EVENTS:-1000000}   # bench/ship_cluster.sh runs more

# at least 4 s of events: 200 bursts, 20 ms apart
"$remora" record -o "$T/run" --blocking --ship "$urls" -- "$app" $N $((N / 200)) 20000 \
	>"$T/r.out" 2>"$T/r.err" &
rpid=$!

# the node record publishes through, once it has published something
victim=
for _ in $(seq 200); do
	for n in n1 n2 n3; do
		[ "$(connections $n)" = 1 ] && victim=$n
	done
	[ -n "$victim" ] && [ -s "$T/run"/*/stream_0 ] 2>/dev/null && break
	sleep 0.05
done
[ -n "$victim" ] || fail "no node holds record's connection: $(cat "$T/r.err")"
sleep 0.7
kill -0 "$rpid" 2>/dev/null || fail "the run ended before the kill: make it longer"
kill -9 "${NODE_PID[$victim]}"
wait "${NODE_PID[$victim]}" 2>/dev/null
sleep 1.5
kill -0 "$rpid" 2>/dev/null || echo "note: the run ended while $victim was down"
start_node "$victim"
wait_port "$(eval echo "\$PORT_$victim")"

wait "$rpid" || fail "record exit status $?: $(cat "$T/r.err")"
grep -q "^remora: $N events recorded, 0 lost" "$T/r.err" || fail "record: $(cat "$T/r.err")"
grep -q "lost the connection to NATS" "$T/r.err" || fail "record did not see the kill: $(cat "$T/r.err")"
grep -q "were not acknowledged by NATS" "$T/r.err" && fail "record: $(cat "$T/r.err")"
http_get "$MON_n1" "/jsz?streams=true&config=true" | grep -q '"num_replicas": *3' ||
	http_get "$MON_n2" "/jsz?streams=true&config=true" | grep -q '"num_replicas": *3' ||
	fail "the stream is not 3 replicas on a 3-node cluster"

"$remora" collect "$urls" -o "$T/c" 2>"$T/c.err" || fail "collect: $(cat "$T/c.err")"
host=$(ls "$T/c")
same_tree "$T/run" "$T/c/$host/run"
[ "$(bt_events "$T/c/$host/run")" = $N ] || fail "collected: $(bt_events "$T/c/$host/run") events, not $N"
echo "$(grep '^remora: shipped' "$T/r.err"); killed $victim"
echo PASS
