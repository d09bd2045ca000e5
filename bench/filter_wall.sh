#!/bin/sh
# --filter rows in wall time, remora and LTTng-UST side by side: ns per
# event (the median of 20 timed blocks of each run, as bench/workload.c
# prints it) for a disabled event, an enabled one with no filter, a
# 3-term filter that drops every timed event, and one that keeps them:
#   filtered out: 'id >= 1000 && id < 2000 && path == "/a/*"' (timed ids >= W)
#   passing:      'id >= 0 && len >= 0 && path == "/srv/*"'
# Each row runs REPS times, remora and LTTng-UST alternating, and prints
# the median and the range over the runs, with the clocksource and the
# load average before and after. remora's side is bench/filter_ir.c (it
# installs the filter in its own arena, no consumer); LTTng-UST's is
# bench/workload.c's str loop in a session with `lttng enable-event
# --filter` (disabled: no session enables it). Instruction counts, which
# load does not move: bench/filter_cg.sh.
# Usage: bench/filter_wall.sh BUILD_DIR [REPS] [N] [W]
set -eu
B=$(cd "${1:?build dir}" && pwd)
REPS=${2:-9}
N=${3:-1000000}
W=${4:-200000}
FIR=$B/bench/bench_filter_ir
WL=$B/bench/bench_wl_lttng
T=$(mktemp -d)
s=rmfw$$
trap 'lttng destroy "$s" >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
OUT='id >= 1000 && id < 2000 && path == "/a/*"'
PASS='id >= 0 && len >= 0 && path == "/srv/*"'
have_lttng=1
[ -x "$WL" ] && command -v lttng >/dev/null || have_lttng=0
if [ $have_lttng = 1 ]; then
	pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize --quiet
fi

stats() { # values on stdin -> "median (min-max)"
	sort -n | awk '{ v[NR] = $1 } END { if (!NR) { print "-"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'
}

row() { # name remora-mode lttng-mode(off|on) [filter]
	if [ $have_lttng = 1 ] && [ "$3" = on ]; then
		lttng create "$s" --output="$T/l" >/dev/null
		lttng enable-channel -u ch -s "$s" --subbuf-size 4M --num-subbuf 16 >/dev/null
		if [ -n "${4:-}" ]; then
			lttng enable-event -u -c ch -s "$s" bench:str --filter "$4" >/dev/null
		else
			lttng enable-event -u -c ch -s "$s" bench:str >/dev/null
		fi
		lttng start "$s" >/dev/null
	fi
	: >"$T/r" && : >"$T/u"
	i=0
	while [ $i -lt "$REPS" ]; do
		env REMORA_SOCKET="$T/none" REMORA_BUFFER_SIZE=512M "$FIR" "$2" "$N" "$W" |
			sed -n 's/^block_ns_per_event=//p' >>"$T/r"
		if [ $have_lttng = 1 ]; then
			"$WL" str "$N" "$W" | sed -n 's/^block_ns_per_event=//p' >>"$T/u"
		fi
		i=$((i + 1))
	done
	if [ $have_lttng = 1 ] && [ "$3" = on ]; then
		lttng destroy "$s" >/dev/null
		rm -rf "$T/l"
	fi
	printf '%-30s remora %-24s lttng-ust %s\n' "$1" "$(stats <"$T/r")" "$(stats <"$T/u")"
}

echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ns/event, median (min-max) of $REPS runs, each the median of 20 blocks of $N/20 events"
row "disabled" off off
row "enabled, no filter" none on
row "3-term filter, filtered out" out on "$OUT"
row "3-term filter, passing" pass on "$PASS"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
