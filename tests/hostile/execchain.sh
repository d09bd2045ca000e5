#!/usr/bin/env bash
# Exec chain: 21 images (the program execs itself 20 times), 50 events each,
# all in the trace with the pid they share, nothing lost; while the last
# image runs, the only processes of this build are the app and one helper
# (the helpers of the 20 earlier images left); after record returns, none.
. "$(dirname "$0")/lib.sh"
exe=$(readlink -f "$traced")
# mine: pids of processes running this very binary (other builds differ)
mine() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$exe" ] && echo "${p#/proc/}"
	done
	return 0
}
[ -z "$(mine)" ] || fail "processes of $exe already running: $(mine)"
plain pl "$out/pl.pid"
# the last image holds on while tr.pid.hold exists: the check below does
# not race its 2.5 s on a loaded machine
touch "$out/tr.pid.hold"
traced tr "$out/tr.pid" &
rec=$!
for _ in $(seq 1 1500); do [ -s "$out/tr.pid" ] && break; sleep 0.02; done
[ -s "$out/tr.pid" ] || fail "the last image never started"
app=$(cat "$out/tr.pid")
# the earlier helpers leave within about 1 s of their image's exec; give
# them up to 10 s, then look once more
for _ in $(seq 1 100); do
	[ "$(mine | wc -l)" -le 2 ] && break
	sleep 0.1
done
sleep 0.5
procs=$(mine | sort -n | tr '\n' ' ')
rm -f "$out/tr.pid.hold"
wait "$rec"
left=$(mine | tr '\n' ' ')
[ -z "$left" ] || fail "left behind after record: $left"
# the app and exactly one helper (the last image's), both mapping the arena
set -- $procs
[ $# = 2 ] || fail "while the last image ran, $# processes of this build: $procs(app $app)"
for p in $procs; do
	[ "$p" = "$app" ] && continue
	helper=$p
done
[ -n "${helper:-}" ] || fail "no helper next to app $app: $procs"
same tr pl
grep -q '^generation 20 done$' "$out/tr.out" || fail "output: $(cat "$out/tr.out")"
btread tr
summary tr 1050 0
for g in $(seq 0 20); do expect tr "\\{ gen = $g, k = [0-9]+, pid = $app \\}" 50; done
expect tr "pid = $app, tid = $app" 1050
echo "21 images, 1050 events of pid $app; one helper ($helper) during the last image, none after"
echo PASS
