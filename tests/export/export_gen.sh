#!/usr/bin/env bash
# Exports of a generated trace (tests/export/export_gen.c `slices`): two
# processes of two threads with nested begin/end and entry/exit slices, an
# end without a begin, counters, hostile strings and bytes, and 5 events
# lost. Both exports and `stats` are compared with babeltrace2 event by
# event; slices nest; the loss shows in both exports and in stats; strings
# come out as valid UTF-8 (each ill-formed sequence one U+FFFD). Then bad
# command lines and inputs give a message and the right exit status.
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
remora=$1 gen=$2
out=$(mktemp -d /tmp/remora-export-XXXXXX)
trap 'rm -rf "$out"' EXIT
source "$(dirname "$0")/lib.sh"

"$gen" "$out" slices || fail "export_gen failed"
export_all slices "$out/s" --lost 5 --hostile
grep -q 'discarded 5 events' "$out/slices.bt.err" || fail "babeltrace2 does not see the 5 lost events"
[ "$(grep -c WARNING "$out/slices.bt.err")" = 1 ] || fail "babeltrace2 warnings: $(cat "$out/slices.bt.err")"
grep -q '^remora export: 37 events (12 slice begins, 12 ends, 9 instants, 4 counters), 5 lost, 4 threads' \
    "$out/slices.chrome.err" || fail "chrome summary: $(cat "$out/slices.chrome.err")"
grep -q '^remora export: 37 events (12 slice begins, 12 ends, 9 instants, 4 counters), 5 lost, 4 threads' \
    "$out/slices.pf.err" || fail "perfetto summary: $(cat "$out/slices.pf.err")"
grep -q '^lost: 5 events on pid 100 tid 101$' "$out/slices.stats.txt" || fail "stats table: $(cat "$out/slices.stats.txt")"
# counters: queue (field value) and queue.load, queue.delta; the string is not a series
grep -q 'name: "queue.load"' "$out/slices.pf.txt" || fail "no queue.load counter track"
grep -q 'name: "queue.note"' "$out/slices.pf.txt" && fail "a string field became a counter"
"$remora" stats --top 2 "$out/s" >"$out/top" || fail "stats --top"
[ "$(grep -c ' app:' "$out/top")" = 2 ] || fail "--top 2 shows: $(cat "$out/top")"
grep -q '^top 2 rows by count:' "$out/top" || fail "--top header: $(cat "$out/top")"
"$remora" export --format chrome -o - "$out/s" 2>/dev/null | "$PYTHON3" -c 'import json,sys; json.load(sys.stdin)' ||
    fail "-o - does not write JSON to stdout"

# a thread's next packet in a lower-numbered stream, starting at the time
# its previous one ended: its end must still come after its begin, in
# both exports and in `remora view` (which reads through the same cursor)
"$gen" "$out" tie || fail "export_gen tie failed"
"$remora" export --format chrome -o "$out/tie.json" "$out/t" 2>/dev/null || fail "export chrome tie"
"$remora" export --format perfetto -o "$out/tie.pf" "$out/t" 2>/dev/null || fail "export perfetto tie"
"$PROTOC" --decode=perfetto.protos.Trace -I"$PROTO_DIR" perfetto_trace_min.proto <"$out/tie.pf" >"$out/tie.txt" ||
    fail "protoc cannot decode the tie export"
phs=$("$PYTHON3" -c 'import json,sys; print("".join(e["ph"] for e in json.load(open(sys.argv[1]))["traceEvents"] if e["tid"] == 2))' "$out/tie.json")
[ "$phs" = BBEE ] || fail "tie: thread 2 exported as $phs, not BBEE"
[ "$(grep -o 'TYPE_SLICE_[A-Z]*' "$out/tie.txt" | tr '\n' ' ')" = "TYPE_SLICE_BEGIN TYPE_SLICE_BEGIN TYPE_SLICE_END TYPE_SLICE_END " ] ||
    fail "tie: perfetto slices $(grep -o 'TYPE_SLICE_[A-Z]*' "$out/tie.txt" | tr '\n' ' ')"
"$remora" view --clock-seconds "$out/t" >"$out/tie.view" 2>"$out/tie.view.err" || fail "view tie: $(cat "$out/tie.view.err")"
[ "$(grep ' 1/2 ' "$out/tie.view" | cut -d' ' -f1,3,4 | tr '\n' ' ')" = \
  "[1700000000.000000005] app:op_begin depth=1 [1700000000.000000500] app:op_begin depth=2 [1700000000.000000500] app:op_end depth=2 [1700000000.000000600] app:op_end depth=1 " ] ||
    fail "tie: remora view shows thread 1/2 as: $(grep ' 1/2 ' "$out/tie.view")"
[ "$(wc -l <"$out/tie.view")" = 8 ] && [ "$(cat "$out/tie.view.err")" = "remora view: 8 events, 0 lost, 2 stream files in 1 trace" ] ||
    fail "tie: view printed $(wc -l <"$out/tie.view") lines: $(cat "$out/tie.view.err")"
# --follow (its own reader of growing files, the same order): one round here, no live writer
"$remora" view --follow --clock-seconds "$out/t" >"$out/tie.fol" 2>"$out/tie.fol.err" || fail "view --follow tie: $(cat "$out/tie.fol.err")"
diff -u "$out/tie.view" "$out/tie.fol" || fail "tie: view --follow differs from view"

# the same packets with each thread in its own slot, as the consumer writes
# them: the writer keeps 1/2's second packet out of a lower-numbered stream
# (ctl/ctf/ctf_ctx_lane.h), so babeltrace2's muxer (which breaks a tie by
# stream id) also shows begin, begin, end, end; in its own stream_1 (ta), or
# in a new stream_2 when another thread's packet took stream_1 after it (tb)
"$gen" "$out" tieslot || fail "export_gen tieslot failed"
for t in ta:2 tb:3; do
    d=$out/${t%:*} want=${t#*:}
    [ "$(find "$d" -name 'stream_*' | wc -l)" = "$want" ] || fail "tieslot ${t%:*}: $(ls "$d"), not $want streams"
    "$BABELTRACE2" "$d" >"$d.bt" 2>"$d.bt.err" || fail "babeltrace2 ${t%:*}: $(cat "$d.bt.err")"
    [ ! -s "$d.bt.err" ] || fail "babeltrace2 ${t%:*} warns: $(cat "$d.bt.err")"
    order=$(grep 'tid = 2,' "$d.bt" | sed -E 's/.* app:(op_[a-z]+): .*depth = ([0-9]+).*/\1:\2/' | tr '\n' ' ')
    [ "$order" = "op_begin:1 op_begin:2 op_end:2 op_end:1 " ] || fail "tieslot ${t%:*}: babeltrace2 shows thread 1/2 as $order"
    [ "$(wc -l <"$d.bt")" = $((want == 2 ? 8 : 10)) ] || fail "tieslot ${t%:*}: babeltrace2 shows $(wc -l <"$d.bt") events"
    "$remora" view "$d" 2>/dev/null | grep ' 1/2 ' | cut -d' ' -f3,4 | tr '\n' ' ' >"$d.view"
    [ "$(cat "$d.view")" = "app:op_begin depth=1 app:op_begin depth=2 app:op_end depth=2 app:op_end depth=1 " ] ||
        fail "tieslot ${t%:*}: remora view shows thread 1/2 as $(cat "$d.view")"
done

# usage and input errors: a message naming what is wrong, and the status
expect() { # STATUS PATTERN CMD...
    local want=$1 pat=$2 st=0
    shift 2
    "$@" >"$out/e.out" 2>"$out/e.err" || st=$?
    [ "$st" = "$want" ] || fail "$* exited $st, expected $want: $(cat "$out/e.err")"
    grep -q -- "$pat" "$out/e.err" || fail "$*: no '$pat' in: $(cat "$out/e.err")"
}
expect 2 'no --format given' "$remora" export -o "$out/x" "$out/s"
expect 2 'unknown --format' "$remora" export --format svg -o "$out/x" "$out/s"
expect 2 'no output file given' "$remora" export --format chrome "$out/s"
expect 2 'no trace directory given' "$remora" export --format chrome -o "$out/x"
expect 1 'No such file or directory' "$remora" export --format perfetto -o "$out/x" "$out/none"
mkdir -p "$out/empty"
expect 1 'no trace under' "$remora" export --format perfetto -o "$out/x" "$out/empty"
expect 1 'no trace under' "$remora" stats "$out/empty"
expect 1 'cannot write' "$remora" export --format chrome -o "$out/nodir/x.json" "$out/s"
expect 2 'positive count' "$remora" stats --top 0 "$out/s"
expect 2 'positive count' "$remora" stats --top x "$out/s"
# a corrupt stream: reported with its file and byte, the rest still exported, status 1
cp -r "$out/s" "$out/bad"
f=$(ls "$out"/bad/stream_* | head -1)
printf 'XXXX' | dd of="$f" bs=1 seek=0 conv=notrunc status=none
expect 1 'stream_.* at byte 0' "$remora" export --format chrome -o "$out/bad.json" "$out/bad"
"$PYTHON3" -c 'import json,sys; json.load(open(sys.argv[1]))' "$out/bad.json" || fail "corrupt input: JSON not closed"
echo PASS
