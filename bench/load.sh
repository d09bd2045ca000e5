#!/usr/bin/env bash
# Under load (issue 18): events kept and lost by remora and by LTTng-UST
# 2.13, side by side in one run, for the threads and rates of a server.
#
#   bench/load.sh [BUILD_DIR] [--reps N] [--rows live,seq,pool,flat]
#                 [--no-matched] [--no-perf] [--text] [--keep] [--tmp DIR]
#   bench/load.sh --report OUT    the tables again from a kept OUT
#
# Installs what it needs (scripts/deps.sh with REMORA_DEPS_BENCH=1, and
# linux-perf for the profile), builds remora_cli, bench_load_remora and
# bench_load_lttng in BUILD_DIR (default build/bench, RelWithDebInfo), then
# runs, --reps times (default 5), every row with every variant in turn
# (remora, LTTng-UST, remora matched: A B C A B C ...):
#
#   live   1,000 threads alive at once x 10 events   (bench_load_* live 1000 10)
#   seq    10,000 sequential short threads x 10      (seq 10000 10)
#   pool   500 threads x 100 events/s x 2 s          (pool 500 100 2)
#   flat   one thread flat out, 20 M load:ev events  (flat 20000000, CPU 0)
#          and from it the consumer's throughput: events kept / drain time
#          (from the first event to `remora record`'s exit; LTTng-UST: to
#          `lttng stop`'s return) and trace bytes / drain time
#
# Variants:
#   remora          `remora record -o DIR -e 'load:*' -- bench_load_remora ...`,
#                   the default arena (16 MiB); kept and lost from its summary
#   LTTng-UST       `lttng create; lttng enable-event -u 'load:*'; lttng start;
#                   bench_load_lttng ...; lttng stop; lttng destroy`: the
#                   default channel (per-UID buffers, 4 x 512 KiB per CPU);
#                   lost = the channel's "Discarded events" (`lttng list`,
#                   between stop and destroy)
#   remora matched  remora with --buffer-size = LTTng-UST's default total
#                   (nproc x 4 x 512 KiB); --no-matched leaves it out
# Kept is what babeltrace2 reads back: `babeltrace2 DIR | wc -l` for live,
# seq and pool (and the CTF discarded count, the sum of babeltrace2's
# "Tracer discarded N events" warnings, which must equal lost); for flat the
# sink.utils.counter count (same number, 5x faster than text on millions of
# events), unless --text. remora's summary must agree with babeltrace2.
#
# Then (unless --no-perf) one more flat run of remora under
# `perf record -e cpu-clock -g` (no PMU in the guest) and the consumer's
# (comm "remora") top functions, self time, as a share of its own samples.
#
# Output: progress on stderr; markdown tables on stdout (also in
# OUT/table.md), raw per-run lines in OUT/runs.tsv, OUT = a directory under
# --tmp (default /tmp), removed at the end unless --keep (traces are removed
# after each run either way). With the load average and the clocksource.
# Needs root: apt-get, and the root lttng-sessiond (started here and stopped
# by its pid unless one already runs; then it is used and left alone).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build/bench
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
	build=$(realpath -m "$1")
	shift
fi
reps=5 rows=live,seq,pool,flat matched=1 doperf=1 text=0 keep=0 tmp=/tmp report=
while [ $# -gt 0 ]; do
	case $1 in
	--reps) reps=$2; shift ;;
	--rows) rows=$2; shift ;;
	--no-matched) matched=0 ;;
	--no-perf) doperf=0 ;;
	--text) text=1 ;;
	--keep) keep=1 ;;
	--tmp) tmp=$2; shift ;;
	--report) report=$(realpath "$2"); shift ;;
	*) echo "load.sh: unknown option $1 (see the top of bench/load.sh)" >&2; exit 2 ;;
	esac
	shift
done
say() { echo "load: $*" >&2; }
die() { say "$*"; exit 1; }
sd= out= runs=
cleanup() {
	if [ -n "$sd" ]; then
		kill -TERM "$sd" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$sd" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$sd" 2>/dev/null && kill -KILL "$sd" 2>/dev/null
		wait "$sd" 2>/dev/null || true
	fi
	[ -n "$out" ] || return 0
	[ $keep = 1 ] && say "kept $out" || rm -rf "$out"
}

# setup: deps, build, OUT, a session daemon
setup() {
	[ "$(id -u)" = 0 ] || die "run as root (apt-get, and the root lttng-sessiond)"

	# -- deps and build --------------------------------------------------------------
	REMORA_DEPS_BENCH=1 "$src/scripts/deps.sh" >&2
	if [ $doperf = 1 ] && ! perf --version >/dev/null 2>&1; then
		say "installing linux-perf"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >&2 || { say "no perf: profile skipped"; doperf=0; }
	fi
	cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j"$(nproc)" --target remora_cli bench_load_remora bench_load_lttng >&2
	remora=$build/ctl/remora
	wl_r=$build/bench/bench_load_remora
	wl_l=$build/bench/bench_load_lttng
	for f in "$remora" "$wl_r" "$wl_l"; do [ -x "$f" ] || die "missing $f"; done

	out=$(mktemp -d "$tmp/remora-load-XXXXXX")
	runs=$out/runs.tsv
	matched_size=$(( $(nproc) * 2 ))M # LTTng-UST's default: 4 x 512 KiB per CPU

	trap cleanup EXIT
	if p=$(pgrep -x lttng-sessiond | head -1); then
		say "using the running lttng-sessiond (pid $p), not ours: it is left running"
	else
		lttng-sessiond --no-kernel --quiet </dev/null >"$out/sessiond.log" 2>&1 &
		sd=$!
		for _ in $(seq 100); do timeout 5 lttng list >/dev/null 2>&1 && break; sleep 0.1; done
		timeout 5 lttng list >/dev/null 2>&1 || die "lttng-sessiond did not come up: $(cat "$out/sessiond.log")"
	fi
}

# -- reading a trace back --------------------------------------------------------
# readback DIR TEXT: "KEPT CTFDISC" (CTFDISC "-" unless TEXT = 1)
readback() {
	local d=$1 k disc
	if [ "$2" = 1 ]; then
		k=$(babeltrace2 "$d" 2>"$d.bterr" | wc -l)
		disc=$(sed -n 's/^WARNING: Tracer discarded \([0-9]*\) event.*/\1/p' "$d.bterr" |
			awk '{ s += $1 } END { print s + 0 }')
	else
		k=$(babeltrace2 "$d" -c sink.utils.counter -p 'step=+0' 2>"$d.bterr" |
			sed -n 's/^ *\([0-9]*\) Event messages\?$/\1/p' | tail -1)
		disc=-
	fi
	[ -n "$k" ] || k=0
	echo "$k $disc"
}
kv() { sed -n "s/^$1=//p" "$2" | tail -1; }
# consumerd_cpu: ns of CPU used so far by the lttng-consumerd processes
# (utime + stime; a session of another user of the daemon would count too)
consumerd_cpu() {
	local p t=0 hz
	hz=$(getconf CLK_TCK)
	for p in $(pgrep -x lttng-consumerd); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo $((t * 1000000000 / hz))
}
now() { date +%s%N; }

# -- one run ---------------------------------------------------------------------
# args: ROW REP VARIANT MODE ARGS...; appends one line to runs.tsv:
# row variant rep emitted kept lost ctfdisc phase_ns drain_ns total_ns bytes lag_us prod_eps
# consumer_cpu_ns
seq_no=0
one() {
	local row=$1 rep=$2 var=$3
	shift 3
	local d st=0 t_start t_end lost kept disc cons_cpu usetext=$text
	seq_no=$((seq_no + 1))
	d=$out/t$seq_no
	case $row in live | seq | pool) usetext=1 ;; esac
	case $var in
	remora | remora-matched)
		local bs=()
		[ $var = remora-matched ] && bs=(--buffer-size "$matched_size")
		t_start=$(now)
		# `times` in a subshell of its own: the CPU of `remora record` and
		# of the processes it reaped (the workload)
		(
			e=0
			"$remora" record -o "$d" -e 'load:*' "${bs[@]}" -- "$wl_r" "$@" >"$d.out" 2>"$d.err" || e=$?
			times >"$d.times"
			exit $e
		) || st=$?
		t_end=$(now)
		cons_cpu=$(awk 'NR == 2 { print sec($1) + sec($2) } function sec(x) { split(x, a, /[ms]/); return a[1] * 60 + a[2] }' "$d.times")
		cons_cpu=$(awk -v c="$cons_cpu" -v w="$(kv cpu_ns "$d.out")" 'BEGIN { printf("%.0f", c * 1e9 - w) }')
		[ $st = 0 ] || die "$row/$var: remora record exit $st: $(tail -5 "$d.err")"
		lost=$(sed -n 's/^remora: \([0-9]*\) events recorded, \([0-9]*\) lost,.*/\2/p' "$d.err")
		local rec
		rec=$(sed -n 's/^remora: \([0-9]*\) events recorded, .*/\1/p' "$d.err")
		[ -n "$lost" ] || die "$row/$var: no summary: $(tail -5 "$d.err")"
		read -r kept disc < <(readback "$d" $usetext)
		[ "$kept" = "$rec" ] || say "WARNING $row/$var rep $rep: summary says $rec recorded, babeltrace2 reads $kept"
		;;
	lttng)
		local s=rml$$_$seq_no
		lttng create "$s" -o "$d" >"$d.lttng" 2>&1 || die "lttng create failed: $(cat "$d.lttng")"
		lttng enable-event -u -s "$s" 'load:*' >>"$d.lttng" 2>&1 &&
			lttng start "$s" >>"$d.lttng" 2>&1 || die "lttng setup failed: $(cat "$d.lttng")"
		local c0
		c0=$(consumerd_cpu)
		t_start=$(now)
		"$wl_l" "$@" >"$d.out" 2>"$d.err" || st=$?
		lttng stop "$s" >>"$d.lttng" 2>&1 || die "lttng stop failed: $(cat "$d.lttng")"
		t_end=$(now)
		cons_cpu=$(( $(consumerd_cpu) - c0 ))
		lost=$(lttng list "$s" 2>/dev/null | sed -n 's/^ *Discarded events: *\([0-9]*\).*/\1/p' |
			awk '{ s += $1 } END { print s + 0 }')
		lttng destroy "$s" >>"$d.lttng" 2>&1 || true
		[ $st = 0 ] || die "$row/$var: workload exit $st: $(tail -5 "$d.err")"
		read -r kept disc < <(readback "$d" $usetext)
		;;
	esac
	local emitted t0 bytes
	emitted=$(kv events "$d.out")
	t0=$(kv t0_real_ns "$d.out")
	bytes=$(du -sb "$d" | cut -f1)
	if [ "$disc" != - ] && [ "$disc" != "$lost" ]; then
		say "WARNING $row/$var rep $rep: lost $lost, but the trace tells babeltrace2 of $disc"
	fi
	if [ $((kept + lost)) != "$emitted" ]; then
		say "WARNING $row/$var rep $rep: $kept kept + $lost lost != $emitted emitted"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$var" "$rep" "$emitted" \
		"$kept" "$lost" "$disc" "$(kv ns "$d.out")" $((t_end - t0)) $((t_end - t_start)) \
		"$bytes" "$(kv lag_max_us "$d.out")" "$(kv events_per_s "$d.out")" "$cons_cpu" >>"$runs"
	say "$row $var rep $rep: emitted $emitted, kept $kept, lost $lost (ctf $disc), $(( (t_end - t_start) / 1000000 )) ms"
	rm -rf "$d"
}

args_of() {
	case $1 in
	live) echo live 1000 10 ;;
	seq) echo seq 10000 10 ;;
	pool) echo pool 500 100 2 ;;
	flat) echo flat 20000000 ;;
	*) die "unknown row $1" ;;
	esac
}

# measure: every rep of every row of every variant, then the perf run
measure() {
	cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo '?')
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	start0=$(date -u +%Y-%m-%d\ %H:%M)
	say "$(nproc) CPUs, $(uname -r), clocksource $cs, load $load0, $reps reps, rows $rows, out $out"
	for rep in $(seq "$reps"); do
		for row in ${rows//,/ }; do
			for v in "${vars[@]}"; do
				one "$row" "$rep" "$v" $(args_of "$row")
			done
		done
	done
	load1=$(cut -d' ' -f1-3 /proc/loadavg)
	end0=$(date -u +%H:%M)
	fs=$(df -T "$out" | awk 'NR == 2 { print $2 }')
	ncpu=$(nproc) kernel=$(uname -r)
	declare -p reps rows matched matched_size doperf cs load0 load1 start0 end0 fs ncpu kernel >"$out/meta"

	# -- perf: the consumer during one flat run ------------------------------------------
	if [ $doperf = 1 ]; then
		say "perf: one more remora flat run under perf record -e cpu-clock -g"
		pd=$out/perf
		perf record -q -e cpu-clock -F 4000 -g -o "$out/perf.data" -- \
			"$remora" record -o "$pd" -e 'load:*' -- "$wl_r" flat 20000000 >"$out/perf.out" 2>"$out/perf.err" ||
			say "perf record failed: $(tail -3 "$out/perf.err")"
		rm -rf "$pd"
	fi
}

# -- tables ----------------------------------------------------------------------------
# dist DIGITS: "median (min–max)" of the numbers on stdin, one a line
dist() {
	sort -g | awk -v dg="$1" '
		{ x[n++] = $1 }
		END {
			if (!n) { print "n/a"; exit }
			m = n % 2 ? x[int(n / 2)] : (x[n / 2 - 1] + x[n / 2]) / 2
			f = "%." dg "f"
			if (sprintf(f, x[0]) == sprintf(f, x[n - 1])) printf(f "\n", m)
			else printf(f " (" f "–" f ")\n", m, x[0], x[n - 1])
		}'
}
# cell ROW VAR EXPR [DIGITS]: dist of the awk expression EXPR over runs.tsv's
# lines of ROW and VAR (columns: 4 emitted, 5 kept, 6 lost, 7 ctfdisc,
# 8 phase_ns, 9 drain_ns, 10 total_ns, 11 bytes, 12 lag_us, 13 producer eps,
# 14 consumer CPU ns)
cell() {
	awk -F'\t' -v r="$1" -v v="$2" '$1 == r && $2 == v { print '"$3"' }' "$runs" | dist "${4:-0}"
}
what_of() {
	case $1 in
	live) echo "1,000 live threads × 10 events" ;;
	seq) echo "10,000 sequential threads × 10 events" ;;
	pool) echo "500-thread pool, 100 events/s each, 2 s" ;;
	flat) echo "one thread flat out, 20 M two-int events" ;;
	esac
}
# perfrep N ARGS...: the first N lines of a flat perf report of OUT/perf.data,
# without the empty columns
perfrep() {
	local n=$1
	shift
	{ perf report -i "$out/perf.data" --no-children --stdio -g none "$@" 2>/dev/null |
		grep -v -e '^#' -e '^$' | sed 's/[ -]*$//' | head -n "$n"; } || true
}
tables() {
	echo "Measured $start0–$end0 UTC with \`bench/load.sh --reps $reps\`: $ncpu vCPUs, kernel $kernel, clocksource **$cs**, load average (1/5/15 min) $load0 at the start, $load1 at the end; trace directories on $fs. Median (min–max) over $reps runs."
	echo
	hdr="| row | workload | emitted | remora kept | remora lost | LTTng-UST kept | LTTng-UST lost |"
	sep="|---|---|---:|---:|---:|---:|---:|"
	if [ $matched = 1 ]; then
		hdr="$hdr remora $matched_size kept | remora $matched_size lost |"
		sep="$sep---:|---:|"
	fi
	echo "$hdr"
	echo "$sep"
	n=0
	for row in ${rows//,/ }; do
		n=$((n + 1))
		line="| $n | $(what_of "$row") | $(cell "$row" remora '$4') | $(cell "$row" remora '$5') | $(cell "$row" remora '$6') | $(cell "$row" lttng '$5') | $(cell "$row" lttng '$6') |"
		[ $matched = 1 ] && line="$line $(cell "$row" remora-matched '$5') | $(cell "$row" remora-matched '$6') |"
		echo "$line"
	done
	echo
	echo "Time of the recording phase (ms; pool: worst lateness of an event behind its schedule, ms):"
	echo
	echo "| row | remora | LTTng-UST |$([ $matched = 1 ] && echo " remora $matched_size |")"
	echo "|---|---:|---:|$([ $matched = 1 ] && echo "---:|")"
	for row in ${rows//,/ }; do
		line="| $row | $(cell "$row" remora '$8 / 1e6' 1) | $(cell "$row" lttng '$8 / 1e6' 1) |"
		[ $matched = 1 ] && line="$line $(cell "$row" remora-matched '$8 / 1e6' 1) |"
		echo "$line"
		if [ "$row" = pool ]; then
			line="| pool lateness | $(cell pool remora '$12 / 1e3' 1) | $(cell pool lttng '$12 / 1e3' 1) |"
			[ $matched = 1 ] && line="$line $(cell pool remora-matched '$12 / 1e3' 1) |"
			echo "$line"
		fi
	done
	if [[ ,$rows, == *,flat,* ]]; then
		echo
		echo "Consumer throughput, flat row (drain = first event to \`remora record\`'s exit, LTTng-UST: to \`lttng stop\`'s return; MB = 10^6 bytes of trace files; consumer CPU = remora: CPU of \`remora record\` and its reaped children minus the workload's own, LTTng-UST: utime + stime of the lttng-consumerd processes over the session; per CPU-second is the measure that load on the machine moves least):"
		echo
		echo "| | remora | LTTng-UST |$([ $matched = 1 ] && echo " remora $matched_size |")"
		echo "|---|---:|---:|$([ $matched = 1 ] && echo "---:|")"
		for m in 'producer, M events/s|$13 / 1e6|2' 'producer, ns/event|$8 / $4|1' 'events kept, M|$5 / 1e6|2' \
			'drain time, ms|$9 / 1e6|0' 'kept M records/s over the drain|$5 / $9 * 1e3|2' \
			'trace MB/s over the drain|$11 / $9 * 1e3|0' 'trace bytes per kept event|($5 ? $11 / $5 : 0)|1' \
			'`remora record` / session wall time, ms|$10 / 1e6|0' \
			'consumer CPU time, ms|$14 / 1e6|0' 'kept M records per consumer CPU-second|($14 ? $5 / $14 * 1e3 : 0)|2' \
			'trace MB per consumer CPU-second|($14 ? $11 / $14 * 1e3 : 0)|0' \
			'consumer CPU / drain time, %|$14 / $9 * 100|0'; do
			IFS='|' read -r label e dg <<<"$m"
			line="| $label |"
			for v in "${vars[@]}"; do line="$line $(cell flat "$v" "$e" "$dg") |"; done
			echo "$line"
		done
	fi
	if [ $doperf = 1 ] && [ -s "$out/perf.data" ]; then
		echo
		echo "perf (\`perf record -e cpu-clock -F 4000 -g\`, one remora flat run: $(sed -n 's/^remora: \([0-9]*\) events recorded, \([0-9]*\) lost.*/\1 kept, \2 lost/p' "$out/perf.err")); samples by command:"
		echo
		echo '```'
		perfrep 6 --sort comm
		echo '```'
		echo
		echo "The consumer (comm \`remora\`): its samples by object, then its top functions (self time), shares of its own samples:"
		echo
		echo '```'
		perfrep 6 --comm remora --sort dso --percentage relative
		echo
		perfrep 25 --comm remora --sort dso,symbol --percentage relative
		echo '```'
		echo
		echo "The consumer with callees (children; user-space call chains are cut short: no frame pointers in RelWithDebInfo), top entries:"
		echo
		echo '```'
		perfrep 15 --comm remora --children --sort symbol --percentage relative
		echo '```'
	fi
}

if [ -n "$report" ]; then
	out=$report runs=$report/runs.tsv
	[ -s "$out/runs.tsv" ] && [ -s "$out/meta" ] || die "no $out/runs.tsv or $out/meta"
	. "$out/meta"
fi
vars=(remora lttng)
[ "$matched" = 1 ] && vars+=(remora-matched)
if [ -z "$report" ]; then
	setup
	measure
fi
tables | tee "$out/table.md"
