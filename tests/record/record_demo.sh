#!/usr/bin/env bash
# `remora record` of examples/hello: babeltrace2 reads the trace without a
# warning, with the exact events and field values, the forked child's event
# carries the child's own pid, and record exits with the command's status.
set -euo pipefail
# In sanitizer builds libremora is preloaded ahead of the ASan runtime.
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
remora=$1 hello=$2 bt=$3
out=$(mktemp -d /tmp/remora-test-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$remora" record -o "$out/t" -- "$hello" 4 >"$out/stdout" 2>"$out/stderr" || fail "record exited $?"
grep -q '^hello: 4 requests traced$' "$out/stdout" || fail "app stdout changed: $(cat "$out/stdout")"
grep -q 'remora: 6 events recorded, 0 lost, 2 processes traced' "$out/stderr" ||
    fail "summary: $(cat "$out/stderr")"

"$bt" "$out/t" >"$out/bt.out" 2>"$out/bt.err" || fail "babeltrace2 failed: $(cat "$out/bt.err")"
[ ! -s "$out/bt.err" ] || fail "babeltrace2 warned: $(cat "$out/bt.err")"
[ "$(wc -l <"$out/bt.out")" = 6 ] || fail "expected 6 events, got: $(cat "$out/bt.out")"
for i in 0 1 2 3; do
    grep -q "hello:request: { pid = [0-9]*, tid = [0-9]*, level = 0[^}]* }, { id = $i, len = $((i * 100)), path = \"/index.html\" }" "$out/bt.out" ||
        fail "request $i missing: $(cat "$out/bt.out")"
done
grep -q 'hello:note: .*{ requests = 4, who = "main" }' "$out/bt.out" || fail "printf event missing"
child=$(grep 'hello:child' "$out/bt.out") || fail "child event missing"
ctx_pid=$(sed -E 's/.*\{ pid = ([0-9]+), tid.*/\1/' <<<"$child")
field_pid=$(sed -E 's/.*\}, \{ pid = ([0-9]+), ratio = 0.5 \}.*/\1/' <<<"$child")
main_pid=$(grep 'hello:request' "$out/bt.out" | head -1 | sed -E 's/.*\{ pid = ([0-9]+), tid.*/\1/')
[ "$ctx_pid" = "$field_pid" ] || fail "child event carries pid $ctx_pid, child is $field_pid"
[ "$ctx_pid" != "$main_pid" ] || fail "child event carries the parent's pid"

# exit status: CMD's own, and 128+signal when CMD is killed
set +e
"$remora" record -o "$out/t2" -- sh -c 'exit 7' 2>/dev/null; st=$?
[ $st = 7 ] || fail "exit status $st, expected 7"
"$remora" record -o "$out/t3" -- sh -c 'kill -TERM $$' 2>/dev/null; st=$?
[ $st = $((128 + 15)) ] || fail "exit status $st, expected 143"
set -e
echo "PASS"
