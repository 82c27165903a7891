"""examples/spark_eval.py under spark-submit on local[2], on 100,000 customers."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import NOW, ROOT, RULES, nudge_eval

if shutil.which("java") is None:
    if os.environ.get("NUDGE_REQUIRE_SPARK"):
        pytest.fail("NUDGE_REQUIRE_SPARK is set but there is no `java`", pytrace=False)
    pytest.skip("no Java: the Spark tests need a JRE (python/ci.sh installs one with apt)",
                allow_module_level=True)


def test_example_job_writes_the_cli_decisions(tmp_path, generated, nudge_bin):
    submit = os.path.join(os.path.dirname(sys.executable), "spark-submit")
    out = tmp_path / "decisions"
    done = subprocess.run(
        [submit, "--master", "local[2]", "--conf", "spark.ui.enabled=false",
         str(ROOT / "examples" / "spark_eval.py"), "--rules", str(RULES),
         "--snapshots", str(generated), "--now", NOW, "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT,
    )
    if done.returncode != 0:
        lines = done.stderr.splitlines()
        first = [l for l in lines if "Error" in l or "Exception" in l or "Traceback" in l][:30]
        pytest.fail(f"spark-submit exited {done.returncode}; first errors:\n" + "\n".join(first)
                    + "\n...\n" + "\n".join(lines[-30:]), pytrace=False)
    parts = sorted(out.glob("part-*"))
    assert parts
    written = b"".join(p.read_bytes() for p in parts)
    assert written == nudge_eval(nudge_bin, generated)
