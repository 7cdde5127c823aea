#!/usr/bin/env python3
"""Reference local projections for tests/causal/local_projection_test.cc with pandas and
statsmodels: reads a CSV of y, shock, c1..ck; for each horizon h regresses d = y_{t+h} - y_{t-1}
(cumulative) or y_{t+h} (levels) on a constant, shock_t and lags 1..p of the shock, of w (the
change of y when cumulative, else y) and of every control, rows with any missing value dropped;
cov_type HC1, or HAC with maxlags = max(h + 1, floor(4 (n/100)^(2/9))). Prints JSON.

usage: /usr/bin/python3 reference_local_projection.py data.csv LAGS CUMULATIVE(0|1) hc1|hac H1,H2,...
"""
import json
import math
import sys

import pandas as pd
import statsmodels.api as sm


def main():
    path, p, cumulative, se, horizons = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], sys.argv[5]
    df = pd.read_csv(path)
    controls = [c for c in df.columns if c not in ("y", "shock")]
    w = df["y"].diff() if cumulative else df["y"]
    out = []
    for h in [int(x) for x in horizons.split(",")]:
        cols = {"const": 1.0, "shock": df["shock"]}
        for lag in range(1, p + 1):
            cols[f"shock_l{lag}"] = df["shock"].shift(lag)
            cols[f"w_l{lag}"] = w.shift(lag)
            for c in controls:
                cols[f"{c}_l{lag}"] = df[c].shift(lag)
        X = pd.DataFrame(cols)
        d = df["y"].shift(-h) - df["y"].shift(1) if cumulative else df["y"].shift(-h)
        data = pd.concat([d.rename("d"), X], axis=1).dropna()
        n = len(data)
        model = sm.OLS(data["d"], data.drop(columns="d"))
        if se == "hc1":
            fit = model.fit(cov_type="HC1")
            lag_used = 0
        else:
            lag_used = max(h + 1, int(math.floor(4 * (n / 100) ** (2 / 9))))
            fit = model.fit(cov_type="HAC", cov_kwds={"maxlags": lag_used})
        out.append({"horizon": h, "effect": float(fit.params["shock"]), "se": float(fit.bse["shock"]), "n": n,
                    "hac_lag": lag_used})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
