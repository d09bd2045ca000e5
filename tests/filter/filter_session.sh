#!/usr/bin/env bash
# enable-event --filter in a running remorad session, changed mid-run
# without restarting the app:
#  - filter_app emits ft:req every 200 us, path "/a/N" then "/b/N" in turns
#    of 50; the session starts with 'path == "/a/*" && id >= 0';
#  - enable-event again with 'path == "/b/*"' replaces the filter: the trace
#    (babeltrace2) holds /a records, then /b records, and not one /a after
#    the first /b; the first /b is at most 1 s after enable-event returned;
#  - the app-side program really runs: while the /a filter is on, the
#    arena's enable byte of ft:req names a filter slot (`remora list`
#    shows it), so filtered-out records never reach the buffer;
#  - an unknown field or a string compared as a number is refused by
#    enable-event with the event, field and column, exit status non-zero;
#    a syntax error with exit status 2.
. "$(dirname "$0")/../session/lib.sh"

start_app a run "$T/stop"
"$remora" create s -o "$T/t" >"$T/create.out" 2>&1 || fail "create: $(cat "$T/create.out")"
wait_listed "$a"
"$remora" enable-event 'ft:req' --filter 'path == "/a/*" && id >= 0' >"$T/en1.out" 2>&1 ||
	fail "enable-event: $(cat "$T/en1.out")"
grep -q "enabled with filter" "$T/en1.out" || fail "enable-event said: $(cat "$T/en1.out")"
"$remora" start >/dev/null || fail "start"
# errors against the events the app has now
"$remora" enable-event 'ft:req' --filter 'id > 1 && nosuch == 2' >"$T/e1.out" 2>&1 && fail "unknown field accepted"
grep -q "ft:req: unknown field 'nosuch'.*column 11" "$T/e1.out" || fail "unknown field: $(cat "$T/e1.out")"
"$remora" enable-event 'ft:req' --filter 'path > 2' >"$T/e2.out" 2>&1 && fail "string as number accepted"
grep -q "field 'path' is a string.*column 1" "$T/e2.out" || fail "type mismatch: $(cat "$T/e2.out")"
rc=0
"$remora" enable-event 'ft:req' --filter 'id >' >"$T/e3.out" 2>&1 || rc=$?
[ $rc = 2 ] || fail "syntax error: exit status $rc"
grep -q "column 5" "$T/e3.out" || fail "syntax error: $(cat "$T/e3.out")"
sleep 1.5
"$remora" list >"$T/list.out" 2>&1
grep -q 'ft:req \[enabled, app filter\]' "$T/list.out" || fail "no app-side filter on ft:req: $(cat "$T/list.out")"

"$remora" enable-event 'ft:req' --filter 'path == "/b/*"' >"$T/en2.out" 2>&1 ||
	fail "enable-event again: $(cat "$T/en2.out")"
changed=$(date +%s.%N)
sleep 1.5
"$remora" stop >"$T/stop.out" 2>&1 || fail "stop: $(cat "$T/stop.out")"
touch "$T/stop"
read_trace "$T/t"
"$bt" --clock-seconds "$T/t" >"$T/bts.out" 2>/dev/null
na=$(grep -c 'path = "/a/' "$T/bt.out" || true)
nb=$(grep -c 'path = "/b/' "$T/bt.out" || true)
[ "$na" -gt 0 ] && [ "$nb" -gt 0 ] || fail "/a records: $na, /b records: $nb"
first_b=$(awk '/path = "\/b\//{ print NR; exit }' "$T/bt.out")
last_a=$(awk '/path = "\/a\//{ n = NR } END { print n }' "$T/bt.out")
[ "$last_a" -lt "$first_b" ] || fail "an /a record (line $last_a) after the first /b one (line $first_b)"
tb=$(awk '/path = "\/b\//{ sub(/^\[/, ""); sub(/\].*/, ""); print; exit }' "$T/bts.out")
awk -v tb="$tb" -v c="$changed" 'BEGIN { exit !(tb - c <= 1.0) }' ||
	fail "first /b record $tb, $(awk -v tb="$tb" -v c="$changed" 'BEGIN { print tb - c }') s after the change"
echo "ok: $na /a then $nb /b records; first /b $(awk -v tb="$tb" -v c="$changed" 'BEGIN { printf "%.3f", tb - c }') s after the change"
echo PASS
