#!/usr/bin/env bash
# Sandbox: the app confines itself with seccomp after start, then records
# (sandbox.c). For strict mode, an EPERM filter and a KILL_PROCESS filter
# (both synchronised to every thread with TSYNC), and a forbidden syscall
# that kills with SIGSYS: same stdout, stderr and exit status traced and
# plain, every event kept (exact count per thread, each thread under its own
# tid, nothing lost), babeltrace2 reads the trace without a warning. Then
# under remorad: `remora stop` and `remora destroy` each return in < 1 s
# while the sandboxed app runs, and the trace holds every event.
# And threads started after a filter that denies gettid: their events are
# dropped and counted. Extra arg: REMORAD.
. "$(dirname "$0")/lib.sh"
remorad=$1
ulimit -c 0 # killsys dies of SIGSYS: no core, nor timeout's "dumped core" in the plain run only

# threads NAME N0 N1...: thread th=i has exactly Ni events with distinct
# seqs, all under one real tid of one pid (th=0 under the pid itself), and
# no two threads share a tid.
threads() {
	local n=$1 th=0 want
	shift
	local pid
	pid=$(grep -o ' pid = [0-9]*,' "$out/$n.bt" | sort -u || true)
	[ "$(wc -l <<<"$pid")" = 1 ] || fail "$n: events under pids $(tr '\n' ' ' <<<"$pid")"
	pid=${pid//[^0-9]/}
	: >"$out/$n.tids"
	for want in "$@"; do
		grep -E "\\{ th = $th, seq = " "$out/$n.bt" >"$out/$n.th" || true
		local c d tid
		c=$(wc -l <"$out/$n.th")
		[ "$c" = "$want" ] || fail "$n: thread $th: $c events, expected $want"
		d=$(grep -o 'seq = [0-9]*' "$out/$n.th" | sort -u | wc -l)
		[ "$d" = "$want" ] || fail "$n: thread $th: $d distinct seqs of $want"
		tid=$(grep -o ' tid = [0-9]*' "$out/$n.th" | sort -u)
		[ "$(wc -l <<<"$tid")" = 1 ] || fail "$n: thread $th under tids $(tr '\n' ' ' <<<"$tid")"
		tid=${tid//[^0-9]/}
		[ "$tid" -le "$(cat /proc/sys/kernel/pid_max)" ] || fail "$n: thread $th under tid $tid"
		[ "$th" != 0 ] || [ "$tid" = "$pid" ] || fail "$n: main thread under tid $tid, pid $pid"
		echo "$tid" >>"$out/$n.tids"
		th=$((th + 1))
	done
	[ "$(sort -u "$out/$n.tids" | wc -l)" = "$#" ] || fail "$n: threads share a tid: $(tr '\n' ' ' <"$out/$n.tids")"
}

# strict: the worker records 20,001 events (~10 chunk switches) in strict
# mode. Strict mode sets TIF_NOTSC, so rdtsc raises SIGSEGV; here the vDSO's
# CLOCK_MONOTONIC reads the TSC (clocksource tsc) and faults the same way:
# with the default clock the traced app dies of SIGSEGV at the first event
# after prctl (plain: exit 0). CLOCK_MONOTONIC_COARSE reads only the vDSO
# data page, so the traced run uses REMORA_CLOCK=coarse.
plain spl strict
REMORA_CLOCK=coarse traced str strict
same str spl
grep -qx 'strict: worker in seccomp mode 1, prctl error 0, recorded all' "$out/str.out" ||
	fail "strict: $(cat "$out/str.out")"
btread str
summary str 20201 0
threads str 200 20001

# eperm and kill: a TSYNC filter lands while 2 workers record; 5,000
# events per thread before it, 5,000 after.
for m in eperm kill; do
	plain ${m}pl $m
	traced ${m}tr $m
	same ${m}tr ${m}pl
	grep -qx 'filter: installed on every thread (TSYNC)' "$out/${m}tr.out" || fail "$m: $(cat "$out/${m}tr.out")"
	probe=
	[ $m = eperm ] && probe=', getpid: EPERM, open: EPERM'
	for who in main 'worker 1' 'worker 2'; do
		grep -qx "$who: seccomp mode 2$probe" "$out/${m}tr.out" || fail "$m: $who: $(cat "$out/${m}tr.out")"
	done
	btread ${m}tr
	summary ${m}tr 30000 0
	threads ${m}tr 10000 10000 10000
done

# killsys: SIGSYS after 30,000 events, every one of them kept
plain kspl killsys 2>/dev/null
traced kstr killsys
same kstr kspl
[ "$(cat "$out/kstr.st")" = $((128 + 31)) ] || fail "killsys: exit status $(cat "$out/kstr.st"), not SIGSYS"
[ "$(tail -1 "$out/kstr.out")" = 'calling getpid, which the filter kills' ] || fail "killsys: $(cat "$out/kstr.out")"
btread kstr
summary kstr 30000 0
threads kstr 10000 10000 10000

# late: two threads start after an EPERM filter that denies gettid. A thread
# without a tid cannot be told alive from dead, so the tracer drops its
# events and counts them: main's 100 kept, the workers' 20,000 all counted
# lost, none under a made-up tid (gettid's -EPERM read as 4294967295 once
# let the consumer take the chunks of threads it thought dead).
plain lpl late
traced ltr late
same ltr lpl
summary ltr 100 20000
btread ltr lossy
! grep -q 'tid = 4294967295' "$out/ltr.bt" || fail "late: events under tid 4294967295 (gettid's -EPERM)"
# losses outside any thread reach the trace too (events_discarded)
disc=$(sed -n 's/^WARNING: Tracer discarded \([0-9]*\) event.*/\1/p' "$out/ltr.bterr" | awk '{ s += $1 } END { print s + 0 }')
[ "$disc" = 20000 ] || fail "late: the trace tells babeltrace2 of $disc discarded events, not 20000"
threads ltr 100

# session: remorad on a private socket; the app waits for the session to
# enable sbx:ev, then sandboxes itself (main: a KILL_PROCESS filter; worker:
# strict mode), records, and keeps running (worker blocked in read(0)).
export REMORA_SOCKET=$out/remorad.sock REMORA_DAEMON=$remorad
unset XDG_RUNTIME_DIR REMORA_ENABLE REMORA_OVERWRITE REMORA_BUFFER_SIZE
rd='' app=''
trap 'set +e; [ -n "$app" ] && { kill -9 "$app"; wait "$app"; } 2>/dev/null; [ -n "$rd" ] && kill "$rd" 2>/dev/null; rm -rf "$out"' EXIT
start_remorad "$out/remorad.ctl"
mkfifo "$out/go"
exec 3<>"$out/go"
# The session first: until a consumer writes the enable table the stub
# enables every event (issue 19), so "enabled" means "wanted" only after.
# and a snapshot-mode session beside it: `remora snapshot` of the sandboxed
# app holds every event, in < 1 s (bound 5 s: both CPUs may be busy)
"$remora" create sns --snapshot -o "$out/sns" >/dev/null || fail "create --snapshot"
"$remora" enable-event -s sns 'sbx:*' >/dev/null || fail "enable-event -s sns"
"$remora" start sns >/dev/null || fail "start sns"
"$remora" create ses -o "$out/ses.t" >/dev/null || fail "create"
"$remora" enable-event 'sbx:*' >/dev/null || fail "enable-event"
"$remora" start >/dev/null || fail "start"
REMORA_CLOCK=coarse "$traced" session <"$out/go" >"$out/ses.out" 2>"$out/ses.err" &
app=$!
for _ in $(seq 200); do
	grep -q '^done$' "$out/ses.out" && break
	sleep 0.05
done
grep -q '^done$' "$out/ses.out" || fail "session: the app never recorded: $(cat "$out/ses.out" "$out/ses.err")"
modes=$(cat /proc/"$app"/task/*/status | sed -n 's/^Seccomp:\t//p' | sort | tr '\n' ' ')
[ "$modes" = "1 2 " ] || fail "session: seccomp modes of the app's threads: $modes"
t0=$(date +%s%N)
"$remora" snapshot sns -o "$out/sns.t" >"$out/snap.out" || fail "snapshot: $(cat "$out/snap.out")"
snap_ms=$((($(date +%s%N) - t0) / 1000000))
[ "$snap_ms" -lt 5000 ] || fail "session: snapshot took $snap_ms ms"
grep -q "written to $out/sns.t: 20101 events, 1 process tree, 0 lost" "$out/snap.out" ||
	fail "snapshot: $(cat "$out/snap.out")"
btread sns
threads sns 100 20001
t0=$(date +%s%N)
"$remora" stop >"$out/stop.out" || fail "stop: $(cat "$out/stop.out")"
t1=$(date +%s%N)
"$remora" destroy >"$out/destroy.out" || fail "destroy: $(cat "$out/destroy.out")"
t2=$(date +%s%N)
stop_ms=$(((t1 - t0) / 1000000)) destroy_ms=$(((t2 - t1) / 1000000))
kill -0 "$app" || fail "session: the app did not outlive the session"
# a hang is forever (remorad has no deadline to wait out); 5 s leaves room
# for both CPUs busy with other work
[ "$stop_ms" -lt 5000 ] || fail "session: stop took $stop_ms ms"
[ "$destroy_ms" -lt 5000 ] || fail "session: destroy took $destroy_ms ms"
grep -q '^Tracing stopped for session ses: 20101 events written, 0 lost$' "$out/stop.out" ||
	fail "session: $(cat "$out/stop.out")"
btread ses
threads ses 100 20001
echo go >&3
st=0
wait "$app" || st=$?
app=
[ "$st" = 0 ] || fail "session: the app exited $st: $(cat "$out/ses.err")"
grep -qx 'session: main filter installed, worker prctl error 0, recorded all' "$out/ses.out" ||
	fail "session: $(cat "$out/ses.out")"
echo "sandboxed in strict mode, EPERM and KILL_PROCESS filters (TSYNC), killed by SIGSYS: every event kept; under remorad, stop ${stop_ms} ms, destroy ${destroy_ms} ms, snapshot ${snap_ms} ms while the app ran"
echo PASS
