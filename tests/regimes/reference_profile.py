#!/usr/bin/python3
"""Regime-conditional statistics in pandas, for mre's tests (regimes/profile.h), written from the
definitions in the header, independently of the C++.

usage: reference_profile.py LABELS.csv PRICES.csv
LABELS.csv: date,label (filtered labels, label an integer index); PRICES.csv: date,asset,price
(long form, several assets). Prints JSON: per asset and regime (and "ALL") the days, annual mean,
volatility, Sharpe, worst day and its date; the transition matrix and expected durations.
"""
import json
import sys

import numpy as np
import pandas as pd


def stats(r):
    out = {"days": int(len(r)), "annual_mean": float(r.mean() * 252)}
    vol = r.std(ddof=1) * np.sqrt(252) if len(r) > 1 else float("nan")
    out["annual_volatility"] = None if np.isnan(vol) else float(vol)
    out["sharpe"] = None if (np.isnan(vol) or vol == 0) else float(r.mean() * 252 / vol)
    out["worst_day"] = float(r.min())
    out["worst_date"] = r.idxmin().strftime("%Y-%m-%d")
    return out


def main():
    labels = pd.read_csv(sys.argv[1], parse_dates=["date"]).set_index("date")["label"]
    prices = pd.read_csv(sys.argv[2], parse_dates=["date"])
    K = int(labels.max()) + 1
    prev, cur = labels.shift(1).iloc[1:].astype(int), labels.iloc[1:]
    counts = pd.crosstab(prev, cur).reindex(index=range(K), columns=range(K), fill_value=0)
    trans = counts.div(counts.sum(axis=1), axis=0)
    durations = [None if np.isnan(p) else (float("inf") if p == 1 else 1 / (1 - p)) for p in np.diag(trans.values)]
    result = {"transitions": trans.values.tolist(), "durations": durations, "assets": {}}
    first, last = labels.index.min(), labels.index.max()
    for asset, g in prices.groupby("asset", sort=False):
        p = g.set_index("date")["price"].sort_index()
        p = p[p > 0].dropna()
        frame = pd.DataFrame({"r": p / p.shift(1) - 1, "prev": p.index.to_series().shift(1)}).iloc[1:]
        frame = frame[(frame["prev"] >= first) & (frame["prev"] <= last)]
        # as-of: the label of the latest labelled date <= the previous close
        lab = pd.merge_asof(frame[["prev"]].rename(columns={"prev": "date"}).reset_index(names="end"),
                            labels.rename("label").reset_index(), on="date", direction="backward")
        frame["label"] = lab["label"].values
        per = {}
        for k, sub in frame.groupby("label"):
            per[str(int(k))] = stats(sub["r"])
        per["ALL"] = stats(frame["r"])
        result["assets"][asset] = per
    print(json.dumps(result))


if __name__ == "__main__":
    main()
