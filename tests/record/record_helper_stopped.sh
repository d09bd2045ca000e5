#!/usr/bin/env bash
# SIGSTOP of the helper half-way through: the app runs on unaffected, and
# `remora record` returns within 2 s of the app's exit (SECURITY.md: a
# stopped helper is killed HELPER_GRACE_MS after its program ended) with
# every one of the app's events in the trace, in order.
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}"
remora=$1 ticker=$2 bt=$3
out=$(mktemp -d /tmp/remora-test-XXXXXX)
helper=""
trap 'set +e; [ -n "$helper" ] && kill -CONT "$helper" 2>/dev/null; rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

"$remora" record -o "$out/t" -- "$ticker" 1500 >"$out/stdout" 2>"$out/stderr" &
rec=$!
app=""
for _ in $(seq 200); do
    app=$(pgrep -o -P "$rec" -x "$(basename "$ticker")" || true)
    [ -n "$app" ] && [ -n "$(cat "/proc/$app/task/$app/children" 2>/dev/null)" ] && break
    sleep 0.01
done
[ -n "$app" ] || fail "the app did not start"
helper=$(tr -d ' ' <"/proc/$app/task/$app/children")
[ -n "$helper" ] || fail "no helper under pid $app"
sleep 0.3
kill -STOP "$helper"
# the app's end, as record sees it: record reaps it within its 50 ms poll
while [ -e "/proc/$app" ]; do sleep 0.01; done
ended=$(now_ms)
wait "$rec" || fail "record exited $?: $(cat "$out/stderr")"
took=$(( $(now_ms) - ended ))
[ "$took" -le 2000 ] || fail "record returned $took ms after the app's exit (bound: 2000)"
grep -q "the helper (pid $helper, state T: stopped) was still running" "$out/stderr" ||
    fail "no word of the stopped helper: $(cat "$out/stderr")"
grep -q 'remora: 1500 events recorded, 0 lost' "$out/stderr" || fail "summary: $(cat "$out/stderr")"
"$bt" "$out/t" >"$out/bt" 2>"$out/bt.err" || fail "babeltrace2 failed"
[ ! -s "$out/bt.err" ] || fail "babeltrace2 warned: $(cat "$out/bt.err")"
sed -E 's/.*\{ n = ([0-9]+) \}$/\1/' "$out/bt" >"$out/ns"
seq 0 1499 | cmp -s - "$out/ns" || fail "ticks are not exactly 0..1499 in order"
echo "PASS (record returned $took ms after the app)"
