#!/usr/bin/env bash
# The demo command: install what is missing, build, trace examples/hello
# with `remora record`, and show the trace with `remora view` and babeltrace2.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
out=$(mktemp -d /tmp/remora-demo-XXXXXX)
./build/default/ctl/remora record -o "$out" -- ./build/default/examples/hello 3
echo "--- remora view $out"
./build/default/ctl/remora view "$out"
echo "--- babeltrace2 $out"
babeltrace2 "$out"
