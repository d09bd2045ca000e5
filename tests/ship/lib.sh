# Shared by the shipping tests: $1 the CLI, $2 ship_app, $3 babeltrace2,
# $4 nats-server (empty when not found: the test skips, and says so).
set -u
# The traced apps load libremora (built with ASan) without linking the runtime.
export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
remora=$1 app=$2 bt=$3 natsd=${4:-}
fail() { echo "FAIL: $*"; exit 1; }
if [ -z "$natsd" ] || ! [ -x "$natsd" ]; then
	echo "SKIP: nats-server is not installed (scripts/deps.sh installs it)"
	exit 77
fi
T=$(mktemp -d /tmp/remora-ship.XXXXXX)
declare -A NODE_PID
cleanup() {
	set +e # in the EXIT trap: a failed kill must not skip the rest
	for n in "${!NODE_PID[@]}"; do kill -9 "${NODE_PID[$n]}" 2>/dev/null; done
	{ wait; } 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# A port nothing listens on, 20000-59999, and not handed out before.
USED_PORTS=" "
free_port() {
	local p
	while :; do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		case "$USED_PORTS" in *" $p "*) continue ;; esac
		(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && continue
		USED_PORTS="$USED_PORTS$p "
		echo "$p"
		return
	done
}

# wait_port PORT: until something accepts on it (10 s at most).
wait_port() {
	for _ in $(seq 200); do
		(exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
		sleep 0.05
	done
	fail "nothing listens on 127.0.0.1:$1 after 10 s: $(tail -5 "$T"/*.log 2>/dev/null)"
}

# start_node NAME: runs nats-server with the config $T/NAME.conf.
start_node() {
	"$natsd" -c "$T/$1.conf" >>"$T/$1.log" 2>&1 &
	NODE_PID[$1]=$!
}

# one_server NAME: a single JetStream server; sets PORT_NAME.
one_server() {
	local p m
	p=$(free_port); m=$(free_port)
	cat >"$T/$1.conf" <<CONF
server_name: $1
listen: 127.0.0.1:$p
http: 127.0.0.1:$m
jetstream { store_dir: "$T/$1.js" }
CONF
	eval "PORT_$1=$p MON_$1=$m"
	start_node "$1"
	wait_port "$p"
}

# cluster N1 N2 N3: three JetStream servers in one cluster on 127.0.0.1.
cluster() {
	local n c routes=""
	declare -A cport
	for n in "$@"; do
		eval "PORT_$n=$(free_port) MON_$n=$(free_port)"
		cport[$n]=$(free_port)
		routes="$routes nats-route://127.0.0.1:${cport[$n]}"
	done
	for n in "$@"; do
		local p m
		p=$(eval echo "\$PORT_$n"); m=$(eval echo "\$MON_$n")
		cat >"$T/$n.conf" <<CONF
server_name: $n
listen: 127.0.0.1:$p
http: 127.0.0.1:$m
jetstream { store_dir: "$T/$n.js" }
cluster { name: remora_test, listen: 127.0.0.1:${cport[$n]}, routes: [ ${routes// /, } ] }
CONF
		sed -i 's/routes: \[ , /routes: [ /' "$T/$n.conf"
		start_node "$n"
	done
	for n in "$@"; do wait_port "$(eval echo "\$PORT_$n")"; done
}

# http_get PORT PATH: the body of a monitoring page.
http_get() {
	exec 5<>/dev/tcp/127.0.0.1/$1 || return 1
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&5
	sed '1,/^\r$/d' <&5
	exec 5<&-
}

# wait_js NODE: until the node's JetStream is ready (meta leader known).
wait_js() {
	local m
	m=$(eval echo "\$MON_$1")
	for _ in $(seq 300); do
		http_get "$m" "/healthz?js-enabled-only=true" 2>/dev/null | grep -q '"ok"' &&
			http_get "$m" /jsz 2>/dev/null | grep -q '"leader"' && return 0
		sleep 0.05
	done
	fail "JetStream of $1 not ready after 15 s: $(tail -5 "$T/$1.log")"
}

# connections NODE: client connections the node holds now.
connections() {
	http_get "$(eval echo "\$MON_$1")" /connz 2>/dev/null |
		sed -n 's/.*"num_connections": *\([0-9]*\).*/\1/p' | head -1
}

# bt_events DIR: events babeltrace2 reads in DIR (fails on any warning).
bt_events() {
	local out
	out=$("$bt" "$1" -c sink.utils.counter 2>"$T/bt.err") || fail "babeltrace2 failed on $1: $(head -3 "$T/bt.err")"
	[ -s "$T/bt.err" ] && fail "babeltrace2 warned on $1: $(head -3 "$T/bt.err")"
	echo "$out" | sed -n 's/^ *\([0-9]*\) Event messages$/\1/p' | tail -1
}

# same_tree A B: every file of A is in B with the same bytes, and B has
# nothing more.
same_tree() {
	diff -r "$1" "$2" >"$T/diff.out" 2>&1 || fail "collected trace differs from the local one: $(head -5 "$T/diff.out")"
}
