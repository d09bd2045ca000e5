#!/usr/bin/env bash
# String and byte-sequence fields of 65,000, 100,000 and 1,000,000 bytes
# between unrelated events: the 65,000-byte ones are kept whole, the larger
# ones (over one 64 KiB chunk, the documented limit) kept cut to fit, each
# ending with the marker "...[truncated from N bytes]", none lost; the
# unrelated events all kept, the record count exact.
source "$(dirname "$0")/lib.sh"

run big -- big 65000 100000 1000000
check big
[ "$emitted" = 11 ] || fail "big: emitted $emitted"
[ "$lost" = 0 ] || fail "big: $lost lost, not 0: $(cat "$out/big.err")"
[ "$events" = 11 ] || fail "big: $events events kept, not 11"
grep -q '^remora: 4 truncated (kept' "$out/big.err" || fail "big: truncations not reported: $(cat "$out/big.err")"
[ "$(count big ' app:mark:')" = 5 ] || fail "big: marks"
s=$(sed -n 's/.* app:big: .*n = 65000, s = "\(x*\)" }$/\1/p' "$out/big.bt")
[ "${#s}" = 65000 ] || fail "big: the 65,000-byte string has ${#s} bytes"
[ "$(count big ' app:bigbytes: .*n = 65000, _b_len = 65000,')" = 1 ] || fail "big: the 65,000-byte sequence"
for n in 100000 1000000; do
	mark="...[truncated from $n bytes]"
	s=$(sed -n "s/.* app:big: .*n = $n, s = \"\\(x*\\)\\.\\.\\.\\[truncated from $n bytes\\]\" }\$/\\1/p" "$out/big.bt")
	# the record is exactly the largest one: 64 KiB - 16 header - 4 (n) - 1 (NUL)
	[ $((${#s} + ${#mark})) = 65515 ] || fail "big: the $n-byte string kept ${#s} bytes before the marker"
	line=$(grep " app:bigbytes: .*n = $n, _b_len = 65512," "$out/big.bt") || fail "big: the $n-byte sequence"
	tail=$(grep -o '= [0-9]*' <<<"$line" | tail -n "${#mark}" | awk '{printf "%c", $2}')
	[ "$tail" = "$mark" ] || fail "big: the $n-byte sequence ends with '$tail'"
done
echo PASS
