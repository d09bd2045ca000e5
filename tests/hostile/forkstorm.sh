#!/usr/bin/env bash
# Fork storm: 1,000 workers x 100 events, reaped with waitpid(-1).
# - The server reaps exactly its own workers: same output traced and plain.
# - Each worker's events carry its own pid (packet context = field).
# - With an arena of 128 MiB (more 64 KiB chunks than workers) nothing is
#   lost: 100 events for each of 1,000 distinct pids, no babeltrace2 warning.
# - With the default 16 MiB arena (256 chunks; a worker holds a whole chunk
#   until the consumer sees it dead) loss is allowed but must be counted:
#   recorded + lost = emitted, and every kept event is right.
# - The median of fork + events + reap, traced / plain, is printed and must
#   stay under BOUND. The measured ratio (1.2-1.4, docs/HOSTILE.md) is a
#   benchmark figure: with a CPU hog on each core the two medians, taken
#   one after the other, drift apart by 2x and more (10.6x seen once under
#   stress-ng --cpu 2 in a parallel suite), so the suite's bound
#   only catches a pathology (a syscall storm or a wait per fork);
#   HOSTILE_FORK_BOUND=1.5 makes it the benchmark's.
. "$(dirname "$0")/lib.sh"
n=1000
bound=${HOSTILE_FORK_BOUND:-30}

check_workers() { # NAME EXACT(0|1)
	grep ' storm:work: ' "$out/$1.bt" | sed -E 's/.*\{ pid = ([0-9]+), tid = ([0-9]+), .*\{ pid = ([0-9]+), n = [0-9]+ \}$/\1 \2 \3/' >"$out/$1.work"
	local bad
	bad=$(awk '$1 != $3 || $2 != $3' "$out/$1.work" | wc -l)
	[ "$bad" = 0 ] || fail "$1: $bad worker events carry another pid: $(awk '$1 != $3' "$out/$1.work" | head -3)"
	server=$(grep -m1 ' storm:reaped: ' "$out/$1.bt" | sed -E 's/^[^{]*\{ pid = ([0-9]+), .*/\1/')
	! grep -q " $server\$" "$out/$1.work" || fail "$1: a worker's event carries the server's pid $server"
	[ -z "$(awk '{print $3}' "$out/$1.work" | sort | uniq -c | awk '$1 > 100')" ] || fail "$1: a worker has more than 100 events"
	if [ "$2" = 1 ]; then
		[ "$(wc -l <"$out/$1.work")" = $((n * 100)) ] || fail "$1: $(wc -l <"$out/$1.work") worker events, expected $((n * 100))"
		[ "$(awk '{print $3}' "$out/$1.work" | sort | uniq -c | awk '$1 == 100' | wc -l)" = "$n" ] ||
			fail "$1: not 100 events for each of $n workers"
		expect "$1" ' storm:reaped: ' "$n"
	fi
}

plain pl "$n" "$out/plain.times"
record_opts="--buffer-size 128M" traced tr "$n" "$out/traced.times"
same tr pl
grep -q "^forked $n, reaped 0 wrong, after: no child left$" "$out/tr.out" || fail "server: $(cat "$out/tr.out")"
btread tr
summary tr $((n * 101)) 0
check_workers tr 1

traced def "$n" "$out/def.times"
same def pl
btread def lossy
read -r rec lost < <(kept def)
[ $((rec + lost)) = $((n * 101)) ] || fail "default arena: $rec recorded + $lost lost != $((n * 101))"
[ "$(wc -l <"$out/def.bt")" = "$rec" ] || fail "default arena: babeltrace2 shows $(wc -l <"$out/def.bt"), summary $rec"
check_workers def 0
echo "default 16 MiB arena: $rec recorded, $lost lost (counted)"

read -r pm p10 p90 <"$out/plain.times"
read -r tm t10 t90 <"$out/traced.times"
ratio=$(awk -v t="$tm" -v p="$pm" 'BEGIN { printf "%.2f", t / p }')
echo "fork+100 events+reap: plain median $pm us (p10 $p10, p90 $p90), traced median $tm us (p10 $t10, p90 $t90), ratio $ratio"
awk -v r="$ratio" -v b="$bound" 'BEGIN { exit !(r <= b) }' || fail "traced median is $ratio x plain (bound $bound)"
echo PASS
