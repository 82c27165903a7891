#!/usr/bin/env bash
# Slowloris against `nudge serve`: IDLE connections that send nothing and
# TRICKLE connections that send a request head one byte every 200 ms, while
# a client POSTs a customer to /v1/evaluate ten times a second
# (examples/slowloris.rs). Prints how many attack connections the server
# closed and after how long (from their connect), the client's successes,
# then the time the server takes to exit on SIGTERM with the same attack
# connections open.
#
# The timeouts do not depend on the build's optimisation: the debug build
# is used (PROFILE=release for the release one).
#
# usage: bench/slowloris.sh   (env: IDLE=200 TRICKLE=50 HEADER_TIMEOUT=5s IDLE_TIMEOUT=10s)
set -euo pipefail
cd "$(dirname "$0")/.."

IDLE=${IDLE:-200}
TRICKLE=${TRICKLE:-50}
HEADER_TIMEOUT=${HEADER_TIMEOUT:-5s}
IDLE_TIMEOUT=${IDLE_TIMEOUT:-10s}
PROFILE=${PROFILE:-debug}
NOW=2026-11-23T09:00:00Z
TARGET=${CARGO_TARGET_DIR:-target}
DATA=$TARGET/bench-slowloris
mkdir -p "$DATA"

flag=()
[ "$PROFILE" = release ] && flag=(--release)
cargo build -q "${flag[@]}" --features server --bin nudge --example slowloris
NUDGE=$TARGET/$PROFILE/nudge
ATTACK=$TARGET/$PROFILE/examples/slowloris

printf '{"customer": %s, "now": "%s"}' "$(head -n 1 examples/customers.ndjson)" "$NOW" > "$DATA/body.json"

source bench/start_server.sh
start_server --header-timeout "$HEADER_TIMEOUT" --idle-timeout "$IDLE_TIMEOUT"
ADDR=${URL#http://}

echo "nudge serve --header-timeout $HEADER_TIMEOUT --idle-timeout $IDLE_TIMEOUT ($PROFILE build), $IDLE idle + $TRICKLE trickling connections"
"$ATTACK" "$ADDR" "$SERVER" "$DATA/body.json" "$IDLE" "$TRICKLE"
wait "$SERVER" && echo "server exit code: 0" || echo "server exit code: $?"
trap - EXIT
