#!/usr/bin/env bash
# Batch throughput of `nudge eval` against a parse-only baseline.
#
# Generates N customers for the example ruleset (default 1,000,000), then
# times, at 1 and at 2 threads:
#   - `nudge eval` over the file (decisions written to /dev/null),
#   - a parse-only pass over the same file into serde_json::Value with the
#     same chunked rayon pipeline (examples/parse_only.rs),
# and prints customers/s, the eval/parse ratio, the 2-vs-1 thread speed-up
# and peak memory (/usr/bin/time -v). The input is hashed only when a
# manifest is written, so `nudge eval --manifest` is timed too.
#
# With BASELINE=path/to/an/older/nudge, that binary is timed in the same run
# (same file, same moment), since the machine is shared and noisy.
#
# NO_BUILD=1 times the binaries already in target/release.
#
# usage: [BASELINE=nudge-old] [NO_BUILD=1] bench/throughput.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000000}
DATA=${DATA:-target/bench-data}
mkdir -p "$DATA"
FILE="$DATA/customers-$N.ndjson"
NOW=2026-11-23T09:00:00Z

if ! command -v /usr/bin/time >/dev/null 2>&1 || ! /usr/bin/time -v true >/dev/null 2>&1; then
  echo "installing GNU time" >&2
  (apt-get update -qq && apt-get install -y -qq time) >/dev/null
fi

[ -n "${NO_BUILD:-}" ] || cargo build --release -q --bin nudge --example parse_only
NUDGE=target/release/nudge
PARSE=target/release/examples/parse_only

if [ ! -s "$FILE" ]; then
  echo "generating $N customers into $FILE" >&2
  "$NUDGE" gen --rules rules --count "$N" --seed 42 --now "$NOW" > "$FILE"
fi
SIZE=$(du -m "$FILE" | cut -f1)

measure() { # label, command... → prints "seconds peak_kb"
  local out
  out=$( { /usr/bin/time -v "$@" > /dev/null 2> "$DATA/stderr.txt"; } 2>&1 || true )
  out=$(cat "$DATA/stderr.txt")
  local wall peak
  wall=$(grep "Elapsed (wall clock)" <<<"$out" | awk '{print $NF}')
  peak=$(grep "Maximum resident set size" <<<"$out" | awk '{print $NF}')
  # wall is m:ss.cc or h:mm:ss
  local secs
  secs=$(awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }' <<<"$wall")
  echo "$secs $peak"
}

printf "%d customers, %d MB of NDJSON\n\n" "$N" "$SIZE"
printf "%-28s %8s %14s %10s\n" "run" "seconds" "customers/s" "peak MB"
declare -A T
for threads in 1 2; do
  read -r e_s e_kb < <(measure "$NUDGE" eval --rules rules --snapshots "$FILE" --now "$NOW" --threads "$threads" --quiet)
  read -r p_s p_kb < <(measure "$PARSE" "$FILE" "$threads")
  T[eval$threads]=$e_s; T[parse$threads]=$p_s
  printf "%-28s %8.2f %14.0f %10.1f\n" "nudge eval, $threads thread(s)" "$e_s" "$(echo "$N / $e_s" | bc -l)" "$(echo "$e_kb / 1024" | bc -l)"
  printf "%-28s %8.2f %14.0f %10.1f\n" "parse-only, $threads thread(s)" "$p_s" "$(echo "$N / $p_s" | bc -l)" "$(echo "$p_kb / 1024" | bc -l)"
  read -r m_s m_kb < <(measure "$NUDGE" eval --rules rules --snapshots "$FILE" --now "$NOW" --threads "$threads" --quiet --manifest "$DATA/manifest.json")
  printf "%-28s %8.2f %14.0f %10.1f\n" "nudge eval --manifest, $threads" "$m_s" "$(echo "$N / $m_s" | bc -l)" "$(echo "$m_kb / 1024" | bc -l)"
  if [ -n "${BASELINE:-}" ]; then
    read -r b_s b_kb < <(measure "$BASELINE" eval --rules rules --snapshots "$FILE" --now "$NOW" --threads "$threads" --quiet --manifest "$DATA/manifest-baseline.json")
    printf "%-28s %8.2f %14.0f %10.1f\n" "baseline --manifest, $threads" "$b_s" "$(echo "$N / $b_s" | bc -l)" "$(echo "$b_kb / 1024" | bc -l)"
  fi
done
echo
printf "eval / parse-only ratio:  1 thread %.2f, 2 threads %.2f  (target <= 1.0)\n" \
  "$(echo "${T[eval1]} / ${T[parse1]}" | bc -l)" "$(echo "${T[eval2]} / ${T[parse2]}" | bc -l)"
printf "eval speed-up 2 vs 1 thread: %.2fx  (target >= 1.8x)\n" "$(echo "${T[eval1]} / ${T[eval2]}" | bc -l)"
