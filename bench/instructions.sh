#!/usr/bin/env bash
# Instructions per customer of `nudge eval --threads 1`, counted with
# callgrind (independent of machine load), plus wall-time ratios against
# the parse-only baseline (examples/parse_only.rs) at 1 and 2 threads.
#
# Rulesets: the example ruleset (rules/) and a generated 400-rule ruleset
# (the example schema plus 400 rules cycling through the language's forms,
# the same forms as `synthetic()` in benches/evaluate.rs), written to
# $DATA/rules400/. Customers come from `nudge gen --seed 42`.
#
# Instructions per customer = (Ir(N) - Ir(1)) / (N - 1), where Ir(k) is
# callgrind's total for one run over the first k customers: start-up
# (loading and compiling the ruleset) cancels out.
#
# "raw" is callgrind's count. Under valgrind the sha2 crate cannot use the
# SHA-NI instructions and runs its portable compression function, which
# costs far more per 64-byte block than the hardware path. "sha native"
# replaces that: it subtracts the instructions callgrind attributes
# (inclusively) to sha2's compression functions and adds 160 per 64-byte
# block. The number of blocks is the subtracted count divided by the
# portable cost of one block, which the script measures itself: one extra
# run with `--manifest` hashes the whole input file (ceil((bytes+9)/64)
# blocks more than the same run without it).
#
# BASELINE=path/to/an/older/nudge adds that binary's figures, counted the
# same way over the same files in the same run (before/after tables).
#
# usage: [N=500] [WALL_N=100000] [NO_BUILD=1] [BASELINE=old-nudge] bench/instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-500}
WALL_N=${WALL_N:-100000}
DATA=${DATA:-target/bench-data}
NOW=2026-11-23T09:00:00Z
NATIVE_PER_BLOCK=160
mkdir -p "$DATA"

if ! command -v valgrind >/dev/null 2>&1; then
  echo "installing valgrind" >&2
  (apt-get update -qq && apt-get install -y -qq valgrind) >/dev/null
fi
if ! /usr/bin/time -v true >/dev/null 2>&1; then
  echo "installing GNU time" >&2
  (apt-get update -qq && apt-get install -y -qq time) >/dev/null
fi

[ -n "${NO_BUILD:-}" ] || cargo build --release -q --bin nudge --example parse_only
NUDGE=target/release/nudge
PARSE=target/release/examples/parse_only

# --- the generated 400-rule ruleset -----------------------------------------
R400="$DATA/rules400"
mkdir -p "$R400"
cp rules/schema.nudge "$R400/schema.nudge"
{
  for ((i = 0; i < 400; i++)); do
    k=$((i % 23 + 1))
    case $((i % 8)) in
      0) when="plan == \"trial\" and inactive for $k days" ;;
      1) when="mrr > $((k * 10)) and seats_active >= seats_paid" ;;
      2) when="watched at least $((k % 5 + 1)) times within $k days" ;;
      3) when="sum(watched.minutes within 30 days) >= $k" ;;
      4) when="(last_seen_at ?? signed_up_at) older than $k days and never imported_data" ;;
      5) when="count(feature_used where feature == \"export\" within 30 days) >= $((k % 4))" ;;
      6) when="plan in [\"starter\", \"pro\"] and open_tickets < $((k % 5))" ;;
      *) prev=$((i > 0 ? i - 1 : 0)); when="never sent \"m$prev\" within 7 days and signed_up_at older than $k days" ;;
    esac
    channels=(email in_app push)
    printf 'rule r%d {\n  when %s\n  send %s "m%d"\n  priority %d\n  cooldown %d days\n}\n\n' \
      "$i" "$when" "${channels[$((i % 3))]}" "$i" "$((i % 100))" "$((i % 30 + 1))"
  done
} > "$R400/rules.nudge"

# --- customers ---------------------------------------------------------------
gen() { # rules-dir count file
  [ -s "$3" ] || "$NUDGE" gen --rules "$1" --count "$2" --seed 42 --now "$NOW" > "$3"
}
gen rules "$N" "$DATA/ex-$N.ndjson"
gen "$R400" "$N" "$DATA/r400-$N.ndjson"
head -n 1 "$DATA/ex-$N.ndjson" > "$DATA/ex-1.ndjson"
head -n 1 "$DATA/r400-$N.ndjson" > "$DATA/r400-1.ndjson"

# --- callgrind ---------------------------------------------------------------
# callgrind RULES FILE [extra args] → prints "total_Ir sha_Ir" (of $BIN)
BIN=$NUDGE
callgrind() {
  local rules=$1 file=$2 out="$DATA/callgrind.out"
  shift 2
  rm -f "$out"
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$BIN" eval --rules "$rules" --snapshots "$file" --now "$NOW" --threads 1 --quiet \
    --out /dev/null "$@" > /dev/null 2>&1
  local total sha
  total=$(grep -m1 '^summary:' "$out" | awk '{print $2}')
  sha=$(callgrind_annotate --inclusive=yes --threshold=100 "$out" 2>/dev/null |
    grep -E 'sha2::sha256::.*(compress|digest_block)' |
    awk '{gsub(",", "", $1); if ($1 > m) m = $1} END {print m + 0}')
  echo "$total $sha"
}

# portable cost of one SHA-256 block, from hashing the input for a manifest
read -r a_ir a_sha < <(callgrind rules "$DATA/ex-$N.ndjson")
read -r m_ir m_sha < <(callgrind rules "$DATA/ex-$N.ndjson" --manifest "$DATA/manifest.json")
BYTES=$(stat -c %s "$DATA/ex-$N.ndjson")
FILE_BLOCKS=$(( (BYTES + 9 + 63) / 64 ))
SOFT_PER_BLOCK=$(echo "($m_sha - $a_sha) / $FILE_BLOCKS" | bc -l)
printf "portable SHA-256 under callgrind: %.0f instructions per 64-byte block (native: ~%d)\n\n" \
  "$SOFT_PER_BLOCK" "$NATIVE_PER_BLOCK"

per_customer() { # label → one table row for $BIN
  printf "instructions per customer, %s, nudge eval --threads 1 (N = %d)\n" "$1" "$N"
  printf "%-22s %14s %14s\n" "ruleset" "raw" "sha native"
  for set in ex r400; do
    rules=rules
    [ "$set" = r400 ] && rules="$R400"
    read -r i1 s1 < <(callgrind "$rules" "$DATA/$set-1.ndjson")
    read -r iN sN < <(callgrind "$rules" "$DATA/$set-$N.ndjson")
    raw=$(echo "($iN - $i1) / ($N - 1)" | bc -l)
    nat=$(echo "(($iN - $sN) - ($i1 - $s1) + ($sN - $s1) / $SOFT_PER_BLOCK * $NATIVE_PER_BLOCK) / ($N - 1)" | bc -l)
    label="example (17 rules)"
    [ "$set" = r400 ] && label="generated 400 rules"
    printf "%-22s %14.0f %14.0f\n" "$label" "$raw" "$nat"
  done
}
per_customer "$NUDGE"
if [ -n "${BASELINE:-}" ]; then
  echo
  BIN=$BASELINE
  per_customer "baseline $BASELINE"
  BIN=$NUDGE
fi

# --- wall time vs the parse-only baseline ------------------------------------
gen rules "$WALL_N" "$DATA/ex-$WALL_N.ndjson"
wall() { # command... → seconds
  /usr/bin/time -f %e "$@" > /dev/null 2> "$DATA/time.txt" || true
  tail -n 1 "$DATA/time.txt"
}
echo
printf "wall time, example ruleset, %d customers (machine shared: ratios, not seconds)\n" "$WALL_N"
declare -A eval_s
for threads in 1 2; do
  e=$(wall "$NUDGE" eval --rules rules --snapshots "$DATA/ex-$WALL_N.ndjson" --now "$NOW" --threads "$threads" --quiet)
  p=$(wall "$PARSE" "$DATA/ex-$WALL_N.ndjson" "$threads")
  eval_s[$threads]=$e
  printf "%d thread(s): eval %.2fs, parse-only %.2fs, ratio %.2f (target <= 1.0)\n" \
    "$threads" "$e" "$p" "$(echo "$e / $p" | bc -l)"
  if [ -n "${BASELINE:-}" ]; then
    b=$(wall "$BASELINE" eval --rules rules --snapshots "$DATA/ex-$WALL_N.ndjson" --now "$NOW" --threads "$threads" --quiet)
    printf "%d thread(s): baseline eval %.2fs, ratio %.2f\n" "$threads" "$b" "$(echo "$b / $p" | bc -l)"
  fi
done
printf "2 threads / 1 thread: %.2fx faster (target >= 1.8)\n" "$(echo "${eval_s[1]} / ${eval_s[2]}" | bc -l)"
