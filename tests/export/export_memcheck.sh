#!/usr/bin/env bash
# `remora export` (both formats) and `remora stats` under memcheck: no
# error and no leak on a clean trace (export_gen slices) and on the same
# trace with a corrupt stream (exit 1, the rest still read).
set -euo pipefail
valgrind=$1 remora=$2 gen=$3
out=$(mktemp -d /tmp/remora-export-vg-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$gen" "$out" slices || fail "export_gen failed"
cp -r "$out/s" "$out/bad"
printf 'XXXX' | dd of="$(ls "$out"/bad/stream_* | head -1)" bs=1 seek=100 conv=notrunc status=none
for t in s bad; do
    want=0
    [ $t = bad ] && want=1
    for a in "export --format perfetto -o $out/vg.pf" "export --format chrome -o $out/vg.json" "stats --json"; do
        st=0
        # shellcheck disable=SC2086
        "$valgrind" --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            -q "$remora" $a "$out/$t" >/dev/null 2>"$out/vg.err" || st=$?
        [ "$st" = 99 ] && fail "memcheck: $a $t: $(cat "$out/vg.err")"
        [ "$st" = "$want" ] || fail "$a $t exited $st, expected $want: $(cat "$out/vg.err")"
    done
done
echo PASS
