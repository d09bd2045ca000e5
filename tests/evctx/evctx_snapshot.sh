#!/usr/bin/env bash
# Per-event contexts in snapshot mode (the flight recorder keeps each
# record with the contexts the app wrote; every snapshot declares them),
# checked with babeltrace2 (exact counts, no warning):
#  - record --snapshot-on-exit --context ip --context cpu_id: all 2 x N
#    events of the snapshot carry ip (inside the app's executable mapping)
#    and cpu_id (< nproc);
#  - a remorad session created with --snapshot, add-context -t ip and
#    -t cpu_id before start: `remora snapshot` of the running app, then one
#    after the app exited (its ring kept by remorad), both with ip and
#    cpu_id on every event, ip the call site's after at most a prefix
#    written before the app saw the mask.
. "$(dirname "$0")/../session/lib.sh"
N=2000
nproc=$(nproc)

has_ctx() { # FILE WANT [LO HI]: WANT cx:ev events, each with ip and cpu_id
    awk -v lo="${3:-0}" -v hi="${4:-0}" -v np="$nproc" -v want="$2" '
        function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++)
                                      v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
                                  return v }
        /cx:ev/ {
            n++
            if (!match($0, /ip = 0x[0-9A-Fa-f]+/)) { print "no ip: " $0; bad++; next }
            ip = hex(substr($0, RSTART + 7, RLENGTH - 7))
            if (ip == 0) { if (seen) { print "ip 0 after an ip: " $0; bad++ } }
            else seen = 1
            if (hi && (ip < lo || ip >= hi)) { printf "ip %x outside %x-%x\n", ip, lo, hi; bad++ }
            if (!match($0, /cpu_id = [0-9]+/)) { print "no cpu_id: " $0; bad++; next }
            c = substr($0, RSTART + 9, RLENGTH - 9) + 0
            if (c >= np) { print "cpu_id " c " >= " np; bad++ }
        }
        END { if (want != "any" && n != want) { print n " events, want " want; bad++ }
              if (!seen) { print "no event with an ip (" n " events)"; bad++ }
              exit bad > 0 }' "$1" >"$T/awk.out" || fail "$1: $(head -3 "$T/awk.out")"
}

# --- record --snapshot-on-exit ---
"$remora" record --snapshot-on-exit -o "$T/r" --context ip --context cpu_id \
    -e 'cx:ev' -- "$app" $N "$T/maps" 2>"$T/r.err" || fail "record: $(cat "$T/r.err")"
path=$(sed -n 's/^remora: snapshot written to \(.*\): [0-9]* events.*/\1/p' "$T/r.err")
[ -n "$path" ] && [ -d "$path" ] || fail "no snapshot: $(cat "$T/r.err")"
read_trace "$path"
read -r lo hi <"$T/maps"
has_ctx "$T/bt.out" $((2 * N)) $((16#$lo)) $((16#$hi))
grep -q 'ip = 0x0 ' "$T/bt.out" && fail "an event without its ip: $(grep -m1 'ip = 0x0 ' "$T/bt.out")"
echo "ok: record --snapshot-on-exit: $((2 * N)) events with ip and cpu_id"

# --- remorad: create --snapshot, add-context, snapshot live and after exit ---
start_app a run "$T/stop"
"$remora" create s --snapshot -o "$T/s" >/dev/null 2>&1 || fail "create --snapshot"
wait_listed "$a"
"$remora" add-context -t ip >/dev/null 2>&1 || fail "add-context -t ip"
"$remora" add-context -t cpu_id >/dev/null 2>&1 || fail "add-context -t cpu_id"
"$remora" enable-event 'cx:ev' >/dev/null || fail "enable-event"
"$remora" start >/dev/null || fail "start"
sleep 1
"$remora" snapshot >"$T/snap.out" 2>&1 || fail "snapshot: $(cat "$T/snap.out")"
p1=$(sed -n 's/.*written to \([^:]*\):.*/\1/p' "$T/snap.out" | head -1)
[ -n "$p1" ] && [ -d "$p1" ] || fail "snapshot path: $(cat "$T/snap.out")"
read_trace "$p1"
live=$(grep -c 'cx:ev' "$T/bt.out" || true)
[ "$live" -gt 10 ] || fail "live snapshot: $live events"
has_ctx "$T/bt.out" "$live"
echo "ok: live snapshot: $live events with ip and cpu_id"
touch "$T/stop"
wait "$a" 2>/dev/null || true
sleep 1.5 # remorad reaps the tree and keeps its ring
"$remora" snapshot >"$T/snap.out" 2>&1 || fail "snapshot after exit: $(cat "$T/snap.out")"
p2=$(sed -n 's/.*written to \([^:]*\):.*/\1/p' "$T/snap.out" | head -1)
[ -n "$p2" ] && [ "$p2" != "$p1" ] && [ -d "$p2" ] || fail "snapshot path: $(cat "$T/snap.out")"
read_trace "$p2"
kept=$(grep -c 'cx:ev' "$T/bt.out" || true)
[ "$kept" -ge "$live" ] || fail "snapshot after exit: $kept events, the live one had $live"
has_ctx "$T/bt.out" "$kept"
"$remora" destroy s >/dev/null 2>&1 || true
echo "ok: snapshot after the app exited: $kept events with ip and cpu_id"
echo PASS
