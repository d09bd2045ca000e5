#!/usr/bin/env bash
# remora vs LTTng-UST 2.13, side by side, in one run (issue 8).
#
#   bench/run.sh [BUILD_DIR] [compare.py options...]
#
# Installs what it needs (scripts/deps.sh with REMORA_DEPS_BENCH=1:
# liblttng-ust-dev, lttng-tools, babeltrace2), builds the workloads in
# BUILD_DIR (default build/bench, RelWithDebInfo = -O2 -g, like the default
# preset), then runs bench/compare.py: every row interleaved remora /
# LTTng-UST / reference, one warm-up round and 7 measured rounds by default
# (--reps N), callgrind instruction counts for rows 1-3, and prints the
# markdown table of docs/PERFORMANCE.md. Needs root (or sudo) for apt-get;
# lttng-sessiond is started (and stopped) by compare.py unless one runs.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/bench}
[ $# -gt 0 ] && shift

REMORA_DEPS_BENCH=1 "$src/scripts/deps.sh"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target remora_cli remora bench_wl_none bench_wl_remora bench_wl_lttng

echo "== machine: $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec python3 "$src/bench/compare.py" --build "$build" --callgrind "$@"
