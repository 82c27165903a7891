#!/usr/bin/env bash
# `nudge diff` against `nudge eval` over the same generated customers.
#
# Generates N customers for the example ruleset (default 1,000,000; the same
# file as bench/throughput.sh), writes a copy of rules/ with import_guide's
# threshold lowered from 7 to 3 days, then times (best of RUNS alternating
# runs, default 3):
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
RUNS=${RUNS:-3}
DATA=${DATA:-target/bench-data}
mkdir -p "$DATA"
FILE="$DATA/customers-$N.ndjson"
NOW=2026-11-23T09:00:00Z

if ! command -v /usr/bin/time >/dev/null 2>&1 || ! /usr/bin/time -v true >/dev/null 2>&1; then
  echo "installing GNU time" >&2
  (apt-get update -qq && apt-get install -y -qq time) >/dev/null
fi

[ -n "${NO_BUILD:-}" ] || cargo build --release -q --bin nudge
NUDGE=target/release/nudge

if [ ! -s "$FILE" ]; then
  echo "generating $N customers into $FILE" >&2
  "$NUDGE" gen --rules rules --count "$N" --seed 42 --now "$NOW" > "$FILE"
fi
AFTER="$DATA/rules-after"
rm -rf "$AFTER" && mkdir -p "$AFTER" && cp rules/*.nudge "$AFTER/"
sed -i 's/and inactive for 7 days/and inactive for 3 days/' "$AFTER/onboarding.nudge"

once() { # command... → prints "seconds peak_kb cpu_seconds" of one run
  /usr/bin/time -v "$@" > /dev/null 2> "$DATA/stderr.txt" || true
  local out wall peak cpu
  out=$(cat "$DATA/stderr.txt")
  wall=$(grep "Elapsed (wall clock)" <<<"$out" | awk '{print $NF}')
  peak=$(grep "Maximum resident set size" <<<"$out" | awk '{print $NF}')
  cpu=$(grep -E "(User|System) time" <<<"$out" | awk '{s += $NF} END {print s}')
  echo "$(awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }' <<<"$wall") $peak $cpu"
}

# The three commands alternate, RUNS times, so that a busy machine slows
# them alike; each keeps its best time (with that run's memory and CPU).
declare -A BEST
keep() { # name "seconds peak cpu"
  local s; s=$(cut -d' ' -f1 <<<"$2")
  if [ -z "${BEST[$1]:-}" ] || [ "$(echo "$s < $(cut -d' ' -f1 <<<"${BEST[$1]}")" | bc -l)" = 1 ]; then
    BEST[$1]=$2
  fi
}
for _ in $(seq "$RUNS"); do
  keep eval "$(once "$NUDGE" eval --rules rules --snapshots "$FILE" --now "$NOW" --quiet)"
  keep diff "$(once "$NUDGE" diff rules "$AFTER" --snapshots "$FILE" --now "$NOW" --format markdown)"
  keep same "$(once "$NUDGE" diff rules rules --snapshots "$FILE" --now "$NOW" --format markdown)"
done

row() { # label "seconds peak_kb cpu_seconds"
  read -r s kb cpu <<<"$2"
  printf "%-34s %8.2f %14.0f %10.1f %8.1f\n" "$1" "$s" "$(echo "$N / $s" | bc -l)" "$(echo "$kb / 1024" | bc -l)" "$cpu"
}
ratio() { # field a b
  echo "$(cut -d' ' -f"$1" <<<"${BEST[$2]}") / $(cut -d' ' -f"$1" <<<"${BEST[$3]}")" | bc -l
}

printf "%d customers, %d MB of NDJSON, best of %d alternating runs\n\n" "$N" "$(du -m "$FILE" | cut -f1)" "$RUNS"
printf "%-34s %8s %14s %10s %8s\n" "run" "seconds" "customers/s" "peak MB" "CPU s"
row "nudge eval" "${BEST[eval]}"
row "nudge diff (threshold 7 -> 3 days)" "${BEST[diff]}"
row "nudge diff (no change)" "${BEST[same]}"
echo
printf "diff / eval time: %.2f (threshold), %.2f (no change)  (goal <= 2.2)\n" "$(ratio 1 diff eval)" "$(ratio 1 same eval)"
printf "diff / eval CPU:  %.2f (threshold), %.2f (no change)\n" "$(ratio 3 diff eval)" "$(ratio 3 same eval)"
"$NUDGE" diff rules "$AFTER" --snapshots "$FILE" --now "$NOW" --format text --examples 1 | head -12
