#!/usr/bin/env python3
"""The full default grid of causal effects (config/effects.yml: 8 treatments x 5 outcomes x 4
horizons) with learner selection on the real monthly data: `mre effects run` against the same
DML written with scikit-learn on the same panels (exported by `mre effects export-panels`), the
same contiguous folds with an embargo of h months, and the same work per cell: every candidate
(the training mean, OLS, ridge on standardised columns, RandomForestRegressor with 100 trees,
depth 6, all features per split, one core) cross-fitted for both nuisances, each nuisance taking
the candidate with the best out-of-fold R^2, each candidate's own estimate (the robustness
checks), and the two placebos with their own selection. mre also runs a local projection per
treatment and outcome (a few OLS fits; not in the reference). Prints both times and the ratio;
the effects differ by the implementations' randomness and ridge penalties, so their agreement is
reported as a correlation.

Both sides run on one core (mre --threads 1, scikit-learn n_jobs=1, BLAS threads 1), and both
are timed in wall seconds and in CPU seconds of their own process (mre: the child's user + system
time from getrusage; scikit-learn: this interpreter's process_time around its loop). On a VM
shared with other work the CPU ratio is the one to read: the wall ratio moves with the load.
--treatments runs a fixed subset of the grid (the spec's other entries unchanged) on both sides,
for machines where the whole grid does not fit the time at hand.

Needs a store with the pipeline run (`make run`, or pass --db); Debian's interpreter:
/usr/bin/python3 bench/effects_bench.py [--db mre.db] [--build build] [--treatments mp_surprise,fed_shock]
"""
import argparse
import glob
import io
import os
import resource
import subprocess
import sys
import tempfile
import time

# One BLAS thread, before numpy loads: the reference runs on one core like mre --threads 1.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import pandas as pd
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

CANDIDATES = {
    "constant": lambda: DummyRegressor(strategy="mean"),
    "ols": lambda: LinearRegression(),
    "ridge": lambda: make_pipeline(StandardScaler(), Ridge(alpha=1.0)),
    "forest": lambda: RandomForestRegressor(n_estimators=100, max_depth=6, max_features=1.0, n_jobs=1, random_state=42),
}


def folds(n, k, embargo):
    start = 0
    for f in range(k):
        size = n // k + (1 if f < n % k else 0)
        end = start + size
        idx = np.arange(n)
        yield idx[(idx < start - embargo) | (idx >= end + embargo)], idx[start:end]
        start = end


def dml(X, t, y, embargo, k=5):
    """DML with each nuisance chosen by out-of-fold R^2 among CANDIDATES; also each candidate's own
    estimate (both nuisances that learner)."""
    predictions = {}
    for name, make in CANDIDATES.items():
        py = np.empty_like(y)
        pt = np.empty_like(t)
        for train, test in folds(len(y), k, embargo):
            for target, out in ((y, py), (t, pt)):
                model = make()
                model.fit(X[train], target[train])
                out[test] = model.predict(X[test])
        predictions[name] = (py, pt)

    def r2(target, prediction):
        return 1.0 - np.sum((target - prediction) ** 2) / np.sum((target - target.mean()) ** 2)

    best_y = max(predictions, key=lambda n: r2(y, predictions[n][0]))
    best_t = max(predictions, key=lambda n: r2(t, predictions[n][1]))
    ry = y - predictions[best_y][0]
    rt = t - predictions[best_t][1]
    own = {n: float((t - p[1]) @ (y - p[0]) / ((t - p[1]) @ (t - p[1]))) for n, p in predictions.items()}
    return float(rt @ ry / (rt @ rt)), own


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="mre.db")
    parser.add_argument("--build", default="build")
    parser.add_argument("--treatments", default="",
                        help="comma-separated subset of the spec's treatments (default: all of them)")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    mre = os.path.abspath(os.path.join(args.build, "mre"))
    db = os.path.abspath(args.db)
    if not os.path.exists(db):
        print(f"{db}: no store; run `make run` first (or pass --db)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(root, "config", "effects.yml")
        if args.treatments:
            # The same spec with its treatments line replaced: both sides see the same subset.
            lines = open(spec).read().splitlines()
            hits = [i for i, line in enumerate(lines) if line.startswith("treatments:")]
            if len(hits) != 1:
                print(f"{spec}: expected one 'treatments:' line", file=sys.stderr)
                return 2
            lines[hits[0]] = "treatments: [" + ", ".join(args.treatments.split(",")) + "]"
            spec = os.path.join(tmp, "effects.yml")
            with open(spec, "w") as out:
                out.write("\n".join(lines) + "\n")
        panels = os.path.join(tmp, "panels")
        os.mkdir(panels)
        subprocess.run([mre, "effects", "export-panels", "--db", db, "--spec", spec, "--out", panels], check=True,
                       cwd=root, stderr=subprocess.DEVNULL)
        tag = "BENCH_" + str(os.getpid())
        scratch = os.path.join(tmp, "bench.db")
        subprocess.run(["cp", db, scratch], check=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([mre, "effects", "run", "--version", tag, "--db", scratch, "--spec", spec, "--threads", "1"],
                       check=True, cwd=root, stderr=subprocess.DEVNULL)
        t_mre = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_mre = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(f"mre effects run: {t_mre:.1f} s wall, {cpu_mre:.1f} s CPU", file=sys.stderr, flush=True)
        shown = subprocess.run([mre, "effects", "show", tag, "--db", scratch], check=True, cwd=root,
                               capture_output=True, text=True).stdout
        ours = pd.read_csv(io.StringIO(shown))
        theirs = {}
        t0 = time.perf_counter()
        c0 = time.process_time()
        paths = sorted(glob.glob(os.path.join(panels, "*__*__*.csv")))
        for done, path in enumerate(paths, 1):
            treatment, outcome, h = os.path.basename(path)[:-4].split("__")
            h = int(h)
            frame = pd.read_csv(path)
            y = frame["y"].to_numpy()
            t = frame["t"].to_numpy()
            X = frame.drop(columns=["date", "y", "t"]).to_numpy()
            theta, _ = dml(X, t, y, h)
            # The two placebos mre runs with every estimate: block-permuted treatment, and the
            # outcome window before the treatment.
            blocks = [np.arange(s, min(len(t), s + 12)) for s in range(0, len(t), 12)]
            rng = np.random.default_rng(7)
            order = np.concatenate([blocks[i] for i in rng.permutation(len(blocks))])
            dml(X, t[order], y, h)
            # Row i's outcome (end of month v to end of v + h) with the treatment of calendar
            # month v + h + 1, as mre's causal::pre_treatment_pairs pairs them.
            month = pd.to_datetime(frame["date"]).dt.to_period("M")
            row_of = {m: k for k, m in enumerate(month)}
            pairs = [(i, row_of[m + h + 1]) for i, m in enumerate(month) if m + h + 1 in row_of]
            i_rows, j_rows = (np.array(v) for v in zip(*pairs))
            dml(X[i_rows], t[j_rows], y[i_rows], h)
            theirs[(treatment, outcome, h)] = theta
            print(f"scikit-learn: {done}/{len(paths)} cells, {time.perf_counter() - t0:.0f} s wall, "
                  f"{time.process_time() - c0:.0f} s CPU", file=sys.stderr, flush=True)
        t_ref = time.perf_counter() - t0
        cpu_ref = time.process_time() - c0
    ours["key"] = list(zip(ours["treatment"], ours["outcome"], ours["horizon"]))
    matched = [(row.effect, theirs[row.key]) for row in ours.itertuples() if row.key in theirs]
    a = np.array(matched)
    corr = np.corrcoef(a[:, 0], a[:, 1])[0, 1] if len(a) > 2 else float("nan")
    print(f"grid: {len(theirs)} cells, learner selection among {', '.join(CANDIDATES)}, 5 contiguous folds, embargo h, "
          "estimate + each candidate's own + 2 placebos each")
    if args.treatments:
        print(f"subset: treatments {args.treatments} (the spec's outcomes and horizons)")
    print(f"mre effects run --threads 1: {t_mre:.1f} s wall, {cpu_mre:.1f} s CPU")
    print(f"scikit-learn DML (n_jobs=1): {t_ref:.1f} s wall, {cpu_ref:.1f} s CPU")
    print(f"ratio: mre is {cpu_ref / cpu_mre:.1f}x faster in CPU time, {t_ref / t_mre:.1f}x in wall time")
    print(f"agreement of the point estimates across the grid: correlation {corr:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
