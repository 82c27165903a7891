#!/usr/bin/env bash
# Runs fuzz inputs once each under gdb and says how each ends: ok, a panic
# (its message), a signal (stack overflow = SIGSEGV), or still running after
# SECS seconds (a hang: the stack is taken while it runs); then the top
# frames of nudge's own code, outermost last.
#
#   fuzz/triage.sh check fuzz/regressions/check/*        # SECS=4 by default
#
# Needs gdb and the targets built by run.sh (`cargo +nightly fuzz build -O -a -s none`).
set -uo pipefail
target=${1:?usage: fuzz/triage.sh TARGET FILE...}
shift
bin=$(dirname "$0")/target/x86_64-unknown-linux-gnu/release/$target
secs=${SECS:-4}
frames=${FRAMES:-8}
for input in "$@"; do
  out=$(timeout $((secs * 3 + 30)) nice -n 19 gdb -q -batch -nx \
    -ex 'set pagination off' -ex 'set print frame-arguments none' \
    -ex 'handle SIGALRM stop nopass' -ex 'handle SIGPIPE nostop noprint pass' \
    -ex run -ex 'info program' -ex "thread apply all bt 400" \
    --args "$bin" -timeout=$((secs * 2)) -rss_limit_mb=2048 "$input" 2>&1)
  if grep -q 'exited normally\|exited with code 00' <<<"$out"; then
    echo "== $input: ok"
    continue
  fi
  how=$(grep -m1 -oE 'received signal SIG[A-Z]+' <<<"$out" | sed 's/received signal //')
  case $how in
    SIGALRM) how="still running after ~$((secs))s (hang or very slow)" ;;
    SIGSEGV) grep -q 'has overflowed its stack' <<<"$out" && how="stack overflow (SIGSEGV)" || how="SIGSEGV (likely stack overflow)" ;;
    SIGABRT) how="abort: $(grep -m1 -A1 "panicked at" <<<"$out" | tr '\n' ' ')" ;;
    "") how=$(grep -m1 -E 'exited with code|out-of-memory|ERROR: libFuzzer' <<<"$out") ;;
  esac
  echo "== $input: $how"
  # Frames in nudge's own source (src/…), generics dropped, each once,
  # every thread's (the target runs on a worker thread).
  grep -E '^#[0-9]+ ' <<<"$out" | python3 -c '
import re, sys
n, seen = int(sys.argv[1]), []
for line in sys.stdin:
    m = re.match(r"#(\d+)\s+(?:0x[0-9a-f]+ in )?(.*?) \(.*\) at (\S+)$", line.strip())
    # Files of nudge; src/lib.rs is the fuzz harness (the one of nudge holds no code).
    if not m or not m.group(3).startswith("src/") or m.group(3).startswith("src/lib.rs"):
        continue
    name = m.group(2)
    while re.search(r"<[^<>]*>", name):
        name = re.sub(r"<[^<>]*>", "", name)
    frame = f"{name} at {m.group(3)}"
    if frame not in seen:
        seen.append(frame)
for frame in seen[:n]:
    print("    " + frame)
' "$frames"
done
