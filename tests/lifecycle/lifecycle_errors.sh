#!/usr/bin/env bash
# Bad input to rotation, clear and follow: a clear error naming what is
# wrong and a non-zero exit for an unknown session, a rotate size below
# one packet, --max-chunks 0, a bad timer, a schedule with --overwrite, a
# rotation of a session never started or in overwrite mode; and a full
# disk during a rotation (a 256 KiB tmpfs, as root): the rotation fails
# with "No space left on device" and exit 1, the chunks already written
# stay readable and whole, and once there is room a rotation succeeds and
# recording goes on into the next chunk.
. "$(dirname "$0")/lib.sh"

# expect STATUS REGEX CMD...: CMD exits STATUS and says REGEX on stderr
expect() {
    local want=$1 re=$2 rc=0; shift 2
    "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, expected $want: $(cat "$T/err")"
    grep -qE -e "$re" "$T/err" || fail "$*: no '$re' in: $(cat "$T/err")"
}

start_remorad
expect 1 "session 'nope' does not exist" "$remora" rotate nope
expect 1 "session 'nope' does not exist" "$remora" clear nope
expect 1 "no session given and no current session" "$remora" rotate
expect 2 "--rotate-size 1K is below one packet: give at least 68K" "$remora" create x --rotate-size 1K
expect 2 "--rotate-size 64K is below one packet" "$remora" record --rotate-size 64K -- true
expect 2 "bad --rotate-size 'lots'" "$remora" record --rotate-size lots -- true
expect 2 "bad --max-chunks '0'.*0 would keep none" "$remora" create x --max-chunks 0
expect 2 "bad --max-chunks '0'" "$remora" record --max-chunks 0 -- true
expect 2 "--max-chunks needs --rotate-size or --rotate-timer" "$remora" record --max-chunks 2 -- true
expect 2 "bad --rotate-timer '0'" "$remora" create x --rotate-timer 0
expect 2 "bad --rotate-timer '1.5'" "$remora" record --rotate-timer 1.5 -- true
expect 2 "--overwrite takes no --rotate-size" "$remora" create x --overwrite --rotate-size 1M
expect 2 "--overwrite takes no --rotate-size" "$remora" record --overwrite --max-chunks 2 -- true
"$remora" status x >/dev/null 2>&1 && fail "a refused create made session x"
"$remora" create idle -o "$T/idle" >/dev/null || fail "create idle"
expect 1 "session idle was never started: nothing to rotate" "$remora" rotate idle
"$remora" create ow -o "$T/ow" --overwrite >/dev/null || fail "create ow"
"$remora" start ow >/dev/null
expect 1 "overwrite mode .* no chunks to rotate" "$remora" rotate ow
"$remora" create snap -o "$T/snap" --snapshot >/dev/null || fail "create snap"
"$remora" start snap >/dev/null
expect 1 "snapshot mode .* no chunks to rotate" "$remora" rotate snap
expect 2 "--snapshot takes no --rotate-size" "$remora" create x --snapshot --rotate-size 1M
expect 2 "--snapshot-on-exit takes no --rotate-size" "$remora" record --snapshot-on-exit --rotate-size 1M -- true
expect 1 "'nope' does not exist" "$remora" view --follow nope
expect 1 "neither a directory nor a session name" "$remora" view --follow -- 'bad name'
echo "bad input refused"

if [ "$(id -u)" != 0 ]; then echo "PASS (the full-disk part needs root to mount a tmpfs: not run)"; exit 0; fi
mkdir "$T/full"
mount -t tmpfs -o size=256k tmpfs "$T/full" || { echo "PASS (cannot mount a tmpfs: full-disk part not run)"; exit 0; }
# The daemon writes into the tmpfs: it goes first, or the umount fails
# (busy), and under set -e a failed command in the trap ended it before
# cleanup ran: each run left its remorad and a mounted tmpfs behind.
cleanup_full() {
    pkill -f -- "--socket $REMORA_SOCKET\$" 2>/dev/null || true
    sleep 0.2
    pkill -9 -f -- "--socket $REMORA_SOCKET\$" 2>/dev/null || true
    umount "$T/full" 2>/dev/null || umount -l "$T/full" 2>/dev/null || true
    cleanup
}
trap cleanup_full EXIT
"$remora" create d -o "$T/full/t" >/dev/null || fail "create d"
"$remora" enable-event -s d 'sess:tick' >/dev/null && "$remora" start d >/dev/null || fail "start d"
start_app a run "$T/stop"
wait_listed "$a"
sleep 0.5
"$remora" rotate d >/dev/null || fail "rotate d with room on disk"
sleep 0.3
"$bt" "$T/full/t/chunk-00000" >"$T/c0.before" 2>&1 || fail "chunk-00000: $(cat "$T/c0.before")"
dd if=/dev/zero of="$T/full/filler" bs=4k 2>/dev/null || true   # ENOSPC ends it
sleep 0.3
expect 1 "rotation of session d failed: .*chunk-00001 is complete, but the next chunk cannot be written: .*No space left on device" \
    "$remora" rotate d
"$bt" "$T/full/t/chunk-00000" >"$T/c0.after" 2>"$T/bt.err" || fail "chunk-00000 after the failed rotation: $(cat "$T/bt.err")"
cmp -s "$T/c0.before" "$T/c0.after" || fail "chunk-00000 changed"
read_trace "$T/full/t/chunk-00001" allow-discarded
n1=$(grep -c 'sess:tick' "$T/bt.out")
[ "$n1" -gt 0 ] || fail "chunk-00001 holds no tick"
rm -f "$T/full/filler"
"$remora" rotate d >"$T/rot.out" 2>&1 || fail "rotate once there is room: $(cat "$T/rot.out")"
sleep 0.5
"$remora" stop d >/dev/null
touch "$T/stop"
last=$(ls "$T/full/t" | grep '^chunk-' | tail -1)
read_trace "$T/full/t/$last" allow-discarded
[ "$(grep -c 'sess:tick' "$T/bt.out")" -gt 0 ] || fail "no tick recorded after the disk had room again ($last)"
read_trace "$T/full/t" allow-discarded   # the whole session, every chunk
for c in "$T/full/t"/chunk-*; do read_trace "$c" allow-discarded; done
"$remora" status d | grep -q "write errors: [1-9]" || fail "the write errors are not counted: $("$remora" status d)"
echo "full disk: rotation failed with a clear error, $n1 ticks kept in chunk-00001, recording resumed in $last"
echo PASS
