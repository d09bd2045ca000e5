#!/usr/bin/env bash
# String and byte-sequence fields of 65,000, 100,000 and 1,000,000 bytes
# between unrelated events: the 65,000-byte ones are kept whole, the larger
# ones (over one 64 KiB chunk, the documented limit) counted lost, and the
# unrelated events all kept.
source "$(dirname "$0")/lib.sh"

run big -- big 65000 100000 1000000
check big
[ "$emitted" = 11 ] || fail "big: emitted $emitted"
[ "$lost" = 4 ] || fail "big: $lost lost, not 4: $(cat "$out/big.err")"
[ "$(count big ' app:mark:')" = 5 ] || fail "big: marks"
s=$(sed -n 's/.* app:big: .*n = 65000, s = "\(x*\)" }$/\1/p' "$out/big.bt")
[ "${#s}" = 65000 ] || fail "big: the 65,000-byte string has ${#s} bytes"
[ "$(count big ' app:bigbytes: .*n = 65000,')" = 1 ] || fail "big: the 65,000-byte sequence"
echo PASS
