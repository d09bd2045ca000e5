#!/usr/bin/env bash
# tls:// URLs: a server that requires TLS with a certificate of a private
# CA; with REMORA_SHIP_CA naming the CA, `record --ship tls://` ships and
# `collect tls://` rebuilds the trace byte for byte; without it the server's
# certificate is refused, `record` says so and keeps the trace locally.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || fail "openssl is missing (scripts/deps.sh installs it)"
cd "$T" || fail "cd"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=remora-test-ca \
	-keyout ca.key -out ca.pem >/dev/null 2>&1 || fail "CA"
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout srv.key -out srv.csr \
	>/dev/null 2>&1 || fail "server key"
printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
	-extfile ext.cnf -out srv.pem >/dev/null 2>&1 || fail "server certificate"
p=$(free_port)
cat >"$T/tls.conf" <<CONF
listen: 127.0.0.1:$p
jetstream { store_dir: "$T/tls.js" }
tls { cert_file: "$T/srv.pem", key_file: "$T/srv.key" }
CONF
start_node tls
wait_port "$p"
url=tls://127.0.0.1:$p

REMORA_SHIP_WAIT_MS=1500 "$remora" record -o "$T/plain" --ship "$url" -- "$app" 1000 1000 0 \
	>/dev/null 2>"$T/r0.err" || fail "record without the CA: $(cat "$T/r0.err")"
grep -q "cannot reach NATS at $url" "$T/r0.err" || fail "an untrusted certificate was not refused: $(cat "$T/r0.err")"
grep -q "^remora: 1000 events recorded, 0 lost" "$T/r0.err" || fail "without the CA: $(cat "$T/r0.err")"

export REMORA_SHIP_CA=$T/ca.pem
"$remora" record -o "$T/run" --ship "$url" -- "$app" 30000 3000 0 >/dev/null 2>"$T/r.err" ||
	fail "record: $(cat "$T/r.err")"
grep -q "were not acknowledged" "$T/r.err" && fail "record over TLS: $(cat "$T/r.err")"
"$remora" collect "$url" -o "$T/c" 2>"$T/c.err" || fail "collect: $(cat "$T/c.err")"
host=$(ls "$T/c")
same_tree "$T/run" "$T/c/$host/run"
[ "$(bt_events "$T/c/$host/run")" = 30000 ] || fail "collected over TLS"
echo PASS
