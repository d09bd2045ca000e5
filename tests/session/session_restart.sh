#!/usr/bin/env bash
# remorad killed (SIGKILL) and started again: the running app's helper
# reconnects, the saved session resumes, and the app is traced again; what
# the app committed while no remorad ran reaches the trace too; the app
# itself never notices: its output and exit status are those of a run
# without remora.
. "$(dirname "$0")/lib.sh"
start_remorad
start_app a run "$T/stop"
wait_listed "$a"
"$remora" create r -o "$T/r" >/dev/null
"$remora" enable-event 'sess:tick' >/dev/null
"$remora" start >/dev/null
sleep 0.5
kill -9 "$rd"
wait "$rd" 2>/dev/null || true
sleep 0.7                                   # the app keeps committing meanwhile
start_remorad
grep -q "1 session restored" "$T/remorad.log" || fail "session not restored"
wait_listed "$a"
"$remora" status r | grep -q '\[started\]' || fail "session not started again: $("$remora" status r)"
"$remora" list | grep -q '    sess:tick \[enabled\]' || fail "sess:tick not enabled after restart"
sleep 0.5
"$remora" stop >/dev/null
read_trace "$T/r"
[ "$(ls "$T/r" | wc -l)" = 2 ] || fail "expected a trace before and one after the restart: $(ls "$T/r")"
after=$(grep -c "sess:tick: { pid = $a," <(for d in "$T"/r/*.1; do "$bt" "$d"; done) || true)
[ "$after" -gt 0 ] || fail "no tick after the restart"
ticks=$(grep "sess:tick: { pid = $a," "$T/bt.out" | sed -E 's/.*\{ i = ([0-9]+) \}.*/\1/' | sort -n)
first=$(head -1 <<<"$ticks") last=$(tail -1 <<<"$ticks") n=$(wc -l <<<"$ticks")
[ $((last - first + 1)) = "$n" ] || fail "ticks $first..$last: $n of them, some lost across the restart"
"$remora" destroy >/dev/null
touch "$T/stop"
st=0
wait "$a" || st=$?
[ "$st" = 0 ] || fail "the app exited $st after remorad's kill and restart"
[ "$(cat "$T/a.out")" = "pid $a" ] || fail "the app's output: $(cat "$T/a.out")"
echo PASS
