#!/usr/bin/env bash
# A program that enters a new user and mount namespace after start (and
# hides /tmp under a tmpfs) keeps being traced: all 200 events, the ones
# from inside the namespaces included, and the same output as untraced.
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}"
remora=$1 app=$2 bt=$3
out=$(mktemp -d /tmp/remora-test-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

REMORA_DISABLE=1 "$app" >"$out/plain" 2>&1 || fail "untraced run failed ($?): $(cat "$out/plain")"
"$remora" record -o "$out/t" -- "$app" >"$out/traced" 2>"$out/err" || fail "traced run failed: $(cat "$out/err")"
cmp -s "$out/plain" "$out/traced" || fail "output differs: $(cat "$out/traced")"
grep -q 'remora: 200 events recorded, 0 lost' "$out/err" || fail "summary: $(cat "$out/err")"
"$bt" "$out/t" >"$out/bt" 2>"$out/bt.err" || fail "babeltrace2 failed"
[ ! -s "$out/bt.err" ] || fail "babeltrace2 warned: $(cat "$out/bt.err")"
[ "$(grep -c 'inside = ( "true"' "$out/bt")" = 100 ] || fail "events from inside the namespaces: $(grep -c 'inside = ( "true"' "$out/bt")"
echo PASS
