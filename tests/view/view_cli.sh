#!/usr/bin/env bash
# `remora view` on traces written by the CTF writer (view_gen): exact lines,
# merged order across streams and traces, losses, hostile strings, corrupt
# stream files reported with file and offset while the rest still prints,
# a non-trace directory, bad options; and babeltrace2 (when given) reads the
# same events, times and values.
set -euo pipefail
remora=$1 gen=$2 src=$3 bt=${4:-}
out=$(mktemp -d /tmp/remora-view-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export LC_ALL=C

"$gen" "$out/t" basic || fail "view_gen basic"
"$gen" "$out/h" hostile || fail "view_gen hostile"

# exact output: three streams of two traces, interleaved by time
"$remora" view "$out/t" >"$out/o" 2>"$out/e" || fail "view exited $?: $(cat "$out/e")"
diff -u "$src/expected_basic.txt" "$out/o" || fail "basic output differs"
cp "$out/o" "$out/basic"
# the stream with losses says them by cause, then the summary
[ "$(cat "$out/e")" = "remora view: $out/t/a/stream_0: 3 lost: 2 buffer full, 1 record too large
remora view: 8 events, 3 lost, 3 stream files in 2 traces" ] ||
    fail "summary: $(cat "$out/e")"

# a trace of remora before the compact event headers (issue 18): the same
# output, byte for byte
"$gen" "$out/v2" v2 || fail "view_gen v2"
grep -q "rec_size" "$out/v2/a/metadata" || fail "v2 is not the old record layout"
"$remora" view "$out/v2" >"$out/o" 2>"$out/e" || fail "view v2 exited $?: $(cat "$out/e")"
diff -u "$src/expected_basic.txt" "$out/o" || fail "v2 output differs"
[ "$(tail -1 "$out/e")" = "remora view: 8 events, 3 lost, 3 stream files in 2 traces" ] ||
    fail "v2 summary: $(cat "$out/e")"

# a trace of an older remora still (no discarded_* fields, and the old
# event headers): the same events, the loss without causes
"$gen" "$out/v1" v1 || fail "view_gen v1"
"$remora" view "$out/v1" >"$out/o" 2>"$out/e" || fail "view v1 exited $?: $(cat "$out/e")"
sed 's/ (2 buffer full, 1 record too large)$//' "$src/expected_basic.txt" | diff -u - "$out/o" ||
    fail "v1 output differs"
[ "$(cat "$out/e")" = "remora view: $out/v1/a/stream_0: 3 lost: causes not recorded (a trace of an older remora)
remora view: 8 events, 3 lost, 3 stream files in 2 traces" ] ||
    fail "v1 summary: $(cat "$out/e")"
if [ -n "$bt" ]; then
    "$bt" "$out/v1" >"$out/bt" 2>"$out/bt.err" || fail "babeltrace2 on v1: $(cat "$out/bt.err")"
    [ "$(grep -c ' app:' "$out/bt")" = 8 ] || fail "babeltrace2 on v1: $(cat "$out/bt")"
    grep -q "Tracer discarded 3 events" "$out/bt.err" || fail "babeltrace2 v1 loss: $(cat "$out/bt.err")"
    [ "$(grep -vc "Tracer discarded" "$out/bt.err")" = 0 ] || fail "babeltrace2 v1 warned: $(cat "$out/bt.err")"
fi

# hostile strings: escaped, and no raw control byte reaches the terminal
"$remora" view "$out/h" >"$out/o" 2>"$out/e" || fail "view hostile exited $?"
diff -u "$src/expected_hostile.txt" "$out/o" || fail "hostile output differs"
if tr -d '\n' <"$out/o" | grep -q '[[:cntrl:]]'; then fail "a control byte got through"; fi
if grep -q $'\xe2\x80\xae\|\xc2\x9b' "$out/o"; then fail "a bidi or C1 control got through"; fi

# clock formats
line=$("$remora" view --clock-seconds "$out/t/a" 2>/dev/null | head -1)
[ "$line" = '[1700000000.000001000] 100/101 app:request id=1 len=10 path="/a"' ] ||
    fail "--clock-seconds: $line"
line=$("$remora" view --clock-date "$out/t/a" 2>/dev/null | head -1)
[ "$line" = '[2023-11-14 22:13:20.000001000] 100/101 app:request id=1 len=10 path="/a"' ] ||
    fail "--clock-date: $line"

# corrupt files: garbage appended to one stream, another cut short, a third
# pure garbage; each reported with its file and offset, the rest still shows
cp -r "$out/t" "$out/c"
head -c 200 /dev/urandom | tr '\000-\377' '\253' >>"$out/c/a/stream_1"
size=$(stat -c %s "$out/c/sub/b/stream_0")
truncate -s $((size - 5)) "$out/c/sub/b/stream_0"
printf 'not a packet at all, but long enough to hold a whole packet header (160 bytes since the packet context has the discarded_* fields), and then some more bytes, really\n' >"$out/c/a/stream_9"
set +e
"$remora" view "$out/c" >"$out/o" 2>"$out/e"; st=$?
set -e
[ $st = 1 ] || fail "corrupt trace: exit status $st, expected 1"
s1=$(stat -c %s "$out/t/a/stream_1")
grep -qx "remora view: $out/c/a/stream_1 at byte $s1: bad packet magic 0xabababab (expected 0xc1fc1fc1)" "$out/e" ||
    fail "garbage after the last packet not reported: $(cat "$out/e")"
grep -qx "remora view: $out/c/sub/b/stream_0 at byte 0: packet_size $size bytes runs past the end of the file ($((size - 5)) bytes left)" "$out/e" ||
    fail "truncated packet not reported: $(cat "$out/e")"
grep -qx "remora view: $out/c/a/stream_9 at byte 0: bad packet magic 0x20746f6e (expected 0xc1fc1fc1)" "$out/e" ||
    fail "garbage file not reported: $(cat "$out/e")"
grep -v ' 200/200 ' "$src/expected_basic.txt" | diff -u - "$out/o" || fail "the intact streams do not all print"
tail -1 "$out/e" | grep -qx 'remora view: 6 events, 3 lost, 4 stream files in 2 traces, 3 errors' ||
    fail "corrupt summary: $(tail -1 "$out/e")"

# a directory without a trace: one line, status 1
mkdir -p "$out/empty/sub"
set +e
"$remora" view "$out/empty" >"$out/o" 2>"$out/e"; st=$?
[ $st = 1 ] || fail "non-trace directory: status $st"
[ "$(wc -l <"$out/e")" = 1 ] && grep -q 'no trace under' "$out/e" || fail "non-trace: $(cat "$out/e")"
[ ! -s "$out/o" ] || fail "non-trace directory printed events"
"$remora" view "$out/missing" 2>"$out/e"; st=$?
[ $st = 1 ] && grep -q 'No such file' "$out/e" || fail "missing directory: $st $(cat "$out/e")"

# usage errors: status 2 and the usage on stderr
for args in "" "--bogus $out/t" "$out/t $out/h" "-x"; do
    # shellcheck disable=SC2086
    "$remora" view $args >"$out/o" 2>"$out/e"; st=$?
    [ $st = 2 ] || fail "view $args: status $st, expected 2"
    grep -q '^usage: remora view' "$out/e" || fail "view $args: no usage: $(cat "$out/e")"
done
"$remora" view --help >"$out/o" 2>"$out/e"; st=$?
[ $st = 0 ] && grep -q '^usage: remora view' "$out/o" && grep -q 'events lost' "$out/o" ||
    fail "--help: $st"
set -e

# babeltrace2 reads the same events, times and values
if [ -n "$bt" ]; then
    TZ=UTC "$bt" --clock-gmt "$out/t/a" "$out/t/sub/b" >"$out/bt" 2>/dev/null || fail "babeltrace2 failed"
    sed -E -e 's/^(\[[^]]*\]) \([^)]*\) [^ ]+ ([^ ]+): \{ pid = ([0-9]+), tid = ([0-9]+), level = [0-9]+[^}]* \}, \{ ?(.*) \}$/\1 \3\/\4 \2 \5/' \
        -e 's/ = \( "(true|false)" : container = [01] \)/=\1/g' -e 's/ = /=/g' -e 's/, / /g' -e 's/ $//' \
        "$out/bt" >"$out/bt.norm"
    grep -v " -- " "$out/basic" | diff -u - "$out/bt.norm" || fail "babeltrace2 disagrees"
fi
echo PASS
