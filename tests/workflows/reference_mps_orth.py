#!/usr/bin/env python3
"""Reference mps_orth for tests/workflows/effect_studies_test.cc, with pandas and statsmodels on
the bundled file itself (data/snapshot/shocks/mp1_monthly.csv): the FOMC months are those with a
non-zero mps_orig1; for each one with mps_orig1 and the six predictors of Bauer and Swanson (2023)
present, OLS (with a constant) of mps_orig1 on the predictors over the earlier such months, from
MIN of them on, and the month's residual. Prints JSON {"YYYY-MM": residual, ...} and the count.

usage: /usr/bin/python3 reference_mps_orth.py SOURCE_DIR MIN
"""
import json
import sys

import pandas as pd
import statsmodels.api as sm

PREDICTORS = ["NFP_SURP", "NFP_12M", "SP500_3M", "SLOPE_3M", "BCOM_3M", "TR_SKEW"]


def main():
    root, minimum = sys.argv[1], int(sys.argv[2])
    df = pd.read_csv(root + "/data/snapshot/shocks/mp1_monthly.csv")
    df["month"] = pd.to_datetime(df["Date"], format="%m/%d/%Y").dt.strftime("%Y-%m")
    rows = df[(df["mps_orig1"] != 0)].dropna(subset=["mps_orig1"] + PREDICTORS).reset_index()
    out = {}
    for i in range(minimum, len(rows)):
        past = rows.iloc[:i]
        fit = sm.OLS(past["mps_orig1"].to_numpy(), sm.add_constant(past[PREDICTORS].to_numpy())).fit()
        x = [1.0] + rows.loc[i, PREDICTORS].tolist()
        out[rows.loc[i, "month"]] = float(rows.loc[i, "mps_orig1"] - sum(b * v for b, v in zip(fit.params, x)))
    zeros = df.loc[df["mps_orig1"] == 0, "month"].tolist()
    print(json.dumps({"residuals": out, "zero_months": zeros, "fomc_months": len(rows)}))


if __name__ == "__main__":
    main()
