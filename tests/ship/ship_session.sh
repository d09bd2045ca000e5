#!/usr/bin/env bash
# `remora create NAME --ship URL`: remorad (under its seccomp filter) ships
# the session's traces; the options are saved with the session, so a
# remorad restarted mid-session ships the rest; `collect` rebuilds the
# session's directory byte for byte. $5 is remorad.
source "$(dirname "$0")/lib.sh"
remorad=$5
export REMORA_SOCKET=$T/remorad.sock REMORA_DAEMON=$remorad
unset XDG_RUNTIME_DIR REMORA_ENABLE
stop_remorad() {
	local p
	p=$("$remora" status 2>/dev/null | sed -n 's/^remorad pid \([0-9]*\),.*/\1/p')
	[ -n "$p" ] && kill "$p" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.05; done
}
trap 'stop_remorad; cleanup' EXIT

one_server a
url=nats://127.0.0.1:$PORT_a

"$remora" create s1 -o "$T/sess" --ship "http://x" >"$T/c0.out" 2>&1 && fail "create accepted a bad URL"
grep -q "unknown scheme" "$T/c0.out" || fail "create bad URL: $(cat "$T/c0.out")"
"$remora" create s1 -o "$T/sess" --ship "$url" --ship-subject fleet.traces >"$T/c.out" 2>&1 ||
	fail "create: $(cat "$T/c.out")"
grep -q "shipped to $url (subject fleet.traces)" "$T/c.out" || fail "create: $(cat "$T/c.out")"
"$remora" enable-event 'ship:*' >/dev/null || fail "enable-event"
"$remora" start >/dev/null || fail "start"
"$app" 20000 2000 10000 >"$T/a1.out" || fail "app 1"
# remorad restarts: the saved session comes back with its shipping
stop_remorad
grep -q "^ship s1 $url$" "$T/remorad.sessions" 2>/dev/null ||
	grep -rq "^ship s1 $url$" "$T" 2>/dev/null || fail "ship options not saved with the session"
"$remora" status >/dev/null 2>&1 || "$remora" list >/dev/null 2>&1
"$remora" create s2 -o "$T/other" >/dev/null 2>&1   # starts remorad again
"$app" 30000 3000 10000 >"$T/a2.out" || fail "app 2"
"$remora" stop s1 >"$T/stop.out" || fail "stop: $(cat "$T/stop.out")"
"$remora" destroy s1 >/dev/null || fail "destroy"
[ "$(bt_events "$T/sess")" = 50000 ] || fail "local session trace: $(bt_events "$T/sess") events"

# the shipper ends in the background: collect until the copy is whole
for _ in $(seq 50); do
	"$remora" collect "$url" --ship-subject fleet.traces -o "$T/c" 2>"$T/col.err" ||
		fail "collect: $(cat "$T/col.err")"
	host=$(ls "$T/c")
	diff -r "$T/sess" "$T/c/$host/sess" >/dev/null 2>&1 && break
	sleep 0.2
done
same_tree "$T/sess" "$T/c/$host/sess"
[ "$(bt_events "$T/c/$host/sess")" = 50000 ] || fail "collected: $(bt_events "$T/c/$host/sess") events"
echo PASS
