#!/usr/bin/env bash
# `remora record` with rotation schedules:
#  - by size: 150,000 events flat out (--blocking, so none is lost) cut at
#    --rotate-size 256K: several chunks, each read alone by babeltrace2
#    without a warning, and their union is exactly ticks 0..149999, none
#    twice (the 10 M-event run is bench/rotate_10m.sh);
#  - by timer: ticks for ~3 s with --rotate-timer 1: at least 2 chunks, the
#    union exact;
#  - --max-chunks 3: exactly 3 chunk directories stay, the newest ones,
#    holding a contiguous run of ticks that ends at the last one;
#  - a trace never rotated keeps today's layout (DIR/COMM-PID/).
. "$(dirname "$0")/lib.sh"

N=150000
"$remora" record -o "$T/size" --blocking --rotate-size 256K -- "$ticker" $N 0 >/dev/null 2>"$T/rec.err" ||
    fail "record --rotate-size: $(cat "$T/rec.err")"
grep -q "^remora: $N events recorded, 0 lost" "$T/rec.err" || fail "summary: $(cat "$T/rec.err")"
check_chunks "$T/size" n
[ "$nchunks" -ge 4 ] || fail "only $nchunks chunks of 256K for $N events: $(du -sh "$T/size"/*)"
exactly_seq 0 $((N - 1))
# a chunk is closed at the first packet boundary past the size: not far past
for c in "$T/size"/chunk-*; do
    sz=$(cat "$c"/*/stream_* | wc -c)
    [ "$sz" -lt $((256 * 1024 + 256 * 1024)) ] || fail "$c holds $sz bytes of streams, rotate size 256K"
done
echo "size: $nchunks chunks, union exact"

"$remora" record -o "$T/timer" --rotate-timer 1 -- "$ticker" 2500 1000 >/dev/null 2>"$T/rec.err" ||
    fail "record --rotate-timer: $(cat "$T/rec.err")"
check_chunks "$T/timer" n
[ "$nchunks" -ge 2 ] || fail "$nchunks chunk(s) for ~3 s at --rotate-timer 1"
exactly_seq 0 2499
echo "timer: $nchunks chunks, union exact"

"$remora" record -o "$T/ring" --blocking --rotate-size 128K --max-chunks 3 -- "$ticker" 100000 0 \
    >/dev/null 2>"$T/rec.err" || fail "record --max-chunks: $(cat "$T/rec.err")"
ls "$T/ring" >"$T/ring.ls"
[ "$(grep -c '^chunk-' "$T/ring.ls")" = 3 ] || fail "--max-chunks 3 left: $(cat "$T/ring.ls")"
last=$(tail -1 "$T/ring.ls" | sed 's/chunk-0*//'); last=${last:-0}
[ "$last" -ge 5 ] || fail "only $((last + 1)) chunks were made: $(cat "$T/ring.ls")"
printf 'chunk-%05d\n' $((last - 2)) $((last - 1)) "$last" | cmp -s - "$T/ring.ls" ||
    fail "not the 3 newest chunks: $(cat "$T/ring.ls")"
check_chunks "$T/ring" n
first=$(head -1 "$T/union.txt")
exactly_seq "$first" 99999
echo "max-chunks: $(cat "$T/ring.ls" | tr '\n' ' ')kept, ticks $first..99999"

"$remora" record -o "$T/plain" -- "$ticker" 100 0 >/dev/null 2>&1 || fail "plain record"
ls "$T/plain" | grep -q '^ticker-[0-9]*$' || fail "unrotated layout changed: $(ls "$T/plain")"
ls "$T/plain" | grep -q chunk && fail "chunk in an unrotated trace"
[ ! -e "$T/plain/.remora-live" ] || fail "the live mark stayed after record ended"
echo PASS
