#!/usr/bin/env bash
# The UST paper's malloc/free table (Desnoyers & Dagenais 2009): the cost
# per event of tracing every malloc/free of `find /usr -regex '.*a'`
# through an LD_PRELOAD wrapper, for remora and LTTng-UST, in one run.
#
#   bench/ust_paper.sh [--reps N] [--find-reps K] [BUILD_DIR]   (root: lttng-sessiond)
#
# Five configurations, interleaved within each repetition (a drift of the
# VM hits them all alike); medians over N repetitions with min-max:
#   untraced              find alone
#   remora loaded         remora record --preload libc -e 'none:none' (stub,
#                         helper, consumer, wrappers; no event enabled)
#   remora traced         remora record --preload libc -e 'libc_malloc:*'
#   lttng loaded          LD_PRELOAD=liblttng-ust-libc-wrapper.so, no session
#   lttng traced          the same in a session with lttng_ust_libc:* enabled
# The time is find's own wall time (bench/ust_timeit, compiled here), K
# find runs in a row per measurement. cost/event = (traced - untraced) /
# events. Buffers are sized so nothing is lost; a loss is printed if any.
set -euo pipefail
reps=5 find_reps=3
while [ $# -gt 0 ]; do
    case $1 in
    --reps) reps=$2; shift 2 ;;
    --find-reps) find_reps=$2; shift 2 ;;
    *) break ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/default}
remora=$build/ctl/remora
[ -x "$remora" ] || { echo "no $remora: build first (or pass BUILD_DIR)" >&2; exit 2; }
ustlib=$(ls /usr/lib/*/liblttng-ust-libc-wrapper.so.1 2>/dev/null | head -1 || true)
[ -n "$ustlib" ] && command -v lttng >/dev/null ||
    { echo "LTTng-UST missing: apt-get install liblttng-ust-dev lttng-tools" >&2; exit 2; }

work=$(mktemp -d /tmp/ust-paper-XXXXXX)
started_sessiond=
cleanup() {
    lttng destroy ustpaper-$$ >/dev/null 2>&1 || true
    # only the daemon this script started, and only if nobody else has a
    # session in it by now (others bench with LTTng on this machine too)
    if [ -n "$started_sessiond" ] && [ "$(cat /var/run/lttng/lttng-sessiond.pid 2>/dev/null)" = "$started_sessiond" ] &&
        lttng list 2>&1 | grep -q 'no available recording session'; then
        kill "$started_sessiond" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
cc -O2 -o "$work/timeit" "$here/ust_timeit.c"
# K runs of find, one process tree: the measured program
cat >"$work/finds.c" <<C
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
	for (int i = 0; i < $find_reps; i++) {
		pid_t p = fork();
		if (p == 0) {
			int fd = dup2(open("/dev/null", 1), 1); (void)fd;
			execl("/usr/bin/find", "find", "/usr", "-regex", ".*a", (char *)0);
			_exit(127);
		}
		int st;
		if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
	}
	return 0;
}
C
sed -i '1i #include <fcntl.h>' "$work/finds.c"
cc -O2 -o "$work/finds" "$work/finds.c"

if ! lttng list >/dev/null 2>&1; then
    lttng-sessiond --daemonize >/dev/null 2>&1
    started_sessiond=$(cat /var/run/lttng/lttng-sessiond.pid 2>/dev/null || true)
fi

"$work/finds" # warm the dentry cache

run_untraced() { "$work/timeit" "$work/ns" "$work/finds"; }
run_remora() { # $1: pattern
    "$remora" record -o "$work/rt" --buffer-size 1G --preload libc -e "$1" -- \
        "$work/timeit" "$work/ns" "$work/finds" 2>"$work/rsum" >/dev/null
    sed -nE 's/^remora: ([0-9]+) events recorded, ([0-9]+) lost.*/\1 \2/p' "$work/rsum" >"$work/counts"
    rm -rf "$work/rt"
}
run_lttng_loaded() { LD_PRELOAD=$ustlib "$work/timeit" "$work/ns" "$work/finds"; }
run_lttng_traced() {
    local s=ustpaper-$$
    lttng create "$s" --output="$work/lt" >/dev/null
    # 4 x 64 MiB per CPU: a whole run fits even if the consumer falls behind
    lttng enable-channel -u -s "$s" --subbuf-size=64M --num-subbuf=4 big >/dev/null
    lttng enable-event -u -s "$s" -c big 'lttng_ust_libc:*' >/dev/null
    lttng start "$s" >/dev/null
    LD_PRELOAD=$ustlib "$work/timeit" "$work/ns" "$work/finds"
    lttng stop "$s" >/dev/null 2>&1
    # the channel's own count of discarded events (lost, and lost packets)
    lttng list "$s" >"$work/llist" 2>&1 || true
    lttng destroy "$s" >/dev/null
    local n lost
    n=$(babeltrace2 "$work/lt" -c sink.utils.counter 2>/dev/null | awk '$2 == "Event" { n = $1 } END { print n }')
    lost=$(awk -F: '/[Dd]iscarded events|[Ll]ost packets/ { s += $2 } END { print s + 0 }' "$work/llist")
    echo "${n:-0} $lost" >"$work/counts"
    rm -rf "$work/lt"
}

declare -A t ev lost
configs="untraced remora_loaded remora_traced lttng_loaded lttng_traced"
for ((r = 0; r < reps; r++)); do
    for c in $configs; do
        echo "0 0" >"$work/counts"
        case $c in
        untraced) run_untraced ;;
        remora_loaded) run_remora 'none:none' ;;
        remora_traced) run_remora 'libc_malloc:*' ;;
        lttng_loaded) run_lttng_loaded ;;
        lttng_traced) run_lttng_traced ;;
        esac
        t[$c]+="$(cat "$work/ns") "
        read -r e l <"$work/counts"
        ev[$c]+="$e " lost[$c]+="$l "
    done
    echo "repetition $((r + 1))/$reps done" >&2
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minmax() { tr ' ' '\n' | grep . | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo, hi }'; }
sec() { awk -v n="$1" 'BEGIN { printf "%.3f", n / 1e9 }'; }

base=$(echo "${t[untraced]}" | median)
printf '\n`find /usr -regex .*a` x %d per measurement, %d repetitions; median (min-max)\n\n' "$find_reps" "$reps"
echo '| tracer | configuration | time (s) | events | lost | cost/event (ns) |'
echo '|---|---|---|---|---|---|'
for c in $configs; do
    m=$(echo "${t[$c]}" | median); read -r lo hi < <(echo "${t[$c]}" | minmax)
    e=$(echo "${ev[$c]}" | median); read -r elo ehi < <(echo "${ev[$c]}" | minmax)
    l=$(echo "${lost[$c]}" | tr ' ' '\n' | awk '{ s += $1 } END { print s + 0 }')
    case $c in untraced) who=- ;; remora*) who=remora ;; *) who=LTTng-UST ;; esac
    per=-
    if [ "${e%.*}" -gt 0 ]; then
        # per-repetition costs give the spread
        costs=$(paste <(echo "${t[$c]}" | tr ' ' '\n' | grep .) <(echo "${t[untraced]}" | tr ' ' '\n' | grep .) \
                      <(echo "${ev[$c]}" | tr ' ' '\n' | grep .) | awk '{ printf "%.1f ", ($1 - $2) / $3 }')
        read -r clo chi < <(echo "$costs" | minmax)
        per=$(awk -v a="$m" -v b="$base" -v n="$e" 'BEGIN { printf "%.1f", (a - b) / n }')" ($clo-$chi)"
    fi
    evs=$e; [ "$elo" = "$ehi" ] || evs="$e ($elo-$ehi)"
    [ "$e" = 0 ] && evs=-
    printf '| %s | %s | %s (%s-%s) | %s | %s | %s |\n' "$who" "${c#*_}" "$(sec "$m")" "$(sec "$lo")" "$(sec "$hi")" \
        "$evs" "$( [ "$e" = 0 ] && echo - || echo "$l")" "$per"
done
