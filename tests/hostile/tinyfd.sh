#!/usr/bin/env bash
# Tiny fd limit: exec'd with RLIMIT_NOFILE 4, the app gets fd 3 then EMFILE,
# exactly as untraced, and all 300 events of the exec'd image are traced.
. "$(dirname "$0")/lib.sh"
plain pl
traced tr
same tr pl
grep -q '^opened 1: 3, then Too many open files$' "$out/tr.out" || fail "$(cat "$out/tr.out")"
btread tr
summary tr 300 0
for ph in 0 1 2; do expect tr "\\{ phase = $ph, k = " 100; done
echo PASS
