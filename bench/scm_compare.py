#!/usr/bin/env python3
"""SCM scenarios: bench/scm_bench against the same Monte Carlo written the way a Python user
would today (numpy, vectorised across paths: one array operation per node and day), on the same
model in the same run: seed 002's 10-node DAG, Gaussian shocks with the same covariance, a
baseline and an intervened world (EFFR +0.50 held) with common random numbers, with and without
the quantile fans. Checks both give the same STOCK effect at the horizon (the model is linear,
so it is the same on every path), then prints node-steps per second and the ratio.

Run with Debian's interpreter: /usr/bin/python3 bench/scm_compare.py [--paths N] [--days D] [--build build]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95]


def load_model(path):
    nodes, chol, start = [], None, None
    for line in open(path):
        parts = line.split()
        if parts[0] == "chol":
            values = np.array([float(v) for v in parts[1:]])
            e = int(round(np.sqrt(values.size)))
            chol = values.reshape(e, e)
        elif parts[0] == "start":
            start = np.array([float(v) for v in parts[1:]])
        else:
            name, kind, a, phi = parts[0], parts[1], float(parts[2]), float(parts[3])
            parents = [(p.split(":")[0], float(p.split(":")[1])) for p in parts[4:]]
            shock = -1 if kind == "identity" else int(kind[len("equation"):])
            nodes.append((name, shock, a, phi, parents))
    return nodes, chol, start


def simulate(nodes, chol, start, paths, days, fans, seed=42):
    order = [n[0] for n in nodes]
    columns = ["OIL", "MBS", "Re", "EFFR", "TP", "R3M", "BONDS", "CRB", "FX", "STOCK"]
    log = {"BONDS", "CRB", "FX", "STOCK"}
    index = {name: i for i, name in enumerate(columns)}
    level0 = np.array([np.log(start[index[c]]) if c in log else start[index[c]] for c in columns])
    rng = np.random.default_rng(seed)
    prev_b = np.zeros((len(columns), paths))
    prev_i = np.zeros((len(columns), paths))
    level_b = np.repeat(level0[:, None], paths, axis=1)
    level_i = level_b.copy()
    fan = []
    effr = index["EFFR"]
    for day in range(days):
        u = chol @ rng.standard_normal((chol.shape[0], paths))
        x_b = np.empty_like(prev_b)
        x_i = np.empty_like(prev_i)
        for name, shock, a, phi, parents in nodes:
            j = index[name]
            if shock < 0:
                x_b[j] = sum(beta * x_b[index[p]] for p, beta in parents)
                x_i[j] = sum(beta * x_i[index[p]] for p, beta in parents)
            else:
                x_b[j] = a + phi * prev_b[j] + u[shock] + sum(beta * x_b[index[p]] for p, beta in parents)
                if j == effr:  # do(EFFR = baseline EFFR + 0.50) on every day
                    x_i[j] = (level_b[j] + x_b[j] + 0.5) - level_i[j]
                else:
                    x_i[j] = a + phi * prev_i[j] + u[shock] + sum(beta * x_i[index[p]] for p, beta in parents)
            level_b[j] += x_b[j]
            level_i[j] += x_i[j]
        prev_b, prev_i = x_b, x_i
        if fans:
            fan.append((np.quantile(level_b, QUANTILES, axis=1), np.quantile(level_i, QUANTILES, axis=1)))
    return level_i[index["STOCK"]] - level_b[index["STOCK"]], fan


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=100000)
    ap.add_argument("--days", type=int, default=250)
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "model.txt")
        out = subprocess.run([os.path.join(args.build, "bench", "scm_bench"), "--paths", str(args.paths), "--days",
                              str(args.days), "--dump", dump], check=True, capture_output=True, text=True).stdout
        nodes, chol, start = load_model(dump)
    mre = {}
    effect = None
    for line in out.splitlines():
        f = dict(kv.split("=") for kv in line.split()[1:])
        mre[(int(f["threads"]), f["fans"])] = float(f["seconds"])
        effect = float(f["stock_effect"])
    steps = 2.0 * args.paths * args.days * 10
    print(f"SCM scenarios: {args.paths} paths x {args.days} days x 10 nodes, two worlds ({steps:.3g} node-steps)")
    for fans in ("off", "on"):
        t0 = time.process_time()
        gaps, _ = simulate(nodes, chol, start, args.paths, args.days, fans == "on")
        numpy_s = time.process_time() - t0
        if not np.allclose(gaps, effect, rtol=0, atol=1e-9):
            sys.exit(f"scm_compare: numpy's STOCK effect {gaps[0]} differs from mre's {effect}")
        threads = sorted(t for t, f in mre if f == fans)
        print(f"fans {fans}: numpy (one core) {numpy_s:.2f} s = {steps / numpy_s / 1e6:.1f} M node-steps/s")
        for t in threads:
            s = mre[(t, fans)]
            print(f"  mre threads={t}: {s:.2f} s = {steps / s / 1e6:.1f} M node-steps/s "
                  f"({steps / s / t / 1e6:.1f} M per core), {numpy_s / s:.1f}x numpy")
    print(f"STOCK effect at the horizon: mre {effect:.9f}, numpy {gaps[0]:.9f} (log points, every path)")


if __name__ == "__main__":
    main()
