#!/usr/bin/env bash
# Filters and contexts survive a remorad restart (SIGKILL): the session
# file keeps each rule's filter and the session's contexts, so the trace
# written after the restart still holds only the matching records, with
# the context fields.
. "$(dirname "$0")/../session/lib.sh"
start_remorad
start_app a run "$T/stop"
wait_listed "$a"
"$remora" create r -o "$T/r" >/dev/null
"$remora" enable-event 'ft:req' --filter 'path == "/a/*"' >/dev/null || fail "enable-event"
"$remora" add-context -t vtid >/dev/null || fail "add-context"
"$remora" start >/dev/null
sleep 0.5
kill -9 "$rd"
wait "$rd" 2>/dev/null || true
start_remorad
grep -q "1 session restored" "$T/remorad.log" || fail "session not restored"
wait_listed "$a"
sleep 1
"$remora" stop >/dev/null
touch "$T/stop"
n=0
for d in "$T"/r/*; do
	read_trace "$d" allow-discarded
	grep -q 'path = "/b/' "$T/bt.out" && fail "a /b record in $d: the filter was lost"
	k=$(grep -c 'path = "/a/' "$T/bt.out" || true)
	[ "$k" = "$(grep -c "vtid = $a }" "$T/bt.out" || true)" ] || fail "records without vtid in $d"
	n=$((n + k))
done
[ "$n" -gt 0 ] || fail "no records: $(ls "$T/r")"
echo "ok: $n /a records with vtid across the restart ($(ls "$T/r" | wc -l) trace dirs)"
echo PASS
