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
echo PASS
