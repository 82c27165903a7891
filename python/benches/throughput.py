"""Throughput of nudge from Python and on Spark, against `nudge eval` on the same file.

    python python/benches/throughput.py --nudge target/release/nudge --snapshots customers.ndjson

Prints customers per second for: `nudge eval --threads 1` and `--threads 2`
(decisions written to /dev/null), `Ruleset.evaluate_batch` on one pyarrow
string array with threads=1 and threads=2, and nudge.spark.evaluate on
local[2] (all decisions computed, written by Spark's no-op sink; then the
full ordered NDJSON write of examples/spark_eval.py, results kept on disk
for the sort as it does). Numbers go to stdout;
nothing is asserted.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import pyarrow as pa

import nudge
import nudge.spark

NOW = "2026-11-23T09:00:00Z"


def rate(n, seconds):
    return f"{n / seconds:>10,.0f} customers/s  ({seconds:6.2f} s)"


def best_of(runs, f):
    return min(f() for _ in range(runs))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nudge", default="target/release/nudge")
    parser.add_argument("--rules", default="rules")
    parser.add_argument("--snapshots", required=True)
    parser.add_argument("--runs", type=int, default=2, help="best of N for the in-process runs")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--only-spark", action="store_true")
    args = parser.parse_args()

    with open(args.snapshots, "rb") as f:
        data = f.read()
    lines = pa.array(data.decode().split("\n"))
    customers = sum(1 for line in data.split(b"\n") if line.strip())
    print(f"{customers:,} customers, {len(data) / 1e6:.0f} MB, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")

    for threads in () if args.only_spark else (1, 2):
        def cli():
            started = time.perf_counter()
            subprocess.run([args.nudge, "eval", "--rules", args.rules, "--snapshots", args.snapshots,
                            "--now", NOW, "--quiet", "--threads", str(threads)],
                           stdout=subprocess.DEVNULL, check=True)
            return time.perf_counter() - started
        print(f"nudge eval --threads {threads}:          {rate(customers, best_of(args.runs, cli))}")

    ruleset = nudge.Ruleset.load(args.rules)
    for threads in () if args.only_spark else (1, 2):
        def batch():
            started = time.perf_counter()
            ruleset.evaluate_batch(lines, NOW, threads=threads)
            return time.perf_counter() - started
        print(f"evaluate_batch threads={threads}:        {rate(customers, best_of(args.runs, batch))}")

    if args.no_spark:
        return
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark import StorageLevel
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F


    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    df = (spark.read.option("lineSep", "\n").text(args.snapshots)
          .withColumn("file", F.input_file_name())
          .withColumn("pos", F.monotonically_increasing_id()))
    decisions = nudge.spark.evaluate(df, ruleset, NOW)

    def noop():
        started = time.perf_counter()
        decisions.write.format("noop").mode("overwrite").save()
        return time.perf_counter() - started
    noop()  # warm up the JVM and the Python workers
    print(f"Spark local[2], evaluate (noop sink): {rate(customers, best_of(args.runs, noop))}")

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        kept = decisions.persist(StorageLevel.DISK_ONLY)  # as examples/spark_eval.py does
        (kept.where(F.col("error").isNull()).orderBy("file", "pos", "seq")
         .select("record").write.mode("overwrite").text(out))
        kept.unpersist()
        print(f"Spark local[2], ordered NDJSON write: {rate(customers, time.perf_counter() - started)}")
    spark.stop()


if __name__ == "__main__":
    main()
