#!/usr/bin/env bash
# The LTTng-like flow with remorad: an app already running before remorad
# and before the session, `create` starting remorad, enable-event by
# wildcard, start, a second app started during the session, stop,
# babeltrace2, a second session with other rules on the same apps,
# destroy; `list` shows traced processes and untraceable ones.
. "$(dirname "$0")/lib.sh"

start_app a run "$T/stop"                       # before remorad exists
sleep 0.3
"$remora" create s1 -o "$T/t1" >"$T/create.out" 2>&1 || fail "create: $(cat "$T/create.out")"
grep -q "started remorad" "$T/create.out" || fail "create did not start remorad: $(cat "$T/create.out")"
rd=$(remorad_pid)
[ -n "$rd" ] || fail "no remorad pid in status"
wait_listed "$a"                                # its helper reconnected (500 ms retry)
"$remora" list | grep -q '    sess:tick \[disabled\]' || fail "list: events of pid $a: $("$remora" list)"

"$remora" enable-event 'sess:t*' | grep -q "enabled in session s1" || fail "enable-event"
"$remora" start | grep -q "started for session s1" || fail "start"
"$remora" list | grep -q '    sess:tick \[enabled\]' || fail "enable byte not set: $("$remora" list)"
"$remora" list | grep -q '    sess:other \[disabled\]' || fail "sess:other enabled: $("$remora" list)"
sleep 0.5
start_app b run "$T/stop"                       # during the session
wait_listed "$b"
sleep 0.5
"$remora" status s1 | grep -q 'Session s1 (current) \[started\]' || fail "status: $("$remora" status)"
"$remora" stop >"$T/stop.out" || fail "stop"
grep -q "Tracing stopped for session s1: [1-9][0-9]* events written, 0 lost" "$T/stop.out" ||
    fail "stop summary: $(cat "$T/stop.out")"
"$remora" list | grep -q '    sess:tick \[enabled\]' && fail "stop left sess:tick enabled"

read_trace "$T/t1"
grep -q "sess:tick: { pid = $a," "$T/bt.out" || fail "no tick of the app started before remorad"
grep -q "sess:tick: { pid = $b," "$T/bt.out" || fail "no tick of the app started during the session"
grep -q "sess:other" "$T/bt.out" && fail "sess:other recorded, the rule was sess:t*"
# every tick of app a between the first and the last one recorded is there
ticks=$(grep "sess:tick: { pid = $a," "$T/bt.out" | sed -E 's/.*\{ i = ([0-9]+) \}.*/\1/')
first=$(head -1 <<<"$ticks") last=$(tail -1 <<<"$ticks") n=$(wc -l <<<"$ticks")
[ $((last - first + 1)) = "$n" ] || fail "ticks of $a: $n events from $first to $last"
[ -d "$T/t1/sess_app-$a" ] && [ -d "$T/t1/sess_app-$b" ] || fail "trace dirs: $(ls "$T/t1")"

# A second session, another rule, on the same running apps; -s names it.
"$remora" create s2 -o "$T/t2" >/dev/null || fail "create s2"
"$remora" enable-event -s s2 'sess:other' 'nomatch:*' >/dev/null || fail "enable-event -s s2"
"$remora" disable-event -s s2 'nomatch:*' >/dev/null || fail "disable-event"
"$remora" start s2 >/dev/null
sleep 0.5
"$remora" status s2 | grep -q '^    sess:other$' || fail "status rules: $("$remora" status s2)"
"$remora" status s2 | grep -q 'nomatch' && fail "disabled rule still listed"
"$remora" stop s2 >/dev/null
read_trace "$T/t2"
grep -q "sess:other" "$T/bt.out" || fail "s2 recorded no sess:other"
grep -q "sess:tick" "$T/bt.out" && fail "s2 recorded sess:tick"

# An app whose helper talks to another socket: untraceable here.
REMORA_SOCKET=$T/elsewhere.sock start_app c run "$T/stop"
sleep 0.5
"$remora" list | grep -q "^pid $c (sess_app): untraceable (no helper)" ||
    fail "list does not show $c untraceable: $("$remora" list)"

"$remora" destroy s1 | grep -q "Session s1 destroyed" || fail "destroy s1"
"$remora" destroy s2 >/dev/null || fail "destroy s2"
"$remora" status | grep -q "No sessions" || fail "sessions left: $("$remora" status)"
kill "$rd"
for _ in $(seq 50); do kill -0 "$rd" 2>/dev/null || break; sleep 0.1; done
kill -0 "$rd" 2>/dev/null && fail "remorad ignored SIGTERM"
[ -e "$T/remorad.ctl" ] && fail "control socket left behind"
echo PASS
