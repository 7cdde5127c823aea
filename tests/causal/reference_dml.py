#!/usr/bin/env python3
"""Reference DML (partially linear model) with scikit-learn and statsmodels, for
tests/causal/dml_test.cc. Reads a CSV with columns y, t, x1..xp; cross-fits LinearRegression
nuisances on K contiguous folds with `embargo` rows dropped from training on each side of the
test fold (the same splits as mre's contiguous_folds); theta by residual-on-residual OLS
(statsmodels, no constant) with HC0, HC1 and HAC(maxlags=L) standard errors. Prints JSON.

usage: /usr/bin/python3 reference_dml.py data.csv K EMBARGO LAG [lasso_alpha]
"""
import json
import sys

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.linear_model import Lasso, LinearRegression


def folds(n, k, embargo):
    start = 0
    for f in range(k):
        size = n // k + (1 if f < n % k else 0)
        end = start + size
        test = np.arange(start, end)
        train = np.array([i for i in range(n) if i < start - embargo or i >= end + embargo])
        yield train, test
        start = end


def main():
    path, k, embargo, lag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    frame = pd.read_csv(path)
    y = frame["y"].to_numpy()
    t = frame["t"].to_numpy()
    X = frame[[c for c in frame.columns if c.startswith("x")]].to_numpy()
    ry = np.empty_like(y)
    rt = np.empty_like(t)
    for train, test in folds(len(y), k, embargo):
        ry[test] = y[test] - LinearRegression().fit(X[train], y[train]).predict(X[test])
        rt[test] = t[test] - LinearRegression().fit(X[train], t[train]).predict(X[test])
    out = {"y_residual": ry.tolist(), "t_residual": rt.tolist()}
    for name, kwargs in (("hc0", {"cov_type": "HC0"}), ("hc1", {"cov_type": "HC1"}),
                         ("hac", {"cov_type": "HAC", "cov_kwds": {"maxlags": lag}})):
        fit = sm.OLS(ry, rt.reshape(-1, 1)).fit(**kwargs)
        out["theta"] = float(fit.params[0])
        out["se_" + name] = float(fit.bse[0])
    if len(sys.argv) > 5:
        alpha = float(sys.argv[5])
        Z = (X - X.mean(axis=0)) / X.std(axis=0)
        lasso = Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(Z, y - y.mean())
        out["lasso_coef"] = lasso.coef_.tolist()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
