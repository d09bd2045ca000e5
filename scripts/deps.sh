#!/usr/bin/env bash
# Installs, with apt-get, everything the build, the tests, the demo and the
# fuzz preset need. Idempotent: when every package is present it only checks
# (dpkg-query) and returns within a second.  REMORA_DEPS_BENCH=1 adds the
# LTTng-UST packages the side-by-side benchmark uses (bench/run.sh) and
# time (/usr/bin/time, for bench/export.sh). python3 is always installed:
# the export tests check JSON and Perfetto output with it.
set -euo pipefail

pkgs=(build-essential cmake pkg-config liburcu-dev libcap-dev libseccomp-dev
      libcmocka-dev valgrind babeltrace2 clang libclang-rt-14-dev
      protobuf-c-compiler libprotobuf-c-dev protobuf-compiler python3
      libnats-dev nats-server openssl)
# scdoc renders the man pages; lintian, dpkg-dev (dpkg-shlibdeps) and file
# build and check the .deb packages (scripts/deb.sh); git gives
# `remora --version` its description
pkgs+=(scdoc lintian dpkg-dev file git)
if [ "${REMORA_DEPS_BENCH:-0}" = 1 ]; then
    pkgs+=(liblttng-ust-dev lttng-tools time)
fi

missing=()
for p in "${pkgs[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#pkgs[@]} packages present"
    exit 0
fi

sudo=()
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: done"
