#!/usr/bin/env bash
# Clear errors: a wrong URL, a bad subject or an unreadable credentials
# file are refused before anything runs (exit 2, naming what is wrong); an
# unreachable server makes `record` warn and trace locally anyway (the
# local trace complete, the unshipped bytes said); `collect` says it cannot
# reach the server (exit 1) and wants -o.
source "$(dirname "$0")/lib.sh"
cd "$T" || fail "cd"

expect() { # STATUS PATTERN CMD...: exit status and a line of stderr
	local want=$1 pat=$2 st
	shift 2
	"$@" >"$T/e.out" 2>"$T/e.err"
	st=$?
	[ "$st" = "$want" ] || fail "$*: exit status $st, not $want: $(cat "$T/e.err")"
	cat "$T/e.out" "$T/e.err" | grep -q -- "$pat" || fail "$*: no '$pat' in: $(cat "$T/e.err")"
}

expect 2 "unknown scheme (use nats:// or tls://)" "$remora" record -o r1 --ship http://127.0.0.1:4222 -- "$app" 10 10 0
[ -e r1 ] && fail "a refused record created its output directory"
expect 2 "bad port 'x'" "$remora" record --ship nats://127.0.0.1:x -- "$app" 10 10 0
expect 2 "bad port '70000'" "$remora" record --ship nats://a:1,nats://b:70000 -- "$app" 10 10 0
expect 2 "no host" "$remora" record --ship nats://:4222 -- "$app" 10 10 0
expect 2 "bad subject 'a..b'" "$remora" record --ship nats://h:1 --ship-subject a..b -- "$app" 10 10 0
expect 2 "bad subject 'a.>'" "$remora" record --ship nats://h:1 --ship-subject 'a.>' -- "$app" 10 10 0
expect 2 "cannot read the --ship-creds file $T/none.creds" "$remora" record --ship nats://h:1 --ship-creds "$T/none.creds" -- "$app" 10 10 0
expect 2 "need --ship URLS" "$remora" record --ship-subject x -- "$app" 10 10 0
expect 0 "\-\-ship URLS" "$remora" record --help

# nothing listens on this port: a warning, the trace written whole
port=$(free_port)
REMORA_SHIP_WAIT_MS=1500 expect 0 "cannot reach NATS at nats://127.0.0.1:$port" \
	"$remora" record -o r2 --ship "127.0.0.1:$port" -- "$app" 20000 2000 0
grep -q "^remora: 20000 events recorded, 0 lost" "$T/e.err" || fail "unreachable: $(cat "$T/e.err")"
grep -q "bytes were not acknowledged by NATS within 1500 ms; the local trace is complete" "$T/e.err" ||
	fail "unreachable: unshipped bytes not said: $(cat "$T/e.err")"
[ "$(bt_events r2)" = 20000 ] || fail "unreachable: local trace has $(bt_events r2) events"

expect 1 "cannot reach NATS at nats://127.0.0.1:$port" "$remora" collect "nats://127.0.0.1:$port" -o c
expect 2 "no output directory" "$remora" collect "nats://127.0.0.1:$port"
expect 2 "unknown scheme" "$remora" collect "udp://127.0.0.1:$port" -o c
expect 0 "\-\-follow" "$remora" collect --help

# a server without JetStream: said, and the trace stays local
p=$(free_port)
printf 'listen: 127.0.0.1:%s\n' "$p" >"$T/nojs.conf"
start_node nojs
wait_port "$p"
REMORA_SHIP_WAIT_MS=1500 expect 0 "JetStream" "$remora" record -o r3 --ship "nats://127.0.0.1:$p" -- "$app" 1000 1000 0
grep -q "^remora: 1000 events recorded, 0 lost" "$T/e.err" || fail "no JetStream: $(cat "$T/e.err")"
echo PASS
