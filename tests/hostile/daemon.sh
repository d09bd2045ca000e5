#!/usr/bin/env bash
# daemon(3)-style double fork (setsid, all fds closed, chdir /), then a
# grandchild that records 100 events over ~1 s. Mode ready: the parent exits
# once the grandchild is ready (after its first event); mode bare (5 runs):
# the parent exits at once and the grandchild's first event races with it.
# Each run: same output and grandchild result traced and plain; `remora
# record` returns only after the grandchild has exited (its marker exists
# then, and record took >= 1 s); the grandchild's 100 events are in the
# trace with its own pid; nothing lost.
. "$(dirname "$0")/lib.sh"
run() { # run MODE NAME
	mkdir "$out/$2.pd" "$out/$2.td"
	plain "$2.pl" "$1" "$out/$2.pd"
	for _ in $(seq 1 100); do [ -e "$out/$2.pd/gc" ] && break; sleep 0.05; done
	[ -e "$out/$2.pd/gc" ] || fail "$2: plain grandchild never finished"
	local t0 t1 ms gc
	t0=$(date +%s%N)
	traced "$2" "$1" "$out/$2.td"
	t1=$(date +%s%N)
	[ -e "$out/$2.td/gc" ] || fail "$2: remora record returned before the grandchild finished"
	ms=$(((t1 - t0) / 1000000))
	[ "$ms" -ge 1000 ] || fail "$2: record took only $ms ms"
	same "$2" "$2.pl"
	same_file "$out/$2.td/gc" "$out/$2.pd/gc"
	gc=$(cat "$out/$2.td/gc.pid")
	btread "$2"
	summary "$2" 102 0
	expect "$2" "dmn:ev: \\{ pid = $gc, tid = $gc, .*\\{ role = 2, k = [0-9]+, pid = $gc \\}" 100
	expect "$2" "role = 0, k = 0" 1
	expect "$2" "role = 1, k = 0" 1
	echo "$2: grandchild $gc: 100 events; record returned after it, in $ms ms"
}
run ready ready
grep -q "^child exited 0, grandchild says ready$" "$out/ready.out" || fail "output: $(cat "$out/ready.out")"
for i in 1 2 3 4 5; do run bare "bare$i"; done
grep -q "^child exited 0, grandchild says nothing$" "$out/bare1.out" || fail "output: $(cat "$out/bare1.out")"
echo PASS
