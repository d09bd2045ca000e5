#!/bin/sh
# --filter rows: instructions per timed event (callgrind, inclusive of
# timed_region; remora's from two runs, N and 2N timed events after the
# same W warm-up, so the warm-up's own events do not count) of bench/workload.c's `str` loop (id, len, path
# "/srv/www/a.html") with a 3-term filter, remora against LTTng-UST on the
# same expression, plus wall-time ns per event of one run (noisy on a
# shared machine: read the Ir column first; bench/filter_wall.sh repeats).
#   filtered out: 'id >= 1000 && id < 2000 && path == "/a/*"'  (timed ids are
#                 all >= W, so every event fails on the second term)
#   passing:      'id >= 0 && len >= 0 && path == "/srv/*"'   (all three terms run)
# remora's side is bench/filter_ir.c (the real macros and libremora; it
# installs the filter in its own arena as the consumer would); LTTng-UST's
# is bench/workload.c's str loop under a session with --filter.
# Usage: bench/filter_cg.sh BUILD_DIR [N] [W]   (needs valgrind; LTTng rows
# need lttng-tools and a session daemon: started here as root if none runs)
set -eu
B=$(cd "${1:?build dir}" && pwd)
N=${2:-20000}
W=${3:-200000}
REM=$B/ctl/remora
WR=$B/bench/bench_wl_remora
WL=$B/bench/bench_wl_lttng
FIR=$B/bench/bench_filter_ir
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
OUT='id >= 1000 && id < 2000 && path == "/a/*"'
PASS='id >= 0 && len >= 0 && path == "/srv/*"'

ir() { # callgrind output file -> Ir per event
	callgrind_annotate "$1" 2>/dev/null | awk -v n="$N" '/PROGRAM TOTALS/ { gsub(",", "", $1); printf "%.1f", $1 / n }'
}
ns() { sed -n 's/^block_ns_per_event=//p' "$1" | head -1; }

total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'; }

remora_row() { # name mode: bench_filter_ir installs the filter itself (the
	# helper's seccomp lockdown cannot run under valgrind, so no consumer).
	# Its timed_region runs the warm-up too (one call site, see there):
	# Ir per timed event = (Ir of 2N - Ir of N) / N, the same W both times
	for k in 1 2; do
		env REMORA_SOCKET="$T/none" REMORA_BUFFER_SIZE=512M valgrind --tool=callgrind -q \
			--callgrind-out-file="$T/cg.r$k" --toggle-collect=timed_region "$FIR" "$2" \
			$((k * N)) "$W" >/dev/null 2>&1
	done
	ir_r=$(awk -v a="$(total "$T/cg.r1")" -v b="$(total "$T/cg.r2")" -v n="$N" 'BEGIN { printf "%.1f", (b - a) / n }')
	ns=$(env REMORA_SOCKET="$T/none" REMORA_BUFFER_SIZE=512M "$FIR" "$2" 1000000 "$W" | sed -n 's/^block_ns_per_event=//p')
	printf '%-34s %10s Ir/event   %8s ns/event (wall, noisy)\n' "remora $1" "$ir_r" "$ns"
}

lttng_row() { # name filter
	command -v lttng >/dev/null || { echo "lttng: not installed"; return; }
	pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize --quiet
	s=rmfcg$$
	lttng create "$s" --output="$T/l" >/dev/null
	lttng enable-channel -u ch -s "$s" --subbuf-size 4M --num-subbuf 16 >/dev/null
	if [ -n "$2" ]; then
		lttng enable-event -u -c ch -s "$s" bench:str --filter "$2" >/dev/null
	else
		lttng enable-event -u -c ch -s "$s" bench:str >/dev/null
	fi
	lttng start "$s" >/dev/null
	valgrind --tool=callgrind -q --callgrind-out-file="$T/cg.l" --toggle-collect=timed_region \
		"$WL" str "$N" "$W" >"$T/wl.out" 2>/dev/null
	ns=$("$WL" str 1000000 "$W" | sed -n 's/^block_ns_per_event=//p')
	lttng destroy "$s" >/dev/null
	printf '%-34s %10s Ir/event   %8s ns/event (wall, noisy; babeltrace2: %s events)\n' "lttng-ust $1" \
		"$(ir "$T/cg.l")" "$ns" "$(babeltrace2 "$T/l" 2>/dev/null | wc -l)"
	rm -rf "$T/l"
}

echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "N=$N timed events after W=$W warm-up; Ir = callgrind instructions per event"
remora_row "disabled" off
remora_row "enabled, no filter" none
remora_row "3-term filter, filtered out" out
remora_row "3-term filter, passing" pass
lttng_row "enabled, no filter" ""
lttng_row "3-term filter, filtered out" "$OUT"
lttng_row "3-term filter, passing" "$PASS"
