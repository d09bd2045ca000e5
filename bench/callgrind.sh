#!/bin/sh
# Instructions per record, floor vs arena, from callgrind's inclusive Ir of
# floor_loop and arena_loop. Usage: bench/callgrind.sh BUILD_DIR [N]
set -e
bin=${1:?build dir}/bench/bench_arena
n=${2:-1000000}
out=$(mktemp -d)
for clock in mono tsc; do
  flag=; [ $clock = tsc ] && flag=--tsc
  valgrind --tool=callgrind --callgrind-out-file=$out/cg.$clock -q "$bin" --callgrind "$n" $flag >/dev/null
  callgrind_annotate --inclusive=yes $out/cg.$clock 2>/dev/null |
    awk -v n="$n" -v c=$clock '/floor_loop|arena_loop/ { gsub(",", "", $1); split($0, f, " ");
        name = ($0 ~ /floor_loop/) ? "floor_loop" : "arena_loop";
        if (!(name in seen)) { seen[name] = 1; printf "%-5s %-11s %8.2f Ir/record\n", c, name, $1 / n } }'
done
rm -rf "$out"
