#!/usr/bin/env bash
# Records of ABI versions 1 and 2 (remora_commit) and 3 (the macro's
# inline commit), with a signal handler tracing nested among them, all
# reach the trace, none lost, each with its own field; a descriptor of a
# newer version is never enabled (abi_app exits 1 otherwise).
source "$(dirname "$0")/lib.sh"

n=50000
run abi -- "$n"
check abi
[ "$lost" = 0 ] || fail "abi: $lost lost: $(cat "$out/abi.err")"
for e in v1 v2 v3; do
	[ "$(count abi " abi:$e: ")" = "$n" ] || fail "abi: $e: $(count abi " abi:$e: ") of $n"
done
grep -q " abi:v3: .*{ i = $((n - 1)) }$" "$out/abi.bt" || fail "abi: v3's last value: $(grep ' abi:v3:' "$out/abi.bt" | tail -1)"
sig=$(sed -n 's/^in_signal //p' "$out/abi.out")
[ "$sig" -gt 0 ] && [ "$(count abi ' abi:in_signal: ')" = "$sig" ] ||
	fail "abi: in_signal: $(count abi ' abi:in_signal: ') of $sig"
[ "$(count abi ' abi:future: ')" = 0 ] || fail "abi: a version the stub does not know was recorded"
[ "$(count abi " abi:first: ")" = 1 ] || fail "abi: first: $(count abi " abi:first: ") of 1"
! grep -q 'cannot take' "$out/abi.err" || fail "abi: said without REMORA_DEBUG: $(cat "$out/abi.err")"
# REMORA_DEBUG=1 names the descriptor's version the library refused
run dbg REMORA_DEBUG=1 -- 20000
grep -q "remora: an event descriptor this library cannot take stays off; its version $(sed -nE 's/^#define REMORA_ABI_VERSION ([0-9]+).*/\1/p' "$(dirname "$0")/../../include/remora/abi.h" | awk '{print $1 + 1}')" "$out/dbg.err" ||
	fail "abi: REMORA_DEBUG=1 did not name the refused version: $(cat "$out/dbg.err")"
echo PASS
