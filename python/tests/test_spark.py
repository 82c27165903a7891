"""nudge.spark on local[2]: the decisions are byte for byte `nudge eval`'s."""

import os
import shutil

import pytest

import nudge
from conftest import EXAMPLE, NOW, RULES, nudge_eval

if shutil.which("java") is None:
    if os.environ.get("NUDGE_REQUIRE_SPARK"):
        pytest.fail("NUDGE_REQUIRE_SPARK is set but there is no `java`", pytrace=False)
    pytest.skip("no Java: the Spark tests need a JRE (python/ci.sh installs one with apt)",
                allow_module_level=True)

pyspark = pytest.importorskip("pyspark")
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

import nudge.spark  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    session = (
        SparkSession.builder.master("local[2]")
        .appName("nudge tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    yield session
    session.stop()


def read_lines(spark, path):
    return (
        spark.read.option("lineSep", "\n").text(str(path))
        .withColumn("file", F.input_file_name())
        .withColumn("pos", F.monotonically_increasing_id())
    )


def ndjson(df, tmp_path):
    """The records in input order, as the bytes `nudge eval` writes."""
    out = tmp_path / "decisions"
    rows = df.where(F.col("error").isNull()).orderBy("file", "pos", "seq").select("record")
    rows.write.text(str(out))
    return b"".join(p.read_bytes() for p in sorted(out.glob("part-*")))


def test_example_file_is_byte_identical(spark, nudge_bin, tmp_path):
    ruleset = nudge.Ruleset.load(RULES)
    decisions = nudge.spark.evaluate(read_lines(spark, EXAMPLE), ruleset, NOW)
    assert ndjson(decisions, tmp_path) == nudge_eval(nudge_bin, EXAMPLE)


def test_explain_and_ruleset_path(spark, nudge_bin, tmp_path):
    decisions = nudge.spark.evaluate(read_lines(spark, EXAMPLE), str(RULES), NOW, explain=True)
    assert ndjson(decisions, tmp_path) == nudge_eval(nudge_bin, EXAMPLE, "--explain")


def test_generated_file_is_byte_identical(spark, nudge_bin, generated, tmp_path):
    lines = read_lines(spark, generated)
    assert lines.rdd.getNumPartitions() >= 2
    decisions = nudge.spark.evaluate(lines, nudge.Ruleset.load(RULES), NOW)
    expected = nudge_eval(nudge_bin, generated)
    assert expected.count(b"\n") > 50_000
    assert ndjson(decisions, tmp_path) == expected


def test_bad_lines_are_rows_not_failures(spark, tmp_path):
    path = tmp_path / "mixed.ndjson"
    good = EXAMPLE.read_text().split("\n")[:4]
    path.write_text("\n".join(good[:2] + ["{not json", "   ", '{"id": 3}'] + good[2:]) + "\n")
    rows = nudge.spark.evaluate(read_lines(spark, path), nudge.Ruleset.load(RULES), NOW).collect()
    rejected = sorted((r.pos, r.error) for r in rows if r.error is not None)
    assert len(rejected) == 2
    assert all(r.record is None for r in rows if r.error is not None)
    assert {r.customer for r in rows if r.error is None} <= {"c_000001", "c_000002", "c_000003",
                                                           "c_000004"}


def test_wrong_arguments_fail_on_the_driver(spark):
    df = spark.createDataFrame([("{}",)], ["line"])
    with pytest.raises(ValueError, match="no column `value`"):
        nudge.spark.evaluate(df, nudge.Ruleset.load(RULES), NOW)
    with pytest.raises(ValueError, match="RFC 3339"):
        nudge.spark.evaluate(df, nudge.Ruleset.load(RULES), "soon", column="line")
