#!/usr/bin/env bash
# A disk that fills up, then has room again, mid-recording (issue 19): the
# records of the packets it refused are counted, and the next packet written
# carries them as "write error", so the trace says the whole loss: its
# events_discarded (babeltrace2's "Tracer discarded") add up to the
# summary's lost, and `remora view` names them "write error" per stream.
# A process that starts while the disk is full gets no trace directory:
# its events are counted lost too (write errors), though no trace can say
# so. The traced command fills the disk while its ticker runs, then frees
# it once record has said both. Needs root for a tmpfs.
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}"
remora=$1 ticker=$2 bt=$3
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root to mount a tmpfs"; exit 77; fi
out=$(mktemp -d /tmp/remora-test-XXXXXX)
mount -t tmpfs -o size=4m tmpfs "$out"
errf=$(mktemp /tmp/remora-write-error-XXXXXX)
trap 'set +e; umount "$out" || umount -l "$out"; rmdir "$out"; rm -f "$errf"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# One ticker process, 20,000 ticks 100 us apart (2 s or more): once it has
# run 0.3 s, the disk is filled; a second ticker of 100 ticks starts and
# ends; once record has said it could neither write a packet of the first
# nor make the second's trace, the disk is freed; the first one's ticks
# after that go to packets the disk takes (4 MiB: room for all of them,
# small packets included). The shell's own helpers run untraced
# (REMORA_DISABLE).
cmd='"$1" 20000 100 &
sleep 0.3
REMORA_DISABLE=1 dd if=/dev/zero of="$2/fill" bs=4k 2>/dev/null || true
"$1" 100 0
export REMORA_DISABLE=1
for _ in $(seq 400); do
    grep -q "cannot write a packet" "$3" && grep -q "cannot record" "$3" && break
    sleep 0.05
done
rm -f "$2/fill"
wait'
rc=0
"$remora" record -o "$out/t" --buffer-size 32M -- sh -c "$cmd" sh "$ticker" "$out" "$errf" \
    >/dev/null 2>"$errf" || rc=$?
err=$(cat "$errf")
[ "$rc" = 74 ] || fail "record exited $rc, expected 74: $err"
[ "$(grep -c 'No space left on device' <<<"$err")" = 2 ] || fail "not said once per trace: $err"
grep -q ': pid [0-9]* (ticker): cannot record: .*No space left on device' <<<"$err" ||
    fail "the second ticker's trace: $err"
read -r rec lost < <(sed -n 's/^remora: \([0-9]*\) events recorded, \([0-9]*\) lost.*/\1 \2/p' <<<"$err")
[ -n "${rec:-}" ] && [ $((rec + lost)) = 20100 ] || fail "recorded ${rec:-?} + lost ${lost:-?} != 20100: $err"
[ "$lost" -gt 100 ] || fail "nothing lost on a full disk?"
inlost=$((lost - 100)) # the second ticker's 100 are in no trace
grep -q "^remora: lost by cause: $lost write error$" <<<"$err" || fail "causes: $err"

# babeltrace2: every event kept, and the whole loss, no other warning
"$bt" "$out/t" >"$out/../we.bt.$$" 2>"$out/../we.bterr.$$" || fail "babeltrace2: $(cat "$out/../we.bterr.$$")"
n=$(grep -c ' ticker:tick: ' "$out/../we.bt.$$" || true)
btlost=$(sed -n 's/^WARNING: Tracer discarded \([0-9]*\) events\? .*/\1/p' "$out/../we.bterr.$$" | awk '{s+=$1} END {print s+0}')
other=$(grep -v -e '^WARNING: Tracer discarded' -e '^$' "$out/../we.bterr.$$" || true)
rm -f "$out/../we.bt.$$" "$out/../we.bterr.$$"
[ "$n" = "$rec" ] || fail "babeltrace2 reads $n events, summary says $rec"
[ "$btlost" = "$inlost" ] || fail "babeltrace2: $btlost discarded, summary $lost lost (100 in no trace)"
[ -z "$other" ] || fail "babeltrace2 warned: $other"

# remora view: the same loss, as write errors, per stream
v=$("$remora" view "$out/t" 2>&1 >/dev/null) || fail "view: $v"
grep -q "^remora view: $rec events, $inlost lost," <<<"$v" || fail "view summary: $v"
by=$(sed -n 's/^remora view: .*\/stream_[0-9]*: [0-9]* lost: \([0-9]*\) write error$/\1/p' <<<"$v" |
    awk '{s+=$1} END {print s+0}')
[ "$by" = "$inlost" ] || fail "view: $by write errors by stream, $inlost lost in the trace: $v"
echo PASS
