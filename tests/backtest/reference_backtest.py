#!/usr/bin/python3
# The pandas twin of src/mre/backtest/backtest.h, written the way a pandas user would (shift,
# diff, cumprod, groupby year), for tests/backtest/backtest_test.cc. Reads a CSV with columns
# date, r_<asset>..., rf, w_<asset>... (target weights), runs the same timing and prints one
# "key,value" line per metric, per year ("year_YYYY") and per evaluated day ("ret_YYYY-MM-DD").
#   /usr/bin/python3 reference_backtest.py --csv in.csv --delay 1 --cost-bp 10 --first 5
import argparse

import numpy as np
import pandas as pd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--delay", type=int, required=True)
    ap.add_argument("--cost-bp", type=float, required=True)
    ap.add_argument("--first", type=int, required=True)
    ap.add_argument("--periods", type=int, default=252)
    a = ap.parse_args()
    df = pd.read_csv(a.csv, parse_dates=["date"]).set_index("date")
    assets = [c[2:] for c in df.columns if c.startswith("r_")]
    r = df[[f"r_{x}" for x in assets]].set_axis(assets, axis=1)
    w = df[[f"w_{x}" for x in assets]].set_axis(assets, axis=1)
    held = w.shift(1 + a.delay)
    turnover = held.diff().abs().sum(axis=1, min_count=1)
    held, r, rf, turnover = held.iloc[a.first:], r.iloc[a.first:], df["rf"].iloc[a.first:], turnover.iloc[a.first:].copy()
    turnover.iloc[0] = 0.0
    exposure = held.sum(axis=1)
    ret = (held * r).sum(axis=1) + (1 - exposure) * rf - a.cost_bp / 1e4 * turnover
    excess = ret - rf
    equity = (1 + ret).cumprod()
    peak = np.maximum(equity.cummax(), 1.0)
    drawdown = equity / peak - 1
    n, p = len(ret), a.periods
    annual = equity.iloc[-1] ** (p / n) - 1
    mdd = min(0.0, drawdown.min())
    downside = np.sqrt((excess.clip(upper=0) ** 2).mean())
    out = {
        "days": n,
        "annual_return": annual,
        "volatility": ret.std() * np.sqrt(p),
        "sharpe": excess.mean() / excess.std() * np.sqrt(p) if excess.std() > 0 else np.nan,
        "sortino": excess.mean() / downside * np.sqrt(p) if downside > 0 else np.nan,
        "max_drawdown": mdd,
        "calmar": annual / -mdd if mdd < 0 else np.nan,
        "turnover": turnover.mean() * p,
        "average_exposure": exposure.mean(),
        "total_return": equity.iloc[-1] - 1,
    }
    for year, value in (1 + ret).groupby(ret.index.year).prod().items():
        out[f"year_{year}"] = value - 1
    for day, value in ret.items():
        out[f"ret_{day.date().isoformat()}"] = value
    for day, value in drawdown.items():
        out[f"dd_{day.date().isoformat()}"] = value
    for key, value in out.items():
        print(f"{key},{float(value)!r}")


if __name__ == "__main__":
    main()
