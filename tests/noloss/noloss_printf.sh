#!/usr/bin/env bash
# remora_printf formats whose field names collide (one name twice or three
# times, a made-up suffix taken by the user, a generated argNN next to the
# user's own) are recorded under unique names, and nothing else in their
# thread's chunks is lost: every event is in the trace, none lost.
source "$(dirname "$0")/lib.sh"

run pf -- printf 2000
check pf
[ "$lost" = 0 ] || fail "pf: $lost lost: $(cat "$out/pf.err")"
! grep -q corrupt "$out/pf.err" || fail "pf: $(cat "$out/pf.err")"
for e in same_twice suffix_taken generated_first generated_last same_thrice; do
	[ "$(count pf " app:$e:")" = 2000 ] || fail "pf: $e: $(count pf " app:$e:") of 2000"
done
[ "$(count pf ' app:mark:')" = 2002 ] || fail "pf: marks"
grep -q 'a = 7, a_02 = 7, a_03 = 7 }' "$out/pf.bt" || fail "pf: names: $(grep -m1 suffix_taken "$out/pf.bt")"
echo PASS
