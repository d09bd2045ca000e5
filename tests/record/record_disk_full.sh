#!/usr/bin/env bash
# The output disk fills up mid-recording: record finishes cleanly, says
# once what failed, counts every event it could not write as lost (kept +
# lost = emitted), leaves a trace babeltrace2 reads without error, and
# exits 74 (not the command's 0) because events were lost to write errors;
# a record with no write error keeps the command's status (3 here).
# Needs root to mount a small tmpfs.
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}"
remora=$1 ticker=$2 bt=$3
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root to mount a tmpfs"; exit 77; fi
out=$(mktemp -d /tmp/remora-test-XXXXXX)
mount -t tmpfs -o size=192k tmpfs "$out"
trap 'set +e; umount "$out" || umount -l "$out"; rmdir "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

rc=0
"$remora" record -o "$out/t" --buffer-size 32M -- "$ticker" 60000 0 >/dev/null 2>"$out/../disk-full.err.$$" || rc=$?
err=$(cat "$out/../disk-full.err.$$"); rm -f "$out/../disk-full.err.$$"
[ "$rc" = 74 ] || fail "record exited $rc on a full disk, expected 74: $err"
grep -q "remora record: exit status 74: events were lost to write errors in $out/t (the command's own status was 0)" <<<"$err" ||
    fail "the exit status is not explained: $err"
[ "$(grep -c 'No space left on device' <<<"$err")" = 1 ] || fail "the disk-full error is not said exactly once: $err"
rec=$(sed -n 's/^remora: \([0-9]*\) events recorded, \([0-9]*\) lost.*/\1/p' <<<"$err")
lost=$(sed -n 's/^remora: \([0-9]*\) events recorded, \([0-9]*\) lost.*/\2/p' <<<"$err")
[ -n "$rec" ] && [ $((rec + lost)) = 60000 ] || fail "recorded $rec + lost $lost != 60000: $err"
[ "$lost" -gt 0 ] || fail "nothing lost on a full disk?"
grep -q "could not be written to $out/t" <<<"$err" || fail "no unwritten count: $err"
n=$("$bt" "$out/t" 2>/dev/null | wc -l) || fail "babeltrace2 failed on the truncated trace"
[ "$n" = "$rec" ] || fail "babeltrace2 reads $n events, summary says $rec"
# no write error: the command's own status, and no word of 74
rm -rf "$out/t"
rc=0
"$remora" record -o "$out/t" -- sh -c 'exit 3' >/dev/null 2>/dev/null || rc=$?
[ "$rc" = 3 ] || fail "record of a command exiting 3 with room on disk exited $rc"
echo PASS
