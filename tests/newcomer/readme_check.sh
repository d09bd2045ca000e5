#!/usr/bin/env bash
# The README, followed as a newcomer would, on an installed tree:
# `cmake --install` into a temporary prefix (standing for the README's
# `sudo cmake --install build/default && sudo ldconfig`), then the tour's
# C snippet saved as hello.c and every command of the tour (the indented
# lines starting with cc, remora or babeltrace2, /tmp/ mapped to a
# temporary directory) run in order with the prefix's bin first on PATH.
# Every command must succeed; the recorded trace must hold the snippet's
# 3 hello:request and 1 hello:note (babeltrace2, remora view), with no
# unmatched-pattern warning; the snippet uses examples/hello.c's provider;
# the man pages and the completion are installed; the install section
# names the steps that work on a fresh machine.
set -uo pipefail
build=$1 src=$2 bt=$3
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
T=$(mktemp -d /tmp/remora-readme-XXXXXX)
rd=
cleanup() { set +e; [ -n "$rd" ] && kill "$rd" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
readme=$src/README.md

section() { awk -v h="## $1" '$0 == h { on = 1; next } /^## / { on = 0 } on' "$readme"; }
install_text=$(section Install)
tour=$(section "A short tour")
[ -n "$tour" ] || fail "no '## A short tour' section in README.md"
for step in "sudo cmake --install build/default" "sudo ldconfig" "./scripts/deb.sh" \
            "libremora0_" "libremora-dev_" "remora_"; do
    grep -qF -- "$step" <<<"$install_text" || fail "the Install section lacks '$step'"
done

cmake --install "$build" --prefix "$T/prefix" >"$T/install.log" 2>&1 || fail "install: $(cat "$T/install.log")"
libdir=$(ls -d "$T"/prefix/lib*/ | head -1); libdir=${libdir%/}
for f in share/man/man1/remora.1.gz share/man/man1/remora-record.1.gz share/man/man3/remora.3.gz \
         share/man/man8/remorad.8.gz share/bash-completion/completions/remora bin/remora bin/remorad; do
    [ -f "$T/prefix/$f" ] || fail "not installed: $f"
done
if command -v man >/dev/null; then
    MANPATH=$T/prefix/share/man man -w remora-record >/dev/null 2>&1 || fail "man -w remora-record finds nothing"
fi

mkdir -p "$T/work" "$T/home" "$T/run"
awk '/^```c$/ { on = 1; next } /^```$/ { if (on) exit } on' <<<"$tour" >"$T/work/hello.c"
[ -s "$T/work/hello.c" ] || fail "no \`\`\`c snippet in the tour"
prov() { grep -oE 'REMORA_EVENT\(\s*[a-z_]+' "$1" | sed -E 's/.*\(\s*//' | sort -u; }
[ "$(prov "$T/work/hello.c")" = "$(prov "$src/examples/hello.c")" ] ||
    fail "the snippet's provider '$(prov "$T/work/hello.c")' is not examples/hello.c's '$(prov "$src/examples/hello.c")'"

# as shown, and without a warning
cc -std=gnu11 -Wall -Wextra -Werror $(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags remora) \
   -c "$T/work/hello.c" -o "$T/strict.o" 2>"$T/cc.err" || fail "the snippet warns: $(cat "$T/cc.err")"

mapfile -t cmds < <(sed -nE 's/^    ((cc|remora|babeltrace2) .*)$/\1/p' <<<"$tour" |
                    sed -E 's/ {2,}#.*$//; s#/tmp/#'"$T"'/#g')
[ "${#cmds[@]}" -ge 8 ] || fail "too few tour commands: ${cmds[*]}"

cd "$T/work" || exit 1
export PATH=$T/prefix/bin:$PATH HOME=$T/home PKG_CONFIG_PATH=$libdir/pkgconfig
export LD_LIBRARY_PATH=$libdir REMORA_SOCKET=$T/run/remorad.sock  # LD_LIBRARY_PATH: what ldconfig does for /usr/local
unset XDG_RUNTIME_DIR REMORA_ENABLE REMORA_DAEMON REMORA_LIB
i=0
for c in "${cmds[@]}"; do
    i=$((i + 1))
    bash -c "$c" >"$T/out.$i" 2>"$T/err.$i" || fail "README command '$c' exited $?: $(cat "$T/err.$i")"
    case $c in
    "remora create "*) rd=$(remora status | sed -n 's/^remorad pid \([0-9]*\),.*/\1/p') ;;
    "remora record "*)
        ! grep -q "warning: pattern" "$T/err.$i" || fail "'$c' warns: $(cat "$T/err.$i")"
        want=4   # the snippet's 3 requests and 1 note; the filter example keeps requests 1 and 2
        case $c in *--filter*) want=2 ;; esac
        grep -q "remora: $want events recorded, 0 lost" "$T/err.$i" || fail "'$c': $(cat "$T/err.$i")"
        grep -q "view it with: remora view" "$T/err.$i" || fail "'$c' hint: $(cat "$T/err.$i")" ;;
    "remora view "*)
        [ "$(grep -c ' hello:request ' "$T/out.$i")" = 3 ] && [ "$(grep -c ' hello:note ' "$T/out.$i")" = 1 ] &&
            [ "$(wc -l <"$T/out.$i")" = 4 ] || fail "'$c' printed: $(cat "$T/out.$i")" ;;
    "babeltrace2 "*)
        [ ! -s "$T/err.$i" ] || fail "'$c' warned: $(cat "$T/err.$i")"
        [ "$(grep -c 'hello:request' "$T/out.$i")" = 3 ] && [ "$(wc -l <"$T/out.$i")" = 4 ] ||
            fail "'$c' printed: $(cat "$T/out.$i")"
        "$bt" "${c#babeltrace2 }" >/dev/null 2>&1 || fail "the test's babeltrace2 cannot read it" ;;
    esac
done
[ -x "$T/work/hello" ] || fail "the tour built no ./hello"
grep -q "remora record" <<<"${cmds[*]}" && grep -q "remora view" <<<"${cmds[*]}" &&
    grep -q "remora create" <<<"${cmds[*]}" || fail "the tour lost a step: ${cmds[*]}"
echo "PASS: ${#cmds[@]} README commands"
