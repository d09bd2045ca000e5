#!/usr/bin/env bash
# remorad's lockdown (CapEff, Seccomp from /proc), trace files private to
# their owner, and a second uid neither reaches nor is admitted by the
# daemon of the first (SO_PEERCRED, even when file modes would let it in).
. "$(dirname "$0")/lib.sh"
start_remorad
status=/proc/$rd/status
grep -q '^Seccomp:[[:space:]]*2$' "$status" || fail "remorad not in seccomp filter mode: $(grep Seccomp "$status")"
grep -q '^NoNewPrivs:[[:space:]]*1$' "$status" || fail "no_new_privs not set"
# documented in ctl/remorad/remorad_lockdown.c: a root remorad keeps CAP_SYS_PTRACE only
want=0000000000000000
[ "$(id -u)" = 0 ] && want=0000000000080000
for set in CapEff CapPrm CapBnd; do
    grep -q "^$set:[[:space:]]*$want$" "$status" || fail "$set: $(grep "^$set" "$status"), expected $want"
done
grep -q '^CapAmb:[[:space:]]*0000000000000000$' "$status" || fail "ambient capabilities left"

# trace directories and files: nothing for group or others
start_app a run "$T/stop"
wait_listed "$a"
"$remora" create priv -o "$T/priv" >/dev/null
"$remora" enable-event 'sess:*' >/dev/null
"$remora" start >/dev/null
sleep 0.4
"$remora" stop >/dev/null
[ -n "$(find "$T/priv" -type f)" ] || fail "no trace files written"
bad=$(find "$T/priv" -perm /077)
[ -z "$bad" ] || fail "readable by others: $bad"
[ -z "$(find "$T" -maxdepth 1 \( -name 'remorad.sock' -o -name 'remorad.ctl' -o -name 'remorad.sessions' \) -perm /077)" ] || fail "socket or state file open to others"
"$remora" destroy >/dev/null

# a second uid
if [ "$(id -u)" != 0 ]; then echo "PASS (second-uid part needs root)"; exit 0; fi
user=remora-sess-t
ensure_user "$user"   # tests/stage.sh: checkouts running at once share the user
uid=$(id -u "$user")
as_user() { setpriv --reuid="$uid" --regid="$(id -g "$user")" --clear-groups \
                    env LD_LIBRARY_PATH="$T.stage" "$@"; }
stage_for_uid
# the copies run as that uid: a refusal below is remorad's, not the file modes'
as_user "$remora_u" --help >/dev/null 2>&1 || fail "uid $uid cannot run the staged CLI"
# 1. modes: the 0700 socket directory keeps it out
as_user "$remora_u" list >"$T/u1.out" 2>&1 && fail "uid $uid reached remorad: $(cat "$T/u1.out")"
grep -q "cannot connect to remorad" "$T/u1.out" || fail "uid $uid: $(cat "$T/u1.out")"
# 2. modes opened up (a misconfiguration): SO_PEERCRED still refuses
chmod 0711 "$T"
chmod 0777 "$T/remorad.sock" "$T/remorad.ctl"
as_user "$remora_u" list >"$T/u2.out" 2>&1 && fail "uid $uid was served: $(cat "$T/u2.out")"
grep -q "admits only its own user" "$T/u2.out" || fail "uid $uid: $(cat "$T/u2.out")"
grep -q "refused a control connection from pid [0-9]* uid $uid" "$T/remorad.log" ||
    fail "control refusal not logged"
mkdir -m 0777 "$T/u"
as_user env REMORA_SOCKET="$T/remorad.sock" "$app_u" run "$T/u/stop" >"$T/u/out" 2>&1 &
pids+=($!)
ua=$!
for _ in $(seq 40); do grep -q "refused a helper connection from pid [0-9]* uid $uid" "$T/remorad.log" && break; sleep 0.1; done
grep -q "refused a helper connection from pid [0-9]* uid $uid" "$T/remorad.log" ||
    fail "the helper of uid $uid was not refused"
"$remora" list | grep -q "^pid $ua (" && fail "uid $uid's app is traced"
touch "$T/u/stop"
echo PASS
