#!/usr/bin/env python3
"""Reference event study for tests/workflows/effect_studies_test.cc, with pandas and statsmodels
on the bundled files themselves: MP1 of data/snapshot/shocks/fomc_surprises_jk.csv (NaN dropped,
announcements on one date summed), the S&P 500 close of data/snapshot/yahoo/GSPC.csv; response =
close on the announcement day (+ window trading days) / previous close - 1; OLS with a constant,
cov_type HC1 and HAC(maxlags=L). Prints JSON.

usage: /usr/bin/python3 reference_event_study.py SOURCE_DIR WINDOW HAC_LAG
"""
import json
import sys

import pandas as pd
import statsmodels.api as sm


def main():
    root, window, lag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    jk = pd.read_csv(root + "/data/snapshot/shocks/fomc_surprises_jk.csv")
    jk["date"] = jk["start"].str[:10]
    mp1 = jk.dropna(subset=["MP1"]).groupby("date")["MP1"].sum()
    px = pd.read_csv(root + "/data/snapshot/yahoo/GSPC.csv").dropna(subset=["close"])
    close = px.set_index("date")["close"]
    pos = {d: i for i, d in enumerate(close.index)}
    rows = []
    for d, s in mp1.items():
        i = pos.get(d)
        if i is None or i == 0 or i + window >= len(close):
            continue
        rows.append((d, s, close.iloc[i + window] / close.iloc[i - 1] - 1.0))
    df = pd.DataFrame(rows, columns=["date", "mp1", "ret"])
    X = sm.add_constant(df["mp1"].to_numpy())
    hc1 = sm.OLS(df["ret"].to_numpy(), X).fit(cov_type="HC1")
    hac = sm.OLS(df["ret"].to_numpy(), X).fit(cov_type="HAC", cov_kwds={"maxlags": lag})
    print(json.dumps({"events": len(df), "announcement_days": int(len(mp1)),
                      "double_dates": int((jk.dropna(subset=["MP1"]).groupby("date").size() > 1).sum()),
                      "effect": float(hc1.params[1]), "intercept": float(hc1.params[0]),
                      "se_hc1": float(hc1.bse[1]), "se_hac": float(hac.bse[1]),
                      "first": df["date"].iloc[0], "last": df["date"].iloc[-1]}))


if __name__ == "__main__":
    main()
