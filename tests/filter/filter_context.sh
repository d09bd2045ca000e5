#!/usr/bin/env bash
# Context fields, checked with babeltrace2 and remora view:
#  - record --context procname --context vpid --context vtid: every event
#    shows the three, with the app's pid, tid and name;
#  - record --snapshot-on-exit: the snapshot holds the filtered events, with
#    the context field;
#  - in a new pid namespace (unshare, as root) vpid and vtid are 1 and
#    procname is the app's (the consumer maps the namespace's ids to its
#    own before reading /proc: by pid 1 it read the host's init);
#  - add-context in a started remorad session: the packets after it carry
#    procname (new trace directory COMM-PID.1), those before do not;
#  - unknown types and perf counters are refused (ip, cpu_id and perf
#    counters: tests/evctx).
. "$(dirname "$0")/../session/lib.sh"

"$remora" record -o "$T/r" --context procname --context vpid --context vtid -e 'ft:req' \
	--filter 'id < 10' -- "$app" many 2>"$T/r.err" || fail "record: $(cat "$T/r.err")"
read_trace "$T/r"
n=$(grep -c 'ft:req' "$T/bt.out")
[ "$n" = 10 ] || fail "$n events, want 10"
pid=$(sed -nE 's/.*\{ pid = ([0-9]+), tid.*/\1/p' "$T/bt.out" | sort -u)
# (the losses by cause are in the packet context but not printed)
[ "$(grep -c "{ pid = $pid, tid = $pid, level = 0, vpid = $pid, vtid = $pid, procname = \"filter_app\" }" "$T/bt.out")" = 10 ] ||
	fail "context fields: $(head -2 "$T/bt.out")"
"$remora" view "$T/r" >"$T/view.out" 2>&1 || fail "view: $(cat "$T/view.out")"
[ "$(grep -c "procname=filter_app vpid=$pid vtid=$pid ft:req" "$T/view.out")" = 10 ] ||
	fail "remora view: $(head -2 "$T/view.out")"

# snapshot mode: the filtered ring, written with the context
"$remora" record --snapshot-on-exit -o "$T/snap" --context procname -e 'ft:req' \
	--filter 'id >= 99990' -- "$app" many 2>"$T/snap.err" || fail "snapshot record: $(cat "$T/snap.err")"
read_trace "$T/snap"
[ "$(grep -c 'procname = "filter_app" }, { id = 9999[0-9],' "$T/bt.out")" = 10 ] ||
	fail "snapshot with filter and context: $(head -2 "$T/bt.out")"

if [ "$(id -u)" = 0 ] && unshare --pid --fork true 2>/dev/null; then
	# ASan builds: record preloads libremora, ASan runtime and all, into
	# unshare too; its pid_for_children is the new namespace, whose init
	# (the app) has exited when unshare does, so LeakSanitizer's tracer
	# clone fails (ENOMEM) and LSan aborts unshare: no leak check for it
	ASAN_OPTIONS="detect_leaks=0:$ASAN_OPTIONS" \
	"$remora" record -o "$T/ns" --context procname --context vpid --context vtid -e 'ft:req' \
		--filter 'id < 3' -- unshare --pid --fork "$app" many 2>"$T/ns.err" ||
		fail "record in a pid namespace: $(cat "$T/ns.err")"
	read_trace "$T/ns"
	[ "$(grep -c 'ft:req' "$T/bt.out")" = 3 ] || fail "pid namespace: $(grep -c 'ft:req' "$T/bt.out") events, want 3"
	[ "$(grep -c 'vpid = 1, vtid = 1, procname = "filter_app" }' "$T/bt.out")" = 3 ] ||
		fail "pid namespace: $(grep -m2 'ft:req' "$T/bt.out")"
	echo "ok: vpid/vtid 1 and procname filter_app in a pid namespace"
else
	echo "not checked (needs root and unshare --pid): contexts in a pid namespace"
fi

for bad in nosuch perf:thread:nosuch; do
	rc=0
	"$remora" record -o "$T/bad" --context "$bad" -- true 2>"$T/bad.err" || rc=$?
	[ $rc = 2 ] || fail "--context $bad: exit status $rc"
	grep -q "'${bad#perf:thread:}'" "$T/bad.err" || fail "--context $bad: $(cat "$T/bad.err")"
done

# add-context in a started session
start_app a run "$T/stop"
"$remora" create s -o "$T/t" >/dev/null 2>&1 || fail "create"
wait_listed "$a"
"$remora" enable-event 'ft:req' >/dev/null || fail "enable-event"
"$remora" start >/dev/null || fail "start"
wait_stream "$T/t/filter_app-$a"
"$remora" add-context -t procname >"$T/ac.out" 2>&1 || fail "add-context: $(cat "$T/ac.out")"
grep -q "Context procname added to session s" "$T/ac.out" || fail "add-context said: $(cat "$T/ac.out")"
rc=0
"$remora" add-context -t perf:thread:nosuch >"$T/ac2.out" 2>&1 || rc=$?
[ $rc != 0 ] && grep -q "unknown perf counter 'nosuch'" "$T/ac2.out" || fail "add-context perf:thread:nosuch: $rc $(cat "$T/ac2.out")"
wait_stream "$T/t/filter_app-$a.1"
"$remora" stop >/dev/null || fail "stop"
touch "$T/stop"
[ -d "$T/t/filter_app-$a" ] && [ -d "$T/t/filter_app-$a.1" ] || fail "trace dirs: $(ls "$T/t")"
read_trace "$T/t/filter_app-$a"
grep -q procname "$T/bt.out" && fail "procname before add-context"
before=$(grep -c 'ft:req' "$T/bt.out")
read_trace "$T/t/filter_app-$a.1"
after=$(grep -c "procname = \"filter_app\" }, { id" "$T/bt.out")
[ "$before" -gt 0 ] && [ "$after" -gt 0 ] || fail "before: $before, after: $after events"
[ "$after" = "$(grep -c 'ft:req' "$T/bt.out")" ] || fail "an event after add-context without procname"
echo "ok: $before events before add-context, $after after with procname"
echo PASS
