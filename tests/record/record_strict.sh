#!/usr/bin/env bash
# A thread that enters SECCOMP_MODE_STRICT after start keeps recording (no
# syscall on the fast path): all 1101 events kept, same output as untraced.
# Strict mode also makes rdtsc fault (so the vDSO's CLOCK_MONOTONIC and
# REMORA_CLOCK=tsc do too): such a program runs with REMORA_CLOCK=coarse.
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}"
remora=$1 app=$2 bt=$3
out=$(mktemp -d /tmp/remora-test-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

REMORA_DISABLE=1 "$app" >"$out/plain" 2>&1 || fail "untraced run failed ($?): $(cat "$out/plain")"
REMORA_CLOCK=coarse "$remora" record -o "$out/t" -- "$app" >"$out/traced" 2>"$out/err" || fail "traced run failed: $(cat "$out/err")"
cmp -s "$out/plain" "$out/traced" || fail "output differs: $(cat "$out/traced")"
grep -q 'remora: 1101 events recorded, 0 lost' "$out/err" || fail "summary: $(cat "$out/err")"
"$bt" "$out/t" >"$out/bt" 2>"$out/bt.err" || fail "babeltrace2 failed"
[ ! -s "$out/bt.err" ] || fail "babeltrace2 warned: $(cat "$out/bt.err")"
[ "$(grep -c 'strict = ( "true"' "$out/bt")" = 1000 ] || fail "events under strict mode: $(grep -c 'strict = ( "true"' "$out/bt")"
echo PASS
