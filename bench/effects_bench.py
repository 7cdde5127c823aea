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

Needs a store with the pipeline run (`make run`, or pass --db); Debian's interpreter:
/usr/bin/python3 bench/effects_bench.py [--db mre.db] [--build build]
"""
import argparse
import glob
import io
import os
import subprocess
import sys
import tempfile
import time

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
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    mre = os.path.abspath(os.path.join(args.build, "mre"))
    db = os.path.abspath(args.db)
    if not os.path.exists(db):
        print(f"{db}: no store; run `make run` first (or pass --db)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([mre, "effects", "export-panels", "--db", db, "--out", tmp], check=True, cwd=root,
                       stderr=subprocess.DEVNULL)
        tag = "BENCH_" + str(os.getpid())
        scratch = os.path.join(tmp, "bench.db")
        subprocess.run(["cp", db, scratch], check=True)
        t0 = time.perf_counter()
        subprocess.run([mre, "effects", "run", "--version", tag, "--db", scratch], check=True, cwd=root,
                       stderr=subprocess.DEVNULL)
        t_mre = time.perf_counter() - t0
        shown = subprocess.run([mre, "effects", "show", tag, "--db", scratch], check=True, cwd=root,
                               capture_output=True, text=True).stdout
        ours = pd.read_csv(io.StringIO(shown))
        theirs = {}
        t0 = time.perf_counter()
        for path in sorted(glob.glob(os.path.join(tmp, "*__*__*.csv"))):
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
            dml(X[h:], t[h:], y[:len(y) - h], h)
            theirs[(treatment, outcome, h)] = theta
        t_ref = time.perf_counter() - t0
    ours["key"] = list(zip(ours["treatment"], ours["outcome"], ours["horizon"]))
    matched = [(row.effect, theirs[row.key]) for row in ours.itertuples() if row.key in theirs]
    a = np.array(matched)
    corr = np.corrcoef(a[:, 0], a[:, 1])[0, 1] if len(a) > 2 else float("nan")
    print(f"grid: {len(theirs)} cells, learner selection among {', '.join(CANDIDATES)}, 5 contiguous folds, embargo h, "
          "estimate + each candidate's own + 2 placebos each")
    print(f"mre effects run:        {t_mre:.1f} s")
    print(f"scikit-learn DML:       {t_ref:.1f} s")
    print(f"ratio: mre is {t_ref / t_mre:.1f}x faster")
    print(f"agreement of the point estimates across the grid: correlation {corr:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
