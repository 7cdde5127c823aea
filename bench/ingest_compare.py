#!/usr/bin/env python3
# Runs the ingest benchmark (C++, Google Benchmark) and the pandas reference on the same
# snapshot in the same run, and prints the figures and the ratios. Usage (from the repo root):
#   /usr/bin/python3 bench/ingest_compare.py [--build build]
import argparse
import json
import os
import subprocess
import sys
import tempfile


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", default="build", help="CMake build directory")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "ingest.json")
        subprocess.run([os.path.join(args.build, "bench", "ingest_bench"),
                        "--benchmark_out=" + out, "--benchmark_out_format=json"],
                       check=True, stdout=sys.stderr)
        with open(out) as f:
            results = {b["name"].split("/")[0]: b for b in json.load(f)["benchmarks"]}
        pandas = subprocess.run(
            ["/usr/bin/python3", os.path.join(root, "bench", "ingest_pandas.py"),
             "--snapshot", os.path.join(root, "data", "snapshot"),
             "--db", os.path.join(tmp, "pandas.sqlite")],
            check=True, capture_output=True, text=True)
        reference = json.loads(pandas.stdout.strip().splitlines()[-1])

    def seconds(name):
        b = results[name]
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        return b["real_time"] * scale

    rows = reference["rows"]
    pandas_s = reference["best_seconds"]
    print(f"snapshot: {rows} rows from {reference['files']} files; pandas {reference['pandas_version']}")
    print(f"{'workload':44} {'seconds':>8} {'rows/s':>12} {'vs pandas':>10}")
    for name, label in [("BM_IngestSnapshotIntoNewSqliteFile", "mre ingest -> new SQLite file"),
                        ("BM_ParseSnapshotIntoMemory", "mre parse only (memory store)"),
                        ("BM_ReingestUnchangedSnapshot", "mre re-ingest, nothing changed"),
                        ("BM_BareSqliteInsertFloor", "bare SQLite inserts, pre-parsed (floor)")]:
        s = seconds(name)
        print(f"{label:44} {s:8.3f} {rows / s:12,.0f} {pandas_s / s:9.1f}x")
    print(f"{'pandas read_csv + to_sql -> SQLite':44} {pandas_s:8.3f} {rows / pandas_s:12,.0f} {1.0:9.1f}x")


if __name__ == "__main__":
    main()
