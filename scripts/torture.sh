#!/bin/sh
# The killed-producer torture, long run (fuzz/torture.c):
#
#   scripts/torture.sh KILLS [SEED] [extra torture flags, e.g. -v]
#
# Builds the default configuration into build/fz (on demand), runs KILLS
# kills from SEED (default: the current time, printed) and checks the trace
# with babeltrace2 when it is installed. A failure prints its seed; rerun
# with that seed for the same schedule.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 KILLS [SEED] [torture flags]" >&2; exit 2; }
kills=$1
seed=${2:-$(date +%s)}
[ $# -ge 2 ] && shift 2 || shift 1
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/fz
[ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" >/dev/null
cmake --build "$build" -j2 --target torture >/dev/null
bt=$(command -v babeltrace2 || true)
exec "$build/fuzz/torture" -s "$seed" -k "$kills" ${bt:+-b "$bt"} "$@"
