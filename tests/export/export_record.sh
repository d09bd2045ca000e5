#!/usr/bin/env bash
# Exports of recorded traces: the demo (examples/hello: a forked child) and
# mt_app (3 processes x 3 threads, nested work/step slices, a counter, an
# instant with a quoted string and a newline). Chrome JSON, Perfetto
# (decoded by protoc) and `stats --json` agree with babeltrace2 on every
# event's pid, tid, time and name; slices nest and all close; nothing lost.
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
remora=$1 hello=$2 mt=$3
out=$(mktemp -d /tmp/remora-export-XXXXXX)
trap 'rm -rf "$out"' EXIT
source "$(dirname "$0")/lib.sh"

"$remora" record -o "$out/demo" -- "$hello" 4 >/dev/null 2>"$out/rec.err" || fail "record demo: $(cat "$out/rec.err")"
export_all demo "$out/demo"
[ "$(wc -l <"$out/demo.bt")" = 6 ] || fail "demo: babeltrace2 shows $(wc -l <"$out/demo.bt") events, not 6"
[ -s "$out/demo.bt.err" ] && fail "babeltrace2 warns on the demo: $(cat "$out/demo.bt.err")"

"$remora" record -o "$out/mt" -- "$mt" 3 3 50 >/dev/null 2>"$out/rec.err" || fail "record mt_app: $(cat "$out/rec.err")"
export_all mt "$out/mt"
n=$(wc -l <"$out/mt.bt")
[ "$n" = $((3 * 3 * 50 * 6)) ] || fail "mt_app: babeltrace2 shows $n events, not $((3 * 3 * 50 * 6))"
[ -s "$out/mt.bt.err" ] && fail "babeltrace2 warns on mt_app: $(cat "$out/mt.bt.err")"
[ "$(cut -d' ' -f4- "$out/mt.bt" | grep -o 'pid = [0-9]*, tid = [0-9]*' | sort -u | wc -l)" = 9 ] ||
    fail "mt_app: not 9 threads"
[ "$(grep -o 'pid = [0-9]*' "$out/mt.bt" | sort -u | wc -l)" = 3 ] || fail "mt_app: not 3 processes"
grep -q '^remora export: 2700 events (900 slice begins, 900 ends, 450 instants, 450 counters), 0 lost, 9 threads' \
    "$out/mt.pf.err" || fail "mt summary: $(cat "$out/mt.pf.err")"
echo PASS
