#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then build examples/hello
# against that prefix twice: with pkg-config and with find_package(remora).
# Both programs must run and record through the installed remora.
set -euo pipefail
# In sanitizer builds libremora is preloaded ahead of the ASan runtime.
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
build=$1 src=$2 bt=$3
tmp=$(mktemp -d /tmp/remora-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" || fail "install: $(cat "$tmp/install.log")"
libdir=$(ls -d "$tmp"/prefix/lib*/ | head -1); libdir=${libdir%/}
[ -L "$libdir/libremora.so" ] || fail "no libremora.so symlink in $libdir"
soname=$(readelf -d "$libdir/libremora.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libremora.so.0 ] || fail "SONAME is '$soname'"
[ -f "$tmp/prefix/include/remora/remora.h" ] || fail "header not installed"
[ -x "$tmp/prefix/bin/remora" ] || fail "remora binary not installed"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=gnu11 -Wall -Wextra -Werror $(pkg-config --cflags remora) "$src/examples/hello.c" \
   -o "$tmp/hello_pc" $(pkg-config --libs remora) -Wl,-rpath,"$libdir" || fail "pkg-config build"

cmake -S "$src/tests/install/consumer" -B "$tmp/fp" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
      -DHELLO_SOURCE="$src/examples/hello.c" -DCMAKE_BUILD_RPATH="$libdir" >"$tmp/fp.log" ||
    fail "find_package configure: $(cat "$tmp/fp.log")"
cmake --build "$tmp/fp" >>"$tmp/fp.log" || fail "find_package build: $(cat "$tmp/fp.log")"

for prog in "$tmp/hello_pc" "$tmp/fp/hello_pkg"; do
    grep -q "$libdir/libremora.so.0" <<<"$(ldd "$prog")" || fail "$prog does not use the installed library"
    rm -rf "$tmp/trace"
    "$tmp/prefix/bin/remora" record -o "$tmp/trace" -- "$prog" 2 >/dev/null 2>"$tmp/rec.err" ||
        fail "record $prog: $(cat "$tmp/rec.err")"
    n=$("$bt" "$tmp/trace" 2>/dev/null | wc -l)
    [ "$n" = 4 ] || fail "$prog: expected 4 events, got $n"
done
echo PASS
