#!/usr/bin/env bash
# `remora --version` and `remora version` print the same three lines:
#   remora X.Y.Z[ (git DESCRIPTION)]       X.Y.Z: CMake's project(VERSION)
#   trace format: CTF 1.8, arena layout N  N: RM_VERSION of shm/layout.h
#   ABI: libremora.so.S, event descriptor A S: the library's SONAME, A:
#                                          REMORA_ABI_VERSION
# The git description is there when the build was configured in a checkout.
set -uo pipefail
remora=$1 src=$2 version=$3 lib=$4
fail() { echo "FAIL: $*"; exit 1; }
a=$("$remora" --version) || fail "remora --version exited $?"
b=$("$remora" version) || fail "remora version exited $?"
[ "$a" = "$b" ] || fail "--version and version differ: '$a' / '$b'"
[ "$("$remora" -V)" = "$a" ] || fail "-V differs"
[ "$(wc -l <<<"$a")" = 3 ] || fail "expected 3 lines: $a"
l1=$(sed -n 1p <<<"$a") l2=$(sed -n 2p <<<"$a") l3=$(sed -n 3p <<<"$a")

grep -qE "^remora ${version//./\\.}( \(git [0-9a-zA-Z._-]+\))?$" <<<"$l1" || fail "line 1: '$l1'"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    [[ $l1 == *"(git "* ]] || fail "built from a checkout but no git description: '$l1'"
    desc=${l1#*(git }; desc=${desc%)}
    git -C "$src" rev-parse -q --verify "${desc%-dirty}^{commit}" >/dev/null 2>&1 ||
        [[ $desc =~ -g([0-9a-f]+)(-dirty)?$ ]] || fail "'$desc' names no commit of $src"
fi

layout=$(sed -nE 's/^#define RM_VERSION ([0-9]+)u?.*/\1/p' "$src/shm/layout.h")
[ -n "$layout" ] || fail "no RM_VERSION in shm/layout.h"
[ "$l2" = "trace format: CTF 1.8, arena layout $layout" ] || fail "line 2: '$l2'"

soname=$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
abi=$(sed -nE 's/^#define REMORA_ABI_VERSION ([0-9]+).*/\1/p' "$src/include/remora/abi.h")
[ "$l3" = "ABI: $soname, event descriptor $abi" ] || fail "line 3: '$l3' (soname $soname, abi $abi)"

"$remora" version extra 2>/dev/null; [ $? = 2 ] || fail "version with an argument: expected 2"
"$remora" --help | grep -qE '^  version' || fail "remora --help does not list version"
echo "PASS: $l1 / $l2 / $l3"
