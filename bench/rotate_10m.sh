#!/usr/bin/env bash
# The issue's large rotation run, too long for the default suite (which
# runs 150,000 events in tests/lifecycle/lifecycle_rotate_record.sh):
# N events (default 10,000,000) flat out with --blocking (none lost), cut
#  1. by size (--rotate-size 64M): one process, ticks 0..N-1;
#  2. by timer (--rotate-timer 1): four processes of N/4 ticks each, one
#     after the other with a 1.2 s pause between them (flat out, N events
#     take about a second: too short to see a timer), ticks 0..N/4-1 each;
# each chunk is read alone by babeltrace2 (no warning), and the union of
# the chunks' (pid, tick) pairs is exactly what was emitted, each once.
# Prints PASS or FAIL with the chunk counts and the record times.
# Usage: bench/rotate_10m.sh BUILD_DIR [N] [OUT_PARENT]
set -euo pipefail
build=${1:?usage: rotate_10m.sh BUILD_DIR [N] [OUT_PARENT]}
n=${2:-10000000}
out=$(mktemp -d "${3:-/tmp}/remora-rot10m-XXXXXX")
trap 'rm -rf "$out"' EXIT
remora=$build/ctl/remora ticker=$build/tests/record/ticker
fail() { echo "FAIL: $*"; exit 1; }

run() { # NAME PROCS OPTIONS...
    local name=$1 procs=$2; shift 2
    local t0 t1 per=$((n / procs))
    t0=$(date +%s.%N)
    "$remora" record -o "$out/$name" --blocking "$@" -- sh -c \
        "for i in \$(seq $procs); do '$ticker' $per 0; [ \$i = $procs ] || sleep 1.2; done" \
        >/dev/null 2>"$out/$name.err" || fail "record $name: $(cat "$out/$name.err")"
    t1=$(date +%s.%N)
    grep -q "^remora: $n events recorded, 0 lost" "$out/$name.err" || fail "$name: $(cat "$out/$name.err")"
    local chunks=0
    : >"$out/union"
    for c in "$out/$name"/chunk-*; do
        babeltrace2 "$c" 2>"$out/bt.err" |
            sed -nE 's/.* pid = ([0-9]+), .* n = ([0-9]+) \}$/\1 \2/p' >>"$out/union" ||
            fail "babeltrace2 $c: $(cat "$out/bt.err")"
        [ ! -s "$out/bt.err" ] || fail "babeltrace2 warned on $c: $(head -3 "$out/bt.err")"
        chunks=$((chunks + 1))
    done
    sort -k1,1n -k2,2n -S 1G -o "$out/union" "$out/union"
    # per pid: ticks 0..per-1, each once
    awk -v per=$per -v procs=$procs '
        $1 != pid { if (NR > 1 && next_n != per) bad = 1; pid = $1; next_n = 0; npid++ }
        { if ($2 != next_n) bad = 1; next_n++ }
        END { if (next_n != per || npid != procs) bad = 1; exit bad }' "$out/union" ||
        fail "$name: union of $chunks chunks: $(wc -l <"$out/union") (pid, tick) pairs ($(uniq -d "$out/union" | wc -l) twice), expected $procs pids x 0..$((per - 1)) once"
    printf '%s: %d events, %d chunks, union exact; record took %.1f s (%s)\n' "$name" "$n" "$chunks" \
        "$(echo "$t1 - $t0" | bc)" "$(du -sh "$out/$name" | cut -f1)"
    rm -rf "${out:?}/$name"
}
run size 1 --rotate-size 64M
run timer 4 --rotate-timer 1
echo PASS
