#!/usr/bin/env bash
# Thread churn: 10,000 short-lived threads (4 alive at a time) x 5 events.
# Same output traced and plain; every event is in the trace or counted as
# lost, and the CTF packets tell babeltrace2 of exactly that many; at the
# default 16 MiB none is lost, and
# a 256 KiB arena must lose some and count every one; each thread's events
# carry its own tid and none is recorded twice; the app's private memory
# (RssAnon) grows by less than 2 MiB between the 1,000th and the 10,000th
# thread, and the arena pages it touched (RssShmem) stay within the
# arena's 16 MiB (the tracer's memory is bounded).
. "$(dirname "$0")/lib.sh"
bound=2048 # KiB
plain pl "$out/pl.rss"
traced tr "$out/tr.rss"
same tr pl
read -r tr_a tr_b tr_sa tr_sb < "$out/tr.rss"
read -r pl_a pl_b pl_sa pl_sb < "$out/pl.rss"
echo "RssAnon (KiB) after 1,000 and 10,000 threads: traced $tr_a $tr_b, plain $pl_a $pl_b"
echo "RssShmem (KiB): traced $tr_sa $tr_sb, plain $pl_sa $pl_sb"
[ "$tr_a" -gt 0 ] && [ "$tr_sb" -ge 0 ] || fail "no RSS figures: $(cat "$out/tr.rss")"
[ $((tr_b - tr_a)) -le $bound ] || fail "traced RssAnon grew by $((tr_b - tr_a)) KiB from thread 1,000 to 10,000 (bound $bound)"
[ "$tr_sb" -le $((16 * 1024 + 64)) ] || fail "the app touched $tr_sb KiB of shared memory, more than the 16 MiB arena"
# check NAME: kept + lost = 50,000, babeltrace2 shows exactly the kept ones
# and is told of exactly the lost ones, each under its own tid, none twice
check() {
	read -r ev lost < <(kept "$1")
	[ -n "$ev" ] || fail "$1: no summary: $(cat "$out/$1.sum")"
	[ $((ev + lost)) = 50000 ] || fail "$1: $ev kept + $lost lost != 50000"
	if [ "$lost" = 0 ]; then btread "$1"; else btread "$1" lossy; fi
	expect "$1" ' churn:ev: ' "$ev"
	local disc bad dup
	disc=$(sed -n 's/^WARNING: Tracer discarded \([0-9]*\) event.*/\1/p' "$out/$1.bterr" | awk '{ s += $1 } END { print s + 0 }')
	[ "$disc" = "$lost" ] || fail "$1: remora counted $lost lost, the trace tells babeltrace2 of $disc"
	# the payload's tid is the packet's tid, for every event
	bad=$(grep ' churn:ev: ' "$out/$1.bt" | sed -E 's/.*tid = ([0-9]+),.*tid = ([0-9]+) \}$/\1 \2/' | awk '$1 != $2' | wc -l)
	[ "$bad" = 0 ] || fail "$1: $bad events carry another thread's tid"
	dup=$(grep -o '{ thread = [0-9]*, k = [0-9]*' "$out/$1.bt" | sort | uniq -d | wc -l)
	[ "$dup" = 0 ] || fail "$1: $dup events recorded twice"
	echo "$1: $ev events kept, $lost lost"
}
check tr
# every event kept at the default size: a thread's first chunk is 4 KiB and
# the consumer takes a dead thread's chunk back (issue 18)
[ "$lost" = 0 ] || fail "$lost of 50000 events lost at the default size"
# a 256 KiB arena (24 small and 2 large chunks for 4 live threads and the
# dead ones not yet seen): events lost, every one of them counted
record_opts="--buffer-size 256K" traced small "$out/small.rss"
same small pl
check small
[ "$lost" -gt 0 ] || fail "nothing lost with 26 chunks?"
echo PASS
