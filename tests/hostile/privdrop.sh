#!/usr/bin/env bash
# Privilege drop: started as root, the app drops to nobody (setgroups,
# setresgid, setresuid) while a second thread records, and records on.
# Asserts: same output traced and plain (ids of both threads after the drop,
# no way back to root); every event before, during and after the drop, from
# both threads and from a child forked after it, in the trace, none lost.
# While the dropped app waits, the helper's /proc status must show the
# stated policy: it keeps the uid and gid the app had at start (0) and no
# privilege beyond them: no capability in any set, no_new_privs, seccomp.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: the app must start as root"; exit 0; }

# status_of PID FIELD: the value of one line of /proc/PID/status
status_of() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '[:space:]' ' ' | sed 's/ $//'; }

# run plain|traced NAME: starts the app with its stdin on a fifo, waits
# until it dropped, runs look NAME PID, then lets it finish.
run() {
	local how=$1 n=$2 pid='' job
	mkfifo "$out/$n.go"
	exec 3<>"$out/$n.go" # read-write: neither side blocks on open
	stdin=$out/$n.go "$how" "$n" "$out/$n.rep" &
	job=$!
	for _ in $(seq 1 500); do
		grep -q '^dropped$' "$out/$n.rep" 2>/dev/null && break
		kill -0 "$job" 2>/dev/null || break
		sleep 0.02
	done
	grep -q '^dropped$' "$out/$n.rep" 2>/dev/null || fail "$n: the app never dropped: $(cat "$out/$n.out" "$out/$n.rep" 2>&1)"
	pid=$(sed -n 's/^pid //p' "$out/$n.rep")
	look "$n" "$pid"
	echo go >&3
	wait "$job" || exit 1 # a fail inside the job has said why
	exec 3>&-
}

# The app's only child while it waits is the tracer's helper, if any.
kids() { cat "/proc/$1/task/"*/children 2>/dev/null | tr -s ' ' '\n' | sed '/^$/d'; }

look() {
	local n=$1 pid=$2
	[ "$(status_of "$pid" Uid)" = "65534 65534 65534 65534" ] || fail "$n: app ids: $(status_of "$pid" Uid)"
	[ "$(status_of "$pid" CapEff)" = 0000000000000000 ] || fail "$n: app CapEff $(status_of "$pid" CapEff)"
	local k
	k=$(kids "$pid")
	if [ "$n" = pl ]; then
		[ -z "$k" ] || fail "plain app has children: $k"
		return
	fi
	[ "$(wc -w <<<"$k")" = 1 ] || fail "expected one helper under app $pid, found: $k"
	helper=$k
	grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]*|NoNewPrivs|Seccomp|Seccomp_filters):' "/proc/$helper/status" >"$out/helper.status"
	local want f v
	for want in "Uid 0 0 0 0" "Gid 0 0 0 0" "CapInh 0000000000000000" "CapPrm 0000000000000000" \
		"CapEff 0000000000000000" "CapBnd 0000000000000000" "CapAmb 0000000000000000" \
		"NoNewPrivs 1" "Seccomp 2"; do
		f=${want%% *}
		v=$(status_of "$helper" "$f")
		[ "$v" = "${want#* }" ] || fail "helper $helper after the drop: $f is '$v', expected '${want#* }'"
	done
}

run plain pl
run traced tr
same tr pl
cat >"$out/want" <<'EOF'
start: uid 0/0/0 gid 0/0/0
main after drop: uid 65534/65534/65534 gid 65534/65534/65534, 0 supplementary groups
worker after drop: uid 65534/65534/65534 gid 65534/65534/65534
CapEff after drop: 0000000000000000
setresuid(0) again: Operation not permitted
child after drop: exit 0
EOF
same_file "$out/tr.out" "$out/want"

during=$(sed -n 's/^during //p' "$out/tr.rep")
[ "${during:-0}" -gt 0 ] || fail "the worker recorded nothing while the drop ran"
btread tr
summary tr $((600 + during)) 0
for p in 0 1 3 4 5 6; do expect tr "pd:ev: .*\\{ phase = $p, k = " 100; done
expect tr "pd:ev: .*\\{ phase = 2, k = " "$during"
grep -o 'phase = 2, k = [0-9]*' "$out/tr.bt" | sed 's/.* //' | sort -n | uniq >"$out/ks"
[ "$(wc -l <"$out/ks")" = "$during" ] && [ "$(tail -1 "$out/ks")" = $((during - 1)) ] ||
	fail "phase 2: not k 0..$((during - 1)) each once: $(wc -l <"$out/ks") distinct, last $(tail -1 "$out/ks")"
# who recorded each phase: "pid,tid" pairs, one kind per phase
who() { grep "phase = $1, k = " "$out/tr.bt" | sed -E 's/.*\{ pid = ([0-9]+), tid = ([0-9]+),.*/\1,\2/' | sort -u | tr '\n' ' '; }
app=$(sed -n 's/^pid //p' "$out/tr.rep")
for p in 0 4 5; do [ "$(who $p)" = "$app,$app " ] || fail "phase $p recorded by $(who $p), expected $app,$app"; done
wt=$(who 1)
[[ "$wt" =~ ^$app,[0-9]+\ $ ]] && [ "$wt" != "$app,$app " ] || fail "phase 1 recorded by $wt, expected one worker of $app"
for p in 2 3; do [ "$(who $p)" = "$wt" ] || fail "phase $p recorded by $(who $p), expected $wt"; done
ch=$(who 6)
ch=${ch%%,*}
[ "$(who 6)" = "$ch,$ch " ] && [ "$ch" != "$app" ] || fail "phase 6 recorded by $(who 6), expected the child"
echo "helper $helper after the drop: $(tr '\n\t' '; ' <"$out/helper.status")"
echo "dropped while the worker recorded: $during events in flight, $((600 + during)) kept, 0 lost"
echo PASS
