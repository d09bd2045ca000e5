#!/usr/bin/env bash
# `remora record --preload libc -e 'libc_io:*'` of a program built without
# remora: its opens, reads, writes and closes (fds, sizes, results), the
# connect/accept pair (the address as bytes), the fork seen from both
# sides with their own pids, the child's exec and the parent's exit, in
# order; no libc_malloc event (the sets are enabled separately).
set -euo pipefail
remora=$1 prog=$2 bt=$3
out=$(mktemp -d /tmp/remora-preload-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

set +e
timeout 30 "$remora" record -o "$out/t" --preload libc -e 'libc_io:*' -- "$prog" "$out" \
    >"$out/stdout" 2>"$out/stderr"
st=$?
set -e
[ $st = 3 ] || fail "record exited $st, not the program's 3: $(cat "$out/stderr")"
grep -q 'events recorded, 0 lost, 2 processes traced' "$out/stderr" || fail "summary: $(cat "$out/stderr")"
"$bt" "$out/t" >"$out/bt.out" 2>"$out/bt.err" || fail "babeltrace2 failed: $(cat "$out/bt.err")"
[ ! -s "$out/bt.err" ] || fail "babeltrace2 warned: $(cat "$out/bt.err")"
! grep -q 'libc_malloc:' "$out/bt.out" || fail "libc_malloc events were not asked for"

# "{ pid = P, tid = T, level = 0 }, { fields }" -> "P EV fields"
sed -nE 's/.* libc_io:([a-z_]+): \{ pid = ([0-9]+), [^}]*\}, \{ (.*) \}$/\2 \1 \3/p' "$out/bt.out" >"$out/ev"
[ "$(wc -l <"$out/ev")" = "$(wc -l <"$out/bt.out")" ] || fail "unparsed lines: $(head -3 "$out/bt.out")"
parent=$(awk 'NR == 1 { print $1 }' "$out/ev")
child=$(awk '$2 == "fork" && $1 == '"$parent"' { sub(/,/, "", $5); print $5 }' "$out/ev")
[ -n "$child" ] || fail "no fork event in the parent: $(cat "$out/ev")"
flags=$(printf '%d' $((0x41 | 0x200))) # O_CREAT|O_WRONLY|O_TRUNC
# the socket path as the decimal bytes babeltrace2 prints
sockbytes=$(printf '%s/sock' "$out" | od -An -tu1 -v | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
want() { grep -qF -- "$1" "$out/ev" || fail "missing: $1 in: $(cat "$out/ev")"; }
# fd numbers depend on what the test runner left open: take the first open's
fd=$(sed -nE "s|^$parent open dirfd = -100, path = \"$out/file\", flags = $flags, mode = 416, ret = ([0-9]+), err = 0\$|\1|p" "$out/ev")
[ -n "$fd" ] || fail "no open(O_CREAT) of $out/file: $(cat "$out/ev")"
want "$parent write fd = $fd, count = 6, ret = 6, err = 0"
want "$parent open dirfd = -100, path = \"$out/file\", flags = 0, mode = 0, ret = $fd, err = 0"
want "$parent read fd = $fd, count = 16, ret = 6, err = 0"
[ "$(grep -c "^$parent close fd = $fd, ret = 0, err = 0" "$out/ev")" = 2 ] || fail "two closes of fd $fd expected"
want "$parent fork ret = $child, err = 0"
want "$child fork ret = 0, err = 0"
want "$child exec path = \"/bin/true\", argv0 = \"true\", argc = 1"
want "$parent exit status = 3"
# connect's address: family AF_UNIX (1, 0) then the path, NUL-padded
grep -E "^$child connect fd = [0-9]+, _addr_len = 110, addr = \[ \[0\] = 1, \[1\] = 0, " "$out/ev" |
    sed -E 's/\[[0-9]+\] = //g; s/.*addr = \[ 1, 0, //; s/ \].*//; s/,//g' | grep -qF -- "$sockbytes" ||
    fail "connect address: $(grep connect "$out/ev")"
grep -qE "^$parent accept fd = $fd, _addr_len = 2, addr = \[ \[0\] = 1, \[1\] = 0 \], flags = 0, ret = $((fd + 1)), err = 0" \
    "$out/ev" || fail "accept: $(grep accept "$out/ev")"
# order, within the parent
order=$(awk '$1 == '"$parent"' { print $2 }' "$out/ev" | tr '\n' ' ')
[ "$order" = "open write close open read close fork accept exit " ] || fail "parent's order: $order"
echo "PASS"
