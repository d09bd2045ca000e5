#!/usr/bin/env bash
# The hostile-host scenarios, side by side: LTTng-UST 2.13 (Debian's
# packages) without and with its preload libraries, and remora (issue 6).
# Not part of the default suite.
#
#   tests/hostile/compare-lttng.sh [BUILD_DIR [SCENARIO...]]
#
# BUILD_DIR (default build/compare-lttng) is a remora build: configured and
# built here if needed. Each scenario source is built a third time, with
# -DNO_REMORA -DUSE_LTTNG (hostile.h maps remora_trace() onto the generic
# LTTng-UST event hostile:ev of tests/hostile/lttng/), into
# BUILD_DIR/hostile-lttng; the main build does not depend on LTTng-UST.
# For each scenario:
#   LTTng-UST plain    a root lttng-sessiond started here (LTTNG_HOME in the
#                      runs directory, wiped each time), a session per run (LTTng's
#                      default channel sizes, 4 x 512 KiB per CPU, but 16 x
#                      1 MiB for forkstorm; contexts vpid and vtid,
#                      'hostile:*'),
#                      the LTTng build run, `lttng stop` and `lttng destroy`
#                      each under a timeout (HCL_HANG_TIMEOUT, 15 s: longer
#                      is reported as a hang), the trace read with babeltrace2
#                      and checked like NAME.sh checks remora's: same exit
#                      status, output and files as the untraced build, exact
#                      event counts, each event under the pid (and tid) that
#                      emitted it, nothing discarded.
#   LTTng-UST + preload the same with LD_PRELOAD=liblttng-ust-fd.so.1:
#                      liblttng-ust-fork.so.1 (the wrappers LTTng-UST
#                      documents for apps that close fds and fork).
#   remora             the scenario's own check, `ctest -R ^hostile_NAME$`.
# Prints a markdown table (scenario | LTTng-UST plain | LTTng-UST + preload
# | remora; each cell PASS or the reasons it failed) on stdout, progress on
# stderr, and keeps everything in BUILD_DIR/hostile-lttng/runs (the table
# as table.md). Needs root: the root session daemon's sockets are global
# (/var/run/lttng), so no other lttng-sessiond may run meanwhile.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
here=$src/tests/hostile
build=$(realpath -m "${1:-$src/build/compare-lttng}")
[ $# -gt 0 ] && shift
all=(closefrom forkstorm killed daemon sighog reaper threads tinyfd execchain stopped sandbox privdrop)
scen=("$@")
[ ${#scen[@]} -gt 0 ] || scen=("${all[@]}")
hang=${HCL_HANG_TIMEOUT:-15}
limit=${HOSTILE_RUN_TIMEOUT:-60}
libdir=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
preload_libs="$libdir/liblttng-ust-fd.so.1:$libdir/liblttng-ust-fork.so.1"
say() { echo "compare-lttng: $*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (the root lttng-sessiond is the one apps run as root talk to)"
REMORA_DEPS_BENCH=1 "$src/scripts/deps.sh" >&2 || die "scripts/deps.sh failed"
bt=$(command -v babeltrace2) || die "no babeltrace2"
for f in ${preload_libs//:/ }; do [ -e "$f" ] || die "missing $f (liblttng-ust1)"; done
if p=$(pgrep -x lttng-sessiond); then
	die "an lttng-sessiond already runs (pid $p): stop it first, the root one is global"
fi

# -- builds ------------------------------------------------------------------
say "building remora in $build"
cmake -S "$src" -B "$build" >/dev/null || die "cmake configure failed"
cmake --build "$build" -j"$(nproc)" >/dev/null || die "cmake build failed"
hb=$build/tests/hostile
lb=$build/hostile-lttng
runs_dir=$lb/runs
work=$runs_dir
rm -rf "$runs_dir"
mkdir -p "$lb" "$runs_dir"
cflags=(-std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -fno-strict-aliasing)
# the provider's generated code is LTTng's, not ours (as in bench/)
gcc "${cflags[@]}" -Wno-shadow -Wno-strict-prototypes -Wno-unused-parameter -I"$here/lttng" \
	-c "$here/lttng/hostile_tp.c" -o "$lb/hostile_tp.o" || die "provider does not build"
for n in "${scen[@]}"; do
	[ -e "$here/$n.c" ] || continue
	# the libraries of hostile_scenario(NAME ... LIBS ...) in CMakeLists.txt
	libs=()
	case $n in sandbox | privdrop) libs=($(pkg-config --libs libseccomp libcap)) ;; esac
	gcc "${cflags[@]}" -DNO_REMORA -DUSE_LTTNG -I"$here" -I"$here/lttng" -I"$src/include" \
		"$here/$n.c" "$lb/hostile_tp.o" -o "$lb/hostile_${n}_lttng" -llttng-ust -ldl -pthread "${libs[@]}" ||
		die "$n: LTTng build failed"
done

# -- session daemon ------------------------------------------------------------
export LTTNG_HOME=$runs_dir/home
mkdir -p "$LTTNG_HOME"
sd=
sessiond_start() {
	[ -n "$sd" ] && kill -0 "$sd" 2>/dev/null && return 0
	lttng-sessiond --no-kernel --quiet </dev/null >"$runs_dir/sessiond.log" 2>&1 &
	sd=$!
	for _ in $(seq 1 100); do
		timeout 5 lttng list >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "lttng-sessiond did not come up: $(cat "$runs_dir/sessiond.log")"
}
# stops ours (and its consumer daemons, by pid): after a hang and at the end
sessiond_stop() {
	[ -n "$sd" ] || return 0
	local kids p
	kids=$(for p in /proc/[0-9]*; do
		[ "$(awk '{print $4}' "$p/stat" 2>/dev/null)" = "$sd" ] && echo "${p#/proc/}"
	done)
	kill -TERM "$sd" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$sd" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$sd" 2>/dev/null; then
		kill -KILL "$sd" 2>/dev/null
	fi
	wait "$sd" 2>/dev/null
	for p in $kids; do kill -KILL "$p" 2>/dev/null; done
	sd=
}
trap 'sessiond_stop' EXIT

# -- one LTTng run ---------------------------------------------------------------
# lt_begin NAME: a session writing to $work/NAME.t
lt_begin() {
	sessiond_start
	local s=hcl-$1
	{ timeout "$hang" lttng create "$s" -o "$work/$1.t" &&
		timeout "$hang" lttng enable-channel -u -s "$s" ch ${channel_opts:-} &&
		timeout "$hang" lttng add-context -u -s "$s" -c ch -t vpid -t vtid &&
		timeout "$hang" lttng enable-event -u -s "$s" -c ch 'hostile:*' &&
		timeout "$hang" lttng start "$s"; } >>"$work/lttng.log" 2>&1 || {
		bad "session setup failed" "$1"
		sessiond_stop
		return 1
	}
}
# lt_end NAME: stop and destroy, each within $hang s; a hang is a failure,
# and the session daemon is restarted after one
lt_end() {
	local s=hcl-$1 st=0 hung=
	timeout -k 2 "$hang" lttng stop "$s" >>"$work/lttng.log" 2>&1 || st=$?
	[ "$st" = 124 -o "$st" = 137 ] && hung="stop"
	st=0
	timeout -k 2 "$hang" lttng destroy "$s" >>"$work/lttng.log" 2>&1 || st=$?
	[ "$st" = 124 -o "$st" = 137 ] && hung="${hung:+$hung and }destroy"
	if [ -n "$hung" ]; then
		if [ "$hung" = stop ]; then bad "lttng stop hangs" "$1"
		elif [ "$hung" = destroy ]; then bad "lttng destroy hangs" "$1"
		else bad "lttng stop and destroy hang" "$1"; fi
		sessiond_stop
	fi
}
# lt_read NAME: $work/NAME.ev = "vpid vtid name a b c" per event; discarded
# events and babeltrace2 errors are failures
lt_read() {
	: >"$work/$1.ev"
	if ! [ -d "$work/$1.t" ] || ! "$bt" "$work/$1.t" >"$work/$1.bt" 2>"$work/$1.bterr"; then
		bad "trace unreadable" "$1"
		return 0
	fi
	sed -nE 's/.* hostile:ev: .*\{ vpid = ([0-9]+), vtid = ([0-9]+) \}, \{ name = "([^"]*)", a = (-?[0-9]+), b = (-?[0-9]+), c = (-?[0-9]+) \}$/\1 \2 \3 \4 \5 \6/p' \
		"$work/$1.bt" >"$work/$1.ev"
	local d
	d=$(sed -nE 's/^WARNING: Tracer discarded ([0-9]+) events?.*/\1/p' "$work/$1.bterr" | awk '{s += $1} END {print s + 0}')
	[ "$d" = 0 ] || bad "$d events discarded" "$1"
	grep -v -e '^WARNING: Tracer discarded' -e '^$' -e '^ ' "$work/$1.bterr" | grep -q . &&
		bad "babeltrace2 warns" "$1"
	return 0
}
# lrun NAME ARGS...: the LTTng build, like lib.sh's traced(); preloads in
# the preload variant
lrun() {
	local n=$1 st=0
	shift
	if [ "$variant" = preload ]; then
		LD_PRELOAD=$preload_libs timeout -k 5 "$limit" "$lexe" "$@" <"${stdin:-/dev/null}" \
			>"$work/$n.out" 2>"$work/$n.err" || st=$?
	else
		timeout -k 5 "$limit" "$lexe" "$@" <"${stdin:-/dev/null}" >"$work/$n.out" 2>"$work/$n.err" || st=$?
	fi
	echo "$st" >"$work/$n.st"
	[ "$st" != 124 ] || bad "app hangs" "$n"
}
# prun NAME ARGS...: the untraced (NO_REMORA) build
prun() {
	local n=$1 st=0
	shift
	timeout -k 5 "$limit" "$pexe" "$@" <"${stdin:-/dev/null}" >"$work/$n.out" 2>"$work/$n.err" || st=$?
	echo "$st" >"$work/$n.st"
}

# -- verdicts ------------------------------------------------------------------
# bad REASON TAG: one failure of the current cell; the cell lists each
# reason once, with the runs (tags) it happened in
bad() { printf '%s\t%s\n' "$1" "${2:-}" >>"$cellf"; }
# cell_text [all]: the reasons, worst first (hangs, then the app killed,
# then its data or fds touched, then wrong pids, then lost events), each
# with the runs it happened in; "N of M ... missing" summed over runs. At
# most 3 unless "all".
cell_text() {
	[ -s "$cellf" ] || { echo "PASS${note:+ ($note)}"; return; }
	awk -F'\t' -v runs="$runs" -v all="${1:-}" -v note="$note" '
		function prio(r) {
			if (r ~ /hang/) return 1
			if (r ~ /abort|crash|SIG|exit|died|dies|never/) return 2
			if (r ~ /NUL|data|fd|app file|socket|log|output|stderr|signal|sees|EMFILE/) return 3
			if (r ~ /pid|tid/) return 4
			return 5
		}
		{
			r = $1; n = 0; m = 0
			if (match(r, /^[0-9]+ of [0-9]+ /)) {
				split(substr(r, 1, RLENGTH), nm, " ")
				n = nm[1]; m = nm[3]; r = "# of # " substr(r, RLENGTH + 1)
			}
			if (!(r in seen)) { seen[r] = 1; order[++k] = r }
			sn[r] += n; sm[r] += m
			if ($2 != "" && !((r SUBSEP $2) in tagged)) { tagged[r, $2] = 1; cnt[r]++; tags[r] = tags[r] (cnt[r] > 1 ? ", " : "") $2 }
		}
		END {
			for (p = 1; p <= 5; p++)
				for (i = 1; i <= k; i++)
					if (prio(order[i]) == p) sorted[++j] = order[i]
			for (i = 1; i <= j; i++) {
				r = sorted[i]
				t = r
				if (t ~ /^# of # /) t = sn[r] " of " sm[r] " " substr(t, 8)
				if (runs > 1 && cnt[r] > 0) t = t " (" cnt[r] "/" runs " runs" (all != "" ? ": " tags[r] : "") ")"
				if (all == "" && i > 3) { printf "; +%d more", j - 3; break }
				printf "%s%s", (i > 1 ? "; " : ""), t
			}
			if (note != "") printf "; %s", note
			printf "\n"
		}' "$cellf"
}
# same L P: the LTTng run L behaved like the untraced run P
same() {
	if ! cmp -s "$work/$1.st" "$work/$2.st"; then
		local s
		s=$(cat "$work/$1.st")
		local a
		a=$(sed -nE 's/.*[: ]([a-z_]+): Assertion .*/\1/p' "$work/$1.err" ${assert_file:-} 2>/dev/null | head -1)
		case $s in
		134) bad "app aborts${a:+ (LTTng-UST assertion in $a)}" "$1" ;;
		139)
			if [ -n "$a" ]; then # abort() under a seccomp filter ends in SIGSEGV
				bad "app dies (LTTng-UST assertion in $a)" "$1"
			else
				bad "${segv_reason:-app crashes (SIGSEGV)}" "$1"
			fi
			;;
		159) bad "app killed by SIGSYS" "$1" ;;
		*) bad "exit status $s (untraced $(cat "$work/$2.st"))" "$1" ;;
		esac
	fi
	cmp -s "$work/$1.st" "$work/$2.st" && ! cmp -s "$work/$1.out" "$work/$2.out" && bad "output differs" "$1"
	cmp -s "$work/$1.err" "$work/$2.err" || grep -q 'Assertion .* failed' "$work/$1.err" ||
		bad "stderr differs: $(grep -v '^$' "$work/$1.err" | head -1 | cut -c1-60)" "$1"
}
# same_file TRACED PLAIN WHAT TAG: a file the app wrote is byte-identical
same_file() {
	cmp -s "$1" "$2" && return 0
	if [ ! -e "$1" ]; then
		bad "$3 missing" "$4"
	elif [ "$(cmp -l "$1" "$2" 2>/dev/null | awk '$2 == 0' | wc -l)" != 0 ] ||
		[ "$(stat -c %s "$1")" -gt "$(stat -c %s "$2")" -a "$(tail -c +$(($(stat -c %s "$2") + 1)) "$1" | tr -d '\0' | wc -c)" = 0 ]; then
		bad "NUL bytes in $3" "$4"
	else
		bad "$3 differs" "$4"
	fi
}
# cnt NAME AWK-CONDITION: events of $work/NAME.ev matching ($1 vpid, $2
# vtid, $3 name, $4 $5 $6 the fields)
cnt() { awk "$2" "$work/$1.ev" | wc -l; }
# want NAME AWK-CONDITION N WHAT: exactly N such events; else "K WHAT
# missing" (or "K more WHAT than emitted")
want() {
	local c
	c=$(cnt "$1" "$2")
	if [ "$c" -lt "$3" ]; then
		bad "$(($3 - c)) of $3 $4 missing" "$1"
	elif [ "$c" -gt "$3" ]; then
		bad "$((c - $3)) $4 too many" "$1"
	fi
}

# -- scenarios (each mirrors its NAME.sh; see docs/HOSTILE.md) -------------------
lt_closefrom() {
	runs=4
	local m log n pp
	for m in close_range closefrom loop std; do
		mkdir -p "$work/cf.$m.td" "$work/cf.$m.pd"
		prun "cf.$m.pl" "$m" "$work/cf.$m.pd"
		lt_begin "cf.$m" || continue
		lrun "cf.$m" "$m" "$work/cf.$m.td"
		lt_end "cf.$m"
		lt_read "cf.$m"
		local assert_file=
		[ $m != std ] || assert_file=$work/cf.$m.td/log # stderr goes there
		same "cf.$m" "cf.$m.pl"
		same_file "$work/cf.$m.td/data" "$work/cf.$m.pd/data" "app file" "$m"
		log=$work/cf.$m.out
		if [ $m = std ]; then
			same_file "$work/cf.$m.td/log" "$work/cf.$m.pd/log" "app log (fds 1, 2)" "$m"
			log=$work/cf.$m.td/log
		fi
		plog=${log/.td\//.pd\/}
		[ $m = std ] || plog=$work/cf.$m.pl.out
		[ "$(grep '^fds: ' "$log")" = "$(grep '^fds: ' "$plog")" ] || bad "app gets other fd numbers" "$m"
		# the read-back lines that differ from the untraced run's (the
		# untraced "file:" line is not "ok" either: a regular file reads 0
		# at its end, not EAGAIN)
		grep -E '^(file|pipe|unix|unix back|tcp|tcp back): ' "$log" | grep -v -x -F -f <(grep -E '^(file|pipe|unix|unix back|tcp|tcp back): ' "$plog") |
			sed -E 's/^(file|pipe): .*(unexpected bytes|wrong bytes|short read).*/\2 in app \1/;
				s/^(unix|unix back): .*(unexpected bytes|wrong bytes|short read).*/\2 in app Unix socket/;
				s/^(tcp|tcp back): .*(unexpected bytes|wrong bytes|short read).*/\2 in app TCP socket/;
				s/^unexpected bytes/extra data/; s/^wrong bytes/wrong data/' | sort -u |
			while read -r r; do bad "$r" "$m"; done
		n=$(sed -n 's/^events //p' "$log")
		if [ -z "$n" ]; then
			continue
		fi
		local got gotw
		got=$(cnt "cf.$m" '$3 == "cf:tick"')
		gotw=$(cnt "cf.$m" '$3 == "cf:tick" && $4 == 3')
		if [ "$got" -lt "$n" ] && [ $((n - got)) = $((200 - gotw)) ]; then
			bad "workers' events missing" "$m"
		elif [ "$got" != "$n" ]; then
			bad "$((n - got)) of $n events missing" "$m"
		fi
		# parent's pid: the first event's field
		pp=$(awk '$3 == "cf:tick" && $4 == 0 { print $6; exit }' "$work/cf.$m.ev")
		[ "$(cnt "cf.$m" '$3 == "cf:tick" && $4 == 3 && $1 != $6 && $1 == '"${pp:-0}")" = 0 ] ||
			bad "workers' events carry the parent's pid" "$m"
		[ "$(cnt "cf.$m" '$3 == "cf:tick" && $1 != $6 && $1 != '"${pp:-0}")" = 0 ] ||
			bad "events carry another pid" "$m"
	done
}

lt_forkstorm() {
	runs=1
	local n=1000 server pm tm ratio
	prun fs.pl "$n" "$work/fs.pl.times"
	# 100,000 events: a channel of 2 x 16 x 1 MiB, as forkstorm.sh gives
	# remora 128 MiB, so that buffer size is not what is measured
	channel_opts="--subbuf-size 1M --num-subbuf 16" lt_begin fs || return
	lrun fs "$n" "$work/fs.times"
	lt_end fs
	lt_read fs
	same fs fs.pl
	grep -q "^forked $n, reaped 0 wrong, after: no child left$" "$work/fs.out" || bad "server: $(cut -c1-50 "$work/fs.out")"
	want fs '$3 == "storm:work"' $((n * 100)) "worker events"
	want fs '$3 == "storm:reaped"' "$n" "reap events"
	server=$(awk '$3 == "storm:reaped" { print $1; exit }' "$work/fs.ev")
	local wrong
	wrong=$(cnt fs '$3 == "storm:work" && ($1 != $4 || $2 != $4)')
	if [ "$wrong" != 0 ]; then
		if [ "$(cnt fs '$3 == "storm:work" && $1 == '"${server:-0}")" = "$wrong" ]; then
			bad "child events carry the parent's pid"
		else
			bad "$wrong child events carry another pid"
		fi
	fi
	[ -z "$(awk '$3 == "storm:work" { print $4 }' "$work/fs.ev" | sort | uniq -c | awk '$1 > 100')" ] ||
		bad "a worker has more than 100 events"
	read -r pm _ _ <"$work/fs.pl.times"
	read -r tm _ _ <"$work/fs.times" 2>/dev/null || tm=
	if [ -n "$tm" ]; then
		ratio=$(awk -v t="$tm" -v p="$pm" 'BEGIN { printf "%.1f", t / p }')
		say "forkstorm $variant: fork+100 events+reap median $tm us, untraced $pm us: ${ratio}x"
		# the bound of forkstorm.sh
		if awk -v r="$ratio" -v b="${HOSTILE_FORK_BOUND:-3.0}" 'BEGIN { exit !(r > b) }'; then
			bad "fork + reap ${ratio}× untraced"
		else
			note="fork + reap ${ratio}×"
		fi
	fi
}

lt_killed() {
	runs=${HOSTILE_KILL_RUNS:-6}
	local r cf pid rec c0 c1 c t n distinct max lost=0 lostruns=0
	for r in $(seq 1 "$runs"); do
		cf=$work/kp.count$r
		lt_begin kp$r || continue
		lrun kp$r "$cf" &
		rec=$!
		pid=0
		for _ in $(seq 1 250); do
			[ -s "$cf" ] && pid=$(od -An -tu8 -N8 "$cf" | tr -d ' ') && [ "$pid" != 0 ] && break
			sleep 0.02
		done
		if [ "$pid" = 0 ]; then
			bad "app never started" "$r"
			wait "$rec"
			lt_end kp$r
			continue
		fi
		sleep "0.$(printf '%03d' $((40 + RANDOM % 360)))"
		kill -KILL "$pid"
		wait "$rec"
		read -r c0 c1 < <(od -An -tu8 -j8 -N16 "$cf")
		lt_end kp$r
		lt_read kp$r
		local runlost=0
		for t in 0 1; do
			c=$c0
			[ $t = 1 ] && c=$c1
			awk -v t=$t '$3 == "kp:ev" && $4 == t { print $5 }' "$work/kp$r.ev" | sort -n >"$work/kp$r.seq$t"
			n=$(wc -l <"$work/kp$r.seq$t")
			distinct=$(uniq "$work/kp$r.seq$t" | wc -l)
			max=$(tail -1 "$work/kp$r.seq$t")
			[ "$n" = "$distinct" ] || bad "duplicate events" "$r"
			[ "$n" = 0 ] || [ "$max" = $((n - 1)) ] || bad "holes in a thread's events" "$r"
			if [ "$distinct" -lt "$c" ]; then
				runlost=$((runlost + c - distinct))
			fi
		done
		say "killed $variant run $r: committed $c0 + $c1, trace has $(wc -l <"$work/kp$r.ev"), $runlost lost"
		if [ "$runlost" != 0 ]; then
			lost=$((lost + runlost))
			lostruns=$((lostruns + 1))
		fi
	done
	[ "$lost" = 0 ] || bad "$lost committed events lost ($lostruns/$runs runs)"
}

lt_daemon() {
	runs=6
	local mode name gc pp k
	for k in ready bare1 bare2 bare3 bare4 bare5; do
		mode=bare
		[ $k = ready ] && mode=ready
		name=dm.$k
		mkdir -p "$work/$name.pd" "$work/$name.td"
		prun "$name.pl" "$mode" "$work/$name.pd"
		for _ in $(seq 1 100); do [ -e "$work/$name.pd/gc" ] && break; sleep 0.05; done
		lt_begin "$name" || continue
		lrun "$name" "$mode" "$work/$name.td"
		# the session lives until the daemon is done (remora record waits
		# for it by itself)
		for _ in $(seq 1 100); do [ -e "$work/$name.td/gc" ] && break; sleep 0.05; done
		lt_end "$name"
		lt_read "$name"
		same "$name" "$name.pl"
		[ -e "$work/$name.td/gc" ] || bad "daemon dies before it finishes" "$k"
		[ ! -e "$work/$name.td/gc" ] || same_file "$work/$name.td/gc" "$work/$name.pd/gc" "daemon's result" "$k"
		# the daemon's pid: from its file, else from its own events' field
		gc=$(cat "$work/$name.td/gc.pid" 2>/dev/null || awk '$3 == "dmn:ev" && $4 == 2 { print $6; exit }' "$work/$name.ev")
		gc=${gc:-0}
		pp=$(awk '$3 == "dmn:ev" && $4 == 0 { print $6; exit }' "$work/$name.ev")
		local all ok
		all=$(cnt "$name" '$3 == "dmn:ev" && $4 == 2')
		ok=$(cnt "$name" '$3 == "dmn:ev" && $4 == 2 && $1 == '"$gc"' && $2 == '"$gc"' && $6 == '"$gc")
		if [ "$all" != "$ok" ]; then
			if [ "$(cnt "$name" '$3 == "dmn:ev" && $4 == 2 && $1 == '"${pp:-0}")" = "$((all - ok))" ]; then
				bad "daemon's events carry the first parent's pid" "$k"
			else
				bad "daemon's events carry another pid" "$k"
			fi
		fi
		[ "$all" -ge 100 ] || bad "$((100 - all)) of 100 daemon events missing" "$k"
		want "$name" '$3 == "dmn:ev" && $4 == 0' 1 "parent events"
		want "$name" '$3 == "dmn:ev" && $4 == 1' 1 "child events"
	done
}

lt_sighog() {
	runs=2
	local m
	for m in take handler; do
		prun "sh.$m.pl" $m
		lt_begin "sh.$m" || continue
		lrun "sh.$m" $m
		lt_end "sh.$m"
		lt_read "sh.$m"
		same "sh.$m" "sh.$m.pl"
		grep -q '^blocked at main: fffffffffffbfeff$' "$work/sh.$m.out" ||
			bad "signal mask changed ($(sed -n 's/^blocked at main: //p' "$work/sh.$m.out"))" "$m"
		grep -q '^received 10000 of 10000, in order: yes, sender exit 0, pending after: none, blocked at end: ' "$work/sh.$m.out" ||
			bad "signals: $(grep '^received' "$work/sh.$m.out" | cut -c1-60)" "$m"
		want "sh.$m" '$3 == "hog:sig"' 10000 "events"
		[ "$(awk '$3 == "hog:sig" { print $5 }' "$work/sh.$m.ev" | sort -n | uniq | wc -l)" = 10000 ] ||
			bad "not 10000 distinct values" "$m"
	done
}

lt_reaper() {
	runs=3
	local i h
	for i in 1 2 3; do
		prun "rp$i.pl" "$work/rp$i.pl.n"
		lt_begin "rp$i" || continue
		lrun "rp$i" "$work/rp$i.n"
		lt_end "rp$i"
		lt_read "rp$i"
		same "rp$i" "rp$i.pl"
		grep -q '^reaped 50, strangers 0, wrong status 0, wait ended with No child processes, waitid(P_ALL): -1 No child processes$' "$work/rp$i.out" ||
			bad "reaped: $(grep '^reaped' "$work/rp$i.out" | cut -c1-50)" "$i"
		grep -q '^SIGCHLD from strangers: 0, handler ran: yes$' "$work/rp$i.out" ||
			bad "$(grep '^SIGCHLD' "$work/rp$i.out")" "$i"
		h=$(cat "$work/rp$i.n" 2>/dev/null || echo 0)
		want "rp$i" '$3 == "reap:work"' 250 "worker events"
		want "rp$i" '$3 == "reap:reaped"' 50 "reap events"
		want "rp$i" '$3 == "reap:sigchld"' "$h" "handler events"
	done
}

lt_threads() {
	runs=1
	prun th.pl
	lt_begin th || return
	lrun th
	lt_end th
	lt_read th
	same th th.pl
	local l
	l=$(grep -v -F -x -f "$work/th.pl.out" "$work/th.out" | head -1)
	[ -z "$l" ] || bad "app sees ${l#*: } (/proc/self/task)"
	want th '$3 == "thr:tick"' 10000 "events"
	[ "$(cnt th '$3 == "thr:tick"')" != 10000 ] ||
		[ "$(awk '$3 == "thr:tick" { print $2 }' "$work/th.ev" | sort | uniq -c | awk '$1 == 1000' | wc -l)" = 10 ] ||
		bad "events not 1,000 under each of 10 tids"
}

lt_tinyfd() {
	runs=1
	prun tf.pl
	lt_begin tf || return
	lrun tf
	lt_end tf
	lt_read tf
	same tf tf.pl
	if [ "$(cat "$work/tf.st")" != 0 ]; then
		:
	elif grep -q '^opened 0:, then Too many open files$' "$work/tf.out"; then
		bad "app's first open() fails (EMFILE): the tracer holds its one free fd"
	elif ! grep -q '^opened 1: 3, then Too many open files$' "$work/tf.out"; then
		bad "app: $(grep '^opened' "$work/tf.out" | cut -c1-50)"
	fi
	want tf '$3 == "tiny:tick"' 300 "events"
	local ph
	for ph in 0 1 2; do [ "$(cnt tf '$3 == "tiny:tick" && $4 == '$ph)" = 100 ] || [ "$(cnt tf '$3 == "tiny:tick"')" != 300 ] || bad "not 100 events in each phase"; done
}

lt_execchain() {
	runs=1
	prun ec.pl "$work/ec.pl.pid"
	lt_begin ec || return
	lrun ec "$work/ec.pid"
	lt_end ec
	lt_read ec
	same ec ec.pl
	grep -q '^generation 20 done$' "$work/ec.out" || bad "output: $(head -c 50 "$work/ec.out")"
	local app g
	app=$(cat "$work/ec.pid" 2>/dev/null || echo 0)
	want ec '$3 == "chain:step"' 1050 "events"
	[ "$(cnt ec '$3 == "chain:step" && ($1 != '"$app"' || $6 != '"$app"')')" = 0 ] || bad "events carry another pid"
	for g in $(seq 0 20); do
		[ "$(cnt ec '$3 == "chain:step" && $4 == '"$g")" = 50 ] || { bad "not 50 events in each image"; break; }
	done
}

lt_stopped() {
	runs=1
	prun st.pl "$work/st.pl.file"
	lt_begin st || return
	lrun st "$work/st.file" &
	local rec=$! pid= done_ms exit_ms lag
	for _ in $(seq 1 250); do
		pid=$(cat "$work/st.file" 2>/dev/null || true)
		[ -n "$pid" ] && break
		sleep 0.02
	done
	if [ -z "$pid" ]; then
		bad "app never started"
		wait $rec
		lt_end st
		return
	fi
	sleep 0.5
	kill -STOP "$pid"
	sleep 3
	kill -CONT "$pid"
	wait $rec
	lt_end st
	done_ms=$(date +%s%3N)
	exit_ms=$(cat "$work/st.file")
	lag=$((done_ms - exit_ms))
	[ "$lag" -le 2000 ] || bad "stop + destroy took $lag ms after the app exited"
	lt_read st
	same st st.pl
	want st '$3 == "stp:ev"' 3000 "events"
	[ "$(awk '$3 == "stp:ev" { print $4 }' "$work/st.ev" | sort -n | uniq | wc -l)" = 3000 ] || bad "not 3000 distinct events"
	note="stop + destroy ${lag} ms after exit"
}

# sbx_threads NAME TAG N0 N1...: thread th=i has exactly Ni events with
# distinct seqs, all under one tid (th=0 under the pid), tids distinct
sbx_threads() {
	local n=$1 tag=$2 th=0 want c d tid pid
	shift 2
	pid=$(awk '$3 == "sbx:ev" { print $1 }' "$work/$n.ev" | sort -u)
	[ "$(wc -w <<<"$pid")" -le 1 ] || bad "events under several pids" "$tag"
	: >"$work/$n.tids"
	for want in "$@"; do
		c=$(cnt "$n" '$3 == "sbx:ev" && $4 == '$th)
		d=$(awk '$3 == "sbx:ev" && $4 == '$th' { print $5 }' "$work/$n.ev" | sort -u | wc -l)
		[ "$c" -ge "$want" ] || bad "$((want - c)) of $want events missing" "$tag"
		[ "$c" -le "$want" ] || bad "a thread has $((c - want)) events too many" "$tag"
		[ "$d" = "$c" ] || bad "duplicate events" "$tag"
		tid=$(awk '$3 == "sbx:ev" && $4 == '$th' { print $2 }' "$work/$n.ev" | sort -u)
		[ "$(wc -w <<<"$tid")" -le 1 ] || bad "a thread's events under several tids" "$tag"
		[ "$th" != 0 ] || [ -z "$tid" ] || [ "$tid" = "$pid" ] || bad "main thread's events under another tid" "$tag"
		[ -z "$tid" ] || echo "$tid" >>"$work/$n.tids"
		th=$((th + 1))
	done
	[ "$(sort -u "$work/$n.tids" | wc -l)" = "$(wc -l <"$work/$n.tids")" ] || bad "threads share a tid" "$tag"
}

lt_sandbox() {
	runs=5
	local m probe who
	ulimit -c 0
	# strict mode forbids the vDSO's TSC read (remora's check runs with
	# REMORA_CLOCK=coarse; LTTng-UST would need a clock plugin)
	local segv_reason="strict-mode thread: SIGSEGV in the vDSO clock_gettime"
	# strict, eperm, kill, killsys: as sandbox.sh, without a session
	# command while the sandbox is up
	prun sb.strict.pl strict
	if lt_begin sb.strict; then
		lrun sb.strict strict
		lt_end sb.strict
		lt_read sb.strict
		same sb.strict sb.strict.pl
		[ "$(cat "$work/sb.strict.st")" != 0 ] ||
			grep -qx 'strict: worker in seccomp mode 1, prctl error 0, recorded all' "$work/sb.strict.out" ||
			bad "strict: $(grep '^strict' "$work/sb.strict.out" | cut -c1-50)" strict
		sbx_threads sb.strict strict 200 20001
	fi
	for m in eperm kill; do
		prun sb.$m.pl $m
		lt_begin sb.$m || continue
		lrun sb.$m $m
		lt_end sb.$m
		lt_read sb.$m
		same sb.$m sb.$m.pl
		probe=
		[ $m = eperm ] && probe=', getpid: EPERM, open: EPERM'
		for who in main 'worker 1' 'worker 2'; do
			[ "$(cat "$work/sb.$m.st")" = 0 ] || break
			grep -qx "$who: seccomp mode 2$probe" "$work/sb.$m.out" || { bad "$m: output differs" $m; break; }
		done
		sbx_threads sb.$m $m 10000 10000 10000
	done
	prun sb.killsys.pl killsys 2>/dev/null
	if lt_begin sb.killsys; then
		lrun sb.killsys killsys
		lt_end sb.killsys
		lt_read sb.killsys
		same sb.killsys sb.killsys.pl
		sbx_threads sb.killsys killsys 10000 10000 10000
	fi
	# session: the app waits until the session enables the event, then
	# sandboxes itself (main: KILL_PROCESS filter, worker: strict mode),
	# records, says done and blocks in read(0): stop and destroy while it
	# runs, each within 1 s like remora's (sandbox.sh)
	local app t0 t1 t2 st=0 hung=0 stop_ms destroy_ms
	rm -f "$work/go"
	mkfifo "$work/go"
	exec 7<>"$work/go"
	sessiond_start
	stdin=$work/go lrun sb.session session &
	app=$!
	lt_begin sb.session || { echo go >&7; wait $app; exec 7>&-; return; }
	for _ in $(seq 200); do
		grep -q '^done$' "$work/sb.session.out" && break
		kill -0 $app 2>/dev/null || break
		sleep 0.05
	done
	! kill -0 $app 2>/dev/null || grep -q '^done$' "$work/sb.session.out" ||
		bad "app never recorded (never saw the session)" session
	t0=$(date +%s%N)
	timeout -k 2 "$hang" lttng stop hcl-sb.session >>"$work/lttng.log" 2>&1 || st=$?
	t1=$(date +%s%N)
	[ "$st" = 124 -o "$st" = 137 ] && hung=1
	st=0
	timeout -k 2 "$hang" lttng destroy hcl-sb.session >>"$work/lttng.log" 2>&1 || st=$?
	t2=$(date +%s%N)
	[ "$st" = 124 -o "$st" = 137 ] && hung=$((hung + 2))
	stop_ms=$(((t1 - t0) / 1000000)) destroy_ms=$(((t2 - t1) / 1000000))
	say "sandbox session $variant: stop $stop_ms ms, destroy $destroy_ms ms while the app ran"
	case $hung in
	1) bad "lttng stop hangs while the sandboxed app runs" session ;;
	2) bad "lttng destroy hangs while the sandboxed app runs" session ;;
	3) bad "lttng stop and destroy hang while the sandboxed app runs" session ;;
	esac
	[ $hung != 0 ] && sessiond_stop
	[ "$stop_ms" -lt 1000 ] || [ $((hung & 1)) = 1 ] || bad "lttng stop takes $stop_ms ms" session
	[ "$destroy_ms" -lt 1000 ] || [ $((hung & 2)) = 2 ] || bad "lttng destroy takes $destroy_ms ms" session
	kill -0 $app 2>/dev/null || [ "$(cat "$work/sb.session.st" 2>/dev/null)" = 139 ] || bad "app died during the session" session
	echo go >&7
	wait $app
	exec 7>&-
	case $(cat "$work/sb.session.st") in
	0) ;;
	139) bad "$segv_reason" session ;;
	*) bad "app exits $(cat "$work/sb.session.st")" session ;;
	esac
	[ "$(cat "$work/sb.session.st")" != 0 ] ||
		grep -qx 'session: main filter installed, worker prctl error 0, recorded all' "$work/sb.session.out" ||
		bad "session: output differs" session
	lt_read sb.session
	sbx_threads sb.session session 100 20001
}

lt_privdrop() {
	runs=1
	local how n job
	for how in prun lrun; do
		n=pd.$how
		rm -f "$work/$n.go"
		mkfifo "$work/$n.go"
		exec 7<>"$work/$n.go"
		[ $how = lrun ] && { lt_begin $n || return; }
		stdin=$work/$n.go $how $n "$work/$n.rep" &
		job=$!
		for _ in $(seq 1 500); do
			grep -q '^dropped$' "$work/$n.rep" 2>/dev/null && break
			kill -0 $job 2>/dev/null || break
			sleep 0.02
		done
		echo go >&7
		wait $job
		exec 7>&-
		[ $how = lrun ] && { lt_end $n; lt_read $n; }
	done
	same pd.lrun pd.prun
	local during app p wt ch
	during=$(sed -n 's/^during //p' "$work/pd.lrun.rep")
	app=$(sed -n 's/^pid //p' "$work/pd.lrun.rep")
	want pd.lrun '$3 == "pd:ev"' $((600 + ${during:-0})) "events"
	for p in 0 1 3 4 5 6; do
		[ "$(cnt pd.lrun '$3 == "pd:ev" && $4 == '$p)" = 100 ] || bad "not 100 events in phase $p"
	done
	# who recorded each phase (as privdrop.sh): main, one worker, the child
	who() { awk '$3 == "pd:ev" && $4 == '$1' { print $1 "," $2 }' "$work/pd.lrun.ev" | sort -u | tr '\n' ' '; }
	for p in 0 4 5; do [ "$(who $p)" = "$app,$app " ] || bad "main's events under $(who $p)"; done
	wt=$(who 1)
	[[ "$wt" =~ ^$app,[0-9]+\ $ ]] && [ "$wt" != "$app,$app " ] || bad "worker's events under $wt"
	ch=$(who 6)
	if [ "${ch%%,*}" = "$app" ]; then
		bad "child events carry the parent's pid"
	elif [ -z "$ch" ]; then
		:
	elif ! [[ "$ch" =~ ^([0-9]+),([0-9]+)\ $ ]] || [ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]; then
		bad "child events under $ch"
	fi
}

# -- remora: the scenario's own check ----------------------------------------------
remora_cell() {
	local log=$work/remora.$1.log
	if ! ctest --test-dir "$build" -N -R "^hostile_$1\$" | grep -q "Total Tests: 1"; then
		echo "not in this build"
		return
	fi
	local st=0 r
	ctest --test-dir "$build" -V -R "^hostile_$1\$" >"$log" 2>&1 || st=$?
	r=$(sed -n 's/.*ratio \([0-9.]*\)$/\1/p' "$log" | tail -1)
	if [ "$st" != 0 ]; then
		r=$(grep -m1 -o 'FAIL: .*' "$log" | cut -c7-90)
		echo "FAIL: ${r:-see $log}"
	else
		echo "PASS${r:+ (fork + reap ${r}×)}"
	fi
}

# -- main --------------------------------------------------------------------------
t_start=$(date +%s)
rows=()
for n in "${scen[@]}"; do
	if ! [ -e "$here/$n.c" ]; then
		rows+=("| \`$n\` | not compared: no $n.c yet | | |")
		continue
	fi
	if ! declare -F "lt_$n" >/dev/null; then
		rows+=("| \`$n\` | not compared: no LTTng check for it yet | | $(remora_cell "$n") |")
		continue
	fi
	pexe=$hb/hostile_${n}_plain
	lexe=$lb/hostile_${n}_lttng
	[ -x "$pexe" ] || die "$pexe missing"
	cells=()
	for variant in plain preload; do
		say "$n: LTTng-UST $variant"
		work=$runs_dir/$n.$variant
		mkdir -p "$work"
		cellf=$work/cell
		: >"$cellf"
		note=
		runs=1
		t0=$(date +%s)
		"lt_$n"
		cells+=("$(cell_text)")
		printf '%s, LTTng-UST %s: %s\n' "$n" "$variant" "$(cell_text all)" >>"$runs_dir/details.txt"
		say "$n: LTTng-UST $variant: ${cells[-1]} ($(($(date +%s) - t0)) s)"
	done
	say "$n: remora"
	work=$runs_dir
	rc=$(remora_cell "$n")
	say "$n: remora: $rc"
	rows+=("| \`$n\` | ${cells[0]} | ${cells[1]} | $rc |")
done
sessiond_stop
{
	echo "| scenario | LTTng-UST plain | LTTng-UST + preload (fd, fork) | remora |"
	echo "|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
} | tee "$runs_dir/table.md"
say "every reason of every cell: $runs_dir/details.txt"
say "done in $(($(date +%s) - t_start)) s; runs kept in $runs_dir"
