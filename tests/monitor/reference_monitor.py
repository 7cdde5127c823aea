#!/usr/bin/python3
# Reference for tests/monitor/drift_test.cc and tests/causal/stability_test.cc (Debian's
# python3 with numpy, scipy and statsmodels). Usage:
#   reference_monitor.py drift TRAIN.csv CURRENT.csv   -> {"psi", "edges", "ks", "ks_p"}
#   reference_monitor.py break DATA.csv BREAK_ROW LAG  -> {"wald", "sup_wald", "sup_row", ...}
import json
import sys

import numpy as np
from scipy import stats


def drift(train_path, current_path):
    train = np.loadtxt(train_path)
    current = np.loadtxt(current_path)
    # Cut points at the training deciles (numpy's default linear quantile).
    edges = np.quantile(train, np.arange(1, 10) / 10)
    # Bin b holds the values with b cut points strictly below them: (-inf, q1], (q1, q2], ...
    e = np.bincount(np.searchsorted(edges, train, side="left"), minlength=10) / len(train)
    a = np.bincount(np.searchsorted(edges, current, side="left"), minlength=10) / len(current)
    e = np.where(e == 0, 1e-4, e)  # empty bins floored at 1e-4 of the mass
    a = np.where(a == 0, 1e-4, a)
    psi = float(np.sum((a - e) * np.log(a / e)))
    ks = stats.ks_2samp(train, current)
    en = len(train) * len(current) / (len(train) + len(current))
    print(json.dumps({
        "psi": psi,
        "edges": edges.tolist(),
        "ks": float(ks.statistic),
        # The asymptotic p-value: Kolmogorov's limit distribution at sqrt(en) D.
        "ks_p": float(stats.kstwobign.sf(np.sqrt(en) * ks.statistic)),
        "mean_shift": float((current.mean() - train.mean()) / train.std(ddof=1)),
    }))


def break_test(path, break_row, lag):
    import statsmodels.api as sm
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    y, t = data[:, 0], data[:, 1]
    n = len(y)

    def wald(row, cov):
        d = (np.arange(n) >= row).astype(float)
        X = np.column_stack([t, t * d])
        if cov == "HAC":
            fit = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": lag})
        else:
            fit = sm.OLS(y, X).fit(cov_type=cov)
        r = fit.wald_test(np.array([[0.0, 1.0]]), scalar=True)
        return float(np.squeeze(r.statistic))

    trim = int(np.floor(0.15 * n))
    rows = range(max(trim, 2), min(n - trim, n - 2) + 1)
    sup = [wald(r, "HAC") for r in rows]
    best = int(np.argmax(sup))
    print(json.dumps({
        "wald_hac": wald(break_row, "HAC"),
        "wald_hc0": wald(break_row, "HC0"),
        "wald_hc1": wald(break_row, "HC1"),
        "sup_wald": sup[best],
        "sup_row": list(rows)[best],
    }))


if __name__ == "__main__":
    if sys.argv[1] == "drift":
        drift(sys.argv[2], sys.argv[3])
    else:
        break_test(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
