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

# ensure_user NAME: creates the system user NAME unless it exists. Tests of
# several checkouts run at once share it: two useradd at the same moment
# collide (one finds the name taken, or /etc/passwd locked), so a failed
# useradd is retried until the user exists. Needs fail() from the caller.
ensure_user() {
    local name=$1 err=""
    for _ in $(seq 50); do
        id "$name" >/dev/null 2>&1 && return 0
        err=$(useradd -M -r -s /usr/sbin/nologin "$name" 2>&1) && return 0
        sleep 0.1
    done
    id "$name" >/dev/null 2>&1 || fail "useradd $name: $err"
}
