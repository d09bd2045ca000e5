# Sourced by the noloss checks: lib.sh REMORA APP BABELTRACE2.
# run NAME [ENV=V...] -- ARGS...: `remora record` of the app; then
# $out/NAME.{out,err,bt,bterr}. check NAME: babeltrace2 read the trace with
# no warning but "Tracer discarded" (and no discarded_* on its event
# lines), and the summary's events plus lost
# equal what the app says it emitted, and so do the trace's events plus
# the discarded counts, and the summary's causes add up to its lost count.
# Sets $events $lost $emitted $bt_events $bt_lost $causes.
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}"
remora=$1 app=$2 bt=$3
out=$(mktemp -d /tmp/remora-noloss-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

run() {
	local n=$1
	shift
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	env "${envs[@]}" timeout -k 5 60 "$remora" record -o "$out/$n.t" -- "$app" "$@" \
		>"$out/$n.out" 2>"$out/$n.err" || fail "$n: record failed ($?): $(head -c 2000 "$out/$n.err")"
}

check() {
	local n=$1
	"$bt" "$out/$n.t" >"$out/$n.bt" 2>"$out/$n.bterr" || fail "$n: babeltrace2 failed: $(head -c 2000 "$out/$n.bterr")"
	! grep -v -e '^WARNING: Tracer discarded [0-9]* events\? ' -e '^$' "$out/$n.bterr" | grep -q . ||
		fail "$n: babeltrace2 warned: $(head -c 2000 "$out/$n.bterr")"
	# the losses by cause are in the packet context, not on every line
	! grep -q discarded_ "$out/$n.bt" || fail "$n: babeltrace2 prints discarded_*: $(head -1 "$out/$n.bt")"
	emitted=$(sed -n 's/^emitted //p' "$out/$n.out")
	read -r events lost < <(sed -n 's/^remora: \([0-9]*\) events recorded, \([0-9]*\) lost,.*/\1 \2/p' "$out/$n.err")
	[ -n "$emitted" ] && [ -n "${events:-}" ] || fail "$n: no summary: $(cat "$out/$n.err")"
	bt_events=$(grep -c . "$out/$n.bt" || true)
	bt_lost=$(sed -n 's/^WARNING: Tracer discarded \([0-9]*\) events\? .*/\1/p' "$out/$n.bterr" | awk '{s+=$1} END {print s+0}')
	[ $((events + lost)) = "$emitted" ] || fail "$n: summary $events + $lost lost != $emitted emitted"
	[ "$bt_events" = "$events" ] || fail "$n: babeltrace2 read $bt_events events, summary says $events"
	[ "$bt_lost" = "$lost" ] || fail "$n: babeltrace2 says $bt_lost discarded, summary $lost lost"
	# the line after it names every lost event's cause
	causes=$(sed -n 's/^remora: lost by cause: \([^;]*\).*/\1/p' "$out/$n.err")
	local by_cause
	by_cause=$(grep -o '[0-9][0-9]* [a-z]' <<<"$causes" | awk '{s+=$1} END {print s+0}' || true)
	[ "$by_cause" = "$lost" ] || fail "$n: causes '$causes' add up to $by_cause, not $lost lost"
}

count() { grep -c -E "$2" "$out/$1.bt" || true; }
