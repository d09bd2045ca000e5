#!/usr/bin/env bash
# Bad input to `remora record`: a usage message and status 2 for bad
# options, one clear line and status 1 for an unusable output directory:
# a file, a non-empty directory (unless --force), a path through a
# symbolic link another user owns (that part as root).
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
mkdir "$out/full" && touch "$out/full/keep"
"$remora" record -o "$out/full" -- true 2>"$out/e"; [ $? = 1 ] || fail "non-empty dir: expected 1"
grep -q "output directory $out/full already exists and is not empty: .* or add --force" "$out/e" ||
    fail "non-empty dir message: $(cat "$out/e")"
[ "$(ls "$out/full")" = keep ] || fail "something was written into the refused directory: $(ls "$out/full")"
"$remora" record -o "$out/full" --force -- true 2>"$out/e" || fail "--force into a non-empty dir: $(cat "$out/e")"
mkdir "$out/empty"
"$remora" record -o "$out/empty" -- true 2>"$out/e" || fail "an existing empty dir: $(cat "$out/e")"
mkdir "$out/target"
ln -s "$out/target" "$out/mine"
"$remora" record -o "$out/mine/t" -- true 2>"$out/e" || fail "through my own symlink: $(cat "$out/e")"
if [ "$(id -u)" = 0 ]; then
    ln -s "$out/target" "$out/theirs"
    chown -h nobody "$out/theirs"
    "$remora" record -o "$out/theirs/t2" -- true 2>"$out/e"; [ $? = 1 ] || fail "another user's symlink: expected 1"
    grep -q "output directory $out/theirs/t2: $out/theirs is a symbolic link owned by uid $(id -u nobody), not by you: refusing" "$out/e" ||
        fail "another user's symlink message: $(cat "$out/e")"
    # reached through a link of my own, it is refused all the same
    ln -s "$out/theirs" "$out/via"
    "$remora" record -o "$out/via/t3" -- true 2>"$out/e"; [ $? = 1 ] || fail "a link to another user's symlink: expected 1"
    grep -q "is a symbolic link owned by uid $(id -u nobody)" "$out/e" || fail "nested symlink message: $(cat "$out/e")"
    [ ! -e "$out/target/t2" ] && [ ! -e "$out/target/t3" ] || fail "a refused path was created"
fi
"$remora" record --help >"$out/h"; [ $? = 0 ] || fail "--help: expected 0"
grep -q -- "--force" "$out/h" || fail "--help lacks --force"
grep -q "exit status: .*74" "$out/h" || fail "--help lacks the exit status rule"
grep -q -- "--overwrite" "$out/h" || fail "--help lacks options"
echo PASS
