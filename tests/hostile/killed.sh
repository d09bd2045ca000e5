#!/usr/bin/env bash
# Killed producer: 6 times, SIGKILL the recording app at a random moment
# (40-400 ms in); each time every event its threads counted as committed is
# in the trace (seq 0..count-1 for each thread, at most one more), nothing is
# reported lost, and babeltrace2 reads the trace without a warning. (No plain
# run: the behaviour under test is being killed.)
. "$(dirname "$0")/lib.sh"
runs=${HOSTILE_KILL_RUNS:-6} # each record takes ~3 s to finish after the kill
for r in $(seq 1 "$runs"); do
	cf=$out/count$r
	( st=0; timeout -k 5 "$limit" "$remora" record -o "$out/k$r.t" -- "$traced" "$cf" >"$out/k$r.out" 2>"$out/k$r.raw" || st=$?; echo $st >"$out/k$r.st" ) &
	rec=$!
	pid=0
	for _ in $(seq 1 200); do
		[ -s "$cf" ] && pid=$(od -An -tu8 -N8 "$cf" | tr -d ' ') && [ "$pid" != 0 ] && break
		sleep 0.02
	done
	[ "$pid" != 0 ] || fail "run $r: the app never started"
	sleep "0.$(printf '%03d' $((40 + RANDOM % 360)))"
	kill -KILL "$pid"
	wait "$rec"
	[ "$(cat "$out/k$r.st")" = 137 ] || fail "run $r: record exited $(cat "$out/k$r.st"): $(cat "$out/k$r.raw")"
	grep '^remora: ' "$out/k$r.raw" >"$out/k$r.sum"
	read -r c0 c1 < <(od -An -tu8 -j8 -N16 "$cf")
	btread k$r
	grep -q ", 0 lost," "$out/k$r.sum" || fail "run $r: $(cat "$out/k$r.sum")"
	for t in 0 1; do
		c=$c0
		[ $t = 1 ] && c=$c1
		grep -E "\\{ t = $t, seq = " "$out/k$r.bt" | sed -E 's/.*seq = ([0-9]+) \}$/\1/' | sort -n >"$out/k$r.seq$t"
		n=$(wc -l <"$out/k$r.seq$t")
		distinct=$(uniq "$out/k$r.seq$t" | wc -l)
		max=$(tail -1 "$out/k$r.seq$t")
		[ "$n" = "$distinct" ] || fail "run $r thread $t: duplicate events"
		# all of 0..n-1 present (sorted, distinct, max = n-1) and n is count or count+1
		[ "$n" = 0 ] || [ "$max" = $((n - 1)) ] || fail "run $r thread $t: holes: $n events, max seq $max"
		[ "$n" = "$c" ] || [ "$n" = $((c + 1)) ] || fail "run $r thread $t: committed $c, trace has $n"
	done
	echo "run $r: killed after $c0 + $c1 committed events, all in the trace"
done
echo PASS
