#!/usr/bin/env bash
# `nudge eval --history` at scale: N customers (default 1,000,000) and DAYS
# daily decision logs (default 90) from examples/history_logs.rs (about 12%
# of customers get a message each day, one in ten held out: ~11 M records,
# ~6 GB). Times `nudge eval` over the customers without and with the logs
# as history and prints wall seconds and peak memory (/usr/bin/time -v).
#
# usage: bench/history.sh [N] [DAYS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000000}
DAYS=${2:-90}
THREADS=${3:-2}
DATA=${DATA:-target/bench-data}
NOW=2026-11-23T09:00:00Z
CUSTOMERS="$DATA/customers-$N.ndjson"
LOGS="$DATA/history-$N"
mkdir -p "$DATA"

if ! command -v /usr/bin/time >/dev/null 2>&1 || ! /usr/bin/time -v true >/dev/null 2>&1; then
  echo "installing GNU time" >&2
  (apt-get update -qq && apt-get install -y -qq time) >/dev/null
fi

cargo build --release -q --bin nudge --example history_logs
NUDGE=target/release/nudge

if [ ! -s "$CUSTOMERS" ]; then
  echo "generating $N customers into $CUSTOMERS" >&2
  "$NUDGE" gen --rules rules --count "$N" --seed 42 --now "$NOW" > "$CUSTOMERS"
fi
if [ ! -d "$LOGS" ] || [ "$(ls "$LOGS" | wc -l)" -ne "$DAYS" ]; then
  rm -rf "$LOGS"
  target/release/examples/history_logs "$LOGS" "$N" "$DAYS"
fi

measure() { # command... → prints "seconds peak_mb"
  /usr/bin/time -v "$@" > /dev/null 2> "$DATA/history-stderr.txt" || true
  local wall peak
  wall=$(grep "Elapsed (wall clock)" "$DATA/history-stderr.txt" | awk '{print $NF}')
  peak=$(grep "Maximum resident set size" "$DATA/history-stderr.txt" | awk '{print $NF}')
  awk -F: -v kb="$peak" '{ s = (NF==3) ? $1*3600+$2*60+$3 : $1*60+$2; printf "%.1f %.0f\n", s, kb/1024 }' <<<"$wall"
}

printf "%d customers (%d MB), %d daily logs (%d MB, %s records)\n\n" "$N" \
  "$(du -m "$CUSTOMERS" | cut -f1)" "$DAYS" "$(du -sm "$LOGS" | cut -f1)" \
  "$(cat "$LOGS"/*.ndjson | wc -l)"
printf "%-34s %8s %8s\n" "run ($THREADS threads)" "seconds" "peak MB"
read -r s mb < <(measure "$NUDGE" eval --rules rules --snapshots "$CUSTOMERS" --now "$NOW" --threads "$THREADS" --quiet)
printf "%-34s %8s %8s\n" "nudge eval" "$s" "$mb"
read -r s mb < <(measure "$NUDGE" eval --rules rules --snapshots "$CUSTOMERS" --now "$NOW" --threads "$THREADS" --history "$LOGS")
printf "%-34s %8s %8s\n" "nudge eval --history (90 days)" "$s" "$mb"
grep "^history:" "$DATA/history-stderr.txt" || true
grep "decisions" "$DATA/history-stderr.txt" | head -1 || true
