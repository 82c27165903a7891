#!/usr/bin/env bash
# Runs every fuzz target in turn for SECONDS each (or only the TARGETs
# named), then prints per target: executions, coverage (cov = edges, ft =
# features), and the crashes, timeouts and out-of-memory inputs found.
#
#   fuzz/run.sh 300                 # every target, 5 minutes each
#   fuzz/run.sh 1200 check server   # two targets, 20 minutes each
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# One fuzzer at a time, one process, at the lowest CPU priority, with bounded
# memory: the machine is shared. libFuzzer runs in fork mode (one child at a
# time) and keeps going after a crash, so one run finds several classes; the
# inputs land in fuzz/artifacts/TARGET/. Not part of CI.
set -euo pipefail

usage="usage: fuzz/run.sh SECONDS [TARGET...]"
seconds=${1:?$usage}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "$usage" >&2; exit 2; }
shift
cd "$(dirname "$0")"
all=(check snapshot_line snapshot_yaml rule_test server)
if (($#)); then targets=("$@"); else targets=("${all[@]}"); fi

# The longest input per target: the 70,000-character crash lines need 80k;
# the YAML and HTTP bodies need less.
max_len() {
  case $1 in
    check | snapshot_line) echo 80000 ;;
    rule_test | server) echo 65536 ;;
    *) echo 16384 ;;
  esac
}

# Keywords help the mutator build tokens it would take long to guess.
dict() {
  case $1 in
    check) echo dicts/check.dict ;;
    *) echo dicts/data.dict ;;
  esac
}

build=(+nightly fuzz build -O -a -s none)
python3 make_corpus.py
nice -n 19 cargo "${build[@]}"

mkdir -p logs
summary=()
for target in "${targets[@]}"; do
  [[ -d seeds/$target ]] || { echo "unknown target $target; the targets are ${all[*]}" >&2; exit 2; }
  mkdir -p "corpus/$target" "artifacts/$target"
  before=$(ls "artifacts/$target" | wc -l)
  log=logs/$target.log
  echo "== $target: ${seconds}s (log: fuzz/$log)"
  # -fork=1: one child process at a time, restarted after a crash; the
  # -ignore_* flags keep fuzzing after one. -rss_limit_mb and -timeout
  # turn memory blow-ups and hangs into findings.
  nice -n 19 cargo +nightly fuzz run -O -a -s none "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -max_len="$(max_len "$target")" -dict="$(dict "$target")" \
    -artifact_prefix="artifacts/$target/" -print_final_stats=1 >"$log" 2>&1 || true
  # The last status line: `#EXECS: cov: N ft: N corp: N exec/s: N oom/timeout/crash: A/B/C time: Ns`.
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
  execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$last")
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  oct=$(sed -nE 's/.*oom\/timeout\/crash: ([0-9]+\/[0-9]+\/[0-9]+).*/\1/p' <<<"$last")
  after=$(ls "artifacts/$target" | wc -l)
  line=$(printf '%-14s executions %-10s cov %-6s ft %-7s oom/timeout/crash %-9s new artifacts %s' \
    "$target" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${oct:-?}" "$((after - before))")
  echo "$line"
  summary+=("$line")
done
echo
echo "== summary (${seconds}s per target; inputs in fuzz/artifacts/TARGET/)"
printf '%s\n' "${summary[@]}"
