#!/usr/bin/env bash
# Events through `remora record`, read back with babeltrace2: exact counts
# and field values, the forked child's events carry its own pid (contract
# line 6), events from a signal handler (line 7), a dlopen'd provider
# recorded, dlclose'd, dlopen'd and recorded again.
# Usage: test_inject_events.sh REMORA INJ_EVENTS PLUGIN BABELTRACE2 [VALGRIND]
# With VALGRIND the program runs under memcheck, with events enabled and no
# consumer (the helper refuses to run without seccomp under valgrind), and
# must exit cleanly with the same stdout.
set -euo pipefail
# sanitizer builds: record preloads libremora ahead of the ASan runtime
export ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:detect_leaks=0}
remora=$1 app=$2 plugin=$3 bt=$4 vg=${5:-}
out=$(mktemp -d /tmp/remora-inj-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

if [ -n "$vg" ]; then
    REMORA_ENABLE='*' REMORA_SOCKET=/nonexistent/remora.sock \
        timeout 300 "$vg" -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        "$app" "$plugin" >"$out/stdout" 2>"$out/stderr" || fail "memcheck: $? $(cat "$out/stderr")"
    grep -q '^events: child [0-9]* exit 0, handled 2$' "$out/stdout" || fail "stdout: $(cat "$out/stdout")"
    # not `grep -v | grep -q`: with pipefail, SIGPIPE in the first grep would hide a finding
    [ -z "$(grep -v -e '^--[0-9]*--' "$out/stderr")" ] || fail "stderr: $(cat "$out/stderr")"
    echo PASS
    exit 0
fi

timeout 60 "$remora" record -o "$out/t" -- "$app" "$plugin" >"$out/stdout" 2>"$out/stderr" ||
    fail "record exited $?: $(cat "$out/stderr")"
grep -q '^events: child [0-9]* exit 0, handled 2$' "$out/stdout" || fail "stdout: $(cat "$out/stdout")"
child=$(sed -E 's/^events: child ([0-9]+) .*/\1/' "$out/stdout")
"$bt" "$out/t" >"$out/bt" 2>"$out/bt.err" || fail "babeltrace2: $(cat "$out/bt.err")"
[ ! -s "$out/bt.err" ] || fail "babeltrace2 warned: $(cat "$out/bt.err")"
count() { grep -c "$1" "$out/bt" || true; }
[ "$(wc -l <"$out/bt")" = 16 ] || fail "expected 16 events, got $(wc -l <"$out/bt"): $(cat "$out/bt")"
[ "$(count ' inj:value: ')" = 5 ] || fail "inj:value count"
# the packet context's losses by cause are never printed with the events
! grep -q discarded_ "$out/bt" || fail "babeltrace2 prints the losses by cause: $(head -1 "$out/bt")"
nc=
main=$(grep ' inj:value: ' "$out/bt" | head -1 | sed -E 's/.*\{ pid = ([0-9]+), tid.*/\1/')
ds=(0 0.5 1 1.5 2)
for i in 0 1 2 3 4; do
    if [ $((i % 2)) = 1 ]; then odd='( "true" : container = 1 )'; else odd='( "false" : container = 0 )'; fi
    grep -qF "inj:value: { pid = $main, tid = $main, level = 0$nc }, { i = $i, neg = $((-i)), s = \"v$i\", d = ${ds[$i]}, odd = $odd }" "$out/bt" ||
        fail "value $i: $(grep inj:value "$out/bt")"
done
grep -q "inj:note: { pid = $main, .*{ count = 5, word = \"done\" }" "$out/bt" || fail "printf event"
[ "$(count " inj:child: { pid = $child, tid = $child, level = 0$nc }, { pid = $child, n = [012] }")" = 3 ] ||
    fail "child events (child $child, parent $main): $(grep inj:child "$out/bt")"
[ "$child" != "$main" ] || fail "child and parent share a pid"
[ "$(count " inj:sig: { pid = $main, .*{ signo = 10, k = [01] }")" = 2 ] || fail "signal handler events: $(grep inj:sig "$out/bt")"
[ "$(count ' plug:hit: .*{ round = 1, n = [01] }')" = 2 ] || fail "plugin round 1: $(grep plug:hit "$out/bt")"
[ "$(count ' plug:hit: .*{ round = 2, n = [012] }')" = 3 ] || fail "plugin round 2: $(grep plug:hit "$out/bt")"
grep -q '16 events recorded, 0 lost, 2 processes traced' "$out/stderr" || fail "summary: $(cat "$out/stderr")"
echo PASS
