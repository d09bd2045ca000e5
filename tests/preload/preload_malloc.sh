#!/usr/bin/env bash
# `remora record --preload libc -e 'libc_malloc:*'` of a program built
# without remora: its own calls (caller inside its main(); libc's internal
# allocations, stdio's buffer for one, are left out by that) appear in the
# trace exactly as the program logged them, in order, with the same
# pointers; every pointer it frees was allocated before and not yet freed,
# and nothing is left allocated. babeltrace2 reads the trace without a
# warning and nothing is lost.
set -euo pipefail
remora=$1 prog=$2 bt=$3
out=$(mktemp -d /tmp/remora-preload-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

timeout 30 "$remora" record -o "$out/t" --preload libc -e 'libc_malloc:*' -- "$prog" \
    >"$out/expected" 2>"$out/stderr" || fail "record exited $?: $(cat "$out/stderr")"
grep -q 'events recorded, 0 lost, 1 process traced' "$out/stderr" || fail "summary: $(cat "$out/stderr")"
[ "$(wc -l <"$out/expected")" = 2013 ] || fail "the program logged $(wc -l <"$out/expected") calls, not 2013"

"$bt" "$out/t" >"$out/bt.out" 2>"$out/bt.err" || fail "babeltrace2 failed: $(cat "$out/bt.err")"
[ ! -s "$out/bt.err" ] || fail "babeltrace2 warned: $(cat "$out/bt.err")"
! grep -v ' libc_malloc:' "$out/bt.out" | grep -q . || fail "events of other providers: $(grep -v ' libc_malloc:' "$out/bt.out" | head -3)"

# main's address range: the calls the program makes itself
read -r start size < <(nm -S "$prog" | awk '$4 == "main" { print $1, $2 }')
[ -n "${size:-}" ] || fail "no main in nm -S $prog"
lo=$((16#$start)) hi=$((16#$start + 16#$size))

# "[time] (+delta) host:comm libc_malloc:EV: { ctx }, { f = v, ... }" -> "EV f=v ..."
sed -nE 's/.* libc_malloc:([a-z_]+): \{[^}]*\}, \{ (.*) \}$/\1 \2/p' "$out/bt.out" |
    sed -e 's/ = /=/g' -e 's/, / /g' >"$out/all"
[ "$(wc -l <"$out/all")" = "$(wc -l <"$out/bt.out")" ] || fail "unparsed lines in babeltrace2's output"
awk -v lo="$lo" -v hi="$hi" '{
        c = $NF; sub(/^caller=/, "", c); c += 0
        if (c >= lo && c < hi) { NF--; print }
    }' "$out/all" >"$out/own"
diff "$out/expected" "$out/own" >"$out/diff" ||
    fail "the trace differs from the program's own log: $(head -20 "$out/diff")"
[ "$(wc -l <"$out/all")" -gt 2013 ] || fail "no libc-internal allocation seen: is the caller filter needed at all?"

# pairing, from the trace alone
awk '
    function val(k,   i) { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
    function add(p) { if (p != 0) { if (p in live) { print "allocated twice: " p; bad = 1 } live[p] = 1 } }
    function del(p) { if (p != 0) { if (!(p in live)) { print "freed but not allocated: " p; bad = 1 } delete live[p] } }
    $1 == "free" { del(val("ptr")); next }
    $1 == "realloc" { del(val("in_ptr")); add(val("ptr")); next }
    { add(val("ptr")) }
    END { for (p in live) { print "never freed: " p; bad = 1 } exit bad }' "$out/own" >"$out/pairs" ||
    fail "$(head -5 "$out/pairs")"
echo "PASS"
