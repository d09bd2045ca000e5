#!/usr/bin/env bash
# `remora collect` trusts nothing it receives: messages on the stream whose
# headers name a path outside DIR ("..", "/", hidden names), a file that is
# not a trace file, a bad offset, or no headers at all are dropped (said,
# counted, terminated so they do not come again), nothing is written
# outside DIR, and a genuine run in the same stream is rebuilt whole. $5 is
# ship_pub.
source "$(dirname "$0")/lib.sh"
pub=$5
one_server a
url=nats://127.0.0.1:$PORT_a

"$remora" record -o "$T/run" --ship "$url" -- "$app" 5000 1000 0 >/dev/null 2>"$T/r.err" ||
	fail "record: $(cat "$T/r.err")"
ok="Remora-Host=h Remora-Session=s Remora-Trace=t Remora-File=stream_0 Remora-Offset=0"
send() { "$pub" "$url" remora.traces.evil.x "$@" || fail "ship_pub $*"; }
send data
send data $ok Remora-Host=..
send data $ok Remora-Session=../../escape
send data $ok Remora-Trace=/etc
send data $ok Remora-Trace=a/../../b
send data $ok Remora-Trace=.hidden
send data $ok Remora-File=../metadata
send data $ok Remora-File=stream_x
send data $ok Remora-File=passwd
send data $ok Remora-Offset=-1
send data $ok Remora-Offset=99999999999999999999
send data $ok Remora-Offset=

mkdir -p "$T/c"
"$remora" collect "$url" -o "$T/c/out" 2>"$T/c.err" || fail "collect: $(cat "$T/c.err")"
[ "$(grep -c "ignored a message on remora.traces.evil.x" "$T/c.err")" = 12 ] ||
	fail "not 12 messages ignored: $(cat "$T/c.err")"
grep -q "^remora collect: 12 messages on remora.traces.> were not remora trace ranges" "$T/c.err" ||
	fail "the count of dropped messages: $(cat "$T/c.err")"
[ "$(ls "$T/c")" = out ] || fail "written outside DIR: $(ls -R "$T/c")"
[ -e "$T/escape" ] && fail "written outside DIR: $T/escape"
host=$(ls "$T/c/out")
[ "$host" = "$(ls "$T/c/out" | head -1)" ] && [ "$(ls "$T/c/out" | wc -l)" = 1 ] ||
	fail "directories made for bad messages: $(ls "$T/c/out")"
same_tree "$T/run" "$T/c/out/$host/run"
[ "$(bt_events "$T/c/out/$host/run")" = 5000 ] || fail "collected run"
# terminated, not redelivered: a second pass into the same DIR sees nothing
"$remora" collect "$url" -o "$T/c/out" 2>"$T/c2.err" || fail "collect again"
grep -q "^remora collect: 0 messages" "$T/c2.err" || fail "collect again: $(cat "$T/c2.err")"
grep -q "ignored" "$T/c2.err" && fail "bad messages delivered again: $(cat "$T/c2.err")"
echo PASS
