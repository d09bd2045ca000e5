#!/usr/bin/env bash
# The bash completion (scripts/completion/remora): it parses with bash -n,
# and scripted completions (COMP_WORDS/COMP_CWORD, then the function)
# return: every verb of `remora --help` after `remora `; a verb's options,
# read from its --help; session names from remorad's state file when no
# remorad runs; the event names of a trace directory after `remora view DIR`.
set -uo pipefail
remora=$1 app=$2 bt=$3 comp=$4
fail() { echo "FAIL: $*"; exit 1; }
T=$(mktemp -d /tmp/remora-comp-XXXXXX)
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
export REMORA_SOCKET=$T/remorad.sock
. "$(dirname "$0")/help_options.sh"

bash -n "$comp" || fail "bash -n $comp"
# shellcheck disable=SC1090
. "$comp"
complete -p remora | grep -q -- '-F _remora' || fail "no 'complete -F _remora remora'"

complete_words() { # WORDS...: the last one is completed
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _remora
    printf '%s\n' "${COMPREPLY[@]}" | sort
}

want=$(help_verbs "$remora" | sort)
[ "$(wc -l <<<"$want")" -ge 10 ] || fail "too few verbs in remora --help: $want"
got=$(complete_words "$remora" "")
[ "$got" = "$want" ] || fail "verbs: got '$got', want '$want'"
got=$(complete_words "$remora" st)
[ "$got" = "$(grep '^st' <<<"$want")" ] || fail "'st': got '$got'"

got=$(complete_words "$remora" record --o)
[ "$got" = "$(printf '%s\n' --output --overwrite)" ] || fail "record --o: got '$got'"
got=$(complete_words "$remora" enable-event -)
for o in -s --session -a --all --help; do grep -qx -- "$o" <<<"$got" || fail "enable-event -: no $o in '$got'"; done

# session names, from the state file (no remorad runs on this socket)
printf 'remora-sessions 1\ncurrent web\nsession web started 0 /x\nsession webhooks created 0 /y\nsession db stopped 1 /z\n' \
    >"$REMORA_SOCKET.sessions"
got=$(complete_words "$remora" stop -s we)
[ "$got" = "$(printf '%s\n' web webhooks)" ] || fail "stop -s we: got '$got'"
got=$(complete_words "$remora" start "")
[ "$got" = "$(printf '%s\n' db web webhooks)" ] || fail "start: got '$got'"

# event names from a trace directory
"$remora" record -o "$T/trace" -- "$app" 2 >/dev/null 2>"$T/rec.err" || fail "record: $(cat "$T/rec.err")"
n=$("$bt" "$T/trace" 2>"$T/bt.err" | wc -l)
[ "$n" = 4 ] && [ ! -s "$T/bt.err" ] || fail "babeltrace2: $n events, $(cat "$T/bt.err")"
got=$(complete_words "$remora" view "$T/trace" hello:)
[ "$got" = "$(printf '%s\n' hello:child hello:note hello:request)" ] || fail "view DIR hello:: got '$got'"
got=$(complete_words "$remora" view "$T/tr")
[ "$got" = "$T/trace" ] || fail "view DIR: got '$got'"
echo PASS
