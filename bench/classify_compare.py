#!/usr/bin/env python3
"""Historical classification: `mre classify historical` against the same job written the way a
Python user would today (pandas read_csv, numpy densities, the HMM forward filter, json and
to_csv), on the same simulated CSV in the same run. Checks the two agree on every row (labels
equal, probabilities within 1e-6: mre prints six decimals) and prints both times and the ratio.

Run with Debian's interpreter: /usr/bin/python3 bench/classify_compare.py [--rows N] [--build build]
"""
import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

INDICATORS = ["yield_curve_slope_10y2y", "mmd_ust_ratio_10y", "vix_index", "move_index",
              "investment_grade_credit_spread", "high_yield_credit_spread", "tips_breakeven_5y",
              "swap_spread_10y", "muni_fund_flows_net", "us_cpi_yoy"]
# MR-BR-01 target z-scores (undefined indicators 0), the states of the simulation.
PROFILES = [
    {"yield_curve_slope_10y2y": 1, "investment_grade_credit_spread": -1, "high_yield_credit_spread": -1,
     "vix_index": -1, "move_index": -1},
    {"yield_curve_slope_10y2y": -1, "move_index": 1},
    {"yield_curve_slope_10y2y": 1, "tips_breakeven_5y": 1, "move_index": 1, "vix_index": 1},
    {"yield_curve_slope_10y2y": -1, "investment_grade_credit_spread": 1, "high_yield_credit_spread": 1, "vix_index": 1},
    {"yield_curve_slope_10y2y": -1.5, "investment_grade_credit_spread": 1.5, "high_yield_credit_spread": 1.5,
     "move_index": 1.5},
    {"mmd_ust_ratio_10y": 1.5, "muni_fund_flows_net": -1.5, "high_yield_credit_spread": -0.5},
]


def simulate(rows, seed):
    rng = np.random.default_rng(seed)
    means = np.array([[p.get(name, 0.0) for name in INDICATORS] for p in PROFILES])
    states = np.empty(rows, dtype=int)
    s = 0
    switches = rng.random(rows) < 0.02
    draws = rng.integers(0, 6, rows)
    for t in range(rows):
        if switches[t]:
            s = draws[t]
        states[t] = s
    x = means[states] + 0.4 * rng.standard_normal((rows, 10))
    x[:, 2] = 20 + 7 * x[:, 2]
    return x


def write_csv(path, x, start, freq, instruments):
    frame = pd.DataFrame(x, columns=INDICATORS)
    frame.insert(0, "timestamp", pd.date_range(start, periods=len(x), freq=freq).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if instruments:
        frame.insert(1, "instrument_type", np.where(np.arange(len(x)) % 3 == 0, "MUNI", "UST"))
    frame.to_csv(path, index=False, float_format="%.6g")


def reference(model, path, out_path):
    """The historical classification in pandas/numpy, from the model mre stored."""
    frame = pd.read_csv(path)
    x = frame[INDICATORS].to_numpy()
    results = {}
    for name in ("global_macro", "muni"):
        c = model[name]
        hmm = c["hmm"]
        cols = [INDICATORS.index(i) for i in c["indicators"]]
        xs = x[:, cols]
        means = np.array(hmm["means"])
        covs = np.array(hmm["covariances"])
        K, D = means.shape
        log_b = np.empty((len(xs), K))
        for k in range(K):
            chol = np.linalg.cholesky(covs[k])
            z = np.linalg.solve(chol, (xs - means[k]).T)
            log_b[:, k] = -0.5 * (D * np.log(2 * np.pi) + 2 * np.log(np.diag(chol)).sum() + (z * z).sum(axis=0))
        b = np.exp(log_b - log_b.max(axis=1, keepdims=True))
        a = np.array(hmm["transition"])
        alpha = np.empty_like(b)
        p = np.array(hmm["initial"]) * b[0]
        alpha[0] = p / p.sum()
        for t in range(1, len(b)):  # the forward filter: sequential by nature
            p = (alpha[t - 1] @ a) * b[t]
            alpha[t] = p / p.sum()
        results[name] = (alpha, c)
    # States to labels, with MR-BR-03 on each observation's z-scores.
    alpha, c = results["global_macro"]
    mean = np.array(c["global_mean"])
    std = np.array(c["global_std"])
    z = (x - mean) / std
    ok = ((z[:, 1] >= 1.5 - 1e-9) & (z[:, 8] <= -1.5 + 1e-9) & (z[:, 1] - z[:, 5] >= 1.5 - 1e-9))
    serving = np.array(c["mapping"]["serving"])
    fallback = np.array(c["mapping"]["fallback"])
    labels = c["labels"]
    g = np.zeros_like(alpha)
    for s in range(len(serving)):
        target = np.full(len(x), serving[s])
        if labels[serving[s]] == "Idiosyncratic_Distress":
            target = np.where(ok, serving[s], fallback[s])
        np.add.at(g, (np.arange(len(x)), target), alpha[:, s])
    m_alpha, mc = results["muni"]
    m = np.zeros_like(m_alpha)
    for s, r in enumerate(mc["mapping"]["serving"]):
        m[:, r] += m_alpha[:, s]
    muni_rows = (frame["instrument_type"] == "MUNI").to_numpy() if "instrument_type" in frame else np.zeros(len(x), bool)
    frame["global_macro_regime_label"] = np.array(labels)[g.argmax(axis=1)]
    frame["global_macro_confidence_score"] = g.max(axis=1)
    frame["global_macro_regime_probabilities"] = [json.dumps(dict(zip(labels, row))) for row in g]
    mlabels = mc["labels"]
    frame["contextual_regime_label"] = np.where(muni_rows, np.array(mlabels)[m.argmax(axis=1)], "")
    frame["contextual_regime_confidence_score"] = np.where(muni_rows, m.max(axis=1), np.nan)
    frame["contextual_regime_probabilities"] = [json.dumps(dict(zip(mlabels, row))) if u else ""
                                                for row, u in zip(m, muni_rows)]
    vix = frame["vix_index"].to_numpy()
    frame["volatility_regime"] = np.where(vix < 20, "Low", np.where(vix < 30, "Medium", "High"))
    frame["volatility_index_value"] = vix
    frame.to_csv(out_path, index=False)
    return g


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--build", default="build")
    args = parser.parse_args()
    mre = os.path.abspath(os.path.join(args.build, "mre"))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "b.db")
        train = os.path.join(tmp, "train.csv")
        history = os.path.join(tmp, "history.csv")
        write_csv(train, simulate(3000, 1), "2010-01-01", "D", False)
        write_csv(history, simulate(args.rows, 2), "2020-01-01", "min", True)
        subprocess.run([mre, "classify", "train", "--version", "B1", "--data", train, "--db", db],
                       check=True, cwd=root, stderr=subprocess.DEVNULL)
        subprocess.run([mre, "classify", "approve", "B1", "--by", "bench", "--db", db], check=True,
                       stderr=subprocess.DEVNULL)
        out_mre = os.path.join(tmp, "mre.csv")
        t0 = time.perf_counter()
        # Peak RSS from /usr/bin/time: getrusage(RUSAGE_CHILDREN) would count this Python
        # process's pages, which a forked child holds until it execs.
        run = subprocess.run(["/usr/bin/time", "-f", "%M", mre, "classify", "historical", "--version", "B1", "--in",
                              history, "--out", out_mre, "--db", db],
                             check=True, stderr=subprocess.PIPE, text=True)
        t_mre = time.perf_counter() - t0
        rss_mre = int(run.stderr.strip().splitlines()[-1]) / 1024
        with sqlite3.connect(db) as conn:
            model = json.loads(conn.execute("SELECT model FROM classifier_models WHERE version='B1'").fetchone()[0])
        out_ref = os.path.join(tmp, "ref.csv")
        t0 = time.perf_counter()
        g = reference(model, history, out_ref)
        t_ref = time.perf_counter() - t0
        rss_ref = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ours = pd.read_csv(out_mre, usecols=["global_macro_regime_label", "global_macro_confidence_score"])
        theirs = pd.read_csv(out_ref, usecols=["global_macro_regime_label", "global_macro_confidence_score"])
        same = (ours["global_macro_regime_label"] == theirs["global_macro_regime_label"]).mean()
        diff = (ours["global_macro_confidence_score"] - theirs["global_macro_confidence_score"]).abs().max()
        print(f"rows: {args.rows}")
        print(f"mre classify historical: {t_mre:.2f} s ({args.rows / t_mre / 1e3:.0f}k rows/s, peak RSS {rss_mre:.0f} MiB)")
        print(f"pandas/numpy reference:  {t_ref:.2f} s ({args.rows / t_ref / 1e3:.0f}k rows/s, peak RSS {rss_ref:.0f} MiB)")
        print(f"ratio: mre is {t_ref / t_mre:.1f}x faster")
        print(f"agreement: labels equal on {100 * same:.4f}% of rows; max |confidence difference| {diff:.2e}")
        if same < 1.0 or diff > 1e-6 or not np.isfinite(g).all():
            print("MISMATCH", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
