#!/usr/bin/env bash
# The heavier variant of tests/ship/ship_cluster_kill.sh: a 3-node
# JetStream cluster on 127.0.0.1, a run of SHIP_EVENTS events (default
# 10,000,000) shipped while the node `record` uses is SIGKILLed and
# restarted; the collected trace must equal the local one byte for byte and
# hold exactly SHIP_EVENTS events. Prints record's shipping line.
#   bench/ship_cluster.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build/default}
src=$(cd "$(dirname "$0")/.." && pwd)
export SHIP_EVENTS=${SHIP_EVENTS:-10000000}
time "$src/tests/ship/ship_cluster_kill.sh" "$build/ctl/remora" "$build/tests/ship/ship_app" \
	"$(command -v babeltrace2)" "$(command -v nats-server)"
