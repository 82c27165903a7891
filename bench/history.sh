#!/usr/bin/env bash
# `nudge eval --history` at scale: N customers (default 1,000,000) and DAYS
# days of decision logs (default 90) from examples/history_logs.rs (about
# 12% of customers get a message each day, one in ten held out: ~11 M
# records, ~6 GB). Nothing is written to disk: customers stream from
# `nudge gen` on stdin and the logs from the generator through a FIFO.
# Prints the peak memory (/usr/bin/time -v) and wall time of `nudge eval`
# without and with the history (the generators run alongside, so the wall
# times are upper bounds), and the history summary line.
#
# usage: bench/history.sh [N] [DAYS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000000}
DAYS=${2:-90}
THREADS=${3:-2}
NOW=2026-11-23T09:00:00Z
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if ! command -v /usr/bin/time >/dev/null 2>&1 || ! /usr/bin/time -v true >/dev/null 2>&1; then
  echo "installing GNU time" >&2
  (apt-get update -qq && apt-get install -y -qq time) >/dev/null
fi

cargo build --release -q --bin nudge --example history_logs
NUDGE=target/release/nudge
LOGS=target/release/examples/history_logs

report() { # label → reads $TMP/time.txt
  local wall peak
  wall=$(grep "Elapsed (wall clock)" "$TMP/time.txt" | awk '{print $NF}')
  peak=$(grep "Maximum resident set size" "$TMP/time.txt" | awk '{print $NF}')
  awk -F: -v kb="$peak" -v label="$1" '{ s = (NF==3) ? $1*3600+$2*60+$3 : $1*60+$2; printf "%-40s %8.1f s %8.0f MB\n", label, s, kb/1024 }' <<<"$wall"
}

echo "$N customers, $DAYS days of logs, $THREADS threads"
"$NUDGE" gen --rules rules --count "$N" --seed 42 --now "$NOW" \
  | /usr/bin/time -v -o "$TMP/time.txt" "$NUDGE" eval --rules rules --snapshots - \
      --now "$NOW" --threads "$THREADS" --quiet > /dev/null
report "nudge eval"

mkfifo "$TMP/logs.ndjson"
"$LOGS" - "$N" "$DAYS" > "$TMP/logs.ndjson" 2> "$TMP/gen.txt" &
"$NUDGE" gen --rules rules --count "$N" --seed 42 --now "$NOW" \
  | /usr/bin/time -v -o "$TMP/time.txt" "$NUDGE" eval --rules rules --snapshots - \
      --now "$NOW" --threads "$THREADS" --history "$TMP/logs.ndjson" > /dev/null 2> "$TMP/eval.txt"
wait
report "nudge eval --history ($DAYS days)"
cat "$TMP/gen.txt"
grep -E "^history:|^evaluated" "$TMP/eval.txt" || true
