#!/usr/bin/env python3
# Runs the features benchmark (C++) and the pandas reference on the same specs and snapshot in
# the same run; prints seconds and ratios, end to end from the CSV files and compute only.
# Usage (repo root): /usr/bin/python3 bench/features_compare.py [--build build]
import argparse
import json
import os
import subprocess
import sys
import tempfile

SPECS = ["indicators", "macro_ltv", "cross_asset"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "features.json")
        subprocess.run([os.path.join(args.build, "bench", "features_bench"),
                        "--benchmark_out=" + out, "--benchmark_out_format=json"],
                       check=True, stdout=sys.stderr)
        with open(out) as f:
            ours = {b["name"].split("/")[0]: b for b in json.load(f)["benchmarks"]}

    def pandas(preload):
        cmd = ["/usr/bin/python3", os.path.join(root, "bench", "features_pandas.py"),
               "--snapshot", os.path.join(root, "data", "snapshot"),
               "--universe", os.path.join(root, "config", "universe.yml"),
               "--specs"] + [os.path.join(root, "config", "features", s + ".yml") for s in SPECS]
        if preload:
            cmd.append("--preload")
        result = subprocess.run(cmd, check=True, capture_output=True, text=True)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def seconds(name):
        b = ours[name]
        return b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]

    end_to_end, compute_only = pandas(False), pandas(True)
    print(f"default feature sets {', '.join(SPECS)}: {end_to_end['features']} features, "
          f"{end_to_end['values']} values; pandas {end_to_end['pandas_version']}")
    print(f"{'workload':40} {'mre s':>9} {'pandas s':>9} {'ratio':>8}")
    for label, name, ref in [("from the CSV files (parse + compute)", "BM_DefaultFeatureSetsFromCsvFiles", end_to_end),
                             ("compute only (raw series in memory)", "BM_DefaultFeatureSetsComputeOnly", compute_only)]:
        s = seconds(name)
        print(f"{label:40} {s:9.4f} {ref['best_seconds']:9.4f} {ref['best_seconds'] / s:7.1f}x")


if __name__ == "__main__":
    main()
