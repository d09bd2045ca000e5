#!/usr/bin/env bash
# Reaper: wait() until ECHILD and a recording SIGCHLD handler see exactly the
# 50 own workers, never the helper (same output traced and plain); the trace
# holds every worker event, every reap and one event per handler run.
. "$(dirname "$0")/lib.sh"
for i in 1 2 3; do
	plain pl$i "$out/pl$i.n"
	traced tr$i "$out/tr$i.n"
	same tr$i pl$i
	grep -q '^reaped 50, strangers 0, wrong status 0, wait ended with No child processes, waitid(P_ALL): -1 No child processes$' "$out/tr$i.out" || fail "$(cat "$out/tr$i.out")"
	grep -q '^SIGCHLD from strangers: 0, handler ran: yes$' "$out/tr$i.out" || fail "$(cat "$out/tr$i.out")"
	h=$(cat "$out/tr$i.n")
	btread tr$i
	summary tr$i $((250 + 50 + h)) 0
	expect tr$i ' reap:work: ' 250
	expect tr$i ' reap:reaped: ' 50
	expect tr$i ' reap:sigchld: ' "$h"
done
echo PASS
