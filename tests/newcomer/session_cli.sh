#!/usr/bin/env bash
# The session verbs take the session as -s NAME or alone (start, stop,
# destroy, status, like enable-event's -s); enable-event warns about a
# pattern that matches no event type a traced process registered, naming
# the types seen; `remora list` shows processes only: a helper is not
# listed as a second (untraceable) process; a refused create makes no
# directory.
set -uo pipefail
. "$(dirname "$0")/../session/lib.sh" "$@"
set +e

"$remora" create web -o "$T/web" >/dev/null 2>"$T/e" || fail "create: $(cat "$T/e")"
rd=$(remorad_pid) # started by create: lib.sh's cleanup stops it
[ -n "$rd" ] || fail "no remorad pid"
# a create that is refused makes no directory
"$remora" create web -o "$T/dup" >/dev/null 2>&1; [ $? = 1 ] || fail "create of an existing session: expected 1"
"$remora" create web2 -o "$T/bad" --overwrite --blocking >/dev/null 2>&1; [ $? = 2 ] ||
    fail "create --overwrite --blocking: expected 2"
[ ! -e "$T/dup" ] && [ ! -e "$T/bad" ] || fail "a refused create left a directory: $(ls -d "$T"/dup "$T"/bad 2>&1)"
start_app a run "$T/stop"
wait_listed "$a"
"$remora" enable-event -s web 'sess:tick' 'sess:tck' >"$T/o" 2>"$T/e" || fail "enable-event: $(cat "$T/e")"
grep -q "remora enable-event: warning: pattern 'sess:tck' matched no event type; types seen: burst:item, sess:other, sess:tick" "$T/e" ||
    fail "no warning for sess:tck: $(cat "$T/e")"
! grep -q "'sess:tick' matched no" "$T/e" || fail "warned about a pattern that matched: $(cat "$T/e")"

"$remora" start -s web >"$T/o" 2>"$T/e" || fail "start -s web: $(cat "$T/e")"
grep -q "started for session web" "$T/o" || fail "start -s web said: $(cat "$T/o")"
"$remora" status -s web >"$T/o" 2>"$T/e" || fail "status -s web: $(cat "$T/e")"
grep -q "^Session web (current) \[started\]" "$T/o" || fail "status -s web: $(cat "$T/o")"
"$remora" status --session=web >/dev/null 2>&1 || fail "status --session=web"
"$remora" start -s web extra 2>"$T/e"; [ $? = 2 ] || fail "start -s web extra: expected 2"
grep -q "unexpected argument 'extra'" "$T/e" || fail "start -s web extra said: $(cat "$T/e")"
"$remora" stop -s nosuch 2>"$T/e"; [ $? = 1 ] || fail "stop -s nosuch: expected 1"
sleep 0.3
"$remora" stop -s web >"$T/o" 2>"$T/e" || fail "stop -s web: $(cat "$T/e")"
"$remora" start web >/dev/null 2>&1 || fail "start web (positional)"
"$remora" stop web >/dev/null 2>&1 || fail "stop web (positional)"

# the app and, apart, an app whose helper talks to another socket: neither
# helper is listed
REMORA_SOCKET=$T/elsewhere.sock start_app b run "$T/stop"
for _ in $(seq 50); do
    hb=$(cat /proc/"$b"/task/"$b"/children 2>/dev/null | tr -d ' ')
    [ -n "$hb" ] && break
    sleep 0.1
done
[ -n "$hb" ] || fail "app $b has no helper"
ha=$("$remora" list | sed -n 's/^  helper pid \([0-9]*\),.*/\1/p')
[ -n "$ha" ] || fail "no helper pid in list: $("$remora" list)"
"$remora" list >"$T/o" 2>"$T/e" || fail "list: $(cat "$T/e")"
grep -q "^pid $b (sess_app): untraceable" "$T/o" || fail "app $b not listed as untraceable: $(cat "$T/o")"
! grep -qE "^pid ($ha|$hb) " "$T/o" || fail "a helper ($ha or $hb) is listed as a process: $(cat "$T/o")"
"$remora" list -s web 2>/dev/null; [ $? = 2 ] || fail "list -s web: expected 2 (list takes no session)"

"$remora" destroy -s web >/dev/null 2>"$T/e" || fail "destroy -s web: $(cat "$T/e")"
read_trace "$T/web"
[ "$(grep -c 'sess:tick' "$T/bt.out")" -gt 0 ] || fail "no sess:tick in the trace"
[ "$(grep -vc 'sess:tick' "$T/bt.out")" = 0 ] || fail "events other than sess:tick: $(grep -v sess:tick "$T/bt.out" | head -3)"
echo PASS
