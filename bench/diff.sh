#!/usr/bin/env bash
# `nudge diff` against `nudge eval` over the same generated customers.
#
# Generates N customers for the example ruleset (default 1,000,000; the same
# file as bench/throughput.sh), writes a copy of rules/ with import_guide's
# threshold lowered from 7 to 3 days, then times (best of RUNS, default 2):
#   - `nudge eval --rules rules` (decisions written to /dev/null),
#   - `nudge diff rules <copy>` (the Markdown report to /dev/null),
#   - `nudge diff rules rules` (no change),
# and prints seconds, customers/s, peak memory and CPU time (/usr/bin/time
# -v) and the diff/eval ratios (goal: time <= 2.2, memory < 150 MB).
#
# usage: bench/diff.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000000}
RUNS=${RUNS:-2}
DATA=${DATA:-target/bench-data}
mkdir -p "$DATA"
FILE="$DATA/customers-$N.ndjson"
NOW=2026-11-23T09:00:00Z

if ! command -v /usr/bin/time >/dev/null 2>&1 || ! /usr/bin/time -v true >/dev/null 2>&1; then
  echo "installing GNU time" >&2
  (apt-get update -qq && apt-get install -y -qq time) >/dev/null
fi

cargo build --release -q --bin nudge
NUDGE=target/release/nudge

if [ ! -s "$FILE" ]; then
  echo "generating $N customers into $FILE" >&2
  "$NUDGE" gen --rules rules --count "$N" --seed 42 --now "$NOW" > "$FILE"
fi
AFTER="$DATA/rules-after"
rm -rf "$AFTER" && mkdir -p "$AFTER" && cp rules/*.nudge "$AFTER/"
sed -i 's/and inactive for 7 days/and inactive for 3 days/' "$AFTER/onboarding.nudge"

measure() { # command... → prints "seconds peak_kb cpu_seconds" (the run with the best time)
  local best="" best_kb="" best_cpu=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -v "$@" > /dev/null 2> "$DATA/stderr.txt" || true
    local out wall peak secs cpu
    out=$(cat "$DATA/stderr.txt")
    wall=$(grep "Elapsed (wall clock)" <<<"$out" | awk '{print $NF}')
    peak=$(grep "Maximum resident set size" <<<"$out" | awk '{print $NF}')
    cpu=$(grep -E "(User|System) time" <<<"$out" | awk '{s += $NF} END {print s}')
    secs=$(awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }' <<<"$wall")
    if [ -z "$best" ] || [ "$(echo "$secs < $best" | bc -l)" = 1 ]; then
      best=$secs; best_kb=$peak; best_cpu=$cpu
    fi
  done
  echo "$best $best_kb $best_cpu"
}

row() { # label seconds peak_kb cpu_seconds
  printf "%-34s %8.2f %14.0f %10.1f %8.1f\n" "$1" "$2" "$(echo "$N / $2" | bc -l)" "$(echo "$3 / 1024" | bc -l)" "$4"
}

printf "%d customers, %d MB of NDJSON, best of %d runs\n\n" "$N" "$(du -m "$FILE" | cut -f1)" "$RUNS"
printf "%-34s %8s %14s %10s %8s\n" "run" "seconds" "customers/s" "peak MB" "CPU s"
read -r e_s e_kb e_cpu < <(measure "$NUDGE" eval --rules rules --snapshots "$FILE" --now "$NOW" --quiet)
row "nudge eval" "$e_s" "$e_kb" "$e_cpu"
read -r d_s d_kb d_cpu < <(measure "$NUDGE" diff rules "$AFTER" --snapshots "$FILE" --now "$NOW" --format markdown)
row "nudge diff (threshold 7 -> 3 days)" "$d_s" "$d_kb" "$d_cpu"
read -r n_s n_kb n_cpu < <(measure "$NUDGE" diff rules rules --snapshots "$FILE" --now "$NOW" --format markdown)
row "nudge diff (no change)" "$n_s" "$n_kb" "$n_cpu"
echo
printf "diff / eval time: %.2f (threshold), %.2f (no change)  (goal <= 2.2)\n" \
  "$(echo "$d_s / $e_s" | bc -l)" "$(echo "$n_s / $e_s" | bc -l)"
printf "diff / eval CPU:  %.2f (threshold), %.2f (no change)\n" \
  "$(echo "$d_cpu / $e_cpu" | bc -l)" "$(echo "$n_cpu / $e_cpu" | bc -l)"
"$NUDGE" diff rules "$AFTER" --snapshots "$FILE" --now "$NOW" --format text --examples 1 | head -12
