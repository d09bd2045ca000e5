#!/usr/bin/env bash
# The three packet-context layouts remora has written, read alike (issue 19):
#   basic  now: the discarded_* fields first in the packet context,
#          declared as clock values so babeltrace2 does not print them
#   tail   remora's first traces with causes: discarded_* after `level`
#   v1     older remora: no discarded_* fields (96-byte packet headers)
# `remora view`, `view --follow`, `stats` and `export` give the same events
# and losses for all three (by cause where the trace has causes);
# babeltrace2 reads each with the loss ("Tracer discarded 3 events") and no
# other warning, and its event lines hold no discarded_* but in `tail`.
set -euo pipefail
remora=$1 gen=$2 src=$3 bt=$4
out=$(mktemp -d /tmp/remora-layouts-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export LC_ALL=C

for l in basic tail v1; do
	"$gen" "$out/$l" "$l" || fail "view_gen $l"
done
[ "$(grep -c 'uint64_clock_monotonic_t discarded_' "$out/basic/a/metadata")" = 8 ] ||
	fail "basic: the metadata does not declare the 8 causes first"
[ "$(grep -c 'discarded_' "$out/tail/a/metadata")" = 8 ] && ! grep -q discarded_ "$out/v1/a/metadata" ||
	fail "tail or v1 metadata"
# the same bytes but for where the causes are: same size; v1 64 bytes less per packet
s=$(stat -c %s "$out/basic/a/stream_0")
[ "$(stat -c %s "$out/tail/a/stream_0")" = "$s" ] && [ "$(stat -c %s "$out/v1/a/stream_0")" = $((s - 128)) ] ||
	fail "stream sizes: $(stat -c '%n %s' "$out"/*/a/stream_0)"

with_causes=$(cat "$src/expected_basic.txt")
without=$(sed 's/ (2 buffer full, 1 record too large)$//' "$src/expected_basic.txt")
for l in basic tail v1; do
	d=$out/$l
	"$remora" view "$d" >"$out/$l.view" 2>"$out/$l.verr" || fail "$l: view exited $?: $(cat "$out/$l.verr")"
	if [ $l = v1 ]; then want=$without; by="causes not recorded (a trace of an older remora)"
	else want=$with_causes; by="2 buffer full, 1 record too large"; fi
	[ "$(cat "$out/$l.view")" = "$want" ] || fail "$l: view output: $(diff <(echo "$want") "$out/$l.view")"
	[ "$(cat "$out/$l.verr")" = "remora view: $d/a/stream_0: 3 lost: $by
remora view: 8 events, 3 lost, 3 stream files in 2 traces" ] || fail "$l: view summary: $(cat "$out/$l.verr")"

	# --follow of a trace nobody writes: everything, then it ends by itself
	timeout -s INT 30 "$remora" view --follow "$d" >"$out/$l.follow" 2>"$out/$l.ferr" ||
		fail "$l: view --follow exited $?: $(cat "$out/$l.ferr")"
	cmp -s "$out/$l.view" "$out/$l.follow" || fail "$l: --follow: $(diff "$out/$l.view" "$out/$l.follow")"
	grep -qx 'remora view: 8 events, 3 lost; the trace is no longer written' "$out/$l.ferr" ||
		fail "$l: --follow summary: $(cat "$out/$l.ferr")"

	"$remora" stats --json "$d" >"$out/$l.stats" 2>"$out/$l.serr" || fail "$l: stats: $(cat "$out/$l.serr")"
	grep -q '"events":8,"lost":3,' "$out/$l.stats" || fail "$l: stats: $(cat "$out/$l.stats")"
	"$remora" export --format chrome -o "$out/$l.json" "$d" 2>"$out/$l.eerr" ||
		fail "$l: export: $(cat "$out/$l.eerr")"
	grep -q '^remora export: 8 events .*, 3 lost, ' "$out/$l.eerr" || fail "$l: export: $(cat "$out/$l.eerr")"

	"$bt" "$d" >"$out/$l.bt" 2>"$out/$l.bterr" || fail "$l: babeltrace2: $(cat "$out/$l.bterr")"
	[ "$(grep -c ' app:' "$out/$l.bt")" = 8 ] || fail "$l: babeltrace2 events: $(cat "$out/$l.bt")"
	[ "$(grep -c '^WARNING: Tracer discarded 3 events ' "$out/$l.bterr")" = 1 ] ||
		fail "$l: babeltrace2 loss: $(cat "$out/$l.bterr")"
	[ "$(grep -vc '^WARNING: Tracer discarded' "$out/$l.bterr")" = 0 ] ||
		fail "$l: babeltrace2 warned: $(cat "$out/$l.bterr")"
	sed -E 's/, discarded_[a-z_]+ = [0-9]+//g' "$out/$l.bt" >"$out/$l.bt.plain"
done
for l in tail v1; do
	cmp -s "$out/basic.stats" "$out/$l.stats" || fail "$l: stats differ: $(diff "$out/basic.stats" "$out/$l.stats")"
	cmp -s "$out/basic.json" "$out/$l.json" || fail "$l: export differs"
	cmp -s "$out/basic.bt.plain" "$out/$l.bt.plain" ||
		fail "$l: babeltrace2 reads other events: $(diff "$out/basic.bt.plain" "$out/$l.bt.plain")"
done
# per event line: eight discarded_* in the older tail layout, none now
! grep -q discarded_ "$out/basic.bt" || fail "babeltrace2 prints the causes: $(head -1 "$out/basic.bt")"
! grep -q discarded_ "$out/v1.bt" || fail "v1: discarded_ printed"
[ "$(grep -Ec 'level = 0, discarded_buffer_full = [0-9]+, .*, discarded_write_error = 0 }' "$out/tail.bt")" = 8 ] ||
	fail "tail: babeltrace2 lines: $(head -1 "$out/tail.bt")"
echo PASS
