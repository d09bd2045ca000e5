#!/usr/bin/env bash
# One JetStream server on a free 127.0.0.1 port: `record --ship` creates the
# missing stream (file storage, 1 replica on a single server) and ships two
# runs (two sessions); `collect` rebuilds both under DIR/HOST/SESSION/ byte
# for byte, babeltrace2 reads the exact count; collecting again into the
# same DIR gets nothing new (what was acknowledged stays acknowledged); a
# `collect --follow` started before a run gets that run as it is shipped.
source "$(dirname "$0")/lib.sh"

one_server a
url=nats://127.0.0.1:$PORT_a

"$remora" record -o "$T/s1" --ship "$url" -- "$app" 200000 5000 1000 >"$T/r1.out" 2>"$T/r1.err" ||
	fail "record s1: $(cat "$T/r1.err")"
grep -q "created the JetStream stream REMORA_TRACES" "$T/r1.err" || fail "no stream creation said: $(cat "$T/r1.err")"
grep -q "^remora: 200000 events recorded, 0 lost" "$T/r1.err" || fail "record s1: $(cat "$T/r1.err")"
grep -q "^remora: shipped [0-9]* bytes" "$T/r1.err" || fail "record s1 shipped nothing: $(cat "$T/r1.err")"
grep -q "were not acknowledged by NATS" "$T/r1.err" && fail "record s1: $(cat "$T/r1.err")"
http_get "$MON_a" "/jsz?streams=true&config=true" | grep -q '"num_replicas": *1' ||
	fail "the stream is not 1 replica on a single server"
http_get "$MON_a" "/jsz?streams=true&config=true" | grep -q '"storage": *"file"' ||
	fail "the stream is not on file storage"

"$remora" record -o "$T/s2" --ship "$url" -- "$app" 50000 5000 0 >/dev/null 2>"$T/r2.err" ||
	fail "record s2: $(cat "$T/r2.err")"
grep -q "created the JetStream stream" "$T/r2.err" && fail "stream created twice"

"$remora" collect "$url" -o "$T/c" 2>"$T/c.err" || fail "collect: $(cat "$T/c.err")"
host=$(ls "$T/c")
[ "$(ls "$T/c" | wc -l)" = 1 ] || fail "collected hosts: $(ls "$T/c")"
same_tree "$T/s1" "$T/c/$host/s1"
same_tree "$T/s2" "$T/c/$host/s2"
[ "$(bt_events "$T/c/$host/s1")" = 200000 ] || fail "collected s1: $(bt_events "$T/c/$host/s1") events"
[ "$(bt_events "$T/c/$host/s2")" = 50000 ] || fail "collected s2: $(bt_events "$T/c/$host/s2") events"
[ "$(bt_events "$T/s1")" = 200000 ] || fail "local s1"

# the same DIR again: everything was acknowledged, nothing comes twice
"$remora" collect "$url" -o "$T/c" 2>"$T/c2.err" || fail "collect again: $(cat "$T/c2.err")"
grep -q "^remora collect: 0 messages" "$T/c2.err" || fail "collect again: $(cat "$T/c2.err")"
same_tree "$T/s1" "$T/c/$host/s1"

# --follow: started first, gets the run while it is shipped
"$remora" collect "$url" -o "$T/f" --follow 2>"$T/f.err" &
fpid=$!
"$remora" record -o "$T/s3" --ship "$url" -- "$app" 30000 3000 20000 >/dev/null 2>"$T/r3.err" ||
	fail "record s3: $(cat "$T/r3.err")"
for _ in $(seq 100); do
	diff -r "$T/s3" "$T/f/$host/s3" >/dev/null 2>&1 && break
	sleep 0.1
done
kill -TERM "$fpid"
wait "$fpid" || fail "collect --follow exit status $?: $(cat "$T/f.err")"
same_tree "$T/s3" "$T/f/$host/s3"
[ "$(bt_events "$T/f/$host/s3")" = 30000 ] || fail "followed s3"
grep -q "(interrupted)" "$T/f.err" || fail "collect --follow summary: $(cat "$T/f.err")"
echo PASS
