#!/usr/bin/env bash
# 10,000 event types, each emitted once, between unrelated events: all are
# kept with the default catalog; with a catalog of 1,000 entries (the app's
# app's own events take 8), the 9,008 types that found no entry are counted
# lost, in the summary and in babeltrace2's "Tracer discarded", and the
# unrelated events are all kept.
source "$(dirname "$0")/lib.sh"

run all -- types 10000
check all
[ "$lost" = 0 ] || fail "all: $lost lost: $(cat "$out/all.err")"
[ "$(count all ' many:t[0-9]+:')" = 10000 ] || fail "all: $(count all ' many:t[0-9]+:') of 10000 types"
[ "$(count all ' app:mark:')" = 3 ] || fail "all: marks"

run full REMORA_EVENT_MAX=1000 -- types 10000
check full
[ "$lost" = 9008 ] || fail "full: $lost lost, not 9008: $(cat "$out/full.err")"
[ "$causes" = "9008 catalog full" ] || fail "full: causes '$causes'"
[ "$(count full ' many:t[0-9]+:')" = 992 ] || fail "full: $(count full ' many:t[0-9]+:') types kept"
[ "$(count full ' app:mark:')" = 3 ] || fail "full: marks"
echo PASS
