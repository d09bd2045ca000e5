#!/usr/bin/env bash
# The test command: install what is missing, build, run the default suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake --preset default
cmake --build --preset default -j "$(nproc)"
ctest --preset default
