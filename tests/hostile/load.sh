#!/usr/bin/env bash
# Ordinary load with the default arena (issue 18): 1,000 threads alive at
# once keep every one of their 10 events (a thread's first chunk is 4 KiB,
# so 1,000 of them fit 16 MiB), and an 8 MiB burst from one thread, faster
# than any drain cadence, is kept whole; with --blocking, a burst 64 times
# the arena's size too. babeltrace2 reads exactly that many
# events with no warning; each thread's events carry its own tid.
. "$(dirname "$0")/lib.sh"
plain pl live 1000
traced tr live 1000
same tr pl
summary tr 10000 0
btread tr
[ "$(count tr ' load:live: ')" = 10000 ] || fail "live: $(count tr ' load:live: ') events in the trace"
# 1,000 distinct tids, 10 events each
[ "$(sed -nE 's/.* load:live: \{ pid = [0-9]+, tid = ([0-9]+),.*/\1/p' "$out/tr.bt" | sort | uniq -c | awk '$1 == 10' | wc -l)" = 1000 ] ||
	fail "live: not 10 events under each of 1,000 tids"
for t in 0 1 499 998 999; do
	[ "$(count tr "load:live: .*\\{ t = $t, k = ")" = 10 ] || fail "live: thread $t: $(count tr "load:live: .*\\{ t = $t, k = ") events"
done
echo "live: 10000 events kept, 0 lost"

plain bpl burst 8
traced btr burst 8
same btr bpl
summary btr 262144 0
btread btr
[ "$(count btr ' load:burst: ')" = 262144 ] || fail "burst: $(count btr ' load:burst: ') events in the trace"
grep -q 'seq = 262143, x = ' "$out/btr.bt" || fail "burst: last record missing"
echo "burst: 262144 events (8 MiB) kept, 0 lost"

# blocking mode: a 16 MiB burst into a 256 KiB arena loses most of it
# without, and nothing with --blocking (the producer waits for the consumer)
record_opts="--buffer-size 256K" traced nb burst 16
read -r nb_ev nb_lost < <(sed -n 's/^remora: \([0-9]*\) events recorded, \([0-9]*\) lost,.*/\1 \2/p' "$out/nb.sum")
[ "$nb_lost" -gt 0 ] && [ $((nb_ev + nb_lost)) = 524288 ] || fail "non-blocking: $(cat "$out/nb.sum")"
record_opts="--buffer-size 256K --blocking" traced bl burst 16
summary bl 524288 0
btread bl
[ "$(count bl ' load:burst: ')" = 524288 ] || fail "blocking: $(count bl ' load:burst: ') events in the trace"
echo "blocking: 524288 events kept (non-blocking kept $nb_ev, lost $nb_lost)"

# a consumer that stops answering costs a blocking app the wait once, not
# once per event: remora record (the consumer) is stopped at once, the app
# bursts 16 MiB into 256 KiB with --blocking=200 and must finish in
# seconds (per event it would take 500,000 x 200 ms); once continued, the
# consumer counts every event kept or lost
"$remora" record -o "$out/st.t" --buffer-size 256K --blocking=200 -- "$traced" burst 16 \
	>"$out/st.out" 2>"$out/st.raw" &
st_rec=$!
for _ in $(seq 300); do pgrep -P "$st_rec" >/dev/null && break; sleep 0.01; done
kill -STOP "$st_rec" # once CMD runs
for _ in $(seq 300); do grep -q "burst of" "$out/st.out" 2>/dev/null && break; sleep 0.1; done
grep -q "burst of 524288 records" "$out/st.out" || { kill -CONT "$st_rec"; fail "a blocking app behind a stopped consumer did not finish in 30 s"; }
kill -CONT "$st_rec"
wait "$st_rec" || fail "record exited $?: $(cat "$out/st.raw")"
read -r st_ev st_lost < <(sed -n 's/^remora: \([0-9]*\) events recorded, \([0-9]*\) lost,.*/\1 \2/p' "$out/st.raw")
[ $((st_ev + st_lost)) = 524288 ] && [ "$st_lost" -gt 0 ] || fail "stopped consumer: $(cat "$out/st.raw")"
echo "stopped consumer: the blocking app finished; $st_ev kept, $st_lost counted lost"
echo PASS
