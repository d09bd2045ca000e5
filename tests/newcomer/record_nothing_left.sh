#!/usr/bin/env bash
# `remora record` of a command that cannot run exits 127, prints no
# success message and leaves no trace directory behind (a directory that
# existed before is left as it was, empty); an -e pattern that matched no
# event type is warned about at the end, naming the types seen, and a
# pattern that matched is not.
set -uo pipefail
remora=$1 app=$2 bt=$3
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
T=$(mktemp -d /tmp/remora-nl-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$remora" record -o "$T/new" -- /nonexistent/cmd 2>"$T/e"; rc=$?
[ $rc = 127 ] || fail "missing command: exit $rc, expected 127: $(cat "$T/e")"
[ ! -e "$T/new" ] || fail "a trace directory was left behind: $(ls -la "$T/new")"
grep -q "cannot run /nonexistent/cmd" "$T/e" || fail "no reason given: $(cat "$T/e")"
grep -q "no trace written" "$T/e" || fail "does not say no trace was written: $(cat "$T/e")"
! grep -q "trace written to\|view it with" "$T/e" || fail "success message without a trace: $(cat "$T/e")"

# the default directory (./remora-YYYYmmdd-HHMMSS) is not left either
mkdir "$T/cwd"
(cd "$T/cwd" && "$remora" record -- /nonexistent/cmd 2>/dev/null); rc=$?
[ $rc = 127 ] || fail "missing command, default dir: exit $rc"
[ -z "$(ls -A "$T/cwd")" ] || fail "left in the current directory: $(ls -A "$T/cwd")"

# not executable
printf '#!/bin/sh\n' >"$T/noexec"
"$remora" record -o "$T/new2" -- "$T/noexec" 2>"$T/e"; rc=$?
[ $rc = 127 ] || fail "non-executable command: exit $rc, expected 127"
[ ! -e "$T/new2" ] || fail "a trace directory was left behind (non-executable)"

# an existing empty directory stays, empty
mkdir "$T/mine"
"$remora" record -o "$T/mine" -- /nonexistent/cmd 2>/dev/null; rc=$?
[ $rc = 127 ] && [ -d "$T/mine" ] && [ -z "$(ls -A "$T/mine")" ] ||
    fail "existing dir: exit $rc, content '$(ls -A "$T/mine" 2>&1)'"

# patterns: one matches, one is a typo
"$remora" record -o "$T/tr" -e 'hello:*' -e 'helo:*' -- "$app" 2 >/dev/null 2>"$T/e" ||
    fail "record: $(cat "$T/e")"
grep -q "remora record: warning: pattern 'helo:\*' matched no event type; types seen: hello:child, hello:note, hello:request" "$T/e" ||
    fail "no warning for 'helo:*': $(cat "$T/e")"
! grep -q "pattern 'hello:\*'" "$T/e" || fail "warned about a pattern that matched: $(cat "$T/e")"
grep -q "trace written to $T/tr" "$T/e" || fail "no summary: $(cat "$T/e")"
"$bt" "$T/tr" >"$T/bt" 2>"$T/bt.err" || fail "babeltrace2: $(cat "$T/bt.err")"
[ ! -s "$T/bt.err" ] || fail "babeltrace2 warned: $(cat "$T/bt.err")"
[ "$(grep -c 'hello:request' "$T/bt")" = 2 ] && [ "$(wc -l <"$T/bt")" = 4 ] ||
    fail "expected 4 events (2 requests): $(cat "$T/bt")"
echo PASS
