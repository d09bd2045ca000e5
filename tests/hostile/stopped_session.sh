#!/usr/bin/env bash
# Stopped producer, remorad side: an app traced in a remorad session is
# SIGSTOPped; `remora stop` and `remora destroy` of the session, run while
# it is stopped, each finish in under 5 s (a hang is forever); SIGCONT 5 s after the stop and
# the app runs on to the same output as plain. The session's trace holds the
# committed prefix: seq 0, 1, ... in order, as many as `stop` reported, none
# lost, no babeltrace2 warning.
# Two runs: "alone", the session is remorad's only one; "witness", a second
# session records the whole run, so its gap of 5 s shows the app's last
# event before the SIGSTOP, and the stopped session must end exactly there.
# Usage: stopped_session.sh REMORA TRACED PLAIN BABELTRACE2 REMORAD
. "$(dirname "$0")/lib.sh"
remorad=$1
mkdir -m 700 "$out/rd"
export REMORA_SOCKET=$out/rd/remorad.sock
unset XDG_RUNTIME_DIR REMORA_DAEMON REMORA_OVERWRITE REMORA_BUFFER_SIZE REMORA_ENABLE
app='' rd=''
cleanup() {
	set +e # in the EXIT trap: a failed kill must not skip the rest
	[ -n "$app" ] && { kill -CONT "$app"; kill -9 "$app"; } 2>/dev/null
	[ -n "$rd" ] && kill "$rd" 2>/dev/null
	rm -rf "$out"
}
trap cleanup EXIT
ms() { date +%s%3N; }
is_stopped() { grep -q '^State:.*T (stopped)' "/proc/$1/status"; }
# running: the app has not exited yet (bash may already have reaped it)
running() { [ -e "/proc/$app" ] && ! grep -q '^State:.*Z' "/proc/$app/status" 2>/dev/null; }

start_remorad "$out/rd/remorad.ctl"

session() { # NAME: created, stp:* enabled, started
	"$remora" create "$1" -o "$out/$1.t" >/dev/null || fail "create $1"
	"$remora" enable-event -s "$1" 'stp:*' >/dev/null || fail "enable-event -s $1"
	"$remora" start "$1" >/dev/null || fail "start $1"
}

# stopped_run NAME: the app traced in session NAME, stopped 1 s in; NAME
# stopped and destroyed while it is; SIGCONT 5 s after the stop; $n is the
# number of events that stop reported and the trace holds, seq 0..n-1.
stopped_run() {
	local s=$1
	session "$s"
	# enabled from its first event, before its helper reaches remorad
	REMORA_ENABLE='stp:*' "$traced" "$out/$s.file" </dev/null >"$out/$s.out" 2>"$out/$s.err" &
	app=$!
	for _ in $(seq 1 200); do
		[ -s "$out/$s.file" ] && break
		sleep 0.02
	done
	[ "$(cat "$out/$s.file" 2>/dev/null)" = "$app" ] || fail "$s: the app never started"
	sleep 1
	kill -STOP "$app"
	local stopped t0 t1 t2
	stopped=$(ms)
	for _ in $(seq 1 100); do
		is_stopped "$app" && break
		sleep 0.01
	done
	is_stopped "$app" || fail "$s: app $app not stopped: $(grep State "/proc/$app/status")"

	t0=$(ms)
	"$remora" stop "$s" >"$out/$s.stop" 2>&1 || fail "stop $s: $(cat "$out/$s.stop")"
	t1=$(ms)
	"$remora" destroy "$s" >"$out/$s.destroy" 2>&1 || fail "destroy $s: $(cat "$out/$s.destroy")"
	t2=$(ms)
	stop_ms=$((t1 - t0)) destroy_ms=$((t2 - t1))
	# waiting for the stopped producer would be forever; 5 s is room for a
	# loaded machine (measured 3-110 ms)
	[ "$stop_ms" -lt 5000 ] || fail "$s: remora stop took $stop_ms ms with the producer stopped"
	[ "$destroy_ms" -lt 5000 ] || fail "$s: remora destroy took $destroy_ms ms with the producer stopped"
	is_stopped "$app" || fail "$s: app $app woke up during stop/destroy"
	"$remora" status "$s" >/dev/null 2>&1 && fail "$s: session left after destroy"

	local left=$((5000 - ($(ms) - stopped)))
	[ "$left" -le 0 ] || sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
	kill -CONT "$app"
	for _ in $(seq 1 600); do # at most 30 s
		running || break
		sleep 0.05
	done
	running && fail "$s: the app did not finish within 30 s of SIGCONT"
	local st=0
	wait "$app" || st=$?
	app=
	echo "$st" >"$out/$s.st"
	same "$s" pl

	n=$(sed -n "s/^Tracing stopped for session $s: \([0-9]*\) events written, 0 lost.*/\1/p" "$out/$s.stop")
	[ -n "$n" ] || fail "$s: stop summary: $(cat "$out/$s.stop")"
	btread "$s"
	expect "$s" ' stp:ev: ' "$n"
	grep -o 'seq = [0-9]*' "$out/$s.bt" | sed 's/seq = //' >"$out/$s.seqs"
	seq 0 $((n - 1)) | cmp -s - "$out/$s.seqs" ||
		fail "$s: the trace is not seq 0..$((n - 1)) in order: $(head -3 "$out/$s.seqs" | tr '\n' ' ')... $(tail -3 "$out/$s.seqs" | tr '\n' ' ')"
	# 1 s at one event per 1-2.5 ms (measured 405-936): the live chunk's
	# prefix is there, not only full chunks (all 3,000 fit in one)
	[ "$n" -ge 100 ] || fail "$s: only $n events before the stop, expected hundreds"
	echo "$s: stop $stop_ms ms, destroy $destroy_ms ms with the app stopped; trace seq 0..$((n - 1))"
}

plain pl "$out/pl.file"
stopped_run alone

session witness
stopped_run stopped
"$remora" stop witness >"$out/witness.stop" 2>&1 || fail "stop witness: $(cat "$out/witness.stop")"
grep -q "^Tracing stopped for session witness: 3000 events written, 0 lost" "$out/witness.stop" ||
	fail "witness: $(cat "$out/witness.stop")"
"$remora" destroy witness >/dev/null || fail "destroy witness"
btread witness
grep -o 'seq = [0-9]*' "$out/witness.bt" | sed 's/seq = //' >"$out/witness.seqs"
seq 0 2999 | cmp -s - "$out/witness.seqs" || fail "witness: not seq 0..2999 in order"
# the witness's last event before its one gap of over 4 s
last=$("$bt" --clock-seconds "$out/witness.t" |
	sed -nE 's/^\[([0-9.]+)\].*seq = ([0-9]+).*/\1 \2/p' |
	awk 'p != "" && $1 - t > 4 { print p; g++ } { t = $1; p = $2 } END { if (g != 1) print "gaps:" g }')
[ "$last" = $((n - 1)) ] ||
	fail "the app's last event before the SIGSTOP was seq $last; the stopped session ends at seq $((n - 1))"
echo "the stopped session ends at the app's last event before the SIGSTOP (seq $last)"
echo PASS
