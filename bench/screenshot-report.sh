#!/usr/bin/env bash
# Renders the HTML lift report of the synthetic experiment in a real browser
# (headless Chromium from Debian's packages) to a PNG, and checks that the
# page asks the network for nothing.
#
# The experiment is the one of tests/report.rs (20,000 customers, a +5 point
# true effect on import_guide, no effect on the A/B rule upgrade_pitch); the
# test leaves its page in target/tmp/lift-report.html.
#
# usage: bench/screenshot-report.sh [OUT.png]     (default target/lift-report.png)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-target/lift-report.png}

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium from Debian's packages" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
fi

cargo test -q --all-features --test report synthetic_experiment >/dev/null
PAGE=target/tmp/lift-report.html
test -s "$PAGE"

# Nothing to fetch: no URL with a scheme or a protocol-relative one, and no
# element or rule that loads anything.
if grep -Eiq 'https?://|src=|href=|url\(|@import|<script|<link' "$PAGE"; then
  echo "error: $PAGE refers to something outside the page" >&2
  exit 1
fi

# A proxy that does not exist: should the page (or the browser itself) ask
# for anything over the network, it goes nowhere.
LOG=target/lift-report-chromium.log
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' \
  --window-size=1040,1500 --screenshot="$OUT" "file://$PWD/$PAGE" >"$LOG" 2>&1 || {
  cat "$LOG" >&2
  exit 1
}
echo "wrote $OUT from $PAGE ($(wc -c <"$PAGE") bytes of HTML)"
