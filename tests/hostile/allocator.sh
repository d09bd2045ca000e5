#!/usr/bin/env bash
# Allocator: a program with its own malloc/free/calloc/realloc (and aligned
# variants) that records an event inside each call, under its own lock, in 5
# threads: no recursion and no deadlock (either aborts the app), same output
# traced and plain, and every recorded call is in the trace, exactly.
. "$(dirname "$0")/lib.sh"
plain pl "$out/pl.n"
traced tr "$out/tr.n"
same tr pl
grep -q '^checksum [0-9]*, stdio and strdup' "$out/tr.out" || fail "output: $(cat "$out/tr.out")"
read -r m f <"$out/tr.n"
[ "$m" -gt 10000 ] && [ "$f" -gt 10000 ] || fail "too few calls recorded: $m malloc, $f free"
btread tr
summary tr $((m + f)) 0
expect tr ' myalloc:malloc: ' "$m"
expect tr ' myalloc:free: ' "$f"
echo "$m malloc and $f free events, all in the trace"
echo PASS
