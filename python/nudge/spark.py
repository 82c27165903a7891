"""nudge on Spark: the same Rust evaluator on every executor, through ``mapInArrow``.

::

    from pyspark.sql import functions as F
    import nudge, nudge.spark

    lines = (spark.read.option("lineSep", "\\n").text("data/*.ndjson")
             .withColumn("file", F.input_file_name())
             .withColumn("pos", F.monotonically_increasing_id()))
    decisions = nudge.spark.evaluate(lines, nudge.Ruleset.load("rules"), "2026-11-23T09:00:00Z")

Each partition's Arrow batches go to ``Ruleset.evaluate_batch`` in Rust (no
per-row Python objects); a line that is not a customer becomes a row with
``error`` set instead of failing the job. The ruleset travels to executors
pickled as its source texts and is checked again there, so every executor
runs the same ruleset (same ``hash``). The nudge wheel must be installed in
the executors' Python (see docs/spark.md).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, Iterator, Union

from ._nudge import Ruleset

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow
    from pyspark.sql import DataFrame

__all__ = ["evaluate", "decision_fields"]


def decision_fields():
    """The columns ``evaluate`` adds, as Spark fields (all nullable).

    seq (int: the record's index among its customer's records), customer,
    rule, outcome, channel, message, deliver_at, reason, decision_id,
    record (the NDJSON line ``nudge eval`` writes) and error (why the line
    was rejected; null for decisions).
    """
    from pyspark.sql import types as T

    text = ["customer", "rule", "outcome", "channel", "message", "deliver_at",
            "reason", "decision_id", "record", "error"]
    return [T.StructField("seq", T.IntegerType(), True)] + [
        T.StructField(name, T.StringType(), True) for name in text
    ]


def evaluate(
    df: "DataFrame",
    ruleset: Union[Ruleset, str, "os.PathLike[str]"],
    now: Union[datetime, str],
    column: str = "value",
    *,
    explain: bool = False,
    threads: int = 1,
) -> "DataFrame":
    """Evaluates the snapshot lines in ``df[column]`` (strings, one customer each).

    Returns a DataFrame with the other columns of ``df`` kept (carry a file
    name and position through to order the output) plus ``decision_fields()``:
    one row per decision (``no_match`` ones too when ``explain``) and one per
    rejected line (``error`` set). Blank lines give no row. ``ruleset`` is a
    Ruleset or a ruleset directory read on the driver; ``now`` an aware
    datetime or RFC 3339 string. ``threads`` is per Spark task (one core per
    task by default).
    """
    if not isinstance(ruleset, Ruleset):
        ruleset = Ruleset.load(os.fspath(ruleset))
    if column not in df.columns:
        raise ValueError(f"the DataFrame has no column `{column}` (it has {df.columns})")
    # Check `now` on the driver, before any task starts.
    ruleset.evaluate_batch([], now)
    if isinstance(now, datetime):
        now = now.isoformat()

    from pyspark.sql import types as T

    kept = [f for f in df.schema.fields if f.name != column]
    added = decision_fields()
    clash = {f.name for f in kept} & {f.name for f in added}
    if clash:
        raise ValueError(f"the DataFrame already has columns named {sorted(clash)}")
    schema = T.StructType(kept + added)
    kept_names = [f.name for f in kept]
    added_names = [f.name for f in added]

    def run(batches: Iterator["pyarrow.RecordBatch"]) -> Iterator["pyarrow.RecordBatch"]:
        import pyarrow as pa
        import pyarrow.compute as pc

        for batch in batches:
            table = ruleset.evaluate_batch(batch.column(column), now, explain=explain, threads=threads)
            rows = pc.subtract(table.column("line").combine_chunks(), 1)
            arrays = [batch.column(name).take(rows) for name in kept_names]
            arrays += [table.column(name).combine_chunks() for name in added_names]
            yield pa.RecordBatch.from_arrays(arrays, names=kept_names + added_names)

    return df.mapInArrow(run, schema)
