#!/usr/bin/env bash
# Thread count: /proc/self/task lists only the app's own threads at every
# point (the app aborts otherwise); same output traced and plain; each
# thread's 1,000 events are in the trace under its own tid.
. "$(dirname "$0")/lib.sh"
plain pl
traced tr
same tr pl
grep -q '^child exit 0$' "$out/tr.out" || fail "$(cat "$out/tr.out")"
btread tr
summary tr 10000 0
for t in 0 1 2 3 4 5 6 7 8 100; do expect tr "\\{ t = $t, k = " 1000; done
# 8 worker tids + main + child, each with exactly 1000 events
[ "$(sed -E 's/^[^{]*\{ pid = [0-9]+, tid = ([0-9]+),.*/\1/' "$out/tr.bt" | sort | uniq -c | awk '$1 == 1000' | wc -l)" = 10 ] ||
	fail "events per tid: $(sed -E 's/^[^{]*\{ pid = [0-9]+, tid = ([0-9]+),.*/\1/' "$out/tr.bt" | sort | uniq -c)"
echo PASS
