#!/usr/bin/env bash
# Shipping overhead on the consumer (issue 24): bench_consumer without and
# with --ship to a nats-server of its own (JetStream store on tmpfs unless
# SHIP_STORE=DIR, so the figure is the shipping path's, not a disk's).
#   bench/ship.sh [BUILD_DIR] [bench_consumer options...]
# Prints both runs: records/s of the consumer thread, records/CPU-s, and
# with --ship the bytes per record on the wire, the CPU the shipping
# thread and libnats take per record, and records/s shipped and acknowledged.
set -euo pipefail
build=${1:-build/default}
shift || true
bc=$build/bench/bench_consumer
natsd=$(command -v nats-server) || { echo "nats-server missing (scripts/deps.sh)"; exit 1; }
store=$(mktemp -d "${SHIP_STORE:-/dev/shm}/remora-bench-js.XXXXXX")
port=$((20000 + RANDOM % 20000))
"$natsd" -js -a 127.0.0.1 -p "$port" -sd "$store" >"$store.log" 2>&1 &
npid=$!
trap 'kill $npid 2>/dev/null; wait $npid 2>/dev/null; rm -rf "$store" "$store.log"' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
echo "== without --ship"
"$bc" "$@"
echo "== with --ship nats://127.0.0.1:$port (store $store)"
ticks() { awk '{print $14 + $15}' "/proc/$npid/stat"; }
t0=$(ticks)
"$bc" --ship "nats://127.0.0.1:$port" "$@" | tee "$store.out"
t1=$(ticks)
# records shipped: the warm-up (at most 2 M) and every repetition
n=$(sed -n 's/^\([0-9]*\) two-int records.* \([0-9]*\) repetitions.*/\1 \2/p' "$store.out")
read -r per reps <<<"$n"
total=$(( (per < 2000000 ? per : 2000000) + per * reps ))
hz=$(getconf CLK_TCK)
awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$total" 'BEGIN {
	printf "  nats-server CPU/record  %9.1f ns  (%d records, %.2f CPU-s, tick %d ms)\n",
	       t / hz * 1e9 / n, n, t / hz, 1000 / hz }'
rm -f "$store.out"
