#!/bin/sh
# A program built against ABI version 1 (remora.h before the inline
# prefilter) with today's libremora: its descriptor is attached, its
# filter runs in the stub (remora_filter_pass keeps exactly ids 10..19 of
# 0..99), stub_private stays NULL (version 1's macro never reads it), and
# the trace (babeltrace2) holds exactly those 10 records.
set -u
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
CLI=$1 APP=$2 BT=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$CLI" record -o "$T/v1" -e 'ft:v1' --filter 'id >= 10 && id < 20' -- "$APP" v1 \
	>"$T/v1.out" 2>"$T/v1.err" || fail "record: $(cat "$T/v1.err")"
grep -q '^v1 kept 10 stub_private (nil)$' "$T/v1.out" || fail "app: $(cat "$T/v1.out")"
"$BT" "$T/v1" >"$T/v1.txt" 2>"$T/v1.bt" || fail "babeltrace2: $(cat "$T/v1.bt")"
[ -s "$T/v1.bt" ] && fail "babeltrace2 warned: $(cat "$T/v1.bt")"
got=$(grep -o 'ft:v1: .*{ id = [0-9]* }' "$T/v1.txt" | sed 's/.*{ id = //; s/ }//' | tr '\n' ' ')
[ "$got" = "10 11 12 13 14 15 16 17 18 19 " ] || fail "ids: $got"
echo "ok: version 1 descriptor traced, filtered in the stub: $got"
echo PASS
