"""nudge from Python: load a ruleset, evaluate customers, get audited decisions.

The evaluator is the nudge Rust library (the same one `nudge eval` runs), so
decision records are byte for byte what `nudge eval` writes::

    import nudge

    ruleset = nudge.Ruleset.load("rules")
    records = ruleset.evaluate({"id": "c1", "plan": "trial"}, "2026-11-23T09:00:00Z")
    table = ruleset.evaluate_batch(pyarrow_string_array, "2026-11-23T09:00:00Z")

On Spark, :func:`nudge.spark.evaluate` runs it on every executor.
"""

from ._nudge import Ruleset, RulesetError, SnapshotError, __version__

__all__ = ["Ruleset", "RulesetError", "SnapshotError", "__version__"]
