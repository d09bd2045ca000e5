#!/usr/bin/env bash
# The issue's large rotation run, too long for the default suite (which
# runs 150,000 events in tests/lifecycle/lifecycle_rotate_record.sh):
# N events (default 10,000,000) flat out with --blocking (none lost), cut
#  1. by size (--rotate-size 64M), and
#  2. by timer (--rotate-timer 2);
# each chunk is read alone by babeltrace2 (no warning), and the union of
# the chunks' tick numbers is exactly 0..N-1, each once. Prints PASS or
# FAIL with the chunk counts and the record times.
# Usage: bench/rotate_10m.sh BUILD_DIR [N] [OUT_PARENT]
set -euo pipefail
build=${1:?usage: rotate_10m.sh BUILD_DIR [N] [OUT_PARENT]}
n=${2:-10000000}
out=$(mktemp -d "${3:-/tmp}/remora-rot10m-XXXXXX")
trap 'rm -rf "$out"' EXIT
remora=$build/ctl/remora ticker=$build/tests/record/ticker
fail() { echo "FAIL: $*"; exit 1; }

run() { # NAME OPTIONS...
    local name=$1; shift
    local t0 t1
    t0=$(date +%s.%N)
    "$remora" record -o "$out/$name" --blocking "$@" -- "$ticker" "$n" 0 >/dev/null 2>"$out/$name.err" ||
        fail "record $name: $(cat "$out/$name.err")"
    t1=$(date +%s.%N)
    grep -q "^remora: $n events recorded, 0 lost" "$out/$name.err" || fail "$name: $(cat "$out/$name.err")"
    local chunks=0
    : >"$out/union"
    for c in "$out/$name"/chunk-*; do
        babeltrace2 "$c" 2>"$out/bt.err" | sed -nE 's/.* n = ([0-9]+) \}$/\1/p' >>"$out/union" ||
            fail "babeltrace2 $c: $(cat "$out/bt.err")"
        [ ! -s "$out/bt.err" ] || fail "babeltrace2 warned on $c: $(head -3 "$out/bt.err")"
        chunks=$((chunks + 1))
    done
    sort -n -S 1G -o "$out/union" "$out/union"
    seq 0 $((n - 1)) | cmp -s - "$out/union" ||
        fail "$name: union of $chunks chunks holds $(wc -l <"$out/union") ticks ($(uniq -d "$out/union" | wc -l) twice), expected 0..$((n - 1)) once"
    printf '%s: %d events, %d chunks, union exact; record took %.1f s (%s)\n' "$name" "$n" "$chunks" \
        "$(echo "$t1 - $t0" | bc)" "$(du -sh "$out/$name" | cut -f1)"
    rm -rf "${out:?}/$name"
}
run size --rotate-size 64M
run timer --rotate-timer 2
echo PASS
