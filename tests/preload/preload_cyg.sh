#!/usr/bin/env bash
# `remora record --preload cyg` of a program built with
# -finstrument-functions and without remora: the entry and exit events
# rebuild its call tree exactly (names from nm), every exit closes the
# innermost open entry with the same address and call site, and the stack
# is empty at the end.
set -euo pipefail
remora=$1 prog=$2 bt=$3
out=$(mktemp -d /tmp/remora-preload-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

timeout 30 "$remora" record -o "$out/t" --preload cyg -e 'cyg_profile:*' -- "$prog" \
    >"$out/stdout" 2>"$out/stderr" || fail "record exited $?: $(cat "$out/stderr")"
grep -qx 8 "$out/stdout" || fail "program output changed: $(cat "$out/stdout")"
grep -q 'events recorded, 0 lost, 1 process traced' "$out/stderr" || fail "summary: $(cat "$out/stderr")"
"$bt" "$out/t" >"$out/bt.out" 2>"$out/bt.err" || fail "babeltrace2 failed: $(cat "$out/bt.err")"
[ ! -s "$out/bt.err" ] || fail "babeltrace2 warned: $(cat "$out/bt.err")"

nm "$prog" | while read -r a _ n; do [ -n "${n:-}" ] && echo "$((16#$a)) $n"; done >"$out/names"
sed -nE 's/.* cyg_profile:func_(entry|exit): \{[^}]*\}, \{ addr = ([0-9]+), call_site = ([0-9]+) \}$/\1 \2 \3/p' \
    "$out/bt.out" >"$out/ev"
[ "$(wc -l <"$out/ev")" = "$(wc -l <"$out/bt.out")" ] || fail "unparsed lines: $(head -3 "$out/bt.out")"
awk 'BEGIN { d = 0 } NR == FNR { name[$1] = $2; next }
    {
        n = ($2 in name) ? name[$2] : "?" $2
        if ($1 == "entry") {
            printf "%*s%s\n", 2 * d, "", n; fn[d] = $2; site[d] = $3; d++
        } else {
            if (d == 0) { print "exit without entry: " n; bad = 1; exit 1 }
            d--
            if (fn[d] != $2 || site[d] != $3) { print "exit of " n " closes " name[fn[d]]; bad = 1; exit 1 }
        }
    }
    END { if (bad) exit 1; if (d) { print "unbalanced: " d " open"; exit 1 } }' "$out/names" "$out/ev" >"$out/tree" ||
    fail "$(tail -1 "$out/tree")"
cat >"$out/expected" <<'TREE'
main
  tree
    tree
      tree
        tree
          leaf
        branch
          leaf
      branch
        leaf
        leaf
    branch
      leaf
      leaf
      leaf
TREE
diff "$out/expected" "$out/tree" >"$out/diff" || fail "call tree differs: $(cat "$out/diff")"
echo "PASS"
