# Shared by the export tests: export TRACE both ways, decode, and compare
# with babeltrace2 (check_export.py). Needs $remora, $out, PROTOC,
# PYTHON3, BABELTRACE2, PROTO_DIR.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fail() { echo "FAIL: $*"; exit 1; }

# export_all NAME TRACE [check_export.py options...]
export_all() {
    local name=$1 trace=$2
    shift 2
    "$BABELTRACE2" --clock-seconds "$trace" >"$out/$name.bt" 2>"$out/$name.bt.err" ||
        fail "babeltrace2 failed on $name: $(cat "$out/$name.bt.err")"
    "$remora" export --format chrome -o "$out/$name.json" "$trace" 2>"$out/$name.chrome.err" ||
        fail "export chrome $name exited $?: $(cat "$out/$name.chrome.err")"
    "$remora" export --format perfetto -o "$out/$name.pftrace" "$trace" 2>"$out/$name.pf.err" ||
        fail "export perfetto $name exited $?: $(cat "$out/$name.pf.err")"
    "$PROTOC" --decode=perfetto.protos.Trace -I"$PROTO_DIR" perfetto_trace_min.proto \
        <"$out/$name.pftrace" >"$out/$name.pf.txt" 2>"$out/$name.protoc.err" ||
        fail "protoc cannot decode $name: $(cat "$out/$name.protoc.err")"
    "$remora" stats --json "$trace" >"$out/$name.stats.json" 2>"$out/$name.stats.err" ||
        fail "stats $name exited $?: $(cat "$out/$name.stats.err")"
    "$remora" stats "$trace" >"$out/$name.stats.txt" 2>&1 || fail "stats table $name"
    "$PYTHON3" "$here/check_export.py" --bt "$out/$name.bt" --chrome "$out/$name.json" \
        --perfetto-text "$out/$name.pf.txt" --stats "$out/$name.stats.json" "$@" \
        >"$out/$name.check" 2>&1 || fail "$name: $(cat "$out/$name.check")"
    echo "$name: $(tr '\n' ' ' <"$out/$name.check")"
}
