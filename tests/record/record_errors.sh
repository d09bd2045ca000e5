#!/usr/bin/env bash
# Bad input to `remora record`: a usage message and status 2 for bad
# options, one clear line and status 1 for an unusable output directory.
set -uo pipefail
# In sanitizer builds libremora is preloaded ahead of the ASan runtime.
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
remora=$1
out=$(mktemp -d /tmp/remora-test-XXXXXX)
trap 'chmod -R u+w "$out"; rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$remora" 2>"$out/e"; [ $? = 2 ] || fail "no verb: expected 2"
"$remora" frobnicate 2>"$out/e"; [ $? = 2 ] || fail "unknown verb: expected 2"
grep -q "unknown command 'frobnicate'" "$out/e" || fail "unknown verb message: $(cat "$out/e")"
"$remora" record --bogus -- true 2>"$out/e"; [ $? = 2 ] || fail "unknown option: expected 2"
grep -q usage "$out/e" || fail "no usage on bad option"
"$remora" record -o "$out/x" 2>"$out/e"; [ $? = 2 ] || fail "no command: expected 2"
"$remora" record --buffer-size 12Q -- true 2>"$out/e"; [ $? = 2 ] || fail "bad size: expected 2"
grep -q "bad --buffer-size '12Q'" "$out/e" || fail "bad size message: $(cat "$out/e")"
touch "$out/file"
"$remora" record -o "$out/file" -- true 2>"$out/e"; [ $? = 1 ] || fail "file as dir: expected 1"
grep -q "is not a directory" "$out/e" || fail "file as dir message: $(cat "$out/e")"
"$remora" record --help >"$out/h"; [ $? = 0 ] || fail "--help: expected 0"
grep -q -- "--overwrite" "$out/h" || fail "--help lacks options"
echo PASS
