#!/bin/sh
# Per-event context rows: instructions per event (callgrind, timed_region
# inclusive) of bench/evctx_ir.c's loop (bench:str, id, len, path) with no
# context, ip, cpu_id, perf:thread:task-clock and all three, plus wall-time
# ns per event of a separate run (noisy on a shared machine: read Ir first).
# Under valgrind glibc has no rseq, so the cpu_id row measures the
# sched_getcpu() fallback; the wall-time column measures the rseq load.
# Usage: bench/evctx_cg.sh BUILD_DIR [N] [W]   (needs valgrind)
set -eu
B=$(cd "${1:?build dir}" && pwd)
N=${2:-20000}
W=${3:-20000}
X=$B/bench/bench_evctx_ir
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
for mode in none ip cpu perf all; do
	env REMORA_SOCKET="$T/none" REMORA_BUFFER_SIZE=256M valgrind --tool=callgrind -q \
		--callgrind-out-file="$T/cg.$mode" --toggle-collect=timed_region "$X" "$mode" "$N" "$W" \
		>/dev/null 2>&1
	ir=$(callgrind_annotate "$T/cg.$mode" 2>/dev/null | awk -v n=$((N + W)) '/PROGRAM TOTALS/ { gsub(",", "", $1); printf "%.1f", $1 / n }')
	ns=$(env REMORA_SOCKET="$T/none" REMORA_BUFFER_SIZE=256M "$X" "$mode" 1000000 100000 | sed -n 's/.*ns_per_event=\([0-9.]*\).*/\1/p')
	printf '%-6s %8s Ir/event   %8s ns/event (wall, noisy)\n' "$mode" "$ir" "$ns"
done
