#!/usr/bin/env bash
# SIGKILL of the helper half-way through: the app runs on unaffected, the
# consumer keeps reading the arena it mapped, says the helper went away,
# and every one of the app's events is in the trace, in order.
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}"
remora=$1 ticker=$2 bt=$3
out=$(mktemp -d /tmp/remora-test-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$remora" record -o "$out/t" -- "$ticker" 1500 >"$out/stdout" 2>"$out/stderr" &
rec=$!
app=""
for _ in $(seq 1 200); do
    app=$(pgrep -o -P "$rec" -x "$(basename "$ticker")" || true)
    [ -n "$app" ] && [ -n "$(cat "/proc/$app/task/$app/children" 2>/dev/null)" ] && break
    sleep 0.01
done
[ -n "$app" ] || fail "the app did not start"
helper=$(tr -d ' ' <"/proc/$app/task/$app/children")
[ -n "$helper" ] || fail "no helper under pid $app"
sleep 0.3
kill -KILL "$helper"
wait "$rec" || fail "record exited $?: $(cat "$out/stderr")"
grep -q "the helper of pid $app .* went away without saying goodbye" "$out/stderr" ||
    fail "no report of the helper's death: $(cat "$out/stderr")"
grep -q 'remora: 1500 events recorded, 0 lost' "$out/stderr" || fail "summary: $(cat "$out/stderr")"
"$bt" "$out/t" >"$out/bt" 2>"$out/bt.err" || fail "babeltrace2 failed"
[ ! -s "$out/bt.err" ] || fail "babeltrace2 warned: $(cat "$out/bt.err")"
sed -E 's/.*\{ n = ([0-9]+) \}$/\1/' "$out/bt" >"$out/ns"
seq 0 1499 | cmp -s - "$out/ns" || fail "ticks are not exactly 0..1499 in order"
echo PASS
