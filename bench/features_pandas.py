#!/usr/bin/python3
# Reference side of the features benchmark: times the pandas reference implementation
# (tests/features/reference_features.py) computing the given feature specs from the raw
# snapshot files (read_csv + merge_asof alignment + the ops), best of N, and prints one JSON
# line. Imports are not timed; each repetition reads every file it needs once, shared between
# the specs. Run with Debian's /usr/bin/python3 (pandas 1.5.3).
import argparse
import json
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "features"))
import reference_features as ref  # noqa: E402
import pandas as pd  # noqa: E402


def run(specs, universe, snapshot, preload=False):
    """One timed repetition. Returns (features, non-NaN values, seconds). With preload, the raw
    files and the universe are read before the clock starts (compute only)."""
    cache = {}
    if preload:
        for spec in specs:
            ref.compute(spec, universe, snapshot, raw_cache=cache)
    t0 = time.perf_counter()
    frames = [ref.compute(spec, universe, snapshot, raw_cache=cache) for spec in specs]
    seconds = time.perf_counter() - t0
    features = sum(df.shape[1] for df in frames)
    values = int(sum(df.notna().to_numpy().sum() for df in frames))
    return features, values, seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--snapshot", required=True, type=Path)
    ap.add_argument("--universe", required=True, type=Path)
    ap.add_argument("--specs", required=True, nargs="+", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--preload", action="store_true",
                    help="read the raw files before timing: time alignment + ops only")
    args = ap.parse_args()

    best, features, values = None, 0, 0
    for i in range(max(1, args.repeat)):
        features, values, seconds = run(args.specs, args.universe, args.snapshot, args.preload)
        print(f"run {i + 1}: {features} features, {values} values in {seconds:.3f} s", file=sys.stderr)
        best = seconds if best is None else min(best, seconds)
    print(json.dumps({"tool": "pandas", "pandas_version": pd.__version__,
                      "specs": [p.stem for p in args.specs], "features": features,
                      "values": values, "preload": args.preload, "best_seconds": best}))


if __name__ == "__main__":
    main()
