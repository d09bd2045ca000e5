#!/usr/bin/env bash
# Every verb of `remora --help` has its page docs/man/remora-VERB.1.scd, and
# every option its --help lists appears in that page; the same for remorad
# and remorad.8. remora.1 and remora.3 exist; every page was rendered by
# the build (scdoc) into BUILD/docs/man/NAME.gz. Fails (does not skip) when
# scdoc was missing at configure time: scripts/deps.sh installs it.
set -uo pipefail
remora=$1 remorad=$2 src=$3 build=$4
. "$(dirname "$0")/help_options.sh"
fail() { echo "FAIL: $*"; exit 1; }
man=$src/docs/man out=$build/docs/man
errors=0
err() { echo "FAIL: $*"; errors=$((errors + 1)); }

# An option is in a page when it stands alone there: *--session*, -s, ...
in_page() { grep -qE -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|$)" "$1"; }

check_page() { # PAGE.scd OPTIONS...
    local page=$1; shift
    [ -f "$man/$page.scd" ] || { err "no page docs/man/$page.scd"; return; }
    [ -f "$out/$page.gz" ] || err "$page.scd was not rendered to $out/$page.gz (scdoc missing at configure time?)"
    for sect in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
        grep -qx "# $sect" "$man/$page.scd" || err "$page.scd has no $sect section"
    done
    # whatis (man -k, lintian's bad-whatis-entry) wants "PAGE - summary" under NAME
    local name=${page%.*}
    sed -n '/^# NAME$/,/^# /p' "$man/$page.scd" | grep -q "^$name - " ||
        err "$page.scd: the NAME line must read '$name - ...'"
    for o in "$@"; do in_page "$man/$page.scd" "$o" || err "$page.scd does not document $o"; done
}

verbs=$(help_verbs "$remora")
# the parser must see what is certainly there, or the check proves nothing
for v in record view create enable-event start stop status version; do
    grep -qx "$v" <<<"$verbs" || fail "'$v' not parsed from remora --help: $verbs"
done
rec=$(help_options "$remora" record)
for o in -o --output -e --event --overwrite --buffer-size --blocking --force; do
    grep -qx -- "$o" <<<"$rec" || fail "'$o' not parsed from remora record --help: $rec"
done
n=0
for v in $verbs; do
    opts=$(help_options "$remora" "$v") || fail "remora $v --help failed"
    # shellcheck disable=SC2086
    check_page "remora-$v.1" $opts
    grep -q "remora-$v\*(1)" "$man/remora.1.scd" || err "remora.1.scd does not name remora-$v(1)"
    n=$((n + 1))
done
# shellcheck disable=SC2086
check_page remorad.8 $(help_options "$remorad")
check_page remora.1 --version --help
[ -f "$man/remora.3.scd" ] && [ -f "$out/remora.3.gz" ] || err "no remora.3 (the C API)"
for f in REMORA_EVENT remora_trace remora_printf remora_enabled REMORA_RECORD_MAX; do
    grep -q "$f" "$man/remora.3.scd" || err "remora.3.scd does not mention $f"
done
# every variable the code reads is in remora(1)
vars=$(grep -rhoE '(rm_)?getenv\("REMORA_[A-Z_]+"' "$src/inject" "$src/shm" "$src/helper" "$src/ctl" |
       grep -oE 'REMORA_[A-Z_]+' | sort -u)
[ -n "$vars" ] || fail "no REMORA_ variable found in the sources"
for v in $vars; do grep -q "\*$v" "$man/remora.1.scd" || err "remora.1.scd does not document $v"; done
[ "$errors" = 0 ] || fail "$errors problems"
echo "PASS: $n verb pages, remorad.8, remora.1, remora.3"
