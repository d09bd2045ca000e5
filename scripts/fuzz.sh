#!/bin/sh
# Runs one libFuzzer harness for a given time, from the `fuzz` preset's
# build (configured and built on demand):
#
#   scripts/fuzz.sh HARNESS SECONDS [extra libFuzzer flags...]
#
# HARNESS: arena catalog proto helper_proto ctf_meta ctf_stream.
# New inputs go to build/fuzz/fuzz/new_HARNESS (merge good ones into
# fuzz/corpus/HARNESS with -merge=1 by hand); crashes to
# build/fuzz/fuzz/crash_HARNESS-*. One process: the machine is shared.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 HARNESS SECONDS [libFuzzer flags]" >&2; exit 2; }
h=$1 secs=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/fuzz
if [ ! -f "$build/CMakeCache.txt" ]; then
	(cd "$root" && cmake --preset fuzz >/dev/null)
fi
cmake --build "$build" -j2 --target "fuzz_$h" >/dev/null
out=$build/fuzz/new_$h
mkdir -p "$out"
dict=
[ -f "$root/fuzz/$h.dict" ] && dict=-dict=$root/fuzz/$h.dict
# -close_fd_mask=2: the consumer logs each refused message on stderr;
# libFuzzer still prints its own reports and crashes.
# shellcheck disable=SC2086
exec "$build/fuzz/fuzz_$h" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
	-max_len=65536 -close_fd_mask=2 -print_final_stats=1 $dict \
	-artifact_prefix="$build/fuzz/crash_$h-" "$@" "$out" "$root/fuzz/corpus/$h"
