"""Shared fixtures: the repository's rules and examples, the `nudge` binary
the Python results are compared with, and a 100,000-customer file."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
EXAMPLE = ROOT / "examples" / "customers.ndjson"
NOW = "2026-11-23T09:00:00Z"

# Spark workers must run this interpreter (it has pyarrow and nudge), and
# everything binds to the loopback interface.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture(scope="session")
def nudge_bin():
    path = pathlib.Path(os.environ.get("NUDGE_BIN", ROOT / "target" / "debug" / "nudge"))
    if not path.exists():
        pytest.fail(f"no nudge binary at {path}; build it (cargo build) or set NUDGE_BIN")
    return path


def run_nudge(nudge_bin, *args, check=True):
    """Runs the nudge CLI; returns the completed process (stdout as bytes)."""
    done = subprocess.run([str(nudge_bin), *map(str, args)], capture_output=True, cwd=ROOT)
    if check and done.returncode not in (0, 2):
        raise AssertionError(f"nudge {' '.join(map(str, args))} failed: {done.stderr.decode()}")
    return done


def nudge_eval(nudge_bin, snapshots, *extra):
    """`nudge eval` decisions for a file, as bytes."""
    return run_nudge(
        nudge_bin, "eval", "--rules", RULES, "--snapshots", snapshots, "--now", NOW, "--quiet", *extra
    ).stdout


@pytest.fixture(scope="session")
def generated(tmp_path_factory, nudge_bin):
    """100,000 customers from `nudge gen` (fixed seed), as a file path."""
    path = tmp_path_factory.mktemp("gen") / "customers-100k.ndjson"
    with open(path, "wb") as out:
        subprocess.run(
            [str(nudge_bin), "gen", "--rules", str(RULES), "--count", "100000", "--seed", "7",
             "--now", NOW],
            stdout=out, check=True, cwd=ROOT,
        )
    return path
