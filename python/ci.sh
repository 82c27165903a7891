#!/usr/bin/env bash
# The Python package and the Spark job, proved on a bare machine:
# creates a venv, builds the abi3 manylinux2014 wheel with maturin (zig),
# installs it (also into a fresh venv with nothing else, as a user would),
# and runs pytest: the Python API tests and the Spark local[2] tests that
# compare decisions byte for byte with `nudge eval`.
#
#   python/ci.sh             # from anywhere; called by .ci/run
#
# Environment: NUDGE_VENV (default target/py-venv), NUDGE_BIN (default: the
# debug `nudge` built here). Spark tests need Java; without one (and no way
# to install it with apt) they are skipped with a message, never silently.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

venv=${NUDGE_VENV:-target/py-venv}
python=${PYTHON:-python3}

echo "== python: $($python --version 2>&1), venv $venv"
if ! $python -c 'import sys; assert sys.version_info >= (3, 9)' 2>/dev/null; then
    echo "error: python/ci.sh needs Python 3.9 or later as \`$python\`" >&2
    exit 1
fi
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
if ! $python -m venv --help >/dev/null 2>&1 || ! $python -c 'import ensurepip' 2>/dev/null; then
    if can_apt; then
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    else
        echo "error: $python cannot create venvs; install python3-venv" >&2
        exit 1
    fi
fi

# Java for Spark: install a headless JRE when we can, else skip Spark loudly.
if ! command -v java >/dev/null; then
    if can_apt; then
        echo "== installing a Java runtime for Spark (apt)"
        apt-get update -qq && apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
    fi
fi
if command -v java >/dev/null; then
    export NUDGE_REQUIRE_SPARK=1
    echo "== java: $(java -version 2>&1 | head -n 1)"
else
    echo "!! SKIPPING the Spark tests: no Java runtime, and apt cannot install one here (not root or no apt-get)"
fi

if [ ! -x "$venv/bin/python" ]; then
    $python -m venv "$venv"
fi
# abs path: maturin finds zig through the venv's python on PATH.
venv=$(cd "$venv" && pwd)
export PATH="$venv/bin:$PATH"
echo "== pip install (pyspark, pandas, maturin, zig, pytest)"
pip install -q --disable-pip-version-check \
    "pyspark[sql]==4.3.0" "pandas>=2.2,<3" "maturin>=1.9,<2" ziglang "pytest>=7"

echo "== cargo build --all-features --bin nudge (the CLI the tests compare with)"
cargo build -q --all-features --bin nudge
export NUDGE_BIN=${NUDGE_BIN:-$PWD/target/debug/nudge}

echo "== maturin build --release --zig --compatibility manylinux2014"
rm -rf target/wheels
maturin build -q --release --zig --compatibility manylinux2014 -m python/Cargo.toml --out target/wheels
wheel=$(ls target/wheels/nudge-*.whl)
echo "wheel: $(basename "$wheel")"
case "$(basename "$wheel")" in
    *-cp39-abi3-manylinux*2014*|*-cp39-abi3-manylinux_2_17*) ;;
    *) echo "error: the wheel is not tagged cp39-abi3 manylinux2014" >&2; exit 1 ;;
esac
pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"

echo "== the wheel in a fresh venv (only its own dependencies)"
fresh=target/py-fresh
rm -rf "$fresh"
$python -m venv "$fresh"
"$fresh/bin/pip" install -q --disable-pip-version-check "$wheel"
"$fresh/bin/python" - <<'PY'
import nudge
ruleset = nudge.Ruleset.load("rules")
with open("examples/customers.ndjson") as f:
    first = f.readline()
records = ruleset.evaluate(first, "2026-11-23T09:00:00Z")
table = ruleset.evaluate_batch(open("examples/customers.ndjson").read().split("\n"), "2026-11-23T09:00:00Z")
print(f"fresh venv: nudge {nudge.__version__}, {len(ruleset.rules)} rules, "
      f"{len(records)} records for the first customer, {table.num_rows} for the file")
assert table.num_rows > 0
PY
rm -rf "$fresh"

echo "== pytest python/tests (API, Spark local[2], spark-submit example job)"
# Exit 5 (no tests collected) fails like any other non-zero exit.
status=0
pytest python/tests -q -rs -p no:cacheprovider || status=$?
if [ "$status" = 5 ]; then
    echo "error: pytest collected no tests" >&2
fi
echo "python/ci.sh: $(( $(date +%s) - started ))s"
exit "$status"
