#!/usr/bin/env bash
# Per-event contexts, written by the app, checked with babeltrace2 (exact
# counts, no warning) and remora view:
#  - record --context ip --context cpu_id --context perf:thread:page-faults:
#    every event of 2 threads x N and of a forked child's N has them; ip inside the app's executable
#    mapping, cpu_id < nproc, page-faults monotone per thread (each event
#    touches a new page; the software counter's value is the one as of the
#    thread's last context switch: monotone, not exact);
#  - the same app under a seccomp filter that denies perf_event_open still
#    traces: the counter is written as 0 and the summary says why;
#  - add-context -t ip in a started remorad session: the new trace
#    directory COMM-PID.1 has ip on every event, the first has none;
#  - an unknown perf counter is refused, naming it.
. "$(dirname "$0")/../session/lib.sh"
N=2000
nproc=$(nproc)

check_ctx() { # DIR: every event has ip in the text range, cpu_id < nproc
    read_trace "$1"
    local lo hi
    read -r lo hi <"$T/maps"
    awk -v lo=$((16#$lo)) -v hi=$((16#$hi)) -v np="$nproc" -v want="$2" '
        function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++)
                                      v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
                                  return v }
        /cx:ev/ {
            n++
            if (!match($0, /ip = 0x[0-9A-Fa-f]+/)) { print "no ip: " $0; bad++; next }
            ip = hex(substr($0, RSTART + 7, RLENGTH - 7))
            if (ip < lo || ip >= hi) { printf "ip %x outside %x-%x\n", ip, lo, hi; bad++ }
            if (!match($0, /cpu_id = [0-9]+/)) { print "no cpu_id: " $0; bad++; next }
            c = substr($0, RSTART + 9, RLENGTH - 9) + 0
            if (c >= np) { print "cpu_id " c " >= " np; bad++ }
        }
        END { if (n != want) { print n " events, want " want; bad++ } exit bad > 0 }' \
        "$T/bt.out" >"$T/awk.out" || fail "$1: $(head -3 "$T/awk.out")"
}

"$remora" record -o "$T/r" --context ip --context cpu_id --context perf:thread:page-faults \
    -e 'cx:ev' -- "$app" $N "$T/maps" fork 2>"$T/r.err" || fail "record: $(cat "$T/r.err")"
check_ctx "$T/r" $((3 * N))
# page faults: monotone per thread (tid), and growing over the run
awk '/cx:ev/ { match($0, /tid = [0-9]+/); t = substr($0, RSTART + 6, RLENGTH - 6)
               match($0, /perf_thread_page_faults = [0-9]+/); v = substr($0, RSTART + 26, RLENGTH - 26) + 0
               if (t in last && v < last[t]) { print "tid " t ": " v " after " last[t]; bad++ }
               if (!(t in first)) first[t] = v; last[t] = v }
     END { for (t in last) if (last[t] <= first[t]) { print "tid " t " stayed at " last[t]; bad++ }
           exit bad > 0 }' "$T/bt.out" >"$T/awk.out" || fail "page faults: $(head -3 "$T/awk.out")"
[ "$(grep -c 'thread = 2 }' "$T/bt.out")" = $N ] || fail "forked child: $(grep -c 'thread = 2 }' "$T/bt.out") events"
grep -q "perf counters could not be opened" "$T/r.err" && fail "counters failed: $(cat "$T/r.err")"
echo "ok: $((3 * N)) events (2 threads and a forked child) with ip, cpu_id, monotone page-faults"
"$remora" view "$T/r" >"$T/view.out" 2>&1 || fail "view: $(cat "$T/view.out")"
[ "$(grep -cE 'cx:ev ip=0x[0-9a-f]+ cpu_id=[0-9]+ perf_thread_page_faults=[0-9]+ i=' "$T/view.out")" = $((3 * N)) ] ||
    fail "remora view: $(head -2 "$T/view.out")"

# a sandbox that denies perf_event_open: traced, counter 0, reported
"$remora" record -o "$T/sc" --context ip --context cpu_id --context perf:thread:page-faults \
    -e 'cx:ev' -- "$app" $N "$T/maps" seccomp 2>"$T/sc.err" || fail "record under seccomp: $(cat "$T/sc.err")"
check_ctx "$T/sc" $((2 * N))
[ "$(grep -c 'perf_thread_page_faults = 0 }' "$T/bt.out")" = $((2 * N)) ] ||
    fail "seccomp: counter not 0: $(grep -m1 cx:ev "$T/bt.out")"
grep -q "2 perf counters could not be opened" "$T/sc.err" || fail "seccomp summary: $(cat "$T/sc.err")"
echo "ok: under seccomp, traced with the counter at 0 and reported"

rc=0
"$remora" record -o "$T/bad" --context perf:thread:nosuch -- true 2>"$T/bad.err" || rc=$?
[ $rc = 2 ] && grep -q "'nosuch'" "$T/bad.err" || fail "unknown counter: $rc $(cat "$T/bad.err")"

# add-context in a started session
start_app a run "$T/stop"
"$remora" create s -o "$T/t" >/dev/null 2>&1 || fail "create"
wait_listed "$a"
"$remora" enable-event 'cx:ev' >/dev/null || fail "enable-event"
"$remora" start >/dev/null || fail "start"
wait_stream "$T/t/evctx_app-$a"
"$remora" add-context -t ip >"$T/ac.out" 2>&1 || fail "add-context: $(cat "$T/ac.out")"
grep -q "Context ip added to session s" "$T/ac.out" || fail "add-context said: $(cat "$T/ac.out")"
wait_stream "$T/t/evctx_app-$a.1"
sleep 1 # and past the app's first look at the new mask (its ip from then on)
"$remora" stop >/dev/null || fail "stop"
touch "$T/stop"
[ -d "$T/t/evctx_app-$a" ] && [ -d "$T/t/evctx_app-$a.1" ] || fail "trace dirs: $(ls "$T/t")"
read_trace "$T/t/evctx_app-$a"
grep -q 'ip =' "$T/bt.out" && fail "ip before add-context"
before=$(grep -c 'cx:ev' "$T/bt.out")
read_trace "$T/t/evctx_app-$a.1"
after=$(grep -c 'cx:ev' "$T/bt.out")
[ "$before" -gt 0 ] && [ "$after" -gt 0 ] || fail "before: $before, after: $after events"
# written before the app saw the new mask: 0 (the record says so); after it: the call site
[ "$(grep -cE 'ip = 0x[1-9A-F][0-9A-F]* }' "$T/bt.out")" -gt 0 ] || fail "no ip after add-context: $(grep -m1 cx:ev "$T/bt.out")"
# only a prefix can lack it: once the app wrote one, every later event has it
awk '/cx:ev/ { z = ($0 ~ /ip = 0x0 }/); if (seen && z) { print "ip 0 after an ip: " $0; exit 1 } if (!z) seen = 1 }' \
    "$T/bt.out" >"$T/awk.out" || fail "$(cat "$T/awk.out")"
echo "ok: $before events before add-context, $after after with ip"
echo PASS
