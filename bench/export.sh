#!/usr/bin/env bash
# Export rate and peak memory on a big trace: `remora view`, `remora export
# --format perfetto|chrome` and `remora stats` over the same N-event trace
# (tests/export/export_gen.c `big`: 4 threads of 2 processes, instants with
# a string and bytes, begin/end slices, a counter with 3 numeric fields).
# Each command runs once under /usr/bin/time -v (no loops: the machine is
# shared); output goes to a file on the same disk, view's to /dev/null.
#
# Usage: bench/export.sh BUILD_DIR [N]      (N defaults to 10,000,000)
# Prints one line per command: wall s, events/s, max RSS, output bytes.
set -euo pipefail
build=${1:?build dir, e.g. build/default}
n=${2:-10000000}
remora=$build/ctl/remora gen=$build/tests/export/export_gen
[ -x "$remora" ] && [ -x "$gen" ] || { echo "build $build first (remora, export_gen)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/remora-bench-export-XXXXXX")
trap 'rm -rf "$work"' EXIT

"$gen" "$work" big "$n"
events=$("$remora" stats --json "$work/big" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
echo "trace: $events events, $(du -sb "$work/big" | cut -f1) bytes," \
     "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo ?)," \
     "load $(cut -d' ' -f1-3 /proc/loadavg)"

run() { # NAME OUTFILE CMD...
    local name=$1 outf=$2
    shift 2
    /usr/bin/time -v -o "$work/$name.time" "$@" >"${outf:-/dev/null}" 2>"$work/$name.err" || {
        echo "$name failed: $(tail -3 "$work/$name.err")" >&2; exit 1; }
    python3 - "$name" "$events" "$work/$name.time" "$outf" <<'PY'
import os, re, sys
name, events, tf, outf = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
t = open(tf).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t)[1]
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall.split(":"))))
user = float(re.search(r"User time \(seconds\): (\S+)", t)[1])
sys_ = float(re.search(r"System time \(seconds\): (\S+)", t)[1])
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)[1])
size = os.path.getsize(outf) if outf else 0
print(f"{name:16s} wall {secs:7.2f} s  user+sys {user + sys_:7.2f} s  "
      f"{events / secs / 1e6:6.2f} M events/s (wall)  {events / (user + sys_) / 1e6:6.2f} M/s (cpu)  "
      f"max RSS {rss / 1024:7.1f} MiB  output {size / 1e6:8.1f} MB")
PY
    [ -z "$outf" ] || rm -f "$outf"
}
run view "" "$remora" view "$work/big"
run export-perfetto "$work/out.pftrace" "$remora" export --format perfetto -o - "$work/big"
run export-chrome "$work/out.json" "$remora" export --format chrome -o - "$work/big"
run stats "$work/out.stats" "$remora" stats "$work/big"
