#!/usr/bin/env bash
# The test command: install what is missing, build, run the default suite,
# build and check the .deb packages (scripts/deb.sh), then build the fuzz
# preset (clang, libFuzzer + ASan + UBSan) and run each harness for a
# short smoke on its corpus (label fuzz-smoke, REMORA_FUZZ_SECONDS each, 20
# by default). Any failure fails the command.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake --preset default
cmake --build --preset default -j "$(nproc)"
ctest --preset default
# the Debian packages: built with cpack, checked with dpkg-deb and lintian
./scripts/deb.sh build/default
cmake --preset fuzz -DREMORA_FUZZ_SECONDS="${REMORA_FUZZ_SECONDS:-20}"
cmake --build --preset fuzz -j "$(nproc)"
ctest --preset fuzz
