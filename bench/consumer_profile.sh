#!/bin/sh
# Where the consumer's drain spends its time: perf samples (cpu-clock, no
# PMU in the guest) whose call chain passes through timed_drain in
# bench_consumer, by leaf function (self time), and callgrind's Ir per
# record of timed_drain.  Usage: bench/consumer_profile.sh BUILD_DIR [N]
set -e
bin=${1:?build dir}/bench/bench_consumer
n=${2:-10000000}
out=$(mktemp -d)
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
perf record -q -e cpu-clock --call-graph dwarf,16384 -F 2000 -o "$out/perf.data" \
  "$bin" --reps 1 --records "$n" >/dev/null 2>&1
perf script -i "$out/perf.data" -F ip,sym 2>/dev/null | python3 -c '
import sys, collections
leaf, inside, total, chain = None, False, 0, []
self_ = collections.Counter()
def flush():
    global total
    if chain and "timed_drain" in chain:
        total += 1
        self_[chain[0]] += 1
for line in sys.stdin:
    s = line.strip()
    if not s:
        flush(); chain = []
        continue
    f = s.split(None, 1)
    chain.append(f[1].replace(" (inlined)", "") if len(f) > 1 else f[0])
flush()
print("perf: %d samples under timed_drain; self time by function:" % total)
for f, c in self_.most_common(15):
    print("  %5.1f%%  %s" % (100.0 * c / total, f))
'
m=$((n / 10))
valgrind --tool=callgrind --callgrind-out-file="$out/cg" --collect-atstart=no \
  --toggle-collect=timed_drain -q "$bin" --callgrind "$m" >/dev/null
ir=$(callgrind_annotate "$out/cg" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
echo "callgrind: $ir Ir in timed_drain for $m records: $(echo "$ir $m" | awk '{ printf "%.1f", $1 / $2 }') Ir/record"
echo "callgrind: self Ir per record by function:"
callgrind_annotate --inclusive=no "$out/cg" 2>/dev/null | awk -v m="$m" '/^ *[0-9,]+ +\([ 0-9.]+%\) +[^ ]+:[^ ]+ \[/ {
  v = $1; gsub(",", "", v); fn = $0; sub(/ \[.*/, "", fn); sub(/.*%\) +/, "", fn);
  if (v / m >= 1) printf "  %7.1f Ir/rec  %s\n", v / m, fn }' | head -15
rm -rf "$out"
