# Shared by the lifecycle tests: the session tests' helpers (a private
# remorad socket, cleanup, read_trace...) plus the ticker and sleeper apps.
# Usage: . lib.sh REMORA REMORAD SESS_APP BABELTRACE2 TICKER SLEEPER
ticker=$5 sleeper=$6
. "$(dirname "${BASH_SOURCE[0]}")/../session/lib.sh"

# check_chunks DIR FIELD: every DIR/chunk-* alone is read by babeltrace2
# without a warning; the FIELD values of all chunks, one per line, sorted,
# go to $T/union.txt, and the chunk count to $nchunks.
check_chunks() {
    local dir=$1 field=$2
    nchunks=0
    : >"$T/union.txt"
    for c in "$dir"/chunk-*; do
        [ -d "$c" ] || fail "no chunk under $dir: $(ls "$dir")"
        read_trace "$c"
        sed -nE "s/.* $field = ([0-9]+).*/\1/p" "$T/bt.out" >>"$T/union.txt"
        nchunks=$((nchunks + 1))
    done
    sort -n -o "$T/union.txt" "$T/union.txt"
}

# exactly_seq FROM TO: $T/union.txt is FROM..TO, each once.
exactly_seq() {
    seq "$1" "$2" | cmp -s - "$T/union.txt" ||
        fail "chunks hold $(wc -l <"$T/union.txt") values ($(uniq -d "$T/union.txt" | wc -l) twice), first $(head -1 "$T/union.txt"), last $(tail -1 "$T/union.txt"); expected $1..$2 once each"
}
