#!/usr/bin/env bash
# Bad input: unknown verbs and options give usage and exit 2; --help works
# on every verb (exit 0, usage on stdout); no remorad, a missing session, an
# output path that cannot be a directory give one line that says what is
# wrong and what to do, and exit 1.
. "$(dirname "$0")/lib.sh"
set +e
expect() { # expect STATUS LINES-ON-STDERR PATTERN -- CMD...
    local st=$1 lines=$2 pat=$3; shift 4
    "$@" >"$T/o" 2>"$T/e"; local got=$?
    [ $got = "$st" ] || fail "$*: exit $got, expected $st: $(cat "$T/e")"
    [ "$lines" = any ] || [ "$(wc -l <"$T/e")" = "$lines" ] || fail "$*: expected $lines line(s): $(cat "$T/e")"
    grep -q -- "$pat" "$T/e" || fail "$*: no '$pat' in: $(cat "$T/e")"
}
expect 2 any "unknown command 'frobnicate'" -- "$remora" frobnicate
for v in create enable-event disable-event start stop destroy list status; do
    "$remora" $v --help >"$T/o" 2>&1 || fail "$v --help exited $?"
    grep -q "^usage: remora $v" "$T/o" || fail "$v --help: $(cat "$T/o")"
    expect 2 any "usage: remora $v" -- "$remora" $v --no-such-option
done
"$remorad" --help | grep -q "^usage: remorad" || fail "remorad --help"
expect 2 any "usage: remorad" -- "$remorad" --no-such-option
expect 2 any "no session name given" -- "$remora" create
expect 2 any "invalid session name" -- "$remora" create '../x'
expect 2 any "no event pattern given" -- "$remora" enable-event
expect 2 any "unexpected argument" -- "$remora" start a b

# no remorad: every verb but create says so, and how to start it
for v in start stop destroy list status; do
    expect 1 1 "remorad is not running.*start it with" -- "$remora" $v
done
expect 1 1 "remorad is not running" -- "$remora" enable-event 'x:*'

start_remorad
expect 1 1 "no session given and no current session: create one" -- "$remora" start
expect 1 1 "session 'ghost' does not exist: .*remora status" -- "$remora" stop ghost
expect 1 1 "session 'ghost' does not exist" -- "$remora" enable-event -s ghost 'x:*'
touch "$T/file"
expect 1 1 "output path $T/file is not a directory; choose another with -o DIR" -- "$remora" create f -o "$T/file"
expect 1 1 "cannot create output directory $T/file/sub: .*; choose another with -o DIR" -- "$remora" create f -o "$T/file/sub"
expect 1 1 "cannot create output directory /proc/remora-nope: .*; choose another with -o DIR" -- "$remora" create f -o /proc/remora-nope
if [ "$(id -u)" != 0 ]; then
    mkdir -m 0500 "$T/ro"
    expect 1 1 "not writable" -- "$remora" create f -o "$T/ro"
fi
"$remora" create ok -o "$T/missing/parents/too" >/dev/null || fail "create with missing parents"
[ -d "$T/missing/parents/too" ] || fail "output directory not created"
expect 1 1 "session 'ok' already exists" -- "$remora" create ok -o "$T/x"
expect 1 1 "session ok is not started (it is created)" -- "$remora" stop
expect 1 1 "has no event rule 'nope:\*'" -- "$remora" disable-event 'nope:*'
"$remora" start >"$T/o" 2>&1 || fail "start without rules"
grep -q "no event rule, so nothing is recorded" "$T/o" || fail "start without rules: no warning"
"$remora" destroy >/dev/null || fail "destroy"
# -o: a directory that holds files is refused unless --force (remorad is
# not asked); as root, a symbolic link another user owns is not followed
mkdir "$T/full" && touch "$T/full/mine"
expect 1 1 "already exists and is not empty.*--force" -- "$remora" create nf -o "$T/full"
"$remora" create nf -o "$T/full" --force >/dev/null || fail "create --force into a directory with files"
[ -f "$T/full/mine" ] || fail "create --force removed a file"
"$remora" destroy nf >/dev/null || fail "destroy nf"
if [ "$(id -u)" = 0 ]; then
    ln -s "$T/elsewhere" "$T/theirs" && chown -h 65534 "$T/theirs"
    expect 1 1 "symbolic link owned by uid 65534" -- "$remora" create sl -o "$T/theirs/sub"
    [ ! -e "$T/elsewhere" ] || fail "create followed another user's symbolic link"
fi
echo PASS
