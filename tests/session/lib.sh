# Shared by the session tests: a private directory and socket, remorad and
# apps started here are killed on exit, helpers to wait and to read traces.
# Usage: . lib.sh REMORA REMORAD SESS_APP BABELTRACE2
set -euo pipefail
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
remora=$1 remorad=$2 app=$3 bt=$4
T=$(mktemp -d /tmp/remora-sess-XXXXXX)
export REMORA_SOCKET=$T/remorad.sock REMORA_DAEMON=$remorad
unset XDG_RUNTIME_DIR REMORA_ENABLE REMORA_OVERWRITE REMORA_BUFFER_SIZE
pids=()
fail() { echo "FAIL: $*"; [ -f "$T/remorad.log" ] && sed 's/^/  remorad.log: /' "$T/remorad.log"; exit 1; }
cleanup() {
    # Runs from the EXIT trap under set -e: a kill of a daemon already gone
    # failed there and ended the trap before `rm -rf`, leaving $T behind.
    set +e
    touch "$T/stop" "$T/go" 2>/dev/null || true
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -n "${rd:-}" ] && kill "$rd" 2>/dev/null
    # and the remorad that `remora create` started on this test's socket
    # (no $rd): else every such test leaves a daemon running
    pkill -f -- "--socket $REMORA_SOCKET\$" 2>/dev/null || true
    sleep 0.2
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    [ -n "${rd:-}" ] && kill -9 "$rd" 2>/dev/null
    pkill -9 -f -- "--socket $REMORA_SOCKET\$" 2>/dev/null || true
    rm -rf "$T" "$T.stage"
}
trap cleanup EXIT

# stage_for_uid: copies the CLI, the app and libremora into $T.stage (mode
# 0755) and points $remora_u and $app_u at the copies, so a test that runs
# them as another uid does not depend on the modes of the checkout's parents
# (a clone in /root is 0700 and its build tree out of that uid's reach).
. "$(dirname "${BASH_SOURCE[0]}")/../stage.sh"
stage_for_uid() {
    stage_copies "$T.stage" "$app:sess_app" "$remora:remora"
    remora_u=$T.stage/remora app_u=$T.stage/sess_app
}

# Starts remorad by hand (its pid in $rd) and waits for its control socket.
start_remorad() {
    # wait for this remorad's own "ready" line: the log keeps earlier ones
    local before
    before=$(grep -c ready "$T/remorad.log" 2>/dev/null || true)
    "$remorad" --socket "$REMORA_SOCKET" "$@" >>"$T/remorad.log" 2>&1 &
    rd=$!
    for _ in $(seq 100); do
        [ -S "$T/remorad.ctl" ] && [ "$(grep -c ready "$T/remorad.log")" -gt "${before:-0}" ] && return 0
        sleep 0.05
    done
    fail "remorad did not start"
}

# The pid of the remorad serving $REMORA_SOCKET (after `create` started it).
remorad_pid() { "$remora" status | sed -n 's/^remorad pid \([0-9]*\),.*/\1/p'; }

# start_app NAME ARGS...: runs sess_app in the background, pid in $NAME.
start_app() {
    local var=$1; shift
    "$app" "$@" >"$T/$var.out" 2>&1 &
    pids+=($!)
    printf -v "$var" '%s' $!
}

# Waits until `remora list` shows pid $1 as traced.
wait_listed() {
    for _ in $(seq 60); do
        "$remora" list 2>/dev/null | grep -q "^pid $1 ([^)]*) /" && return 0
        sleep 0.1
    done
    fail "pid $1 not listed as traced: $("$remora" list 2>&1)"
}

# Reads a trace directory with babeltrace2, which must not warn, into $T/bt.out.
read_trace() {
    "$bt" "$1" >"$T/bt.out" 2>"$T/bt.err" || fail "babeltrace2 $1: $(cat "$T/bt.err")"
    if [ "${2:-}" != allow-discarded ]; then
        [ ! -s "$T/bt.err" ] || fail "babeltrace2 warned on $1: $(cat "$T/bt.err")"
    fi
}

# wait_stream DIR: waits (30 s at most) until a stream file of the trace
# directory DIR holds a packet, i.e. the consumer wrote events there (in
# place of a fixed sleep, which a loaded machine outlasts).
wait_stream() {
    for _ in $(seq 300); do
        find "$1" -maxdepth 1 -name 'stream_*' -size +0c 2>/dev/null | grep -q . && return 0
        sleep 0.1
    done
    fail "no packet in $1 after 30 s: $(ls -la "$1" 2>&1)"
}
