#!/usr/bin/env bash
# Load test of `nudge serve`: POST /v1/evaluate on the example ruleset.
#
# Builds the release binary with the server, starts it on rules/ (a free
# loopback port), picks a sample customer (`nudge gen --seed 42`, the first
# one whose evaluation decides something), and drives it with wrk (installed
# from Debian if missing) for DURATION with THREADS threads and CONNECTIONS
# keep-alive connections. Prints requests/s and the p50/p90/p99 latency.
#
# The load generator and the server share the machine: on 2 cores the
# figures are a floor, not the server's ceiling.
#
# usage: bench/serve.sh            (env: DURATION=15s THREADS=2 CONNECTIONS=32 RUST_LOG=info)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
export RUST_LOG=${RUST_LOG:-info}
NOW=2026-11-23T09:00:00Z
TARGET=${CARGO_TARGET_DIR:-target}
DATA=$TARGET/bench-serve
mkdir -p "$DATA"

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null 2>&1
fi

cargo build --release -q --features server --bin nudge
NUDGE=$TARGET/release/nudge

# A sample customer with at least one decision, so the request does real work.
"$NUDGE" gen --rules rules --count 200 --seed 42 --now "$NOW" > "$DATA/customers.ndjson"
CUSTOMER=""
while IFS= read -r line; do
  if [ -n "$(printf '%s\n' "$line" | "$NUDGE" eval --rules rules --snapshots - --now "$NOW" --quiet)" ]; then
    CUSTOMER=$line
    break
  fi
done < "$DATA/customers.ndjson"
[ -n "$CUSTOMER" ] || { echo "no customer with a decision in the sample" >&2; exit 1; }
printf '{"customer": %s, "now": "%s"}' "$CUSTOMER" "$NOW" > "$DATA/body.json"

cat > "$DATA/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("$DATA/body.json", "r"))
wrk.body = f:read("*a")
f:close()
EOF

source bench/start_server.sh
start_server

# One request by hand: it must succeed and decide something.
STATUS=$(curl -s -o "$DATA/response.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary @"$DATA/body.json" "$URL/v1/evaluate")
[ "$STATUS" = 200 ] || { echo "POST /v1/evaluate answered $STATUS:" >&2; cat "$DATA/response.json" >&2; exit 1; }
DECISIONS=$(grep -o '"decision_id"' "$DATA/response.json" | wc -l)
BYTES=$(wc -c < "$DATA/body.json")

echo "nudge serve, POST /v1/evaluate on rules/ ($BYTES-byte request, $DECISIONS decisions per response)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, RUST_LOG=$RUST_LOG, $(nproc) cores"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$DATA/post.lua" "$URL/v1/evaluate" | tee "$DATA/wrk.txt"

RPS=$(awk '/^Requests\/sec:/ {print $2}' "$DATA/wrk.txt")
P50=$(awk '$1 == "50%" {print $2}' "$DATA/wrk.txt")
P90=$(awk '$1 == "90%" {print $2}' "$DATA/wrk.txt")
P99=$(awk '$1 == "99%" {print $2}' "$DATA/wrk.txt")
ERRORS=$(awk '/Non-2xx/ {print $NF}' "$DATA/wrk.txt")
echo
echo "requests/s: $RPS"
echo "latency p50: $P50  p90: $P90  p99: $P99"
[ -z "$ERRORS" ] || { echo "non-2xx responses: $ERRORS" >&2; exit 1; }
