#!/usr/bin/env bash
# Setuid programs (SECURITY.md, "Setuid programs"). An unprivileged user
# runs a setuid-root copy of a traced program with REMORA_SOCKET naming a
# listener of the user's own: the program ignores the environment and the
# listener receives no fd. A root program pointed at that listener does not
# hand its arena over either (its helper checks SO_PEERCRED), while the
# user's own program does (so the test would see a leak). `remora record`
# says on stderr that a setuid CMD is not traced, and a consumer refuses a
# helper of another uid, root included. Needs root (setuid file, 2nd uid).
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}"
remora=$1 ticker=$2 listener=$4
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root for a setuid program and a second uid"; exit 77; fi
unset REMORA_SOCKET REMORA_ENABLE XDG_RUNTIME_DIR
T=$(mktemp -d /tmp/remora-suid-XXXXXX)
bg=()
cleanup() { set +e; for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

. "$(dirname "$0")/../stage.sh"
# shared with this test in other checkouts running at the same time: all
# that is found below is found through $T or a pid of this run
user=remora-suid-t
ensure_user "$user"
uid=$(id -u "$user") gid=$(id -g "$user")
as_user() { setpriv --reuid="$uid" --regid="$gid" --clear-groups env LD_LIBRARY_PATH="$T" "$@"; }
# what the user runs is copied to a 0755 directory: the checkout may sit in
# a 0700 one (a clone in /root) out of that uid's reach
stage_copies "$T" "$ticker:ticker" "$ticker:ticker_suid" "$listener:fd_listener" "$remora:remora"
chown root:root "$T/ticker_suid"
chmod 4755 "$T/ticker_suid"   # as root it finds libremora by RUNPATH
mkdir -m 0777 "$T/u"

# listen NAME: the user's listener on $T/u/NAME.sock for 4 s, pid in $lp
listen() {
    as_user "$T/fd_listener" "$T/u/$1.sock" 4 >"$T/$1.out" 2>&1 &
    lp=$!
    for _ in $(seq 100); do [ -S "$T/u/$1.sock" ] && return 0; sleep 0.05; done
    fail "the listener did not start: $(cat "$T/$1.out")"
}
heard() { wait "$lp" || fail "the listener failed: $(cat "$T/$1.out")"; out=$(cat "$T/$1.out"); }

# 1. the user's own program: the listener gets its arena fd
listen own
as_user env REMORA_SOCKET="$T/u/own.sock" REMORA_ENABLE='ticker:*' "$T/ticker" 1500 ||
    fail "the user's ticker failed"
heard own
grep -q 'fds [1-9]' <<<"$out" || fail "the user's own program handed no fd ($out): the test cannot see a leak"

# 2. the setuid-root copy, same environment: euid 0, and nothing reaches the listener
listen suid
as_user env REMORA_SOCKET="$T/u/suid.sock" REMORA_ENABLE='ticker:*' "$T/ticker_suid" 1500 &
sp=$!
bg+=("$sp")
ids=""
for _ in $(seq 200); do
    tp=$(pgrep -o -f "^$T/ticker_suid 1500" || true)   # $sp: as_user's subshell
    ids=$([ -n "$tp" ] && awk '/^Uid:/ {print $2, $3}' "/proc/$tp/status" 2>/dev/null || true)
    [ -n "$ids" ] && [ "$ids" != "0 0" ] && break
    sleep 0.01
done
[ "$ids" = "$uid 0" ] || fail "the setuid copy does not run with real uid $uid, effective 0: '$ids'"
wait "$sp" || fail "the setuid ticker exited $?"
heard suid
[ "$out" = "connections 0 fds 0" ] || fail "a setuid-root program reached the user's listener: $out"

# 3. a root program pointed at the user's listener: its helper connects,
# sees the peer's uid and hands nothing over
listen root
env REMORA_SOCKET="$T/u/root.sock" REMORA_ENABLE='ticker:*' "$T/ticker" 1500 || fail "root's ticker failed"
heard root
grep -q '^connections [1-9][0-9]* fds 0$' <<<"$out" || fail "root's helper and the user's listener: $out (want connections, no fd)"

# 4. remora record as the user, of the setuid copy: said on stderr, status kept
as_user env REMORA_LIB="$T/libremora.so.0" "$T/remora" record -o "$T/u/rec" -- "$T/ticker_suid" 20 \
    >/dev/null 2>"$T/rec.err" || fail "record of the setuid program exited $?: $(cat "$T/rec.err")"
grep -q "remora record: $T/ticker_suid is setuid: .* will not be traced here" "$T/rec.err" ||
    fail "record did not say the setuid program is not traced: $(cat "$T/rec.err")"

# 5. the user's record refuses a root helper (the consumer's own SO_PEERCRED check)
as_user env REMORA_LIB="$T/libremora.so.0" "$T/remora" record -o "$T/u/rec2" -- "$T/ticker" 3000 \
    >/dev/null 2>"$T/rec2.err" &
rp=$!
bg+=("$rp")
# this run's record by its command line ($T is ours), then its socket by the
# pid in the directory's name: another checkout's record_setuid runs a record
# as the same user at the same time, and its socket is no business of ours
rec="" sock=""
for _ in $(seq 400); do
    [ -n "$rec" ] || rec=$(pgrep -o -u "$uid" -f "^$T/remora record -o $T/u/rec2 " || true)
    [ -n "$rec" ] && sock=$(ls -d /tmp/remora-rec-"$rec"-*/sock 2>/dev/null | head -1 || true)
    [ -S "$sock" ] && break
    sleep 0.02
done
[ -S "$sock" ] || fail "the user's record (pid '$rec') socket did not appear"
bg+=("$rec")
# the helper has no CAP_DAC_OVERRIDE: open the modes (a misconfiguration)
# so that the refusal below is SO_PEERCRED's, on both sides
chmod 0711 "$(dirname "$sock")"
chmod 0777 "$sock"
env REMORA_SOCKET="$sock" REMORA_ENABLE='ticker:*' "$T/ticker" 200 || fail "root's ticker failed"
wait "$rp" || fail "the user's record exited $?: $(cat "$T/rec2.err")"
grep -q "refused a helper connection from pid [0-9]* uid 0 " "$T/rec2.err" ||
    fail "the user's consumer did not refuse root's helper: $(cat "$T/rec2.err")"
grep -q 'remora: 3000 events recorded, 0 lost, 1 process traced' "$T/rec2.err" ||
    fail "the user's own program: $(cat "$T/rec2.err")"
echo PASS
