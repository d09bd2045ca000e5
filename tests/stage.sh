# Sourced by tests that run programs as another uid: that uid must reach
# what it runs whatever the modes of the checkout's parents (a clone in
# /root is 0700, and so is its build tree to anyone else).
#
# stage_copies DIR SRC:NAME...: copies each SRC to DIR/NAME and the
# libremora the first SRC links to DIR/libremora.so.0, DIR and all 0755;
# run the copies with LD_LIBRARY_PATH=DIR. Needs fail() from the caller.
stage_copies() {
    local dir=$1 first=${2%%:*} lib pair
    shift
    lib=$(ldd "$first" | awk '/libremora\.so/ {print $3}')
    [ -f "$lib" ] || fail "libremora of $first not found: $(ldd "$first")"
    mkdir -p "$dir"
    chmod 0755 "$dir"
    cp "$lib" "$dir/libremora.so.0"
    for pair; do cp "${pair%%:*}" "$dir/${pair#*:}"; done
    chmod 0755 "$dir"/*
}
