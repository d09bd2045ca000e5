# Sourced by every hostile check: lib.sh REMORA TRACED PLAIN BABELTRACE2 [ARGS...]
# Gives: $remora $traced $plain $bt $out, fail, traced NAME ARGS..., plain NAME
# ARGS..., same NAME, btread NAME, summary NAME EVENTS LOST, count NAME REGEX.
# A traced run is `remora record` of the remora build; a plain run is the
# NO_REMORA build of the same source run directly: no tracer in the process.
set -euo pipefail
# sanitizer builds: record preloads libremora ahead of the ASan runtime
export ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:detect_leaks=0}
remora=$1 traced=$2 plain=$3 bt=$4
shift 4
out=$(mktemp -d /tmp/remora-hostile-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
limit=${HOSTILE_RUN_TIMEOUT:-60}

# traced NAME ARGS...: $out/NAME.{out,err,st} and the trace $out/NAME.t;
# remora's own summary lines are kept apart in $out/NAME.sum.
traced() {
	local n=$1
	shift
	local st=0
	timeout -k 5 "$limit" "$remora" record -o "$out/$n.t" ${record_opts:-} -- "$traced" "$@" \
		<"${stdin:-/dev/null}" >"$out/$n.out" 2>"$out/$n.raw" || st=$?
	echo "$st" >"$out/$n.st"
	[ "$st" != 124 ] && [ "$st" != 137 -o "${allow_kill:-0}" = 1 ] || fail "$n: traced run timed out"
	grep '^remora: ' "$out/$n.raw" >"$out/$n.sum" || true
	grep -v '^remora: ' "$out/$n.raw" >"$out/$n.err" || true
}

plain() {
	local n=$1
	shift
	local st=0
	timeout -k 5 "$limit" "$plain" "$@" <"${stdin:-/dev/null}" >"$out/$n.out" 2>"$out/$n.err" || st=$?
	echo "$st" >"$out/$n.st"
	[ "$st" != 124 ] || fail "$n: plain run timed out"
}

# same A B: runs A (traced) and B (plain) behaved identically
same() {
	cmp -s "$out/$1.st" "$out/$2.st" || fail "exit status: traced $(cat "$out/$1.st"), plain $(cat "$out/$2.st"); stderr: $(head -c 2000 "$out/$1.err")"
	cmp -s "$out/$1.out" "$out/$2.out" || fail "stdout differs: $(diff "$out/$1.out" "$out/$2.out" | head -20)"
	cmp -s "$out/$1.err" "$out/$2.err" || fail "stderr differs: $(diff "$out/$1.err" "$out/$2.err" | head -20)"
}

# same_file A B: two files the program wrote are byte-identical
same_file() {
	cmp -s "$1" "$2" || fail "$(basename "$1") differs: $(diff "$1" "$2" | head -20)"
}

# btread NAME [lossy]: babeltrace2 reads the trace without a single warning
# (lossy: warnings that events were discarded are allowed, and only those)
btread() {
	"$bt" "$out/$1.t" >"$out/$1.bt" 2>"$out/$1.bterr" || fail "$1: babeltrace2 failed: $(head -c 2000 "$out/$1.bterr")"
	if [ "${2:-}" = lossy ]; then
		! grep -v -e '^WARNING: Tracer discarded [0-9]* events\? ' -e '^$' "$out/$1.bterr" | grep -q . ||
			fail "$1: babeltrace2 warned: $(head -c 2000 "$out/$1.bterr")"
	else
		[ ! -s "$out/$1.bterr" ] || fail "$1: babeltrace2 warned: $(head -c 2000 "$out/$1.bterr")"
	fi
}

# kept NAME: "EVENTS LOST" from remora record's summary
kept() { sed -n 's/^remora: \([0-9]*\) events recorded, \([0-9]*\) lost,.*/\1 \2/p' "$out/$1.sum"; }

# summary NAME EVENTS LOST: remora record's summary says exactly that
summary() {
	grep -q "^remora: $2 events recorded, $3 lost," "$out/$1.sum" ||
		fail "$1: expected $2 events, $3 lost; summary: $(cat "$out/$1.sum")"
}

count() { grep -c -E "$2" "$out/$1.bt" || true; }

# start_remorad CTL: runs $remorad on $REMORA_SOCKET (log: $out/remorad.log),
# sets $rd, and waits until its control socket CTL exists and it said ready.
start_remorad() {
	"$remorad" --socket "$REMORA_SOCKET" >"$out/remorad.log" 2>&1 &
	rd=$!
	for _ in $(seq 100); do
		[ -S "$1" ] && grep -q ready "$out/remorad.log" && return 0
		sleep 0.05
	done
	fail "remorad did not start: $(cat "$out/remorad.log")"
}

# expect NAME REGEX N: exactly N events of the trace match REGEX
expect() {
	local c
	c=$(count "$1" "$2")
	[ "$c" = "$3" ] || fail "$1: $c events match '$2', expected $3"
}
