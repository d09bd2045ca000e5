#!/usr/bin/env bash
# Builds the Debian packages from a configured and built tree (default
# build/default) with `cpack -G DEB`, then checks them: the files each one
# must hold (dpkg-deb -c), lintian without errors (its warnings are
# printed), and the commands of the extracted `remora` package run
# (`remora --version`; a man page is roff). The .deb files stay in the
# build directory:
#
#   scripts/deb.sh [BUILD_DIR]
#   sudo apt install ./build/default/libremora0_*.deb ./build/default/remora_*.deb
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/default}
fail() { echo "deb: FAIL: $*" >&2; exit 1; }
[ -f "$build/CPackConfig.cmake" ] || fail "$build is not a configured build tree (cmake --preset default)"
for tool in cpack dpkg-deb lintian; do
    command -v "$tool" >/dev/null || fail "$tool is missing (scripts/deps.sh installs it)"
done
tmp=$(mktemp -d /tmp/remora-deb-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

(cd "$build" && rm -f ./*.deb && cpack -G DEB >"$tmp/cpack.log" 2>&1) ||
    { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB"; }
ver=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
declare -A must=(
    [libremora0]="./usr/lib/libremora.so.0 ./usr/share/doc/libremora0/copyright"
    [libremora-dev]="./usr/include/remora/remora.h ./usr/lib/libremora.so ./usr/lib/pkgconfig/remora.pc
                     ./usr/lib/cmake/remora/remoraConfig.cmake ./usr/share/doc/libremora-dev/copyright"
    [remora]="./usr/bin/remora ./usr/bin/remorad ./usr/share/man/man1/remora.1.gz
              ./usr/share/man/man1/remora-record.1.gz ./usr/share/man/man8/remorad.8.gz
              ./usr/share/man/man3/remora.3.gz ./usr/share/bash-completion/completions/remora
              ./usr/share/doc/remora/copyright"
)
debs=()
for pkg in libremora0 libremora-dev remora; do
    deb=$build/${pkg}_${ver}_${arch}.deb
    [ -f "$deb" ] || fail "cpack made no $deb: $(ls "$build"/*.deb 2>/dev/null)"
    debs+=("$deb")
    echo "--- dpkg-deb -c $(basename "$deb")"
    dpkg-deb -c "$deb" | tee "$tmp/$pkg.list" | awk '{print "  " $NF}'
    for f in ${must[$pkg]}; do
        awk '{print $6}' "$tmp/$pkg.list" | grep -qxF "$f" || fail "$pkg lacks $f"
    done
    dpkg-deb -x "$deb" "$tmp/root"
done

echo "--- lintian"
# errors fail; warnings are shown (lintian prints a note when run as root)
lintian --fail-on error "${debs[@]}" 2>&1 | grep -v 'running with root privileges' | tee "$tmp/lintian.log" ||
    true
grep -q '^E: ' "$tmp/lintian.log" && fail "lintian reports errors"

echo "--- the extracted packages run"
"$tmp/root/usr/bin/remora" --version | tee "$tmp/version"
grep -qx "remora $ver\( (git [^)]*)\)\?" <(head -1 "$tmp/version") || fail "remora --version: $(head -1 "$tmp/version")"
zcat "$tmp/root/usr/share/man/man1/remora-record.1.gz" | grep -q '^\.TH "remora-record" "1"' ||
    fail "remora-record.1.gz is not a man page"
echo "deb: OK: ${debs[*]##*/}"
