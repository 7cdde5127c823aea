#!/usr/bin/env python3
"""Reference equal-weighted cosine (EWC) inference (Lazarus, Lewis, Stock & Watson 2018) in numpy
and scipy, for tests/causal/har_test.cc, written from the paper's formulas: OLS of y on the
columns x1..xk of a CSV (no constant added); scores z_t = x_t e_t; Lambda_j = sqrt(2/n) sum_t
cos(pi j (t - 1/2) / n) z_t for j = 1..nu; Omega = mean_j Lambda_j Lambda_j'; covariance
(X'X)^-1 n Omega (X'X)^-1; t statistics against Student's t(nu); the Wald test of
beta_1 = beta_2 = ... = beta_k as F = W / p (nu - p + 1) / nu against F(p, nu - p + 1). With
HC3 = 1, the scores are divided by 1 - h_t, h_t the diagonal of X (X'X)^-1 X' (MacKinnon & White
1985's HC3 residuals).

usage: /usr/bin/python3 reference_ewc.py data.csv MIN_BANDWIDTH HC3
"""
import json
import sys

import numpy as np
import pandas as pd
from scipy import stats


def main():
    frame = pd.read_csv(sys.argv[1])
    min_bandwidth = int(sys.argv[2])
    hc3 = int(sys.argv[3]) == 1
    y = frame["y"].to_numpy()
    X = frame[[c for c in frame.columns if c.startswith("x")]].to_numpy()
    n, k = X.shape
    nu = int(np.floor(0.4 * np.cbrt(float(n) * n) + 1e-9))
    if min_bandwidth > 1:
        nu = min(nu, n // min_bandwidth)
    nu = max(nu, 1)
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    z = X * (y - X @ beta)[:, None]
    if hc3:
        h = np.diag(X @ np.linalg.inv(X.T @ X) @ X.T)
        z = z / (1.0 - h)[:, None]
    t = np.arange(n) + 0.5
    lam = np.array([np.sqrt(2.0 / n) * (np.cos(np.pi * j * t / n) @ z) for j in range(1, nu + 1)])
    omega = lam.T @ lam / nu
    bread = np.linalg.inv(X.T @ X)
    cov = bread @ (n * omega) @ bread
    se = np.sqrt(np.diag(cov))
    tstat = beta / se
    p = k - 1
    C = np.zeros((p, k))
    C[:, 0] = -1.0
    C[np.arange(p), np.arange(1, k)] = 1.0
    d = C @ beta
    wald = float(d @ np.linalg.solve(C @ cov @ C.T, d))
    f = wald / p * (nu - p + 1) / nu
    print(json.dumps({
        "nu": nu,
        "beta": beta.tolist(),
        "covariance": cov.ravel().tolist(),
        "p_values": (2 * stats.t.sf(np.abs(tstat), nu)).tolist(),
        "critical_975": float(stats.t.ppf(0.975, nu)),
        "wald": wald,
        "wald_p_value": float(stats.f.sf(f, p, nu - p + 1)),
    }))


if __name__ == "__main__":
    main()
