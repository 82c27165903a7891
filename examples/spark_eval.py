"""Evaluate a nudge ruleset over NDJSON customer snapshots on Spark.

    spark-submit examples/spark_eval.py --rules rules \\
        --snapshots 'data/*.ndjson' --now 2026-11-23T09:00:00Z --out decisions/

Writes the decision records as NDJSON text files (decisions/part-*), in input
order: file name, then line, then the record's order for its customer. The
concatenation `cat decisions/part-*` is byte for byte what

    nudge eval --rules rules --snapshots data/*.ndjson --now 2026-11-23T09:00:00Z

prints. Lines that are not customers never fail the job; with --rejected DIR
they are written there as JSON (file, position, error) and counted. The
results are evaluated once and kept on the executors' disks for the sort
(and --rejected); --unordered skips both.
Needs the nudge wheel in the executors' Python (docs/spark.md).
"""

import argparse
import sys

from pyspark import StorageLevel
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import nudge
import nudge.spark


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", required=True, help="the ruleset directory (read on the driver)")
    parser.add_argument("--snapshots", required=True, nargs="+", help="NDJSON files or globs")
    parser.add_argument("--now", required=True, help="the evaluation instant (RFC 3339)")
    parser.add_argument("--out", required=True, help="output directory for the NDJSON decisions")
    parser.add_argument("--explain", action="store_true", help="also write no_match records")
    parser.add_argument("--rejected", help="also write the rejected lines here (as JSON)")
    parser.add_argument("--unordered", action="store_true",
                        help="skip the global sort (faster; records grouped by partition)")
    args = parser.parse_args(argv)

    try:
        ruleset = nudge.Ruleset.load(args.rules)
    except nudge.RulesetError as e:
        print(e, file=sys.stderr)
        return 1

    spark = SparkSession.builder.appName("nudge eval").getOrCreate()
    # Split lines on "\n" only, as nudge does (a trailing "\r" is trimmed by nudge).
    lines = (
        spark.read.option("lineSep", "\n").text(args.snapshots)
        .withColumn("file", F.input_file_name())
        .withColumn("pos", F.monotonically_increasing_id())
    )
    results = nudge.spark.evaluate(lines, ruleset, args.now, explain=args.explain)
    if not args.unordered or args.rejected:
        # Evaluate once: the global sort samples its input before sorting it,
        # and --rejected reads the results a second time.
        results = results.persist(StorageLevel.DISK_ONLY)

    decisions = results.where(F.col("error").isNull())
    if not args.unordered:
        decisions = decisions.orderBy("file", "pos", "seq")
    decisions.select("record").write.mode("overwrite").text(args.out)

    if args.rejected:
        rejected = results.where(F.col("error").isNotNull()).select("file", "pos", "error")
        rejected.write.mode("overwrite").json(args.rejected)
        count = spark.read.json(args.rejected).count() if rejected.take(1) else 0
        print(f"{count} rejected lines written to {args.rejected}", file=sys.stderr)
    results.unpersist()
    print(f"decisions of ruleset {ruleset.hash[:12]} at {args.now} written to {args.out}",
          file=sys.stderr)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
