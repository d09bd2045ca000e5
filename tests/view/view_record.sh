#!/usr/bin/env bash
# `remora record` of examples/hello, then `remora view`: the six events with
# their values, the forked child under its own pid, and (when given)
# babeltrace2 agrees on the times and values of every event.
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
remora=$1 hello=$2 bt=${3:-}
out=$(mktemp -d /tmp/remora-view-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$remora" record -o "$out/t" -- "$hello" 4 >/dev/null 2>"$out/rec.err" || fail "record: $(cat "$out/rec.err")"
"$remora" view "$out/t" >"$out/o" 2>"$out/e" || fail "view exited $?: $(cat "$out/e")"
[ "$(wc -l <"$out/o")" = 6 ] || fail "expected 6 lines: $(cat "$out/o")"
grep -qx 'remora view: 6 events, 0 lost, 1 stream file in 1 trace' "$out/e" || fail "summary: $(cat "$out/e")"
for i in 0 1 2 3; do
    grep -Eq "^\[[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}\] [0-9]+/[0-9]+ hello:request id=$i len=$((i * 100)) path=\"/index.html\"$" "$out/o" ||
        fail "request $i: $(cat "$out/o")"
done
grep -Eq ' hello:note requests=4 who="main"$' "$out/o" || fail "note: $(cat "$out/o")"
child=$(grep ' hello:child ' "$out/o") || fail "no child event"
[[ $child =~ \]\ ([0-9]+)/([0-9]+)\ hello:child\ pid=([0-9]+)\ ratio=0.5$ ]] || fail "child line: $child"
[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[3]}" ] || fail "child event not under the child's pid: $child"
main=$(head -1 "$out/o" | sed -E 's/^[^ ]+ ([0-9]+)\/.*/\1/')
[ "$main" != "${BASH_REMATCH[1]}" ] || fail "child event under the parent's pid"
sort -c "$out/o" || fail "not in time order"

if [ -n "$bt" ]; then
    TZ=UTC "$bt" --clock-gmt "$out/t" >"$out/bt" 2>/dev/null || fail "babeltrace2 failed"
    sed -E -e 's/^(\[[^]]*\]) \([^)]*\) [^ ]+ ([^ ]+): \{ pid = ([0-9]+), tid = ([0-9]+), level = [0-9]+[^}]* \}, \{ ?(.*) \}$/\1 \3\/\4 \2 \5/' \
        -e 's/ = /=/g' -e 's/, / /g' -e 's/ $//' "$out/bt" >"$out/bt.norm"
    diff -u "$out/bt.norm" "$out/o" || fail "babeltrace2 disagrees"
fi
echo PASS
