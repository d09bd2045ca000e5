#!/usr/bin/env bash
# Process-group signals: kill(0, SIGTERM) and killpg() of its own group kill
# exactly its workers, the leader (ignoring SIGTERM) goes on, same output
# traced and plain; every event, including those after each kill, is kept.
. "$(dirname "$0")/lib.sh"
plain pl
traced tr
same tr pl
grep -q '^kill(0): 3 of 3 workers died of SIGTERM; killpg: 3 of 3; pending: none$' "$out/tr.out" || fail "$(cat "$out/tr.out")"
btread tr
summary tr 360 0
for w in 0 1 2; do expect tr "\\{ wave = $w, k = " 100; done
for w in 101 102; do expect tr "\\{ wave = $w, k = " 30; done
echo PASS
